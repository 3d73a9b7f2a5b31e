import { posix } from 'node:path';
import { Node, Project, SyntaxKind, type CallExpression, type NewExpression, type SourceFile, type Statement } from 'ts-morph';
import { globSync } from 'tinyglobby';
import type { ChangeSet } from './changes.js';
import type { Framework } from './project.js';
import { importPath } from './render.js';

export interface WireOptions {
  framework: Framework;
  /** Project-relative, posix: where to look for the app file. */
  sourceDir: string;
  /** Project-relative, posix: never searched (the runtime itself lives there). */
  runtimeDir: string;
  /** Project-relative, posix: the adapter module, e.g. `src/background/express.ts`. */
  adapterPath: string;
  importSuffix: '.js' | '';
  moduleKind: 'esm' | 'cjs';
  /** The app file bgtask.json names: searched first, and alone when it still creates the app. */
  appFile?: string;
}

export type WireResult =
  /** The change set now holds the edit of `appFile`. */
  | { status: 'wired'; appFile: string }
  /** `appFile` already imports and installs the adapter: nothing to do. */
  | { status: 'already'; appFile: string }
  /** Nothing edited: the user adds `lines` to `appFile` (or, when undefined, to the file that creates the app). */
  | { status: 'manual'; appFile?: string; reason: string; lines: string[] };

const FRAMEWORK_LABEL: Record<Framework, string> = { express: 'an Express', fastify: 'a Fastify', hono: 'a Hono' };
const CREATION_LABEL: Record<Framework, string> = { express: 'express()', fastify: 'Fastify()', hono: 'new Hono()' };
const FRAMEWORK_MODULES: Record<Framework, readonly string[]> = {
  express: ['express'],
  fastify: ['fastify'],
  hono: ['hono', 'hono/tiny', 'hono/quick'],
};
// Body parsers that conventionally come first; the adapter goes after them (examples/orders-api does the same).
const BODY_PARSERS = new Set(['json', 'urlencoded', 'raw', 'text']);
const TS_EXTENSION = /\.(?:[cm]?ts|tsx|[cm]?js|jsx)$/;

interface Creation {
  /** The statement `const app = express()`. */
  statement: Statement;
  /** `app`. */
  appName: string;
  /** Local names of the framework's default export (`express`), for recognising `express.json()`. */
  factoryNames: ReadonlySet<string>;
}

interface AdapterImport {
  localName: string;
  /** Whether some call installs it: `x.use(backgroundTasks())` or `x.register(backgroundTasks)`. */
  installed: boolean;
}

/** Source files that may create the app: under sourceDir, not tests, declarations, builds or the runtime. */
function candidateFiles(changes: ChangeSet, options: WireOptions): string[] {
  const base = posix.normalize(options.sourceDir);
  const runtime = posix.relative(base, posix.normalize(options.runtimeDir));
  const ignore = [
    '**/node_modules/**',
    '**/dist/**',
    '**/build/**',
    '**/coverage/**',
    '**/*.d.ts',
    '**/*.d.mts',
    '**/*.d.cts',
    '**/*.test.*',
    '**/*.spec.*',
    '**/__tests__/**',
    'test/**',
    'tests/**',
  ];
  if (runtime !== '' && !runtime.startsWith('..')) ignore.push(`${runtime}/**`);
  const files = globSync(['**/*.{ts,mts,cts,tsx}'], {
    cwd: posix.join(changes.root.split('\\').join('/'), base),
    ignore,
    followSymbolicLinks: false,
  });
  return files.map((file) => posix.join(base, file)).sort();
}

function stripExtension(path: string): string {
  return path.replace(TS_EXTENSION, '');
}

