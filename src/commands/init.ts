import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, posix, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Command } from 'commander';
import { ask, PromptCancelled } from './prompt.js';
import { UsageError } from '../errors.js';
import type { CommandIO } from '../io.js';
import { CONFIG_FILE_NAME, parseConfig, readJsonFile, type ScaffoldConfig } from '../linter/config.js';
import { applyChanges, canPrompt, styleGeneratedFiles } from '../scaffold/apply.js';
import { ChangeSet } from '../scaffold/changes.js';
import { atTestedRanges, bgtaskDependency, formatCommand, installCommands, missingDependencies, recordInstallState, runInstall, type Dependency } from '../scaffold/install.js';
import { jsonIndent, planPackageJsonEdits, readPlannedPackageJson, type PackageJsonEdit } from '../scaffold/package-json.js';
import { baseTemplates } from '../scaffold/layout.js';
import { FRAMEWORKS, PACKAGE_MANAGERS, SUPPORTED_VERSIONS, belowSupportedFloor, detectProject, runScriptCommand, type Framework, type PackageJson, type PackageManager, type ProjectInfo } from '../scaffold/project.js';
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
  appFile?: string;
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
    changes.generate(CONFIG_FILE_NAME, `${JSON.stringify(config, null, jsonIndent(changes.read('package.json') ?? ''))}\n`);
    return;
  }
  const merged = { ...(existing.raw.$schema === undefined ? { $schema: CONFIG_SCHEMA_REFERENCE } : {}), ...existing.raw, scaffold };
  // Unchanged in meaning: leave the user's formatting (and comments) alone; the plan shows a SKIP.
  if (isDeepStrictEqual(merged, existing.raw)) {
    changes.edit(CONFIG_FILE_NAME, changes.read(CONFIG_FILE_NAME) ?? '');
    return;
  }
  parseConfig(merged, path);
  changes.edit(CONFIG_FILE_NAME, `${JSON.stringify(merged, null, jsonIndent(changes.read(CONFIG_FILE_NAME) ?? ''))}\n`);
}

/**
 * Adds the `lint:tasks` script, bgtask itself as a devDependency when it came from the registry, and
 * the runtime packages; keeps every script and range the user already has, and the file's formatting.
 */
function planPackageJson(changes: ChangeSet, dependencies: readonly Dependency[]): void {
  const { json } = readPlannedPackageJson(changes);
  const declared = { ...json.dependencies, ...json.devDependencies };
  const edits: PackageJsonEdit[] = [];
  if (json.scripts?.['lint:tasks'] === undefined) edits.push({ path: ['scripts', 'lint:tasks'], value: 'bgtask lint' });
  for (const dependency of dependencies) {
    if (declared[dependency.name] !== undefined) continue;
    // npm, pnpm and yarn keep these sorted; so do we.
    edits.push({ path: [dependency.dev ? 'devDependencies' : 'dependencies', dependency.name], value: dependency.range, sorted: true });
  }
  planPackageJsonEdits(changes, edits);
}


const HANDLER_USAGE: Record<Framework, string> = {
  express: 'req.backgroundTasks.addTask(fn, ...args)',
  fastify: 'request.backgroundTasks.addTask(fn, ...args)',
  hono: 'c.var.backgroundTasks.addTask(fn, ...args)',
};

