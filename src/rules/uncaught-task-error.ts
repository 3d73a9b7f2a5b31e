import { dirname, join } from 'node:path';
import { Node, SyntaxKind, ts } from 'ts-morph';
import type { CatchClause, NewExpression, SourceFile, Symbol as TsMorphSymbol } from 'ts-morph';
import { forEachDescendantWhere, isFunctionLikeKind } from '../analysis/walk.js';
import { projectWorks, type Work } from '../analysis/background-work.js';
import { calleeName, chainRoot, expressionLabel, functionName, isFunctionLike, LISTENER_METHODS, outermostWrapper, resolveFunction, unwrapExpression, type FunctionLike } from '../analysis/functions.js';
import { BULLMQ, isNewOfExport } from '../analysis/libraries.js';
import { isTestFile, type ProjectIndex } from '../analysis/project-index.js';
import { isCommentedBlock, isPromiseArrayValued, isPromiseValued, isSwallowingHandler, judgePromiseChain, promiseChainBase } from '../analysis/promises.js';
import { canReject, functionCanReject, rejectionPoint } from '../analysis/rejection.js';
import { isNewOf, isRequestCollectionAccess, isRuntimeFile, TASK_CLASS, TASKS_CLASS } from '../analysis/runtime.js';
import { capitalised, defineRule, formatMessage, MAX_MESSAGE_LENGTH, type Problem, type ProblemLocation } from './rule.js';

type MessageId =
  | 'floatingPromise'
  | 'thenWithoutCatch'
  | 'voidPromise'
  | 'unguardedAsyncCallback'
  | 'emptyCatch'
  | 'swallowedRejection'
  | 'unhandledExpress4Handler'
  | 'workerWithoutErrorListener';

const MESSAGES: Record<MessageId, string> = {
  floatingPromise: '`{{call}}` is not awaited or caught in {{place}}: a rejection {{consequence}}; {{advice}}.',
  thenWithoutCatch: '`{{call}}` has `.then()` but no rejection handler in {{place}}: a rejection {{consequence}}; add a `.catch` that reports.',
  voidPromise: '`void` drops `{{call}}` in {{place}}: a rejection {{consequence}}; {{advice}}.',
  unguardedAsyncCallback: '{{callback}} can reject and nothing catches it: a rejection {{consequence}}{{also}}; {{advice}}.',
  emptyCatch: 'This empty `catch` in {{place}} hides the failure, so nobody learns the work did not happen; report or rethrow the error.',
  swallowedRejection: '`{{handler}}` drops the rejection in {{place}}, so nobody learns the work did not happen; report the error instead.',
  workerWithoutErrorListener:
    'This BullMQ `Worker` has no `error` listener: connection and lock errors are only logged and it may stop taking jobs; add `worker.on(\'error\', …)`.',
  unhandledExpress4Handler: 'Express 4 ignores what {{place}} returns: a rejection here {{consequence}} and hangs the request; catch it and call `next(err)`.',
};

/** Related locations and path steps shown per finding; GitHub shows no more. */
const MAX_LOCATIONS = 10;

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

/** What an unhandled rejection does where this work runs. */
function consequence(work: Work, fn: FunctionLike, index: ProjectIndex): string {
  if (work.host === 'next') return 'is logged by Next.js, then lost';
  if (index.hasUnhandledRejectionHandler(fn.getSourceFile())) return 'reaches only the unhandledRejection handler';
  return 'crashes the process';
}

/** What to do with a promise left floating, in terms the project can follow. */
function floatingAdvice(work: Work, fn: FunctionLike, index: ProjectIndex): string {
  if (work.role === 'background') return 'await it or add a reporting `.catch`';
  if (work.host === 'next') return 'use `after()` or a reporting `.catch`';
  if (index.hasRuntime(fn.getSourceFile()) && work.handler !== undefined && work.handler.framework !== 'next') return 'use `addTask` or a reporting `.catch`';
  return 'await it or add a reporting `.catch`';
}

function callbackAdvice(work: Work): string {
  if (work.label === 'a croner job') return 'add a `catch` option or a try/catch';
  return 'guard its body with try/catch';
}


/**
 * For a finding in a helper: the calls from where the work starts down to the helper, and the other
 * places that call it. One root cause, one finding: the helper's problem is reported once, in the helper.
 */
