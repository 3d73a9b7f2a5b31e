import { relative } from 'node:path';
import { Node, SyntaxKind, ts, VariableDeclarationKind } from 'ts-morph';
import type { CallExpression, NewExpression, ParameterDeclaration, SourceFile, VariableDeclaration } from 'ts-morph';
import { forEachDescendantWhere } from '../analysis/walk.js';
import { projectWorks, type Work } from '../analysis/background-work.js';
import { calleeName, chainRoot, enclosingFunction, expressionLabel, functionName, isFunctionLike, isInside, isProjectCode, outermostWrapper, referencesInFile, resolveCallee, unwrapExpression, type FunctionLike } from '../analysis/functions.js';
import { BULLMQ, instanceOf, referencedExport } from '../analysis/libraries.js';
import { isTestFile, type ProjectIndex } from '../analysis/project-index.js';
import { capitalised, defineRule, fixer, formatMessage, MAX_MESSAGE_LENGTH, type Fix, type Problem, type ProblemLocation } from './rule.js';

type MessageId = 'connectionPerCall' | 'connectionLeftOpen';

const MESSAGES: Record<MessageId, string> = {
  connectionPerCall: '`{{creation}}` in {{place}} leaks Redis connections on every {{unit}}; hoist it to module scope or memoise it.',
  connectionLeftOpen: '`{{creation}}` in {{place}} leaks a connection on every {{unit}}: closing the {{owner}} does not close it; quit it too, or hoist it.',
};

