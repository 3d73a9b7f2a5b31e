import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { styleGeneratedFiles } from '../../src/scaffold/apply.js';
import { ChangeSet } from '../../src/scaffold/changes.js';
import { applyEditorconfig, applyProjectStyle, detectStyle, type ProjectStyle, type StyledFile } from '../../src/scaffold/style.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/temp-dirs.js';

// The real tools, installed once into node_modules/.cache and linked into each fixture project as
// its node_modules; a re-run finds them there. Without the npm registry the tests that need them
// skip, saying so; the rest still run.
const TOOL_SETS = {
  current: ['@biomejs/biome@2', 'prettier@3', 'eslint@9', '@stylistic/eslint-plugin', 'typescript-eslint'],
  // The last Biome that spells --write --apply.
  biome1: ['@biomejs/biome@1.7.3'],
} as const;
type ToolSet = keyof typeof TOOL_SETS;
const CACHE = join(REPO_ROOT, 'node_modules', '.cache', 'bgtask-style-tools');
const toolsDir = (set: ToolSet): string => join(CACHE, set);
const unavailable: Partial<Record<ToolSet, string>> = {};

function npmInstall(dir: string, specs: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      process.platform === 'win32' ? 'npm.cmd' : 'npm',
      ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--loglevel=error', '--prefix', dir, ...specs],
      { cwd: dir, timeout: 240_000, shell: process.platform === 'win32' },
      (error, _stdout, stderr) => (error === null ? resolve() : reject(new Error(`npm install ${specs.join(' ')} failed: ${stderr || error.message}`))),
    );
  });
}

async function ensureTools(set: ToolSet): Promise<void> {
  const dir = toolsDir(set);
  const stamp = join(dir, 'installed.json');
  const wanted = JSON.stringify(TOOL_SETS[set]);
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted && existsSync(join(dir, 'node_modules'))) return;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `bgtask-style-tools-${set}`, private: true }));
  try {
    await npmInstall(dir, TOOL_SETS[set]);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|network|offline|timed out/i.test(message)) {
      unavailable[set] = /npm error code (\S+)/.exec(message)?.[1] ?? 'no answer';
      console.warn(`[style tests] npm registry unreachable, skipping the tests that need ${TOOL_SETS[set].join(' ')}: ${unavailable[set]}`);
      return;
    }
    throw error;
  }
  writeFileSync(stamp, wanted);
}

beforeAll(async () => {
  await Promise.all([ensureTools('current'), ensureTools('biome1')]);
}, 300_000);

function needTools(context: TestContext, set: ToolSet): void {
  const reason = unavailable[set];
  if (reason !== undefined) context.skip(`npm registry unreachable (${reason}): ${TOOL_SETS[set].join(' ')} could not be installed`);
}

/** A user's project: its files, and its node_modules linked to one of the tool sets. */
function project(files: Record<string, string>, tools?: ToolSet): string {
  const root = makeTempDir('style-');
  const all = { 'package.json': JSON.stringify({ name: 'app', private: true, type: 'module' }, null, 2) + '\n', ...files };
  for (const [path, contents] of Object.entries(all)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), contents);
  }
  if (tools !== undefined) symlinkSync(join(toolsDir(tools), 'node_modules'), join(root, 'node_modules'), 'dir');
  return root;
}

function writeFiles(root: string, files: readonly StyledFile[]): void {
  for (const file of files) {
    mkdirSync(dirname(join(root, file.path)), { recursive: true });
    writeFileSync(join(root, file.path), file.contents);
  }
}

const NAMES: Record<string, string> = {
  __taskName__: 'sendWelcomeEmail',
  __TaskName__: 'SendWelcomeEmail',
  '__task-name__': 'send-welcome-email',
  '__route-method__': 'POST',
  '__route-path__': '/tasks/send-welcome-email',
};

/** A template as `bgtask add-task send-welcome-email` renders it. */
function generated(template: string): string {
  let text = readFileSync(join(REPO_ROOT, 'templates', template), 'utf8');
  for (const [token, value] of Object.entries(NAMES)) text = text.split(token).join(value);
  expect(text).not.toMatch(/__[A-Za-z][A-Za-z0-9-]*__/);
  return text;
}

const TASK = { path: 'src/tasks/send-welcome-email.ts', template: 'in-process/__task-name__.ts' };
const ROUTE = { path: 'src/tasks/routes/send-welcome-email.ts', template: 'in-process/routes/express.ts' };
const RUNTIME = { path: 'src/background/tasks.ts', template: 'runtime/tasks.ts' };
const PACKAGE_JSON = { path: 'package.json', contents: '{\n  "name": "app",\n  "type": "module"\n}\n' };

