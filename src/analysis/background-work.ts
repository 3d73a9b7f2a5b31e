import { dirname, join } from 'node:path';
import { Node, ts } from 'ts-morph';
import type { CallExpression, NewExpression, SourceFile } from 'ts-morph';
import { calleeName, callsIn, expressionLabel, functionName, isFunctionLike, isInside, LISTENER_METHODS, objectProperty, isProjectCode, resolveCallee, resolveFunction, unwrapExpression, wrappedFunctions, type FunctionLike } from './functions.js';
import { fastifyHooks, type Handler } from './handlers.js';
import { BULLMQ, CRON, CRONER, instanceOf, isExportOf, NEXT_SERVER, NODE_CRON } from './libraries.js';
import type { ProjectIndex } from './project-index.js';
import { timerCallback } from './promises.js';
import { isRuntimeFile } from './runtime.js';
import { forEachDescendantWhere, isFunctionLikeKind, oncePerFile } from './walk.js';

/**
 * How a function's errors can go unobserved:
 * - `background`: tasks, queue processors, cron jobs, timer and `after()` callbacks: their failures
 *   reach no client, so floating promises, empty catches and `.catch(() => {})` all lose them;
 * - `handler`: request handlers, whose own errors the framework sees; only the work they start and
 *   leave behind (floating promises, and a swallowing `.catch` on one) is background work;
 * - `helper`: project functions that handlers or background work call, judged like handlers.
 */
export type Role = 'background' | 'handler' | 'helper';

/**
 * What the code that calls a background callback does with the promise it returns:
 * `ignored` (timers), `unhandled` (croner without a `catch` option, `cron` without an `errorHandler`:
 * awaited or kept, but a rejection is unhandled), `handled` (BullMQ fails the job, node-cron v4 and
 * Next.js log it, bgtask's runtime reports it).
 */
export type ReturnedPromise = 'ignored' | 'unhandled' | 'handled';

/** Who sees an unhandled rejection: Node's default (the process dies) or Next.js (it logs it). */
export type Host = 'node' | 'next';

/** What starts the work: the rules that care about one kind (in-process tasks, `after()`) ask for it. */
export type WorkKind = 'task' | 'after' | 'processor' | 'job-loop' | 'cron' | 'timer' | 'listener' | 'handler' | 'hook' | 'helper';

export interface Work {
  role: Role;
  kind: WorkKind;
  /** The label of the handler, job or callback a helper's chain starts from (its own label otherwise). */
  origin: string;
  /** Where the work runs, for messages: `the POST /orders handler`, `a croner job`, `` `notify()` (from the POST /orders handler) ``. */
  label: string;
  returned: ReturnedPromise;
  host: Host;
  /** The arguments that hand a background callback over, first one first: one finding, the rest named. */
  sites: Node[];
  /** For a helper: the call that first reached it, and the function that made it. */
  caller?: { call: CallExpression; fn: FunctionLike };
  /** For a helper: every call that reaches it from work, the first one included. */
  calls: CallExpression[];
  /** The request handler the work runs in: its own for a handler, its origin's for a helper. */
  handler?: Handler;
  /** For a croner or `cron` job: the option that catches its errors, when given. */
  errorOption?: Node;
}

type Registration = Omit<Work, 'sites' | 'calls' | 'host' | 'origin'> & { fn: FunctionLike; site: Node; host?: Host };

/** How deep to follow calls from handlers and tasks into project helpers. */
const MAX_HELPER_DEPTH = 8;

/** Whether the file imports Next.js. Asked for every piece of work. */
function isNextFile(sourceFile: SourceFile): boolean {
  return importsNext(sourceFile.compilerNode);
}

const importsNext = oncePerFile((file) =>
  file.statements.some((statement) => ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier) && /^next(\/|$)/.test(statement.moduleSpecifier.text)),
);

/** A function argument, or the functions a wrapper call around it hands on (`new Worker(name, withTracing(process))`). */
function callbackFunctions(argument: Node | undefined): FunctionLike[] {
  if (argument === undefined) return [];
  const node = unwrapExpression(argument);
  if (Node.isCallExpression(node) && !isFunctionLike(unwrapExpression(node.getExpression()))) return wrappedFunctions(node);
  const fn = resolveFunction(node);
  return fn === undefined ? [] : [fn];
}

