import { Node } from 'ts-morph';
import type { CallExpression, SourceFile } from 'ts-morph';
import { projectWorks, type Work } from '../analysis/background-work.js';
import {
  callReceivingFunction,
  callsIn,
  expressionLabel,
  type FunctionLike,
  functionName,
  isFunctionLike,
  isImmediatelyInvoked,
  isInside,
  isProjectCode,
  LISTENER_METHODS,
  resolveCallee,
  resolveFunction,
  unwrapExpression,
} from '../analysis/functions.js';
import type { Handler } from '../analysis/handlers.js';
import { importOf, moduleSpecifier, referencedExport } from '../analysis/libraries.js';
import type { ProjectIndex } from '../analysis/project-index.js';
import { timerCallback } from '../analysis/promises.js';
import { directResponse, responseEndingMatcher } from '../analysis/response-flow.js';
import { isRuntimeFile } from '../analysis/runtime.js';
import { capitalised, defineRule, type Problem, type ProblemLocation } from './rule.js';

type MessageId = 'blockingCall' | 'blockingHelper';

/** Node's blocking APIs, by module: each export name that blocks the thread until it is done. */
const NAMES_ENDING_IN_SYNC = (name: string): boolean => name.endsWith('Sync');
const CHILD_PROCESS_SYNC = new Set(['execSync', 'execFileSync', 'spawnSync']);
// The key-derivation and key-generation functions: milliseconds to seconds of CPU each. `randomBytes`,
// `hkdfSync` and hashes are microseconds and are left alone.
const CRYPTO_SYNC = new Set(['pbkdf2Sync', 'scryptSync', 'argon2Sync', 'generateKeyPairSync', 'generateKeySync', 'generatePrimeSync', 'checkPrimeSync']);
const BLOCKING_EXPORTS: Record<string, (name: string) => boolean> = {
  fs: NAMES_ENDING_IN_SYNC,
  'node:fs': NAMES_ENDING_IN_SYNC,
  // Drop-in replacements for `fs` that re-export its `*Sync` functions and add their own.
  'fs-extra': NAMES_ENDING_IN_SYNC,
  'graceful-fs': NAMES_ENDING_IN_SYNC,
  child_process: (name) => CHILD_PROCESS_SYNC.has(name),
  'node:child_process': (name) => CHILD_PROCESS_SYNC.has(name),
  crypto: (name) => CRYPTO_SYNC.has(name),
  'node:crypto': (name) => CRYPTO_SYNC.has(name),
  zlib: NAMES_ENDING_IN_SYNC,
  'node:zlib': NAMES_ENDING_IN_SYNC,
};

const BLOCKING_MODULES = Object.keys(BLOCKING_EXPORTS);

/** A function that runs in the server process while other requests are being served. */
interface BackgroundCallback {
  fn: FunctionLike;
  /** For messages: `the task \`sendReport\``, `an \`after()\` callback`. */
  place: string;
}

/** `require('fs').readFileSync`: the module and name of a member of an inline `require`. */
function requiredMember(callee: Node): { module: string; name: string } | undefined {
  if (!Node.isPropertyAccessExpression(callee)) return undefined;
  const owner = unwrapExpression(callee.getExpression());
  if (!Node.isCallExpression(owner) || owner.getExpression().getText() !== 'require') return undefined;
  const [specifier] = owner.getArguments();
  return specifier !== undefined && Node.isStringLiteral(specifier) ? { module: specifier.getLiteralValue(), name: callee.getName() } : undefined;
}

/** `Atomics.wait(…)` on the global `Atomics` (not a project object of that name). */
function isAtomicsWait(callee: Node): boolean {
  if (!Node.isPropertyAccessExpression(callee) || callee.getName() !== 'wait') return false;
  const owner = unwrapExpression(callee.getExpression());
  if (!Node.isIdentifier(owner) || owner.getText() !== 'Atomics' || importOf(owner) !== undefined) return false;
  return (owner.getSymbol()?.getDeclarations() ?? []).every((declaration) => declaration.getSourceFile().isDeclarationFile());
}

/**
 * Whether a call blocks the thread: a `*Sync` function of `fs`, `child_process`, `crypto` or `zlib`,
 * recognised by the import it comes from (a project's own `readFileSync` is not `fs`'s), or `Atomics.wait`.
 */
function isBlockingCall(call: CallExpression): boolean {
  const callee = unwrapExpression(call.getExpression());
  if (isAtomicsWait(callee)) return true;
  if (!importsAny(call.getSourceFile(), BLOCKING_MODULES)) return false;
  const imported = referencedExport(callee) ?? requiredMember(callee);
  if (imported === undefined) return false;
  const blocks = BLOCKING_EXPORTS[imported.module];
  return blocks !== undefined && blocks(imported.name);
}

