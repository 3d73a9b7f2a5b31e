import { Node } from 'ts-morph';
import type { CallExpression, SourceFile } from 'ts-morph';
import {
  callsIn,
  chainRoot,
  enclosingFunction,
  type FunctionLike,
  functionName,
  isFunctionLike,
  LISTENER_METHODS,
  resolveCallee,
  resolveFunction,
  unwrapExpression,
} from '../analysis/functions.js';
import { projectWorks } from '../analysis/background-work.js';
import { fastifyHooks, type Handler } from '../analysis/handlers.js';
import { BULLMQ, instanceOf, isExportOf, NEXT_SERVER } from '../analysis/libraries.js';
import { isCollectionAddTask, type ProjectIndex } from '../analysis/project-index.js';
import { timerCallback } from '../analysis/promises.js';
import { callsAfterResponseIn, directResponse, isAwaitedOrReturned, isContinuationCall, responseEndingMatcher } from '../analysis/response-flow.js';
import type { Problem } from './rule.js';
import { defineRule } from './rule.js';

const RESPONSE_DONE_EVENTS = new Set(['finish', 'close']);

type MessageId = 'afterResponse' | 'insideTask' | 'outlivesHandler' | 'enqueueAfterResponse' | 'afterOutsideRequest';

interface OutlivingCallback {
  /** The call that hands the callback over: `setTimeout(…)`, `res.on(…)`, `p.then(…)`, `(async () => …)()`. */
  registration: CallExpression;
  callback: Node;
  /** For messages: ``a `setTimeout()` callback``, `a listener for the response's "finish" event`. */
  via: string;
  /** Response events fire only after the response; a timer or continuation may be the one that responds. */
  mayRespond: boolean;
  /** Only task sites from here on run late (an async function runs synchronously up to its first `await`). */
  from?: number;
}

interface Site {
  node: Node;
  label: string;
  via: string[];
}

/** The end of the first `await` in a function's own body, or undefined when it never awaits. */
function firstAwaitEnd(fn: FunctionLike): number | undefined {
  let end: number | undefined;
  fn.getBody()?.forEachDescendant((node, traversal) => {
    if (isFunctionLike(node)) return traversal.skip();
    if (Node.isAwaitExpression(node) || (Node.isForOfStatement(node) && node.isAwaited())) {
      end = node.getEnd();
      return traversal.stop();
    }
    return undefined;
  });
  return end;
}

/** Callbacks that run after the handler has returned: response events, timers, un-awaited continuations and async IIFEs. */
function outlivingCallbacks(handler: Handler): OutlivingCallback[] {
  const body = handler.fn.getBody();
  if (body === undefined) return [];
  const found: OutlivingCallback[] = [];
  const lifecycleNames = new Set([handler.requestName, handler.responseName].filter((name) => name !== undefined));
  body.forEachDescendant((node) => {
    if (!Node.isCallExpression(node)) return;
    const callee = unwrapExpression(node.getExpression());
    const timer = timerCallback(node);
    if (timer !== undefined) {
      found.push({ registration: node, callback: timer, via: `a \`${callee.getText()}()\` callback`, mayRespond: true });
      return;
    }
    if (isFunctionLike(callee)) {
      const from = callee.isAsync() && !isAwaitedOrReturned(node, handler.fn) ? firstAwaitEnd(callee) : undefined;
      if (from !== undefined) {
        const via = 'an un-awaited async function past its first `await`';
        found.push({ registration: node, callback: callee, via, mayRespond: true, from });
      }
      return;
    }
    if (!Node.isPropertyAccessExpression(callee)) return;
    const method = callee.getName();
    if (LISTENER_METHODS.has(method)) {
      const root = chainRoot(callee.getExpression());
      const [event, listener] = node.getArguments();
      if (Node.isIdentifier(root) && lifecycleNames.has(root.getText()) && listener !== undefined) {
        const eventName = event !== undefined && Node.isStringLiteral(event) ? event.getLiteralValue() : undefined;
        const owner = root.getText() === handler.responseName ? 'response' : 'request';
        // 'finish' and 'close' come after the response; a request's 'end' (body read) may come before it.
        const afterResponse = eventName === undefined || RESPONSE_DONE_EVENTS.has(eventName);
        const via = `a listener for the ${owner}'s ${eventName === undefined ? 'events' : `"${eventName}" event`}`;
        found.push({ registration: node, callback: listener, via, mayRespond: !afterResponse });
      }
      return;
    }
    if (isContinuationCall(node) && !isAwaitedOrReturned(node, handler.fn)) {
      for (const arg of node.getArguments()) {
        found.push({ registration: node, callback: arg, via: `a \`.${method}()\` callback the handler does not await`, mayRespond: true });
      }
    }
  });
  return found;
}

