import { Node, ts } from 'ts-morph';
import type { CallExpression, ImportDeclaration, NewExpression } from 'ts-morph';
import { chainRoot, isFunctionLike, resolveFunction, unwrapExpression } from './functions.js';
import { oncePerFile } from './walk.js';

/**
 * Library constructs are recognised by the import they come from, read off the importing file's own
 * import or `require`, so that a project gives the same findings with and without `node_modules`
 * (without it, every library type is `any`).
 */
export interface ImportedName {
  /** The module specifier: `bullmq`, `next/server`. */
  module: string;
  /** The exported name (`default` for a default import, `*` for a namespace). */
  name: string;
}

/** The module an import names: undefined where the specifier is not a string (a file with a syntax error, `import { a } from b`). */
export function moduleSpecifier(declaration: ImportDeclaration): string | undefined {
  // ts-morph's own getters throw on such a specifier; the compiler node says what it is.
  const specifier = declaration.compilerNode.moduleSpecifier;
  return ts.isStringLiteral(specifier) ? specifier.text : undefined;
}

/** Where an identifier's binding comes from, when it is an import or a destructured `require`. */
export function importOf(identifier: Node): ImportedName | undefined {
  if (!Node.isIdentifier(identifier) || !mayBeImportBinding(identifier)) return undefined;
  const declaration = identifier.getSymbol()?.getDeclarations()[0];
  if (declaration === undefined) return undefined;
  if (Node.isImportSpecifier(declaration)) {
    const module = moduleSpecifier(declaration.getImportDeclaration());
    return module === undefined ? undefined : { module, name: declaration.getName() };
  }
  if (Node.isImportClause(declaration)) {
    const importDeclaration = declaration.getParent();
    const module = Node.isImportDeclaration(importDeclaration) ? moduleSpecifier(importDeclaration) : undefined;
    return module === undefined ? undefined : { module, name: 'default' };
  }
  if (Node.isNamespaceImport(declaration)) {
    const importDeclaration = declaration.getFirstAncestor(Node.isImportDeclaration);
    const module = importDeclaration === undefined ? undefined : moduleSpecifier(importDeclaration);
    return module === undefined ? undefined : { module, name: '*' };
  }
  if (Node.isImportEqualsDeclaration(declaration)) {
    const reference = declaration.getModuleReference();
    return Node.isExternalModuleReference(reference) ? requiredModule(reference.getExpression(), '*') : undefined;
  }
  // `const { Worker } = require('bullmq')`, `const cron = require('node-cron')`.
  if (Node.isBindingElement(declaration)) {
    const variable = declaration.getFirstAncestor(Node.isVariableDeclaration);
    const name = declaration.getPropertyNameNode()?.getText() ?? declaration.getName();
    return requiredModule(variable?.getInitializer(), name);
  }
  if (Node.isVariableDeclaration(declaration)) return requiredModule(declaration.getInitializer(), '*');
  return undefined;
}

/**
 * Whether an identifier can name an import of its file: the file imports that name, or calls
 * `require`. Read off the file's text and top-level statements, so that the type checker is asked
 * for the symbol of the few identifiers that can be imports, not of every callee in the project.
 */
function mayBeImportBinding(identifier: Node): boolean {
  const bindings = importBindings(identifier.getSourceFile().compilerNode);
  return bindings.requires || bindings.names.has(identifier.getText());
}

const importBindings = oncePerFile((file) => {
  const names = new Set<string>();
  const collect = (statements: readonly ts.Statement[]): void => {
    for (const statement of statements) {
      if (ts.isImportDeclaration(statement)) {
        const clause = statement.importClause;
        if (clause?.name !== undefined) names.add(clause.name.text);
        const named = clause?.namedBindings;
        if (named !== undefined && ts.isNamespaceImport(named)) names.add(named.name.text);
        else if (named !== undefined) for (const element of named.elements) names.add(element.name.text);
      } else if (ts.isImportEqualsDeclaration(statement)) {
        names.add(statement.name.text);
      } else if (ts.isModuleDeclaration(statement) && statement.body !== undefined && ts.isModuleBlock(statement.body)) {
        collect(statement.body.statements);
      }
    }
  };
  collect(file.statements);
  return { names, requires: file.text.includes('require') };
});