/** `template ??= readFileSync(…)`: a memo filled once per process, not per run. */
function isMemoised(call: CallExpression): boolean {
  let current: Node = call;
  for (let parent = current.getParent(); parent !== undefined && (Node.isParenthesizedExpression(parent) || Node.isCallExpression(parent) || Node.isPropertyAccessExpression(parent)); parent = current.getParent()) {
    current = parent;
  }
  const parent = current.getParent();
  return parent !== undefined && Node.isBinaryExpression(parent) && parent.getRight() === current && ['??=', '||='].includes(parent.getOperatorToken().getText());
}

function blocksHere(call: CallExpression): boolean {
  return isBlockingCall(call) && !isMemoised(call);
}

/** Timers a handler starts; one that sends the response itself is the handler's own deferred work, not background work. */
function handlerTimers(handler: Handler): BackgroundCallback[] {
  const body = handler.fn.getBody();
  if (body === undefined) return [];
  const isResponseEnding = responseEndingMatcher(handler);
  const found: BackgroundCallback[] = [];
  for (const call of callsIn(body, { enterNestedFunctions: true })) {
    const timer = timerCallback(call);
    const fn = timer === undefined ? undefined : resolveFunction(timer);
    if (fn !== undefined && isProjectCode(fn) && directResponse(fn, isResponseEnding) === undefined) {
      found.push({ fn, place: `a \`${expressionLabel(unwrapExpression(call.getExpression()))}()\` callback` });
    }
  }
  return found;
}

/**
 * Work that runs in the server process outside any request's handling: bgtask tasks, `after()`
 * callbacks, Fastify `onResponse` hooks, response listeners and timers a handler starts. Queue
 * processors and cron jobs are left out: they usually run in a worker process of their own.
 */
function backgroundCallbacks(index: ProjectIndex): BackgroundCallback[] {
  const callbacks: BackgroundCallback[] = [];
  for (const [fn, work] of projectWorks(index)) {
    if (work.kind === 'task' || work.kind === 'after' || isResponseHook(work)) callbacks.push({ fn, place: work.label });
  }
  for (const file of index.lintableFiles()) {
    if (isRuntimeFile(file) || index.isClientFile(file)) continue;
    for (const handler of index.handlersIn(file)) callbacks.push(...responseDoneCallbacks(handler), ...handlerTimers(handler));
  }
  return callbacks;
}

function* callbackProblems(callback: BackgroundCallback, search: ReachingCalls): Generator<Problem<MessageId>> {
  for (const call of callsInFunction(callback.fn)) {
    if (blocksHere(call)) {
      yield { node: call, messageId: 'blockingCall', data: { call: quotedCall(call), place: callback.place } };
      continue;
    }
    const callee = projectCallee(call, callback.fn);
    const reached = callee === undefined ? null : search.reached(callee, 1);
    if (reached === null) continue;
    const start = { node: callback.fn, message: `${capitalised(callback.place)} starts here.` };
    yield {
      node: call,
      messageId: 'blockingHelper',
      data: { call: quotedCall(call), blocking: expressionLabel(reached.target.getExpression()), via: viaText(reached), place: callback.place },
      path: reachedPath(start, call, reached, 'blocks the event loop'),
    };
  }
}

const problemsByIndex = new WeakMap<ProjectIndex, Map<SourceFile, Problem<MessageId>[]>>();

/** Every finding of the project, by the file it is in: a task's body may be far from where it is added. */
function projectProblems(index: ProjectIndex): Map<SourceFile, Problem<MessageId>[]> {
  const cached = problemsByIndex.get(index);
  if (cached !== undefined) return cached;
  const search = new ReachingCalls(blocksHere);
  const byFile = problemsByFile(backgroundCallbacks(index).flatMap((callback) => [...callbackProblems(callback, search)]));
  problemsByIndex.set(index, byFile);
  return byFile;
}

export default defineRule({
  id: 'blocking-task',
  description:
    'Disallow synchronous blocking calls (`fs.*Sync`, `child_process.*Sync`, `crypto.pbkdf2Sync`/`scryptSync`, `zlib.*Sync`, `Atomics.wait`) in in-process tasks and after-response callbacks, directly or through project functions: they stall every request on the server.',
  defaultSeverity: 'warn',
  messages: {
    blockingCall: '`{{call}}` blocks the event loop in {{place}}, so every request waits; use the async API, a worker thread or a queued job.',
    blockingHelper: '`{{call}}` reaches `{{blocking}}`{{via}} in {{place}}, so every request waits; use the async API, a worker thread or a queued job.',
  },
  *check({ sourceFile, index }) {
    yield* projectProblems(index).get(sourceFile) ?? [];
  },
});

