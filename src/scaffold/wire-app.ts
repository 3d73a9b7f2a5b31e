import { posix } from 'node:path';
import {
  Node,
  Project,
  SyntaxKind,
  ts,
  type CallExpression,
  type AsExpression,
  type AwaitExpression,
  type ClassDeclaration,
  type NonNullExpression,
  type ParenthesizedExpression,
  type SatisfiesExpression,
  type TypeAssertion,
  type NewExpression,
  type PropertyDeclaration,
  type SourceFile,
  type Statement,
} from 'ts-morph';
import { globSync } from 'tinyglobby';
import type { ChangeSet } from './changes.js';
import { readTsconfig, type Framework } from './project.js';
import { GENERATED_HEADER, importPath } from './render.js';

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
  /** The app file bgtask.json names (or `--app-file`): used alone when it still creates the app. */
  appFile?: string;
}

export type WireResult =
  /** The change set now holds the edit of `appFile`. */
  | { status: 'wired'; appFile: string }
  /** `appFile` already imports and installs the adapter: nothing to do. */
  | { status: 'already'; appFile: string }
  /**
   * Nothing edited: the user adds `lines` to `appFile` (or, when undefined, to the file that creates
   * the app). `candidates`, when apps in several files are equally likely the app: those files,
   * project-relative and sorted, for the user to pick one (`--app-file <path>`, bgtask.json's appFile).
   */
  | { status: 'manual'; appFile?: string; reason: string; lines: string[]; candidates?: string[] };

const FRAMEWORK_LABEL: Record<Framework, string> = { express: 'an Express', fastify: 'a Fastify', hono: 'a Hono' };
const CREATION_LABEL: Record<Framework, string> = { express: 'express()', fastify: 'Fastify()', hono: 'new Hono()' };
const FRAMEWORK_MODULES: Record<Framework, readonly string[]> = {
  express: ['express'],
  fastify: ['fastify'],
  hono: ['hono', 'hono/tiny', 'hono/quick'],
};
/** Classes whose `new` creates a Hono app, by the module that exports them. */
const HONO_CLASSES: readonly { name: string; modules: readonly string[] }[] = [
  { name: 'Hono', modules: FRAMEWORK_MODULES.hono },
  { name: 'OpenAPIHono', modules: ['@hono/zod-openapi'] },
];
const MENTIONED_MODULES: Record<Framework, readonly string[]> = { ...FRAMEWORK_MODULES, hono: [...FRAMEWORK_MODULES.hono, '@hono/zod-openapi'] };
// Body parsers that conventionally come first; the adapter goes after them (examples/orders-api does the same).
const BODY_PARSERS = new Set(['json', 'urlencoded', 'raw', 'text']);
const TS_EXTENSION = /\.(?:[cm]?ts|tsx|[cm]?js|jsx)$/;
/** Chained calls that register routes: a middleware added after them would not run for those routes. */
const ROUTE_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'del', 'all', 'on', 'options', 'head', 'route', 'openapi', 'mount', 'doc', 'doc31']);
/** `x.route('/users', users)`, `x.use('/admin', admin)`, `x.register(sub)`: the argument is a sub-app. */
const MOUNT_METHODS = new Set(['route', 'use', 'register', 'mount']);
const ERROR_METHODS = new Set(['notFound', 'onError', 'setErrorHandler', 'setNotFoundHandler']);
/** `serve(app)`, `http.createServer(app)`, `handle(app)` (hono/vercel), `serverless(app)`. */
const SERVE_FUNCTIONS = new Set(['serve', 'createServer', 'handle', 'serverless']);
/** Rounds of "which functions return an app, which calls them": factories of factories of factories. */
const MAX_ROUNDS = 8;

type Signal = 'middleware' | 'plugins' | 'listens' | 'error handlers' | 'served';
type Creation = CallExpression | NewExpression;

/** Where the adapter goes for one app creation. */
type Place =
  /** After `const app = express()`, `this.app = express()` (and the body parsers that directly follow). */
  | { kind: 'after'; statement: Statement }
  /** `new Hono().use(backgroundTasks()).get(...)`: into a chain that registers routes, right after the creation. */
  | { kind: 'chain'; after: Node }
  /** A class field `app = express()`: first thing in the constructor. */
  | { kind: 'field'; property: PropertyDeclaration; owner: ClassDeclaration }
  | { kind: 'none'; why: string };

interface Site {
  /** Project-relative file. */
  path: string;
  node: Creation;
  place: Place;
  /** How code there reaches the app: `app`, `this.app`. */
  receiver: string;
  /** The declaration that uses of the app resolve to: the variable or the class property. */
  key?: Node;
  /** For `this.app = express()` and fields: the class. */
  owner?: ClassDeclaration;
  /** The factory this creation calls, if it is a call of one. */
  calls?: Factory;
  /** The factory that returns this app, if any. */
  returnedBy?: Factory;
  /** Passed straight to `x.route('/p', ...)` and the like. */
  mountedInline: boolean;
}