function requiredModule(expression: Node | undefined, name: string): ImportedName | undefined {
  if (expression === undefined) return undefined;
  const call = unwrapExpression(expression);
  if (!Node.isCallExpression(call)) return undefined;
  const callee = call.getExpression();
  const [specifier] = call.getArguments();
  if (!Node.isIdentifier(callee) || callee.getText() !== 'require' || specifier === undefined || !Node.isStringLiteral(specifier)) return undefined;
  return { module: specifier.getLiteralValue(), name };
}

/**
 * What a reference to a library export resolves to: `Worker` (imported from `bullmq`),
 * `bullmq.Worker` (a namespace import), or `cron.schedule` (a default import of `node-cron`).
 */
export function referencedExport(expression: Node): ImportedName | undefined {
  const node = unwrapExpression(expression);
  if (Node.isIdentifier(node)) return importOf(node);
  if (Node.isPropertyAccessExpression(node) || Node.isQualifiedName(node)) {
    const owner = importOf(Node.isQualifiedName(node) ? node.getLeft() : unwrapExpression(node.getExpression()));
    if (owner === undefined || (owner.name !== '*' && owner.name !== 'default')) return undefined;
    return { module: owner.module, name: Node.isQualifiedName(node) ? node.getRight().getText() : node.getName() };
  }
  return undefined;
}

const quotedModules = oncePerFile(() => new Map<string, boolean>());

/**
 * Whether a file spells a module's name in quotes. An import or `require` names its module in a
 * string literal of the importing file, so a file that does not spell it imports nothing from it,
 * and the type checker need not be asked.
 */
function mentionsModule(file: ts.SourceFile, module: string): boolean {
  const known = quotedModules(file);
  let mentioned = known.get(module);
  if (mentioned === undefined) {
    mentioned = file.text.includes(`'${module}'`) || file.text.includes(`"${module}"`);
    known.set(module, mentioned);
  }
  return mentioned;
}

export function isExportOf(expression: Node, modules: readonly string[], name: string): boolean {
  if (!modules.some((module) => mentionsModule(expression.getSourceFile().compilerNode, module))) return false;
  const found = referencedExport(expression);
  return found !== undefined && found.name === name && modules.includes(found.module);
}

/** BullMQ and its Pro build export the same classes. */
export const BULLMQ = ['bullmq', '@taskforcesh/bullmq-pro'] as const;
export const CRONER = ['croner'] as const;
/** kelektiv's `cron` (used by @nestjs/schedule). */
export const CRON = ['cron'] as const;
export const NODE_CRON = ['node-cron'] as const;
export const NEXT_SERVER = ['next/server'] as const;

/** `new Worker(…)` with `Worker` from BullMQ, `new Cron(…)` from croner… */
export function isNewOfExport(node: Node, modules: readonly string[], name: string): node is NewExpression {
  return Node.isNewExpression(node) && isExportOf(node.getExpression(), modules, name);
}

/** The `new X(…)` a value was made by: the expression itself, or the initializer of the variable or field it names. */
export function constructionOf(expression: Node): NewExpression | undefined {
  const node = unwrapExpression(expression);
  if (Node.isNewExpression(node)) return node;
  const target = Node.isPropertyAccessExpression(node) ? node.getNameNode() : Node.isIdentifier(node) ? node : undefined;
  let symbol = target?.getSymbol();
  symbol = symbol?.getAliasedSymbol() ?? symbol;
  for (const declaration of symbol?.getDeclarations() ?? []) {
    if (Node.isVariableDeclaration(declaration) || Node.isPropertyDeclaration(declaration)) {
      const initializer = declaration.getInitializer();
      const value = initializer === undefined ? undefined : unwrapExpression(initializer);
      if (value !== undefined && Node.isNewExpression(value)) return value;
    }
    // `this.queue = new Queue(…)` in a constructor.
    if (Node.isPropertyDeclaration(declaration) || Node.isPropertyAccessExpression(declaration)) {
      const assigned = constructorAssignment(declaration);
      if (assigned !== undefined) return assigned;
    }
  }
  return undefined;
}

