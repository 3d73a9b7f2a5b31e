import { posix } from 'node:path';
import type { ScaffoldConfig } from '../../linter/config.js';
import { baseTemplates, taskVariables, workerEntryPath } from '../layout.js';
import { importPath, renderTemplate, type TemplateMap, type TemplateVariables } from '../render.js';
import { planWorkerBuild, TSX } from '../build.js';
import { testSteps } from './in-process.js';
import { planPackageJsonEdits, readPlannedPackageJson, type PackageJsonEdit } from '../package-json.js';
import { readTsconfig, runScriptCommand, type ProjectInfo } from '../project.js';
import { planWorkerRegistration, type WorkerRegistration } from '../wire-worker.js';
import type { PlanOutcome, TaskContext } from './types.js';

/** What the queue plumbing's code imports: the worker entry runs BullMQ Workers on an ioredis connection. */
const QUEUE_DEPENDENCIES = ['bullmq', 'ioredis'];

/**
 * ioredis 6.1's declarations import `redis-errors`, whose types are only ioredis's own
 * devDependency: a project that checks libraries' declarations (no `skipLibCheck`) needs them.
 */
function queueTypeDependencies(project: ProjectInfo): string[] {
  return readTsconfig(project.root)?.options.skipLibCheck === true ? [] : ['@types/redis-errors'];
}

type PlumbingContext = Omit<TaskContext, 'names'>;

export function redisModulePath(config: ScaffoldConfig): string {
  return posix.join(config.runtimeDir, 'redis.ts');
}

/** Renders templates into the change set as generated files, tests for the project's runner. */
export function generateTemplates(context: PlumbingContext, templates: readonly string[], map: TemplateMap, variables: TemplateVariables): void {
  const { changes, config, project } = context;
  for (const template of templates) {
    const { path, contents } = renderTemplate(template, map, variables, { importSuffix: config.importSuffix, testRunner: project.testRunner });
    changes.generate(path, contents);
  }
}


/**
 * Adds the `worker` script unless package.json already has one (the user's own wins): the built
 * worker where the project builds (adding the entry to a bundler's entries), else tsx. Returns the
 * notes for the user and the devDependencies the script runs.
 */
function planWorkerScript(context: PlumbingContext): { notes: string[]; devDependencies: string[] } {
  const { changes, config, project } = context;
  const { json } = readPlannedPackageJson(changes);
  const existing = json.scripts?.worker;
  if (existing !== undefined) {
    // The user's script wins, but one that runs tsx (ours from an earlier run, say) still needs it.
    const declared = { ...json.dependencies, ...json.devDependencies };
    return { notes: [], devDependencies: /^tsx\s/.test(existing) && declared[TSX] === undefined ? [TSX] : [] };
  }
  const build = planWorkerBuild(changes, json, workerEntryPath(config), (script) => runScriptCommand(project.packageManager, script));
  const edits: PackageJsonEdit[] = [{ path: ['scripts', 'worker'], value: build.workerScript }];
  if (build.buildScript !== undefined) edits.push({ path: ['scripts', build.buildScriptName ?? 'build'], value: build.buildScript });
  planPackageJsonEdits(changes, edits);
  return { notes: build.notes, devDependencies: build.devDependencies };
}

function plumbingTemplates(config: ScaffoldConfig): TemplateMap {
  return new Map(baseTemplates(config));
}

/**
 * Plans what `init` writes when BullMQ or scheduling is enabled: the shared Redis connection
 * module, the worker entry (a separate process) and its `worker` script. The entry holds the
 * processors and schedules registered so far, so an existing one is never replaced.
 */
export function planQueuePlumbing(context: PlumbingContext, options: { bullmq: boolean; scheduler: 'none' | 'croner' | 'bullmq' }): PlanOutcome {
  const { config, changes, project } = context;
  const map = plumbingTemplates(config);
  const entry = workerEntryPath(config);
  generateTemplates(context, ['queue/redis.ts'], map, {});
  if (!changes.exists(entry)) generateTemplates(context, ['queue/worker.ts'], map, {});
  const worker = planWorkerScript(context);
  const notes = worker.notes;
  const devDependencies = [...worker.devDependencies, ...queueTypeDependencies(project)];
  const dependencies = [...QUEUE_DEPENDENCIES, ...(options.scheduler === 'croner' ? ['croner'] : [])];
  const runs = [options.bullmq ? 'BullMQ processors' : undefined, options.scheduler === 'none' ? undefined : 'schedules'].filter((what) => what !== undefined);
  return {
    dependencies,
    devDependencies,
    nextSteps: [`Run the worker (${runs.join(' and ') || 'queue processors'}) beside the server: REDIS_URL=redis://127.0.0.1:6379 ${runScriptCommand(project.packageManager, 'worker')}`, ...notes],
  };
}

