// The lint benchmark (issue 16; see bench/README.md, "lint/run.js"). Times, in one run, alternating,
// `bgtask lint` cold and with `--cache` warm, `tsc --noEmit` of TypeScript 7 and of the TypeScript that
// ts-morph bundles, `oxlint --type-aware` with the two promise rules and ESLint + typescript-eslint with
// the same two rules, on a generated backend (generate.ts) of 2,000 files, plus bgtask cold on one of
// 4,000 files and on the 2,000-file one without its node_modules. Prints medians, peak RSS, findings,
// the ratios and whether each target is met. A benchmark, not a test: exits 1 only when a tool broke
// (crashed, or printed what it should not), 2 on a bad setting, 130 when interrupted.
//
//   npm run bench:lint                 generated projects
//   npm run bench:lint -- <path>       an existing project (no generation, no 4k/2k)
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { closeSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { badSetting, intFromEnv, subsetFromEnv, table } from '../protocol.js';
import { generateProject, repoNodeModules, type GeneratedProject } from './generate.js';

// ---------------------------------------------------------------------------------------------------
// Settings

const TOOL_IDS = ['cold', 'warm', 'nodeps', 'tsc7', 'tsc6', 'oxlint', 'eslint', 'cold-scale', 'tsc7-scale'] as const;
type ToolId = (typeof TOOL_IDS)[number];
const DEFAULT_TOOLS: ToolId[] = ['cold', 'warm', 'nodeps', 'tsc7', 'tsc6', 'oxlint', 'eslint', 'cold-scale'];

const ROUNDS = intFromEnv('BENCH_ROUNDS', 5);
const ESLINT_ROUNDS = intFromEnv('BENCH_ESLINT_ROUNDS', Math.min(3, ROUNDS));
const FILES = intFromEnv('BENCH_FILES', 2000);
const SCALE_FILES = intFromEnv('BENCH_SCALE_FILES', 2 * FILES);
const SEED = intFromEnv('BENCH_SEED', 1);
const TOOLS: ToolId[] = process.env['BENCH_TOOLS'] ? subsetFromEnv('BENCH_TOOLS', TOOL_IDS, 'tool') : DEFAULT_TOOLS;
if (FILES < 80 || SCALE_FILES < 80) badSetting('BENCH_FILES and BENCH_SCALE_FILES must be at least 80');

const TARGET_ARG = process.argv[2];

// ---------------------------------------------------------------------------------------------------
// Where things are

const NODE_MODULES = repoNodeModules();
const REPO = dirname(NODE_MODULES);
const requireFromRepo = createRequire(join(REPO, 'package.json'));
/** The bgtask package to measure (bin/ and dist/): the repository, or BENCH_BGTASK. */
const BGTASK_SOURCE = resolve(process.env['BENCH_BGTASK'] || REPO);
const TSC7 = join(NODE_MODULES, 'typescript7', 'bin', 'tsc');
const TSC6 = join(NODE_MODULES, 'typescript6', 'bin', 'tsc');
const OXLINT = join(NODE_MODULES, 'oxlint', 'bin', 'oxlint');
const ESLINT = join(NODE_MODULES, 'eslint', 'bin', 'eslint.js');
const TIME = '/usr/bin/time';
const HAVE_TIME = existsSync(TIME);

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(join(NODE_MODULES, name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'missing';
  }
}

/** The native tsgolint binary, for OXLINT_TSGOLINT_PATH (so oxlint finds it for any project). */
function tsgolintPath(): string | undefined {
  try {
    const fromPackage = createRequire(join(NODE_MODULES, 'oxlint-tsgolint', 'package.json'));
    return fromPackage.resolve(`@oxlint-tsgolint/${process.platform}-${process.arch}/tsgolint${process.platform === 'win32' ? '.exe' : ''}`);
  } catch {
    return undefined;
  }
}

/**
 * A copy of bgtask's build, taken once at the start, which the bench runs: so that a rebuild of dist/
 * during the run (tests run `npm run build`) changes neither the code measured nor the warm runs'
 * cache, which is keyed to the build's files.
 */
function snapshotBgtask(into: string): string {
  const dir = join(into, 'bgtask');
  mkdirSync(dir);
  for (const part of ['bin', 'dist']) cpSync(join(BGTASK_SOURCE, part), join(dir, part), { recursive: true });
  for (const file of ['package.json', 'bgtask.schema.json']) {
    if (existsSync(join(BGTASK_SOURCE, file))) copyFileSync(join(BGTASK_SOURCE, file), join(dir, file));
  }
  const modules = existsSync(join(BGTASK_SOURCE, 'node_modules')) ? join(BGTASK_SOURCE, 'node_modules') : NODE_MODULES;
  symlinkSync(modules, join(dir, 'node_modules'), 'dir');
  return join(dir, 'bin', 'bgtask.js');
}

// ---------------------------------------------------------------------------------------------------
// Tools

interface Outcome {
  /** The tool ran and checked: its exit code and output are what a working run gives. */
  ok: boolean;
  findings: number;
  /** Findings per rule (bgtask, oxlint, ESLint) or `errors` (tsc). */
  perRule: Record<string, number>;
  /** Why it is not ok, or a note. */
  detail?: string;
}

interface Tool {
  id: ToolId;
  label: string;
  argv: string[];
  cwd: string;
  env?: Record<string, string>;
  rounds: number;
  judge: (exit: number, stdout: string, stderr: string) => Outcome;
  before?: () => void;
  after?: () => void;
}

interface Sample {
  round: number;
  seconds: number;
  rssKb: number | undefined;
  exit: number;
  outcome: Outcome;
}

function countBy(items: Iterable<string>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[item] = (counts[item] ?? 0) + 1;
  return counts;
}

function sum(record: Record<string, number>): number {
  return Object.values(record).reduce((a, b) => a + b, 0);
}

const firstLine = (text: string): string => text.trim().split('\n')[0]?.slice(0, 200) ?? '';

interface EslintFileResult {
  messages: Array<{ ruleId: string | null; fatal?: boolean; message: string }>;
}

/** bgtask and ESLint print ESLint's JSON format. Exit 0 (clean) or 1 (findings); anything else, or no JSON, is broken. */
function judgeEslintJson(exit: number, stdout: string, stderr: string): Outcome {
  if (exit !== 0 && exit !== 1) return { ok: false, findings: 0, perRule: {}, detail: `exit ${exit}: ${firstLine(stderr) || firstLine(stdout)}` };
  let results: EslintFileResult[];
  try {
    results = JSON.parse(stdout) as EslintFileResult[];
  } catch {
    return { ok: false, findings: 0, perRule: {}, detail: `exit ${exit}, no JSON on stdout: ${firstLine(stderr) || firstLine(stdout)}` };
  }
  const messages = results.flatMap((file) => file.messages);
  const perRule = countBy(messages.map((m) => (m.fatal ? 'fatal (parse/project)' : (m.ruleId ?? 'unknown'))));
  return { ok: true, findings: messages.length, perRule };
}

function judgeOxlint(exit: number, stdout: string, stderr: string): Outcome {
  if (exit !== 0 && exit !== 1) return { ok: false, findings: 0, perRule: {}, detail: `exit ${exit}: ${firstLine(stderr) || firstLine(stdout)}` };
  let report: { diagnostics: Array<{ code?: string }>; number_of_files?: number };
  try {
    report = JSON.parse(stdout) as typeof report;
  } catch {
    return { ok: false, findings: 0, perRule: {}, detail: `exit ${exit}, no JSON on stdout: ${firstLine(stderr) || firstLine(stdout)}` };
  }
  // Without its type-aware half oxlint still exits 0; say so rather than time a linter that checked nothing.
  if (/failed to find|tsgolint.*(error|panic)/i.test(stderr)) return { ok: false, findings: 0, perRule: {}, detail: firstLine(stderr) };
  const perRule = countBy(report.diagnostics.map((d) => d.code ?? 'unknown'));
  return { ok: true, findings: report.diagnostics.length, perRule, detail: report.number_of_files === undefined ? undefined : `${report.number_of_files} files` };
}

function judgeTsc(exit: number, stdout: string, stderr: string): Outcome {
  const errors = (stdout.match(/error TS\d+/g) ?? []).length;
  if (exit === 0) return { ok: true, findings: 0, perRule: { errors: 0 } };
  if ((exit === 1 || exit === 2) && errors > 0) return { ok: true, findings: errors, perRule: { errors }, detail: firstLine(stdout) };
  return { ok: false, findings: errors, perRule: { errors }, detail: `exit ${exit}: ${firstLine(stderr) || firstLine(stdout)}` };
}

// ---------------------------------------------------------------------------------------------------
// Running one

let work = '';

function runOnce(tool: Tool, round: number): Sample {
  const stdoutFile = join(work, `${tool.id}.stdout`);
  const stderrFile = join(work, `${tool.id}.stderr`);
  const timeFile = join(work, `${tool.id}.time`);
  rmSync(timeFile, { force: true });
  const out = openSync(stdoutFile, 'w');
  const err = openSync(stderrFile, 'w');
  tool.before?.();
  const started = performance.now();
  let result: SpawnSyncReturns<Buffer>;
  try {
    const [command, ...args] = HAVE_TIME ? [TIME, '-f', '%e %M', '-o', timeFile, ...tool.argv] : tool.argv;
    result = spawnSync(command as string, args, {
      cwd: tool.cwd,
      env: { ...process.env, ...tool.env, FORCE_COLOR: '0', NO_COLOR: '1' },
      stdio: ['ignore', out, err],
    });
  } finally {
    tool.after?.();
    closeSync(out);
    closeSync(err);
  }
  const seconds = (performance.now() - started) / 1000;
  const stdout = readFileSync(stdoutFile, 'utf8');
  const stderr = readFileSync(stderrFile, 'utf8');
  let exit = result.status ?? -1;
  let rssKb: number | undefined;
  let signal = result.signal ?? undefined;
  if (HAVE_TIME && existsSync(timeFile)) {
    const timeLines = readFileSync(timeFile, 'utf8').trim().split('\n');
    const terminated = timeLines.find((line) => line.startsWith('Command terminated by signal'));
    if (terminated !== undefined) signal = terminated.replace('Command terminated by ', '') as NodeJS.Signals;
    const last = timeLines.at(-1)?.split(' ');
    const kb = Number(last?.[1]);
    if (Number.isFinite(kb)) rssKb = kb;
  }
  if (result.error !== undefined) {
    return { round, seconds, rssKb, exit, outcome: { ok: false, findings: 0, perRule: {}, detail: result.error.message } };
  }
  if (signal !== undefined) {
    exit = -1;
    return { round, seconds, rssKb, exit, outcome: { ok: false, findings: 0, perRule: {}, detail: `killed by ${signal}: ${firstLine(stderr)}` } };
  }
  return { round, seconds, rssKb, exit, outcome: tool.judge(exit, stdout, stderr) };
}

// ---------------------------------------------------------------------------------------------------
// Projects

interface Target {
  dir: string;
  generated: GeneratedProject | undefined;
}

/** Moves a generated project's node_modules symlink away for one run, and back. */
function withoutNodeModules(dir: string): Pick<Tool, 'before' | 'after'> {
  const link = join(dir, 'node_modules');
  const away = join(dir, '.node_modules.bench-away');
  return {
    before: () => {
      if (existsSync(link)) renameSync(link, away);
    },
    after: () => {
      if (existsSync(away) && !existsSync(link)) renameSync(away, link);
    },
  };
}

/** Node looks for packages in every ancestor's node_modules: the "without" run must have none there. */
function reachableNodeModules(dir: string): string | undefined {
  let current = dirname(resolve(dir));
  for (;;) {
    if (existsSync(join(current, 'node_modules'))) return join(current, 'node_modules');
    const parent = dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}

const restorers: Array<() => void> = [];
process.on('SIGINT', () => {
  for (const restore of restorers) restore();
  console.error('\ninterrupted');
  process.exit(130);
});

// ---------------------------------------------------------------------------------------------------
// Printing

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};
const fmtS = (seconds: number): string => (Number.isFinite(seconds) ? seconds.toFixed(seconds < 10 ? 2 : 1) : '-');
const fmtMb = (kb: number | undefined): string => (kb === undefined || !Number.isFinite(kb) ? '-' : `${Math.round(kb / 1024)}`);
const fmtX = (ratio: number): string => (Number.isFinite(ratio) ? ratio.toFixed(2) : '-');
const fmtRules = (perRule: Record<string, number>): string =>
  Object.entries(perRule)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([rule, n]) => `${rule} ${n}`)
    .join(', ');
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');

