import { Node, SyntaxKind, ts, VariableDeclarationKind } from 'ts-morph';
import type { CallExpression, NewExpression, SourceFile, Statement, VariableStatement } from 'ts-morph';
import { descendantsOfKinds } from '../analysis/walk.js';
import { moduleSpecifier } from '../analysis/libraries.js';
import {
  calledMethodName,
  calleeName,
  callReceivingFunction,
  callsIn,
  enclosingFunction,
  expressionLabel,
  type FunctionLike,
  functionReturning,
  isFunctionLike,
  isImmediatelyInvoked,
  isInside,
  LISTENER_METHODS,
  outermostWrapper,
  referencesInFile,
  resolveCallee,
  unwrapExpression,
} from '../analysis/functions.js';
import type { Handler } from '../analysis/handlers.js';
import { isTestFile, type ProjectIndex } from '../analysis/project-index.js';
import { judgePromiseChain, TIMER_FUNCTIONS } from '../analysis/promises.js';
import { responseEndingMatcher } from '../analysis/response-flow.js';
import { collectionInstallation, COLLECTION_PROPERTY, collectionOrigin, isNewOf, isRuntimeFile, isTypeReferenceTo, TASK_CLASS, TASKS_CLASS } from '../analysis/runtime.js';
import { defineRule, fixer, type Fix, type Problem, type Suggestion, type TextEdit } from './rule.js';

/** Callees that keep a callback for later: it does not run while the handler does. */
const DEFERRING_CALLS = new Set([...TIMER_FUNCTIONS, ...LISTENER_METHODS, 'after', 'waitUntil', 'addTask', 'addHook', 'schedule']);
/** Callees that call a callback and drop what it returns, so a returned promise floats. */
const DROPPING_CALLS = new Set([...TIMER_FUNCTIONS, ...LISTENER_METHODS, 'forEach']);
const RESPONSE_EVENTS = new Set(['finish', 'close']);
const COMBINATORS = new Set(['all', 'allSettled', 'race', 'any']);
/** How many calls deep a function still counts as running inside the handler that calls it. */
const MAX_CALL_DEPTH = 8;

function receivingCallName(fn: FunctionLike): string | undefined {
  const call = callReceivingFunction(fn);
  if (call === undefined) return undefined;
  if (Node.isNewExpression(call)) return `new ${unwrapExpression(call.getExpression()).getText()}`;
  return calleeName(call);
}

/** A nested function that runs while its enclosing function runs: an IIFE, a `.map` callback, a `new Promise` executor. */
function runsInline(fn: FunctionLike): boolean {
  if (isImmediatelyInvoked(fn)) return true;
  const name = receivingCallName(fn);
  if (name === undefined) return false;
  if (name.startsWith('new ')) return name === 'new Promise';
  return !DEFERRING_CALLS.has(name);
}

/** `x.on("finish", cb)`, `after(cb)`, `waitUntil(…cb…)`, `addHook("onResponse", cb)`: callbacks that run once the response is out. */
function runsAfterResponse(fn: FunctionLike): boolean {
  const call = callReceivingFunction(fn);
  if (call === undefined || Node.isNewExpression(call)) return false;
  const name = calleeName(call);
  const [first] = call.getArguments();
  const event = first !== undefined && Node.isStringLiteral(first) ? first.getLiteralValue() : undefined;
  if (name === 'after' || name === 'waitUntil') return true;
  if (name !== undefined && LISTENER_METHODS.has(name)) return event !== undefined && RESPONSE_EVENTS.has(event);
  return name === 'addHook' && event === 'onResponse';
}

interface Analysis {
  handlers: Set<FunctionLike>;
  /** Handlers and the project functions they call while the request is being handled. */
  duringRequest: Set<FunctionLike>;
}

const analyses = new WeakMap<ProjectIndex, Analysis>();

