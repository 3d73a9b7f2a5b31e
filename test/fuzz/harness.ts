import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { LintResult } from '../../src/linter/types.js';
import { describeCase, REPO_ROOT, reproduceCommand, writeCase, type FuzzCase } from './cases.js';

export const BIN = join(REPO_ROOT, 'bin', 'bgtask.js');
/** The issue's limit: every case finishes within 10 s. */
export const CASE_TIMEOUT_MS = 10_000;
export const FAILURES_DIR = join(tmpdir(), 'bgtask-fuzz-failures');

/**
 * How a case can go wrong, as a user would see it, worst first: the run never ends, the process dies,
 * a stack trace, an exit code that means usage or internal failure, output that is not the JSON
 * report, a file missing from the report, or an exit code that disagrees with the report.
 */
export const FAILURE_KINDS = ['hang', 'crash', 'stack-trace', 'exit-2', 'bad-json', 'missing-result', 'exit-mismatch'] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

export interface Problem {
  kind: FailureKind;
  detail: string;
}

export interface CaseOutcome {
  fuzzCase: FuzzCase;
  /** The case's directory, as the CLI saw it. */
  directory: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  durationMs: number;
  stdout: string;
  stderr: string;
  /** Empty when the case passed. */
  problems: Problem[];
}

/** A V8/Node stack frame (`    at fn (file:1:2)` or `    at file:1:2`), or an uncaught error's class. */
const STACK_TRACE = [/^\s*at .+\(.+:\d+:\d+\)$/m, /^\s*at \S+:\d+:\d+$/m, /\b(RangeError|TypeError|ReferenceError|SyntaxError|EvalError|URIError|AggregateError)\b/, /FATAL ERROR/];

/** The first few lines of stderr, which is what a user reads first. */
export function stderrHead(stderr: string, lines = 3): string {
  const head = stderr.trim().split('\n').slice(0, lines).join(' | ');
  return head.length > 400 ? `${head.slice(0, 400)}…` : head;
}

/** Everything wrong with one run of `bgtask lint <case> --format json`. */
function judge(outcome: Omit<CaseOutcome, 'problems'>): Problem[] {
  const problems: Problem[] = [];
  const { exitCode, signal, stderr, stdout } = outcome;
  if (outcome.timedOut) problems.push({ kind: 'hang', detail: `no exit within ${CASE_TIMEOUT_MS / 1000} s` });
  else if (signal !== null || exitCode === null || ![0, 1, 2].includes(exitCode)) {
    problems.push({ kind: 'crash', detail: `${signal === null ? `exit ${exitCode}` : `killed by ${signal}`}: ${stderrHead(stderr)}` });
  }
  if (STACK_TRACE.some((pattern) => pattern.test(stderr))) problems.push({ kind: 'stack-trace', detail: stderrHead(stderr) });
  if (exitCode === 2) problems.push({ kind: 'exit-2', detail: `exit 2: ${stderrHead(stderr)}` });
  if (outcome.timedOut) return problems;

  let results: LintResult[];
  try {
    const parsed: unknown = JSON.parse(stdout);
    if (!Array.isArray(parsed)) throw new Error('not an array');
    results = parsed as LintResult[];
  } catch {
    problems.push({ kind: 'bad-json', detail: `stdout is not a JSON array of results: ${JSON.stringify(stdout.slice(0, 120))}` });
    return problems;
  }
  const reported = new Set(results.map((result) => resolve(result.filePath)));
  for (const file of outcome.fuzzCase.files) {
    if (!reported.has(join(outcome.directory, file.path))) problems.push({ kind: 'missing-result', detail: `no result for ${file.path}${file.mutated ? ' (the mutated file)' : ''}` });
  }
  const errors = results.reduce((sum, result) => sum + (result.errorCount ?? 0), 0);
  if ((exitCode === 0 && errors > 0) || (exitCode === 1 && errors === 0)) {
    problems.push({ kind: 'exit-mismatch', detail: `exit ${exitCode} with ${errors} errors in the report` });
  }
  return problems;
}

/**
 * Writes the case into `directory` (empty) and runs the built CLI on it as a user would: a child
 * process, killed if it has not exited after {@link CASE_TIMEOUT_MS}. Never rejects. `bin` is for
 * fuzzing a copy of the build while the working tree's is being rebuilt.
 */
export async function runCase(fuzzCase: FuzzCase, directory: string, { timeoutMs = CASE_TIMEOUT_MS, bin = BIN } = {}): Promise<CaseOutcome> {
  // The CLI reports real paths; a temp dir behind a symlink (macOS's /var) must compare equal.
  const root = realpathSync(directory);
  writeCase(fuzzCase, root);
  const started = Date.now();
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.FORCE_COLOR;
  const child = spawn(process.execPath, [bin, 'lint', root, '--format', 'json'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((settle) => {
    child.once('error', (error) => {
      stderr.push(Buffer.from(`could not start the CLI: ${error.message}\n`));
      settle([null, null]);
    });
    // 'close', not 'exit': by then stdout and stderr have been read to their end.
    child.once('close', (code, killedBy) => settle([code, killedBy]));
  });
  clearTimeout(timer);
  const ran = {
    fuzzCase,
    directory: root,
    exitCode,
    signal: timedOut ? null : signal,
    timedOut,
    durationMs: Date.now() - started,
    stdout: Buffer.concat(stdout).toString('utf8'),
    stderr: Buffer.concat(stderr).toString('utf8'),
  };
  return { ...ran, problems: judge(ran) };
}

/** At most `concurrency` tasks at once (the machine has two cores, and each run is a node process). */
export function makeLimiter(concurrency: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= concurrency) await new Promise<void>((start) => waiting.push(start));
    else running++;
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next task, or give it up.
      const next = waiting.shift();
      if (next === undefined) running--;
      else next();
    }
  };
}

/** The one-line report of a failed case: seed, worst problem, what was mutated, how to rerun it. */
export function failureLine(outcome: CaseOutcome): string {
  const [first] = outcome.problems;
  return `FAIL seed ${outcome.fuzzCase.seed} [${first?.kind}] ${first?.detail} — ${describeCase(outcome.fuzzCase)} — rerun: ${reproduceCommand(outcome.fuzzCase)}`;
}

/** Copies a failed case (its files, what was done, what the CLI printed) to `<failures>/<seed>/`; returns that directory. */
export function saveFailure(outcome: CaseOutcome, failuresDir = FAILURES_DIR): string {
  const target = join(failuresDir, String(outcome.fuzzCase.seed));
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  cpSync(outcome.directory, join(target, 'files'), { recursive: true });
  writeFileSync(join(target, 'stdout.txt'), outcome.stdout);
  writeFileSync(join(target, 'stderr.txt'), outcome.stderr);
  const { fuzzCase } = outcome;
  const summary = {
    seed: fuzzCase.seed,
    rerun: reproduceCommand(fuzzCase),
    lint: `node ${BIN} lint ${join(target, 'files')} --format json`,
    project: fuzzCase.project,
    files: fuzzCase.files.map((file) => ({ path: file.path, mutated: file.mutated, bytes: file.bytes.length })),
    mutations: fuzzCase.mutations,
    exitCode: outcome.exitCode,
    signal: outcome.signal,
    timedOut: outcome.timedOut,
    durationMs: outcome.durationMs,
    problems: outcome.problems,
  };
  writeFileSync(join(target, 'case.json'), `${JSON.stringify(summary, null, 2)}\n`);
  return target;
}
