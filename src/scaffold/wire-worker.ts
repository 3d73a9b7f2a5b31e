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

/**
 * Registers exports of a task module in the worker entry's `processors`/`schedules` lists by AST:
 * one import (merged into an existing one from the same module) and one element per list. A name
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

  for (const { name, list } of registration.entries) {
    const array = findList(file, list);
    if (array === undefined) {
      manualSteps.push(`add \`${name}\` (from '${specifier}') to the ${list} this worker runs: bgtask found no \`const ${list} = [...]\` in ${entryPath}`);
      continue;
    }
    toImport.push(name);
    if (array.getElements().some((element) => element.getText() === name)) continue;
    array.addElement(name, { useNewLines: true });
  }

  if (toImport.length > 0) {
    const existing = file.getImportDeclarations().find((declaration) => withoutSuffix(declaration.getModuleSpecifierValue()) === withoutSuffix(specifier));
    if (existing === undefined) {
      file.addImportDeclaration({ moduleSpecifier: specifier, namedImports: toImport });
    } else {
      const imported = new Set(existing.getNamedImports().map((named) => (named.getAliasNode() ?? named.getNameNode()).getText()));
      for (const name of toImport) if (!imported.has(name)) existing.addNamedImport(name);
    }
  }

  const updated = file.getFullText();
  return { text: updated, wiring: { changed: updated !== text, manualSteps } };
}

/** Plans the registration in the entry as the change set sees it (it may have been generated this run). */
export function planWorkerRegistration(changes: ChangeSet, entryPath: string, registration: WorkerRegistration, importSuffix: '.js' | ''): WorkerWiring {
  const text = changes.read(entryPath);
  if (text === undefined) throw new Error(`bgtask bug: the worker entry ${entryPath} should have been planned first`);
  const result = registerInWorkerEntry(entryPath, text, registration, importSuffix);
  if (result.wiring.changed) changes.edit(entryPath, result.text);
  return result.wiring;
}
