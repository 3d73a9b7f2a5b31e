import { Node } from 'ts-morph';
import type { CallExpression, Project, SourceFile, Type } from 'ts-morph';
import { callsIn, functionName, isInside, resolveCallee, resolveFunction, type FunctionLike } from './functions.js';
import { findHandlers, type Handler } from './handlers.js';
import { addTaskReceiver, collectionOrigin, isAddTaskCall, isNewOf, TASK_CLASS, TASKS_CLASS } from './runtime.js';

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

/**
 * Facts about the whole project that rules share: handlers, task functions and which functions
 * end up adding tasks. Computed lazily, once per lint run.
 */
export class ProjectIndex {
  private handlersByFile: Map<SourceFile, Handler[]> | undefined;
  private tasks: TaskFunction[] | undefined;
  private readonly addTaskPaths = new Map<FunctionLike, string[] | null>();

  constructor(readonly project: Project) {}

  /** Handlers whose body is in this file, wherever they are registered. */
  handlersIn(sourceFile: SourceFile): Handler[] {
    if (this.handlersByFile === undefined) {
      const byFile = new Map<SourceFile, Handler[]>();
      const seen = new Set<FunctionLike>();
      for (const file of this.project.getSourceFiles()) {
        if (file.isDeclarationFile() || file.isInNodeModules()) continue;
        for (const handler of findHandlers(file)) {
          if (seen.has(handler.fn)) continue;
          seen.add(handler.fn);
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
      for (const file of this.project.getSourceFiles()) {
        if (file.isDeclarationFile() || file.isInNodeModules()) continue;
        file.forEachDescendant((node) => {
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

