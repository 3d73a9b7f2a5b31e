import type { Rule } from './rule.js';
import blockingTask from './blocking-task.js';
import invalidCron from './invalid-cron.js';
import queuePerRequest from './queue-per-request.js';
import responseInTask from './response-in-task.js';
import singularBackgroundTask from './singular-background-task.js';
import taskAfterResponse from './task-after-response.js';
import uncaughtTaskError from './uncaught-task-error.js';
import unserializableJobData from './unserializable-job-data.js';

/** Every rule, by id. Registration is explicit: a rule file that is not listed here does not run. */
export const rules = {
  'blocking-task': blockingTask,
  'invalid-cron': invalidCron,
  'queue-per-request': queuePerRequest,
  'response-in-task': responseInTask,
  'singular-background-task': singularBackgroundTask,
  'task-after-response': taskAfterResponse,
  'uncaught-task-error': uncaughtTaskError,
  'unserializable-job-data': unserializableJobData,
} satisfies Record<string, Rule>;

export type RuleId = keyof typeof rules;

export const ruleList: readonly Rule[] = Object.values(rules);

export function isRuleId(id: string): id is RuleId {
  return Object.hasOwn(rules, id);
}
