import { Node } from 'ts-morph';
import type { CallExpression, Statement } from 'ts-morph';
import { callsIn, chainRoot, enclosingFunction, functionReturning, isFunctionLike, unwrapExpression, type FunctionLike } from './functions.js';
import { RESPONSE_ENDING_METHODS, type Handler } from './handlers.js';

/** A call made when the response may already have been sent, with the call that sent it. */
export interface CallAfterResponse {
  call: CallExpression;
  response: CallExpression;
}

interface FlowState {
  reachable: boolean;
  /** The first response-ending call on some path to here, if any. */
  responded?: CallExpression;
}

const UNREACHABLE: FlowState = { reachable: false };

function join(a: FlowState, b: FlowState): FlowState {
  if (!a.reachable) return b;
  if (!b.reachable) return a;
  return { reachable: true, responded: a.responded ?? b.responded };
}

export const CONTINUATION_METHODS = new Set(['then', 'catch', 'finally']);

/** `p.then(…)`, `p.catch(…)`, `p.finally(…)`. */
export function isContinuationCall(call: CallExpression): boolean {
  const callee = unwrapExpression(call.getExpression());
  return Node.isPropertyAccessExpression(callee) && CONTINUATION_METHODS.has(callee.getName());
}

/**
 * Whether the handler's response object is the one a call ends: `res.json()`, `res.status(201).send()`,
 * `reply.raw.end()`. Compared by symbol, so a nested `(res) => res.json()` over a fetch result is not it.
 */
export function responseEndingMatcher(handler: Handler): (call: CallExpression) => boolean {
  const responseName = handler.responseName;
  if (responseName === undefined) return () => false;
  const parameter = handler.fn.getParameters().find((param) => param.getName() === responseName);
  const parameterSymbol = parameter?.getNameNode().getSymbol();
  return (call) => {
    const callee = unwrapExpression(call.getExpression());
    if (!Node.isPropertyAccessExpression(callee) || !RESPONSE_ENDING_METHODS.has(callee.getName())) return false;
    const root = chainRoot(callee.getExpression());
    if (!Node.isIdentifier(root) || root.getText() !== responseName) return false;
    const symbol = root.getSymbol();
    return parameterSymbol === undefined || symbol === undefined || symbol === parameterSymbol;
  };
}

/** The first response-ending call made directly in a function's body (not in functions nested in it). */
export function directResponse(fn: FunctionLike, isResponseEnding: (call: CallExpression) => boolean): CallExpression | undefined {
  const body = fn.getBody();
  return body === undefined ? undefined : callsIn(body, { enterNestedFunctions: false }).find(isResponseEnding);
}

function isReferenceAwaitedOrReturned(declarationName: Node, owner: FunctionLike | undefined): boolean {
  if (!Node.isIdentifier(declarationName)) return false;
  const symbol = declarationName.getSymbol();
  const scope = owner ?? enclosingFunction(declarationName);
  if (symbol === undefined || scope === undefined) return false;
  return scope.getDescendants().some(
    (node) => node !== declarationName && Node.isIdentifier(node) && node.getSymbol() === symbol && isAwaitedOrReturned(node, owner),
  );
}

/**
 * Whether the value of a promise expression is awaited or returned by `owner` (or, without an
 * owner, by whatever function it is in), so that its continuations run before `owner` finishes.
 * Follows the value through `Promise.all([...])`, `items.map((x) => p)`, `const p = …; await p`.
 */
export function isAwaitedOrReturned(expression: Node, owner?: FunctionLike): boolean {
  let current: Node = expression;
  for (;;) {
    const parent = current.getParent();
    if (parent === undefined) return false;
    if (Node.isAwaitExpression(parent)) return true;
    const returnedFrom = functionReturning(current);
    if (returnedFrom !== undefined) {
      // Returned from a callback: follow the callback's own result (`items.map(cb)`, `p.then(cb)`).
      if (owner === undefined || returnedFrom === owner || Node.isFunctionDeclaration(returnedFrom) || Node.isMethodDeclaration(returnedFrom)) {
        return true;
      }
      current = returnedFrom;
      continue;
    }
    if (Node.isReturnStatement(parent)) return true;
    if (Node.isVariableDeclaration(parent) && parent.getInitializer() === current) {
      return isReferenceAwaitedOrReturned(parent.getNameNode(), owner);
    }
    if (
      Node.isParenthesizedExpression(parent) ||
      Node.isAsExpression(parent) ||
      Node.isNonNullExpression(parent) ||
      Node.isSatisfiesExpression(parent) ||
      Node.isArrayLiteralExpression(parent) ||
      Node.isSpreadElement(parent) ||
      (Node.isConditionalExpression(parent) && parent.getCondition() !== current) ||
      (Node.isBinaryExpression(parent) && ['||', '&&', '??'].includes(parent.getOperatorToken().getText())) ||
      // The receiver of `.then(…)`, or an argument of `Promise.all(…)`: awaited if the outer call is.
      (Node.isPropertyAccessExpression(parent) && parent.getExpression() === current) ||
      Node.isCallExpression(parent)
    ) {
      current = parent;
      continue;
    }
    return false;
  }
}

