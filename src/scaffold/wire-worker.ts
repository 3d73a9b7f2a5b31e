import { IndentationText, Node, Project, QuoteKind, type ArrayLiteralExpression, type SourceFile } from 'ts-morph';
import type { ChangeSet } from './changes.js';
import { importPath } from './render.js';

/** The two lists of the worker entry (templates/queue/worker.ts) that add-task appends to. */
export type WorkerList = 'processors' | 'schedules';

export interface WorkerRegistration {
  /** Project-relative path of the module that exports the registrations. */
  modulePath: string;
  /** Named exports of that module, each appended to one list. */
  entries: { name: string; list: WorkerList }[];
}

export interface WorkerWiring {
  /** Whether the entry's text changed (false when everything was already registered). */
  changed: boolean;
  /** Lines for the user when a list could not be found (the entry was restructured); empty otherwise. */
  manualSteps: string[];
}

/** `const processors = [...]` (typed or not, `as`/`satisfies` allowed) at the top level of the entry. */
function findList(file: SourceFile, list: WorkerList): ArrayLiteralExpression | undefined {
  const declaration = file.getVariableDeclaration(list);
  let initializer = declaration?.getInitializer();
  while (initializer !== undefined && (Node.isAsExpression(initializer) || Node.isSatisfiesExpression(initializer) || Node.isParenthesizedExpression(initializer))) {
    initializer = initializer.getExpression();
  }
  return initializer !== undefined && Node.isArrayLiteralExpression(initializer) ? initializer : undefined;
}

const withoutSuffix = (specifier: string): string => specifier.replace(/\.(js|ts)$/, '');

/** The indentation of the line `position` sits on. */
function lineIndent(text: string, position: number): string {
  const lineStart = text.lastIndexOf('\n', position - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))?.[0] ?? '';
}

interface TextEdit {
  position: number;
  insert: string;
  /** Characters replaced from `position` (0: a pure insertion). */
  replace?: number;
}

/**
 * The text edits that append `name` to an array literal without disturbing anything in it
 * (ts-morph's addElement drops a commented-out element before the bracket): a multi-line list gets
 * a line before its `]`, an empty one-line list becomes multi-line, a one-line list stays one line.
 */
function appendEdits(text: string, array: ArrayLiteralExpression, name: string): TextEdit[] {
  const elements = array.compilerNode.elements;
  const last = elements[elements.length - 1];
  const close = array.getEnd() - 1;
  if (!array.getText().includes('\n')) {
    if (last === undefined) {
      const indent = lineIndent(text, array.getStart());
      return [{ position: array.getStart(), insert: `[\n${indent}  ${name},\n${indent}]`, replace: array.getWidth() }];
    }
    return [{ position: close, insert: `${elements.hasTrailingComma ? ' ' : ', '}${name}` }];
  }
  const indent = last === undefined ? `${lineIndent(text, array.getStart())}  ` : lineIndent(text, last.getStart(array.getSourceFile().compilerNode));
  const comma: TextEdit[] = last !== undefined && !elements.hasTrailingComma ? [{ position: last.getEnd(), insert: ',' }] : [];
  const closeLineStart = text.lastIndexOf('\n', close - 1) + 1;
  if (/^\s*$/.test(text.slice(closeLineStart, close))) return [...comma, { position: closeLineStart, insert: `${indent}${name},\n` }];
  // `]` right after the last element (`[\n  a]`): the new line goes before it.
  return [{ position: close, insert: `${comma.length > 0 ? ',' : ''}\n${indent}${name}` }];
}

/**
 * Registers exports of a task module in the worker entry's `processors`/`schedules` lists: one
 * import (merged into an existing one from the same module) and one element per list. A name
 * already in its list is left alone, so running it twice changes nothing (Angular's insertImport).
 */
export function registerInWorkerEntry(
  entryPath: string,
  text: string,
  registration: WorkerRegistration,
  importSuffix: '.js' | '',
): { text: string; wiring: WorkerWiring } {
  const project = new Project({
    useInMemoryFileSystem: true,
    manipulationSettings: { indentationText: IndentationText.TwoSpaces, quoteKind: QuoteKind.Single },
  });
  const file = project.createSourceFile(`/${entryPath}`, text);
  const specifier = importPath(entryPath, registration.modulePath, importSuffix);
  const manualSteps: string[] = [];
  const toImport: string[] = [];
  const edits: TextEdit[] = [];

  for (const { name, list } of registration.entries) {
    const array = findList(file, list);
    if (array === undefined) {
      manualSteps.push(`add \`${name}\` (from '${specifier}') to the ${list} this worker runs: bgtask found no \`const ${list} = [...]\` in ${entryPath}`);
      continue;
    }
    toImport.push(name);
    if (array.getElements().some((element) => element.getText() === name)) continue;
    edits.push(...appendEdits(text, array, name));
  }
  let updated = text;
  for (const edit of edits.sort((a, b) => b.position - a.position)) {
    updated = updated.slice(0, edit.position) + edit.insert + updated.slice(edit.position + (edit.replace ?? 0));
  }
  file.replaceWithText(updated);

  if (toImport.length > 0) {
    const existing = file.getImportDeclarations().find((declaration) => withoutSuffix(declaration.getModuleSpecifierValue()) === withoutSuffix(specifier));
    if (existing === undefined) {
      file.addImportDeclaration({ moduleSpecifier: specifier, namedImports: toImport });
    } else {
      const imported = new Set(existing.getNamedImports().map((named) => (named.getAliasNode() ?? named.getNameNode()).getText()));
      for (const name of toImport) if (!imported.has(name)) existing.addNamedImport(name);
    }
  }

  const result = file.getFullText();
  return { text: result, wiring: { changed: result !== text, manualSteps } };
}

/** Plans the registration in the entry as the change set sees it (it may have been generated this run). */
export function planWorkerRegistration(changes: ChangeSet, entryPath: string, registration: WorkerRegistration, importSuffix: '.js' | ''): WorkerWiring {
  const text = changes.read(entryPath);
  if (text === undefined) throw new Error(`bgtask bug: the worker entry ${entryPath} should have been planned first`);
  const result = registerInWorkerEntry(entryPath, text, registration, importSuffix);
  if (result.wiring.changed) changes.edit(entryPath, result.text);
  return result.wiring;
}
