import { Node, SyntaxKind, ts } from 'ts-morph';
import type {
  ArrowFunction,
  CallExpression,
  Expression,
  FunctionDeclaration,
  FunctionExpression,
  Identifier,
  MethodDeclaration,
  PropertyAccessExpression,
  NewExpression,
} from 'ts-morph';
import { descendantsOfKinds, isFunctionLikeKind } from './walk.js';

export type FunctionLike = ArrowFunction | FunctionExpression | FunctionDeclaration | MethodDeclaration;

const CALL_KIND: ReadonlySet<ts.SyntaxKind> = new Set([SyntaxKind.CallExpression]);

/** What a property of an object literal is set to: `{ key: value }`, `{ key }` (the name), `{ key() {} }` (the method). */
export function objectProperty(object: Node | undefined, key: string): Node | undefined {
  if (object === undefined || !Node.isObjectLiteralExpression(object)) return undefined;
  const property = object.getProperty(key);
  if (property === undefined) return undefined;
  if (Node.isPropertyAssignment(property)) return property.getInitializer();
  if (Node.isShorthandPropertyAssignment(property)) return property.getNameNode();
  if (Node.isMethodDeclaration(property)) return property;
  return undefined;
}

/** EventEmitter's ways to register a listener: `emitter.on(event, listener)` and its siblings. */
export const LISTENER_METHODS: ReadonlySet<string> = new Set(['on', 'once', 'addListener', 'prependListener', 'prependOnceListener']);

export function isFunctionLike(node: Node | undefined): node is FunctionLike {
  return (
    node !== undefined &&
    (Node.isArrowFunction(node) ||
      Node.isFunctionExpression(node) ||
      Node.isFunctionDeclaration(node) ||
      Node.isMethodDeclaration(node))
  );
}

/** Strips `(x)`, `x as T`, `x!` and `x satisfies T`, which change nothing at run time. */
export function unwrapExpression(node: Node): Node {
  let current = node;
  for (;;) {
    if (
      Node.isParenthesizedExpression(current) ||
      Node.isAsExpression(current) ||
      Node.isNonNullExpression(current) ||
      Node.isSatisfiesExpression(current) ||
      Node.isTypeAssertion(current)
    ) {
      current = current.getExpression();
    } else {
      return current;
    }
  }
}

/** The outermost `(x)`, `x as T`, `x!`… around an expression: the node its parent actually sees. */
export function outermostWrapper(node: Node): Node {
  let current = node;
  for (;;) {
    const parent = current.getParent();
    if (
      parent !== undefined &&
      (Node.isParenthesizedExpression(parent) ||
        Node.isAsExpression(parent) ||
        Node.isNonNullExpression(parent) ||
        Node.isSatisfiesExpression(parent) ||
        Node.isTypeAssertion(parent))
    ) {
      current = parent;
    } else {
      return current;
    }
  }
}

/**
 * The identifiers in a declaration's own file that refer to it, the declaration's name excluded. By
 * symbol rather than the language service's find-references: a linted variable is local to its file
 * (callers treat exported ones as escaping), and a symbol walk avoids a whole-project search per variable.
 * Shorthand properties (`{ task }`) and export specifiers resolve to their own symbols, so they match by name.
 */
export function referencesInFile(nameNode: Node): Node[] {
  const symbol = nameNode.getSymbol();
  const name = nameNode.getText();
  if (symbol === undefined) return [];
  const found: Node[] = [];
  nameNode.getSourceFile().forEachDescendant((node) => {
    if (node === nameNode || !Node.isIdentifier(node) || node.getText() !== name) return;
    const parent = node.getParent();
    if (Node.isShorthandPropertyAssignment(parent) || Node.isExportSpecifier(parent)) {
      found.push(node);
      return;
    }
    if (node.getSymbol() === symbol) found.push(node);
  });
  return found;
}

/** The call a function is passed to as an argument: `setImmediate` for `setImmediate(() => …)`, `new Worker(…)` for a processor. */
export function callReceivingFunction(fn: FunctionLike): CallExpression | NewExpression | undefined {
  const outer = outermostWrapper(fn);
  const parent = outer.getParent();
  if ((Node.isCallExpression(parent) || Node.isNewExpression(parent)) && parent.getArguments().includes(outer)) return parent;
  return undefined;
}

/** `(() => …)()` or `(async function () { … })()`: runs where it stands. */
export function isImmediatelyInvoked(fn: FunctionLike): boolean {
  const outer = outermostWrapper(fn);
  const parent = outer.getParent();
  return Node.isCallExpression(parent) && parent.getExpression() === outer;
}

/**
 * The function an expression names, in this file or another of the project: an inline function,
 * a function declaration, `const f = () => …`, an imported one, or a method reached as `obj.method`.
 */
