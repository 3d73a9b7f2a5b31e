import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lint } from '../../src/linter/lint.js';
import rule from '../../src/rules/unserializable-job-data.js';
import { ruleTester } from '../helpers/rule-tester.js';
import { makeTempDir } from '../helpers/temp-dirs.js';

// The test projects do not load @types/node; this is its `Buffer`, as far as JSON is concerned.
const NODE_BUFFER = `
declare global {
  interface Buffer extends Uint8Array {
    toString(encoding?: 'utf8' | 'base64' | 'hex'): string;
    toJSON(): { type: 'Buffer'; data: number[] };
  }
}
export {};
`;

ruleTester(rule, {
  valid: [
    {
      name: 'plain data: strings, numbers, booleans, null, arrays and nested objects',
      code: `
import { Queue } from 'bullmq';

const mail = new Queue('mail', { connection: { host: 'localhost', port: 6379 } });

export async function sendWelcome(userId: string, email: string): Promise<void> {
  await mail.add('welcome', {
    userId,
    email,
    attempt: 1,
    vip: false,
    coupon: null,
    tags: ['onboarding', 'email'],
    locale: { language: 'en', region: 'GB' },
  });
}
`,
    },
    {
      name: 'dates sent as toISOString() and Date.now(): a string and a number',
      code: `
import { Queue } from 'bullmq';

const reminders = new Queue('reminders');

export async function remind(userId: string, at: Date): Promise<void> {
  await reminders.add('remind', { userId, runAt: at.toISOString(), enqueuedAt: Date.now() }, { delay: at.getTime() - Date.now() });
}
`,
    },
    {
      name: 'JSON.parse(...) results are any: the rule says nothing it cannot know',
      code: `
import { Queue } from 'bullmq';

const imports = new Queue('imports');

export async function enqueueImport(body: string): Promise<void> {
  const payload = JSON.parse(body);
  await imports.add('import', payload);
  await imports.add('import-raw', { raw: JSON.parse(body) as unknown });
}
`,
    },
    {
      name: 'a class with toJSON() is serialised by it',
      code: `
import { Queue } from 'bullmq';

class Money {
  constructor(readonly cents: number, readonly currency: string) {}
  format(): string {
    return \`\${(this.cents / 100).toFixed(2)} \${this.currency}\`;
  }
  toJSON(): { cents: number; currency: string } {
    return { cents: this.cents, currency: this.currency };
  }
}

const invoices = new Queue('invoices');

export async function bill(orderId: string, cents: number): Promise<void> {
  await invoices.add('invoice', { orderId, total: new Money(cents, 'EUR') });
}
`,
    },
    {
      name: 'data typed by z.infer of a zod schema of strings and numbers',
      code: `
import { Queue } from 'bullmq';
import { z } from 'zod';

export const EmailJob = z.object({ to: z.string().email(), subject: z.string(), retries: z.number().int() });
export type EmailJob = z.infer<typeof EmailJob>;

const emails = new Queue<EmailJob>('emails');

export async function queueEmail(job: EmailJob): Promise<void> {
  await emails.add('send', job);
}
`,
    },
    {
      name: 'optional fields and undefined values are dropped by JSON, and read back as undefined',
      code: `
import { Queue } from 'bullmq';

interface ReportJob {
  reportId: string;
  note?: string;
  locale: string | undefined;
}

const reports = new Queue('reports');

export async function queueReport(job: ReportJob): Promise<void> {
  await reports.add('render', job);
  await reports.add('render', { reportId: job.reportId, note: undefined });
}
`,
    },
    {
      name: 'readonly arrays, readonly tuples, Record<string, string>, enums and branded ids',
      code: `
import { Queue } from 'bullmq';

enum Channel { Email = 'email', Sms = 'sms' }
type UserId = string & { readonly __brand: 'UserId' };

interface Broadcast {
  readonly recipients: readonly UserId[];
  readonly window: readonly [number, number];
  readonly headers: Record<string, string>;
  readonly channel: Channel;
}

const broadcasts = new Queue('broadcasts');

export async function broadcast(job: Broadcast): Promise<void> {
  await broadcasts.add('send', job);
}
`,
    },
    {
      name: 'Date | string: the type already says the worker gets a string',
      code: `
import { Queue } from 'bullmq';

interface SyncJob {
  accountId: string;
  since: Date | string;
}

const sync = new Queue('sync');

export async function queueSync(job: SyncJob): Promise<void> {
  await sync.add('sync', job);
}
`,
    },
    {
      name: 'add on something that is not a BullMQ producer: a Set, a project class',
      code: `
class Cart {
  add(name: string, item: { addedAt: Date }): void {
    console.log(name, item.addedAt.getTime());
  }
}

const seen = new Set<Date>();
seen.add(new Date());
new Cart().add('book', { addedAt: new Date() });
`,
    },
    {
      name: 'data that converts its dates and binary before enqueueing',
      code: `
import { Queue, FlowProducer } from 'bullmq';

declare function readUpload(path: string): Buffer;

const uploads = new Queue('uploads');
const flows = new FlowProducer();

export async function queueUpload(path: string, takenAt: Date): Promise<void> {
  await uploads.add('scan', { path, content: readUpload(path).toString('base64'), takenAt: takenAt.getTime() });
  await uploads.upsertJobScheduler('cleanup', { pattern: '0 3 * * *' }, { name: 'cleanup', data: { olderThanDays: 30 } });
  await flows.add({
    name: 'archive',
    queueName: 'archives',
    data: { path },
    children: [{ name: 'thumbnail', queueName: 'thumbnails', data: { path, sizes: [64, 128] } }],
  });
}
`,
      files: { 'src/types/node.d.ts': NODE_BUFFER },
    },
    {
      name: 'a class with fields only: JSON keeps every field',
      code: `
import { Queue } from 'bullmq';

class GeoPoint {
  constructor(readonly lat: number, readonly lng: number) {}
}

const geo = new Queue('geo');

export async function locate(lat: number, lng: number): Promise<void> {
  await geo.add('reverse-geocode', { point: new GeoPoint(lat, lng) });
}
`,
    },
    {
      name: "a generic wrapper whose call sites pass plain data, and one that serialises what it is given",
      code: `
import { Queue } from 'bullmq';

const jobs = new Queue('jobs');

export async function enqueue<T>(name: string, data: T): Promise<void> {
  await jobs.add(name, data);
}

export async function enqueueSafely(name: string, data: unknown): Promise<void> {
  await jobs.add(name, JSON.parse(JSON.stringify(data)));
}

export async function enqueueNormalised(name: string, data: unknown): Promise<void> {
  data = JSON.parse(JSON.stringify(data));
  await jobs.add(name, data);
}

await enqueue('cleanup', { olderThanDays: 30 });
await enqueueSafely('remind', { at: new Date() });
await enqueueNormalised('remind', { at: new Date() });
`,
    },
    {
      name: 'job data typed any or unknown, and a receiver of unknown type',
      code: `
import { Queue } from 'bullmq';

declare const registry: any;
declare function load(): unknown;

const events = new Queue('events');

export async function forward(event: any): Promise<void> {
  await events.add('event', event);
  await events.add('loaded', load());
  await registry.queue('events').add('event', { at: new Date() });
}
`,
    },
    {
      name: 'bigint, Map and Set converted before enqueueing; a wrapper called with spread arguments',
      code: `
import { Queue } from 'bullmq';

const ledger = new Queue('ledger');

export async function record(amount: bigint, balances: Map<string, number>, tags: Set<string>): Promise<void> {
  await ledger.add('entry', { amount: amount.toString(), balances: Object.fromEntries(balances), tags: [...tags] });
}

async function enqueue(name: string, data: unknown): Promise<void> {
  await ledger.add(name, data);
}

const pending: [string, unknown][] = [['entry', { at: new Date() }]];
for (const args of pending) await enqueue(...args);
`,
    },
    {
      name: 'a recursive JSON type, and a toJSON(key) that returns a string',
      code: `
import { Queue } from 'bullmq';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

class Cursor {
  constructor(private readonly offset: number) {}
  next(): Cursor {
    return new Cursor(this.offset + 100);
  }
  toJSON(_key: string): string {
    return String(this.offset);
  }
}

const webhooks = new Queue('webhooks');

export async function deliver(body: Json, cursor: Cursor): Promise<void> {
  await webhooks.add('deliver', { body, cursor });
}
`,
    },
  ],
  invalid: [
    {
      name: 'a Date in job data arrives as a string (taskforcesh/bullmq#2771)',
      code: `
import { Queue } from 'bullmq';

const reminders = new Queue('reminders');

export async function remind(userId: string): Promise<void> {
  await reminders.add('remind', {
    userId,
    runAt: new Date(),
  });
}
`,
      errors: [{ messageId: 'date', line: 9, message: /^`data\.runAt` is a `Date`: BullMQ stores job data as JSON, so the worker gets a string/ }],
    },
    {
      name: 'a bigint makes queue.add reject (taskforcesh/bullmq#447)',
      code: `
import { Queue } from 'bullmq';

const payouts = new Queue('payouts');

export async function pay(accountId: string, amount: bigint): Promise<void> {
  await payouts.add('payout', { accountId, amount });
}
`,
      errors: [{ messageId: 'bigint', line: 7, message: /`data\.amount` is a `bigint`.*`payouts\.add\(…\)` rejects/ }],
    },
    {
      name: 'Set and Map become {} (taskforcesh/bullmq#1303)',
      code: `
import { Queue } from 'bullmq';

const digests = new Queue('digests');

export async function digest(userId: string, topics: string[], counts: Map<string, number>): Promise<void> {
  await digests.add('digest', { userId, topics: new Set(topics) });
  await digests.add('digest-counts', { userId, counts });
}
`,
      errors: [
        { messageId: 'emptied', line: 7, message: /`data\.topics` is a `Set`.*turns it into `\{\}`/ },
        { messageId: 'emptied', line: 8, message: /`data\.counts` is a `Map`/ },
      ],
    },
    {
      name: 'a function in a flow child is dropped (taskforcesh/bullmq#1159)',
      code: `
import { FlowProducer } from 'bullmq';

const flows = new FlowProducer({ connection: { host: 'localhost' } });

export async function setUpCertificate(domain: string): Promise<void> {
  await flows.add({
    name: 'certificate setup',
    queueName: 'certificates',
    data: { domain },
    children: [
      {
        name: 'activate',
        queueName: 'certificates',
        data: {
          domain,
          fill: () => console.log('filling'),
        },
      },
    ],
  });
}
`,
      errors: [{ messageId: 'function', line: 17, message: /^`data\.fill` is a function/ }],
    },
    {
      name: 'a class instance loses its methods (OptimalBits/bull#859)',
      code: `
import { Queue } from 'bullmq';

class Order {
  constructor(readonly id: string, private readonly lines: { cents: number }[]) {}
  total(): number {
    return this.lines.reduce((sum, line) => sum + line.cents, 0);
  }
}

const fulfilment = new Queue('fulfilment');

export async function fulfil(order: Order): Promise<void> {
  await fulfilment.add('ship', { order });
}
`,
      errors: [{ messageId: 'instance', line: 14, message: /^`data\.order` is an `Order` instance: .*without its methods/ }],
    },
    {
      name: 'an interface with a method signature: the method is dropped',
      code: `
import { Queue } from 'bullmq';

interface ExportJob {
  exportId: string;
  format(row: string[]): string;
}

const exportsQueue = new Queue('exports');

export async function queueExport(job: ExportJob): Promise<void> {
  await exportsQueue.add('export', job);
}
`,
      errors: [{ messageId: 'function', line: 12, message: /^`job\.format` is a function/ }],
    },
    {
      name: 'an optional Date (Date | undefined) in a declared payload type, as in langfuse',
      code: `
import { Queue } from 'bullmq';

export type TraceUpsertJob = {
  id: string;
  timestamp?: Date;
  payload: { traceId: string; projectId: string };
};

const traces = new Queue<TraceUpsertJob>('trace-upsert');

export async function upsertTrace(job: TraceUpsertJob): Promise<void> {
  await traces.add('trace-upsert', job, { removeOnComplete: true });
}
`,
      errors: [{ messageId: 'date', line: 13, message: /`job\.timestamp` is a `Date`/ }],
    },
    {
      name: 'addBulk: a literal job and a mapped list, reported at the data and at the list',
      code: `
import { Queue } from 'bullmq';

interface Signup { email: string; createdAt: Date }

const welcome = new Queue('welcome');

export async function welcomeAll(signups: Signup[]): Promise<void> {
  await welcome.addBulk([
    { name: 'first', data: { email: 'ops@example.com', at: new Date() } },
  ]);
  await welcome.addBulk(
    signups.map((signup) => ({ name: 'welcome', data: signup })),
  );
}
`,
      errors: [
        { messageId: 'date', line: 10, message: /`data\.at`/ },
        { messageId: 'date', line: 13, message: /`data\.createdAt`/ },
      ],
    },
    {
      name: "a job scheduler's template with a Date",
      code: `
import { Queue } from 'bullmq';

const digests = new Queue('digests');

export async function scheduleDigest(): Promise<void> {
  await digests.upsertJobScheduler(
    'weekly-digest',
    { pattern: '0 8 * * 1' },
    { name: 'digest', data: { since: new Date(Date.now() - 7 * 86_400_000) } },
  );
}
`,
      errors: [{ messageId: 'date', line: 10, message: /`data\.since`/ }],
    },
    {
      name: 'a Nest service with an injected Queue: a promise where the value was meant',
      code: `
import { Queue } from 'bullmq';

declare function InjectQueue(name: string): ParameterDecorator;

interface User { id: string; email: string }

class UsersRepository {
  async findOne(id: string): Promise<User> {
    return { id, email: \`\${id}@example.com\` };
  }
}

export class MailService {
  constructor(
    @InjectQueue('mail') private readonly mailQueue: Queue,
    private readonly users: UsersRepository,
  ) {}

  async sendWelcome(id: string): Promise<void> {
    await this.mailQueue.add('welcome', { user: this.users.findOne(id) });
  }
}
`,
      errors: [{ messageId: 'promise', line: 21, message: /`data\.user` is a `Promise`.*`await`/ }],
    },
    {
      name: "a project wrapper with untyped data: checked at the wrapper's call sites, in another module",
      code: `
import { enqueue } from './queue.js';

export async function createInvoice(orderId: string): Promise<void> {
  await enqueue('invoice', { orderId, dueAt: new Date(Date.now() + 86_400_000) });
  await enqueue('invoice-reminder', { orderId });
}
`,
      files: {
        'src/queue.ts': `
import { Queue } from 'bullmq';

const billing = new Queue('billing');

export async function enqueue(name: string, data: Record<string, unknown>): Promise<void> {
  await billing.add(name, data, { attempts: 3 });
}
`,
      },
      errors: [{ messageId: 'date', line: 5, message: /`data\.dueAt` is a `Date`/, relatedLines: [7] }],
    },
    {
      name: 'a wrapper of a wrapper: a service method forwarding to a generic helper',
      code: `
import { Queue } from 'bullmq';

const notifications = new Queue('notifications');

async function addJob<T extends object>(name: string, data: T): Promise<void> {
  await notifications.add(name, data);
}

class NotificationService {
  async push(data: unknown): Promise<void> {
    await addJob('push', data);
  }
}

export async function notify(service: NotificationService, userId: string): Promise<void> {
  await service.push({ userId, onOpen: () => console.log('opened') });
}
`,
      errors: [{ messageId: 'function', line: 17, message: /`data\.onOpen` is a function/, relatedLines: [7] }],
    },
    {
      name: 'a z.date() field of a zod schema',
      code: `
import { Queue } from 'bullmq';
import { z } from 'zod';

const MonitorRun = z.object({ monitorId: z.string(), runAt: z.date() });
type MonitorRun = z.infer<typeof MonitorRun>;

const monitors = new Queue('monitors');

export async function scheduleRun(run: MonitorRun): Promise<void> {
  await monitors.add('run', run);
}
`,
      errors: [{ messageId: 'date', line: 11, message: /`run\.runAt` is a `Date`/ }],
    },
    {
      name: 'an Error and a Buffer in job data',
      code: `
import { Queue } from 'bullmq';

declare function readLog(path: string): Buffer;

const alerts = new Queue('alerts');

export async function reportFailure(error: Error, logPath: string): Promise<void> {
  await alerts.add('failure', { message: error.message, error });
  await alerts.add('attach-log', { log: readLog(logPath) });
}
`,
      files: { 'src/types/node.d.ts': NODE_BUFFER },
      errors: [
        { messageId: 'error', line: 9, message: /`data\.error` is an error \(`Error`\)/ },
        { messageId: 'binary', line: 10, message: /`data\.log` is a `Buffer`/ },
      ],
    },
    {
      name: 'queues from a typed factory, a subclass and an object of queues',
      code: `
import { Queue } from 'bullmq';

class MailQueue extends Queue {}

const queues = { audit: new Queue('audit') };
let shared: Queue | undefined;

function getQueue(): Queue {
  shared ??= new Queue('shared');
  return shared;
}

export async function track(userId: string, seen: Record<string, Date>): Promise<void> {
  await getQueue().add('seen', { userId, seen });
  await new MailQueue('mail').add('sent', { userId, sentAt: new Date() });
  await queues.audit.add('audit', { userId, symbol: Symbol('audit') });
}
`,
      errors: [
        { messageId: 'date', line: 15, message: /`data\.seen\[key\]` is a `Date`/ },
        { messageId: 'date', line: 16, message: /`data\.sentAt`/ },
        { messageId: 'symbol', line: 17, message: /`data\.symbol` is a symbol/ },
      ],
    },
    {
      name: 'dates in arrays and tuples',
      code: `
import { Queue } from 'bullmq';

const calendar = new Queue('calendar');

export async function sync(slots: { start: Date; end: Date }[], range: [Date, Date]): Promise<void> {
  await calendar.add('slots', { slots });
  await calendar.add('range', { range });
}
`,
      errors: [
        { messageId: 'date', line: 7, message: /`data\.slots\[i\]\.start`/ },
        { messageId: 'date', line: 8, message: /`data\.range\[0\]`/ },
      ],
    },
    {
      name: "a queue from a static getInstance() kept in a const: the bigint wins over the Date (langfuse/langfuse#13874)",
      code: `
import { Queue } from 'bullmq';

interface MonitorEvent { monitorId: string; schedulerBatchId: bigint; runAt: Date }

export class MonitorQueue {
  private static instance: Queue | null = null;
  static getInstance(): Queue<{ timestamp: Date; payload: MonitorEvent }> | null {
    MonitorQueue.instance ??= new Queue('monitor');
    return MonitorQueue.instance;
  }
}

export async function publish(event: MonitorEvent): Promise<void> {
  const queue = MonitorQueue.getInstance();
  if (!queue) throw new Error('MonitorQueue is unavailable');
  await queue.add('monitor-job', {
    timestamp: new Date(),
    payload: event,
  });
}
`,
      errors: [{ messageId: 'bigint', line: 19, message: /`data\.payload\.schedulerBatchId` is a `bigint`.*`queue\.add\(…\)` rejects/ }],
    },
    {
      name: 'a flow built in a variable, and queues imported under another name or as a namespace',
      code: `
import * as bullmq from 'bullmq';
import { FlowProducer as Flows, Queue as BullQueue } from 'bullmq';

const flows = new Flows();
const audit: bullmq.Queue = new BullQueue('audit');

export async function ingest(fileId: string): Promise<void> {
  const flow = {
    name: 'ingest',
    queueName: 'ingest',
    data: { fileId },
    children: [{ name: 'parse', queueName: 'parse', data: { fileId, startedAt: new Date() } }],
  };
  await flows.add(flow);
  await audit.add('ingest', { fileId, seen: new Set([fileId]) });
}
`,
      errors: [
        { messageId: 'date', line: 15, message: /`data\.startedAt`/ },
        { messageId: 'emptied', line: 16, message: /`data\.seen` is a `Set`/ },
      ],
    },
    {
      name: 'a scheduler helper that passes its data on as the template data (shorthand property)',
      code: `
import { Queue } from 'bullmq';

const schedules = new Queue('schedules');

async function schedule(id: string, pattern: string, data: object): Promise<void> {
  await schedules.upsertJobScheduler(id, { pattern }, { name: id, data });
}

await schedule('nightly-report', '0 2 * * *', { from: new Date(0), format: 'pdf' });
`,
      errors: [{ messageId: 'date', line: 10, message: /`data\.from` is a `Date`/, relatedLines: [7] }],
    },
  ],
});