function generatedFiles(...extra: StyledFile[]): StyledFile[] {
  return [...[TASK, ROUTE, RUNTIME].map(({ path, template }) => ({ path, contents: generated(template) })), PACKAGE_JSON, ...extra];
}

const contentsOf = (files: readonly StyledFile[], path: string): string => files.find((file) => file.path === path)?.contents ?? '';

/** Applies the style, then applies it again to its own output and to the generated text once the result is on disk: all the same. */
async function applyAndCheckIdempotent(root: string, style: ProjectStyle, files: StyledFile[]): Promise<{ files: StyledFile[]; problems: string[] }> {
  const first = await applyProjectStyle(root, style, files);
  const again = await applyProjectStyle(root, style, first.files);
  expect(again.files).toEqual(first.files);
  return first;
}

/** Lines indented with spaces, outside JSDoc continuation lines. */
const spaceIndented = (text: string): string[] => text.split('\n').filter((line) => /^ +[^ *]/.test(line));

describe('detectStyle', () => {
  it('finds nothing in a project without config, and says so', () => {
    const style = detectStyle(project({}));
    expect(style.tools).toEqual([]);
    expect(style.describe).toBe('no formatter, linter or .editorconfig');
  });

  it('needs a tool both configured and installed, and names the config, the version and what is missing', () => {
    const root = project({
      'biome.json': '{}\n',
      'eslint.config.js': 'export default [];\n',
      '.prettierrc.json': '{}\n',
      '.editorconfig': 'root = true\n',
      'node_modules/@biomejs/biome/package.json': '{ "name": "@biomejs/biome", "version": "2.1.0" }',
      'node_modules/eslint/package.json': '{ "name": "eslint", "version": "9.30.0" }',
    });
    const style = detectStyle(root);
    expect(style.tools).toEqual(['biome', 'eslint']);
    expect(style.describe).toBe('Biome 2.1.0 (biome.json), ESLint 9.30.0 (eslint.config.js); not applied: Prettier (.prettierrc.json, but prettier is not installed)');
  });

  it('reads the prettier and eslintConfig keys of package.json, and falls back to .editorconfig when no tool is installed', () => {
    const root = project({
      'package.json': JSON.stringify({ name: 'app', prettier: { semi: false }, eslintConfig: { root: true } }),
      '.editorconfig': 'root = true\n',
      'node_modules/prettier/package.json': '{ "name": "prettier", "version": "3.3.0" }',
    });
    expect(detectStyle(root)).toEqual({ tools: ['prettier'], describe: 'Prettier 3.3.0 (package.json); not applied: ESLint (package.json, but eslint is not installed)' });
    rmSync(join(root, 'node_modules'), { recursive: true });
    expect(detectStyle(root).tools).toEqual(['editorconfig']);
  });

  it("takes a monorepo's config from above the package, up to the repository root", () => {
    const repo = project({ '.git/HEAD': 'ref: refs/heads/main\n', 'biome.json': '{}\n', 'node_modules/@biomejs/biome/package.json': '{ "version": "2.0.0" }' });
    mkdirSync(join(repo, 'packages/api'), { recursive: true });
    expect(detectStyle(join(repo, 'packages/api'))).toEqual({ tools: ['biome'], describe: 'Biome 2.0.0 (../../biome.json)' });
  });
});

describe('applyProjectStyle without tools', () => {
  it('returns everything unchanged in a project without config', async () => {
    const root = project({});
    const files = generatedFiles();
    const style = detectStyle(root);
    expect(await applyProjectStyle(root, style, files)).toEqual({ files, problems: [] });
  });
});

