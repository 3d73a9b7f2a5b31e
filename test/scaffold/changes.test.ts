import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChangeSet } from '../../src/scaffold/changes.js';
import { recordInstallState } from '../../src/scaffold/install.js';
import { makeProject } from '../helpers/cli.js';

describe('ChangeSet', () => {
  it('counts the text from before the formatter ran as done, so a re-run whose formatter sees more plans nothing', () => {
    const root = makeProject({ 'src/tasks.ts': "export const a = 'raw';\n" });
    const changes = new ChangeSet(root);
    changes.generate('src/tasks.ts', "export const a = 'raw';\n");
    // A typed ESLint that could not see the file on the first run fixes it on the second.
    changes.replace('src/tasks.ts', 'export const a = "raw"\n');
    expect(changes.plan({ force: false })).toEqual([{ path: 'src/tasks.ts', action: 'skip', bytes: 23 }]);
  });

  it('rollback puts back changed files and removes created files and folders', () => {
    const root = makeProject({ 'package.json': '{ "name": "api" }\n', 'src/app.ts': 'const app = 1;\n' });
    const changes = new ChangeSet(root);
    changes.edit('package.json', '{ "name": "api", "scripts": {} }\n');
    changes.edit('src/app.ts', 'const app = 2;\n');
    changes.generate('src/background/tasks.ts', 'export {};\n');
    changes.commit({ force: false });
    expect(readFileSync(join(root, 'src/app.ts'), 'utf8')).toBe('const app = 2;\n');
    changes.rollback();
    expect(readFileSync(join(root, 'package.json'), 'utf8')).toBe('{ "name": "api" }\n');
    expect(readFileSync(join(root, 'src/app.ts'), 'utf8')).toBe('const app = 1;\n');
    expect(existsSync(join(root, 'src/background'))).toBe(false);
  });
});

describe('recordInstallState', () => {
  it("puts back package.json and the lockfile as an installer left them, removes a new node_modules, and touches nothing else", () => {
    const root = makeProject({ 'package.json': '{ "name": "api" }\n', 'package-lock.json': '{}\n' });
    const restore = recordInstallState(root);
    // An install whose first command saved to package.json before the second failed.
    writeFileSync(join(root, 'package.json'), '{ "name": "api", "dependencies": { "bullmq": "^6.7.0" } }\n');
    writeFileSync(join(root, 'package-lock.json'), '{ "half": true }\n');
    mkdirSync(join(root, 'node_modules', 'bullmq'), { recursive: true });
    writeFileSync(join(root, 'notes.md'), 'written meanwhile by the user\n');
    restore();
    expect(readFileSync(join(root, 'package.json'), 'utf8')).toBe('{ "name": "api" }\n');
    expect(readFileSync(join(root, 'package-lock.json'), 'utf8')).toBe('{}\n');
    expect(existsSync(join(root, 'node_modules'))).toBe(false);
    expect(existsSync(join(root, 'notes.md'))).toBe(true);
  });
});
