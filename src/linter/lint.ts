import { existsSync, lstatSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import { globSync } from 'tinyglobby';
import { Project, ts, type SourceFile } from 'ts-morph';
import { diskEnvironment, type ProjectEnvironment } from '../analysis/project-index.js';
import { treeDepth } from '../analysis/walk.js';
import { UsageError } from '../errors.js';
import { noteInput } from './cache.js';
import { displayPath, loadConfig, parseTsconfig, type BgtaskConfig } from './config.js';
import { lintSourceFiles, makeResult, resolveSeverities, type RuleSeverities, type RuleFailure } from './engine.js';
import { applyFixes, MAX_FIX_PASSES, type FixPredicate } from './fix.js';
import { LintFileSystem } from './file-system.js';
import type { LintResult, SeverityName } from './types.js';

export const LINTED_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts'];
const SOURCE_GLOB = '**/*.{ts,tsx,mts,cts}';
const ALWAYS_IGNORED = ['**/node_modules/**', '**/*.d.ts', '**/*.d.mts', '**/*.d.cts'];

export interface LintOptions {
  cwd: string;
  /** Files or directories; empty means the working directory. */
  paths: string[];
  /** A tsconfig.json to take the file list and compiler options from (`--project`). */
  project?: string;
  /** An explicit bgtask.json (`--config`). */
  config?: string;
  /** `--rule id=severity` overrides, already validated. */
  ruleOverrides?: Record<string, SeverityName>;
  /** Apply fixes (only those of the messages the predicate accepts) and report what remains; nothing is written. */
  fix?: boolean | FixPredicate;
  /** False: paths that yield no TypeScript file are not an error (`--no-error-on-unmatched-pattern`). */
  errorOnUnmatchedPattern?: boolean;
}

/** A file the fixes changed: its text as read and as fixed (both as on disk, with any byte order mark). */
export interface FixedFile {
  filePath: string;
  source: string;
  output: string;
  /** How many problems the fixes took care of, over every pass. */
  fixCount: number;
}

export interface LintRun {
  results: LintResult[];
  /** One line each: files that could not be linted. The others were; the CLI exits 2. */
  inputErrors: string[];
  failures: RuleFailure[];
  config: BgtaskConfig;
  /** With `fix`: the files it changed, by path. Their results carry the fixed text as `output`. */
  fixed: FixedFile[];
}

interface TsconfigFiles {
  options: ts.CompilerOptions;
  fileNames: string[];
}

function readTsconfig(path: string): TsconfigFiles {
  const parsed = parseTsconfig(path);
  return { options: parsed.options, fileNames: parsed.fileNames.map((name) => resolve(name)) };
}

function isLintable(path: string): boolean {
  return LINTED_EXTENSIONS.includes(extname(path)) && !/\.d\.[cm]?ts$/.test(path);
}

interface Discovery {
  files: string[];
  compilerOptions?: ts.CompilerOptions;
}

function discover(options: LintOptions): Discovery {
  const targets = (options.paths.length === 0 ? ['.'] : options.paths).map((path) => resolve(options.cwd, path));
  const files = new Set<string>();
  let compilerOptions: ts.CompilerOptions | undefined;
  const fromProject = options.project === undefined ? undefined : resolve(options.cwd, options.project);
  if (fromProject !== undefined) {
    if (!existsSync(fromProject)) throw new UsageError(`tsconfig not found: ${displayPath(fromProject, options.cwd)}. Check the --project path.`);
    const tsconfig = readTsconfig(fromProject);
    compilerOptions = tsconfig.options;
    const within = (file: string) => targets.some((target) => file === target || file.startsWith(target + sep));
    for (const file of tsconfig.fileNames) if (isLintable(file) && within(file)) files.add(file);
    return { files: [...files].sort(), compilerOptions };
  }
  for (const target of targets) {
    // lstat, not exists: a dangling symlink is a file that cannot be read, reported as such later.
    if (!lstatSync(target, { throwIfNoEntry: false })) {
      throw new UsageError(`No such file or directory: ${displayPath(target, options.cwd)}. Pass a directory or .ts files to lint.`);
    }
    if (!existsSync(target) || !statSync(target).isDirectory()) {
      files.add(target);
      continue;
    }
    const tsconfigPath = join(target, 'tsconfig.json');
    if (existsSync(tsconfigPath)) {
      const tsconfig = readTsconfig(tsconfigPath);
      compilerOptions ??= tsconfig.options;
      for (const file of tsconfig.fileNames) if (isLintable(file)) files.add(file);
    } else {
      for (const file of globSync(SOURCE_GLOB, { cwd: target, absolute: true, ignore: ALWAYS_IGNORED, followSymbolicLinks: false })) {
        files.add(resolve(file));
      }
    }
  }
  return { files: [...files].sort(), compilerOptions };
}

/** Keeps the files the config's `include`/`exclude` globs (relative to bgtask.json) allow. */
function applyConfigGlobs(files: string[], config: BgtaskConfig): string[] {
  if (config.path === undefined || (config.include === undefined && config.exclude === undefined)) return files;
  const base = dirname(config.path);
  const included = config.include === undefined ? () => true : picomatch(config.include, { dot: true });
  const excluded = config.exclude === undefined ? () => false : picomatch(config.exclude, { dot: true });
  return files.filter((file) => {
    const rel = relative(base, file).split(sep).join('/');
    return included(rel) && !excluded(rel);
  });
}

type ReadOutcome = { ok: true; text: string; bom: boolean } | { ok: false; reason: 'unreadable' | 'binary'; detail: string };

function readSource(path: string): ReadOutcome {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
    noteInput(path, bytes);
  } catch (error) {
    noteInput(path);
    return { ok: false, reason: 'unreadable', detail: (error as NodeJS.ErrnoException).code ?? String(error) };
  }
  if (bytes.includes(0)) return { ok: false, reason: 'binary', detail: 'contains NUL bytes' };
  try {
    // The decoder drops a byte order mark; a fixed file gets it back.
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), bom: bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf };
  } catch {
    return { ok: false, reason: 'binary', detail: 'is not valid UTF-8' };
  }
}