/**
 * Express (and Fastify with `return reply`) respond when `res.json()` runs, wherever it runs: a
 * continuation or timer that adds its task and then responds itself is where the response
 * happens, unless the handler has already responded by then (a response after registering it).
 */
function respondsItself(entry: OutlivingCallback, isResponseEnding: (call: CallExpression) => boolean): boolean {
  const callback = unwrapExpression(entry.callback);
  if (!entry.mayRespond || !isFunctionLike(callback) || directResponse(callback, isResponseEnding) === undefined) return false;
  const owner = enclosingFunction(entry.registration);
  const ownerBody = owner?.getBody();
  if (ownerBody === undefined) return true;
  const registrationEnd = entry.registration.getEnd();
  return !callsIn(ownerBody, { enterNestedFunctions: false }).some((call) => call.getStart() > registrationEnd && isResponseEnding(call));
}

function taskLabel(fn: FunctionLike): string {
  const name = functionName(fn);
  return name === 'anonymous function' ? 'an inline task' : `the task \`${name}\``;
}

function viaText(via: string[]): string {
  return via.length === 0 ? '' : ` (via ${via.join(' → ')})`;
}

/** Where a callback adds tasks: at the calls inside it when inline, at the callback itself when named. */
function sitesInCallback(index: ProjectIndex, callback: Node, from = 0): Site[] {
  const inline = unwrapExpression(callback);
  if (isFunctionLike(inline)) {
    return index
      .addTaskSitesIn(inline)
      .filter((site) => site.call.getStart() >= from)
      .map((site) => ({ node: site.call, label: shortCall(site.call), via: site.via }));
  }
  const fn = resolveFunction(callback);
  const path = fn === undefined ? null : index.addTaskPath(fn, 0);
  return path === null ? [] : [{ node: callback, label: callback.getText(), via: path }];
}

/** Inline functions within a handler (at any depth) that end its response themselves, e.g. a `readFile` callback. */
function respondingCallbacks(handler: Handler, isResponseEnding: (call: CallExpression) => boolean): FunctionLike[] {
  const found: FunctionLike[] = [];
  handler.fn.getBody()?.forEachDescendant((node) => {
    if (isFunctionLike(node) && directResponse(node, isResponseEnding) !== undefined) found.push(node);
  });
  return found;
}

/** Task sites reached by a call made after the response: the `addTask` itself, a helper, or inline callbacks (`items.forEach(…)`). */
function lateSites(index: ProjectIndex, call: CallExpression, flowRoot: FunctionLike, deferred: ReadonlySet<CallExpression>): Site[] {
  if (isCollectionAddTask(call)) return [{ node: call, label: shortCall(call), via: [] }];
  const callee = resolveCallee(call);
  if (callee !== undefined && callee !== flowRoot && !isFunctionLike(unwrapExpression(call.getExpression()))) {
    const path = index.addTaskPath(callee, 0);
    if (path !== null) return [{ node: call, label: shortCall(call), via: path }];
  }
  // Deferred callbacks (timers, listeners, un-awaited continuations) are judged as outliving the handler.
  if (deferred.has(call)) return [];
  const sites: Site[] = [];
  const inline = isFunctionLike(unwrapExpression(call.getExpression())) ? [call.getExpression()] : call.getArguments();
  for (const arg of inline) {
    const fn = unwrapExpression(arg);
    if (!isFunctionLike(fn)) continue;
    for (const site of index.addTaskSitesIn(fn)) sites.push({ node: site.call, label: shortCall(site.call), via: site.via });
  }
  return sites;
}

