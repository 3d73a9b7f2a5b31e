import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandIO } from '../io.js';
import { installCommand, type PackageJson, type PackageManager } from './project.js';

/** A package the generated code needs, with the range bgtask was tested against. */
export interface Dependency {
  name: string;
  range: string;
  dev: boolean;
}

const OWN_PACKAGE_JSON = new URL('../../package.json', import.meta.url);

/**
 * The caret range of a package bgtask itself develops and tests against (its own package.json), so
 * generated code meets the major version its templates were type-checked with.
 */
export function testedRange(name: string): string {
  const own = JSON.parse(readFileSync(OWN_PACKAGE_JSON, 'utf8')) as PackageJson & { version: string };
  if (name === 'bgtask') return `^${own.version}`;
  const declared = own.devDependencies?.[name] ?? own.dependencies?.[name];
  if (declared === undefined) throw new Error(`bgtask bug: no tested version of ${name}`);
  const version = /\d+\.\d+\.\d+/.exec(declared)?.[0];
  return version === undefined ? declared : `^${version}`;
}

/**
 * bgtask itself as a devDependency (the `lint:tasks` script and bgtask.json's `$schema` use it), when
 * this bgtask was installed from the registry (npx, a global or a project install put it under a
 * node_modules folder). A bgtask run from a checkout or a link is not a version the registry can
 * give the project, and an install that asks for it would fail.
 */
export function bgtaskDependency(): Dependency | undefined {
  const packageDir = fileURLToPath(new URL('../..', import.meta.url));
  if (!packageDir.includes(`${sep}node_modules${sep}`)) return undefined;
  return { name: 'bgtask', range: testedRange('bgtask'), dev: true };
}

/**
 * Packages at the ranges bgtask tests against: the runtime ones, then the dev ones that are not also
 * runtime ones, each group sorted as package managers keep them.
 */
export function atTestedRanges(runtime: readonly string[], dev: readonly string[] = []): Dependency[] {
  const runtimeNames = [...new Set(runtime)].sort();
  const devNames = [...new Set(dev)].filter((name) => !runtimeNames.includes(name)).sort();
  return [
    ...runtimeNames.map((name) => ({ name, range: testedRange(name), dev: false })),
    ...devNames.map((name) => ({ name, range: testedRange(name), dev: true })),
  ];
}

/**
 * The dependencies an install must fetch: those this run declares for the first time, and those
 * declared but absent from node_modules.
 */
export function missingDependencies(root: string, before: PackageJson, wanted: readonly Dependency[]): Dependency[] {
  const declared: Record<string, unknown> = { ...before.dependencies, ...before.devDependencies };
  return wanted
    .filter((dependency) => declared[dependency.name] === undefined || !existsSync(join(root, 'node_modules', dependency.name, 'package.json')))
    .map((dependency) => {
      // Declared but not installed (a fresh clone): the project's own range, never bgtask's.
      const range = declared[dependency.name];
      return typeof range === 'string' ? { ...dependency, range } : dependency;
    });
}

/** One command for the runtime dependencies, one for the dev ones. */
export function installCommands(manager: PackageManager, dependencies: readonly Dependency[]): string[][] {
  const commands: string[][] = [];
  for (const dev of [false, true]) {
    const packages = dependencies.filter((dependency) => dependency.dev === dev).map((dependency) => `${dependency.name}@${dependency.range}`);
    if (packages.length > 0) commands.push(installCommand(manager, packages, dev));
  }
  return commands;
}

/** As a user would type it: double quotes around anything a shell may read specially (`^` in cmd.exe, zsh). */
export function formatCommand(command: readonly string[]): string {
  return command.map((part) => (/^[\w@%+=:,./-]+$/.test(part) ? part : `"${part.replaceAll('"', '\\"')}"`)).join(' ');
}

/**
 * Runs the install commands in the project root, one after another, forwarding their output.
 * Returns the command that failed, or undefined when all succeeded.
 */
export function runInstall(root: string, commands: readonly string[][], io: CommandIO): { failed: string; reason: string; errorLine?: string } | undefined {
  const windows = process.platform === 'win32';
  for (const command of commands) {
    const printable = formatCommand(command);
    io.stdout(`\n$ ${printable}\n`);
    const [program = '', ...args] = command;
    // npm, pnpm and yarn are .cmd shims on Windows, which only a shell can start.
    const result = windows
      ? spawnSync(printable, { cwd: root, env: { ...io.env }, encoding: 'utf8', shell: true })
      : spawnSync(program, args, { cwd: root, env: { ...io.env }, encoding: 'utf8' });
    if (result.stdout) io.stdout(result.stdout);
    if (result.stderr) io.stderr(result.stderr);
    if (result.error !== undefined) {
      const code = (result.error as NodeJS.ErrnoException).code;
      return { failed: printable, reason: code === 'ENOENT' ? `${program} is not installed or not on PATH` : result.error.message };
    }
    if (result.status !== 0) {
      return { failed: printable, reason: result.signal === null ? `exit code ${result.status}` : `killed by ${result.signal}`, errorLine: installerErrorLine(`${result.stderr}\n${result.stdout}`) };
    }
  }
  return undefined;
}

/** The installer's own first error line (npm's `npm error …`, pnpm's `ERR_PNPM_…`, yarn's `error …`), else its last line. */
export function installerErrorLine(output: string): string | undefined {
  const lines = output
    .split(/\r?\n/)
    .map((line) => line.replace(/^\u27a4\s*/, '').trim())
    .filter((line) => line !== '');
  // npm's `code`/`errno` lines and its log pointer say less than the line after them.
  const first = lines.find(
    (line) => /^(npm error|npm ERR!|ERR_PNPM_|\S*ERR_PNPM_|error\b|YN\d+: .*error|ERROR)/i.test(line) && !/^npm (error|ERR!) (code|errno|syscall|A complete log|$)/i.test(line),
  );
  return first ?? lines.at(-1);
}

// What a package manager writes at the project's root: package.json (a command that succeeded before
// a later one failed has already saved to it), lockfiles, and the install state of npm, pnpm and Yarn.
const INSTALL_STATE = ['package.json', 'package-lock.json', 'npm-shrinkwrap.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml', 'yarn.lock', 'bun.lockb', 'bun.lock', '.pnp.cjs', '.pnp.loader.mjs', '.yarn', 'node_modules'];

/**
 * Takes note of what an install may change at the project's root; the returned function puts it
 * back after a failed install: the files as they were, and the ones that were not there (a
 * node_modules folder, a lockfile) removed. Nothing else at the root is touched.
 */
export function recordInstallState(root: string): () => void {
  const saved = new Map<string, Buffer | undefined>();
  for (const name of INSTALL_STATE) {
    const path = join(root, name);
    if (!existsSync(path)) saved.set(name, undefined);
    else if (statSync(path).isFile()) saved.set(name, readFileSync(path));
  }
  return () => {
    for (const [name, contents] of saved) {
      if (contents === undefined) rmSync(join(root, name), { recursive: true, force: true });
      else writeFileSync(join(root, name), contents);
    }
  };
}
