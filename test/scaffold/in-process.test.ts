import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScaffoldConfig } from '../../src/linter/config.js';
import { UsageError } from '../../src/errors.js';
import { parseRoute } from '../../src/scaffold/kinds/in-process.js';
import { baseTemplates } from '../../src/scaffold/layout.js';
import { GENERATED_HEADER, renderTemplate } from '../../src/scaffold/render.js';
import { nestedEnv, REPO_ROOT, runCli, runNodeScript } from '../helpers/cli.js';
import { createFixtureProject, type FixtureFramework } from '../helpers/fixture-project.js';
import { makeTempDir } from '../helpers/temp-dirs.js';

// `bgtask init` is tested elsewhere; these fixtures are set up the way it leaves a project (bgtask.json
// with a scaffold section, the runtime rendered from templates/runtime, the adapter wired into
// src/app.ts), so that add-task is tested on its own.

const FRAMEWORKS: FixtureFramework[] = ['express', 'fastify', 'hono'];
const TSC = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const VITEST = join(REPO_ROOT, 'node_modules', 'vitest', 'vitest.mjs');

const WIRED_APPS: Record<FixtureFramework, (suffix: string) => string> = {
  express: (suffix) => `import express from 'express';
import { backgroundTasks } from './background/express${suffix}';

export const app = express();
app.use(express.json());
app.use(backgroundTasks());

app.get('/health', (_req, res) => {
  res.json({ ok: true });
});
`,
  fastify: (suffix) => `import Fastify from 'fastify';
import { backgroundTasks } from './background/fastify${suffix}';

export const app = Fastify();
await app.register(backgroundTasks);

app.get('/health', async () => ({ ok: true }));
`,
  hono: (suffix) => `import { Hono } from 'hono';
import { backgroundTasks } from './background/hono${suffix}';

export const app = new Hono();
app.use(backgroundTasks());

app.get('/health', (c) => c.json({ ok: true }));
`,
};

/** What a user adds after reading add-task's "Next:" lines: register the routes and listen. */
const SERVERS: Record<FixtureFramework, string> = {
  express: `import { app } from './app.js';
import { registerRefreshCacheRoute } from './tasks/refresh-cache.route.js';
import { registerSendReceiptRoute } from './tasks/send-receipt.route.js';

registerSendReceiptRoute(app);
registerRefreshCacheRoute(app);
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(\`listening \${typeof address === 'object' && address !== null ? address.port : ''}\`);
});
`,
  fastify: `import { app } from './app.js';
import { registerRefreshCacheRoute } from './tasks/refresh-cache.route.js';
import { registerSendReceiptRoute } from './tasks/send-receipt.route.js';

registerSendReceiptRoute(app);
registerRefreshCacheRoute(app);
const address = await app.listen({ port: 0, host: '127.0.0.1' });
console.log(\`listening \${new URL(address).port}\`);
`,
  hono: `import { serve } from '@hono/node-server';
import { app } from './app.js';
import { registerRefreshCacheRoute } from './tasks/refresh-cache.route.js';
import { registerSendReceiptRoute } from './tasks/send-receipt.route.js';

registerSendReceiptRoute(app);
registerRefreshCacheRoute(app);
serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  console.log(\`listening \${info.port}\`);
});
`,
};

interface Scaffolded {
  root: string;
  config: ScaffoldConfig;
}

function scaffoldedProject(options: {
  framework: FixtureFramework;
  moduleType?: 'module' | 'commonjs';
  importSuffix?: '.js' | '';
  files?: Record<string, string>;
  runtime?: boolean;
}): Scaffolded {
  const importSuffix = options.importSuffix ?? '.js';
  const config: ScaffoldConfig = {
    framework: options.framework,
    sourceDir: 'src',
    runtimeDir: 'src/background',
    tasksDir: 'src/tasks',
    importSuffix,
    appFile: 'src/app.ts',
    tests: true,
  };
  const root = createFixtureProject({
    framework: options.framework,
    moduleType: options.moduleType,
    files: {
      'bgtask.json': `${JSON.stringify({ $schema: './node_modules/bgtask/bgtask.schema.json', scaffold: config }, null, 2)}\n`,
      'src/app.ts': WIRED_APPS[options.framework](importSuffix),
      ...options.files,
    },
  });
  if (options.runtime !== false) {
    const map = new Map(baseTemplates(config));
    for (const template of ['runtime/tasks.ts', `runtime/${options.framework}.ts`]) {
      const { path, contents } = renderTemplate(template, map, {}, { importSuffix });
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), contents);
    }
  }
  return { root, config };
}

