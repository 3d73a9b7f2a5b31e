import { once } from 'node:events';
import http from 'node:http';
import { createRequire } from 'node:module';
import { Socket, type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { serve, type HttpBindings } from '@hono/node-server';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import type { ExecutionContext } from 'hono';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { backgroundTasks as expressBackgroundTasks } from '../../templates/runtime/express.js';
import { backgroundTasks as fastifyBackgroundTasks } from '../../templates/runtime/fastify.js';
import { backgroundTasks as honoBackgroundTasks } from '../../templates/runtime/hono.js';
import { BackgroundTasks as BackgroundTasksClass, TaskAfterResponseError, type BackgroundTask, type BackgroundTasks } from '../../templates/runtime/tasks.js';

// The Express adapter's tests run on both majors. Express 4 is the `express4` alias devDependency,
// typed as Express 5 (@types/express 5): the API these tests use is the same in both, and the
// adapter itself imports only types from 'express'.
const express4 = createRequire(import.meta.url)('express4') as typeof express;
const EXPRESS_MAJORS = [
  ['express 5', express],
  ['express 4', express4],
] as const;

// ---------------------------------------------------------------------------------------------
// Shared plumbing: a probe the tasks report into, and the same routes in all three frameworks.

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
}

function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Fails the test instead of hanging it when an expected event never comes. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function turns(count = 3): Promise<void> {
  return count === 0 ? Promise.resolve() : new Promise((resolve) => setImmediate(resolve)).then(() => turns(count - 1));
}

class Probe {
  readonly events: string[] = [];
  readonly errors: { error: unknown; task: string }[] = [];
  readonly late: unknown[] = [];
  readonly captured = new Map<string, BackgroundTasks>();
  readonly sizes = new Map<string, number>();
  readonly gate = deferred();
  readonly #arrived = new Set<string>();
  readonly #bothArrived = deferred();
  readonly #waiters: { check: () => boolean; resolve: () => void }[] = [];

  readonly onError = (error: unknown, task: BackgroundTask): void => {
    this.errors.push({ error, task: task.name });
    this.#notify();
  };

  record(event: string): void {
    this.events.push(event);
    this.#notify();
  }

  count(event: string): number {
    return this.events.filter((e) => e === event).length;
  }

  until(check: () => boolean, what: string): Promise<void> {
    if (check()) return Promise.resolve();
    const waiter = deferred();
    this.#waiters.push({ check, resolve: waiter.resolve });
    return within(waiter.promise, 5000, what);
  }

