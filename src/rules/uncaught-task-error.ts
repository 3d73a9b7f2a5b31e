import { Node } from 'ts-morph';
import type { CallExpression, SourceFile } from 'ts-morph';
import { calleeName, expressionLabel, functionName, isFunctionLike, isInside, resolveCallee, resolveFunction, unwrapExpression, type FunctionLike } from '../analysis/functions.js';
import { fastifyHooks } from '../analysis/handlers.js';
import type { ProjectIndex } from '../analysis/project-index.js';
import {
  isCommentedBlock,
  isPromiseArrayValued,
  isPromiseValued,
  isSwallowingHandler,
  judgePromiseChain,
  promiseChainBase,
  timerCallback,
} from '../analysis/promises.js';
import { isNewOf, isRequestCollectionAccess, isRuntimeFile, referencedClassName, TASK_CLASS, TASKS_CLASS } from '../analysis/runtime.js';
import type { Problem } from './rule.js';
import { defineRule } from './rule.js';

/**
 * How a function's errors can go unobserved:
 * - `background`: tasks, queue processors, cron jobs, timer and `after()` callbacks: their failures
 *   reach no client, so floating promises, empty catches and `.catch(() => {})` all lose them;
 * - `handler`: request handlers, whose own errors the framework sees; only the work they start and
 *   leave behind (floating promises, and a swallowing `.catch` on one) is background work;
 * - `helper`: project functions that handlers or background work call, judged like handlers.
 */
type Role = 'background' | 'handler' | 'helper';

interface Work {
  role: Role;
  /** Where the work runs, for messages: `a request handler`, `the task \`sendEmail\``. */
  label: string;
  /** Timers ignore what their callback returns, so an expression body's promise floats. */
  returnIgnored?: boolean;
}

/** Constructors whose callback is background work: BullMQ workers, croner and `cron` jobs. */
const BACKGROUND_CONSTRUCTORS = new Map([
  ['Worker', 'a queue processor'],
  ['Cron', 'a scheduled job'],
  ['CronJob', 'a scheduled job'],
]);

/** How deep to follow calls from handlers and tasks into project helpers. */
const MAX_HELPER_DEPTH = 8;

function isProjectFunction(fn: FunctionLike): boolean {
  const file = fn.getSourceFile();
  return !file.isDeclarationFile() && !file.isInNodeModules() && !isRuntimeFile(file) && fn.getBody() !== undefined;
}

/** `after(fn)` with `after` imported from `next/server`. */
function isNextAfter(call: CallExpression): boolean {
  const callee = unwrapExpression(call.getExpression());
  if (!Node.isIdentifier(callee) || callee.getText() !== 'after') return false;
  const declaration = callee.getSymbol()?.getDeclarations()[0];
  return declaration !== undefined && Node.isImportSpecifier(declaration) && declaration.getImportDeclaration().getModuleSpecifierValue() === 'next/server';
}

/** Background callbacks registered in a file: queue processors, cron jobs, timers, `after()`. */
function backgroundCallbacks(sourceFile: SourceFile): { fn: FunctionLike; work: Work }[] {
  const found: { fn: FunctionLike; work: Work }[] = [];
  sourceFile.forEachDescendant((node) => {
    if (Node.isNewExpression(node)) {
      const name = referencedClassName(node.getExpression());
      const label = name === undefined ? undefined : BACKGROUND_CONSTRUCTORS.get(name);
      if (label === undefined) return;
      for (const arg of node.getArguments()) {
        const fn = resolveFunction(arg);
        if (fn !== undefined) found.push({ fn, work: { role: 'background', label } });
      }
    } else if (Node.isCallExpression(node)) {
      const timer = timerCallback(node);
      const timerFn = timer === undefined ? undefined : resolveFunction(timer);
      if (timerFn !== undefined) {
        const label = `a \`${expressionLabel(node.getExpression())}()\` callback`;
        found.push({ fn: timerFn, work: { role: 'background', label, returnIgnored: true } });
        return;
      }
      const isSchedule = calleeName(node) === 'schedule' && node.getArguments().length >= 2;
      if (!isSchedule && !isNextAfter(node)) return;
      const label = isSchedule ? 'a scheduled job' : 'an `after()` callback';
      for (const arg of node.getArguments()) {
        const fn = resolveFunction(arg);
        if (fn !== undefined) found.push({ fn, work: { role: 'background', label } });
      }
    }
  });
  return found;
}

