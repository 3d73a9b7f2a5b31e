import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BIN, REPO_ROOT } from '../helpers/cli.js';
import { freePort, startRedis, type RedisHandle } from '../helpers/redis.js';
import { makeTempDir } from '../helpers/temp-dirs.js';
import {
  insertRegistration,
  killAll,
  lintProblemCount,
  LongRunning,
  parseRegisterStep,
  run,
  sleep,
  snapshot,
  snapshotDiff,
  testCounts,
  tscErrorCount,
  type LintTool,
  type Ran,
  type RouteRegistration,
  type TestCounts,
} from './harness.js';

// The starter acceptance suite: `bgtask init` and `add-task` on copies of four projects shaped like
// popular open-source starters (test/fixtures/starters/*, each with its README), installed for real
// from their lockfiles with their own package manager, then bgtask installed from a tarball of this
// checkout as a user installs it before `npx bgtask init`. For each: the project's own tsc, tests and
// lint/format check as a baseline; init (whose install of bullmq, ioredis and croner runs for real)
// and three add-tasks; the lint/format check no worse than the baseline right then, before any edit;
// the in-process route registered as the printed "Next" lines say (or found registered); the
// project's tsc no worse, its tests passing with the generated ones (against a real Redis), `bgtask
// lint` clean; its build; its `worker` script processing a job; its start script answering the
// generated route while the task runs; a re-run changing nothing; and, on a second copy, an init
// whose install fails leaving every file as it was.
//
// Run: npm run build && npx vitest run --config vitest.starters.config.ts
// (BGTASK_KEEP_TEST_DIRS=1 keeps the projects to inspect.) The fixtures run one after another; each
// step is its own test, so a run reports every step of every fixture, and a step whose prerequisite
// failed fails saying so.

const ENABLED = process.env.BGTASK_STARTERS === '1';
const FIXTURES_DIR = join(REPO_ROOT, 'test', 'fixtures', 'starters');

type Pm = 'npm' | 'pnpm';

interface Fixture {
  name: string;
  pm: Pm;
  /** The script that checks lint and format, and which tool it runs. */
  lint: { script: string; tool: LintTool };
  /** A path of the fixture's own app that answers 200, to know the server is up. */
  health: string;
  /** Extra environment for the start script. */
  startEnv?: Record<string, string>;
  /** Loose facts about what init detected; each returns a problem or undefined. */
  facts: ((project: Project) => string | undefined)[];
}

interface Project {
  dir: string;
  init: Ran;
  tasks: Ran[];
}

const ADD_TASKS: string[][] = [
  ['add-task', 'welcome-email', '--kind', 'in-process', '--route', 'POST /welcome'],
  ['add-task', 'send-receipt', '--kind', 'bullmq'],
  ['add-task', 'nightly-report', '--kind', 'scheduled', '--cron', '0 3 * * *'],
];
const INIT = ['init', '--yes', '--bullmq', '--scheduler', 'croner'];

function packageJson(dir: string): { scripts?: Record<string, string>; packageManager?: string } {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { scripts?: Record<string, string>; packageManager?: string };
}

/** The files add-task generated under the tasks folder (wherever bgtask.json says it is). */
function generatedTaskFiles(dir: string): string[] {
  const config = JSON.parse(readFileSync(join(dir, 'bgtask.json'), 'utf8')) as { scaffold?: { tasksDir?: string } };
  const tasksDir = config.scaffold?.tasksDir ?? 'src/tasks';
  return readdirSync(join(dir, tasksDir)).map((file) => `${tasksDir}/${file}`);
}