  arrive(id: string): Promise<void> {
    this.#arrived.add(id);
    if (this.#arrived.size >= 2) this.#bothArrived.resolve();
    return this.#bothArrived.promise;
  }

  #notify(): void {
    for (const waiter of this.#waiters) if (waiter.check()) waiter.resolve();
  }
}

let probe = new Probe();

function record(event: string): void {
  probe.record(event);
}
function throwsSync(): never {
  throw new Error('sync failure');
}
async function rejectsAsync(): Promise<never> {
  await turns(1);
  throw new Error('async failure');
}
function lateTask(): void {
  probe.record('late:ran');
}
async function slowTask(id: string, responseFinished: () => boolean): Promise<void> {
  probe.record(`slow:${id}:start:finished=${String(responseFinished())}`);
  await probe.gate.promise;
  probe.record(`slow:${id}:done`);
}

interface RouteContext {
  scenario: string;
  id: string;
  tasks: BackgroundTasks;
  responseFinished: () => boolean;
  clientGone: () => Promise<unknown>;
}

const BIG_BODY = Buffer.alloc(16 * 1024 * 1024, 'x');

/** What each route does before responding. Every framework runs this from its handler. */
async function beforeResponse(context: RouteContext): Promise<void> {
  // These never ask for the collection before responding (the adapters make it lazily).
  if (context.scenario === 'untouched' || context.scenario === 'lateonly') return;
  if (context.scenario === 'abort' || context.scenario === 'abortlate') {
    // 'abort' asks for the collection first thing; 'abortlate' only once the client has left.
    const early = context.scenario === 'abort' ? context.tasks : undefined;
    const gone = context.clientGone();
    probe.record(`${context.scenario}:arrived`);
    await gone;
    // Some more work after the client left (a database call, say) before the handler adds its task.
    await new Promise((resolve) => setTimeout(resolve, 10));
    (early ?? context.tasks).addTask(record, `${context.scenario}:task`);
    return;
  }
  const { scenario, id, tasks, responseFinished } = context;
  switch (scenario) {
    case 'slow':
      tasks.addTask(slowTask, id, responseFinished);
      return;
    case 'record':
      tasks.addTask(record, `record:${id}`);
      return;
    case 'fail':
      tasks.addTask(throwsSync);
      tasks.addTask(rejectsAsync);
      tasks.addTask(record, 'after-failures');
      return;
    case 'pair':
      tasks.addTask(record, `pair:${id}`);
      probe.captured.set(id, tasks);
      await probe.arrive(id);
      probe.sizes.set(id, tasks.size);
      return;
    case 'late':
      tasks.addTask(record, 'late:before');
      probe.captured.set('late', tasks);
      return;
    case 'reenqueue':
      tasks.addTask(function outer() {
        tasks.addTask(record, 'inner');
      });
      return;
    case 'big':
      tasks.addTask(record, 'big:task');
      return;
    case 'boom':
      tasks.addTask(record, 'boom:task');
      throw new Error('boom');
    default:
      throw new Error(`unknown scenario ${scenario}`);
  }
}

/** A handler calling addTask after it has responded; where the framework allows it synchronously. */
function afterResponse(scenario: string, collection: () => BackgroundTasks): void {
  if (scenario !== 'late' && scenario !== 'lateonly') return;
  // 'lateonly': the first access to the collection comes only now, after the response.
  const tasks = collection();
  if (scenario === 'lateonly') probe.captured.set('lateonly', tasks);
  try {
    tasks.addTask(lateTask);
  } catch (error) {
    probe.late.push(error);
  }
}

interface Running {
  url: string;
  close: () => Promise<void>;
}

async function closeServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}

async function startExpress(createApp: typeof express): Promise<Running> {
  const app = createApp();
  app.use(expressBackgroundTasks({ onError: probe.onError }));
  // The rejection goes to next() by hand: Express 4 does not catch it (Express 5 does).
  app.get('/:scenario', async (req, res, next) => {
    try {
      const scenario = req.params.scenario;
      const id = typeof req.query.id === 'string' ? req.query.id : '';
      await beforeResponse({
        scenario,
        id,
        // A getter, so a scenario that never uses the collection never asks for it.
        get tasks() {
          return req.backgroundTasks;
        },
        responseFinished: () => res.writableFinished,
        clientGone: () => once(res, 'close'),
      });
      res.send(scenario === 'big' ? BIG_BODY : `ok ${scenario}`);
      afterResponse(scenario, () => req.backgroundTasks);
    } catch (error) {
      next(error);
    }
  });
  app.use((_error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(500).send('failed');
  });
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => closeServer(server) };
}

async function startFastify(): Promise<Running> {
  const app = Fastify();
  await app.register(fastifyBackgroundTasks, { onError: probe.onError });
  app.get<{ Params: { scenario: string }; Querystring: { id?: string } }>('/:scenario', async (request, reply) => {
    const { scenario } = request.params;
    await beforeResponse({
      scenario,
      id: request.query.id ?? '',
      get tasks() {
        return request.backgroundTasks;
      },
      responseFinished: () => reply.raw.writableFinished,
      clientGone: () => once(reply.raw, 'close'),
    });
    reply.send(scenario === 'big' ? BIG_BODY : `ok ${scenario}`);
    afterResponse(scenario, () => request.backgroundTasks);
    return reply;
  });
  app.setErrorHandler(async (_error, _request, reply) => reply.code(500).send('failed'));
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url, close: () => app.close() };
}