/** The analysis reads `package.json` files from disk; `--cache` keys on each one it reads. */
const recordedEnvironment: ProjectEnvironment = {
  readFile(path) {
    noteInput(path);
    return diskEnvironment.readFile(path);
  },
};

const DEFAULT_COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  skipLibCheck: true,
  allowJs: false,
  jsx: ts.JsxEmit.Preserve,
};

interface Linted {
  results: LintResult[];
  failures: RuleFailure[];
}

/**
 * How deep a file's syntax tree may nest before it is left out of the analysis. The compiler's
 * parser, binder and checker recurse on the tree; a file nested thousands of levels deep (generated
 * code, or a fuzzer's) overflows the stack, and the type checker's overflow would take every file's
 * findings with it.
 */
const MAX_ANALYSED_DEPTH = 1_000;

const TOO_DEEP = `File not analysed: its syntax nests more than ${MAX_ANALYSED_DEPTH} levels deep, beyond what the type checker can follow.`;
const PARSER_OVERFLOW = 'Parsing error: the file nests too deeply for the TypeScript parser (its call stack overflowed); it was not linted.';

/**
 * Whether a text is big enough, or has a line long enough, to nest 1,000 levels deep: only such
 * files (generated code, minified code, a fuzzer's) are measured before the run, so that one of
 * them costs a parse of its own rather than a second run of the whole project.
 */
function mayNestDeeply(text: string): boolean {
  if (text.length > 65_536) return true;
  for (let start = 0; start < text.length; ) {
    const end = text.indexOf('\n', start);
    const lineEnd = end === -1 ? text.length : end;
    if (lineEnd - start > 4_096) return true;
    start = lineEnd + 1;
  }
  return false;
}