/** Every file of the project but node_modules, with its contents: "nothing written" means this is unchanged. */
function snapshot(root: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules') continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else files[relative(root, path)] = readFileSync(path, 'utf8');
    }
  };
  walk(root);
  return files;
}

function read(root: string, path: string): string {
  return readFileSync(join(root, path), 'utf8');
}

/** Child processes without the parent vitest's worker variables, which would confuse a nested vitest. */
function childEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(nestedEnv()).filter(([key]) => key !== 'NODE_OPTIONS' && key !== 'TEST'));
  return { ...env, NO_COLOR: '1', FORCE_COLOR: '0' };
}

function runNode(args: string[], cwd: string, timeout = 120_000): { code: number | null; output: string } {
  const result = spawnSync(process.execPath, args, { cwd, env: childEnv(), encoding: 'utf8', timeout });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

function addTask(root: string, ...args: string[]) {
  return runCli(['add-task', ...args, '--cwd', root]);
}

function planLines(stdout: string): string[] {
  return stdout.split('\n').filter((line) => /^(CREATE|UPDATE|SKIP|CONFLICT) /.test(line));
}

// ---------------------------------------------------------------------------------------------
// A running server, as a user starts it, with what it prints.

class Server {
  stdout = '';
  stderr = '';
  readonly port: Promise<number>;
  private readonly child: ChildProcess;

  constructor(entry: string, cwd: string) {
    this.child = spawn(process.execPath, [entry], { cwd, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk;
    });
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.port = this.until(() => /listening (\d+)/.exec(this.stdout)?.[1], 10_000, 'the server to listen').then(Number);
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Polls `check` until it gives a value; fails with what the server printed when it does not in time. */
  async until<T>(check: () => T | undefined, ms: number, what: string): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = check();
      if (value !== undefined && value !== false) return value;
      if (Date.now() > deadline || !this.alive) {
        throw new Error(`waited ${ms} ms for ${what}${this.alive ? '' : ' (the server exited)'}\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async request(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown; ms: number }> {
    const port = await this.port;
    const started = performance.now();
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json: unknown = await response.json();
    return { status: response.status, json, ms: performance.now() - started };
  }

  stop(): void {
    if (this.alive) this.child.kill('SIGTERM');
  }
}

// ---------------------------------------------------------------------------------------------

describe.each(FRAMEWORKS)('add-task --kind in-process on %s', (framework) => {
  let root: string;
  let generated: ReturnType<typeof addTask>;

  beforeAll(() => {
    ({ root } = scaffoldedProject({ framework }));
    generated = addTask(root, 'send-receipt', '--kind', 'in-process', '--route', 'POST /orders', '--yes');
  });

  it('generates the task module, its vitest test and the route handler', () => {
    expect(generated.stderr).toBe('');
    expect(generated.code).toBe(0);
    expect(planLines(generated.stdout)).toEqual([
      expect.stringMatching(/^CREATE +src\/tasks\/send-receipt\.route\.ts \(\d+ bytes\)$/),
      expect.stringMatching(/^CREATE +src\/tasks\/send-receipt\.test\.ts \(\d+ bytes\)$/),
      expect.stringMatching(/^CREATE +src\/tasks\/send-receipt\.ts \(\d+ bytes\)$/),
    ]);
    expect(generated.stdout).toContain("import { registerSendReceiptRoute } from './tasks/send-receipt.route.js';");
    for (const file of ['send-receipt.ts', 'send-receipt.test.ts', 'send-receipt.route.ts']) {
      expect(read(root, `src/tasks/${file}`).split('\n')[0]).toBe(GENERATED_HEADER);
    }
    const task = read(root, 'src/tasks/send-receipt.ts');
    expect(task).toContain('export async function sendReceipt(payload: SendReceiptPayload): Promise<void>');
    const route = read(root, 'src/tasks/send-receipt.route.ts');
    expect(route).toContain("app.post('/orders', ");
    expect(route).toContain("from './send-receipt.js'");
    expect(read(root, 'src/tasks/send-receipt.test.ts')).toContain("from '../background/tasks.js'");
    // Added before the response is sent.
    const add = route.indexOf('backgroundTasks.addTask(sendReceipt, input)');
    expect(add).toBeGreaterThan(0);
    expect(route.indexOf('202', add)).toBeGreaterThan(add);
  });

  it('changes nothing when the same command runs again', () => {
    const before = snapshot(root);
    const again = addTask(root, 'send-receipt', '--kind', 'in-process', '--route', 'POST /orders', '--yes');
    expect(again.code).toBe(0);
    const lines = planLines(again.stdout);
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line).toMatch(/^SKIP /);
    expect(snapshot(root)).toEqual(before);
  });

  it('generates a second task with a GET route', () => {
    const result = addTask(root, 'refresh-cache', '--kind', 'in-process', '--route', 'get /cache/refresh', '--yes');
    expect(result.code).toBe(0);
    expect(read(root, 'src/tasks/refresh-cache.route.ts')).toContain("app.get('/cache/refresh', ");
    // The user's wiring of both routes; the checks below type-check, lint and run it with the rest.
    writeFileSync(join(root, 'src/server.ts'), SERVERS[framework]);
  });

  it('passes the generated vitest test', () => {
    const result = runNode([VITEST, 'run', '--root', root], root);
    expect(result.output).toMatch(/Tests +4 passed/);
    expect(result.code).toBe(0);
  }, 120_000);

  it('passes bgtask lint with no output', () => {
    const result = runCli(['lint', root]);
    expect({ code: result.code, stdout: result.stdout, stderr: result.stderr }).toEqual({ code: 0, stdout: '', stderr: '' });
  }, 120_000);

  it('type-checks under strict (and compiles for the server test)', () => {
    const result = runNode([TSC, '-p', root, '--noEmit', 'false', '--outDir', join(root, 'build')], root);
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  }, 120_000);

  describe('the running app', () => {
    let server: Server;

    beforeAll(async () => {
      // The user's edit: real, slow work that can fail. Compiled on its own; the rest is tsc's output.
      const taskPath = join(root, 'src/tasks/send-receipt.ts');
      const edited = read(root, 'src/tasks/send-receipt.ts').replace(
        /^ *\/\/ Replace with the real work.*$/m,
        "  if (payload.id === 'boom') throw new Error(`no receipt for ${payload.id}`);\n  await new Promise<void>((resolve) => setTimeout(resolve, 2000));",
      );
      expect(edited).toContain('setTimeout(resolve, 2000)');
      writeFileSync(taskPath, edited);
      const js = ts.transpileModule(edited, { compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 } }).outputText;
      writeFileSync(join(root, 'build/tasks/send-receipt.js'), js);
      server = new Server('build/server.js', root);
      await server.port;
      expect((await server.request('GET', '/health')).status).toBe(200);
    });

    afterAll(() => {
      server.stop();
    });

    it('answers in under 200 ms while a 2-second task runs after the response', async () => {
      const response = await server.request('POST', '/orders', { id: 'slow-1' });
      const answeredAt = performance.now();
      expect(response.status).toBe(202);
      expect(response.json).toEqual({ accepted: true, id: 'slow-1' });
      expect(response.ms).toBeLessThan(200);
      expect(server.stdout).not.toContain('done for slow-1');
      // The server keeps answering while the task runs.
      expect((await server.request('GET', '/health')).status).toBe(200);
      await server.until(() => server.stdout.includes('[send-receipt] done for slow-1'), 5000, 'the task to finish');
      expect(performance.now() - answeredAt).toBeGreaterThan(1500);
    });

    it('reports a throwing task and still runs the next one', async () => {
      const boom = await server.request('POST', '/orders', { id: 'boom' });
      expect(boom.status).toBe(202);
      await server.until(() => server.stderr.includes('Background task "sendReceipt" failed'), 3000, 'the failure report');
      expect(server.stderr).toContain('no receipt for boom');

      const next = await server.request('GET', '/cache/refresh?id=after-boom');
      expect(next.status).toBe(202);
      expect(next.ms).toBeLessThan(200);
      const after = await server.request('POST', '/orders', { id: 'after-boom' });
      expect(after.status).toBe(202);
      await server.until(() => server.stdout.includes('[refresh-cache] done for after-boom'), 3000, 'the next task');
      await server.until(() => server.stdout.includes('[send-receipt] done for after-boom'), 5000, 'the next slow task');
      expect(server.alive).toBe(true);
      expect((await server.request('GET', '/health')).status).toBe(200);
    });

    it('answers 400 to input without an id', async () => {
      const response = await server.request('POST', '/orders', { orderId: 7 });
      expect(response.status).toBe(400);
      expect(response.json).toEqual({ error: expect.stringContaining('"id"') });
      expect((await server.request('GET', '/health')).status).toBe(200);
    });
  });
});

describe('add-task --kind in-process: files, conflicts and bad input', () => {
  let project: Scaffolded;

  beforeAll(() => {
    project = scaffoldedProject({ framework: 'express' });
  });

  it('--dry-run prints the plan and writes nothing', () => {
    const before = snapshot(project.root);
    const result = addTask(project.root, 'send-receipt', '--kind', 'in-process', '--route', 'POST /orders', '--dry-run');
    expect(result.code).toBe(0);
    expect(planLines(result.stdout).map((line) => line.split(/ +/).slice(0, 2).join(' '))).toEqual([
      'CREATE src/tasks/send-receipt.route.ts',
      'CREATE src/tasks/send-receipt.test.ts',
      'CREATE src/tasks/send-receipt.ts',
    ]);
    expect(result.stdout).toContain('NOTE: The "--dry-run" option means no changes were made.');
    expect(snapshot(project.root)).toEqual(before);
  });

  it('--no-test leaves the test out', () => {
    const result = addTask(project.root, 'audit-log', '--kind', 'in-process', '--no-test', '--yes');
    expect(result.code).toBe(0);
    expect(existsSync(join(project.root, 'src/tasks/audit-log.ts'))).toBe(true);
    expect(existsSync(join(project.root, 'src/tasks/audit-log.test.ts'))).toBe(false);
    expect(result.stdout).toContain('req.backgroundTasks.addTask(auditLog, { id })');
    expect(result.stdout).toContain('Import auditLog from src/tasks/audit-log.ts');
  });

  it('writes a node:test test where the project has no test runner, and it passes under tsx', async () => {
    const { root } = scaffoldedProject({
      framework: 'hono',
      files: { 'package.json': JSON.stringify({ name: 'no-test-runner', type: 'module', dependencies: { hono: '^4.13.19' } }), 'pnpm-lock.yaml': '' },
    });
    const result = addTask(root, 'send-receipt', '--kind', 'in-process', '--yes');
    expect(result.code).toBe(0);
    // node:test needs nothing installed but a TypeScript runner; never a second test framework.
    expect(result.stdout).toContain('The test runs on node:test through tsx: pnpm add -D tsx');
    expect(result.stdout).toContain('pnpm exec tsx --test src/tasks/send-receipt.test.ts');
    expect(result.stdout).not.toContain('vitest');
    expect(result.stdout).toContain('c.var.backgroundTasks.addTask(sendReceipt, { id })');
    const test = readFileSync(join(root, 'src/tasks/send-receipt.test.ts'), 'utf8');
    expect(test).toMatch(/^import \{ describe, it \} from 'node:test';$/m);
    const run = await runNodeScript(['--import', 'tsx', '--test', 'src/tasks/send-receipt.test.ts'], root);
    expect(run.output).toMatch(/# pass [1-9]/);
    expect(run.code, run.output).toBe(0);
  });

  it('refuses to overwrite a file that differs, writing nothing, until --force', () => {
    expect(addTask(project.root, 'notify-team', '--kind', 'in-process', '--yes').code).toBe(0);
    const taskPath = join(project.root, 'src/tasks/notify-team.ts');
    const generatedTask = readFileSync(taskPath, 'utf8');
    writeFileSync(taskPath, `${generatedTask}\n// my edit\n`);
    const before = snapshot(project.root);

    const conflict = addTask(project.root, 'notify-team', '--kind', 'in-process', '--route', 'POST /notify', '--yes');
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toContain('src/tasks/notify-team.ts');
    expect(conflict.stderr).toContain('--force');
    // Not even the route, which did not exist.
    expect(snapshot(project.root)).toEqual(before);

    const forced = addTask(project.root, 'notify-team', '--kind', 'in-process', '--route', 'POST /notify', '--yes', '--force');
    expect(forced.code).toBe(0);
    expect(planLines(forced.stdout)).toEqual([
      expect.stringMatching(/^CREATE +src\/tasks\/notify-team\.route\.ts/),
      expect.stringMatching(/^SKIP +src\/tasks\/notify-team\.test\.ts$/),
      expect.stringMatching(/^UPDATE +src\/tasks\/notify-team\.ts/),
    ]);
    expect(readFileSync(taskPath, 'utf8')).toBe(generatedTask);
  });

  it.each(['../x', 'a/b', 'class', '9lives', 'send receipt'])('rejects the name %j with one line, exit 2, nothing written', (name) => {
    const before = snapshot(project.root);
    const result = addTask(project.root, name, '--kind', 'in-process', '--yes');
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^bgtask: Invalid task name/);
    expect(snapshot(project.root)).toEqual(before);
  });

  it.each(['POST', 'FETCH /orders', 'POST orders', "POST /or'ders", 'POST /orders extra', ''])('parseRoute rejects %j with a UsageError', (route) => {
    expect(() => parseRoute(route)).toThrow(UsageError);
  });

  it('parseRoute reads "<METHOD> <path>" in any case', () => {
    expect(parseRoute('post /orders')).toEqual({ method: 'POST', path: '/orders' });
    expect(parseRoute('  DELETE   /orders/:id ')).toEqual({ method: 'DELETE', path: '/orders/:id' });
  });

  it('rejects an invalid --route with one line, exit 2, nothing written', () => {
    const before = snapshot(project.root);
    const result = addTask(project.root, 'send-receipt', '--kind', 'in-process', '--route', 'FETCH /orders', '--yes');
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('Invalid --route "FETCH /orders"');
    expect(snapshot(project.root)).toEqual(before);
  });

  it('rejects an unknown --kind with exit 2', () => {
    const before = snapshot(project.root);
    const result = addTask(project.root, 'send-receipt', '--kind', 'in-thread', '--yes');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('in-thread');
    expect(snapshot(project.root)).toEqual(before);
  });

  it('exits 2 without a package.json', () => {
    const empty = makeTempDir('empty-');
    const result = addTask(empty, 'send-receipt', '--kind', 'in-process', '--yes');
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('No package.json');
    expect(readdirSync(empty)).toEqual([]);
  });

  it('exits 2 telling to run init when bgtask.json has no scaffold section', () => {
    const root = createFixtureProject({ framework: 'express', files: { 'bgtask.json': '{ "rules": {} }\n' } });
    const before = snapshot(root);
    const result = addTask(root, 'send-receipt', '--kind', 'in-process', '--yes');
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('bgtask init');
    expect(snapshot(root)).toEqual(before);
  });

  it('exits 2 telling to run init when the runtime is missing', () => {
    const { root } = scaffoldedProject({ framework: 'fastify', runtime: false });
    const before = snapshot(root);
    const result = addTask(root, 'send-receipt', '--kind', 'in-process', '--yes');
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('src/background/tasks.ts');
    expect(result.stderr).toContain('bgtask init');
    expect(snapshot(root)).toEqual(before);
  });
});

