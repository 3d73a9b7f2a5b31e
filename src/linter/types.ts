import type { Node, SourceFile } from 'ts-morph';
import type { ProjectIndex } from '../analysis/project-index.js';

export type SeverityName = 'off' | 'warn' | 'error';
/** ESLint's numeric severities: 1 is a warning, 2 an error. */
export type Severity = 1 | 2;

/** What a rule yields: a node and a message id; the engine turns it into a `LintMessage`. */
export interface Problem<MessageId extends string = string> {
  node: Node;
  messageId: MessageId;
  data?: Readonly<Record<string, string | undefined>>;
}

export interface RuleContext {
  sourceFile: SourceFile;
  index: ProjectIndex;
}

export interface Rule<MessageId extends string = string> {
  id: string;
  /** One sentence, shown by `bgtask rules` and in SARIF's shortDescription. */
  description: string;
  defaultSeverity: Exclude<SeverityName, 'off'>;
  /** Templates with `{{placeholders}}`; each says what happens at run time and what to do. */
  messages: Record<MessageId, string>;
  check(context: RuleContext): Iterable<Problem<MessageId>>;
}

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
  source?: string;
}