function analyse(index: ProjectIndex): Analysis {
  const cached = analyses.get(index);
  if (cached !== undefined) return cached;
  const handlers = new Set<FunctionLike>();
  for (const file of index.project.getSourceFiles()) {
    if (file.isDeclarationFile() || file.isInNodeModules()) continue;
    for (const handler of index.handlersIn(file)) handlers.add(handler.fn);
  }
  const duringRequest = new Set<FunctionLike>(handlers);
  let frontier = [...handlers];
  for (let depth = 0; depth < MAX_CALL_DEPTH && frontier.length > 0; depth++) {
    const next: FunctionLike[] = [];
    for (const fn of frontier) {
      const body = fn.getBody();
      if (body === undefined) continue;
      for (const call of callsIn(body, { enterNestedFunctions: true })) {
        // Calls inside deferred callbacks (timers, listeners, tasks) run after the handler, not during it.
        const owner = enclosingFunction(call);
        if (owner !== undefined && owner !== fn && !inlineChainReaches(owner, fn)) continue;
        const callee = resolveCallee(call);
        if (callee === undefined || duringRequest.has(callee)) continue;
        const file = callee.getSourceFile();
        if (file.isDeclarationFile() || file.isInNodeModules() || isRuntimeFile(file)) continue;
        duringRequest.add(callee);
        next.push(callee);
      }
    }
    frontier = next;
  }
  const analysis = { handlers, duringRequest };
  analyses.set(index, analysis);
  return analysis;
}

/** Whether `inner`, nested in `outer`, runs while `outer` does (through inline callbacks only). */
function inlineChainReaches(inner: FunctionLike, outer: FunctionLike): boolean {
  let current: FunctionLike | undefined = inner;
  while (current !== undefined && current !== outer) {
    if (!runsInline(current)) return false;
    current = enclosingFunction(current);
  }
  return current === outer;
}

/** Whether code at `node` runs while a request is being handled, before the handler has finished. */
function runsDuringRequest(node: Node, analysis: Analysis): boolean {
  let fn = enclosingFunction(node);
  while (fn !== undefined) {
    if (analysis.duringRequest.has(fn)) return true;
    if (!runsInline(fn)) return false;
    fn = enclosingFunction(fn);
  }
  return false;
}

/** `x` in `x.run()`. */
function runReceiver(call: CallExpression): Node | undefined {
  const callee = unwrapExpression(call.getExpression());
  return Node.isPropertyAccessExpression(callee) && callee.getName() === 'run' && call.getArguments().length === 0 ? callee.getExpression() : undefined;
}

/** The `.run()` call on an expression, when the expression is its receiver. */
function runCallOn(expression: Node): CallExpression | undefined {
  const access = outermostWrapper(expression).getParent();
  if (!Node.isPropertyAccessExpression(access) || access.getName() !== 'run' || unwrapExpression(access.getExpression()) !== expression) return undefined;
  const call = access.getParent();
  return Node.isCallExpression(call) && call.getExpression() === access ? call : undefined;
}

type RunUse =
  /** Awaited or returned where it is called: the caller waits for the task. */
  | 'waited'
  /** Nobody waits and nobody handles a rejection. */
  | 'detached'
  /** Nobody waits, but a `.catch` handles a rejection. */
  | 'startedHandled'
  | 'other';

/** `run().then(a).catch(b)` → the outermost call of the chain. */
function chainTop(call: CallExpression): CallExpression {
  let top = call;
  for (;;) {
    const access = outermostWrapper(top).getParent();
    if (!Node.isPropertyAccessExpression(access) || !['then', 'catch', 'finally'].includes(access.getName())) return top;
    const next = access.getParent();
    if (!Node.isCallExpression(next) || next.getExpression() !== access) return top;
    top = next;
  }
}

function classifyRun(run: CallExpression): RunUse {
  const top = chainTop(run);
  let current = outermostWrapper(top);
  let parent = current.getParent();
  // `await Promise.all([a.run(), b.run()])` waits for each.
  if (Node.isArrayLiteralExpression(parent)) {
    const combinator = parent.getParent();
    if (Node.isCallExpression(combinator) && combinator.getArguments()[0] === parent) {
      const callee = unwrapExpression(combinator.getExpression());
      if (Node.isPropertyAccessExpression(callee) && callee.getExpression().getText() === 'Promise' && COMBINATORS.has(callee.getName())) {
        current = outermostWrapper(combinator);
        parent = current.getParent();
      }
    }
  }
  const handled = top !== run && judgePromiseChain(top).kind !== 'unhandled';
  if (Node.isAwaitExpression(parent)) return 'waited';
  const returnedFrom = functionReturning(current);
  if (returnedFrom !== undefined) {
    const name = receivingCallName(returnedFrom);
    if (name !== undefined && DROPPING_CALLS.has(name)) return handled ? 'other' : 'detached';
    return 'waited';
  }
  if (Node.isVoidExpression(parent) || Node.isExpressionStatement(parent)) return handled ? 'startedHandled' : 'detached';
  return 'other';
}

