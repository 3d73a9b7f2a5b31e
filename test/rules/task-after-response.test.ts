import rule from '../../src/rules/task-after-response.js';
import { ruleTester } from '../helpers/rule-tester.js';

const expressHeader = `
import express from 'express';
import { backgroundTasks } from './background/express.js';

const app = express();
app.use(express.json());
app.use(backgroundTasks());

async function sendReceipt(email: string): Promise<void> {
  await fetch('https://mail.example.com/send', { method: 'POST', body: email });
}
`;
// Lines 2-12 above; a case's own code starts on line 13.

const fastifyHeader = `
import Fastify from 'fastify';
import { backgroundTasks } from './background/fastify.js';

const app = Fastify();
await app.register(backgroundTasks);

async function audit(event: string): Promise<void> {
  await fetch('https://audit.example.com', { method: 'POST', body: event });
}
`;
// Lines 2-10 above; a case's own code starts on line 12.

ruleTester(rule, {
  valid: [
    {
      name: 'task added before res.json()',
      code: `${expressHeader}
app.post('/orders', async (req, res) => {
  const order = { id: crypto.randomUUID(), email: String(req.body.email) };
  req.backgroundTasks.addTask(sendReceipt, order.email);
  res.status(201).json(order);
});
`,
    },
    {
      name: 'res.status(), set(), setHeader() and write() do not end the response',
      code: `${expressHeader}
app.get('/export', (req, res) => {
  res.status(200);
  res.set('Content-Type', 'text/csv');
  res.setHeader('Cache-Control', 'no-store');
  res.write('id,email\\n');
  req.backgroundTasks.addTask(sendReceipt, 'ops@example.com');
  res.end();
});
`,
    },
    {
      name: 'branches that respond and return do not reach the task',
      code: `${expressHeader}
app.post('/orders/:id/refund', async (req, res) => {
  if (!req.params.id) return res.status(400).json({ error: 'missing id' });
  if (req.query.dryRun) {
    res.sendStatus(204);
    return;
  }
  if (req.query.legacy) {
    return void res.redirect(308, '/v2/refunds');
  }
  req.backgroundTasks.addTask(sendReceipt, String(req.body.email));
  res.json({ refunded: true });
});
`,
    },
    {
      name: 'Fastify: a `return reply.send()` branch, then a task, then the reply',
      code: `${fastifyHeader}
app.post<{ Body: { id?: string } }>('/orders', async (request, reply) => {
  if (request.body.id === undefined) {
    return reply.code(400).send({ error: 'id is required' });
  }
  request.backgroundTasks.addTask(audit, 'order ' + request.body.id);
  return reply.code(201).send({ id: request.body.id });
});
`,
    },
    {
      name: 'Fastify: an async handler that returns its payload',
      code: `${fastifyHeader}
app.get('/health', async (request) => {
  request.backgroundTasks.addTask(audit, 'health');
  return { ok: true };
});

app.route({
  method: 'POST',
  url: '/ping',
  handler: async (request, reply) => {
    request.backgroundTasks.addTask(audit, 'ping');
    reply.send({ pong: true });
  },
});
`,
    },
    {
      name: 'try/catch: the catch adds a task before responding; the try responds last',
      code: `${expressHeader}
async function saveOrder(body: unknown): Promise<{ id: string; email: string }> {
  return { id: '1', email: String(body) };
}
async function reportError(error: unknown): Promise<void> {
  console.error(error);
}

app.post('/orders', async (req, res) => {
  try {
    const order = await saveOrder(req.body);
    req.backgroundTasks.addTask(sendReceipt, order.email);
    res.status(201).json(order);
  } catch (error) {
    req.backgroundTasks.addTask(reportError, error);
    res.status(500).json({ error: 'could not save the order' });
  }
});
`,
    },
    {
      name: 'switch whose responding cases all return',
      code: `${expressHeader}
app.post('/webhooks/:kind', (req, res) => {
  switch (req.params.kind) {
    case 'ping':
      return res.sendStatus(200);
    case 'order':
      req.backgroundTasks.addTask(sendReceipt, String(req.body.email));
      break;
    default:
      res.status(404).end();
      return;
  }
  res.sendStatus(202);
});
`,
    },
    {
      name: 'loop that returns when it responds',
      code: `${expressHeader}
app.post('/batch', (req, res) => {
  const emails: string[] = req.body.emails;
  for (const email of emails) {
    if (!email.includes('@')) {
      return res.status(400).json({ error: 'bad email', email });
    }
  }
  for (const email of emails) req.backgroundTasks.addTask(sendReceipt, email);
  res.status(202).json({ queued: emails.length });
});
`,
    },
    {
      name: 'helper that adds tasks, called before responding (another module)',
      files: {
        'src/notifications.ts': `
import type { Request } from 'express';

async function sendSms(phone: string): Promise<void> {
  await fetch('https://sms.example.com', { method: 'POST', body: phone });
}

export function scheduleNotifications(req: Request, phone: string): void {
  req.backgroundTasks.addTask(sendSms, phone);
}
`,
      },
      code: `${expressHeader}
import { scheduleNotifications } from './notifications.js';

app.post('/signup', (req, res) => {
  scheduleNotifications(req, String(req.body.phone));
  res.status(201).json({ ok: true });
});
`,
    },
    {
      name: 'awaited continuations run before the handler responds',
      code: `${expressHeader}
async function saveItem(item: string): Promise<string> {
  return item;
}

app.post('/items', async (req, res) => {
  const items: string[] = req.body.items;
  await saveItem(items[0] ?? '').then((saved) => req.backgroundTasks.addTask(sendReceipt, saved));
  await Promise.all(items.map((item) => saveItem(item).then((saved) => req.backgroundTasks.addTask(sendReceipt, saved))));
  const last = await saveItem('last').finally(() => {
    req.backgroundTasks.addTask(sendReceipt, 'ops@example.com');
  });
  res.json({ last });
});
`,
    },
    {
      name: 'Express: an un-awaited continuation that adds its task and then responds itself',
      code: `${expressHeader}
async function loadOrder(id: string): Promise<{ id: string; email: string }> {
  return { id, email: 'a@example.com' };
}

app.get('/orders/:id', (req, res, next) => {
  loadOrder(req.params.id)
    .then((order) => {
      req.backgroundTasks.addTask(sendReceipt, order.email);
      res.json(order);
    })
    .catch(next);
});
`,
    },
    {
      name: 'Express long poll: a timer that adds its task and then responds',
      code: `${expressHeader}
app.get('/poll', (req, res) => {
  const timer = setTimeout(() => {
    req.backgroundTasks.addTask(sendReceipt, 'timeout@example.com');
    res.status(204).end();
  }, 25_000);
  req.on('close', () => clearTimeout(timer));
});
`,
    },
    {
      name: 'a `res` of a nested callback is not the handler response',
      code: `${expressHeader}
app.get('/rates', async (req, res) => {
  const rates = await fetch('https://rates.example.com').then((res) => res.json());
  req.backgroundTasks.addTask(sendReceipt, 'rates@example.com');
  res.json(rates);
});
`,
    },
    {
      name: 'Hono: a Response built but not yet returned has not been sent',
      code: `
import { Hono } from 'hono';
import { backgroundTasks } from './background/hono.js';

const app = new Hono();
app.use(backgroundTasks());

async function indexDocument(id: string): Promise<void> {
  await fetch('https://search.example.com/index/' + id, { method: 'POST' });
}

app.post('/documents/:id', async (c) => {
  const response = c.json({ accepted: true }, 202);
  c.var.backgroundTasks.addTask(indexDocument, c.req.param('id'));
  c.get('backgroundTasks').addTask(indexDocument, 'audit');
  return response;
});
`,
    },
    {
      name: 'Next.js route handler using after(), nested after() included',
      code: `
import { after } from 'next/server';

async function logEvent(name: string): Promise<void> {
  await fetch('https://log.example.com', { method: 'POST', body: name });
}

export async function POST(request: Request): Promise<Response> {
  const body = (await request.json()) as { event: string };
  const response = Response.json({ ok: true });
  after(async () => {
    await logEvent(body.event);
    after(() => logEvent('nested'));
  });
  return response;
}
`,
    },
    {
      name: 'a task that calls the follow-up work directly instead of adding a task',
      code: `${expressHeader}
async function checkOrderStatus(orderId: string, email: string): Promise<void> {
  const status = await fetch('https://orders.example.com/' + orderId).then((r) => r.text());
  if (status === 'pending') await sendReceipt(email);
}

app.post('/orders/:id/status', (req, res) => {
  req.backgroundTasks.addTask(checkOrderStatus, req.params.id, String(req.body.email));
  res.json({ message: 'Status check scheduled' });
});
`,
    },
    {
      name: 'not flagged: a task that adds to a collection it created itself, because the response does not seal it (singular-background-task reports a hand-made collection)',
      code: `${expressHeader}
import { BackgroundTasks } from './background/tasks.js';

async function fanOut(emails: string[]): Promise<void> {
  const batch = new BackgroundTasks();
  for (const email of emails) batch.addTask(sendReceipt, email);
  await batch.run();
}

app.post('/newsletter', (req, res) => {
  req.backgroundTasks.addTask(fanOut, req.body.emails as string[]);
  res.sendStatus(202);
});
`,
    },
    {
      name: "not flagged: `addTask` of another library's scheduler, because its type is not the runtime's BackgroundTasks",
      code: `${expressHeader}
class Scheduler {
  readonly pending: (() => void)[] = [];
  addTask(fn: () => void): void {
    this.pending.push(fn);
  }
}
const scheduler = new Scheduler();

app.post('/reports', (req, res) => {
  res.sendStatus(202);
  scheduler.addTask(() => console.log('report requested'));
});
`,
    },
    {
      name: "not flagged: awaited work after responding, because no task is added (that is B1.4's serverless problem, not this rule's)",
      code: `${expressHeader}
app.post('/forgot-password', async (req, res) => {
  res.status(204).send();
  await sendReceipt(String(req.body.email));
});
`,
    },
    {
      name: 'listeners and timers that add no tasks',
      code: `${expressHeader}
app.use((req, res, next) => {
  const started = Date.now();
  res.on('finish', () => console.log(req.method, req.path, Date.now() - started));
  req.backgroundTasks.addTask(sendReceipt, 'audit@example.com');
  next();
});
`,
    },
    {
      name: 'handler referenced by name from another module adds before responding',
      files: {
        'src/routes/orders.ts': `
import type { Request, Response } from 'express';

async function sendInvoice(orderId: string): Promise<void> {
  await fetch('https://billing.example.com/' + orderId, { method: 'POST' });
}

export async function createOrder(req: Request, res: Response): Promise<void> {
  const id = crypto.randomUUID();
  req.backgroundTasks.addTask(sendInvoice, id);
  res.status(201).json({ id });
}
`,
      },
      code: `${expressHeader}
import { createOrder } from './routes/orders.js';

app.post('/orders', createOrder);
`,
    },
    {
      name: "Express: a request 'end' listener that adds its task and then responds",
      code: `${expressHeader}
app.post('/upload', (req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => {
    body += chunk.toString();
  });
  req.on('end', () => {
    req.backgroundTasks.addTask(sendReceipt, body);
    res.status(202).end();
  });
});
`,
    },
    {
      name: 'Fastify: an async handler that returns `reply` and sends from a callback',
      code: `${fastifyHeader}
app.get('/slow', async (request, reply) => {
  setImmediate(() => {
    request.backgroundTasks.addTask(audit, 'slow');
    reply.send({ hello: 'world' });
  });
  return reply;
});
`,
    },
    {
      name: 'Hono: middleware that adds a task after `await next()`, before the adapter seals the collection',
      code: `
import { Hono } from 'hono';
import { backgroundTasks } from './background/hono.js';

const app = new Hono();
app.use(backgroundTasks());

async function recordTiming(path: string, ms: number): Promise<void> {
  await fetch('https://metrics.example.com', { method: 'POST', body: path + ms });
}

app.use(async (c, next) => {
  const started = Date.now();
  await next();
  c.var.backgroundTasks.addTask(recordTiming, c.req.path, Date.now() - started);
});
`,
    },
    {
      name: 'not flagged: a response sent inside a helper the handler calls, because helpers often respond on only some paths (`if (!validate(req, res)) return;`)',
      code: `${expressHeader}
import type { Request, Response } from 'express';

function validate(req: Request, res: Response): boolean {
  if (typeof req.body.email !== 'string') {
    res.status(400).json({ error: 'email is required' });
    return false;
  }
  return true;
}

app.post('/signup', (req, res) => {
  if (!validate(req, res)) return;
  req.backgroundTasks.addTask(sendReceipt, String(req.body.email));
  res.status(201).json({ ok: true });
});
`,
    },
    {
      name: 'a continuation kept in a variable and awaited before responding',
      code: `${expressHeader}
async function saveOrder(body: unknown): Promise<string> {
  return String(body);
}

app.post('/orders', async (req, res) => {
  const saved = saveOrder(req.body).then((id) => {
    req.backgroundTasks.addTask(sendReceipt, id);
    return id;
  });
  const id = await saved;
  res.status(201).json({ id });
});
`,
    },
    {
      name: 'error middleware that adds its task before responding; an onResponse hook that does the work itself',
      code: `${expressHeader}
import type { NextFunction, Request, Response } from 'express';
import Fastify from 'fastify';

async function reportError(message: string): Promise<void> {
  await fetch('https://errors.example.com', { method: 'POST', body: message });
}

app.use((err: Error, req: Request, res: Response, _next: NextFunction) => {
  req.backgroundTasks.addTask(reportError, err.message);
  res.status(500).json({ error: 'internal error' });
});

const fastify = Fastify();
fastify.addHook('onResponse', async (request, reply) => {
  await reportError(request.url + ' ' + reply.statusCode);
});
`,
    },

    {
      name: 'enqueued before responding, returned with the response (Hono), a Next.js after() inside a route handler, a server action and another after()',
      code: `
import express from 'express';
import { Hono } from 'hono';
import { Queue } from 'bullmq';
import { after } from 'next/server';

const emails = new Queue('emails');
const app = express();

app.post('/signup', async (req, res) => {
  await emails.add('welcome', { email: String(req.body.email) });
  res.status(202).json({ queued: true });
});

const hono = new Hono();
hono.post('/signup', async (c) => {
  await emails.add('welcome', { email: 'a@example.com' });
  return c.json({ queued: true }, 202);
});

export async function POST(request: Request) {
  const body = await request.text();
  after(async () => {
    await emails.add('audit', { body });
    after(() => console.log('audited'));
  });
  return Response.json({ ok: true });
}
`,
    },
    {
      name: 'a Queue from another package, and res.json() in a branch that returns before the enqueue',
      code: `
import express from 'express';
import PQueue from 'p-queue';
import { Queue } from 'bullmq';

const local = new PQueue({ concurrency: 2 });
const jobs = new Queue('jobs');
const app = express();

app.post('/work', async (req, res) => {
  if (!req.body) {
    res.status(400).json({ error: 'empty' });
    return;
  }
  await jobs.add('work', { id: String(req.body.id) });
  res.sendStatus(202);
  await local.add(async () => console.log('local work'));
});
`,
    },

    {
      name: 'more enqueues that come before the response: a helper awaited first, Fastify returning reply after add, a redirect after add, a FlowProducer',
      code: `
import express from 'express';
import Fastify from 'fastify';
import { FlowProducer, Queue } from 'bullmq';

const reports = new Queue('reports');
const flows = new FlowProducer();
const app = express();

async function queueReport(id: string): Promise<void> {
  await reports.add('report', { id });
}

app.post('/reports/:id', async (req, res) => {
  await queueReport(req.params.id);
  res.sendStatus(202);
});

app.post('/reports/:id/redirect', async (req, res) => {
  await flows.add({ name: 'render', queueName: 'reports', data: { id: req.params.id } });
  res.redirect(303, \`/reports/\${req.params.id}\`);
});

const fastify = Fastify();
fastify.post('/reports', async (request, reply) => {
  await reports.addBulk([{ name: 'report', data: {} }]);
  return reply.code(202).send({ queued: true });
});
`,
    },

    {
      name: 'after() with a request in scope: middleware, a server component, a server action, and a helper the rule cannot place',
      code: `
'use server';
import { after } from 'next/server';

export function middleware(request: Request) {
  after(() => console.log('visited', request.url));
  return Response.json({ ok: true });
}

export default async function Page() {
  after(() => console.log('rendered'));
  return null;
}

export async function saveDraft(formData: FormData) {
  after(() => console.log('saved', formData.get('id')));
}

export function logLater(message: string): void {
  after(() => console.log(message));
}
`,
    },
  ],
  invalid: [
    {
      name: 'Express: task after res.status().json()',
      code: `${expressHeader}
app.post('/orders', async (req, res) => {
  const order = { id: crypto.randomUUID(), email: String(req.body.email) };
  res.status(201).json(order);
  req.backgroundTasks.addTask(sendReceipt, order.email);
});
`,
      errors: [{ messageId: 'afterResponse', line: 16 }],
    },
    {
      name: 'Express: every response-ending method',
      code: `${expressHeader}
app.get('/a', (req, res) => {
  res.send('ok');
  req.backgroundTasks.addTask(sendReceipt, 'a');
});
app.get('/b', (req, res) => {
  res.end();
  req.backgroundTasks.addTask(sendReceipt, 'b');
});
app.get('/c', (req, res) => {
  res.redirect('/login');
  req.backgroundTasks.addTask(sendReceipt, 'c');
});
app.get('/d', (req, res) => {
  res.sendStatus(204);
  req.backgroundTasks.addTask(sendReceipt, 'd');
});
app.get('/e', (req, res) => {
  res.render('home', { title: 'Home' });
  req.backgroundTasks.addTask(sendReceipt, 'e');
});
app.get('/f', (req, res) => {
  res.sendFile('/srv/report.pdf');
  req.backgroundTasks.addTask(sendReceipt, 'f');
});
app.get('/g', (req, res) => {
  res.download('/srv/report.pdf');
  req.backgroundTasks.addTask(sendReceipt, 'g');
});
app.get('/h', (req, res) => {
  res.jsonp({ ok: true });
  req.backgroundTasks.addTask(sendReceipt, 'h');
});
`,
      errors: [
        { messageId: 'afterResponse', line: 15 },
        { messageId: 'afterResponse', line: 19 },
        { messageId: 'afterResponse', line: 23 },
        { messageId: 'afterResponse', line: 27 },
        { messageId: 'afterResponse', line: 31 },
        { messageId: 'afterResponse', line: 35 },
        { messageId: 'afterResponse', line: 39 },
        { messageId: 'afterResponse', line: 43 },
      ],
    },
    {
      name: 'Fastify: send, redirect, callNotFound and hijack',
      code: `${fastifyHeader}
app.post('/a', async (request, reply) => {
  reply.code(201).send({ ok: true });
  request.backgroundTasks.addTask(audit, 'a');
  return reply;
});
app.get('/b', async (request, reply) => {
  reply.redirect('/login');
  request.backgroundTasks.addTask(audit, 'b');
  return reply;
});
app.get('/c', async (request, reply) => {
  reply.callNotFound();
  request.backgroundTasks.addTask(audit, 'c');
  return reply;
});
app.get('/d', async (request, reply) => {
  reply.hijack();
  request.backgroundTasks.addTask(audit, 'd');
  reply.raw.end('raw');
});
`,
      errors: [
        { messageId: 'afterResponse', line: 14 },
        { messageId: 'afterResponse', line: 19 },
        { messageId: 'afterResponse', line: 24 },
        { messageId: 'afterResponse', line: 29 },
      ],
    },
    {
      name: 'Fastify: a branch that sends without returning falls through to the task',
      code: `${fastifyHeader}
app.post<{ Body: { id?: string } }>('/orders', async (request, reply) => {
  if (request.body.id === undefined) {
    reply.code(400).send({ error: 'id is required' });
  }
  request.backgroundTasks.addTask(audit, 'order');
  return reply.send({ ok: true });
});
`,
      errors: [{ messageId: 'afterResponse', line: 16 }],
    },
    {
      name: 'Express: a branch that responds without returning falls through to the task',
      code: `${expressHeader}
app.post('/signup', (req, res) => {
  if (typeof req.body.email !== 'string') {
    res.status(400).json({ error: 'email is required' });
  }
  req.backgroundTasks.addTask(sendReceipt, req.body.email);
  res.status(201).json({ ok: true });
});
`,
      errors: [{ messageId: 'afterResponse', line: 17 }],
    },
    {
      name: 'try/catch: the catch can start after the try responded; finally runs after it',
      code: `${expressHeader}
async function reportError(error: unknown): Promise<void> {
  console.error(error);
}
async function recordMetric(name: string): Promise<void> {
  await fetch('https://metrics.example.com/' + name, { method: 'POST' });
}

app.post('/orders', async (req, res) => {
  try {
    res.status(201).json({ ok: true });
    await recordMetric('orders.created');
  } catch (error) {
    req.backgroundTasks.addTask(reportError, error);
    res.end();
  }
});

app.get('/report', async (req, res) => {
  try {
    res.sendFile('/srv/report.pdf');
  } finally {
    req.backgroundTasks.addTask(recordMetric, 'report.downloaded');
  }
});
`,
      errors: [
        { messageId: 'afterResponse', line: 25 },
        { messageId: 'afterResponse', line: 34 },
      ],
    },
    {
      name: 'switch: a case that responds and breaks reaches the task after the switch',
      code: `${expressHeader}
app.post('/webhooks/:kind', (req, res) => {
  switch (req.params.kind) {
    case 'ping':
      res.sendStatus(200);
      break;
    case 'order':
      break;
    default:
      return res.sendStatus(404);
  }
  req.backgroundTasks.addTask(sendReceipt, String(req.body.email));
  res.sendStatus(202);
});
`,
      errors: [{ messageId: 'afterResponse', line: 23 }],
    },
    {
      name: 'loops: a response in one iteration reaches tasks in the next, and a break carries it out',
      code: `${expressHeader}
app.post('/batch', (req, res) => {
  const emails: string[] = req.body.emails;
  for (const email of emails) {
    if (!email.includes('@')) {
      res.status(400).json({ error: 'bad email', email });
      break;
    }
  }
  req.backgroundTasks.addTask(sendReceipt, 'ops@example.com');
});

app.post('/batch2', (req, res) => {
  const emails: string[] = req.body.emails;
  let i = 0;
  while (i < emails.length) {
    req.backgroundTasks.addTask(sendReceipt, emails[i] ?? '');
    if (i === 0) res.status(202).json({ queued: emails.length });
    i++;
  }
});
`,
      errors: [
        { messageId: 'afterResponse', line: 21 },
        { messageId: 'afterResponse', line: 28 },
      ],
    },
    {
      name: 'helper that adds tasks, called after responding: reported at the call (same and other module)',
      files: {
        'src/notifications.ts': `
import type { Request } from 'express';

async function sendSms(phone: string): Promise<void> {
  await fetch('https://sms.example.com', { method: 'POST', body: phone });
}

export function scheduleNotifications(req: Request, phone: string): void {
  req.backgroundTasks.addTask(sendSms, phone);
}
`,
      },
      code: `${expressHeader}
import type { Request } from 'express';
import { scheduleNotifications } from './notifications.js';

function queueReceipt(req: Request): void {
  req.backgroundTasks.addTask(sendReceipt, String(req.body.email));
}

app.post('/signup', (req, res) => {
  res.status(201).json({ ok: true });
  queueReceipt(req);
  scheduleNotifications(req, String(req.body.phone));
});
`,
      errors: [
        { messageId: 'afterResponse', line: 22 },
        { messageId: 'afterResponse', line: 23 },
      ],
    },
    {
      name: 'inline callbacks run after the response: forEach after res.json()',
      code: `${expressHeader}
app.post('/invite', (req, res) => {
  const emails: string[] = req.body.emails;
  res.status(202).json({ invited: emails.length });
  emails.forEach((email) => {
    req.backgroundTasks.addTask(sendReceipt, email);
  });
});
`,
      errors: [{ messageId: 'afterResponse', line: 17 }],
    },
    {
      name: "seed: a task that adds a task to the request's collection it was given",
      code: `${expressHeader}
import type { BackgroundTasks } from './background/tasks.js';

async function sendStatusUpdate(email: string, status: string): Promise<void> {
  await fetch('https://mail.example.com/status', { method: 'POST', body: email + status });
}

async function checkOrderStatus(tasks: BackgroundTasks, orderId: string, email: string): Promise<void> {
  const status = await fetch('https://orders.example.com/' + orderId).then((r) => r.text());
  if (status === 'pending') {
    tasks.addTask(sendStatusUpdate, email, 'Order is being processed');
  }
}

app.post('/orders/:id/status', (req, res) => {
  req.backgroundTasks.addTask(checkOrderStatus, req.backgroundTasks, req.params.id, String(req.body.email));
  res.json({ message: 'Status check scheduled' });
});
`,
      errors: [{ messageId: 'insideTask', line: 22 }],
    },
    {
      name: 'a task closing over req adds to its collection (Express, Fastify, Hono)',
      code: `${expressHeader}
import Fastify from 'fastify';
import { backgroundTasks as fastifyTasks } from './background/fastify.js';
import { Hono } from 'hono';
import { backgroundTasks as honoTasks } from './background/hono.js';

app.post('/orders', (req, res) => {
  req.backgroundTasks.addTask(async () => {
    await sendReceipt(String(req.body.email));
    req.backgroundTasks.addTask(sendReceipt, 'ops@example.com');
  });
  res.sendStatus(202);
});

const fastify = Fastify();
await fastify.register(fastifyTasks);
fastify.post('/orders', async (request) => {
  request.backgroundTasks.addTask(async () => {
    await sendReceipt('a@example.com');
    request.backgroundTasks.addTask(sendReceipt, 'ops@example.com');
  });
  return { ok: true };
});

const hono = new Hono();
hono.use(honoTasks());
hono.post('/orders', (c) => {
  const tasks = c.var.backgroundTasks;
  tasks.addTask(async () => {
    await sendReceipt('a@example.com');
    c.get('backgroundTasks').addTask(sendReceipt, 'ops@example.com');
  });
  return c.json({ ok: true }, 202);
});
`,
      errors: [
        { messageId: 'insideTask', line: 21 },
        { messageId: 'insideTask', line: 31 },
        { messageId: 'insideTask', line: 42 },
      ],
    },
    {
      name: 'a task in one module reaches addTask through a helper in another',
      files: {
        'src/tasks/orders.ts': `
import type { Request } from 'express';
import { notifyWarehouse } from './warehouse.js';

export async function processOrder(req: Request, orderId: string): Promise<void> {
  await fetch('https://orders.example.com/' + orderId, { method: 'POST' });
  notifyWarehouse(req, orderId);
}
`,
        'src/tasks/warehouse.ts': `
import type { Request } from 'express';

async function pingWarehouse(orderId: string): Promise<void> {
  await fetch('https://warehouse.example.com/' + orderId, { method: 'POST' });
}

export function notifyWarehouse(req: Request, orderId: string): void {
  req.backgroundTasks.addTask(pingWarehouse, orderId);
}
`,
      },
      code: `${expressHeader}
import { processOrder } from './tasks/orders.js';

app.post('/orders/:id', (req, res) => {
  req.backgroundTasks.addTask(processOrder, req, req.params.id);
  res.sendStatus(202);
});
`,
      errors: [{ messageId: 'insideTask', line: 7 }],
    },
    {
      name: "middleware: res.on('finish') and res.on('close') run after the response",
      code: `${expressHeader}
app.use((req, res, next) => {
  res.on('finish', () => {
    req.backgroundTasks.addTask(sendReceipt, 'audit@example.com');
  });
  res.once('close', () => req.backgroundTasks.addTask(sendReceipt, 'closed@example.com'));
  next();
});
`,
      errors: [
        { messageId: 'outlivesHandler', line: 15 },
        { messageId: 'outlivesHandler', line: 17 },
      ],
    },
    {
      name: 'timers: setTimeout and setImmediate after or around the response',
      code: `${expressHeader}
app.post('/orders', (req, res) => {
  setTimeout(() => {
    req.backgroundTasks.addTask(sendReceipt, 'later@example.com');
  }, 1000);
  setImmediate(() => req.backgroundTasks.addTask(sendReceipt, 'soon@example.com'));
  res.sendStatus(202);
});
`,
      errors: [
        { messageId: 'outlivesHandler', line: 15 },
        { messageId: 'outlivesHandler', line: 17 },
      ],
    },
    {
      name: 'continuations the handler does not await: then, catch, finally',
      code: `${expressHeader}
async function saveOrder(body: unknown): Promise<string> {
  return String(body);
}

app.post('/orders', (req, res) => {
  saveOrder(req.body).then((id) => req.backgroundTasks.addTask(sendReceipt, id));
  saveOrder(req.body).catch((error: unknown) => {
    req.backgroundTasks.addTask(sendReceipt, String(error));
  });
  void saveOrder(req.body).finally(() => req.backgroundTasks.addTask(sendReceipt, 'done'));
  res.status(202).json({ accepted: true });
});
`,
      errors: [
        { messageId: 'outlivesHandler', line: 18 },
        { messageId: 'outlivesHandler', line: 20 },
        { messageId: 'outlivesHandler', line: 22 },
      ],
    },
    {
      name: 'Hono: an un-awaited continuation, and an async IIFE handed to waitUntil (B1.9)',
      code: `
import { Hono } from 'hono';
import { backgroundTasks } from './background/hono.js';

const app = new Hono();
app.use(backgroundTasks());

async function indexDocument(id: string): Promise<void> {
  await fetch('https://search.example.com/index/' + id, { method: 'POST' });
}

app.post('/documents/:id', (c) => {
  const id = c.req.param('id');
  fetch('https://storage.example.com/' + id).then(() => c.var.backgroundTasks.addTask(indexDocument, id));
  c.executionCtx.waitUntil(
    (async () => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      c.get('backgroundTasks').addTask(indexDocument, 'export');
    })(),
  );
  return c.json({ accepted: true }, 202);
});
`,
      errors: [
        { messageId: 'outlivesHandler', line: 14 },
        { messageId: 'outlivesHandler', line: 18 },
      ],
    },
    {
      name: 'an awaited continuation that responds, then a task',
      code: `${expressHeader}
async function saveOrder(body: unknown): Promise<{ id: string }> {
  return { id: String(body) };
}

app.post('/orders', async (req, res) => {
  await saveOrder(req.body).then((order) => res.status(201).json(order));
  req.backgroundTasks.addTask(sendReceipt, String(req.body.email));
});
`,
      errors: [{ messageId: 'afterResponse', line: 19 }],
    },
    {
      name: 'a callback that responds and then adds a task',
      code: `${expressHeader}
import { readFile } from 'node:fs';

app.get('/files/:name', (req, res) => {
  readFile('/srv/' + req.params.name, (error, data) => {
    if (error) return res.sendStatus(404);
    res.send(data);
    req.backgroundTasks.addTask(sendReceipt, 'downloads@example.com');
  });
});
`,
      errors: [{ messageId: 'afterResponse', line: 19 }],
    },
    {
      name: 'Express: an un-awaited continuation that adds a task while the handler responds right away',
      code: `${expressHeader}
async function saveOrder(body: unknown): Promise<string> {
  return String(body);
}

app.post('/orders', (req, res) => {
  saveOrder(req.body).then((id) => {
    req.backgroundTasks.addTask(sendReceipt, id);
    res.json({ id });
  });
  res.sendStatus(202);
});
`,
      errors: [{ messageId: 'outlivesHandler', line: 19 }],
    },
    {
      name: 'handler referenced by name, defined in another module',
      files: {
        'src/routes/orders.ts': `
import type { Request, Response } from 'express';

async function sendInvoice(orderId: string): Promise<void> {
  await fetch('https://billing.example.com/' + orderId, { method: 'POST' });
}

export async function createOrder(req: Request, res: Response): Promise<void> {
  const id = crypto.randomUUID();
  res.status(201).json({ id });
  req.backgroundTasks.addTask(sendInvoice, id);
}

export const ordersController = {
  async cancel(req: Request, res: Response): Promise<void> {
    res.sendStatus(204);
    req.backgroundTasks.addTask(sendInvoice, String(req.params.id));
  },
};
`,
      },
      code: `${expressHeader}
import { createOrder, ordersController } from './routes/orders.js';

app.post('/orders', createOrder);
app.delete('/orders/:id', ordersController.cancel);
`,
      errors: [
        { messageId: 'afterResponse', line: 11 },
        { messageId: 'afterResponse', line: 17 },
      ],
    },
    {
      name: 'handlers wrapped in asyncHandler() or typed as RequestHandler',
      code: `${expressHeader}
import type { RequestHandler } from 'express';

const asyncHandler =
  (fn: RequestHandler): RequestHandler =>
  (req, res, next) => {
    Promise.resolve(fn(req, res, next)).catch(next);
  };

app.post(
  '/a',
  asyncHandler(async (req, res) => {
    res.sendStatus(202);
    req.backgroundTasks.addTask(sendReceipt, 'a');
  }),
);

export const cancelOrder: RequestHandler = async (req, res) => {
  res.sendStatus(204);
  req.backgroundTasks.addTask(sendReceipt, 'b');
};
`,
      errors: [
        { messageId: 'afterResponse', line: 25 },
        { messageId: 'afterResponse', line: 31 },
      ],
    },
    {
      name: 'Express error middleware that responds, then adds a task',
      code: `${expressHeader}
import type { NextFunction, Request, Response } from 'express';

async function reportError(message: string): Promise<void> {
  await fetch('https://errors.example.com', { method: 'POST', body: message });
}

app.use((err: Error, req: Request, res: Response, _next: NextFunction) => {
  res.status(500).json({ error: 'internal error' });
  req.backgroundTasks.addTask(reportError, err.message);
});
`,
      errors: [{ messageId: 'afterResponse', line: 21 }],
    },
    {
      name: "Fastify: an onResponse hook runs after the response was sent",
      code: `${fastifyHeader}
app.addHook('onResponse', async (request, reply) => {
  request.backgroundTasks.addTask(audit, request.url + ' ' + reply.statusCode);
});
`,
      errors: [{ messageId: 'outlivesHandler', line: 13 }],
    },
    {
      name: 'a finally after `return res.json()` runs after the response',
      code: `${expressHeader}
app.get('/orders', async (req, res) => {
  try {
    return res.json([]);
  } finally {
    req.backgroundTasks.addTask(sendReceipt, 'listed');
  }
});
`,
      errors: [{ messageId: 'afterResponse', line: 17 }],
    },
    {
      name: 'a class controller method bound as the handler; a conditional expression that responds',
      code: `${expressHeader}
import type { Request, Response } from 'express';

class OrdersController {
  async create(req: Request, res: Response): Promise<void> {
    req.query.dryRun ? res.sendStatus(204) : res.status(201).json({ ok: true });
    req.backgroundTasks.addTask(sendReceipt, String(req.body.email));
  }
}

const orders = new OrdersController();
app.post('/orders', orders.create.bind(orders));
`,
      errors: [{ messageId: 'afterResponse', line: 18 }],
    },
    {
      name: "Express's app.route(path) chain",
      code: `${expressHeader}
app
  .route('/books')
  .get((req, res) => {
    res.json([]);
    req.backgroundTasks.addTask(sendReceipt, 'listed');
  })
  .post((req, res) => {
    req.backgroundTasks.addTask(sendReceipt, 'created');
    res.sendStatus(201);
  });
`,
      errors: [{ messageId: 'afterResponse', line: 17 }],
    },

    {
      name: 'a job enqueued after the client was told it worked: directly, through a helper, and on Fastify',
      code: `
import express from 'express';
import Fastify from 'fastify';
import { Queue } from 'bullmq';

const emails = new Queue('emails');
const app = express();

async function sendWelcome(email: string): Promise<void> {
  await emails.add('welcome', { email });
}

app.post('/signup', async (req, res) => {
  res.status(202).json({ accepted: true });
  await emails.add('welcome', { email: String(req.body.email) });
});

app.post('/invite', async (req, res) => {
  res.sendStatus(202);
  await sendWelcome(String(req.body.email));
});

const fastify = Fastify();
fastify.post('/signup', async (request, reply) => {
  reply.code(202).send({ accepted: true });
  await emails.addBulk([{ name: 'welcome', data: {} }]);
});
`,
      errors: [
        { messageId: 'enqueueAfterResponse', line: 15, message: /^`emails\.add\(…\)` enqueues after `res\.status\(202\)\.json\(…\)` told the client it worked/ },
        { messageId: 'enqueueAfterResponse', line: 20, message: /\(via sendWelcome\)/ },
        { messageId: 'enqueueAfterResponse', line: 26 },
      ],
    },
    {
      name: 'Next.js after() with no request in scope: module scope, a BullMQ processor, a cron job',
      code: `
import { after } from 'next/server';
import { Worker } from 'bullmq';
import { Cron } from 'croner';

after(() => console.log('booted'));

export const worker = new Worker('reports', async () => {
  after(() => console.log('report done'));
});
worker.on('error', (error) => console.error(error));

export const nightly = new Cron('0 3 * * *', { catch: (error: unknown) => console.error(error) }, () => {
  after(() => console.log('nightly done'));
});
`,
      errors: [
        { messageId: 'afterOutsideRequest', line: 6, message: /^`after\(\)` in module scope has no request to run after/ },
        { messageId: 'afterOutsideRequest', line: 9, message: /in the `reports` queue processor/ },
        { messageId: 'afterOutsideRequest', line: 14, message: /in a croner job/ },
      ],
    },

    {
      name: 'more enqueues after the response: a FlowProducer after res.send, after a redirect, and a branch that responds without returning',
      code: `
import express from 'express';
import { FlowProducer, Queue } from 'bullmq';

const flows = new FlowProducer();
const audit = new Queue('audit');
const app = express();

app.post('/flows', async (req, res) => {
  res.send('started');
  await flows.add({ name: 'root', queueName: 'flows', data: {} });
});

app.get('/go/:id', async (req, res) => {
  res.redirect(\`/items/\${req.params.id}\`);
  await audit.add('visit', { id: req.params.id });
});

app.post('/items', async (req, res) => {
  if (!req.body) {
    res.status(400).json({ error: 'empty' });
  }
  await audit.add('created', {});
  res.sendStatus(201);
});
`,
      errors: [
        { messageId: 'enqueueAfterResponse', line: 11 },
        { messageId: 'enqueueAfterResponse', line: 16 },
        { messageId: 'enqueueAfterResponse', line: 23 },
      ],
    },

    {
      name: 'more after() calls with no request: a namespace import at module scope, a job loop, a BullMQ listener, a node-cron job',
      code: `
import * as server from 'next/server';
import { after } from 'next/server';
import { Worker } from 'bullmq';
import cron from 'node-cron';

server.after(() => console.log('module loaded'));

export async function pull(worker: Worker): Promise<void> {
  for (;;) {
    const job = await worker.getNextJob('token');
    if (job) after(() => console.log('pulled', job.id));
  }
}

export const worker = new Worker('jobs', async () => 'done');
worker.on('error', (error) => console.error(error));
worker.on('completed', () => {
  after(() => console.log('completed'));
});

cron.schedule('*/5 * * * *', () => {
  after(() => console.log('tick'));
});
`,
      errors: [
        { messageId: 'afterOutsideRequest', line: 7 },
        { messageId: 'afterOutsideRequest', line: 12, message: /in the job loop `pull`/ },
        { messageId: 'afterOutsideRequest', line: 19, message: /in a `completed` listener/ },
        { messageId: 'afterOutsideRequest', line: 23, message: /in a node-cron job/ },
      ],
    },
  ],
});