/**
 * Walks a function's body path by path and returns every call, matched by `isInteresting`, that
 * runs after a response-ending call on at least one path. A branch that responds and returns
 * does not reach the code after it. Nested functions are not entered (when they run is the
 * caller's question), except the callbacks of an awaited `.then/.catch/.finally`, whose response
 * counts from that call on.
 */
export function callsAfterResponseIn(
  fn: FunctionLike,
  isResponseEnding: (call: CallExpression) => boolean,
  isInteresting: (call: CallExpression) => boolean,
): CallAfterResponse[] {
  const body = fn.getBody();
  if (body === undefined) return [];
  const found = new Map<CallExpression, CallAfterResponse>();
  /** break/continue states, collected by the innermost loop or switch. */
  const jumpFrames: FlowState[][] = [];
  /** Per enclosing try block: the response made before a point that may throw into its catch. */
  const tryFrames: (CallExpression | undefined)[] = [];
  /** Per enclosing try with a finally: the states of returns that pass through that finally. */
  const finallyFrames: FlowState[][] = [];

  const mayThrowAfter = (responded: CallExpression | undefined): void => {
    if (responded !== undefined && tryFrames.length > 0 && tryFrames[tryFrames.length - 1] === undefined) {
      tryFrames[tryFrames.length - 1] = responded;
    }
  };

  const respondsInAwaitedContinuation = (call: CallExpression): CallExpression | undefined => {
    if (!isContinuationCall(call) || !isAwaitedOrReturned(call, fn)) return undefined;
    for (const arg of call.getArguments()) {
      const callback = unwrapExpression(arg);
      if (isFunctionLike(callback)) {
        const response = directResponse(callback, isResponseEnding);
        if (response !== undefined) return response;
      }
    }
    return undefined;
  };

  const scan = (node: Node | undefined, state: FlowState): FlowState => {
    if (node === undefined || !state.reachable) return state;
    let responded = state.responded;
    // Calls sorted by where they end approximate evaluation order: arguments before the call.
    const calls = callsIn(node, { enterNestedFunctions: false }).sort((a, b) => a.getEnd() - b.getEnd());
    for (const call of calls) {
      if (responded !== undefined && !found.has(call) && isInteresting(call)) found.set(call, { call, response: responded });
      // Any call after the response may throw into an enclosing catch; the response call itself throws before sending.
      mayThrowAfter(responded);
      if (responded === undefined && isResponseEnding(call)) responded = call;
      if (responded === undefined) responded = respondsInAwaitedContinuation(call);
    }
    return { reachable: true, responded };
  };

  const walkLoopBody = (run: (entry: FlowState) => FlowState, entry: FlowState): FlowState => {
    jumpFrames.push([]);
    const first = run(entry);
    // A second pass lets a response in one iteration reach the calls of the next.
    const second = run(join(entry, first));
    const jumps = jumpFrames.pop() ?? [];
    return jumps.reduce(join, join(entry, second));
  };

  const walk = (statement: Statement | Node | undefined, state: FlowState): FlowState => {
    if (statement === undefined || !state.reachable) return state;
    if (Node.isBlock(statement)) {
      let current = state;
      for (const inner of statement.getStatements()) current = walk(inner, current);
      return current;
    }
    if (Node.isReturnStatement(statement)) {
      const afterValue = scan(statement.getExpression(), state);
      for (const frame of finallyFrames) frame.push(afterValue);
      return UNREACHABLE;
    }
    if (Node.isThrowStatement(statement)) {
      const afterValue = scan(statement.getExpression(), state);
      mayThrowAfter(afterValue.responded);
      return UNREACHABLE;
    }
    if (Node.isBreakStatement(statement) || Node.isContinueStatement(statement)) {
      jumpFrames.at(-1)?.push(state);
      return UNREACHABLE;
    }
    if (Node.isIfStatement(statement)) {
      const afterCondition = scan(statement.getExpression(), state);
      const thenState = walk(statement.getThenStatement(), afterCondition);
      const elseStatement = statement.getElseStatement();
      const elseState = elseStatement === undefined ? afterCondition : walk(elseStatement, afterCondition);
      return join(thenState, elseState);
    }
    if (Node.isForStatement(statement)) {
      const afterInit = scan(statement.getInitializer(), state);
      return walkLoopBody((entry) => {
        const afterCondition = scan(statement.getCondition(), entry);
        const afterBody = walk(statement.getStatement(), afterCondition);
        return scan(statement.getIncrementor(), afterBody);
      }, afterInit);
    }
    if (Node.isForOfStatement(statement) || Node.isForInStatement(statement)) {
      const afterIterable = scan(statement.getExpression(), state);
      return walkLoopBody((entry) => walk(statement.getStatement(), entry), afterIterable);
    }
    if (Node.isWhileStatement(statement)) {
      return walkLoopBody((entry) => walk(statement.getStatement(), scan(statement.getExpression(), entry)), state);
    }
    if (Node.isDoStatement(statement)) {
      return walkLoopBody((entry) => scan(statement.getExpression(), walk(statement.getStatement(), entry)), state);
    }
    if (Node.isSwitchStatement(statement)) {
      const afterDiscriminant = scan(statement.getExpression(), state);
      jumpFrames.push([]);
      let fallthrough: FlowState = UNREACHABLE;
      let hasDefault = false;
      for (const clause of statement.getClauses()) {
        if (Node.isDefaultClause(clause)) hasDefault = true;
        let current = join(afterDiscriminant, fallthrough);
        if (Node.isCaseClause(clause)) current = scan(clause.getExpression(), current);
        for (const inner of clause.getStatements()) current = walk(inner, current);
        fallthrough = current;
      }
      const jumps = jumpFrames.pop() ?? [];
      const exits = jumps.reduce(join, fallthrough);
      return hasDefault ? exits : join(exits, afterDiscriminant);
    }
    if (Node.isTryStatement(statement)) {
      const catchClause = statement.getCatchClause();
      const finallyBlock = statement.getFinallyBlock();
      const returns: FlowState[] = [];
      if (finallyBlock !== undefined) finallyFrames.push(returns);
      tryFrames.push(undefined);
      const afterTry = walk(statement.getTryBlock(), state);
      const respondedBeforeThrow = tryFrames.pop();
      // Without a catch, whatever throws in the try goes on to the enclosing try.
      if (catchClause === undefined) mayThrowAfter(respondedBeforeThrow);
      // The catch starts where something throws: after a response only if a call after it can throw.
      const throwState: FlowState = { reachable: true, responded: state.responded ?? respondedBeforeThrow };
      const afterCatch = catchClause === undefined ? UNREACHABLE : walk(catchClause.getBlock(), throwState);
      const afterTryCatch = join(afterTry, afterCatch);
      if (finallyBlock === undefined) return afterTryCatch;
      finallyFrames.pop();
      // `try { return res.json(x) } finally { … }`: the finally runs after the response.
      const afterFinally = walk(finallyBlock, returns.reduce(join, join(afterTryCatch, throwState)));
      return afterTryCatch.reachable ? afterFinally : UNREACHABLE;
    }
    if (Node.isLabeledStatement(statement)) return walk(statement.getStatement(), state);
    if (Node.isFunctionDeclaration(statement) || Node.isClassDeclaration(statement)) return state;
    return scan(statement, state);
  };

  if (Node.isBlock(body)) {
    walk(body, { reachable: true });
  } else {
    scan(body, { reachable: true });
  }
  return [...found.values()];
}

/** {@link callsAfterResponseIn} for a handler's own body and its response object. */
export function callsAfterResponse(handler: Handler, isInteresting: (call: CallExpression) => boolean): CallAfterResponse[] {
  if (handler.responseName === undefined) return [];
  return callsAfterResponseIn(handler.fn, responseEndingMatcher(handler), isInteresting);
}
