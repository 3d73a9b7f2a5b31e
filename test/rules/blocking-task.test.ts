import rule from '../../src/rules/blocking-task.js';
import { ruleTester } from '../helpers/rule-tester.js';

const expressHeader = `
import express from 'express';
import { backgroundTasks } from './background/express.js';

const app = express();
app.use(express.json());
app.use(backgroundTasks());
`;
// Lines 2-8 above; a case's own code starts on line 9.

ruleTester(rule, {
  valid: [
    {
      name: 'a task that reads with fs.promises and writes with the callback API',
      code: `${expressHeader}
import { promises as fsp, appendFile } from 'node:fs';
import { readFile } from 'node:fs/promises';

app.post('/reports/:id', (req, res) => {
  req.backgroundTasks.addTask(async (id: string) => {
    const template = await readFile('templates/report.html', 'utf8');
    await fsp.writeFile(\`out/\${id}.html\`, template.replace('{{id}}', id));
    appendFile('reports.log', \`\${id}\\n\`, () => {});
  }, req.params.id);
  res.status(202).json({ queued: true });
});
`,
    },
    {
      name: 'readFileSync at module scope and in a handler is not a task',
      code: `${expressHeader}
import fs from 'node:fs';

const banner = fs.readFileSync('banner.txt', 'utf8');

app.get('/version', (req, res) => {
  const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { version: string };
  res.json({ version: pkg.version, banner });
});
`,
    },
    {
      name: 'execSync in a BullMQ processor and in a CLI script runs in a process of its own',
      code: `
import { Worker } from 'bullmq';
import { execSync } from 'node:child_process';

new Worker(
  'thumbnails',
  async (job) => {
    execSync(\`convert \${String(job.data.path)} -resize 200x200 thumb.png\`);
  },
  { connection: { host: 'localhost' } },
);
`,
      files: {
        'scripts/migrate.ts': `
import { execFileSync } from 'node:child_process';

function main(): void {
  execFileSync('npx', ['prisma', 'migrate', 'deploy'], { stdio: 'inherit' });
}

main();
`,
      },
    },
    {
      name: "the project's own async readFileSync wrapper is not fs's",
      code: `${expressHeader}
import { readFileSync } from './lib/files.js';

app.post('/imports', (req, res) => {
  req.backgroundTasks.addTask(async (path: string) => {
    const text = await readFileSync(path);
    console.log('imported', text.length);
  }, String(req.body.path));
  res.sendStatus(202);
});
`,
      files: {
        'src/lib/files.ts': `
import { readFile } from 'node:fs/promises';

/** Named after fs's for history's sake; it has been async since v2. */
export async function readFileSync(path: string): Promise<string> {
  return readFile(path, 'utf8');
}
`,
      },
    },
    {
      name: 'a task that logs and builds a Response',
      code: `${expressHeader}
async function archive(id: string): Promise<void> {
  console.log('archiving', id);
  const snapshot = new Response(JSON.stringify({ id }), { headers: { 'content-type': 'application/json' } });
  await fetch('https://archive.example.com', { method: 'POST', body: await snapshot.text() });
}

app.delete('/notes/:id', (req, res) => {
  req.backgroundTasks.addTask(archive, req.params.id);
  res.sendStatus(204);
});
`,
    },
    {
      name: 'a template read once into a module-level memo',
      code: `${expressHeader}
import { readFileSync } from 'node:fs';

let template: string | undefined;

function renderInvoice(id: string): string {
  template ??= readFileSync('templates/invoice.html', 'utf8');
  return template.replace('{{id}}', id);
}

async function mailInvoice(id: string): Promise<void> {
  await fetch('https://mail.example.com', { method: 'POST', body: renderInvoice(id) });
}

app.post('/invoices/:id/send', (req, res) => {
  req.backgroundTasks.addTask(mailInvoice, req.params.id);
  res.sendStatus(202);
});
`,
    },
    {
      name: 'a timer that sends the response itself is the handler deferring its own work',
      code: `${expressHeader}
import { readFileSync } from 'node:fs';

app.get('/slow-status', (req, res) => {
  setTimeout(() => {
    res.json({ status: readFileSync('status.txt', 'utf8') });
  }, 500);
});
`,
    },
    {
      name: 'cheap crypto in a task: hashes and random bytes',
      code: `${expressHeader}
import { createHash, randomBytes } from 'node:crypto';

app.post('/uploads', (req, res) => {
  const body = JSON.stringify(req.body);
  req.backgroundTasks.addTask(async () => {
    const digest = createHash('sha256').update(body).digest('hex');
    const nonce = randomBytes(16).toString('hex');
    await fetch('https://audit.example.com', { method: 'POST', body: \`\${digest}:\${nonce}\` });
  });
  res.sendStatus(201);
});
`,
    },
    {
      name: 'a node-cron job in a scheduler process',
      code: `
import cron from 'node-cron';
import { execSync } from 'node:child_process';

cron.schedule('0 3 * * *', () => {
  execSync('pg_dump app > /backups/app.sql');
});
`,
    },
    {
      name: 'the blocking work moved to a worker thread; the task only posts to it',
      code: `${expressHeader}
import { Worker } from 'node:worker_threads';

function renderInWorker(id: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./render.worker.js', import.meta.url), { workerData: id });
    worker.once('exit', () => resolve());
    worker.once('error', reject);
  });
}

app.post('/pdfs/:id', (req, res) => {
  req.backgroundTasks.addTask(renderInWorker, req.params.id);
  res.sendStatus(202);
});
`,
      files: {
        'src/render.worker.ts': `
import { readFileSync, writeFileSync } from 'node:fs';
import { workerData } from 'node:worker_threads';

writeFileSync(\`out/\${String(workerData)}.pdf\`, readFileSync('template.pdf'));
`,
      },
    },
    {
      name: 'an access log written through a stream from a finish listener',
      code: `${expressHeader}
import { createWriteStream } from 'node:fs';

const accessLog = createWriteStream('access.log', { flags: 'a' });

app.use((req, res, next) => {
  const started = Date.now();
  res.on('finish', () => {
    accessLog.write(\`\${req.method} \${req.originalUrl} \${res.statusCode} \${Date.now() - started}ms\\n\`);
  });
  next();
});
`,
    },
    {
      name: "stream's finished(res, cb) with the callback fs API",
      code: `${expressHeader}
import { finished } from 'stream';
import fs from 'fs';

app.use((request, response, next) => {
  const start = Date.now();
  next();
  finished(response, () => {
    fs.appendFile('log.txt', \`\${request.method} \${request.url} \${response.statusCode} \${Date.now() - start}ms\\n\`, (error) => {
      if (error) console.error(error);
    });
  });
});
`,
    },
    {
      name: 'a helper that returns an object whose method would block, never called by the task',
      code: `${expressHeader}
import { writeFileSync } from 'node:fs';

function createRecorder(name: string) {
  const lines: string[] = [];
  return {
    add(line: string) {
      lines.push(line);
    },
    dumpForDebugging() {
      writeFileSync(\`/tmp/\${name}.log\`, lines.join('\\n'));
    },
  };
}

app.post('/batches', (req, res) => {
  req.backgroundTasks.addTask(async () => {
    const recorder = createRecorder('batch');
    recorder.add('started');
    await fetch('https://batches.example.com', { method: 'POST' });
  });
  res.sendStatus(202);
});
`,
    },
    {
      name: 'Atomics.waitAsync and a project object named Atomics',
      code: `${expressHeader}
const Atomics = { wait: (ms: number) => new Promise((resolve) => setTimeout(resolve, ms)) };

app.post('/retry', (req, res) => {
  req.backgroundTasks.addTask(async () => {
    await Atomics.wait(100);
    await fetch('https://hooks.example.com/retry', { method: 'POST' });
  });
  res.sendStatus(202);
});
`,
    },
  ],
  invalid: [
    {
      name: 'readFileSync in an inline task',
      code: `${expressHeader}
import { readFileSync } from 'node:fs';

app.post('/exports', (req, res) => {
  req.backgroundTasks.addTask(async (userId: string) => {
    const rows = readFileSync(\`data/\${userId}.csv\`, 'utf8');
    await fetch('https://storage.example.com/exports', { method: 'PUT', body: rows });
  }, String(req.body.userId));
  res.status(202).json({ queued: true });
});
`,
      errors: [{ messageId: 'blockingCall', line: 13, message: /`readFileSync\(.*\)` blocks the event loop in a task, so every request waits; use the async API, a worker thread or a queued job\./ }],
    },
    {
      name: 'execSync in a named task declared in another module',
      code: `${expressHeader}
import { buildSite } from './jobs/build.js';

app.post('/sites/:id/publish', (req, res) => {
  req.backgroundTasks.addTask(buildSite, req.params.id);
  res.sendStatus(202);
});
`,
      files: {
        'src/jobs/build.ts': `
import * as childProcess from 'node:child_process';

export async function buildSite(id: string): Promise<void> {
  childProcess.execSync(\`npm run build -- --site \${id}\`, { stdio: 'inherit' });
  await fetch(\`https://cdn.example.com/purge/\${id}\`, { method: 'POST' });
}
`,
      },
      errors: [{ messageId: 'blockingCall', line: 5, message: /in the task `buildSite`/ }],
    },
    {
      name: 'a helper chain that reaches fs.readFileSync, reported at the call in the task',
      code: `${expressHeader}
import { renderPdf } from './pdf.js';

app.post('/invoices/:id/pdf', (req, res) => {
  req.backgroundTasks.addTask(async (id: string) => {
    const pdf = renderPdf(id);
    await fetch(\`https://storage.example.com/\${id}.pdf\`, { method: 'PUT', body: pdf });
  }, req.params.id);
  res.sendStatus(202);
});
`,
      files: {
        'src/pdf.ts': `
import fs from 'node:fs';

function loadTemplate(name: string): string {
  return fs.readFileSync(\`templates/\${name}.html\`, 'utf8');
}

export function renderPdf(id: string): string {
  return loadTemplate('invoice').replace('{{id}}', id);
}
`,
      },
      errors: [
        {
          messageId: 'blockingHelper',
          line: 13,
          message: /^`renderPdf\(…\)` reaches `fs\.readFileSync` \(via `loadTemplate\(\)`\) in a task/,
          pathLines: [12, 13, 9, 5],
        },
      ],
    },
    {
      name: 'Next.js after() that writes a file synchronously',
      code: `
import { after } from 'next/server';
import { writeFileSync } from 'node:fs';

export async function POST(request: Request): Promise<Response> {
  const event = (await request.json()) as { name: string };
  after(() => {
    writeFileSync('/var/log/app/events.ndjson', JSON.stringify(event) + '\\n', { flag: 'a' });
  });
  return Response.json({ ok: true });
}
`,
      errors: [{ messageId: 'blockingCall', line: 8, message: /in an `after\(\)` callback/ }],
    },
    {
      name: 'a Fastify onResponse hook that appends to a log file',
      code: `
import Fastify from 'fastify';
import { appendFileSync } from 'node:fs';

const app = Fastify();

app.addHook('onResponse', async (request, reply) => {
  appendFileSync('access.log', \`\${request.method} \${request.url} \${reply.statusCode} \${reply.elapsedTime}ms\\n\`);
});
`,
      errors: [{ messageId: 'blockingCall', line: 8, message: /in a Fastify `onResponse` hook/ }],
    },
    {
      name: "an access logger's finish listener with appendFileSync, and a close listener",
      code: `${expressHeader}
import fs from 'fs';

app.use((req, res, next) => {
  const started = process.hrtime.bigint();
  res.on('finish', () => {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    fs.appendFileSync('logs/access.log', \`\${req.method} \${req.originalUrl} \${res.statusCode} \${ms}ms\\n\`);
  });
  res.once('close', () => fs.writeFileSync('logs/last-request.txt', req.originalUrl));
  next();
});
`,
      errors: [
        { messageId: 'blockingCall', line: 15, message: /in a response "finish" listener/ },
        { messageId: 'blockingCall', line: 17, message: /in a response "close" listener/ },
      ],
    },
    {
      name: 'setImmediate in a handler that shells out',
      code: `${expressHeader}
import { execFileSync } from 'child_process';

app.post('/repos/:name/sync', (req, res) => {
  setImmediate(() => {
    execFileSync('git', ['-C', \`/srv/repos/\${req.params.name}\`, 'pull']);
  });
  res.status(202).json({ syncing: true });
});
`,
      errors: [{ messageId: 'blockingCall', line: 13, message: /in a `setImmediate\(\)` callback/ }],
    },
    {
      name: 'pbkdf2Sync through a namespace import and scryptSync through a named one',
      code: `${expressHeader}
import * as crypto from 'node:crypto';
import { scryptSync } from 'crypto';

async function rehashPasswords(userId: string, password: string): Promise<void> {
  const legacy = crypto.pbkdf2Sync(password, userId, 310_000, 32, 'sha256');
  const modern = scryptSync(password, userId, 64);
  await fetch('https://users.example.com/rehash', { method: 'POST', body: JSON.stringify({ userId, legacy, modern }) });
}

app.post('/login', (req, res) => {
  req.backgroundTasks.addTask(rehashPasswords, String(req.body.userId), String(req.body.password));
  res.json({ ok: true });
});
`,
      errors: [
        { messageId: 'blockingCall', line: 13 },
        { messageId: 'blockingCall', line: 14 },
      ],
    },
    {
      name: 'zlib.gzipSync through a default import, in a Hono task',
      code: `
import { Hono } from 'hono';
import zlib from 'node:zlib';
import { backgroundTasks } from './background/hono.js';

const app = new Hono();
app.use(backgroundTasks());

app.post('/snapshots', async (c) => {
  const body = await c.req.text();
  c.var.backgroundTasks.addTask(async () => {
    await fetch('https://storage.example.com/snapshots', { method: 'PUT', body: zlib.gzipSync(body) });
  });
  return c.json({ stored: true }, 202);
});
`,
      errors: [{ messageId: 'blockingCall', line: 12, message: /^`zlib\.gzipSync\(…\)` blocks/ }],
    },
    {
      name: 'CommonJS: a destructured require and an inline require',
      code: `${expressHeader}
const { spawnSync } = require('child_process');

function resizeAll(dir: string): void {
  spawnSync('mogrify', ['-resize', '800x', \`\${dir}/*.jpg\`]);
  require('fs').rmSync(\`\${dir}/tmp\`, { recursive: true, force: true });
}

app.post('/albums/:id/resize', (req, res) => {
  req.backgroundTasks.addTask(resizeAll, \`/srv/albums/\${req.params.id}\`);
  res.sendStatus(202);
});
`,
      errors: [
        { messageId: 'blockingCall', line: 12 },
        { messageId: 'blockingCall', line: 13 },
      ],
    },
    {
      name: 'Atomics.wait as a sleep between retries',
      code: `${expressHeader}
async function deliverWebhook(url: string, body: string): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const response = await fetch(url, { method: 'POST', body });
    if (response.ok) return;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
  }
}

app.post('/events', (req, res) => {
  req.backgroundTasks.addTask(deliverWebhook, 'https://hooks.example.com', JSON.stringify(req.body));
  res.sendStatus(202);
});
`,
      errors: [{ messageId: 'blockingCall', line: 13, message: /^`Atomics\.wait\(.*\)` blocks the event loop in the task `deliverWebhook`/ }],
    },
    {
      name: 'new BackgroundTask(fn) runs in the server process too',
      code: `${expressHeader}
import { statSync } from 'node:fs';
import { BackgroundTask } from './background/tasks.js';

function measure(path: string): void {
  console.log(path, statSync(path).size);
}

app.get('/files/:name', async (req, res) => {
  await new BackgroundTask(measure, \`/srv/files/\${req.params.name}\`).run();
  res.sendStatus(204);
});
`,
      errors: [{ messageId: 'blockingCall', line: 13, message: /in the task `measure`/ }],
    },
    {
      name: "stream's finished(res, cb) with a synchronous append",
      code: `${expressHeader}
import { finished } from 'node:stream';
import fs from 'node:fs';

app.use((req, res, next) => {
  const started = Date.now();
  next();
  finished(res, () => {
    fs.appendFileSync('log.txt', \`\${req.method} \${req.url} \${res.statusCode} \${Date.now() - started}ms\\n\`);
  });
});
`,
      errors: [{ messageId: 'blockingCall', line: 16, message: /in a `finished\(\)` callback/ }],
    },
    {
      name: 'an onFinished() callback',
      code: `${expressHeader}
import onFinished from 'on-finished';
import { mkdirSync } from 'node:fs';

app.use((req, res, next) => {
  onFinished(res, () => mkdirSync(\`/tmp/sessions/\${req.ip}\`, { recursive: true }));
  next();
});
`,
      errors: [{ messageId: 'blockingCall', line: 13, message: /in an `onFinished\(\)` callback/ }],
    },
    {
      name: 'a Fastify task that calls a service method which lists a directory synchronously',
      code: `
import Fastify from 'fastify';
import { backgroundTasks } from './background/fastify.js';
import { readdirSync } from 'node:fs';

class MediaLibrary {
  constructor(private readonly root: string) {}

  count(album: string): number {
    return readdirSync(\`\${this.root}/\${album}\`).length;
  }
}

const library = new MediaLibrary('/srv/media');
const app = Fastify();
await app.register(backgroundTasks);

app.post<{ Params: { album: string } }>('/albums/:album/recount', async (request, reply) => {
  request.backgroundTasks.addTask(async () => {
    const total = library.count(request.params.album);
    await fetch('https://stats.example.com', { method: 'POST', body: String(total) });
  });
  return reply.code(202).send({ recounting: true });
});
`,
      errors: [{ messageId: 'blockingHelper', line: 20, message: /^`library\.count\(…\)` reaches `readdirSync` in a task/ }],
    },
  ],
});
