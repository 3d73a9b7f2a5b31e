import { createTwoFilesPatch } from 'diff';
import kleur from 'kleur';
import type { FixedFile } from '../linter/lint.js';
import { displayPath, forced } from './stylish.js';

function painted(color: boolean, paint: (text: string) => string): (text: string) => string {
  return color ? forced(paint) : (text) => text;
}

/**
 * What `--fix-dry-run` would change, as one unified diff with git's `a/` and `b/` paths relative to
 * `cwd`, so that `git apply` (or `patch -p1`) run there applies it.
 */
export function formatFixDiff(files: readonly FixedFile[], { cwd, color }: { cwd: string; color: boolean }): string {
  const added = painted(color, (text) => kleur.green(text));
  const removed = painted(color, (text) => kleur.red(text));
  const hunk = painted(color, (text) => kleur.cyan(text));
  const header = painted(color, (text) => kleur.bold(text));
  return files
    .map((file) => {
      const path = displayPath(file.filePath, cwd);
      const patch = createTwoFilesPatch(`a/${path}`, `b/${path}`, file.source, file.output, undefined, undefined, { context: 3 });
      return patch
        .split('\n')
        // jsdiff's separator line; git's diffs have none.
        .filter((line) => !/^=+$/.test(line))
        .map((line) => {
          if (line.startsWith('--- ') || line.startsWith('+++ ')) return header(line);
          if (line.startsWith('@@')) return hunk(line);
          if (line.startsWith('+')) return added(line);
          if (line.startsWith('-')) return removed(line);
          return line;
        })
        .join('\n');
    })
    .join('');
}
