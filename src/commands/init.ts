import { existsSync } from 'node:fs';
import { isAbsolute, join, posix, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Command } from 'commander';
import { ask, PromptCancelled } from './prompt.js';
import { UsageError } from '../errors.js';
import type { CommandIO } from '../io.js';
import { CONFIG_FILE_NAME, parseConfig, readJsonFile, type ScaffoldConfig } from '../linter/config.js';
import { applyChanges, canPrompt } from '../scaffold/apply.js';
import { ChangeSet } from '../scaffold/changes.js';
import { atTestedRanges, formatCommand, installCommands, missingDependencies, runInstall, testedRange, type Dependency } from '../scaffold/install.js';
import { baseTemplates } from '../scaffold/layout.js';
import { FRAMEWORKS, PACKAGE_MANAGERS, detectProject, type Framework, type PackageJson, type PackageManager, type ProjectInfo } from '../scaffold/project.js';
import { renderTemplate } from '../scaffold/render.js';
import type { WireResult } from '../scaffold/wire-app.js';

export const SCHEDULERS = ['none', 'croner', 'bullmq'] as const;
export type Scheduler = (typeof SCHEDULERS)[number];

export const CONFIG_SCHEMA_REFERENCE = './node_modules/bgtask/bgtask.schema.json';

/** The flags as commander hands them over; values are checked by runInit, so a direct call is checked too. */
export interface InitOptions {
  cwd: string;
  framework?: string;
  packageManager?: string;
  bullmq?: boolean;
  scheduler?: string;
  runtimeDir?: string;
  tasksDir?: string;
  yes: boolean;
  dryRun: boolean;
  force: boolean;
  skipInstall: boolean;
}

interface Choices {
  framework: Framework;
  packageManager: PackageManager;
  bullmq: boolean;
  scheduler: Scheduler;
}

function parseChoice<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`Unknown ${flag} "${value}": use ${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1) ?? ''}.`);
}

/** A folder inside the project, as a posix path relative to its root. */
function projectFolder(flag: string, value: string): string {
  const normal = posix.normalize(value.split('\\').join('/')).replace(/\/+$/, '');
  if (isAbsolute(value) || normal === '' || normal === '.' || normal === '..' || normal.startsWith('../')) {
    throw new UsageError(`${flag} "${value}" must be a folder inside the project, relative to its root, e.g. src/background.`);
  }
  return normal;
}

interface ExistingConfig {
  path: string;
  raw: Record<string, unknown>;
  scaffold?: ScaffoldConfig;
}

/** The project's own bgtask.json (not one further up: init configures this project), validated. */
function readExistingConfig(root: string): ExistingConfig | undefined {
  const path = join(root, CONFIG_FILE_NAME);
  if (!existsSync(path)) return undefined;
  const raw = readJsonFile(path);
  const { scaffold } = parseConfig(raw, path);
  return { path, raw: raw as Record<string, unknown>, scaffold };
}

function frameworksIn(packageJson: PackageJson): Framework[] {
  const deps = { ...packageJson.devDependencies, ...packageJson.dependencies };
  return FRAMEWORKS.filter((framework) => deps[framework] !== undefined);
}

