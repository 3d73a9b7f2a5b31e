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
    await fetch('https://alerts.example.com', { method: 'POST', body: String(error) });
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
  ],
});