/** A middleware that installs a collection and passes the request on (`next()`): a hand-written adapter. */
function passesRequestOn(fn: FunctionLike | undefined): boolean {
  if (fn === undefined) return false;
  const continuations = fn
    .getParameters()
    .slice(1)
    .map((param) => param.getName());
  if (continuations.length === 0) return false;
  return callsIn(fn, { enterNestedFunctions: false }).some((call) => {
    const callee = unwrapExpression(call.getExpression());
    return Node.isIdentifier(callee) && continuations.includes(callee.getText()) && call.getArguments().length === 0;
  });
}

/** Whether a `.run()` happens inside a callback that fires once the response is out. */
function runIsAfterResponse(run: CallExpression): boolean {
  for (let fn = enclosingFunction(run); fn !== undefined; fn = enclosingFunction(fn)) {
    if (runsAfterResponse(fn)) return true;
  }
  return false;
}

/** A variable's declaration name, for `const t = new X()` and `t = new X()`, with whether it leaves the file. */
function boundVariable(expression: NewExpression): { nameNode: Node; exported: boolean } | undefined {
  const outer = outermostWrapper(expression);
  const parent = outer.getParent();
  let declaration: Node | undefined;
  if (Node.isVariableDeclaration(parent) && parent.getInitializer() === outer) declaration = parent;
  else if (Node.isBinaryExpression(parent) && parent.getOperatorToken().getText() === '=' && parent.getRight() === outer) {
    const left = unwrapExpression(parent.getLeft());
    if (Node.isIdentifier(left)) declaration = left.getSymbol()?.getDeclarations()[0];
  }
  if (!Node.isVariableDeclaration(declaration)) return undefined;
  const nameNode = declaration.getNameNode();
  if (!Node.isIdentifier(nameNode)) return undefined;
  const statement = declaration.getVariableStatement();
  return { nameNode, exported: statement?.isExported() === true };
}

/**
 * The calls, in the same file, to the function that returns `value`: a helper that makes the
 * collection for its caller to install (`req.backgroundTasks = collectionFor(req, res)`).
 */
function callsReceivingReturn(value: Node): CallExpression[] {
  const fn = functionReturning(outermostWrapper(value));
  if (fn === undefined) return [];
  return callsIn(fn.getSourceFile(), { enterNestedFunctions: true }).filter((call) => resolveCallee(call) === fn);
}

/** References that read the variable: not its declaration, not `x = …` writes to it. */
function readsOf(nameNode: Node): Node[] {
  return referencesInFile(nameNode).filter((ref) => {
    const parent = outermostWrapper(ref).getParent();
    return !(Node.isBinaryExpression(parent) && parent.getOperatorToken().getText() === '=' && unwrapExpression(parent.getLeft()) === ref);
  });
}

/** The nodes the rule judges: constructions, calls (`.run()`), and declarations typed `BackgroundTask`. */
const CHECKED_KINDS: ReadonlySet<ts.SyntaxKind> = new Set([
  SyntaxKind.NewExpression,
  SyntaxKind.CallExpression,
  SyntaxKind.Parameter,
  SyntaxKind.PropertySignature,
  SyntaxKind.PropertyDeclaration,
  SyntaxKind.VariableDeclaration,
]);

