import { Node } from 'ts-morph';
import type { CallExpression, ParameterDeclaration, SourceFile } from 'ts-morph';
import { projectWorks } from '../analysis/background-work.js';
import { callsIn, expressionLabel, functionName, isFunctionLike, isInside, isProjectCode, resolveFunction, unwrapExpression, type FunctionLike } from '../analysis/functions.js';
import type { Handler } from '../analysis/handlers.js';
import { isExportOf, moduleSpecifier } from '../analysis/libraries.js';
import { isCollectionAddTask, type ProjectIndex } from '../analysis/project-index.js';
import { isRuntimeFile } from '../analysis/runtime.js';
// Shared with blocking-task until they move to src/analysis: the bounded walk into project functions.
import {
  callsInFunction,
  importsAny,
  isReferenceTo,
  isResponseHook,
  isResponseOrRaw,
  MAX_HELPER_DEPTH,
  problemsByFile,
  projectCallee,
  quotedCall,
  reachedPath,
  ReachingCalls,
  responseDoneCallbacks,
  responseParameter,
  viaText,
  type Reached,
} from './blocking-task.js';
import { capitalised, defineRule, type Problem, type ProblemLocation } from './rule.js';

type MessageId = 'writeAfterResponse' | 'responseHandedToTask' | 'cookieAfterResponse';

/** Which API a response object has: Express's `res`, Fastify's `reply` (and Node's `reply.raw`), Hono's `c`. */
type ResponseApi = 'express' | 'fastify' | 'node' | 'hono';

/** A name bound to the request's response in some function: a handler's parameter, or a task's or helper's. */
interface ResponseBinding {
  /** The parameter's name; references are compared by symbol, so a shadowing `res` (a fetch result) is another. */
  parameter: Node;
  api: Exclude<ResponseApi, 'node'>;
}

/** A function that runs after the response has been sent, and the response it can still reach. */
interface LateCallback {
  fn: FunctionLike;
  binding: ResponseBinding;
  /** For messages: `a task`, `the task \`sendReport\``, `a response "finish" listener`. */
  place: string;
}

const HEADERS_SENT = 'it fails with `ERR_HTTP_HEADERS_SENT`';
const ENDED = 'it fails, as the response has already ended';
const UNSEEN = 'the client never sees it';
const FASTIFY_DROPS = 'Fastify logs `FST_ERR_REP_ALREADY_SENT` and drops it';
const HONO_UNSENT = 'the `Response` it builds is never sent';

/** Node's `ServerResponse` methods that set headers, which throw once they are sent. */
const NODE_HEADER_WRITES = ['setHeader', 'writeHead', 'removeHeader', 'appendHeader'];

/** What a late call of each method does, by API. Reading (`get`, `getHeader`, `locals`, `statusCode`) is not listed. */
const LATE_WRITES: Record<ResponseApi, Record<string, string>> = {
  express: {
    ...Object.fromEntries(
      [
        ...NODE_HEADER_WRITES,
        'send', 'json', 'jsonp', 'sendStatus', 'sendFile', 'download', 'redirect', 'render', 'format',
        'set', 'header', 'append', 'cookie', 'clearCookie', 'type', 'contentType', 'attachment', 'location', 'links', 'vary',
      ].map((method) => [method, HEADERS_SENT]),
    ),
    write: ENDED,
    end: ENDED,
    status: UNSEEN,
  },
  node: { ...Object.fromEntries(NODE_HEADER_WRITES.map((method) => [method, HEADERS_SENT])), write: ENDED, end: ENDED },
  fastify: {
    ...Object.fromEntries(['send', 'redirect', 'callNotFound', 'view', 'sendFile', 'download'].map((method) => [method, FASTIFY_DROPS])),
    ...Object.fromEntries(['code', 'status', 'header', 'headers', 'type', 'removeHeader', 'setCookie', 'cookie', 'clearCookie'].map((method) => [method, UNSEEN])),
  },
  hono: {
    ...Object.fromEntries(['json', 'text', 'html', 'body', 'redirect', 'notFound', 'newResponse', 'render'].map((method) => [method, HONO_UNSENT])),
    header: UNSEEN,
    status: UNSEEN,
  },
};

