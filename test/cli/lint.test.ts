import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LintResult } from '../../src/linter/types.js';
import { makeProject, REPO_ROOT, runCli } from '../helpers/cli.js';

const FLOATING = `
async function sendEmail(to: string): Promise<void> {
  if (to === '') throw new Error('no address');
}

export function handler(req: Request, res: Response) {
  sendEmail('a@example.com');
}
`;

const CLEAN = `
export async function sendEmail(to: string): Promise<void> {
  if (to === '') throw new Error('no address');
}
`;

function findings(stdout: string): string[] {
  const results = JSON.parse(stdout) as LintResult[];
  return results.flatMap((result) => result.messages.map((m) => `${result.filePath.split('/').slice(-1)[0]}:${m.line} ${m.ruleId ?? 'null'}`));
}

describe('bgtask lint on the bundled example', () => {
  it('exits 1 and reports exactly one finding per rule', () => {
    const { code, stdout, stderr } = runCli(['lint', 'examples/orders-api', '--format', 'json']);
    expect(stderr).toBe('');
    expect(code).toBe(1);
    expect(findings(stdout)).toEqual(['routes.ts:14 uncaught-task-error', 'routes.ts:37 singular-background-task', 'tasks.ts:38 task-after-response']);
  });

  it('prints the stylish report with a summary', () => {
    const { code, stdout } = runCli(['lint', 'examples/orders-api']);
    expect(code).toBe(1);
    expect(stdout).toContain('examples/orders-api/src/orders/routes.ts');
    expect(stdout).toMatch(/14:3\s+error\s+.*uncaught-task-error/);
    expect(stdout).toContain('✖ 3 problems (3 errors, 0 warnings)');
    expect(stdout).not.toMatch(/\u001b\[/);
  });

  it('colours the report when FORCE_COLOR is set', () => {
    const { stdout } = runCli(['lint', 'examples/orders-api'], { env: { NO_COLOR: undefined, FORCE_COLOR: '1' } });
    expect(stdout).toMatch(/\u001b\[/);
  });
});

describe('bgtask lint exit codes and options', () => {
  it('exits 0 with no output on clean code', () => {
    const dir = makeProject({ 'src/mail.ts': CLEAN });
    const { code, stdout, stderr } = runCli(['lint', dir]);
    expect({ code, stdout, stderr }).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('exits 1 on an error finding', () => {
    const dir = makeProject({ 'src/handler.ts': FLOATING });
    const result = runCli(['lint', dir, '--format', 'json']);
    expect(result.code).toBe(1);
    expect(findings(result.stdout)).toEqual(['handler.ts:7 uncaught-task-error']);
  });

  it('turns a rule off, or down to a warning, with --rule', () => {
    const dir = makeProject({ 'src/handler.ts': FLOATING });
    expect(runCli(['lint', dir, '--rule', 'uncaught-task-error=off']).code).toBe(0);
    const warned = runCli(['lint', dir, '--rule', 'uncaught-task-error=warn']);
    expect(warned.code).toBe(0);
    expect(warned.stdout).toMatch(/7:3\s+warning/);
  });

  it('exits 1 when warnings exceed --max-warnings, counting warnings hidden by --quiet', () => {
    const dir = makeProject({ 'src/handler.ts': FLOATING });
    const over = runCli(['lint', dir, '--rule', 'uncaught-task-error=warn', '--max-warnings', '0']);
    expect(over.code).toBe(1);
    expect(over.stderr).toBe('bgtask found too many warnings (maximum: 0).\n');
    const quiet = runCli(['lint', dir, '--rule', 'uncaught-task-error=warn', '--quiet']);
    expect(quiet).toMatchObject({ code: 0, stdout: '' });
    const quietOver = runCli(['lint', dir, '--rule', 'uncaught-task-error=warn', '--quiet', '--max-warnings', '0']);
    expect(quietOver.code).toBe(1);
  });

  it('takes severities from bgtask.json, and --rule wins over it', () => {
    const dir = makeProject({
      'bgtask.json': JSON.stringify({ rules: { 'uncaught-task-error': 'warn' } }),
      'src/handler.ts': FLOATING,
    });
    expect(runCli(['lint', dir]).stdout).toMatch(/warning/);
    expect(runCli(['lint', dir, '--rule', 'uncaught-task-error=error']).code).toBe(1);
  });

  it('applies include and exclude globs relative to bgtask.json', () => {
    const dir = makeProject({
      'bgtask.json': JSON.stringify({ include: ['src/**/*.ts'], exclude: ['src/legacy/**'] }),
      'src/legacy/old.ts': FLOATING,
      'scripts/tool.ts': FLOATING,
      'src/new.ts': CLEAN,
    });
    expect(runCli(['lint', dir])).toMatchObject({ code: 0, stdout: '' });
  });

  it('writes the report to --output-file', () => {
    const dir = makeProject({ 'src/handler.ts': FLOATING });
    const out = join(dir, 'report.json');
    const { code, stdout } = runCli(['lint', dir, '--format', 'json', '--output-file', out]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(findings(readFileSync(out, 'utf8'))).toEqual(['handler.ts:7 uncaught-task-error']);
  });

  it('lints the files of a tsconfig given with --project, and a single file given by path', () => {
    const dir = makeProject({
      'tsconfig.app.json': JSON.stringify({ include: ['app/**/*.ts'] }),
      'app/handler.ts': FLOATING,
      'other/handler.ts': FLOATING,
    });
    expect(findings(runCli(['lint', dir, '--project', join(dir, 'tsconfig.app.json'), '--format', 'json']).stdout)).toEqual([
      'handler.ts:7 uncaught-task-error',
    ]);
    expect(runCli(['lint', join(dir, 'other/handler.ts')]).code).toBe(1);
  });

  it('lists the rules', () => {
    const { code, stdout } = runCli(['rules']);
    expect(code).toBe(0);
    expect(stdout.trim().split('\n').map((line) => line.split(/\s+/)[0])).toEqual([
      'blocking-task',
      'invalid-cron',
      'queue-per-request',
      'response-in-task',
      'singular-background-task',
      'task-after-response',
      'uncaught-task-error',
      'unserializable-job-data',
    ]);
  });
});

/** A module whose handler body follows: its line 7 is the body's first line. */
const HANDLER_START = `
async function sendEmail(to: string): Promise<void> {
  if (to === '') throw new Error('no address');
}

export function handler(req: Request, res: Response) {`;

/** Lints a project whose one file is that handler with `body` (lines, each ending in a newline): the exit code and the file's result. */
function lintHandler(body: string): { code: number | null; result: LintResult | undefined } {
  const dir = makeProject({ 'src/handler.ts': `${HANDLER_START}\n${body}}\n` });
  const { code, stdout } = runCli(['lint', dir, '--format', 'json']);
  return { code, result: (JSON.parse(stdout) as LintResult[])[0] };
}

describe('bgtask lint suppressions', () => {
  it('suppresses the next line, reports unused directives as warnings with ruleId null', () => {
    const { code, result } = lintHandler(`  // bgtask-disable-next-line uncaught-task-error -- fire and forget is fine in this demo
  sendEmail('a@example.com');
  // bgtask-disable-next-line task-after-response -- nothing here
  console.log('done');
`);
    expect(code).toBe(0);
    expect(result?.messages.map((m) => [m.line, m.ruleId, m.severity, m.message])).toEqual([
      [9, null, 1, "Unused bgtask-disable directive (no problems were reported from 'task-after-response')."],
    ]);
    expect(result?.suppressedMessages.map((m) => [m.line, m.ruleId, m.suppressions[0]?.justification])).toEqual([
      [8, 'uncaught-task-error', 'fire and forget is fine in this demo'],
    ]);
  });

  it('suppresses a range between bgtask-disable and bgtask-enable, per rule, and reports an enable that ends nothing', () => {
    const { code, result } = lintHandler(`  sendEmail('before@example.com');
  /* bgtask-disable uncaught-task-error -- legacy block, tracked in #42 */
  sendEmail('a@example.com');
  sendEmail('b@example.com');
  /* bgtask-enable uncaught-task-error */
  sendEmail('after@example.com');
  /* bgtask-disable */
  sendEmail('c@example.com');
  /* bgtask-enable task-after-response */
  sendEmail('d@example.com');
  /* bgtask-enable */
  sendEmail('e@example.com');
  /* bgtask-enable uncaught-task-error */
`);
    expect(code).toBe(1);
    expect(result?.messages.map((m) => [m.line, m.ruleId, m.severity, m.message.startsWith('Unused') ? m.message : ''])).toEqual([
      [7, 'uncaught-task-error', 2, ''],
      [12, 'uncaught-task-error', 2, ''],
      [18, 'uncaught-task-error', 2, ''],
      [19, null, 1, "Unused bgtask-enable directive (no matching bgtask-disable directives were found for 'uncaught-task-error')."],
    ]);
    // The second range is ended for task-after-response only, so uncaught-task-error stays off until the bare enable.
    expect(result?.suppressedMessages.map((m) => [m.line, m.ruleId, m.suppressions[0]?.justification])).toEqual([
      [9, 'uncaught-task-error', 'legacy block, tracked in #42'],
      [10, 'uncaught-task-error', 'legacy block, tracked in #42'],
      [14, 'uncaught-task-error', ''],
      [16, 'uncaught-task-error', ''],
    ]);
  });

  it('uses the nearest of two covering disables, and reports what an enable names but ends nothing for', () => {
    const { result } = lintHandler(`  /* bgtask-disable */
  /* bgtask-disable uncaught-task-error -- legacy, #57 */
  sendEmail('a@example.com');
  /* bgtask-enable uncaught-task-error, task-after-response */
  /* bgtask-enable */
  /* bgtask-disable uncaught-task-error */
  sendEmail('b@example.com');
  /* bgtask-enable uncaught-task-error, task-after-response */
`);
    // Line 10's task-after-response ends that rule of line 7's disable of every rule; line 14's has none open.
    expect(result?.messages.map((m) => [m.line, m.message])).toEqual([
      [7, 'Unused bgtask-disable directive (no problems were reported).'],
      [14, "Unused bgtask-enable directive (no matching bgtask-disable directives were found for 'task-after-response')."],
    ]);
    expect(result?.suppressedMessages.map((m) => [m.line, m.suppressions[0]?.justification])).toEqual([
      [9, 'legacy, #57'],
      [13, ''],
    ]);
  });

  it('takes a directive written after a comma, on an argument of a call that spans lines', () => {
    const { result } = lintHandler(`  setTimeout(
    async () => await sendEmail('a@example.com'), // bgtask-disable-line uncaught-task-error -- a demo timer
    10,
  );
  setTimeout(
    async () => await sendEmail('b@example.com'),
    10,
  );
`);
    expect(result?.messages.map((m) => [m.line, m.ruleId])).toEqual([[12, 'uncaught-task-error']]);
    expect(result?.suppressedMessages.map((m) => [m.line, m.ruleId, m.suppressions[0]?.justification])).toEqual([[8, 'uncaught-task-error', 'a demo timer']]);
  });

  it('suppresses a whole file', () => {
    const dir = makeProject({ 'src/handler.ts': `// bgtask-disable-file uncaught-task-error -- demo\n${FLOATING}` });
    expect(runCli(['lint', dir])).toMatchObject({ code: 0, stdout: '' });
  });
});

describe('bgtask lint on bad input: one line, exit 2, no stack trace', () => {
  const expectOneLine = (stderr: string, pattern: RegExp) => {
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(pattern);
    expect(stderr).not.toMatch(/\n\s+at /);
  };

  it('a missing path', () => {
    const { code, stderr } = runCli(['lint', 'no/such/dir']);
    expect(code).toBe(2);
    expectOneLine(stderr, /No such file or directory: no\/such\/dir/);
  });

  it('a malformed tsconfig.json, naming file and position', () => {
    const dir = makeProject({ 'tsconfig.json': '{\n  "compilerOptions": {\n    "strict": true,,\n  }\n}\n', 'src/a.ts': CLEAN });
    const { code, stderr } = runCli(['lint', dir]);
    expect(code).toBe(2);
    expectOneLine(stderr, /tsconfig\.json:3:\d+: malformed JSON/);
  });

  it('a malformed bgtask.json, naming file and position', () => {
    const dir = makeProject({ 'bgtask.json': '{ "rules": { "uncaught-task-error": "warn" ', 'src/a.ts': CLEAN });
    const { code, stderr } = runCli(['lint', dir]);
    expect(code).toBe(2);
    expectOneLine(stderr, /bgtask\.json:1:\d+: malformed JSON/);
  });

  it('an unknown key or rule id or severity in bgtask.json', () => {
    const unknownKey = makeProject({ 'bgtask.json': JSON.stringify({ rulez: {} }), 'src/a.ts': CLEAN });
    let result = runCli(['lint', unknownKey]);
    expect(result.code).toBe(2);
    expectOneLine(result.stderr, /bgtask\.json: unknown key "rulez"/);

    const unknownRule = makeProject({ 'bgtask.json': JSON.stringify({ rules: { 'no-such-rule': 'error' } }), 'src/a.ts': CLEAN });
    result = runCli(['lint', unknownRule]);
    expect(result.code).toBe(2);
    expectOneLine(result.stderr, /bgtask\.json: unknown rule id "no-such-rule"/);

    const badSeverity = makeProject({ 'bgtask.json': JSON.stringify({ rules: { 'uncaught-task-error': 'loud' } }), 'src/a.ts': CLEAN });
    result = runCli(['lint', badSeverity]);
    expect(result.code).toBe(2);
    expectOneLine(result.stderr, /bgtask\.json: "rules\.uncaught-task-error" must be one of: off, warn, error/);
  });

  it('an unknown --rule id, severity or --format', () => {
    let result = runCli(['lint', 'examples/orders-api', '--rule', 'nope=error']);
    expect(result.code).toBe(2);
    expectOneLine(result.stderr, /Unknown rule id "nope"/);
    result = runCli(['lint', 'examples/orders-api', '--rule', 'uncaught-task-error=loud']);
    expect(result.code).toBe(2);
    expectOneLine(result.stderr, /Unknown severity "loud"/);
    result = runCli(['lint', 'examples/orders-api', '--format', 'xml']);
    expect(result.code).toBe(2);
    expectOneLine(result.stderr, /Allowed choices are stylish, json, sarif, github/);
  });

  it('a binary or non-UTF-8 .ts file is a fatal message for that file (exit 1, as a parsing error); the other files are still linted', () => {
    const dir = makeProject({
      'src/a-binary.ts': Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01]),
      'src/b-latin1.ts': Buffer.from('const caf\xe9 = 1;\n', 'latin1'),
      'src/c-handler.ts': FLOATING,
    });
    const { code, stdout, stderr } = runCli(['lint', dir, '--format', 'json']);
    expect(code).toBe(1);
    expect(stderr).toBe('');
    const results = JSON.parse(stdout) as LintResult[];
    expect(results.map((result) => [result.filePath.split('/').pop(), result.fatalErrorCount])).toEqual([
      ['a-binary.ts', 1],
      ['b-latin1.ts', 1],
      ['c-handler.ts', 0],
    ]);
    expect(results[0]?.messages[0]?.message).toMatch(/contains NUL bytes/);
    expect(results[1]?.messages[0]?.message).toMatch(/is not valid UTF-8/);
    expect(findings(stdout)).toEqual(['a-binary.ts:1 null', 'b-latin1.ts:1 null', 'c-handler.ts:7 uncaught-task-error']);
  });

  it('a file nested 10,000 levels deep, or a 20,000-term chain, is a fatal message for that file; the files importing it are still linted', () => {
    const dir = makeProject({
      'package.json': '{}',
      'src/deep.ts': `export const deep = ${'('.repeat(10_000)}1${')'.repeat(10_000)};\n`,
      'src/chain.ts': `export const chain = ${'deep + '.repeat(20_000)}1;\nimport { deep } from './deep.js';\n`,
      'src/handler.ts': `import { deep } from './deep.js';\n${FLOATING}\nexport const value = deep;\n`,
    });
    const { code, stdout, stderr } = runCli(['lint', dir, '--format', 'json']);
    expect(stderr).toBe('');
    expect(code).toBe(1);
    expect(findings(stdout)).toEqual(['chain.ts:1 null', 'deep.ts:1 null', 'handler.ts:8 uncaught-task-error']);
    const [chain, deep] = (JSON.parse(stdout) as LintResult[]).map((result) => result.messages[0]?.message);
    expect(chain).toMatch(/^File not analysed: its syntax nests more than 1000 levels deep/);
    expect(deep).toMatch(/^Parsing error: the file nests too deeply for the TypeScript parser/);
  });

  it('a path with no TypeScript file is exit 2 with one line, unless --no-error-on-unmatched-pattern', () => {
    const dir = makeProject({ 'README.md': '# nothing to lint\n', 'src/index.js': 'export {};\n' });
    let result = runCli(['lint', dir]);
    expect(result.code).toBe(2);
    expectOneLine(result.stderr, /No TypeScript files to lint in .*--no-error-on-unmatched-pattern/);
    result = runCli(['lint', dir, '--no-error-on-unmatched-pattern', '--format', 'json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([]);
  });

  it('an unreadable file is reported and skipped; the other files are still linted', () => {
    const dir = makeProject({ 'src/handler.ts': FLOATING });
    symlinkSync(join(dir, 'src', 'gone.ts'), join(dir, 'src', 'dangling.ts'));
    const { code, stdout, stderr } = runCli(['lint', join(dir, 'src', 'dangling.ts'), join(dir, 'src', 'handler.ts'), '--format', 'json']);
    expect(code).toBe(2);
    expectOneLine(stderr, /Cannot read .*dangling\.ts \(ENOENT\)/);
    expect(findings(stdout)).toEqual(['dangling.ts:1 null', 'handler.ts:7 uncaught-task-error']);
  });

  it('a syntax error is a fatal message with ruleId null, and the file is still analysed', () => {
    const dir = makeProject({ 'src/handler.ts': `${FLOATING}\nconst broken = ;\n` });
    const { code, stdout } = runCli(['lint', dir, '--format', 'json']);
    expect(code).toBe(1);
    const [result] = JSON.parse(stdout) as LintResult[];
    expect(result?.messages.map((m) => [m.line, m.ruleId, m.fatal ?? false])).toEqual([
      [7, 'uncaught-task-error', false],
      [10, null, true],
    ]);
    expect(result?.fatalErrorCount).toBe(1);
  });

  it('an unwritable --output-file', () => {
    const { code, stderr } = runCli(['lint', 'examples/orders-api', '--output-file', '/proc/no/such/report.txt']);
    expect(code).toBe(2);
    expectOneLine(stderr, /Cannot write --output-file/);
  });

  it('an unknown option', () => {
    const { code, stderr } = runCli(['lint', '--frobnicate']);
    expect(code).toBe(2);
    expectOneLine(stderr, /unknown option '--frobnicate'/);
  });
});

describe('bgtask help', () => {
  it('prints help and exits 0', () => {
    const { code, stdout } = runCli(['lint', '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('--max-warnings');
    expect(existsSync(join(REPO_ROOT, 'bgtask.schema.json'))).toBe(true);
  });
});
