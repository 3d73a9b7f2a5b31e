import { Node } from 'ts-morph';
import type { CallExpression, Type } from 'ts-morph';
import { isFunctionLike, resolveCallee, resolveFunction, unwrapExpression } from './functions.js';
import { isKnownAsyncLibraryCall } from './libraries.js';

/**
 * Thenables that are not work in flight: Fastify's reply (`then` waits for the response to be
 * sent) and Fastify's `SafePromiseLike` (branded for linters: `register`, `after`, `ready`).
 */
function isKnownSafeThenable(type: Type): boolean {
  const name = type.getSymbol()?.getName() ?? type.getAliasSymbol()?.getName();
  if (name === 'FastifyReply' || name === 'SafePromiseLike') return true;
  return type.getProperty('__linterBrands') !== undefined;
}

export function typeIsThenable(type: Type): boolean {
  if (type.isAny() || type.isUnknown()) return false;
  if (type.isUnion()) return type.getUnionTypes().some(typeIsThenable);
  if (type.isIntersection() && type.getIntersectionTypes().some(isKnownSafeThenable)) return false;
  if (isKnownSafeThenable(type)) return false;
  return type.getProperty('then') !== undefined;
}

/**
 * Whether an expression evaluates to a promise: by its type where the checker knows it, else by
 * the `async` keyword on the function it calls or a library API known to return one (types are
 * missing when dependencies are not installed).
 */
export function isPromiseValued(expression: Node): boolean {
  const node = unwrapExpression(expression);
  const type = node.getType();
  if (typeIsThenable(type)) return true;
  if (!type.isAny() && !type.isUnknown() && !type.isTypeParameter()) return false;
  if (Node.isCallExpression(node)) {
    if (isKnownAsyncLibraryCall(node)) return true;
    const callee = resolveCallee(node);
    return callee !== undefined && callee.isAsync();
  }
  return false;
}

/** Whether an expression evaluates to an array of promises, as `items.map(async (item) => …)` does. */
export function isPromiseArrayValued(expression: Node): boolean {
  const type = unwrapExpression(expression).getType();
  const element = type.getArrayElementType();
  if (element !== undefined) return typeIsThenable(element);
  return type.isTuple() && type.getTupleElements().some(typeIsThenable);
}

/** Whether a block holds nothing but, possibly, comments: `{ /* ignore *\/ }` says the swallowing is deliberate. */
export function isCommentedBlock(block: Node): boolean {
  const text = block.getText();
  return /\/\/|\/\*/.test(text.slice(1, -1));
}

/**
 * A rejection handler that observes nothing: `() => {}`, `() => undefined`, `() => null`,
 * `function () {}`, `noop`. A body holding only a comment counts as deliberate, as in ESLint's `no-empty`.
 */
export function isSwallowingHandler(handler: Node | undefined): boolean {
  if (handler === undefined) return false;
  const node = unwrapExpression(handler);
  if (Node.isIdentifier(node) && /^(noop|ignore|ignoreErrors?|swallow)$/i.test(node.getText())) return true;
  const fn = isFunctionLike(node) ? node : resolveFunction(node);
  if (fn === undefined) return false;
  const body = fn.getBody();
  if (body === undefined) return false;
  if (Node.isBlock(body)) return body.getStatements().length === 0 && !isCommentedBlock(body);
  const value = unwrapExpression(body);
  return Node.isNullLiteral(value) || (Node.isIdentifier(value) && value.getText() === 'undefined') || Node.isVoidExpression(value);
}

export type PromiseChainVerdict =
  /** Rejections reach a real handler. */
  | { kind: 'handled' }
  /** Rejections reach a handler that discards them. */
  | { kind: 'swallowed'; handler: Node }
  /** Nobody observes a rejection. */
  | { kind: 'unhandled'; reason: 'plain' | 'thenWithoutRejectionHandler' | 'finallyOnly' };

/**
 * What happens to a rejection of a promise expression that nobody awaits: walks the chain
 * `p.then(a).catch(b).finally(c)` from the outside in.
 */
export function judgePromiseChain(expression: Node): PromiseChainVerdict {
  const node = unwrapExpression(expression);
  if (Node.isCallExpression(node)) {
    const callee = unwrapExpression(node.getExpression());
    if (Node.isPropertyAccessExpression(callee)) {
      const method = callee.getName();
      const args = node.getArguments();
      if (method === 'catch') {
        const [handler] = args;
        if (handler === undefined) return { kind: 'unhandled', reason: 'plain' };
        return isSwallowingHandler(handler) ? { kind: 'swallowed', handler } : { kind: 'handled' };
      }
      if (method === 'then') {
        const onRejected = args[1];
        if (onRejected !== undefined && !isUndefinedLiteral(onRejected)) {
          return isSwallowingHandler(onRejected) ? { kind: 'swallowed', handler: onRejected } : { kind: 'handled' };
        }
        return { kind: 'unhandled', reason: 'thenWithoutRejectionHandler' };
      }
      if (method === 'finally') {
        const inner = judgePromiseChain(callee.getExpression());
        return inner.kind === 'unhandled' ? { kind: 'unhandled', reason: 'finallyOnly' } : inner;
      }
      if (method === 'allSettled' && callee.getExpression().getText() === 'Promise') return { kind: 'handled' };
    }
  }
  return { kind: 'unhandled', reason: 'plain' };
}

function isUndefinedLiteral(node: Node): boolean {
  const value = unwrapExpression(node);
  return Node.isNullLiteral(value) || (Node.isIdentifier(value) && value.getText() === 'undefined');
}

/** The promise a `.then/.catch/.finally` chain starts from: `p` in `p.then(a).catch(b)`. */
export function promiseChainBase(expression: Node): Node {
  let node = unwrapExpression(expression);
  for (;;) {
    if (!Node.isCallExpression(node)) return node;
    const callee = unwrapExpression(node.getExpression());
    if (!Node.isPropertyAccessExpression(callee) || !['then', 'catch', 'finally'].includes(callee.getName())) return node;
    node = unwrapExpression(callee.getExpression());
  }
}

/** `setTimeout(cb)`, `setImmediate(cb)`, `setInterval(cb)`, `queueMicrotask(cb)`, `process.nextTick(cb)`. */
export const TIMER_FUNCTIONS = new Set(['setTimeout', 'setImmediate', 'setInterval', 'queueMicrotask', 'nextTick']);

export function timerCallback(call: CallExpression): Node | undefined {
  const callee = unwrapExpression(call.getExpression());
  let name: string | undefined;
  if (Node.isIdentifier(callee)) name = callee.getText();
  else if (Node.isPropertyAccessExpression(callee)) {
    const owner = callee.getExpression().getText();
    // `window.setTimeout` is browser code, not server background work.
    if (owner === 'process' || owner === 'globalThis' || owner === 'global') name = callee.getName();
  }
  if (name === undefined || !TIMER_FUNCTIONS.has(name)) return undefined;
  return call.getArguments()[0];
}
