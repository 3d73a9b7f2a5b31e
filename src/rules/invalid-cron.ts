import { createRequire } from 'node:module';
import { Node, ts } from 'ts-morph';
import type { CallExpression, NewExpression, ObjectLiteralExpression, SourceFile, VariableDeclaration } from 'ts-morph';
import { forEachDescendantWhere } from '../analysis/walk.js';
import { objectProperty, resolveFunction, unwrapExpression } from '../analysis/functions.js';
import { BULLMQ, constructionOf, CRON, CRONER, importOf, isExportOf, NODE_CRON, referencedExport, type ImportedName } from '../analysis/libraries.js';
import { isTestFile, type ProjectIndex } from '../analysis/project-index.js';
import { errorMessage } from '../errors.js';
import { defineRule, formatMessage, MAX_MESSAGE_LENGTH, type Problem } from './rule.js';

type MessageId = 'rejected' | 'everySecond';

const MESSAGES: Record<MessageId, string> = {
  rejected: '{{library}} rejects `{{pattern}}`{{field}}: {{reason}}; {{outcome}}.',
  everySecond: '`{{pattern}}` has `{{seconds}}` in its seconds field (the first of {{count}}): {{library}} runs the job {{frequency}}.',
};

type Library = 'croner' | 'node-cron' | 'cron' | 'bullmq';

const LIBRARY_LABELS: Record<Library, string> = { croner: 'croner', 'node-cron': 'node-cron', cron: 'cron', bullmq: 'BullMQ' };

/** croner's options that change what its parser accepts; the others (timezone, name…) are not about the pattern. */
interface CronerParseOptions {
  mode?: string;
  alternativeWeekdays?: boolean;
  sloppyRanges?: boolean;
}
const CRONER_PARSE_OPTIONS = ['mode', 'alternativeWeekdays', 'sloppyRanges'] as const;
/** When the options are not literal: the pattern is rejected only if croner rejects it under every one of these. */
const CRONER_OPTION_VARIANTS: CronerParseOptions[] = [{}, { sloppyRanges: true }, { alternativeWeekdays: true }, { alternativeWeekdays: true, sloppyRanges: true }];

/** A literal pattern handed to a scheduling library. */
interface PatternUse {
  library: Library;
  pattern: string;
  /** Where the pattern is written at the call: the argument or the option's value. */
  node: Node;
  /** croner only; `undefined` when the options are not written out. */
  cronerOptions?: CronerParseOptions | undefined;
  /** The options cap the runs (`maxRuns`, `interval`, `limit`…) or may: every second is then meant. */
  bounded: boolean;
}

// The libraries' own parsers, loaded on the first pattern found: most projects use none of them.
interface CronerModule {
  Cron: new (pattern: string, options: CronerParseOptions & { paused: boolean }) => { stop(): void };
}
interface NodeCronModule {
  parse(pattern: string): unknown;
  validateDetailed(pattern: string): { errors: { field: string; value?: string }[] };
}
interface CronModule {
  CronTime: new (pattern: string) => unknown;
}
interface CronParserModule {
  CronExpressionParser: { parse(pattern: string): unknown };
}

const requireDependency = createRequire(import.meta.url);
const loaded = new Map<string, unknown>();
function dependency<T>(name: string): T {
  if (!loaded.has(name)) loaded.set(name, requireDependency(name));
  return loaded.get(name) as T;
}

/** What a library says about a pattern: `undefined` when it accepts it, else the reason it gives. */
type Judge = (pattern: string) => string | undefined;

function thrownReason(run: () => void): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return errorMessage(error);
  }
}

function cronerJudge(options: CronerParseOptions | undefined): Judge {
  const { Cron } = dependency<CronerModule>('croner');
  const judgeWith = (variant: CronerParseOptions) => (pattern: string) => thrownReason(() => new Cron(pattern, { ...variant, paused: true }).stop());
  if (options !== undefined) return judgeWith(options);
  // Options the code builds at run time may loosen the parser: report only what no variant accepts.
  return (pattern) => {
    const reasons = CRONER_OPTION_VARIANTS.map((variant) => judgeWith(variant)(pattern));
    return reasons.every((reason) => reason !== undefined) ? reasons[0] : undefined;
  };
}

