import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { UsageError } from '../errors.js';

export type FileAction = 'create' | 'update' | 'skip' | 'conflict';

export interface PlannedChange {
  /** Path relative to the project root, with forward slashes. */
  path: string;
  action: FileAction;
  bytes: number;
}

interface Pending {
  contents: string;
  /** Earlier plans of the same file (the text before the project's formatter ran): on disk, they count as done. */
  equivalents?: string[];
  /** `generate`: a file bgtask owns the first version of; a different file already there is a conflict.
   *  `edit`: an intended change to a user's file (package.json, the app's wiring), never a conflict. */
  mode: 'generate' | 'edit';
}

/**
 * Every write a command wants, held in memory until all of it is known to succeed (Angular's Tree,
 * Nest's schematics). Reads see pending writes, so steps can build on each other.
 */
export class ChangeSet {
  private readonly pending = new Map<string, Pending>();
  /** What the last commit() replaced (undefined: the file did not exist) and the folders it made, for rollback(). */
  private committed: { previous: Map<string, Buffer | undefined>; createdDirs: string[] } | undefined;

  constructor(readonly root: string) {}

  private absolute(path: string): string {
    const target = resolve(this.root, path);
    if (target !== this.root && !target.startsWith(this.root + sep)) throw new Error(`bgtask bug: ${path} is outside the project`);
    return target;
  }

  read(path: string): string | undefined {
    const target = this.absolute(path);
    const planned = this.pending.get(target);
    if (planned !== undefined) return planned.contents;
    // A folder where a file is expected (an appFile naming a directory) reads as no file.
    return statSync(target, { throwIfNoEntry: false })?.isFile() === true ? readFileSync(target, 'utf8') : undefined;
  }

  /** The file as it is on disk, whatever is planned for it. */
  onDisk(path: string): string | undefined {
    const target = this.absolute(path);
    return statSync(target, { throwIfNoEntry: false })?.isFile() === true ? readFileSync(target, 'utf8') : undefined;
  }

  exists(path: string): boolean {
    return this.read(path) !== undefined;
  }

  generate(path: string, contents: string): void {
    this.pending.set(this.absolute(path), { contents, mode: 'generate' });
  }

  edit(path: string, contents: string): void {
    const target = this.absolute(path);
    const previous = this.pending.get(target);
    // Editing a file this run also generates keeps it a generated file.
    this.pending.set(target, { contents, mode: previous?.mode ?? 'edit' });
  }

  /** Planned files whose text satisfies `wanted` (bgtask's own files, say), project-relative, in path order. */
  plannedFiles(wanted: (contents: string) => boolean): { path: string; contents: string }[] {
    return [...this.pending.entries()]
      .filter(([, { contents }]) => wanted(contents))
      .map(([target, { contents }]) => ({ path: relative(this.root, target).split(sep).join('/'), contents }))
      .sort((a, b) => a.path.localeCompare(b.path));
  }

  /** Replaces the planned text of a file already in the set, keeping how it was planned (a restyled file stays generated). */
  replace(path: string, contents: string): void {
    const target = this.absolute(path);
    const planned = this.pending.get(target);
    if (planned === undefined) throw new Error(`bgtask bug: ${path} is not planned`);
    // A tool whose output depends on what is on disk (typed ESLint cannot see a file that does not
    // exist yet) may restyle a re-run differently: the text it started from still counts as done.
    this.pending.set(target, { ...planned, contents, equivalents: [...(planned.equivalents ?? []), planned.contents] });
  }

  /** What would happen to each path, in path order. */
  plan(options: { force: boolean }): PlannedChange[] {
    return [...this.pending.entries()]
      .map(([target, { contents, mode, equivalents }]) => {
        const onDisk = existsSync(target) ? readFileSync(target, 'utf8') : undefined;
        let action: FileAction;
        if (onDisk === undefined) action = 'create';
        else if (onDisk === contents || equivalents?.includes(onDisk) === true) action = 'skip';
        else if (mode === 'edit' || options.force) action = 'update';
        else action = 'conflict';
        return { path: relative(this.root, target).split(sep).join('/'), action, bytes: Buffer.byteLength(contents) };
      })
      .sort((a, b) => a.path.localeCompare(b.path));
  }

  /**
   * Writes every create and update, or nothing: each file goes to a temporary sibling first, and
   * only when all of them are written are they renamed into place. A failure removes what was staged.
   */
  commit(options: { force: boolean }): PlannedChange[] {
    const plan = this.plan(options);
    const conflicts = plan.filter((change) => change.action === 'conflict');
    if (conflicts.length > 0) throw new Error('bgtask bug: commit() called with conflicts');
    const writes = plan.filter((change) => change.action === 'create' || change.action === 'update');
    const staged: { temp: string; target: string }[] = [];
    const createdDirs: string[] = [];
    let current = this.root;
    try {
      for (const change of writes) {
        const target = this.absolute(change.path);
        current = target;
        const dir = dirname(target);
        if (!existsSync(dir)) {
          const made = mkdirSync(dir, { recursive: true });
          if (made !== undefined) createdDirs.push(made);
        }
        const temp = `${target}.bgtask-${randomUUID()}.tmp`;
        writeFileSync(temp, this.pending.get(target)?.contents ?? '');
        staged.push({ temp, target });
      }
    } catch (error) {
      for (const { temp } of staged) rmSync(temp, { force: true });
      for (const dir of createdDirs.reverse()) rmSync(dir, { recursive: true, force: true });
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new UsageError(`Cannot write ${relative(this.root, current) || current} (${code}); nothing was written. Check that its directory is writable and is not a file.`);
    }
    const previous = new Map<string, Buffer | undefined>();
    for (const { target } of staged) previous.set(target, existsSync(target) ? readFileSync(target) : undefined);
    for (const { temp, target } of staged) renameSync(temp, target);
    this.committed = { previous, createdDirs };
    return plan;
  }

  /**
   * Puts back what the last commit() wrote, for a step after it that failed (the install): changed
   * files get their old text, created files and the folders made for them are removed.
   */
  rollback(): void {
    if (this.committed === undefined) return;
    const { previous, createdDirs } = this.committed;
    for (const [target, text] of previous) {
      if (text === undefined) rmSync(target, { force: true });
      else writeFileSync(target, text);
    }
    for (const dir of [...createdDirs].reverse()) rmSync(dir, { recursive: true, force: true });
    this.committed = undefined;
  }
}

/** Angular-style lines: `CREATE src/x.ts (120 bytes)`. */
export function formatPlan(plan: readonly PlannedChange[]): string {
  return plan.map((change) => `${change.action.toUpperCase().padEnd(8)} ${change.path}${change.action === 'skip' ? '' : ` (${change.bytes} bytes)`}`).join('\n');
}