export function resolveFunction(expression: Node | undefined): FunctionLike | undefined {
  if (expression === undefined) return undefined;
  const node = unwrapExpression(expression);
  if (isFunctionLike(node)) return node;
  if (!Node.isIdentifier(node) && !Node.isPropertyAccessExpression(node)) return undefined;
  // Every rule asks of the same calls; the type checker is asked once per reference.
  const known = resolvedReferences.get(node.compilerNode);
  if (known !== undefined) return known ?? undefined;
  const resolved = resolveReference(node);
  resolvedReferences.set(node.compilerNode, resolved ?? null);
  return resolved;
}

const resolvedReferences = new WeakMap<ts.Node, FunctionLike | null>();

function resolveReference(node: Identifier | PropertyAccessExpression): FunctionLike | undefined {
  const target = Node.isPropertyAccessExpression(node) ? node.getNameNode() : node;
  let symbol = target.getSymbol();
  if (symbol === undefined) return undefined;
  const aliased = symbol.getAliasedSymbol();
  if (aliased !== undefined) symbol = aliased;
  for (const declaration of symbol.getDeclarations()) {
    if (isFunctionLike(declaration)) return declaration;
    // `const f = () => …`, `{ f: () => … }`, a class field `private f = async () => …`.
    if (Node.isVariableDeclaration(declaration) || Node.isPropertyAssignment(declaration) || Node.isPropertyDeclaration(declaration)) {
      const initializer = declaration.getInitializer();
      if (initializer !== undefined) {
        const inner = unwrapExpression(initializer);
        if (isFunctionLike(inner)) return inner;
      }
    }
  }
  return undefined;
}

/** The function a call invokes, when the project defines it; through a wrapper, the wrapped one (`withRetry(fn)(args)` calls `fn`). */
export function resolveCallee(call: CallExpression): FunctionLike | undefined {
  const callee = unwrapExpression(call.getExpression());
  // An inline IIFE runs now; treat it like any other call into project code.
  if (isFunctionLike(callee)) return callee;
  // Only a wrapper the project defines is known to call what it wraps: `passport.authenticate(name, cb)(req, res)` is not `cb`.
  if (Node.isCallExpression(callee)) {
    const wrapper = resolveFunction(unwrapExpression(callee.getExpression()));
    return wrapper !== undefined && isProjectCode(wrapper) ? wrappedFunctions(callee)[0] : undefined;
  }
  return resolveFunction(callee);
}

/** Whether a function is the project's own code, with a body to read (not a declaration or a dependency's). */
export function isProjectCode(fn: FunctionLike): boolean {
  const file = fn.getSourceFile();
  return fn.getBody() !== undefined && !file.isDeclarationFile() && !file.isInNodeModules();
}

/** Whether `body` calls the parameter `name`: `fn(…)`, `fn.call(…)`, `fn.apply(…)`, `await fn(…)`. */
function callsParameter(body: Node, name: string): boolean {
  let found = false;
  body.forEachDescendant((node, traversal) => {
    if (found) return traversal.stop();
    if (!Node.isCallExpression(node)) return;
    let callee = unwrapExpression(node.getExpression());
    if (Node.isPropertyAccessExpression(callee) && ['call', 'apply'].includes(callee.getName())) callee = unwrapExpression(callee.getExpression());
    if (Node.isIdentifier(callee) && callee.getText() === name) found = true;
  });
  return found;
}

/**
 * The functions a higher-order call wraps and will call: `withAuth(handler)`, `asyncHandler(async (req, res) => …)`,
 * `withRetry(send)`. For a wrapper the project defines, the arguments whose parameters its body calls;
 * for a library's, function arguments that take a request and a response (a wrapper's other function
 * arguments are options), or its only function argument.
 */
export function wrappedFunctions(call: CallExpression): FunctionLike[] {
  const args = call.getArguments();
  const wrapper = resolveFunction(unwrapExpression(call.getExpression()));
  if (wrapper !== undefined && isProjectCode(wrapper)) {
    const body = wrapper.getBody() as Node;
    return wrapper.getParameters().flatMap((param, position) => {
      const fn = resolveFunction(args[position]);
      return fn !== undefined && Node.isIdentifier(param.getNameNode()) && callsParameter(body, param.getName()) ? [fn] : [];
    });
  }
  const functions = args.map((arg) => resolveFunction(arg)).filter((fn): fn is FunctionLike => fn !== undefined);
  if (functions.length === 1 && functions[0]!.getParameters().length >= 1) return functions;
  return functions.filter((fn) => fn.getParameters().length >= 2);
}

