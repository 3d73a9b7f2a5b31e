import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, posix, relative, resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import { globSync } from 'tinyglobby';
import type { ts } from 'ts-morph';
import { parseTsconfig } from '../linter/config.js';
import { typescript } from '../typescript.js';
import type { ChangeSet } from './changes.js';
import { installedVersion, type PackageJson } from './project.js';

// How the project builds, and so what the `worker` script runs. The `build` script is read as a
// shell line (and the scripts it calls), the tool it runs is found among tsc (+ tsc-alias), tsup,
// esbuild (CLI or a build file calling `build()`) and swc, and that tool's configuration says where
// the worker entry's JavaScript lands. A bundler that does not list the worker entry gets it added:
// in the build script (returned, for the caller to write into package.json) or in its config file
// (edited in the change set, formatting kept). Anything bgtask cannot read statically falls back to
// running the entry with tsx, and the notes say so.

export type BuildTool = 'tsc' | 'tsup' | 'esbuild' | 'swc' | 'none';

export interface WorkerBuild {
  tool: BuildTool;
  /** tsc followed by tsc-alias (also true for tsc + tsc-alias) */
  tscAlias: boolean;
  /** Whether the build bundles relative imports (tsup, esbuild --bundle) or rewrites them (tsc-alias with resolveFullPaths, swc's module.resolveFully), so extensionless ESM specifiers work at run time. */
  rewritesImports: boolean;
  /** The `worker` script: `node <built file>`, or `tsx <entry>` when there is no build. */
  workerScript: string;
  /** Dev packages the script needs (['tsx'] for none). */
  devDependencies: string[];
  /** The new text of the script named by buildScriptName when bgtask must add the worker entry to it (e.g. `tsup src/index.ts` → `tsup src/index.ts src/worker.ts`), else undefined. */
  buildScript?: string;
  /** Which package.json script buildScript replaces: `build`, or the script `build` calls that lists the entries (`build:js`). Set exactly when buildScript is. */
  buildScriptName?: string;
  /** Lines for the user: what build the worker script assumes, and how to change it when bgtask had to assume. */
  notes: string[];
}

type Tool = Exclude<BuildTool, 'none'>;

/** A word of a shell command line, with where it sits in the script's text (for edits). */
interface Word {
  value: string;
  start: number;
  end: number;
}

/** One command a script runs: the program first, with env assignments and wrappers (cross-env, npx, pnpm exec) left out. */
interface Step {
  script: string;
  text: string;
  words: Word[];
}

interface Context {
  changes: ChangeSet;
  root: string;
  packageJson: PackageJson;
  scripts: Record<string, string>;
  /** The worker entry, project-relative posix. */
  entry: string;
  runScript: (script: string) => string;
}

/** Where the worker entry's JavaScript lands, and what it took. */
interface Built {
  kind: 'built';
  tool: Tool;
  output: string;
  /** How the note names the tool: `tsup`, `tsc and tsc-alias`. */
  label: string;
  tscAlias: boolean;
  rewritesImports: boolean;
  notes: string[];
  buildScript?: { name: string; text: string };
  fileEdit?: { path: string; text: string };
}

/** The build is known, but bgtask cannot or should not make it build the worker: the notes say what to do. */
interface Unbuilt {
  kind: 'unbuilt';
  tool: BuildTool;
  tscAlias: boolean;
  notes: string[];
}

type Plan = Built | Unbuilt;

/** Runs the worker entry's TypeScript where the project has no build. */
export const TSX = 'tsx';