/** A function that returns a new app: `createApp()`, `buildApp()`, `createRouter()`. */
interface Factory {
  key: Node;
  name: string;
  /** The creations it returns. */
  internal: Site[];
  /** Its calls in the project's non-test files. */
  callers: Site[];
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

/** A file bgtask generated (and the user has not rewritten the header of): never the user's app. */
function isGenerated(text: string): boolean {
  return text.replace(/^\uFEFF/, '').startsWith(GENERATED_HEADER);
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
  if (!file.getFullText().includes('require')) return { defaults, named: namedLocals };
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

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A cheap look at a file's text before parsing it: whether it imports (by value) a name that creates
 * an app and then calls it, `new`s it or extends it. A superset of what the parse finds: most files
 * that mention the framework only import its types or `Router`.
 */
function mayCreateApp(text: string, framework: Framework): boolean {
  const sources = framework === 'hono' ? HONO_CLASSES : [{ name: framework === 'fastify' ? 'fastify' : undefined, modules: FRAMEWORK_MODULES[framework] }];
  const names = new Set<string>();
  for (const { name, modules } of sources) {
    for (const module of modules) {
      if (!text.includes(module)) continue;
      const from = `\\s*['"]${escapeRegExp(module)}['"]`;
      const locals = [
        new RegExp(`import\\s+(?!type\\s)([\\w$]+)\\s*(?:,\\s*(?:\\{[^}]*\\}|\\*\\s*as\\s+[\\w$]+)\\s*)?from${from}`, 'g'),
        new RegExp(`import\\s+(?!type\\s)(?:[\\w$]+\\s*,\\s*)?\\*\\s*as\\s+([\\w$]+)\\s+from${from}`, 'g'),
        new RegExp(`([\\w$]+)\\s*=\\s*require\\(${from}\\s*\\)`, 'g'),
      ];
      if (framework !== 'hono') for (const pattern of locals) for (const match of text.matchAll(pattern)) names.add(match[1] ?? '');
      if (name === undefined) continue;
      const lists = [new RegExp(`import\\s+(?!type\\s)(?:[\\w$]+\\s*,\\s*)?\\{([^}]*)\\}\\s*from${from}`, 'g'), new RegExp(`\\{([^}]*)\\}\\s*=\\s*require\\(${from}\\s*\\)`, 'g')];
      for (const pattern of lists) {
        for (const match of text.matchAll(pattern)) {
          for (const specifier of (match[1] ?? '').split(',')) {
            const parts = specifier.trim().split(/\s+as\s+|\s*:\s*/);
            if (parts[0] === name) names.add(parts[1] ?? name);
          }
        }
      }
    }
  }
  return [...names].some((local) =>
    new RegExp(framework === 'hono' ? `(?:\\bnew|\\bextends)\\s+${escapeRegExp(local)}(?![\\w$])` : `(?<![\\w$.])${escapeRegExp(local)}\\s*\\(`).test(text),
  );
}

/** Local names of the framework's app constructors in the file: `Hono`, `OpenAPIHono`; `express`; `Fastify`, `fastify`. */
function frameworkConstructors(file: SourceFile, framework: Framework): Set<string> {
  if (framework === 'hono') return new Set(HONO_CLASSES.flatMap(({ name, modules }) => [...importedNames(file, modules, name).named]));
  const { defaults, named } = importedNames(file, FRAMEWORK_MODULES[framework], framework === 'fastify' ? 'fastify' : undefined);
  return new Set([...defaults, ...named]);
}

/** Local names of the express module itself, for recognising `express.json()`. */
function expressNames(file: SourceFile): Set<string> {
  return importedNames(file, FRAMEWORK_MODULES.express, undefined).defaults;
}

/** Names a factory or app class may be imported under besides its own: default imports, aliases, namespaces (`lib.createApp()`), `import x = require()`. */
function importedLocals(file: SourceFile): Set<string> {
  const names = new Set<string>();
  for (const declaration of file.getImportDeclarations()) {
    if (declaration.isTypeOnly()) continue;
    const defaultImport = declaration.getDefaultImport();
    if (defaultImport !== undefined) names.add(defaultImport.getText());
    const namespace = declaration.getNamespaceImport();
    if (namespace !== undefined) names.add(namespace.getText());
    for (const specifier of declaration.getNamedImports()) {
      const alias = specifier.getAliasNode();
      if (alias !== undefined) names.add(alias.getText());
    }
  }
  for (const statement of file.getStatements()) if (Node.isImportEqualsDeclaration(statement)) names.add(statement.getName());
  return names;
}

type Wrapper = AwaitExpression | ParenthesizedExpression | AsExpression | SatisfiesExpression | NonNullExpression | TypeAssertion;

/** `await x`, `(x)`, `x as T`, `x satisfies T`, `x!`, `<T>x`: the same value. */
function isWrapper(node: Node | undefined): node is Wrapper {
  return (
    Node.isAwaitExpression(node) ||
    Node.isParenthesizedExpression(node) ||
    Node.isAsExpression(node) ||
    Node.isSatisfiesExpression(node) ||
    Node.isNonNullExpression(node) ||
    Node.isTypeAssertion(node)
  );
}

function unwrap(node: Node): Node {
  let current = node;
  while (isWrapper(current)) current = current.getExpression();
  return current;
}

/** The declarations a name (or `x.name`) resolves to, through imports and re-exports. */
function declarationsOf(node: Node): Node[] {
  const target = Node.isPropertyAccessExpression(node) ? node.getNameNode() : node;
  try {
    const symbol = target.getSymbol();
    if (symbol === undefined) return [];
    const resolved = symbol.isAlias() ? (symbol.getAliasedSymbol() ?? symbol) : symbol;
    return resolved.getDeclarations();
  } catch {
    return [];
  }
}

/** The name a call or `new` is made through: `createApp` in `createApp()` and `lib.createApp()`. */
function calleeName(node: Node): string | undefined {
  if (Node.isIdentifier(node)) return node.getText();
  if (Node.isPropertyAccessExpression(node)) return node.getName();
  return undefined;
}

function creationLabel(node: Creation): string {
  return `${Node.isNewExpression(node) ? 'new ' : ''}${node.getExpression().getText()}()`;
}

/** The function a factory is known by: its declaration, or the variable/property/default export holding it. */
function factoryKey(fn: Node): { key: Node; name: string } | undefined {
  if (Node.isFunctionDeclaration(fn)) return { key: fn, name: fn.getName() ?? 'default' };
  if (Node.isMethodDeclaration(fn)) return { key: fn, name: fn.getName() };
  if (!Node.isArrowFunction(fn) && !Node.isFunctionExpression(fn)) return undefined;
  let holder = fn.getParent();
  while (isWrapper(holder)) holder = holder.getParent();
  if (Node.isVariableDeclaration(holder) && Node.isIdentifier(holder.getNameNode())) return { key: holder, name: holder.getName() };
  if (Node.isPropertyAssignment(holder)) return { key: holder, name: holder.getName() };
  if (Node.isExportAssignment(holder)) return { key: holder, name: 'default' };
  return undefined;
}

/** The function whose body directly holds `node` (not a nested one), if it may be a factory. */
function enclosingFunction(node: Node): Node | undefined {
  return node.getFirstAncestor((ancestor) => Node.isFunctionLikeDeclaration(ancestor));
}

/** Whether `fn` returns the variable `name` (`return app`), from its own body. */
function returnsName(fn: Node, name: string): boolean {
  return fn.getDescendantsOfKind(SyntaxKind.ReturnStatement).some((statement) => {
    if (enclosingFunction(statement) !== fn) return false;
    const expression = statement.getExpression();
    return expression !== undefined && Node.isIdentifier(unwrap(expression)) && unwrap(expression).getText() === name;
  });
}

function isStatementContainer(node: Node | undefined): boolean {
  return Node.isSourceFile(node) || Node.isBlock(node);
}

/** What happens to the app a creation makes: where it is kept, and whether a function returns it. */
function flowOf(
  node: Creation,
  framework: Framework,
): { place: Place; receiver: string; keyNode?: Node; owner?: ClassDeclaration; returnedFrom?: Node; mountedInline: boolean } {
  // Climb wrappers and chained calls: `(await createApp())`, `createRouter().openapi(...)`.
  let top: Node = node;
  let chainStart: Node | undefined;
  const chained: string[] = [];
  for (;;) {
    const parent = top.getParent();
    if (isWrapper(parent)) {
      top = parent;
      continue;
    }
    if (Node.isPropertyAccessExpression(parent) && parent.getExpression() === top) {
      const call = parent.getParent();
      if (Node.isCallExpression(call) && call.getExpression() === parent) {
        chainStart ??= top;
        chained.push(parent.getName());
        top = call;
        continue;
      }
    }
    break;
  }
  const routesInChain = chained.some((name) => ROUTE_METHODS.has(name));
  const unassigned = `creates the app without assigning it to a variable (const app = ${creationLabel(node)})`;
  const parent = top.getParent();
  const none = (why: string, receiver = 'app'): ReturnType<typeof flowOf> => ({ place: { kind: 'none', why }, receiver, mountedInline: false });
  /** The place after a statement that keeps the app, minding chains that register routes. */
  const after = (statement: Statement): Place => {
    if (!routesInChain || chainStart === undefined) return { kind: 'after', statement };
    if (framework === 'fastify') return { kind: 'none', why: `creates the app in a chain of calls (${creationLabel(node)}.${chained.join('(...).')}(...))` };
    return { kind: 'chain', after: chainStart };
  };

  if (Node.isVariableDeclaration(parent) && parent.getInitializer() === top) {
    const name = parent.getNameNode();
    const statement = parent.getParent()?.getParent();
    if (!Node.isIdentifier(name)) return none(unassigned);
    if (!Node.isVariableStatement(statement) || !isStatementContainer(statement.getParent())) {
      return none(`creates the app (${name.getText()} = ${creationLabel(node)}) where no line can follow it`, name.getText());
    }
    const fn = enclosingFunction(statement);
    const returnedFrom = fn !== undefined && returnsName(fn, name.getText()) ? fn : undefined;
    return { place: after(statement), receiver: name.getText(), keyNode: parent, returnedFrom, mountedInline: false };
  }
  if (Node.isReturnStatement(parent)) {
    const fn = enclosingFunction(parent);
    return { ...none(`returns the app${fn === undefined ? '' : ` from ${factoryKey(fn)?.name ?? 'a function'}()`} without assigning it to a variable`), returnedFrom: fn };
  }
  if (Node.isArrowFunction(parent) && parent.getBody() === top) {
    return { ...none(`returns the app from ${factoryKey(parent)?.name ?? 'an arrow function'}() without assigning it to a variable`), returnedFrom: parent };
  }
  if (Node.isBinaryExpression(parent) && parent.getRight() === top && parent.getOperatorToken().getKind() === SyntaxKind.EqualsToken) {
    const left = parent.getLeft();
    const statement = parent.getParent();
    const owner = left.getFirstAncestorByKind(SyntaxKind.ClassDeclaration);
    const onThis = Node.isPropertyAccessExpression(left) && Node.isThisExpression(left.getExpression());
    if ((onThis || Node.isIdentifier(left)) && Node.isExpressionStatement(statement) && isStatementContainer(statement.getParent())) {
      const [declaration] = declarationsOf(left);
      // `let app; ...; app = express(); ...; return app;`
      const fn = onThis ? undefined : enclosingFunction(statement);
      const returnedFrom = fn !== undefined && returnsName(fn, left.getText()) ? fn : undefined;
      return {
        place: after(statement),
        receiver: left.getText(),
        keyNode: declaration,
        owner: onThis ? owner : undefined,
        returnedFrom,
        mountedInline: false,
      };
    }
    return none(`assigns the app (${left.getText()} = ${creationLabel(node)}) inside an expression, where no line can follow it`, onThis || Node.isIdentifier(left) ? left.getText() : 'app');
  }
  if (Node.isPropertyDeclaration(parent) && parent.getInitializer() === top) {
    const owner = parent.getParent();
    if (!Node.isClassDeclaration(owner)) return none('creates the app in a field of a class expression');
    if (parent.isStatic()) {
      return none(`creates the app in a static field (${owner.getName() ?? 'the class'}.${parent.getName()})`, `${owner.getName() ?? 'TheClass'}.${parent.getName()}`);
    }
    const receiver = `this.${parent.getName()}`;
    if (routesInChain) return none(`creates the app in a chain of calls that registers routes (${parent.getName()} = ${creationLabel(node)}...)`, receiver);
    return { place: { kind: 'field', property: parent, owner }, receiver, keyNode: parent, owner, mountedInline: false };
  }
  const mounter = Node.isCallExpression(parent) && parent.getArguments().includes(top) ? parent.getExpression() : undefined;
  const mountedInline = Node.isPropertyAccessExpression(mounter) && MOUNT_METHODS.has(mounter.getName());
  return { ...none(unassigned), mountedInline };
}

/** The Hono, Express or Fastify apps the project creates, and the functions that return them. */
class AppFinder {
  readonly sites: Site[] = [];
  readonly factories = new Map<Node, Factory>();
  private readonly siteByNode = new Map<Node, Site>();
  private readonly sitesByKey = new Map<Node, Site[]>();
  private readonly appClasses = new Set<Node>();
  private readonly constructorsCache = new Map<SourceFile, Set<string>>();
  private readonly localsCache = new Map<SourceFile, Set<string>>();
  private readonly scannedAt = new Map<SourceFile, number>();

  constructor(private readonly framework: Framework) {}

  private constructors(file: SourceFile): Set<string> {
    let names = this.constructorsCache.get(file);
    if (names === undefined) {
      names = frameworkConstructors(file, this.framework);
      this.constructorsCache.set(file, names);
    }
    return names;
  }

  private locals(file: SourceFile): Set<string> {
    let names = this.localsCache.get(file);
    if (names === undefined) {
      names = importedLocals(file);
      this.localsCache.set(file, names);
    }
    return names;
  }

  /** Names of factories and app classes, to find the files that may call them. */
  knownNames(): Set<string> {
    const names = new Set<string>();
    for (const factory of this.factories.values()) if (factory.name !== 'default') names.add(factory.name);
    for (const cls of this.appClasses) if (Node.isClassDeclaration(cls) && cls.getName() !== undefined) names.add(cls.getName() ?? '');
    return names;
  }

  /** Files that declare factories or app classes. */
  knownFiles(): Set<SourceFile> {
    const files = new Set<SourceFile>();
    for (const factory of this.factories.values()) files.add(factory.key.getSourceFile());
    for (const cls of this.appClasses) files.add(cls.getSourceFile());
    return files;
  }

  get size(): number {
    return this.factories.size + this.appClasses.size;
  }

  /** One pass over the files: app classes, then creations (direct, `new App()`, factory calls). */
  scan(files: readonly SourceFile[]): void {
    if (this.framework === 'hono') this.findAppClasses(files);
    for (const file of files) {
      // What a file holds changes only with what is known: scanned already with as much, it has nothing new.
      if (this.scannedAt.get(file) === this.size) continue;
      this.scannedAt.set(file, this.size);
      const constructors = this.constructors(file);
      const locals = this.locals(file);
      const names = this.knownNames();
      const maybeKnown = (callee: Node): boolean => {
        const name = calleeName(callee);
        return name !== undefined && (names.has(name) || locals.has(name));
      };
      file.forEachDescendant((node) => {
        if (Node.isNewExpression(node)) {
          const callee = node.getExpression();
          if (this.framework === 'hono' && Node.isIdentifier(callee) && constructors.has(callee.getText())) this.addSite(node, undefined);
          else if (this.appClasses.size > 0 && maybeKnown(callee) && declarationsOf(callee).some((declaration) => this.appClasses.has(declaration))) {
            this.addSite(node, undefined);
          }
        } else if (Node.isCallExpression(node)) {
          const callee = node.getExpression();
          if (this.framework !== 'hono' && Node.isIdentifier(callee) && constructors.has(callee.getText())) {
            this.addSite(node, undefined);
            return;
          }
          if (this.factories.size === 0 || !maybeKnown(callee)) return;
          const factory = declarationsOf(callee)
            .map((declaration) => this.factories.get(declaration))
            .find((found) => found !== undefined);
          if (factory !== undefined) this.addSite(node, factory);
        }
      });
    }
  }

  /** `class App extends Hono {}`, `class Api extends OpenAPIHono<Env> {}`, and classes extending those. */
  private findAppClasses(files: readonly SourceFile[]): void {
    for (let changed = true; changed; ) {
      changed = false;
      for (const file of files) {
        if (!file.getFullText().includes('extends')) continue;
        for (const cls of file.getDescendantsOfKind(SyntaxKind.ClassDeclaration)) {
          if (this.appClasses.has(cls)) continue;
          const base = cls.getExtends()?.getExpression();
          if (base === undefined) continue;
          const known =
            (Node.isIdentifier(base) && this.constructors(file).has(base.getText())) ||
            (this.appClasses.size > 0 && declarationsOf(base).some((declaration) => this.appClasses.has(declaration)));
          if (known) {
            this.appClasses.add(cls);
            changed = true;
          }
        }
      }
    }
  }

  private addSite(node: Creation, calls: Factory | undefined): void {
    if (this.siteByNode.has(node)) return;
    const flow = flowOf(node, this.framework);
    const site: Site = {
      path: node.getSourceFile().getFilePath().slice(1),
      node,
      place: flow.place,
      receiver: flow.receiver,
      key: flow.keyNode,
      owner: flow.owner,
      calls,
      mountedInline: flow.mountedInline,
    };
    this.sites.push(site);
    this.siteByNode.set(node, site);
    this.receiverNamesCache = undefined;
    if (site.key !== undefined) this.sitesByKey.set(site.key, [...(this.sitesByKey.get(site.key) ?? []), site]);
    calls?.callers.push(site);
    const identity = flow.returnedFrom === undefined ? undefined : factoryKey(flow.returnedFrom);
    if (identity === undefined) return;
    let factory = this.factories.get(identity.key);
    if (factory === undefined) {
      factory = { key: identity.key, name: identity.name, internal: [], callers: [] };
      this.factories.set(identity.key, factory);
    }
    factory.internal.push(site);
    site.returnedBy = factory;
  }

  /** The app an expression is: a creation, a variable or property holding one, or a chain of calls on one. */
  siteOf(expression: Node): Site | undefined {
    let current = unwrap(expression);
    for (;;) {
      const direct = this.siteByNode.get(current);
      if (direct !== undefined) return direct;
      if (!Node.isCallExpression(current)) break;
      const callee = current.getExpression();
      if (!Node.isPropertyAccessExpression(callee)) return undefined;
      current = unwrap(callee.getExpression());
    }
    if (Node.isIdentifier(current) || Node.isPropertyAccessExpression(current)) {
      const name = calleeName(current) ?? '';
      if (!this.receiverNames().has(name) && !this.locals(current.getSourceFile()).has(name)) return undefined;
      for (const declaration of declarationsOf(current)) {
        const [site] = this.sitesByKey.get(declaration) ?? [];
        if (site !== undefined) return site;
      }
      // `this.app` in the class that assigns it without declaring the property.
      if (Node.isPropertyAccessExpression(current) && Node.isThisExpression(current.getExpression())) {
        const owner = current.getFirstAncestorByKind(SyntaxKind.ClassDeclaration);
        return this.sites.find((site) => site.owner === owner && site.receiver === current.getText());
      }
    }
    return undefined;
  }

  private receiverNamesCache: Set<string> | undefined;
  private receiverNames(): Set<string> {
    this.receiverNamesCache ??= new Set(this.sites.map((site) => site.receiver.replace(/^this\./, '')));
    return this.receiverNamesCache;
  }

  /** What each app is used for across the files: middleware, plugins, listen, error handlers, serving; and which are mounted. */
  usage(files: readonly SourceFile[]): { signals: Map<Site, Set<Signal>>; mounted: Set<Site> } {
    const signals = new Map<Site, Set<Signal>>();
    const mounted = new Set(this.sites.filter((site) => site.mountedInline));
    const note = (site: Site | undefined, signal: Signal): void => {
      if (site === undefined) return;
      signals.set(site, new Set([...(signals.get(site) ?? []), signal]));
    };
    for (const file of files) {
      for (const call of file.getDescendantsOfKind(SyntaxKind.CallExpression)) {
        const callee = call.getExpression();
        const args = call.getArguments();
        const name = calleeName(callee);
        if (name !== undefined && SERVE_FUNCTIONS.has(name)) for (const argument of args) note(this.siteOf(argument), 'served');
        if (!Node.isPropertyAccessExpression(callee) || name === undefined) continue;
        const site = this.siteOf(callee.getExpression());
        const [first] = args;
        if (site !== undefined) {
          if (name === 'use' && first !== undefined && (!Node.isStringLiteral(first) || ['*', '/*'].includes(first.getLiteralValue()))) note(site, 'middleware');
          if (name === 'register') note(site, 'plugins');
          if (name === 'listen') note(site, 'listens');
          if (ERROR_METHODS.has(name)) note(site, 'error handlers');
        }
        if (MOUNT_METHODS.has(name)) {
          for (const argument of args) {
            const sub = this.siteOf(argument);
            if (sub !== undefined && sub !== site) mounted.add(sub);
          }
        }
      }
      // `serve({ fetch: app.fetch })`, `export default { fetch: app.fetch }`.
      for (const access of file.getDescendantsOfKind(SyntaxKind.PropertyAccessExpression)) {
        if (access.getName() !== 'fetch') continue;
        const parent = access.getParent();
        if (Node.isCallExpression(parent) && parent.getExpression() === access) continue;
        note(this.siteOf(access.getExpression()), 'served');
      }
    }
    return { signals, mounted };
  }
}

/** Whether `await` is allowed where the statement sits: an async function, or the top level of an ES module. */
function canAwaitAt(statement: Node, filePath: string, moduleKind: 'esm' | 'cjs'): boolean {
  const container = statement.getParent();
  if (Node.isSourceFile(container)) {
    if (filePath.endsWith('.mts')) return true;
    if (filePath.endsWith('.cts')) return false;
    return moduleKind === 'esm';
  }
  const fn = statement.getFirstAncestor((ancestor) => Node.isFunctionLikeDeclaration(ancestor));
  return fn !== undefined && Node.isAsyncable(fn) && fn.isAsync();
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

function installLine(framework: Framework, receiver: string, localName: string): string {
  return framework === 'fastify' ? `await ${receiver}.register(${localName})` : `${receiver}.use(${localName}())`;
}

function manualLines(options: WireOptions, appFile: string | undefined, receiver = 'app', where?: string): string[] {
  const specifier =
    appFile === undefined
      ? importPath(posix.join(options.sourceDir, 'app.ts'), options.adapterPath, options.importSuffix)
      : importPath(appFile, options.adapterPath, options.importSuffix);
  const fromWhere = appFile === undefined ? ` // the path from that file to ${options.adapterPath}` : '';
  const after =
    where !== undefined
      ? ` // ${where}`
      : options.framework === 'fastify'
        ? ' // in an async function (or an ES module), right after the app is created, before the routes'
        : ' // right after the app is created, before the routes';
  return [`import { backgroundTasks } from '${specifier}';${fromWhere}`, `${installLine(options.framework, receiver, 'backgroundTasks')};${after}`];
}

function indentOf(file: SourceFile, node: Node): string {
  const text = file.getFullText();
  const lineStart = text.lastIndexOf('\n', node.getStart() - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart, node.getStart()))?.[0] ?? '';
}

/** Style of the file's code, so the inserted lines match it. */
function codeStyle(file: SourceFile, node: Node): { quote: string; semicolon: string } {
  const firstImport = file.getImportDeclarations()[0];
  const quote = firstImport?.getModuleSpecifier().getText().startsWith('"') === true ? '"' : "'";
  const semicolon = node.getText().trimEnd().endsWith(';') ? ';' : '';
  return { quote, semicolon };
}

/** Whether the statement is `<receiver>.use(express.json(), ...)` with body parsers only. */
function isBodyParserUse(statement: Node, receiver: string, express: ReadonlySet<string>): boolean {
  if (!Node.isExpressionStatement(statement)) return false;
  const call = statement.getExpression();
  if (!Node.isCallExpression(call) || call.getExpression().getText() !== `${receiver}.use`) return false;
  const parsers = call.getArguments().filter((argument) => {
    if (!Node.isCallExpression(argument)) return false;
    const callee = argument.getExpression();
    return Node.isPropertyAccessExpression(callee) && express.has(callee.getExpression().getText()) && BODY_PARSERS.has(callee.getName());
  });
  return parsers.length > 0 && parsers.length === call.getArguments().length;
}

/** After `anchor` (when given) and the body parsers that directly follow it; `next` is the statement after the anchor. */
function skipBodyParsers<T extends Node | undefined>(anchor: T, next: Node | undefined, receiver: string, framework: Framework, express: ReadonlySet<string>): Node | T {
  if (framework !== 'express') return anchor;
  let last: Node | T = anchor;
  for (let current = next; current !== undefined && isBodyParserUse(current, receiver, express); current = current.getNextSibling()) last = current;
  return last;
}

function isSuperCall(statement: Node | undefined): boolean {
  if (!Node.isExpressionStatement(statement)) return false;
  const call = statement.getExpression();
  return Node.isCallExpression(call) && call.getExpression().getKind() === SyntaxKind.SuperKeyword;
}

/** tsconfig `paths` (and `baseUrl`) rewritten to the in-memory file system, where the project root is `/`. */
function aliasOptions(root: string): ts.CompilerOptions {
  let parsed: ReturnType<typeof readTsconfig>;
  try {
    parsed = readTsconfig(root);
  } catch {
    return {};
  }
  const options = parsed?.options;
  if (options === undefined) return {};
  const toMemory = (absolute: string): string | undefined => {
    const relative = posix.relative(root.split('\\').join('/'), absolute.split('\\').join('/'));
    return relative.startsWith('..') ? undefined : posix.join('/', relative);
  };
  const pathsBase = (options as { pathsBasePath?: unknown }).pathsBasePath;
  const base = options.baseUrl ?? (typeof pathsBase === 'string' ? pathsBase : undefined);
  const baseUrl = base === undefined ? undefined : toMemory(base);
  if (baseUrl === undefined) return {};
  return { baseUrl, ...(options.paths === undefined ? {} : { paths: options.paths }) };
}

/** `[/'"]stem(.ext)?['"]`: an import of the module (or of the folder, for an index file). */
function moduleReference(path: string): string {
  const escape = escapeRegExp;
  const stem = posix.basename(stripExtension(path));
  const ext = '(?:\\.[cm]?[jt]sx?)?';
  if (stem !== 'index') return `[/'"]${escape(stem)}${ext}['"]`;
  return `[/'"]${escape(posix.basename(posix.dirname(path)))}(?:/index${ext})?['"]`;
}

type Candidate = { site: Site; chain: Site[]; score: number; mounted: boolean; home: string };

/**
 * Installs the framework adapter where the app is created: the import after the last import, and
 * `app.use(backgroundTasks())` or `await app.register(backgroundTasks)` right after the creation.
 *
 * The app is found in the shapes real starters use: `const app = new Hono()` / `express()` /
 * `Fastify()`, `new OpenAPIHono()`, subclasses (`class App extends Hono`), factories across files
 * (`createApp()` returning `createRouter()`'s app; wired inside a factory called from one place,
 * at the calls of one called from several), and classes holding the app (`this.app = express()`,
 * a field `app = express()`). Of several apps, the one most used as an app (middleware, plugins,
 * listen, error handlers, served) and not mounted on another wins. bgtask's own generated files
 * never count. Plans the edit in `changes`; idempotent (an installed adapter is left alone). When it
 * cannot find exactly one place to put it, it edits nothing and returns the lines to add by hand.
 */
export function planAppWiring(changes: ChangeSet, options: WireOptions): WireResult {
  const project = new Project({
    useInMemoryFileSystem: true,
    skipAddingFilesFromTsConfig: true,
    compilerOptions: {
      allowJs: false,
      noLib: true,
      types: [],
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      ...aliasOptions(changes.root),
    },
  });
  const label = FRAMEWORK_LABEL[options.framework];
  const texts = new Map<string, string>();
  const text = (path: string): string => {
    let found = texts.get(path);
    if (found === undefined) {
      found = changes.read(path) ?? '';
      texts.set(path, found);
    }
    return found;
  };

  const configured = options.appFile !== undefined && changes.exists(options.appFile) && !isGenerated(text(options.appFile)) ? options.appFile : undefined;
  const files = [...(configured === undefined ? [] : [configured]), ...candidateFiles(changes, options).filter((file) => file !== configured)].filter(
    (file) => !isGenerated(text(file)),
  );
  const parsed = new Map<string, SourceFile>();
  const parse = (path: string): SourceFile => {
    let file = parsed.get(path);
    if (file === undefined) {
      file = project.createSourceFile(`/${path}`, text(path), { overwrite: true });
      parsed.set(path, file);
    }
    return file;
  };

  // Installed anywhere already (perhaps moved by the user): leave it.
  for (const path of files) {
    if (!text(path).includes('backgroundTasks')) continue;
    if (adapterImport(parse(path), path, options.adapterPath)?.installed === true) {
      // Listed as SKIP in the plan, so a re-run shows the app file was looked at.
      changes.edit(path, text(path));
      return { status: 'already', appFile: path };
    }
  }

  // Files that mention the framework, then, round after round, the files that may call the factories found so far.
  const modules = MENTIONED_MODULES[options.framework];
  let pending = files.filter(
    (path) => modules.some((name) => text(path).includes(`'${name}'`) || text(path).includes(`"${name}"`)) && mayCreateApp(text(path), options.framework),
  );
  const finder = new AppFinder(options.framework);
  const allParsed = (): SourceFile[] => files.filter((path) => parsed.has(path)).map(parse);
  for (let round = 0; round < MAX_ROUNDS && pending.length > 0; round++) {
    for (const path of pending) parse(path);
    // A factory found in this scan may be called from a file already parsed: scan again until nothing new.
    for (let pass = 0, size = -1; pass < MAX_ROUNDS && finder.size !== size; pass++) {
      size = finder.size;
      finder.scan(allParsed());
    }
    const names = [...finder.knownNames()].map(escapeRegExp);
    const barrels = allParsed().filter((file) => file.getExportDeclarations().some((declaration) => declaration.hasModuleSpecifier()));
    const patterns = [...(names.length === 0 ? [] : [`\\b(?:${names.join('|')})\\b`]), ...[...finder.knownFiles(), ...barrels].map((file) => moduleReference(file.getFilePath()))];
    const pattern = patterns.length === 0 ? undefined : new RegExp(patterns.join('|'));
    pending = pattern === undefined ? [] : files.filter((path) => !parsed.has(path) && pattern.test(text(path)));
  }

  // To tell several apps apart, the files that use them too: `serve({ fetch: app.fetch })` in the file importing the app.
  if (finder.sites.length > 1) {
    const pattern = new RegExp([...new Set(finder.sites.map((site) => moduleReference(site.path)))].join('|'));
    const users = files.filter((path) => !parsed.has(path) && pattern.test(text(path)));
    for (const path of users) parse(path);
    if (users.length > 0) finder.scan(allParsed());
  }
  const candidates = chooseCandidates(finder, allParsed(), configured);
  if (candidates.length === 0) {
    return {
      status: 'manual',
      reason: `no file under ${options.sourceDir === '.' ? 'the project' : `${options.sourceDir}/`} creates ${label} app with ${CREATION_LABEL[options.framework]}`,
      lines: manualLines(options, undefined),
    };
  }
  const best = pickBest(candidates);
  const [only] = best;
  if (best.length > 1 || only === undefined) {
    const paths = [...new Set(best.map((candidate) => candidate.site.path))];
    const receivers = new Set(best.map((candidate) => candidate.site.receiver));
    const receiver = receivers.size === 1 ? [...receivers][0] : undefined;
    const [onePath] = paths;
    if (paths.length === 1 && onePath !== undefined) {
      return {
        status: 'manual',
        appFile: onePath,
        reason: `${onePath} creates ${best.length} ${label.replace(/^an? /, '')} apps`,
        lines: manualLines(options, onePath, receiver),
      };
    }
    return {
      status: 'manual',
      reason: `several files create ${label} app (${paths.join(', ')})`,
      lines: manualLines(options, undefined, receiver),
      candidates: paths,
    };
  }
  return wireSite(only.site, parse(only.site.path), changes, options);
}

/** The creations that may be the app: the configured file's alone when it has one; else all but factory internals and merged calls. */
function chooseCandidates(analysis: AppFinder, files: readonly SourceFile[], configured: string | undefined): Candidate[] {
  let usage: ReturnType<AppFinder['usage']> | undefined;
  // A call inside a factory nothing calls (a test helper like `createTestApp()`) is no place the app is made, unless it is the only one.
  const callers = (factory: Factory): Site[] => {
    const live = factory.callers.filter((site) => site.returnedBy === undefined || site.returnedBy.callers.length > 0);
    return live.length > 0 ? live : factory.callers;
  };
  const wiredDeeper = (factory: Factory, depth = 0): boolean => {
    if (depth > MAX_ROUNDS || callers(factory).length > 1 || factory.internal.length !== 1) return false;
    const [inner] = factory.internal;
    if (inner === undefined) return false;
    return inner.place.kind !== 'none' || (inner.calls !== undefined && wiredDeeper(inner.calls, depth + 1));
  };
  const isCandidate = (site: Site): boolean => {
    const factory = site.returnedBy;
    if (factory !== undefined && callers(factory).length > 1) return false; // a router factory: its calls are the candidates
    if (factory !== undefined && callers(factory).length === 1 && site.place.kind === 'none') return false; // `return new Hono()`: its one call is
    return site.calls === undefined || !wiredDeeper(site.calls);
  };
  /** The site, then the call of its factory when that factory is called once, and so on up: the same app. */
  const chainOf = (site: Site): Site[] => {
    const chain = [site];
    for (let current = site; chain.length <= MAX_ROUNDS; ) {
      const [caller, ...others] = current.returnedBy === undefined ? [] : callers(current.returnedBy);
      if (caller === undefined || others.length > 0 || chain.includes(caller)) break;
      chain.push(caller);
      current = caller;
    }
    return chain;
  };
  const toCandidates = (sites: readonly Site[]): Candidate[] => {
    // How each is used tells several apart; one needs no telling.
    if (sites.length > 1) usage ??= analysis.usage(files);
    return sites.map((site) => {
      const chain = chainOf(site);
      const signals = new Set(chain.flatMap((link) => [...(usage?.signals.get(link) ?? [])]));
      return { site, chain, score: signals.size, mounted: chain.some((link) => usage?.mounted.has(link) === true), home: chain.at(-1)?.path ?? site.path };
    });
  };
  if (configured !== undefined) {
    const inFile = analysis.sites.filter((site) => site.path === configured);
    const preferred = inFile.filter(isCandidate);
    const chosen = preferred.length > 0 ? preferred : inFile;
    if (chosen.length > 0) return toCandidates(chosen);
  }
  return toCandidates(analysis.sites.filter(isCandidate));
}

/** The unmounted candidates most used as an app; among equals, those whose file no other's imports. */
function pickBest(candidates: readonly Candidate[]): Candidate[] {
  if (candidates.length < 2) return [...candidates];
  const unmounted = candidates.filter((candidate) => !candidate.mounted);
  const pool = unmounted.length > 0 ? unmounted : [...candidates];
  const top = Math.max(...pool.map((candidate) => candidate.score));
  const best = pool.filter((candidate) => candidate.score === top);
  if (best.length < 2) return best;
  // The main app's file imports its sub-apps' files (Hono's `app.route('/users', users)`).
  const homes = new Set(best.map((candidate) => candidate.home));
  const imported = new Set<string>();
  for (const home of homes) {
    const file = best.find((candidate) => candidate.home === home)?.chain.at(-1)?.node.getSourceFile();
    for (const declaration of file?.getImportDeclarations() ?? []) {
      const target = declaration.getModuleSpecifierSourceFile()?.getFilePath().slice(1);
      const specifier = declaration.getModuleSpecifierValue();
      const relative = specifier.startsWith('.') ? posix.normalize(posix.join(posix.dirname(home), specifier)) : undefined;
      for (const other of homes) {
        if (other !== home && (other === target || (relative !== undefined && stripExtension(other) === stripExtension(relative)))) imported.add(other);
      }
    }
  }
  const roots = best.filter((candidate) => !imported.has(candidate.home));
  return roots.length === 0 ? best : roots;
}

/** Edits the file at the chosen creation, or explains why not and prints the lines. */
function wireSite(site: Site, file: SourceFile, changes: ChangeSet, options: WireOptions): WireResult {
  const appFile = site.path;
  const manual = (reason: string, where?: string): WireResult => ({
    status: 'manual',
    appFile,
    reason: `${appFile} ${reason}`,
    lines: manualLines(options, appFile, site.receiver, where),
  });
  const place = site.place;
  const className = site.owner?.getName() ?? 'the class';

  if (place.kind === 'none') return manual(place.why);
  if (options.framework === 'fastify') {
    const where = 'in an async method that runs before the routes are added, right after the app is created';
    if (place.kind === 'field') return manual(`creates the Fastify app in a field of ${className} (${site.receiver}), where await is impossible`, where);
    if (place.kind === 'after' && Node.isConstructorDeclaration(enclosingFunction(place.statement))) {
      return manual(`creates the Fastify app in the constructor of ${className}, where await is impossible`, where);
    }
    if (place.kind === 'after' && !canAwaitAt(place.statement, appFile, options.moduleKind)) {
      return manual('cannot use await where the app is created (CommonJS, or a function that is not async)');
    }
  }
  const derived = place.kind === 'field' && place.owner.getExtends() !== undefined;
  const ctorBody = place.kind === 'field' ? place.owner.getConstructors().find((declaration) => declaration.hasBody())?.getBody() : undefined;
  if (derived && ctorBody !== undefined && !(Node.isBlock(ctorBody) && ctorBody.getStatements().some(isSuperCall))) {
    return manual(
      `creates the app in a field of ${className} (${site.receiver}), whose constructor calls super(...) inside another statement`,
      `in the constructor of ${className}, right after super(...), before the routes`,
    );
  }
  if (derived && ctorBody === undefined) {
    return manual(
      `creates the app in a field of ${className} (${site.receiver}), a subclass without a constructor`,
      `first in the constructor of ${className}, after super(...), before the routes`,
    );
  }

  const existing = adapterImport(file, appFile, options.adapterPath);
  if (existing === undefined && declaresName(file, 'backgroundTasks')) return manual('already uses the name backgroundTasks for something else');
  const localName = existing?.localName ?? 'backgroundTasks';
  const express = expressNames(file);
  const install = installLine(options.framework, site.receiver, localName);

  // Inserted from the end backwards, so the earlier positions stay valid; the import is always above.
  let style: { quote: string; semicolon: string };
  if (place.kind === 'after') {
    const anchor = skipBodyParsers(place.statement, place.statement.getNextSibling(), site.receiver, options.framework, express);
    style = codeStyle(file, anchor);
    file.insertText(anchor.getEnd(), `\n${indentOf(file, anchor)}${install}${style.semicolon}`);
  } else if (place.kind === 'chain') {
    style = codeStyle(file, site.node.getFirstAncestorByKind(SyntaxKind.VariableStatement) ?? place.after);
    file.insertText(place.after.getEnd(), `.use(${localName}())`);
  } else {
    style = codeStyle(file, place.property);
    const memberIndent = indentOf(file, place.property);
    const classIndent = indentOf(file, place.owner);
    const unit = memberIndent.startsWith(classIndent) && memberIndent.length > classIndent.length ? memberIndent.slice(classIndent.length) : '  ';
    const line = `${install}${style.semicolon}`;
    const ctor = place.owner.getConstructors().find((declaration) => declaration.hasBody());
    const body = ctor?.getBody();
    if (ctor !== undefined && Node.isBlock(body)) {
      const statements = body.getStatements();
      const [first] = statements;
      // `this` exists only after super(...): it may follow other statements.
      const superCall = statements.find(isSuperCall);
      const anchor = skipBodyParsers(superCall, superCall === undefined ? first : superCall.getNextSibling(), site.receiver, options.framework, express);
      const indent = first === undefined ? `${indentOf(file, ctor)}${unit}` : indentOf(file, first);
      if (anchor !== undefined) file.insertText(anchor.getEnd(), `\n${indent}${line}`);
      else if (first !== undefined || /\S/.test(body.getText().slice(1, -1))) file.insertText(body.getStart() + 1, `\n${indent}${line}`);
      else file.replaceText([body.getStart(), body.getEnd()], `{\n${indent}${line}\n${indentOf(file, ctor)}}`);
    } else {
      const members = place.owner.getMembers();
      let last: Node = place.property;
      for (let index = members.indexOf(place.property) + 1; Node.isPropertyDeclaration(members[index]); index++) last = members[index] as Node;
      file.insertText(last.getEnd(), `\n\n${memberIndent}constructor() {\n${memberIndent}${unit}${line}\n${memberIndent}}`);
    }
  }

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
