import { Node } from 'ts-morph';
import type { CallExpression, SourceFile } from 'ts-morph';
import { isFunctionLike, resolveFunction, unwrapExpression, type FunctionLike } from './functions.js';

export type Framework = 'express' | 'fastify' | 'hono' | 'next';

export interface Handler {
  fn: FunctionLike;
  framework: Framework;
  /** Parameter names as the handler spells them; undefined where it takes none. */
  requestName?: string;
  responseName?: string;
}

const ROUTE_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'del', 'all', 'options', 'head', 'use', 'on']);
const NEXT_ROUTE_EXPORTS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

/** Express (`send`, `json`…) and Fastify (`send`, `redirect`…) calls that end the response. */
export const RESPONSE_ENDING_METHODS = new Set([
  'send',
  'json',
  'jsonp',
  'end',
  'redirect',
  'render',
  'sendFile',
  'download',
  'sendStatus',
  'callNotFound',
  'hijack',
]);

function frameworkOf(fn: FunctionLike): Omit<Handler, 'fn'> {
  const params = fn.getParameters();
  const names = params.map((param) => param.getName());
  const typeTexts = params.map((param) => param.getTypeNode()?.getText() ?? '');
  // Hono middleware is `(c, next)`; Express middleware has `res` between them.
  if (params.length === 1 || /\bContext\b/.test(typeTexts[0] ?? '') || (params.length === 2 && names[1] === 'next')) {
    return { framework: 'hono', requestName: names[0] };
  }
  // Express error middleware: `(err, req, res, next)`.
  if (params.length === 4) return { framework: 'express', requestName: names[1], responseName: names[2] };
  const looksFastify = /Fastify|Reply/.test(typeTexts.join(' ')) || names[1] === 'reply';
  return { framework: looksFastify ? 'fastify' : 'express', requestName: names[0], responseName: names[1] };
}

function isRouteRegistration(call: CallExpression): boolean {
  const callee = unwrapExpression(call.getExpression());
  if (!Node.isPropertyAccessExpression(callee)) return false;
  const method = callee.getName();
  if (!ROUTE_METHODS.has(method)) return false;
  const args = call.getArguments();
  if (method === 'use') return args.length > 0;
  if (isExpressRouteChain(callee.getExpression())) return args.length > 0;
  // `map.get(key)` and `emitter.on('x', fn)` look alike; a route starts with a path (or a method list
  // for Hono's `on(method, path, handler)`, which `emitter.on(event, listener)` lacks).
  const [first] = args;
  return (
    args.length >= (method === 'on' ? 3 : 2) &&
    first !== undefined &&
    (Node.isStringLiteral(first) ||
      Node.isNoSubstitutionTemplateLiteral(first) ||
      Node.isTemplateExpression(first) ||
      Node.isRegularExpressionLiteral(first) ||
      Node.isArrayLiteralExpression(first) ||
      Node.isIdentifier(first))
  );
}

/** `app.route('/books')`, or `app.route('/books').get(list)`: Express's per-path chain, whose methods take only handlers. */
function isExpressRouteChain(receiver: Node): boolean {
  let current = unwrapExpression(receiver);
  while (Node.isCallExpression(current)) {
    const callee = unwrapExpression(current.getExpression());
    if (!Node.isPropertyAccessExpression(callee)) return false;
    const [path] = current.getArguments();
    if (callee.getName() === 'route') return path !== undefined && (Node.isStringLiteral(path) || Node.isNoSubstitutionTemplateLiteral(path));
    if (!ROUTE_METHODS.has(callee.getName())) return false;
    current = unwrapExpression(callee.getExpression());
  }
  return false;
}

/** `app.route({ method, url, handler })` (Fastify). */
function fastifyRouteHandler(call: CallExpression): FunctionLike | undefined {
  const callee = unwrapExpression(call.getExpression());
  if (!Node.isPropertyAccessExpression(callee) || callee.getName() !== 'route') return undefined;
  const [options] = call.getArguments();
  if (options === undefined || !Node.isObjectLiteralExpression(options)) return undefined;
  const handler = options.getProperty('handler');
  if (handler === undefined) return undefined;
  if (Node.isMethodDeclaration(handler)) return handler;
  if (Node.isPropertyAssignment(handler)) return resolveFunction(handler.getInitializer());
  if (Node.isShorthandPropertyAssignment(handler)) return resolveFunction(handler.getNameNode());
  return undefined;
}

/**
 * The handler functions a route argument stands for: the function itself, `controller.create.bind(controller)`,
 * or the functions handed to a wrapper such as `asyncHandler(async (req, res) => …)`.
 */