// ---------------------------------------------------------------------------------------------------
// Main

function main(): number {
  const started = performance.now();
  work = mkdtempSync(join(tmpdir(), 'bgtask-bench-lint-work-'));
  restorers.push(() => rmSync(work, { recursive: true, force: true }));
  const configDir = join(REPO, 'bench', '.build', 'lint-config');
  mkdirSync(configDir, { recursive: true });

  const tsMorphTs = (requireFromRepo('ts-morph') as { ts: { version: string } }).ts.version;
  const ts6 = packageVersion('typescript6');
  console.log('# bgtask lint benchmark');
  console.log('');
  console.log(`node ${process.version}, ${cpus().length} cores, load average at start ${load()}`);
  console.log(
    `bgtask ${packageVersion('../')}, TypeScript 7: ${packageVersion('typescript7')}, ` +
      `TypeScript 6: ${ts6} (ts-morph bundles ${tsMorphTs}${tsMorphTs === ts6 ? '' : ': DIFFERENT, tsc6 is not ts-morph\'s'}), ` +
      `oxlint ${packageVersion('oxlint')} + oxlint-tsgolint ${packageVersion('oxlint-tsgolint')}, eslint ${packageVersion('eslint')} + typescript-eslint ` +
      `${packageVersion('typescript-eslint')} on typescript ${packageVersion('typescript')}`,
  );
  if (!HAVE_TIME) console.log(`(no ${TIME}: peak RSS not measured; apt-get install time)`);
  if (!existsSync(join(BGTASK_SOURCE, 'dist', 'cli.js')) || !existsSync(join(BGTASK_SOURCE, 'bin', 'bgtask.js'))) {
    console.error(`${join(BGTASK_SOURCE, 'dist', 'cli.js')} is missing: run \`npm run build\` first`);
    return 2;
  }
  const BGTASK = snapshotBgtask(work);
  console.log(`bgtask measured: a copy of ${BGTASK_SOURCE}'s bin/ and dist/ as they were at the start, in ${dirname(dirname(BGTASK))}`);

  // The projects.
  let main: Target;
  let scale: Target | undefined;
  let nodepsDir: string;
  let nodepsHooks: Pick<Tool, 'before' | 'after'> = {};
  const tools = new Set<ToolId>(TOOLS);
  if (TARGET_ARG !== undefined) {
    const dir = resolve(TARGET_ARG);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) badSetting(`${TARGET_ARG} is not a directory`);
    main = { dir, generated: undefined };
    tools.delete('cold-scale');
    tools.delete('tsc7-scale');
    console.log(`project: ${dir} (existing; no 4k/2k)`);
    if (!existsSync(join(dir, 'tsconfig.json'))) {
      for (const id of ['tsc7', 'tsc6'] as const) if (tools.delete(id)) console.log(`${id}: skipped, no tsconfig.json in ${dir}`);
    }
    nodepsDir = dir;
    if (tools.has('nodeps')) {
      // Never move a user's node_modules: lint a copy without it.
      nodepsDir = join(work, `${basename(dir)}-without-node_modules`);
      cpSync(dir, nodepsDir, {
        recursive: true,
        filter: (source) => !/(^|[\\/])(node_modules|\.git)([\\/]|$)/.test(relative(dir, source)),
      });
      console.log(`without dependencies: a copy of it without node_modules and .git, in ${nodepsDir}`);
    }
  } else {
    const generate = (files: number): Target => {
      const t0 = performance.now();
      const dir = join(tmpdir(), `bgtask-bench-lint-${files}-${SEED}`);
      const project = generateProject({ outDir: dir, files, seed: SEED });
      console.log(
        `project: ${project.files} files, ${project.lines} lines, ${project.taskFiles} with task code, seed ${SEED}, ` +
          `in ${dir} (generated in ${Math.round(performance.now() - t0)} ms)`,
      );
      return { dir: project.dir, generated: project };
    };
    main = generate(FILES);
    if (tools.has('cold-scale') || tools.has('tsc7-scale')) scale = generate(SCALE_FILES);
    nodepsDir = main.dir;
    nodepsHooks = withoutNodeModules(main.dir);
    if (nodepsHooks.after) restorers.unshift(nodepsHooks.after);
  }
  if (tools.has('nodeps')) {
    const reachable = reachableNodeModules(nodepsDir);
    if (reachable !== undefined) console.log(`WARNING: without dependencies, packages still resolve through ${reachable}`);
  }

  // Configs for oxlint and ESLint, the same two rules; in the repository so that typescript-eslint resolves.
  const oxlintConfig = join(configDir, 'oxlintrc.json');
  writeFileSync(
    oxlintConfig,
    `${JSON.stringify(
      {
        plugins: ['typescript'],
        categories: { correctness: 'off' },
        ignorePatterns: ['**/node_modules/**', '**/dist/**', '**/build/**', '**/.build/**', '**/coverage/**', '**/*.d.ts'],
        rules: { 'typescript/no-floating-promises': 'error', 'typescript/no-misused-promises': 'error' },
      },
      null,
      2,
    )}\n`,
  );
  const eslintConfig = join(configDir, 'eslint.config.mjs');
  writeFileSync(
    eslintConfig,
    [
      '// Written by bench/lint/run.ts for the project it lints.',
      "import tseslint from 'typescript-eslint';",
      '',
      'export default [',
      "  { ignores: ['**/node_modules/**', '**/dist/**', '**/build/**', '**/.build/**', '**/coverage/**', '**/*.d.ts'] },",
      '  {',
      "    files: ['**/*.ts', '**/*.tsx', '**/*.mts', '**/*.cts'],",
      `    languageOptions: { parser: tseslint.parser, parserOptions: { projectService: true, tsconfigRootDir: ${JSON.stringify(main.dir)} } },`,
      "    plugins: { '@typescript-eslint': tseslint.plugin },",
      "    linterOptions: { reportUnusedDisableDirectives: 'off' },",
      "    rules: { '@typescript-eslint/no-floating-promises': 'error', '@typescript-eslint/no-misused-promises': 'error' },",
      '  },',
      '];',
      '',
    ].join('\n'),
  );
  const tsgolint = tsgolintPath();
  if (tsgolint === undefined && tools.has('oxlint')) console.log('WARNING: no native tsgolint found (oxlint-tsgolint): oxlint --type-aware will fail');

  const cacheDir = join(work, 'bgtask-cache');
  mkdirSync(cacheDir);
  const bgtask = (dir: string, extra: string[] = []): string[] => [process.execPath, BGTASK, 'lint', dir, '--format', 'json', ...extra];
  const all: Record<ToolId, Tool | undefined> = {
    cold: { id: 'cold', label: 'bgtask lint (cold)', argv: bgtask(main.dir), cwd: main.dir, rounds: ROUNDS, judge: judgeEslintJson },
    warm: {
      id: 'warm',
      label: 'bgtask lint --cache (warm)',
      argv: bgtask(main.dir, ['--cache', '--cache-location', cacheDir]),
      cwd: main.dir,
      rounds: ROUNDS,
      judge: judgeEslintJson,
    },
    nodeps: {
      id: 'nodeps',
      label: 'bgtask lint (cold, no node_modules)',
      argv: bgtask(nodepsDir),
      cwd: nodepsDir,
      rounds: ROUNDS,
      judge: judgeEslintJson,
      ...nodepsHooks,
    },
    tsc7: {
      id: 'tsc7',
      label: `tsc --noEmit (TS ${packageVersion('typescript7')})`,
      argv: [process.execPath, TSC7, '-p', join(main.dir, 'tsconfig.json'), '--noEmit'],
      cwd: main.dir,
      rounds: ROUNDS,
      judge: judgeTsc,
    },
    tsc6: {
      id: 'tsc6',
      label: `tsc --noEmit (TS ${ts6}, ts-morph's)`,
      argv: [process.execPath, TSC6, '-p', join(main.dir, 'tsconfig.json'), '--noEmit'],
      cwd: main.dir,
      rounds: ROUNDS,
      judge: judgeTsc,
    },
    oxlint: {
      id: 'oxlint',
      label: 'oxlint --type-aware (2 rules)',
      argv: [process.execPath, OXLINT, '--type-aware', '-c', oxlintConfig, '--format', 'json'],
      cwd: main.dir,
      env: tsgolint === undefined ? {} : { OXLINT_TSGOLINT_PATH: tsgolint },
      rounds: ROUNDS,
      judge: judgeOxlint,
    },
    eslint: {
      id: 'eslint',
      label: 'eslint + typescript-eslint (2 rules)',
      argv: [process.execPath, ESLINT, '-c', eslintConfig, '--format', 'json', '.'],
      cwd: main.dir,
      rounds: Math.min(ESLINT_ROUNDS, ROUNDS),
      judge: judgeEslintJson,
    },
    'cold-scale':
      scale === undefined
        ? undefined
        : { id: 'cold-scale', label: `bgtask lint (cold), ${SCALE_FILES} files`, argv: bgtask(scale.dir), cwd: scale.dir, rounds: ROUNDS, judge: judgeEslintJson },
    'tsc7-scale':
      scale === undefined
        ? undefined
        : {
            id: 'tsc7-scale',
            label: `tsc --noEmit (TS ${packageVersion('typescript7')}), ${SCALE_FILES} files`,
            argv: [process.execPath, TSC7, '-p', join(scale.dir, 'tsconfig.json'), '--noEmit'],
            cwd: scale.dir,
            rounds: ROUNDS,
            judge: judgeTsc,
          },
  };
  const selected = TOOL_IDS.filter((id) => tools.has(id)).map((id) => all[id]).filter((t): t is Tool => t !== undefined);

  const samples = new Map<ToolId, Sample[]>();
  const broken = new Map<ToolId, string>();
  const unavailable = new Map<ToolId, string>();

  // Fill the cache for the warm runs; before --cache exists the CLI rejects it with exit 2.
  const warm = selected.find((t) => t.id === 'warm');
  if (warm !== undefined) {
    const prime = runOnce(warm, -1);
    if (prime.exit === 2) {
      unavailable.set('warm', 'not available (exit 2)');
      console.log('bgtask --cache: not available (exit 2)');
    } else if (!prime.outcome.ok) {
      broken.set('warm', `priming run: ${prime.outcome.detail ?? ''}`);
    } else {
      console.log(`bgtask --cache: cache filled in ${fmtS(prime.seconds)} s (${prime.outcome.findings} findings)`);
    }
  }

  const rounds = Math.max(...selected.map((t) => t.rounds));
  const eslintNote = selected.some((t) => t.id === 'eslint') && ESLINT_ROUNDS < rounds ? ` (ESLint in the first ${ESLINT_ROUNDS})` : '';
  console.log(`\n${rounds} rounds${eslintNote}, tools in turn, the order rotating each round:`);
  for (let round = 0; round < rounds; round++) {
    const active = selected.filter((t) => round < t.rounds && !broken.has(t.id) && !unavailable.has(t.id));
    const order = active.map((_, i) => active[(i + round) % active.length] as Tool);
    for (const tool of order) {
      const sample = runOnce(tool, round);
      const list = samples.get(tool.id) ?? [];
      list.push(sample);
      samples.set(tool.id, list);
      if (!sample.outcome.ok) broken.set(tool.id, sample.outcome.detail ?? `exit ${sample.exit}`);
      console.log(
        `  round ${round + 1}/${rounds}  ${tool.label.padEnd(40)} ${fmtS(sample.seconds).padStart(6)} s  ${fmtMb(sample.rssKb).padStart(5)} MB  ` +
          `exit ${sample.exit}  ${sample.outcome.ok ? `${sample.outcome.findings} findings` : `BROKEN: ${sample.outcome.detail ?? ''}`}`,
      );
    }
  }

  // Results.
  const stat = (id: ToolId): { time: number; rss: number; last: Sample | undefined } | undefined => {
    const list = (samples.get(id) ?? []).filter((s) => s.outcome.ok);
    if (list.length === 0) return undefined;
    const rss = list.map((s) => s.rssKb).filter((kb): kb is number => kb !== undefined);
    return { time: median(list.map((s) => s.seconds)), rss: rss.length > 0 ? median(rss) : Number.NaN, last: list.at(-1) };
  };
  const ox = stat('oxlint');
  console.log(`\n## Results (${main.generated ? `${main.generated.files} files, ${main.generated.lines} lines` : main.dir})\n`);
  const rows = selected.map((tool) => {
    const list = samples.get(tool.id) ?? [];
    const s = stat(tool.id);
    const times = list.filter((x) => x.outcome.ok).map((x) => x.seconds);
    const status = broken.get(tool.id) ?? unavailable.get(tool.id);
    return [
      tool.label,
      String(times.length),
      s ? fmtS(s.time) : '-',
      times.length > 0 ? `${fmtS(Math.min(...times))}–${fmtS(Math.max(...times))}` : '-',
      s && ox ? fmtX(s.time / ox.time) : '-',
      s ? fmtMb(s.rss) : '-',
      s?.last ? String(s.last.outcome.findings) : '-',
      status !== undefined ? (broken.has(tool.id) ? `BROKEN: ${status}` : status) : s?.last ? `exit ${s.last.exit}` : '',
    ];
  });
  console.log(table(['tool', 'runs', 'median s', 'min–max s', '× oxlint', 'peak RSS MB', 'findings', ''], rows));
  console.log('\n(peak RSS: the median over runs of the largest single process of the run, GNU time\'s %M; tsc 7 and oxlint are a node launcher plus a native process, counted as the larger of the two)');

  // What each tool found.
  console.log('\n## Findings\n');
  const findingRows: string[][] = [];
  for (const tool of selected) {
    const s = stat(tool.id);
    if (!s?.last) continue;
    let expected = '';
    let check = '';
    const g = tool.id === 'cold-scale' || tool.id === 'tsc7-scale' ? scale?.generated : main.generated;
    if (g !== undefined) {
      if (tool.id === 'cold' || tool.id === 'warm' || tool.id === 'nodeps' || tool.id === 'cold-scale') {
        const planted = Object.fromEntries(Object.entries(g.expectedBgtask).filter(([, n]) => n > 0));
        expected = fmtRules(planted);
        check = expected === fmtRules(s.last.outcome.perRule) ? 'as planted' : 'DIFFERS from what was planted';
      } else if (tool.id === 'oxlint' || tool.id === 'eslint') {
        expected = `${g.expectedPromiseRules}`;
        check = s.last.outcome.findings === g.expectedPromiseRules ? 'as planted' : 'DIFFERS from what was planted';
      } else {
        expected = 'errors 0';
        check = s.last.outcome.findings === 0 ? 'type-checks' : 'TYPE ERRORS in the generated project';
      }
    }
    const found = fmtRules(s.last.outcome.perRule) || 'none';
    findingRows.push(main.generated ? [tool.label, found, expected, check] : [tool.label, found]);
  }
  console.log(table(main.generated ? ['tool', 'found', 'planted', 'check'] : ['tool', 'found'], findingRows));

  // Targets.
  console.log('\n## Targets\n');
  const cold = stat('cold');
  const warmStat = stat('warm');
  const tsc6 = stat('tsc6');
  const coldScale = stat('cold-scale');
  const nodeps = stat('nodeps');
  const why = (...ids: ToolId[]): string => {
    for (const id of ids) {
      if (broken.has(id)) return `n/a (${id} broke)`;
      if (unavailable.has(id)) return `n/a (${id}: ${unavailable.get(id) ?? ''})`;
      if (!stat(id)) return `n/a (${id} not run)`;
    }
    return 'n/a';
  };
  // Each ratio two ways: of the medians, and the median of the ratios within a round (runs minutes
  // apart, which a machine whose load drifts during the run treats more alike). The verdict is on the latter.
  const perRound = (a: ToolId, b: ToolId, measure: (s: Sample) => number | undefined): number | undefined => {
    const other = new Map((samples.get(b) ?? []).filter((s) => s.outcome.ok).map((s) => [s.round, s]));
    const ratios: number[] = [];
    for (const sa of (samples.get(a) ?? []).filter((s) => s.outcome.ok)) {
      const sb = other.get(sa.round);
      const va = measure(sa);
      const vb = sb === undefined ? undefined : measure(sb);
      if (va !== undefined && vb !== undefined && vb > 0) ratios.push(va / vb);
    }
    return ratios.length > 0 ? median(ratios) : undefined;
  };
  const time = (s: Sample): number => s.seconds;
  const rss = (s: Sample): number | undefined => s.rssKb;
  const targetRow = (name: string, ofMedians: number | undefined, paired: number | undefined, goal: number, missing: string): string[] => {
    const value = paired ?? ofMedians;
    if (value === undefined || !Number.isFinite(value)) return [name, missing, '-', `≤ ${goal.toFixed(1)}`, '-'];
    return [name, paired === undefined ? '-' : fmtX(paired), ofMedians === undefined ? '-' : fmtX(ofMedians), `≤ ${goal.toFixed(1)}`, value <= goal ? 'met' : 'NOT met'];
  };
  console.log(
    table(
      ['target', 'median of per-round ratios', 'ratio of medians', 'goal', ''],
      [
        targetRow('bgtask cold ÷ oxlint --type-aware (time)', cold && ox ? cold.time / ox.time : undefined, perRound('cold', 'oxlint', time), 1.0, why('cold', 'oxlint')),
        targetRow(
          'bgtask --cache warm ÷ oxlint --type-aware (time)',
          warmStat && ox ? warmStat.time / ox.time : undefined,
          perRound('warm', 'oxlint', time),
          0.1,
          why('warm', 'oxlint'),
        ),
        targetRow(`bgtask cold ÷ tsc of TS ${ts6} (peak RSS)`, cold && tsc6 ? cold.rss / tsc6.rss : undefined, perRound('cold', 'tsc6', rss), 0.5, why('cold', 'tsc6')),
        targetRow(
          `bgtask cold, ${SCALE_FILES} ÷ ${FILES} files (time)`,
          cold && coldScale ? coldScale.time / cold.time : undefined,
          perRound('cold-scale', 'cold', time),
          2.0,
          main.generated ? why('cold', 'cold-scale') : 'n/a (existing project)',
        ),
        targetRow(
          'bgtask cold, with ÷ without node_modules (time)',
          cold && nodeps ? cold.time / nodeps.time : undefined,
          perRound('cold', 'nodeps', time),
          1.5,
          why('cold', 'nodeps'),
        ),
      ],
    ),
  );
  const tsc7Scale = stat('tsc7-scale');
  const tsc7 = stat('tsc7');
  if (tsc7 && tsc7Scale) console.log(`\n(for reference: tsc of TS 7, ${SCALE_FILES} ÷ ${FILES} files: ${fmtX(tsc7Scale.time / tsc7.time)})`);

  console.log(`\nload average at end ${load()}; ${Math.round((performance.now() - started) / 1000)} s in all`);
  for (const restore of restorers) restore();
  if (broken.size > 0) {
    console.error(`\nbroken: ${[...broken].map(([id, detail]) => `${id} (${detail})`).join('; ')}`);
    return 1;
  }
  return 0;
}

process.exitCode = main();
