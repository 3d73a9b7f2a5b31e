import { Node, ts } from 'ts-morph';
import type { CallExpression, FunctionDeclaration, SourceFile, Symbol as TsMorphSymbol, VariableStatement } from 'ts-morph';
import { isFunctionLike, objectProperty, resolveFunction, unwrapExpression, wrappedFunctions, type FunctionLike } from './functions.js';
import { forEachDescendantWhere, isFunctionLikeKind } from './walk.js';

export type Framework = 'express' | 'fastify' | 'hono' | 'next';

export interface Handler {
  fn: FunctionLike;
  framework: Framework;
  /** Parameter names as the handler spells them; undefined where it takes none. */
  requestName?: string;
  responseName?: string;
  /** `POST /orders`, `middleware`, `server action createPost`: how messages name it; undefined when unknown. */
  route?: string;
  /** Registered through a wrapper (`asyncHandler(fn)`, `withAuth(fn)`), which sees what it returns. */
  wrapped?: boolean;
}

const ROUTE_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'del', 'all', 'options', 'head', 'use', 'on', 'openapi']);
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
  // @hono/zod-openapi: `app.openapi(route, handler, hook?)`, the route a `createRoute({…})` value.
  if (method === 'openapi') return args.length >= 2;
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

function literalText(node: Node | undefined): string | undefined {
  if (node === undefined) return undefined;
  const value = unwrapExpression(node);
  if (Node.isStringLiteral(value) || Node.isNoSubstitutionTemplateLiteral(value)) return value.getLiteralValue();
  if (Node.isArrayLiteralExpression(value)) {
    const items = value.getElements().map(literalText);
    return items.every((item) => item !== undefined) ? items.join('|') : undefined;
  }
  return undefined;
}

/** A property of an object literal, or of the object literal a `createRoute({…})` call or a `const` holds. */
function routeOptionText(options: Node | undefined, key: string): string | undefined {
  let node = options === undefined ? undefined : unwrapExpression(options);
  // `route`, or `routes.list` from `import * as routes from './monitors.routes.js'`.
  const name = node !== undefined && Node.isPropertyAccessExpression(node) ? node.getNameNode() : node;
  if (name !== undefined && Node.isIdentifier(name)) {
    const symbol = name.getSymbol();
    const declaration = (symbol?.getAliasedSymbol() ?? symbol)?.getDeclarations()[0];
    node = declaration !== undefined && Node.isVariableDeclaration(declaration) ? declaration.getInitializer() : undefined;
  }
  if (node !== undefined && Node.isCallExpression(node)) node = node.getArguments()[0];
  if (node === undefined || !Node.isObjectLiteralExpression(node)) return undefined;
  const property = node.getProperty(key);
  return property !== undefined && Node.isPropertyAssignment(property) ? literalText(property.getInitializer()) : undefined;
}

/** `POST /orders` for `app.post('/orders', …)`, `router.route('/orders').post(…)`, `app.on('POST', '/orders', …)`, `app.openapi(createRoute({ method, path }), …)`. */
function routeLabel(call: CallExpression): string | undefined {
  const callee = unwrapExpression(call.getExpression());
  if (!Node.isPropertyAccessExpression(callee)) return undefined;
  const method = callee.getName();
  const args = call.getArguments();
  if (method === 'use') return 'middleware';
  let verb: string | undefined = method;
  let path: string | undefined;
  if (method === 'openapi') {
    verb = routeOptionText(args[0], 'method');
    path = routeOptionText(args[0], 'path');
  } else if (method === 'on') {
    verb = literalText(args[0]);
    path = literalText(args[1]);
  } else if (method === 'route') {
    verb = routeOptionText(args[0], 'method');
    path = routeOptionText(args[0], 'url') ?? routeOptionText(args[0], 'path');
  } else {
    const receiver = unwrapExpression(callee.getExpression());
    path = literalText(args[0]);
    // `router.route('/orders').get(h).post(h)`: the path is on the `route()` call down the chain.
    for (let current: Node = receiver; path === undefined && Node.isCallExpression(current); ) {
      const inner = unwrapExpression(current.getExpression());
      if (!Node.isPropertyAccessExpression(inner)) break;
      if (inner.getName() === 'route') path = literalText(current.getArguments()[0]);
      current = unwrapExpression(inner.getExpression());
    }
  }
  if (verb === undefined) return path;
  const upper = verb.toUpperCase();
  return path === undefined ? upper : `${upper} ${path}`;
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
  return resolveFunction(objectProperty(options, 'handler'));
}

