import { diffLines } from 'diff';
import type { CommandIO } from '../io.js';
import { typescript } from '../typescript.js';
import { formatPlan, type ChangeSet } from './changes.js';
import { GENERATED_HEADER } from './render.js';

const STYLED = /\.(?:[cm]?ts|tsx)$/;

/**
 * Runs the project's own formatter and lint fixes (Biome, Prettier, ESLint; else .editorconfig) on
 * bgtask's files in the change set, in memory: a re-run then plans the same text and writes nothing.
 * `alsoStyle` names user files bgtask edited this run (the app file it wired, a worker entry of the
 * user's): their tools' result is kept only when it changes nothing but the lines bgtask inserted
 * and the imports (where a sorted-imports rule puts bgtask's import); otherwise the edit stays as
 * bgtask made it, and a problem line says so. Other planned user files (package.json) are left alone.
 */
export async function styleGeneratedFiles(changes: ChangeSet, alsoStyle: readonly string[] = []): Promise<{ describe: string; problems: string[] }> {
  const { applyProjectStyle, detectStyle } = await import('./style.js');
  const style = detectStyle(changes.root);
  const formatterRuns = style.tools.some((tool) => tool !== 'editorconfig');
  const userFiles = formatterRuns
    ? alsoStyle.flatMap((path) => {
        const contents = changes.read(path);
        const before = changes.onDisk(path);
        return contents === undefined || before === undefined || contents === before || contents.startsWith(GENERATED_HEADER) ? [] : [{ path, contents, before }];
      })
    : [];
  const files = [...changes.plannedFiles((contents) => contents.startsWith(GENERATED_HEADER)), ...userFiles].filter((file) => STYLED.test(file.path));
  if (files.length === 0 || style.tools.length === 0) return { describe: style.describe, problems: [] };
  const styled = await applyProjectStyle(changes.root, style, files);
  const leftAsEdited: string[] = [];
  for (const file of styled.files) {
    const user = userFiles.find((candidate) => candidate.path === file.path);
    if (user !== undefined && !changesOnlyInsertedLines(user.before, user.contents, file.contents)) {
      leftAsEdited.push(file.path);
      continue;
    }
    changes.replace(file.path, file.contents);
  }
  // What the tools said of a text that was not kept says nothing of the file.
  const problems = styled.problems.filter((problem) => !leftAsEdited.some((path) => problem.startsWith(`${path}:`)));
  for (const path of leftAsEdited) problems.push(`${path}: left as bgtask edited it; your formatter or linter would also change lines bgtask did not write (run it yourself).`);
  return { describe: style.describe, problems };
}

/** A line as a formatter may respell it: no whitespace, one kind of quote, no trailing `;` or `,`. */
function normalLine(line: string): string {
  return line.replace(/\s+/g, '').replace(/["`]/g, "'").replace(/[;,]+$/, '');
}

/** How many lines from the top hold the file's import declarations. */
function importLineCount(text: string): number {
  const ts = typescript();
  const file = ts.createSourceFile('file.ts', text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const imports = file.statements.filter((statement) => ts.isImportDeclaration(statement) || ts.isImportEqualsDeclaration(statement));
  const end = imports.at(-1)?.getEnd() ?? 0;
  return text.slice(0, end).split('\n').length;
}

/** Line numbers (0-based) of the lines that differ between two texts, on each side. */
function changedLines(from: string, to: string): { removed: string[]; added: string[]; removedAt: number[]; addedAt: number[] } {
  const result = { removed: [] as string[], added: [] as string[], removedAt: [] as number[], addedAt: [] as number[] };
  let fromLine = 0;
  let toLine = 0;
  for (const part of diffLines(from, to)) {
    const lines = part.value.replace(/\n$/, '').split('\n');
    for (const line of lines) {
      if (part.added === true) {
        result.added.push(line);
        result.addedAt.push(toLine++);
      } else if (part.removed === true) {
        result.removed.push(line);
        result.removedAt.push(fromLine++);
      } else {
        fromLine++;
        toLine++;
      }
    }
  }
  return result;
}

/**
 * Whether the project's tools, taking `edited` to `styled`, changed only what bgtask inserted into
 * `before` (however respelt) and the import declarations.
 */
function changesOnlyInsertedLines(before: string, edited: string, styled: string): boolean {
  const inserted = new Set(changedLines(before, edited).added.map(normalLine));
  const styling = changedLines(edited, styled);
  const editedImports = importLineCount(edited);
  const styledImports = importLineCount(styled);
  const ours = (line: string): boolean => line.trim() === '' || inserted.has(normalLine(line));
  return (
    styling.removed.every((line, index) => ours(line) || (styling.removedAt[index] ?? Infinity) < editedImports) &&
    styling.added.every((line, index) => ours(line) || (styling.addedAt[index] ?? Infinity) < styledImports)
  );
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
