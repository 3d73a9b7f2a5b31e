import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { taskNames } from '../../src/scaffold/names.js';
import { GENERATED_HEADER, renderTemplate, TEMPLATES_DIR } from '../../src/scaffold/render.js';

function templateFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? templateFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

const MAP = new Map([
  ['runtime/tasks.ts', 'lib/jobs/runtime/tasks.ts'],
  ['in-process/__task-name__.ts', 'app/tasks/__task-name__.ts'],
  ['in-process/__task-name__.test.ts', 'app/tasks/__task-name__.test.ts'],
]);
const VARIABLES = { '__task-name__': 'send-receipt', __taskName__: 'sendReceipt', __TaskName__: 'SendReceipt' } as const;

describe('templates', () => {
  it('every template starts with the generated-file header', () => {
    const files = templateFiles(TEMPLATES_DIR);
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) expect(readFileSync(file, 'utf8').split('\n')[0], relative(TEMPLATES_DIR, file)).toBe(GENERATED_HEADER);
  });
});

describe('renderTemplate', () => {
  it('fills placeholders in the text and the path, and rewrites relative imports to the output layout', () => {
    const { path, contents } = renderTemplate('in-process/__task-name__.test.ts', MAP, VARIABLES, { importSuffix: '.js' });
    expect(path).toBe('app/tasks/send-receipt.test.ts');
    expect(contents).toContain("from '../../lib/jobs/runtime/tasks.js'");
    expect(contents).toContain("from './send-receipt.js'");
    expect(contents).toContain("describe('sendReceipt'");
    expect(contents).not.toMatch(/__\w+__/);
  });

  it('drops the suffix for projects whose resolution does not want one', () => {
    const { contents } = renderTemplate('in-process/__task-name__.test.ts', MAP, VARIABLES, { importSuffix: '' });
    expect(contents).toContain("from '../../lib/jobs/runtime/tasks'");
    expect(contents).toContain("from './send-receipt'");
  });

  it('fails loudly on a placeholder left over', () => {
    const { __TaskName__: _omitted, ...partial } = VARIABLES;
    expect(() => renderTemplate('in-process/__task-name__.test.ts', MAP, partial, { importSuffix: '.js' })).toThrow(/placeholder __TaskName__ left/);
  });

  it('fails loudly on an import no template maps', () => {
    const withoutRuntime = new Map([...MAP].filter(([template]) => template !== 'runtime/tasks.ts'));
    expect(() => renderTemplate('in-process/__task-name__.test.ts', withoutRuntime, VARIABLES, { importSuffix: '.js' })).toThrow(/imports \.\.\/runtime\/tasks\.js/);
  });
});

describe('taskNames', () => {
  it.each([
    ['send-receipt', 'send-receipt', 'sendReceipt', 'SendReceipt'],
    ['sendReceipt', 'send-receipt', 'sendReceipt', 'SendReceipt'],
    ['SendReceipt', 'send-receipt', 'sendReceipt', 'SendReceipt'],
    ['send_receipt', 'send-receipt', 'sendReceipt', 'SendReceipt'],
    ['HTTPRequestLog', 'http-request-log', 'httpRequestLog', 'HttpRequestLog'],
    ['sync2', 'sync2', 'sync2', 'Sync2'],
  ])('%s', (input, kebab, camel, pascal) => {
    expect(taskNames(input)).toEqual({ kebab, camel, pascal });
  });

  it.each(['', '../x', 'a/b', 'a\\b', 'class', 'await', '9lives', 'send receipt', 'caf\u00e9'])('refuses %j', (input) => {
    expect(() => taskNames(input)).toThrow(UsageError);
  });
});