function helperLocations(fn: FunctionLike, work: Work, works: ReadonlyMap<FunctionLike, Work>): Pick<Problem, 'path' | 'related'> {
  if (work.role !== 'helper') return {};
  const path: ProblemLocation[] = [];
  let current: Work | undefined = work;
  let currentFn: FunctionLike = fn;
  while (current?.caller !== undefined && path.length < MAX_LOCATIONS) {
    path.unshift({ node: current.caller.call, message: `calls \`${functionName(currentFn)}()\`` });
    currentFn = current.caller.fn;
    current = works.get(currentFn);
  }
  if (current !== undefined) path.unshift({ node: currentFn, message: `${capitalised(current.label)} starts here.` });
  const related = work.calls.slice(1, MAX_LOCATIONS + 1).map((call) => ({ node: call, message: `\`${functionName(fn)}()\` is also called here.` }));
  return related.length > 0 ? { path, related } : { path };
}

interface Judged {
  fn: FunctionLike;
  work: Work;
  index: ProjectIndex;
  locations: Pick<Problem, 'path' | 'related'>;
}

function swallowed(handler: Node, { work, locations }: Judged): Problem<MessageId> {
  return { node: handler, messageId: 'swallowedRejection', data: { handler: expressionLabel(handler), place: work.label }, ...locations };
}

/** Problems with a value computed and dropped: a statement, or a callback's expression body whose value nobody uses. */
function droppedValueProblems(expression: Node, judged: Judged): Problem<MessageId>[] {
  const { fn, work, index, locations } = judged;
  const problems: Problem<MessageId>[] = [];
  const problem = (node: Node, messageId: MessageId, quoted: Node): Problem<MessageId> => {
    const data = { call: expressionLabel(quoted), place: work.label, consequence: consequence(work, fn, index), advice: floatingAdvice(work, fn, index) };
    // Rather than cut the quoted call short, leave out where a helper is called from: the path shows it.
    if (work.role === 'helper' && formatMessage(MESSAGES[messageId], data).length > MAX_MESSAGE_LENGTH) data.place = `\`${functionName(fn)}()\``;
    return { node, messageId, data, ...locations };
  };
  for (const node of effectExpressions(expression)) {
    if (Node.isVoidExpression(node)) {
      const inner = unwrapExpression(node.getExpression());
      if (!isPromiseValued(inner) || isRuntimeRunChain(inner)) continue;
      const verdict = judgePromiseChain(inner);
      if (verdict.kind === 'swallowed' && work.role !== 'background' && canReject(promiseChainBase(inner))) problems.push(swallowed(verdict.handler, judged));
      else if (verdict.kind === 'unhandled' && canReject(inner)) problems.push(problem(node, 'voidPromise', inner));
      continue;
    }
    if (!Node.isCallExpression(node) || isRuntimeRunChain(node)) continue;
    if (isPromiseValued(node)) {
      const verdict = judgePromiseChain(node);
      if (verdict.kind === 'swallowed' && work.role !== 'background' && canReject(promiseChainBase(node))) problems.push(swallowed(verdict.handler, judged));
      if (verdict.kind !== 'unhandled' || !canReject(node)) continue;
      const messageId = verdict.reason === 'thenWithoutRejectionHandler' ? 'thenWithoutCatch' : 'floatingPromise';
      problems.push(problem(node, messageId, node));
    } else if (isPromiseArrayValued(node)) {
      const callback = calleeName(node) === 'map' ? resolveFunction(node.getArguments()[0]) : undefined;
      if (callback === undefined || functionCanReject(callback)) problems.push(problem(node, 'floatingPromise', node));
    } else if (calleeName(node) === 'forEach') {
      const callback = resolveFunction(node.getArguments()[0]);
      if (callback !== undefined && callback.isAsync() && functionCanReject(callback)) problems.push(problem(node, 'floatingPromise', node));
    }
  }
  return problems;
}

