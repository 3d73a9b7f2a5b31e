import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateProject } from '../../bench/lint/generate.js';
import type { LintResult } from '../../src/linter/types.js';
import { ruleList } from '../../src/rules/index.js';
import { makeProject, REPO_ROOT, runCli, type CliResult } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/temp-dirs.js';

// `bgtask lint --cache` as a user runs it. The cache is whole-project (see src/linter/cache.ts): a
// run reuses the last one's results only when nothing it read changed, so each edit below is a full
// lint, and each test checks that the edit was noticed.

function findings(stdout: string): string[] {
  const results = JSON.parse(stdout) as LintResult[];
  return results.flatMap((result) => result.messages.map((m) => `${result.filePath.split('/').slice(-1)[0]}:${m.line} ${m.ruleId ?? 'null'}`));
}

const runtime = (name: string): string => readFileSync(join(REPO_ROOT, 'templates', 'runtime', name), 'utf8');

const APP = `import express from 'express';
import { backgroundTasks } from './background/express.js';
import { notify } from './helper.js';

export const app = express();
app.use(backgroundTasks());

app.post('/orders/:id', (req, res) => {
  const id = req.params.id;
  req.backgroundTasks.addTask(async () => {
    notify(\`order \${id} accepted\`);
  });
  res.sendStatus(202);
});
`;

// Its whole body is a try/catch that logs: the call in the task cannot reject.
const SAFE_HELPER = `export async function notify(text: string): Promise<void> {
  try {
    await fetch('https://hooks.example.com/notify', { method: 'POST', body: text });
  } catch (error) {
    console.error('notify failed', error);
  }
}
`;

// The fetch can reject, and the task in app.ts does not wait for it.
const REJECTING_HELPER = `export async function notify(text: string): Promise<void> {
  await fetch('https://hooks.example.com/notify', { method: 'POST', body: text });
}
`;

const EXTRA = `async function audit(what: string): Promise<void> {
  if (what === '') throw new Error('nothing to audit');
}

export function handler(req: Request, res: Response) {
  audit('orders');
}
`;

/** Preloaded into a run: says on stderr whether the run loaded ts-morph (a cache hit must not). */
function tsMorphProbe(): string {
  const probe = join(makeTempDir('probe-'), 'probe.cjs');
  writeFileSync(
    probe,
    `process.on('exit', () => {
  if (Object.keys(require.cache).some((path) => path.includes('/node_modules/ts-morph/'))) process.stderr.write('ts-morph was loaded\\n');
});
`,
  );
  return probe;
}