function wiringNote(wiring: WireResult): string {
  if (wiring.status !== 'manual') return '';
  const target = wiring.appFile ?? 'the file that creates your app';
  const pick =
    wiring.candidates !== undefined && wiring.candidates.length > 1
      ? `Or re-run with --app-file <path> naming one of: ${wiring.candidates.join(', ')}.\n`
      : '';
  return `\nbgtask did not edit your app: ${wiring.reason}. Add these lines to ${target}:\n${wiring.lines.map((line) => `  ${line}\n`).join('')}${pick}`;
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

/** The file named by --app-file, as a project-relative posix path; it must exist. */
function appFileFlag(root: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const path = posix.normalize(value.split('\\').join('/'));
  if (isAbsolute(value) || path === '..' || path.startsWith('../') || !existsSync(join(root, path)) || !statSync(join(root, path)).isFile()) {
    throw new UsageError(`--app-file "${value}" is not a file in the project: give the path, relative to the project root, of the file that creates the app (e.g. src/app.ts).`);
  }
  return path;
}

/** Express's body parsers, by call: without one, req.body is undefined in Express 4 and 5. */
function installsBodyParser(text: string): boolean {
  return /\.(json|urlencoded)\s*\(/.test(text) || /\bbody-?parser\b/i.test(text);
}

export async function runInit(options: InitOptions, io: CommandIO): Promise<number> {
  const flags = parseFlags(options);
  const root = resolve(io.cwd, options.cwd);
  const project = detectProject(root, io.env);
  const chosenAppFile = appFileFlag(root, options.appFile);
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
  // Said before anything is written, so the user can stop here.
  for (const problem of belowSupportedFloor(root, project)) io.stderr(`bgtask: warning: ${problem}\n`);

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
  const wire = (appFile: string | undefined): WireResult =>
    planAppWiring(changes, {
      framework: config.framework,
      sourceDir: config.sourceDir,
      runtimeDir: config.runtimeDir,
      adapterPath: templates.get(adapterTemplate) ?? '',
      importSuffix: config.importSuffix,
      moduleKind: project.moduleKind,
      appFile,
    });
  let wiring = wire(chosenAppFile ?? config.appFile);
  if (wiring.status === 'manual' && wiring.candidates !== undefined && wiring.candidates.length > 1 && canPrompt(io, options.yes)) {
    const picked = await ask<string>({
      type: 'select',
      name: 'appFile',
      message: 'Several files create an app. Which one serves the routes that will add tasks?',
      choices: wiring.candidates.map((path) => ({ title: path, value: path })),
    });
    wiring = wire(picked);
  }
  // Recorded only while it is the file that creates the app, so add-task and a re-run look there.
  config.appFile = wiring.appFile;

  const outcome =
    config.bullmq === true || config.scheduler !== 'none'
      ? planQueuePlumbing({ project, config, changes }, { bullmq: choices.bullmq, scheduler: choices.scheduler })
      : undefined;

  const bgtask = bgtaskDependency();
  const dependencies = [...atTestedRanges(outcome?.dependencies ?? [], outcome?.devDependencies), ...(bgtask === undefined ? [] : [bgtask])];
  planPackageJson(changes, dependencies);
  planConfigFile(changes, existing, scaffoldSection(config));
  const style = await styleGeneratedFiles(changes, wiring.status === 'wired' ? [wiring.appFile] : []);

  const restoreInstallState = options.dryRun ? undefined : recordInstallState(root);
  const code = applyChanges(changes, { dryRun: options.dryRun, force: options.force }, io);
  if (code !== 0) return code;
  io.stdout(`\n${detectionSummary(project, config, style.describe)}\n`);
  for (const problem of style.problems) io.stderr(`bgtask: ${problem}\n`);
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
      changes.rollback();
      restoreInstallState?.();
      io.stderr(
        `bgtask: \`${failure.failed}\` failed (${failure.errorLine ?? failure.reason}). Every file bgtask wrote or changed is back as it was: ` +
          'fix the install (registry, network, versions) and run bgtask init again, or pass --skip-install to install yourself.\n',
      );
      return 1;
    }
  }

  const appText = wiring.appFile === undefined ? undefined : changes.read(wiring.appFile);
  const next = [
    `In a handler: ${HANDLER_USAGE[config.framework]}`,
    ...(config.framework === 'express' && appText !== undefined && !installsBodyParser(appText)
      ? [`${wiring.appFile ?? 'The app'} installs no body parser, so req.body is undefined (Express ${project.expressMajor ?? 5}): add app.use(express.json()) before the routes that read JSON.`]
      : []),
    `bgtask add-task send-receipt --kind ${config.bullmq === true ? 'bullmq' : 'in-process'}`,
    ...(outcome?.nextSteps ?? []),
    ...(bgtask === undefined ? [`bgtask is not added to devDependencies: this copy runs from ${REPO_HINT}; the lint:tasks script needs \`bgtask\` on PATH.`] : []),
    runScriptCommand(choices.packageManager, 'lint:tasks'),
  ];
  io.stdout(`\nNext:\n${next.map((line) => `  ${line}\n`).join('')}`);
  io.stdout(`\n${SUPPORTED_VERSIONS}\n`);
  return 0;
}

const REPO_HINT = 'a checkout or a link, not a registry install';

/** One line of what bgtask found, so a wrong guess is visible at once. */
function detectionSummary(project: ProjectInfo, config: ScaffoldConfig, style: string): string {
  const framework = config.framework === 'express' ? `Express ${project.expressMajor ?? '(version unknown)'}` : config.framework === 'fastify' ? 'Fastify' : 'Hono';
  const modules = `${project.moduleKind === 'esm' ? 'ES modules' : 'CommonJS'}, relative imports ${config.importSuffix === '' ? 'without an extension' : 'ending in .js'}`;
  const tests = project.testRunner.kind === 'node' ? 'node:test' : project.testRunner.kind === 'jest' ? `jest (${project.testRunner.globals === 'import' ? '@jest/globals' : 'globals'})` : 'vitest';
  return `Detected: ${framework}; ${modules}; tests: ${tests}; style: ${style}; package manager: ${project.packageManager}.`;
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
    .option('--app-file <path>', 'the file that creates the app, when bgtask finds several (default: detected)')
    .action(async (flags: InitOptions) => {
      setExitCode(await runInit(flags, io));
    });
}
