import { Node, ts } from 'ts-morph';
import type { CallExpression, NewExpression, SourceFile } from 'ts-morph';
import { outermostWrapper, unwrapExpression } from './functions.js';
import { oncePerFile } from './walk.js';

/**
 * The runtime's public names (see the runtime contract). They are recognised by name, from any
 * module, because the runtime lives in the user's own project wherever `bgtask init` put it.
 */
export const TASKS_CLASS = 'BackgroundTasks';
export const TASK_CLASS = 'BackgroundTask';
export const COLLECTION_PROPERTY = 'backgroundTasks';

/** The name a class reference resolves to, following `import { BackgroundTask as BT }`. */
export function referencedClassName(expression: Node): string | undefined {
  const nameNode = classNameNode(expression);
  if (nameNode === undefined) return undefined;
  const symbol = nameNode.getSymbol();
  const aliased = symbol?.getAliasedSymbol();
  if (aliased !== undefined) return aliased.getName();
  // An import whose module cannot be resolved keeps its local name; fall back to the import specifier.
  const declaration = symbol?.getDeclarations()[0];
  if (declaration !== undefined && Node.isImportSpecifier(declaration)) {
    return declaration.getName();
  }
  return nameNode.getText();
}

/** The identifier naming the class in a reference: `BackgroundTask`, or `bg.BackgroundTask` in a value (`new bg.BackgroundTask`) or a type (`task: bg.BackgroundTask`). */
function classNameNode(expression: Node): Node | undefined {
  const node = unwrapExpression(expression);
  if (Node.isPropertyAccessExpression(node)) return node.getNameNode();
  if (Node.isQualifiedName(node)) return node.getRight();
  return Node.isIdentifier(node) ? node : undefined;
}

/** How many `extends` links to follow from a class towards the runtime's. */
const MAX_EXTENDS_DEPTH = 8;

/** `new BackgroundTask(…)`, or `new` of a class declared in the project that extends it (`class EmailTask extends BackgroundTask`). */
export function isNewOf(node: Node, className: string): node is NewExpression {
  if (!Node.isNewExpression(node)) return false;
  let reference: Node | undefined = node.getExpression();
  for (let depth = 0; reference !== undefined && depth <= MAX_EXTENDS_DEPTH; depth++) {
    if (referencedClassName(reference) === className) return true;
    reference = baseClassReference(reference);
  }
  return false;
}

/** The `extends` expression of the class a reference resolves to, when that class is declared in source. */
function baseClassReference(expression: Node): Node | undefined {
  const symbol = classNameNode(expression)?.getSymbol();
  const declaration = (symbol?.getAliasedSymbol() ?? symbol)?.getDeclarations().find(Node.isClassDeclaration);
  return declaration?.getExtends()?.getExpression();
}

/** `req.backgroundTasks`, `request.backgroundTasks`, `res.locals.backgroundTasks`, `c.var.backgroundTasks`, `c.get("backgroundTasks")`. */
export function isRequestCollectionAccess(expression: Node): boolean {
  const node = unwrapExpression(expression);
  if (Node.isPropertyAccessExpression(node)) return node.getName() === COLLECTION_PROPERTY;
  if (Node.isElementAccessExpression(node)) {
    const argument = node.getArgumentExpression();
    return argument !== undefined && Node.isStringLiteral(argument) && argument.getLiteralValue() === COLLECTION_PROPERTY;
  }
  if (Node.isCallExpression(node)) {
    const callee = unwrapExpression(node.getExpression());
    const [first] = node.getArguments();
    return (
      Node.isPropertyAccessExpression(callee) &&
      callee.getName() === 'get' &&
      first !== undefined &&
      Node.isStringLiteral(first) &&
      first.getLiteralValue() === COLLECTION_PROPERTY
    );
  }
  return false;
}

export type CollectionOrigin = 'request' | 'local' | 'unknown';

/**
 * Where the collection an `addTask` is called on comes from: the request (the adapter's
 * collection), a `new BackgroundTasks()` made on the spot, or something we cannot see.
 */
