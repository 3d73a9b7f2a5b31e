import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { ask, PromptCancelled } from './prompt.js';
import { UsageError } from '../errors.js';
import type { CommandIO } from '../io.js';
import { findConfigFile, loadConfig, type ScaffoldConfig } from '../linter/config.js';
import { applyChanges, canPrompt, styleGeneratedFiles } from '../scaffold/apply.js';
import { ChangeSet } from '../scaffold/changes.js';
import { atTestedRanges, formatCommand, installCommands, missingDependencies } from '../scaffold/install.js';
import type { PlanOutcome, TaskContext } from '../scaffold/kinds/types.js';
import { workerEntryPath } from '../scaffold/layout.js';
import { taskNames } from '../scaffold/names.js';
import { detectProject } from '../scaffold/project.js';

export const TASK_KINDS = ['in-process', 'bullmq', 'scheduled'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];
export const SCHEDULE_ENGINES = ['croner', 'bullmq'] as const;
export type ScheduleEngine = (typeof SCHEDULE_ENGINES)[number];

export interface AddTaskOptions {
  name: string;
  kind?: TaskKind;
  route?: string;
  cron?: string;
  engine?: ScheduleEngine;
  test: boolean;
  yes: boolean;
  cwd: string;
  dryRun: boolean;
  force: boolean;
}

function readScaffoldConfig(root: string): ScaffoldConfig {
  const path = findConfigFile(root);
  const config = path === undefined ? undefined : loadConfig({ explicitPath: path, startDirectory: root }).scaffold;
  if (config === undefined) {
    throw new UsageError(`No "scaffold" section in a bgtask.json for ${root}. Run \`bgtask init\` in the project first.`);
  }
  return config;
}

/** Fills in what flags did not say: by prompt where a person can answer, else by default or a clear error. */
async function completeOptions(options: AddTaskOptions, config: ScaffoldConfig, io: CommandIO): Promise<Required<Pick<AddTaskOptions, 'kind'>> & AddTaskOptions> {
  const interactive = canPrompt(io, options.yes);
  let kind = options.kind;
  if (kind === undefined) {
    if (!interactive) throw new UsageError('Missing --kind: pass --kind in-process, bullmq or scheduled.');
    kind = await ask<TaskKind>({
      type: 'select',
      name: 'kind',
      message: 'What kind of task?',
      choices: [
        { title: 'in-process', description: 'runs after the response, in the same process (FastAPI BackgroundTasks)', value: 'in-process' },
        { title: 'bullmq', description: 'a durable job on a Redis queue, run by a worker process (Celery/ARQ)', value: 'bullmq' },
        { title: 'scheduled', description: 'runs on a cron schedule', value: 'scheduled' },
      ],
    });
  }
  if (kind === 'scheduled') {
    let cron = options.cron;
    if (cron === undefined) {
      if (!interactive) throw new UsageError('Missing --cron: pass --cron "<pattern>", e.g. --cron "0 3 * * *" for 03:00 every day.');
      cron = await ask<string>({ type: 'text', name: 'cron', message: 'Cron pattern (5 or 6 fields)', initial: '0 3 * * *' });
    }
    const { validateCronPattern } = await import('../scaffold/kinds/scheduled.js');
    const { everySecond } = validateCronPattern(cron);
    if (everySecond && !options.yes) {
      if (!interactive) throw new UsageError(`The pattern "${cron}" has "*" in the seconds field, so it fires every second. Pass --yes to confirm.`);
      const confirmed = await ask<boolean>({ type: 'confirm', name: 'ok', message: `"${cron}" fires every second. Is that what you want?`, initial: false });
      if (!confirmed) throw new PromptCancelled();
    }
    let engine = options.engine ?? (config.scheduler === 'bullmq' || config.scheduler === 'croner' ? config.scheduler : undefined);
    if (engine === undefined) {
      engine = interactive
        ? await ask<ScheduleEngine>({
            type: 'select',
            name: 'engine',
            message: 'Which scheduler?',
            choices: [
              { title: 'croner', description: 'in the worker process; fires once per process, so run a single instance', value: 'croner' },
              { title: 'bullmq', description: 'a BullMQ job scheduler in Redis; fires once however many replicas run', value: 'bullmq' },
            ],
          })
        : 'croner';
    }
    return { ...options, kind, cron, engine };
  }
  return { ...options, kind };
}