/** Flags first, then what an earlier init recorded, then detection, then a prompt, then a default or a clear error. */
async function completeChoices(flags: Partial<Choices>, yes: boolean, project: ProjectInfo, previous: ScaffoldConfig | undefined, io: CommandIO): Promise<Choices> {
  const interactive = canPrompt(io, yes);
  const packageManager = flags.packageManager ?? project.packageManager;
  let scheduler = flags.scheduler;
  let framework = flags.framework ?? previous?.framework ?? project.framework;

  if (framework === undefined) {
    const found = frameworksIn(project.packageJson);
    if (!interactive) {
      throw new UsageError(
        found.length > 1
          ? `package.json depends on ${found.join(' and ')}: pass --framework ${found.join('|')} to say which app to set up.`
          : 'package.json depends on none of express, fastify or hono: pass --framework express|fastify|hono.',
      );
    }
    const choices = (found.length > 1 ? found : FRAMEWORKS).map((name) => ({ title: name, value: name }));
    framework = await ask<Framework>({ type: 'select', name: 'framework', message: 'Which framework does this app use?', choices });
  }

  let bullmq = flags.bullmq ?? (scheduler === 'bullmq' ? true : previous?.bullmq);
  if (bullmq === undefined) {
    bullmq = interactive
      ? await ask<boolean>({
          type: 'confirm',
          name: 'bullmq',
          message: 'Also set up BullMQ for durable jobs (a Redis queue and a separate worker process)?',
          initial: false,
        })
      : false;
  }
  scheduler ??= previous?.scheduler;
  if (scheduler === undefined) {
    scheduler = interactive
      ? await ask<Scheduler>({
          type: 'select',
          name: 'scheduler',
          message: 'Scheduled (cron) tasks?',
          choices: [
            { title: 'none', description: 'not now; add-task can still ask later', value: 'none' },
            { title: 'croner', description: 'in the worker process; fires once per process, so run a single instance', value: 'croner' },
            { title: 'bullmq', description: 'a BullMQ job scheduler in Redis; fires once however many replicas run (sets up BullMQ)', value: 'bullmq' },
          ],
        })
      : 'none';
  }
  if (scheduler === 'bullmq') bullmq = true;
  return { framework, packageManager, bullmq, scheduler };
}

/** bgtask.json's scaffold section in a stable key order, keeping what an earlier init or the user added. */
function scaffoldSection(config: ScaffoldConfig): ScaffoldConfig {
  const ordered: ScaffoldConfig = {
    framework: config.framework,
    sourceDir: config.sourceDir,
    runtimeDir: config.runtimeDir,
    tasksDir: config.tasksDir,
    importSuffix: config.importSuffix,
    appFile: config.appFile,
    bullmq: config.bullmq,
    scheduler: config.scheduler,
    workerEntry: config.workerEntry,
    tests: config.tests,
  };
  return Object.fromEntries(Object.entries(ordered).filter(([, value]) => value !== undefined)) as unknown as ScaffoldConfig;
}

/** Writes bgtask.json, or merges the scaffold section into the user's, keeping their rules and globs. */
function planConfigFile(changes: ChangeSet, existing: ExistingConfig | undefined, scaffold: ScaffoldConfig): void {
  const path = join(changes.root, CONFIG_FILE_NAME);
  if (existing === undefined) {
    const config = { $schema: CONFIG_SCHEMA_REFERENCE, scaffold };
    parseConfig(config, path);
    changes.generate(CONFIG_FILE_NAME, `${JSON.stringify(config, null, 2)}\n`);
    return;
  }
  const merged = { ...(existing.raw.$schema === undefined ? { $schema: CONFIG_SCHEMA_REFERENCE } : {}), ...existing.raw, scaffold };
  // Unchanged in meaning: leave the user's formatting (and comments) alone; the plan shows a SKIP.
  if (isDeepStrictEqual(merged, existing.raw)) {
    changes.edit(CONFIG_FILE_NAME, changes.read(CONFIG_FILE_NAME) ?? '');
    return;
  }
  parseConfig(merged, path);
  changes.edit(CONFIG_FILE_NAME, `${JSON.stringify(merged, null, 2)}\n`);
}

/**
 * Adds the `lint:tasks` script, bgtask itself as a devDependency (the script and the `$schema` path
 * need it) and the runtime packages; keeps every script and range the user already has.
 */
