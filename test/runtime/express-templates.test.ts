import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import express from 'express';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backgroundTasks } from '../../templates/runtime/express.js';

// The generated Express handlers on both majors: Express 4 neither catches an async handler's
// rejection nor leaves req.body undefined without a body, Express 5 does both. Express 4 is the
// `express4` alias devDependency, typed as Express 5 (the API used here is the same).
const express4 = createRequire(import.meta.url)('express4') as typeof express;
const EXPRESS_MAJORS = [
  ['express 5', express],
  ['express 4', express4],
] as const;

// The status router's only way to Redis, replaced so that each test picks the failure.
const getStatus = vi.hoisted(() => vi.fn<(id: string) => Promise<unknown>>());
vi.mock('../../templates/bullmq/__task-name__.queue.js', () => ({ get__TaskName__Status: getStatus }));

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
  getStatus.mockReset();
  vi.doUnmock('express');
  vi.resetModules();
});

async function serve(app: express.Express): Promise<string> {
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  };
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** One request on its own connection, with an optional JSON body. */
function request(method: string, url: string, json?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers = json === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) };
    const outgoing = http.request(url, { method, agent: false, headers, timeout: 5000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer to ${method} ${url}: a rejection that never reached next()?`)));
    outgoing.on('error', reject);
    outgoing.end(json);
  });
}

describe.each(EXPRESS_MAJORS)('%s: the in-process route template', (_major, createApp) => {
  // The task logs each run.
  beforeEach(() => {
    vi.spyOn(console, 'info').mockImplementation(() => undefined);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** The route's handler, served at POST /receipts (the template registers it at '__route-path__', which add-task fills in). */
  async function routeApp(withJsonParser: boolean): Promise<string> {
    // The route's own json() from this major's express, as the generated file would import it.
    vi.resetModules();
    vi.doMock('express', () => ({ default: createApp, json: createApp.json, Router: createApp.Router }));
    const { register__TaskName__Route } = await import('../../templates/in-process/routes/express.js');
    const handlers: express.RequestHandler[] = [];
    const recorder = {
      post: (_path: string, ...routeHandlers: express.RequestHandler[]) => {
        handlers.push(...routeHandlers);
      },
    };
    register__TaskName__Route(recorder as unknown as express.IRouter);
    const app = createApp();
    if (withJsonParser) app.use(createApp.json());
    app.use(backgroundTasks());
    app.post('/receipts', ...handlers);
    return serve(app);
  }

  it('reads the query string when the request has no body, with express.json() installed', async () => {
    const url = await routeApp(true);
    expect(await request('POST', `${url}/receipts?id=from-query`)).toEqual({ status: 202, body: '{"accepted":true,"id":"from-query"}' });
    expect(await request('POST', `${url}/receipts?id=from-query`, '{"id":"from-body"}')).toEqual({ status: 202, body: '{"accepted":true,"id":"from-body"}' });
    expect((await request('POST', `${url}/receipts`)).status).toBe(400);
  });

  it('reads the body and the query string without a body parser on the app (registered before express.json(), say)', async () => {
    const url = await routeApp(false);
    expect(await request('POST', `${url}/receipts?id=no-parser`)).toEqual({ status: 202, body: '{"accepted":true,"id":"no-parser"}' });
    expect(await request('POST', `${url}/receipts`, '{"id":"own-parser"}')).toEqual({ status: 202, body: '{"accepted":true,"id":"own-parser"}' });
  });
});

describe.each(EXPRESS_MAJORS)('%s: the BullMQ status router template', (_major, createApp) => {
  /** The router, made with this major's Router(): Express 5's would catch the rejection itself. */
  async function statusApp(): Promise<string> {
    vi.resetModules();
    vi.doMock('express', () => ({ default: createApp, Router: createApp.Router }));
    const { __taskName__StatusRouter } = await import('../../templates/bullmq/status/express.js');
    const { RedisUnavailableError } = await import('../../templates/queue/redis.js');
    getStatus.mockImplementation(async (id) => {
      if (id === 'down') throw new RedisUnavailableError('Redis is down');
      if (id === 'broken') throw new Error('not a Redis outage');
      return id === 'known' ? { id, state: 'completed' } : undefined;
    });
    const app = createApp();
    app.use(__taskName__StatusRouter);
    app.use((error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(500).send(`error handler: ${error.message}`);
    });
    return serve(app);
  }

  it('answers the job, a 404, a 503 while Redis is down, and hands any other failure to next(err)', async () => {
    const url = await statusApp();
    expect(await request('GET', `${url}/jobs/__task-name__/known`)).toEqual({ status: 200, body: '{"id":"known","state":"completed"}' });
    expect((await request('GET', `${url}/jobs/__task-name__/missing`)).status).toBe(404);
    expect(await request('GET', `${url}/jobs/__task-name__/down`)).toEqual({ status: 503, body: '{"error":"The job queue is unavailable; try again shortly."}' });
    expect(await request('GET', `${url}/jobs/__task-name__/broken`)).toEqual({ status: 500, body: 'error handler: not a Redis outage' });
  });
});