export default defineRule({
  id: 'singular-background-task',
  description:
    'Disallow the singular `BackgroundTask`, or a hand-made `BackgroundTasks`, where the request\'s collection is meant: it never runs, runs before the response, or runs with nobody watching.',
  defaultSeverity: 'error',
  messages: {
    neverRun: '`new BackgroundTask({{fn}}, …)` is never run or added to a collection, so `{{fn}}` never runs; add it with the request\'s `addTask`.',
    awaitedRun: '`{{call}}` runs the task during the request, so the client waits for it; add it with the request\'s `addTask` instead.',
    detachedRun: '`{{call}}` starts the task unawaited during the request: a rejection crashes the process; add it with the request\'s `addTask`.',
    startedInHandler: '`{{call}}` starts the task during the request, racing the response (serverless may freeze it); use the request\'s `addTask`.',
    assignedOverCollection: '`{{target}}` swaps the request\'s collection for {{replacement}}: {{consequence}}; use the request\'s `addTask`.',
    handMadeCollection: '`new BackgroundTasks()` in a handler is a collection no adapter runs after the response; add to the request\'s with `addTask`.',
    collectionRunEarly: '`{{call}}` runs the request\'s collection during the request: tasks run early and later `addTask` calls throw; let the adapter run it.',
    typedAsSingular: '`{{name}}` is typed `BackgroundTask`, a single deferred call, where a collection is meant; type it `BackgroundTasks`.',
    // Suggestions' descriptions.
    addToCollection: 'Add the task to the request\'s collection: `{{call}}`.',
    callDirectly: 'Call `{{fn}}` directly and await it, if the work must finish before the response.',
  },
  *check({ sourceFile, index }) {
    // A project that never names the runtime's classes or collection has nothing this rule judges.
    if (isRuntimeFile(sourceFile) || !(index.mentions(TASK_CLASS) || index.mentions(COLLECTION_PROPERTY))) return;
    const analysis = analyse(index);
    const inHandler = (node: Node): boolean => runsDuringRequest(node, analysis) || [...analysis.handlers].some((fn) => isInside(node, fn));

    const runProblem = (run: CallExpression) => {
      const use = classifyRun(run);
      const call = expressionLabel(run);
      if (use === 'detached') return { node: run, messageId: 'detachedRun' as const, data: { call } };
      if (use === 'waited' && runsDuringRequest(run, analysis)) return { node: run, messageId: 'awaitedRun' as const, data: { call } };
      if (use === 'startedHandled' && runsDuringRequest(run, analysis)) return { node: run, messageId: 'startedInHandler' as const, data: { call } };
      return undefined;
    };
    const installedProblem = (installation: Node, className: string) => ({
      node: installation,
      messageId: 'assignedOverCollection' as const,
      data: {
        target: expressionLabel(installation),
        replacement: className === TASK_CLASS ? 'one `BackgroundTask`' : 'a new `BackgroundTasks`',
        consequence:
          className === TASK_CLASS
            ? 'it never runs and `addTask` calls throw'
            : 'tasks added to it never run',
      },
    });

    for (const node of descendantsOfKinds(sourceFile, CHECKED_KINDS)) {
      if (isNewOf(node, TASK_CLASS)) {
        yield* checkSingular(node);
      } else if (isNewOf(node, TASKS_CLASS)) {
        yield* checkHandMade(node);
      } else if (Node.isCallExpression(node)) {
        const receiver = runReceiver(node);
        // A run handed to `waitUntil(…)` or stored is someone else's to schedule; only started or awaited runs count.
        if (receiver !== undefined && collectionOrigin(receiver) === 'request' && classifyRun(node) !== 'other' && runsDuringRequest(node, analysis)) {
          yield { node, messageId: 'collectionRunEarly' as const, data: { call: expressionLabel(node) } };
        }
      } else if (Node.isParameterDeclaration(node) || Node.isPropertySignature(node) || Node.isPropertyDeclaration(node) || Node.isVariableDeclaration(node)) {
        if (!isTypeReferenceTo(node.getTypeNode(), TASK_CLASS)) continue;
        const nameNode = node.getNameNode();
        if (!Node.isIdentifier(nameNode)) continue;
        const name = nameNode.getText();
        if ((name === COLLECTION_PROPERTY && !Node.isVariableDeclaration(node)) || addsTasksTo(nameNode, node)) {
          yield { node, messageId: 'typedAsSingular' as const, data: { name } };
        }
      }
    }

    function* checkSingular(expression: NewExpression) {
      const fn = expressionLabel(expression.getArguments()[0] ?? expression);
      const installation = collectionInstallation(expression);
      if (installation !== undefined) {
        yield installedProblem(installation, TASK_CLASS);
        return;
      }
      const outer = outermostWrapper(expression);
      if (Node.isExpressionStatement(outer.getParent())) {
        if (!isTestFile(sourceFile)) yield { node: expression, messageId: 'neverRun' as const, data: { fn }, ...statementFixes(expression, outer, index) };
        return;
      }
      const directRun = runCallOn(expression);
      if (directRun !== undefined) {
        const problem = runProblem(directRun);
        if (problem !== undefined) yield { ...problem, ...inlineRunFixes(expression, directRun, index) };
        return;
      }
      const variable = boundVariable(expression);
      if (variable === undefined) return;
      let used = variable.exported;
      const reads = readsOf(variable.nameNode);
      for (const ref of reads) {
        const run = runCallOn(ref);
        if (run !== undefined) {
          used = true;
          const problem = runProblem(run);
          if (problem !== undefined) yield { ...problem, ...(variable.exported ? {} : variableRunFixes(expression, run, reads.length === 1, index)) };
          continue;
        }
        const refInstallation = collectionInstallation(ref);
        if (refInstallation !== undefined) {
          used = true;
          yield installedProblem(refInstallation, TASK_CLASS);
          continue;
        }
        const parent = outermostWrapper(ref).getParent();
        // Reading `task.name` runs nothing; passing, returning or storing the task may.
        if (!(Node.isPropertyAccessExpression(parent) && parent.getName() === 'name')) used = true;
      }
      if (!used && !isTestFile(sourceFile)) {
        yield { node: expression, messageId: 'neverRun' as const, data: { fn }, ...(reads.length === 0 && !variable.exported ? unusedVariableFixes(expression, index) : {}) };
      }
    }

    function* checkHandMade(expression: NewExpression) {
      if (!inHandler(expression)) return;
      // Each installation with the function whose passing the request on makes it an adapter's.
      const installations: { installation: Node; by: FunctionLike | undefined }[] = [];
      const runs: CallExpression[] = [];
      const maker = enclosingFunction(expression);
      const variable = boundVariable(expression);
      const values = [expression, ...(variable === undefined ? [] : readsOf(variable.nameNode))];
      for (const value of values) {
        const installation = collectionInstallation(value);
        if (installation !== undefined) installations.push({ installation, by: maker });
        const run = runCallOn(value);
        if (run !== undefined) runs.push(run);
        // Made by a helper and installed by its caller.
        for (const call of callsReceivingReturn(value)) {
          const installedByCaller = collectionInstallation(call);
          if (installedByCaller !== undefined) installations.push({ installation: installedByCaller, by: enclosingFunction(call) });
        }
      }
      // A hand-written adapter: a middleware that installs the collection and calls `next()`, or
      // code that runs the collection once the response is out.
      if (runs.length > 0 && runs.every(runIsAfterResponse)) return;
      if (installations.length > 0) {
        for (const { installation, by } of installations) if (!passesRequestOn(by)) yield installedProblem(installation, TASKS_CLASS);
        return;
      }
      yield { node: expression, messageId: 'handMadeCollection' as const };
    }
  },
});

