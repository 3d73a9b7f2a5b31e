import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import rule from '../../src/rules/singular-background-task.js';
import { ruleTester, type InvalidCase } from '../helpers/rule-tester.js';

const template = (name: string): string => readFileSync(join(import.meta.dirname, '..', '..', 'templates', 'runtime', name), 'utf8');
// The adapters, moved next to app.ts, with their imports pointed back at the runtime.
const asApp = (name: string): string => template(name).replaceAll("'./tasks.js'", "'./background/tasks.js'");

ruleTester(rule, {
  valid: [
    {
      name: 'Express: the request\'s collection',
      code: `
import express from 'express';
import { backgroundTasks } from './background/express.js';

async function sendWelcome(email: string): Promise<void> {}

const app = express();
app.use(backgroundTasks());
app.post('/signup', (req, res) => {
  req.backgroundTasks.addTask(sendWelcome, req.body.email);
  res.status(201).json({ ok: true });
});
`,
    },
    {
      name: 'Fastify: the request\'s collection',
      code: `
import Fastify from 'fastify';
import { backgroundTasks } from './background/fastify.js';

async function reindex(id: string): Promise<void> {}

const app = Fastify();
await app.register(backgroundTasks);
app.post('/docs/:id', async (request, reply) => {
  const { id } = request.params as { id: string };
  request.backgroundTasks.addTask(reindex, id);
  return reply.code(202).send({ queued: true });
});
`,
    },
    {
      name: 'Hono: c.var and c.get',
      code: `
import { Hono } from 'hono';
import { backgroundTasks } from './background/hono.js';

async function audit(action: string): Promise<void> {}

const app = new Hono();
app.use(backgroundTasks());
app.post('/orders', (c) => {
  c.var.backgroundTasks.addTask(audit, 'order');
  c.get('backgroundTasks').addTask(audit, 'billing');
  return c.json({ ok: true }, 201);
});
`,
    },
    {
      name: 'a BackgroundTask pushed to a queue that a worker loop outside handlers runs',
      code: `
import express from 'express';
import { BackgroundTask } from './background/tasks.js';

async function resize(path: string): Promise<void> {}

const pending: BackgroundTask[] = [];

export async function drain(): Promise<void> {
  for (let task = pending.shift(); task !== undefined; task = pending.shift()) {
    try {
      await task.run();
    } catch (error) {
      console.error(task.name, error);
    }
  }
}

const app = express();
app.post('/images', (req, res) => {
  const task = new BackgroundTask(resize, req.body.path);
  pending.push(task);
  pending.push(new BackgroundTask(resize, req.body.thumbnail));
  res.sendStatus(202);
});
`,
    },
    {
      name: 'a factory that returns a BackgroundTask',
      code: `
import { BackgroundTask } from './background/tasks.js';

async function sendDigest(userId: string): Promise<void> {}

export function digestTask(userId: string): BackgroundTask {
  return new BackgroundTask(sendDigest, userId);
}

export const makeTask = (userId: string) => new BackgroundTask(sendDigest, userId);
`,
    },
    {
      name: 'await task.run() in a BullMQ processor, and returned from one',
      code: `
import { Worker } from 'bullmq';
import { BackgroundTask } from './background/tasks.js';

async function sendEmail(to: string): Promise<void> {}

export const worker = new Worker('emails', async (job) => {
  const task = new BackgroundTask(sendEmail, job.data.to);
  await task.run();
});

export const other = new Worker('digests', (job) => new BackgroundTask(sendEmail, job.data.to).run());
`,
    },
    {
      name: 'await task.run() in a CLI script',
      code: `
import { BackgroundTask, BackgroundTasks } from './background/tasks.js';

async function rebuildSearchIndex(): Promise<void> {}
async function purgeCache(prefix: string): Promise<void> {}

const task = new BackgroundTask(rebuildSearchIndex);
console.log(\`running \${task.name}\`);
await task.run();

const tasks = new BackgroundTasks({ onError: (error) => { process.exitCode = 1; console.error(error); } });
tasks.addTask(purgeCache, 'users:');
await tasks.run();
`,
    },
    {
      name: 'the adapter pattern: a middleware factory that installs a fresh collection',
      code: `
import express from 'express';
import type { RequestHandler } from 'express';
import { BackgroundTasks } from './background/tasks.js';

export function backgroundTasks(): RequestHandler {
  return (req, res, next) => {
    req.backgroundTasks = new BackgroundTasks();
    res.once('finish', () => {
      req.backgroundTasks.run().catch(console.error);
    });
    next();
  };
}

const app = express();
app.use(backgroundTasks());
`,
    },
    {
      name: 'the adapter pattern inline in app.use, typed, through a variable',
      code: `
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { Hono } from 'hono';
import { BackgroundTasks } from './background/tasks.js';

const app = express();
app.use((req: Request, res: Response, next: NextFunction) => {
  const tasks = new BackgroundTasks();
  req.backgroundTasks = tasks;
  res.once('finish', () => {
    tasks.run().catch(console.error);
  });
  next();
});

const hono = new Hono();
hono.use(async (c, next) => {
  c.set('backgroundTasks', new BackgroundTasks());
  await next();
  setTimeout(() => {
    c.var.backgroundTasks.run().catch(console.error);
  }, 0);
});
hono.use(async (c, next) => {
  const tasks = new BackgroundTasks();
  c.set('backgroundTasks', tasks);
  await next();
  c.executionCtx.waitUntil(c.var.backgroundTasks.run());
});
`,
    },
    {
      name: 'a hand-written adapter whose helper makes the collection (a subclass) and whose middleware installs it',
      code: `
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { BackgroundTasks } from './background/tasks.js';

class AuditedTasks extends BackgroundTasks {}

function collectionFor(res: Response): AuditedTasks {
  const tasks = new AuditedTasks();
  res.once('finish', () => {
    tasks.run().catch(console.error);
  });
  return tasks;
}

const app = express();
app.use((req: Request, res: Response, next: NextFunction) => {
  req.backgroundTasks = collectionFor(res);
  next();
});
`,
    },
    { name: 'the Express adapter template itself', code: asApp('express.ts') },
    { name: 'the Fastify adapter template itself', code: asApp('fastify.ts') },
    { name: 'the Hono adapter template itself', code: asApp('hono.ts') },
    {
      name: 'the runtime\'s own file (declares class BackgroundTask) is not linted by this rule',
      code: `
import express from 'express';
import { Tasks } from './lib/background.js';

const app = express();
app.post('/x', (req, res) => {
  res.json({ ok: true });
});
export { Tasks };
`,
      files: {
        'src/lib/background.ts': `
export class BackgroundTask {
  constructor(readonly fn: () => unknown) {}
  async run(): Promise<void> {
    await this.fn();
  }
}

export class Tasks {
  readonly #queue: BackgroundTask[] = [];
  addTask(fn: () => unknown): void {
    const task = new BackgroundTask(fn);
    console.debug('queued', task.name);
  }
  runNow(fn: () => unknown): void {
    void new BackgroundTask(fn).run();
  }
}
`,
      },
    },
    {
      name: 'unrelated classes named Task and Job',
      code: `
import express from 'express';

class Task {
  constructor(readonly fn: () => Promise<void>) {}
  run(): Promise<void> {
    return this.fn();
  }
}

const app = express();
app.post('/task', async (req, res) => {
  new Task(async () => {});
  const task = new Task(async () => {});
  await task.run();
  void task.run();
  res.json({ ok: true });
});
`,
    },
    {
      name: 'not flagged: await task.run() in an event listener, which the route heuristic could mistake for Hono app.on',
      code: `
import { EventEmitter } from 'node:events';
import { BackgroundTask } from './background/tasks.js';

async function alertOps(id: string): Promise<void> {}

export const jobs = new EventEmitter();
jobs.on('failed', async (id: string) => {
  await new BackgroundTask(alertOps, id).run();
});
`,
    },
    {
      name: 'not flagged: await task.run() inside Next.js after(), which runs once the response is out',
      code: `
import { after } from 'next/server';
import { BackgroundTask } from './background/tasks.js';

async function logView(path: string): Promise<void> {}

export async function GET(request: Request) {
  after(async () => {
    await new BackgroundTask(logView, new URL(request.url).pathname).run();
  });
  return Response.json({ ok: true });
}
`,
    },
    {
      name: 'not flagged: a hand-made collection run on the response\'s finish event, because it does run after the response',
      code: `
import express from 'express';
import { BackgroundTasks } from './background/tasks.js';

async function notify(id: string): Promise<void> {}

const app = express();
app.post('/orders', (req, res) => {
  const tasks = new BackgroundTasks();
  tasks.addTask(notify, req.body.id);
  res.on('finish', () => {
    tasks.run().catch(console.error);
  });
  res.status(201).json({ ok: true });
});
`,
    },
    {
      name: 'not flagged: a singular task run with a catch in a finish listener, because it runs after the response and its errors are reported',
      code: `
import express from 'express';
import { BackgroundTask } from './background/tasks.js';

async function warmCache(key: string): Promise<void> {}

const app = express();
app.get('/items/:id', (req, res) => {
  const task = new BackgroundTask(warmCache, req.params.id);
  res.on('finish', () => {
    task.run().catch((error) => console.error(task.name, error));
  });
  res.json({ id: req.params.id });
});
`,
    },
    {
      name: 'not flagged: a hand-made collection in a Next.js route handler run inside after(), because that runs it after the response',
      code: `
import { after } from 'next/server';
import { BackgroundTasks } from './background/tasks.js';

async function sendReceipt(orderId: string): Promise<void> {}

export async function POST(request: Request) {
  const { id } = (await request.json()) as { id: string };
  const tasks = new BackgroundTasks();
  tasks.addTask(sendReceipt, id);
  after(() => tasks.run());
  return Response.json({ ok: true }, { status: 201 });
}
`,
    },
    {
      name: 'a hand-written Fastify adapter in hooks, which are not route handlers',
      code: `
import Fastify from 'fastify';
import { BackgroundTasks } from './background/tasks.js';

const app = Fastify();
app.decorateRequest('backgroundTasks', null as never);
app.addHook('onRequest', async (request) => {
  request.backgroundTasks = new BackgroundTasks();
});
app.addHook('onResponse', async (request) => {
  await request.backgroundTasks.run();
});
`,
    },
    {
      name: 'a job payload property typed BackgroundTask, and an array of them, where nothing adds tasks',
      code: `
import { BackgroundTask } from './background/tasks.js';

interface Scheduled {
  at: Date;
  task: BackgroundTask;
}

export async function runDue(items: Scheduled[], pending: BackgroundTask[], next: BackgroundTask): Promise<void> {
  for (const item of items) if (item.at <= new Date()) await item.task.run();
  pending.push(next);
}
`,
    },
    {
      name: 'not flagged: a task only inspected in a unit test, because tests construct tasks to check them',
      code: `
export {};
`,
      files: {
        'test/tasks.test.ts': `
import { expect, it } from 'vitest';
import { BackgroundTask } from '../src/background/tasks.js';

async function sendWelcome(): Promise<void> {}

it('names the task after its function', () => {
  const task = new BackgroundTask(sendWelcome);
  expect(task.name).toBe('sendWelcome');
  expect(() => new BackgroundTask(42 as never)).toThrow(TypeError);
  expect(() => {
    new BackgroundTask('sendWelcome' as never);
  }).toThrow(TypeError);
});
`,
      },
    },
    {
      name: 'an exported task and one passed on are used elsewhere',
      code: `
import { BackgroundTask } from './background/tasks.js';

async function nightlyCleanup(): Promise<void> {}
async function compact(): Promise<void> {}

export const cleanup = new BackgroundTask(nightlyCleanup);
const compaction = new BackgroundTask(compact);
const registry = { compaction };
export { registry };
`,
    },
    {
      name: 'not flagged: a task kept alive with waitUntil, because it starts now but does not hold up the response',
      code: `
import { Hono } from 'hono';
import { BackgroundTask } from './background/tasks.js';

async function ping(url: string): Promise<void> {}

const app = new Hono();
app.get('/hook', (c) => {
  c.executionCtx.waitUntil(new BackgroundTask(ping, 'https://example.com').run().catch(console.error));
  return c.text('ok');
});
`,
    },
  ],
  invalid: [
    {
      name: 'new BackgroundTask(fn, x) as a statement',
      code: `
import express from 'express';
import { BackgroundTask } from './background/tasks.js';

async function sendWelcome(email: string): Promise<void> {}

const app = express();
app.post('/signup', (req, res) => {
  new BackgroundTask(sendWelcome, req.body.email);
  res.status(201).json({ ok: true });
});
`,
      errors: [{ messageId: 'neverRun', line: 9 }],
    },
    {
      name: 'assigned and never used',
      code: `
import Fastify from 'fastify';
import { BackgroundTask } from './background/tasks.js';

async function reindex(id: string): Promise<void> {}

const app = Fastify();
app.post('/docs', async (request, reply) => {
  const task = new BackgroundTask(reindex, 'all');
  return reply.code(202).send({ queued: true });
});
`,
      errors: [{ messageId: 'neverRun', line: 9 }],
    },
    {
      name: 'assigned and only .name read: never run',
      code: `
import express from 'express';
import { BackgroundTask } from './background/tasks.js';

async function sendReceipt(orderId: string): Promise<void> {}

const app = express();
app.post('/orders', (req, res) => {
  const task = new BackgroundTask(sendReceipt, req.body.id);
  console.info(\`scheduled \${task.name}\`);
  res.status(201).json({ ok: true });
});
`,
      errors: [{ messageId: 'neverRun', line: 9 }],
    },
    {
      name: 'await task.run() in an Express handler',
      code: `
import express from 'express';
import { BackgroundTask } from './background/tasks.js';

async function sendReceipt(orderId: string): Promise<void> {}

const app = express();
app.post('/orders', async (req, res) => {
  const task = new BackgroundTask(sendReceipt, req.body.id);
  await task.run();
  res.status(201).json({ ok: true });
});
`,
      errors: [{ messageId: 'awaitedRun', line: 10 }],
    },
    {
      name: 'await new BackgroundTask(...).run() in a Fastify handler',
      code: `
import Fastify from 'fastify';
import { BackgroundTask } from './background/tasks.js';

async function reindex(id: string): Promise<void> {}

const app = Fastify();
app.route({
  method: 'POST',
  url: '/docs/:id',
  handler: async (request, reply) => {
    await new BackgroundTask(reindex, (request.params as { id: string }).id).run();
    return { queued: true };
  },
});
`,
      errors: [{ messageId: 'awaitedRun', line: 12 }],
    },
    {
      name: 'await task.run() in a Hono handler, and returned from one',
      code: `
import { Hono } from 'hono';
import { BackgroundTask } from './background/tasks.js';

async function audit(action: string): Promise<void> {}

const app = new Hono();
app.post('/orders', async (c) => {
  const task = new BackgroundTask(audit, 'order');
  await task.run();
  return c.json({ ok: true }, 201);
});
app.post('/ping', (c) => new BackgroundTask(audit, 'ping').run());
`,
      errors: [
        { messageId: 'awaitedRun', line: 10 },
        { messageId: 'awaitedRun', line: 13 },
      ],
    },
    {
      name: 'void task.run() and task.run(); are detached',
      code: `
import express from 'express';
import { BackgroundTask } from './background/tasks.js';

async function sendReceipt(orderId: string): Promise<void> {}
async function notifySlack(orderId: string): Promise<void> {}

const app = express();
app.post('/orders', (req, res) => {
  const receipt = new BackgroundTask(sendReceipt, req.body.id);
  void receipt.run();
  new BackgroundTask(notifySlack, req.body.id).run();
  res.status(201).json({ ok: true });
});
`,
      errors: [
        { messageId: 'detachedRun', line: 11 },
        { messageId: 'detachedRun', line: 12 },
      ],
    },
    {
      name: 'detached runs outside handlers too: .then without a rejection handler, a timer, a listener',
      code: `
import { EventEmitter } from 'node:events';
import { BackgroundTask } from './background/tasks.js';

async function sync(id: string): Promise<void> {}

export function schedule(id: string, bus: EventEmitter): void {
  const task = new BackgroundTask(sync, id);
  task.run().then(() => console.log('synced'));
  setImmediate(() => task.run());
  bus.on('tick', () => task.run());
}
`,
      errors: [
        { messageId: 'detachedRun', line: 9 },
        { messageId: 'detachedRun', line: 10 },
        { messageId: 'detachedRun', line: 11 },
      ],
    },
    {
      name: 'a run started with a .catch in a handler: not after the response',
      code: `
import express from 'express';
import { BackgroundTask } from './background/tasks.js';

async function sendWelcome(email: string): Promise<void> {}

const app = express();
app.post('/signup', (req, res) => {
  new BackgroundTask(sendWelcome, req.body.email).run().catch(console.error);
  res.status(201).json({ ok: true });
});
`,
      errors: [{ messageId: 'startedInHandler', line: 9 }],
    },
    {
      name: 'res.locals.backgroundTasks = new BackgroundTask(...)',
      code: `
import express from 'express';
import { BackgroundTask } from './background/tasks.js';

async function sendWelcome(email: string): Promise<void> {}

const app = express();
app.post('/signup', (req, res) => {
  res.locals.backgroundTasks = new BackgroundTask(sendWelcome, req.body.email);
  res.status(201).json({ ok: true });
});
`,
      errors: [{ messageId: 'assignedOverCollection', line: 9 }],
    },
    {
      name: 'req.backgroundTasks = new BackgroundTask(...), also in a middleware and through a variable',
      code: `
import express from 'express';
import { BackgroundTask } from './background/tasks.js';

async function track(path: string): Promise<void> {}

const app = express();
app.use((req, res, next) => {
  req.backgroundTasks = new BackgroundTask(track, req.path) as never;
  next();
});
app.get('/', (req, res) => {
  const task = new BackgroundTask(track, '/');
  (req as any).backgroundTasks = task;
  res.send('ok');
});
`,
      errors: [
        { messageId: 'assignedOverCollection', line: 9 },
        { messageId: 'assignedOverCollection', line: 14 },
      ],
    },
    {
      name: 'c.set("backgroundTasks", new BackgroundTask(...))',
      code: `
import { Hono } from 'hono';
import { BackgroundTask } from './background/tasks.js';

async function audit(action: string): Promise<void> {}

const app = new Hono();
app.post('/orders', (c) => {
  c.set('backgroundTasks', new BackgroundTask(audit, 'order') as never);
  return c.json({ ok: true }, 201);
});
`,
      errors: [{ messageId: 'assignedOverCollection', line: 9 }],
    },
    {
      name: 'a subclass of BackgroundTask, made in a handler and never run',
      code: `
import express from 'express';
import { BackgroundTask } from './background/tasks.js';

async function sendWelcome(email: string): Promise<void> {}
class EmailTask extends BackgroundTask<[string]> {}
class WelcomeTask extends EmailTask {}

const app = express();
app.post('/signup', (req, res) => {
  const task = new WelcomeTask(sendWelcome, req.body.email);
  res.status(201).json({ ok: true, task: task.name });
});
`,
      errors: [{ messageId: 'neverRun', line: 11 }],
    },
    {
      name: 'a subclass of BackgroundTasks, made in a handler: never run',
      code: `
import express from 'express';
import { BackgroundTasks } from './background/tasks.js';

async function sendReceipt(orderId: string): Promise<void> {}
class AuditedTasks extends BackgroundTasks {}

const app = express();
app.post('/orders', (req, res) => {
  const tasks = new AuditedTasks();
  tasks.addTask(sendReceipt, req.body.id);
  res.status(201).json({ ok: true });
});
`,
      errors: [{ messageId: 'handMadeCollection', line: 10 }],
    },
    {
      name: 'a helper\'s collection installed over the request\'s in a route handler',
      code: `
import express from 'express';
import { BackgroundTasks } from './background/tasks.js';

async function sendReceipt(orderId: string): Promise<void> {}
function freshTasks(): BackgroundTasks {
  return new BackgroundTasks();
}

const app = express();
app.post('/orders', (req, res) => {
  req.backgroundTasks = freshTasks();
  req.backgroundTasks.addTask(sendReceipt, req.body.id);
  res.status(201).json({ ok: true });
});
`,
      errors: [{ messageId: 'assignedOverCollection', line: 12 }],
    },
    {
      name: 'new BackgroundTasks() in a handler: never run',
      code: `
import express from 'express';
import { BackgroundTasks } from './background/tasks.js';

async function sendReceipt(orderId: string): Promise<void> {}

const app = express();
app.post('/orders', (req, res) => {
  const tasks = new BackgroundTasks();
  tasks.addTask(sendReceipt, req.body.id);
  res.status(201).json({ ok: true });
});
`,
      errors: [{ messageId: 'handMadeCollection', line: 9 }],
    },
    {
      name: 'new BackgroundTasks() in a handler with await tasks.run(): runs before the response',
      code: `
import Fastify from 'fastify';
import { BackgroundTasks } from './background/tasks.js';

async function reindex(id: string): Promise<void> {}

const app = Fastify();
app.post('/docs', async (request, reply) => {
  const tasks = new BackgroundTasks();
  tasks.addTask(reindex, 'all');
  await tasks.run();
  return reply.send({ ok: true });
});
`,
      errors: [{ messageId: 'handMadeCollection', line: 9 }],
    },
    {
      name: 'replacing the collection with a new BackgroundTasks() in a route handler',
      code: `
import Fastify from 'fastify';
import { Hono } from 'hono';
import { BackgroundTasks } from './background/tasks.js';

async function reindex(id: string): Promise<void> {}

const app = Fastify();
app.post('/docs', async (request, reply) => {
  request.backgroundTasks = new BackgroundTasks();
  request.backgroundTasks.addTask(reindex, 'all');
  return reply.send({ ok: true });
});

const hono = new Hono();
hono.post('/docs', (c) => {
  c.set('backgroundTasks', new BackgroundTasks());
  return c.text('ok');
});
`,
      errors: [
        { messageId: 'assignedOverCollection', line: 10 },
        { messageId: 'assignedOverCollection', line: 17 },
      ],
    },
    {
      name: 'a parameter typed BackgroundTask whose function calls addTask on it',
      code: `
import express from 'express';
import { BackgroundTask } from './background/tasks.js';

async function sendReceipt(orderId: string): Promise<void> {}

function queueReceipt(tasks: BackgroundTask, orderId: string): void {
  (tasks as any).addTask(sendReceipt, orderId);
}

const app = express();
app.post('/orders', (req, res) => {
  queueReceipt(req.backgroundTasks as never, req.body.id);
  res.status(201).json({ ok: true });
});
`,
      errors: [{ messageId: 'typedAsSingular', line: 7 }],
    },
    {
      name: 'backgroundTasks: BackgroundTask in interface augmentations (Express, Fastify) and Hono Variables',
      code: `
import { Hono } from 'hono';
import { BackgroundTask } from './background/tasks.js';

declare global {
  namespace Express {
    interface Request {
      backgroundTasks: BackgroundTask;
    }
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    backgroundTasks?: BackgroundTask;
  }
}

export const app = new Hono<{ Variables: { backgroundTasks: BackgroundTask } }>();
`,
      errors: [
        { messageId: 'typedAsSingular', line: 8 },
        { messageId: 'typedAsSingular', line: 15 },
        { messageId: 'typedAsSingular', line: 19 },
      ],
    },
    {
      name: 'aliased import { BackgroundTask as BT } and a namespace import',
      code: `
import express from 'express';
import { BackgroundTask as BT } from './background/tasks.js';
import * as bg from './background/tasks.js';

async function sendWelcome(email: string): Promise<void> {}

interface Services {
  jobs: bg.BackgroundTask;
}

export function enqueue(services: Services, email: string): void {
  (services.jobs as any).addTask(sendWelcome, email);
}

const app = express();
app.post('/signup', async (req, res) => {
  new BT(sendWelcome, req.body.email);
  await new bg.BackgroundTask(sendWelcome, req.body.email).run();
  res.status(201).json({ ok: true });
});
`,
      errors: [
        { messageId: 'typedAsSingular', line: 9 },
        { messageId: 'neverRun', line: 18 },
        { messageId: 'awaitedRun', line: 19 },
      ],
    },
    {
      name: 'await task.run() in a Next.js route handler',
      code: `
import { BackgroundTask } from './background/tasks.js';

async function logView(path: string): Promise<void> {}

export async function POST(request: Request) {
  await new BackgroundTask(logView, new URL(request.url).pathname).run();
  return Response.json({ ok: true });
}
`,
      errors: [{ messageId: 'awaitedRun', line: 7 }],
    },
    {
      name: 'await task.run() in a helper the handler calls, and in Promise.all, in a handler in another file',
      code: `
import express from 'express';
import { placeOrder } from './orders.js';

const app = express();
app.post('/orders', async (req, res) => {
  await placeOrder(req.body.id);
  res.status(201).json({ ok: true });
});
`,
      files: {
        'src/orders.ts': `
import { BackgroundTask } from './background/tasks.js';

async function sendReceipt(orderId: string): Promise<void> {}
async function notifyWarehouse(orderId: string): Promise<void> {}

export async function placeOrder(orderId: string): Promise<void> {
  await Promise.all([new BackgroundTask(sendReceipt, orderId).run(), new BackgroundTask(notifyWarehouse, orderId).run()]);
}
`,
      },
      errors: [
        { messageId: 'awaitedRun', line: 8 },
        { messageId: 'awaitedRun', line: 8 },
      ],
    },
    {
      name: 'running the request\'s own collection in a handler or before a middleware returns',
      code: `
import express from 'express';
import { Hono } from 'hono';

async function sendReceipt(orderId: string): Promise<void> {}

const app = express();
app.post('/orders', async (req, res) => {
  req.backgroundTasks.addTask(sendReceipt, req.body.id);
  await req.backgroundTasks.run();
  res.status(201).json({ ok: true });
});

const hono = new Hono();
hono.use(async (c, next) => {
  await next();
  await c.var.backgroundTasks.run();
});
`,
      errors: [
        { messageId: 'collectionRunEarly', line: 10 },
        { messageId: 'collectionRunEarly', line: 17 },
      ],
    },
    {
      name: 'a let assigned later and never run',
      code: `
import express from 'express';
import { BackgroundTask } from './background/tasks.js';

async function sendReceipt(orderId: string): Promise<void> {}

const app = express();
app.post('/orders', (req, res) => {
  let task: BackgroundTask | undefined;
  if (req.body.email) task = new BackgroundTask(sendReceipt, req.body.id);
  res.status(201).json({ ok: true });
});
`,
      errors: [{ messageId: 'neverRun', line: 10 }],
    },
  ],
});