async function startHono(): Promise<Running> {
  const app = new Hono<{ Bindings: HttpBindings }>();
  // Registered before backgroundTasks(), so its code after next() runs once the chain has responded.
  app.use(async (c, next) => {
    await next();
    afterResponse(c.req.path.slice(1), () => c.var.backgroundTasks);
  });
  app.use(honoBackgroundTasks({ onError: probe.onError }));
  app.get('/:scenario', async (c) => {
    const scenario = c.req.param('scenario');
    await beforeResponse({
      scenario,
      id: c.req.query('id') ?? '',
      get tasks() {
        return c.get('backgroundTasks');
      },
      responseFinished: () => c.env.outgoing.writableFinished,
      clientGone: () => once(c.env.outgoing, 'close'),
    });
    return scenario === 'big' ? c.body(new Uint8Array(BIG_BODY)) : c.text(`ok ${scenario}`);
  });
  app.onError((_error, c) => c.text('failed', 500));
  const port = deferred<number>();
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => port.resolve(info.port));
  return { url: `http://127.0.0.1:${await port.promise}`, close: () => closeServer(server as http.Server) };
}

/** One request on its own connection (no keep-alive), so closing the server never waits on it. */
function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

const crashes = vi.fn();
beforeAll(() => {
  process.on('unhandledRejection', crashes);
  process.on('uncaughtException', crashes);
});
afterAll(() => {
  process.off('unhandledRejection', crashes);
  process.off('uncaughtException', crashes);
});

// ---------------------------------------------------------------------------------------------