/** For add-task: plans whatever of the plumbing is missing (a project set up without BullMQ), leaving existing files alone. */
export function ensureQueuePlumbing(context: PlumbingContext): { notes: string[]; devDependencies: string[] } {
  const { config, changes } = context;
  const map = plumbingTemplates(config);
  if (!changes.exists(redisModulePath(config))) generateTemplates(context, ['queue/redis.ts'], map, {});
  if (!changes.exists(workerEntryPath(config))) generateTemplates(context, ['queue/worker.ts'], map, {});
  const worker = planWorkerScript(context);
  return { notes: worker.notes, devDependencies: [...worker.devDependencies, ...queueTypeDependencies(context.project)] };
}

/** Registers a task module in the worker entry; returns the steps left to the user, if any. */
export function registerWithWorker(context: PlumbingContext, registration: WorkerRegistration): string[] {
  const { config, changes } = context;
  const entry = workerEntryPath(config);
  const { manualSteps } = planWorkerRegistration(changes, entry, registration, config.importSuffix);
  return manualSteps.map((step) => `In ${entry}, ${step}.`);
}

/** The app file that usage hints import from, relative paths computed against it. */
export function appFileFor(config: ScaffoldConfig): string {
  return config.appFile ?? posix.join(config.sourceDir, 'app.ts');
}

const STATUS_USAGE: Record<ScaffoldConfig['framework'], (name: string) => string> = {
  express: (name) => `app.use(${name}StatusRouter)`,
  fastify: (name) => `await app.register(${name}StatusRoutes)`,
  hono: (name) => `app.route('/', ${name}StatusRoutes)`,
};

/** Plans a BullMQ task: queue and producer, processor registered in the worker entry, status route, test. */
export function planBullmqTask(context: TaskContext): PlanOutcome {
  const { config, names } = context;
  const setup = ensureQueuePlumbing(context);
  const tasks = config.tasksDir;
  const files: [string, string][] = [
    ['bullmq/__task-name__.queue.ts', posix.join(tasks, '__task-name__.queue.ts')],
    ['bullmq/__task-name__.processor.ts', posix.join(tasks, '__task-name__.processor.ts')],
    [`bullmq/status/${config.framework}.ts`, posix.join(tasks, '__task-name__.status.ts')],
  ];
  if (config.tests !== false) files.push(['bullmq/__task-name__.test.ts', posix.join(tasks, '__task-name__.test.ts')]);
  const map = new Map([...baseTemplates(config), ...files]);
  generateTemplates(
    context,
    files.map(([template]) => template),
    map,
    taskVariables(names),
  );

  const queuePath = posix.join(tasks, `${names.kebab}.queue.ts`);
  const statusPath = posix.join(tasks, `${names.kebab}.status.ts`);
  const manual = registerWithWorker(context, {
    modulePath: posix.join(tasks, `${names.kebab}.processor.ts`),
    entries: [{ name: `${names.camel}Processor`, list: 'processors' }],
  });
  const app = appFileFor(config);
  const statusExport = config.framework === 'express' ? `${names.camel}StatusRouter` : `${names.camel}StatusRoutes`;
  return {
    dependencies: [...QUEUE_DEPENDENCIES],
    devDependencies: setup.devDependencies,
    nextSteps: [
      `Enqueue from a handler, awaited so that a failure reaches the client: import { enqueue${names.pascal} } from '${importPath(app, queuePath, config.importSuffix)}'; const id = await enqueue${names.pascal}({ id: '…' });`,
      `Serve its status (GET /jobs/${names.kebab}/:id): import { ${statusExport} } from '${importPath(app, statusPath, config.importSuffix)}'; ${STATUS_USAGE[config.framework](names.camel)}`,
      ...manual,
      `Run the worker: REDIS_URL=redis://127.0.0.1:6379 ${runScriptCommand(context.project.packageManager, 'worker')}`,
      ...(config.tests === false ? [] : testSteps(context.project, posix.join(tasks, `${names.kebab}.test.ts`), 'REDIS_URL=redis://127.0.0.1:6379 ')),
      ...setup.notes,
    ],
  };
}