const workerRunsBuiltCode = ({ dir }: Project): string | undefined => {
  const worker = packageJson(dir).scripts?.worker;
  if (worker === undefined) return 'package.json has no worker script';
  return /\btsx\b|\.ts\b/.test(worker) ? `the worker script runs TypeScript (${worker}), not the built JavaScript` : undefined;
};
const mentionsExpress4 = ({ init }: Project): string | undefined => (/express\W{0,2}v?4\b/i.test(init.stdout) ? undefined : 'init does not say it found Express 4');
/** Whether each generated test imports `module` (or, with `expected` false, none does). */
const testsImport = (module: string, expected = true) => ({ dir }: Project): string | undefined => {
  const tests = generatedTaskFiles(dir).filter((file) => /\.(?:test|spec)\.[cm]?ts$/.test(file));
  const imports = (file: string): boolean => new RegExp(`from\\s+['"]${module}['"]`).test(readFileSync(join(dir, file), 'utf8'));
  const wrong = tests.filter((file) => imports(file) !== expected);
  if (tests.length === 0) return 'add-task generated no test';
  return wrong.length === 0 ? undefined : `generated tests that ${expected ? 'do not import' : 'import'} ${module}: ${wrong.join(', ')}`;
};
const relativeImportsEndInJs = ({ dir }: Project): string | undefined => {
  const bad: string[] = [];
  for (const file of generatedTaskFiles(dir)) {
    for (const match of readFileSync(join(dir, file), 'utf8').matchAll(/from\s+['"](\.{1,2}\/[^'"]+)['"]/g)) {
      if (!match[1]?.endsWith('.js')) bad.push(`${file}: ${match[1]}`);
    }
  }
  return bad.length === 0 ? undefined : `relative imports without the .js suffix ESM needs at run time: ${bad.join('; ')}`;
};

const FIXTURES: Fixture[] = [
  {
    name: 'express4-tsup',
    pm: 'pnpm',
    lint: { script: 'lint', tool: 'biome' },
    health: '/health',
    facts: [mentionsExpress4, workerRunsBuiltCode, testsImport('vitest')],
  },
  {
    name: 'fastify-esm-esbuild',
    pm: 'npm',
    lint: { script: 'lint', tool: 'biome' },
    health: '/health',
    startEnv: { HOST: '127.0.0.1' },
    facts: [workerRunsBuiltCode, relativeImportsEndInJs, testsImport('node:test')],
  },
  {
    name: 'hono-openapi-tsc-alias',
    pm: 'pnpm',
    lint: { script: 'lint', tool: 'eslint' },
    health: '/',
    facts: [workerRunsBuiltCode, testsImport('vitest')],
  },
  {
    name: 'express4-class-jest',
    pm: 'npm',
    lint: { script: 'format:check', tool: 'prettier' },
    health: '/',
    facts: [mentionsExpress4, workerRunsBuiltCode, testsImport('vitest', false)],
  },
];

/** This environment for the projects' tools: no vitest or npm-lifecycle variables of this run, no colour. */
function baseEnv(path: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: path, NO_COLOR: '1' };
  for (const key of Object.keys(env)) {
    const keep = key === 'npm_config_cache' || key === 'npm_config_registry' || key === 'npm_config_userconfig';
    if (key.startsWith('VITEST') || key === 'FORCE_COLOR' || key === 'INIT_CWD' || (key.startsWith('npm_') && !keep)) delete env[key];
  }
  delete env.BGTASK_STARTERS;
  return env;
}

function show(ran: Ran | undefined): string {
  if (ran === undefined) return '(not run)';
  return `$ ${ran.command} → exit ${ran.code} in ${(ran.ms / 1000).toFixed(1)} s\n${ran.output.trim()}`;
}

