import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { ts } from 'ts-morph';

// Helpers of the starter acceptance suite (starters.test.ts): child processes in their own process
// group (a package manager's script runs a shell that runs node: stopping the group stops them all),
// project snapshots, and reading the counts out of tsc's, test runners' and linters' output.

export interface Ran {
  command: string;
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved as they came. */
  output: string;
  ms: number;
}

/** Every process group started here and not yet known to be gone, for the suite's afterAll. */
const live = new Set<ChildProcess>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/** Runs a command to its end (or kills its process group after timeoutMs), collecting its output. */
export function run(command: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<Ran> {
  const started = Date.now();
  const printable = [command, ...args].join(' ');
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    live.add(child);
    let stdout = '';
    let stderr = '';
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      output += chunk.toString();
    });
    const timeoutMs = options.timeoutMs ?? 300_000;
    const timer = setTimeout(() => {
      output += `\n[starters] ${printable} timed out after ${timeoutMs} ms; killed\n`;
      killGroup(child, 'SIGKILL');
    }, timeoutMs);
    child.once('error', (error) => {
      output += `\n[starters] ${printable} could not start: ${error.message}\n`;
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      live.delete(child);
      resolve({ command: printable, code, stdout, stderr, output, ms: Date.now() - started });
    });
  });
}

/** A long-running command (a server, a worker) in its own process group, with its output collected. */
export class LongRunning {
  readonly child: ChildProcess;
  readonly command: string;
  output = '';
  readonly exited: Promise<number | null>;

  constructor(command: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }) {
    this.command = [command, ...args].join(' ');
    this.child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    live.add(this.child);
    const collect = (chunk: Buffer): void => {
      this.output += chunk.toString();
    };
    this.child.stdout?.on('data', collect);
    this.child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) => {
      this.child.once('close', (code) => {
        live.delete(this.child);
        resolve(code);
      });
    });
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.output);
      if (match !== null) return match;
      if (!this.running || Date.now() > deadline) {
        throw new Error(`no ${pattern} in the output of \`${this.command}\` (${this.running ? 'still running' : `exited with ${this.child.exitCode}`}):\n${this.output}`);
      }
      await sleep(50);
    }
  }

  /** SIGTERM to the group, then SIGKILL after graceMs; resolves with the exit code (null when killed). */
  async stop(graceMs = 5_000): Promise<number | null> {
    if (!this.running) return this.exited;
    killGroup(this.child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(this.child, 'SIGKILL'), graceMs);
    const code = await this.exited;
    clearTimeout(timer);
    // The package manager may be gone while its node child lingers: make sure of the group.
    killGroup(this.child, 'SIGKILL');
    return code;
  }
}

/** Kills whatever the suite started and left running (a failed test's server or worker). */
export function killAll(): void {
  for (const child of live) killGroup(child, 'SIGKILL');
  live.clear();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Each file's SHA-1 (a symlink's target), by posix path relative to root, node_modules left out. */
export function snapshot(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules') continue;
      const path = join(dir, entry.name);
      const key = relative(root, path).split(sep).join('/');
      if (entry.isDirectory()) walk(path);
      else if (entry.isSymbolicLink()) files.set(key, `symlink:${readlinkSync(path)}`);
      else if (lstatSync(path).isFile()) files.set(key, createHash('sha1').update(readFileSync(path)).digest('hex'));
    }
  };
  walk(root);
  return files;
}

/** `CHANGED a`, `ADDED b`, `REMOVED c` lines; empty when the snapshots are the same. */
export function snapshotDiff(before: Map<string, string>, after: Map<string, string>): string[] {
  const lines: string[] = [];
  for (const [path, hash] of before) {
    const now = after.get(path);
    if (now === undefined) lines.push(`REMOVED ${path}`);
    else if (now !== hash) lines.push(`CHANGED ${path}`);
  }
  for (const path of after.keys()) if (!before.has(path)) lines.push(`ADDED ${path}`);
  return lines.sort();
}

/** `src/x.ts(3,5): error TS2304: …` lines in tsc's (non-pretty) output. */
export function tscErrorCount(output: string): number {
  return output.match(/\berror TS\d+:/g)?.length ?? 0;
}

export interface TestCounts {
  passed: number;
  failed: number;
  skipped: number;
}