/** Floating promises, empty catches and swallowing handlers in the body of one piece of work. */
function bodyProblems(fn: FunctionLike, judged: Judged, works: ReadonlyMap<FunctionLike, Work>): Problem<MessageId>[] {
  const { work, locations } = judged;
  const body = fn.getBody();
  if (body === undefined) return [];
  if (!Node.isBlock(body)) {
    // `setTimeout(() => send())` drops the promise; `new Cron(p, () => void send())` drops it whatever croner does.
    const dropped = (work.returned === 'ignored' && !fn.isAsync()) || Node.isVoidExpression(unwrapExpression(body));
    return dropped ? droppedValueProblems(body, judged) : [];
  }
  const problems: Problem<MessageId>[] = [];
  const wanted = (node: ts.Node): boolean =>
    isFunctionLikeKind(node.kind) || ts.isExpressionStatement(node) || (work.role === 'background' && (ts.isCatchClause(node) || ts.isCallExpression(node)));
  forEachDescendantWhere(body, wanted, (node) => {
    // Nested work (an inline task in a handler) is checked on its own, with its own label.
    if (isFunctionLike(node)) return works.has(node) ? 'skip' : undefined;
    if (Node.isExpressionStatement(node)) {
      problems.push(...droppedValueProblems(node.getExpression(), judged));
    } else if (work.role === 'background' && Node.isCatchClause(node)) {
      const block = node.getBlock();
      if (block.getStatements().length === 0 && !isCommentedBlock(block)) problems.push({ node, messageId: 'emptyCatch', data: { place: work.label }, ...locations });
    } else if (work.role === 'background' && Node.isCallExpression(node)) {
      const callee = unwrapExpression(node.getExpression());
      if (Node.isPropertyAccessExpression(callee) && !isRuntimeRunChain(node)) {
        const method = callee.getName();
        const handler = method === 'catch' ? node.getArguments()[0] : method === 'then' ? node.getArguments()[1] : undefined;
        // `.catch(() => {})` on a promise that cannot reject drops nothing.
        if (handler !== undefined && isSwallowingHandler(handler) && canReject(callee.getExpression())) problems.push(swallowed(handler, judged));
      }
    }
    return undefined;
  });
  return problems;
}

/**
 * A background callback whose own rejection nobody handles: timers ignore the promise, croner without
 * `catch` and `cron` without `errorHandler` leave it unhandled. Reported once, where it is first
 * scheduled; the other places that schedule the same function are named.
 */
function callbackProblems(fn: FunctionLike, { work, index }: Judged): Problem<MessageId>[] {
  const [site, ...others] = work.sites;
  if (site === undefined || work.role !== 'background') return [];
  if (work.errorOption !== undefined) {
    const option = work.errorOption;
    if (option.getText() !== 'true' && !isSwallowingHandler(option)) return [];
    // `catch: true`: croner's documented way to ignore errors silently.
    const parent = option.getParent();
    const property = parent !== undefined && Node.isPropertyAssignment(parent) ? parent : option;
    return [{ node: property, messageId: 'swallowedRejection', data: { handler: expressionLabel(property), place: work.label } }];
  }
  if (work.returned === 'handled') return [];
  // A non-async expression body's promise is reported where it is dropped.
  if (work.returned === 'ignored' && !fn.isAsync() && !Node.isBlock(fn.getBody())) return [];
  if (!functionCanReject(fn)) return [];
  const also = others.length === 0 ? '' : others.length === 1 ? ` (also at ${index.location(others[0] as Node)})` : ` (also in ${others.length} other places)`;
  const related = others.slice(0, MAX_LOCATIONS).map((node) => ({ node, message: 'The same function is also scheduled here.' }));
  return [
    {
      node: site,
      messageId: 'unguardedAsyncCallback',
      data: { callback: capitalised(work.label), consequence: consequence(work, fn, index), also, advice: callbackAdvice(work) },
      ...(related.length > 0 ? { related } : {}),
    },
  ];
}

/**
 * Express 4 does not look at the promise an async handler returns: a rejection is unhandled and the
 * request hangs. Handlers registered through a wrapper (`asyncHandler(fn)`) are the wrapper's to catch.
 */
function express4Problems(fn: FunctionLike, { work, index }: Judged): Problem<MessageId>[] {
  const handler = work.handler;
  if (work.role !== 'handler' || handler === undefined || handler.framework !== 'express' || handler.wrapped === true || !fn.isAsync()) return [];
  if (index.expressMajor(fn.getSourceFile()) !== 4) return [];
  const names = fn.getParameters().map((param) => param.getName());
  const nextName = names.length === 4 ? names[3] : names[2];
  const responseName = handler.responseName;
  // A catch that calls `next(err)` or responds ends the request; one that only logs leaves it hanging but nothing crashes.
  const catchHandles = (clause: CatchClause): boolean =>
    clause.getBlock().getDescendants().some((node) => {
      if (!Node.isCallExpression(node)) return false;
      const callee = unwrapExpression(node.getExpression());
      if (Node.isIdentifier(callee) && callee.getText() === nextName) return true;
      const root = chainRoot(callee);
      return Node.isIdentifier(root) && root.getText() === responseName;
    });
  const point = rejectionPoint(fn, 0, catchHandles);
  if (point === undefined) return [];
  // Reported where the rejection comes from (a rollback awaited in the catch is the classic one), with the handler as the path's start.
  return [
    {
      node: point,
      messageId: 'unhandledExpress4Handler',
      data: { place: work.label, consequence: consequence(work, fn, index) },
      path: [{ node: fn, message: `${capitalised(work.label)}: Express 4 does not look at the promise it returns.` }],
    },
  ];
}