/**
 * The handler functions a route argument stands for: the function itself, `controller.create.bind(controller)`,
 * or the functions handed to a wrapper such as `asyncHandler(async (req, res) => …)` or `withAuth(handler)`.
 */
function routeArgumentFunctions(argument: Node): { fn: FunctionLike; wrapped: boolean }[] {
  const node = unwrapExpression(argument);
  if (!Node.isCallExpression(node)) {
    const fn = resolveFunction(node);
    return fn !== undefined && fn.getParameters().length > 0 ? [{ fn, wrapped: false }] : [];
  }
  const callee = unwrapExpression(node.getExpression());
  if (Node.isPropertyAccessExpression(callee) && callee.getName() === 'bind') {
    const fn = resolveFunction(callee.getExpression());
    return fn !== undefined ? [{ fn, wrapped: false }] : [];
  }
  // `withAuth(asyncHandler(fn))`: a wrapper's argument may be a wrapper call itself.
  const nested = node.getArguments().filter(Node.isCallExpression).flatMap(routeArgumentFunctions);
  return [...wrappedFunctions(node).map((fn) => ({ fn, wrapped: true })), ...nested.map(({ fn }) => ({ fn, wrapped: true }))];
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
  const add = (fn: FunctionLike | undefined, framework?: Framework, details: Pick<Handler, 'route' | 'wrapped'> = {}): void => {
    if (fn === undefined) return;
    const known = found.get(fn);
    if (known !== undefined) {
      // Seen by its parameter types first, then at its route: the route names it better.
      known.route ??= details.route;
      return;
    }
    const shape = frameworkOf(fn);
    found.set(fn, { fn, ...shape, ...(framework !== undefined ? { framework } : {}), ...definedOnly(details) });
  };

  const wanted = (node: ts.Node): boolean => ts.isCallExpression(node) || isFunctionLikeKind(node.kind) || ts.isVariableDeclaration(node);
  forEachDescendantWhere(sourceFile, wanted, (node) => {
    if (Node.isCallExpression(node)) {
      if (isRouteRegistration(node)) {
        const route = routeLabel(node);
        const isOpenApi = calledName(node) === 'openapi';
        // `app.openapi(route, handler, hook)`: the route is data and the hook validation code.
        const handlerArguments = isOpenApi ? node.getArguments().slice(1, 2) : node.getArguments();
        for (const arg of handlerArguments) {
          for (const { fn, wrapped } of routeArgumentFunctions(arg)) add(fn, isOpenApi ? 'hono' : undefined, { route, wrapped });
        }
      }
      const fastifyHandler = fastifyRouteHandler(node);
      if (fastifyHandler !== undefined) add(fastifyHandler, 'fastify', { route: routeLabel(node) });
    } else if (isFunctionLike(node) && isRequestTyped(node)) {
      add(node);
    } else {
      const typed = typedHandlerVariable(node);
      if (typed !== undefined) add(typed.fn, typed.framework);
    }
  });

  const nextPath = nextRoutePath(sourceFile);
  const isServerActionFile = hasFileDirective(sourceFile, 'use server');
  for (const [name, fn] of exportedFunctions(sourceFile)) {
    if (NEXT_ROUTE_EXPORTS.has(name)) {
      const route = nextPath === undefined ? name : `${name} ${nextPath}`;
      found.set(fn, { fn, framework: 'next', requestName: fn.getParameters()[0]?.getName(), route });
    } else if (isServerActionFile && !found.has(fn)) {
      found.set(fn, { fn, framework: 'next', route: `server action ${name}` });
    }
  }
  return [...found.values()];
}