describe.each([
  ['express 5', () => startExpress(express)],
  ['express 4', () => startExpress(express4)],
  ['fastify', startFastify],
  ['hono (@hono/node-server)', startHono],
] as const)('%s adapter on a real server', (_framework, start) => {
  let server: Running;

  beforeEach(async () => {
    probe = new Probe();
    server = await start();
  });

  afterEach(async () => {
    probe.gate.resolve();
    await server.close();
    await turns();
    expect(crashes).not.toHaveBeenCalled();
  });

  it('answers while its task is still pending, and runs the task after the response', async () => {
    // The task waits on a gate only the test opens: a response here proves nothing waited for it.
    const response = await within(get(`${server.url}/slow?id=s1`), 5000, 'the response');
    expect(response).toEqual({ status: 200, body: 'ok slow' });
    expect(probe.events).not.toContain('slow:s1:done');

    await probe.until(() => probe.events.includes('slow:s1:start:finished=true'), 'the task to start');
    expect(probe.events).toEqual(['slow:s1:start:finished=true']);
    probe.gate.resolve();
    await probe.until(() => probe.events.includes('slow:s1:done'), 'the task to finish');
    expect(probe.events).toEqual(['slow:s1:start:finished=true', 'slow:s1:done']);
  });

  it('gives concurrent requests separate collections', async () => {
    const [a, b] = await within(Promise.all([get(`${server.url}/pair?id=a`), get(`${server.url}/pair?id=b`)]), 5000, 'both responses');
    expect([a.status, b.status]).toEqual([200, 200]);
    // Both handlers had added their task before either responded, and each saw only its own.
    expect(probe.captured.get('a')).not.toBe(probe.captured.get('b'));
    expect(Object.fromEntries(probe.sizes)).toEqual({ a: 1, b: 1 });

    await probe.until(() => probe.events.length === 2, 'both tasks');
    expect([...probe.events].sort()).toEqual(['pair:a', 'pair:b']);
    await turns();
    expect(probe.events).toHaveLength(2);
  });

  it('reports a throwing and a rejecting task, runs the next one, and keeps serving', async () => {
    expect((await get(`${server.url}/fail`)).status).toBe(200);
    await probe.until(() => probe.events.includes('after-failures'), 'the task after the failures');
    expect(probe.errors.map(({ task, error }) => [task, (error as Error).message])).toEqual([
      ['throwsSync', 'sync failure'],
      ['rejectsAsync', 'async failure'],
    ]);

    expect(await get(`${server.url}/record?id=next`)).toEqual({ status: 200, body: 'ok record' });
    await probe.until(() => probe.events.includes('record:next'), "the next request's task");
  });

  it('rejects a task added after responding with TaskAfterResponseError', async () => {
    expect((await get(`${server.url}/late`)).status).toBe(200);
    await probe.until(() => probe.events.includes('late:before'), 'the task added in time');

    expect(probe.late).toHaveLength(1);
    const [error] = probe.late;
    expect(error).toBeInstanceOf(TaskAfterResponseError);
    expect((error as TaskAfterResponseError).message).toContain('"lateTask"');
    expect((error as TaskAfterResponseError).message).toMatch(/before sending the response/);

    const tasks = probe.captured.get('late');
    expect(tasks?.sealed).toBe(true);
    expect(() => tasks?.addTask(lateTask)).toThrow(TaskAfterResponseError);
    await turns();
    expect(probe.events).toEqual(['late:before']);
  });

  it('answers a request that never asks for its collection, and keeps serving the next ones', async () => {
    expect(await get(`${server.url}/untouched`)).toEqual({ status: 200, body: 'ok untouched' });
    expect(await get(`${server.url}/record?id=after`)).toEqual({ status: 200, body: 'ok record' });
    await probe.until(() => probe.events.includes('record:after'), "the next request's task");
    await turns();
    expect(probe.events).toEqual(['record:after']);
    expect(probe.errors).toEqual([]);
  });

  it('rejects a late task on a collection first asked for after responding', async () => {
    expect(await get(`${server.url}/lateonly`)).toEqual({ status: 200, body: 'ok lateonly' });
    expect(probe.late).toHaveLength(1);
    const [error] = probe.late;
    expect(error).toBeInstanceOf(TaskAfterResponseError);
    expect((error as TaskAfterResponseError).message).toContain('"lateTask"');
    expect((error as TaskAfterResponseError).message).toMatch(/before sending the response/);
    expect(probe.captured.get('lateonly')?.sealed).toBe(true);
    await turns(5);
    expect(probe.events).toEqual([]);
  });

  it('reports a task that adds to its own request from inside, without running the addition', async () => {
    expect((await get(`${server.url}/reenqueue`)).status).toBe(200);
    await probe.until(() => probe.errors.length === 1, 'the reported error');
    const [{ task, error }] = probe.errors as [{ task: string; error: unknown }];
    expect(task).toBe('outer');
    expect(error).toBeInstanceOf(TaskAfterResponseError);
    expect((error as Error).message).toContain('"record" from inside a running background task');
    await turns();
    expect(probe.events).toEqual([]);
  });

  it.each([
    ['responded', 'abort'],
    ['first asked for its collection', 'abortlate'],
  ])('runs the tasks once when the client went away before the handler %s', async (_when, scenario) => {
    const request = http.get(`${server.url}/${scenario}`, { agent: false });
    const requestError = once(request, 'error');
    await probe.until(() => probe.events.includes(`${scenario}:arrived`), 'the handler');
    request.destroy();
    await requestError;

    await probe.until(() => probe.events.includes(`${scenario}:task`), 'the task');
    await turns(5);
    expect(probe.events).toEqual([`${scenario}:arrived`, `${scenario}:task`]);
  });

  it('runs the tasks once when the client goes away in the middle of the response', async () => {
    const request = http.get(`${server.url}/big`, { agent: false });
    const [response] = (await once(request, 'response')) as [http.IncomingMessage];
    expect(response.statusCode).toBe(200);
    // Dropped with most of the body unread. Not events.once: it rejects on the 'aborted' error.
    const closed = new Promise((resolve) => response.once('close', resolve));
    response.on('error', () => probe.record('client:aborted'));
    request.destroy();
    await closed;

    await probe.until(() => probe.events.includes('big:task'), 'the task');
    await turns(5);
    expect(probe.events.filter((event) => event !== 'client:aborted')).toEqual(['big:task']);
  });

  it('still runs tasks added before the handler failed', async () => {
    expect(await get(`${server.url}/boom`)).toEqual({ status: 500, body: 'failed' });
    await probe.until(() => probe.events.includes('boom:task'), 'the task');
    await turns();
    expect(probe.count('boom:task')).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------

describe.each(EXPRESS_MAJORS)('%s adapter: a middleware wraps end()', (_major, createApp) => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    expect(crashes).not.toHaveBeenCalled();
  });

  /** Serves `app`, requests `/`, and drops the connection as soon as the handler has recorded 'sent'. */
  async function leaveOnceSent(app: express.Express): Promise<void> {
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    close = () => closeServer(server);
    const request = http.get(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { agent: false });
    request.on('error', () => probe.record('client:error'));
    await probe.until(() => probe.events.includes('sent'), 'the handler');
    request.destroy();
  }

  /** A middleware wrapping res.end() as compression can: the real end() only once the client has left. */
  const holdEndUntilClose: express.RequestHandler = (_req, res, next) => {
    const end = res.end;
    res.end = function holdEnd(this: express.Response, ...args: unknown[]): express.Response {
      // Only once the client has left, so the tasks cannot have started on 'finish'.
      res.once('close', () => {
        Reflect.apply(end, this, args);
        probe.record('real end');
      });
      return this;
    } as express.Response['end'];
    next();
  };

  it('runs the tasks once when a wrapper inside it (as compression does) holds the real end until the client is gone', async () => {
    probe = new Probe();
    const app = createApp();
    app.use(holdEndUntilClose);
    app.use(expressBackgroundTasks({ onError: probe.onError }));
    app.get('/', (req, res) => {
      req.backgroundTasks.addTask(record, 'task');
      res.send('held');
      probe.record('sent');
    });
    await leaveOnceSent(app);

    await probe.until(() => probe.events.includes('task') && probe.events.includes('real end'), 'the task');
    await turns(5);
    expect(probe.count('task')).toBe(1);
  });

  it('seals at the handler’s end() and runs the tasks, request after request, when a middleware in front calls the real end() later (as compression’s)', async () => {
    probe = new Probe();
    const app = createApp();
    // Installed before the adapter: the handler's res.end() is this wrapper, and the response has
    // not ended yet when it returns.
    app.use((_req, res, next) => {
      const end = res.end;
      res.end = function deferEnd(this: express.Response, ...args: unknown[]): express.Response {
        setImmediate(() => Reflect.apply(end, this, args));
        return this;
      } as express.Response['end'];
      next();
    });
    app.use(expressBackgroundTasks({ onError: probe.onError }));
    app.get('/', (req, res) => {
      const id = String(req.query.id);
      const tasks = req.backgroundTasks;
      tasks.addTask(record, `task:${id}`);
      res.send('deferred');
      try {
        tasks.addTask(lateTask);
      } catch (error) {
        probe.late.push(error);
      }
    });
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    close = () => closeServer(server);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    for (const id of ['first', 'second']) {
      expect(await get(`${url}/?id=${id}`)).toEqual({ status: 200, body: 'deferred' });
      await probe.until(() => probe.events.includes(`task:${id}`), `the task of the ${id} request`);
    }
    expect(probe.late).toHaveLength(2);
    expect(probe.late.every((error) => error instanceof TaskAfterResponseError)).toBe(true);
    await turns(5);
    expect(probe.events).toEqual(['task:first', 'task:second']);
  });

  it('runs the tasks when a wrapper installed after the collection was made holds the real end() and the client leaves meanwhile', async () => {
    probe = new Probe();
    const app = createApp();
    app.use(expressBackgroundTasks({ onError: probe.onError }));
    app.use((req, _res, next) => {
      req.backgroundTasks.addTask(record, 'audit');
      probe.captured.set('audit', req.backgroundTasks);
      next();
    });
    app.use(holdEndUntilClose);
    app.get('/', (_req, res) => {
      res.send('held');
      probe.record('sent');
    });
    await leaveOnceSent(app);

    await probe.until(() => probe.events.includes('audit'), 'the task');
    await turns(5);
    expect(probe.events.filter((event) => event !== 'client:error')).toEqual(['sent', 'real end', 'audit']);
    expect(() => probe.captured.get('audit')?.addTask(lateTask)).toThrow(TaskAfterResponseError);
  });
});

describe('express adapter without an Express app', () => {
  it('gives a hand-made request (not from an Express app) its own collection, leaving Object.prototype alone', () => {
    const req = {} as express.Request;
    const res = new http.ServerResponse(new http.IncomingMessage(new Socket())) as unknown as express.Response;
    let called = false;
    expressBackgroundTasks()(req, res, () => {
      called = true;
    });
    expect(called).toBe(true);
    expect(Object.hasOwn(Object.prototype, 'backgroundTasks')).toBe(false);
    expect(req.backgroundTasks.sealed).toBe(false);
  });
});

describe.each(EXPRESS_MAJORS)('%s adapter: where the lazy collection lives', (_major, createApp) => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
    expect(crashes).not.toHaveBeenCalled();
  });

  it('works in a mounted app, and lets a middleware replace the collection', async () => {
    probe = new Probe();
    const child = createApp();
    child.use(expressBackgroundTasks({ onError: probe.onError }));
    child.get('/', (req, res) => {
      req.backgroundTasks.addTask(record, 'child');
      res.send('ok child');
    });
    const app = createApp();
    app.use('/child', child);
    const replacement = new BackgroundTasksClass();
    app.get('/replace', expressBackgroundTasks(), (req, res) => {
      req.backgroundTasks = replacement;
      res.send(String(req.backgroundTasks === replacement));
    });
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    close = () => closeServer(server);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    expect(await get(`${url}/child`)).toEqual({ status: 200, body: 'ok child' });
    await probe.until(() => probe.events.includes('child'), 'the task of the mounted app');
    expect(await get(`${url}/replace`)).toEqual({ status: 200, body: 'true' });
    // The getter lives on the app's request prototype; reading it there is not reading a request.
    expect({ ...child.request }.backgroundTasks).toBeUndefined();
  });

  it('runs the tasks of a mounted app that hands the request back to its parent (next(err), or a 404 there)', async () => {
    // Express (4 and 5) gives the request and response back the parent's prototypes when a mounted
    // app calls next(): whatever the child's adapter set up must still seal and run.
    probe = new Probe();
    const child = createApp();
    child.use(expressBackgroundTasks({ onError: probe.onError }));
    child.get('/fail', (req, _res, next) => {
      req.backgroundTasks.addTask(record, 'child:fail');
      next(new Error('handled by the parent'));
    });
    child.get('/pass', (req, _res, next) => {
      req.backgroundTasks.addTask(record, 'child:pass');
      next();
    });
    const app = createApp();
    app.use('/child', child);
    app.use((error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(500).send(error.message);
    });
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    close = () => closeServer(server);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    expect(await get(`${url}/child/fail`)).toEqual({ status: 500, body: 'handled by the parent' });
    await probe.until(() => probe.events.includes('child:fail'), 'the task before next(err)');
    expect((await get(`${url}/child/pass`)).status).toBe(404);
    await probe.until(() => probe.events.includes('child:pass'), 'the task before the parent 404');
    await turns(5);
    expect(probe.events).toEqual(['child:fail', 'child:pass']);
  });

  it('keeps serving, and runs its own collection, when a middleware swaps in a stand-in after the adapter made one', async () => {
    probe = new Probe();
    const standIn = { addTask: vi.fn(), seal: 'not a function', run: 'not a function' };
    const app = createApp();
    app.use(expressBackgroundTasks({ onError: probe.onError }));
    app.use((req, _res, next) => {
      req.backgroundTasks.addTask(record, `before:${req.path}`);
      req.backgroundTasks = standIn as unknown as BackgroundTasks;
      next();
    });
    app.get('/:id', (req, res) => {
      req.backgroundTasks.addTask(record, 'to the stand-in');
      res.send(`ok ${req.params.id}`);
    });
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    close = () => closeServer(server);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    expect(await get(`${url}/one`)).toEqual({ status: 200, body: 'ok one' });
    expect(await get(`${url}/two`)).toEqual({ status: 200, body: 'ok two' });
    await probe.until(() => probe.events.length === 2, 'the tasks added before the swap');
    await turns(5);
    expect([...probe.events].sort()).toEqual(['before:/one', 'before:/two']);
    expect(standIn.addTask).toHaveBeenCalledTimes(2);
  });
});

