import { Project, type SourceFile } from 'ts-morph';
import { describe, expect, it } from 'vitest';
import { lintSourceFiles } from '../../src/linter/engine.js';
import rule from '../../src/rules/queue-per-request.js';
import { ruleTester, type InvalidCase, type RuleCase } from '../helpers/rule-tester.js';

const valid: RuleCase[] = [
  {
    name: 'a queue and a Redis client made at module scope and used in handlers',
    code: `
import express from 'express';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';

const connection = new IORedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
export const emailQueue = new Queue('emails', { connection });

const app = express();

app.post('/signup', async (req, res) => {
  await emailQueue.add('welcome', { email: String(req.body.email) });
  await connection.incr('signups');
  res.status(202).json({ queued: true });
});
`,
  },
  {
    name: 'memoised with ??= in a getter that handlers call',
    code: `
import Fastify from 'fastify';
import { Queue } from 'bullmq';

let exportQueue: Queue | undefined;

export function getExportQueue(): Queue {
  exportQueue ??= new Queue('exports', { connection: { host: 'localhost', port: 6379 } });
  return exportQueue;
}

const app = Fastify();

app.post('/exports', async (request, reply) => {
  const job = await getExportQueue().add('csv', { user: String(request.id) });
  return reply.code(202).send({ id: job.id });
});
`,
  },
  {
    name: 'node-redis client memoised behind if (!client), connected once',
    code: `
import { Hono } from 'hono';
import { createClient } from 'redis';

type RedisClient = ReturnType<typeof createClient>;
let client: RedisClient | undefined;

async function getRedis(): Promise<RedisClient> {
  if (!client) {
    client = createClient({ url: process.env.REDIS_URL });
    client.on('error', (error) => console.error('redis', error));
    await client.connect();
  }
  return client;
}

const app = new Hono();

app.get('/counter', async (c) => {
  const redis = await getRedis();
  return c.json({ hits: await redis.incr('hits') });
});
`,
  },
  {
    name: 'a module-level Map filled lazily, with an early return when cached',
    code: `
import express from 'express';
import { Queue } from 'bullmq';

const queues = new Map<string, Queue>();

export function getQueue(name: string): Queue {
  const existing = queues.get(name);
  if (existing) return existing;
  const queue = new Queue(name, { connection: { url: process.env.REDIS_URL } });
  queue.on('error', (error) => console.error(\`[queue:\${name}]\`, error));
  queues.set(name, queue);
  return queue;
}

const app = express();

app.post('/notify/:channel', async (req, res) => {
  await getQueue(req.params.channel).add('notify', req.body);
  res.sendStatus(202);
});
`,
  },
  {
    name: 'a static class field holding the queues; a service singleton with this.queue ??=',
    code: `
import express from 'express';
import { Queue, QueueEvents } from 'bullmq';

class QueueRegistry {
  private static queues = new Map<string, Queue>();

  static get(name: string): Queue {
    if (!this.queues.has(name)) this.queues.set(name, new Queue(name));
    return this.queues.get(name)!;
  }
}

class ReportService {
  private events?: QueueEvents;

  async waitFor(id: string): Promise<unknown> {
    this.events ??= new QueueEvents('reports');
    const job = await QueueRegistry.get('reports').getJob(id);
    return job?.waitUntilFinished(this.events);
  }
}

const reports = new ReportService();
const app = express();

app.get('/reports/:id', async (req, res) => {
  res.json(await reports.waitFor(req.params.id));
});
`,
  },
  {
    name: 'a Worker created once at start-up in main(), and in a Fastify onReady hook',
    code: `
import Fastify from 'fastify';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';

async function sendDigest(): Promise<void> {
  await fetch('https://mail.example.com/digest', { method: 'POST' });
}

function startWorkers(): Worker[] {
  const connection = new Redis({ maxRetriesPerRequest: null });
  const digest = new Worker('digest', sendDigest, { connection });
  digest.on('error', (error) => console.error(error));
  return [digest];
}

const app = Fastify();

app.addHook('onReady', async () => {
  const audit = new Worker('audit', async () => undefined, { connection: { host: 'localhost' } });
  audit.on('error', console.error);
});

app.get('/health', async () => ({ ok: true }));

async function main(): Promise<void> {
  const workers = startWorkers();
  await app.listen({ port: 3000 });
  process.on('SIGTERM', () => void Promise.all(workers.map((worker) => worker.close())));
}

void main();
`,
  },
  {
    name: 'per-request queue and QueueEvents closed in the same function (a finally, after waiting)',
    code: `
import express from 'express';
import { Queue, QueueEvents } from 'bullmq';

const app = express();

app.post('/tenants/:id/rebuild', async (req, res) => {
  const queue = new Queue(\`tenant-\${req.params.id}\`, { connection: { host: 'localhost' } });
  try {
    await queue.add('rebuild', {});
  } finally {
    await queue.close();
  }
  res.sendStatus(202);
});

app.post('/reports', async (req, res) => {
  const reports = new Queue('reports');
  const events = new QueueEvents('reports');
  const job = await reports.add('build', req.body);
  const result = await job.waitUntilFinished(events, 30_000);
  await Promise.all([events.close(), reports.close()]);
  res.json(result);
});
`,
  },
  {
    name: 'a duplicated subscriber per SSE request, quit when the client goes away',
    code: `
import express from 'express';
import Redis from 'ioredis';

const redis = new Redis();
const app = express();

app.get('/events', async (req, res) => {
  const subscriber = redis.duplicate();
  res.setHeader('Content-Type', 'text/event-stream');
  subscriber.on('message', (_channel, message) => res.write(\`data: \${message}\\n\\n\`));
  await subscriber.subscribe('updates');
  req.on('close', () => {
    void subscriber.quit();
  });
});
`,
  },
  {
    name: 'test code: a *.test.ts file and a file under test/',
    code: `
export const nothingHere = true;
`,
    files: {
      'src/orders.test.ts': `
import express from 'express';
import { Queue } from 'bullmq';

const app = express();
app.post('/orders', async (_req, res) => {
  const queue = new Queue('orders');
  await queue.add('created', {});
  res.sendStatus(201);
});
`,
      'test/support/server.ts': `
import express from 'express';
import IORedis from 'ioredis';

export const app = express();
app.get('/ping', async (_req, res) => {
  const redis = new IORedis();
  res.send(await redis.ping());
});
`,
    },
  },
  {
    name: "another package's Queue, Worker and Redis: p-queue, node:worker_threads, @upstash/redis (HTTP)",
    code: `
import express from 'express';
import PQueue from 'p-queue';
import { Worker } from 'node:worker_threads';
import { Redis } from '@upstash/redis';

const app = express();

app.post('/thumbnails', async (req, res) => {
  const queue = new PQueue({ concurrency: 2 });
  const worker = new Worker(new URL('./resize.js', import.meta.url), { workerData: req.body });
  worker.on('message', (message) => console.log(message));
  await queue.add(() => fetch('https://cdn.example.com/purge', { method: 'POST' }));
  const redis = new Redis({ url: process.env.UPSTASH_URL, token: process.env.UPSTASH_TOKEN });
  await redis.incr('thumbnails');
  res.sendStatus(202);
});
`,
  },
  {
    name: 'a factory whose result the handler memoises at module scope',
    code: `
import express from 'express';
import { Queue } from 'bullmq';

function createInvoiceQueue(): Queue {
  return new Queue('invoices', { connection: { url: process.env.REDIS_URL } });
}

let invoices: Queue | undefined;
const app = express();

app.post('/invoices', async (req, res) => {
  if (!invoices) invoices = createInvoiceQueue();
  await invoices.add('issue', req.body);
  res.sendStatus(202);
});
`,
  },
  {
    name: 'a connection made inside an if (!queues) guard, used for duplicates and never stored',
    code: `
import express from 'express';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';

interface Queues {
  workflow: Queue;
  events: QueueEvents;
}

let queues: Queues | null = null;

export function getQueues(): Queues {
  if (!queues) {
    const connection = new Redis(process.env.REDIS_URL ?? '', { maxRetriesPerRequest: null });
    queues = {
      workflow: new Queue('workflow', { connection: connection.duplicate() }),
      events: new QueueEvents('workflow', { connection: connection.duplicate() }),
    };
  }
  return queues;
}

const app = express();
app.post('/workflows', async (req, res) => {
  await getQueues().workflow.add('start', req.body);
  res.sendStatus(202);
});
`,
  },
  {
    name: 'Next.js: a client kept on globalThis, and a route handler that uses it',
    code: `
export {};
`,
    files: {
      'lib/redis.ts': `
import Redis from 'ioredis';

const globalForRedis = globalThis as unknown as { redis?: Redis };

export function getRedis(): Redis {
  if (!globalForRedis.redis) globalForRedis.redis = new Redis(process.env.REDIS_URL ?? '');
  return globalForRedis.redis;
}
`,
      'app/api/views/route.ts': `
import { getRedis } from '../../../lib/redis';

export async function POST(request: Request): Promise<Response> {
  const { slug } = (await request.json()) as { slug: string };
  const views = await getRedis().incr(\`views:\${slug}\`);
  return Response.json({ views });
}
`,
    },
  },
  {
    name: 'memoised right in the handler: a module-level record filled with ??=, its connection made with it',
    code: `
import express from 'express';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';

const tenantQueues: Record<string, Queue> = {};
const app = express();

app.post('/tenants/:id/jobs', async (req, res) => {
  const queue = (tenantQueues[req.params.id] ??= new Queue(\`tenant-\${req.params.id}\`, { connection: new IORedis({ maxRetriesPerRequest: null }) }));
  await queue.add('job', req.body);
  res.sendStatus(202);
});
`,
  },
  {
    name: 'a job loop that creates its Worker once, before fetching jobs by hand',
    code: `
import { Worker } from 'bullmq';

async function handle(data: unknown): Promise<void> {
  await fetch('https://hooks.example.com', { method: 'POST', body: JSON.stringify(data) });
}

export async function runLoop(token: string): Promise<void> {
  const worker = new Worker('manual', null, { connection: { host: 'localhost' } });
  for (;;) {
    const job = await worker.getNextJob(token);
    if (!job) continue;
    await handle(job.data);
    await job.moveToCompleted('ok', token, false);
  }
}
`,
  },
  {
    name: 'closed by a project helper it is handed to, and closed with `await using`',
    code: `
import express from 'express';
import { createClient } from 'redis';

async function shutdown(client: { quit(): Promise<unknown> }): Promise<void> {
  await client.quit();
}

const app = express();

app.get('/keys', async (_req, res) => {
  const client = await createClient({ url: process.env.REDIS_URL }).connect();
  try {
    res.json(await client.keys('*'));
  } finally {
    await shutdown(client);
  }
});

app.get('/ping', async (_req, res) => {
  await using client = await createClient({ url: process.env.REDIS_URL }).connect();
  res.send(await client.ping());
});
`,
  },
  {
    name: 'a factory only start-up code calls',
    code: `
import { Hono } from 'hono';
import { Worker } from 'bullmq';

export const createWebhookWorker = () => {
  const worker = new Worker('webhooks', async () => undefined, { connection: { host: 'localhost' } });
  worker.on('error', console.error);
  return worker;
};

const app = new Hono();
app.get('/health', (c) => c.json({ ok: true }));

const worker = createWebhookWorker();
process.on('SIGTERM', () => void worker.close());
export default app;
`,
  },
  {
    name: '--fix output: a module-level memo the rule accepts',
    code: `import express from 'express';
import { Queue } from 'bullmq';
import { connection } from './redis.js';

const app = express();

let welcomeEmailsQueue: Queue | undefined;

// Enqueues the welcome email.
app.post('/signup', async (req, res) => {
  const queue = (welcomeEmailsQueue ??= new Queue('welcome-emails', { connection }));
  await queue.add('welcome', { email: String(req.body.email) });
  res.sendStatus(202);
});
`,
    files: { 'src/redis.ts': `export const connection = { host: 'localhost', port: 6379 };
` },
  },
];

