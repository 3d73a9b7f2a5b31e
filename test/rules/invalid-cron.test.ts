import rule from '../../src/rules/invalid-cron.js';
import { ruleTester } from '../helpers/rule-tester.js';

ruleTester(rule, {
  valid: [
    {
      name: 'croner and cron six-field patterns with a fixed seconds field',
      code: `
import { Cron } from 'croner';
import { CronJob } from 'cron';

async function syncInventory(): Promise<void> {}

new Cron('0 */5 * * * *', { catch: true }, () => syncInventory());
CronJob.from({ cronTime: '0 44 19 * * *', onTick: () => syncInventory(), start: true, timeZone: 'America/New_York' });
new CronJob('*/10 * * * * *', () => void syncInventory(), null, true);
`,
    },
    {
      name: 'nicknames each library accepts',
      code: `
import { Cron } from 'croner';
import cron from 'node-cron';
import { CronJob } from 'cron';
import { Queue } from 'bullmq';

const reports = new Queue('reports');

new Cron('@daily', () => console.log('daily'));
cron.schedule('@hourly', () => console.log('hourly'));
new CronJob('@weekly', () => console.log('weekly'), null, true);
await reports.upsertJobScheduler('monthly-report', { pattern: '@monthly' });
`,
    },
    {
      name: 'BullMQ every instead of pattern, and valid five- and six-field patterns',
      code: `
import { Queue } from 'bullmq';

const connection = { host: 'localhost', port: 6379 };
const digest = new Queue('digest', { connection });

export async function registerSchedulers(): Promise<void> {
  await digest.upsertJobScheduler('heartbeat', { every: 1_000 }, { name: 'heartbeat', data: {} });
  await digest.upsertJobScheduler('webhook-renewal', { pattern: '0 */2 * * *' }, { name: 'renew-webhooks', data: {} });
  await digest.upsertJobScheduler('daily-products', { pattern: '0 10 0 * * *' }, { name: 'fetch-daily-products', data: {} });
  await digest.add('every-10-seconds', { email: 'ops@example.com' }, { repeat: { every: 10_000, limit: 100 } });
}
`,
    },
    {
      name: 'patterns read from the environment or built at run time are skipped',
      code: `
import { Cron } from 'croner';
import { schedule } from 'node-cron';
import { Queue } from 'bullmq';

const queue = new Queue('cleanup');
const minute = Number(process.env.CLEANUP_MINUTE ?? 61);

schedule(process.env.CRON_SCHEDULE as string, async () => console.log('job is running'), {});
new Cron(\`\${minute} * * * *\`, () => console.log('cleanup'));
await queue.upsertJobScheduler('cleanup', { pattern: process.env.CLEANUP_CRON ?? '0 3 * * *', tz: 'UTC' });

export function scheduleFromConfig(pattern: string): void {
  new Cron(pattern, () => console.log('configured'));
}
`,
    },
    {
      name: "node-cron's validate is not a schedule",
      code: `
import cron from 'node-cron';

export function isValidSchedule(expression: string): boolean {
  return cron.validate(expression);
}

console.assert(!cron.validate('61 * * * *'), 'minute 61 must be refused');
console.assert(!cron.validateDetailed('* * * *').valid);
`,
    },
    {
      name: 'a Cron from another package and a schedule function of the project',
      code: `
import { Cron } from './scheduler.js';
import { schedule } from './jobs.js';

new Cron('every 5 minutes', () => console.log('tick'));
schedule('nightly', () => console.log('nightly'));
`,
      files: {
        'src/scheduler.ts': `
export class Cron {
  constructor(readonly spec: string, readonly run: () => void) {}
}
`,
        'src/jobs.ts': `
const jobs = new Map<string, () => void>();
export function schedule(name: string, run: () => void): void {
  jobs.set(name, run);
}
`,
      },
    },
    {
      name: "Bull's queue (not BullMQ) with its cron option",
      code: `
import Bull from 'bull';
import type { Queue } from 'bull';

class Renamer {
  private queue!: Queue;

  constructor(name: string) {
    this.queue = new Bull(name, process.env.REDIS_URL as string);
  }

  async start(): Promise<void> {
    await this.queue.add({}, { repeat: { cron: '* * * * *' }, removeOnComplete: true });
    await this.queue.add('legacy', {}, { repeat: { pattern: 'FREQ=DAILY' } } as never);
  }
}

export const renamer = new Renamer('auto:rename');
`,
    },
    {
      name: 'a custom BullMQ repeat strategy reads patterns its own way',
      code: `
import { Queue, type RepeatStrategy } from 'bullmq';
import { rrulestr } from 'rrule';

const repeatStrategy: RepeatStrategy = (millis, opts) => rrulestr(String(opts.pattern)).after(new Date(millis))?.getTime();
const settings = { repeatStrategy };
const queue = new Queue('newsletters', { settings });

await queue.upsertJobScheduler('weekly', { pattern: 'RRULE:FREQ=WEEKLY;BYDAY=MO;BYHOUR=9' });
`,
    },
    {
      name: 'croner options that loosen its parser, and a one-off date',
      code: `
import { Cron } from 'croner';

new Cron('5/5 * * * *', { sloppyRanges: true }, () => console.log('legacy stepping'));
new Cron('0 9 * * 7', { alternativeWeekdays: true }, () => console.log('Saturday, Quartz numbering'));
new Cron('2030-01-01T00:00:00', () => console.log('happy new year'));
`,
    },
    {
      name: 'five-field patterns have no seconds; an explicit @secondly says what it means',
      code: `
import cron from 'node-cron';
import { CronJob } from 'cron';

cron.schedule('* * * * *', async () => console.log('every minute'), { name: 'run-due-checks', noOverlap: true });
CronJob.from({ cronTime: '@secondly', onTick: () => console.log('heartbeat'), start: true });
`,
    },
    {
      name: 'tests assert that bad patterns throw',
      code: `
export {};
`,
      files: {
        'src/schedule.test.ts': `
import { Cron } from 'croner';

const assertThrows = (run: () => void): void => {
  try {
    run();
  } catch {
    return;
  }
  throw new Error('expected a throw');
};

assertThrows(() => new Cron('61 * * * *'));
const fast = new Cron('* * * * * *', { maxRuns: 3 }, () => console.log('tick'));
fast.stop();
`,
      },
    },
    {
      name: "node-cron required, and a valid weekday range with seconds",
      code: `
const cron = require('node-cron');

cron.schedule('0 30 9 * * 1-5', () => console.log('stand-up reminder'));
`,
    },
    {
      name: "every second with a run limit or croner's interval option (as croner's author advises)",
      code: `
import { Cron, type CronOptions } from 'croner';
import cron from 'node-cron';
import { Queue } from 'bullmq';

const warmup = new Queue('warmup');
const throttled: CronOptions = { interval: 10, catch: true };

new Cron('* * * * * *', { interval: 59 }, () => console.log('every 59 seconds'));
new Cron('* * * * * *', { maxRuns: 1 }, () => console.log('once, at the next second'));
new Cron('* * * * * *', throttled, () => console.log('options built elsewhere'));
cron.schedule('* * * * * *', () => console.log('five times'), { maxExecutions: 5 });
await warmup.upsertJobScheduler('warmup', { pattern: '* * * * * *', limit: 3 }, { name: 'warm' });
`,
    },
  ],
  invalid: [
    {
      name: 'croner: minute out of range',
      code: `
import { Cron } from 'croner';

new Cron('61 * * * *', () => console.log('never'));
`,
      errors: [{ messageId: 'rejected', line: 4, message: /^croner rejects `'61 \* \* \* \*'` in the minute field: Invalid value for minute: 61; it throws and the job never starts\.$/ }],
    },
    {
      name: 'croner: every second, even with a comment that says so',
      code: `
import { Cron } from 'croner';

// Poll the payment provider every second.
new Cron('* * * * * *', { protect: true, catch: (error: unknown) => console.error(error) }, async () => {
  await fetch('https://payments.example.com/poll');
});
new Cron('*/1 * * * * *', () => console.log('also every second'));
`,
      errors: [
        { messageId: 'everySecond', line: 5, message: /`\*` in its seconds field \(the first of six\): croner runs the job every second\.$/ },
        { messageId: 'everySecond', line: 8, message: /`\*\/1` in its seconds field/ },
      ],
    },
    {
      name: 'node-cron: three fields',
      code: `
import cron from 'node-cron';

cron.schedule('* * * ', () => {
  console.log('Test cron task running every hour');
});
`,
      errors: [{ messageId: 'rejected', line: 4, message: /^node-cron rejects `'\* \* \* '`: expected 5 or 6 fields but got 3; it throws/ }],
    },
    {
      name: 'node-cron: a day that February never has',
      code: `
import { createTask } from 'node-cron';

export const leapReport = createTask('0 0 31 2 *', () => console.log('never'));
`,
      errors: [{ messageId: 'rejected', line: 4, message: /in the day-of-month field: 31 2 is an impossible day of month for the given month; it throws/ }],
    },
    {
      name: 'cron: L is not in its syntax',
      code: `
import { CronJob } from 'cron';

const billing = new CronJob('0 0 L * *', () => console.log('month end'), null, true, 'UTC');
billing.start();
`,
      errors: [{ messageId: 'rejected', line: 4, message: /^cron rejects `'0 0 L \* \*'` in the day-of-month field \(`L`\): Unknown alias: l; it throws/ }],
    },
    {
      name: 'cron: CronJob.from with a seconds wildcard at 03:15',
      code: `
import { CronJob } from 'cron';

CronJob.from({
  cronTime: '* 15 3 * * *',
  onTick: () => console.log('nightly export'),
  start: true,
  timeZone: 'Europe/Berlin',
});
`,
      errors: [{ messageId: 'everySecond', line: 5, message: /cron runs the job 60 times in each minute it matches/ }],
    },
    {
      name: 'cron: CronTime with seven fields',
      code: `
import { CronTime } from 'cron';

export const yearly = new CronTime('0 0 0 1 1 * 2030');
`,
      errors: [{ messageId: 'rejected', line: 4, message: /^cron rejects `'0 0 0 1 1 \* 2030'`: Too many fields; it throws/ }],
    },
    {
      name: 'BullMQ: hour out of range in a job scheduler',
      code: `
import { Queue } from 'bullmq';

const queue = new Queue('reports', { connection: { host: 'localhost', port: 6379 } });

await queue.upsertJobScheduler('nightly-report', { pattern: '0 25 * * *', tz: 'UTC' }, { name: 'report', data: {} });
`,
      errors: [{ messageId: 'rejected', line: 6, message: /^BullMQ rejects `'0 25 \* \* \*'` in the hour field: got value 25 expected range 0-23; it rejects and nothing is scheduled\.$/ }],
    },
    {
      name: 'BullMQ v5: a repeatable job every second',
      code: `
import emailQueue from './queues.js';

await emailQueue.add('email', { email: 'every-day@dev.com' }, { repeat: { pattern: '* 15 3 * * *' } });
`,
      files: {
        'src/queues.ts': `
import { Queue } from 'bullmq';

const emailQueue = new Queue('email', { connection: { host: 'localhost', port: 6379 } });

export default emailQueue;
`,
      },
      errors: [{ messageId: 'everySecond', line: 4, message: /BullMQ runs the job 60 times/ }],
    },
    {
      name: 'a const pattern imported from another module',
      code: `
import { Cron } from 'croner';
import { NIGHTLY } from './schedules.js';

new Cron(NIGHTLY, { name: 'purge-expired-carts' }, () => console.log('purge'));
`,
      files: {
        'src/schedules.ts': `
export const NIGHTLY = '0 3 * * 8';
`,
      },
      errors: [{ messageId: 'rejected', line: 5, message: /in the day-of-week field: Invalid value for dayOfWeek: 8;/ }],
    },
    {
      name: 'BullMQ: a NestJS-injected queue typed Queue, with a shorthand pattern',
      code: `
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { Queue } from 'bullmq';

const pattern = '0 9 * * MON-FRY';

@Injectable()
export class ReportScheduler implements OnModuleInit {
  constructor(@InjectQueue('reports') private readonly reports: Queue<unknown>) {}

  async onModuleInit(): Promise<void> {
    await this.reports.upsertJobScheduler('weekday-report', { pattern }, { name: 'report' });
  }
}
`,
      errors: [{ messageId: 'rejected', line: 13, message: /in the day-of-week field \(`MON-FRY`\): cannot resolve alias "fry";/ }],
    },
    {
      name: 'BullMQ: a queue the code looks up, in a project that uses BullMQ',
      code: `
import { queues } from './queues.js';

export async function initializeSchedulers(): Promise<void> {
  await queues['webhook-renewal'].upsertJobScheduler('webhook-renewal', { pattern: '0 */0 * * *' }, { name: 'renew-webhooks' });
}
`,
      files: {
        'src/queues.ts': `
import { Queue } from 'bullmq';

export const queues: Record<string, Queue> = {
  'webhook-renewal': new Queue('webhook-renewal'),
};
`,
      },
      errors: [{ messageId: 'rejected', line: 5, message: /^BullMQ rejects `'0 \*\/0 \* \* \*'` in the hour field/ }],
    },
    {
      name: 'node-cron required with destructuring: a step of zero',
      code: `
const { schedule } = require('node-cron');

schedule('*/0 * * * *', () => console.log('never'));
`,
      errors: [{ messageId: 'rejected', line: 4, message: /in the minute field: \*\/0 is a invalid expression for minute;/ }],
    },
    {
      name: 'croner: options built at run time do not rescue a day 32',
      code: `
import { Cron, type CronOptions } from 'croner';

const options: CronOptions = { timezone: process.env.TZ ?? 'UTC', catch: true };
new Cron('0 0 32 * *', options, () => console.log('never'));
`,
      errors: [{ messageId: 'rejected', line: 5, message: /in the day-of-month field \(`32`\): Invalid value for day: 31;/ }],
    },
    {
      name: "croner: numeric-prefix stepping, in croner's first sentence",
      code: `
import { Cron } from 'croner';

new Cron('5/15 * * * *', () => console.log('quarter past'));
`,
      errors: [{ messageId: 'rejected', line: 4, message: /in the minute field: Syntax error, stepping with numeric prefix \('5\/15'\) is not allowed; it throws/ }],
    },
    {
      name: 'a repeat options object shared by two calls is reported once, where the pattern is',
      code: `
import { Queue } from 'bullmq';

const hourly = { pattern: '0 * * * * * *' };
const invoices = new Queue('invoices');
const receipts = new Queue('receipts');

await invoices.upsertJobScheduler('hourly-invoices', hourly);
await receipts.upsertJobScheduler('hourly-receipts', hourly);
`,
      errors: [{ messageId: 'rejected', line: 4, message: /^BullMQ rejects `'0 \* \* \* \* \* \*'`: Invalid cron expression, too many fields;/ }],
    },
    {
      name: 'repeat options imported from another module are reported at the call',
      code: `
import { Queue } from 'bullmq';
import { NIGHTLY_REPEAT } from './schedules.js';

const exports = new Queue('exports');

await exports.upsertJobScheduler('nightly-export', NIGHTLY_REPEAT, { name: 'export' });
`,
      files: {
        'src/schedules.ts': `
export const NIGHTLY_REPEAT = { pattern: '* 0 2 * * *', tz: 'Europe/Paris' };
`,
      },
      errors: [{ messageId: 'everySecond', line: 7, message: /BullMQ runs the job 60 times in each minute it matches/ }],
    },
  ],
});