/** Whether `x.addTask(…)` is called on the declared name (`param.addTask`, `obj.prop.addTask`) in its file. */
function addsTasksTo(nameNode: Node, declaration: Node): boolean {
  const isAddTaskReceiver = (node: Node): boolean => {
    const parent = outermostWrapper(node).getParent();
    return Node.isPropertyAccessExpression(parent) && parent.getName() === 'addTask';
  };
  if (Node.isParameterDeclaration(declaration) || Node.isVariableDeclaration(declaration)) {
    return referencesInFile(nameNode).some(isAddTaskReceiver);
  }
  const symbol = nameNode.getSymbol();
  if (symbol === undefined) return false;
  return nameNode
    .getSourceFile()
    .getDescendants()
    .some((node) => Node.isPropertyAccessExpression(node) && node.getNameNode().getSymbol() === symbol && isAddTaskReceiver(node));
}

// Fixes: `new BackgroundTask(fn, ...args)` becomes `<request's collection>.addTask(fn, ...args)` where
// the handler's request is in scope, the adapter is mounted and no response can have been sent yet.
// Anything less certain is a suggestion.

type FixMessageId = 'addToCollection' | 'callDirectly';
type Fixes = Pick<Problem<FixMessageId>, 'fix' | 'suggestions'>;

/** How code at a point reaches the request's collection; `certain` when a fix may rely on it. */
interface CollectionScope {
  access: string;
  certain: boolean;
}

const JUMP_KINDS = new Set([SyntaxKind.ReturnStatement, SyntaxKind.ThrowStatement, SyntaxKind.BreakStatement, SyntaxKind.ContinueStatement]);