describe.skipIf(!ENABLED)('starters', () => {
  let redis: RedisHandle;
  let tarball: string;
  let toolPath: string;
  const suiteStart = Date.now();
  const wallTimes: string[] = [];

  beforeAll(async () => {
    if (!existsSync(join(REPO_ROOT, 'dist', 'cli.js'))) throw new Error('Build bgtask first: npm run build');
    redis = await startRedis();
    const runRoot = inject('testDirsRoot');
    // bgtask as a user has it before `npx bgtask init`: installed as a devDependency, here from a
    // tarball of this checkout (it is not on the registry; init adds and installs it otherwise).
    const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', runRoot], { cwd: REPO_ROOT, env: baseEnv(process.env.PATH ?? ''), timeoutMs: 120_000 });
    if (packed.code !== 0) throw new Error(show(packed));
    const filename = (JSON.parse(packed.stdout) as { filename: string }[])[0]?.filename ?? '';
    tarball = join(runRoot, filename);
    // The fixtures' pnpm version (their packageManager field), on PATH for them and for bgtask init.
    toolPath = process.env.PATH ?? '';
    const pnpmVersions = [...new Set(FIXTURES.filter((f) => f.pm === 'pnpm').map((f) => packageJson(join(FIXTURES_DIR, f.name)).packageManager?.replace(/^pnpm@/, '') ?? ''))];
    for (const version of pnpmVersions) {
      const have = spawnSync('pnpm', ['--version'], { encoding: 'utf8', env: baseEnv(toolPath) });
      if (have.stdout?.trim() === version) continue;
      const tools = join(runRoot, `pnpm-${version}`);
      const installed = await run('npm', ['install', '--prefix', tools, '--no-save', '--no-audit', '--no-fund', '--no-package-lock', `pnpm@${version}`], { cwd: runRoot, env: baseEnv(toolPath), timeoutMs: 180_000 });
      if (installed.code !== 0) throw new Error(show(installed));
      toolPath = `${join(tools, 'node_modules', '.bin')}:${toolPath}`;
    }
  }, 600_000);

  afterAll(async () => {
    killAll();
    await redis?.stop();
    console.log(`[starters] wall time per fixture:\n${wallTimes.map((line) => `  ${line}`).join('\n')}\n  total ${((Date.now() - suiteStart) / 1000).toFixed(0)} s`);
  });

  FIXTURES.forEach((fixture, index) => {
    describe(fixture.name, () => {
      const { pm } = fixture;
      let dir = '';
      let failDir = '';
      let env: NodeJS.ProcessEnv = {};
      let redisUrl = '';
      let setupError: string | undefined;
      let fixtureStart = 0;
      const steps: string[] = [];
      const baseline: { tsc?: number; tests?: TestCounts; lint?: number } = {};
      const after: { tsc?: Ran; tests?: Ran; lintTasks?: Ran } = {};
      let project: Project | undefined;
      let registration: RouteRegistration | undefined;
      let built = false;

      const pmRun = (script: string, extraEnv: Record<string, string> = {}, timeoutMs = 300_000): Promise<Ran> =>
        run(pm, ['run', script], { cwd: dir, env: { ...env, ...extraEnv }, timeoutMs });
      const bgtask = (args: string[], cwd: string, extraEnv: Record<string, string> = {}): Promise<Ran> =>
        run(process.execPath, [BIN, ...args], { cwd, env: { ...env, ...extraEnv }, timeoutMs: 300_000 });
      const timed = async <T>(label: string, work: () => Promise<T>): Promise<T> => {
        const started = Date.now();
        try {
          return await work();
        } finally {
          steps.push(`${label} ${((Date.now() - started) / 1000).toFixed(1)} s`);
        }
      };
      const requireSetup = (): void => {
        if (setupError !== undefined) throw new Error(`setup failed:\n${setupError}`);
      };
      const requireProject = (): Project => {
        requireSetup();
        if (project === undefined || project.init.code !== 0 || project.tasks.some((task) => task.code !== 0)) throw new Error('init or add-task failed (see that step)');
        return project;
      };
      const tsc = (): Promise<Ran> => run(process.execPath, [join(dir, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '--pretty', 'false'], { cwd: dir, env, timeoutMs: 300_000 });

      beforeAll(async () => {
        fixtureStart = Date.now();
        try {
          const source = join(FIXTURES_DIR, fixture.name);
          const skip = new Set(['node_modules', 'dist', 'build', '.test-build', 'coverage']);
          dir = makeTempDir(`${fixture.name}-`);
          cpSync(source, dir, { recursive: true, filter: (from) => !skip.has(from.slice(source.length + 1).split('/')[0] ?? '') });
          env = baseEnv(toolPath);
          // Its own database, so that a job one fixture left waiting never reaches the next one's worker.
          const url = new URL(redis.url);
          if (url.pathname === '' || url.pathname === '/') url.pathname = `/${index + 1}`;
          redisUrl = url.toString();

          const install = await timed('install', () =>
            pm === 'npm' ? run('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, env }) : run('pnpm', ['install', '--frozen-lockfile'], { cwd: dir, env }),
          );
          if (install.code !== 0) throw new Error(show(install));
          const addBgtask = await timed('install bgtask', () =>
            pm === 'npm' ? run('npm', ['install', '--save-dev', '--no-audit', '--no-fund', tarball], { cwd: dir, env }) : run('pnpm', ['add', '--save-dev', tarball], { cwd: dir, env }),
          );
          if (addBgtask.code !== 0) throw new Error(show(addBgtask));

          // The copy for the failed-install test, as the project is now: sources copied, node_modules hard-linked.
          failDir = makeTempDir(`${fixture.name}-failing-install-`);
          cpSync(dir, failDir, { recursive: true, filter: (from) => from.slice(dir.length + 1).split('/')[0] !== 'node_modules' });
          const linked = spawnSync('cp', ['-al', join(dir, 'node_modules'), join(failDir, 'node_modules')], { encoding: 'utf8' });
          if (linked.status !== 0) throw new Error(`cp -al node_modules: ${linked.stderr}`);
        } catch (error) {
          setupError = error instanceof Error ? error.message : String(error);
        }
      }, 900_000);

      afterAll(() => {
        killAll();
        wallTimes.push(`${fixture.name}: ${((Date.now() - fixtureStart) / 1000).toFixed(0)} s (${steps.join(', ')})`);
      });

      it('baseline: the project as it comes type-checks and passes its tests and its lint (and builds and starts, with BGTASK_STARTERS_BASELINE_BUILD=1)', async () => {
        requireSetup();
        const [tscRun, testRun, lintRun] = await timed('baseline checks', () => Promise.all([tsc(), pmRun('test', { REDIS_URL: redisUrl }), pmRun(fixture.lint.script)]));
        baseline.tsc = tscErrorCount(tscRun.output);
        baseline.tests = testCounts(testRun.output);
        baseline.lint = lintProblemCount(fixture.lint.tool, lintRun);
        expect(tscRun.code, show(tscRun)).toBe(0);
        expect(testRun.code, show(testRun)).toBe(0);
        expect(baseline.tests, show(testRun)).toBeDefined();
        expect(lintRun.code, show(lintRun)).toBe(0);
        expect(baseline.lint, show(lintRun)).toBe(0);
        // The fixture's own build and start, verified when the fixtures were written and pinned by their
        // lockfiles: checked again only on request, to keep the suite's time down.
        if (process.env.BGTASK_STARTERS_BASELINE_BUILD !== '1') return;
        const build = await timed('baseline build', () => pmRun('build'));
        expect(build.code, show(build)).toBe(0);
        await timed('baseline start', async () => {
          const { server } = await startApp();
          await server.stop();
        });
      });

      /** Starts the start script on a free port and waits until the health path answers 200. */
      const startApp = async (): Promise<{ server: LongRunning; port: number }> => {
        const port = await freePort();
        const server = new LongRunning(pm, ['run', 'start'], { cwd: dir, env: { ...env, PORT: String(port), REDIS_URL: redisUrl, ...fixture.startEnv } });
        const deadline = Date.now() + 30_000;
        for (;;) {
          try {
            const response = await fetch(`http://127.0.0.1:${port}${fixture.health}`);
            if (response.status === 200) break;
          } catch {
            // Not listening yet.
          }
          if (!server.running || Date.now() > deadline) {
            await server.stop();
            throw new Error(`\`${pm} run start\` did not answer GET ${fixture.health} with 200 on port ${port}:\n${server.output}`);
          }
          await sleep(100);
        }
        return { server, port };
      };

      it('init --bullmq --scheduler croner and three add-tasks exit 0', async () => {
        requireSetup();
        const init = await timed('init', () => bgtask(INIT, dir));
        project = { dir, init, tasks: [] };
        expect(init.code, show(init)).toBe(0);
        for (const args of ADD_TASKS) {
          const task = await timed(args[1] ?? 'add-task', () => bgtask([...args, '--yes'], dir));
          project.tasks.push(task);
          expect(task.code, show(task)).toBe(0);
        }
      });

      it('init detected the project (loose checks of what it chose)', () => {
        const done = requireProject();
        const problems = fixture.facts.map((fact) => fact(done)).filter((problem) => problem !== undefined);
        expect(problems, `init said:\n${done.init.stdout}`).toEqual([]);
      });

      it(`after init and add-task, before any edit: ${fixture.lint.script} reports no more problems than before`, async () => {
        requireProject();
        const lint = await timed(`${fixture.lint.script} after`, () => pmRun(fixture.lint.script));
        const count = lintProblemCount(fixture.lint.tool, lint);
        expect(count, show(lint)).toBeDefined();
        expect(count, `${fixture.lint.tool} problems vs the baseline's ${baseline.lint}:\n${show(lint)}`).toBeLessThanOrEqual(baseline.lint ?? 0);
      });

      it('the in-process route is registered where the Next lines say', () => {
        const done = requireProject();
        const inProcess = done.tasks[0];
        const registerName = 'registerWelcomeEmailRoute';
        const generated = generatedTaskFiles(dir);
        const sources = listSources(join(dir, 'src')).filter((file) => !generated.includes(file));
        const already = sources.find((file) => new RegExp(`\\b${registerName}\\(`).test(readFileSync(join(dir, file), 'utf8')));
        if (already !== undefined) {
          registration = { how: 'already', file: already };
          steps.push(`route: already registered in ${already}`);
          return;
        }
        const step = parseRegisterStep(inProcess?.stdout ?? '', registerName);
        expect(step, `no "Register … in <file>" step with the import and the call in:\n${inProcess?.stdout ?? ''}`).toBeDefined();
        if (step === undefined) return;
        insertRegistration(dir, step);
        registration = { how: 'inserted', ...step };
        steps.push(`route: inserted "${step.callLine}" in ${step.file}`);
      });

      it('after: tsc reports no more problems than before', async () => {
        requireProject();
        // The three checks read the sources and write nothing the others read: run them together, then
        // judge each in its own test.
        [after.tsc, after.tests, after.lintTasks] = await timed('tsc, tests and lint:tasks after', () =>
          Promise.all([tsc(), pmRun('test', { REDIS_URL: redisUrl }), pmRun('lint:tasks')]),
        );
        expect(tscErrorCount(after.tsc.output), show(after.tsc)).toBeLessThanOrEqual(baseline.tsc ?? 0);
      });

      it('after: the test command passes and runs the generated tests (the BullMQ one against Redis)', () => {
        const tests = after.tests;
        if (tests === undefined) throw new Error('not run (see the tsc step)');
        expect(tests.code, show(tests)).toBe(0);
        const counts = testCounts(tests.output);
        expect(counts, show(tests)).toBeDefined();
        for (const name of [/welcome-?email/i, /send-?receipt/i, /nightly-?report/i]) expect(tests.output, `${name} in the test output:\n${show(tests)}`).toMatch(name);
        expect(counts?.passed ?? 0, `passed vs the baseline's ${baseline.tests?.passed}:\n${show(tests)}`).toBeGreaterThanOrEqual((baseline.tests?.passed ?? 0) + 3);
        expect(counts?.skipped ?? 0, `skipped vs the baseline's ${baseline.tests?.skipped}:\n${show(tests)}`).toBeLessThanOrEqual(baseline.tests?.skipped ?? 0);
      });

      it('bgtask lint (the lint:tasks script init added) is clean', () => {
        const lint = after.lintTasks;
        if (lint === undefined) throw new Error('not run (see the tsc step)');
        expect(lint.code, show(lint)).toBe(0);
      });

      it('build succeeds and the worker script runs built JavaScript', async () => {
        requireProject();
        const build = await timed('build', () => pmRun('build'));
        expect(build.code, show(build)).toBe(0);
        built = true;
        const worker = packageJson(dir).scripts?.worker ?? '';
        expect(worker, 'package.json scripts.worker').not.toBe('');
        expect(worker, 'the worker script should run the build output, not TypeScript through tsx').not.toMatch(/\btsx\b|\.ts\b/);
        const entry = /\bnode\s+(?:--\S+\s+)*(\S+\.[cm]?js)\b/.exec(worker)?.[1];
        if (entry !== undefined) expect(existsSync(join(dir, entry)), `${entry} (run by "${worker}") after the build`).toBe(true);
      });

      it('the worker script starts and processes a send-receipt job against Redis', async () => {
        requireProject();
        if (!built) throw new Error('the build failed (see that step)');
        await timed('worker', async () => {
          const worker = new LongRunning(pm, ['run', 'worker'], { cwd: dir, env: { ...env, REDIS_URL: redisUrl } });
          const queue = new Queue('send-receipt', { connection: { url: redisUrl } });
          try {
            await worker.waitFor(/\[worker\] ready/, 30_000);
            expect(worker.output).toMatch(/queue send-receipt/);
            expect(worker.output).toMatch(/schedule nightly-report/);
            const job = await queue.add('send-receipt', { id: `starter-${fixture.name}` });
            const deadline = Date.now() + 20_000;
            let state = await job.getState();
            while (state !== 'completed' && state !== 'failed' && Date.now() < deadline) {
              await sleep(100);
              state = await job.getState();
            }
            const done = await queue.getJob(job.id ?? '');
            expect({ state, failedReason: done?.failedReason }, `worker output:\n${worker.output}`).toEqual({ state: 'completed', failedReason: undefined });
            expect(Date.parse((done?.returnvalue as { processedAt?: string } | undefined)?.processedAt ?? '')).not.toBeNaN();
          } finally {
            // Graceful shutdown is test/scaffold/bullmq.test.ts's business; the group gets SIGTERM, then SIGKILL.
            await queue.close();
            await worker.stop();
          }
        });
      });

      it('the started app answers POST /welcome with 202 and runs the task after the response', async () => {
        requireProject();
        if (!built) throw new Error('the build failed (see that step)');
        if (registration === undefined) throw new Error('the route was not registered (see that step)');
        await timed('start', async () => {
          const { server, port } = await startApp();
          try {
            const response = await fetch(`http://127.0.0.1:${port}/welcome`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ id: 'user-42' }),
            });
            const body = await response.text();
            expect(response.status, `${body}\n${server.output}`).toBe(202);
            expect(body).toContain('user-42');
            await server.waitFor(/\[welcome-email\] done for user-42/, 10_000);
          } finally {
            await server.stop();
          }
        });
      });

      it('re-running init and the add-tasks changes no file', async () => {
        requireProject();
        const before = snapshot(dir);
        const again: Ran[] = [];
        await timed('re-run', async () => {
          again.push(await bgtask(INIT, dir));
          for (const args of ADD_TASKS) again.push(await bgtask([...args, '--yes'], dir));
        });
        for (const ran of again) expect(ran.code, show(ran)).toBe(0);
        expect(snapshotDiff(before, snapshot(dir)), again.map(show).join('\n\n')).toEqual([]);
      });

      it('init whose dependency install fails exits 1 and leaves every file as it was', async () => {
        requireSetup();
        const before = snapshot(failDir);
        const closed = `http://127.0.0.1:${await freePort()}/`;
        const offline = { npm_config_registry: closed, npm_config_fetch_retries: '0', pnpm_config_registry: closed, pnpm_config_fetch_retries: '0' };
        const init = await timed('failing init', () => bgtask(INIT, failDir, offline));
        expect(init.code, show(init)).toBe(1);
        // It failed for the reason arranged: the package manager could not reach the registry.
        expect(init.output, show(init)).toMatch(/ECONNREFUSED/);
        expect(snapshotDiff(before, snapshot(failDir)), show(init)).toEqual([]);
      });
    });
  });
});

/** The .ts files under a folder, relative to the project (its parent), posix. */
function listSources(srcDir: string): string[] {
  const base = join(srcDir, '..');
  return [...snapshot(srcDir).keys()].filter((file) => /\.[cm]?tsx?$/.test(file)).map((file) => join(srcDir, file).slice(base.length + 1));
}