// The tests of this block run in order on one project: each edits it and looks at the next run.
describe('bgtask lint --cache on a project edited between runs', () => {
  const dir = makeProject({
    // No DOM library: TypeScript's default one is most of a small project's lint time.
    'tsconfig.json': JSON.stringify({ compilerOptions: { target: 'ES2022', lib: ['ES2022'], types: [], module: 'NodeNext', strict: true }, include: ['src'] }),
    'bgtask.json': JSON.stringify({ rules: { 'uncaught-task-error': 'error' } }),
    'src/background/tasks.ts': runtime('tasks.ts'),
    'src/background/express.ts': runtime('express.ts'),
    'src/app.ts': APP,
    'src/helper.ts': SAFE_HELPER,
  });
  const location = join(makeTempDir('cache-'), 'here');
  const cacheFile = join(location, 'lint-cache.json');
  const lint = (...extra: string[]): CliResult => runCli(['lint', '.', '--format', 'json', '--cache', '--cache-location', location, ...extra], { cwd: dir });
  let first: CliResult;

  it('lints on the first run and writes the cache where --cache-location says', () => {
    first = lint();
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(findings(first.stdout)).toEqual([]);
    expect(existsSync(cacheFile)).toBe(true);
  });

  it('answers the next run from the cache: same output, the cache not rewritten, TypeScript not loaded', () => {
    const before = statSync(cacheFile);
    const again = runCli(['lint', '.', '--format', 'json', '--cache', '--cache-location', location], { cwd: dir, env: { NODE_OPTIONS: `--require ${tsMorphProbe()}` } });
    expect(again).toEqual(first);
    const after = statSync(cacheFile);
    // Written by a rename of a new file: the same inode and time mean it was not written.
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
  });

  it('re-checks the handler that adds the task when the helper the task calls can now reject', () => {
    writeFileSync(join(dir, 'src', 'helper.ts'), REJECTING_HELPER);
    const result = lint();
    expect(result.code).toBe(1);
    expect(findings(result.stdout)).toEqual(['app.ts:11 uncaught-task-error']);
  });

  it('drops the finding when the helper is put back', () => {
    writeFileSync(join(dir, 'src', 'helper.ts'), SAFE_HELPER);
    const result = lint();
    expect(result).toEqual(first);
  });

  it('notices a file added to the linted directory', () => {
    writeFileSync(join(dir, 'src', 'extra.ts'), EXTRA);
    const result = lint();
    expect(result.code).toBe(1);
    expect(findings(result.stdout)).toEqual(['extra.ts:6 uncaught-task-error']);
  });

  it("notices a change of a rule's severity in bgtask.json", () => {
    writeFileSync(join(dir, 'bgtask.json'), JSON.stringify({ rules: { 'uncaught-task-error': 'warn' } }));
    const result = lint();
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as LintResult[]).flatMap((r) => r.messages.map((m) => m.severity))).toEqual([1]);
  });

  it('ignores a corrupt cache file, lints, and writes a good one', () => {
    const expected = lint();
    writeFileSync(cacheFile, '{"format": 1, "run": ');
    const result = lint();
    expect(result).toEqual(expected);
    expect(() => JSON.parse(readFileSync(cacheFile, 'utf8')) as unknown).not.toThrow();
  });

  it('says so on stderr when the cache cannot be written, and exits as it would have', () => {
    const expected = lint();
    const unwritable = runCli(['lint', '.', '--format', 'json', '--cache', '--cache-location', 'src/app.ts/cache'], { cwd: dir });
    expect(unwritable.code).toBe(expected.code);
    expect(unwritable.stdout).toBe(expected.stdout);
    expect(unwritable.stderr).toMatch(/^bgtask: cannot write the cache to src\/app\.ts\/cache\/lint-cache\.json \(ENOTDIR\); the results are not cached\.\n$/);
  });
});

describe('bgtask lint --cache on the benchmark project', () => {
  it('reports the same findings without the cache, on a first run with it and on a run answered by it', () => {
    const dir = join(makeTempDir('bench-'), 'project');
    // Without node_modules, for time; the findings still cross files (handlers, helpers, workers).
    generateProject({ outDir: dir, files: 150, seed: 3, nodeModules: null });
    const location = join(makeTempDir('cache-'), 'bench');
    const unused = join(makeTempDir('cache-'), 'unused');

    // --cache-location without --cache does nothing, as in ESLint.
    const without = runCli(['lint', dir, '--format', 'json', '--cache-location', unused]);
    expect(existsSync(unused)).toBe(false);
    const cold = runCli(['lint', dir, '--format', 'json', '--cache', '--cache-location', location]);
    const warm = runCli(['lint', dir, '--format', 'json', '--cache', '--cache-location', location]);

    expect(findings(without.stdout).length).toBeGreaterThan(0);
    expect(cold).toEqual(without);
    expect(warm).toEqual(without);
    // The other formats from the cached run: the rules' metadata (SARIF) comes from the cache too.
    const sarif = runCli(['lint', dir, '--format', 'sarif', '--cache', '--cache-location', location]);
    const driver = (JSON.parse(sarif.stdout) as { runs: [{ tool: { driver: { rules: { id: string; shortDescription: { text: string } }[] } } }] }).runs[0].tool.driver;
    expect(driver.rules.map((rule) => [rule.id, rule.shortDescription.text])).toEqual(ruleList.map((rule) => [rule.id, rule.description]));
  }, 90_000);
});
