import { Command, CommanderError } from 'commander';
import { addTaskCommand } from './commands/add-task.js';
import { initCommand } from './commands/init.js';
import { lintCommand } from './commands/lint.js';
import { rulesCommand } from './commands/rules.js';
import { errorMessage, UsageError } from './errors.js';
import type { CommandIO } from './io.js';
import { VERSION } from './version.js';

/** The only module that touches `process`: it builds the IO, runs a command and sets the exit code. */
const io: CommandIO = {
  cwd: process.cwd(),
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stdoutIsTTY: process.stdout.isTTY === true,
  stdinIsTTY: process.stdin.isTTY === true,
};

const debug = process.argv.includes('--debug');
let exitCode = 0;
const setExitCode = (code: number): void => {
  exitCode = code;
};

const program = new Command('bgtask')
  .description('Background tasks for TypeScript web backends: lint them, scaffold them.')
  .version(VERSION)
  .option('--debug', 'print stack traces for errors')
  .exitOverride()
  .showSuggestionAfterError()
  .addCommand(initCommand(io, setExitCode))
  .addCommand(addTaskCommand(io, setExitCode))
  .addCommand(lintCommand(io, setExitCode))
  .addCommand(rulesCommand(io));

for (const command of program.commands) command.exitOverride();

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander already printed its one line; --help and --version exit 0, usage mistakes 2.
    exitCode = error.exitCode === 0 ? 0 : 2;
  } else if (error instanceof UsageError && !debug) {
    process.stderr.write(`bgtask: ${error.message}${error.hint === undefined ? '' : ` ${error.hint}`}\n`);
    exitCode = 2;
  } else {
    const detail = debug && error instanceof Error ? (error.stack ?? error.message) : errorMessage(error);
    process.stderr.write(`bgtask: internal error: ${detail}\n${debug ? '' : 'Run again with --debug for the stack trace, and please report this bug.\n'}`);
    exitCode = 2;
  }
}
process.exitCode = exitCode;
