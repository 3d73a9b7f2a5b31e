import rule from '../../src/rules/response-in-task.js';
import { ruleTester } from '../helpers/rule-tester.js';

const expressHeader = `
import express from 'express';
import { backgroundTasks } from './background/express.js';

const app = express();
app.use(express.json());
app.use(backgroundTasks());

async function notify(line: string): Promise<void> {
  await fetch('https://hooks.example.com', { method: 'POST', body: line });
}
`;
// Lines 2-12 above; a case's own code starts on line 13.

const fastifyHeader = `
import Fastify from 'fastify';
import { backgroundTasks } from './background/fastify.js';

const app = Fastify();
await app.register(backgroundTasks);
`;
// Lines 2-6 above; a case's own code starts on line 8.

ruleTester(rule, {
  valid: [
    {
      name: 'a task that logs values read from req and res before it',
      code: `${expressHeader}
app.post('/orders', (req, res) => {
  const user = String(res.locals.user);
  res.status(201).json({ ok: true });
  const status = res.statusCode;
  req.backgroundTasks.addTask(notify, \`\${user} got \${status}\`);
  req.backgroundTasks.addTask(() => console.log('order placed', req.body, user));
});
`,
    },
    {
      name: 'a finish listener that reads the status, a header and the elapsed time',
      code: `${expressHeader}
app.use((req, res, next) => {
  const started = Date.now();
  res.on('finish', () => {
    const length = res.getHeader('content-length');
    console.log(req.method, req.originalUrl, res.statusCode, length, \`\${Date.now() - started}ms\`, res.locals.requestId);
  });
  next();
});
`,
    },
    {
      name: 'SSE cleanup: res.end() without a body in a close listener is a no-op',
      code: `${expressHeader}
app.get('/events', (req, res) => {
  res.setHeader('Content-Type', 'text/event-stream');
  res.flushHeaders();
  const timer = setInterval(() => res.write(\`data: \${Date.now()}\\n\\n\`), 15_000);
  res.on('close', () => {
    clearInterval(timer);
    res.end();
  });
});
`,
    },
    {
      name: 'a finish listener that checks headersSent before writing',
      code: `${expressHeader}
app.use((req, res, next) => {
  const started = process.hrtime.bigint();
  res.on('finish', () => {
    if (!res.headersSent) res.set('X-Response-Time', String(process.hrtime.bigint() - started));
  });
  next();
});
`,
    },
    {
      name: "a task's own res: a fetch result and a Response it builds",
      code: `${expressHeader}
app.post('/mirror', (req, res) => {
  const url = String(req.body.url);
  req.backgroundTasks.addTask(async () => {
    const res = await fetch(url);
    const body = (await res.json()) as unknown;
    const copy = new Response(JSON.stringify(body), { status: 200 });
    await notify(await copy.text());
  });
  res.sendStatus(202);
});
`,
    },
    {
      name: 'a Fastify onResponse hook that reads the reply and logs; an onSend hook that sets a header',
      code: `${fastifyHeader}
app.addHook('onSend', async (request, reply, payload) => {
  reply.header('x-request-id', request.id);
  return payload;
});

app.addHook('onResponse', async (request, reply) => {
  request.log.info({ status: reply.statusCode, ms: reply.elapsedTime, type: reply.getHeader('content-type') }, 'served');
  reply.log.debug('done');
});
`,
    },
    {
      name: 'on-headers sets the header while it still can',
      code: `${expressHeader}
import onHeaders from 'on-headers';

app.use((req, res, next) => {
  const started = Date.now();
  onHeaders(res, () => {
    res.setHeader('X-Response-Time', \`\${Date.now() - started}ms\`);
  });
  next();
});
`,
    },
    {
      name: 'Next.js: cookies read inside after() and set before it; a NextResponse built in after()',
      code: `
import { after, NextResponse } from 'next/server';
import { cookies } from 'next/headers';

export async function POST(request: Request): Promise<Response> {
  const store = await cookies();
  store.set('visited', '1');
  after(async () => {
    const session = (await cookies()).get('session')?.value;
    const snapshot = NextResponse.json({ session });
    await fetch('https://audit.example.com', { method: 'POST', body: await snapshot.text() });
  });
  return Response.json({ ok: true, url: request.url });
}
`,
    },
    {
      name: 'Hono: a task reads the context (param, variables) captured from the handler',
      code: `
import { Hono } from 'hono';
import { backgroundTasks } from './background/hono.js';

const app = new Hono<{ Variables: { user: string } }>();
app.use(backgroundTasks());

app.put('/documents/:id', (c) => {
  c.var.backgroundTasks.addTask(async () => {
    await fetch(\`https://search.example.com/index/\${c.req.param('id')}\`, { method: 'POST', body: c.get('user') });
  });
  return c.json({ saved: true });
});
`,
    },
    {
      name: 'a timer that responds is how the handler sends its response, not a task',
      code: `${expressHeader}
app.get('/poll', (req, res) => {
  const timer = setTimeout(() => res.status(204).end(), 25_000);
  req.on('close', () => clearTimeout(timer));
});
`,
    },
    {
      name: 'a task given values, and a helper that writes the response called by the handler itself',
      code: `${expressHeader}
function sendError(res: express.Response, status: number, message: string): void {
  res.status(status).json({ error: message });
}

async function auditStatus(status: number, userId: string): Promise<void> {
  await notify(\`\${userId}: \${status}\`);
}

app.post('/payments', (req, res) => {
  if (!req.body.amount) return sendError(res, 400, 'amount is required');
  req.backgroundTasks.addTask(auditStatus, res.statusCode, String(res.locals.userId));
  res.status(201).json({ ok: true });
});
`,
    },
    {
      name: 'Next.js: a Supabase-style client made in after() defines a cookie writer but does not call it',
      code: `
import { after } from 'next/server';
import { createClient } from './supabase/server.js';

export async function POST(request: Request): Promise<Response> {
  const event = (await request.json()) as { name: string };
  after(async () => {
    const supabase = await createClient();
    await supabase.insert('events', event);
  });
  return Response.json({ ok: true });
}
`,
      files: {
        'src/supabase/server.ts': `
import { cookies } from 'next/headers';

declare function createServerClient(options: {
  cookies: { getAll(): unknown[]; setAll(list: { name: string; value: string }[]): void };
}): { insert(table: string, row: unknown): Promise<void> };

export async function createClient() {
  const cookieStore = await cookies();
  return createServerClient({
    cookies: {
      getAll() {
        return cookieStore.getAll();
      },
      setAll(list) {
        try {
          list.forEach(({ name, value }) => cookieStore.set(name, value));
        } catch {
          // Called from a Server Component: the middleware refreshes the session instead.
        }
      },
    },
  });
}
`,
      },
    },
    {
      name: 'a task handed the response that only reads it',
      code: `${expressHeader}
async function recordTiming(response: express.Response, started: number): Promise<void> {
  await notify(\`\${response.statusCode} in \${Date.now() - started}ms\`);
}

app.get('/reports', (req, res) => {
  req.backgroundTasks.addTask(recordTiming, res, Date.now());
  res.json([]);
});
`,
    },
  ],
  invalid: [
    {
      name: 'X-Response-Time set in a finish listener',
      code: `${expressHeader}
app.use((req, res, next) => {
  const start = process.hrtime();
  res.on('finish', () => {
    const [seconds, nanoseconds] = process.hrtime(start);
    res.setHeader('X-Response-Time', \`\${(seconds * 1000 + nanoseconds / 1e6).toFixed(2)}ms\`);
  });
  next();
});
`,
      errors: [
        {
          messageId: 'writeAfterResponse',
          line: 17,
          message: /^`res\.setHeader\(…\)` writes to the response in a response "finish" listener, which runs after it was sent: it fails with `ERR_HTTP_HEADERS_SENT`\.$/,
        },
      ],
    },
    {
      name: 'an inline task that reports its failure on the response',
      code: `${expressHeader}
app.post('/imports', (req, res) => {
  req.backgroundTasks.addTask(async () => {
    try {
      await notify(JSON.stringify(req.body));
    } catch (error) {
      res.status(500).json({ error: String(error) });
    }
  });
  res.status(202).json({ queued: true });
});
`,
      errors: [{ messageId: 'writeAfterResponse', line: 18, message: /^`res\.status\(500\)\.json\(…\)` writes to the response in a task/ }],
    },
    {
      name: 'the response handed to a named task as an argument',
      code: `${expressHeader}
async function sendReport(response: express.Response, id: string): Promise<void> {
  const report = await fetch(\`https://reports.example.com/\${id}\`).then((r) => r.text());
  response.type('text/csv').send(report);
}

app.get('/reports/:id', (req, res) => {
  req.backgroundTasks.addTask(sendReport, res, req.params.id);
  res.status(202).json({ generating: true });
});
`,
      errors: [
        {
          messageId: 'responseHandedToTask',
          line: 19,
          message: /^`res` is handed to the task `sendReport`, which calls `response\.type\('text\/csv'\)\.send\(…\)` after it was sent: it fails with `ERR_HTTP_HEADERS_SENT`\.$/,
          pathLines: [19, 15],
        },
      ],
    },
    {
      name: 'a task that calls an error helper with the response',
      code: `${expressHeader}
import { sendError } from './http/errors.js';

app.post('/uploads', (req, res) => {
  req.backgroundTasks.addTask(async () => {
    const ok = await fetch('https://scanner.example.com', { method: 'POST', body: JSON.stringify(req.body) }).then((r) => r.ok);
    if (!ok) sendError(res, 422, 'upload rejected by the virus scanner');
  });
  res.sendStatus(202);
});
`,
      files: {
        'src/http/errors.ts': `
import type { Response } from 'express';

export function sendError(res: Response, status: number, message: string): void {
  res.status(status).json({ error: message });
}
`,
      },
      errors: [{ messageId: 'writeAfterResponse', line: 18, message: /^`sendError\(…\)` writes to the response in a task/, pathLines: [16, 18, 5] }],
    },
    {
      name: 'a Fastify onResponse hook that sets a header and sends',
      code: `${fastifyHeader}
app.addHook('onResponse', async (request, reply) => {
  reply.header('x-response-time', String(reply.elapsedTime));
  if (reply.statusCode >= 500) reply.send({ error: 'something went wrong' });
});
`,
      errors: [
        { messageId: 'writeAfterResponse', line: 9, message: /in a Fastify `onResponse` hook, which runs after it was sent: the client never sees it\.$/ },
        { messageId: 'writeAfterResponse', line: 10, message: /: Fastify logs `FST_ERR_REP_ALREADY_SENT` and drops it\.$/ },
      ],
    },
    {
      name: "a Fastify task over the route's reply, and its raw response",
      code: `${fastifyHeader}
app.post<{ Params: { id: string } }>('/orders/:id/cancel', async (request, reply) => {
  request.backgroundTasks.addTask(async () => {
    const response = await fetch(\`https://payments.example.com/refund/\${request.params.id}\`, { method: 'POST' });
    if (!response.ok) reply.code(502).send({ error: 'refund failed' });
    reply.raw.setHeader('x-refund', 'failed');
  });
  return reply.code(202).send({ cancelled: true });
});
`,
      errors: [
        { messageId: 'writeAfterResponse', line: 11, message: /^`reply\.code\(502\)\.send\(…\)` writes to the response in a task/ },
        { messageId: 'writeAfterResponse', line: 12, message: /`ERR_HTTP_HEADERS_SENT`/ },
      ],
    },
    {
      name: 'Hono: a task that answers through the context',
      code: `
import { Hono } from 'hono';
import { backgroundTasks } from './background/hono.js';

const app = new Hono();
app.use(backgroundTasks());

app.post('/exports', (c) => {
  c.var.backgroundTasks.addTask(async () => {
    const file = await fetch('https://storage.example.com/export').then((r) => r.text());
    c.header('x-export', 'ready');
    return c.text(file);
  });
  return c.json({ started: true }, 202);
});
`,
      errors: [
        { messageId: 'writeAfterResponse', line: 11, message: /the client never sees it/ },
        { messageId: 'writeAfterResponse', line: 12, message: /the `Response` it builds is never sent/ },
      ],
    },
    {
      name: 'Next.js: cookies set in after(), three spellings',
      code: `
import { after } from 'next/server';
import { cookies } from 'next/headers';

export async function POST(request: Request): Promise<Response> {
  const { plan } = (await request.json()) as { plan: string };
  after(async () => {
    (await cookies()).set('plan', plan);
    const jar = await cookies();
    jar.delete('trial');
  });
  after(() => cookies().set('upgraded', '1'));
  return Response.json({ ok: true });
}
`,
      errors: [
        { messageId: 'cookieAfterResponse', line: 8, message: /^`\(await cookies\(\)\)\.set\(…\)` changes a cookie in an `after\(\)` callback, after the response was sent: Next\.js throws `ReadonlyRequestCookiesError`\.$/ },
        { messageId: 'cookieAfterResponse', line: 10 },
        { messageId: 'cookieAfterResponse', line: 12 },
      ],
    },
    {
      name: 'Next.js: an after() callback that calls a session helper which sets a cookie',
      code: `
import { after } from 'next/server';
import { touchSession } from './session.js';

export async function GET(): Promise<Response> {
  after(async () => {
    await touchSession();
  });
  return Response.json({ ok: true });
}
`,
      files: {
        'src/session.ts': `
import { cookies } from 'next/headers';

export async function touchSession(): Promise<void> {
  const store = await cookies();
  store.set('last_seen', new Date().toISOString(), { httpOnly: true });
}
`,
      },
      errors: [{ messageId: 'cookieAfterResponse', line: 7, message: /^`touchSession\(\)` changes a cookie in an `after\(\)` callback/, pathLines: [6, 7, 6] }],
    },
    {
      name: 'SSE: a goodbye event written from the close listener',
      code: `${expressHeader}
app.get('/feed', (req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/event-stream' });
  res.once('close', () => {
    res.write('event: bye\\ndata: {}\\n\\n');
  });
});
`,
      errors: [{ messageId: 'writeAfterResponse', line: 16, message: /in a response "close" listener, which runs after it was sent: it fails, as the response has already ended\.$/ }],
    },
    {
      name: 'onFinished(res, (err, res) => …) that sets a cookie on the response it is handed',
      code: `${expressHeader}
import onFinished from 'on-finished';

app.use((req, res, next) => {
  onFinished(res, (err, finished) => {
    finished.cookie('last_path', req.originalUrl);
  });
  next();
});
`,
      errors: [{ messageId: 'writeAfterResponse', line: 17, message: /^`finished\.cookie\(…\)` writes to the response in an `onFinished\(\)` callback/ }],
    },
    {
      name: 'a cookie refreshed from a finish listener, and an error middleware that redirects there',
      code: `${expressHeader}
app.use((req, res, next) => {
  res.on('finish', () => res.cookie('seen', String(Date.now()), { httpOnly: true }));
  next();
});

app.use((err: Error, req: express.Request, res: express.Response, next: express.NextFunction) => {
  res.status(500).json({ error: err.message });
  res.on('finish', () => res.redirect('/error'));
});
`,
      errors: [
        { messageId: 'writeAfterResponse', line: 14 },
        { messageId: 'writeAfterResponse', line: 20 },
      ],
    },
    {
      name: 'a closure over the response, defined in the handler and called from the task',
      code: `${expressHeader}
app.post('/payouts', (req, res) => {
  const fail = (message: string) => res.status(500).json({ error: message });
  req.backgroundTasks.addTask(async () => {
    const response = await fetch('https://payouts.example.com', { method: 'POST', body: JSON.stringify(req.body) });
    if (!response.ok) fail('payout failed');
  });
  res.sendStatus(202);
});
`,
      errors: [{ messageId: 'writeAfterResponse', line: 17, message: /^`fail\(…\)` writes to the response in a task/, pathLines: [15, 17, 14] }],
    },
  ],
});