/** Properties that say whether the response is out (Hono's is `c.finalized`): code that checks one guards its writes. */
const SENT_PROPERTIES = new Set(['headersSent', 'sent', 'writableEnded', 'writableFinished', 'finished', 'finalized']);
const NEXT_HEADERS = ['next/headers'] as const;

function isReference(expression: Node, binding: ResponseBinding): boolean {
  return isReferenceTo(expression, binding.parameter);
}

/** What a call writing to the response does this late, or undefined when it does not write to it. */
function lateWrite(call: CallExpression, binding: ResponseBinding): string | undefined {
  const callee = unwrapExpression(call.getExpression());
  if (!Node.isPropertyAccessExpression(callee)) return undefined;
  const method = callee.getName();
  const receiver = unwrapExpression(callee.getExpression());
  const direct = isReference(receiver, binding);
  const raw = !direct && binding.api === 'fastify' && isResponseOrRaw(receiver, binding.parameter);
  // `res.status(500).json(…)` is judged by its last call.
  const chained = Node.isCallExpression(receiver) && lateWrite(receiver, binding) !== undefined;
  if (!direct && !raw && !chained) return undefined;
  // `res.end()` without a body does nothing once the response is out: it is the usual SSE cleanup.
  if (method === 'end' && call.getArguments().length === 0) return undefined;
  const api: ResponseApi = raw ? 'node' : binding.api;
  return Object.hasOwn(LATE_WRITES[api], method) ? LATE_WRITES[api][method] : undefined;
}

/** `res.status(500).json(…)`: the inner `res.status(500)` is part of the outer write. */
function isPartOfLargerWrite(call: CallExpression, binding: ResponseBinding): boolean {
  const access = call.getParent();
  const outer = access?.getParent();
  return access !== undefined && Node.isPropertyAccessExpression(access) && outer !== undefined && Node.isCallExpression(outer) && lateWrite(outer, binding) !== undefined;
}

/** `if (!res.headersSent) res.set(…)`: a function that asks whether the response is out guards its writes. */
function checksSent(fn: FunctionLike, binding: ResponseBinding): boolean {
  return (fn.getBody()?.getDescendants() ?? []).some((node) => {
    if (!Node.isPropertyAccessExpression(node) || !SENT_PROPERTIES.has(node.getName())) return false;
    return isResponseOrRaw(node.getExpression(), binding.parameter);
  });
}

/** A late write a function makes to a response parameter of its own, itself or through the project functions it hands it to. */
interface ReachedWrite extends Reached {
  consequence: string;
}

/** The parameter of `fn` that receives argument `position`, as a binding of the same API. */
function parameterBinding(fn: FunctionLike, position: number, api: ResponseBinding['api']): ResponseBinding | undefined {
  const parameter = fn.getParameters()[position];
  if (parameter === undefined || parameter.isRestParameter() || !Node.isIdentifier(parameter.getNameNode())) return undefined;
  return { parameter: parameter.getNameNode(), api };
}

/**
 * Follows the response into the project functions it reaches: handed on (`sendError(res, err)`),
 * or captured by a closure defined where the response is in scope (`const fail = () => res.json(…)`).
 */
class ResponseWrites {
  private readonly byFunction = new Map<FunctionLike, Map<Node, ReachedWrite | null>>();

  /** The first late write `fn` makes through `binding`. */
  reached(fn: FunctionLike, binding: ResponseBinding, depth: number): ReachedWrite | null {
    const byParameter = this.byFunction.get(fn) ?? new Map<Node, ReachedWrite | null>();
    this.byFunction.set(fn, byParameter);
    const known = byParameter.get(binding.parameter);
    if (known !== undefined) return known;
    if (depth > MAX_HELPER_DEPTH) return null;
    // In progress: a recursive call finds nothing new here.
    byParameter.set(binding.parameter, null);
    let result: ReachedWrite | null = null;
    for (const { call, reached, consequence } of this.writesIn(fn, binding, depth)) {
      result = { target: reached?.target ?? call, calls: [call, ...(reached?.calls ?? [])], names: [functionName(fn), ...(reached?.names ?? [])], consequence };
      break;
    }
    byParameter.set(binding.parameter, result);
    return result;
  }