/** `queue.add(…)`, `queue.addBulk(…)`, `flow.add(…)` on a BullMQ producer: the job is stored once it resolves. */
function isEnqueue(call: CallExpression): boolean {
  const callee = unwrapExpression(call.getExpression());
  if (!Node.isPropertyAccessExpression(callee) || !['add', 'addBulk'].includes(callee.getName())) return false;
  const instance = instanceOf(callee.getExpression());
  if (instance !== undefined) return (BULLMQ as readonly string[]).includes(instance.module) && ['Queue', 'FlowProducer'].includes(instance.name);
  // With BullMQ's types installed, a queue the rule did not see made (injected, returned by a factory).
  const declaration = callee.getExpression().getType().getSymbol()?.getDeclarations()[0];
  return declaration !== undefined && ['Queue', 'FlowProducer'].includes(declaration.getSymbol()?.getName() ?? '') && /[\\/]bullmq[\\/]/.test(declaration.getSourceFile().getFilePath());
}

/** How deep to follow project functions looking for an enqueue. */
const MAX_ENQUEUE_DEPTH = 6;
const enqueuePaths = new WeakMap<FunctionLike, string[] | null>();

/** Function names from `fn` down to a BullMQ enqueue it makes (not in nested callbacks), or null. */
function enqueuePath(fn: FunctionLike, depth = 0): string[] | null {
  const cached = enqueuePaths.get(fn);
  if (cached !== undefined) return cached;
  enqueuePaths.set(fn, null);
  let path: string[] | null = null;
  for (const call of callsIn(fn.getBody() ?? fn, { enterNestedFunctions: false })) {
    if (isEnqueue(call)) {
      path = [functionName(fn)];
      break;
    }
    const callee = depth < MAX_ENQUEUE_DEPTH ? resolveCallee(call) : undefined;
    const inner = callee === undefined || callee === fn || callee.getBody() === undefined ? null : enqueuePath(callee, depth + 1);
    if (inner !== null) {
      path = [functionName(fn), ...inner];
      break;
    }
  }
  enqueuePaths.set(fn, path);
  return path;
}

/** `await queue.add(…)` after `res.json(…)`: the client heard "accepted" before the job was stored. */
function* enqueueProblems(handler: Handler, isResponseEnding: (call: CallExpression) => boolean): Generator<Problem<MessageId>> {
  const paths = new Map<CallExpression, string[]>();
  const isLateEnqueue = (call: CallExpression): boolean => {
    if (isEnqueue(call)) {
      paths.set(call, []);
      return true;
    }
    const callee = resolveCallee(call);
    const path = callee === undefined || callee === handler.fn || isFunctionLike(unwrapExpression(call.getExpression())) ? null : enqueuePath(callee);
    if (path !== null) paths.set(call, path);
    return path !== null;
  };
  for (const { call, response } of callsAfterResponseIn(handler.fn, isResponseEnding, isLateEnqueue)) {
    yield { node: call, messageId: 'enqueueAfterResponse', data: { call: shortCall(call), response: shortCall(response), via: viaText(paths.get(call) ?? []) } };
  }
}

/**
 * `after()` where no request is in scope: at module scope, or in a queue processor, cron job, job
 * loop or BullMQ listener. Next.js throws there. `after()` inside an `after()` callback is allowed.
 */
function* afterOutsideRequestProblems(sourceFile: SourceFile, index: ProjectIndex): Generator<Problem<MessageId>> {
  if (!sourceFile.getFullText().includes('after')) return;
  const works = projectWorks(index);
  for (const call of callsIn(sourceFile, { enterNestedFunctions: true })) {
    if (!isExportOf(call.getExpression(), NEXT_SERVER, 'after')) continue;
    let place: string | undefined = 'module scope';
    for (let fn = enclosingFunction(call); fn !== undefined; fn = enclosingFunction(fn)) {
      const work = works.get(fn);
      if (work?.kind === 'after') {
        place = undefined;
        break;
      }
      place = work !== undefined && ['processor', 'cron', 'job-loop', 'listener'].includes(work.kind) ? work.label : undefined;
      if (place !== undefined || work !== undefined) break;
    }
    if (place !== undefined) yield { node: call, messageId: 'afterOutsideRequest', data: { place } };
  }
}