function routeArgumentFunctions(argument: Node): FunctionLike[] {
  const node = unwrapExpression(argument);
  if (!Node.isCallExpression(node)) {
    const fn = resolveFunction(node);
    return fn !== undefined && fn.getParameters().length > 0 ? [fn] : [];
  }
  const callee = unwrapExpression(node.getExpression());
  if (Node.isPropertyAccessExpression(callee) && callee.getName() === 'bind') {
    const fn = resolveFunction(callee.getExpression());
    return fn !== undefined ? [fn] : [];
  }
  // Only two-parameter functions: a wrapper's other function arguments are options, not handlers.
  return node
    .getArguments()
    .map((arg) => resolveFunction(arg))
    .filter((fn): fn is FunctionLike => fn !== undefined && fn.getParameters().length >= 2);
}

/** `const cancel: RequestHandler = async (req, res) => …`, exported and registered elsewhere, or not at all. */
const HANDLER_TYPE = /^(express\.)?RequestHandler\b|^RouteHandler(Method)?\b|^MiddlewareHandler\b/;

function typedHandlerVariable(node: Node): { fn: FunctionLike; framework: Framework } | undefined {
  if (!Node.isVariableDeclaration(node)) return undefined;
  const typeText = node.getTypeNode()?.getText();
  const initializer = node.getInitializer();
  if (typeText === undefined || initializer === undefined || !HANDLER_TYPE.test(typeText)) return undefined;
  const fn = unwrapExpression(initializer);
  if (!isFunctionLike(fn)) return undefined;
  const framework = typeText.includes('RequestHandler') ? 'express' : typeText.startsWith('RouteHandler') ? 'fastify' : 'hono';
  return { fn, framework };
}

function isRequestTyped(fn: FunctionLike): boolean {
  const params = fn.getParameters();
  // Error middleware `(err, req, res, next)` has the pair one place later.
  const offset = params.length === 4 ? 1 : 0;
  const first = params[offset]?.getTypeNode()?.getText() ?? '';
  const second = params[offset + 1]?.getTypeNode()?.getText() ?? '';
  if (/^(express\.)?Request\b|^FastifyRequest\b/.test(first) && /^(express\.)?Response\b|^FastifyReply\b/.test(second)) return true;
  return params.length === 1 && /^Context\b/.test(first);
}

/** Route handlers and middleware of Express 5, Fastify 5, Hono 4 and Next.js route handlers in a file. */
export function findHandlers(sourceFile: SourceFile): Handler[] {
  const found = new Map<FunctionLike, Handler>();
  const add = (fn: FunctionLike | undefined, framework?: Framework): void => {
    if (fn === undefined || found.has(fn)) return;
    const shape = frameworkOf(fn);
    found.set(fn, { fn, ...shape, ...(framework !== undefined ? { framework } : {}) });
  };

  sourceFile.forEachDescendant((node) => {
    if (Node.isCallExpression(node)) {
      if (isRouteRegistration(node)) {
        for (const arg of node.getArguments()) for (const fn of routeArgumentFunctions(arg)) add(fn);
      }
      add(fastifyRouteHandler(node), 'fastify');
    } else if (isFunctionLike(node) && isRequestTyped(node)) {
      add(node);
    } else {
      const typed = typedHandlerVariable(node);
      if (typed !== undefined) add(typed.fn, typed.framework);
    }
  });

  for (const fn of sourceFile.getFunctions()) {
    const name = fn.getName();
    if (fn.isExported() && name !== undefined && NEXT_ROUTE_EXPORTS.has(name)) {
      found.set(fn, { fn, framework: 'next', requestName: fn.getParameters()[0]?.getName() });
    }
  }
  for (const statement of sourceFile.getVariableStatements()) {
    if (!statement.isExported()) continue;
    for (const declaration of statement.getDeclarations()) {
      const initializer = declaration.getInitializer();
      const fn = initializer === undefined ? undefined : unwrapExpression(initializer);
      if (NEXT_ROUTE_EXPORTS.has(declaration.getName()) && isFunctionLike(fn)) {
        found.set(fn, { fn, framework: 'next', requestName: fn.getParameters()[0]?.getName() });
      }
    }
  }
  return [...found.values()];
}

/** Fastify `app.addHook(event, hook)` registrations in a file: request-lifecycle code that the rules judge like handlers. */
export function fastifyHooks(sourceFile: SourceFile): { event: string; hook: Node }[] {
  const hooks: { event: string; hook: Node }[] = [];
  sourceFile.forEachDescendant((node) => {
    if (!Node.isCallExpression(node)) return;
    const callee = unwrapExpression(node.getExpression());
    const name = Node.isIdentifier(callee) ? callee.getText() : Node.isPropertyAccessExpression(callee) ? callee.getName() : undefined;
    const [event, hook] = node.getArguments();
    if (name === 'addHook' && event !== undefined && Node.isStringLiteral(event) && hook !== undefined) hooks.push({ event: event.getLiteralValue(), hook });
  });
  return hooks;
}