/** package.json's scripts that are strings: a hand-edited `"build": ["tsc"]` or `"scripts": null` is not one bgtask can read. */
function stringScripts(scripts: unknown): Record<string, string> {
  if (typeof scripts !== 'object' || scripts === null || Array.isArray(scripts)) return {};
  return Object.fromEntries(Object.entries(scripts).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

export function planWorkerBuild(changes: ChangeSet, packageJson: PackageJson, workerEntry: string, runScript: (script: string) => string): WorkerBuild {
  const context: Context = {
    changes,
    root: changes.root,
    packageJson,
    scripts: stringScripts(packageJson.scripts),
    entry: normalizePath(workerEntry),
    runScript,
  };
  const plan = planFor(context);
  if (plan.kind === 'unbuilt') {
    return {
      tool: plan.tool,
      tscAlias: plan.tscAlias,
      rewritesImports: false,
      workerScript: `${TSX} ${shellQuote(context.entry)}`,
      devDependencies: [TSX],
      notes: plan.notes,
    };
  }
  if (plan.fileEdit !== undefined && plan.fileEdit.text !== changes.read(plan.fileEdit.path)) changes.edit(plan.fileEdit.path, plan.fileEdit.text);
  const how = context.scripts.build === undefined ? plan.label : `\`${runScript('build')}\`, ${plan.label}`;
  return {
    tool: plan.tool,
    tscAlias: plan.tscAlias,
    rewritesImports: plan.rewritesImports,
    workerScript: `node ${shellQuote(plan.output)}`,
    devDependencies: [],
    ...(plan.buildScript === undefined ? {} : { buildScript: plan.buildScript.text, buildScriptName: plan.buildScript.name }),
    notes: [`The worker script runs ${plan.output}: build the project (${how}) before \`${runScript('worker')}\`.`, ...plan.notes],
  };
}

function planFor(context: Context): Plan {
  const { scripts, entry } = context;
  const build = scripts.build;
  if (build === undefined) return planWithoutBuildScript(context);
  const steps = stepsOf(scripts, 'build');
  const tscAliasStep = steps.find((step) => program(step) === 'tsc-alias');
  // The first bundler or transpiler wins over tsc, which then type-checks or writes declarations.
  for (const step of steps) {
    const name = program(step);
    if (name === 'tsup' || name === 'tsup-node') return planTsup(context, step);
    if (name === 'esbuild') return planEsbuildCli(context, step);
    if (name === 'swc') return planSwc(context, step);
    const file = RUNNERS.has(name) ? esbuildFileOf(context, step) : undefined;
    if (file !== undefined) return planEsbuildFile(context, step, file);
  }
  const tscSteps = steps.filter((step) => program(step) === 'tsc');
  let silentTsc: string | undefined;
  for (const step of tscSteps) {
    const plan = planTsc(context, step, tscAliasStep);
    if (plan !== 'no-emit') return plan;
    silentTsc = step.words.map((word) => word.value).join(' ');
  }
  // Only a type-check (and clean-ups, linters): the project runs its TypeScript as it is.
  if (silentTsc !== undefined && steps.every((step) => program(step) === 'tsc' || NOT_BUILDERS.has(program(step)))) {
    return unbuilt('none', [`The \`build\` script's \`${silentTsc}\` writes no JavaScript, so the worker script runs ${entry} with tsx, as the project's own code runs; to run a built file instead, change the \`worker\` script in package.json.`]);
  }
  return unknownBuild(context, build);
}

/** Programs a build script runs besides the compiler, which write no JavaScript of the project's. */
const NOT_BUILDERS = new Set(['rimraf', 'rm', 'del', 'del-cli', 'mkdir', 'mkdirp', 'cp', 'cpx', 'cpy', 'copyfiles', 'shx', 'echo', 'true', 'chmod', 'touch', 'prisma', 'drizzle-kit', 'eslint', 'prettier', 'biome', 'oxlint', 'tsc-alias', 'vitest', 'jest', 'publint', 'attw']);

function unbuilt(tool: BuildTool, notes: string[], tscAlias = false): Unbuilt {
  return { kind: 'unbuilt', tool, tscAlias, notes };
}

function unknownBuild(context: Context, build: string): Unbuilt {
  return unbuilt('none', [
    `bgtask could not tell how \`${build}\` builds; the worker script runs ${context.entry} with tsx; change the \`worker\` script in package.json to run the built file once the build writes it.`,
  ]);
}

/**
 * No `build` script: the project runs TypeScript directly (tsx watch), unless its `start` script runs
 * a file under the outDir of a tsconfig that emits, which someone builds with tsc.
 */
function planWithoutBuildScript(context: Context): Plan {
  const start = context.scripts.start;
  if (start !== undefined) {
    const started = stepsOf(context.scripts, 'start').find((step) => program(step) === 'node');
    const file = started === undefined ? undefined : runnerFile(started);
    const tsconfigPath = join(context.root, 'tsconfig.json');
    if (file !== undefined && existsSync(tsconfigPath)) {
      const parsed = parseTsconfig(tsconfigPath);
      const { outDir, noEmit, emitDeclarationOnly } = parsed.options;
      if (outDir !== undefined && noEmit !== true && emitDeclarationOnly !== true && isInside(normalizePath(relative(context.root, outDir)), normalizePath(file))) {
        const plan = planTsc(context, undefined, undefined);
        if (plan !== 'no-emit' && plan.kind === 'built') {
          return { ...plan, notes: [`package.json has no \`build\` script; \`start\` runs ${normalizePath(file)}, so bgtask assumed tsc builds the project with tsconfig.json.`, ...plan.notes] };
        }
      }
    }
  }
  return unbuilt('none', [`The worker script runs ${context.entry} with tsx, as package.json has no \`build\` script; to run a built file instead, change the \`worker\` script in package.json.`]);
}

// ---------------------------------------------------------------------------------------------
// Scripts as shell lines

/** Splits a script into commands (at `&&`, `||`, `;`, `|`, `&`, newlines, parentheses) and words, unquoting as sh does. */
function parseShell(text: string): Word[][] {
  const commands: Word[][] = [];
  let current: Word[] = [];
  let i = 0;
  const breaks = /[\s;&|()]/;
  while (i < text.length) {
    const c = text.charAt(i);
    if (c === ' ' || c === '\t' || c === '\r') {
      i += 1;
      continue;
    }
    if (breaks.test(c)) {
      if (current.length > 0) commands.push(current);
      current = [];
      i += 1;
      continue;
    }
    const start = i;
    let value = '';
    while (i < text.length && !breaks.test(text.charAt(i))) {
      const ch = text.charAt(i);
      if (ch === "'") {
        const close = text.indexOf("'", i + 1);
        const end = close < 0 ? text.length : close;
        value += text.slice(i + 1, end);
        i = end + 1;
      } else if (ch === '"') {
        i += 1;
        while (i < text.length && text.charAt(i) !== '"') {
          if (text.charAt(i) === '\\' && '"\\$`'.includes(text.charAt(i + 1))) i += 1;
          value += text.charAt(i);
          i += 1;
        }
        i += 1;
      } else if (ch === '\\' && i + 1 < text.length) {
        value += text.charAt(i + 1);
        i += 2;
      } else {
        value += ch;
        i += 1;
      }
    }
    current.push({ value, start, end: Math.min(i, text.length) });
  }
  if (current.length > 0) commands.push(current);
  return commands;
}

const ENV_ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

function baseName(command: string): string {
  return (command.split(/[\\/]/).pop() ?? command).replace(/\.(cmd|exe|js|mjs|cjs)$/i, '');
}

/** The words from the program on: leading `NAME=value`s and wrappers (cross-env, env, npx, pnpm exec, dotenv --) dropped. */
function unwrap(words: Word[]): Word[] {
  let i = 0;
  for (;;) {
    while (i < words.length && ENV_ASSIGNMENT.test(words[i]?.value ?? '')) i += 1;
    const word = words[i];
    if (word === undefined) return [];
    const name = baseName(word.value);
    const next = words[i + 1]?.value;
    if (name === 'cross-env' || name === 'cross-env-shell' || name === 'env' || name === 'time' || name === 'nice') {
      i += 1;
    } else if (name === 'npx' || name === 'pnpx' || name === 'bunx') {
      i += 1;
      while (words[i]?.value.startsWith('-') === true) i += 1;
    } else if ((name === 'npm' || name === 'pnpm' || name === 'yarn' || name === 'bun') && (next === 'exec' || next === 'dlx' || (name === 'bun' && next === 'x'))) {
      i += 2;
      while (words[i]?.value.startsWith('-') === true && words[i]?.value !== '--') i += 1;
      if (words[i]?.value === '--') i += 1;
    } else if (name === 'dotenv' || name === 'dotenvx' || name === 'env-cmd') {
      const dashes = words.findIndex((candidate, index) => index > i && candidate.value === '--');
      if (dashes < 0) return [];
      i = dashes + 1;
    } else {
      return words.slice(i);
    }
  }
}

function program(step: Step): string {
  return baseName(step.words[0]?.value ?? '');
}

const NPM_RUN_ALL = new Set(['run-s', 'run-p', 'npm-run-all', 'npm-run-all2']);

/**
 * What a package manager command runs: package.json scripts (`npm run build:js`, `pnpm build:js`,
 * `run-s build:*`), a program from node_modules/.bin (`yarn tsc`, `pnpm tsup`), or itself (undefined).
 */
function calledScripts(words: Word[], scripts: Record<string, string>): { scripts: string[] } | { program: Word[] } | undefined {
  const name = baseName(words[0]?.value ?? '');
  const rest = words.slice(1).map((word) => word.value);
  if (NPM_RUN_ALL.has(name)) {
    const patterns = rest.filter((arg) => !arg.startsWith('-'));
    const names = Object.keys(scripts);
    return {
      scripts: patterns.flatMap((pattern) => {
        const matches = picomatch(pattern.replaceAll(':', '/'));
        return names.filter((candidate) => matches(candidate.replaceAll(':', '/')));
      }),
    };
  }
  if (name !== 'npm' && name !== 'pnpm' && name !== 'yarn' && name !== 'bun') return undefined;
  const verbIndex = words.findIndex((word, index) => index > 0 && !word.value.startsWith('-'));
  const verb = words[verbIndex]?.value;
  const target = words.slice(verbIndex + 1).find((word) => !word.value.startsWith('-'))?.value;
  if (verb === undefined) return { scripts: [] };
  if (name === 'npm') {
    if (verb === 'run' || verb === 'run-script') return { scripts: target === undefined ? [] : [target] };
    if (verb === 'start' || verb === 'test') return { scripts: [verb] };
    return { scripts: [] };
  }
  if (verb === 'run') {
    if (target !== undefined && scripts[target] !== undefined) return { scripts: [target] };
    return name === 'bun' ? undefined : { scripts: [] };
  }
  if (scripts[verb] !== undefined) return { scripts: [verb] };
  if (name === 'bun') return undefined;
  // `yarn tsup`, `pnpm tsc`: a program from node_modules/.bin, unless it is one of the manager's own commands.
  return PACKAGE_MANAGER_COMMANDS.has(verb) ? { scripts: [] } : { program: words.slice(verbIndex) };
}

const PACKAGE_MANAGER_COMMANDS = new Set(['install', 'i', 'add', 'remove', 'rm', 'up', 'upgrade', 'update', 'workspace', 'workspaces', 'dlx', 'exec', 'why', 'link', 'unlink', 'test', 'start', 'build', 'publish', 'pack', 'rebuild', 'prune', 'store', 'config', 'info', 'list', 'ls', 'outdated', 'audit', 'init', 'create', 'turbo', 'node', 'set', 'version', 'cache']);

/** The commands `npm run <name>` runs, through the scripts it calls, pre and post scripts included. */
function stepsOf(scripts: Record<string, string>, name: string, seen = new Set<string>()): Step[] {
  if (seen.has(name) || seen.size > 50) return [];
  seen.add(name);
  const steps: Step[] = [];
  for (const script of [`pre${name}`, name, `post${name}`]) {
    const text = scripts[script];
    if (text === undefined) continue;
    for (const command of parseShell(text)) {
      const words = unwrap(command);
      if (words.length === 0) continue;
      const called = calledScripts(words, scripts);
      if (called === undefined) steps.push({ script, text, words });
      else if ('program' in called) steps.push({ script, text, words: called.program });
      else for (const callee of called.scripts) steps.push(...stepsOf(scripts, callee, seen));
    }
  }
  return steps;
}

/** Quotes a word for sh when it needs it. */
function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

function insertIntoScript(step: Step, after: number, addition: string): { name: string; text: string } {
  return { name: step.script, text: `${step.text.slice(0, after)} ${addition}${step.text.slice(after)}` };
}

// ---------------------------------------------------------------------------------------------
// Paths

function normalizePath(path: string): string {
  const normalized = posix.normalize(path.split(sep).join('/').replaceAll('\\', '/'));
  return normalized.startsWith('./') ? normalized.slice(2) : normalized;
}

function projectPath(root: string, absolute: string): string {
  return normalizePath(relative(root, absolute)) || '.';
}

function isInside(dir: string, path: string): boolean {
  return dir === '.' || path === dir || path.startsWith(`${dir}/`);
}

/** The lowest common ancestor of the files' directories, as esbuild computes its default outbase. */
function commonDirectory(files: readonly string[]): string {
  const dirs = files.map((file) => posix.dirname(normalizePath(file)).split('/'));
  const [first, ...others] = dirs;
  if (first === undefined) return '.';
  let length = first.length;
  for (const dir of others) {
    let same = 0;
    while (same < length && same < dir.length && dir[same] === first[same]) same += 1;
    length = same;
  }
  return first.slice(0, length).join('/') || '.';
}

/** `.ts` → `.js`, `.mts` → `.mjs`, `.cts` → `.cjs`, as tsc and swc name their output; `ext` replaces the extension outright. */
function withJsExtension(path: string, ext?: string): string {
  if (ext !== undefined) return path.replace(/\.[cm]?[jt]sx?$/, '') + ext;
  return path.replace(/\.([cm]?)tsx?$/, (_match, kind: string) => `.${kind}js`);
}

function hasGlob(pattern: string): boolean {
  return /[*?[\]{}!]/.test(pattern);
}

/** Expands entry patterns as tsup (tinyglobby) and esbuild do, against the disk and the worker entry bgtask is about to write. */
function expandEntries(root: string, patterns: readonly string[], entry: string): string[] {
  const normalized = patterns.map((pattern) => (pattern.startsWith('!') ? `!${normalizePath(pattern.slice(1))}` : normalizePath(pattern)));
  const positive = normalized.filter((pattern) => !pattern.startsWith('!'));
  const negative = normalized.filter((pattern) => pattern.startsWith('!')).map((pattern) => pattern.slice(1));
  const found = new Set<string>();
  if (positive.some(hasGlob)) for (const file of globSync(normalized, { cwd: root, ignore: ['**/node_modules/**'] })) found.add(normalizePath(file));
  for (const pattern of positive) if (!hasGlob(pattern)) found.add(pattern);
  if (matchesPatterns(normalized, entry)) found.add(entry);
  return [...found].filter((file) => !negative.some((pattern) => picomatch(pattern)(file)));
}

function matchesPatterns(patterns: readonly string[], file: string): boolean {
  const positive = patterns.filter((pattern) => !pattern.startsWith('!'));
  const negative = patterns.filter((pattern) => pattern.startsWith('!')).map((pattern) => pattern.slice(1));
  return positive.some((pattern) => pattern === file || picomatch(pattern)(file)) && !negative.some((pattern) => picomatch(pattern)(file));
}

/** The version of a package the project has installed, else the lowest its declared range allows. */
function packageVersion(context: Context, name: string): [number, number] | undefined {
  const version = installedVersion(context.root, name) ?? context.packageJson.devDependencies?.[name] ?? context.packageJson.dependencies?.[name];
  const match = version === undefined ? null : /(\d+)\.(\d+|x|\*)/.exec(version) ?? /(\d+)/.exec(version);
  if (match === null) return undefined;
  return [Number(match[1]), Number.isNaN(Number(match[2])) ? 0 : Number(match[2] ?? 0)];
}

// ---------------------------------------------------------------------------------------------
// tsc (+ tsc-alias)

interface TscArgs {
  project?: string;
  outDir?: string;
  rootDir?: string;
  noEmit: boolean;
  /** Files named on the command line: tsc then ignores tsconfig.json. */
  files: string[];
}

function parseTscArgs(words: readonly Word[]): TscArgs {
  const args: TscArgs = { noEmit: false, files: [] };
  let build = false;
  for (let i = 0; i < words.length; i += 1) {
    const word = words[i]?.value ?? '';
    const next = words[i + 1]?.value;
    const lower = word.toLowerCase();
    if (lower === '-p' || lower === '--project') {
      args.project = next;
      i += 1;
    } else if (lower === '-b' || lower === '--build') {
      build = true;
    } else if (lower === '--outdir') {
      args.outDir = next;
      i += 1;
    } else if (lower === '--rootdir') {
      args.rootDir = next;
      i += 1;
    } else if (lower === '--noemit' || lower === '--emitdeclarationonly') {
      if (next !== 'false') args.noEmit = true;
    } else if (word.startsWith('-')) {
      // Flags with a value: skip it, unless it is another flag.
      if (next !== undefined && !next.startsWith('-') && !/\.[cm]?tsx?$/.test(next) && !/\.json$/.test(next) && !BOOLEAN_TSC_FLAGS.has(lower)) i += 1;
    } else if (build) {
      args.project ??= word;
    } else {
      args.files.push(word);
    }
  }
  return args;
}

const BOOLEAN_TSC_FLAGS = new Set(['-w', '--watch', '--pretty', '--incremental', '--declaration', '-d', '--sourcemap', '--force', '-f', '--verbose', '-v', '--clean', '--listfiles', '--skiplibcheck', '--strict', '--composite']);

/** tsc's output for the worker entry; `no-emit` when this tsc only type-checks or writes declarations. */
function planTsc(context: Context, step: Step | undefined, tscAliasStep: Step | undefined): Plan | 'no-emit' {
  const { root, entry } = context;
  const args = parseTscArgs(step?.words.slice(1) ?? []);
  if (args.noEmit) return 'no-emit';
  const label = tscAliasStep === undefined ? 'tsc' : 'tsc and tsc-alias';
  const command = step?.words.map((word) => word.value).join(' ') ?? 'tsc';
  if (args.files.length > 0) {
    return unbuilt('tsc', [`\`${command}\` compiles the files it names, not tsconfig.json's; the worker script runs ${entry} with tsx. To run it built, compile ${entry} too and change the \`worker\` script in package.json to \`node <its .js file>\`.`], tscAliasStep !== undefined);
  }
  let tsconfigPath = resolve(root, args.project ?? 'tsconfig.json');
  if (!/\.json$/i.test(tsconfigPath)) tsconfigPath = join(tsconfigPath, 'tsconfig.json');
  if (!existsSync(tsconfigPath)) return unknownBuild(context, command);
  const parsed = parseTsconfig(tsconfigPath);
  const options = parsed.options;
  if (options.noEmit === true || options.emitDeclarationOnly === true) return 'no-emit';
  const entryPath = resolve(root, entry);
  const notes: string[] = [];

  const outDir = args.outDir === undefined ? options.outDir : resolve(root, args.outDir);
  let rootDir = args.rootDir === undefined ? options.rootDir : resolve(root, args.rootDir);
  if (rootDir === undefined) {
    const tsMajor = packageVersion(context, 'typescript')?.[0] ?? 5;
    if (options.composite === true || tsMajor >= 6) {
      // composite projects, and every project from TypeScript 6 on, root their output at tsconfig's directory.
      rootDir = dirname(tsconfigPath);
    } else {
      // tsc's rootDir defaults to the longest common directory of the inputs (the entry is one of them).
      const inputs = parsed.fileNames.filter((file) => !/\.d\.[cm]?ts$/.test(file) && !file.endsWith('.json')).map((file) => projectPath(root, resolve(root, file)));
      const before = commonDirectory(inputs);
      const after = commonDirectory([...inputs, entry]);
      if (inputs.length > 0 && before !== after) {
        notes.push(`Adding ${entry} moves tsc's output root from ${before} to ${after}, and with it the project's other built files; set \`"rootDir": "${after}"\` in ${projectPath(root, tsconfigPath)} and update the scripts that run them.`);
      }
      rootDir = resolve(root, after);
    }
  }
  const fromRoot = relative(rootDir, entryPath);
  if (fromRoot.startsWith('..') || isAbsolute(fromRoot)) {
    return unbuilt('tsc', [`${entry} is outside rootDir (${projectPath(root, rootDir)}) in ${projectPath(root, tsconfigPath)}, so tsc would not build it; the worker script runs it with tsx. Move the worker entry under rootDir, or change the \`worker\` script in package.json.`], tscAliasStep !== undefined);
  }
  if (!tsconfigIncludes(parsed, entryPath)) {
    notes.push(`${projectPath(root, tsconfigPath)} does not include ${entry}, so tsc will not compile it unless something imports it: add it to "include" (or "files").`);
  }
  const output = projectPath(root, withJsExtension(join(outDir ?? dirname(entryPath), outDir === undefined ? posix.basename(entry) : fromRoot)));
  return {
    kind: 'built',
    tool: 'tsc',
    output,
    label,
    tscAlias: tscAliasStep !== undefined,
    rewritesImports: tscAliasStep !== undefined && tscAliasResolvesFullPaths(context, tscAliasStep, tsconfigPath),
    notes,
  };
}

/** Whether the tsconfig's include/files cover the entry (wildcardDirectories lists what include globs; files lists the rest). */
function tsconfigIncludes(parsed: ts.ParsedCommandLine, entryPath: string): boolean {
  // wildcardDirectories' keys are lowercased on case-insensitive file systems.
  const normalizedEntry = normalizePath(entryPath).toLowerCase();
  if (parsed.fileNames.some((file) => normalizePath(file).toLowerCase() === normalizedEntry)) return true;
  const { WatchDirectoryFlags } = typescript();
  for (const [dir, flags] of Object.entries(parsed.wildcardDirectories ?? {})) {
    const normalizedDir = normalizePath(dir).toLowerCase();
    const recursive = (flags & WatchDirectoryFlags.Recursive) !== 0;
    if (recursive ? normalizedEntry.startsWith(`${normalizedDir}/`) : posix.dirname(normalizedEntry) === normalizedDir) return true;
  }
  return false;
}

function tscAliasResolvesFullPaths(context: Context, step: Step, tscTsconfig: string): boolean {
  const words = step.words.map((word) => word.value);
  if (words.includes('-f') || words.includes('--resolve-full-paths')) return true;
  const projectIndex = words.findIndex((word) => word === '-p' || word === '--project');
  const project = projectIndex >= 0 ? words[projectIndex + 1] : undefined;
  let path = project === undefined ? tscTsconfig : resolve(context.root, project);
  if (!/\.json$/i.test(path)) path = join(path, 'tsconfig.json');
  for (let depth = 0; depth < 5 && existsSync(path); depth += 1) {
    const raw = readJsonText(readFileSync(path, 'utf8'));
    if (!isRecord(raw)) return false;
    const options = raw['tsc-alias'];
    if (isRecord(options) && typeof options.resolveFullPaths === 'boolean') return options.resolveFullPaths;
    if (typeof raw.extends !== 'string' || !raw.extends.startsWith('.')) return false;
    path = resolve(dirname(path), raw.extends);
    if (!path.endsWith('.json')) path += '.json';
  }
  return false;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** JSON with comments and trailing commas (tsconfig, .swcrc), through TypeScript's JSON parser. */
function readJsonText(text: string): unknown {
  const tsc = typescript();
  const file = tsc.parseJsonText('config.json', text);
  return tsc.convertToObject(file, []);
}

// ---------------------------------------------------------------------------------------------
// Reading config files statically

const UNKNOWN = Symbol('unknown');
type Value = string | number | boolean | undefined | null | Value[] | { [key: string]: Value } | typeof UNKNOWN;

interface SourceFile {
  path: string;
  text: string;
  file: ts.SourceFile;
}

function parseSource(path: string, text: string): SourceFile {
  const tsc = typescript();
  const kind = /\.[cm]?tsx?$/.test(path) ? tsc.ScriptKind.TS : tsc.ScriptKind.JS;
  return { path, text, file: tsc.createSourceFile(path, text, tsc.ScriptTarget.Latest, true, kind) };
}

function unwrapExpression(node: ts.Node): ts.Node {
  const tsc = typescript();
  let current = node;
  while (tsc.isParenthesizedExpression(current) || tsc.isAsExpression(current) || tsc.isSatisfiesExpression(current) || tsc.isTypeAssertionExpression(current) || tsc.isNonNullExpression(current) || tsc.isAwaitExpression(current)) {
    current = current.expression;
  }
  return current;
}

/** The initializer of a `const name = …` anywhere in the file. */
function declarationOf(source: SourceFile, name: string): ts.Expression | undefined {
  const tsc = typescript();
  let found: ts.Expression | undefined;
  const visit = (node: ts.Node): void => {
    if (found !== undefined) return;
    if (tsc.isVariableDeclaration(node) && tsc.isIdentifier(node.name) && node.name.text === name && node.initializer !== undefined) {
      found = node.initializer;
      return;
    }
    tsc.forEachChild(node, visit);
  };
  visit(source.file);
  return found;
}

/** Follows identifiers to their `const` initializers, and unwraps `as`, `satisfies` and parentheses. */
function resolveNode(source: SourceFile, node: ts.Node, depth = 0): ts.Node {
  const tsc = typescript();
  const current = unwrapExpression(node);
  if (depth < 10 && tsc.isIdentifier(current)) {
    const initializer = declarationOf(source, current.text);
    if (initializer !== undefined) return resolveNode(source, initializer, depth + 1);
  }
  return current;
}

/** An object literal's properties by name, spreads of other literals merged in; `opaque` when a spread or computed key could hide one. */
function propertiesOf(source: SourceFile, object: ts.ObjectLiteralExpression, depth = 0): { props: Map<string, ts.Expression>; opaque: boolean } {
  const tsc = typescript();
  const props = new Map<string, ts.Expression>();
  let opaque = false;
  for (const property of object.properties) {
    if (tsc.isPropertyAssignment(property)) {
      const name = propertyName(property.name);
      if (name === undefined) opaque = true;
      else props.set(name, property.initializer);
    } else if (tsc.isShorthandPropertyAssignment(property)) {
      props.set(property.name.text, property.name);
    } else if (tsc.isSpreadAssignment(property)) {
      const spread = resolveNode(source, property.expression);
      if (tsc.isObjectLiteralExpression(spread) && depth < 10) {
        const inner = propertiesOf(source, spread, depth + 1);
        for (const [key, value] of inner.props) props.set(key, value);
        opaque ||= inner.opaque;
      } else {
        opaque = true;
      }
    } else if (tsc.isMethodDeclaration(property)) {
      const name = propertyName(property.name);
      if (name !== undefined) props.set(name, property as unknown as ts.Expression);
    }
  }
  return { props, opaque };
}

function propertyName(name: ts.PropertyName): string | undefined {
  const tsc = typescript();
  if (tsc.isIdentifier(name) || tsc.isStringLiteral(name) || tsc.isNumericLiteral(name) || tsc.isNoSubstitutionTemplateLiteral(name)) return name.text;
  return undefined;
}

/** A value the file states literally: strings, booleans, arrays, objects, and `path.join(__dirname, 'dist')`-style paths (project-relative). */
function evaluate(source: SourceFile, root: string, node: ts.Node, depth = 0): Value {
  const tsc = typescript();
  if (depth > 10) return UNKNOWN;
  const current = resolveNode(source, node);
  if (tsc.isStringLiteral(current) || tsc.isNoSubstitutionTemplateLiteral(current)) return current.text;
  if (tsc.isNumericLiteral(current)) return Number(current.text);
  if (current.kind === tsc.SyntaxKind.TrueKeyword) return true;
  if (current.kind === tsc.SyntaxKind.FalseKeyword) return false;
  if (current.kind === tsc.SyntaxKind.NullKeyword) return null;
  if (tsc.isIdentifier(current) && current.text === 'undefined') return undefined;
  if (tsc.isArrayLiteralExpression(current)) {
    const values: Value[] = [];
    for (const element of current.elements) {
      if (tsc.isSpreadElement(element)) {
        const spread = evaluate(source, root, element.expression, depth + 1);
        if (!Array.isArray(spread)) return UNKNOWN;
        values.push(...spread);
      } else {
        values.push(evaluate(source, root, element, depth + 1));
      }
    }
    return values;
  }
  if (tsc.isObjectLiteralExpression(current)) {
    const { props, opaque } = propertiesOf(source, current);
    if (opaque) return UNKNOWN;
    const object: Record<string, Value> = {};
    for (const [key, value] of props) object[key] = evaluate(source, root, value, depth + 1);
    return object;
  }
  const path = pathValue(source, root, current);
  return path ?? UNKNOWN;
}

/** `__dirname`, `import.meta.dirname`, `process.cwd()`, and `path.join`/`path.resolve` of those and strings, as project-relative paths. */
function pathValue(source: SourceFile, root: string, node: ts.Node): string | undefined {
  const tsc = typescript();
  const fileDir = projectPath(root, dirname(resolve(root, source.path)));
  if (tsc.isIdentifier(node) && node.text === '__dirname') return fileDir;
  const text = node.getText(source.file).replace(/\s+/g, '');
  if (text === 'process.cwd()') return '.';
  // import.meta.dirname, dirname(fileURLToPath(import.meta.url)), fileURLToPath(new URL('.', import.meta.url))
  if (text === 'import.meta.dirname' || /^(path\.)?dirname\((url\.)?fileURLToPath\(import\.meta\.url\)\)$/.test(text) || /^(url\.)?fileURLToPath\(newURL\(['"]\.\/?['"],import\.meta\.url\)\)$/.test(text)) return fileDir;
  if (tsc.isCallExpression(node) && /(^|\.)(join|resolve)$/.test(node.expression.getText(source.file))) {
    const parts: string[] = [];
    for (const arg of node.arguments) {
      const value = pathValue(source, root, unwrapExpression(arg)) ?? evaluate(source, root, arg);
      if (typeof value !== 'string') return undefined;
      parts.push(value);
    }
    return normalizePath(posix.join(...parts));
  }
  return undefined;
}

function stringList(value: Value): string[] | undefined {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
  return undefined;
}

/** The string literals' quote in the file, for text bgtask adds next to them. */
function quoteOf(source: SourceFile, near: ts.Node): string {
  const tsc = typescript();
  let quote: string | undefined;
  const visit = (node: ts.Node): void => {
    if (quote !== undefined) return;
    if (tsc.isStringLiteral(node)) {
      quote = source.text.charAt(node.getStart(source.file));
      return;
    }
    tsc.forEachChild(node, visit);
  };
  visit(near);
  if (quote === undefined) visit(source.file);
  return quote === '"' ? '"' : "'";
}

function literal(source: SourceFile, near: ts.Node, value: string): string {
  const quote = quoteOf(source, near);
  return `${quote}${value.replaceAll('\\', '\\\\').replaceAll(quote, `\\${quote}`)}${quote}`;
}

/** Appends an element (or property) to an array (or object) literal, keeping its layout: one line stays one line, one item per line stays so. */
function appendToLiteral(source: SourceFile, list: ts.ArrayLiteralExpression | ts.ObjectLiteralExpression, item: string): string {
  const tsc = typescript();
  const { text, file } = source;
  const items: ts.NodeArray<ts.Node> = tsc.isArrayLiteralExpression(list) ? list.elements : list.properties;
  const last = items[items.length - 1];
  const open = list.getStart(file);
  const close = list.getEnd() - 1;
  if (last === undefined) {
    const inner = text.slice(open + 1, close);
    if (inner.includes('\n')) {
      const indent = lineIndent(text, open) + '  ';
      return `${text.slice(0, open + 1)}\n${indent}${item},\n${lineIndent(text, close)}${text.slice(close)}`;
    }
    const pad = tsc.isObjectLiteralExpression(list) ? ' ' : '';
    return `${text.slice(0, open + 1)}${pad}${item}${pad}${text.slice(close)}`;
  }
  const first = items[0] ?? last;
  const multiline = text.slice(open + 1, first.getStart(file)).includes('\n');
  const trailingComma = items.hasTrailingComma;
  const lastEnd = last.getEnd();
  if (multiline) {
    const indent = lineIndent(text, last.getStart(file));
    if (trailingComma) {
      const comma = text.indexOf(',', lastEnd);
      return `${text.slice(0, comma + 1)}\n${indent}${item},${text.slice(comma + 1)}`;
    }
    return `${text.slice(0, lastEnd)},\n${indent}${item}${text.slice(lastEnd)}`;
  }
  if (trailingComma) {
    const comma = text.indexOf(',', lastEnd);
    return `${text.slice(0, comma + 1)} ${item},${text.slice(comma + 1)}`;
  }
  return `${text.slice(0, lastEnd)}, ${item}${text.slice(lastEnd)}`;
}

function lineIndent(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))?.[0] ?? '';
}

function replaceNode(source: SourceFile, node: ts.Node, replacement: string): string {
  return `${source.text.slice(0, node.getStart(source.file))}${replacement}${source.text.slice(node.getEnd())}`;
}

// ---------------------------------------------------------------------------------------------
// Entry lists, shared by tsup and esbuild

/** Entries as the bundler has them: a list (paths or globs; esbuild's `{ in, out }` and `out=in` are named) or a record (name → path). */
interface Entries {
  /** Unnamed entries (paths or globs): their common directory is the default outbase. */
  paths: string[];
  /** Named entries: output name (without extension) → input path. */
  named: Map<string, string>;
}

/** Where the worker entry lands among the entries, or why it cannot be added. */
type Placement =
  | { kind: 'present'; output: string }
  | { kind: 'add-path'; output: string }
  | { kind: 'add-named'; name: string; output: string }
  | { kind: 'blocked'; reason: string };

/**
 * The worker's output path (without extension) relative to the output directory, given the
 * entries. An unnamed entry lands at its path relative to the outbase (the entries' common
 * directory unless set); a named one at its name. When adding the worker as an unnamed entry would
 * move the common directory, and so the project's other outputs, it is added under a name instead
 * (when the tool allows names) or not at all.
 */
function placeWorker(root: string, entries: Entries, entry: string, outbase: string | undefined, allowNamed: boolean): Placement {
  const bare = entry.replace(/\.[cm]?[jt]sx?$/, '');
  for (const [name, input] of entries.named) if (normalizePath(input) === entry) return { kind: 'present', output: normalizePath(name) };
  const expanded = expandEntries(root, entries.paths, entry);
  const base = (files: string[]): string => (outbase === undefined ? commonDirectory(files) : normalizePath(outbase));
  if (expanded.includes(entry)) return { kind: 'present', output: posix.relative(base(expanded), bare) };
  const withWorker = [...expanded, entry];
  const after = base(withWorker);
  const taken = new Set([...entries.named.keys()].map(normalizePath));
  if (expanded.length === 0 && entries.named.size === 0) return { kind: 'add-path', output: posix.relative(after, bare) };
  if (expanded.length > 0 && base(expanded) === after && isInside(after, entry)) {
    const output = posix.relative(after, bare);
    if (!taken.has(output)) return { kind: 'add-path', output };
  }
  if (!allowNamed) {
    return { kind: 'blocked', reason: `adding ${entry} would move the other entries' output (their common directory ${base(expanded)} would become ${after})` };
  }
  let name = posix.basename(bare);
  for (let n = 2; taken.has(name) || expanded.some((file) => posix.relative(base(expanded), file.replace(/\.[cm]?[jt]sx?$/, '')) === name); n += 1) name = `${posix.basename(bare)}-${n}`;
  return { kind: 'add-named', name, output: name };
}

// ---------------------------------------------------------------------------------------------
// tsup

const TSUP_CONFIGS = ['tsup.config.ts', 'tsup.config.cts', 'tsup.config.mts', 'tsup.config.js', 'tsup.config.cjs', 'tsup.config.mjs', 'tsup.config.json'];
const TSUP_VALUE_FLAGS = new Set(['-d', '--out-dir', '--outDir', '--format', '--target', '--config', '--tsconfig', '--external', '--loader', '--platform', '--global-name', '--jsxFactory', '--jsxFragment', '--onSuccess', '--on-success', '--pure', '--ignore-watch', '--killSignal', '--inject', '--banner.js', '--footer.js']);
const TSUP_OPTIONAL_VALUE_FLAGS = new Set(['--dts', '--experimental-dts', '--watch', '-w', '--sourcemap', '--minify', '--publicDir', '--public-dir']);

interface TsupArgs {
  files: Word[];
  entryFlags: { name: string; value: Word }[];
  outDir?: string;
  format?: string[];
  config?: string | false;
  legacyOutput: boolean;
}

function parseTsupArgs(words: readonly Word[]): TsupArgs {
  const args: TsupArgs = { files: [], entryFlags: [], legacyOutput: false };
  for (let i = 0; i < words.length; i += 1) {
    const word = words[i];
    if (word === undefined) continue;
    const [flag = '', inline] = word.value.startsWith('-') ? splitFlag(word.value) : [word.value];
    const next = words[i + 1];
    const value = (): string | undefined => {
      if (inline !== undefined) return inline;
      i += 1;
      return next?.value;
    };
    if (!word.value.startsWith('-')) args.files.push(word);
    else if (flag.startsWith('--entry.')) {
      if (inline !== undefined) args.entryFlags.push({ name: flag.slice('--entry.'.length), value: { value: inline, start: word.start, end: word.end } });
      else if (next !== undefined) {
        args.entryFlags.push({ name: flag.slice('--entry.'.length), value: next });
        i += 1;
      }
    } else if (flag === '-d' || flag === '--out-dir' || flag === '--outDir') args.outDir = value();
    else if (flag === '--format') args.format = value()?.split(',');
    else if (flag === '--config') args.config = value();
    else if (flag === '--no-config') args.config = false;
    else if (flag === '--legacy-output' || flag === '--legacyOutput') args.legacyOutput = true;
    else if (TSUP_VALUE_FLAGS.has(flag) || flag.startsWith('--env.') || flag.startsWith('--define.')) {
      if (inline === undefined) i += 1;
    } else if (TSUP_OPTIONAL_VALUE_FLAGS.has(flag) && inline === undefined && next !== undefined && !next.value.startsWith('-')) {
      i += 1;
    }
  }
  return args;
}

function splitFlag(word: string): [string, string | undefined] {
  const equals = word.indexOf('=');
  return equals < 0 ? [word, undefined] : [word.slice(0, equals), word.slice(equals + 1)];
}

/** One tsup configuration as read from its file: values, and the entry node for edits. */
interface TsupConfig {
  path: string;
  source?: SourceFile;
  values: Record<string, Value>;
  /** The `entry` (or `entryPoints`) property's value node, for edits; undefined in JSON read from package.json. */
  entryNode?: ts.Node;
  /** The config object, to add `entry` to when it has none. */
  objectNode?: ts.ObjectLiteralExpression;
  opaque: boolean;
}

function readTsupConfigs(context: Context, path: string): TsupConfig[] | undefined {
  const tsc = typescript();
  if (path === 'package.json') {
    const data = context.packageJson.tsup;
    return isRecord(data) ? [{ path, values: data as Record<string, Value>, opaque: false }] : undefined;
  }
  const text = context.changes.read(path);
  if (text === undefined) return undefined;
  if (path.endsWith('.json')) {
    const file = tsc.parseJsonText(path, text);
    const source: SourceFile = { path, text, file };
    const root = file.statements[0]?.expression;
    return root === undefined ? undefined : configsFrom(context, source, root);
  }
  const source = parseSource(path, text);
  let exported: ts.Node | undefined;
  let named: ts.Node | undefined;
  for (const statement of source.file.statements) {
    if (tsc.isExportAssignment(statement)) exported = statement.expression;
    else if (tsc.isExpressionStatement(statement) && tsc.isBinaryExpression(statement.expression) && statement.expression.operatorToken.kind === tsc.SyntaxKind.EqualsToken) {
      const target = statement.expression.left.getText(source.file);
      if (target === 'module.exports' || target === 'exports.default') exported = statement.expression.right;
      if (target === 'exports.tsup' || target === 'module.exports.tsup') named = statement.expression.right;
    } else if (tsc.isVariableStatement(statement) && statement.modifiers?.some((modifier) => modifier.kind === tsc.SyntaxKind.ExportKeyword)) {
      for (const declaration of statement.declarationList.declarations) {
        if (tsc.isIdentifier(declaration.name) && declaration.name.text === 'tsup' && declaration.initializer !== undefined) named = declaration.initializer;
      }
    }
  }
  // tsup reads `mod.tsup || mod.default || mod`.
  const chosen = named ?? exported;
  return chosen === undefined ? undefined : configsFrom(context, source, chosen);
}

/** The configuration objects an exported value holds: `defineConfig({…})`, `defineConfig((options) => ({…}))`, `[{…}, {…}]`. */
function configsFrom(context: Context, source: SourceFile, node: ts.Node, depth = 0): TsupConfig[] | undefined {
  const tsc = typescript();
  if (depth > 10) return undefined;
  const current = resolveNode(source, node);
  if (tsc.isCallExpression(current) && current.arguments.length === 1 && current.arguments[0] !== undefined) return configsFrom(context, source, current.arguments[0], depth + 1);
  if (tsc.isArrowFunction(current) || tsc.isFunctionExpression(current)) {
    if (!tsc.isBlock(current.body)) return configsFrom(context, source, current.body, depth + 1);
    const returned = current.body.statements.filter(tsc.isReturnStatement);
    const last = returned[returned.length - 1];
    return last?.expression === undefined ? undefined : configsFrom(context, source, last.expression, depth + 1);
  }
  if (tsc.isArrayLiteralExpression(current)) {
    const configs = current.elements.map((element) => configsFrom(context, source, element, depth + 1));
    return configs.every((config) => config !== undefined) ? configs.flat() : undefined;
  }
  if (tsc.isObjectLiteralExpression(current)) {
    const { props, opaque } = propertiesOf(source, current);
    const values: Record<string, Value> = {};
    for (const [key, value] of props) values[key] = evaluate(source, context.root, value);
    const entryNode = props.get('entry') ?? props.get('entryPoints');
    return [{ path: source.path, source, values, ...(entryNode === undefined ? {} : { entryNode }), objectNode: current, opaque }];
  }
  return undefined;
}

function tsupEntries(value: Value): Entries | undefined {
  const list = stringList(value);
  if (list !== undefined) return { paths: list, named: new Map() };
  if (isRecord(value) && Object.values(value).every((item) => typeof item === 'string')) return { paths: [], named: new Map(Object.entries(value as Record<string, string>)) };
  return undefined;
}

function planTsup(context: Context, step: Step): Plan {
  const { root, entry, packageJson } = context;
  const args = parseTsupArgs(step.words.slice(1));
  const command = step.words.map((word) => word.value).join(' ');
  let configPath: string | undefined;
  if (args.config !== false) {
    configPath = args.config === undefined ? TSUP_CONFIGS.find((candidate) => context.changes.exists(candidate)) : normalizePath(args.config);
    if (configPath === undefined && isRecord(packageJson.tsup)) configPath = 'package.json';
  }
  const configs = configPath === undefined ? [] : readTsupConfigs(context, configPath);
  if (configs === undefined) return unbuilt('tsup', [`bgtask could not read ${configPath ?? 'the tsup config'}; the worker script runs ${entry} with tsx. To run it built, add ${entry} to tsup's entry and change the \`worker\` script in package.json to \`node <its built file>\`.`]);
  // Of several configs (`defineConfig([…])`), the one that already builds the worker, else the one in the package's own format.
  const preferred = packageJson.type === 'module' ? 'esm' : 'cjs';
  const withEntry = configs.filter((config) => config.values.entry !== undefined || config.values.entryPoints !== undefined);
  const builds = (config: TsupConfig): boolean => {
    const entries = tsupEntries(config.values.entry ?? config.values.entryPoints);
    return entries !== undefined && placeWorker(root, entries, entry, undefined, false).kind === 'present';
  };
  const inPreferredFormat = (candidate: TsupConfig): boolean => (stringList(candidate.values.format ?? 'cjs') ?? []).includes(preferred);
  const building = withEntry.filter(builds);
  const config = building.find(inPreferredFormat) ?? building[0] ?? withEntry.find(inPreferredFormat) ?? withEntry[0] ?? configs[0];
  const values = config?.values ?? {};
  if (config?.opaque === true && values.entry === undefined && args.files.length === 0 && args.entryFlags.length === 0) {
    return unbuilt('tsup', [`${config.path} builds its options from values bgtask cannot read; the worker script runs ${entry} with tsx. To run it built, add ${entry} to tsup's entry and change the \`worker\` script in package.json to \`node <its built file>\`.`]);
  }

  // The command line overrides the config file: `--entry.name path`, then positional files.
  let entries: Entries | undefined;
  let source: 'flags' | 'files' | 'config';
  if (args.entryFlags.length > 0) {
    entries = { paths: [], named: new Map(args.entryFlags.map((flag) => [flag.name, flag.value.value])) };
    source = 'flags';
  } else if (args.files.length > 0) {
    entries = { paths: args.files.map((word) => word.value), named: new Map() };
    source = 'files';
  } else {
    entries = tsupEntries(values.entry ?? values.entryPoints);
    source = 'config';
  }
  if (entries === undefined) {
    const where = config === undefined ? `\`${command}\` names no entry and there is no tsup config` : `bgtask could not read the entry in ${config.path}`;
    return unbuilt('tsup', [`${where}; the worker script runs ${entry} with tsx. To run it built, add ${entry} to tsup's entry and change the \`worker\` script in package.json to \`node <its built file>\`.`]);
  }

  if (args.outDir === undefined && values.outDir === UNKNOWN) {
    return unbuilt('tsup', [`bgtask could not read outDir in ${config?.path ?? 'the tsup config'}; the worker script runs ${entry} with tsx. Change the \`worker\` script in package.json to \`node <its built file>\`.`]);
  }
  const outDir = normalizePath(args.outDir ?? (typeof values.outDir === 'string' ? values.outDir : 'dist'));
  const formats = args.format ?? stringList(values.format ?? 'cjs') ?? ['cjs'];
  const format = formats.includes(preferred) ? preferred : (formats[0] ?? 'cjs');
  const legacyOutput = args.legacyOutput || values.legacyOutput === true;
  const notes: string[] = [];
  let extension = tsupExtension(format, packageJson.type === 'module');
  if (legacyOutput) extension = '.js';
  else if (values.outExtension !== undefined) notes.push(`${config?.path ?? 'The tsup config'} sets outExtension; check that the \`worker\` script in package.json names the file tsup writes.`);
  const directory = legacyOutput && format !== 'cjs' ? posix.join(outDir, format) : outDir;

  const placement = placeWorker(root, entries, entry, undefined, source === 'flags' || (source === 'config' && !Array.isArray(values.entry ?? values.entryPoints)));
  if (placement.kind === 'blocked') {
    return unbuilt('tsup', [`tsup does not build ${entry}, and ${placement.reason}; the worker script runs ${entry} with tsx. To run it built, add it to tsup's entry (a separate tsup config for the worker keeps the other outputs where they are) and change the \`worker\` script in package.json.`]);
  }
  const output = posix.join(directory, placement.output + extension);
  const plan: Built = { kind: 'built', tool: 'tsup', output, label: 'tsup', tscAlias: false, rewritesImports: values.bundle !== false, notes };
  if (placement.kind === 'present') return plan;

  if (source === 'flags') {
    const last = args.entryFlags[args.entryFlags.length - 1];
    const name = placement.kind === 'add-named' ? placement.name : placement.output;
    plan.buildScript = insertIntoScript(step, last?.value.end ?? step.words[0]?.end ?? 0, `--entry.${name} ${shellQuote(entry)}`);
    notes.push(`bgtask added ${entry} to the entries of the \`${step.script}\` script (tsup).`);
    return plan;
  }
  if (source === 'files') {
    const last = args.files[args.files.length - 1];
    plan.buildScript = insertIntoScript(step, last?.end ?? 0, shellQuote(entry));
    notes.push(`bgtask added ${entry} to the entries of the \`${step.script}\` script (tsup).`);
    return plan;
  }
  if (config?.source === undefined || config.entryNode === undefined) {
    return unbuilt('tsup', [`tsup does not build ${entry}; add ${placement.kind === 'add-named' ? `"${placement.name}": "${entry}"` : `"${entry}"`} to the \`tsup.entry\` in ${config?.path ?? 'package.json'}, then change the \`worker\` script in package.json to \`node ${output}\`. Until then the worker script runs ${entry} with tsx.`]);
  }
  const edited = addToEntryNode(config.source, config.entryNode, entry, placement.kind === 'add-named' ? placement.name : undefined, false);
  if (edited === undefined) {
    return unbuilt('tsup', [`bgtask could not add ${entry} to the entry in ${config.path}; add it there and change the \`worker\` script in package.json to \`node ${output}\`. Until then the worker script runs ${entry} with tsx.`]);
  }
  plan.fileEdit = { path: config.path, text: edited };
  notes.push(`bgtask added ${entry} to tsup's entry in ${config.path}.`);
  return plan;
}

/** tsup's default extensions: `.js` in the package's own format, `.cjs`/`.mjs` in the other. */
function tsupExtension(format: string, isModule: boolean): string {
  if (format === 'iife') return '.global.js';
  if (isModule && format === 'cjs') return '.cjs';
  if (!isModule && format === 'esm') return '.mjs';
  return '.js';
}

/**
 * Adds the worker to an entry value in a config file: to an array (a path, or esbuild's
 * `{ in, out }` when it needs a name), to an object (`name: path`), or turns a lone string into an
 * array. undefined when the value is not a literal bgtask can edit.
 */
function addToEntryNode(source: SourceFile, node: ts.Node, entry: string, name: string | undefined, inOut: boolean): string | undefined {
  const tsc = typescript();
  const target = resolveNode(source, node);
  if (tsc.isArrayLiteralExpression(target)) {
    if (name !== undefined && !inOut) return undefined;
    const item = name === undefined ? literal(source, target, entry) : `{ in: ${literal(source, target, entry)}, out: ${literal(source, target, name)} }`;
    return appendToLiteral(source, target, item);
  }
  if (tsc.isObjectLiteralExpression(target)) {
    const key = /^[A-Za-z_$][\w$]*$/.test(name ?? '') && !source.path.endsWith('.json') ? (name ?? '') : literal(source, target, name ?? posix.basename(entry).replace(/\.[cm]?[jt]sx?$/, ''));
    return appendToLiteral(source, target, `${key}: ${literal(source, target, entry)}`);
  }
  if ((tsc.isStringLiteral(target) || tsc.isNoSubstitutionTemplateLiteral(target)) && name === undefined) {
    return replaceNode(source, target, `[${target.getText(source.file)}, ${literal(source, target, entry)}]`);
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// esbuild

interface EsbuildOptions {
  entries: Entries;
  outdir?: string;
  outfile?: string;
  outbase?: string;
  bundle: boolean;
  /** `--out-extension:.js=.mjs`, `outExtension: { '.js': '.mjs' }` */
  jsExtension?: string;
  entryNames?: string;
}

function planEsbuildCli(context: Context, step: Step): Plan {
  const { entry } = context;
  const words = step.words.slice(1);
  const entryWords: Word[] = [];
  const options: EsbuildOptions = { entries: { paths: [], named: new Map() }, bundle: false };
  for (const word of words) {
    const value = word.value;
    if (value.startsWith('-')) {
      const [flag = '', inline] = splitFlag(value);
      if (flag === '--bundle') options.bundle = true;
      else if (flag === '--outdir' && inline !== undefined) options.outdir = inline;
      else if (flag === '--outfile' && inline !== undefined) options.outfile = inline;
      else if (flag === '--outbase' && inline !== undefined) options.outbase = inline;
      else if (flag === '--entry-names' && inline !== undefined) options.entryNames = inline;
      else if (flag === '--out-extension:.js' && inline !== undefined) options.jsExtension = inline;
      continue;
    }
    entryWords.push(word);
    const equals = value.indexOf('=');
    if (equals > 0) options.entries.named.set(value.slice(0, equals), value.slice(equals + 1));
    else options.entries.paths.push(value);
  }
  const command = step.words.map((word) => word.value).join(' ');
  const placed = placeEsbuildWorker(context, options, command, step);
  if (placed.kind === 'unbuilt') return placed;
  const { plan, placement } = placed;
  if (placement.kind === 'add-path' || placement.kind === 'add-named') {
    const last = entryWords[entryWords.length - 1];
    const addition = placement.kind === 'add-named' ? `${placement.name}=${entry}` : entry;
    plan.buildScript = insertIntoScript(step, last?.end ?? step.words[0]?.end ?? 0, shellQuote(addition));
    plan.notes.push(`bgtask added ${entry} to the entry points of the \`${step.script}\` script (esbuild).`);
  }
  return plan;
}

/** The worker's output under esbuild's options, or what to do when esbuild writes a single file. */
function placeEsbuildWorker(context: Context, options: EsbuildOptions, command: string, step: Step | undefined): { kind: 'placed'; plan: Built; placement: Placement } | Unbuilt {
  const { root, entry } = context;
  const extension = options.jsExtension ?? '.js';
  if (options.outfile !== undefined) {
    const inputs = [...options.entries.paths, ...options.entries.named.values()].map(normalizePath);
    if (inputs.length === 1 && inputs[0] === entry) {
      const plan: Built = { kind: 'built', tool: 'esbuild', output: normalizePath(options.outfile), label: 'esbuild', tscAlias: false, rewritesImports: options.bundle, notes: [] };
      return { kind: 'placed', plan, placement: { kind: 'present', output: normalizePath(options.outfile) } };
    }
    const workerOut = posix.join(posix.dirname(normalizePath(options.outfile)), posix.basename(entry).replace(/\.[cm]?[jt]sx?$/, '') + (posix.extname(options.outfile) || '.js'));
    const suggestion = step === undefined ? `a second build() call with entryPoints: ['${entry}'] and outfile: '${workerOut}'` : `\`&& ${esbuildCommandFor(step, entry, workerOut)}\` at the end of the \`${step.script}\` script`;
    return unbuilt('esbuild', [
      `The build (${command}) writes a single file (${normalizePath(options.outfile)}), so bgtask left it alone; the worker script runs ${entry} with tsx. To run the worker built, add ${suggestion}, and change the \`worker\` script in package.json to \`node ${workerOut}\`.`,
    ]);
  }
  if (options.outdir === undefined) return unknownBuild(context, command);
  if (options.entryNames !== undefined && /\[(hash|ext)\]/.test(options.entryNames)) {
    return unbuilt('esbuild', [`esbuild names its output with ${options.entryNames}, which bgtask cannot predict; the worker script runs ${entry} with tsx. Change the \`worker\` script in package.json to \`node <its built file>\`.`]);
  }
  const placement = placeWorker(root, options.entries, entry, options.outbase, true);
  if (placement.kind === 'blocked') return unbuilt('esbuild', [`esbuild does not build ${entry}, and ${placement.reason}; the worker script runs it with tsx.`]);
  let relativeOutput = placement.output;
  if (options.entryNames !== undefined && placement.kind !== 'add-named' && !isNamedInput(options.entries, entry)) {
    const dir = posix.dirname(relativeOutput);
    relativeOutput = normalizePath(options.entryNames.replaceAll('[dir]', dir === '.' ? '' : dir).replaceAll('[name]', posix.basename(relativeOutput)));
  }
  const output = posix.join(normalizePath(options.outdir), relativeOutput + extension);
  const plan: Built = { kind: 'built', tool: 'esbuild', output, label: 'esbuild', tscAlias: false, rewritesImports: options.bundle, notes: [] };
  if (!options.bundle) plan.notes.push(`esbuild does not bundle here: ${entry}'s relative imports must name their .js files, and the modules it imports must be among the entry points.`);
  return { kind: 'placed', plan, placement };
}

function isNamedInput(entries: Entries, entry: string): boolean {
  return [...entries.named.values()].some((input) => normalizePath(input) === entry);
}

/** The same esbuild command for one entry written to one file. */
function esbuildCommandFor(step: Step, entry: string, outfile: string): string {
  const words = step.words.map((word) => word.value);
  const flags = words.slice(1).filter((word) => word.startsWith('-') && !word.startsWith('--outfile='));
  return [words[0] ?? 'esbuild', entry, ...flags, `--outfile=${outfile}`].map(shellQuote).join(' ');
}

const RUNNERS = new Set(['node', 'tsx', 'ts-node', 'ts-node-esm', 'bun', 'esno', 'jiti', 'vite-node', 'zx']);
const NODE_VALUE_FLAGS = new Set(['-r', '--require', '--import', '--loader', '--experimental-loader', '-C', '--conditions', '--env-file', '--tsconfig']);

/** The script file a runner command runs (`node esbuild.config.mjs`, `tsx scripts/build.ts`, `bun run build.ts`). */
function runnerFile(step: Step): string | undefined {
  const words = step.words.slice(1).map((word) => word.value);
  for (let i = 0; i < words.length; i += 1) {
    const word = words[i] ?? '';
    if (NODE_VALUE_FLAGS.has(word)) i += 1;
    else if (word === 'run' && program(step) === 'bun') continue;
    else if (!word.startsWith('-')) return /\.[cm]?[jt]sx?$/.test(word) ? word : undefined;
  }
  return undefined;
}

/** The esbuild call in a build script file, when the command runs one. */
function esbuildFileOf(context: Context, step: Step): { source: SourceFile; options: ts.ObjectLiteralExpression } | undefined {
  if (!RUNNERS.has(program(step))) return undefined;
  const file = runnerFile(step);
  if (file === undefined) return undefined;
  const path = normalizePath(file);
  const text = context.changes.read(path);
  if (text === undefined || !/['"]esbuild['"]/.test(text)) return undefined;
  const source = parseSource(path, text);
  const calls = esbuildCalls(source, context.entry);
  return calls === undefined ? undefined : { source, options: calls };
}

/** The options object of the file's `build()`/`buildSync()`/`context()` call: the one that builds the worker, else one for node, else the first. */
function esbuildCalls(source: SourceFile, entry: string): ts.ObjectLiteralExpression | undefined {
  const tsc = typescript();
  const found: ts.ObjectLiteralExpression[] = [];
  const visit = (node: ts.Node): void => {
    if (tsc.isCallExpression(node)) {
      const callee = node.expression;
      const name = tsc.isIdentifier(callee) ? callee.text : tsc.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
      const [first] = node.arguments;
      if ((name === 'build' || name === 'buildSync' || name === 'context') && first !== undefined) {
        const options = resolveNode(source, first);
        if (tsc.isObjectLiteralExpression(options) && propertiesOf(source, options).props.has('entryPoints')) found.push(options);
      }
    }
    tsc.forEachChild(node, visit);
  };
  visit(source.file);
  const text = (options: ts.ObjectLiteralExpression): string => propertiesOf(source, options).props.get('entryPoints')?.getText(source.file) ?? '';
  const platform = (options: ts.ObjectLiteralExpression): string => propertiesOf(source, options).props.get('platform')?.getText(source.file) ?? '';
  return found.find((options) => text(options).includes(entry)) ?? found.find((options) => platform(options).includes('node')) ?? found[0];
}

function planEsbuildFile(context: Context, step: Step, found: { source: SourceFile; options: ts.ObjectLiteralExpression }): Plan {
  const { root, entry } = context;
  const { source, options: node } = found;
  const { props } = propertiesOf(source, node);
  const value = (name: string): Value => {
    const property = props.get(name);
    return property === undefined ? undefined : evaluate(source, root, property);
  };
  const cannot = (what: string): Unbuilt =>
    unbuilt('esbuild', [`bgtask could not read ${what} in ${source.path}; the worker script runs ${entry} with tsx. To run it built, add ${entry} to entryPoints there and change the \`worker\` script in package.json to \`node <its built file>\`.`]);
  const entryNode = props.get('entryPoints');
  const entryValue = value('entryPoints');
  const entries: Entries = { paths: [], named: new Map() };
  let isList = false;
  if (Array.isArray(entryValue)) {
    isList = true;
    for (const item of entryValue) {
      if (typeof item === 'string') entries.paths.push(item);
      else if (isRecord(item) && typeof item.in === 'string' && typeof item.out === 'string') entries.named.set(item.out, item.in);
      else return cannot('entryPoints');
    }
  } else if (isRecord(entryValue) && Object.values(entryValue).every((item) => typeof item === 'string')) {
    for (const [name, input] of Object.entries(entryValue as Record<string, string>)) entries.named.set(name, input);
  } else {
    return cannot('entryPoints');
  }
  const options: EsbuildOptions = { entries, bundle: value('bundle') === true };
  for (const key of ['outdir', 'outfile', 'outbase', 'entryNames'] as const) {
    const item = value(key);
    if (item === UNKNOWN) return cannot(key);
    if (typeof item === 'string') options[key] = item;
  }
  const outExtension = value('outExtension');
  if (outExtension === UNKNOWN) return cannot('outExtension');
  if (isRecord(outExtension) && typeof outExtension['.js'] === 'string') options.jsExtension = outExtension['.js'];
  const placed = placeEsbuildWorker(context, options, step.words.map((word) => word.value).join(' '), undefined);
  if (placed.kind === 'unbuilt') return placed;
  const { plan, placement } = placed;
  if ((placement.kind === 'add-path' || placement.kind === 'add-named') && entryNode !== undefined) {
    const edited = addToEntryNode(source, entryNode, entry, placement.kind === 'add-named' ? placement.name : undefined, isList);
    if (edited === undefined) return cannot('entryPoints');
    plan.fileEdit = { path: source.path, text: edited };
    plan.notes.push(`bgtask added ${entry} to entryPoints in ${source.path}.`);
  }
  return plan;
}

// ---------------------------------------------------------------------------------------------
// swc

const SWC_VALUE_FLAGS = new Set(['-d', '--out-dir', '-o', '--out-file', '--config-file', '--cli-config-file', '--env-name', '--ignore', '--only', '-C', '--config', '--source-map-target', '--source-file-name', '--source-root', '--extensions', '--workers', '-f', '--filename']);
const SWC_OPTIONAL_VALUE_FLAGS = new Set(['--out-file-extension', '-s', '--source-maps']);

function planSwc(context: Context, step: Step): Plan {
  const { entry } = context;
  const words = step.words.slice(1).map((word) => word.value);
  const inputs: string[] = [];
  const ignores: string[] = [];
  const configs: string[] = [];
  let outDir: string | undefined;
  let outFile: string | undefined;
  let strip = false;
  let extension: string | undefined;
  let configFile: string | undefined;
  let swcrc = true;
  for (let i = 0; i < words.length; i += 1) {
    const word = words[i] ?? '';
    const [flag = '', inline] = word.startsWith('-') ? splitFlag(word) : [word];
    const next = words[i + 1];
    const value = (): string | undefined => {
      if (inline !== undefined) return inline;
      i += 1;
      return next;
    };
    if (!word.startsWith('-')) inputs.push(word);
    else if (flag === '--strip-leading-paths') strip = true;
    else if (flag === '--no-swcrc') swcrc = false;
    else if (flag === '-d' || flag === '--out-dir') outDir = value();
    else if (flag === '-o' || flag === '--out-file') outFile = value();
    else if (flag === '--config-file') configFile = value();
    else if (flag === '--ignore') ignores.push(...(value()?.split(',') ?? []));
    else if (flag === '-C' || flag === '--config') configs.push(value() ?? '');
    else if (flag === '--out-file-extension') {
      if (inline !== undefined || (next !== undefined && !next.startsWith('-'))) extension = value();
    } else if (SWC_VALUE_FLAGS.has(flag)) {
      if (inline === undefined) i += 1;
    } else if (SWC_OPTIONAL_VALUE_FLAGS.has(flag) && inline === undefined && next !== undefined && !next.startsWith('-')) {
      i += 1;
    }
  }
  const command = step.words.map((word) => word.value).join(' ');
  if (outDir === undefined) {
    if (outFile !== undefined) return unbuilt('swc', [`\`${command}\` compiles into a single file (${outFile}); the worker script runs ${entry} with tsx. To run it built, compile the source directory with \`swc src -d dist --strip-leading-paths\` and change the \`worker\` script in package.json.`]);
    return unknownBuild(context, command);
  }
  const normalizedInputs = inputs.map(normalizePath);
  const input = normalizedInputs.find((candidate) => candidate === entry || isInside(candidate, entry));
  if (input === undefined || ignores.some((pattern) => picomatch(normalizePath(pattern))(entry))) {
    return unbuilt('swc', [`\`${command}\` does not compile ${entry}; the worker script runs it with tsx. To run it built, add it to swc's inputs and change the \`worker\` script in package.json to \`node <its .js file>\`.`]);
  }
  // @swc/cli 0.3 and later keep the path from the working directory (`dist/src/worker.js`) unless
  // --strip-leading-paths drops its first part; 0.1 and 0.2 wrote paths relative to the input directory.
  const version = packageVersion(context, '@swc/cli');
  const legacy = version !== undefined && version[0] === 0 && version[1] < 3;
  let base: string;
  if (legacy) base = input === entry ? posix.basename(entry) : posix.relative(input, entry);
  else if (strip) {
    const parts = entry.split('/').slice(1);
    while (parts[0] === '..') parts.shift();
    base = parts.length === 0 ? entry : parts.join('/');
  } else base = entry;
  const output = posix.join(normalizePath(outDir), withJsExtension(base, extension === undefined ? undefined : `.${extension.replace(/^\./, '')}`));

  let resolveFully = configs.some((config) => /^module\.resolveFully=true$/.test(config));
  const swcrcPath = configFile ?? (swcrc ? '.swcrc' : undefined);
  const swcrcText = swcrcPath === undefined ? undefined : context.changes.read(normalizePath(swcrcPath));
  if (swcrcText !== undefined) {
    const parsed = readJsonText(swcrcText);
    const module = isRecord(parsed) ? parsed.module : undefined;
    if (isRecord(module) && module.resolveFully === true) resolveFully = true;
  }
  return { kind: 'built', tool: 'swc', output, label: 'swc', tscAlias: false, rewritesImports: resolveFully, notes: [] };
}