function judgeFor(use: PatternUse): Judge {
  switch (use.library) {
    case 'croner':
      return cronerJudge(use.cronerOptions);
    case 'node-cron':
      // `schedule` and `createTask` call `parse` before creating the task.
      return (pattern) => thrownReason(() => dependency<NodeCronModule>('node-cron').parse(pattern));
    case 'cron':
      return (pattern) => thrownReason(() => new (dependency<CronModule>('cron').CronTime)(pattern));
    case 'bullmq':
      // BullMQ's default repeat strategy parses the pattern with cron-parser when the scheduler is upserted.
      return (pattern) => thrownReason(() => dependency<CronParserModule>('cron-parser').CronExpressionParser.parse(pattern));
  }
}

const FIVE_FIELDS = ['minute', 'hour', 'day-of-month', 'month', 'day-of-week'];
const FIELD_NAMES: Record<number, string[]> = {
  5: FIVE_FIELDS,
  6: ['second', ...FIVE_FIELDS],
  7: ['second', ...FIVE_FIELDS, 'year'],
};
const NODE_CRON_FIELDS: Record<string, string> = { second: 'second', minute: 'minute', hour: 'hour', dayOfMonth: 'day-of-month', month: 'month', dayOfWeek: 'day-of-week' };

function patternFields(pattern: string): string[] {
  return pattern.trim().split(/\s+/);
}

interface Field {
  name: string;
  text: string;
}

/**
 * The field a rejection is about, found with the library's own parser: each field alone, the others
 * `*`, and the one rejected for the same reason. Nothing when the field count itself is wrong or
 * only a combination of fields is (day 31 of February).
 */
function rejectedField(use: PatternUse, judge: Judge, reason: string): Field | undefined {
  if (use.library === 'node-cron') {
    // node-cron names the field itself.
    let error: { field: string; value?: string } | undefined;
    thrownReason(() => (error = dependency<NodeCronModule>('node-cron').validateDetailed(use.pattern).errors[0]));
    const name = error === undefined ? undefined : NODE_CRON_FIELDS[error.field];
    return name === undefined || error?.value === undefined ? undefined : { name, text: error.value };
  }
  const fields = patternFields(use.pattern);
  const names = FIELD_NAMES[fields.length];
  if (names === undefined || judge(fields.map(() => '*').join(' ')) !== undefined) return undefined;
  const alone = fields.map((field, position) => judge(fields.map((other, index) => (index === position ? field : '*')).join(' ')));
  const position = alone.includes(reason) ? alone.indexOf(reason) : alone.findIndex((other) => other !== undefined);
  const [name, text] = [names[position], fields[position]];
  return name === undefined || text === undefined ? undefined : { name, text };
}

/** The library's reason, as it words it, without its class or category prefix or the advice sentences after it. */
function conciseReason(message: string): string {
  const [first = message] = message.replace(/^(?:CronPattern:|(?:Validation|Constraint) error,)\s*/, '').split(/\.\s/);
  return first.replace(/\.$/, '').replace(/\s+/g, ' ').trim();
}

/** Cuts the library's reason (prose the engine does not shorten) so that the message fits. */
function fitReason(data: Record<string, string>): Record<string, string> {
  const room = MAX_MESSAGE_LENGTH - formatMessage(MESSAGES.rejected, { ...data, reason: '' }).length;
  const limit = Math.max(40, room);
  return data.reason !== undefined && data.reason.length > limit ? { ...data, reason: `${data.reason.slice(0, limit - 1).trimEnd()}…` } : data;
}

function judged(use: PatternUse): Problem<MessageId> | undefined {
  const judge = judgeFor(use);
  const quoted = `'${use.pattern}'`;
  const library = LIBRARY_LABELS[use.library];
  const reason = judge(use.pattern);
  if (reason !== undefined) {
    const field = rejectedField(use, judge, reason);
    const outcome = use.library === 'bullmq' ? 'it rejects and nothing is scheduled' : 'it throws and the job never starts';
    const words = conciseReason(reason);
    // The field's text, unless the library's words quote it already.
    const where = field === undefined ? '' : words.includes(field.text) ? ` in the ${field.name} field` : ` in the ${field.name} field (\`${field.text}\`)`;
    const data = fitReason({ pattern: quoted, library, field: where, reason: words, outcome });
    return { node: use.node, messageId: 'rejected', data };
  }
  // Every library here reads a six-field pattern (and croner a seven-field one) with seconds first.
  const fields = patternFields(use.pattern);
  const [seconds = '', minutes = ''] = fields;
  if (use.bounded || fields.length < 6 || (seconds !== '*' && seconds !== '*/1')) return undefined;
  const frequency = minutes === '*' || minutes === '*/1' ? 'every second' : '60 times in each minute it matches';
  const count = fields.length === 6 ? 'six' : 'seven';
  return { node: use.node, messageId: 'everySecond', data: { pattern: quoted, seconds, count, library, frequency } };
}

