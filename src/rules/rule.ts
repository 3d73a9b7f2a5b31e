import type { Node, SourceFile } from 'ts-morph';
import type { ProjectIndex } from '../analysis/project-index.js';
import type { SeverityName } from '../linter/types.js';

/** A place a problem refers to besides its own node, with what happens there. */
export interface ProblemLocation {
  node: Node;
  message: string;
}

/** What a rule yields: a node and a message id; the engine turns it into a `LintMessage`. */
export interface Problem<MessageId extends string = string> {
  node: Node;
  messageId: MessageId;
  data?: Readonly<Record<string, string | undefined>>;
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

export interface Rule<MessageId extends string = string> {
  id: string;
  /** One sentence, shown by `bgtask rules` and in SARIF's shortDescription. */
  description: string;
  defaultSeverity: Exclude<SeverityName, 'off'>;
  /** Templates with `{{placeholders}}`, one sentence each, within {@link MAX_MESSAGE_LENGTH} once filled. */
  messages: Record<MessageId, string>;
  check(context: RuleContext): Iterable<Problem<MessageId>>;
}

/** Typed identity: infers the message ids so that a rule cannot yield one it does not define. */
export function defineRule<MessageId extends string>(rule: Rule<MessageId>): Rule<MessageId> {
  return rule;
}
