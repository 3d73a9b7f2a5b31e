import { posix } from 'node:path';
import type { ScaffoldConfig } from '../linter/config.js';
import type { TemplateVariables } from './render.js';
import type { TaskNames } from './names.js';

/** Where the worker process entry lives unless init was told otherwise. */
export function workerEntryPath(config: ScaffoldConfig): string {
  return config.workerEntry ?? posix.join(config.sourceDir, 'worker.ts');
}

/**
 * Output paths of the templates that `init` writes and that task templates import: the runtime,
 * its adapters, and the queue plumbing. Task kinds add their own entries on top.
 */
export function baseTemplates(config: ScaffoldConfig): [string, string][] {
  const runtime = config.runtimeDir;
  return [
    ['runtime/tasks.ts', posix.join(runtime, 'tasks.ts')],
    ['runtime/express.ts', posix.join(runtime, 'express.ts')],
    ['runtime/fastify.ts', posix.join(runtime, 'fastify.ts')],
    ['runtime/hono.ts', posix.join(runtime, 'hono.ts')],
    ['queue/redis.ts', posix.join(runtime, 'redis.ts')],
    ['queue/worker.ts', workerEntryPath(config)],
  ];
}

/** The placeholders every task template may use. */
export function taskVariables(names: TaskNames): TemplateVariables {
  return { '__task-name__': names.kebab, __taskName__: names.camel, __TaskName__: names.pascal };
}
