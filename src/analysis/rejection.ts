import { Node } from 'ts-morph';
import type { CallExpression, CatchClause } from 'ts-morph';
import { isFunctionLike, isProjectCode, resolveCallee, resolveFunction, unwrapExpression, type FunctionLike } from './functions.js';
import { isPromiseValued, typeIsThenable } from './promises.js';

/**
 * Whether a promise can reject, decided from the code behind it: a floating promise that cannot reject
 * is not a bug, and half of a naive rule's findings on real backends are such calls (logging helpers
 * whose whole body is a try/catch, async functions that only push to an array).
 *
 * Project functions are read (calls followed to a fixed depth); library functions can reject unless
 * the promise is handled. Synchronous throws from calls are not tracked: they would make every
 * function that logs or parses a possible rejection.
 */

/** How deep to follow calls into project functions before assuming the worst. */
const MAX_DEPTH = 12;

function anyCatch(): boolean {
  return true;
}

const verdicts = new WeakMap<FunctionLike, Node | null>();
const inProgress = new WeakSet<FunctionLike>();

/**
 * Whether an awaited value may be a promise: thenable by its type, or of unknown type (dependencies
 * not installed), where the `await` itself says the code expects one.
 */
function mayBeAwaitedPromise(expression: Node): boolean {
  const node = unwrapExpression(expression);
  const type = node.getType();
  if (typeIsThenable(type)) return true;
  if (!type.isAny() && !type.isUnknown() && !type.isTypeParameter()) return false;
  if (!Node.isCallExpression(node)) return Node.isIdentifier(node) || Node.isPropertyAccessExpression(node) || Node.isNewExpression(node);
  const callee = resolveCallee(node);
  if (callee === undefined || !isProjectCode(callee)) return true;
  return callee.isAsync() || rejectionPoint(callee) !== undefined;
}

/** Whether a promise-valued expression can reject. */
export function canReject(expression: Node, depth = 0): boolean {
  const node = unwrapExpression(expression);
  if (Node.isAwaitExpression(node)) return canReject(node.getExpression(), depth);
  if (Node.isVoidExpression(node) || Node.isLiteralExpression(node) || Node.isNullLiteral(node) || Node.isObjectLiteralExpression(node)) return false;
  if (Node.isConditionalExpression(node)) return canReject(node.getWhenTrue(), depth) || canReject(node.getWhenFalse(), depth);
  if (Node.isIdentifier(node)) return identifierCanReject(node, depth);
  if (Node.isCallExpression(node)) return callCanReject(node, depth);
  // `new Promise((resolve) => setTimeout(resolve, ms))`: an executor that takes no `reject` only throws synchronously.
  if (Node.isNewExpression(node) && node.getExpression().getText() === 'Promise') {
    const executor = resolveFunction(node.getArguments()[0]);
    return executor === undefined || executor.getParameters().length >= 2;
  }
  return true;
}

/** Calls that release a resource: awaited in a `finally`, their failure is not the work's (`await queryRunner.release()`). */
const CLEANUP_METHODS = new Set(['release', 'close', 'quit', 'disconnect', 'end', 'destroy', 'unlock', 'releaseLock']);

function isCleanupInFinally(awaited: Node): boolean {
  const operand = Node.isAwaitExpression(awaited) ? unwrapExpression(awaited.getExpression()) : awaited;
  if (!Node.isCallExpression(operand)) return false;
  const callee = unwrapExpression(operand.getExpression());
  if (!Node.isPropertyAccessExpression(callee) || !CLEANUP_METHODS.has(callee.getName())) return false;
  const tryStatement = awaited.getFirstAncestor((ancestor) => Node.isTryStatement(ancestor) || isFunctionLike(ancestor));
  const finallyBlock = tryStatement !== undefined && Node.isTryStatement(tryStatement) ? tryStatement.getFinallyBlock() : undefined;
  return finallyBlock !== undefined && awaited.getPos() >= finallyBlock.getPos() && awaited.getEnd() <= finallyBlock.getEnd();
}

/** `const p = save(); … p` is `save()`; anything else named (a parameter, a field) may hold any promise. */
function identifierCanReject(node: Node, depth: number): boolean {
  if (node.getText() === 'undefined') return false;
  const declaration = node.getSymbol()?.getDeclarations()[0];
  if (declaration === undefined || !Node.isVariableDeclaration(declaration)) return true;
  const statement = declaration.getVariableStatement();
  const initializer = declaration.getInitializer();
  if (statement === undefined || statement.getDeclarationKind() !== 'const' || initializer === undefined) return true;
  return canReject(initializer, depth);
}

/** A function value's own rejection when called: `.catch(async (e) => report(e))` rejects if `report` can. */
function callbackCanReject(argument: Node | undefined, depth: number): boolean {
  const fn = resolveFunction(argument);
  if (fn === undefined) return false;
  return isProjectCode(fn) ? functionCanReject(fn, depth + 1) : fn.isAsync();
}

