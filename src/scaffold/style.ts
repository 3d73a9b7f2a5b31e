import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ts } from 'ts-morph';
import { errorMessage } from '../errors.js';
import { typescript } from '../typescript.js';

/**
 * Generated files in the project's own style. Templates are written in bgtask's style (2 spaces,
 * single quotes, semicolons); a project checked by Biome, Prettier or an ESLint style config would
 * fail its own checks on them. So before anything is compared with what is on disk or written, the
 * generated text goes through the project's own tools, in memory, with the project's own config:
 * the same input and the same tools give the same text, so a re-run finds the files unchanged.
 */

export type StyleTool = 'prettier' | 'biome' | 'eslint' | 'editorconfig';

export interface ProjectStyle {
  /** The tools to apply, in the order they run: Biome, Prettier, ESLint; or `.editorconfig` alone. */
  tools: StyleTool[];
  /** What was detected, for messages: e.g. `Biome 2.6.9 (biome.json), ESLint 9.39.5 (eslint.config.js)`. */
  describe: string;
}

export interface StyledFile {
  /** Relative to the project root, with forward slashes. */
  path: string;
  contents: string;
}

/** The files the tools format; JSON, Markdown and the rest come back as they were. */
const FORMATTED_EXTENSIONS = ['.ts', '.mts', '.cts', '.tsx', '.js', '.mjs', '.cjs', '.jsx'];

const PRETTIER_CONFIGS = [
  '.prettierrc',
  '.prettierrc.json',
  '.prettierrc.json5',
  '.prettierrc.yaml',
  '.prettierrc.yml',
  '.prettierrc.toml',
  '.prettierrc.js',
  '.prettierrc.cjs',
  '.prettierrc.mjs',
  '.prettierrc.ts',
  '.prettierrc.cts',
  '.prettierrc.mts',
  'prettier.config.js',
  'prettier.config.cjs',
  'prettier.config.mjs',
  'prettier.config.ts',
  'prettier.config.cts',
  'prettier.config.mts',
];
const BIOME_CONFIGS = ['biome.json', 'biome.jsonc'];
const ESLINT_FLAT_CONFIGS = ['eslint.config.js', 'eslint.config.mjs', 'eslint.config.cjs', 'eslint.config.ts', 'eslint.config.mts', 'eslint.config.cts'];
const ESLINT_LEGACY_CONFIGS = ['.eslintrc', '.eslintrc.js', '.eslintrc.cjs', '.eslintrc.yaml', '.eslintrc.yml', '.eslintrc.json'];

const TOOL_PACKAGES = { biome: '@biomejs/biome', prettier: 'prettier', eslint: 'eslint' } as const;
const TOOL_NAMES: Record<StyleTool, string> = { biome: 'Biome', prettier: 'Prettier', eslint: 'ESLint', editorconfig: '.editorconfig' };

/** A tool run on one file taking longer than this is stopped and reported. */
const BIOME_TIMEOUT_MS = 60_000;

// ---------------------------------------------------------------------------------------------
// Detection
// ---------------------------------------------------------------------------------------------

/**
 * The folders whose config applies to the project: its root and the folders above it up to the
 * repository's root (the nearest with `.git`), so a monorepo's shared config counts; the root
 * alone outside a repository, so a stray config in a home or temp folder does not.
 */