function calledName(call: CallExpression): string | undefined {
  const callee = unwrapExpression(call.getExpression());
  return Node.isPropertyAccessExpression(callee) ? callee.getName() : undefined;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}

/** `export function GET`, `export const POST = async () => …`, `export default async function`… by exported name. */
function exportedFunctions(sourceFile: SourceFile): [string, FunctionLike][] {
  const found: [string, FunctionLike][] = [];
  const isExported = exportTest(sourceFile);
  for (const fn of sourceFile.getFunctions()) {
    const name = fn.getName();
    if (isExported(fn) && name !== undefined) found.push([name, fn]);
  }
  for (const statement of sourceFile.getVariableStatements()) {
    if (!isExported(statement)) continue;
    for (const declaration of statement.getDeclarations()) {
      const initializer = declaration.getInitializer();
      const value = initializer === undefined ? undefined : unwrapExpression(initializer);
      if (isFunctionLike(value)) found.push([declaration.getName(), value]);
      // `export const POST = withAuth(async (req) => …)`, `actionClient.schema(s).action(async (…) => …)`.
      else if (value !== undefined && Node.isCallExpression(value)) for (const fn of wrappedFunctions(value)) found.push([declaration.getName(), fn]);
    }
  }
  return found;
}

/**
 * ts-morph's `isExported()`, with the file's exports read once: asked of every declaration, ts-morph
 * reads them all again each time, and a file of thousands of functions took minutes.
 */
function exportTest(sourceFile: SourceFile): (declaration: FunctionDeclaration | VariableStatement) => boolean {
  let exported: Set<TsMorphSymbol | undefined> | undefined;
  return (declaration) => {
    if (declaration.hasExportKeyword()) return true;
    const symbol = declaration.getSymbol();
    if (symbol === undefined) return false;
    exported ??= new Set(sourceFile.getSymbol()?.getExports().flatMap((entry) => [entry, entry.getAliasedSymbol()]));
    return exported.has(symbol);
  };
}

/** `"use client"`, `"use server"`: a directive in the file's prologue. */
export function hasFileDirective(sourceFile: SourceFile, directive: string): boolean {
  for (const statement of sourceFile.getStatements()) {
    if (!Node.isExpressionStatement(statement)) return false;
    const expression = statement.getExpression();
    if (!Node.isStringLiteral(expression)) return false;
    if (expression.getLiteralValue() === directive) return true;
  }
  return false;
}

/** `/api/orders/[id]` for `app/api/orders/[id]/route.ts` (route groups `(shop)` dropped), else undefined. */
function nextRoutePath(sourceFile: SourceFile): string | undefined {
  // Greedy: the last `app` directory on the path is Next's.
  const match = /^.*\/app((?:\/[^/]+)*)\/route\.[cm]?[jt]sx?$/.exec(sourceFile.getFilePath());
  if (match === null) return undefined;
  const segments = (match[1] ?? '').split('/').filter((segment) => segment !== '' && !/^\(.*\)$/.test(segment));
  return `/${segments.join('/')}`;
}

/** Fastify `app.addHook(event, hook)` registrations in a file: request-lifecycle code that the rules judge like handlers. */
export function fastifyHooks(sourceFile: SourceFile): { event: string; hook: Node }[] {
  const hooks: { event: string; hook: Node }[] = [];
  // Every file of the project is asked: one that never names `addHook` registers none.
  if (!sourceFile.getFullText().includes('addHook')) return hooks;
  forEachDescendantWhere(sourceFile, ts.isCallExpression, (node) => {
    if (!Node.isCallExpression(node)) return;
    const callee = unwrapExpression(node.getExpression());
    const name = Node.isIdentifier(callee) ? callee.getText() : Node.isPropertyAccessExpression(callee) ? callee.getName() : undefined;
    const [event, hook] = node.getArguments();
    if (name === 'addHook' && event !== undefined && Node.isStringLiteral(event) && hook !== undefined) hooks.push({ event: event.getLiteralValue(), hook });
  });
  return hooks;
}