// Shared with response-in-task, general enough for src/analysis (where they move later): following
// calls into project functions, the response a handler can still reach, and callbacks that run once it is done.

/** How many project functions deep to follow calls from a task; deeper chains are rare and cost time. */
export const MAX_HELPER_DEPTH = 6;

/** A call a project function reaches, with the calls that lead there from its body. */
export interface Reached {
  target: CallExpression;
  /** The calls from the function's body down to the target, the target last. */
  calls: CallExpression[];
  /** The names of the functions along the way, the function itself first. */
  names: string[];
}

/**
 * Whether a function nested in `caller` runs as part of it: a callback it hands on (`rows.forEach(…)`,
 * `new Promise(…)`, `.then(…)`) or invokes in place, at every level in between. A function it only
 * defines (an object's method, a returned closure, `const fail = () => …`) runs when it is called, if ever.
 */
function runsWithin(fn: FunctionLike, caller: FunctionLike): boolean {
  for (let current: Node | undefined = fn; current !== undefined && current !== caller; current = current.getParent()) {
    if (isFunctionLike(current) && callReceivingFunction(current) === undefined && !isImmediatelyInvoked(current)) return false;
  }
  return true;
}

/** The calls a function makes when it runs: its own and its callbacks', not those of functions it only defines. */
export function callsInFunction(fn: FunctionLike): CallExpression[] {
  const body = fn.getBody();
  if (body === undefined) return [];
  const calls: CallExpression[] = [];
  const visit = (node: Node): void => {
    if (isFunctionLike(node) && !runsWithin(node, fn)) return;
    node.forEachChild(visit);
    if (Node.isCallExpression(node)) calls.push(node);
  };
  visit(body);
  return calls;
}

/** A project function a call leads into, other than a callback of the caller's whose calls are already the caller's. */
export function projectCallee(call: CallExpression, caller: FunctionLike): FunctionLike | undefined {
  const callee = resolveCallee(call);
  if (callee === undefined || callee === caller || !isProjectCode(callee) || isRuntimeFile(callee.getSourceFile())) return undefined;
  return isInside(callee, caller) && runsWithin(callee, caller) ? undefined : callee;
}

/**
 * The first call of a kind (`matches`) that each project function reaches, itself or through the
 * project functions it calls, remembered per function. General: a candidate for src/analysis.
 */
export class ReachingCalls {
  private readonly reachedBy = new Map<FunctionLike, Reached | null>();

  constructor(private readonly matches: (call: CallExpression) => boolean) {}

  reached(fn: FunctionLike, depth: number): Reached | null {
    const known = this.reachedBy.get(fn);
    if (known !== undefined) return known;
    if (depth > MAX_HELPER_DEPTH) return null;
    // In progress: a recursive call finds nothing new here.
    this.reachedBy.set(fn, null);
    let result: Reached | null = null;
    for (const call of callsInFunction(fn)) {
      if (this.matches(call)) {
        result = { target: call, calls: [call], names: [functionName(fn)] };
        break;
      }
      const callee = projectCallee(call, fn);
      const inner = callee === undefined ? null : this.reached(callee, depth + 1);
      if (inner !== null) {
        result = { target: inner.target, calls: [call, ...inner.calls], names: [functionName(fn), ...inner.names] };
        break;
      }
    }
    this.reachedBy.set(fn, result);
    return result;
  }
}

/** `fs.readFileSync(…)`: the callee is what the reader looks for on the line. */
export function quotedCall(call: CallExpression): string {
  return `${expressionLabel(call.getExpression())}(${call.getArguments().length > 0 ? '…' : ''})`;
}

/** ` (via \`loadTemplate()\`)`: the functions between the called one and the target, for messages. */
export function viaText(reached: Reached): string {
  return reached.names.length > 1 ? ` (via ${reached.names.slice(1).map((name) => `\`${name}()\``).join(' → ')})` : '';
}

/** The calls from where the work starts down to the target, for SARIF's code flow. */
export function reachedPath(start: ProblemLocation, call: CallExpression, reached: Reached, targetMessage: string): ProblemLocation[] {
  return [
    start,
    { node: call, message: `calls \`${reached.names[0]}()\`` },
    ...reached.calls.slice(0, -1).map((step, position) => ({ node: step, message: `calls \`${reached.names[position + 1]}()\`` })),
    { node: reached.target, message: targetMessage },
  ];
}

/** The handler's response parameter (Express's `res`, Fastify's `reply`); references to it compare by symbol. */
export function responseParameter(handler: Handler): Node | undefined {
  if (handler.framework !== 'express' && handler.framework !== 'fastify') return undefined;
  const name = handler.fn.getParameters().find((param) => param.getName() === handler.responseName)?.getNameNode();
  return name !== undefined && Node.isIdentifier(name) ? name : undefined;
}