/** The summary of a vitest, jest or node:test (spec or TAP reporter) run, or undefined when there is none. */
export function testCounts(output: string): TestCounts | undefined {
  const plain = output.replace(/\x1b\[[0-9;]*m/g, '');
  const count = (line: string, word: string): number => Number(new RegExp(`(\\d+) ${word}`).exec(line)?.[1] ?? 0);
  // vitest: " Tests  1 failed | 4 passed | 1 skipped (6)"; jest: "Tests:       1 failed, 1 skipped, 5 passed, 7 total".
  const summary = /^\s*Tests:?\s+(.*\d+ (?:passed|failed|skipped).*)$/m.exec(plain)?.[1];
  if (summary !== undefined) return { passed: count(summary, 'passed'), failed: count(summary, 'failed'), skipped: count(summary, 'skipped') + count(summary, 'todo') };
  // node:test: "ℹ pass 6" (spec) or "# pass 6" (TAP).
  const node = (word: string): number | undefined => {
    const match = new RegExp(`^[ℹ#] ${word} (\\d+)$`, 'm').exec(plain);
    return match === null ? undefined : Number(match[1]);
  };
  const passed = node('pass');
  if (passed === undefined) return undefined;
  return { passed, failed: (node('fail') ?? 0) + (node('cancelled') ?? 0), skipped: (node('skipped') ?? 0) + (node('todo') ?? 0) };
}

export type LintTool = 'biome' | 'eslint' | 'prettier';

/** Problems a lint or format check reports (Biome's errors and warnings, ESLint's problems, files Prettier would change); undefined when unreadable. */
export function lintProblemCount(tool: LintTool, ran: Ran): number | undefined {
  const plain = ran.output.replace(/\x1b\[[0-9;]*m/g, '');
  if (tool === 'biome') {
    const found = [...plain.matchAll(/^Found (\d+) (?:errors?|warnings?)\.$/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
    if (found > 0 || ran.code === 0) return found;
    return undefined;
  }
  if (tool === 'eslint') {
    const problems = /✖ (\d+) problems?/.exec(plain);
    if (problems !== null) return Number(problems[1]);
    return ran.code === 0 ? 0 : undefined;
  }
  if (ran.code === 0) return 0;
  const files = /Code style issues found in (\d+) files/.exec(plain);
  if (files !== null) return Number(files[1]);
  if (/Code style issues found in the above file/.test(plain)) return 1;
  return undefined;
}

export interface RouteRegistration {
  /** How it was done: `inserted` by this suite from the printed lines, or `already` there (bgtask did it). */
  how: 'inserted' | 'already';
  file: string;
  importLine?: string;
  callLine?: string;
}

/** The printed "Register … in <file> …" step of add-task --route: the file, the import and the call. */
export function parseRegisterStep(stdout: string, registerName: string): { file: string; importLine: string; callLine: string } | undefined {
  const lines = stdout.split('\n');
  const at = lines.findIndex((line) => /^\s*Register\b/.test(line));
  if (at < 0) return undefined;
  const file = /\bin\s+`?([\w./@-]+\.[cm]?[jt]sx?)\b/.exec(lines[at] ?? '')?.[1];
  const rest = lines.slice(at + 1, at + 8).map((line) => line.trim());
  const importLine = rest.find((line) => line.startsWith('import ') && line.includes(registerName));
  const callLine = rest.find((line) => !line.startsWith('import ') && line.includes(`${registerName}(`));
  if (file === undefined || importLine === undefined || callLine === undefined) return undefined;
  return { file, importLine, callLine };
}

/**
 * Does what a user does with add-task's "Register … after the background tasks middleware" lines:
 * the import after the file's last import, the call on the line after the statement that installs
 * the adapter (`x.use(backgroundTasks())`, `await x.register(backgroundTasks)`, …), same indentation.
 */
export function insertRegistration(root: string, step: { file: string; importLine: string; callLine: string }): void {
  const path = join(root, step.file);
  const text = readFileSync(path, 'utf8');
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const find = (node: ts.Node): ts.Node | undefined => {
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && ['use', 'register'].includes(node.expression.name.text)) {
      if (node.arguments.some((argument) => /\bbackgroundTasks\b/.test(argument.getText(source)))) return node;
    }
    return ts.forEachChild(node, find);
  };
  const install = find(source);
  if (install === undefined) throw new Error(`${step.file} installs no background tasks middleware (no x.use(backgroundTasks…) or x.register(backgroundTasks…)):\n${text}`);
  let statement: ts.Node = install;
  while (statement.parent !== undefined && !ts.isBlock(statement.parent) && !ts.isSourceFile(statement.parent) && !ts.isModuleBlock(statement.parent)) statement = statement.parent;
  const lineStart = text.lastIndexOf('\n', statement.getStart(source) - 1) + 1;
  const indent = /^[ \t]*/.exec(text.slice(lineStart))?.[0] ?? '';
  const imports = source.statements.filter((candidate) => ts.isImportDeclaration(candidate) || ts.isImportEqualsDeclaration(candidate));
  const importEnd = imports.at(-1)?.getEnd() ?? 0;
  const callAt = statement.getEnd();
  if (callAt < importEnd) throw new Error(`${step.file}: the adapter is installed before the last import`);
  const withCall = `${text.slice(0, callAt)}\n${indent}${step.callLine}${text.slice(callAt)}`;
  const withImport = importEnd === 0 ? `${step.importLine}\n${withCall}` : `${withCall.slice(0, importEnd)}\n${step.importLine}${withCall.slice(importEnd)}`;
  writeFileSync(path, withImport);
}