const invalid: InvalidCase[] = [
  {
    name: 'Express: a Queue per request, never closed (the issue shape)',
    code: `
import express from 'express';
import { Queue } from 'bullmq';

const app = express();
app.use(express.json());

app.post('/jobs', async (req, res) => {
  const queue = new Queue('jobs', { connection: { host: 'localhost', port: 6379 } });
  await queue.add('import', req.body);
  res.status(202).end();
});
`,
    errors: [{ messageId: 'connectionPerCall', line: 9, message: /^`new Queue\(…\)` in the POST \/jobs handler leaks Redis connections on every request; hoist it to module scope or memoise it\.$/ }],
  },
  {
    name: 'Next.js route handler: QueueEvents per request to wait for a job, never closed',
    code: `
export {};
`,
    files: {
      'app/api/reports/route.ts': `
import { Queue, QueueEvents } from 'bullmq';

const reports = new Queue('reports', { connection: { host: 'localhost' } });

export async function POST(request: Request): Promise<Response> {
  const queueEvents = new QueueEvents('reports', { connection: { host: 'localhost' } });
  const job = await reports.add('build', await request.json());
  const result = await job.waitUntilFinished(queueEvents);
  return Response.json({ result });
}
`,
    },
    errors: [{ messageId: 'connectionPerCall', line: 7, message: /in the POST \/api\/reports handler/ }],
  },
  {
    name: 'a plain exported factory called from a Fastify handler: reported at the new, naming the handler',
    code: `
import Fastify from 'fastify';
import { getExportQueue } from './queue.js';

const app = Fastify();

app.post('/exports', async (request, reply) => {
  const queue = getExportQueue();
  await queue.add('csv', { requestId: request.id });
  return reply.code(202).send({ queued: true });
});
`,
    files: {
      'src/queue.ts': `
import { Queue } from 'bullmq';

export function getExportQueue(): Queue {
  return new Queue('exports', { connection: { url: process.env.REDIS_URL } });
}
`,
    },
    errors: [{ messageId: 'connectionPerCall', line: 5, message: /`getExportQueue\(\)` \(from the POST \/exports handler\)/, pathLines: [7, 8] }],
  },
  {
    name: 'a factory returned through another factory: the path runs from the handler through both calls',
    code: `
import express from 'express';
import { Queue } from 'bullmq';

function createQueue(name: string): Queue {
  return new Queue(name, { connection: { url: process.env.REDIS_URL } });
}

export function queueFor(tenant: string): Queue {
  return createQueue(\`tenant-\${tenant}\`);
}

const app = express();

app.post('/tenants/:id/jobs', async (req, res) => {
  await queueFor(req.params.id).add('job', req.body);
  res.sendStatus(202);
});
`,
    errors: [{ messageId: 'connectionPerCall', line: 6, message: /`createQueue\(\)` \(from the POST \/tenants\/:id\/jobs handler\)/, pathLines: [15, 16, 10] }],
  },
  {
    name: 'a service whose static create() makes a queue per call (OptimalBits/bull#1806)',
    code: `
import express from 'express';
import { Queue } from 'bullmq';

class QueueService {
  static queue(name: string): Queue {
    const queue = new Queue(name, { connection: { url: 'redis://' + process.env.REDIS_HOST } });
    return queue;
  }

  static async create(name: string, data: unknown) {
    const queue = this.queue(name);
    return queue.add(name, data);
  }
}

const app = express();

app.post('/events', async (req, res) => {
  await QueueService.create('events', req.body);
  res.sendStatus(202);
});
`,
    errors: [{ messageId: 'connectionPerCall', line: 7, message: /`QueueService\.queue\(\)`/, pathLines: [19, 20, 12] }],
  },
  {
    name: 'Hono: an ioredis client per request (an early return that is not a cache hit guards nothing)',
    code: `
import { Hono } from 'hono';
import { Redis } from 'ioredis';

const app = new Hono();
const maintenance = process.env.MAINTENANCE === '1';

app.get('/sessions/:id', async (c) => {
  if (maintenance) return c.json({ error: 'maintenance' }, 503);
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const session = await redis.get(\`session:\${c.req.param('id')}\`);
  return c.json({ session });
});
`,
    errors: [{ messageId: 'connectionPerCall', line: 10, message: /in the GET \/sessions\/:id handler/ }],
  },
  {
    name: 'a Next.js server action that connects a node-redis client per call and never quits',
    code: `
export {};
`,
    files: {
      'app/actions.ts': `
'use server';

import { createClient } from 'redis';

export async function saveDraft(id: string, body: string): Promise<void> {
  const client = await createClient({ url: process.env.REDIS_URL }).on('error', console.error).connect();
  await client.set(\`draft:\${id}\`, body);
}
`,
    },
    errors: [{ messageId: 'connectionPerCall', line: 7, message: /in server action saveDraft/ }],
  },
  {
    name: 'node-redis: a duplicated subscriber per long-poll request, never quit',
    code: `
import { Hono } from 'hono';
import { createClient } from 'redis';

const publisher = createClient({ url: process.env.REDIS_URL });
const app = new Hono();

app.get('/rooms/:id/messages', async (c) => {
  const subscriber = publisher.duplicate();
  await subscriber.connect();
  const messages: string[] = [];
  await subscriber.subscribe(\`room:\${c.req.param('id')}\`, (message) => messages.push(message));
  await new Promise((resolve) => setTimeout(resolve, 25_000));
  return c.json({ messages });
});
`,
    errors: [{ messageId: 'connectionPerCall', line: 9, message: /`publisher\.duplicate\(\)` in the GET \/rooms\/:id\/messages handler/ }],
  },
  {
    name: 'a processor that makes a Queue per job and never closes it (taskforcesh/bullmq#2686 without the close)',
    code: `
import { Queue, Worker } from 'bullmq';

const connection = { host: 'localhost', port: 6379 };

export const worker = new Worker(
  'foo',
  async (job) => {
    const baz = new Queue('baz', { connection });
    await baz.add('follow-up', { from: job.id });
  },
  { connection },
);
worker.on('error', console.error);
`,
    errors: [{ messageId: 'connectionPerCall', line: 9, message: /in the `foo` queue processor leaks Redis connections on every job/ }],
  },
  {
    name: 'a Bull queue per tick of setInterval (OptimalBits/bull#1453)',
    code: `
import Bull from 'bull';

setInterval(() => {
  const sensorQueue = new Bull('sensors', 'redis://127.0.0.1:6379');
  void sensorQueue.add({ temp: 30 });
}, 10_000);
`,
    errors: [{ messageId: 'connectionPerCall', line: 5, message: /`setInterval\(\)` callback leaks Redis connections on every run/ }],
  },
  {
    name: 'a FlowProducer per node-cron run',
    code: `
import cron from 'node-cron';
import { FlowProducer } from 'bullmq';

cron.schedule('*/5 * * * *', async () => {
  const flow = new FlowProducer({ connection: { host: 'localhost' } });
  await flow.add({ name: 'digest', queueName: 'mail', children: [] });
});
`,
    errors: [{ messageId: 'connectionPerCall', line: 6, message: /in a node-cron job/ }],
  },
  {
    name: 'a connection given to a per-request Queue: closing the Queue leaves it open (inline and in a variable)',
    code: `
import express from 'express';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';

const app = express();

app.post('/imports', async (req, res) => {
  const queue = new Queue('imports', { connection: new IORedis(process.env.REDIS_URL ?? '') });
  try {
    await queue.add('csv', req.body);
  } finally {
    await queue.close();
  }
  res.sendStatus(202);
});

app.post('/exports', async (req, res) => {
  const connection = new IORedis({ maxRetriesPerRequest: null });
  const queue = new Queue('exports', { connection });
  await queue.add('csv', req.body);
  await queue.close();
  res.sendStatus(202);
});
`,
    errors: [
      { messageId: 'connectionLeftOpen', line: 9, message: /on every request: closing the Queue does not close it; quit it too, or hoist it\.$/ },
      { messageId: 'connectionLeftOpen', line: 19 },
    ],
  },
  {
    name: "a 'memo' whose variable lives inside the handler memoises nothing",
    code: `
import express from 'express';
import { Queue } from 'bullmq';

const app = express();

app.post('/emails', async (req, res) => {
  let queue: Queue | undefined;
  if (!queue) queue = new Queue('emails');
  await queue.add('send', req.body);
  res.sendStatus(202);
});
`,
    errors: [{ messageId: 'connectionPerCall', line: 9 }],
  },
  {
    name: 'a Worker started per request, and a Redis client per request in a Fastify onRequest hook',
    code: `
import Fastify from 'fastify';
import { Worker } from 'bullmq';
import Redis from 'ioredis';

const app = Fastify();

app.addHook('onRequest', async (request) => {
  const redis = new Redis();
  await redis.incr(\`rate:\${request.ip}\`);
});

app.post('/queues/:name/start', async (request) => {
  const { name } = request.params as { name: string };
  new Worker(name, async () => undefined, { connection: { host: 'localhost' } });
  return { started: name };
});
`,
    errors: [
      { messageId: 'connectionPerCall', line: 9, message: /in a Fastify `onRequest` hook/ },
      { messageId: 'connectionPerCall', line: 15, message: /in the POST \/queues\/:name\/start handler/ },
    ],
  },
  {
    name: "CommonJS require('ioredis') in a helper the handler calls",
    code: `
import express from 'express';
const IORedis = require('ioredis');

async function loadProfile(id: string): Promise<string | null> {
  const redis = new IORedis(process.env.REDIS_URL);
  return redis.get(\`profile:\${id}\`);
}

const app = express();

app.get('/profiles/:id', async (req, res) => {
  res.json({ profile: await loadProfile(req.params.id) });
});
`,
    errors: [{ messageId: 'connectionPerCall', line: 6, message: /`loadProfile\(\)` \(from the GET \/profiles\/:id handler\)/, pathLines: [12, 13] }],
  },
  {
    name: 'a queue created in a setTimeout callback that each request schedules',
    code: `
import express from 'express';
import { Queue } from 'bullmq';

const app = express();

app.post('/reminders', (req, res) => {
  setTimeout(async () => {
    const reminders = new Queue('reminders');
    await reminders.add('remind', req.body);
  }, 60_000);
  res.sendStatus(202);
});
`,
    errors: [{ messageId: 'connectionPerCall', line: 9, message: /`setTimeout\(\)` callback/ }],
  },
  {
    name: 'a job loop that makes a Queue for every job it fetches',
    code: `
import { Queue, Worker } from 'bullmq';

export async function runLoop(token: string): Promise<void> {
  const worker = new Worker('manual', null, { connection: { host: 'localhost' } });
  while (true) {
    const job = await worker.getNextJob(token);
    if (!job) continue;
    const results = new Queue('results');
    await results.add('done', job.data);
  }
}
`,
    errors: [{ messageId: 'connectionPerCall', line: 9 }],
  },
  {
    name: 'fixed with a module-level memo when every call would make the same queue; a per-call name gets no fix',
    code: `import express from 'express';
import { Queue } from 'bullmq';
import { connection } from './redis.js';

const app = express();

// Enqueues the welcome email.
app.post('/signup', async (req, res) => {
  const queue = new Queue('welcome-emails', { connection });
  await queue.add('welcome', { email: String(req.body.email) });
  res.sendStatus(202);
});

app.post('/tenants/:id/jobs', async (req, res) => {
  const queue = new Queue(\`jobs-\${req.params.id}\`, { connection });
  await queue.add('job', {});
  res.sendStatus(202);
});
`,
    files: { 'src/redis.ts': `export const connection = { host: 'localhost', port: 6379 };
` },
    output: `import express from 'express';
import { Queue } from 'bullmq';
import { connection } from './redis.js';

const app = express();

let welcomeEmailsQueue: Queue | undefined;

// Enqueues the welcome email.
app.post('/signup', async (req, res) => {
  const queue = (welcomeEmailsQueue ??= new Queue('welcome-emails', { connection }));
  await queue.add('welcome', { email: String(req.body.email) });
  res.sendStatus(202);
});

app.post('/tenants/:id/jobs', async (req, res) => {
  const queue = new Queue(\`jobs-\${req.params.id}\`, { connection });
  await queue.add('job', {});
  res.sendStatus(202);
});
`,
    errors: [
      { messageId: 'connectionPerCall', line: 9 },
      { messageId: 'connectionPerCall', line: 15 },
    ],
  },
];