describe.each(EXPRESS_MAJORS)('%s adapter: a response not driven by node:http’s server', (_major, createApp) => {
  afterEach(() => {
    expect(crashes).not.toHaveBeenCalled();
  });

  it('runs the tasks on finish when no close follows (as with serverless-http)', async () => {
    probe = new Probe();
    const app = createApp();
    app.use(expressBackgroundTasks({ onError: probe.onError }));
    app.get('/', (req, res) => {
      req.backgroundTasks.addTask(record, 'task');
      res.send('ok');
    });
    // What serverless-http does: a ServerResponse on a stand-in socket, handed to the app directly.
    const req = new http.IncomingMessage(new Socket());
    req.method = 'GET';
    req.url = '/';
    const res = new http.ServerResponse(req);
    res.assignSocket(new Writable({ write: (_chunk, _encoding, done) => done() }) as Socket);
    const finished = once(res, 'finish');
    res.on('close', () => probe.record('close'));
    app(req as express.Request, res as express.Response);

    await within(finished, 5000, 'the response to finish');
    await probe.until(() => probe.events.includes('task'), 'the task');
    await turns(5);
    expect(probe.events).toEqual(['task']);
  });
});

describe('fastify adapter: hooks and plugin scope', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    probe.gate.resolve();
    await close?.();
    expect(crashes).not.toHaveBeenCalled();
  });

  it('does not hold later onResponse hooks for the duration of the tasks', async () => {
    probe = new Probe();
    const app = Fastify();
    await app.register(fastifyBackgroundTasks, { onError: probe.onError });
    app.addHook('onResponse', async () => {
      probe.record('later onResponse hook');
    });
    app.get('/', async (request, reply) => {
      request.backgroundTasks.addTask(slowTask, 'gated', () => reply.raw.writableFinished);
      return 'ok';
    });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    close = () => app.close();

    expect((await get(url)).status).toBe(200);
    await probe.until(() => probe.events.includes('later onResponse hook'), 'the later hook');
    expect(probe.events).not.toContain('slow:gated:done');
    probe.gate.resolve();
    await probe.until(() => probe.events.includes('slow:gated:done'), 'the task');
  });

  it('runs the tasks once when the client leaves during a later async onSend hook (as compression)', async () => {
    probe = new Probe();
    const app = Fastify();
    await app.register(fastifyBackgroundTasks, { onError: probe.onError });
    app.addHook('onSend', async (_request, reply, payload) => {
      probe.record('holding');
      await new Promise((resolve) => reply.raw.once('close', resolve));
      return payload;
    });
    app.get('/', async (request) => {
      request.backgroundTasks.addTask(record, 'task');
      return 'held';
    });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    close = () => app.close();

    const request = http.get(url, { agent: false });
    request.on('error', () => probe.record('client:error'));
    await probe.until(() => probe.events.includes('holding'), 'the onSend hook');
    request.destroy();

    await probe.until(() => probe.events.includes('task'), 'the task');
    await turns(5);
    expect(probe.count('task')).toBe(1);
  });

  it('applies to routes in encapsulated child plugins and survives an earlier onRequest reply', async () => {
    probe = new Probe();
    const app = Fastify();
    app.addHook('onRequest', async (request, reply) => {
      if (request.url === '/denied') await reply.code(401).send('denied');
    });
    await app.register(fastifyBackgroundTasks, { onError: probe.onError });
    await app.register(async (child) => {
      child.get('/child', async (request) => {
        request.backgroundTasks.addTask(record, 'child');
        return 'ok child';
      });
    });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    close = () => app.close();

    expect(await get(`${url}/denied`)).toEqual({ status: 401, body: 'denied' });
    expect(await get(`${url}/child`)).toEqual({ status: 200, body: 'ok child' });
    await probe.until(() => probe.events.includes('child'), 'the child route task');
    expect(probe.errors).toEqual([]);
  });
});