/** Names the module's default export (or its CommonJS export) is bound to, plus named imports of `named`. */
function importedNames(file: SourceFile, modules: readonly string[], named: string | undefined): { defaults: Set<string>; named: Set<string> } {
  const defaults = new Set<string>();
  const namedLocals = new Set<string>();
  for (const declaration of file.getImportDeclarations()) {
    if (!modules.includes(declaration.getModuleSpecifierValue())) continue;
    const defaultImport = declaration.getDefaultImport();
    if (defaultImport !== undefined) defaults.add(defaultImport.getText());
    const namespace = declaration.getNamespaceImport();
    if (namespace !== undefined) defaults.add(namespace.getText());
    for (const specifier of declaration.getNamedImports()) {
      if (specifier.getName() === named) namedLocals.add(specifier.getAliasNode()?.getText() ?? specifier.getName());
    }
  }
  for (const declaration of file.getDescendantsOfKind(SyntaxKind.ImportEqualsDeclaration)) {
    const reference = declaration.getModuleReference();
    if (Node.isExternalModuleReference(reference) && modules.includes(reference.getExpression()?.getText().slice(1, -1) ?? '')) {
      defaults.add(declaration.getName());
    }
  }
  for (const declaration of file.getDescendantsOfKind(SyntaxKind.VariableDeclaration)) {
    const initializer = declaration.getInitializer();
    if (!Node.isCallExpression(initializer) || initializer.getExpression().getText() !== 'require') continue;
    const [argument] = initializer.getArguments();
    if (!Node.isStringLiteral(argument) || !modules.includes(argument.getLiteralValue())) continue;
    const name = declaration.getNameNode();
    if (Node.isIdentifier(name)) defaults.add(name.getText());
    if (Node.isObjectBindingPattern(name) && named !== undefined) {
      for (const element of name.getElements()) {
        if ((element.getPropertyNameNode()?.getText() ?? element.getName()) === named) namedLocals.add(element.getName());
      }
    }
  }
  return { defaults, named: namedLocals };
}

/** The calls (or `new`s) that create an app of this framework in the file. */
function creationsIn(file: SourceFile, framework: Framework): { nodes: (CallExpression | NewExpression)[]; factoryNames: Set<string> } {
  if (framework === 'hono') {
    const { named } = importedNames(file, FRAMEWORK_MODULES.hono, 'Hono');
    const nodes = file.getDescendantsOfKind(SyntaxKind.NewExpression).filter((node) => named.has(node.getExpression().getText()));
    return { nodes, factoryNames: named };
  }
  const { defaults, named } = importedNames(file, FRAMEWORK_MODULES[framework], framework === 'fastify' ? 'fastify' : undefined);
  const factoryNames = new Set([...defaults, ...named]);
  const nodes = file.getDescendantsOfKind(SyntaxKind.CallExpression).filter((node) => {
    const callee = node.getExpression();
    return Node.isIdentifier(callee) && factoryNames.has(callee.getText());
  });
  return { nodes, factoryNames: defaults };
}

/** `const app = express()` as a statement in a file or block, or undefined for any other shape. */
function creationStatement(node: CallExpression | NewExpression): { statement: Statement; appName: string } | undefined {
  const declaration = node.getParent();
  if (!Node.isVariableDeclaration(declaration) || declaration.getInitializer() !== node) return undefined;
  const name = declaration.getNameNode();
  const statement = declaration.getParent()?.getParent();
  if (!Node.isIdentifier(name) || !Node.isVariableStatement(statement)) return undefined;
  const container = statement.getParent();
  if (!Node.isSourceFile(container) && !Node.isBlock(container)) return undefined;
  return { statement, appName: name.getText() };
}

/**
 * Of several files that create an app, the ones no other of them imports: the main app imports
 * its sub-apps (Hono's `app.route('/users', users)`, Express's `app.use('/admin', admin)`).
 */
function outermost<T extends { path: string }>(found: readonly T[], parse: (path: string) => SourceFile): T[] {
  if (found.length < 2) return [...found];
  const imported = new Set<string>();
  for (const entry of found) {
    for (const declaration of parse(entry.path).getImportDeclarations()) {
      const specifier = declaration.getModuleSpecifierValue();
      if (specifier.startsWith('.')) imported.add(stripExtension(posix.normalize(posix.join(posix.dirname(entry.path), specifier))));
    }
  }
  const roots = found.filter((entry) => !imported.has(stripExtension(entry.path)));
  return roots.length === 0 ? [...found] : roots;
}