/** `x.on('error', …)`: `node` is the `x`. */
function isErrorListenerReceiver(node: Node): boolean {
  const access = outermostWrapper(node).getParent();
  if (access === undefined || !Node.isPropertyAccessExpression(access) || !LISTENER_METHODS.has(access.getName())) return false;
  const call = access.getParent();
  const [event] = call !== undefined && Node.isCallExpression(call) ? call.getArguments() : [];
  return event !== undefined && (Node.isStringLiteral(event) || Node.isNoSubstitutionTemplateLiteral(event)) && event.getLiteralValue() === 'error';
}

/** `worker.close()`, `worker.on('failed', …)`, `await worker.run()`: uses that keep the worker where the rule can see it. */
function isMemberUse(node: Node): boolean {
  const parent = outermostWrapper(node).getParent();
  return parent !== undefined && Node.isPropertyAccessExpression(parent) && parent.getExpression() === outermostWrapper(node);
}

/**
 * Whether the worker a `new Worker(…)` makes gets an `error` listener: chained on it, or on the
 * variable or field that holds it, in any file of the project. `unknown` when the worker goes where
 * the rule cannot follow (returned, passed to a function, put in a collection): no finding then.
 */
/**
 * Follows `x.on('failed', f).on('error', g)` up from `x` (each `.on()` returns the emitter): whether
 * an `error` listener is in the chain, and the chain's outermost expression.
 */
function listenerChain(node: Node): { hasErrorListener: boolean; end: Node } {
  let value: Node = outermostWrapper(node);
  for (;;) {
    if (isErrorListenerReceiver(value)) return { hasErrorListener: true, end: value };
    const access = value.getParent();
    const call = access?.getParent();
    if (access === undefined || !Node.isPropertyAccessExpression(access) || !LISTENER_METHODS.has(access.getName()) || call === undefined || !Node.isCallExpression(call)) {
      return { hasErrorListener: false, end: value };
    }
    value = outermostWrapper(call);
  }
}

function errorListenerState(construction: NewExpression, index: ProjectIndex): 'attached' | 'missing' | 'unknown' {
  const { hasErrorListener, end: value } = listenerChain(construction);
  if (hasErrorListener) return 'attached';
  const holder = value.getParent();
  if (holder !== undefined && Node.isExpressionStatement(holder)) return 'missing';
  let nameNode: Node | undefined;
  if (holder !== undefined && (Node.isVariableDeclaration(holder) || Node.isPropertyDeclaration(holder)) && holder.getInitializer() === value) nameNode = holder.getNameNode();
  else if (holder !== undefined && Node.isBinaryExpression(holder) && holder.getOperatorToken().getText() === '=' && holder.getRight() === value) {
    const target = unwrapExpression(holder.getLeft());
    nameNode = Node.isPropertyAccessExpression(target) ? target.getNameNode() : target;
  }
  const symbol = nameNode !== undefined && Node.isIdentifier(nameNode) ? nameNode.getSymbol() : undefined;
  if (symbol === undefined || nameNode === undefined) return 'unknown';
  const name = nameNode.getText();
  let state: 'attached' | 'missing' | 'unknown' = 'missing';
  for (const file of index.lintableFiles()) {
    if (!file.getFullText().includes(name)) continue;
    forEachDescendantWhere(file, (node) => ts.isIdentifier(node) && node.text === name, (node) => {
      if (state !== 'missing') return 'stop';
      if (!Node.isIdentifier(node) || node === nameNode || node.getText() !== name) return undefined;
      const parent = node.getParent();
      // Bindings, not uses: declarations (`private worker: Worker;`, `let late`), and imports, whose file's own uses are checked as they come.
      if (Node.isImportSpecifier(parent) || Node.isExportSpecifier(parent) || Node.isImportClause(parent)) return undefined;
      if ((Node.isVariableDeclaration(parent) || Node.isPropertyDeclaration(parent)) && parent.getNameNode() === node) return undefined;
      const own = node.getSymbol();
      if (own !== symbol && own?.getAliasedSymbol() !== symbol && importedBinding(own, index) !== symbol) return undefined;
      // `this.worker`: the property access is the use.
      const use = Node.isPropertyAccessExpression(parent) && parent.getNameNode() === node ? parent : node;
      if (listenerChain(use).hasErrorListener) state = 'attached';
      else if (!isMemberUse(use) && !isAssignmentTarget(use)) state = 'unknown';
      return undefined;
    });
    if (state !== 'missing') break;
  }
  return state;
}