function planPackageJson(changes: ChangeSet, dependencies: readonly Dependency[]): void {
  const text = changes.read('package.json') ?? '{}';
  let json: PackageJson;
  try {
    json = JSON.parse(text) as PackageJson;
  } catch (error) {
    throw new UsageError(`package.json is not valid JSON (${(error as Error).message}); fix it and run again.`);
  }
  const before = structuredClone(json);
  const declared = { ...json.dependencies, ...json.devDependencies };
  if (json.scripts?.['lint:tasks'] === undefined) json.scripts = { ...json.scripts, 'lint:tasks': 'bgtask lint' };
  for (const dependency of dependencies) {
    if (declared[dependency.name] !== undefined) continue;
    const field = dependency.dev ? 'devDependencies' : 'dependencies';
    const entries = { ...json[field], [dependency.name]: dependency.range };
    // npm, pnpm and yarn keep these sorted; so do we.
    json[field] = Object.fromEntries(Object.entries(entries).sort(([a], [b]) => a.localeCompare(b)));
  }
  if (isDeepStrictEqual(json, before)) {
    changes.edit('package.json', text);
    return;
  }
  const indent = /^[ \t]+(?=")/m.exec(text)?.[0] ?? '  ';
  changes.edit('package.json', `${JSON.stringify(json, null, indent)}${text.endsWith('\n') ? '\n' : ''}`);
}

function runScript(manager: PackageManager, script: string): string {
  return manager === 'npm' || manager === 'bun' ? `${manager} run ${script}` : `${manager} ${script}`;
}

const HANDLER_USAGE: Record<Framework, string> = {
  express: 'req.backgroundTasks.addTask(fn, ...args)',
  fastify: 'request.backgroundTasks.addTask(fn, ...args)',
  hono: 'c.var.backgroundTasks.addTask(fn, ...args)',
};

function wiringNote(wiring: WireResult): string {
  if (wiring.status !== 'manual') return '';
  const target = wiring.appFile ?? 'the file that creates your app';
  return `\nbgtask did not edit your app: ${wiring.reason}. Add these lines to ${target}:\n${wiring.lines.map((line) => `  ${line}\n`).join('')}`;
}

/** The flags' values, checked before anything is read. */
function parseFlags(options: InitOptions): Partial<Choices> & { runtimeDir?: string; tasksDir?: string } {
  const flags = {
    framework: parseChoice('--framework', options.framework, FRAMEWORKS),
    packageManager: parseChoice('--package-manager', options.packageManager, PACKAGE_MANAGERS),
    scheduler: parseChoice('--scheduler', options.scheduler, SCHEDULERS),
    bullmq: options.bullmq,
    runtimeDir: options.runtimeDir === undefined ? undefined : projectFolder('--runtime-dir', options.runtimeDir),
    tasksDir: options.tasksDir === undefined ? undefined : projectFolder('--tasks-dir', options.tasksDir),
  };
  if (flags.scheduler === 'bullmq' && flags.bullmq === false) {
    throw new UsageError('--scheduler bullmq keeps its schedules in BullMQ, which --no-bullmq turns off: drop one of them.');
  }
  return flags;
}

export async function runInit(options: InitOptions, io: CommandIO): Promise<number> {
  const flags = parseFlags(options);
  const root = resolve(io.cwd, options.cwd);
  const project = detectProject(root, io.env);
  const existing = readExistingConfig(root);
  const previous = existing?.scaffold;
  let choices: Choices;
  try {
    choices = await completeChoices(flags, options.yes, project, previous, io);
  } catch (error) {
    if (error instanceof PromptCancelled) {
      io.stderr('bgtask: cancelled; nothing was written.\n');
      return 1;
    }
    throw error;
  }

  const sourceDir = previous?.sourceDir ?? project.sourceDir;
  const config: ScaffoldConfig = {
    ...previous,
    framework: choices.framework,
    sourceDir,
    runtimeDir: flags.runtimeDir ?? previous?.runtimeDir ?? posix.join(sourceDir, 'background'),
    tasksDir: flags.tasksDir ?? previous?.tasksDir ?? posix.join(sourceDir, 'tasks'),
    importSuffix: previous?.importSuffix ?? project.importSuffix,
    bullmq: choices.bullmq,
    scheduler: choices.scheduler,
  };
  const changes = new ChangeSet(root);

  const templates = new Map(baseTemplates(config));
  const adapterTemplate = `runtime/${config.framework}.ts`;
  for (const template of ['runtime/tasks.ts', adapterTemplate]) {
    const { path, contents } = renderTemplate(template, templates, {}, { importSuffix: config.importSuffix });
    changes.generate(path, contents);
  }

  // ts-morph is loaded only now, so that `bgtask --help` stays fast.
  const [{ planAppWiring }, { planQueuePlumbing }] = await Promise.all([import('../scaffold/wire-app.js'), import('../scaffold/kinds/bullmq.js')]);
  const wiring = planAppWiring(changes, {
    framework: config.framework,
    sourceDir: config.sourceDir,
    runtimeDir: config.runtimeDir,
    adapterPath: templates.get(adapterTemplate) ?? '',
    importSuffix: config.importSuffix,
    moduleKind: project.moduleKind,
    appFile: config.appFile,
  });
  // Recorded only while it is the file that creates the app, so add-task and a re-run look there.
  config.appFile = wiring.appFile;

  const outcome =
    config.bullmq === true || config.scheduler !== 'none'
      ? planQueuePlumbing({ project, config, changes }, { bullmq: choices.bullmq, scheduler: choices.scheduler })
      : undefined;

  const hasBgtask = { ...project.packageJson.dependencies, ...project.packageJson.devDependencies }.bgtask !== undefined;
  const dependencies = [...atTestedRanges(outcome?.dependencies ?? [], outcome?.devDependencies), ...(hasBgtask ? [] : [{ name: 'bgtask', range: testedRange('bgtask'), dev: true }])];
  planPackageJson(changes, dependencies);
  planConfigFile(changes, existing, scaffoldSection(config));

  const code = applyChanges(changes, { dryRun: options.dryRun, force: options.force }, io);
  if (code !== 0) return code;
  const note = wiringNote(wiring);
  if (note !== '') io.stdout(note);

  const commands = installCommands(choices.packageManager, missingDependencies(root, project.packageJson, dependencies));
  const printed = commands.map((command) => `  ${formatCommand(command)}\n`).join('');
  if (options.dryRun) {
    if (commands.length > 0) io.stdout(`\nWould then install the new dependencies with:\n${printed}`);
    return 0;
  }
  if (commands.length > 0 && options.skipInstall) io.stdout(`\nInstall the new dependencies with:\n${printed}`);
  if (commands.length > 0 && !options.skipInstall) {
    const failure = runInstall(root, commands, io);
    if (failure !== undefined) {
      io.stderr(`bgtask: \`${failure.failed}\` failed (${failure.reason}). The files above are written; run it yourself to finish.\n`);
      return 1;
    }
  }

  const next = [
    `In a handler: ${HANDLER_USAGE[config.framework]}`,
    `bgtask add-task send-receipt --kind ${config.bullmq === true ? 'bullmq' : 'in-process'}`,
    ...(outcome?.nextSteps ?? []),
    runScript(choices.packageManager, 'lint:tasks'),
  ];
  io.stdout(`\nNext:\n${next.map((line) => `  ${line}\n`).join('')}`);
  return 0;
}

export function initCommand(io: CommandIO, setExitCode: (code: number) => void): Command {
  return new Command('init')
    .description('Write the task runtime and bgtask.json into this project and wire the adapter into the app.')
    .option('--framework <name>', 'express, fastify or hono (default: detected from package.json)')
    .option('--package-manager <name>', 'npm, pnpm, yarn or bun (default: detected from the lockfile)')
    .option('--bullmq', 'set up BullMQ: a Redis connection and a worker entry')
    .option('--no-bullmq', 'do not set up BullMQ')
    .option('--scheduler <engine>', 'scheduled tasks: none, croner or bullmq')
    .option('--runtime-dir <dir>', 'where the runtime goes (default: <sourceDir>/background)')
    .option('--tasks-dir <dir>', 'where add-task writes tasks (default: <sourceDir>/tasks)')
    .option('-y, --yes', 'accept defaults; never prompt', false)
    .option('--cwd <dir>', 'the project root', '.')
    .option('--dry-run', 'print what would be written, write nothing', false)
    .option('-f, --force', 'overwrite files that differ', false)
    .option('--skip-install', 'do not install dependencies; print the command instead', false)
    .action(async (flags: InitOptions) => {
      setExitCode(await runInit(flags, io));
    });
}
