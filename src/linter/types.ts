export type SeverityName = 'off' | 'warn' | 'error';
/** ESLint's numeric severities: 1 is a warning, 2 an error. */
export type Severity = 1 | 2;

/** ESLint's `LintMessage`, so ESLint formatters and the SARIF converters accept our output unchanged. */
export interface LintMessage {
  ruleId: string | null;
  severity: Severity;
  fatal?: true;
  message: string;
  messageId?: string;
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
  /** A safe fix: `--fix` applies it. */
  fix?: EditInfo;
  /** Fixes that need the user's judgement, for editors; `--fix` leaves them. */
  suggestions?: LintSuggestion[];
  /**
   * Not in ESLint's shape (the `json` reporter leaves them out): other places with the same root
   * cause, and the call path from where the work starts to the finding. SARIF shows them as
   * `relatedLocations` and `codeFlows`.
   */
  relatedLocations?: MessageLocation[];
  codeFlow?: MessageLocation[];
}

/** ESLint's `EditInfo`: replace `[start, end)` of the file's text (0-based offsets) with `text`. */
export interface EditInfo {
  range: [number, number];
  text: string;
}

export interface LintSuggestion {
  desc: string;
  messageId?: string;
  fix: EditInfo;
}

/** A place a message refers to besides its own, with what happens there. */
export interface MessageLocation {
  filePath: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  message: string;
}

export interface SuppressedLintMessage extends LintMessage {
  suppressions: { kind: 'directive'; justification: string }[];
}

/** ESLint's `LintResult`. */
export interface LintResult {
  filePath: string;
  messages: LintMessage[];
  suppressedMessages: SuppressedLintMessage[];
  errorCount: number;
  fatalErrorCount: number;
  warningCount: number;
  fixableErrorCount: number;
  fixableWarningCount: number;
  usedDeprecatedRules: never[];
  /** The file's text after `--fix` or `--fix-dry-run`, when they changed it (then `source` is left out). */
  output?: string;
  source?: string;
}