/** A readable name for a function, for messages: `sendReceipt`, `OrderService.notify`, or `anonymous function`. */
export function functionName(fn: FunctionLike): string {
  if (Node.isFunctionDeclaration(fn) || Node.isFunctionExpression(fn)) {
    const name = fn.getName();
    if (name !== undefined) return name;
  }
  if (Node.isMethodDeclaration(fn)) {
    const owner = fn.getParent();
    const ownerName = Node.isClassDeclaration(owner) ? owner.getName() : undefined;
    return ownerName !== undefined ? `${ownerName}.${fn.getName()}` : fn.getName();
  }
  const parent = fn.getParent();
  if (Node.isVariableDeclaration(parent) || Node.isPropertyAssignment(parent)) return parent.getName();
  if (Node.isPropertyDeclaration(parent)) {
    const owner = parent.getParent();
    const ownerName = Node.isClassDeclaration(owner) ? owner.getName() : undefined;
    return ownerName !== undefined ? `${ownerName}.${parent.getName()}` : parent.getName();
  }
  return 'anonymous function';
}

/** How long a quoted expression may be before its arguments are left out: `queue.add(…)`. */
const MAX_LABEL_LENGTH = 50;

const printer = ts.createPrinter({ removeComments: true, newLine: ts.NewLineKind.LineFeed });

/**
 * The name under which an expression is called or passed, for messages: its code on one line,
 * comments left out, and for a long call the callee with its arguments elided
 * (`refreshStatusPage(…).then(…)`).
 */
export function expressionLabel(node: Expression | Node): string {
  const text = printer.printNode(ts.EmitHint.Unspecified, node.compilerNode, node.getSourceFile().compilerNode).replace(/\s+/g, ' ');
  if (text.length <= MAX_LABEL_LENGTH) return text;
  if (Node.isCallExpression(node)) return `${expressionLabel(node.getExpression())}(…)`;
  if (Node.isPropertyAccessExpression(node)) return `${expressionLabel(node.getExpression())}.${node.getName()}`;
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Call expressions in a function body, in evaluation order, without entering nested functions. */
export function callsInBody(fn: FunctionLike, options: { enterNestedFunctions: boolean }): CallExpression[] {
  const body = fn.getBody();
  if (body === undefined) return [];
  return callsIn(body, options);
}

export function callsIn(root: Node, options: { enterNestedFunctions: boolean }): CallExpression[] {
  const calls = descendantsOfKinds<CallExpression>(root, CALL_KIND, options.enterNestedFunctions ? undefined : (node) => !isFunctionLikeKind(node.kind));
  if (Node.isCallExpression(root)) calls.push(root);
  // Evaluation order: arguments and callees before the call, which is the order of their ends.
  return calls.sort((a, b) => a.compilerNode.end - b.compilerNode.end);
}

/** `a.b.c(...)` → `a`: the identifier a member-call chain starts from. */
export function chainRoot(node: Node): Node {
  let current = unwrapExpression(node);
  for (;;) {
    if (Node.isPropertyAccessExpression(current) || Node.isElementAccessExpression(current)) {
      current = unwrapExpression(current.getExpression());
    } else if (Node.isCallExpression(current)) {
      current = unwrapExpression(current.getExpression());
    } else {
      return current;
    }
  }
}

/** The method name of `x.name(...)`, or undefined for plain calls. */
export function calledMethodName(call: CallExpression): string | undefined {
  const callee = unwrapExpression(call.getExpression());
  if (Node.isPropertyAccessExpression(callee)) return callee.getName();
  return undefined;
}

/** The name of a plain call `name(...)`, or of the last member in `a.b.name(...)`. */
export function calleeName(call: CallExpression): string | undefined {
  const callee = unwrapExpression(call.getExpression());
  if (Node.isIdentifier(callee)) return callee.getText();
  if (Node.isPropertyAccessExpression(callee)) return callee.getName();
  return undefined;
}

export function enclosingFunction(node: Node): FunctionLike | undefined {
  const found = node.getFirstAncestor((ancestor) => isFunctionLike(ancestor));
  return found as FunctionLike | undefined;
}

/** The function that returns `node` as its value: `return node`, or an arrow whose body is `node`. */
export function functionReturning(node: Node): FunctionLike | undefined {
  const parent = node.getParent();
  if (Node.isReturnStatement(parent)) return enclosingFunction(parent);
  return Node.isArrowFunction(parent) && parent.getBody() === node ? parent : undefined;
}

export function isInside(node: Node, container: Node): boolean {
  return node.getPos() >= container.getPos() && node.getEnd() <= container.getEnd() && node.getSourceFile() === container.getSourceFile();
}

export const FUNCTION_KINDS = [
  SyntaxKind.ArrowFunction,
  SyntaxKind.FunctionExpression,
  SyntaxKind.FunctionDeclaration,
  SyntaxKind.MethodDeclaration,
] as const;
