import { Node, SyntaxKind, ts } from 'ts-morph';
import type { CallExpression, ParameterDeclaration, SourceFile, Symbol as MorphSymbol, Type, TypeNode } from 'ts-morph';
import { calleeName, expressionLabel, isFunctionLike, resolveCallee, unwrapExpression, type FunctionLike } from '../analysis/functions.js';
import { descendantsOfKinds } from '../analysis/walk.js';
import { BULLMQ, constructionOf, isExportOf, moduleSpecifier } from '../analysis/libraries.js';
import type { ProjectIndex } from '../analysis/project-index.js';
import { defineRule, type Problem } from './rule.js';

type MessageId = 'date' | 'bigint' | 'emptied' | 'promise' | 'error' | 'binary' | 'function' | 'symbol' | 'instance';

const MESSAGES: Record<MessageId, string> = {
  date: '`{{path}}` is a `Date`: BullMQ stores job data as JSON, so the worker gets a string, not a `Date`.',
  bigint: '`{{path}}` is a `bigint`: `JSON.stringify` throws on it, so `{{call}}` rejects and no job is added.',
  emptied: '`{{path}}` is {{article}} `{{type}}`: BullMQ stores job data as JSON, which turns it into `{}`, so the worker gets none of its entries.',
  promise: '`{{path}}` is a `Promise`: BullMQ stores job data as JSON, so the worker gets `{}`, not the value; is an `await` missing?',
  error: '`{{path}}` is an error (`{{type}}`): BullMQ stores job data as JSON, which keeps neither its `message` nor its `stack`.',
  binary: '`{{path}}` is {{article}} `{{type}}`: BullMQ stores job data as JSON, so the worker gets a plain object of numbers, not the bytes.',
  function: '`{{path}}` is a function: BullMQ stores job data as JSON, which drops it, so the worker never gets it.',
  symbol: '`{{path}}` is a symbol: BullMQ stores job data as JSON, which drops it, so the worker never gets it.',
  instance: '`{{path}}` is {{article}} `{{type}}` instance: BullMQ stores job data as JSON, so the worker gets a plain object without its methods.',
};

// ---------------------------------------------------------------------------------------------
// Which calls add jobs: `queue.add`, `queue.addBulk`, `queue.upsertJobScheduler`, `flow.add`, `flow.addBulk`.

type Producer = 'Queue' | 'FlowProducer';

const PRODUCER_METHODS: Record<Producer, ReadonlySet<string>> = {
  Queue: new Set(['add', 'addBulk', 'upsertJobScheduler']),
  FlowProducer: new Set(['add', 'addBulk']),
};
const ALL_PRODUCER_METHODS = new Set([...PRODUCER_METHODS.Queue, ...PRODUCER_METHODS.FlowProducer]);

/** The Pro build names its classes `QueuePro` and `FlowProducerPro`. */
function producerNamed(name: string): Producer | undefined {
  if (name === 'Queue' || name === 'QueuePro') return 'Queue';
  if (name === 'FlowProducer' || name === 'FlowProducerPro') return 'FlowProducer';
  return undefined;
}

/** How many `class A extends B` steps to follow from a project class to BullMQ's. */
const MAX_CLASS_DEPTH = 4;

/** The BullMQ class an expression naming a class stands for: `Queue` from bullmq, or a project class extending it. */
function producerOfClassReference(expression: Node, depth = 0): Producer | undefined {
  const node = unwrapExpression(expression);
  for (const name of ['Queue', 'QueuePro', 'FlowProducer', 'FlowProducerPro']) {
    if (isExportOf(node, BULLMQ, name)) return producerNamed(name);
  }
  if (depth >= MAX_CLASS_DEPTH || !Node.isIdentifier(node)) return undefined;
  const symbol = node.getSymbol();
  const declaration = (symbol?.getAliasedSymbol() ?? symbol)?.getDeclarations().find(Node.isClassDeclaration);
  const base = declaration?.getExtends()?.getExpression();
  return base === undefined ? undefined : producerOfClassReference(base, depth + 1);
}