/** Of several apps created in one file, those not mounted on another of them (`app.route('/api', api)`). */
function notMounted(nodes: readonly (CallExpression | NewExpression)[]): (CallExpression | NewExpression)[] {
  const names = new Map(nodes.map((node) => [node, creationStatement(node)?.appName]));
  const file = nodes[0]?.getSourceFile();
  const appNames = new Set(names.values());
  const mounted = new Set<string>();
  for (const call of file?.getDescendantsOfKind(SyntaxKind.CallExpression) ?? []) {
    const callee = call.getExpression();
    if (!Node.isPropertyAccessExpression(callee) || !appNames.has(callee.getExpression().getText())) continue;
    const receiver = callee.getExpression().getText();
    for (const argument of call.getArguments()) {
      if (Node.isIdentifier(argument) && argument.getText() !== receiver) mounted.add(argument.getText());
    }
  }
  return nodes.filter((node) => {
    const name = names.get(node);
    return name === undefined || !mounted.has(name);
  });
}

/** The import of the adapter module in this file, if any, and whether it is installed. */
function adapterImport(file: SourceFile, filePath: string, adapterPath: string): AdapterImport | undefined {
  const target = stripExtension(adapterPath);
  for (const declaration of file.getImportDeclarations()) {
    const specifier = declaration.getModuleSpecifierValue();
    if (!specifier.startsWith('.')) continue;
    if (stripExtension(posix.normalize(posix.join(posix.dirname(filePath), specifier))) !== target) continue;
    const named = declaration.getNamedImports().find((specifierNode) => specifierNode.getName() === 'backgroundTasks');
    if (named === undefined) continue;
    const localName = named.getAliasNode()?.getText() ?? 'backgroundTasks';
    const installed = file.getDescendantsOfKind(SyntaxKind.CallExpression).some((call) => {
      const callee = call.getExpression();
      if (!Node.isPropertyAccessExpression(callee) || !['use', 'register'].includes(callee.getName())) return false;
      const [argument] = call.getArguments();
      if (argument === undefined) return false;
      const used = Node.isCallExpression(argument) ? argument.getExpression() : argument;
      return Node.isIdentifier(used) && used.getText() === localName;
    });
    return { localName, installed };
  }
  return undefined;
}

/** Whether the file binds `name` itself (a variable, function, class, import or parameter), so importing it would clash. */
function declaresName(file: SourceFile, name: string): boolean {
  return file.getDescendantsOfKind(SyntaxKind.Identifier).some((identifier) => {
    if (identifier.getText() !== name) return false;
    const parent = identifier.getParent();
    if (Node.isImportSpecifier(parent)) return (parent.getAliasNode() ?? parent.getNameNode()) === identifier;
    if (Node.isImportClause(parent)) return parent.getDefaultImport() === identifier;
    if (Node.isNamespaceImport(parent) || Node.isImportEqualsDeclaration(parent)) return parent.getNameNode() === identifier;
    if (Node.isFunctionDeclaration(parent) || Node.isClassDeclaration(parent)) return parent.getNameNode() === identifier;
    return (Node.isVariableDeclaration(parent) || Node.isParameterDeclaration(parent) || Node.isBindingElement(parent)) && parent.getNameNode() === identifier;
  });
}

/** Whether `await` is allowed where the statement sits: an async function, or the top level of an ES module. */
function canAwaitAt(statement: Statement, filePath: string, moduleKind: 'esm' | 'cjs'): boolean {
  const container = statement.getParent();
  if (Node.isSourceFile(container)) {
    if (filePath.endsWith('.mts')) return true;
    if (filePath.endsWith('.cts')) return false;
    return moduleKind === 'esm';
  }
  const fn = statement.getFirstAncestor((ancestor) => Node.isFunctionLikeDeclaration(ancestor));
  return fn !== undefined && Node.isAsyncable(fn) && fn.isAsync();
}

function installLine(framework: Framework, appName: string, localName: string): string {
  return framework === 'fastify' ? `await ${appName}.register(${localName})` : `${appName}.use(${localName}())`;
}