/** BullMQ classes that open Redis connections of their own when constructed. */
const BULLMQ_CLASSES = new Set(['Queue', 'Worker', 'QueueEvents', 'FlowProducer', 'QueueEventsProducer']);
/** Bull 3's single class, `new Queue(…)` or `new Bull(…)`: a default import or `require('bull')`. */
const BULL = 'bull';
const IOREDIS = 'ioredis';
const IOREDIS_CLASSES = new Set(['default', '*', 'Redis', 'Cluster']);
const NODE_REDIS = ['redis', '@redis/client'];
const NODE_REDIS_FACTORIES = new Set(['createClient', 'createCluster', 'createSentinel']);
/** Modules whose import makes a file worth walking; `.duplicate()` receivers may come from another file. */
const CONNECTION_MODULES = /['"](?:bullmq|@taskforcesh\/bullmq-pro|bull|ioredis|redis|@redis\/client)['"]|\.duplicate\(/;

/** Methods that release a client's or a BullMQ object's connections. */
const CLOSING_METHODS = new Set(['close', 'quit', 'disconnect', 'destroy', 'end']);
/** Methods that return the client they are called on (or a promise of it): `await createClient().on(…).connect()`. */
const CLIENT_RETURNING_METHODS = new Set(['connect', 'on', 'once', 'addListener', 'prependListener', 'setMaxListeners']);
/** Methods that put their argument into the collection they are called on. */
const STORING_METHODS = new Set(['set', 'push', 'unshift', 'add', 'register', 'put']);
/** Library calls known to use an argument and let go of it: `job.waitUntilFinished(queueEvents)`, `console.log(client)`. */
const BORROWING_METHODS = new Set(['waitUntilFinished']);
const ASSIGNMENTS = new Set(['=', '??=', '||=', '&&=']);
/** Fastify hooks that run once per request; `onReady`, `onClose`, `onRoute`… run once per server. */
const REQUEST_HOOKS = new Set(['onRequest', 'preParsing', 'preValidation', 'preHandler', 'preSerialization', 'onSend', 'onResponse', 'onError', 'onTimeout', 'onRequestAbort']);
const TEST_DIRECTORIES = new Set(['test', 'tests', '__tests__', 'e2e']);
/** How far the rule follows a value through variables, parameters and factory returns. */
const MAX_DEPTH = 6;
/** The shortest quote of code the engine cuts a message's quote to. */
const MIN_QUOTE_LENGTH = 20;

type Creation = NewExpression | CallExpression;

/**
 * `new Queue(…)`, `new Worker(…)` (BullMQ or Bull), `new Redis(…)` (ioredis), `createClient(…)`
 * (node-redis), `client.duplicate()`: an expression that opens connections of its own. Recognised by
 * the import they come from, so `new Worker` from `node:worker_threads` and `new PQueue()` are not.
 */
function opensConnections(node: Node): boolean {
  if (Node.isNewExpression(node)) {
    const made = referencedExport(node.getExpression());
    if (made === undefined) return false;
    if ((BULLMQ as readonly string[]).includes(made.module)) return BULLMQ_CLASSES.has(made.name);
    if (made.module === BULL) return made.name === 'default' || made.name === '*';
    return made.module === IOREDIS && IOREDIS_CLASSES.has(made.name);
  }
  if (!Node.isCallExpression(node)) return false;
  const callee = unwrapExpression(node.getExpression());
  const made = referencedExport(callee);
  if (made !== undefined) return NODE_REDIS.includes(made.module) && NODE_REDIS_FACTORIES.has(made.name);
  return Node.isPropertyAccessExpression(callee) && callee.getName() === 'duplicate' && isRedisClient(callee.getExpression());
}

/** An ioredis or node-redis client: what `.duplicate()` opens a second connection of. */
function isRedisClient(expression: Node): boolean {
  const instance = instanceOf(expression);
  if (instance === undefined) return false;
  return (instance.module === IOREDIS && IOREDIS_CLASSES.has(instance.name)) || NODE_REDIS.includes(instance.module);
}

/** `orders.test.ts`, `__tests__/…`, and anything under a `test/` directory of its package: connections there live as long as a test. */
function isTestCode(sourceFile: SourceFile, index: ProjectIndex): boolean {
  if (isTestFile(sourceFile)) return true;
  const root = index.packageRoot(sourceFile);
  if (root === undefined) return false;
  return relative(root, sourceFile.getFilePath()).split(/[\\/]/).slice(0, -1).some((directory) => TEST_DIRECTORIES.has(directory));
}

/** The nearest function around a node that is work of its own: a handler, a job, a callback, a helper they call. */
function enclosingWork(node: Node, works: ReadonlyMap<FunctionLike, Work>): FunctionLike | undefined {
  return node.getFirstAncestor((ancestor) => isFunctionLike(ancestor) && works.has(ancestor)) as FunctionLike | undefined;
}

/** How a function comes to run on every request, job or tick: from `root`, through `calls` (outermost first). */
interface Reach {
  root: FunctionLike;
  rootWork: Work;
  calls: CallExpression[];
}

/**
 * Whether `fn` runs on every request, job or tick: a handler, a request hook, a processor, a cron
 * job, an interval, a task, or a helper one of them calls. Start-up code (`main()`, an `onReady`
 * hook, a timer set once at module scope) is not, nor is a job loop outside its loop.
 */
function reachPerCall(fn: FunctionLike, at: Node, works: ReadonlyMap<FunctionLike, Work>, seen = new Set<FunctionLike>()): Reach | undefined {
  const work = works.get(fn);
  if (work === undefined || seen.has(fn)) return undefined;
  seen.add(fn);
  if (work.role === 'helper') {
    for (const call of work.calls) {
      const caller = enclosingWork(call, works);
      const reach = caller === undefined ? undefined : reachPerCall(caller, call, works, seen);
      if (reach !== undefined) return { ...reach, calls: [...reach.calls, call] };
    }
    return undefined;
  }
  return runsOnEveryCall(fn, work, at, works, seen) ? { root: fn, rootWork: work, calls: [] } : undefined;
}

/** Whether a handler, job or callback (not a helper) runs on every request, job or tick where `at` is. */
function runsOnEveryCall(fn: FunctionLike, work: Work, at: Node, works: ReadonlyMap<FunctionLike, Work>, seen: Set<FunctionLike>): boolean {
  switch (work.kind) {
    case 'hook':
      return work.sites.some((site) => REQUEST_HOOKS.has(registrationArgument(site) ?? ''));
    case 'timer':
      // An interval fires forever; a timeout or an immediate runs once per run of the code that sets it.
      return work.sites.some((site) => {
        if (registeringCallName(site) === 'setInterval') return true;
        const setter = enclosingWork(site, works);
        return setter !== undefined && reachPerCall(setter, site, works, seen) !== undefined;
      });
    case 'job-loop':
      // The loop function itself starts once; what it does inside its loop happens per job.
      return isInLoop(at, fn);
    default:
      return true;
  }
}

function registeringCall(site: Node): CallExpression | undefined {
  const call = outermostWrapper(site).getParent();
  return call !== undefined && Node.isCallExpression(call) ? call : undefined;
}

function registeringCallName(site: Node): string | undefined {
  const call = registeringCall(site);
  return call === undefined ? undefined : calleeName(call);
}

/** `onRequest` in `app.addHook('onRequest', hook)`. */
function registrationArgument(site: Node): string | undefined {
  const [first] = registeringCall(site)?.getArguments() ?? [];
  return first !== undefined && Node.isStringLiteral(first) ? first.getLiteralValue() : undefined;
}

function isInLoop(node: Node, fn: FunctionLike): boolean {
  return node.getAncestors().some((ancestor) => isInside(ancestor, fn) && ancestor !== fn && (Node.isForStatement(ancestor) || Node.isForOfStatement(ancestor) || Node.isForInStatement(ancestor) || Node.isWhileStatement(ancestor) || Node.isDoStatement(ancestor)));
}

/**
 * State that outlives one run of `scope`: `this`, `globalThis`, and the project's own variables,
 * imports and classes declared outside it. Library globals (`process`, `console`) are not state the
 * code keeps; they are left out the same way whether their types are installed or not.
 */
function isLongLived(root: Node, scope: FunctionLike): boolean {
  if (Node.isThisExpression(root)) return true;
  if (!Node.isIdentifier(root)) return false;
  if (root.getText() === 'globalThis' || root.getText() === 'global') return true;
  const declarations = root.getSymbol()?.getDeclarations() ?? [];
  if (declarations.length === 0) return false;
  if (declarations.some((declaration) => declaration.getSourceFile().isDeclarationFile() || declaration.getSourceFile().isInNodeModules())) return false;
  return !declarations.some((declaration) => isInside(declaration, scope));
}

/** `queues`, `this.client`, `queues.get(name)`, or a local `const existing = queues.get(name)`: a read of long-lived state. */
function readsLongLivedState(expression: Node, scope: FunctionLike): boolean {
  const root = chainRoot(expression);
  if (isLongLived(root, scope)) return true;
  const declaration = Node.isIdentifier(root) ? root.getSymbol()?.getDeclarations()[0] : undefined;
  const initializer = declaration !== undefined && Node.isVariableDeclaration(declaration) ? declaration.getInitializer() : undefined;
  return initializer !== undefined && isLongLived(chainRoot(initializer), scope);
}

function isNullish(node: Node): boolean {
  const value = unwrapExpression(node);
  return Node.isNullLiteral(value) || (Node.isIdentifier(value) && value.getText() === 'undefined');
}

/** `!queue`, `queue == null`, `!queues.has(name)`, `!client || !client.isOpen`: the code tests that nothing is cached yet. */
function testsAbsence(condition: Node, scope: FunctionLike): boolean {
  const node = unwrapExpression(condition);
  if (Node.isPrefixUnaryExpression(node) && node.getOperatorToken() === SyntaxKind.ExclamationToken) return readsLongLivedState(node.getOperand(), scope);
  if (!Node.isBinaryExpression(node)) return false;
  const operator = node.getOperatorToken().getText();
  if (operator === '||' || operator === '&&') return testsAbsence(node.getLeft(), scope) || testsAbsence(node.getRight(), scope);
  if (operator !== '==' && operator !== '===') return false;
  if (isNullish(node.getRight())) return readsLongLivedState(node.getLeft(), scope);
  return isNullish(node.getLeft()) && readsLongLivedState(node.getRight(), scope);
}

/** `queue`, `queues.has(name)`, `existing !== undefined`: the code tests that something is cached. */
function testsPresence(condition: Node, scope: FunctionLike): boolean {
  const node = unwrapExpression(condition);
  if (Node.isBinaryExpression(node)) {
    const operator = node.getOperatorToken().getText();
    if (operator === '&&') return testsPresence(node.getLeft(), scope) || testsPresence(node.getRight(), scope);
    if (operator !== '!=' && operator !== '!==') return false;
    return isNullish(node.getRight()) ? readsLongLivedState(node.getLeft(), scope) : isNullish(node.getLeft()) && readsLongLivedState(node.getRight(), scope);
  }
  return (Node.isIdentifier(node) || Node.isPropertyAccessExpression(node) || Node.isCallExpression(node) || Node.isElementAccessExpression(node)) && readsLongLivedState(node, scope);
}

/** What `if (…) return x;` or `if (…) { return x; }` returns, when the branch returns at once. */
function returnedValue(statement: Node): Node | undefined {
  const returned = Node.isBlock(statement) ? statement.getStatements()[0] : statement;
  return returned !== undefined && Node.isReturnStatement(returned) ? returned.getExpression() : undefined;
}

/**
 * A creation that runs only while nothing is cached: inside `if (!queue) { … }`, or after
 * `if (queues.has(name)) return queues.get(name);` (a branch that returns the cached value). The
 * memo's shape, wherever the value goes.
 */
function isGuardedByCache(node: Node, scope: FunctionLike): boolean {
  for (let child = node, parent = node.getParent(); parent !== undefined && child !== scope; child = parent, parent = parent.getParent()) {
    if (Node.isIfStatement(parent) && parent.getThenStatement() === child && testsAbsence(parent.getExpression(), scope)) return true;
    if (Node.isBlock(parent)) {
      const statements: Node[] = parent.getStatements();
      const earlier = statements.slice(0, statements.indexOf(child));
      const returnsCached = (statement: Node): boolean => {
        if (!Node.isIfStatement(statement) || !testsPresence(statement.getExpression(), scope)) return false;
        const value = returnedValue(statement.getThenStatement());
        return value !== undefined && readsLongLivedState(value, scope);
      };
      if (earlier.some(returnsCached)) return true;
    }
  }
  return false;
}

/**
 * Where a value ends up in the function it is made or named in:
 * - `closed`: `.close()`, `.quit()`, `.disconnect()` on it (a `finally` and a `close` listener count);
 * - `kept`: stored in state that outlives the call (a module variable, a field, a cache map);
 * - `returned`: handed back to the callers of `from`;
 * - `handed`: given to another connection-opening constructor (`new Queue(name, { connection })`);
 * - `unknown`: given to code the rule cannot follow; not reported;
 * - `used`: none of these: commands run on it, then it is dropped.
 */
type Fate =
  | { kind: 'closed' | 'kept' | 'unknown' }
  | { kind: 'used'; givenTo?: Creation }
  | { kind: 'returned'; from: FunctionLike }
  | { kind: 'handed'; owner: Creation };

/** A connection-opening value's verdict: `leaked` is a finding, `covered` is left to the finding on its owner. */
type Outcome =
  | { kind: 'closed' | 'kept' | 'unknown' | 'covered' }
  | { kind: 'leaked'; givenTo?: Creation }
  | { kind: 'returned'; from: FunctionLike };

function isAssignmentTarget(reference: Node): boolean {
  const target = outermostWrapper(reference);
  const parent = target.getParent();
  return Node.isBinaryExpression(parent) && parent.getLeft() === target && ASSIGNMENTS.has(parent.getOperatorToken().getText());
}

/** Follows a value up its expression to the statement, variable, return or call that decides its fate. */
function fateOf(node: Node, scope: FunctionLike, depth: number): Fate {
  let value = node;
  for (;;) {
    const parent = value.getParent();
    if (parent === undefined) return { kind: 'used' };
    if (Node.isParenthesizedExpression(parent) || Node.isAsExpression(parent) || Node.isNonNullExpression(parent) || Node.isSatisfiesExpression(parent) || Node.isTypeAssertion(parent) || Node.isAwaitExpression(parent)) {
      value = parent;
    } else if (Node.isPropertyAccessExpression(parent) && parent.getExpression() === value) {
      const call = parent.getParent();
      const isCalled = call !== undefined && Node.isCallExpression(call) && call.getExpression() === parent;
      if (isCalled && CLOSING_METHODS.has(parent.getName())) return { kind: 'closed' };
      if (!isCalled || !CLIENT_RETURNING_METHODS.has(parent.getName())) return { kind: 'used' };
      value = call;
    } else if (Node.isConditionalExpression(parent) && parent.getCondition() !== value) {
      value = parent;
    } else if (Node.isBinaryExpression(parent) && parent.getRight() === value) {
      const operator = parent.getOperatorToken().getText();
      if (ASSIGNMENTS.has(operator)) return fateOfAssignment(parent.getLeft(), operator, scope, depth);
      if (operator !== '??' && operator !== '||') return { kind: 'used' };
      // `cache[name] ?? new Queue(name)`: the fallback of a cache lookup.
      if (readsLongLivedState(parent.getLeft(), scope)) return { kind: 'kept' };
      value = parent;
    } else if (Node.isPropertyAssignment(parent) || Node.isShorthandPropertyAssignment(parent) || Node.isArrayLiteralExpression(parent)) {
      // `{ queue, worker }`, `[queue, worker]`: the literal goes where the value goes.
      value = Node.isArrayLiteralExpression(parent) ? parent : parent.getParentOrThrow();
    } else if (Node.isVariableDeclaration(parent) || Node.isParameterDeclaration(parent)) {
      return parent.getInitializer() === value ? fateOfDeclaration(parent, scope, depth) : { kind: 'used' };
    } else if (Node.isReturnStatement(parent)) {
      const from = enclosingFunction(parent);
      return from === undefined ? { kind: 'unknown' } : { kind: 'returned', from };
    } else if (Node.isArrowFunction(parent) && parent.getBody() === value) {
      return { kind: 'returned', from: parent };
    } else if ((Node.isCallExpression(parent) || Node.isNewExpression(parent)) && (parent.getArguments() as Node[]).includes(value)) {
      return fateOfArgument(parent, value, scope, depth);
    } else {
      return { kind: 'used' };
    }
  }
}

/** `queue = …`, `this.queue ??= …`, `queues[name] = …`. */
function fateOfAssignment(target: Node, operator: string, scope: FunctionLike, depth: number): Fate {
  const left = unwrapExpression(target);
  if (Node.isIdentifier(left)) {
    const declaration = left.getSymbol()?.getDeclarations()[0];
    if (declaration === undefined || !isInside(declaration, scope)) return { kind: 'kept' };
    return Node.isVariableDeclaration(declaration) ? fateOfVariable(declaration.getNameNode(), scope, depth) : { kind: 'unknown' };
  }
  if (!Node.isPropertyAccessExpression(left) && !Node.isElementAccessExpression(left)) return { kind: 'unknown' };
  // `x.queue ??= new Queue()` is a lazy field wherever `x` lives; a plain store counts when `x` outlives the call.
  if (operator !== '=' || isLongLived(chainRoot(left), scope)) return { kind: 'kept' };
  // `req.queue = …`, `ctx.client = …`: an object the rule does not follow.
  return { kind: 'unknown' };
}

/** `const queue = …` (`using` closes it), or a parameter's default value. */
function fateOfDeclaration(declaration: VariableDeclaration | ParameterDeclaration, scope: FunctionLike, depth: number): Fate {
  if (Node.isVariableDeclaration(declaration)) {
    const kind = declaration.getVariableStatement()?.getDeclarationKind();
    if (kind === VariableDeclarationKind.Using || kind === VariableDeclarationKind.AwaitUsing) return { kind: 'closed' };
  }
  const name = declaration.getNameNode();
  return Node.isIdentifier(name) ? fateOfVariable(name, scope, depth) : { kind: 'unknown' };
}

/** What the code does with a variable, across all its references: one close or store is enough. */
function fateOfVariable(name: Node, scope: FunctionLike, depth: number): Fate {
  if (depth > MAX_DEPTH) return { kind: 'unknown' };
  let kept = false;
  let unknown = false;
  let returned: Fate | undefined;
  let givenTo: Creation | undefined;
  for (const reference of referencesInFile(name)) {
    if (isAssignmentTarget(reference)) continue;
    const fate = fateOf(reference, scope, depth + 1);
    if (fate.kind === 'closed') return fate;
    if (fate.kind === 'kept') kept = true;
    else if (fate.kind === 'unknown') unknown = true;
    else if (fate.kind === 'returned') returned ??= fate;
    else if (fate.kind === 'handed') {
      const owner = outcomeOf(fate.owner, scope, depth + 1);
      if (owner.kind === 'kept') kept = true;
      else if (owner.kind === 'unknown') unknown = true;
      else if (owner.kind === 'returned') returned ??= owner;
      // BullMQ leaves a connection it is given open when it closes: the owner's close does not count.
      else if (owner.kind === 'closed') givenTo = fate.owner;
    }
  }
  if (kept) return { kind: 'kept' };
  if (unknown) return { kind: 'unknown' };
  return returned ?? (givenTo === undefined ? { kind: 'used' } : { kind: 'used', givenTo });
}

/** A value passed to a call: stored into a cache, handed to a BullMQ constructor, or given to a project function that closes or keeps it. */
function fateOfArgument(call: Creation, argument: Node, scope: FunctionLike, depth: number): Fate {
  if (opensConnections(call)) return { kind: 'handed', owner: call };
  const callee = unwrapExpression(call.getExpression());
  if (Node.isPropertyAccessExpression(callee)) {
    const method = callee.getName();
    // `queues.set(name, queue)`, `this.workers.push(worker)`.
    if (STORING_METHODS.has(method) && isLongLived(chainRoot(callee.getExpression()), scope)) return { kind: 'kept' };
    if (BORROWING_METHODS.has(method) || chainRoot(callee).getText() === 'console') return { kind: 'used' };
  }
  if (!Node.isCallExpression(call) || depth > MAX_DEPTH) return { kind: 'unknown' };
  const target = resolveCallee(call);
  const parameter = target !== undefined && isProjectCode(target) ? target.getParameters()[(call.getArguments() as Node[]).indexOf(argument)] : undefined;
  if (target === undefined || parameter === undefined || parameter.isRestParameter() || !Node.isIdentifier(parameter.getNameNode())) return { kind: 'unknown' };
  const fate = fateOfVariable(parameter.getNameNode(), target, depth + 1);
  if (fate.kind === 'returned') return fate.from === target ? fateOf(call, scope, depth + 1) : { kind: 'unknown' };
  return fate.kind === 'handed' ? { kind: 'unknown' } : fate;
}

/** Whether a connection-opening value is closed, kept, handed back, or left open, in `scope` (the work it runs in). */
function outcomeOf(creation: Node, scope: FunctionLike, depth: number): Outcome {
  if (isGuardedByCache(creation, scope)) return { kind: 'kept' };
  const fate = fateOf(creation, scope, depth);
  switch (fate.kind) {
    case 'used':
      return fate.givenTo === undefined ? { kind: 'leaked' } : { kind: 'leaked', givenTo: fate.givenTo };
    case 'handed': {
      // `new Queue(name, { connection: new Redis() })`: one statement, one finding, on the owner if it leaks.
      const owner = outcomeOf(fate.owner, scope, depth + 1);
      if (owner.kind === 'closed') return { kind: 'leaked', givenTo: fate.owner };
      return owner.kind === 'leaked' ? { kind: 'covered' } : owner;
    }
    default:
      return fate;
  }
}

interface Leak {
  reach: Reach;
  givenTo?: Creation;
  /** For a factory's value: the calls it is returned through, outermost (the one that drops it) first. */
  returnedThrough: CallExpression[];
}

/**
 * Where a creation leaks on every call: in the work that makes it, or, for a factory that returns
 * it (`getQueue()`), at a call site that neither keeps nor closes what it gets.
 */
function findLeak(creation: Node, at: FunctionLike, works: ReadonlyMap<FunctionLike, Work>, depth = 0): Leak | undefined {
  const outcome = outcomeOf(creation, at, depth);
  if (outcome.kind === 'leaked') {
    const reach = reachPerCall(at, creation, works);
    return reach === undefined ? undefined : { reach, returnedThrough: [], ...(outcome.givenTo !== undefined ? { givenTo: outcome.givenTo } : {}) };
  }
  // A value returned from a callback inside the work (`names.map((n) => new Queue(n))`) goes where the rule does not follow.
  if (outcome.kind !== 'returned' || outcome.from !== at || depth > MAX_DEPTH) return undefined;
  const work = works.get(at);
  for (const call of work?.role === 'helper' ? work.calls : []) {
    const caller = enclosingWork(call, works);
    const leak = caller === undefined ? undefined : findLeak(call, caller, works, depth + 1);
    if (leak !== undefined) return { ...leak, returnedThrough: [...leak.returnedThrough, call] };
  }
  return undefined;
}

/** `new Queue('emails', …)`, `createClient(…)`, `redis.duplicate()`: the creation, short enough to quote. */
function creationLabel(creation: Creation): string {
  const full = expressionLabel(creation);
  if (full.length <= 40) return full;
  const callee = expressionLabel(creation.getExpression());
  return Node.isNewExpression(creation) ? `new ${callee}(…)` : `${callee}(…)`;
}

/** How messages name the work: `the POST /jobs handler`, `the \`emails\` queue processor`, `a croner job`. */
function placeOf(work: Work): string {
  const route = work.kind === 'handler' ? work.handler?.route : undefined;
  if (route !== undefined && route !== 'middleware' && !route.startsWith('server action')) return `the ${route} handler`;
  return work.label;
}

/** What one run of the work is, in messages: a request, a job, or a run of a schedule. */
function unitOf(work: Work): string {
  if (work.kind === 'processor' || work.kind === 'listener' || work.kind === 'job-loop') return 'job';
  if (work.kind === 'cron' || work.kind === 'timer') return 'run';
  return 'request';
}


/** The calls from the work's start down to the creation, for SARIF's code flow. */
function pathOf({ reach, returnedThrough }: Leak): ProblemLocation[] {
  const calls = [...reach.calls, ...returnedThrough];
  if (calls.length === 0) return [];
  const steps = calls.map((call) => {
    const callee = resolveCallee(call);
    return { node: call, message: `calls \`${callee === undefined ? calleeName(call) : functionName(callee)}()\`` };
  });
  return [{ node: reach.root, message: `${capitalised(placeOf(reach.rootWork))} starts here.` }, ...steps];
}

/** What `--fix` can share across calls: a producer or a client, made once at module level. A Worker belongs in start-up code. */
function isMemoisable(creation: Creation): boolean {
  if (!Node.isNewExpression(creation)) return false;
  const made = referencedExport(creation.getExpression());
  if (made === undefined) return false;
  if ((BULLMQ as readonly string[]).includes(made.module)) return ['Queue', 'QueueEvents', 'FlowProducer'].includes(made.name);
  return made.module === IOREDIS && IOREDIS_CLASSES.has(made.name);
}

/** Whether every name the arguments read is imported or declared at module level: then each call makes the same thing. */
function isSameOnEveryCall(creation: Creation): boolean {
  for (const node of creation.getArguments().flatMap((argument) => [argument, ...argument.getDescendants()])) {
    if (Node.isThisExpression(node)) return false;
    if (!Node.isIdentifier(node)) continue;
    const parent = node.getParent();
    if ((Node.isPropertyAccessExpression(parent) && parent.getNameNode() === node) || (Node.isPropertyAssignment(parent) && parent.getNameNode() === node)) continue;
    // `{ connection }`: the shorthand's own symbol is the property; the value it reads is the variable.
    const symbol = Node.isShorthandPropertyAssignment(parent) ? parent.getValueSymbol() : node.getSymbol();
    const declarations = symbol?.getDeclarations() ?? [];
    if (declarations.length === 0 || declarations.some((declaration) => declaration.getFirstAncestor(isFunctionLike) !== undefined || Node.isParameterDeclaration(declaration))) return false;
  }
  return true;
}

/**
 * `--fix`: a module-level memo, `let emailsQueue: Queue | undefined;` above the statement and
 * `(emailsQueue ??= new Queue('emails', …))` in place of the creation. Only where every call would
 * make the same thing; arguments that change per call need a keyed cache, which is the user's call.
 */
function memoFix(creation: Creation, leak: Leak): Fix | undefined {
  if (leak.givenTo !== undefined || leak.returnedThrough.length > 0 || !isMemoisable(creation) || !isSameOnEveryCall(creation)) return undefined;
  const sourceFile = creation.getSourceFile();
  const statement = creation.getFirstAncestor((ancestor) => ancestor.getParent() === sourceFile);
  if (statement === undefined || !Node.isNewExpression(creation)) return undefined;
  const className = creation.getExpression().getText();
  const typeArguments = creation.getTypeArguments().map((argument) => argument.getText());
  // `emailsQueue` for `new Queue('emails', …)`, `redis` for `new Redis(url)`; numbered if the file already has the name.
  const shortClass = className.replace(/^.*\./, '');
  const [first] = creation.getArguments();
  const words = first !== undefined && Node.isStringLiteral(first) ? first.getLiteralValue().split(/[^A-Za-z0-9]+/).filter(Boolean) : [];
  const camel = words.map((word, position) => (position === 0 ? word.charAt(0).toLowerCase() : word.charAt(0).toUpperCase()) + word.slice(1)).join('');
  const stem = /^[A-Za-z]/.test(camel) ? `${camel}${shortClass}` : `${shortClass.charAt(0).toLowerCase()}${shortClass.slice(1)}`;
  const taken = new Set(sourceFile.getDescendantsOfKind(SyntaxKind.Identifier).map((identifier) => identifier.getText()));
  let name = stem;
  for (let suffix = 2; taken.has(name); suffix += 1) name = `${stem}${suffix}`;
  const type = typeArguments.length > 0 ? `${className}<${typeArguments.join(', ')}>` : className;
  const [comment] = statement.getLeadingCommentRanges();
  const at = comment?.getPos() ?? statement.getStart();
  return [fixer.replaceTextRange([at, at], `let ${name}: ${type} | undefined;\n\n`), fixer.replaceText(creation, `(${name} ??= ${creation.getText()})`)];
}

export default defineRule({
  id: 'queue-per-request',
  description:
    'Disallow opening Redis connections on every request, job or scheduled run: a BullMQ `Queue`, `Worker`, `QueueEvents` or `FlowProducer`, an ioredis or node-redis client, or a `duplicate()` of one, neither memoised nor closed where it is made, holds its connections open for good.',
  defaultSeverity: 'error',
  messages: MESSAGES,
  *check({ sourceFile, index }) {
    if (!CONNECTION_MODULES.test(sourceFile.getFullText()) || isTestCode(sourceFile, index)) return;
    const works = projectWorks(index);
    const creations: Creation[] = [];
    forEachDescendantWhere(sourceFile, (node) => ts.isNewExpression(node) || ts.isCallExpression(node), (node) => {
      if ((Node.isNewExpression(node) || Node.isCallExpression(node)) && opensConnections(node)) creations.push(node);
    });
    for (const creation of creations) {
      const at = enclosingWork(creation, works);
      const leak = at === undefined ? undefined : findLeak(creation, at, works);
      if (at === undefined || leak === undefined) continue;
      const inHelper = leak.returnedThrough.length > 0 || works.get(at)?.role === 'helper';
      const label = creationLabel(creation);
      const data: Record<string, string> = {
        creation: label,
        place: inHelper ? `\`${functionName(at)}()\` (from ${placeOf(leak.reach.rootWork)})` : placeOf(leak.reach.rootWork),
        unit: unitOf(leak.reach.rootWork),
      };
      const messageId: MessageId = leak.givenTo === undefined ? 'connectionPerCall' : 'connectionLeftOpen';
      if (leak.givenTo !== undefined) data.owner = expressionLabel(leak.givenTo.getExpression());
      // Rather than let a long route push the message past its length, name only the function: the path shows the rest.
      if (inHelper && formatMessage(MESSAGES[messageId], { ...data, creation: label.slice(0, MIN_QUOTE_LENGTH) }).length > MAX_MESSAGE_LENGTH) data.place = `\`${functionName(at)}()\``;
      const path = pathOf(leak);
      const fix = memoFix(creation, leak);
      const problem: Problem<MessageId> = { node: creation, messageId, data, ...(path.length > 0 ? { path } : {}), ...(fix !== undefined ? { fix } : {}) };
      yield problem;
    }
  },
});
