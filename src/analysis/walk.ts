import { ts, type Node } from 'ts-morph';

/**
 * Reading the compiler's own nodes: tree walks, and facts read once per file. ts-morph wraps every
 * node a walk touches in an object it keeps for the rest of the run; a walk over a whole project
 * through `forEachDescendant` spent three quarters of a lint run making those wrappers and
 * collecting them. These walks read the compiler's nodes and wrap only the nodes a caller asks for,
 * so the analyses above them keep working with ts-morph's API. They use an explicit stack: a file
 * nested 10,000 levels deep must not overflow the call stack.
 */

interface WrapperFactory {
  _getNodeFromCompilerNode(node: ts.Node): Node;
}

/**
 * ts-morph's wrapper of a compiler node from the same file as `from`: the one ts-morph caches, so
 * identity comparisons with wrappers obtained elsewhere hold. ts-morph keeps this method internal;
 * it is the one its own navigation methods use.
 */
export function wrap<T extends Node = Node>(compilerNode: ts.Node, from: Node): T {
  return (from as unknown as WrapperFactory)._getNodeFromCompilerNode(compilerNode) as T;
}

/** What a visitor asks of the walk: go on (`undefined`), leave this node's children out, or end the walk. */
export type WalkControl = void | 'skip' | 'stop';

/**
 * Visits the nodes below `root`, in document order (parents before children, as `forEachDescendant`
 * does). `wanted` sees every compiler node; only the nodes it accepts are wrapped and visited.
 * `enter` decides, on the compiler node, whether to walk into a node's children at all.
 */
export function forEachDescendantWhere(
  root: Node,
  wanted: (node: ts.Node) => boolean,
  visit: (node: Node) => WalkControl,
  enter: (node: ts.Node) => boolean = () => true,
): void {
  const stack: ts.Node[] = [];
  const pushChildren = (node: ts.Node): void => {
    const start = stack.length;
    ts.forEachChild(node, (child) => {
      stack.push(child);
    });
    // Children were pushed first to last; reversing them pops them in document order.
    for (let low = start, high = stack.length - 1; low < high; low += 1, high -= 1) {
      const swap = stack[low] as ts.Node;
      stack[low] = stack[high] as ts.Node;
      stack[high] = swap;
    }
  };
  pushChildren(root.compilerNode);
  while (stack.length > 0) {
    const node = stack.pop() as ts.Node;
    if (wanted(node)) {
      const control = visit(wrap(node, root));
      if (control === 'stop') return;
      if (control === 'skip') continue;
    }
    if (enter(node)) pushChildren(node);
  }
}

/** The nodes below `root` whose kind is one of `kinds`, in document order. */
export function descendantsOfKinds<T extends Node = Node>(root: Node, kinds: ReadonlySet<ts.SyntaxKind>, enter?: (node: ts.Node) => boolean): T[] {
  const found: T[] = [];
  forEachDescendantWhere(
    root,
    (node) => kinds.has(node.kind),
    (node) => {
      found.push(node as T);
    },
    enter,
  );
  return found;
}

/** Function-like compiler nodes, as `isFunctionLike` in functions.ts counts them. */
export function isFunctionLikeKind(kind: ts.SyntaxKind): boolean {
  return kind === ts.SyntaxKind.ArrowFunction || kind === ts.SyntaxKind.FunctionExpression || kind === ts.SyntaxKind.FunctionDeclaration || kind === ts.SyntaxKind.MethodDeclaration;
}

/** A fact about a file, read off its compiler nodes once: the analyses ask it of every node or piece of work. */
export function oncePerFile<T>(read: (file: ts.SourceFile) => T): (file: ts.SourceFile) => T {
  const known = new WeakMap<ts.SourceFile, T>();
  return (file) => {
    if (known.has(file)) return known.get(file) as T;
    const value = read(file);
    known.set(file, value);
    return value;
  };
}

/** The depth of a syntax tree, walked with a stack of its own so that the walk cannot overflow. */
export function treeDepth(root: ts.Node): number {
  let deepest = 0;
  const stack: [ts.Node, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [ts.Node, number];
    if (depth > deepest) deepest = depth;
    ts.forEachChild(node, (child) => {
      stack.push([child, depth + 1]);
    });
  }
  return deepest;
}