  /** Late writes in a function: direct ones, and calls into project functions that write to the response. */
  *writesIn(fn: FunctionLike, binding: ResponseBinding, depth: number): Generator<{ call: CallExpression; reached?: ReachedWrite; consequence: string }> {
    if (checksSent(fn, binding)) return;
    const scope = binding.parameter.getFirstAncestor(isFunctionLike);
    for (const call of callsInFunction(fn)) {
      const consequence = lateWrite(call, binding);
      if (consequence !== undefined) {
        if (!isPartOfLargerWrite(call, binding)) yield { call, consequence };
        continue;
      }
      const callee = projectCallee(call, fn);
      if (callee === undefined) continue;
      const position = call.getArguments().findIndex((argument) => isReference(argument, binding));
      const closesOver = scope !== undefined && isInside(callee, scope);
      const calleeBinding = position !== -1 ? parameterBinding(callee, position, binding.api) : closesOver ? binding : undefined;
      const reached = calleeBinding === undefined ? null : this.reached(callee, calleeBinding, depth + 1);
      if (reached !== null) yield { call, reached, consequence: reached.consequence };
    }
  }
}

function taskPlace(fn: FunctionLike): string {
  const name = functionName(fn);
  return name === 'anonymous function' ? 'a task' : `the task \`${name}\``;
}

/** The handler's response: Express's `res` and Fastify's `reply` parameters, Hono's context `c`. */
function handlerBinding(handler: Handler): ResponseBinding | undefined {
  if (handler.framework === 'express' || handler.framework === 'fastify') {
    const parameter = responseParameter(handler);
    return parameter === undefined ? undefined : { parameter, api: handler.framework };
  }
  const context = handler.framework === 'hono' ? handler.fn.getParameters().find((param) => param.getName() === handler.requestName) : undefined;
  const nameNode = context?.getNameNode();
  // A one-parameter handler is taken for Hono's; Fastify's `async (request) => …` and Koa's `(ctx) => …` have that shape too.
  if (context === undefined || nameNode === undefined || !Node.isIdentifier(nameNode)) return undefined;
  return isHonoContext(context) ? { parameter: nameNode, api: 'hono' } : undefined;
}

/** Hono's context: the handler's file imports Hono (its `Context` type, say), or the parameter has Hono's conventional name `c` (Koa's is `ctx`). */
function isHonoContext(parameter: ParameterDeclaration): boolean {
  const importsHono = parameter.getSourceFile().getImportDeclarations().some((declaration) => /^(hono|@hono\/)/.test(moduleSpecifier(declaration) ?? ''));
  return importsHono || parameter.getName() === 'c';
}

/** A callback given where it is registered, when it is a project function. */
function callbackFunction(argument: Node | undefined): FunctionLike | undefined {
  const fn = resolveFunction(argument);
  return fn !== undefined && isProjectCode(fn) ? fn : undefined;
}

/**
 * What a handler leaves to run after its response: tasks it adds that close over the response,
 * listeners for the response's `finish`/`close`, `onFinished(res, cb)` and `finished(res, cb)`.
 * Timers are left out: a timer may be how the handler responds.
 */
function lateCallbacks(handler: Handler, binding: ResponseBinding): LateCallback[] {
  const body = handler.fn.getBody();
  if (body === undefined) return [];
  const found: LateCallback[] = [];
  for (const call of callsIn(body, { enterNestedFunctions: true })) {
    const fn = isCollectionAddTask(call) ? callbackFunction(call.getArguments()[0]) : undefined;
    if (fn !== undefined && isInside(fn, handler.fn)) found.push({ fn, binding, place: taskPlace(fn) });
  }
  for (const { fn, place, handsResponseBack } of responseDoneCallbacks(handler)) {
    if (isInside(fn, handler.fn)) found.push({ fn, binding, place });
    const handedBack = handsResponseBack ? parameterBinding(fn, 1, binding.api) : undefined;
    if (handedBack !== undefined) found.push({ fn, binding: handedBack, place });
  }
  return found;
}