export async function runAddTask(options: AddTaskOptions, io: CommandIO): Promise<number> {
  const names = taskNames(options.name);
  const root = resolve(io.cwd, options.cwd);
  const project = detectProject(root, io.env);
  const config = readScaffoldConfig(root);
  let complete: Awaited<ReturnType<typeof completeOptions>>;
  try {
    complete = await completeOptions(options, config, io);
  } catch (error) {
    if (error instanceof PromptCancelled) {
      io.stderr('bgtask: cancelled; nothing was written.\n');
      return 1;
    }
    throw error;
  }
  const changes = new ChangeSet(root);
  const context: TaskContext = { project, config: { ...config, tests: options.test && config.tests !== false }, names, changes };
  // The planners are loaded only now (the BullMQ and scheduled ones pull in ts-morph), so that
  // `bgtask --help` stays fast.
  let outcome: PlanOutcome;
  if (complete.kind === 'in-process') {
    const { planInProcessTask } = await import('../scaffold/kinds/in-process.js');
    outcome = planInProcessTask(context, { route: complete.route });
  } else if (complete.kind === 'bullmq') {
    const { planBullmqTask } = await import('../scaffold/kinds/bullmq.js');
    outcome = planBullmqTask(context);
  } else {
    const { planScheduledTask } = await import('../scaffold/kinds/scheduled.js');
    outcome = planScheduledTask(context, { cron: complete.cron ?? '', engine: complete.engine ?? 'croner' });
  }

  // A worker entry of the user's own (no bgtask header) that this run registered a task in.
  const style = await styleGeneratedFiles(changes, [workerEntryPath(config)]);
  const code = applyChanges(changes, options, io);
  for (const problem of style.problems) io.stderr(`bgtask: ${problem}\n`);
  if (code !== 0 || options.dryRun) return code;
  const wanted = atTestedRanges(outcome.dependencies, outcome.devDependencies);
  const commands = installCommands(project.packageManager, missingDependencies(root, project.packageJson, wanted));
  if (commands.length > 0) io.stdout(`\nThis task needs packages the project does not have yet; install them with:\n${commands.map((command) => `  ${formatCommand(command)}`).join('\n')}\n`);
  if (outcome.nextSteps.length > 0) io.stdout(`\nNext:\n${outcome.nextSteps.map((line) => `  ${line}`).join('\n')}\n`);
  return 0;
}

export function addTaskCommand(io: CommandIO, setExitCode: (code: number) => void): Command {
  return new Command('add-task')
    .description('Generate a task, the code around it and its test.')
    .argument('<name>', 'task name, e.g. send-receipt')
    .addOption(new Option('-k, --kind <kind>', 'in-process, bullmq or scheduled').choices(TASK_KINDS))
    .option('--route <route>', 'in-process: also generate a handler, e.g. "POST /orders"')
    .option('--cron <pattern>', 'scheduled: a cron pattern (5 fields, or 6 with seconds)')
    .addOption(new Option('--engine <engine>', 'scheduled: croner (single instance) or bullmq (several replicas)').choices(SCHEDULE_ENGINES))
    .option('--no-test', 'do not generate a test')
    .option('-y, --yes', 'accept defaults; never prompt', false)
    .option('--cwd <dir>', 'the project root', '.')
    .option('--dry-run', 'print what would be written, write nothing', false)
    .option('-f, --force', 'overwrite files that differ', false)
    .action(async (name: string, flags: Omit<AddTaskOptions, 'name'>) => {
      setExitCode(await runAddTask({ ...flags, name }, io));
    });
}