/** `Queue`, `Queue<Data>`, `Queue | null`, `bullmq.Queue`: a type annotation naming a BullMQ producer, read off the import. */
function producerOfTypeNode(typeNode: TypeNode | undefined): Producer | undefined {
  if (typeNode === undefined) return undefined;
  if (Node.isUnionTypeNode(typeNode)) return typeNode.getTypeNodes().map(producerOfTypeNode).find((found) => found !== undefined);
  if (Node.isParenthesizedTypeNode(typeNode)) return producerOfTypeNode(typeNode.getTypeNode());
  if (!Node.isTypeReference(typeNode)) return undefined;
  const name = typeNode.getTypeName();
  if (Node.isIdentifier(name)) return producerOfClassReference(name);
  // `bullmq.Queue` with `import * as bullmq from 'bullmq'`.
  const left = name.getLeft();
  if (!Node.isIdentifier(left)) return undefined;
  const owner = left.getSymbol()?.getDeclarations()[0];
  const importDeclaration = owner?.getFirstAncestorByKind(SyntaxKind.ImportDeclaration);
  const module = importDeclaration === undefined ? undefined : moduleSpecifier(importDeclaration);
  return module !== undefined && (BULLMQ as readonly string[]).includes(module) ? producerNamed(name.getRight().getText()) : undefined;
}

/**
 * The producer a receiver was declared as: a variable, field, parameter (Nest's
 * `@InjectQueue('mail') private queue: Queue`) or getter result typed with BullMQ's class, or the
 * return type of the function that made it (`getQueue('mail').add(…)`, also through a `const`).
 * Read off the code, so it holds without `node_modules`.
 */