describe('hono adapter on @hono/node-server: streamed responses', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    expect(crashes).not.toHaveBeenCalled();
  });

  it('starts the tasks only once the stream has been written out, not when the handler returns', async () => {
    probe = new Probe();
    const endStream = deferred();
    const app = new Hono<{ Bindings: HttpBindings }>();
    app.use(honoBackgroundTasks({ onError: probe.onError }));
    app.get('/stream', (c) => {
      c.var.backgroundTasks.addTask(function afterStream() {
        probe.record(`task:finished=${String(c.env.outgoing.writableFinished)}`);
      });
      const encoder = new TextEncoder();
      const body = new ReadableStream<Uint8Array>({
        async start(controller) {
          controller.enqueue(encoder.encode('first,'));
          await endStream.promise;
          controller.enqueue(encoder.encode('last'));
          controller.close();
        },
      });
      return c.body(body);
    });
    const port = deferred<number>();
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => port.resolve(info.port));
    close = () => closeServer(server as http.Server);

    const request = http.get(`http://127.0.0.1:${await port.promise}/stream`, { agent: false });
    const [response] = (await once(request, 'response')) as [http.IncomingMessage];
    response.setEncoding('utf8');
    let body = String((await once(response, 'data'))[0]);
    const ended = new Promise<void>((resolve) => {
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.once('end', resolve);
    });
    // The handler returned long ago; a task that started on that would have run by now.
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(probe.events).toEqual([]);

    endStream.resolve();
    await ended;
    expect(body).toBe('first,last');
    await probe.until(() => probe.events.length > 0, 'the task');
    expect(probe.events).toEqual(['task:finished=true']);
  });

  it('runs the tasks when the client leaves in the middle of a stream', async () => {
    probe = new Probe();
    const endStream = deferred();
    const app = new Hono<{ Bindings: HttpBindings }>();
    app.use(honoBackgroundTasks({ onError: probe.onError }));
    app.get('/stream', (c) => {
      c.var.backgroundTasks.addTask(record, 'task');
      const body = new ReadableStream<Uint8Array>({
        async start(controller) {
          controller.enqueue(new TextEncoder().encode('first,'));
          await endStream.promise;
          controller.close();
        },
      });
      return c.body(body);
    });
    const port = deferred<number>();
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => port.resolve(info.port));
    close = async () => {
      endStream.resolve();
      await closeServer(server as http.Server);
    };

    const request = http.get(`http://127.0.0.1:${await port.promise}/stream`, { agent: false });
    const [response] = (await once(request, 'response')) as [http.IncomingMessage];
    response.on('error', () => probe.record('client:aborted'));
    await once(response, 'data');
    request.destroy();

    await probe.until(() => probe.events.includes('task'), 'the task');
    await turns(5);
    expect(probe.count('task')).toBe(1);
  });
});