/** Fastify hooks: request lifecycle code, judged like a handler. */
function fastifyHookWorks(sourceFile: SourceFile): { fn: FunctionLike; work: Work }[] {
  return fastifyHooks(sourceFile).flatMap(({ event, hook }) => {
    const fn = resolveFunction(hook);
    return fn === undefined ? [] : [{ fn, work: { role: 'handler' as const, label: `a Fastify \`${event}\` hook` } }];
  });
}

/** Calls a function makes itself, including in nested callbacks that are not work of their own. */
function ownCalls(fn: FunctionLike, works: ReadonlyMap<FunctionLike, Work>): CallExpression[] {
  const body = fn.getBody();
  const calls: CallExpression[] = [];
  const visit = (node: Node): void => {
    if (isFunctionLike(node) && works.has(node)) return;
    if (Node.isCallExpression(node)) calls.push(node);
    node.forEachChild(visit);
  };
  body?.forEachChild(visit);
  return calls;
}

const worksByIndex = new WeakMap<ProjectIndex, Map<FunctionLike, Work>>();

/**
 * Every function in the project whose errors this rule follows: handlers, tasks and background
 * callbacks, then the project functions they call (B1.2's `add()` wrapper that drops `queue.add`).
 */
function projectWorks(index: ProjectIndex): Map<FunctionLike, Work> {
  const cached = worksByIndex.get(index);
  if (cached !== undefined) return cached;
  const works = new Map<FunctionLike, Work>();
  const files = index.project.getSourceFiles().filter((file) => !file.isDeclarationFile() && !file.isInNodeModules() && !isRuntimeFile(file));
  for (const file of files) {
    for (const { fn, work } of backgroundCallbacks(file)) if (!works.has(fn) && isProjectFunction(fn)) works.set(fn, work);
  }
  for (const task of index.taskFunctions()) {
    if (works.has(task.fn) || !isProjectFunction(task.fn)) continue;
    const name = functionName(task.fn);
    works.set(task.fn, { role: 'background', label: name === 'anonymous function' ? 'a task' : `the task \`${name}\`` });
  }
  for (const file of files) {
    for (const handler of index.handlersIn(file)) if (!works.has(handler.fn)) works.set(handler.fn, { role: 'handler', label: 'a request handler' });
    for (const hook of fastifyHookWorks(file)) if (!works.has(hook.fn) && isProjectFunction(hook.fn)) works.set(hook.fn, hook.work);
  }
  const queue: { fn: FunctionLike; origin: string; depth: number }[] = [...works].map(([fn, work]) => ({ fn, origin: work.label, depth: 0 }));
  for (let next = 0; next < queue.length; next += 1) {
    const item = queue[next] as (typeof queue)[number];
    if (item.depth >= MAX_HELPER_DEPTH) continue;
    for (const call of ownCalls(item.fn, works)) {
      const callee = resolveCallee(call);
      if (callee === undefined || works.has(callee) || isInside(callee, item.fn) || !isProjectFunction(callee)) continue;
      const helper: Work = { role: 'helper', label: `\`${functionName(callee)}\` (called from ${item.origin})` };
      works.set(callee, helper);
      queue.push({ fn: callee, origin: item.origin, depth: item.depth + 1 });
    }
  }
  worksByIndex.set(index, works);
  return works;
}