function collectionScope(site: Node, index: ProjectIndex): CollectionScope | undefined {
  let direct = true;
  let handler: Handler | undefined;
  for (let fn = enclosingFunction(site); fn !== undefined; fn = enclosingFunction(fn)) {
    const current = fn;
    handler = index.handlersIn(fn.getSourceFile()).find((candidate) => candidate.fn === current);
    if (handler !== undefined) break;
    // `items.forEach((item) => …)` runs while the handler does; a timer or listener callback may not.
    if (!runsInline(fn)) return undefined;
    direct = false;
  }
  if (handler === undefined || handler.requestName === undefined || handler.framework === 'next') return undefined;
  const name = handler.requestName;
  const parameterSymbol = handler.fn
    .getParameters()
    .find((param) => param.getName() === name && Node.isIdentifier(param.getNameNode()))
    ?.getNameNode()
    .getSymbol()?.compilerSymbol;
  if (parameterSymbol === undefined) return undefined;
  // `req` at the site must still be the handler's parameter, not a local of the same name.
  const checker = site.getProject().getTypeChecker().compilerObject;
  if (checker.getSymbolsInScope(site.compilerNode, ts.SymbolFlags.Value).find((symbol) => symbol.name === name) !== parameterSymbol) return undefined;
  // `addTask` once the response is out throws (task-after-response).
  if (respondedBefore(handler, site)) return undefined;
  const file = site.getSourceFile();
  const isHono = handler.framework === 'hono';
  // A one-parameter Express handler reads as Hono's `(c) => …`: be sure before writing `c.var`.
  if (
    isHono &&
    !/\bContext\b/.test(handler.fn.getParameters()[0]?.getTypeNode()?.getText() ?? '') &&
    !file.getImportDeclarations().some((declaration) => /^(hono$|hono\/|@hono\/)/.test(moduleSpecifier(declaration) ?? ''))
  ) {
    return undefined;
  }
  return {
    access: isHono ? `${name}.var.${COLLECTION_PROPERTY}` : `${name}.${COLLECTION_PROPERTY}`,
    certain: direct && adapterMounted(index, file),
  };
}

/** Whether a response-ending call may come before `site` in its handler; a guard clause that responds and returns does not. */
function respondedBefore(handler: Handler, site: Node): boolean {
  const body = handler.fn.getBody();
  if (body === undefined) return false;
  const isResponseEnding = responseEndingMatcher(handler);
  return callsIn(body, { enterNestedFunctions: true }).some((call) => call.getStart() < site.getStart() && isResponseEnding(call) && !leavesBefore(call, site, body));
}

/** `if (bad) return res.status(400).end();` or `{ res.end(); return; }`: the response is on a path that leaves the handler before `site`. */
function leavesBefore(call: Node, site: Node, body: Node): boolean {
  for (let node: Node | undefined = call; node !== undefined && node !== body; node = node.getParent()) {
    if (isInside(site, node) || isFunctionLike(node)) return false;
    if (Node.isReturnStatement(node) || Node.isThrowStatement(node)) return true;
    const parent = node.getParent();
    if (Node.isBlock(parent) && !isInside(site, parent)) {
      const statements = parent.getStatements();
      const following = statements.slice(statements.findIndex((statement) => statement === node) + 1);
      if (following.some((statement) => Node.isReturnStatement(statement) || Node.isThrowStatement(statement))) return true;
    }
  }
  return false;
}

const mountedPackages = new WeakMap<ProjectIndex, Set<string | undefined>>();

/** Whether the file's package mounts an adapter: `app.use(backgroundTasks())`, `app.register(backgroundTasks)`, under any import alias. */
function adapterMounted(index: ProjectIndex, file: SourceFile): boolean {
  let mounted = mountedPackages.get(index);
  if (mounted === undefined) {
    mounted = new Set(index.lintableFiles().filter(mountsAdapter).map((candidate) => index.packageRoot(candidate)));
    mountedPackages.set(index, mounted);
  }
  return mounted.has(index.packageRoot(file));
}