/** Why a file cannot be analysed for its depth, parsed on its own; undefined when it can. */
function tooDeepToAnalyse(file: string, text: string): string | undefined {
  try {
    return treeDepth(ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false)) > MAX_ANALYSED_DEPTH ? TOO_DEEP : undefined;
  } catch (error) {
    if (isStackOverflow(error)) return PARSER_OVERFLOW;
    throw error;
  }
}

/** The files measured too deep to analyse, with their messages: see {@link mayNestDeeply}. */
function tooDeepFiles(texts: ReadonlyMap<string, string>): Map<string, string> {
  const excluded = new Map<string, string>();
  for (const [file, text] of texts) {
    const reason = mayNestDeeply(text) ? tooDeepToAnalyse(file, text) : undefined;
    if (reason !== undefined) excluded.set(file, reason);
  }
  return excluded;
}

function isStackOverflow(error: unknown): boolean {
  return error instanceof RangeError && /call stack/i.test(error.message);
}

function fatalResult(file: string, message: string): LintResult {
  return makeResult(file, [{ ruleId: null, severity: 2, fatal: true, message, line: 1, column: 1 }]);
}

/**
 * Lints the files' texts in a project of their own: a pass of fixing changes texts, and no analysis
 * may outlive them. A file the parser cannot take gets a fatal message and stands in the project
 * as an empty module, so that the files importing it are still analysed; after a parser's or the
 * analysis's stack overflow, the run starts again without the files nested too deep for it.
 */
function lintTexts(texts: ReadonlyMap<string, string>, compilerOptions: ts.CompilerOptions | undefined, severities: RuleSeverities, excluded = tooDeepFiles(texts)): Linted {
  // An excluded file stands as an empty module, so that the program never parses it from disk.
  const served = new Map([...texts].map(([file, text]) => [file, excluded.has(file) ? 'export {};\n' : text]));
  const project = new Project({
    compilerOptions: { ...DEFAULT_COMPILER_OPTIONS, ...compilerOptions, noEmit: true },
    fileSystem: new LintFileSystem(served),
    skipAddingFilesFromTsConfig: true,
    skipFileDependencyResolution: true,
  });
  const sourceFiles: SourceFile[] = [];
  for (const file of texts.keys()) {
    if (excluded.has(file)) {
      project.addSourceFileAtPath(file);
      continue;
    }
    try {
      sourceFiles.push(project.addSourceFileAtPath(file));
    } catch (error) {
      if (!isStackOverflow(error)) throw error;
      excluded.set(file, PARSER_OVERFLOW);
      // A fresh project: ts-morph keeps the failed parse's document and would parse it again.
      return lintTexts(texts, compilerOptions, severities, excluded);
    }
  }
  const linted = lintSourceFiles(project, sourceFiles, severities, recordedEnvironment);
  if (linted.failures.some((failure) => isStackOverflow(failure.error))) {
    const tooDeep = sourceFiles.filter((sourceFile) => !excluded.has(sourceFile.getFilePath()) && treeDepth(sourceFile.compilerNode) > MAX_ANALYSED_DEPTH);
    if (tooDeep.length > 0) {
      for (const sourceFile of tooDeep) excluded.set(sourceFile.getFilePath(), TOO_DEEP);
      return lintTexts(texts, compilerOptions, severities, excluded);
    }
  }
  const kept = linted.results.filter((result) => !excluded.has(result.filePath));
  const results = [...kept, ...[...excluded].map(([file, message]) => fatalResult(file, message))];
  return { results, failures: linted.failures };
}

/**
 * ESLint's fixing loop, over the whole project at once (a fix in one file can change what another
 * reports): apply the fixes that fit together, lint again, at most {@link MAX_FIX_PASSES} times.
 * Updates `texts`; returns the last lint and how many fixes each file took.
 */