function manualLines(options: WireOptions, appFile: string | undefined, appName = 'app'): string[] {
  const specifier =
    appFile === undefined
      ? importPath(posix.join(options.sourceDir, 'app.ts'), options.adapterPath, options.importSuffix)
      : importPath(appFile, options.adapterPath, options.importSuffix);
  const where = appFile === undefined ? ` // the path from that file to ${options.adapterPath}` : '';
  const after =
    options.framework === 'fastify'
      ? ' // in an async function (or an ES module), right after the app is created, before the routes'
      : ' // right after the app is created, before the routes';
  return [`import { backgroundTasks } from '${specifier}';${where}`, `${installLine(options.framework, appName, 'backgroundTasks')};${after}`];
}

/** Style of the file's code, so the inserted lines match it. */
function codeStyle(file: SourceFile, statement: Statement): { quote: string; semicolon: string; indent: string } {
  const firstImport = file.getImportDeclarations()[0];
  const quote = firstImport?.getModuleSpecifier().getText().startsWith('"') === true ? '"' : "'";
  const semicolon = statement.getText().trimEnd().endsWith(';') ? ';' : '';
  const lineStart = file.getFullText().lastIndexOf('\n', statement.getStart() - 1) + 1;
  const indent = /^[ \t]*/.exec(file.getFullText().slice(lineStart, statement.getStart()))?.[0] ?? '';
  return { quote, semicolon, indent };
}

/** After `const app = express()` and the body parsers that directly follow it. */
function insertionAnchor(creation: Creation, framework: Framework): Statement {
  let anchor = creation.statement;
  if (framework !== 'express') return anchor;
  for (let next = anchor.getNextSibling(); next !== undefined && Node.isExpressionStatement(next); next = next.getNextSibling()) {
    const call = next.getExpression();
    if (!Node.isCallExpression(call) || call.getExpression().getText() !== `${creation.appName}.use`) break;
    const parsers = call.getArguments().filter((argument) => {
      if (!Node.isCallExpression(argument)) return false;
      const callee = argument.getExpression();
      return Node.isPropertyAccessExpression(callee) && creation.factoryNames.has(callee.getExpression().getText()) && BODY_PARSERS.has(callee.getName());
    });
    if (parsers.length === 0 || parsers.length !== call.getArguments().length) break;
    anchor = next;
  }
  return anchor;
}

/**
 * Installs the framework adapter in the file that creates the app: the import after the last import,
 * and `app.use(backgroundTasks())` or `await app.register(backgroundTasks)` right after the app is
 * created. Plans the edit in `changes`; idempotent (an installed adapter is left alone). When it
 * cannot find exactly one place to put it, it edits nothing and returns the lines to add by hand.
 */
