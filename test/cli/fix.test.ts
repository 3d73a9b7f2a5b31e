import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyPatch, parsePatch } from 'diff';
import { describe, expect, it } from 'vitest';
import type { LintResult } from '../../src/linter/types.js';
import { makeProject, REPO_ROOT, runCli } from '../helpers/cli.js';

const runtime = (name: string): string => readFileSync(join(REPO_ROOT, 'templates', 'runtime', name), 'utf8');

/** Every shape `singular-background-task` fixes, in Express, Fastify and Hono apps with their adapters mounted. */
const FIXABLE: Record<string, string> = {
  'src/express-app.ts': `import express from 'express';
import { backgroundTasks } from './background/express.js';
import { BackgroundTask } from './background/tasks.js';
import { sendReceipt, notifySlack } from './work.js';

export const app = express();
app.use(backgroundTasks());

app.post('/orders', (req, res) => {
  new BackgroundTask(sendReceipt, String(req.body.id));
  res.status(201).json({ ok: true });
});

app.post('/orders/:id/refund', async (req, res) => {
  if (req.params.id === '') {
    res.status(400).json({ error: 'no id' });
    return;
  }
  await new BackgroundTask(sendReceipt, req.params.id).run();
  const slack = new BackgroundTask(notifySlack, req.params.id);
  void slack.run();
  new BackgroundTask(notifySlack, 'refunds').run();
  res.json({ ok: true });
});
`,
  'src/fastify-app.ts': `import Fastify from 'fastify';
import { backgroundTasks } from './background/fastify.js';
import { BackgroundTask } from './background/tasks.js';
import { sendReceipt } from './work.js';

export const api = Fastify();
await api.register(backgroundTasks);

api.post('/docs/:id', async (request, reply) => {
  const { id } = request.params as { id: string };
  const task = new BackgroundTask(sendReceipt, id);
  await task.run();
  return reply.code(202).send({ queued: true });
});
`,
  'src/hono-app.ts': `import { Hono } from 'hono';
import { backgroundTasks } from './background/hono.js';
import { BackgroundTask } from './background/tasks.js';
import { notifySlack } from './work.js';

export const edge = new Hono();
edge.use(backgroundTasks());

edge.delete('/users/:id', async (c) => {
  void new BackgroundTask(notifySlack, c.req.param('id')).run();
  return c.body(null, 204);
});
`,
};

const EXPECTED: Record<string, string> = {
  'src/express-app.ts': `import express from 'express';
import { backgroundTasks } from './background/express.js';
import { BackgroundTask } from './background/tasks.js';
import { sendReceipt, notifySlack } from './work.js';

export const app = express();
app.use(backgroundTasks());

app.post('/orders', (req, res) => {
  req.backgroundTasks.addTask(sendReceipt, String(req.body.id));
  res.status(201).json({ ok: true });
});

app.post('/orders/:id/refund', async (req, res) => {
  if (req.params.id === '') {
    res.status(400).json({ error: 'no id' });
    return;
  }
  req.backgroundTasks.addTask(sendReceipt, req.params.id);
  req.backgroundTasks.addTask(notifySlack, req.params.id);
  req.backgroundTasks.addTask(notifySlack, 'refunds');
  res.json({ ok: true });
});
`,
  'src/fastify-app.ts': `import Fastify from 'fastify';
import { backgroundTasks } from './background/fastify.js';
import { BackgroundTask } from './background/tasks.js';
import { sendReceipt } from './work.js';

export const api = Fastify();
await api.register(backgroundTasks);

api.post('/docs/:id', async (request, reply) => {
  const { id } = request.params as { id: string };
  request.backgroundTasks.addTask(sendReceipt, id);
  return reply.code(202).send({ queued: true });
});
`,
  'src/hono-app.ts': `import { Hono } from 'hono';
import { backgroundTasks } from './background/hono.js';
import { BackgroundTask } from './background/tasks.js';
import { notifySlack } from './work.js';

export const edge = new Hono();
edge.use(backgroundTasks());

edge.delete('/users/:id', async (c) => {
  c.var.backgroundTasks.addTask(notifySlack, c.req.param('id'));
  return c.body(null, 204);
});
`,
};