/** croner's `new Cron(pattern, options?, fn)`: the job runs unhandled unless `catch` is given. */
function cronerJob(node: NewExpression): Registration[] {
  const args = node.getArguments();
  const options = args.slice(1).find((arg) => Node.isObjectLiteralExpression(arg));
  const errorOption = objectProperty(options, 'catch');
  const callback = args.slice(1).find((arg) => arg !== options);
  return callbackFunctions(callback).map((fn) => ({
    fn,
    role: 'background',
    kind: 'cron',
    label: 'a croner job',
    returned: errorOption === undefined ? 'unhandled' : 'handled',
    site: callback as Node,
    ...(errorOption !== undefined ? { errorOption } : {}),
  }));
}

/**
 * `cron`'s `new CronJob(time, onTick, …, errorHandler)` (11th argument) or `CronJob.from({ onTick, errorHandler })`.
 * cron 4 catches a rejected `onTick` itself (`errorHandler`, else `console.error`), as node-cron 4 does.
 */
function cronJob(onTick: Node | undefined, errorHandler: Node | undefined): Registration[] {
  return callbackFunctions(onTick).map((fn) => ({
    fn,
    role: 'background',
    kind: 'cron',
    label: 'a `cron` job',
    returned: 'handled',
    site: onTick as Node,
    ...(errorHandler !== undefined ? { errorOption: errorHandler } : {}),
  }));
}

/** The processor file of `new Worker(name, join(__dirname, 'processor.js'))`: BullMQ runs its default export in a child process. */
function sandboxedProcessor(argument: Node, index: ProjectIndex): FunctionLike | undefined {
  const path = literalPath(argument);
  if (path === undefined) return undefined;
  const file = index.sourceFileNear(join(dirname(argument.getSourceFile().getFilePath()), path));
  return file === undefined ? undefined : moduleExportFunction(file);
}

/**
 * The literal part of a path expression, relative to the file that holds it: `'./processor.js'`,
 * `join(__dirname, 'jobs', 'report.js')`, `` `${__dirname}/jobs/report.js` ``, `new URL('./report.js', import.meta.url)`.
 */
function literalPath(expression: Node): string | undefined {
  const node = unwrapExpression(expression);
  if (Node.isStringLiteral(node) || Node.isNoSubstitutionTemplateLiteral(node)) return node.getLiteralValue();
  if (Node.isTemplateExpression(node)) return [node.getHead().getLiteralText(), ...node.getTemplateSpans().map((span) => span.getLiteral().getLiteralText())].join('');
  if (Node.isNewExpression(node) || Node.isCallExpression(node)) {
    const parts = (node.getArguments() ?? []).map(literalPath).filter((part): part is string => part !== undefined);
    return parts.length === 0 ? undefined : parts.join('/');
  }
  return undefined;
}

/** `export default async function (job) {…}`, `export default handler`, `module.exports = async (job) => …`. */
function moduleExportFunction(file: SourceFile): FunctionLike | undefined {
  const exported = file.getDefaultExportSymbol()?.getDeclarations()[0];
  if (exported !== undefined) {
    if (isFunctionLike(exported)) return exported;
    if (Node.isExportAssignment(exported)) return resolveFunction(exported.getExpression());
  }
  for (const statement of file.getStatements()) {
    if (!Node.isExpressionStatement(statement)) continue;
    const expression = statement.getExpression();
    if (Node.isBinaryExpression(expression) && expression.getOperatorToken().getText() === '=' && expression.getLeft().getText() === 'module.exports') {
      return resolveFunction(expression.getRight());
    }
  }
  return undefined;
}