describe('.editorconfig', () => {
  const templateLiteral = [
    '// Generated by bgtask. You own this file: edit it as you like.',
    'export function report(count: number): string {',
    '  /**',
    '   * The message.',
    '   */',
    '  const body = `',
    '    ${count} tasks',
    '      done',
    '  `;',
    '  return body;',
    '}',
    '',
  ].join('\n');

  it("re-indents with the matching section's tabs or width and line endings, leaving literals' lines alone", async () => {
    const root = project({
      '.editorconfig': [
        'root = true',
        '',
        '[*]',
        'indent_style = space',
        'indent_size = 2',
        'end_of_line = lf',
        'insert_final_newline = true',
        'trim_trailing_whitespace = true',
        '',
        '[*.{ts,tsx}]',
        'indent_style = tab',
        '',
        '[src/legacy/**.ts]',
        'indent_style = space',
        'indent_size = 4',
        'end_of_line = crlf',
        '',
      ].join('\n'),
    });
    const style = detectStyle(root);
    expect(style).toEqual({ tools: ['editorconfig'], describe: '.editorconfig' });
    const files = generatedFiles({ path: 'src/report.ts', contents: templateLiteral }, { path: 'src/legacy/report.ts', contents: templateLiteral });
    const { files: styled, problems } = await applyAndCheckIdempotent(root, style, files);
    expect(problems).toEqual([]);

    const task = contentsOf(styled, TASK.path);
    expect(spaceIndented(task)).toEqual([]);
    expect(task).toContain('\nexport interface SendWelcomeEmailPayload {\n\tid: string;\n}\n');
    expect(task).toContain('\n/**\n * Runs after the response');
    expect(task).toContain('\n\t// Replace with the real work');
    expect(spaceIndented(contentsOf(styled, RUNTIME.path))).toEqual([]);
    expect(contentsOf(styled, RUNTIME.path)).toContain('\n\t\t\tthrow new TypeError(');

    expect(contentsOf(styled, 'src/report.ts')).toBe(
      ['// Generated by bgtask. You own this file: edit it as you like.', 'export function report(count: number): string {', '\t/**', '\t * The message.', '\t */', '\tconst body = `', '    ${count} tasks', '      done', '  `;', '\treturn body;', '}', ''].join('\n'),
    );
    expect(contentsOf(styled, 'src/legacy/report.ts')).toBe(
      ['// Generated by bgtask. You own this file: edit it as you like.', 'export function report(count: number): string {', '    /**', '     * The message.', '     */', '    const body = `', '    ${count} tasks', '      done', '  `;', '    return body;', '}', ''].join('\r\n'),
    );
    expect(contentsOf(styled, 'package.json')).toBe(PACKAGE_JSON.contents);
  });

  it('trims trailing whitespace and sets the final newline, except inside a literal', () => {
    const text = 'const a = 1;   \nconst b = `x   \ny`;  \n\n';
    expect(applyEditorconfig('a.ts', text, { trim_trailing_whitespace: true, insert_final_newline: false })).toBe('const a = 1;\nconst b = `x   \ny`;');
    expect(applyEditorconfig('a.ts', 'const a = 1;', { insert_final_newline: true, end_of_line: 'crlf' })).toBe('const a = 1;\r\n');
    expect(applyEditorconfig('a.ts', 'if (a) {\n  b();\n}\n', { indent_style: 'space', indent_size: 2 })).toBe('if (a) {\n  b();\n}\n');
    expect(applyEditorconfig('a.ts', 'if (a) {\n  b();\n}\n', { indent_size: 'tab', tab_width: 8 })).toBe('if (a) {\n        b();\n}\n');
  });
});

