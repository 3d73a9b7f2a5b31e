import type { Rule } from '../linter/types.js';

/** Typed identity: infers the message ids so that a rule cannot yield one it does not define. */
export function defineRule<MessageId extends string>(rule: Rule<MessageId>): Rule<MessageId> {
  return rule;
}