/** Background callbacks registered in a file: queue processors, cron jobs, timers, `after()`. */
function backgroundRegistrations(sourceFile: SourceFile, index: ProjectIndex): Registration[] {
  const found: Registration[] = [];
  const nextHost = isNextFile(sourceFile) ? { host: 'next' as const } : {};
  forEachDescendantWhere(sourceFile, (node) => ts.isNewExpression(node) || ts.isCallExpression(node), (node) => {
    if (Node.isNewExpression(node)) {
      const constructed = node.getExpression();
      const args = node.getArguments();
      if (isExportOf(constructed, BULLMQ, 'Worker') && args[1] !== undefined) {
        const processors = callbackFunctions(args[1]);
        const sandboxed = processors.length === 0 ? sandboxedProcessor(args[1], index) : undefined;
        const name = Node.isStringLiteral(args[0]) ? `the \`${args[0].getLiteralValue()}\` queue processor` : 'a queue processor';
        for (const fn of sandboxed === undefined ? processors : [sandboxed]) found.push({ fn, role: 'background', kind: 'processor', label: name, returned: 'handled', site: args[1] });
      } else if (isExportOf(constructed, CRONER, 'Cron')) {
        found.push(...cronerJob(node));
      } else if (isExportOf(constructed, CRON, 'CronJob')) {
        found.push(...cronJob(args[1], args[10]));
      }
      return;
    }
    if (!Node.isCallExpression(node)) return;
    const callee = unwrapExpression(node.getExpression());
    const args = node.getArguments();
    const timer = timerCallback(node);
    if (timer !== undefined) {
      const label = `a \`${expressionLabel(callee)}()\` callback`;
      for (const fn of callbackFunctions(timer)) found.push({ fn, role: 'background', kind: 'timer', label, returned: 'ignored', site: timer, ...nextHost });
      return;
    }
    const listener = bullmqListener(node);
    if (listener !== undefined) {
      const label = `a \`${listener.event}\` listener`;
      for (const fn of callbackFunctions(listener.callback)) found.push({ fn, role: 'background', kind: 'listener', label, returned: 'ignored', site: listener.callback });
      return;
    }
    if (Node.isPropertyAccessExpression(callee) && callee.getName() === 'from' && isExportOf(callee.getExpression(), CRON, 'CronJob')) {
      found.push(...cronJob(objectProperty(args[0], 'onTick'), objectProperty(args[0], 'errorHandler')));
      return;
    }
    if (isExportOf(callee, NODE_CRON, 'schedule') || isExportOf(callee, NODE_CRON, 'createTask')) {
      for (const fn of callbackFunctions(args[1])) found.push({ fn, role: 'background', kind: 'cron', label: 'a node-cron job', returned: 'handled', site: args[1] as Node });
      return;
    }
    if (isExportOf(callee, NEXT_SERVER, 'after')) {
      for (const fn of callbackFunctions(args[0])) found.push({ fn, role: 'background', kind: 'after', label: 'an `after()` callback', returned: 'handled', site: args[0] as Node, host: 'next' });
    }
  });
  // Functions that pull jobs by hand (`await worker.getNextJob(token)` in a loop) are job processing too.
  for (const call of callsIn(sourceFile, { enterNestedFunctions: true })) {
    if (calleeName(call) !== 'getNextJob') continue;
    const fn = call.getFirstAncestor(isFunctionLike) as FunctionLike | undefined;
    if (fn !== undefined) found.push({ fn, role: 'background', kind: 'job-loop', label: `the job loop \`${functionName(fn)}\``, returned: 'handled', site: fn, ...nextHost });
  }
  return found;
}

const BULLMQ_EMITTERS = new Set(['Worker', 'Queue', 'QueueEvents', 'FlowProducer']);

/**
 * `worker.on('failed', listener)` on a BullMQ Worker, Queue, QueueEvents or FlowProducer: an
 * EventEmitter listener, whose returned promise nobody looks at.
 */
export function bullmqListener(call: CallExpression): { receiver: Node; event: string; callback: Node } | undefined {
  const callee = unwrapExpression(call.getExpression());
  const [event, callback] = call.getArguments();
  if (!Node.isPropertyAccessExpression(callee) || !LISTENER_METHODS.has(callee.getName()) || event === undefined || callback === undefined) return undefined;
  if (!Node.isStringLiteral(event) && !Node.isNoSubstitutionTemplateLiteral(event)) return undefined;
  const instance = instanceOf(callee.getExpression());
  if (instance === undefined || !(BULLMQ as readonly string[]).includes(instance.module) || !BULLMQ_EMITTERS.has(instance.name)) return undefined;
  return { receiver: callee.getExpression(), event: event.getLiteralValue(), callback };
}

function handlerLabel(handler: Handler, index: ProjectIndex): string {
  if (handler.route === undefined) return `the handler at ${index.location(handler.fn)}`;
  if (handler.route === 'middleware') return `the middleware at ${index.location(handler.fn)}`;
  // `POST /orders`, `server action invite`: the route says it is a handler, and keeps messages short.
  return handler.route;
}