describe('add-task --kind in-process in a CommonJS project', () => {
  let root: string;

  beforeAll(() => {
    ({ root } = scaffoldedProject({
      framework: 'express',
      moduleType: 'commonjs',
      importSuffix: '',
      files: {
        'tsconfig.json': JSON.stringify({
          compilerOptions: { target: 'ES2022', module: 'CommonJS', moduleResolution: 'Node10', strict: true, skipLibCheck: true, esModuleInterop: true, types: ['node'] },
          include: ['src'],
        }),
        'src/server.ts': `import { app } from './app';
import { registerSendReceiptRoute } from './tasks/send-receipt.route';

registerSendReceiptRoute(app);
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(\`listening \${typeof address === 'object' && address !== null ? address.port : ''}\`);
});
`,
      },
    }));
  });

  it('imports without a suffix, compiles, passes its test and runs', async () => {
    const result = addTask(root, 'send-receipt', '--kind', 'in-process', '--route', 'POST /orders', '--yes');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("from './tasks/send-receipt.route';");
    expect(read(root, 'src/tasks/send-receipt.route.ts')).toContain("from './send-receipt';");
    expect(read(root, 'src/tasks/send-receipt.test.ts')).toContain("from '../background/tasks';");

    const compiled = runNode([TSC, '-p', root, '--outDir', join(root, 'build')], root);
    expect(compiled.output).toBe('');
    expect(compiled.code).toBe(0);
    expect(read(root, 'build/tasks/send-receipt.route.js')).toContain('require("./send-receipt")');

    const tests = runNode([VITEST, 'run', '--root', root, '--dir', 'src'], root);
    expect(tests.output).toMatch(/Tests +2 passed/);
    expect(tests.code).toBe(0);

    const server = new Server('build/server.js', root);
    try {
      const response = await server.request('POST', '/orders', { id: 'cjs-1' });
      expect(response.status).toBe(202);
      await server.until(() => server.stdout.includes('[send-receipt] done for cjs-1'), 3000, 'the task');
    } finally {
      server.stop();
    }
  }, 180_000);
});