describe('Biome', () => {
  const biomeJson = JSON.stringify(
    {
      $schema: './node_modules/@biomejs/biome/configuration_schema.json',
      vcs: { enabled: false },
      files: { includes: ['**', '!src/generated/**'] },
      formatter: { enabled: true, indentStyle: 'tab', lineWidth: 100 },
      linter: { enabled: true, rules: { recommended: true } },
      javascript: { formatter: { quoteStyle: 'double' } },
    },
    null,
    2,
  );

  it('formats with biome.json (tabs, double quotes) so that `biome check` passes, the same on every run', async (context) => {
    needTools(context, 'current');
    const root = project({ 'biome.json': biomeJson }, 'current');
    const style = detectStyle(root);
    expect(style.tools).toEqual(['biome']);
    expect(style.describe).toMatch(/^Biome 2\.\d+\.\d+ \(biome\.json\)$/);
    const files = generatedFiles();
    const { files: styled, problems } = await applyAndCheckIdempotent(root, style, files);
    expect(problems).toEqual([]);
    const task = contentsOf(styled, TASK.path);
    expect(task).toContain('\nexport interface SendWelcomeEmailPayload {\n\tid: string;\n}\n');
    expect(task).toContain('typeof value === "object"');
    expect(task).not.toMatch(/'[^'\n]*'/);
    expect(contentsOf(styled, ROUTE.path)).toContain('import { type IRouter, json } from "express";');
    expect(contentsOf(styled, 'package.json')).toBe(PACKAGE_JSON.contents);

    writeFiles(root, styled.filter((file) => file.path !== 'package.json'));
    const check = spawnSync(join(root, 'node_modules', '.bin', 'biome'), ['check', 'src'], { cwd: root, encoding: 'utf8' });
    expect(check.stdout + check.stderr).toContain('Checked 3 files');
    expect(check.status, check.stdout + check.stderr).toBe(0);
    // Run again on the generated text, as the scaffolder does, with the files now on disk.
    expect((await applyProjectStyle(root, style, files)).files).toEqual(styled);
  });

  it('leaves a file that biome.json ignores unchanged, whether or not it exists yet', async (context) => {
    needTools(context, 'current');
    const root = project({ 'biome.json': biomeJson }, 'current');
    const style = detectStyle(root);
    const file = { path: 'src/generated/send-welcome-email.ts', contents: generated(TASK.template) };
    expect(await applyProjectStyle(root, style, [file])).toEqual({ files: [file], problems: [] });
    writeFiles(root, [file]);
    expect(await applyProjectStyle(root, style, [file])).toEqual({ files: [file], problems: [] });
  });

  it('reports a broken biome.json once and leaves the text as generated', async (context) => {
    needTools(context, 'current');
    const root = project({ 'biome.json': '{ "formatter": { "indentStyle": ' }, 'current');
    const files = generatedFiles();
    const { files: styled, problems } = await applyProjectStyle(root, detectStyle(root), files);
    expect(styled).toEqual(files);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^Biome could not check the generated files: biome\.json:\d+:\d+ Expected an array, an object, or a literal/);
  });

  it('runs Biome 1.x before 1.8 with --apply and its files.ignore', async (context) => {
    needTools(context, 'biome1');
    const root = project(
      {
        'biome.json': JSON.stringify({ files: { ignore: ['src/generated/**'] }, formatter: { indentStyle: 'tab' }, javascript: { formatter: { quoteStyle: 'double', semicolons: 'asNeeded' } } }),
      },
      'biome1',
    );
    const style = detectStyle(root);
    expect(style.describe).toBe('Biome 1.7.3 (biome.json)');
    const ignored = { path: 'src/generated/send-welcome-email.ts', contents: generated(TASK.template) };
    const { files: styled, problems } = await applyAndCheckIdempotent(root, style, [{ path: TASK.path, contents: generated(TASK.template) }, ignored]);
    expect(problems).toEqual([]);
    expect(styled[0]!.contents).toContain('\nexport interface SendWelcomeEmailPayload {\n\tid: string\n}\n');
    expect(styled[0]!.contents).toContain('typeof value === "object"');
    expect(styled[1]).toEqual(ignored);
  });
});

