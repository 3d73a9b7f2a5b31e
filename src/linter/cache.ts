import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RuleMeta } from '../reporters/reporter.js';
import { VERSION } from '../version.js';
import type { LintResult } from './types.js';

/**
 * `bgtask lint --cache`: the previous run's results, reused when none of the run's inputs changed.
 *
 * The cache is whole-project: one run's results, reused only when every input is as it was, else
 * everything is linted again and the cache rewritten. bgtask's findings cross files: a handler's
 * finding can come from a helper three imports away, a Worker's from a listener attached in another
 * module, a message's wording from whether any file of the package registers
 * `process.on('unhandledRejection')`; and in a backend whose app.ts imports every router, one edit
 * reaches every file. So a file's cross-file inputs are, soundly, the whole project's, and a
 * per-file cache would have to re-check nearly everything on any edit anyway.
 *
 * The inputs: bgtask's version and build, the options that change results, and every file the run
 * read, by content hash (the linted files; bgtask.json and the absent ones looked for on the way up;
 * tsconfig.json and its `extends`; the declarations and manifests the type checker read; the
 * `package.json` files the analysis reads), plus a listing of the TypeScript files under each
 * directory given, so that an added or deleted file is noticed.
 *
 * This module must not load TypeScript: a hit is answered from here, without ts-morph. It walks
 * directories itself rather than with tinyglobby, whose loading alone costs a hit a tenth of its time.
 */

/** Where `--cache` keeps its file when `--cache-location` is not given, relative to the working directory. */
export const DEFAULT_CACHE_LOCATION = 'node_modules/.cache/bgtask';
export const CACHE_FILE_NAME = 'lint-cache.json';
/** Bumped when the cache file's shape changes; a file of another format is ignored. */
const FORMAT = 1;

/** The options that change a run's results; `--format`, `--quiet`, `--max-warnings` and colour do not. */
export interface CacheKey {
  cwd: string;
  paths: string[];
  project?: string;
  config?: string;
  /** `--rule` as given: a run that rejected them wrote no cache. */
  rule: string[];
  errorOnUnmatchedPattern: boolean;
}

/** What a run reports, as the reporters and the exit code need it; a rule's failure kept as its message. */
export interface CachedRun {
  results: LintResult[];
  inputErrors: string[];
  failures: { ruleId: string; filePath: string; error: string }[];
}

export interface CacheHit {
  run: CachedRun;
  /** The rules' metadata for the reporters, so that a hit does not load the rules (and ts-morph). */
  rules: RuleMeta[];
}

/**
 * A file as the run read it: its content's hash, with its size and change time (a check that finds
 * both as they were need not read the file again); or the error reading it gave, as `ENOENT` for a
 * file that was looked for and absent.
 */
type FileState = { hash: string; size: number; ctime: number } | { error: string };

interface CacheFile {
  format: typeof FORMAT;
  version: string;
  build: string;
  key: CacheKey;
  /** When the run started (ms since the epoch): a file changed since may have changed during the run. */
  started: number;
  /** Absolute path → {@link FileState} when the run read it. */
  inputs: Record<string, FileState>;
  /** Directory given on the command line → hash of the TypeScript files under it. */
  listings: Record<string, string>;
  rules: RuleMeta[];
  run: CachedRun;
}

export function cacheFilePath(cwd: string, location: string = DEFAULT_CACHE_LOCATION): string {
  return join(resolve(cwd, location), CACHE_FILE_NAME);
}

function digest(bytes: Uint8Array | string): string {
  return createHash('sha1').update(bytes).digest('hex');
}

function snapshot(path: string, bytes?: Uint8Array): FileState {
  try {
    // Bytes read before the stat and changed in between leave a change time after the run's start,
    // which the check does not trust (see isUnchanged): it compares the hashes, and they differ.
    const { size, ctimeMs } = statSync(path);
    return { hash: digest(bytes ?? readFileSync(path)), size, ctime: ctimeMs };
  } catch (error) {
    return { error: (error as NodeJS.ErrnoException).code ?? 'ERROR' };
  }
}

/**
 * How much older than the run a file's change time must be for the check to trust it: file
 * systems keep times to the second, or two, and a file changed during the run may have been read
 * before the change.
 */
const TIME_GRANULARITY_MS = 2_000;

/**
 * Whether a file is as the run read it: same content. The size and change time (which any write,
 * even one that restores the modification time, updates) answer without reading the file, when
 * the change time is well before the run; else the content's hash does.
 */
function isUnchanged(path: string, was: FileState, started: number): boolean {
  if ('error' in was) {
    const now = snapshot(path);
    return 'error' in now && now.error === was.error;
  }
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return false;
  }
  if (stat.size === was.size && stat.ctimeMs === was.ctime && was.ctime < started - TIME_GRANULARITY_MS) return true;
  const now = snapshot(path);
  return 'hash' in now && now.hash === was.hash;
}

let recording: Map<string, FileState> | undefined;

/**
 * Tells a recording run that it read `path` (with these bytes, if the caller has them; else the
 * file is read now). The readers of the lint call it; outside {@link recordInputs} it does nothing.
 */