// --- Reading literal values --------------------------------------------------------------------

/** The `const` an identifier names (also through an import, and for `{ pattern }` shorthand). */
function constDeclaration(node: Node): VariableDeclaration | undefined {
  if (!Node.isIdentifier(node)) return undefined;
  const parent = node.getParent();
  const symbol = parent !== undefined && Node.isShorthandPropertyAssignment(parent) ? parent.getValueSymbol() : node.getSymbol();
  const declaration = (symbol?.getAliasedSymbol() ?? symbol)?.getDeclarations()[0];
  if (declaration === undefined || !Node.isVariableDeclaration(declaration)) return undefined;
  const list = declaration.getParent();
  return Node.isVariableDeclarationList(list) && list.getDeclarationKind() === 'const' ? declaration : undefined;
}

/** A string literal, a template without substitutions, or a `const` initialised with one. */
function literalText(expression: Node | undefined, depth = 0): string | undefined {
  if (expression === undefined || depth > 4) return undefined;
  const node = unwrapExpression(expression);
  if (Node.isStringLiteral(node) || Node.isNoSubstitutionTemplateLiteral(node)) return node.getLiteralValue();
  const declaration = constDeclaration(node);
  return declaration === undefined ? undefined : literalText(declaration.getInitializer(), depth + 1);
}

/** An object literal, written in place or held in a `const`. */
function objectLiteral(expression: Node | undefined): ObjectLiteralExpression | undefined {
  if (expression === undefined) return undefined;
  const node = unwrapExpression(expression);
  if (Node.isObjectLiteralExpression(node)) return node;
  const initializer = constDeclaration(node)?.getInitializer();
  const value = initializer === undefined ? undefined : unwrapExpression(initializer);
  return value !== undefined && Node.isObjectLiteralExpression(value) ? value : undefined;
}

function literalBoolean(node: Node): boolean | undefined {
  const value = unwrapExpression(node);
  if (Node.isTrueLiteral(value)) return true;
  if (Node.isFalseLiteral(value)) return false;
  return undefined;
}

/**
 * croner's parse options from `new Cron(pattern, options, fn)` or `new Cron(pattern, fn, options)`:
 * `{}` when there are none, `undefined` when the code computes them.
 */
function cronerOptions(call: CallExpression | NewExpression): CronerParseOptions | undefined {
  const options: CronerParseOptions = {};
  for (const argument of call.getArguments().slice(1, 3)) {
    if (resolveFunction(argument) !== undefined) continue;
    const object = objectLiteral(argument);
    if (object === undefined) return undefined;
    if (object.getProperties().some((property) => Node.isSpreadAssignment(property))) return undefined;
    for (const name of CRONER_PARSE_OPTIONS) {
      const value = objectProperty(object, name);
      if (value === undefined) continue;
      if (name === 'mode') {
        const mode = literalText(value);
        if (mode === undefined) return undefined;
        options.mode = mode;
      } else {
        const flag = literalBoolean(value);
        if (flag === undefined) return undefined;
        options[name] = flag;
      }
    }
  }
  return options;
}

// --- Recognising the libraries' calls ----------------------------------------------------------

/** Classes of BullMQ whose `upsertJobScheduler` parses a pattern. */
const BULLMQ_SCHEDULING_CLASSES = new Set(['Queue', 'QueuePro', 'JobScheduler']);
const NODE_CRON_SCHEDULERS = new Set(['schedule', 'createTask']);

function isBullmqScheduling(made: ImportedName | undefined): boolean {
  return made !== undefined && (BULLMQ as readonly string[]).includes(made.module) && BULLMQ_SCHEDULING_CLASSES.has(made.name);
}

/** `Queue` or `bullmq.Queue` in a type annotation: the export it names. */
function typeNameExport(typeName: Node): ImportedName | undefined {
  if (Node.isIdentifier(typeName)) return importOf(typeName);
  if (!Node.isQualifiedName(typeName)) return undefined;
  const owner = importOf(typeName.getLeft());
  return owner === undefined || (owner.name !== '*' && owner.name !== 'default') ? undefined : { module: owner.module, name: typeName.getRight().getText() };
}

