import rule from '../../src/rules/uncaught-task-error.js';
import { ruleTester } from '../helpers/rule-tester.js';

ruleTester(rule, {
  valid: [
    {
      name: 'awaited work in a handler (Express 5 forwards the rejection to next)',
      code: `
import express from 'express';

const app = express();

async function sendWelcomeEmail(email: string): Promise<void> {
  await fetch('https://mail.example.com/send', { method: 'POST', body: email });
}

app.post('/signup', async (req, res) => {
  await sendWelcomeEmail(String(req.body.email));
  res.status(201).json({ ok: true });
});
`,
    },
    {
      name: 'returned promise (Fastify and Express 5 observe it)',
      code: `
import Fastify from 'fastify';

const app = Fastify();

async function loadReport(id: string): Promise<{ id: string }> {
  const response = await fetch(\`https://reports.example.com/\${id}\`);
  return { id: String(await response.text()) };
}

app.get('/reports/:id', (request) => {
  return loadReport(String(request.id));
});
`,
    },
    {
      name: '.catch(handler) that logs, and .then(ok, fail)',
      code: `
import express from 'express';

const app = express();

async function track(event: string): Promise<void> {
  await fetch('https://analytics.example.com', { method: 'POST', body: event });
}

app.get('/landing', (req, res) => {
  track('landing').catch((error) => console.error('track failed', error));
  track('landing-v2').then(() => console.log('tracked'), (error: unknown) => console.error(error));
  track('landing-v3').catch(console.error).finally(() => console.log('done'));
  res.send('hello');
});
`,
    },
    {
      name: 'Promise.allSettled observes every rejection',
      code: `
import express from 'express';

const app = express();

async function warmCache(key: string): Promise<void> {
  await fetch(\`https://cache.example.com/\${key}\`);
}

app.post('/deploy', (req, res) => {
  Promise.allSettled([warmCache('home'), warmCache('pricing')]);
  res.sendStatus(202);
});
`,
    },
    {
      name: 'tasks handed to addTask: the runtime reports their errors',
      code: `
import express from 'express';
import { backgroundTasks } from './background/express.js';

const app = express();
app.use(backgroundTasks());

async function sendEmail(to: string): Promise<void> {
  await fetch('https://mail.example.com/send', { method: 'POST', body: to });
}

app.post('/invite', (req, res) => {
  const to = String(req.body.email);
  req.backgroundTasks.addTask(sendEmail, to);
  req.backgroundTasks.addTask(() => sendEmail(to));
  req.backgroundTasks.addTask(async () => {
    await sendEmail(to);
  });
  res.status(202).json({ queued: true });
});
`,
    },
    {
      name: 'a task that throws or awaits without try/catch: the runtime catches it',
      code: `
import express from 'express';
import { backgroundTasks } from './background/express.js';

const app = express();
app.use(backgroundTasks());

async function chargeCard(orderId: string): Promise<void> {
  const response = await fetch(\`https://pay.example.com/charge/\${orderId}\`, { method: 'POST' });
  if (!response.ok) throw new Error(\`charge failed for \${orderId}\`);
}

app.post('/orders/:id/pay', (req, res) => {
  req.backgroundTasks.addTask(chargeCard, req.params.id);
  res.sendStatus(202);
});
`,
    },
    {
      name: 'non-promise calls: console.log, sync helpers, res.json',
      code: `
import express from 'express';

const app = express();

function slugify(title: string): string {
  return title.toLowerCase().replace(/\\s+/g, '-');
}

app.post('/posts', (req, res, next) => {
  console.log('creating post');
  slugify(String(req.body.title));
  res.setHeader('X-Slug', slugify(String(req.body.title)));
  res.status(201).json({ ok: true });
  next();
});
`,
    },
    {
      name: 'not flagged: top-level main() of a CLI script, because it is not background work (no-floating-promises covers it)',
      code: `
async function main(): Promise<void> {
  const response = await fetch('https://api.example.com/migrate', { method: 'POST' });
  console.log(await response.text());
}

async function cleanup(): Promise<void> {
  await fetch('https://api.example.com/cleanup', { method: 'POST' });
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
cleanup();
`,
    },
    {
      name: 'BackgroundTask(s) run() calls are left to singular-background-task',
      code: `
import express from 'express';
import { BackgroundTask, BackgroundTasks } from './background/tasks.js';

const app = express();

async function audit(event: string): Promise<void> {
  await fetch('https://audit.example.com', { method: 'POST', body: event });
}

app.post('/audit', (req, res) => {
  const task = new BackgroundTask(audit, 'audit');
  void task.run();
  const tasks = new BackgroundTasks();
  tasks.addTask(audit, 'again');
  tasks.run();
  new BackgroundTask(audit, 'once more').run().finally(() => console.log('ran'));
  res.sendStatus(204);
});
`,
    },
    {
      name: 'timer callbacks guarded by try/catch, or synchronous',
      code: `
async function refreshRates(): Promise<void> {
  await fetch('https://rates.example.com/refresh', { method: 'POST' });
}

setInterval(async () => {
  try {
    await refreshRates();
  } catch (error) {
    console.error('refresh failed', error);
  }
}, 60_000);

setTimeout(() => console.log('warm'), 1_000);
setImmediate(async () => {
  await refreshRates().catch((error) => console.error(error));
});
queueMicrotask(() => {
  console.log('tick');
});
`,
    },
    {
      name: 'not flagged: an empty catch with a comment, because the comment marks the swallow as deliberate (as ESLint no-empty)',
      code: `
import { unlink } from 'node:fs/promises';
import express from 'express';
import { backgroundTasks } from './background/express.js';

const app = express();
app.use(backgroundTasks());

async function removeUpload(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch {
    // Already gone: another worker cleaned it up.
  }
}

app.delete('/uploads/:name', (req, res) => {
  req.backgroundTasks.addTask(removeUpload, \`/tmp/\${req.params.name}\`);
  res.sendStatus(204);
});
`,
    },
    {
      name: "not flagged: an empty catch or awaited .catch(() => {}) in a handler's own code, because it is not background work",
      code: `
import express from 'express';

const app = express();

async function loadPrefs(id: string): Promise<unknown> {
  const response = await fetch(\`https://prefs.example.com/\${id}\`);
  return response.json();
}

app.get('/prefs/:id', async (req, res) => {
  let prefs: unknown = {};
  try {
    prefs = JSON.parse(String(req.query.inline));
  } catch {}
  const remote = await loadPrefs(req.params.id).catch(() => undefined);
  res.json({ prefs, remote });
});
`,
    },
    {
      name: 'Fastify reply.send() and app.register() are thenables but not work in flight',
      code: `
import Fastify from 'fastify';
import { backgroundTasks } from './background/fastify.js';

const app = Fastify();
await app.register(backgroundTasks);

app.post('/ping', async (request, reply) => {
  reply.code(200).send({ pong: true });
  return reply;
});

app.get('/health', (request, reply) => {
  reply.send('ok');
});
`,
    },
    {
      name: 'a BullMQ processor that awaits and throws: BullMQ fails the job (D7.4)',
      code: `
import { Worker } from 'bullmq';

async function renderInvoice(id: string): Promise<Uint8Array> {
  const response = await fetch(\`https://invoices.example.com/\${id}\`);
  return new Uint8Array(await response.arrayBuffer());
}

export const worker = new Worker('invoices', async (job) => {
  if (!job.data.id) throw new Error('bad payload');
  await renderInvoice(String(job.data.id));
});
worker.on('error', (error) => console.error('worker error', error));
`,
    },
    {
      name: 'croner with a catch handler, node-cron and after(): the library catches the rejection',
      code: `
import { Cron } from 'croner';
import cron from 'node-cron';

async function nightly(): Promise<void> {
  await fetch('https://jobs.example.com/nightly', { method: 'POST' });
}

export const job = new Cron('0 3 * * *', { catch: (error: unknown) => console.error('nightly failed', error) }, async () => {
  await nightly();
});

cron.schedule('*/5 * * * *', async () => {
  await nightly();
});
`,
    },
    {
      name: 'Next.js route handler with after() and awaited work',
      code: `
import { after, NextResponse } from 'next/server';

async function logVisit(path: string): Promise<void> {
  await fetch('https://log.example.com', { method: 'POST', body: path });
}

export async function GET(request: Request) {
  const url = new URL(request.url);
  after(async () => {
    await logVisit(url.pathname);
  });
  return NextResponse.json({ ok: true });
}
`,
    },
    {
      name: 'a task that awaits inside try/catch and reports (D7.3)',
      code: `
import { Hono } from 'hono';
import { backgroundTasks } from './background/hono.js';

const app = new Hono();
app.use(backgroundTasks());

async function syncCrm(userId: string): Promise<void> {
  try {
    await fetch(\`https://crm.example.com/users/\${userId}\`, { method: 'PUT' });
  } catch (error) {
    console.error('crm sync failed', error);
    throw error;
  }
}

app.post('/users/:id', (c) => {
  c.var.backgroundTasks.addTask(syncCrm, c.req.param('id'));
  return c.json({ ok: true });
});
`,
    },
    {
      name: 'not flagged: a floating promise in a module function no handler or task calls, because it is not background work',
      code: `
async function seed(): Promise<void> {
  await fetch('https://api.example.com/seed', { method: 'POST' });
}

export function setup(): void {
  seed();
}
`,
    },
    {
      name: 'not flagged: a promise passed as an argument (waitUntil(p)), because the callee owns its rejection',
      code: `
import { Hono } from 'hono';

const app = new Hono();

async function flushLogs(): Promise<void> {
  await fetch('https://logs.example.com/flush', { method: 'POST' });
}

app.post('/ingest', (c) => {
  c.executionCtx.waitUntil(flushLogs().catch((error) => console.error(error)));
  c.executionCtx.waitUntil(flushLogs());
  return c.json({ ok: true });
});
`,
    },
    {
      name: 'not flagged: a listener on an application EventEmitter, because it is neither a handler nor a task (no-misused-promises covers async ones)',
      code: `
import { EventEmitter } from 'node:events';

export const bus = new EventEmitter();

async function indexOrder(id: string): Promise<void> {
  await fetch(\`https://search.example.com/orders/\${id}\`, { method: 'PUT' });
}

bus.on('order:created', (id: string) => {
  indexOrder(id);
});
`,
    },

    {
      name: 'precision: a logging helper whose whole body is a try/catch cannot reject, called without await or with void',
      code: `
import express from 'express';

const app = express();

async function logError(message: string, error: unknown): Promise<void> {
  try {
    await fetch('https://logs.example.com', { method: 'POST', body: JSON.stringify({ message, error: String(error) }) });
  } catch (failure) {
    console.error('log shipping failed', failure);
  }
}

app.post('/checkout', (req, res) => {
  logError('checkout started', null);
  void logError('checkout audited', null);
  res.sendStatus(202);
});
`,
    },
    {
      name: 'precision: an async function that only pushes to an array, and a guarded async IIFE',
      code: `
import express from 'express';

const app = express();
const pending: string[] = [];

async function remember(id: string): Promise<void> {
  pending.push(id);
}

async function publish(id: string): Promise<void> {
  await fetch('https://bus.example.com', { method: 'POST', body: id });
}

app.post('/orders/:id', (req, res) => {
  remember(req.params.id);
  (async () => {
    try {
      await publish(req.params.id);
    } catch (error) {
      console.error('publish failed', error);
    }
  })();
  res.sendStatus(202);
});
`,
    },
    {
      name: 'client code: timers and fetches in a "use client" component and in a hook only it imports are not server work',
      code: `
export const placeholder = true;
`,
      files: {
        'components/Poller.tsx': `
'use client';
import { useEffect } from 'react';
import { refresh } from '../lib/refresh';

async function loadStatus(): Promise<void> {
  await fetch('/api/status');
}

export function Poller() {
  useEffect(() => {
    const timer = window.setTimeout(async () => {
      await loadStatus();
    }, 1000);
    setInterval(async () => {
      await refresh();
    }, 5000);
    return () => window.clearTimeout(timer);
  }, []);
  return null;
}
`,
        'lib/refresh.ts': `
export async function refresh(): Promise<void> {
  await fetch('/api/refresh');
}

setTimeout(async () => {
  await refresh();
}, 10);
`,
      },
    },
    {
      name: 'Express 5: an async handler that awaits without try/catch is fine (Express 5 passes the rejection to next)',
      code: `
import express from 'express';

const app = express();

async function loadOrder(id: string): Promise<{ id: string }> {
  const response = await fetch(\`https://orders.example.com/\${id}\`);
  return { id: await response.text() };
}

app.get('/orders/:id', async (req, res) => {
  res.json(await loadOrder(req.params.id));
});
`,
      files: { 'package.json': JSON.stringify({ dependencies: { express: '^5.1.0' } }) },
    },
    {
      name: 'Express 4: handlers that catch and call next, wrapped in asyncHandler, or with express-async-errors are fine',
      code: `
import express, { type NextFunction, type Request, type Response } from 'express';
import asyncHandler from 'express-async-handler';

const app = express();

async function loadOrder(id: string): Promise<{ id: string }> {
  const response = await fetch(\`https://orders.example.com/\${id}\`);
  return { id: await response.text() };
}

app.get('/orders/:id', async (req: Request, res: Response, next: NextFunction) => {
  try {
    res.json(await loadOrder(req.params.id));
  } catch (error) {
    next(error);
  }
});

app.get('/orders/:id/summary', asyncHandler(async (req: Request, res: Response) => {
  res.json(await loadOrder(String(req.params.id)));
}));

app.get('/orders/:id/raw', async (req, res) => {
  try {
    res.json(await loadOrder(req.params.id));
  } catch (error) {
    res.status(500).json({ error: String(error) });
  }
});
`,
      files: { 'package.json': JSON.stringify({ dependencies: { express: '^4.21.2', 'express-async-handler': '^1.2.0' } }) },
    },
    {
      name: 'node-cron callbacks, BullMQ processors that throw and after() callbacks: the library catches their rejection',
      code: `
import { Worker } from 'bullmq';
import { schedule } from 'node-cron';
import { after } from 'next/server';

async function sync(): Promise<void> {
  await fetch('https://crm.example.com/sync', { method: 'POST' });
}

schedule('*/10 * * * *', () => sync());
export const worker = new Worker('sync', async () => {
  await sync();
  throw new Error('retry me');
});

export async function POST() {
  after(() => sync());
  return Response.json({ ok: true });
}
worker.on('error', (error) => console.error('worker error', error));
`,
    },

    {
      name: 'a class that reschedules itself: a method and a field arrow whose bodies are try/catch/finally cannot reject',
      code: `
export class PeriodicRunner {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly task: () => Promise<void>, private readonly everyMs: number) {}

  start(): void {
    this.timer = setTimeout(() => {
      this.runOnce();
    }, this.everyMs);
    setInterval(this.flush, this.everyMs);
  }

  private async runOnce(): Promise<void> {
    try {
      await this.task();
    } catch (error) {
      console.error('periodic task failed', error);
    } finally {
      this.start();
    }
  }

  private flush = async (): Promise<void> => {
    try {
      await fetch('https://metrics.example.com/flush', { method: 'POST' });
    } catch (error) {
      console.error('flush failed', error);
    }
  };
}
`,
    },

    {
      name: 'false alarms seen on real backends: untyped return res.json() in try/catch, a sleep, passport callbacks, .catch(() => {}) on what cannot reject',
      code: `
import express from 'express';
import passport from 'passport';
import { readFile } from 'node:fs/promises';

const app = express();
const timers = new Map<string, NodeJS.Timeout>();

async function appVersion(): Promise<string> {
  try {
    const text = await readFile('package.json', 'utf8');
    return JSON.parse(text).version;
  } catch {
    return '';
  }
}

async function track(event: string): Promise<void> {
  const version = await appVersion();
  console.log(event, version);
}

async function unregister(id: string): Promise<void> {
  const timer = timers.get(id);
  if (timer) clearTimeout(timer);
  timers.delete(id);
}

async function deliver(url: string): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
    try {
      await fetch(url);
      return;
    } catch (error) {
      console.error(error);
    }
  }
}

app.get('/items/:id', async (req: any, res: any, next: any) => {
  try {
    const item = await fetch(\`https://items.example.com/\${req.params.id}\`);
    return res.json(await item.json());
  } catch (error) {
    next(error);
  }
});

app.post('/login', (req, res, next) => {
  passport.authenticate('local', async (err: unknown, user: unknown) => {
    if (err || !user) return next(err);
    res.sendStatus(204);
  })(req, res, next);
});

app.post('/signup', (req, res) => {
  track('signup');
  setTimeout(() => {
    unregister(String(req.body.id)).catch(() => {});
  }, 60_000);
  setImmediate(async () => {
    try {
      await fetch('https://hooks.example.com');
    } catch {
      await deliver('https://callbacks.example.com');
    }
  });
  res.sendStatus(201);
});
`,
      files: { 'package.json': JSON.stringify({ dependencies: { express: '^4.21.2', passport: '^0.7.0' } }) },
    },

    {
      name: 'BullMQ workers with an error listener: chained, on the variable, on a class field, in another module, or handed on',
      code: `
import { Worker, type Job } from 'bullmq';
import { logger } from './logger.js';

async function send(job: Job): Promise<void> {
  await fetch('https://mail.example.com', { method: 'POST', body: JSON.stringify(job.data) });
}

export const chained = new Worker('a', send).on('error', (error) => logger.error(error));
const plain = new Worker('b', send);
plain.on('failed', (job, error) => logger.warn(error)).on('error', (error) => logger.error(error));
export const shared = new Worker('c', send);

export class Mailer {
  private readonly worker: Worker;
  constructor() {
    this.worker = new Worker('d', send);
    this.worker.on('error', (error) => logger.error(error));
  }
}

export const workers = [new Worker('e', send)];
export function start(register: (worker: Worker) => void): void {
  register(new Worker('f', send));
}
`,
      files: {
        'src/logger.ts': `
export const logger = { error: (error: unknown) => console.error(error), warn: (error: unknown) => console.warn(error) };
`,
        'src/main.ts': `
import { shared } from './app.js';
import { logger } from './logger.js';

shared.on('error', (error) => logger.error('worker c', error));
`,
      },
    },
    {
      name: 'BullMQ listeners that cannot reject, and a Worker from node:worker_threads',
      code: `
import { Worker as ThreadWorker } from 'node:worker_threads';
import { Queue, QueueEvents, Worker } from 'bullmq';

async function alert(message: string): Promise<void> {
  try {
    await fetch('https://alerts.example.com', { method: 'POST', body: message });
  } catch (error) {
    console.error('alert failed', error);
  }
}

export const worker = new Worker('jobs', async () => 'done');
worker.on('error', (error) => console.error(error));
worker.on('failed', async (job, error) => {
  await alert(\`job \${job?.id} failed: \${error.message}\`);
});
export const events = new QueueEvents('jobs');
events.on('completed', ({ jobId }) => void alert(\`completed \${jobId}\`));
export const queue = new Queue('jobs');
queue.on('error', (error) => console.error(error));
export const thread = new ThreadWorker('./thread.js');
`,
    },

    {
      name: 'more workers that have an error listener or go where the rule cannot follow: once/addListener, returned from a factory, a test file',
      code: `
import * as bullmq from 'bullmq';

async function process(job: bullmq.Job): Promise<void> {
  await fetch('https://api.example.com', { method: 'POST', body: JSON.stringify(job.data) });
}

export const once = new bullmq.Worker('a', process);
once.once('error', (error) => console.error(error));
const listened = new bullmq.Worker('b', process);
listened.addListener('error', (error) => console.error(error));

export function createWorker(name: string): bullmq.Worker {
  return new bullmq.Worker(name, process);
}

export class Consumer {
  private worker?: bullmq.Worker;
  start(): void {
    this.worker = new bullmq.Worker('c', process, { autorun: false });
    this.worker.on('error', (error) => console.error(error));
    void this.worker.run();
  }
}
`,
      files: {
        'src/worker.test.ts': `
import { Worker } from 'bullmq';

export const underTest = new Worker('test', async () => 'ok');
`,
      },
    },

    {
      name: 'BullMQ listeners that cannot reject: synchronous, a .catch that logs, a guarded named listener, a listener on a typed parameter',
      code: `
import { FlowProducer, QueueEvents, Worker, type Job } from 'bullmq';

async function alert(message: string): Promise<void> {
  await fetch('https://alerts.example.com', { method: 'POST', body: message });
}

async function onCompleted(job: Job): Promise<void> {
  try {
    await alert(\`done \${job.id}\`);
  } catch (error) {
    console.error('alert failed', error);
  }
}

export const worker = new Worker('jobs', async () => 'done');
worker.on('error', (error) => console.error(error));
worker.on('failed', (job, error) => console.error('failed', job?.id, error));
worker.on('completed', onCompleted);
worker.on('stalled', (jobId) => {
  alert(\`stalled \${jobId}\`).catch((error) => console.error('alert failed', error));
});

export function watch(events: QueueEvents, flows: FlowProducer): void {
  events.on('failed', ({ jobId }) => console.warn('failed', jobId));
  flows.on('error', (error) => console.error(error));
}
`,
    },
  ],
  invalid: [
    {
      name: 'plain floating call of an async function in an Express handler',
      code: `
import express from 'express';

const app = express();

async function sendWelcomeEmail(email: string): Promise<void> {
  await fetch('https://mail.example.com/send', { method: 'POST', body: email });
}

app.post('/signup', (req, res) => {
  sendWelcomeEmail(String(req.body.email));
  res.status(201).json({ ok: true });
});
`,
      errors: [{ messageId: 'floatingPromise', line: 11 }],
    },
    {
      name: 'floating call in an inline task with a block body',
      code: `
import express from 'express';
import { backgroundTasks } from './background/express.js';

const app = express();
app.use(backgroundTasks());

async function charge(orderId: string): Promise<void> {
  await fetch(\`https://pay.example.com/\${orderId}\`, { method: 'POST' });
}
async function notifySlack(text: string): Promise<void> {
  await fetch('https://hooks.slack.com/x', { method: 'POST', body: text });
}

app.post('/orders/:id', (req, res) => {
  const id = req.params.id;
  req.backgroundTasks.addTask(async () => {
    await charge(id);
    notifySlack(\`charged \${id}\`);
  });
  res.sendStatus(202);
});
`,
      errors: [{ messageId: 'floatingPromise', line: 19 }],
    },
    {
      name: 'floating call in a named task function',
      code: `
import Fastify from 'fastify';
import { backgroundTasks } from './background/fastify.js';

const app = Fastify();
await app.register(backgroundTasks);

async function pushToCrm(id: string): Promise<void> {
  await fetch(\`https://crm.example.com/\${id}\`, { method: 'PUT' });
}

async function syncUser(id: string): Promise<void> {
  console.log('syncing', id);
  pushToCrm(id);
}

app.post('/users/:id', async (request) => {
  request.backgroundTasks.addTask(syncUser, String(request.id));
  return { ok: true };
});
`,
      errors: [{ messageId: 'floatingPromise', line: 14 }],
    },
    {
      name: 'void hides the promise from the type checker, not from Node',
      code: `
import Fastify from 'fastify';

const app = Fastify();

async function sendWelcome(email: string): Promise<void> {
  await fetch('https://mail.example.com', { method: 'POST', body: email });
}

app.post('/signup', async (request, reply) => {
  void sendWelcome('new@example.com');
  return reply.code(201).send({ ok: true });
});
`,
      errors: [{ messageId: 'voidPromise', line: 11 }],
    },
    {
      name: '.then(f) without a rejection handler in a Hono handler',
      code: `
import { Hono } from 'hono';

const app = new Hono();

async function fetchProfile(id: string): Promise<{ name: string }> {
  const response = await fetch(\`https://profiles.example.com/\${id}\`);
  return { name: await response.text() };
}

app.get('/hello/:id', (c) => {
  fetchProfile(c.req.param('id')).then((profile) => console.log(profile.name));
  return c.text('hello');
});
`,
      errors: [{ messageId: 'thenWithoutCatch', line: 12 }],
    },
    {
      name: '.finally() only, and .catch() with no argument',
      code: `
import express from 'express';

const app = express();

async function publish(event: string): Promise<void> {
  await fetch('https://bus.example.com', { method: 'POST', body: event });
}

app.post('/events', (req, res) => {
  publish('created').finally(() => console.log('published'));
  publish('indexed').catch();
  res.sendStatus(202);
});
`,
      errors: [
        { messageId: 'floatingPromise', line: 11 },
        { messageId: 'floatingPromise', line: 12 },
      ],
    },
    {
      name: 'async setTimeout callback in a handler without try/catch',
      code: `
import express from 'express';

const app = express();

async function sendReminder(id: string): Promise<void> {
  await fetch(\`https://mail.example.com/remind/\${id}\`, { method: 'POST' });
}

app.post('/carts/:id', (req, res) => {
  setTimeout(async () => {
    await sendReminder(req.params.id);
  }, 60_000);
  res.sendStatus(204);
});
`,
      errors: [{ messageId: 'unguardedAsyncCallback', line: 11 }],
    },
    {
      name: 'async setImmediate, setInterval, queueMicrotask and process.nextTick callbacks at module scope',
      code: `
async function refreshRates(): Promise<void> {
  await fetch('https://rates.example.com/refresh', { method: 'POST' });
}

setImmediate(async () => refreshRates());
setInterval(refreshRates, 60_000);
queueMicrotask(async () => {
  await refreshRates();
});
process.nextTick(async () => {
  try {
    await refreshRates();
  } catch (error) {
    throw new Error('refresh failed', { cause: error });
  }
});
`,
      errors: [
        { messageId: 'unguardedAsyncCallback', line: 6 },
        { messageId: 'unguardedAsyncCallback', line: 7 },
        { messageId: 'unguardedAsyncCallback', line: 8 },
        { messageId: 'unguardedAsyncCallback', line: 11 },
      ],
    },
    {
      name: 'return p inside try does not catch p; a non-async timer callback returning a promise floats',
      code: `
async function sendReminder(id: string): Promise<void> {
  await fetch(\`https://mail.example.com/remind/\${id}\`, { method: 'POST' });
}

setTimeout(async () => {
  try {
    return sendReminder('a');
  } catch (error) {
    console.error(error);
  }
}, 1_000);
setTimeout(() => sendReminder('b'), 1_000);
`,
      errors: [
        { messageId: 'unguardedAsyncCallback', line: 6 },
        { messageId: 'floatingPromise', line: 13 },
      ],
    },
    {
      name: 'empty catch in a task',
      code: `
import express from 'express';
import { backgroundTasks } from './background/express.js';

const app = express();
app.use(backgroundTasks());

async function resizeAvatar(userId: string): Promise<void> {
  try {
    await fetch(\`https://images.example.com/resize/\${userId}\`, { method: 'POST' });
  } catch {}
}

app.put('/users/:id/avatar', (req, res) => {
  req.backgroundTasks.addTask(resizeAvatar, req.params.id);
  res.sendStatus(202);
});
`,
      errors: [{ messageId: 'emptyCatch', line: 11 }],
    },
    {
      name: '.catch(() => {}) and .then(ok, () => {}) in a task, and on a promise a handler leaves floating',
      code: `
import express from 'express';
import { backgroundTasks } from './background/express.js';

const app = express();
app.use(backgroundTasks());

async function deliverWebhook(url: string): Promise<void> {
  await fetch(url, { method: 'POST' });
}

async function fanOut(urls: string[]): Promise<void> {
  await deliverWebhook(urls[0] ?? '').catch(() => {});
  await deliverWebhook(urls[1] ?? '').then(() => console.log('sent'), () => {});
}

app.post('/hooks', (req, res) => {
  req.backgroundTasks.addTask(fanOut, ['https://a.example.com', 'https://b.example.com']);
  deliverWebhook('https://audit.example.com').catch(() => {});
  res.sendStatus(202);
});
`,
      errors: [
        { messageId: 'swallowedRejection', line: 13 },
        { messageId: 'swallowedRejection', line: 14 },
        { messageId: 'swallowedRejection', line: 19 },
      ],
    },
    {
      name: 'floating promise inside a BullMQ processor escapes its try/catch (taskforcesh/bullmq#1895)',
      code: `
import { Worker } from 'bullmq';

async function callModel(messages: string[]): Promise<string> {
  const response = await fetch('https://llm.example.com', { method: 'POST', body: JSON.stringify(messages) });
  return response.text();
}

export const worker = new Worker('chat', async (job) => {
  const messages: string[] = job.data.messages;
  callModel(messages);
  return { ok: true };
});
worker.on('error', (error) => console.error('worker error', error));
`,
      errors: [{ messageId: 'floatingPromise', line: 11 }],
    },
    {
      name: 'croner: a floating promise in the job, and an async job without a catch option',
      code: `
import { Cron } from 'croner';

async function purgeSessions(): Promise<void> {
  await fetch('https://api.example.com/sessions/purge', { method: 'POST' });
}

export const purge = new Cron('* * * * *', { catch: (error: unknown) => console.error(error) }, async () => {
  purgeSessions();
});

export const nightly = new Cron('0 3 * * *', async () => {
  await purgeSessions();
});

export const quiet = new Cron('0 4 * * *', { catch: true }, async () => {
  await purgeSessions();
});
`,
      errors: [
        { messageId: 'floatingPromise', line: 9 },
        { messageId: 'unguardedAsyncCallback', line: 12 },
        { messageId: 'swallowedRejection', line: 16 },
      ],
    },
    {
      name: 'Next.js route handler and a node-cron job with floating promises',
      code: `
import { NextResponse } from 'next/server';
import cron from 'node-cron';

async function track(event: string): Promise<void> {
  await fetch('https://analytics.example.com', { method: 'POST', body: event });
}

export async function POST(request: Request) {
  track(\`visit \${request.url}\`);
  return NextResponse.json({ ok: true });
}

cron.schedule('*/5 * * * *', () => {
  track('heartbeat');
});
`,
      errors: [
        { messageId: 'floatingPromise', line: 10 },
        { messageId: 'floatingPromise', line: 15 },
      ],
    },
    {
      name: 'a helper the handler awaits drops queue.add (novuhq/novu#12184)',
      code: `
import express from 'express';

const app = express();

class JobQueue {
  async add(name: string, data: unknown): Promise<void> {
    await fetch('https://redis.example.com', { method: 'POST', body: JSON.stringify({ name, data }) });
  }
}

class QueueService {
  private readonly queue = new JobQueue();

  add(name: string, data: unknown): void {
    this.queue.add(name, data);
  }
}

const service = new QueueService();

app.post('/events/trigger', async (req, res) => {
  service.add('trigger', req.body);
  res.json({ acknowledged: true });
});
`,
      errors: [{ messageId: 'floatingPromise', line: 16 }],
    },
    {
      name: 'forEach(async …), a promise array statement and a conditional call in a task',
      code: `
import express from 'express';
import { backgroundTasks } from './background/express.js';

const app = express();
app.use(backgroundTasks());

async function notify(userId: string): Promise<void> {
  await fetch(\`https://push.example.com/\${userId}\`, { method: 'POST' });
}

async function notifyAll(userIds: string[], urgent: boolean): Promise<void> {
  userIds.forEach(async (id) => {
    await notify(id);
  });
  userIds.map((id) => notify(id));
  urgent && notify('on-call');
}

app.post('/broadcast', (req, res) => {
  req.backgroundTasks.addTask(notifyAll, ['a', 'b'], true);
  res.sendStatus(202);
});
`,
      errors: [
        { messageId: 'floatingPromise', line: 13 },
        { messageId: 'floatingPromise', line: 16 },
        { messageId: 'floatingPromise', line: 17 },
      ],
    },
    {
      name: 'Fastify: only the floating work is reported, not reply.send()',
      code: `
import Fastify from 'fastify';

const app = Fastify();

async function audit(event: string): Promise<void> {
  await fetch('https://audit.example.com', { method: 'POST', body: event });
}

app.delete('/items/:id', (request, reply) => {
  audit(\`delete \${request.id}\`);
  reply.code(204).send();
});
`,
      errors: [{ messageId: 'floatingPromise', line: 11 }],
    },
    {
      name: 'a task in another module, and a swallowing catch in an after() callback',
      code: `
import express from 'express';
import { after, NextResponse } from 'next/server';
import { backgroundTasks } from './background/express.js';
import { sendReceipt } from './mail.js';

const app = express();
app.use(backgroundTasks());

app.post('/orders/:id', (req, res) => {
  req.backgroundTasks.addTask(sendReceipt, req.params.id);
  res.sendStatus(202);
});

export async function POST(request: Request) {
  after(() => {
    sendReceipt(request.url).catch(() => {});
  });
  return NextResponse.json({ ok: true });
}
`,
      files: {
        'src/mail.ts': `
async function post(url: string): Promise<void> {
  await fetch(url, { method: 'POST' });
}

export async function sendReceipt(orderId: string): Promise<void> {
  post(\`https://mail.example.com/receipts/\${orderId}\`);
  await post(\`https://mail.example.com/copies/\${orderId}\`);
}
`,
      },
      errors: [
        { messageId: 'swallowedRejection', line: 17 },
        { messageId: 'floatingPromise', line: 7 },
      ],
    },
    {
      name: 'Fastify onResponse hook: floating analytics call',
      code: `
import Fastify from 'fastify';

const app = Fastify();

async function recordTiming(url: string, ms: number): Promise<void> {
  await fetch('https://metrics.example.com', { method: 'POST', body: JSON.stringify({ url, ms }) });
}

app.addHook('onResponse', async (request, reply) => {
  recordTiming(request.url, reply.elapsedTime);
});
`,
      errors: [{ messageId: 'floatingPromise', line: 11 }],
    },

    {
      name: 'precision: a catch block that awaits a network call can reject (error reporting that fails in turn)',
      code: `
import express from 'express';

const app = express();

async function logError(message: string, error: unknown): Promise<void> {
  try {
    await fetch('https://logs.example.com', { method: 'POST', body: message });
  } catch (failure) {
    await fetch('https://alerts.example.com', { method: 'POST', body: String(failure) });
  }
}

app.post('/checkout', (req, res) => {
  logError('checkout started', null);
  res.sendStatus(202);
});

setInterval(async () => {
  try {
    await fetch('https://rates.example.com/refresh', { method: 'POST' });
  } catch (error) {
    await fetch('https://alerts.example.com', { method: 'POST', body: String(error) });
  }
}, 60_000);
`,
      errors: [
        { messageId: 'floatingPromise', line: 15, message: /^`logError\('checkout started', null\)` is not awaited or caught in POST \/checkout: a rejection crashes the process; await it or add a reporting `\.catch`\.$/ },
        { messageId: 'unguardedAsyncCallback', line: 19 },
      ],
    },
    {
      name: "croner: () => void job() drops a promise whose job's catch awaits a Redis call",
      code: `
import { Cron } from 'croner';

interface Store {
  set(key: string, value: string): Promise<void>;
}
declare const redis: Store;

async function syncInventory(): Promise<void> {
  try {
    await fetch('https://inventory.example.com/sync', { method: 'POST' });
  } catch (error) {
    await redis.set('inventory:last-error', String(error));
  }
}

export const job = new Cron('*/15 * * * *', { catch: (error: unknown) => console.error(error) }, () => void syncInventory());
export const direct = new Cron('0 * * * *', () => syncInventory());
`,
      errors: [
        { messageId: 'voidPromise', line: 17 },
        { messageId: 'unguardedAsyncCallback', line: 18, message: /^A croner job can reject and nothing catches it: .*; add a `catch` option/ },
      ],
    },
    {
      name: '@hono/zod-openapi: app.openapi(route, handler) with a floating queue.add two functions deep, app created in a factory',
      code: `
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { Queue } from 'bullmq';

const emails = new Queue('emails', { connection: { host: 'localhost' } });

const signupRoute = createRoute({
  method: 'post',
  path: '/signup',
  request: { body: { content: { 'application/json': { schema: z.object({ email: z.string() }) } } } },
  responses: { 201: { description: 'created' } },
});

function enqueueWelcome(email: string): void {
  emails.add('welcome', { email });
}

async function onboard(email: string): Promise<void> {
  enqueueWelcome(email);
}

export function createApp() {
  const app = new OpenAPIHono();
  app.openapi(signupRoute, async (c) => {
    const { email } = c.req.valid('json');
    await onboard(email);
    return c.json({ ok: true }, 201);
  });
  return app;
}
`,
      errors: [{ messageId: 'floatingPromise', line: 15, message: /^`emails\.add\('welcome', \{ email \}\)` is not awaited or caught in `enqueueWelcome\(\)`: a rejection crashes the process;/, pathLines: [24, 26, 19] }],
    },
    {
      name: 'Hono app.on(method, path, handler), Express router.route(path).get().post(), Fastify route({ handler }), an app in a class',
      code: `
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';

async function audit(event: string): Promise<void> {
  await fetch('https://audit.example.com', { method: 'POST', body: event });
}

const hono = new Hono();
hono.on('POST', '/hooks', (c) => {
  audit('hook');
  return c.text('ok');
});

const router = express.Router();
router.route('/items').get((req, res) => res.json([])).post((req, res) => {
  audit('item');
  res.sendStatus(201);
});

const fastify = Fastify();
fastify.route({
  method: 'DELETE',
  url: '/items/:id',
  handler: async () => {
    audit('deleted');
    return { ok: true };
  },
});

export class Server {
  private readonly app = express();
  constructor() {
    this.app.post('/ping', (req, res) => {
      audit('ping');
      res.send('pong');
    });
  }
}
`,
      errors: [
        { messageId: 'floatingPromise', line: 12, message: /in POST \/hooks:/ },
        { messageId: 'floatingPromise', line: 18, message: /in POST \/items:/ },
        { messageId: 'floatingPromise', line: 27, message: /in DELETE \/items\/:id:/ },
        { messageId: 'floatingPromise', line: 36, message: /in POST \/ping:/ },
      ],
    },
    {
      name: 'wrapped handler (withAuth(handler)), a call through a wrapper (withRetry(fn)(args)) and a wrapped processor',
      code: `
import express, { type Request, type Response } from 'express';
import { Worker } from 'bullmq';

type Handler = (req: Request, res: Response) => Promise<void> | void;

function withAuth(handler: Handler): Handler {
  return async (req, res) => {
    if (!req.headers.authorization) {
      res.sendStatus(401);
      return;
    }
    await handler(req, res);
  };
}

function withRetry<A extends unknown[]>(fn: (...args: A) => Promise<void>) {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch {
      await fn(...args);
    }
  };
}

function withTracing<T>(processor: (job: T) => Promise<void>) {
  return (job: T) => processor(job);
}

async function notify(userId: string): Promise<void> {
  await fetch(\`https://push.example.com/\${userId}\`, { method: 'POST' });
}

async function deliver(userId: string): Promise<void> {
  notify(userId);
}

const app = express();
app.post('/profile', withAuth(async (req, res) => {
  notify(String(req.body.id));
  res.sendStatus(204);
}));
app.post('/deliver', async (req, res) => {
  await withRetry(deliver)(String(req.body.id));
  res.sendStatus(202);
});

export const worker = new Worker('push', withTracing(async (job: { data: { userId: string } }) => {
  notify(job.data.userId);
}));
worker.on('error', (error) => console.error('worker error', error));
`,
      errors: [
        { messageId: 'floatingPromise', line: 36 },
        { messageId: 'floatingPromise', line: 41 },
        { messageId: 'floatingPromise', line: 50, message: /the `push` queue processor/ },
      ],
    },
    {
      name: 'a sandboxed processor file, a getNextJob loop, and cron CronJob.from (whose rejected onTick cron logs)',
      code: `
import { join } from 'node:path';
import { Worker } from 'bullmq';
import { CronJob } from 'cron';

async function report(name: string): Promise<void> {
  await fetch('https://reports.example.com', { method: 'POST', body: name });
}

export const sandboxed = new Worker('reports', join(import.meta.dirname, 'processors', 'report.js'));

export async function pullJobs(worker: Worker): Promise<void> {
  for (;;) {
    const job = await worker.getNextJob('token');
    if (job === undefined) continue;
    report(String(job.name));
  }
}

export const nightly = CronJob.from({
  cronTime: '0 3 * * *',
  onTick: async () => {
    report('nightly');
  },
  start: true,
});
// cron 4 catches a rejected onTick itself and logs it, as node-cron 4 does: not reported.
export const hourly = new CronJob('0 * * * *', async () => {
  await report('hourly');
}, null, true);
sandboxed.on('error', (error) => console.error('worker error', error));
`,
      files: {
        'src/processors/report.ts': `
async function render(name: string): Promise<void> {
  await fetch('https://render.example.com', { method: 'POST', body: name });
}

export default async function (job: { name: string }): Promise<void> {
  render(job.name);
}
`,
      },
      errors: [
        { messageId: 'floatingPromise', line: 16, message: /in the job loop `pullJobs`/ },
        { messageId: 'floatingPromise', line: 23, message: /in a `cron` job/ },
        { messageId: 'floatingPromise', line: 7, message: /in the `reports` queue processor/ },
      ],
    },
    {
      name: 'one root cause, one finding: the same unguarded function scheduled twice is reported where it is scheduled first',
      code: `
export async function refreshRates(): Promise<void> {
  await fetch('https://rates.example.com/refresh', { method: 'POST' });
}

setInterval(refreshRates, 60_000);
`,
      files: {
        'src/warmup.ts': `
import { refreshRates } from './app.js';

setTimeout(refreshRates, 1_000);
`,
      },
      errors: [{ messageId: 'unguardedAsyncCallback', line: 6, message: /\(also at src\/warmup\.ts:4\)/, relatedLines: [4] }],
    },
    {
      name: 'Express 4: an async handler whose awaited work can reject outside a try/catch that calls next',
      code: `
import express from 'express';

const app = express();

async function loadOrder(id: string): Promise<{ id: string }> {
  const response = await fetch(\`https://orders.example.com/\${id}\`);
  return { id: await response.text() };
}

app.get('/orders/:id', async (req, res) => {
  res.json(await loadOrder(req.params.id));
});

app.post('/orders/:id/refund', async (req, res, next) => {
  try {
    await loadOrder(req.params.id);
  } catch (error) {
    console.error(error);
  }
  res.sendStatus(202);
});

declare const db: { begin(): Promise<void>; commit(): Promise<void>; rollback(): Promise<void>; release(): Promise<void> };

app.post('/orders', async (req, res, next) => {
  try {
    await db.begin();
    await db.commit();
    res.sendStatus(201);
  } catch (error) {
    await db.rollback();
    next(error);
  } finally {
    await db.release();
  }
});
`,
      files: { 'package.json': JSON.stringify({ dependencies: { express: '~4.18.2' } }) },
      errors: [
        { messageId: 'unhandledExpress4Handler', line: 12, message: /^Express 4 ignores what GET \/orders\/:id returns: a rejection here crashes the process and hangs the request/, pathLines: [11] },
        { messageId: 'unhandledExpress4Handler', line: 17 },
        { messageId: 'unhandledExpress4Handler', line: 32, message: /POST \/orders returns: a rejection here/ },
      ],
    },
    {
      name: 'messages fit the place: Next.js logs, a registered unhandledRejection handler, addTask where the runtime is installed',
      code: `
import express from 'express';
import { backgroundTasks } from './background/express.js';

const app = express();
app.use(backgroundTasks());

process.on('unhandledRejection', (reason) => console.error('unhandled', reason));

async function sendEmail(to: string): Promise<void> {
  await fetch('https://mail.example.com', { method: 'POST', body: to });
}

app.post('/invite', (req, res) => {
  sendEmail(String(req.body.email));
  res.sendStatus(202);
});
`,
      files: {
        'app/api/invite/route.ts': `
async function sendEmail(to: string): Promise<void> {
  await fetch('https://mail.example.com', { method: 'POST', body: to });
}

export async function POST(request: Request) {
  sendEmail(await request.text());
  return Response.json({ ok: true });
}
`,
        'app/actions.ts': `
'use server';

async function sendEmail(to: string): Promise<void> {
  await fetch('https://mail.example.com', { method: 'POST', body: to });
}

export async function invite(formData: FormData) {
  sendEmail(String(formData.get('email')));
}
`,
      },
      errors: [
        { messageId: 'floatingPromise', line: 15, message: /reaches only the unhandledRejection handler; use `addTask` or a reporting `\.catch`\.$/ },
        { messageId: 'floatingPromise', line: 7, message: /in POST \/api\/invite: a rejection is logged by Next\.js, then lost; use `after\(\)`/ },
        { messageId: 'floatingPromise', line: 9, message: /in server action invite: a rejection is logged by Next\.js/ },
      ],
    },

    {
      name: 'a class field arrow given to setInterval that can reject',
      code: `
export class Flusher {
  start(): void {
    setInterval(this.flush, 10_000);
  }

  private flush = async (): Promise<void> => {
    await fetch('https://metrics.example.com/flush', { method: 'POST' });
  };
}
`,
      errors: [{ messageId: 'unguardedAsyncCallback', line: 4 }],
    },

    {
      name: 'BullMQ workers with no error listener anywhere, and an async failed listener that can reject',
      code: `
import { Worker, type Job } from 'bullmq';

async function send(job: Job): Promise<void> {
  await fetch('https://mail.example.com', { method: 'POST', body: JSON.stringify(job.data) });
}

export const emails = new Worker('emails', send);
emails.on('completed', (job) => console.log('sent', job.id));

new Worker('receipts', send, { connection: { host: 'localhost' } });

export class Invoices {
  private worker = new Worker('invoices', send);
  async stop(): Promise<void> {
    await this.worker.close();
  }
}

emails.on('failed', async (job, error) => {
  await fetch('https://alerts.example.com', { method: 'POST', body: String(error) });
});
`,
      errors: [
        { messageId: 'workerWithoutErrorListener', line: 8, message: /^This BullMQ `Worker` has no `error` listener/ },
        { messageId: 'workerWithoutErrorListener', line: 11 },
        { messageId: 'workerWithoutErrorListener', line: 14 },
        { messageId: 'unguardedAsyncCallback', line: 20, message: /^A `failed` listener can reject/ },
      ],
    },

    {
      name: 'more workers without an error listener: a namespace import, require(), assigned in a constructor or later, exported and only listened to for failures elsewhere',
      code: `
import * as bullmq from 'bullmq';

async function process(job: bullmq.Job): Promise<void> {
  await fetch('https://api.example.com', { method: 'POST', body: JSON.stringify(job.data) });
}

export const exported = new bullmq.Worker('a', process);

export class Consumer {
  private readonly worker: bullmq.Worker;
  constructor() {
    this.worker = new bullmq.Worker('b', process);
    this.worker.on('completed', (job) => console.log(job.id));
  }
}

let late: bullmq.Worker | undefined;
export function start(): void {
  late = new bullmq.Worker('c', process);
}
export async function stop(): Promise<void> {
  await late?.close();
}
`,
      files: {
        'src/main.ts': `
import { exported } from './app.js';

exported.on('failed', (job, error) => console.error(job?.id, error));
`,
        'src/legacy.cts': `
const { Worker } = require('bullmq');

export const legacy = new Worker('d', async () => 'done');
legacy.on('completed', () => console.log('done'));
`,
      },
      errors: [
        { messageId: 'workerWithoutErrorListener', line: 8 },
        { messageId: 'workerWithoutErrorListener', line: 13 },
        { messageId: 'workerWithoutErrorListener', line: 20 },
        { messageId: 'workerWithoutErrorListener', line: 4 },
      ],
    },

    {
      name: 'more BullMQ listeners that can reject: once, QueueEvents, Queue, FlowProducer, a named listener, an expression body, a typed parameter, a catch that awaits',
      code: `
import { FlowProducer, Queue, QueueEvents, Worker, type Job } from 'bullmq';

async function alert(message: string): Promise<void> {
  await fetch('https://alerts.example.com', { method: 'POST', body: message });
}

async function onCompleted(job: Job): Promise<void> {
  await alert(\`done \${job.id}\`);
}

export const worker = new Worker('jobs', async () => 'done');
worker.on('error', (error) => console.error(error));
worker.once('completed', async (job) => {
  await alert(\`first job \${job.id}\`);
});
worker.on('completed', onCompleted);
worker.on('failed', (job, error) => alert(String(error)));
worker.on('stalled', async (jobId) => {
  try {
    await alert(\`stalled \${jobId}\`);
  } catch {
    await alert('alerting failed');
  }
});

export const events = new QueueEvents('jobs');
events.on('failed', async ({ jobId }) => {
  await alert(\`failed \${jobId}\`);
});
export const queue = new Queue('jobs');
queue.on('waiting', async (job) => {
  await alert(\`waiting \${job.id}\`);
});
export const flows = new FlowProducer();
flows.on('error', async (error) => {
  await alert(String(error));
});

export function watch(other: Worker): void {
  other.on('failed', async () => {
    await alert('other failed');
  });
}
`,
      errors: [
        { messageId: 'unguardedAsyncCallback', line: 14, message: /^A `completed` listener can reject/ },
        { messageId: 'unguardedAsyncCallback', line: 17 },
        { messageId: 'floatingPromise', line: 18 },
        { messageId: 'unguardedAsyncCallback', line: 19 },
        { messageId: 'unguardedAsyncCallback', line: 28 },
        { messageId: 'unguardedAsyncCallback', line: 32 },
        { messageId: 'unguardedAsyncCallback', line: 36 },
        { messageId: 'unguardedAsyncCallback', line: 41 },
      ],
    },
  ],
});