export function collectionOrigin(receiver: Node): CollectionOrigin {
  const node = unwrapExpression(receiver);
  if (isRequestCollectionAccess(node)) return 'request';
  if (isNewOf(node, TASKS_CLASS)) return 'local';
  if (Node.isIdentifier(node)) {
    const declaration = node.getSymbol()?.getDeclarations()[0];
    if (declaration !== undefined && Node.isVariableDeclaration(declaration)) {
      const initializer = declaration.getInitializer();
      if (initializer !== undefined) {
        if (isRequestCollectionAccess(initializer)) return 'request';
        if (isNewOf(unwrapExpression(initializer), TASKS_CLASS)) return 'local';
      }
      const binding = declaration.getNameNode();
      // `const { backgroundTasks } = req`
      if (Node.isObjectBindingPattern(binding)) return 'request';
    }
    if (declaration !== undefined && Node.isBindingElement(declaration)) {
      const name = declaration.getPropertyNameNode()?.getText() ?? declaration.getName();
      if (name === COLLECTION_PROPERTY) return 'request';
    }
  }
  return 'unknown';
}

/** `<collection>.addTask(fn, ...args)`. */
export function isAddTaskCall(call: CallExpression): boolean {
  const callee = unwrapExpression(call.getExpression());
  return Node.isPropertyAccessExpression(callee) && callee.getName() === 'addTask';
}

export function addTaskReceiver(call: CallExpression): Node | undefined {
  const callee = unwrapExpression(call.getExpression());
  return Node.isPropertyAccessExpression(callee) ? callee.getExpression() : undefined;
}

/** The runtime's own file declares the classes; rules leave it alone. */
export function isRuntimeFile(sourceFile: SourceFile): boolean {
  return declaresRuntime(sourceFile.compilerNode);
}

// Asked for every piece of work.
const declaresRuntime = oncePerFile((file) =>
  file.statements.some((statement) => ts.isClassDeclaration(statement) && (statement.name?.text === TASKS_CLASS || statement.name?.text === TASK_CLASS)),
);

/** Whether a type annotation names the class: `BackgroundTask`, `BT<[string]>`, `bg.BackgroundTask`, `BackgroundTask | undefined`. */
export function isTypeReferenceTo(typeNode: Node | undefined, className: string): boolean {
  if (typeNode === undefined) return false;
  if (Node.isParenthesizedTypeNode(typeNode)) return isTypeReferenceTo(typeNode.getTypeNode(), className);
  if (Node.isUnionTypeNode(typeNode)) return typeNode.getTypeNodes().some((member) => isTypeReferenceTo(member, className));
  return Node.isTypeReference(typeNode) && referencedClassName(typeNode.getTypeName()) === className;
}

/** `x.backgroundTasks` or `x["backgroundTasks"]` as the target of an assignment. */
export function isCollectionTarget(node: Node): boolean {
  const target = unwrapExpression(node);
  if (Node.isPropertyAccessExpression(target)) return target.getName() === COLLECTION_PROPERTY;
  if (Node.isElementAccessExpression(target)) {
    const argument = target.getArgumentExpression();
    return argument !== undefined && Node.isStringLiteral(argument) && argument.getLiteralValue() === COLLECTION_PROPERTY;
  }
  return false;
}

/**
 * The expression that installs `value` as a request's collection, replacing whatever the adapter put
 * there: `req.backgroundTasks = value`, `res.locals.backgroundTasks = value`, `c.set("backgroundTasks", value)`.
 */
export function collectionInstallation(value: Node): Node | undefined {
  const current = outermostWrapper(value);
  const parent = current.getParent();
  if (Node.isBinaryExpression(parent) && parent.getOperatorToken().getText() === '=' && parent.getRight() === current) {
    return isCollectionTarget(parent.getLeft()) ? parent : undefined;
  }
  if (Node.isCallExpression(parent)) {
    const callee = unwrapExpression(parent.getExpression());
    const [key, argument] = parent.getArguments();
    const isSet =
      Node.isPropertyAccessExpression(callee) &&
      callee.getName() === 'set' &&
      argument === current &&
      key !== undefined &&
      Node.isStringLiteral(key) &&
      key.getLiteralValue() === COLLECTION_PROPERTY;
    return isSet ? parent : undefined;
  }
  return undefined;
}