export function planAppWiring(changes: ChangeSet, options: WireOptions): WireResult {
  const project = new Project({ useInMemoryFileSystem: true, skipAddingFilesFromTsConfig: true, compilerOptions: { allowJs: false } });
  const moduleNames = FRAMEWORK_MODULES[options.framework];
  const mentionsFramework = (text: string): boolean => moduleNames.some((name) => text.includes(`'${name}'`) || text.includes(`"${name}"`));
  const label = FRAMEWORK_LABEL[options.framework];

  const configured = options.appFile !== undefined && changes.exists(options.appFile) ? [options.appFile] : [];
  const files = [...configured, ...candidateFiles(changes, options).filter((file) => !configured.includes(file))];
  const parsed = new Map<string, SourceFile>();
  const parse = (path: string): SourceFile => {
    let file = parsed.get(path);
    if (file === undefined) {
      file = project.createSourceFile(`/${path}`, changes.read(path) ?? '', { overwrite: true });
      parsed.set(path, file);
    }
    return file;
  };

  // Installed anywhere already (perhaps moved by the user): leave it.
  for (const path of files) {
    const text = changes.read(path) ?? '';
    if (!text.includes('backgroundTasks')) continue;
    if (adapterImport(parse(path), path, options.adapterPath)?.installed === true) {
      // Listed as SKIP in the plan, so a re-run shows the app file was looked at.
      changes.edit(path, text);
      return { status: 'already', appFile: path };
    }
  }

  const found: { path: string; nodes: (CallExpression | NewExpression)[]; factoryNames: Set<string> }[] = [];
  for (const path of files) {
    if (!mentionsFramework(changes.read(path) ?? '')) continue;
    const { nodes, factoryNames } = creationsIn(parse(path), options.framework);
    if (nodes.length > 0) found.push({ path, nodes, factoryNames });
    // The configured app file wins over any other file that creates an app.
    if (nodes.length > 0 && configured.includes(path)) break;
  }
  const fromConfig = found.find((entry) => configured.includes(entry.path));
  const chosen = fromConfig === undefined ? outermost(found, parse) : [fromConfig];

  if (chosen.length === 0) {
    return {
      status: 'manual',
      reason: `no file under ${options.sourceDir === '.' ? 'the project' : `${options.sourceDir}/`} creates ${label} app with ${CREATION_LABEL[options.framework]}`,
      lines: manualLines(options, undefined),
    };
  }
  const [only] = chosen;
  if (chosen.length > 1 || only === undefined) {
    return {
      status: 'manual',
      reason: `several files create ${label} app (${chosen.map((entry) => entry.path).join(', ')})`,
      lines: manualLines(options, undefined),
    };
  }
  const appFile = only.path;
  const mains = only.nodes.length > 1 ? notMounted(only.nodes) : only.nodes;
  const [node] = mains;
  if (mains.length > 1 || node === undefined) {
    return { status: 'manual', appFile, reason: `${appFile} creates ${only.nodes.length} ${label.replace(/^an? /, '')} apps`, lines: manualLines(options, appFile) };
  }
  const shape = creationStatement(node);
  if (shape === undefined) {
    return {
      status: 'manual',
      appFile,
      reason: `${appFile} creates the app without assigning it to a variable (const app = ${CREATION_LABEL[options.framework]})`,
      lines: manualLines(options, appFile),
    };
  }
  const creation: Creation = { ...shape, factoryNames: only.factoryNames };
  const file = parse(appFile);
  if (options.framework === 'fastify' && !canAwaitAt(creation.statement, appFile, options.moduleKind)) {
    return {
      status: 'manual',
      appFile,
      reason: `${appFile} cannot use await where the app is created (CommonJS, or a function that is not async)`,
      lines: manualLines(options, appFile, creation.appName),
    };
  }

  const existing = adapterImport(file, appFile, options.adapterPath);
  if (existing === undefined && declaresName(file, 'backgroundTasks')) {
    return {
      status: 'manual',
      appFile,
      reason: `${appFile} already uses the name backgroundTasks for something else`,
      lines: manualLines(options, appFile, creation.appName),
    };
  }

  const localName = existing?.localName ?? 'backgroundTasks';
  const anchor = insertionAnchor(creation, options.framework);
  const style = codeStyle(file, anchor);
  // Inserted from the end backwards, so the earlier position stays valid.
  file.insertText(anchor.getEnd(), `\n${style.indent}${installLine(options.framework, creation.appName, localName)}${style.semicolon}`);
  if (existing === undefined) {
    const specifier = importPath(appFile, options.adapterPath, options.importSuffix);
    const imports = file.getStatements().filter((statement) => Node.isImportDeclaration(statement) || Node.isImportEqualsDeclaration(statement));
    const lastImport = imports.at(-1);
    const semicolon = lastImport === undefined ? style.semicolon : lastImport.getText().endsWith(';') ? ';' : '';
    const importText = `import { backgroundTasks } from ${style.quote}${specifier}${style.quote}${semicolon}`;
    const firstStatement = file.getStatements()[0];
    if (lastImport !== undefined) file.insertText(lastImport.getEnd(), `\n${importText}`);
    else file.insertText(firstStatement?.getStart() ?? 0, `${importText}\n\n`);
  }
  changes.edit(appFile, file.getFullText());
  return { status: 'wired', appFile };
}