function mountsAdapter(file: SourceFile): boolean {
  if (!file.getFullText().includes(COLLECTION_PROPERTY)) return false;
  return file.getDescendantsOfKind(SyntaxKind.CallExpression).some((call) => {
    const method = calledMethodName(call);
    if (method !== 'use' && method !== 'register') return false;
    return call.getArguments().some((argument) => {
      let target = unwrapExpression(argument);
      if (Node.isCallExpression(target)) target = unwrapExpression(target.getExpression());
      if (!Node.isIdentifier(target)) return false;
      if (target.getText() === COLLECTION_PROPERTY) return true;
      // `import { backgroundTasks as honoTasks }`, whether or not the module resolves.
      const declaration = target.getSymbol()?.getDeclarations()[0];
      return Node.isImportSpecifier(declaration) && declaration.getName() === COLLECTION_PROPERTY;
    });
  });
}

/** `<access>.addTask(fn, ...args)`, with the task's type arguments and its arguments as written. */
function addTaskText(access: string, expression: NewExpression): string {
  const text = expression.getSourceFile().getFullText();
  return `${access}.addTask${text.slice(expression.getExpression().getEnd(), expression.getEnd())}`;
}

function addToCollection(scope: CollectionScope, expression: NewExpression, edit: Fix): Suggestion<FixMessageId> {
  const [fn, ...rest] = expression.getArguments();
  const call = `${scope.access}.addTask(${fn === undefined ? '' : expressionLabel(fn)}${rest.length > 0 ? ', …' : ''})`;
  return { messageId: 'addToCollection', data: { call }, fix: edit };
}

/** `await fn(...args)` for `await new BackgroundTask(fn, ...args).run()`. */
function callDirectly(expression: NewExpression, replaced: Node): Suggestion<FixMessageId> | undefined {
  const [fn, ...rest] = expression.getArguments();
  if (fn === undefined || Node.isSpreadElement(fn)) return undefined;
  const plain = Node.isIdentifier(fn) || Node.isPropertyAccessExpression(fn) || Node.isElementAccessExpression(fn);
  const callee = plain ? fn.getText() : `(${fn.getText()})`;
  return { messageId: 'callDirectly', data: { fn: expressionLabel(fn) }, fix: fixer.replaceText(replaced, `await ${callee}(${rest.map((arg) => arg.getText()).join(', ')})`) };
}

/** The statement a run is all of: `await x.run();`, `void x.run();`, `x.run();`, maybe with a `.then/.catch` chain. */
function runStatement(run: CallExpression): { statement: Statement; replaced: Node; awaited: boolean; chained: boolean } | undefined {
  const top = chainTop(run);
  let replaced = outermostWrapper(top);
  let parent = replaced.getParent();
  const awaited = Node.isAwaitExpression(parent);
  if (Node.isAwaitExpression(parent) || Node.isVoidExpression(parent)) {
    replaced = outermostWrapper(parent);
    parent = replaced.getParent();
  }
  if (!Node.isExpressionStatement(parent)) return undefined;
  return { statement: parent, replaced, awaited, chained: top !== run };
}

/** A statement's range, with its line when it has the line to itself. */
function statementRemoval(statement: Statement): TextEdit {
  const text = statement.getSourceFile().getFullText();
  const lineStart = text.lastIndexOf('\n', statement.getStart() - 1) + 1;
  const lineEnd = text.indexOf('\n', statement.getEnd());
  const end = lineEnd === -1 ? text.length : lineEnd + 1;
  const alone = text.slice(lineStart, statement.getStart()).trim() === '' && text.slice(statement.getEnd(), end).trim() === '';
  return alone ? fixer.removeRange([lineStart, end]) : fixer.remove(statement);
}

function hasArguments(expression: NewExpression): boolean {
  return expression.getArguments().length > 0;
}

/** `new BackgroundTask(fn, a);` → `req.backgroundTasks.addTask(fn, a);` */
function statementFixes(expression: NewExpression, outer: Node, index: ProjectIndex): Fixes {
  const scope = collectionScope(outer, index);
  if (scope === undefined || !hasArguments(expression)) return {};
  const edit = fixer.replaceText(outer, addTaskText(scope.access, expression));
  return scope.certain ? { fix: edit } : { suggestions: [addToCollection(scope, expression, edit)] };
}