/** `task.run()`, `tasks.run()`, `req.backgroundTasks.run()`: `singular-background-task` owns these. */
function isRuntimeObject(expression: Node): boolean {
  const node = unwrapExpression(expression);
  const typeName = node.getType().getSymbol()?.getName();
  if (typeName === TASK_CLASS || typeName === TASKS_CLASS) return true;
  if (isNewOf(node, TASK_CLASS) || isNewOf(node, TASKS_CLASS) || isRequestCollectionAccess(node)) return true;
  if (!Node.isIdentifier(node)) return false;
  const declaration = node.getSymbol()?.getDeclarations()[0];
  if (declaration === undefined || !Node.isVariableDeclaration(declaration)) return false;
  const initializer = declaration.getInitializer();
  return initializer !== undefined && (isNewOf(unwrapExpression(initializer), TASK_CLASS) || isNewOf(unwrapExpression(initializer), TASKS_CLASS));
}

function isRuntimeRunChain(expression: Node): boolean {
  const base = promiseChainBase(expression);
  if (!Node.isCallExpression(base)) return false;
  const callee = unwrapExpression(base.getExpression());
  return Node.isPropertyAccessExpression(callee) && callee.getName() === 'run' && isRuntimeObject(callee.getExpression());
}

/** Whether a promise expression may reject with no handler (real or swallowing) on its chain. */
function rejectsUnobserved(expression: Node): boolean {
  return isPromiseValued(expression) && judgePromiseChain(expression).kind === 'unhandled';
}

/** Whether `node` sits in the `try` block of a try/catch (or, for awaits, in the catch that reports) inside `body`. */
function isProtected(node: Node, body: Node, allowInCatch: boolean): boolean {
  let child: Node = node;
  for (let parent = node.getParent(); parent !== undefined && child !== body; child = parent, parent = parent.getParent()) {
    if (Node.isTryStatement(parent) && parent.getCatchClause() !== undefined && child === parent.getTryBlock()) return true;
    if (allowInCatch && Node.isCatchClause(parent)) return true;
  }
  return false;
}

/**
 * Whether an async callback cannot reject: every `await`, `for await` and `throw` sits in a
 * try/catch, and it returns no promise that may reject. Synchronous throws from calls are not
 * tracked: they would make every callback that logs unguarded.
 */
function isGuarded(fn: FunctionLike): boolean {
  const body = fn.getBody();
  if (body === undefined) return true;
  if (!Node.isBlock(body)) {
    const value = unwrapExpression(body);
    return Node.isAwaitExpression(value) ? !rejectsUnobserved(value.getExpression()) : !rejectsUnobserved(value);
  }
  let guarded = true;
  const visit = (node: Node): void => {
    if (!guarded || isFunctionLike(node)) return;
    if (Node.isAwaitExpression(node)) {
      if (judgePromiseChain(node.getExpression()).kind === 'unhandled' && !isProtected(node, body, true)) guarded = false;
    } else if (Node.isForOfStatement(node) && node.isAwaited()) {
      if (!isProtected(node, body, true)) guarded = false;
    } else if (Node.isThrowStatement(node)) {
      if (!isProtected(node, body, false)) guarded = false;
    } else if (Node.isReturnStatement(node)) {
      // `return p` inside try does not catch p's rejection; only `return await p` does.
      const value = node.getExpression();
      if (value !== undefined && !Node.isAwaitExpression(unwrapExpression(value)) && rejectsUnobserved(value)) guarded = false;
    }
    node.forEachChild(visit);
  };
  body.forEachChild(visit);
  return guarded;
}

/** The expressions a statement evaluates for their effect: both arms of `a ? b() : c()`, the right of `ok && f()`. */
function effectExpressions(expression: Node): Node[] {
  const node = unwrapExpression(expression);
  if (Node.isConditionalExpression(node)) return [...effectExpressions(node.getWhenTrue()), ...effectExpressions(node.getWhenFalse())];
  if (Node.isBinaryExpression(node)) {
    const operator = node.getOperatorToken().getText();
    if (operator === '&&' || operator === '||' || operator === '??') return effectExpressions(node.getRight());
    if (operator === ',') return [...effectExpressions(node.getLeft()), ...effectExpressions(node.getRight())];
  }
  return [node];
}