function callCanReject(call: CallExpression, depth: number): boolean {
  const callee = unwrapExpression(call.getExpression());
  const args = call.getArguments();
  if (Node.isPropertyAccessExpression(callee)) {
    const method = callee.getName();
    const base = callee.getExpression();
    const receiver = unwrapExpression(base);
    if (Node.isIdentifier(receiver) && receiver.getText() === 'Promise') {
      if (method === 'resolve') return args[0] !== undefined && isPromiseValued(args[0]) && canReject(args[0], depth);
      if (method === 'allSettled') return false;
      if (['all', 'race', 'any'].includes(method)) return promiseListCanReject(args[0], depth);
      return true;
    }
    // A rejection handler replaces the rejection with its own result; the rest pass it on.
    if (method === 'catch') return args[0] === undefined ? canReject(base, depth) : callbackCanReject(args[0], depth);
    if (method === 'then') {
      const [onFulfilled, onRejected] = args;
      const passesRejection = onRejected === undefined || isUndefinedValue(onRejected) ? canReject(base, depth) : callbackCanReject(onRejected, depth);
      return passesRejection || callbackCanReject(onFulfilled, depth);
    }
    if (method === 'finally') return canReject(base, depth) || callbackCanReject(args[0], depth);
  }
  const fn = resolveCallee(call);
  if (fn !== undefined && isProjectCode(fn)) return functionCanReject(fn, depth + 1);
  return true;
}

function isUndefinedValue(node: Node): boolean {
  const value = unwrapExpression(node);
  return Node.isNullLiteral(value) || (Node.isIdentifier(value) && value.getText() === 'undefined');
}

/** `Promise.all([a(), b()])` or `Promise.all(items.map(async (item) => …))`. */
function promiseListCanReject(list: Node | undefined, depth: number): boolean {
  if (list === undefined) return false;
  const node = unwrapExpression(list);
  if (Node.isArrayLiteralExpression(node)) return node.getElements().some((element) => mayBeAwaitedPromise(element) && canReject(element, depth));
  if (Node.isCallExpression(node)) {
    const callee = unwrapExpression(node.getExpression());
    if (Node.isPropertyAccessExpression(callee) && callee.getName() === 'map') return callbackCanReject(node.getArguments()[0], depth);
  }
  return true;
}

/** Whether calling a project function gives a promise that can reject. */
export function functionCanReject(fn: FunctionLike, depth = 0): boolean {
  return rejectionPoint(fn, depth) !== undefined;
}

/**
 * The first place through which a function's promise can reject: an `await` or `for await` outside a
 * try/catch, a `throw` outside one (a rethrow from a catch included), an await inside a catch block
 * (error reporting that fails in turn), a returned promise that can reject. Undefined when it cannot.
 */
export function rejectionPoint(fn: FunctionLike, depth = 0, catchHandles: (clause: CatchClause) => boolean = anyCatch): Node | undefined {
  // Only the plain question is memoised; the Express 4 check asks with its own idea of a handling catch.
  const memoised = catchHandles === anyCatch;
  if (memoised && verdicts.has(fn)) return verdicts.get(fn) ?? undefined;
  // A recursive call: the function's other paths decide.
  if (inProgress.has(fn)) return undefined;
  const body = fn.getBody();
  if (body === undefined || !isProjectCode(fn)) return fn.isAsync() ? fn : undefined;
  if (depth > MAX_DEPTH) return fn;
  inProgress.add(fn);
  let point: Node | undefined;
  try {
    point = Node.isBlock(body) ? blockRejectionPoint(fn, body, depth, catchHandles) : expressionBodyRejection(fn, body, depth);
  } finally {
    inProgress.delete(fn);
  }
  if (memoised) verdicts.set(fn, point ?? null);
  return point;
}

function expressionBodyRejection(fn: FunctionLike, body: Node, depth: number): Node | undefined {
  const value = unwrapExpression(body);
  if (Node.isAwaitExpression(value)) return fn.isAsync() && canReject(value.getExpression(), depth) ? value : undefined;
  // A returned value of unknown type is not taken for a promise: `return res.json(…)` without Express's types.
  return isPromiseValued(value) && canReject(value, depth) ? value : undefined;
}

function blockRejectionPoint(fn: FunctionLike, body: Node, depth: number, catchHandles: (clause: CatchClause) => boolean): Node | undefined {
  const isAsync = fn.isAsync();
  let point: Node | undefined;
  const visit = (node: Node): void => {
    if (point !== undefined || isFunctionLike(node)) return;
    if (Node.isReturnStatement(node)) {
      // `return p` hands p's rejection to the caller even inside try; only `return await p` is caught.
      const value = node.getExpression();
      if (value !== undefined && !Node.isAwaitExpression(unwrapExpression(value)) && isPromiseValued(value) && canReject(value, depth)) point = node;
    } else if (isAsync && Node.isAwaitExpression(node)) {
      const operand = node.getExpression();
      if (!isCaught(node, body, catchHandles) && !isCleanupInFinally(node) && mayBeAwaitedPromise(operand) && canReject(operand, depth)) point = node;
    } else if (isAsync && Node.isForOfStatement(node) && node.isAwaited()) {
      if (!isCaught(node, body, catchHandles)) point = node;
    } else if (isAsync && Node.isThrowStatement(node)) {
      if (!isCaught(node, body, catchHandles)) point = node;
    }
    if (point === undefined) node.forEachChild(visit);
  };
  body.forEachChild(visit);
  return point;
}

/** Whether `node` sits in the `try` block of a try/catch inside `body` whose catch handles what it catches. */
function isCaught(node: Node, body: Node, catchHandles: (clause: CatchClause) => boolean): boolean {
  let child: Node = node;
  for (let parent = node.getParent(); parent !== undefined && child !== body; child = parent, parent = parent.getParent()) {
    if (!Node.isTryStatement(parent) || child !== parent.getTryBlock()) continue;
    const clause = parent.getCatchClause();
    if (clause !== undefined && catchHandles(clause)) return true;
  }
  return false;
}
