import type { Node, SourceFile } from 'ts-morph';
import type { ProjectIndex } from '../analysis/project-index.js';
import type { SeverityName } from '../linter/types.js';

/** A place a problem refers to besides its own node, with what happens there. */
export interface ProblemLocation {
  node: Node;
  message: string;
}

/** One text edit on the linted file: `[start, end)` (0-based offsets, as ESLint's) replaced by `text`. */
export interface TextEdit {
  range: readonly [number, number];
  text: string;
}

/** A problem's fix: one edit, or several applied together or not at all. */
export type Fix = TextEdit | readonly TextEdit[];

/**
 * A fix that needs the user's judgement (ESLint's suggestions, shown in editors; `--fix` leaves them).
 * Its description is a message template of the rule's, or literal text.
 */
export type Suggestion<MessageId extends string = string> =
  | { messageId: MessageId; data?: Readonly<Record<string, string | undefined>>; fix: Fix }
  | { desc: string; fix: Fix };

/** Edits on the file a node is in, named as ESLint's fixer names them. */
export const fixer = {
  replaceText: (node: Node, text: string): TextEdit => ({ range: [node.getStart(), node.getEnd()], text }),
  replaceTextRange: (range: readonly [number, number], text: string): TextEdit => ({ range, text }),
  insertTextBefore: (node: Node, text: string): TextEdit => ({ range: [node.getStart(), node.getStart()], text }),
  insertTextAfter: (node: Node, text: string): TextEdit => ({ range: [node.getEnd(), node.getEnd()], text }),
  remove: (node: Node): TextEdit => ({ range: [node.getStart(), node.getEnd()], text: '' }),
  removeRange: (range: readonly [number, number]): TextEdit => ({ range, text: '' }),
};

/** What a rule yields: a node and a message id; the engine turns it into a `LintMessage`. */
export interface Problem<MessageId extends string = string> {
  node: Node;
  messageId: MessageId;
  data?: Readonly<Record<string, string | undefined>>;
  /** A safe fix, in the problem's file, that `--fix` applies; the engine drops one that would not parse. */
  fix?: Fix;
  suggestions?: Suggestion<MessageId>[];
  /** Other places with the same root cause: the other sites that schedule the same function. */
  related?: ProblemLocation[];
  /** The calls from where the work starts (a handler, a job) down to the problem, outermost first. */
  path?: ProblemLocation[];
}

export interface RuleContext {
  sourceFile: SourceFile;
  index: ProjectIndex;
}

/**
 * How long a message may be: one sentence a reader takes in at a glance, saying what goes wrong at
 * run time here. The why and the fix live in the rule's docs. The engine cuts quoted code to fit.
 */
export const MAX_MESSAGE_LENGTH = 160;

/** A message template with its `{{placeholders}}` filled; unknown ones are left as they are. */
export function formatMessage(template: string, data: Problem['data']): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, key: string) => data?.[key] ?? whole);
}

/** `A croner job` from `a croner job`: a place named at the start of a sentence. */
export function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export interface Rule<MessageId extends string = string> {
  id: string;
  /** One sentence, shown by `bgtask rules` and in SARIF's shortDescription. */
  description: string;
  defaultSeverity: Exclude<SeverityName, 'off'>;
  /**
   * Templates with `{{placeholders}}`, one sentence each, within {@link MAX_MESSAGE_LENGTH} once filled;
   * suggestions' descriptions among them, as in ESLint.
   */
  messages: Record<MessageId, string>;
  check(context: RuleContext): Iterable<Problem<MessageId>>;
}

/** Typed identity: infers the message ids so that a rule cannot yield one it does not define. */
export function defineRule<MessageId extends string>(rule: Rule<MessageId>): Rule<MessageId> {
  return rule;
}