/**
 * The same project linted from a directory with no node_modules (every library type is `any`) and
 * with the repository's node_modules linked in: without types the rule may miss findings, never
 * invent one. Library-typed data (`z.date()`, a class extending luxon's `DateTime`) decides the difference.
 */
describe('unserializable-job-data with and without node_modules', () => {
  const files: Record<string, string> = {
    'package.json': JSON.stringify({ name: 'parity', private: true, type: 'module', dependencies: { bullmq: '*', luxon: '*', zod: '*' } }),
    'tsconfig.json': JSON.stringify({ compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', skipLibCheck: true }, include: ['src'] }),
    'src/jobs.ts': `
import { Queue } from 'bullmq';
import { DateTime } from 'luxon';
import { z } from 'zod';

const Reminder = z.object({ userId: z.string(), at: z.date() });
type Reminder = z.infer<typeof Reminder>;

// Inherits luxon's toJSON(): JSON writes it as an ISO string.
class Deadline extends DateTime {
  isOverdue(): boolean {
    return true;
  }
}

const reminders = new Queue('reminders');

export async function remind(reminder: Reminder, deadline: Deadline, userId: string): Promise<void> {
  await reminders.add('remind', reminder);
  await reminders.add('deadline', { userId, deadline });
  await reminders.add('literal', { userId, at: new Date() });
}

export async function enqueue(name: string, data: unknown): Promise<void> {
  await reminders.add(name, data);
}

await enqueue('wrapped', { sentAt: new Date() });
`,
  };

  function findings(root: string): string[] {
    const run = lint({ cwd: root, paths: ['.'], ruleOverrides: { 'unserializable-job-data': 'warn' } });
    expect(run.failures).toEqual([]);
    return run.results.flatMap((result) => result.messages.filter((m) => m.ruleId === rule.id).map((m) => `${m.line} ${m.messageId}`));
  }

  function project(withNodeModules: boolean): string {
    const root = makeTempDir('unserializable-job-data-');
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    if (withNodeModules) symlinkSync(join(import.meta.dirname, '..', '..', 'node_modules'), join(root, 'node_modules'), 'dir');
    return root;
  }

  it('reports the library-typed Date only with types, and nothing false without them', () => {
    const withTypes = findings(project(true));
    const withoutTypes = findings(project(false));
    expect(withTypes).toEqual(['19 date', '21 date', '28 date']);
    expect(withoutTypes).toEqual(['21 date', '28 date']);
  });
});
