// One benchmark server, run as a child process of in-process.ts (see README.md):
//   node in-process-server.js <express|fastify|hono> <task|no-task|bare|empty|detached>
// It listens on an ephemeral 127.0.0.1 port and talks to its parent over IPC. The handler is the
// same trivial `GET /` -> 200 "ok" in every variant:
//   task     the runtime middleware is installed and the handler adds a task that sleeps 2 s
//   no-task  the runtime middleware is installed, the handler adds nothing
//   bare     no middleware at all
//   empty    an empty middleware (Fastify: empty onSend and onResponse hooks, the ones the adapter
//            uses), installed as the adapter is: what the framework charges for having one at all
//   detached the runtime middleware is installed as in no-task (on Express and Fastify it then makes
//            nothing; Hono's makes an empty collection per request), and the handler starts the same
//            2 s task itself without awaiting it: what (a) would cost if the runtime's part in it were free
//   floor    (Express only) the handler adds the same task through floorBackgroundTasks below: the
//            least any runtime that starts tasks on 'finish' can do, so what no design of it could save
// BENCH_EXPRESS_PRESET_PROTOTYPES=1 builds the Express servers' requests and responses on the app's
// own prototypes (see README.md), so that Express's per-request Object.setPrototypeOf does nothing.
// The runtime is imported from templates/runtime/, so this measures exactly the code users get.
import { createServer, IncomingMessage, ServerResponse, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { GCProfiler, getHeapStatistics } from 'node:v8';
import { serve, type HttpBindings } from '@hono/node-server';
import express, { type Express, type Request, type RequestHandler, type Response } from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { backgroundTasks as expressBackgroundTasks } from '../templates/runtime/express.js';
import { backgroundTasks as fastifyBackgroundTasks } from '../templates/runtime/fastify.js';
import { backgroundTasks as honoBackgroundTasks } from '../templates/runtime/hono.js';
import type { BackgroundTasksOptions } from '../templates/runtime/tasks.js';
import { flagFromEnv, FRAMEWORKS, SERVER_VARIANTS, TASK_MS, type Framework, type FromServer, type ServerVariant, type Stats, type ToServer } from './protocol.js';

let added = 0;
let completed = 0;
let failed = 0;

/** The 2-second task: a pending timer per request, as a real "send the e-mail later" would hold. */
async function sleepTwoSeconds(_requestNumber: number): Promise<void> {
  await sleep(TASK_MS);
  completed += 1;
}

/** The detached variant's fire-and-forget start, with the catch that keeps a rejection from crashing. */
function startDetached(requestNumber: number): void {
  sleepTwoSeconds(requestNumber).catch(() => {
    failed += 1;
  });
}

/**
 * (a), (b) and (e): the variants that install the runtime's middleware. (e) has it too, unused, so that
 * (a) against (e) is the runtime alone, not also what the framework charges for any middleware
 * ((d) − (c) in the throughput table: 0.5 KB per request on Express, about 3 KB on Hono).
 */
function withRuntime(variant: ServerVariant): boolean {
  return variant === 'task' || variant === 'no-task' || variant === 'detached';
}

const options: BackgroundTasksOptions = {
  onError: () => {
    failed += 1;
  },
};

function send(message: FromServer): void {
  process.send?.(message);
}

/**
 * The floor: per task request, one small object with the response, one 'finish' listener that starts
 * the task, and a catch. What it leaves out, the runtime needs: a collection that keeps several tasks
 * in order and seals, error reports with the task's name, the client leaving early, end() wrapped by a
 * middleware. Installed as the runtime's getter is, on the app's request prototype.
 */
function floorBackgroundTasks(): RequestHandler {
  class FloorTasks {
    constructor(readonly res: Response) {}
    addTask<Args extends unknown[]>(fn: (...args: Args) => unknown, ...args: Args): void {
      this.res.on('finish', () => {
        Promise.resolve(fn(...args)).catch(() => {
          failed += 1;
        });
      });
    }
  }
  return (req, _res, next) => {
    // app.request: the prototype Express gives this app's requests (untyped).
    const appRequest = (req.app as unknown as { request: Request }).request;
    if (!Object.hasOwn(appRequest, 'backgroundTasks')) {
      Object.defineProperty(appRequest, 'backgroundTasks', {
        configurable: true,
        get(this: Request): FloorTasks | undefined {
          return this.res === undefined ? undefined : new FloorTasks(this.res);
        },
      });
    }
    next();
  };
}

async function startExpress(variant: ServerVariant): Promise<Server> {
  const app = express();
  if (variant === 'empty') app.use((_req, _res, next) => next());
  else if (variant === 'floor') app.use(floorBackgroundTasks());
  else if (withRuntime(variant)) app.use(expressBackgroundTasks(options));
  app.get('/', (req, res) => {
    if (variant === 'task' || variant === 'floor') req.backgroundTasks.addTask(sleepTwoSeconds, ++added);
    else if (variant === 'detached') startDetached(++added);
    res.send('ok');
  });
  const server = flagFromEnv('BENCH_EXPRESS_PRESET_PROTOTYPES') ? serverOnAppPrototypes(app) : createServer(app);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

/**
 * A server whose requests and responses are born with the app's prototypes (app.request and
 * app.response), so the Object.setPrototypeOf(req/res, ...) that Express does on every request
 * changes nothing. Changing a live object's prototype is what makes a third of what Express
 * allocates per request survive young-generation collections; this shows what Express's p99s would be
 * without it (the approach of expressjs/express#5998). Diagnostic only: users run app.listen().
 */
function serverOnAppPrototypes(app: Express): Server {
  function AppRequest(this: IncomingMessage, socket: Socket): void {
    Reflect.apply(IncomingMessage, this, [socket]);
  }
  AppRequest.prototype = app.request;
  function AppResponse(this: ServerResponse, req: IncomingMessage, options?: unknown): void {
    Reflect.apply(ServerResponse, this, [req, options]);
  }
  AppResponse.prototype = app.response;
  return createServer({ IncomingMessage: AppRequest as unknown as typeof IncomingMessage, ServerResponse: AppResponse as unknown as typeof ServerResponse }, app);
}

async function startFastify(variant: ServerVariant): Promise<Server> {
  const app = Fastify({ logger: false });
  if (variant === 'empty') {
    app.addHook('onSend', (_request, _reply, payload, next) => next(null, payload));
    app.addHook('onResponse', (_request, _reply, next) => next());
  } else if (withRuntime(variant)) await app.register(fastifyBackgroundTasks, options);
  app.get('/', async (request, reply) => {
    if (variant === 'task') request.backgroundTasks.addTask(sleepTwoSeconds, ++added);
    else if (variant === 'detached') startDetached(++added);
    return reply.type('text/plain').send('ok');
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return app.server;
}

async function startHono(variant: ServerVariant): Promise<Server> {
  const app = new Hono<{ Bindings: HttpBindings }>();
  if (variant === 'empty') app.use((_c, next) => next());
  else if (withRuntime(variant)) app.use(honoBackgroundTasks(options));
  app.get('/', (c) => {
    if (variant === 'task') c.var.backgroundTasks.addTask(sleepTwoSeconds, ++added);
    else if (variant === 'detached') startDetached(++added);
    return c.text('ok');
  });
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(server as Server));
  });
}

async function waitForTasks(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (completed + failed < added && Date.now() < deadline) await sleep(50);
}

/**
 * Running totals of what the garbage collector saw, from V8's own GC profiler: the bytes allocated
 * (how much the heap grew between one collection and the next, summed) and the collections'
 * pauses. At a fixed request rate, the p99 of a Node server is mostly its scavenges, and their
 * number follows the bytes allocated per request.
 */
class GcMeter {
  #profiler = new GCProfiler();
  #usedAtWindowStart = getHeapStatistics().used_heap_size;
  #allocatedBytes = 0;
  #pauseMicros = 0;

  constructor() {
    this.#profiler.start();
  }

  /** Totals since the server started; the profiler restarts, so each call reads only the new collections. */
  read(): Pick<Stats, 'allocatedBytes' | 'gcPauseMicros'> {
    const { statistics } = this.#profiler.stop();
    const usedNow = getHeapStatistics().used_heap_size;
    this.#profiler = new GCProfiler();
    this.#profiler.start();
    let used = this.#usedAtWindowStart;
    for (const collection of statistics) {
      this.#allocatedBytes += Math.max(0, collection.beforeGC.heapStatistics.usedHeapSize - used);
      used = collection.afterGC.heapStatistics.usedHeapSize;
      this.#pauseMicros += collection.cost;
    }
    this.#allocatedBytes += Math.max(0, usedNow - used);
    this.#usedAtWindowStart = usedNow;
    return { allocatedBytes: this.#allocatedBytes, gcPauseMicros: this.#pauseMicros };
  }
}

const gcMeter = new GcMeter();

function stats(): Stats {
  const memory = process.memoryUsage();
  const cpu = process.cpuUsage();
  return { type: 'stats', added, completed, failed, rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, cpuMicros: cpu.user + cpu.system, ...gcMeter.read() };
}

async function main(): Promise<void> {
  const [framework, variant] = process.argv.slice(2) as [Framework | undefined, ServerVariant | undefined];
  if (framework === undefined || !FRAMEWORKS.includes(framework) || variant === undefined || !SERVER_VARIANTS.includes(variant)) {
    throw new Error(`usage: in-process-server.js <${FRAMEWORKS.join('|')}> <${SERVER_VARIANTS.join('|')}>`);
  }
  if (process.send === undefined) throw new Error('in-process-server.js is started by in-process.js (it needs an IPC channel).');
  if (variant === 'floor' && framework !== 'express') throw new Error('the floor variant is Express only');
  const server = framework === 'express' ? await startExpress(variant) : framework === 'fastify' ? await startFastify(variant) : await startHono(variant);

  process.on('message', (message: ToServer) => {
    if (message.type === 'stats') {
      send(stats());
    } else if (message.type === 'drain') {
      void waitForTasks(message.timeoutMs).then(() => send(stats()));
    } else if (message.type === 'stop') {
      server.closeAllConnections();
      server.close(() => process.exit(0));
    }
  });
  // The parent going away (crash, Ctrl-C) must not leave a server behind.
  process.on('disconnect', () => process.exit(0));

  send({ type: 'ready', port: (server.address() as AddressInfo).port });
}

main().catch((error: unknown) => {
  console.error('[bench server] failed:', error);
  process.exit(1);
});