// Fixes and suggestions. `output` is src/app.ts after one pass of the fixes; each suggestion's output
// is src/app.ts with that suggestion applied.
const EXPRESS = `
import express from 'express';
import { backgroundTasks } from './background/express.js';
import { BackgroundTask } from './background/tasks.js';

async function sendReceipt(orderId: string): Promise<void> {}

const app = express();
app.use(backgroundTasks());
`;

const fixCases: InvalidCase[] = [
  {
    name: 'fix: new BackgroundTask(fn, a) as a statement in an Express handler',
    code: `${EXPRESS}app.post('/orders', (req, res) => {
  new BackgroundTask(sendReceipt, req.body.id);
  res.status(201).json({ ok: true });
});
`,
    errors: [{ messageId: 'neverRun', line: 11 }],
    output: `${EXPRESS}app.post('/orders', (req, res) => {
  req.backgroundTasks.addTask(sendReceipt, req.body.id);
  res.status(201).json({ ok: true });
});
`,
  },
  {
    name: 'fix: await new BackgroundTask(fn, a).run(), with calling fn directly as a suggestion',
    code: `${EXPRESS}app.post('/orders/:id', async (request, res) => {
  await new BackgroundTask<[string]>(sendReceipt, request.params.id).run();
  res.status(201).json({ ok: true });
});
`,
    errors: [
      {
        messageId: 'awaitedRun',
        line: 11,
        suggestions: [
          {
            messageId: 'callDirectly',
            output: `${EXPRESS}app.post('/orders/:id', async (request, res) => {
  await sendReceipt(request.params.id);
  res.status(201).json({ ok: true });
});
`,
          },
        ],
      },
    ],
    output: `${EXPRESS}app.post('/orders/:id', async (request, res) => {
  request.backgroundTasks.addTask<[string]>(sendReceipt, request.params.id);
  res.status(201).json({ ok: true });
});
`,
  },
  {
    name: 'fix: void task.run() of a const made just before: added where it was made, the run removed',
    code: `${EXPRESS}app.post('/orders', (req, res) => {
  const receipt = new BackgroundTask(sendReceipt, req.body.id);
  void receipt.run();
  new BackgroundTask(sendReceipt, 'copy').run();
  res.status(201).json({ ok: true });
});
`,
    errors: [
      { messageId: 'detachedRun', line: 12 },
      { messageId: 'detachedRun', line: 13 },
    ],
    output: `${EXPRESS}app.post('/orders', (req, res) => {
  req.backgroundTasks.addTask(sendReceipt, req.body.id);
  req.backgroundTasks.addTask(sendReceipt, 'copy');
  res.status(201).json({ ok: true });
});
`,
  },
  {
    name: 'fix: after a guard clause that responds and returns',
    code: `${EXPRESS}app.post('/orders/:id', async (req, res) => {
  if (req.params.id === '') {
    res.status(400).json({ error: 'no id' });
    return;
  }
  if (req.body.skip) return res.sendStatus(204);
  await new BackgroundTask(sendReceipt, req.params.id).run();
  res.status(201).json({ ok: true });
});
`,
    errors: [{ messageId: 'awaitedRun', line: 16 }],
    output: `${EXPRESS}app.post('/orders/:id', async (req, res) => {
  if (req.params.id === '') {
    res.status(400).json({ error: 'no id' });
    return;
  }
  if (req.body.skip) return res.sendStatus(204);
  req.backgroundTasks.addTask(sendReceipt, req.params.id);
  res.status(201).json({ ok: true });
});
`,
  },
  {
    name: 'fix: Fastify request.backgroundTasks, with the plugin registered under another name',
    code: `
import Fastify from 'fastify';
import { backgroundTasks as taskPlugin } from './background/fastify.js';
import { BackgroundTask } from './background/tasks.js';

async function reindex(id: string): Promise<void> {}

const app = Fastify();
await app.register(taskPlugin);
app.post('/docs/:id', async (request, reply) => {
  const { id } = request.params as { id: string };
  void new BackgroundTask(reindex, id).run();
  return reply.code(202).send({ queued: true });
});
`,
    errors: [{ messageId: 'detachedRun', line: 12 }],
    output: `
import Fastify from 'fastify';
import { backgroundTasks as taskPlugin } from './background/fastify.js';
import { BackgroundTask } from './background/tasks.js';

async function reindex(id: string): Promise<void> {}

const app = Fastify();
await app.register(taskPlugin);
app.post('/docs/:id', async (request, reply) => {
  const { id } = request.params as { id: string };
  request.backgroundTasks.addTask(reindex, id);
  return reply.code(202).send({ queued: true });
});
`,
  },
  {
    name: 'fix: Hono c.var.backgroundTasks',
    code: `
import { Hono } from 'hono';
import { backgroundTasks } from './background/hono.js';
import { BackgroundTask } from './background/tasks.js';

async function audit(action: string): Promise<void> {}

const app = new Hono();
app.use(backgroundTasks());
app.post('/orders', async (c) => {
  const task = new BackgroundTask(audit, 'order');
  await task.run();
  return c.json({ ok: true }, 201);
});
`,
    errors: [{ messageId: 'awaitedRun', line: 12 }],
    output: `
import { Hono } from 'hono';
import { backgroundTasks } from './background/hono.js';
import { BackgroundTask } from './background/tasks.js';

async function audit(action: string): Promise<void> {}

const app = new Hono();
app.use(backgroundTasks());
app.post('/orders', async (c) => {
  c.var.backgroundTasks.addTask(audit, 'order');
  return c.json({ ok: true }, 201);
});
`,
  },
  {
    name: 'suggestion only: no adapter is mounted, so req.backgroundTasks would be undefined',
    code: `
import express from 'express';
import { BackgroundTask } from './background/tasks.js';

async function sendReceipt(orderId: string): Promise<void> {}

const app = express();
app.post('/orders', (req, res) => {
  new BackgroundTask(sendReceipt, req.body.id);
  res.status(201).json({ ok: true });
});
`,
    errors: [
      {
        messageId: 'neverRun',
        line: 9,
        suggestions: [
          {
            messageId: 'addToCollection',
            output: `
import express from 'express';
import { BackgroundTask } from './background/tasks.js';

async function sendReceipt(orderId: string): Promise<void> {}

const app = express();
app.post('/orders', (req, res) => {
  req.backgroundTasks.addTask(sendReceipt, req.body.id);
  res.status(201).json({ ok: true });
});
`,
          },
        ],
      },
    ],
    output: null,
  },
  {
    name: 'suggestion only: the task is also used elsewhere (its name is logged)',
    code: `${EXPRESS}app.post('/orders', (req, res) => {
  const task = new BackgroundTask(sendReceipt, req.body.id);
  console.info(task.name);
  void task.run();
  res.status(201).json({ ok: true });
});
`,
    errors: [
      {
        messageId: 'detachedRun',
        line: 13,
        suggestions: [
          {
            messageId: 'addToCollection',
            output: `${EXPRESS}app.post('/orders', (req, res) => {
  const task = new BackgroundTask(sendReceipt, req.body.id);
  console.info(task.name);
  req.backgroundTasks.addTask(sendReceipt, req.body.id);
  res.status(201).json({ ok: true });
});
`,
          },
        ],
      },
    ],
    output: null,
  },
  {
    name: 'suggestion only: the run is conditional, or an await comes between',
    code: `${EXPRESS}app.post('/orders', async (req, res) => {
  const first = new BackgroundTask(sendReceipt, req.body.id);
  if (req.body.notify) void first.run();
  const second = new BackgroundTask(sendReceipt, 'copy');
  await Promise.resolve();
  void second.run();
  res.status(201).json({ ok: true });
});
`,
    errors: [
      { messageId: 'detachedRun', line: 12, suggestions: [{ messageId: 'addToCollection', output: `${EXPRESS}app.post('/orders', async (req, res) => {
  if (req.body.notify) req.backgroundTasks.addTask(sendReceipt, req.body.id);
  const second = new BackgroundTask(sendReceipt, 'copy');
  await Promise.resolve();
  void second.run();
  res.status(201).json({ ok: true });
});
` }] },
      { messageId: 'detachedRun', line: 15, suggestions: [{ messageId: 'addToCollection', output: `${EXPRESS}app.post('/orders', async (req, res) => {
  const first = new BackgroundTask(sendReceipt, req.body.id);
  if (req.body.notify) void first.run();
  await Promise.resolve();
  req.backgroundTasks.addTask(sendReceipt, 'copy');
  res.status(201).json({ ok: true });
});
` }] },
    ],
    output: null,
  },
  {
    name: 'suggestion only: a .catch chain is the user\'s error handling; in a forEach callback',
    code: `${EXPRESS}app.post('/orders', (req, res) => {
  new BackgroundTask(sendReceipt, req.body.id).run().catch(console.error);
  (req.body.ids as string[]).forEach((id) => {
    new BackgroundTask(sendReceipt, id);
  });
  res.status(201).json({ ok: true });
});
`,
    errors: [
      { messageId: 'startedInHandler', line: 11, suggestions: [{ messageId: 'addToCollection', output: `${EXPRESS}app.post('/orders', (req, res) => {
  req.backgroundTasks.addTask(sendReceipt, req.body.id);
  (req.body.ids as string[]).forEach((id) => {
    new BackgroundTask(sendReceipt, id);
  });
  res.status(201).json({ ok: true });
});
` }] },
      { messageId: 'neverRun', line: 13, suggestions: [{ messageId: 'addToCollection', output: `${EXPRESS}app.post('/orders', (req, res) => {
  new BackgroundTask(sendReceipt, req.body.id).run().catch(console.error);
  (req.body.ids as string[]).forEach((id) => {
    req.backgroundTasks.addTask(sendReceipt, id);
  });
  res.status(201).json({ ok: true });
});
` }] },
    ],
    output: null,
  },
  {
    name: 'no addTask after the response has been sent (it would throw), nor where req is shadowed; calling directly is still suggested',
    code: `${EXPRESS}app.post('/orders', async (req, res) => {
  res.status(201).json({ ok: true });
  await new BackgroundTask(sendReceipt, req.body.id).run();
});
app.post('/batch', (req, res) => {
  (req.body.ids as string[]).forEach((req) => {
    new BackgroundTask(sendReceipt, req);
  });
  res.sendStatus(202);
});
`,
    errors: [
      { messageId: 'awaitedRun', line: 12, suggestions: [{ messageId: 'callDirectly', output: `${EXPRESS}app.post('/orders', async (req, res) => {
  res.status(201).json({ ok: true });
  await sendReceipt(req.body.id);
});
app.post('/batch', (req, res) => {
  (req.body.ids as string[]).forEach((req) => {
    new BackgroundTask(sendReceipt, req);
  });
  res.sendStatus(202);
});
` }] },
      { messageId: 'neverRun', line: 16, suggestions: [] },
    ],
    output: null,
  },
  {
    name: 'no request in scope: a helper the handler calls gets only the suggestion to call the work directly',
    code: `${EXPRESS}async function refund(orderId: string): Promise<void> {
  await new BackgroundTask(sendReceipt, orderId).run();
}
app.post('/refunds', async (req, res) => {
  await refund(req.body.id);
  res.sendStatus(204);
});
`,
    errors: [
      { messageId: 'awaitedRun', line: 11, suggestions: [{ messageId: 'callDirectly', output: `${EXPRESS}async function refund(orderId: string): Promise<void> {
  await sendReceipt(orderId);
}
app.post('/refunds', async (req, res) => {
  await refund(req.body.id);
  res.sendStatus(204);
});
` }] },
    ],
    output: null,
  },
  {
    name: 'suggestion only: a const task never used at all',
    code: `${EXPRESS}app.post('/orders', (req, res) => {
  const task = new BackgroundTask(sendReceipt, req.body.id);
  res.status(201).json({ ok: true });
});
`,
    errors: [
      { messageId: 'neverRun', line: 11, suggestions: [{ messageId: 'addToCollection', output: `${EXPRESS}app.post('/orders', (req, res) => {
  req.backgroundTasks.addTask(sendReceipt, req.body.id);
  res.status(201).json({ ok: true });
});
` }] },
    ],
    output: null,
  },
];

ruleTester(rule, {
  // Fixed code is clean: the fix leaves nothing for this rule to report.
  valid: fixCases.flatMap((c) => (typeof c.output === 'string' ? [{ name: `once fixed: ${c.name ?? ''}`, code: c.output }] : [])),
  invalid: fixCases,
});