describe('Prettier', () => {
  it('formats with the project Prettier config, skips what .prettierignore names, and `prettier --check` passes', async (context) => {
    needTools(context, 'current');
    const root = project(
      {
        '.prettierrc.json': JSON.stringify({ semi: false, singleQuote: false, tabWidth: 4, printWidth: 100 }),
        '.prettierignore': 'src/legacy/\n',
      },
      'current',
    );
    const style = detectStyle(root);
    expect(style.tools).toEqual(['prettier']);
    const legacy = { path: 'src/legacy/send-welcome-email.ts', contents: generated(TASK.template) };
    const files = generatedFiles(legacy);
    const { files: styled, problems } = await applyAndCheckIdempotent(root, style, files);
    expect(problems).toEqual([]);
    const task = contentsOf(styled, TASK.path);
    expect(task).toContain('\nexport interface SendWelcomeEmailPayload {\n    id: string\n}\n');
    expect(task).toContain('typeof value === "object"');
    expect(task).not.toMatch(/;\n/);
    expect(contentsOf(styled, legacy.path)).toBe(legacy.contents);
    expect(contentsOf(styled, 'package.json')).toBe(PACKAGE_JSON.contents);

    writeFiles(root, styled.filter((file) => file.path !== 'package.json'));
    const check = spawnSync(process.execPath, [join(root, 'node_modules', 'prettier', 'bin', 'prettier.cjs'), '--check', 'src'], { cwd: root, encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
  });

  it('reports a broken .prettierrc and leaves the text as generated', async (context) => {
    needTools(context, 'current');
    const root = project({ '.prettierrc': '{ "semi": ' }, 'current');
    const files = generatedFiles();
    const { files: styled, problems } = await applyProjectStyle(root, detectStyle(root), files);
    expect(styled).toEqual(files);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^Prettier failed on src\/tasks\/send-welcome-email\.ts: .*\.prettierrc/);
  });
});

describe('ESLint', () => {
  const eslintConfig = [
    "import stylistic from '@stylistic/eslint-plugin';",
    "import tseslint from 'typescript-eslint';",
    '',
    'export default [',
    "  { ignores: ['dist/**', 'src/vendor/**'] },",
    '  ...tseslint.configs.recommended,',
    "  stylistic.configs.customize({ indent: 2, quotes: 'double', semi: false }),",
    '];',
    '',
  ].join('\n');

  it('fixes with a @stylistic flat config so that the result lints clean, skips ignored files and reports what fixes leave', async (context) => {
    needTools(context, 'current');
    const root = project({ 'eslint.config.js': eslintConfig }, 'current');
    const style = detectStyle(root);
    expect(style.tools).toEqual(['eslint']);
    expect(style.describe).toMatch(/^ESLint 9\.\d+\.\d+ \(eslint\.config\.js\)$/);
    const vendored = { path: 'src/vendor/send-welcome-email.ts', contents: generated(TASK.template) };
    const unfixable = { path: 'src/tasks/legacy.ts', contents: "export const legacy: any = 'x';\n" };
    const { files: styled, problems } = await applyAndCheckIdempotent(root, style, generatedFiles(vendored, unfixable));
    expect(problems).toEqual(['src/tasks/legacy.ts:1 @typescript-eslint/no-explicit-any: Unexpected any. Specify a different type.']);
    const task = contentsOf(styled, TASK.path);
    expect(task).toContain('\nexport interface SendWelcomeEmailPayload {\n  id: string\n}\n');
    expect(task).toContain('typeof value === "object"');
    expect(contentsOf(styled, unfixable.path)).toBe('export const legacy: any = "x"\n');
    expect(contentsOf(styled, vendored.path)).toBe(vendored.contents);

    writeFiles(root, styled.filter((file) => file.path !== 'package.json' && file.path !== unfixable.path));
    const { ESLint } = createRequire(join(root, 'package.json'))('eslint') as {
      ESLint: new (options: { cwd: string }) => { lintFiles(patterns: string[]): Promise<{ filePath: string; errorCount: number; messages: { ruleId: string | null; line: number }[] }[]> };
    };
    const results = await new ESLint({ cwd: root }).lintFiles(['src']);
    expect(results.map((result) => result.filePath.slice(root.length + 1)).sort()).toEqual([RUNTIME.path, ROUTE.path, TASK.path].sort());
    expect(results.flatMap((result) => result.messages.map((message) => `${result.filePath}:${message.line} ${message.ruleId}`))).toEqual([]);
  });

  it("restyles a user's wired file only where bgtask wrote: its import; a file the tools would change elsewhere is left as edited", async (context) => {
    needTools(context, 'current');
    // tsconfigRootDir: two projects' configs in one process are otherwise ambiguous to typescript-eslint.
    const config = eslintConfig.replace('];', "  { rules: { curly: ['error', 'all'] }, languageOptions: { parserOptions: { tsconfigRootDir: import.meta.dirname } } },\n];");
    const clean = 'import express from "express"\n\nexport const app = express()\napp.get("/", (_req, res) => {\n  res.send("ok")\n})\n';
    const messy = clean.replace('app.get("/", (_req, res) => {\n  res.send("ok")\n})', 'app.get("/", (_req, res) => {\n  if (!res.headersSent) res.send("ok")\n})');
    const wire = (text: string): string =>
      text.replace('import express from "express"\n', "import express from \"express\"\nimport { backgroundTasks } from './background/express';\n").replace('express()\n', 'express()\napp.use(backgroundTasks());\n');
    for (const [name, before] of [['clean', clean], ['messy', messy]] as const) {
      const root = project({ 'eslint.config.js': config, 'src/app.ts': before }, 'current');
      const changes = new ChangeSet(root);
      changes.edit('src/app.ts', wire(before));
      const { problems } = await styleGeneratedFiles(changes, ['src/app.ts']);
      if (name === 'clean') {
        expect(problems).toEqual([]);
        // Quotes and semicolons as the project's config has them; nothing else touched.
        expect(changes.read('src/app.ts')).toBe(before.replace('express()\n', 'express()\napp.use(backgroundTasks())\n').replace('from "express"\n', 'from "express"\nimport { backgroundTasks } from "./background/express"\n'));
      } else {
        expect(problems).toEqual(['src/app.ts: left as bgtask edited it; your formatter or linter would also change lines bgtask did not write (run it yourself).']);
        expect(changes.read('src/app.ts')).toBe(wire(before));
      }
    }
  });

  it('reports a config that fails to load, once, and leaves the text as generated', async (context) => {
    needTools(context, 'current');
    const root = project({ 'eslint.config.js': "throw new Error('eslint.config.js: no such preset');\n" }, 'current');
    const files = generatedFiles();
    const { files: styled, problems } = await applyProjectStyle(root, detectStyle(root), files);
    expect(styled).toEqual(files);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^ESLint could not .*no such preset/);
  });
});