describe('hono adapter without @hono/node-server', () => {
  function makeApp(): Hono {
    const app = new Hono();
    app.use(honoBackgroundTasks({ onError: probe.onError }));
    app.get('/', (c) => {
      c.var.backgroundTasks.addTask(record, 'first');
      c.get('backgroundTasks').addTask(throwsSync);
      c.get('backgroundTasks').addTask(record, 'second');
      return c.text('ok');
    });
    return app;
  }

  beforeEach(() => {
    probe = new Probe();
  });
  afterEach(async () => {
    await turns();
    expect(crashes).not.toHaveBeenCalled();
  });

  it('hands the run to executionCtx.waitUntil, called as a method, after returning the response', async () => {
    class WorkersLikeContext implements ExecutionContext {
      readonly props = {};
      readonly #pending: Promise<unknown>[] = [];
      get pending(): Promise<unknown>[] {
        return this.#pending;
      }
      waitUntil(promise: Promise<unknown>): void {
        // A private field makes a detached call throw, as workerd's "Illegal invocation" does.
        this.#pending.push(promise);
      }
      passThroughOnException(): void {
        throw new Error('not expected');
      }
    }
    const executionCtx = new WorkersLikeContext();

    const response = await makeApp().fetch(new Request('http://localhost/'), {}, executionCtx);
    expect(await response.text()).toBe('ok');
    expect(executionCtx.pending).toHaveLength(1);
    expect(probe.events).toEqual([]);

    await Promise.all(executionCtx.pending);
    expect(probe.events).toEqual(['first', 'second']);
    expect(probe.errors.map(({ task }) => task)).toEqual(['throwsSync']);
  });

  it('runs after the response is returned where there is neither waitUntil nor a Node response', async () => {
    const response = await makeApp().request('/');
    expect(await response.text()).toBe('ok');
    expect(probe.events).toEqual([]);
    await probe.until(() => probe.events.length === 2, 'the tasks');
    expect(probe.events).toEqual(['first', 'second']);
    expect(probe.errors.map(({ task }) => task)).toEqual(['throwsSync']);
  });
});
