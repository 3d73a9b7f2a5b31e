import { readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { Node, ts } from 'ts-morph';
import type { CallExpression, Project, SourceFile, Type } from 'ts-morph';
import { callsIn, functionName, isInside, resolveCallee, resolveFunction, unwrapExpression, type FunctionLike } from './functions.js';
import { findHandlers, hasFileDirective, type Handler } from './handlers.js';
import { expressMajorOf } from './manifest.js';
import { forEachDescendantWhere } from './walk.js';
import { addTaskReceiver, collectionOrigin, isAddTaskCall, isNewOf, isRuntimeFile, TASK_CLASS, TASKS_CLASS } from './runtime.js';

/** A call that adds a task to a request's collection, directly or through project functions. */
export interface AddTaskSite {
  /** The call in the analysed body: the `addTask` itself, or the call leading to it. */
  call: CallExpression;
  /** Function names from the analysed body down to the `addTask`, empty when direct. */
  via: string[];
}

export interface TaskFunction {
  fn: FunctionLike;
  /** The `addTask(...)` or `new BackgroundTask(...)` that hands the function to the runtime. */
  registration: Node;
}

/** Whether a receiver's type may be the runtime's collection: unknown types (missing imports) may be. */
function mayBeTaskCollection(type: Type): boolean {
  if (type.isAny() || type.isUnknown()) return true;
  if (type.isUnion()) return type.getUnionTypes().some(mayBeTaskCollection);
  if (type.isIntersection()) return type.getIntersectionTypes().some(mayBeTaskCollection);
  const addTask = type.getProperty('addTask');
  if (addTask === undefined) return true;
  // `Pick<BackgroundTasks, 'addTask'>` and subclasses keep the runtime's declaration of the method.
  return addTask.getDeclarations().some((declaration) => {
    const owner = declaration.getParent();
    return (Node.isClassDeclaration(owner) || Node.isInterfaceDeclaration(owner)) && owner.getName() === TASKS_CLASS;
  });
}

/**
 * `<collection>.addTask(fn, ...args)` on a collection the code did not create itself: the
 * request's, or one passed in. A receiver typed as some other class with an `addTask` method
 * (another library's scheduler) is not the runtime's.
 */
export function isCollectionAddTask(call: CallExpression): boolean {
  if (!isAddTaskCall(call)) return false;
  const receiver = addTaskReceiver(call);
  if (receiver === undefined || collectionOrigin(receiver) === 'local') return false;
  return mayBeTaskCollection(receiver.getType());
}

/** How deep to follow calls into project functions; deeper chains are rare and cost time. */
const MAX_CALL_DEPTH = 12;

/** What the index reads besides the source files: `package.json` files. */
export interface ProjectEnvironment {
  /** A file's text, or undefined when it does not exist. */
  readFile(path: string): string | undefined;
}

export const diskEnvironment: ProjectEnvironment = {
  readFile(path) {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
};

const SOURCE_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts'];

/** `orders.test.ts`, `queue.spec.ts`, `__tests__/…`: code that runs under a test runner, not in production. */
export function isTestFile(sourceFile: SourceFile): boolean {
  return /(?:[._](?:test|spec)\.[cm]?[jt]sx?$)|[\\/]__tests__[\\/]/.test(sourceFile.getFilePath());
}

/**
 * Facts about the whole project that rules share: handlers, task functions, which functions end up
 * adding tasks, client files, the Express version. Computed lazily, once per lint run.
 */
export class ProjectIndex {
  private handlersByFile: Map<SourceFile, Handler[]> | undefined;
  private tasks: TaskFunction[] | undefined;
  private readonly addTaskPaths = new Map<FunctionLike, string[] | null>();
  private files: SourceFile[] | undefined;
  private clientFiles: Set<SourceFile> | undefined;
  private root: string | undefined;
  private rejectionHandlerPackages: Set<string | undefined> | undefined;
  private runtimePackages: Set<string | undefined> | undefined;
  private readonly manifests = new Map<string, { directory: string; manifest: Record<string, unknown> } | undefined>();
  private readonly expressMajors = new Map<string, number | undefined>();
  private readonly mentioned = new Map<string, boolean>();

  constructor(
    readonly project: Project,
    private readonly environment: ProjectEnvironment = diskEnvironment,
  ) {}

  /** Whether any of the project's files spells `text`: a name no file spells is nothing to look for. */
  mentions(text: string): boolean {
    let mentioned = this.mentioned.get(text);
    if (mentioned === undefined) {
      mentioned = this.lintableFiles().some((file) => file.getFullText().includes(text));
      this.mentioned.set(text, mentioned);
    }
    return mentioned;
  }

  /** The project's own source files, sorted by path: not declarations, not dependencies. */
  lintableFiles(): SourceFile[] {
    this.files ??= this.project
      .getSourceFiles()
      .filter((file) => !file.isDeclarationFile() && !file.isInNodeModules())
      .sort((a, b) => a.getFilePath().localeCompare(b.getFilePath()));
    return this.files;
  }

  /** `src/orders.ts:12`: a node's place, relative to its package (else to the directory that holds every linted file). */
  location(node: Node): string {
    const file = node.getSourceFile();
    const base = this.packageRoot(file) ?? this.commonRoot();
    const path = relative(base, file.getFilePath()).split(sep).join('/');
    return `${path}:${file.getLineAndColumnAtPos(node.getStart()).line}`;
  }

  private commonRoot(): string {
    if (this.root === undefined) {
      const directories = this.lintableFiles().map((file) => dirname(file.getFilePath()).split('/'));
      const common = directories.reduce((shared, parts) => {
        let length = 0;
        while (length < shared.length && shared[length] === parts[length]) length += 1;
        return shared.slice(0, length);
      }, directories[0] ?? []);
      this.root = common.join('/') || '/';
    }
    return this.root;
  }

  /** The directory of the file's nearest `package.json`: project-wide facts hold per package (a monorepo's apps differ). */
  packageRoot(sourceFile: SourceFile): string | undefined {
    return this.manifestFor(dirname(sourceFile.getFilePath()))?.directory;
  }

  private manifestFor(start: string): { directory: string; manifest: Record<string, unknown> } | undefined {
    const visited: string[] = [];
    let found: { directory: string; manifest: Record<string, unknown> } | undefined;
    for (let directory = start; ; directory = dirname(directory)) {
      if (this.manifests.has(directory)) {
        found = this.manifests.get(directory);
        break;
      }
      visited.push(directory);
      const manifest = this.readJson(join(directory, 'package.json'));
      if (manifest !== undefined) {
        found = { directory, manifest };
        break;
      }
      if (dirname(directory) === directory) break;
    }
    for (const directory of visited) this.manifests.set(directory, found);
    return found;
  }

  /**
   * Client code: files with a `"use client"` directive, and files imported only by client files
   * (a `"use server"` file of server actions stays server code).
   * Their timers and promises run in a browser, not on the server.
   */
  isClientFile(sourceFile: SourceFile): boolean {
    if (this.clientFiles === undefined) {
      const files = this.lintableFiles();
      const client = new Set(files.filter((file) => hasFileDirective(file, 'use client')));
      const importers = new Map<SourceFile, Set<SourceFile>>();
      if (client.size > 0) {
        for (const file of files) {
          for (const declaration of [...file.getImportDeclarations(), ...file.getExportDeclarations()]) {
            // `import { a } from b` (a syntax error) names no module.
            const specifier = declaration.compilerNode.moduleSpecifier;
            if (specifier === undefined || !ts.isStringLiteral(specifier)) continue;
            const imported = declaration.getModuleSpecifierSourceFile();
            if (imported !== undefined) importers.set(imported, (importers.get(imported) ?? new Set()).add(file));
          }
        }
      }
      for (let changed = client.size > 0; changed; ) {
        changed = false;
        for (const [file, by] of importers) {
          // Server actions are called from client components but run on the server.
          if (!client.has(file) && !hasFileDirective(file, 'use server') && [...by].every((importer) => client.has(importer))) {
            client.add(file);
            changed = true;
          }
        }
      }
      this.clientFiles = client;
    }
    return this.clientFiles.has(sourceFile);
  }

  /** The project source file a run-time path names: `./processor.js` may be `processor.ts`. */
  sourceFileNear(path: string): SourceFile | undefined {
    const base = path.replace(/\.[cm]?[jt]sx?$/, '');
    for (const candidate of [path, ...SOURCE_EXTENSIONS.map((extension) => base + extension), ...SOURCE_EXTENSIONS.map((extension) => join(base, `index${extension}`))]) {
      const file = this.project.getSourceFile(candidate);
      if (file !== undefined && !file.isDeclarationFile()) return file;
    }
    return undefined;
  }

  /** Whether the file's package registers `process.on('unhandledRejection', …)`: then a rejection is only logged there. */
  hasUnhandledRejectionHandler(sourceFile: SourceFile): boolean {
    this.rejectionHandlerPackages ??= new Set(this.lintableFiles().filter(registersUnhandledRejectionHandler).map((file) => this.packageRoot(file)));
    return this.rejectionHandlerPackages.has(this.packageRoot(sourceFile));
  }

  /** Whether bgtask's runtime is in the file's package, so that `addTask` is advice it can follow. */
  hasRuntime(sourceFile: SourceFile): boolean {
    this.runtimePackages ??= new Set(this.lintableFiles().filter(isRuntimeFile).map((file) => this.packageRoot(file)));
    return this.runtimePackages.has(this.packageRoot(sourceFile));
  }

  /**
   * The major version of Express the file's package uses: its nearest `package.json` (dependencies),
   * else the installed `node_modules/express/package.json`. Undefined when unknown. `express-async-errors`
   * makes Express 4 forward rejections as 5 does, so it counts as 5.
   */
  expressMajor(sourceFile: SourceFile): number | undefined {
    const found = this.manifestFor(dirname(sourceFile.getFilePath()));
    if (found === undefined) return undefined;
    if (!this.expressMajors.has(found.directory)) {
      this.expressMajors.set(found.directory, expressMajorOf(found.manifest, this.readJson(join(found.directory, 'node_modules', 'express', 'package.json'))));
    }
    return this.expressMajors.get(found.directory);
  }

  private readJson(path: string): Record<string, unknown> | undefined {
    const text = this.environment.readFile(path);
    if (text === undefined) return undefined;
    try {
      const value: unknown = JSON.parse(text);
      return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Handlers whose body is in this file, wherever they are registered. */
  handlersIn(sourceFile: SourceFile): Handler[] {
    if (this.handlersByFile === undefined) {
      const byFile = new Map<SourceFile, Handler[]>();
      const seen = new Map<FunctionLike, Handler>();
      for (const file of this.project.getSourceFiles()) {
        if (file.isDeclarationFile() || file.isInNodeModules()) continue;
        for (const handler of findHandlers(file)) {
          const known = seen.get(handler.fn);
          if (known !== undefined) {
            // A controller method typed in its own file and registered in a router file: the router knows its route.
            known.route ??= handler.route;
            if (handler.wrapped === true) known.wrapped = true;
            continue;
          }
          seen.set(handler.fn, handler);
          const home = handler.fn.getSourceFile();
          byFile.set(home, [...(byFile.get(home) ?? []), handler]);
        }
      }
      this.handlersByFile = byFile;
    }
    return this.handlersByFile.get(sourceFile) ?? [];
  }

  /** Functions handed to the runtime as tasks, anywhere in the project. */
  taskFunctions(): TaskFunction[] {
    if (this.tasks === undefined) {
      const tasks: TaskFunction[] = [];
      const seen = new Set<FunctionLike>();
      // A task class, or a class extending it from another file, is named somewhere in the project's text.
      const mayConstructTasks = this.mentions(TASK_CLASS);
      for (const file of this.project.getSourceFiles()) {
        if (file.isDeclarationFile() || file.isInNodeModules()) continue;
        const mayAddTasks = file.getFullText().includes('addTask');
        if (!mayAddTasks && !mayConstructTasks) continue;
        const wanted = (node: ts.Node): boolean => (mayAddTasks && ts.isCallExpression(node)) || (mayConstructTasks && ts.isNewExpression(node));
        forEachDescendantWhere(file, wanted, (node) => {
          let registration: Node | undefined;
          let fnArgument: Node | undefined;
          if (Node.isCallExpression(node) && isAddTaskCall(node)) {
            registration = node;
            fnArgument = node.getArguments()[0];
          } else if (isNewOf(node, TASK_CLASS)) {
            registration = node;
            fnArgument = node.getArguments()[0];
          }
          if (registration === undefined) return;
          const fn = resolveFunction(fnArgument);
          if (fn !== undefined && !seen.has(fn)) {
            seen.add(fn);
            tasks.push({ fn, registration });
          }
        });
      }
      this.tasks = tasks;
    }
    return this.tasks;
  }

  /**
   * Calls in `root` (nested functions included) that add a task to a collection the code did not
   * create itself: the request's collection, or one passed in.
   */
  addTaskSitesIn(root: Node): AddTaskSite[] {
    const sites: AddTaskSite[] = [];
    for (const call of callsIn(root, { enterNestedFunctions: true })) {
      if (isAddTaskCall(call)) {
        if (isCollectionAddTask(call)) sites.push({ call, via: [] });
        continue;
      }
      const callee = resolveCallee(call);
      if (callee === undefined || isInside(callee, root)) continue;
      const path = this.addTaskPath(callee, 0);
      if (path !== null) sites.push({ call, via: path });
    }
    return sites;
  }

  /** Function names from `fn` to an `addTask` it reaches, or null when it reaches none. */
  addTaskPath(fn: FunctionLike, depth: number): string[] | null {
    const cached = this.addTaskPaths.get(fn);
    if (cached !== undefined) return cached;
    if (depth > MAX_CALL_DEPTH) return null;
    // Mark as in progress so that recursion terminates.
    this.addTaskPaths.set(fn, null);
    let result: string[] | null = null;
    const body = fn.getBody();
    if (body !== undefined) {
      for (const call of callsIn(body, { enterNestedFunctions: true })) {
        if (isAddTaskCall(call)) {
          if (isCollectionAddTask(call)) {
            result = [functionName(fn)];
            break;
          }
          continue;
        }
        const callee = resolveCallee(call);
        if (callee === undefined || callee === fn) continue;
        const inner = this.addTaskPath(callee, depth + 1);
        if (inner !== null) {
          result = [functionName(fn), ...inner];
          break;
        }
      }
    }
    this.addTaskPaths.set(fn, result);
    return result;
  }
}


function registersUnhandledRejectionHandler(file: SourceFile): boolean {
  if (!file.getFullText().includes('unhandledRejection')) return false;
  return callsIn(file, { enterNestedFunctions: true }).some((call) => {
    const callee = unwrapExpression(call.getExpression());
    const [event] = call.getArguments();
    return (
      Node.isPropertyAccessExpression(callee) &&
      ['on', 'once', 'addListener', 'prependListener'].includes(callee.getName()) &&
      callee.getExpression().getText() === 'process' &&
      event !== undefined &&
      Node.isStringLiteral(event) &&
      event.getLiteralValue() === 'unhandledRejection'
    );
  });
}
