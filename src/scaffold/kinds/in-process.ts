import { posix } from 'node:path';
import { UsageError } from '../../errors.js';
import { baseTemplates, taskVariables } from '../layout.js';
import { installCommand, type PackageManager, type ProjectInfo } from '../project.js';
import { importPath, renderTemplate, type TemplateMap } from '../render.js';
import type { PlanOutcome, TaskContext } from './types.js';

export const ROUTE_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type RouteMethod = (typeof ROUTE_METHODS)[number];

export interface RouteSpec {
  method: RouteMethod;
  path: string;
}

const EXEC: Record<PackageManager, string> = { npm: 'npx', pnpm: 'pnpm exec', yarn: 'yarn', bun: 'bunx' };

const ROUTE_EXAMPLE = 'e.g. --route "POST /orders"';

/**
 * `POST /orders` → { method: 'POST', path: '/orders' }. The path lands in a string literal of the
 * generated handler, so quotes, backslashes and whitespace are refused rather than escaped.
 */
export function parseRoute(route: string): RouteSpec {
  const parts = route.trim().split(/\s+/);
  const [method, path] = parts;
  const upper = method?.toUpperCase();
  const known = ROUTE_METHODS.find((candidate) => candidate === upper);
  if (parts.length !== 2 || known === undefined || path === undefined) {
    throw new UsageError(`Invalid --route "${route}": expected "<METHOD> <path>" with METHOD one of ${ROUTE_METHODS.join(', ')}, ${ROUTE_EXAMPLE}.`);
  }
  if (!path.startsWith('/') || /['"`\\]/.test(path)) {
    throw new UsageError(`Invalid --route "${route}": the path must start with "/" and contain no quotes or backslashes, ${ROUTE_EXAMPLE}.`);
  }
  if (/__[A-Za-z][A-Za-z0-9-]*__/.test(path)) {
    throw new UsageError(`Invalid --route "${route}": "__name__" segments are reserved for bgtask's template placeholders; rename that segment.`);
  }
  return { method: known, path };
}

/**
 * Route templates call `app.post(`, a real method, so the repository's type-check covers them; the
 * other methods have the same signature in all three frameworks, so swapping the name keeps the
 * generated file as well-typed as the template.
 */
function withRouteMethod(contents: string, method: RouteMethod, templatePath: string): string {
  const call = 'app.post(';
  const count = contents.split(call).length - 1;
  if (count !== 1) throw new Error(`bgtask bug: template ${templatePath} must contain exactly one \`${call}\`, found ${count}`);
  return contents.replace(call, `app.${method.toLowerCase()}(`);
}

/** What the app file installs the adapter on (`app`, `this.app`, `server`), so printed calls use the same receiver. */
function adapterReceiver(appText: string): string {
  return /([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\s*\.\s*(?:use|register)\(\s*backgroundTasks\b/.exec(appText)?.[1] ?? 'app';
}

/** Plans an in-process task: the task module, its test and, with a route, a handler that adds it. */
export function planInProcessTask(context: TaskContext, options: { route?: string }): PlanOutcome {
  const { config, names, changes } = context;
  const route = options.route === undefined ? undefined : parseRoute(options.route);

  const runtimeFiles = [posix.join(config.runtimeDir, 'tasks.ts'), posix.join(config.runtimeDir, `${config.framework}.ts`)];
  const missing = runtimeFiles.filter((path) => !changes.exists(path));
  if (missing.length > 0) {
    throw new UsageError(`The task runtime is missing (${missing.join(', ')}), so the task would not compile. Run \`bgtask init\` first.`);
  }

  const taskPath = posix.join(config.tasksDir, '__task-name__.ts');
  const testPath = posix.join(config.tasksDir, '__task-name__.test.ts');
  const routePath = posix.join(config.tasksDir, '__task-name__.route.ts');
  const routeTemplate = `in-process/routes/${config.framework}.ts`;
  const map: TemplateMap = new Map([
    ...baseTemplates(config),
    ['in-process/__task-name__.ts', taskPath],
    ['in-process/__task-name__.test.ts', testPath],
    [routeTemplate, routePath],
  ]);
  const variables = {
    ...taskVariables(names),
    ...(route === undefined ? {} : { '__route-method__': route.method, '__route-path__': route.path }),
  };
  const render = (template: string) => renderTemplate(template, map, variables, { importSuffix: config.importSuffix, testRunner: context.project.testRunner });

  const task = render('in-process/__task-name__.ts');
  changes.generate(task.path, task.contents);
  const test = config.tests !== false ? render('in-process/__task-name__.test.ts') : undefined;
  if (test !== undefined) changes.generate(test.path, test.contents);

  const { camel, pascal } = names;
  const nextSteps: string[] = [];
  if (route !== undefined) {
    const handler = render(routeTemplate);
    changes.generate(handler.path, withRouteMethod(handler.contents, route.method, routeTemplate));
    const where = config.appFile ?? 'the file that creates your app';
    const from = config.appFile === undefined ? posix.join(config.sourceDir, 'app.ts') : config.appFile;
    const receiver = config.appFile === undefined ? 'app' : adapterReceiver(changes.read(config.appFile) ?? '');
    nextSteps.push(
      `Register ${route.method} ${route.path} in ${where}, after the background tasks middleware (${receiver}.${config.framework === 'fastify' ? 'register' : 'use'}(backgroundTasks…)):`,
      `  import { register${pascal}Route } from '${importPath(from, handler.path, config.importSuffix)}';`,
      `  register${pascal}Route(${receiver});`,
    );
  } else {
    const call = { express: 'req.backgroundTasks', fastify: 'request.backgroundTasks', hono: 'c.var.backgroundTasks' }[config.framework];
    nextSteps.push(`Import ${camel} from ${task.path} and add it in a handler, before responding: ${call}.addTask(${camel}, { id })`);
  }
  nextSteps.push(`Write the work in ${task.path}; let it throw on failure, the runtime reports it.`);
  if (test !== undefined) nextSteps.push(...testSteps(context.project, test.path));
  return { dependencies: [], nextSteps };
}

/**
 * How to run a generated test with the project's runner, and the one install it may need: node:test
 * runs TypeScript through tsx when the project has no runner of its own (a printed install step
 * must work on the project, so it never names a second test framework).
 */
export function testSteps(project: ProjectInfo, testPath: string, env = ''): string[] {
  const { packageJson, packageManager, testRunner } = project;
  const exec = `${env}${EXEC[packageManager]}`;
  if (testRunner.kind === 'vitest') return [`Test it: ${exec} vitest run ${testPath}`];
  if (testRunner.kind === 'jest') return [`Test it: ${exec} jest ${testPath}`];
  if (testRunner.typescriptRunner === 'ts-node') return [`Test it (node:test): ${env}node --require ts-node/register --test ${testPath}`];
  const hasTsx = { ...packageJson.dependencies, ...packageJson.devDependencies }.tsx !== undefined;
  return [
    ...(hasTsx ? [] : [`The test runs on node:test through tsx: ${installCommand(packageManager, ['tsx'], true).join(' ')} (or re-run with --no-test).`]),
    `Test it (node:test): ${exec} tsx --test ${testPath}`,
  ];
}