function fixableProject(extra: Record<string, string> = {}): string {
  return makeProject({
    'package.json': JSON.stringify({ name: 'shop', type: 'module', dependencies: { express: '^5.1.0', fastify: '^5.0.0', hono: '^4.0.0' } }),
    'src/background/tasks.ts': runtime('tasks.ts'),
    'src/background/express.ts': runtime('express.ts'),
    'src/background/fastify.ts': runtime('fastify.ts'),
    'src/background/hono.ts': runtime('hono.ts'),
    'src/work.ts': `export async function sendReceipt(id: string): Promise<void> {
  await fetch(\`https://mail.example.com/receipts/\${id}\`, { method: 'POST' });
}

export async function notifySlack(id: string): Promise<void> {
  await fetch('https://hooks.example.com/slack', { method: 'POST', body: id });
}
`,
    ...FIXABLE,
    ...extra,
  });
}

const read = (dir: string, path: string): string => readFileSync(join(dir, path), 'utf8');
const snapshot = (dir: string): Record<string, string> => Object.fromEntries(Object.keys(FIXABLE).map((path) => [path, read(dir, path)]));

function results(stdout: string): LintResult[] {
  return JSON.parse(stdout) as LintResult[];
}

describe('bgtask lint --fix', { timeout: 120_000 }, () => {
  it('rewrites every fixable shape, exits 0, and a second run changes nothing and finds nothing', () => {
    const dir = fixableProject();
    const before = runCli(['lint', dir, '--format', 'json']);
    expect(before.code).toBe(1);
    const fixable = results(before.stdout).flatMap((result) => result.messages.filter((m) => m.fix !== undefined).map((m) => m.ruleId));
    expect(fixable).toEqual(Array(6).fill('singular-background-task'));

    const fixed = runCli(['lint', dir, '--fix']);
    expect(fixed).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(snapshot(dir)).toEqual(EXPECTED);

    // Idempotent: fixing again writes the same bytes, and the fixed project parses and lints clean.
    expect(runCli(['lint', dir, '--fix'])).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(snapshot(dir)).toEqual(EXPECTED);
    const after = runCli(['lint', dir, '--format', 'json']);
    expect(after.code).toBe(0);
    expect(results(after.stdout).flatMap((result) => result.messages)).toEqual([]);
  });

  it('reports what it could not fix, and leaves suggestions to the user', () => {
    const judgement = `import express from 'express';
import { BackgroundTask } from './background/tasks.js';
import { sendReceipt } from './work.js';

export const admin = express.Router();
admin.post('/resend', (req, res) => {
  const task = new BackgroundTask(sendReceipt, String(req.body.id));
  console.info(task.name);
  void task.run();
  res.sendStatus(202);
});
`;
    const dir = fixableProject({ 'src/admin.ts': judgement });
    const { code, stdout } = runCli(['lint', dir, '--fix', '--format', 'json']);
    expect(code).toBe(1);
    expect(read(dir, 'src/admin.ts')).toBe(judgement);
    expect(snapshot(dir)).toEqual(EXPECTED);
    const byFile = new Map(results(stdout).map((result) => [result.filePath.slice(dir.length + 1), result]));
    // ESLint's shape after --fix: the fixed text as `output` (and no `source`) on the files it changed.
    expect(byFile.get('src/hono-app.ts')).toMatchObject({ output: EXPECTED['src/hono-app.ts'], messages: [] });
    expect(byFile.get('src/hono-app.ts')).not.toHaveProperty('source');
    const admin = byFile.get('src/admin.ts');
    expect(admin).not.toHaveProperty('output');
    expect(admin?.messages).toHaveLength(1);
    expect(admin?.messages[0]).toMatchObject({ ruleId: 'singular-background-task', messageId: 'detachedRun', line: 9 });
    expect(admin?.messages[0]).not.toHaveProperty('fix');
    expect(admin?.messages[0]?.suggestions).toEqual([
      {
        desc: "Add the task to the request's collection: `req.backgroundTasks.addTask(sendReceipt, …)`.",
        messageId: 'addToCollection',
        fix: { range: [judgement.indexOf('void task.run()'), judgement.indexOf('void task.run()') + 'void task.run()'.length], text: 'req.backgroundTasks.addTask(sendReceipt, String(req.body.id))' },
      },
    ]);
    expect(admin).toMatchObject({ errorCount: 1, fixableErrorCount: 0 });
  });

  it('refuses --fix together with --fix-dry-run', () => {
    const dir = fixableProject();
    const { code, stderr } = runCli(['lint', dir, '--fix', '--fix-dry-run']);
    expect(code).toBe(2);
    expect(stderr).toBe('bgtask: --fix and --fix-dry-run cannot be used together: pick one.\n');
    expect(snapshot(dir)).toEqual(FIXABLE);
  });
});