function constructorAssignment(declaration: Node): NewExpression | undefined {
  const cls = declaration.getFirstAncestor(Node.isClassDeclaration);
  const name = Node.isPropertyDeclaration(declaration) ? declaration.getName() : Node.isPropertyAccessExpression(declaration) ? declaration.getName() : undefined;
  if (cls === undefined || name === undefined) return undefined;
  for (const ctor of cls.getConstructors()) {
    for (const statement of ctor.getStatements()) {
      if (!Node.isExpressionStatement(statement)) continue;
      const expression = statement.getExpression();
      if (!Node.isBinaryExpression(expression) || expression.getOperatorToken().getText() !== '=') continue;
      const left = expression.getLeft();
      const right = unwrapExpression(expression.getRight());
      if (Node.isPropertyAccessExpression(left) && left.getName() === name && Node.isThisExpression(left.getExpression()) && Node.isNewExpression(right)) return right;
    }
  }
  return undefined;
}

/** BullMQ methods that return a promise, by class: what `queue.add(…)` is when its types are not installed. */
const BULLMQ_ASYNC_METHODS: Record<string, ReadonlySet<string>> = {
  Queue: new Set(['add', 'addBulk', 'close', 'pause', 'resume', 'drain', 'obliterate', 'clean', 'upsertJobScheduler', 'removeJobScheduler', 'getJob', 'getJobs', 'remove', 'waitUntilReady']),
  FlowProducer: new Set(['add', 'addBulk', 'close']),
  Worker: new Set(['close', 'pause', 'run', 'waitUntilReady', 'getNextJob']),
  QueueEvents: new Set(['close', 'waitUntilReady']),
  Job: new Set(['updateProgress', 'log', 'updateData', 'moveToCompleted', 'moveToFailed', 'moveToDelayed', 'remove', 'retry', 'promote', 'changeDelay', 'changePriority', 'extendLock', 'getState', 'waitUntilFinished', 'clearLogs', 'getChildrenValues']),
};

/** Redis clients (ioredis, node-redis): every command returns a promise; these methods do not. */
const REDIS_SYNC_METHODS = new Set([
  'on', 'once', 'off', 'addListener', 'prependListener', 'removeListener', 'removeAllListeners', 'emit', 'listeners', 'listenerCount',
  'setMaxListeners', 'getMaxListeners', 'duplicate', 'pipeline', 'multi', 'defineCommand', 'disconnect', 'scanStream', 'sscanStream',
  'hscanStream', 'zscanStream', 'createBuiltinCommand', 'isOpen', 'isReady',
]);
const IOREDIS = ['ioredis'] as const;
const NODE_REDIS = ['redis', '@redis/client'] as const;

/** Globals that return a promise whatever the project's `lib` and `@types` say. */
const ASYNC_GLOBALS = new Set(['fetch']);

/**
 * The library class an expression is an instance of: from the `new` or factory call that made it,
 * or from the type its variable or parameter is annotated with (`worker: Worker` from bullmq).
 */
export function instanceOf(expression: Node): ImportedName | undefined {
  const construction = constructionOf(expression);
  if (construction !== undefined) return referencedExport(construction.getExpression());
  const annotated = annotatedClass(expression);
  if (annotated !== undefined) return annotated;
  const factory = factoryCallOf(expression);
  if (factory !== undefined) {
    const made = referencedExport(factory.getExpression());
    if (made !== undefined && (NODE_REDIS as readonly string[]).includes(made.module) && made.name === 'createClient') return { module: made.module, name: 'RedisClient' };
    // `const audit = getQueue<AuditEvent>('audit')` with `function getQueue<T>(name: string): Queue<T>`.
    const returned = resolveFunction(unwrapExpression(factory.getExpression()))?.getReturnTypeNode();
    if (returned !== undefined && Node.isTypeReference(returned)) return referencedExport(returned.getTypeName());
  }
  return bullmqJobParameter(expression) ? { module: 'bullmq', name: 'Job' } : undefined;
}