type MessageId = 'floatingPromise' | 'thenWithoutCatch' | 'voidPromise' | 'unguardedAsyncCallback' | 'emptyCatch' | 'swallowedRejection';

function swallowed(handler: Node, work: Work): Problem<MessageId> {
  return { node: handler, messageId: 'swallowedRejection', data: { handler: expressionLabel(handler), context: work.label } };
}

/** Problems with a value computed and dropped: a statement, or a timer callback's expression body. */
function droppedValueProblems(expression: Node, work: Work): Problem<MessageId>[] {
  const problems: Problem<MessageId>[] = [];
  for (const node of effectExpressions(expression)) {
    if (Node.isVoidExpression(node)) {
      const inner = unwrapExpression(node.getExpression());
      if (!isPromiseValued(inner) || isRuntimeRunChain(inner)) continue;
      const verdict = judgePromiseChain(inner);
      if (verdict.kind === 'unhandled') problems.push({ node, messageId: 'voidPromise', data: { call: expressionLabel(inner) } });
      else if (verdict.kind === 'swallowed' && work.role !== 'background') problems.push(swallowed(verdict.handler, work));
      continue;
    }
    if (!Node.isCallExpression(node) || isRuntimeRunChain(node)) continue;
    const data = { call: expressionLabel(node), context: work.label };
    if (isPromiseValued(node)) {
      const verdict = judgePromiseChain(node);
      if (verdict.kind === 'unhandled') {
        problems.push({ node, messageId: verdict.reason === 'thenWithoutRejectionHandler' ? 'thenWithoutCatch' : 'floatingPromise', data });
      } else if (verdict.kind === 'swallowed' && work.role !== 'background') {
        problems.push(swallowed(verdict.handler, work));
      }
    } else if (isPromiseArrayValued(node)) {
      problems.push({ node, messageId: 'floatingPromise', data });
    } else if (calleeName(node) === 'forEach') {
      const callback = resolveFunction(node.getArguments()[0]);
      if (callback !== undefined && callback.isAsync() && !isGuarded(callback)) problems.push({ node, messageId: 'floatingPromise', data });
    }
  }
  return problems;
}

function workProblems(fn: FunctionLike, work: Work, works: ReadonlyMap<FunctionLike, Work>): Problem<MessageId>[] {
  const body = fn.getBody();
  if (body === undefined) return [];
  const problems: Problem<MessageId>[] = [];
  if (!Node.isBlock(body) && work.returnIgnored === true && !fn.isAsync()) problems.push(...droppedValueProblems(body, work));
  const visit = (node: Node): void => {
    // Nested work (an inline task in a handler) is checked on its own, with its own label.
    if (isFunctionLike(node) && works.has(node)) return;
    if (Node.isExpressionStatement(node)) {
      problems.push(...droppedValueProblems(node.getExpression(), work));
    } else if (work.role === 'background' && Node.isCatchClause(node)) {
      const block = node.getBlock();
      if (block.getStatements().length === 0 && !isCommentedBlock(block)) problems.push({ node, messageId: 'emptyCatch', data: { context: work.label } });
    } else if (work.role === 'background' && Node.isCallExpression(node)) {
      const callee = unwrapExpression(node.getExpression());
      if (Node.isPropertyAccessExpression(callee) && !isRuntimeRunChain(node)) {
        const method = callee.getName();
        const handler = method === 'catch' ? node.getArguments()[0] : method === 'then' ? node.getArguments()[1] : undefined;
        if (handler !== undefined && isSwallowingHandler(handler)) problems.push(swallowed(handler, work));
      }
    }
    node.forEachChild(visit);
  };
  if (Node.isBlock(body)) body.forEachChild(visit);
  else visit(body);
  return problems;
}