function declaredProducer(receiver: Node, depth = 0): Producer | undefined {
  let node = unwrapExpression(receiver);
  if (Node.isAwaitExpression(node)) node = unwrapExpression(node.getExpression());
  if (Node.isCallExpression(node)) {
    const fn = resolveCallee(node);
    return fn === undefined ? undefined : producerOfTypeNode(fn.getReturnTypeNode());
  }
  const target = Node.isPropertyAccessExpression(node) ? node.getNameNode() : Node.isIdentifier(node) ? node : undefined;
  const symbol = target?.getSymbol();
  for (const declaration of (symbol?.getAliasedSymbol() ?? symbol)?.getDeclarations() ?? []) {
    if (
      Node.isVariableDeclaration(declaration) ||
      Node.isParameterDeclaration(declaration) ||
      Node.isPropertyDeclaration(declaration) ||
      Node.isPropertySignature(declaration)
    ) {
      const found = producerOfTypeNode(declaration.getTypeNode());
      if (found !== undefined) return found;
    }
    // `const queue = MonitorQueue.getInstance()`: declared by what made it.
    if (Node.isVariableDeclaration(declaration) && declaration.getTypeNode() === undefined && depth < MAX_CLASS_DEPTH) {
      const initializer = declaration.getInitializer();
      const found = initializer === undefined ? undefined : declaredProducer(initializer, depth + 1);
      if (found !== undefined) return found;
    }
    if (Node.isGetAccessorDeclaration(declaration)) {
      const found = producerOfTypeNode(declaration.getReturnTypeNode());
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

const BULLMQ_DECLARATION_FILE = /[\\/]node_modules[\\/](bullmq|@taskforcesh[\\/]bullmq-pro)[\\/]/;

/** The producer a receiver's resolved type is (BullMQ's types installed), a subclass included. */
function producerOfType(type: Type, depth = 0): Producer | undefined {
  for (const member of type.isUnion() ? type.getUnionTypes() : [type]) {
    const symbol = member.getSymbol();
    const producer = symbol === undefined ? undefined : producerNamed(symbol.getName());
    if (producer !== undefined && symbol?.getDeclarations().some((d) => BULLMQ_DECLARATION_FILE.test(d.getSourceFile().getFilePath()))) return producer;
    if (depth < MAX_CLASS_DEPTH && member.isObject()) {
      for (const base of (member.getTargetType() ?? member).getBaseTypes()) {
        const found = producerOfType(base, depth + 1);
        if (found !== undefined) return found;
      }
    }
  }
  return undefined;
}

function producerOf(receiver: Node): Producer | undefined {
  const construction = constructionOf(receiver);
  if (construction !== undefined) return producerOfClassReference(construction.getExpression());
  return declaredProducer(receiver) ?? producerOfType(receiver.getType());
}

interface ProducerCall {
  call: CallExpression;
  producer: Producer;
  method: string;
}

function producerCall(call: CallExpression): ProducerCall | undefined {
  const callee = unwrapExpression(call.getExpression());
  if (!Node.isPropertyAccessExpression(callee) || !ALL_PRODUCER_METHODS.has(callee.getName())) return undefined;
  const producer = producerOf(callee.getExpression());
  const method = callee.getName();
  return producer !== undefined && PRODUCER_METHODS[producer].has(method) ? { call, producer, method } : undefined;
}

// ---------------------------------------------------------------------------------------------
// Where the job data is in those calls.

/** A value that becomes job data: its type, and the expression that holds it when the code spells it out. */
interface DataSite {
  type: Type;
  /** The data expression itself; absent when only its type is known (`addBulk(jobs)`: each `jobs[i].data`). */
  expression?: Node;
  /** Where to report when the data has no expression of its own. */
  anchor: Node;
}

/** How deep a flow's `children` are followed. */
const MAX_FLOW_DEPTH = 6;

function propertyType(type: Type, name: string, at: Node): Type | undefined {
  return type.getNonNullableType().getProperty(name)?.getTypeAtLocation(at);
}

/** `{ name, data }`: the `data` of a job description, spelled out or read off its type. */
function dataOf(job: Node): DataSite[] {
  const node = unwrapExpression(job);
  if (Node.isObjectLiteralExpression(node)) {
    const property = node.getProperty('data');
    if (Node.isPropertyAssignment(property)) {
      const initializer = property.getInitializer();
      return initializer === undefined ? [] : [{ type: initializer.getType(), expression: initializer, anchor: property }];
    }
    if (Node.isShorthandPropertyAssignment(property)) return [{ type: property.getNameNode().getType(), expression: property.getNameNode(), anchor: property }];
    if (property !== undefined) return [];
  }
  const type = propertyType(job.getType(), 'data', job);
  return type === undefined ? [] : [{ type, anchor: job }];
}

/** The elements of an array argument: spelled out, or its element type standing for all of them. */
function elementsOf(array: Node): (Node | Type)[] {
  const node = unwrapExpression(array);
  if (Node.isArrayLiteralExpression(node)) return node.getElements().filter((element) => !Node.isSpreadElement(element));
  const element = array.getType().getNonNullableType().getArrayElementType();
  return element === undefined ? [] : [element];
}

function jobsData(jobs: Node, flow: boolean, depth: number): DataSite[] {
  return elementsOf(jobs).flatMap((element) => {
    if (element instanceof Node) return flow ? flowData(element, depth) : dataOf(element);
    if (flow) return flowTypeData(element, jobs, depth);
    const type = propertyType(element, 'data', jobs);
    return type === undefined ? [] : [{ type, anchor: jobs }];
  });
}

/** A flow's data and, recursively, its children's. */
function flowData(flow: Node, depth: number): DataSite[] {
  if (depth > MAX_FLOW_DEPTH) return [];
  const node = unwrapExpression(flow);
  if (!Node.isObjectLiteralExpression(node)) return flowTypeData(flow.getType(), flow, depth);
  const children = node.getProperty('children');
  const childrenValue = Node.isPropertyAssignment(children) ? children.getInitializer() : undefined;
  return [...dataOf(flow), ...(childrenValue === undefined ? [] : jobsData(childrenValue, true, depth + 1))];
}

/** A flow known by its type only (`flows.add(flow)`): its `data`, and its `children`'s, reported at `anchor`. */
function flowTypeData(flow: Type, anchor: Node, depth: number): DataSite[] {
  if (depth > MAX_FLOW_DEPTH) return [];
  const data = propertyType(flow, 'data', anchor);
  const child = propertyType(flow, 'children', anchor)?.getNonNullableType().getArrayElementType();
  return [...(data === undefined ? [] : [{ type: data, anchor }]), ...(child === undefined ? [] : flowTypeData(child, anchor, depth + 1))];
}

function dataSites({ call, producer, method }: ProducerCall): DataSite[] {
  const [first, second, third] = call.getArguments();
  if (producer === 'FlowProducer') {
    if (first === undefined) return [];
    return method === 'add' ? flowData(first, 0) : jobsData(first, true, 0);
  }
  if (method === 'add') return second === undefined ? [] : [{ type: second.getType(), expression: second, anchor: second }];
  if (method === 'addBulk') return first === undefined ? [] : jobsData(first, false, 0);
  return third === undefined ? [] : dataOf(third);
}

// ---------------------------------------------------------------------------------------------
// What JSON does to a type.

interface Offense {
  messageId: MessageId;
  /** Steps from the data down to the offending value: `runAt`, `[i]`, `[key]`, `[0]`. */
  path: string[];
  typeName?: string;
}

/** How deep into the data's type the walk goes, and how many types it looks at in all: cost bounds, not semantics. */
const MAX_TYPE_DEPTH = 8;
const MAX_TYPE_VISITS = 2000;

const EMPTIED_BUILTINS = new Set(['Map', 'Set', 'WeakMap', 'WeakSet', 'ReadonlyMap', 'ReadonlySet', 'RegExp', 'ArrayBuffer', 'SharedArrayBuffer', 'WeakRef']);
const BINARY_BUILTINS = new Set([
  'Buffer',
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float16Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
]);

const SCALAR_FLAGS =
  ts.TypeFlags.Null |
  ts.TypeFlags.Undefined |
  ts.TypeFlags.Void |
  ts.TypeFlags.StringLike |
  ts.TypeFlags.NumberLike |
  ts.TypeFlags.BooleanLike |
  ts.TypeFlags.EnumLike |
  ts.TypeFlags.NonPrimitive;
// Types the walk cannot see into stay silent: the rule reports only what it is sure of.
const UNKNOWN_FLAGS = ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.Never | ts.TypeFlags.TypeParameter;

/** A type's own name when it is declared in a `.d.ts` file (the standard library, `@types/node`, a dependency): never a project's own `Map`. */
function declaredBuiltinName(type: Type): string | undefined {
  const symbol = type.getSymbol();
  if (symbol === undefined || !symbol.getDeclarations().some((d) => d.getSourceFile().isDeclarationFile())) return undefined;
  return symbol.getName();
}

function isErrorType(type: Type, depth = 0): boolean {
  if (declaredBuiltinName(type) === 'Error') return true;
  if (depth >= MAX_CLASS_DEPTH || !type.isObject()) return false;
  return (type.getTargetType() ?? type).getBaseTypes().some((base) => isErrorType(base, depth + 1));
}

function isMethod(property: MorphSymbol): boolean {
  return (property.getFlags() & (ts.SymbolFlags.Method | ts.SymbolFlags.Accessor)) !== 0;
}

/**
 * An object whose behaviour lives on its prototype: an instance of a class with methods or accessors,
 * or a named type from a declaration file with methods (`URLSearchParams`, `Headers`). JSON keeps
 * only own enumerable fields. A project's own interfaces and type literals are walked property by
 * property instead, so that a method signature is reported where it is.
 */
function isInstanceWithMethods(type: Type): boolean {
  const symbol = type.getSymbol();
  if (symbol === undefined) return false;
  const declarations = symbol.getDeclarations();
  const isClass = declarations.some(Node.isClassDeclaration);
  const isDeclaredType = (symbol.getFlags() & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface)) !== 0 && declarations.some((d) => d.getSourceFile().isDeclarationFile());
  return (isClass || isDeclaredType) && type.getProperties().some(isMethod);
}

/**
 * A class or interface extending what does not resolve (a dependency's class without its types): its
 * inherited members, a `toJSON` among them, are unknown, so nothing about it is certain.
 */
function hasUnresolvedBase(type: Type, depth = 0): boolean {
  if (depth >= MAX_CLASS_DEPTH) return false;
  // The checker leaves an unresolved base out of the base types, so the heritage clauses are read.
  const heritage = (type.getSymbol()?.getDeclarations() ?? []).flatMap((declaration) => {
    if (Node.isClassDeclaration(declaration)) return declaration.getExtends() ?? [];
    return Node.isInterfaceDeclaration(declaration) ? declaration.getExtends() : [];
  });
  if (heritage.some((clause) => (clause.getType().getFlags() & ts.TypeFlags.Any) !== 0)) return true;
  return (type.getTargetType() ?? type).getBaseTypes().some((base) => hasUnresolvedBase(base, depth + 1));
}

/** What a `toJSON` returns; `JSON.stringify` calls it with the property's key, which no signature changes the meaning of. */
function toJsonResult(toJson: Type): Type | undefined {
  return toJson.getCallSignatures()[0]?.getReturnType();
}

/**
 * Walks a type the way `JSON.stringify` walks a value and returns what JSON cannot carry back to the
 * worker: a `bigint` first (it makes `add` throw, so no job at all), else the first part found.
 * Cycle-safe (a type is looked at once per walk) and bounded.
 */
class JsonWalk {
  private readonly seen = new Set<ts.Type>();
  private readonly found: Offense[] = [];
  private visits = 0;

  constructor(private readonly at: Node) {}

  worstOffense(type: Type): Offense | undefined {
    this.collect(type, []);
    return this.found.find((offense) => offense.messageId === 'bigint') ?? this.found[0];
  }

  private collect(type: Type, path: string[]): void {
    if (path.length > MAX_TYPE_DEPTH || ++this.visits > MAX_TYPE_VISITS || this.found.some((offense) => offense.messageId === 'bigint')) return;
    const flags = type.getFlags();
    if (flags & UNKNOWN_FLAGS) return;
    if (flags & ts.TypeFlags.BigIntLike) return this.report({ messageId: 'bigint', path });
    if (flags & ts.TypeFlags.ESSymbolLike) return this.report({ messageId: 'symbol', path });
    if (flags & SCALAR_FLAGS) return;
    if (type.isUnion()) {
      // `Date | string` says the author expects the string that comes back.
      const members = type.getUnionTypes();
      const takesString = members.some((member) => member.getFlags() & ts.TypeFlags.String);
      for (const member of members) if (!(takesString && declaredBuiltinName(member) === 'Date')) this.collect(member, path);
      return;
    }
    if (type.isIntersection()) {
      // A branded primitive (`string & { __brand: 'Id' }`) is serialised as the primitive.
      const primitive = type.getIntersectionTypes().find((member) => !member.isObject());
      if (primitive !== undefined) return this.collect(primitive, path);
    } else if (!type.isObject()) {
      return;
    }
    if (this.seen.has(type.compilerType)) return;
    this.seen.add(type.compilerType);
    const offense = this.objectOffense(type, path);
    if (offense !== undefined) this.report(offense);
  }

  private report(offense: Offense): void {
    this.found.push(offense);
  }

  /** What JSON does to an object type as a whole, or undefined after walking into its parts. */
  private objectOffense(type: Type, path: string[]): Offense | undefined {
    if (hasUnresolvedBase(type)) return undefined;
    const builtin = declaredBuiltinName(type);
    if (builtin === 'Date') return { messageId: 'date', path };
    if (builtin === 'Promise' || builtin === 'PromiseLike') return { messageId: 'promise', path };
    if (builtin !== undefined && BINARY_BUILTINS.has(builtin)) return { messageId: 'binary', path, typeName: builtin };
    if (builtin !== undefined && EMPTIED_BUILTINS.has(builtin)) return { messageId: 'emptied', path, typeName: builtin };
    if (builtin === 'Function' || type.getCallSignatures().length > 0 || type.getConstructSignatures().length > 0) return { messageId: 'function', path };
    if (isErrorType(type)) return { messageId: 'error', path, typeName: type.getSymbol()?.getName() ?? 'Error' };
    if (type.isTuple()) {
      type.getTupleElements().forEach((element, position) => this.collect(element, [...path, `[${position}]`]));
      return undefined;
    }
    const element = type.getArrayElementType() ?? (type.isReadonlyArray() ? type.getTypeArguments()[0] : undefined);
    if (element !== undefined) {
      this.collect(element, [...path, '[i]']);
      return undefined;
    }
    // `JSON.stringify` serialises what `toJSON()` returns: a class that defines it chose its JSON form.
    const toJson = type.getProperty('toJSON');
    if (toJson !== undefined) {
      const returned = toJsonResult(toJson.getTypeAtLocation(this.at));
      if (returned !== undefined) this.collect(returned, path);
      return undefined;
    }
    if (isInstanceWithMethods(type)) return { messageId: 'instance', path, typeName: type.getSymbol()?.getName() ?? 'object' };
    for (const property of type.getProperties()) {
      // Symbol-keyed properties are skipped by JSON, as they are here.
      if (!property.getName().startsWith('__@')) this.collect(property.getTypeAtLocation(this.at), [...path, property.getName()]);
    }
    const stringIndex = type.getStringIndexType();
    if (stringIndex !== undefined) this.collect(stringIndex, [...path, '[key]']);
    const numberIndex = type.getNumberIndexType();
    if (numberIndex !== undefined) this.collect(numberIndex, [...path, '[i]']);
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Reporting.

function pathText(root: string, path: string[]): string {
  return path.reduce((text, step) => (step.startsWith('[') ? `${text}${step}` : /^[A-Za-z_$][\w$]*$/.test(step) ? `${text}.${step}` : `${text}[${JSON.stringify(step)}]`), root);
}

/** The code that spells out the offending value, as far as object and array literals go: where to point. */
function offendingNode(site: DataSite, path: string[]): Node {
  let node: Node | undefined = site.expression;
  if (node === undefined) return site.anchor;
  let reported: Node = site.anchor;
  for (const step of path) {
    const current: Node = unwrapExpression(node);
    const tupleIndex = /^\[(\d+)\]$/.exec(step)?.[1];
    if (Node.isObjectLiteralExpression(current)) {
      const property = current.getProperty(step);
      if (property === undefined) break;
      reported = property;
      node = Node.isPropertyAssignment(property) ? property.getInitializer() : undefined;
    } else if (Node.isArrayLiteralExpression(current) && tupleIndex !== undefined) {
      node = current.getElements()[Number(tupleIndex)];
      if (node !== undefined) reported = node;
    } else {
      break;
    }
    if (node === undefined) break;
  }
  return reported;
}

function article(word: string): string {
  return /^[AEIOU]/.test(word) ? 'an' : 'a';
}

function problemFor(site: DataSite, target: ProducerCall): Problem<MessageId> | undefined {
  const offense = new JsonWalk(site.anchor).worstOffense(site.type);
  if (offense === undefined) return undefined;
  const expression = site.expression === undefined ? undefined : unwrapExpression(site.expression);
  const root = expression !== undefined && Node.isIdentifier(expression) ? expression.getText() : 'data';
  const typeName = offense.typeName ?? '';
  return {
    node: offendingNode(site, offense.path),
    messageId: offense.messageId,
    data: {
      path: pathText(root, offense.path),
      type: typeName,
      article: article(typeName),
      call: `${expressionLabel(target.call.getExpression())}(…)`,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Project wrappers: `function enqueue(data: unknown) { return queue.add('job', data); }`.

/**
 * A parameter whose declared type says nothing about the data (none, `any`, `unknown`, `object`,
 * `Record<string, unknown>`, the function's own type parameter): the data's real type is at the
 * wrapper's call sites. Decided from the annotation's text, so the same with and without `node_modules`.
 */
function isOpaqueParameter(parameter: ParameterDeclaration, fn: FunctionLike): boolean {
  if (parameter.isRestParameter() || !Node.isIdentifier(parameter.getNameNode())) return false;
  const typeNode = parameter.getTypeNode();
  if (typeNode === undefined) return !isContextuallyTyped(fn);
  return isOpaqueTypeNode(typeNode, fn);
}

/** A callback passed somewhere, or a function in a typed variable: its unannotated parameters still have a type. */
function isContextuallyTyped(fn: FunctionLike): boolean {
  if (Node.isFunctionDeclaration(fn) || Node.isMethodDeclaration(fn)) return false;
  const parent = fn.getParent();
  return !((Node.isVariableDeclaration(parent) || Node.isPropertyDeclaration(parent)) && parent.getTypeNode() === undefined);
}

const OPAQUE_KEYWORDS = new Set([SyntaxKind.AnyKeyword, SyntaxKind.UnknownKeyword, SyntaxKind.ObjectKeyword]);

function isOpaqueTypeNode(typeNode: TypeNode, fn: FunctionLike): boolean {
  if (OPAQUE_KEYWORDS.has(typeNode.getKind())) return true;
  if (Node.isTypeReference(typeNode)) {
    const name = typeNode.getTypeName().getText();
    if (fn.getTypeParameters().some((parameter) => parameter.getName() === name)) return true;
    const [, values] = typeNode.getTypeArguments();
    return name === 'Record' && values !== undefined && OPAQUE_KEYWORDS.has(values.getKind());
  }
  if (Node.isTypeLiteral(typeNode)) {
    const members = typeNode.getMembers();
    return members.length > 0 && members.every((member) => Node.isIndexSignatureDeclaration(member) && OPAQUE_KEYWORDS.has(member.getReturnTypeNode()?.getKind() ?? SyntaxKind.Unknown));
  }
  return false;
}

/** The opaque parameter of a project function that an expression passes on unchanged, with its position. */
function forwardedParameter(expression: Node | undefined): { fn: FunctionLike; position: number } | undefined {
  if (expression === undefined) return undefined;
  const node = unwrapExpression(expression);
  if (!Node.isIdentifier(node)) return undefined;
  // `{ name, data }`: the shorthand's own symbol is the property; the value's is the parameter.
  const shorthand = node.getParent();
  const symbol = Node.isShorthandPropertyAssignment(shorthand) ? shorthand.getValueSymbol() : node.getSymbol();
  const declaration = symbol?.getDeclarations()[0];
  if (declaration === undefined || !Node.isParameterDeclaration(declaration)) return undefined;
  const fn = declaration.getParent();
  if (!isFunctionLike(fn) || !isOpaqueParameter(declaration, fn) || isReassigned(declaration, fn)) return undefined;
  return { fn, position: fn.getParameters().indexOf(declaration) };
}

/** `data = normalise(data)` before the call: what arrives is no longer what the caller passed. */
function isReassigned(parameter: ParameterDeclaration, fn: FunctionLike): boolean {
  const symbol = parameter.getSymbol();
  return fn.getDescendantsOfKind(SyntaxKind.BinaryExpression).some((binary) => {
    const operator = binary.getOperatorToken().getKind();
    if (operator < SyntaxKind.FirstAssignment || operator > SyntaxKind.LastAssignment) return false;
    const left = unwrapExpression(binary.getLeft());
    return Node.isIdentifier(left) && left.getSymbol() === symbol;
  });
}

interface Forwarding {
  position: number;
  /** The BullMQ call the data reaches in the end. */
  target: ProducerCall;
}

interface ProjectJobs {
  /** The BullMQ calls that add jobs, by file. */
  callsByFile: Map<SourceFile, ProducerCall[]>;
  /** Project functions that pass a parameter on as job data, directly or through another such function. */
  wrappers: Map<FunctionLike, Forwarding[]>;
}

/** How many layers of wrappers around a BullMQ call are followed. */
const MAX_WRAPPER_DEPTH = 3;

const jobsByIndex = new WeakMap<ProjectIndex, ProjectJobs>();

function projectJobs(index: ProjectIndex): ProjectJobs {
  const cached = jobsByIndex.get(index);
  if (cached !== undefined) return cached;
  const callsByFile = new Map<SourceFile, ProducerCall[]>();
  const wrappers = new Map<FunctionLike, Forwarding[]>();
  const record = (expression: Node | undefined, target: ProducerCall): boolean => {
    const forwarded = forwardedParameter(expression);
    if (forwarded === undefined) return false;
    const known = wrappers.get(forwarded.fn) ?? [];
    if (known.some((entry) => entry.position === forwarded.position)) return false;
    wrappers.set(forwarded.fn, [...known, { position: forwarded.position, target }]);
    return true;
  };
  const allCalls = index.lintableFiles().map((file) => [file, descendantsOfKinds<CallExpression>(file, CALL_KIND)] as const);
  for (const [file, calls] of allCalls) {
    const found = calls.filter((call) => ALL_PRODUCER_METHODS.has(calleeName(call) ?? '')).map(producerCall).filter((call) => call !== undefined);
    callsByFile.set(file, found);
    for (const target of found) for (const site of dataSites(target)) record(site.expression, target);
  }
  // Wrappers of wrappers, one layer per round.
  for (let depth = 1; depth < MAX_WRAPPER_DEPTH; depth++) {
    let grew = false;
    const names = wrapperNames(wrappers);
    for (const [, calls] of allCalls) {
      for (const call of calls) {
        for (const { forwarding, argument } of wrapperCallsOf(call, names, wrappers)) grew = record(argument, forwarding.target) || grew;
      }
    }
    if (!grew) break;
  }
  const jobs = { callsByFile, wrappers };
  jobsByIndex.set(index, jobs);
  return jobs;
}

function wrapperNames(wrappers: ReadonlyMap<FunctionLike, Forwarding[]>): Set<string> {
  const names = new Set<string>();
  for (const fn of wrappers.keys()) {
    const parent = fn.getParent();
    const name = Node.isFunctionDeclaration(fn) || Node.isMethodDeclaration(fn) ? fn.getName() : Node.isVariableDeclaration(parent) || Node.isPropertyDeclaration(parent) ? parent.getName() : undefined;
    if (name !== undefined) names.add(name);
  }
  return names;
}

/** A call to a wrapper, with what each of its forwarded arguments becomes. */
function wrapperCallsOf(call: CallExpression, names: ReadonlySet<string>, wrappers: ReadonlyMap<FunctionLike, Forwarding[]>): { forwarding: Forwarding; argument: Node }[] {
  if (!names.has(calleeName(call) ?? '')) return [];
  const fn = resolveCallee(call);
  const args = call.getArguments();
  return (fn === undefined ? [] : (wrappers.get(fn) ?? [])).flatMap((forwarding) => {
    const argument = args[forwarding.position];
    // `enqueue(...args)`: which argument lands where is not known.
    if (argument === undefined || args.slice(0, forwarding.position + 1).some(Node.isSpreadElement)) return [];
    return [{ forwarding, argument }];
  });
}

const CALL_KIND: ReadonlySet<SyntaxKind> = new Set([SyntaxKind.CallExpression]);

export default defineRule({
  id: 'unserializable-job-data',
  description:
    'Disallow BullMQ job data whose type JSON cannot carry to the worker: `Date` (arrives as a string), `bigint` (throws), `Map`, `Set`, functions, symbols, class instances with methods.',
  defaultSeverity: 'warn',
  messages: MESSAGES,
  *check({ sourceFile, index }) {
    const jobs = projectJobs(index);
    for (const target of jobs.callsByFile.get(sourceFile) ?? []) {
      for (const site of dataSites(target)) {
        const problem = problemFor(site, target);
        if (problem !== undefined) yield problem;
      }
    }
    // At a wrapper's call sites: the wrapper's parameter says nothing, the argument says what the data is.
    const names = wrapperNames(jobs.wrappers);
    if (names.size === 0) return;
    for (const call of descendantsOfKinds<CallExpression>(sourceFile, CALL_KIND)) {
      for (const { forwarding, argument } of wrapperCallsOf(call, names, jobs.wrappers)) {
        const problem = problemFor({ type: argument.getType(), expression: argument, anchor: argument }, forwarding.target);
        if (problem !== undefined) {
          yield { ...problem, related: [{ node: forwarding.target.call, message: `The data becomes job data in \`${expressionLabel(forwarding.target.call.getExpression())}(…)\` here.` }] };
        }
      }
    }
  },
});
