import type { LintResult } from '../linter/types.js';
import type { Rule } from '../rules/rule.js';

/** What a reporter needs of a rule; `--cache` keeps it, so that a cache hit does not load the rules. */
export type RuleMeta = Pick<Rule, 'id' | 'description' | 'defaultSeverity'>;

export interface ReporterContext {
  /** Directory that relative paths in the output are relative to (the repository root in CI). */
  cwd: string;
  /** Every registered rule, for rule metadata in SARIF. */
  rules: readonly RuleMeta[];
  color: boolean;
  /** bgtask's own version, for SARIF's `tool.driver.semanticVersion`. */
  version: string;
}

/** Reporters are pure: they turn results into the text the CLI writes. */
export type Reporter = (results: readonly LintResult[], context: ReporterContext) => string;