/** Calls a function makes itself, including in nested callbacks that are not work of their own. */
export function ownCalls(fn: FunctionLike, works: ReadonlyMap<FunctionLike, Work>): CallExpression[] {
  const body = fn.getBody();
  const calls: CallExpression[] = [];
  if (body === undefined) return calls;
  forEachDescendantWhere(
    body,
    (node) => ts.isCallExpression(node) || isFunctionLikeKind(node.kind),
    (node) => {
      if (isFunctionLike(node)) return works.has(node) ? 'skip' : undefined;
      calls.push(node as CallExpression);
      return undefined;
    },
  );
  return calls;
}

const worksByIndex = new WeakMap<ProjectIndex, Map<FunctionLike, Work>>();

/**
 * Every function in the project whose errors `uncaught-task-error` follows: handlers, tasks and
 * background callbacks, then the project functions they call (B1.2's `add()` wrapper that drops
 * `queue.add`). Client code (`"use client"` and what only it imports) is not server work.
 */
export function projectWorks(index: ProjectIndex): Map<FunctionLike, Work> {
  const cached = worksByIndex.get(index);
  if (cached !== undefined) return cached;
  const works = new Map<FunctionLike, Work>();
  const files = index.lintableFiles().filter((file) => !isRuntimeFile(file) && !index.isClientFile(file));
  const register = ({ fn, site, host, ...work }: Registration): void => {
    if (!isProjectCode(fn) || index.isClientFile(fn.getSourceFile())) return;
    const existing = works.get(fn);
    if (existing !== undefined) {
      if (!existing.sites.includes(site)) existing.sites.push(site);
      return;
    }
    works.set(fn, { ...work, origin: work.label, sites: [site], calls: [], host: host ?? (isNextFile(fn.getSourceFile()) ? 'next' : 'node') });
  };
  for (const file of files) for (const registration of backgroundRegistrations(file, index)) register(registration);
  for (const task of index.taskFunctions()) {
    const name = functionName(task.fn);
    register({ fn: task.fn, role: 'background', kind: 'task', label: name === 'anonymous function' ? 'a task' : `the task \`${name}\``, returned: 'handled', site: task.registration, host: 'node' });
  }
  for (const file of files) {
    for (const handler of index.handlersIn(file)) {
      register({ fn: handler.fn, role: 'handler', kind: 'handler', label: handlerLabel(handler, index), returned: 'handled', site: handler.fn, handler, ...(handler.framework === 'next' ? { host: 'next' } : {}) });
    }
    for (const { event, hook } of fastifyHooks(file)) {
      for (const fn of callbackFunctions(hook)) register({ fn, role: 'handler', kind: 'hook', label: `a Fastify \`${event}\` hook`, returned: 'handled', site: hook });
    }
  }
  const queue: { fn: FunctionLike; work: Work; depth: number }[] = [...works].map(([fn, work]) => ({ fn, work, depth: 0 }));
  for (let next = 0; next < queue.length; next += 1) {
    const item = queue[next] as (typeof queue)[number];
    if (item.depth >= MAX_HELPER_DEPTH) continue;
    for (const call of ownCalls(item.fn, works)) {
      const callee = resolveCallee(call);
      if (callee === undefined || isInside(callee, item.fn) || !isProjectCode(callee) || isRuntimeFile(callee.getSourceFile())) continue;
      const known = works.get(callee);
      if (known !== undefined) {
        if (known.role === 'helper' && !known.calls.includes(call)) known.calls.push(call);
        continue;
      }
      const helper: Work = {
        role: 'helper',
        kind: 'helper',
        origin: item.work.origin,
        label: `\`${functionName(callee)}()\` (from ${item.work.handler?.route ?? item.work.origin})`,
        returned: 'handled',
        host: item.work.host,
        sites: [],
        caller: { call, fn: item.fn },
        calls: [call],
        ...(item.work.handler !== undefined ? { handler: item.work.handler } : {}),
      };
      works.set(callee, helper);
      queue.push({ fn: callee, work: helper, depth: item.depth + 1 });
    }
  }
  worksByIndex.set(index, works);
  return works;
}