function* handlerProblems(index: ProjectIndex, handler: Handler): Generator<Problem<MessageId>> {
  const isResponseEnding = responseEndingMatcher(handler);
  const outliving = outlivingCallbacks(handler);
  const deferred = new Set(outliving.map((entry) => entry.registration));
  if (handler.responseName !== undefined) {
    for (const root of [handler.fn, ...respondingCallbacks(handler, isResponseEnding)]) {
      const sitesByCall = new Map<CallExpression, Site[]>();
      const isLate = (call: CallExpression): boolean => {
        const sites = lateSites(index, call, root, deferred);
        sitesByCall.set(call, sites);
        return sites.length > 0;
      };
      for (const { call, response } of callsAfterResponseIn(root, isResponseEnding, isLate)) {
        for (const site of sitesByCall.get(call) ?? []) {
          yield {
            node: site.node,
            messageId: 'afterResponse',
            data: { call: site.label, response: shortCall(response), via: viaText(site.via) },
          };
        }
      }
    }
  }
  if (handler.responseName !== undefined) yield* enqueueProblems(handler, isResponseEnding);
  for (const entry of outliving) {
    if (respondsItself(entry, isResponseEnding)) continue;
    for (const site of sitesInCallback(index, entry.callback, entry.from)) {
      yield { node: site.node, messageId: 'outlivesHandler', data: { call: site.label, callback: entry.via, via: viaText(site.via) } };
    }
  }
}

export default defineRule({
  id: 'task-after-response',
  description:
    'Disallow background work scheduled where nothing will carry it: a task added after responding, inside a task or in a callback that outlives the handler, a job enqueued after the client was told it worked, and `after()` outside a request.',
  defaultSeverity: 'error',
  messages: {
    afterResponse: '`{{call}}` adds a task after `{{response}}` sent the response{{via}}: the collection is sealed, so it throws.',
    insideTask: '`{{call}}` adds a task inside {{task}}{{via}}: the collection is sealed by then, so it throws; call the work directly.',
    outlivesHandler: '`{{call}}` adds a task in {{callback}}{{via}}, after the response: the collection is sealed, so it throws.',
    enqueueAfterResponse: '`{{call}}` enqueues after `{{response}}` told the client it worked{{via}}: if enqueueing fails, the job is lost; enqueue first.',
    afterOutsideRequest: '`after()` in {{place}} has no request to run after, so Next.js throws here; do the work directly or enqueue a job.',
  },
  *check({ sourceFile, index }) {
    // One finding per site: a task inside a deferred callback after a response is one bug, not three.
    const reported = new Set<Node>();
    const fresh = (problem: Problem<MessageId>): boolean => {
      if (reported.has(problem.node)) return false;
      reported.add(problem.node);
      return true;
    };
    for (const task of index.taskFunctions()) {
      if (task.fn.getSourceFile() !== sourceFile) continue;
      for (const site of index.addTaskSitesIn(task.fn)) {
        const problem: Problem<MessageId> = {
          node: site.call,
          messageId: 'insideTask',
          data: { call: shortCall(site.call), task: taskLabel(task.fn), via: viaText(site.via) },
        };
        if (fresh(problem)) yield problem;
      }
    }
    for (const handler of index.handlersIn(sourceFile)) {
      for (const problem of handlerProblems(index, handler)) if (fresh(problem)) yield problem;
    }
    yield* afterOutsideRequestProblems(sourceFile, index);
    // Fastify runs onResponse hooks once the response has been sent.
    for (const { hook } of fastifyHooks(sourceFile).filter((registration) => registration.event === 'onResponse')) {
      for (const site of sitesInCallback(index, hook)) {
        const problem: Problem<MessageId> = {
          node: site.node,
          messageId: 'outlivesHandler',
          data: { call: site.label, callback: "Fastify's `onResponse` hook", via: viaText(site.via) },
        };
        if (fresh(problem)) yield problem;
      }
    }
  },
});

/** `req.backgroundTasks.addTask(…)`: the callee and an ellipsis, enough to find it on the line. */
function shortCall(call: CallExpression): string {
  const callee = call.getExpression().getText().replace(/\s+/g, '');
  return `${callee.length > 50 ? `…${callee.slice(-48)}` : callee}(…)`;
}
