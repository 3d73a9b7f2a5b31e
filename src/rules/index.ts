import type { Rule } from './rule.js';
import singularBackgroundTask from './singular-background-task.js';
import taskAfterResponse from './task-after-response.js';
import uncaughtTaskError from './uncaught-task-error.js';

/** Every rule, by id. Registration is explicit: a rule file that is not listed here does not run. */
export const rules = {
  'singular-background-task': singularBackgroundTask,
  'task-after-response': taskAfterResponse,
  'uncaught-task-error': uncaughtTaskError,
} satisfies Record<string, Rule>;

export type RuleId = keyof typeof rules;

export const ruleList: readonly Rule[] = Object.values(rules);

export function isRuleId(id: string): id is RuleId {
  return Object.hasOwn(rules, id);
}