ruleTester(rule, { valid, invalid });

/** The project's files for a case: `src/app.ts` is its code; a `package.json` is read, not linted. */
function caseFiles(testCase: RuleCase): Record<string, string> {
  return { 'src/app.ts': testCase.code, ...testCase.files };
}

/**
 * Findings must not depend on whether the libraries' types resolve: the same cases, linted in a
 * memory file system where no `node_modules` exists, give the same findings.
 */
describe('queue-per-request without node_modules', () => {
  const project = new Project({
    compilerOptions: { strict: true, target: 99, module: 199, moduleResolution: 99, skipLibCheck: true, noEmit: true },
    useInMemoryFileSystem: true,
  });
  const manifests = new Map<string, string>();
  const cases = [...valid.map((testCase) => ({ ...testCase, errors: [] })), ...invalid];
  const filesByCase = cases.map((testCase, index) => {
    const root = `/project/case-${index}`;
    manifests.set(`${root}/package.json`, '{}');
    const files: SourceFile[] = [];
    for (const [path, text] of Object.entries(caseFiles(testCase))) {
      if (path.endsWith('package.json')) manifests.set(`${root}/${path}`, text);
      else files.push(project.createSourceFile(`${root}/${path}`, text));
    }
    return files;
  });
  const { results, failures } = lintSourceFiles(project, filesByCase.flat(), new Map([[rule.id, 2]]), { readFile: (path) => manifests.get(path) });
  const byPath = new Map(results.map((result) => [result.filePath, result.messages]));

  it('resolves none of the libraries', () => {
    expect(project.getSourceFiles().some((file) => file.isInNodeModules())).toBe(false);
    expect(failures).toEqual([]);
  });

  cases.forEach((testCase, index) => {
    it(testCase.name ?? `case ${index}`, () => {
      const found = (filesByCase[index] ?? []).flatMap((file) => (byPath.get(file.getFilePath()) ?? []).filter((m) => m.ruleId === rule.id).map((m) => `${m.line} ${m.messageId}`));
      const expected = testCase.errors === 'some' ? [] : testCase.errors.map((error) => `${error.line} ${error.messageId}`);
      expect(found).toEqual(expected);
    });
  });
});