/** `await new BackgroundTask(fn, a).run();`, `void …`, `….run();` → `req.backgroundTasks.addTask(fn, a);` */
function inlineRunFixes(expression: NewExpression, run: CallExpression, index: ProjectIndex): Fixes {
  const found = runStatement(run);
  if (found === undefined || !hasArguments(expression)) return {};
  const suggestions: Suggestion<FixMessageId>[] = [];
  let fix: Fix | undefined;
  const scope = collectionScope(found.statement, index);
  if (scope !== undefined) {
    const edit = fixer.replaceText(found.replaced, addTaskText(scope.access, expression));
    // A `.catch(report)` chain is the user's error handling: replacing it takes judgement.
    if (scope.certain && !found.chained) fix = edit;
    else suggestions.push(addToCollection(scope, expression, edit));
  }
  const direct = found.awaited && !found.chained ? callDirectly(expression, found.replaced) : undefined;
  if (direct !== undefined) suggestions.push(direct);
  return { ...(fix !== undefined && { fix }), ...(suggestions.length > 0 && { suggestions }) };
}

/** `const task = new BackgroundTask(fn, a)` alone in its statement: the statement, and whether comments sit outside the expression. */
function soleConstStatement(expression: NewExpression): { statement: VariableStatement; commented: boolean } | undefined {
  const outer = outermostWrapper(expression);
  const declaration = outer.getParent();
  if (!Node.isVariableDeclaration(declaration) || declaration.getInitializer() !== outer) return undefined;
  const statement = declaration.getVariableStatement();
  if (statement === undefined || statement.getDeclarations().length !== 1 || statement.getDeclarationKind() !== VariableDeclarationKind.Const) return undefined;
  const around = statement.getText().replace(expression.getText(), '');
  return { statement, commented: around.includes('//') || around.includes('/*') };
}

/** Whether control may leave, or wait, between two statements of a block. */
function mayLeaveOrWaitBetween(first: Statement, second: Statement): boolean {
  const block = first.getParent();
  if (block === undefined || second.getParent() !== block || second.getStart() < first.getEnd()) return true;
  const between = first.getNextSiblings().filter((node) => node.getStart() < second.getStart());
  return between.some((statement) => {
    if (JUMP_KINDS.has(statement.getKind())) return true;
    let found = false;
    statement.forEachDescendant((node, traversal) => {
      if (isFunctionLike(node)) traversal.skip();
      else if (JUMP_KINDS.has(node.getKind()) || Node.isAwaitExpression(node)) {
        found = true;
        traversal.stop();
      }
    });
    return found;
  });
}

/**
 * `const task = new BackgroundTask(fn, a); void task.run();` → `req.backgroundTasks.addTask(fn, a);`.
 * The fix adds it where the task was made (its arguments are read when they were) and removes the
 * run, when nothing can leave or wait in between. Otherwise the suggestion adds it where it ran and
 * removes the declaration; a task also used elsewhere (`task.name`) keeps its declaration.
 */
function variableRunFixes(expression: NewExpression, run: CallExpression, onlyUse: boolean, index: ProjectIndex): Fixes {
  const declared = soleConstStatement(expression);
  const found = runStatement(run);
  if (declared === undefined || found === undefined || found.chained || !hasArguments(expression)) return {};
  if (enclosingFunction(declared.statement) !== enclosingFunction(found.statement)) return {};
  const atDeclaration = onlyUse ? collectionScope(declared.statement, index) : undefined;
  if (atDeclaration?.certain === true && !declared.commented && !mayLeaveOrWaitBetween(declared.statement, found.statement)) {
    const semicolon = declared.statement.getText().endsWith(';') ? ';' : '';
    return { fix: [fixer.replaceText(declared.statement, addTaskText(atDeclaration.access, expression) + semicolon), statementRemoval(found.statement)] };
  }
  const atRun = collectionScope(found.statement, index);
  if (atRun === undefined) return {};
  const added = fixer.replaceText(found.replaced, addTaskText(atRun.access, expression));
  return { suggestions: [addToCollection(atRun, expression, onlyUse ? [added, statementRemoval(declared.statement)] : added)] };
}

/** `const task = new BackgroundTask(fn, a);` never used: perhaps meant for the collection. */
function unusedVariableFixes(expression: NewExpression, index: ProjectIndex): Fixes {
  const declared = soleConstStatement(expression);
  if (declared === undefined || !hasArguments(expression)) return {};
  const scope = collectionScope(declared.statement, index);
  if (scope === undefined) return {};
  const semicolon = declared.statement.getText().endsWith(';') ? ';' : '';
  return { suggestions: [addToCollection(scope, expression, fixer.replaceText(declared.statement, addTaskText(scope.access, expression) + semicolon))] };
}