/** `addTask(sendReport, res)`: the response handed to a task as an argument, and the task's parameter that receives it. */
function handedResponses(handler: Handler, binding: ResponseBinding): { argument: Node; task: FunctionLike; parameter: ResponseBinding }[] {
  const body = handler.fn.getBody();
  if (body === undefined) return [];
  const found: { argument: Node; task: FunctionLike; parameter: ResponseBinding }[] = [];
  for (const call of callsIn(body, { enterNestedFunctions: true })) {
    if (!isCollectionAddTask(call)) continue;
    const [fnArgument, ...taskArguments] = call.getArguments();
    const task = callbackFunction(fnArgument);
    if (task === undefined) continue;
    taskArguments.forEach((argument, position) => {
      const parameter = isReference(argument, binding) ? parameterBinding(task, position, binding.api) : undefined;
      if (parameter !== undefined) found.push({ argument, task, parameter });
    });
  }
  return found;
}

/** Fastify's `onResponse` hooks, whose `reply` has been sent by the time they run. */
function responseHooks(index: ProjectIndex): LateCallback[] {
  const hooks: LateCallback[] = [];
  for (const [fn, work] of projectWorks(index)) {
    const reply = work.kind === 'hook' && isResponseHook(work) ? parameterBinding(fn, 1, 'fastify') : undefined;
    if (reply !== undefined) hooks.push({ fn, binding: reply, place: work.label });
  }
  return hooks;
}

/** `cookies().set(…)`, `(await cookies()).delete(…)`, `store.set(…)` with `const store = await cookies()` (`next/headers`). */
function isCookieWrite(call: CallExpression): boolean {
  const callee = unwrapExpression(call.getExpression());
  if (!Node.isPropertyAccessExpression(callee) || !['set', 'delete'].includes(callee.getName())) return false;
  const receiver = unwrapExpression(callee.getExpression());
  if (isCookiesCall(receiver)) return true;
  const declaration = Node.isIdentifier(receiver) ? receiver.getSymbol()?.getDeclarations()[0] : undefined;
  const initializer = declaration !== undefined && Node.isVariableDeclaration(declaration) ? declaration.getInitializer() : undefined;
  return initializer !== undefined && isCookiesCall(initializer);
}

function isCookiesCall(expression: Node): boolean {
  let node = unwrapExpression(expression);
  if (Node.isAwaitExpression(node)) node = unwrapExpression(node.getExpression());
  return Node.isCallExpression(node) && isExportOf(node.getExpression(), NEXT_HEADERS, 'cookies');
}

/** `res.status(500).json(…)`: a write chain with the last call's arguments elided, and others' when they are long. */
function writeLabel(call: CallExpression, last = true): string {
  const callee = unwrapExpression(call.getExpression());
  if (!Node.isPropertyAccessExpression(callee)) return quotedCall(call);
  const receiver = unwrapExpression(callee.getExpression());
  const owner = Node.isCallExpression(receiver) ? writeLabel(receiver, false) : expressionLabel(receiver);
  const args = call.getArguments().map((argument) => argument.getText()).join(', ');
  return `${owner}.${callee.getName()}(${args === '' || (!last && args.length <= 12) ? args : '…'})`;
}

function* lateCallbackProblems(callback: LateCallback, writes: ResponseWrites): Generator<Problem<MessageId>> {
  const start = { node: callback.fn, message: `${capitalised(callback.place)} starts here, after the response was sent.` };
  for (const { call, reached, consequence } of writes.writesIn(callback.fn, callback.binding, 0)) {
    if (reached === undefined) {
      yield { node: call, messageId: 'writeAfterResponse', data: { call: writeLabel(call), place: callback.place, consequence, via: '' } };
    } else {
      const data = { call: quotedCall(call), place: callback.place, consequence, via: viaText(reached) };
      yield { node: call, messageId: 'writeAfterResponse', data, path: reachedPath(start, call, reached, 'writes to the response') };
    }
  }
}

