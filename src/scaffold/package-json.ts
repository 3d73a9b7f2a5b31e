import { applyEdits, findNodeAtLocation, modify, parse, parseTree, printParseErrorCode, type FormattingOptions, type ParseError } from 'jsonc-parser';
import { UsageError } from '../errors.js';
import type { ChangeSet } from './changes.js';
import type { PackageJson } from './project.js';

/** One key bgtask sets: `['scripts', 'worker']` → `'tsx src/worker.ts'`. */
export interface PackageJsonEdit {
  path: [string, string];
  value: string;
  /** Insert among the object's keys in sorted order (dependencies), rather than at the end (scripts). */
  sorted?: boolean;
}

/** package.json as the change set sees it, parsed; a clear error when it is not JSON. */
export function readPlannedPackageJson(changes: ChangeSet): { text: string; json: PackageJson } {
  const text = changes.read('package.json');
  if (text === undefined) throw new UsageError(`No package.json in ${changes.root}. Run bgtask in your project's root, or pass --cwd <dir>.`);
  const errors: ParseError[] = [];
  const json: unknown = parse(text, errors, { allowTrailingComma: false, disallowComments: true });
  const [first] = errors;
  if (first !== undefined || json === null || typeof json !== 'object' || Array.isArray(json)) {
    const where = first === undefined ? '' : ` (${printParseErrorCode(first.error)} at offset ${first.offset})`;
    throw new UsageError(`package.json is not a valid JSON object${where}; fix it and run again.`);
  }
  return { text, json: json as PackageJson };
}

/** The file's own indentation and line ending, so inserted keys look like their neighbours. */
/** A JSON file's indentation (tabs where a formatter such as Biome keeps package.json in tabs), else two spaces. */
export function jsonIndent(text: string): string {
  return /^([ \t]+)"/m.exec(text)?.[1] ?? '  ';
}

function formattingOf(text: string): FormattingOptions {
  const indent = jsonIndent(text);
  return {
    insertSpaces: !indent.startsWith('\t'),
    tabSize: indent.startsWith('\t') ? 1 : indent.length,
    eol: text.includes('\r\n') ? '\r\n' : '\n',
  };
}

/**
 * Sets keys in package.json's text without reformatting anything else (jsonc-parser's edits, as
 * VS Code makes them): a user's one-line arrays, key order and indentation stay as they are.
 */
export function editPackageJsonText(text: string, edits: readonly PackageJsonEdit[]): string {
  let result = text;
  const formattingOptions = formattingOf(text);
  for (const edit of edits) {
    const [section, key] = edit.path;
    const parent = findNodeAtLocation(parseTree(result) ?? { type: 'null', offset: 0, length: 0 }, [section]);
    if (parent !== undefined && parent.type !== 'object') {
      throw new UsageError(`package.json's "${section}" is not an object, so bgtask cannot add "${key}" to it; fix the field and run again.`);
    }
    const changes = modify(result, edit.path, edit.value, {
      formattingOptions,
      // Sorted among existing keys; a section created now goes at the end of the file, not above "name".
      getInsertionIndex:
        edit.sorted === true && parent !== undefined ? (properties) => properties.filter((name) => name.localeCompare(key) < 0).length : undefined,
    });
    result = applyEdits(result, changes);
  }
  return result;
}

/** Plans the edits of package.json in the change set; unchanged text when every key already has its value. */
export function planPackageJsonEdits(changes: ChangeSet, edits: readonly PackageJsonEdit[]): void {
  const { text } = readPlannedPackageJson(changes);
  changes.edit('package.json', editPackageJsonText(text, edits));
}