export function noteInput(path: string, bytes?: Uint8Array): void {
  if (recording === undefined || recording.has(path)) return;
  recording.set(path, snapshot(path, bytes));
}

export interface RecordedInputs {
  build: string;
  started: number;
  files: Map<string, FileState>;
  listings: Record<string, string>;
}

/** Runs a lint, noting what it reads, for {@link writeCache}. */
export function recordInputs<Run>(key: CacheKey, lint: () => Run): { run: Run; inputs: RecordedInputs } {
  // Taken before the lint reads: a file added meanwhile (or a rebuild of bgtask) makes the next run miss rather than hit.
  const started = Date.now();
  const build = buildFingerprint();
  const listings = listDirectories(key);
  const files = new Map<string, FileState>();
  recording = files;
  try {
    return { run: lint(), inputs: { build, started, files, listings } };
  } finally {
    recording = undefined;
  }
}

/** The directories given on the command line (none given: the working directory). */
function directoryTargets(key: CacheKey): string[] {
  const targets = (key.paths.length === 0 ? ['.'] : key.paths).map((path) => resolve(key.cwd, path));
  return targets.filter((target) => {
    try {
      return statSync(target).isDirectory();
    } catch {
      return false;
    }
  });
}

const TYPESCRIPT_FILE = /\.[cm]?tsx?$/;

/**
 * The files under a directory whose names `wanted` accepts, relative to it, sorted: not in
 * node_modules nor in directories whose names start with a dot (as the lint's own search), symbolic
 * links not followed.
 */
function filesUnder(root: string, wanted: (name: string) => boolean): string[] {
  const found: string[] = [];
  const walk = (directory: string, prefix: string): void => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      if (entry.isDirectory()) walk(join(directory, entry.name), `${prefix}${entry.name}/`);
      else if ((entry.isFile() || entry.isSymbolicLink()) && wanted(entry.name)) found.push(prefix + entry.name);
    }
  };
  walk(root, '');
  return found.sort();
}

/** The TypeScript files under a directory (declarations too: they change types), as one hash. */
function listing(directory: string): string {
  return digest(filesUnder(directory, (name) => TYPESCRIPT_FILE.test(name)).join('\n'));
}

function listDirectories(key: CacheKey): Record<string, string> {
  return Object.fromEntries(directoryTargets(key).map((directory) => [directory, listing(directory)]));
}

/**
 * bgtask's own code: its version, and the size and time of its compiled files, so that a build of
 * unreleased changes (same version, other rules) does not reuse the results of the previous build.
 */
function buildFingerprint(): string {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const stats = filesUnder(root, (name) => name.endsWith('.js') || name.endsWith('.ts')).map((file) => {
    const stat = statSync(join(root, file));
    return `${file}\t${stat.size}\t${stat.mtimeMs}`;
  });
  return digest(`${VERSION}\n${stats.join('\n')}`);
}

function sameKey(a: CacheKey, b: CacheKey): boolean {
  const canonical = (key: CacheKey) =>
    JSON.stringify([key.cwd, key.paths, key.project ?? null, key.config ?? null, key.rule, key.errorOnUnmatchedPattern]);
  return canonical(a) === canonical(b);
}

/** The cached run when the cache file is for these options and none of its inputs changed; else undefined. */
export function readCache(file: string, key: CacheKey): CacheHit | undefined {
  try {
    const cache = JSON.parse(readFileSync(file, 'utf8')) as CacheFile;
    if (cache.format !== FORMAT || cache.version !== VERSION || !sameKey(cache.key, key) || cache.build !== buildFingerprint()) return undefined;
    const listings = listDirectories(key);
    const directories = Object.keys(listings);
    if (directories.length !== Object.keys(cache.listings).length || directories.some((directory) => cache.listings[directory] !== listings[directory])) return undefined;
    for (const [path, state] of Object.entries(cache.inputs)) if (!isUnchanged(path, state, cache.started)) return undefined;
    if (!Array.isArray(cache.run.results) || !Array.isArray(cache.run.inputErrors) || !Array.isArray(cache.run.failures) || !Array.isArray(cache.rules)) return undefined;
    return { run: cache.run, rules: cache.rules };
  } catch {
    // Missing, unreadable or corrupt (not JSON, or not the shape written): lint, and write it anew.
    return undefined;
  }
}

/** Writes the cache file atomically (a temporary file, then a rename); throws the file system's error. */
export function writeCache(file: string, key: CacheKey, inputs: RecordedInputs, run: CachedRun, rules: readonly RuleMeta[]): void {
  const cache: CacheFile = {
    format: FORMAT,
    version: VERSION,
    build: inputs.build,
    key,
    started: inputs.started,
    inputs: Object.fromEntries([...inputs.files].sort(([a], [b]) => a.localeCompare(b))),
    listings: inputs.listings,
    rules: rules.map(({ id, description, defaultSeverity }) => ({ id, description, defaultSeverity })),
    run,
  };
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(temporary, JSON.stringify(cache));
    renameSync(temporary, file);
  } catch (error) {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // The write's error is the one to report.
    }
    throw error;
  }
}

/** The cache file's path for messages: relative to the working directory when inside it. */
export function shownCachePath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel.startsWith('..') ? file : rel;
}