function* afterCallbackProblems(fn: FunctionLike, cookies: ReachingCalls): Generator<Problem<MessageId>> {
  const start = { node: fn, message: 'An `after()` callback starts here, after the response was sent.' };
  for (const call of callsInFunction(fn)) {
    if (isCookieWrite(call)) {
      yield { node: call, messageId: 'cookieAfterResponse', data: { call: quotedCall(call), via: '' } };
      continue;
    }
    const callee = projectCallee(call, fn);
    const reached = callee === undefined ? null : cookies.reached(callee, 1);
    if (reached !== null) yield { node: call, messageId: 'cookieAfterResponse', data: { call: quotedCall(call), via: viaText(reached) }, path: reachedPath(start, call, reached, 'changes a cookie') };
  }
}

/** From the argument that hands the response over, through the task's calls, to the write. */
function handedPath(argument: Node, reached: ReachedWrite): ProblemLocation[] {
  return [
    { node: argument, message: 'The response is handed to the task here.' },
    ...reached.calls.slice(0, -1).map((step, position) => ({ node: step, message: `calls \`${reached.names[position + 1]}()\`` })),
    { node: reached.target, message: 'writes to the response' },
  ];
}

const problemsByIndex = new WeakMap<ProjectIndex, Map<SourceFile, Problem<MessageId>[]>>();

/** Every finding of the project, by the file it is in: a task's body may be far from the handler that adds it. */
function projectProblems(index: ProjectIndex): Map<SourceFile, Problem<MessageId>[]> {
  const cached = problemsByIndex.get(index);
  if (cached !== undefined) return cached;
  const problems: Problem<MessageId>[] = [];
  const writes = new ResponseWrites();
  const files = index.lintableFiles().filter((file) => !isRuntimeFile(file) && !index.isClientFile(file));
  for (const file of files) {
    for (const handler of index.handlersIn(file)) {
      const binding = handlerBinding(handler);
      if (binding === undefined) continue;
      for (const callback of lateCallbacks(handler, binding)) problems.push(...lateCallbackProblems(callback, writes));
      for (const { argument, task, parameter } of handedResponses(handler, binding)) {
        const reached = writes.reached(task, parameter, 1);
        if (reached === null) continue;
        const data = { response: argument.getText(), place: taskPlace(task), write: writeLabel(reached.target), via: viaText(reached), consequence: reached.consequence };
        problems.push({ node: argument, messageId: 'responseHandedToTask', data, path: handedPath(argument, reached) });
      }
    }
  }
  for (const hook of responseHooks(index)) problems.push(...lateCallbackProblems(hook, writes));
  // Only `cookies` from next/headers can change a cookie: a project that never imports it has nothing to follow.
  if (files.some((file) => importsAny(file, NEXT_HEADERS))) {
    const cookies = new ReachingCalls(isCookieWrite);
    for (const [fn, work] of projectWorks(index)) if (work.kind === 'after') problems.push(...afterCallbackProblems(fn, cookies));
  }
  const byFile = problemsByFile(problems);
  problemsByIndex.set(index, byFile);
  return byFile;
}

export default defineRule({
  id: 'response-in-task',
  description:
    "Disallow writing to the request's response (`res.json`, `res.setHeader`, `reply.send`, `c.json`, Next.js `cookies().set`…) from a task or an after-response callback: the response has already been sent.",
  defaultSeverity: 'error',
  messages: {
    writeAfterResponse: '`{{call}}` writes to the response{{via}} in {{place}}, which runs after it was sent: {{consequence}}.',
    responseHandedToTask: '`{{response}}` is handed to {{place}}, which calls `{{write}}`{{via}} after it was sent: {{consequence}}.',
    cookieAfterResponse: '`{{call}}` changes a cookie{{via}} in an `after()` callback, after the response was sent: Next.js throws `ReadonlyRequestCookiesError`.',
  },
  *check({ sourceFile, index }) {
    yield* projectProblems(index).get(sourceFile) ?? [];
  },
});