/**
 * The export a destructured dynamic import or require binds: `const { worker } = await import('./workers')`,
 * as Next.js's `instrumentation.ts` starts workers.
 */
function importedBinding(local: TsMorphSymbol | undefined, index: ProjectIndex): TsMorphSymbol | undefined {
  const element = local?.getDeclarations()[0];
  if (element === undefined || !Node.isBindingElement(element)) return undefined;
  const declaration = element.getFirstAncestor(Node.isVariableDeclaration);
  const initializer = declaration?.getInitializer();
  let source = initializer === undefined ? undefined : unwrapExpression(initializer);
  if (source !== undefined && Node.isAwaitExpression(source)) source = unwrapExpression(source.getExpression());
  if (source === undefined || !Node.isCallExpression(source)) return undefined;
  const [specifier] = source.getArguments();
  const isLoader = source.getExpression().getKind() === SyntaxKind.ImportKeyword || source.getExpression().getText() === 'require';
  if (!isLoader || specifier === undefined || !Node.isStringLiteral(specifier) || !specifier.getLiteralValue().startsWith('.')) return undefined;
  const file = index.sourceFileNear(join(dirname(element.getSourceFile().getFilePath()), specifier.getLiteralValue()));
  const name = element.getPropertyNameNode()?.getText() ?? element.getName();
  const exported = file?.getExportSymbols().find((candidate) => candidate.getName() === name);
  return exported?.getAliasedSymbol() ?? exported;
}

function isAssignmentTarget(node: Node): boolean {
  const parent = outermostWrapper(node).getParent();
  return parent !== undefined && Node.isBinaryExpression(parent) && parent.getLeft() === outermostWrapper(node) && parent.getOperatorToken().getText() === '=';
}

/** BullMQ workers in a file that no `error` listener is ever attached to. */
function workerProblems(sourceFile: SourceFile, index: ProjectIndex): Problem<MessageId>[] {
  if (!sourceFile.getFullText().includes('Worker') || isTestFile(sourceFile)) return [];
  const problems: Problem<MessageId>[] = [];
  forEachDescendantWhere(sourceFile, ts.isNewExpression, (node) => {
    if (isNewOfExport(node, BULLMQ, 'Worker') && errorListenerState(node, index) === 'missing') {
      problems.push({ node, messageId: 'workerWithoutErrorListener', data: {} });
    }
  });
  return problems;
}

const groupsByIndex = new WeakMap<ProjectIndex, { bodies: Map<SourceFile, [FunctionLike, Work][]>; sites: Map<SourceFile, [FunctionLike, Work][]> }>();

/** Works by the file of their body, and by the file of their first scheduling site (where a callback's own finding goes). */
function worksByFile(index: ProjectIndex, works: ReadonlyMap<FunctionLike, Work>) {
  let groups = groupsByIndex.get(index);
  if (groups === undefined) {
    groups = { bodies: new Map(), sites: new Map() };
    const add = (map: Map<SourceFile, [FunctionLike, Work][]>, file: SourceFile | undefined, entry: [FunctionLike, Work]) => {
      if (file !== undefined) map.set(file, [...(map.get(file) ?? []), entry]);
    };
    for (const entry of works) {
      add(groups.bodies, entry[0].getSourceFile(), entry);
      add(groups.sites, entry[1].sites[0]?.getSourceFile(), entry);
    }
    groupsByIndex.set(index, groups);
  }
  return groups;
}

export default defineRule({
  id: 'uncaught-task-error',
  description:
    'Require every error of background work to reach someone: no floating promises that can reject in handlers and tasks, no unguarded timer, cron or queue-event callbacks, no BullMQ worker without an error listener, no swallowing catches in background work.',
  defaultSeverity: 'error',
  messages: MESSAGES,
  *check({ sourceFile, index }) {
    if (isRuntimeFile(sourceFile) || index.isClientFile(sourceFile)) return;
    const works = projectWorks(index);
    const groups = worksByFile(index, works);
    for (const [fn, work] of groups.bodies.get(sourceFile) ?? []) {
      const judged: Judged = { fn, work, index, locations: helperLocations(fn, work, works) };
      yield* bodyProblems(fn, judged, works);
      yield* express4Problems(fn, judged);
    }
    for (const [fn, work] of groups.sites.get(sourceFile) ?? []) {
      yield* callbackProblems(fn, { fn, work, index, locations: {} });
    }
    yield* workerProblems(sourceFile, index);
  },
});
