import { writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { errorMessage, UsageError } from '../errors.js';
import type { CommandIO } from '../io.js';
import { shouldUseColor } from '../io.js';
import type { CacheKey, CachedRun } from '../linter/cache.js';
import type { RuleFailure } from '../linter/engine.js';
import type { FixedFile, LintRun } from '../linter/lint.js';
import type { LintMessage, LintResult, SeverityName } from '../linter/types.js';
import { formatNames, type FormatName } from '../reporters/index.js';
import type { RuleMeta } from '../reporters/reporter.js';

export interface LintCommandOptions {
  paths: string[];
  format: FormatName;
  outputFile?: string;
  rule: string[];
  maxWarnings: number;
  quiet: boolean;
  config?: string;
  project?: string;
  color?: boolean;
  fix?: boolean;
  fixDryRun?: boolean;
  /** Commander's `--no-error-on-unmatched-pattern`. */
  errorOnUnmatchedPattern?: boolean;
  /** Reuse the previous run's results when none of its inputs changed (ignored with --fix and --fix-dry-run). */
  cache?: boolean;
  /** The directory of the cache file; only with `cache`. */
  cacheLocation?: string;
}

const SEVERITY_NAMES: readonly SeverityName[] = ['off', 'warn', 'error'];

/** `--rule id=severity`, checked against the registered rules. */
export function parseRuleOverrides(specs: readonly string[], knownIds: readonly string[]): Record<string, SeverityName> {
  const overrides: Record<string, SeverityName> = {};
  for (const spec of specs) {
    const match = /^([^=\s]+)=([^=\s]+)$/.exec(spec.trim());
    if (match === null) throw new UsageError(`Invalid --rule "${spec}": write it as <rule-id>=off|warn|error.`);
    const [, id = '', severity = ''] = match;
    if (!knownIds.includes(id)) throw new UsageError(`Unknown rule id "${id}" in --rule; run \`bgtask rules\` to list the rule ids.`);
    if (!SEVERITY_NAMES.includes(severity as SeverityName)) {
      throw new UsageError(`Unknown severity "${severity}" in --rule ${spec}; use off, warn or error.`);
    }
    overrides[id] = severity as SeverityName;
  }
  return overrides;
}

function withoutWarnings(results: readonly LintResult[]): LintResult[] {
  return results.map((result) => ({
    ...result,
    messages: result.messages.filter((message) => message.severity === 2),
    warningCount: 0,
    fixableWarningCount: 0,
  }));
}

/** Runs `bgtask lint` and returns the exit code: 0 clean, 1 errors or too many warnings, 2 bad input or internal failure. */
export async function runLint(options: LintCommandOptions, io: CommandIO): Promise<number> {
  if (options.fix === true && options.fixDryRun === true) throw new UsageError('--fix and --fix-dry-run cannot be used together: pick one.');
  const fixing = options.fix === true || options.fixDryRun === true;
  const [{ reporters }, { VERSION }] = await Promise.all([import('../reporters/index.js'), import('../version.js')]);
  // --fix changes the files it read, and --fix-dry-run reports on fixed texts: neither uses the cache.
  const run = options.cache === true && !fixing ? await lintWithCache(options, io) : await lintNow(options, io, fixing);
  if (options.fix === true) writeFixedFiles(run.fixed, io.cwd);

  // Exit codes come from the unfiltered counts, as ESLint's do, so --quiet cannot hide a warning overflow.
  const errorCount = run.results.reduce((sum, result) => sum + result.errorCount, 0);
  const warningCount = run.results.reduce((sum, result) => sum + result.warningCount, 0);
  const shown = options.quiet ? withoutWarnings(run.results) : run.results;
  const color = options.outputFile === undefined && shouldUseColor(io, options.color);
  const text = reporters[options.format](shown, { cwd: io.cwd, rules: run.rules, color, version: VERSION });

  if (options.fixDryRun === true) {
    // stdout is the diff alone, for `git apply`; the report goes only to --output-file.
    const { formatFixDiff } = await import('../reporters/diff.js');
    const diff = formatFixDiff(run.fixed, { cwd: io.cwd, color: shouldUseColor(io, options.color) });
    if (diff !== '') io.stdout(diff);
    io.stderr(`bgtask: ${fixSummary(run.fixed)}; --fix-dry-run wrote nothing.\n`);
  }
  if (options.outputFile !== undefined) {
    const target = resolve(io.cwd, options.outputFile);
    try {
      writeFileSync(target, text.endsWith('\n') || text === '' ? text : `${text}\n`);
    } catch (error) {
      throw new UsageError(`Cannot write --output-file ${options.outputFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`);
    }
  } else if (text !== '' && options.fixDryRun !== true) {
    io.stdout(text.endsWith('\n') ? text : `${text}\n`);
  }

  for (const line of run.inputErrors) io.stderr(`bgtask: ${line}\n`);
  for (const failure of run.failures) {
    io.stderr(`bgtask: rule ${failure.ruleId} failed on ${failure.filePath}: ${errorMessage(failure.error)}. The other rules and files were linted; please report this bug.\n`);
  }
  // A rule's failure is a fatal message of its file (exit 1, as a parsing error is); 2 is for input the run could not read.
  if (run.inputErrors.length > 0) return 2;
  if (errorCount > 0) return 1;
  if (options.maxWarnings >= 0 && warningCount > options.maxWarnings) {
    io.stderr(`bgtask found too many warnings (maximum: ${options.maxWarnings}).\n`);
    return 1;
  }
  return 0;
}

/** What the report and the exit code are made of, from a lint or from the cache. */
interface Outcome {
  results: LintResult[];
  inputErrors: string[];
  failures: RuleFailure[];
  fixed: FixedFile[];
  rules: readonly RuleMeta[];
}

/** Loads the linter and the rules (and ts-morph with them) and returns the lint the options ask for, not yet run. */
async function prepareLint(options: LintCommandOptions, io: CommandIO, fixing: boolean): Promise<{ lint: () => LintRun; rules: readonly RuleMeta[] }> {
  // Loaded on demand so that `bgtask --help` and a cache hit do not pay for ts-morph.
  const [{ lint }, { ruleList }] = await Promise.all([import('../linter/lint.js'), import('../rules/index.js')]);
  const ruleOverrides = parseRuleOverrides(
    options.rule,
    ruleList.map((rule) => rule.id),
  );
  // As ESLint's: --quiet fixes only what it reports, the errors.
  const fix = fixing && options.quiet ? (message: LintMessage) => message.severity === 2 : fixing;
  const lintOptions = { cwd: io.cwd, paths: options.paths, project: options.project, config: options.config, ruleOverrides, fix, errorOnUnmatchedPattern: options.errorOnUnmatchedPattern };
  return { lint: () => lint(lintOptions), rules: ruleList };
}

async function lintNow(options: LintCommandOptions, io: CommandIO, fixing: boolean): Promise<Outcome> {
  const { lint, rules } = await prepareLint(options, io, fixing);
  return { ...lint(), rules };
}

/**
 * `--cache`: the previous run's results when none of its inputs changed, without loading ts-morph;
 * else a lint of the whole project, cached for the next run (see linter/cache.ts for why whole).
 */
async function lintWithCache(options: LintCommandOptions, io: CommandIO): Promise<Outcome> {
  const cache = await import('../linter/cache.js');
  const key: CacheKey = {
    cwd: io.cwd,
    paths: options.paths,
    project: options.project,
    config: options.config,
    rule: options.rule,
    errorOnUnmatchedPattern: options.errorOnUnmatchedPattern !== false,
  };
  const file = cache.cacheFilePath(io.cwd, options.cacheLocation);
  const hit = cache.readCache(file, key);
  if (hit !== undefined) return { ...hit.run, fixed: [], rules: hit.rules };
  const { lint, rules } = await prepareLint(options, io, false);
  const { run, inputs } = cache.recordInputs(key, lint);
  const kept: CachedRun = {
    results: run.results,
    inputErrors: run.inputErrors,
    failures: run.failures.map((failure) => ({ ruleId: failure.ruleId, filePath: failure.filePath, error: errorMessage(failure.error) })),
  };
  try {
    cache.writeCache(file, key, inputs, kept, rules);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    io.stderr(`bgtask: cannot write the cache to ${cache.shownCachePath(file, io.cwd)} (${code}); the results are not cached.\n`);
  }
  return { ...run, rules };
}

function fixSummary(fixed: readonly FixedFile[]): string {
  if (fixed.length === 0) return 'nothing to fix';
  const problems = fixed.reduce((sum, file) => sum + file.fixCount, 0);
  return `${problems} ${problems === 1 ? 'problem' : 'problems'} in ${fixed.length} ${fixed.length === 1 ? 'file' : 'files'} would be fixed`;
}

/** `--fix`: the only place fixed files are written. */
function writeFixedFiles(fixed: readonly FixedFile[], cwd: string): void {
  for (const file of fixed) {
    try {
      writeFileSync(file.filePath, file.output);
    } catch (error) {
      throw new UsageError(`Cannot write the fixed ${relative(cwd, file.filePath)}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`);
    }
  }
}

function parseMaxWarnings(value: string): number {
  if (!/^-?\d+$/.test(value)) throw new UsageError(`Invalid --max-warnings "${value}": give a whole number (-1 for no limit).`);
  return Number(value);
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function lintCommand(io: CommandIO, setExitCode: (code: number) => void): Command {
  return new Command('lint')
    .description('Find background tasks that never run, crash the server or fail silently.')
    .argument('[paths...]', 'directories (their tsconfig.json, else every .ts file) or files', [])
    .addOption(new Option('-f, --format <format>', 'output format').choices(formatNames).default('stylish'))
    .option('-o, --output-file <file>', 'write the report to a file instead of stdout')
    .option('--rule <id=severity>', 'set a rule to off, warn or error (repeatable)', collect, [])
    .option('--max-warnings <n>', 'exit 1 when there are more warnings than this', parseMaxWarnings, -1)
    .option('--quiet', 'report errors only', false)
    .option('--fix', 'apply the safe fixes, write the files and report what remains')
    .option('--fix-dry-run', 'print the safe fixes as a unified diff; write nothing')
    .option('-c, --config <file>', 'use this bgtask.json instead of searching for one')
    .option('-p, --project <tsconfig>', 'lint the files of this tsconfig.json')
    .option('--no-error-on-unmatched-pattern', 'exit 0 instead of 2 when the paths hold no TypeScript file')
    .option('--cache', "reuse the last run's results when no file, option or config it read has changed")
    .option('--cache-location <dir>', 'directory of the --cache file (default: node_modules/.cache/bgtask)')
    .option('--color', 'force colour output')
    .option('--no-color', 'disable colour output')
    .action(async (paths: string[], flags: Omit<LintCommandOptions, 'paths'>) => {
      setExitCode(await runLint({ ...flags, paths }, io));
    });
}