/** `worker: Worker`, `private readonly queue: Queue<Job>`: the imported class a declaration is annotated with. */
function annotatedClass(expression: Node): ImportedName | undefined {
  const node = unwrapExpression(expression);
  const target = Node.isPropertyAccessExpression(node) ? node.getNameNode() : node;
  if (!Node.isIdentifier(target)) return undefined;
  const declaration = target.getSymbol()?.getDeclarations()[0];
  if (declaration === undefined || !(Node.isParameterDeclaration(declaration) || Node.isVariableDeclaration(declaration) || Node.isPropertyDeclaration(declaration))) return undefined;
  const typeNode = declaration.getTypeNode();
  return typeNode !== undefined && Node.isTypeReference(typeNode) ? referencedExport(typeNode.getTypeName()) : undefined;
}

/** `const client = createClient(…)`: the call that made a value, when it is held in a `const`. */
function factoryCallOf(expression: Node): CallExpression | undefined {
  const node = unwrapExpression(expression);
  const declaration = Node.isIdentifier(node) ? (node.getSymbol()?.getAliasedSymbol() ?? node.getSymbol())?.getDeclarations()[0] : undefined;
  if (declaration === undefined || !Node.isVariableDeclaration(declaration)) return undefined;
  const initializer = declaration.getInitializer();
  const value = initializer === undefined ? undefined : unwrapExpression(initializer);
  return value !== undefined && Node.isCallExpression(value) ? value : undefined;
}

/** A processor's job: a parameter typed `Job` from BullMQ, or the first parameter of a function given to `new Worker(name, fn)`. */
function bullmqJobParameter(expression: Node): boolean {
  const node = unwrapExpression(expression);
  const declaration = Node.isIdentifier(node) ? node.getSymbol()?.getDeclarations()[0] : undefined;
  if (declaration === undefined || !Node.isParameterDeclaration(declaration)) return false;
  const typeNode = declaration.getTypeNode();
  if (typeNode !== undefined && Node.isTypeReference(typeNode)) return isExportOf(typeNode.getTypeName(), BULLMQ, 'Job');
  const fn = declaration.getParent();
  const construction = fn.getParent();
  return (
    isFunctionLike(fn) &&
    fn.getParameters()[0] === declaration &&
    construction !== undefined &&
    Node.isNewExpression(construction) &&
    construction.getArguments()[1] === fn &&
    isExportOf(construction.getExpression(), BULLMQ, 'Worker')
  );
}

/**
 * Whether a call is a library API known to return a promise: `queue.add(…)` on a BullMQ `Queue` the
 * code created, `job.updateProgress(…)` in a processor, a Redis command, `fetch(…)`. Decides
 * promise-ness where types are missing.
 */
export function isKnownAsyncLibraryCall(call: CallExpression): boolean {
  const callee = unwrapExpression(call.getExpression());
  if (Node.isIdentifier(callee)) return ASYNC_GLOBALS.has(callee.getText()) && callee.getSymbol()?.getDeclarations().every((d) => d.getSourceFile().isDeclarationFile()) !== false;
  if (!Node.isPropertyAccessExpression(callee)) return false;
  const method = callee.getName();
  const receiver = callee.getExpression();
  // `redis.multi().set(…).exec()`: the chain's `exec` is the command that runs.
  const chained = method === 'exec' && Node.isCallExpression(unwrapExpression(receiver));
  const instance = instanceOf(chained ? chainRoot(receiver) : receiver);
  if (instance === undefined) return false;
  if ((BULLMQ as readonly string[]).includes(instance.module)) return BULLMQ_ASYNC_METHODS[instance.name]?.has(method) === true;
  const isRedis = ((IOREDIS as readonly string[]).includes(instance.module) && ['default', 'Redis', 'Cluster'].includes(instance.name)) || instance.name === 'RedisClient';
  return isRedis && (chained || !REDIS_SYNC_METHODS.has(method));
}
