import type { LintResult } from '../linter/types.js';
import type { Rule } from '../rules/rule.js';

export interface ReporterContext {
  /** Directory that relative paths in the output are relative to (the repository root in CI). */
  cwd: string;
  /** Every registered rule, for rule metadata in SARIF. */
  rules: readonly Rule[];
  color: boolean;
  /** bgtask's own version, for SARIF's `tool.driver.semanticVersion`. */
  version: string;
}

/** Reporters are pure: they turn results into the text the CLI writes. */
export type Reporter = (results: readonly LintResult[], context: ReporterContext) => string;