/** croner: `new Cron(pattern, options?, fn)`; without `catch`, a rejection of `fn` is unhandled; `catch: true` drops it. */
function cronerProblems(sourceFile: SourceFile): Problem<MessageId>[] {
  const problems: Problem<MessageId>[] = [];
  for (const node of sourceFile.getDescendants()) {
    if (!Node.isNewExpression(node) || referencedClassName(node.getExpression()) !== 'Cron') continue;
    const args = node.getArguments();
    const options = args.find((arg) => Node.isObjectLiteralExpression(arg));
    const catchOption = options !== undefined && Node.isObjectLiteralExpression(options) ? options.getProperty('catch') : undefined;
    if (catchOption !== undefined) {
      const value = Node.isPropertyAssignment(catchOption) ? catchOption.getInitializer() : undefined;
      if (value !== undefined && (value.getText() === 'true' || isSwallowingHandler(value))) {
        problems.push(swallowed(catchOption, { role: 'background', label: 'a scheduled job' }));
      }
      continue;
    }
    const callback = args.slice(1).find((arg) => resolveFunction(arg) !== undefined);
    const fn = resolveFunction(callback);
    if (callback !== undefined && fn !== undefined && fn.isAsync() && !isGuarded(fn)) {
      problems.push({ node: callback, messageId: 'unguardedAsyncCallback', data: { timer: 'new Cron()' } });
    }
  }
  return problems;
}

export default defineRule({
  id: 'uncaught-task-error',
  description:
    'Require every error of background work to reach someone: no floating promises in handlers and tasks, no unguarded async timer or croner callbacks, no swallowing catches in background work.',
  defaultSeverity: 'error',
  messages: {
    floatingPromise:
      "`{{call}}` starts a promise in {{context}} that nobody awaits or catches; if it rejects, Node's default unhandled-rejection mode crashes the server (with a global handler, the failure vanishes). Await it, hand it to `addTask`, or add `.catch()` with a handler that reports the error.",
    thenWithoutCatch:
      "`{{call}}` has `.then()` without a rejection handler in {{context}}; a rejection is unhandled and crashes the server under Node's default mode. Add `.catch()` with a handler that reports the error, or pass one as `.then()`'s second argument.",
    voidPromise:
      "`void` hides `{{call}}` from the type checker, not from Node: if it rejects, the unhandled rejection crashes the server under Node's default mode. Await it, hand it to `addTask`, or add `.catch()` with a handler that reports the error.",
    unguardedAsyncCallback:
      "The async callback passed to `{{timer}}` is not guarded by try/catch; if it rejects, nothing catches the rejection and it crashes the server under Node's default mode. Wrap its body in a try/catch that reports the error.",
    emptyCatch:
      'This empty `catch` in {{context}} swallows the error: the failure vanishes and nobody learns the work did not happen. Log or report the error, or rethrow it (a comment in the block marks a deliberate swallow).',
    swallowedRejection:
      '`{{handler}}` discards the rejection in {{context}}: the failure vanishes and nobody learns the work did not happen. Log or report the error instead.',
  },
  *check({ sourceFile, index }) {
    if (isRuntimeFile(sourceFile)) return;
    const works = projectWorks(index);
    for (const [fn, work] of works) {
      if (fn.getSourceFile() === sourceFile) yield* workProblems(fn, work, works);
    }
    // Timer callbacks crash the process wherever they are, not only in handlers.
    for (const call of sourceFile.getDescendants().filter((node) => Node.isCallExpression(node))) {
      const callback = timerCallback(call);
      const fn = callback === undefined ? undefined : resolveFunction(callback);
      if (callback === undefined || fn === undefined || !fn.isAsync() || isGuarded(fn)) continue;
      yield { node: callback, messageId: 'unguardedAsyncCallback', data: { timer: `${expressionLabel(call.getExpression())}()` } };
    }
    yield* cronerProblems(sourceFile);
  },
});
