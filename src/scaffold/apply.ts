import type { CommandIO } from '../io.js';
import { formatPlan, type ChangeSet } from './changes.js';
import { GENERATED_HEADER } from './render.js';

const STYLED = /\.(?:[cm]?ts|tsx)$/;

/**
 * Runs the project's own formatter and lint fixes (Biome, Prettier, ESLint; else .editorconfig) on
 * bgtask's files in the change set, in memory: a re-run then plans the same text and writes nothing.
 * `alsoStyle` names user files bgtask edited this run (the app file it wired): their import order
 * and layout are the project's tools' to settle too, and a file the project keeps formatted changes
 * only where bgtask inserted lines. Other planned user files (package.json) are left as planned.
 */
export async function styleGeneratedFiles(changes: ChangeSet, alsoStyle: readonly string[] = []): Promise<{ describe: string; problems: string[] }> {
  const { applyProjectStyle, detectStyle } = await import('./style.js');
  const style = detectStyle(changes.root);
  const files = changes
    .plannedFiles((contents) => contents.startsWith(GENERATED_HEADER))
    .concat(alsoStyle.flatMap((path) => {
      const contents = changes.read(path);
      return contents === undefined || contents.startsWith(GENERATED_HEADER) ? [] : [{ path, contents }];
    }))
    .filter((file) => STYLED.test(file.path));
  if (files.length === 0 || style.tools.length === 0) return { describe: style.describe, problems: [] };
  const styled = await applyProjectStyle(changes.root, style, files);
  for (const file of styled.files) changes.replace(file.path, file.contents);
  return { describe: style.describe, problems: styled.problems };
}

export interface ApplyOptions {
  dryRun: boolean;
  force: boolean;
}

/**
 * Shows and commits a change set the way every scaffolding command does: a dry run prints the plan
 * and writes nothing; conflicts print and write nothing (exit 1) unless --force; otherwise all of it
 * is written. Returns the exit code.
 */
export function applyChanges(changes: ChangeSet, options: ApplyOptions, io: CommandIO): number {
  const plan = changes.plan({ force: options.force });
  const conflicts = plan.filter((change) => change.action === 'conflict');
  if (options.dryRun) {
    io.stdout(`${formatPlan(plan)}\n\nNOTE: The "--dry-run" option means no changes were made.\n`);
    return conflicts.length > 0 ? 1 : 0;
  }
  if (conflicts.length > 0) {
    io.stderr(
      `bgtask: ${conflicts.length} file(s) already exist with different content; nothing was written:\n` +
        conflicts.map((change) => `  ${change.path}\n`).join('') +
        'Re-run with --force to overwrite them, or move them aside.\n',
    );
    return 1;
  }
  io.stdout(`${formatPlan(changes.commit({ force: options.force }))}\n`);
  return 0;
}

/** Prompts only where a person can answer: a terminal, not CI, and not --yes (Angular's rule). */
export function canPrompt(io: CommandIO, yes: boolean): boolean {
  return !yes && io.stdinIsTTY && io.stdoutIsTTY && (io.env.CI === undefined || io.env.CI === '' || io.env.CI === 'false');
}