function fixProject(texts: Map<string, string>, first: Linted, lintAgain: () => Linted, shouldFix: FixPredicate | undefined): Linted & { fixCounts: Map<string, number> } {
  let linted = first;
  const fixCounts = new Map<string, number>();
  for (let pass = 0; pass < MAX_FIX_PASSES; pass++) {
    let changed = false;
    for (const result of linted.results) {
      const source = texts.get(result.filePath);
      if (source === undefined) continue;
      const outcome = applyFixes(source, result.messages, { fileName: result.filePath, shouldFix });
      if (outcome.fixed.length === 0) continue;
      texts.set(result.filePath, outcome.output);
      fixCounts.set(result.filePath, (fixCounts.get(result.filePath) ?? 0) + outcome.fixed.length);
      changed = true;
    }
    if (!changed) break;
    linted = lintAgain();
  }
  return { ...linted, fixCounts };
}

/** Finds, reads and lints files on disk. Static only: the user's code is parsed, never imported or run. */
export function lint(options: LintOptions): LintRun {
  const firstTarget = resolve(options.cwd, options.paths[0] ?? '.');
  const configStart = existsSync(firstTarget) && !statSync(firstTarget).isDirectory() ? dirname(firstTarget) : firstTarget;
  const config = loadConfig({ explicitPath: options.config === undefined ? undefined : resolve(options.cwd, options.config), startDirectory: configStart });
  const severities = resolveSeverities(config.rules, options.ruleOverrides ?? {});
  const discovery = discover(options);
  const files = applyConfigGlobs(discovery.files, config);
  if (files.length === 0 && options.errorOnUnmatchedPattern !== false) {
    const where = (options.paths.length === 0 ? ['.'] : options.paths).join(', ');
    throw new UsageError(`No TypeScript files to lint in ${where}. Pass a directory or .ts files, or use --no-error-on-unmatched-pattern.`);
  }

  const inputErrors: string[] = [];
  const skipped: LintResult[] = [];
  const texts = new Map<string, string>();
  const withBom = new Set<string>();
  for (const file of files) {
    const outcome = readSource(file);
    if (outcome.ok) {
      texts.set(file, outcome.text);
      if (outcome.bom) withBom.add(file);
      continue;
    }
    const shown = displayPath(file, options.cwd);
    if (outcome.reason === 'unreadable') {
      inputErrors.push(`Cannot read ${shown} (${outcome.detail}); it was not linted. Check that the file exists and is readable.`);
      skipped.push(makeResult(file, [{ ruleId: null, severity: 2, fatal: true, message: `Cannot read file (${outcome.detail}).`, line: 1, column: 1 }]));
    } else {
      // As ESLint reports a file it cannot parse: a fatal message for the file, exit 1, the others linted.
      const message = `Parsing error: the file ${outcome.detail}, so it is not TypeScript source; remove it or exclude it in bgtask.json.`;
      skipped.push(makeResult(file, [{ ruleId: null, severity: 2, fatal: true, message, line: 1, column: 1 }]));
    }
  }
  const lintAgain = () => lintTexts(texts, discovery.compilerOptions, severities);
  let { results, failures } = lintAgain();
  const fixed: FixedFile[] = [];
  if (options.fix !== undefined && options.fix !== false) {
    const originals = new Map(texts);
    const fixing = fixProject(texts, { results, failures }, lintAgain, typeof options.fix === 'function' ? options.fix : undefined);
    failures = fixing.failures;
    results = fixing.results.map((result) => {
      const before = originals.get(result.filePath);
      const after = texts.get(result.filePath);
      if (before === undefined || after === undefined || before === after) return result;
      // As ESLint's: a fixed file's result has its new text as `output`, and no `source`.
      const bom = withBom.has(result.filePath) ? '\uFEFF' : '';
      fixed.push({ filePath: result.filePath, source: bom + before, output: bom + after, fixCount: fixing.fixCounts.get(result.filePath) ?? 0 });
      const { source: _source, ...rest } = result;
      return { ...rest, output: bom + after };
    });
  }
  const all = [...results, ...skipped].sort((a, b) => a.filePath.localeCompare(b.filePath));
  return { results: all, inputErrors, failures, config, fixed };
}