function configScope(root: string): string[] {
  const chain: string[] = [];
  for (let dir = root; ; ) {
    chain.push(dir);
    if (existsSync(join(dir, '.git'))) return chain;
    const parent = dirname(dir);
    if (parent === dir) return [root];
    dir = parent;
  }
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function packageJsonHasKey(dir: string, key: string): boolean {
  const path = join(dir, 'package.json');
  if (!existsSync(path)) return false;
  const json = readJson(path);
  return typeof json === 'object' && json !== null && (json as Record<string, unknown>)[key] !== undefined;
}

/** The nearest config file (absolute path) in the scope, or a `package.json` that has the key. */
function findConfig(scope: readonly string[], names: readonly string[], packageKey?: string): string | undefined {
  for (const dir of scope) {
    for (const name of names) {
      const path = join(dir, name);
      if (existsSync(path)) return path;
    }
    if (packageKey !== undefined && packageJsonHasKey(dir, packageKey)) return join(dir, 'package.json');
  }
  return undefined;
}

/** The installed package's folder, found as Node would: node_modules in the root and the folders above it. */
function findPackageDir(root: string, name: string): string | undefined {
  for (let dir = root; ; ) {
    const candidate = join(dir, 'node_modules', ...name.split('/'));
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function packageVersion(packageDir: string): string | undefined {
  const json = readJson(join(packageDir, 'package.json'));
  const version = typeof json === 'object' && json !== null ? (json as { version?: unknown }).version : undefined;
  return typeof version === 'string' ? version : undefined;
}

function versionParts(version: string | undefined): [number, number] {
  const match = /^(\d+)\.(\d+)/.exec(version ?? '');
  return match === null ? [0, 0] : [Number(match[1]), Number(match[2])];
}

function displayPath(root: string, path: string): string {
  const rel = relative(root, path);
  return rel === '' ? '.' : rel.split(sep).join('/');
}

/**
 * Which of the project's tools apply: each when it is both configured (a config file in the
 * project or above it in its repository, or its key in package.json) and installed (in
 * node_modules, as the project's own scripts would run it). Biome, Prettier and ESLint in that
 * order; `.editorconfig` only when none of them applies. Reads a few files, runs nothing.
 */
export function detectStyle(projectRoot: string): ProjectStyle {
  const root = resolve(projectRoot);
  const scope = configScope(root);
  const tools: StyleTool[] = [];
  const found: string[] = [];
  const missing: string[] = [];
  const configs: Record<keyof typeof TOOL_PACKAGES, string | undefined> = {
    biome: findConfig(scope, BIOME_CONFIGS),
    prettier: findConfig(scope, PRETTIER_CONFIGS, 'prettier'),
    eslint: findConfig(scope, [...ESLINT_FLAT_CONFIGS, ...ESLINT_LEGACY_CONFIGS], 'eslintConfig'),
  };
  for (const tool of ['biome', 'prettier', 'eslint'] as const) {
    const config = configs[tool];
    if (config === undefined) continue;
    const packageDir = findPackageDir(root, TOOL_PACKAGES[tool]);
    if (packageDir === undefined) {
      missing.push(`${TOOL_NAMES[tool]} (${displayPath(root, config)}, but ${TOOL_PACKAGES[tool]} is not installed)`);
      continue;
    }
    tools.push(tool);
    const version = packageVersion(packageDir);
    found.push(`${TOOL_NAMES[tool]}${version === undefined ? '' : ` ${version}`} (${displayPath(root, config)})`);
  }
  if (tools.length === 0) {
    const editorconfig = findConfig(scope, ['.editorconfig']);
    if (editorconfig !== undefined) {
      tools.push('editorconfig');
      found.push(displayPath(root, editorconfig) === '.editorconfig' ? '.editorconfig' : `.editorconfig (${displayPath(root, editorconfig)})`);
    }
  }
  let describe = found.length > 0 ? found.join(', ') : 'no formatter, linter or .editorconfig';
  if (missing.length > 0) describe += `; not applied: ${missing.join(', ')}`;
  return { tools, describe };
}

// ---------------------------------------------------------------------------------------------
// Applying
// ---------------------------------------------------------------------------------------------

interface Entry {
  /** Project-relative, posix. */
  path: string;
  /** Absolute, in the project. */
  absolute: string;
  contents: string;
}

/** Problems, each reported once: a broken config fails the same way on every file. */
class Problems {
  readonly lines: string[] = [];
  private readonly seen = new Set<string>();

  add(line: string): void {
    if (this.seen.has(line)) return;
    this.seen.add(line);
    this.lines.push(line);
  }

  /** A tool's failure on one file, unless the same failure was already reported for another file. */
  addFailure(tool: StyleTool, path: string, error: unknown): void {
    const message = firstErrorLine(error);
    const key = `${tool}\0${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.add(`${TOOL_NAMES[tool]} failed on ${path}: ${message}`);
  }
}

function firstLine(text: string): string {
  return (
    text
      .split(/\r?\n/)
      .map((line) => line.trim())
      .find((line) => line !== '') ?? ''
  );
}

/** An error's first line, with the next one when the first only introduces it (`YAML Error in "…/.prettierrc":`). */
function firstErrorLine(error: unknown): string {
  const lines = errorMessage(error)
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const [first, second] = lines;
  if (first === undefined) return 'unknown error';
  return first.endsWith(':') && second !== undefined ? `${first} ${second}` : first;
}

function isFormatted(path: string): boolean {
  return FORMATTED_EXTENSIONS.some((extension) => path.endsWith(extension));
}

/**
 * Formats the generated files with the project's own tools, in memory: Biome (`check --write`,
 * its formatter, safe fixes and import sorting), then Prettier, then ESLint with `fix`; or, with
 * none of them, the `.editorconfig` indentation, line endings and final newline. A file a tool's
 * config ignores is left alone by that tool. A tool that fails leaves the text as it was before
 * it ran and adds one problem line; ESLint errors its fixes leave are problems too. Never throws.
 */
export async function applyProjectStyle(
  root: string,
  style: ProjectStyle,
  files: readonly StyledFile[],
): Promise<{ files: StyledFile[]; problems: string[] }> {
  try {
    return await applyTools(root, style, files);
  } catch (error) {
    return { files: files.map((file) => ({ path: file.path, contents: file.contents })), problems: [`The project's style was not applied: ${firstErrorLine(error)}`] };
  }
}

async function applyTools(root: string, style: ProjectStyle, files: readonly StyledFile[]): Promise<{ files: StyledFile[]; problems: string[] }> {
  const problems = new Problems();
  const absoluteRoot = resolve(root);
  const result: StyledFile[] = files.map((file) => ({ path: file.path, contents: file.contents }));
  const entries: { index: number; entry: Entry }[] = [];
  result.forEach((file, index) => {
    if (!isFormatted(file.path)) return;
    const absolute = resolve(absoluteRoot, file.path);
    if (isAbsolute(file.path) || !absolute.startsWith(absoluteRoot + sep)) {
      problems.add(`${file.path}: not formatted, the path is not inside the project`);
      return;
    }
    entries.push({ index, entry: { path: relative(absoluteRoot, absolute).split(sep).join('/'), absolute, contents: file.contents } });
  });
  if (entries.length === 0) return { files: result, problems: problems.lines };
  const list = entries.map(({ entry }) => entry);
  const runners: Record<StyleTool, (root: string, entries: Entry[], problems: Problems) => Promise<void>> = {
    biome: runBiome,
    prettier: runPrettier,
    eslint: runEslint,
    editorconfig: runEditorconfig,
  };
  for (const tool of ['biome', 'prettier', 'eslint', 'editorconfig'] as const) {
    if (!style.tools.includes(tool)) continue;
    try {
      await runners[tool](absoluteRoot, list, problems);
    } catch (error) {
      problems.add(`${TOOL_NAMES[tool]} failed: ${firstErrorLine(error)}`);
    }
  }
  for (const { index, entry } of entries) result[index] = { path: result[index]!.path, contents: entry.contents };
  return { files: result, problems: problems.lines };
}

/** Loads a package the way the project's own code would: resolved from the project's root. */
async function loadProjectModule(root: string, name: string): Promise<Record<string, unknown>> {
  const require = createRequire(join(root, 'package.json'));
  let loaded: unknown;
  try {
    loaded = require(name);
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_REQUIRE_ESM') throw error;
    const module = (await import(pathToFileURL(require.resolve(name)).href)) as Record<string, unknown>;
    loaded = module.default ?? module;
  }
  if ((typeof loaded !== 'object' && typeof loaded !== 'function') || loaded === null) throw new Error(`${name} did not load as a module`);
  return loaded as Record<string, unknown>;
}

// --- Biome ---------------------------------------------------------------------------------

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  error?: Error;
}

function run(command: string, args: readonly string[], options: { cwd: string; input: string; timeoutMs: number }): Promise<RunResult> {
  return new Promise((resolvePromise) => {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let settled = false;
    const finish = (result: RunResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolvePromise(result);
    };
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(command, args, { cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    } catch (error) {
      finish({ code: null, stdout: '', stderr: '', error: error instanceof Error ? error : new Error(String(error)) });
      return;
    }
    const timer = setTimeout(() => {
      child.kill();
      finish({ code: null, stdout: '', stderr: '', error: new Error(`timed out after ${options.timeoutMs / 1000} s`) });
    }, options.timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error) => finish({ code: null, stdout: '', stderr: '', error }));
    child.on('close', (code) => finish({ code, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') }));
    // A tool that exits before reading its input closes the pipe: its exit code says what happened.
    child.stdin?.on('error', () => {});
    child.stdin?.end(options.input);
  });
}

/** The folder of the configuration Biome ends up with from `root`: the nearest biome.json(c), or the root config above a nested `"root": false` one. */
function biomeConfigBase(root: string): string {
  let base: string | undefined;
  for (let dir = root; ; ) {
    const config = BIOME_CONFIGS.map((name) => join(dir, name)).find((path) => existsSync(path));
    if (config !== undefined) {
      base = dir;
      let text = '';
      try {
        text = readFileSync(config, 'utf8');
      } catch {
        // Unreadable: Biome will say so.
      }
      if (!/"root"\s*:\s*false/.test(text)) break;
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return base ?? root;
}

/**
 * A stand-in for the project in a temporary folder: the folders down to each generated file are
 * real, everything else in them is a link to the project's own, and each generated file exists.
 *
 * Biome decides whether a `--stdin-file-path` is ignored differently for a path that exists and one
 * that does not (2.x from late 2025 skips `files.includes` for a path not on disk), so run straight
 * in the project it would format an ignored file on the first run and leave it alone on the next,
 * when the file exists: never the same text twice. In the stand-in every path exists, every time.
 */
function makeBiomeMirror(base: string, root: string, entries: readonly Entry[]): { dir: string; cwd: string } | undefined {
  let mirror: string | undefined;
  try {
    mirror = mkdtempSync(join(tmpdir(), 'bgtask-biome-'));
    const realDirs = new Set<string>(['']);
    const files = new Set<string>();
    for (const entry of entries) {
      const fromBase = relative(base, entry.absolute);
      files.add(fromBase);
      for (let dir = dirname(fromBase); dir !== '.' && dir !== ''; dir = dirname(dir)) realDirs.add(dir);
    }
    const ordered = [...realDirs].sort((a, b) => a.split(sep).length - b.split(sep).length || a.localeCompare(b));
    for (const dir of ordered) {
      const target = join(mirror, dir);
      mkdirSync(target, { recursive: true });
      const source = join(base, dir);
      if (!existsSync(source)) continue;
      for (const name of readdirSync(source)) {
        const path = dir === '' ? name : join(dir, name);
        if (realDirs.has(path) || files.has(path)) continue;
        const linkTarget = join(source, name);
        let type: 'dir' | 'file' | 'junction' = 'file';
        if (process.platform === 'win32') {
          try {
            type = statSync(linkTarget).isDirectory() ? 'junction' : 'file';
          } catch {
            type = 'file';
          }
        }
        symlinkSync(linkTarget, join(target, name), type);
      }
    }
    for (const entry of entries) writeFileSync(join(mirror, relative(base, entry.absolute)), entry.contents);
    return { dir: mirror, cwd: join(mirror, relative(base, root)) };
  } catch {
    if (mirror !== undefined) rmSync(mirror, { recursive: true, force: true });
    return undefined;
  }
}

/** The first `×` line of Biome's diagnostics, with the location from the diagnostic's header. */
function biomeError(stderr: string, mirror: { dir: string } | undefined, base: string, root: string): string {
  let text = stderr;
  if (mirror !== undefined) text = text.split(mirror.dir).join(base);
  const lines = text.split(/\r?\n/);
  const messageIndex = lines.findIndex((line) => /^\s*[×✖]\s/.test(line));
  if (messageIndex === -1) return firstLine(text) || 'exited without output';
  const message = lines[messageIndex]!.replace(/^\s*[×✖]\s*/, '').trim();
  const header = lines
    .slice(0, messageIndex)
    .reverse()
    .map((line) => /^(\S+)\s+\S+\s+━/.exec(line))
    .find((match) => match !== null);
  if (header === undefined || header === null) return message;
  let location = header[1]!;
  if (isAbsolute(location.replace(/:\d+:\d+$/, ''))) location = displayPath(root, location);
  return `${location} ${message}`;
}

/**
 * How to start Biome: its platform binary straight away where it is installed (what the package's
 * `bin/biome` launcher would start, without the launcher's Node start-up, ten times faster), then
 * the launcher itself. `BIOME_BINARY` names a binary, as it does for the launcher.
 */
function biomeCommands(packageDir: string): [string, ...string[]][] {
  const commands: [string, ...string[]][] = [];
  const override = process.env.BIOME_BINARY;
  if (override !== undefined && override !== '') commands.push([override]);
  else {
    const executable = process.platform === 'win32' ? 'biome.exe' : 'biome';
    const variants = process.platform === 'linux' ? ['', '-musl'] : [''];
    const require = createRequire(join(packageDir, 'package.json'));
    for (const variant of variants) {
      try {
        commands.push([require.resolve(`@biomejs/cli-${process.platform}-${process.arch}${variant}/${executable}`)]);
      } catch {
        // Not installed for this platform or libc.
      }
    }
  }
  commands.push([process.execPath, join(packageDir, 'bin', 'biome')]);
  return commands;
}

/**
 * `biome check --write --stdin-file-path=<path>` per file, the text on stdin, the result on
 * stdout: the formatter, safe lint fixes and import sorting, with the project's biome.json. Biome
 * before 1.8 calls `--write` `--apply`. An ignored path comes back as it went in. Biome prints the
 * text even when diagnostics are left (exit 0 in 2.x, 1 in some 1.x), so any output is taken; no
 * output means Biome could not check the file (a broken config, mostly), reported once.
 */
async function runBiome(root: string, entries: Entry[], problems: Problems): Promise<void> {
  const packageDir = findPackageDir(root, TOOL_PACKAGES.biome);
  if (packageDir === undefined) {
    problems.add(`Biome is not installed (${TOOL_PACKAGES.biome}): files left as generated`);
    return;
  }
  let commands = biomeCommands(packageDir);
  const [major, minor] = versionParts(packageVersion(packageDir));
  const writeFlag = major === 1 && minor < 8 ? '--apply' : '--write';
  const base = biomeConfigBase(root);
  const mirror = makeBiomeMirror(base, root, entries);
  const stable = new Set<Entry>();
  try {
    // Biome's formatter is not always idempotent in one pass (a member chain it breaks on the first
    // pass can fit on the second), and `biome check` on the written file must agree: up to three
    // passes, until the text stops changing.
    for (const entry of entries.flatMap((item) => [item, item, item])) {
      const args = ['check', writeFlag, '--colors=off', `--stdin-file-path=${entry.path}`];
      const options = { cwd: mirror?.cwd ?? root, input: entry.contents, timeoutMs: BIOME_TIMEOUT_MS };
      if (stable.has(entry)) continue;
      let [command, ...prefix] = commands[0]!;
      let result = await run(command, [...prefix, ...args], options);
      // The platform binary did not start (another libc, say): the package's own launcher finds the right one.
      while (result.code === null && result.error !== undefined && commands.length > 1 && !/timed out/.test(result.error.message)) {
        commands = commands.slice(1);
        [command, ...prefix] = commands[0]!;
        result = await run(command, [...prefix, ...args], options);
      }
      if (result.error !== undefined) {
        problems.add(`Biome did not run: ${firstErrorLine(result.error)}`);
        if (result.code === null && !/timed out/.test(result.error.message)) return;
        continue;
      }
      if (result.stdout !== '') {
        if (result.stdout === entry.contents) stable.add(entry);
        entry.contents = result.stdout;
        continue;
      }
      problems.add(`Biome could not check the generated files: ${biomeError(result.stderr, mirror, base, root)}`);
      // A configuration error fails every file the same way.
      if (/configuration resulted in errors/i.test(result.stderr)) return;
    }
  } finally {
    if (mirror !== undefined) rmSync(mirror.dir, { recursive: true, force: true });
  }
}

// --- Prettier ------------------------------------------------------------------------------

interface PrettierApi {
  format(source: string, options: Record<string, unknown>): string | Promise<string>;
  resolveConfig(path: string, options?: Record<string, unknown>): Record<string, unknown> | null | Promise<Record<string, unknown> | null>;
  getFileInfo?(path: string, options?: Record<string, unknown>): { ignored: boolean } | Promise<{ ignored: boolean }>;
  version?: string;
}

/**
 * The project's Prettier, as its CLI would run from the root: `resolveConfig` (with .editorconfig,
 * as the CLI does) and `format` with the file's path. Files in .prettierignore (and, from Prettier
 * 3 on, .gitignore) come back unchanged.
 */
async function runPrettier(root: string, entries: Entry[], problems: Problems): Promise<void> {
  let prettier: PrettierApi;
  try {
    prettier = (await loadProjectModule(root, 'prettier')) as unknown as PrettierApi;
    if (typeof prettier.format !== 'function' || typeof prettier.resolveConfig !== 'function') throw new Error('prettier has no format/resolveConfig');
  } catch (error) {
    problems.add(`Prettier could not be loaded: ${firstErrorLine(error)}`);
    return;
  }
  const [major] = versionParts(prettier.version);
  const ignoreFiles = (major >= 3 ? ['.gitignore', '.prettierignore'] : ['.prettierignore']).map((name) => join(root, name)).filter((path) => existsSync(path));
  for (const entry of entries) {
    try {
      if (ignoreFiles.length > 0 && typeof prettier.getFileInfo === 'function') {
        const info = await prettier.getFileInfo(entry.absolute, { ignorePath: major >= 3 ? ignoreFiles : ignoreFiles[0] });
        if (info.ignored) continue;
      }
      const config = (await prettier.resolveConfig(entry.absolute, { editorconfig: true })) ?? {};
      entry.contents = await prettier.format(entry.contents, { ...config, filepath: entry.absolute });
    } catch (error) {
      problems.addFailure('prettier', entry.path, error);
    }
  }
}

// --- ESLint --------------------------------------------------------------------------------

interface LintMessage {
  ruleId: string | null;
  severity: number;
  message: string;
  line?: number;
}

interface LintResult {
  output?: string;
  messages: LintMessage[];
}

interface EslintInstance {
  lintText(code: string, options: { filePath: string; warnIgnored?: boolean }): Promise<LintResult[]>;
  isPathIgnored(path: string): Promise<boolean>;
  calculateConfigForFile?(path: string): Promise<unknown>;
}

type EslintClass = new (options: { cwd: string; fix: boolean }) => EslintInstance;

async function eslintClass(root: string): Promise<EslintClass> {
  const eslint = await loadProjectModule(root, 'eslint');
  // 8.57 and later: the class the CLI would use (flat config, or eslintrc where that still applies).
  if (typeof eslint.loadESLint === 'function') {
    return (await (eslint.loadESLint as (options: { cwd: string }) => Promise<EslintClass>)({ cwd: root })) as EslintClass;
  }
  // Earlier 8.x: flat config through the unsupported API when the project has one.
  if (findConfig(configScope(root), ESLINT_FLAT_CONFIGS) !== undefined && process.env.ESLINT_USE_FLAT_CONFIG !== 'false') {
    try {
      const unsupported = await loadProjectModule(root, 'eslint/use-at-your-own-risk');
      if (typeof unsupported.FlatESLint === 'function') return unsupported.FlatESLint as EslintClass;
    } catch {
      // Falls back to the eslintrc class below.
    }
  }
  if (typeof eslint.ESLint !== 'function') throw new Error('eslint exports no ESLint class');
  return eslint.ESLint as EslintClass;
}

/**
 * The project's ESLint with `fix`, as `eslint --fix` would run from the root, on the text in
 * memory. Ignored files come back unchanged; error-severity messages the fixes leave are problems.
 */
async function runEslint(root: string, entries: Entry[], problems: Problems): Promise<void> {
  let eslint: EslintInstance;
  try {
    const ESLint = await eslintClass(root);
    eslint = new ESLint({ cwd: root, fix: true });
    // Loads the config now, so that a broken one is one problem rather than one per file.
    await eslint.calculateConfigForFile?.(entries[0]!.absolute);
  } catch (error) {
    problems.add(`ESLint could not be loaded: ${firstErrorLine(error)}`);
    return;
  }
  for (const entry of entries) {
    try {
      if (await eslint.isPathIgnored(entry.absolute)) continue;
      const [result] = await eslint.lintText(entry.contents, { filePath: entry.absolute, warnIgnored: false });
      if (result === undefined) continue;
      if (typeof result.output === 'string') entry.contents = result.output;
      for (const message of result.messages) {
        if (message.severity !== 2) continue;
        problems.add(`${entry.path}:${message.line ?? 1} ${message.ruleId ?? 'eslint'}: ${firstLine(message.message)}`);
      }
    } catch (error) {
      problems.addFailure('eslint', entry.path, error);
    }
  }
}

// --- .editorconfig -------------------------------------------------------------------------

/** The properties bgtask applies, as the `editorconfig` package returns them. */
export interface EditorconfigProperties {
  indent_style?: unknown;
  indent_size?: unknown;
  tab_width?: unknown;
  end_of_line?: unknown;
  insert_final_newline?: unknown;
  trim_trailing_whitespace?: unknown;
}

/**
 * Ranges of the text inside string and template literals, where a line break is part of a value:
 * the lines that start there keep their indentation and the lines that end there their trailing
 * whitespace.
 */
function literalRanges(path: string, text: string): [number, number][] {
  if (!text.includes('`') && !text.includes('\\\n') && !text.includes('\\\r')) return [];
  const ts = typescript();
  const kind = path.endsWith('.tsx') ? ts.ScriptKind.TSX : path.endsWith('.jsx') ? ts.ScriptKind.JSX : /\.[mc]?js$/.test(path) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, false, kind);
  const ranges: [number, number][] = [];
  const literalKinds = new Set<ts.SyntaxKind>([
    ts.SyntaxKind.StringLiteral,
    ts.SyntaxKind.NoSubstitutionTemplateLiteral,
    ts.SyntaxKind.TemplateHead,
    ts.SyntaxKind.TemplateMiddle,
    ts.SyntaxKind.TemplateTail,
  ]);
  const visit = (node: ts.Node): void => {
    if (literalKinds.has(node.kind)) {
      ranges.push([node.getStart(source), node.end]);
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return ranges;
}

function insideRange(ranges: readonly [number, number][], offset: number): boolean {
  return ranges.some(([start, end]) => offset > start && offset < end);
}

/** The width of one indentation level in space-indented lines (JSDoc's ` * ` lines aside): the greatest common divisor of their indents. */
function spaceIndentUnit(lines: readonly string[]): number {
  let unit = 0;
  for (const line of lines) {
    const match = /^( +)(\S)/.exec(line);
    if (match === null || match[2] === '*') continue;
    let a = match[1]!.length;
    let b = unit;
    while (b !== 0) [a, b] = [b, a % b];
    unit = a;
  }
  return unit;
}

/**
 * The `.editorconfig` properties applied to text written with 2-space indentation: each line's
 * leading spaces become tabs or the configured width, a pair of spaces per level (an odd space,
 * as in a JSDoc ` * ` line, stays after the tabs); line endings; trailing whitespace; the final
 * newline. Lines that start inside a multi-line string or template literal are part of its value
 * and are kept as they are.
 */
export function applyEditorconfig(path: string, text: string, properties: EditorconfigProperties): string {
  const tabWidth = typeof properties.tab_width === 'number' ? properties.tab_width : undefined;
  const size = typeof properties.indent_size === 'number' ? properties.indent_size : properties.indent_size === 'tab' ? tabWidth : undefined;
  let unit: string | undefined;
  if (properties.indent_style === 'tab') unit = '\t';
  else if ((properties.indent_style === 'space' || properties.indent_style === undefined) && size !== undefined && size > 0) unit = ' '.repeat(size);
  const trim = properties.trim_trailing_whitespace === true;
  const eol = properties.end_of_line === 'crlf' ? '\r\n' : properties.end_of_line === 'cr' ? '\r' : properties.end_of_line === 'lf' ? '\n' : undefined;
  let reindent = unit !== undefined && unit !== '  ' ? unit : undefined;
  if (reindent === undefined && !trim && eol === undefined && properties.insert_final_newline === undefined) return text;

  const ranges = reindent !== undefined || trim ? literalRanges(path, text) : [];
  const pieces = text.split(/(\r\n|\r|\n)/);
  const lines: { text: string; start: number; separator: string | undefined }[] = [];
  for (let i = 0, offset = 0; i < pieces.length; i += 2) {
    const separator = pieces[i + 1];
    lines.push({ text: pieces[i]!, start: offset, separator });
    offset += pieces[i]!.length + (separator?.length ?? 0);
  }
  // Text already indented with the configured width (this function's own output) stays as it is.
  if (reindent !== undefined && reindent !== '\t' && spaceIndentUnit(lines.filter((line) => !insideRange(ranges, line.start)).map((line) => line.text)) === reindent.length) {
    reindent = undefined;
  }
  const out: string[] = [];
  for (const { text: original, start, separator } of lines) {
    let line = original;
    if (reindent !== undefined && !insideRange(ranges, start)) {
      const leading = /^ +/.exec(line)?.[0].length ?? 0;
      if (leading > 0 && line[leading] !== '\t') line = reindent.repeat(Math.floor(leading / 2)) + ' '.repeat(leading % 2) + line.slice(leading);
    }
    if (trim && !insideRange(ranges, start + original.length)) line = line.replace(/[ \t]+$/, '');
    out.push(line);
    if (separator !== undefined) out.push(eol ?? separator);
  }
  let result = out.join('');
  if (properties.insert_final_newline === true && result !== '' && !/(\r\n|\r|\n)$/.test(result)) result += eol ?? (/\r\n/.exec(result)?.[0] ?? '\n');
  else if (properties.insert_final_newline === false) result = result.replace(/(\r\n|\r|\n)+$/, '');
  return result;
}

/**
 * The `.editorconfig` sections that match each file (with the `editorconfig` package, the
 * reference implementation of its globs and precedence), up to the repository's root.
 */
async function runEditorconfig(root: string, entries: Entry[], problems: Problems): Promise<void> {
  let parse: (path: string, options?: { root?: string }) => Promise<Record<string, unknown>>;
  try {
    parse = (await import('editorconfig')).parse;
  } catch (error) {
    problems.add(`.editorconfig could not be read: ${firstErrorLine(error)}`);
    return;
  }
  const scope = configScope(root);
  const top = scope[scope.length - 1]!;
  for (const entry of entries) {
    try {
      const properties = await parse(entry.absolute, { root: top });
      entry.contents = applyEditorconfig(entry.path, entry.contents, properties);
    } catch (error) {
      problems.addFailure('editorconfig', entry.path, error);
    }
  }
}