/** Whether an expression is the parameter itself: a shadowing `res` (a fetch result in a callback) is another symbol. */
export function isReferenceTo(expression: Node, parameter: Node): boolean {
  const node = unwrapExpression(expression);
  return Node.isIdentifier(node) && node.getText() === parameter.getText() && node.getSymbol() === parameter.getSymbol();
}

/** The response itself, or Fastify's `reply.raw`, the Node response underneath. */
export function isResponseOrRaw(expression: Node, parameter: Node): boolean {
  const node = unwrapExpression(expression);
  const response = Node.isPropertyAccessExpression(node) && node.getName() === 'raw' ? node.getExpression() : node;
  return isReferenceTo(response, parameter);
}

const RESPONSE_DONE_EVENTS = new Set(['finish', 'close']);

const RESPONSE_DONE_MODULES = ['on-finished', 'stream', 'node:stream'];

/** A callback that runs once a handler's response is done. */
export interface ResponseDoneCallback {
  fn: FunctionLike;
  /** For messages: `a response "finish" listener`, `an \`onFinished()\` callback`. */
  place: string;
  /** `onFinished(res, (err, res) => …)` hands the response back as the callback's second argument. */
  handsResponseBack: boolean;
}

/**
 * Callbacks a handler registers to run when its response is done: listeners for the response's
 * `finish` or `close` event, `onFinished(res, cb)` (on-finished) and `finished(res, cb)` (node:stream).
 */
export function responseDoneCallbacks(handler: Handler): ResponseDoneCallback[] {
  const body = handler.fn.getBody();
  const response = responseParameter(handler);
  if (body === undefined || response === undefined) return [];
  // Syntax first, symbols last: this runs over every call of every handler.
  const mayCallLibrary = importsAny(handler.fn.getSourceFile(), RESPONSE_DONE_MODULES);
  const found: ResponseDoneCallback[] = [];
  const add = (argument: Node, place: string, handsResponseBack: boolean): void => {
    const fn = resolveFunction(argument);
    if (fn !== undefined && isProjectCode(fn)) found.push({ fn, place, handsResponseBack });
  };
  for (const call of callsIn(body, { enterNestedFunctions: true })) {
    const callee = unwrapExpression(call.getExpression());
    const [first, second] = call.getArguments();
    if (first === undefined || second === undefined) continue;
    if (Node.isPropertyAccessExpression(callee) && LISTENER_METHODS.has(callee.getName())) {
      const event = Node.isStringLiteral(first) ? first.getLiteralValue() : undefined;
      if (event !== undefined && RESPONSE_DONE_EVENTS.has(event) && isResponseOrRaw(callee.getExpression(), response)) add(second, `a response "${event}" listener`, false);
      continue;
    }
    const imported = mayCallLibrary ? referencedExport(callee) : undefined;
    if (imported === undefined || !isResponseOrRaw(first, response)) continue;
    if (imported.module === 'on-finished' && (imported.name === 'default' || imported.name === '*')) add(second, 'an `onFinished()` callback', true);
    else if ((imported.module === 'stream' || imported.module === 'node:stream') && imported.name === 'finished') add(second, 'a `finished()` callback', false);
  }
  return found;
}

const importedModules = new WeakMap<SourceFile, Set<string>>();

/** Whether a file imports or requires one of these modules: a cheap test before resolving symbols. */
export function importsAny(file: SourceFile, modules: readonly string[]): boolean {
  let cached = importedModules.get(file);
  if (cached === undefined) {
    cached = new Set(file.getImportDeclarations().map((declaration) => moduleSpecifier(declaration) ?? ''));
    for (const match of file.getFullText().matchAll(/\brequire\(\s*['"]([^'"]+)['"]\s*\)/g)) cached.add(match[1] as string);
    importedModules.set(file, cached);
  }
  const imported = cached;
  return modules.some((module) => imported.has(module));
}

/** A Fastify `onResponse` hook: runs once the reply has been sent (the work's label names the hook's event). */
export function isResponseHook(work: Work): boolean {
  return work.kind === 'hook' && work.label.includes('`onResponse`');
}


/** Findings by the file they are in, one per node: two roots reaching the same call are one problem. */
export function problemsByFile<M extends string>(problems: Iterable<Problem<M>>): Map<SourceFile, Problem<M>[]> {
  const byFile = new Map<SourceFile, Problem<M>[]>();
  const reported = new Set<Node>();
  for (const problem of problems) {
    if (reported.has(problem.node)) continue;
    reported.add(problem.node);
    const file = problem.node.getSourceFile();
    byFile.set(file, [...(byFile.get(file) ?? []), problem]);
  }
  return byFile;
}