/** The library exports named by the declared type of a variable, parameter or field (`Queue | null` names `Queue`). */
function declaredTypeExports(expression: Node): (ImportedName | undefined)[] | undefined {
  const node = unwrapExpression(expression);
  const target = Node.isPropertyAccessExpression(node) ? node.getNameNode() : node;
  if (!Node.isIdentifier(target)) return undefined;
  const declaration = target.getSymbol()?.getDeclarations()[0];
  if (declaration === undefined || !(Node.isParameterDeclaration(declaration) || Node.isPropertyDeclaration(declaration) || Node.isVariableDeclaration(declaration) || Node.isPropertySignature(declaration))) return undefined;
  const typeNode = declaration.getTypeNode();
  if (typeNode === undefined) return undefined;
  const members = Node.isUnionTypeNode(typeNode) ? typeNode.getTypeNodes() : [typeNode];
  const references = members.filter((member) => Node.isTypeReference(member));
  return references.length === 0 ? undefined : references.map((reference) => typeNameExport(reference.getTypeName()));
}

/**
 * Whether a receiver is a BullMQ queue: `'yes'` or `'no'` when the code says what made it or what
 * type it has (a `Queue` from `bull` is not one), `'unknown'` otherwise (a map of queues, a getter).
 */
function isBullmqQueue(receiver: Node): 'yes' | 'no' | 'unknown' {
  const construction = constructionOf(receiver);
  if (construction !== undefined) {
    const made = referencedExport(construction.getExpression());
    if (made === undefined) return 'unknown';
    return isBullmqScheduling(made) ? 'yes' : 'no';
  }
  const declared = declaredTypeExports(receiver);
  if (declared === undefined || declared.includes(undefined)) return 'unknown';
  return declared.some(isBullmqScheduling) ? 'yes' : 'no';
}

interface BullmqFacts {
  /** Some file imports or requires BullMQ: `upsertJobScheduler` on a queue of unknown origin is then BullMQ's. */
  importsBullmq: boolean;
  /** A custom `repeatStrategy` (RRULE and the like) reads `pattern` its own way. */
  customRepeatStrategy: boolean;
}
/** Per package (a monorepo's apps differ), computed on the first BullMQ-shaped call. */
const bullmqFactsByIndex = new WeakMap<ProjectIndex, Map<string | undefined, BullmqFacts>>();

