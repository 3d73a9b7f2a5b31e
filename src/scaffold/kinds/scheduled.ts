import { createRequire } from 'node:module';
import { posix } from 'node:path';
import { errorMessage, UsageError } from '../../errors.js';
import { baseTemplates, taskVariables } from '../layout.js';
import { runScriptCommand } from '../project.js';
import { ensureQueuePlumbing, generateTemplates, registerWithWorker } from './bullmq.js';
import { testSteps } from './in-process.js';
import type { PlanOutcome, TaskContext } from './types.js';

interface CronerModule {
  Cron: new (pattern: string, options: { paused: boolean }) => { nextRun(): Date | null; stop(): void };
  CronPattern: new (pattern: string) => { second: number[] };
}

/**
 * croner, loaded on first use: the CLI's other commands (lint above all) must not fail to start
 * where it is missing.
 */
function loadCroner(): CronerModule {
  try {
    return createRequire(import.meta.url)('croner') as CronerModule;
  } catch (error) {
    throw new UsageError(`Cannot load croner to check the cron pattern (${(error as Error).message}). Reinstall bgtask.`);
  }
}

/** croner prefixes its messages with the class that threw them; the reason is what follows. */
function reason(error: unknown): string {
  return errorMessage(error).replace(/^CronPattern:\s*/, '');
}

/** Validates a cron pattern with the scheduling library's own parser; throws UsageError with its reason. */
export function validateCronPattern(pattern: string): { everySecond: boolean } {
  const { Cron, CronPattern } = loadCroner();
  let nextRun: Date | null;
  try {
    const job = new Cron(pattern, { paused: true });
    nextRun = job.nextRun();
    job.stop();
  } catch (error) {
    throw new UsageError(`Invalid cron pattern "${pattern}": ${reason(error)}`);
  }
  if (nextRun === null) throw new UsageError(`The cron pattern "${pattern}" never fires (croner finds no next run). Check its day and month fields.`);
  // The parsed seconds, not the text: "*", "*/1" and "0-59" all fire every second of the matching minutes.
  const everySecond = new CronPattern(pattern).second.every((fires) => fires !== 0);
  return { everySecond };
}

/** Plans a scheduled task on croner or a BullMQ job scheduler, registered in the worker entry. */
export function planScheduledTask(context: TaskContext, options: { cron: string; engine: 'croner' | 'bullmq' }): PlanOutcome {
  const { config, names } = context;
  const pattern = options.cron.trim().replace(/\s+/g, ' ');
  const { everySecond } = validateCronPattern(pattern);
  if (options.engine === 'bullmq' && pattern.split(' ').length > 6) {
    throw new UsageError(`BullMQ's cron parser takes 5 or 6 fields (seconds first); "${pattern}" has 7. Drop the year field, or use --engine croner.`);
  }
  const setup = ensureQueuePlumbing(context);
  const tasks = config.tasksDir;
  const files: [string, string][] = [[`scheduled/${options.engine}/__task-name__.schedule.ts`, posix.join(tasks, '__task-name__.schedule.ts')]];
  if (config.tests !== false) files.push([`scheduled/${options.engine}/__task-name__.schedule.test.ts`, posix.join(tasks, '__task-name__.schedule.test.ts')]);
  generateTemplates(
    context,
    files.map(([template]) => template),
    new Map([...baseTemplates(config), ...files]),
    {
      ...taskVariables(names),
      '__cron-pattern__': pattern,
      // A per-second pattern was confirmed with --yes: the file says so, and `bgtask lint` (invalid-cron) accepts it.
      '__cron-pattern-note__': everySecond
        ? 'bgtask-disable-next-line invalid-cron -- fires every second, confirmed with --yes when generated'
        : 'The pattern was checked with the scheduler\'s own parser when this file was generated.',
    },
  );

  const modulePath = posix.join(tasks, `${names.kebab}.schedule.ts`);
  const manual = registerWithWorker(context, {
    modulePath,
    entries: [
      ...(options.engine === 'bullmq' ? [{ name: `${names.camel}Processor`, list: 'processors' as const }] : []),
      { name: `${names.camel}Schedule`, list: 'schedules' },
    ],
  });
  const engineNote =
    options.engine === 'croner'
      ? 'croner fires in every worker process that runs: keep one worker, or re-create the task with --engine bullmq for several replicas.'
      : 'The BullMQ job scheduler lives in Redis and fires once per tick however many workers run.';
  return {
    dependencies: options.engine === 'croner' ? ['bullmq', 'croner', 'ioredis'] : ['bullmq', 'ioredis'],
    devDependencies: setup.devDependencies,
    nextSteps: [
      `${names.kebab} runs on "${pattern}" in the worker process: REDIS_URL=redis://127.0.0.1:6379 ${runScriptCommand(context.project.packageManager, 'worker')}`,
      engineNote,
      ...manual,
      ...(config.tests === false
        ? []
        : testSteps(context.project, posix.join(tasks, `${names.kebab}.schedule.test.ts`), options.engine === 'bullmq' ? 'REDIS_URL=redis://127.0.0.1:6379 ' : '')),
      ...setup.notes,
    ],
  };
}