describe('bgtask lint --fix-dry-run', { timeout: 120_000 }, () => {
  it('prints a unified diff of the fixes, writes nothing, and exits on the problems the fixes would leave, as ESLint does', () => {
    const dir = fixableProject();
    const { code, stdout, stderr } = runCli(['lint', '--fix-dry-run'], { cwd: dir });
    expect(code).toBe(0);
    expect(stderr).toBe('bgtask: 6 problems in 3 files would be fixed; --fix-dry-run wrote nothing.\n');
    expect(snapshot(dir)).toEqual(FIXABLE);
    expect(stdout).toContain(`--- a/src/hono-app.ts
+++ b/src/hono-app.ts
@@ -7,6 +7,6 @@
 edge.use(backgroundTasks());
 
 edge.delete('/users/:id', async (c) => {
-  void new BackgroundTask(notifySlack, c.req.param('id')).run();
+  c.var.backgroundTasks.addTask(notifySlack, c.req.param('id'));
   return c.body(null, 204);
 });
`);
    // The diff is exactly what --fix writes.
    const patches = parsePatch(stdout);
    expect(patches.map((patch) => patch.newFileName)).toEqual(['b/src/express-app.ts', 'b/src/fastify-app.ts', 'b/src/hono-app.ts']);
    for (const patch of patches) {
      const path = (patch.oldFileName ?? '').slice('a/'.length);
      expect(applyPatch(FIXABLE[path] ?? '', patch)).toBe(EXPECTED[path]);
    }
  });

  it('paths in the diff are relative to the working directory, and the report goes only to --output-file', () => {
    const dir = fixableProject();
    const report = join(dir, 'report.json');
    const { code, stdout } = runCli(['lint', '.', '--fix-dry-run', '--format', 'json', '--output-file', report], { cwd: join(dir, 'src') });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^--- a\/express-app\.ts\n\+\+\+ b\/express-app\.ts\n/);
    const written = results(readFileSync(report, 'utf8'));
    const express = written.find((result) => result.filePath.endsWith('express-app.ts'));
    expect(express?.output).toBe(EXPECTED['src/express-app.ts']);
    expect(snapshot(dir)).toEqual(FIXABLE);
  });

  it('says so when there is nothing to fix', () => {
    const dir = makeProject({ 'src/clean.ts': 'export const answer = 42;\n' });
    expect(runCli(['lint', dir, '--fix-dry-run'])).toEqual({ code: 0, stdout: '', stderr: 'bgtask: nothing to fix; --fix-dry-run wrote nothing.\n' });
  });
});

describe('bgtask lint fix reporting', { timeout: 120_000 }, () => {
  it('shows ESLint’s fix field and fixable counts in JSON, and the fixable line in stylish', () => {
    const dir = fixableProject();
    const json = results(runCli(['lint', dir, '--format', 'json']).stdout);
    const hono = json.find((result) => result.filePath.endsWith('hono-app.ts'));
    const source = FIXABLE['src/hono-app.ts'] ?? '';
    const start = source.indexOf('void new');
    expect(hono?.messages[0]?.fix).toEqual({ range: [start, source.indexOf(';', start)], text: "c.var.backgroundTasks.addTask(notifySlack, c.req.param('id'))" });
    expect(hono).toMatchObject({ errorCount: 1, fixableErrorCount: 1, fixableWarningCount: 0 });

    const stylish = runCli(['lint', dir]).stdout;
    expect(stylish).toContain('✖ 6 problems (6 errors, 0 warnings)\n  6 errors and 0 warnings potentially fixable with the `--fix` option.\n');
    const warned = runCli(['lint', dir, '--rule', 'singular-background-task=warn']);
    expect(warned.stdout).toContain('  0 errors and 6 warnings potentially fixable with the `--fix` option.\n');
  });

  it('with --quiet, fixes only errors, as ESLint does', () => {
    const dir = fixableProject();
    expect(runCli(['lint', dir, '--fix', '--quiet', '--rule', 'singular-background-task=warn']).code).toBe(0);
    expect(snapshot(dir)).toEqual(FIXABLE);
    expect(runCli(['lint', dir, '--fix', '--quiet']).code).toBe(0);
    expect(snapshot(dir)).toEqual(EXPECTED);
  });
});