function bullmqFacts(sourceFile: SourceFile, index: ProjectIndex): BullmqFacts {
  const byPackage = bullmqFactsByIndex.get(index) ?? new Map<string | undefined, BullmqFacts>();
  bullmqFactsByIndex.set(index, byPackage);
  const root = index.packageRoot(sourceFile);
  let facts = byPackage.get(root);
  if (facts === undefined) {
    const texts = index
      .lintableFiles()
      .filter((file) => index.packageRoot(file) === root)
      .map((file) => file.getFullText());
    facts = {
      importsBullmq: texts.some((text) => /['"](?:bullmq|@taskforcesh\/bullmq-pro)['"]/.test(text)),
      customRepeatStrategy: texts.some((text) => text.includes('repeatStrategy')),
    };
    byPackage.set(root, facts);
  }
  return facts;
}

function bullmqReceiverAccepted(receiver: Node, index: ProjectIndex): boolean {
  const facts = bullmqFacts(receiver.getSourceFile(), index);
  if (facts.customRepeatStrategy) return false;
  const verdict = isBullmqQueue(receiver);
  return verdict === 'yes' || (verdict === 'unknown' && facts.importsBullmq);
}

/**
 * Whether options limit how often or how many times the job runs, as croner's author advises for
 * sub-minute jobs (`'* * * * * *'` with `interval`, Hexagon/croner#229); options the code computes may.
 */
function limitsRuns(options: Node | undefined, keys: readonly string[]): boolean {
  if (options === undefined) return false;
  const object = objectLiteral(options);
  if (object === undefined) return true;
  return object.getProperties().some((property) => Node.isSpreadAssignment(property) || (Node.isPropertyNamed(property) && keys.includes(property.getName())));
}

const RUN_LIMITS: Record<Library, readonly string[]> = { croner: ['maxRuns', 'interval'], 'node-cron': ['maxExecutions'], cron: [], bullmq: ['limit'] };

/** The options argument a library reads the run limits from (for BullMQ, the repeat options holding the pattern). */
function runOptions(library: Library, call: CallExpression | NewExpression, node: Node): Node[] {
  const args = call.getArguments();
  if (library === 'croner') return args.slice(1, 3).filter((argument) => resolveFunction(argument) === undefined);
  if (library === 'node-cron') return args.slice(2, 3);
  if (library === 'bullmq') return [node.getParentOrThrow().getParentOrThrow()];
  return [];
}

function use(library: Library, call: CallExpression | NewExpression, node: Node | undefined): PatternUse | undefined {
  const pattern = literalText(node);
  // An empty pattern is a different error (BullMQ: "Either .pattern or .every"), and a date string tells croner to run once.
  if (node === undefined || pattern === undefined || pattern.trim() === '' || (library === 'croner' && pattern.indexOf(':') > 0)) return undefined;
  const bounded = runOptions(library, call, node).some((options) => limitsRuns(options, RUN_LIMITS[library]));
  // An options object held in a `const` of another module: the finding stays in this file, at the call.
  const reportAt = node.getSourceFile() === call.getSourceFile() ? node : call;
  return { library, pattern, node: reportAt, bounded, ...(library === 'croner' && { cronerOptions: cronerOptions(call) }) };
}

function isCronerCron(callee: Node): boolean {
  return isExportOf(callee, CRONER, 'Cron') || isExportOf(callee, CRONER, 'default');
}

function newPatternUse(expression: NewExpression): PatternUse | undefined {
  const callee = expression.getExpression();
  const [first] = expression.getArguments();
  if (isCronerCron(callee)) return use('croner', expression, first);
  if (isExportOf(callee, CRON, 'CronJob') || isExportOf(callee, CRON, 'CronTime')) return use('cron', expression, first);
  return undefined;
}

function callPatternUse(call: CallExpression, index: ProjectIndex): PatternUse | undefined {
  const callee = unwrapExpression(call.getExpression());
  const [first, second, third] = call.getArguments();
  if (isCronerCron(callee)) return use('croner', call, first);
  const imported = referencedExport(callee);
  if (imported !== undefined && (NODE_CRON as readonly string[]).includes(imported.module) && NODE_CRON_SCHEDULERS.has(imported.name)) return use('node-cron', call, first);
  if (!Node.isPropertyAccessExpression(callee)) return undefined;
  const receiver = callee.getExpression();
  switch (callee.getName()) {
    case 'from':
      return isExportOf(receiver, CRON, 'CronJob') ? use('cron', call, objectProperty(objectLiteral(first), 'cronTime')) : undefined;
    case 'upsertJobScheduler': {
      const pattern = objectProperty(objectLiteral(second), 'pattern');
      return pattern !== undefined && bullmqReceiverAccepted(receiver, index) ? use('bullmq', call, pattern) : undefined;
    }
    case 'add': {
      // BullMQ before v6: `queue.add(name, data, { repeat: { pattern } })`.
      const pattern = objectProperty(objectLiteral(objectProperty(objectLiteral(third), 'repeat')), 'pattern');
      return pattern !== undefined && bullmqReceiverAccepted(receiver, index) ? use('bullmq', call, pattern) : undefined;
    }
    default:
      return undefined;
  }
}

/** Files that cannot hold a scheduling call are skipped without walking them. */
const MENTIONS_SCHEDULING = /cron|upsertJobScheduler|repeat/i;

function patternUses(sourceFile: SourceFile, index: ProjectIndex): PatternUse[] {
  if (!MENTIONS_SCHEDULING.test(sourceFile.getFullText())) return [];
  const uses: PatternUse[] = [];
  forEachDescendantWhere(sourceFile, (node) => ts.isNewExpression(node) || ts.isCallExpression(node), (node) => {
    const found = Node.isNewExpression(node) ? newPatternUse(node) : Node.isCallExpression(node) ? callPatternUse(node, index) : undefined;
    if (found !== undefined) uses.push(found);
  });
  return uses;
}

export default defineRule({
  id: 'invalid-cron',
  description:
    'Disallow literal cron patterns that the scheduling library (croner, node-cron, cron, BullMQ) rejects at start-up, checked with its own parser, and six-field patterns whose seconds field `*` runs the job every second.',
  defaultSeverity: 'error',
  messages: MESSAGES,
  *check({ sourceFile, index }) {
    // Tests assert that bad patterns throw and use fast schedules on purpose.
    if (isTestFile(sourceFile)) return;
    // A `const` options object shared by several calls is one pattern to fix, reported once.
    const reported = new Set<Node>();
    for (const found of patternUses(sourceFile, index)) {
      if (reported.has(found.node)) continue;
      const problem = judged(found);
      if (problem === undefined) continue;
      reported.add(found.node);
      yield problem;
    }
  },
});
