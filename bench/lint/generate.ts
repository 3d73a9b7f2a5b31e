// Generates, deterministically from a seed, a realistic Express + BullMQ + croner backend for the lint
// benchmark (run.ts, see bench/README.md): N TypeScript files (default 2,000), about 60 lines each, whose
// imports resolve and which type-check cleanly with `strict` under TypeScript 5.9, 6 and 7. About 5 % of
// the files hold task code (BullMQ workers and producers, croner schedules, timers, handlers that start
// work they do not wait for), some of it wrong in ways bgtask reports; the rest is plain CRUD code.
//
// Standalone:  node bench/.build/bench/lint/generate.js <outDir> [files=2000] [seed=1]
// It writes <outDir>/{package.json,tsconfig.json,eslint.config.js,.oxlintrc.json,src/**} and a
// node_modules symlink to this repository's node_modules (express, bullmq, croner and their types).
// Same seed and file count, same bytes.
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Marks a directory as made by this generator, so that it may be deleted and made again. */
export const MARKER = '.bgtask-bench-project';

/** The repository's node_modules, from bench/.build/bench/lint/generate.js (or bench/lint/generate.ts). */
export function repoNodeModules(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'node_modules', 'express'))) return join(dir, 'node_modules');
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the repository node_modules above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

export interface GenerateOptions {
  outDir: string;
  /** Number of .ts files (at least 80). */
  files?: number;
  seed?: number;
  /** Where the node_modules symlink points; the repository's node_modules by default, null for none. */
  nodeModules?: string | null;
}

/** What the generator put in on purpose: what bgtask, oxlint and ESLint should find. */
export interface Planted {
  /** Handler statement `sendEmail(...)`, can reject: bgtask uncaught-task-error, and no-floating-promises. */
  floatingBare: number;
  /** Handler statement `void notifyWebhooks(...)`, can reject: bgtask only (no-floating-promises ignores void). */
  floatingVoid: number;
  /** Handler statement `recordMetric(...)` that cannot reject: no-floating-promises only. */
  floatingSafe: number;
  /** `new Worker(...)` without an error listener: bgtask uncaught-task-error. */
  workerNoErrorListener: number;
  /** `worker.on('failed', async ...)` that can reject: bgtask uncaught-task-error, and no-misused-promises. */
  asyncFailedListener: number;
  /** croner job, async callback, no `catch` option: bgtask uncaught-task-error. */
  cronNoCatch: number;
  /** croner `'* * * * * *'`: bgtask invalid-cron. */
  cronEverySecond: number;
  /** croner pattern croner rejects (`'0 25 * * *'`): bgtask invalid-cron. */
  cronRejected: number;
  /** `setInterval(async () => ...)` that can reject: bgtask uncaught-task-error, and no-misused-promises. */
  timerAsync: number;
  /** `new Queue(...)` in a handler: bgtask queue-per-request. */
  queuePerRequest: number;
  /** A job enqueued after `res.json(...)`: bgtask task-after-response. */
  enqueueAfterResponse: number;
  /** `appendFileSync` in a `setImmediate` a handler starts: bgtask blocking-task. */
  blockingInTimer: number;
  /** A job payload type with a `Date`: bgtask unserializable-job-data. */
  unserializableJob: number;
}

export interface GeneratedProject {
  dir: string;
  files: number;
  lines: number;
  /** Files holding task code (workers, producers, schedules, timers, handlers starting work). */
  taskFiles: number;
  entities: number;
  planted: Planted;
  /** What bgtask should report, per rule, from `planted`. */
  expectedBgtask: Record<string, number>;
  /** What no-floating-promises + no-misused-promises should report (oxlint and ESLint alike). */
  expectedPromiseRules: number;
}

// ---------------------------------------------------------------------------------------------------
// Seeded randomness

/** mulberry32: a small, fast, seeded 32-bit PRNG. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Random {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  float(): number {
    return this.next();
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }
  shuffle<T>(items: readonly T[]): T[] {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
    }
    return copy;
  }
  /** `count` distinct items. */
  sample<T>(items: readonly T[], count: number): T[] {
    return this.shuffle(items).slice(0, count);
  }
}

// ---------------------------------------------------------------------------------------------------
// Names

const PREFIXES = [
  'billing', 'customer', 'product', 'inventory', 'shipping', 'payment', 'account', 'catalog', 'order', 'invoice',
  'support', 'partner', 'vendor', 'warehouse', 'report', 'audit', 'loyalty', 'campaign', 'subscription', 'coupon',
  'tenant', 'project', 'team', 'course', 'booking', 'property', 'vehicle', 'clinic', 'library', 'event',
] as const;
const NOUNS = [
  'item', 'record', 'profile', 'note', 'entry', 'batch', 'rule', 'setting', 'request', 'review',
  'transfer', 'plan', 'slot', 'tag', 'address', 'contact', 'document', 'ticket', 'label', 'comment',
  'attachment', 'schedule', 'quota', 'policy', 'template', 'message', 'channel', 'session', 'region', 'metric',
] as const;

const cap = (word: string): string => word.charAt(0).toUpperCase() + word.slice(1);
const plural = (word: string): string =>
  /(s|x|ch|sh)$/.test(word) ? `${word}es` : /[^aeiou]y$/.test(word) ? `${word.slice(0, -1)}ies` : `${word}s`;

interface Field {
  name: string;
  /** Type in the entity. */
  type: string;
  /** Type in the create input (optional there). */
  inputType: string;
  /** Default in the insert. */
  fallback: string;
  /** validation.ts helper that reads it. */
  parser: 'optionalString' | 'optionalNumber' | 'optionalBoolean' | 'optionalStringArray';
}

const FIELD_POOL: readonly Field[] = [
  { name: 'description', type: 'string', inputType: 'string', fallback: "''", parser: 'optionalString' },
  { name: 'priority', type: 'number', inputType: 'number', fallback: '0', parser: 'optionalNumber' },
  { name: 'amount', type: 'number', inputType: 'number', fallback: '0', parser: 'optionalNumber' },
  { name: 'currency', type: 'string', inputType: 'string', fallback: "'EUR'", parser: 'optionalString' },
  { name: 'dueDate', type: 'string | null', inputType: 'string', fallback: 'null', parser: 'optionalString' },
  { name: 'isPublic', type: 'boolean', inputType: 'boolean', fallback: 'false', parser: 'optionalBoolean' },
  { name: 'quantity', type: 'number', inputType: 'number', fallback: '1', parser: 'optionalNumber' },
  { name: 'notes', type: 'string', inputType: 'string', fallback: "''", parser: 'optionalString' },
  { name: 'externalRef', type: 'string | null', inputType: 'string', fallback: 'null', parser: 'optionalString' },
  { name: 'score', type: 'number', inputType: 'number', fallback: '0', parser: 'optionalNumber' },
  { name: 'region', type: 'string', inputType: 'string', fallback: "'eu-west'", parser: 'optionalString' },
  { name: 'labels', type: 'string[]', inputType: 'string[]', fallback: '[]', parser: 'optionalStringArray' },
  { name: 'position', type: 'number', inputType: 'number', fallback: '0', parser: 'optionalNumber' },
  { name: 'color', type: 'string', inputType: 'string', fallback: "'#888888'", parser: 'optionalString' },
  { name: 'isLocked', type: 'boolean', inputType: 'boolean', fallback: 'false', parser: 'optionalBoolean' },
  { name: 'weight', type: 'number', inputType: 'number', fallback: '0', parser: 'optionalNumber' },
  { name: 'code', type: 'string', inputType: 'string', fallback: "''", parser: 'optionalString' },
  { name: 'expiresAt', type: 'string | null', inputType: 'string', fallback: 'null', parser: 'optionalString' },
];

const snake = (camel: string): string => camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

interface Entity {
  index: number;
  camel: string; // billingItem
  pascal: string; // BillingItem
  kebab: string; // billing-item
  constant: string; // BILLING_ITEM
  pluralPascal: string; // BillingItems
  pluralKebab: string; // billing-items
  table: string; // billing_items
  idPrefix: string; // bi
  label: string; // billing item
  fields: Field[];
  statuses: string[];
  /** Entities this one refers to (`<other>Id` fields), checked by its service. */
  relations: Entity[];
}

function makeEntities(count: number, random: Random): Entity[] {
  const combos: Array<[string, string]> = [];
  for (const prefix of PREFIXES) for (const noun of NOUNS) combos.push([prefix, noun]);
  const order = random.shuffle(combos);
  const entities: Entity[] = [];
  for (let index = 0; index < count; index++) {
    const [prefix, noun] = order[index % order.length] as [string, string];
    const round = Math.floor(index / order.length);
    const suffix = round === 0 ? '' : String(round + 1);
    const camel = `${prefix}${cap(noun)}${suffix}`;
    const pluralCamel = `${prefix}${cap(plural(noun))}${suffix}`;
    const kebab = `${prefix}-${noun}${suffix}`;
    entities.push({
      index,
      camel,
      pascal: cap(camel),
      kebab,
      constant: snake(camel).toUpperCase(),
      pluralPascal: cap(pluralCamel),
      pluralKebab: `${prefix}-${plural(noun)}${suffix}`,
      table: snake(pluralCamel),
      idPrefix: `${prefix.slice(0, 2)}${noun.slice(0, 2)}${suffix}`,
      label: `${prefix} ${noun}`,
      fields: random.sample(FIELD_POOL, random.int(2, 5)),
      statuses: random.float() < 0.3 ? ['draft', 'active', 'suspended', 'archived'] : ['draft', 'active', 'archived'],
      relations: [],
    });
  }
  for (const entity of entities) {
    if (entities.length < 3) break;
    const wanted = random.int(0, 2);
    while (entity.relations.length < wanted) {
      const other = random.pick(entities);
      if (other !== entity && !entity.relations.includes(other)) entity.relations.push(other);
    }
  }
  return entities;
}

/** A block of lines; `undefined` and `false` entries are dropped. */
function lines(...items: Array<string | undefined | false>): string {
  return `${items.filter((item): item is string => typeof item === 'string').join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------------
// Shared files

function sharedFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  files['src/types/common.ts'] = lines(
    'export type Id = string;',
    '',
    'export interface Timestamps {',
    '  createdAt: string;',
    '  updatedAt: string;',
    '}',
    '',
    'export interface PageQuery {',
    '  page: number;',
    '  pageSize: number;',
    '}',
    '',
    'export interface Page<T> {',
    '  items: T[];',
    '  total: number;',
    '  page: number;',
    '  pageSize: number;',
    '}',
    '',
    "export type SortDirection = 'asc' | 'desc';",
    '',
    'export interface AuthUser {',
    '  id: Id;',
    '  email: string;',
    '  roles: string[];',
    '  tenantId: Id;',
    '}',
  );
  files['src/types/express.ts'] = lines(
    "import type { AuthUser } from './common.js';",
    '',
    'declare global {',
    '  namespace Express {',
    '    interface Request {',
    '      user?: AuthUser;',
    '      requestId?: string;',
    '    }',
    '  }',
    '}',
    '',
    'export {};',
  );
  files['src/lib/config.ts'] = lines(
    'function numberFromEnv(name: string, fallback: number): number {',
    '  const raw = process.env[name];',
    '  if (raw === undefined || raw === \'\') return fallback;',
    '  const value = Number(raw);',
    '  if (!Number.isFinite(value)) throw new Error(`${name} must be a number, got ${raw}`);',
    '  return value;',
    '}',
    '',
    'export const config = {',
    "  port: numberFromEnv('PORT', 3000),",
    "  databaseUrl: process.env['DATABASE_URL'] ?? 'http://localhost:5480',",
    "  mailUrl: process.env['MAIL_URL'] ?? 'http://localhost:8025/send',",
    "  webhookUrl: process.env['WEBHOOK_URL'] ?? 'http://localhost:8090/hooks',",
    "  metricsUrl: process.env['METRICS_URL'] ?? 'http://localhost:8125/metrics',",
    "  opsEmail: process.env['OPS_EMAIL'] ?? 'ops@example.com',",
    '  redis: {',
    "    host: process.env['REDIS_HOST'] ?? '127.0.0.1',",
    "    port: numberFromEnv('REDIS_PORT', 6379),",
    '  },',
    "  tokenSecret: process.env['TOKEN_SECRET'] ?? 'dev-secret',",
    "  rateLimitWindowMs: numberFromEnv('RATE_LIMIT_WINDOW_MS', 60_000),",
    '};',
    '',
    'export type Config = typeof config;',
  );
  files['src/lib/logger.ts'] = lines(
    "type Level = 'debug' | 'info' | 'warn' | 'error';",
    '',
    'const LEVELS: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };',
    "const threshold = LEVELS[(process.env['LOG_LEVEL'] as Level | undefined) ?? 'info'] ?? LEVELS.info;",
    '',
    'function write(level: Level, message: string, meta: Record<string, unknown> = {}): void {',
    '  if (LEVELS[level] < threshold) return;',
    '  const line = JSON.stringify({ level, time: new Date().toISOString(), message, ...meta });',
    "  if (level === 'error' || level === 'warn') console.error(line);",
    '  else console.log(line);',
    '}',
    '',
    'export const logger = {',
    "  debug: (message: string, meta?: Record<string, unknown>): void => write('debug', message, meta),",
    "  info: (message: string, meta?: Record<string, unknown>): void => write('info', message, meta),",
    "  warn: (message: string, meta?: Record<string, unknown>): void => write('warn', message, meta),",
    "  error: (message: string, meta?: Record<string, unknown>): void => write('error', message, meta),",
    '};',
    '',
    'export function errorMessage(error: unknown): string {',
    '  return error instanceof Error ? error.message : String(error);',
    '}',
  );
  files['src/lib/db.ts'] = lines(
    "import { config } from './config.js';",
    "import { DatabaseError } from '../utils/errors.js';",
    "import { logger } from './logger.js';",
    '',
    'export interface QueryResult<T> {',
    '  rows: T[];',
    '  rowCount: number;',
    '}',
    '',
    '/** Sends one statement to the database gateway; rejects when the gateway or the statement fails. */',
    'export async function query<T = unknown>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {',
    '  const started = Date.now();',
    '  const response = await fetch(`${config.databaseUrl}/query`, {',
    "    method: 'POST',",
    "    headers: { 'content-type': 'application/json' },",
    '    body: JSON.stringify({ sql, params }),',
    '  });',
    '  if (!response.ok) {',
    '    throw new DatabaseError(`query failed with status ${response.status}`, sql);',
    '  }',
    '  const result = (await response.json()) as QueryResult<T>;',
    "  logger.debug('query', { sql, ms: Date.now() - started, rows: result.rowCount });",
    '  return result;',
    '}',
    '',
    'export async function queryOne<T>(sql: string, params: readonly unknown[] = []): Promise<T | undefined> {',
    '  const result = await query<T>(sql, params);',
    '  return result.rows[0];',
    '}',
    '',
    'export async function transaction<T>(work: () => Promise<T>): Promise<T> {',
    "  await query('BEGIN');",
    '  try {',
    '    const value = await work();',
    "    await query('COMMIT');",
    '    return value;',
    '  } catch (error) {',
    "    await query('ROLLBACK');",
    '    throw error;',
    '  }',
    '}',
  );
  files['src/lib/redis.ts'] = lines(
    "import type { ConnectionOptions } from 'bullmq';",
    "import { config } from './config.js';",
    '',
    'export const connection: ConnectionOptions = {',
    '  host: config.redis.host,',
    '  port: config.redis.port,',
    '  maxRetriesPerRequest: null,',
    '};',
    '',
    'export const producerConnection: ConnectionOptions = {',
    '  host: config.redis.host,',
    '  port: config.redis.port,',
    '  enableOfflineQueue: false,',
    '};',
  );
  files['src/lib/mailer.ts'] = lines(
    "import { config } from './config.js';",
    "import { logger } from './logger.js';",
    '',
    '/** Sends one email through the mail relay; rejects when the relay fails. */',
    'export async function sendEmail(to: string, subject: string, text: string): Promise<void> {',
    '  const response = await fetch(config.mailUrl, {',
    "    method: 'POST',",
    "    headers: { 'content-type': 'application/json' },",
    '    body: JSON.stringify({ to, subject, text }),',
    '  });',
    '  if (!response.ok) {',
    '    throw new Error(`mail relay answered ${response.status} for ${to}`);',
    '  }',
    "  logger.info('email sent', { to, subject });",
    '}',
  );
  files['src/lib/metrics.ts'] = lines(
    "import { config } from './config.js';",
    "import { errorMessage, logger } from './logger.js';",
    '',
    '/** Best effort: never rejects. */',
    'export async function recordMetric(name: string, value = 1, tags: Record<string, string> = {}): Promise<void> {',
    '  try {',
    '    await fetch(config.metricsUrl, {',
    "      method: 'POST',",
    "      headers: { 'content-type': 'application/json' },",
    '      body: JSON.stringify({ name, value, tags }),',
    '    });',
    '  } catch (error) {',
    "    logger.warn('metric dropped', { name, error: errorMessage(error) });",
    '  }',
    '}',
  );
  files['src/lib/audit.ts'] = lines(
    "import { query } from './db.js';",
    "import type { Id } from '../types/common.js';",
    '',
    'export async function audit(action: string, entity: string, entityId: Id, actorId: Id): Promise<void> {',
    '  await query(',
    "    'INSERT INTO audit_log (action, entity, entity_id, actor_id, at) VALUES ($1, $2, $3, $4, now())',",
    '    [action, entity, entityId, actorId],',
    '  );',
    '}',
  );
  files['src/lib/webhooks.ts'] = lines(
    "import { config } from './config.js';",
    "import { logger } from './logger.js';",
    "import { retry } from '../utils/retry.js';",
    '',
    '/** Delivers an event to the subscribers, retrying; rejects when every attempt failed. */',
    'export async function notifyWebhooks(event: string, payload: Record<string, unknown>): Promise<void> {',
    '  const body = JSON.stringify({ event, payload, sentAt: new Date().toISOString() });',
    '  await retry(async () => {',
    "    const response = await fetch(config.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });",
    '    if (!response.ok) throw new Error(`webhook ${event} failed with ${response.status}`);',
    '  });',
    "  logger.info('webhook delivered', { event });",
    '}',
  );
  files['src/lib/cache.ts'] = lines(
    'interface Entry<T> {',
    '  value: T;',
    '  expiresAt: number;',
    '}',
    '',
    'export class TtlCache<T> {',
    '  private readonly entries = new Map<string, Entry<T>>();',
    '',
    '  constructor(private readonly ttlMs: number) {}',
    '',
    '  get(key: string): T | undefined {',
    '    const entry = this.entries.get(key);',
    '    if (entry === undefined) return undefined;',
    '    if (entry.expiresAt < Date.now()) {',
    '      this.entries.delete(key);',
    '      return undefined;',
    '    }',
    '    return entry.value;',
    '  }',
    '',
    '  set(key: string, value: T): void {',
    '    this.entries.set(key, { value, expiresAt: Date.now() + this.ttlMs });',
    '  }',
    '',
    '  delete(key: string): void {',
    '    this.entries.delete(key);',
    '  }',
    '',
    '  get size(): number {',
    '    return this.entries.size;',
    '  }',
    '}',
    '',
    'export const cache = new TtlCache<unknown>(5 * 60_000);',
  );
  files['src/lib/http-client.ts'] = lines(
    "import { retry } from '../utils/retry.js';",
    '',
    'export async function getJson<T>(url: string, headers: Record<string, string> = {}): Promise<T> {',
    '  return retry(async () => {',
    "    const response = await fetch(url, { headers: { accept: 'application/json', ...headers } });",
    '    if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);',
    '    return (await response.json()) as T;',
    '  });',
    '}',
    '',
    'export async function postJson<T>(url: string, body: unknown): Promise<T> {',
    '  const response = await fetch(url, {',
    "    method: 'POST',",
    "    headers: { 'content-type': 'application/json', accept: 'application/json' },",
    '    body: JSON.stringify(body),',
    '  });',
    '  if (!response.ok) throw new Error(`POST ${url} answered ${response.status}`);',
    '  return (await response.json()) as T;',
    '}',
  );
  files['src/utils/errors.ts'] = lines(
    'export class AppError extends Error {',
    '  readonly status: number;',
    '  readonly code: string;',
    '',
    '  constructor(message: string, status: number, code: string) {',
    '    super(message);',
    '    this.name = new.target.name;',
    '    this.status = status;',
    '    this.code = code;',
    '  }',
    '}',
    '',
    'export class NotFoundError extends AppError {',
    '  constructor(entity: string, id: string) {',
    "    super(`${entity} ${id} not found`, 404, 'not_found');",
    '  }',
    '}',
    '',
    'export class ValidationError extends AppError {',
    '  constructor(message: string) {',
    "    super(message, 400, 'invalid');",
    '  }',
    '}',
    '',
    'export class UnauthorizedError extends AppError {',
    '  constructor(message: string) {',
    "    super(message, 401, 'unauthorized');",
    '  }',
    '}',
    '',
    'export class ForbiddenError extends AppError {',
    '  constructor(message: string) {',
    "    super(message, 403, 'forbidden');",
    '  }',
    '}',
    '',
    'export class DatabaseError extends AppError {',
    '  readonly sql: string;',
    '',
    '  constructor(message: string, sql: string) {',
    "    super(message, 500, 'database');",
    '    this.sql = sql;',
    '  }',
    '}',
    '',
    'export function isAppError(error: unknown): error is AppError {',
    '  return error instanceof AppError;',
    '}',
  );
  files['src/utils/validation.ts'] = lines(
    "import { ValidationError } from './errors.js';",
    '',
    'export type Fields = Record<string, unknown>;',
    '',
    'export function asRecord(value: unknown): Fields {',
    "  if (typeof value !== 'object' || value === null || Array.isArray(value)) {",
    "    throw new ValidationError('expected a JSON object');",
    '  }',
    '  return value as Fields;',
    '}',
    '',
    'export function requireString(data: Fields, key: string): string {',
    '  const value = data[key];',
    "  if (typeof value !== 'string' || value.trim() === '') throw new ValidationError(`${key} is required`);",
    '  return value;',
    '}',
    '',
    'export function optionalString(data: Fields, key: string): string | undefined {',
    '  const value = data[key];',
    '  if (value === undefined || value === null) return undefined;',
    "  if (typeof value !== 'string') throw new ValidationError(`${key} must be a string`);",
    '  return value;',
    '}',
    '',
    'export function optionalNumber(data: Fields, key: string): number | undefined {',
    '  const value = data[key];',
    '  if (value === undefined || value === null) return undefined;',
    "  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ValidationError(`${key} must be a number`);",
    '  return value;',
    '}',
    '',
    'export function optionalBoolean(data: Fields, key: string): boolean | undefined {',
    '  const value = data[key];',
    '  if (value === undefined || value === null) return undefined;',
    "  if (typeof value !== 'boolean') throw new ValidationError(`${key} must be true or false`);",
    '  return value;',
    '}',
    '',
    'export function optionalStringArray(data: Fields, key: string): string[] | undefined {',
    '  const value = data[key];',
    '  if (value === undefined || value === null) return undefined;',
    "  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {",
    '    throw new ValidationError(`${key} must be a list of strings`);',
    '  }',
    '  return value as string[];',
    '}',
  );
  files['src/utils/pagination.ts'] = lines(
    "import type { PageQuery } from '../types/common.js';",
    "import { ValidationError } from './errors.js';",
    '',
    'export const DEFAULT_PAGE_SIZE = 25;',
    'export const MAX_PAGE_SIZE = 200;',
    '',
    'function positiveInt(raw: unknown, fallback: number, name: string): number {',
    "  if (raw === undefined || raw === '') return fallback;",
    '  const value = Number(raw);',
    '  if (!Number.isInteger(value) || value < 1) throw new ValidationError(`${name} must be a positive integer`);',
    '  return value;',
    '}',
    '',
    'export function parsePageQuery(query: Record<string, unknown>): PageQuery {',
    "  const page = positiveInt(query['page'], 1, 'page');",
    "  const pageSize = Math.min(positiveInt(query['pageSize'], DEFAULT_PAGE_SIZE, 'pageSize'), MAX_PAGE_SIZE);",
    '  return { page, pageSize };',
    '}',
    '',
    'export function toOffset(page: PageQuery): number {',
    '  return (page.page - 1) * page.pageSize;',
    '}',
  );
  files['src/utils/ids.ts'] = lines(
    "import { randomUUID } from 'node:crypto';",
    '',
    'export function newId(prefix: string): string {',
    "  return `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 20)}`;",
    '}',
    '',
    'export function isId(value: unknown, prefix: string): value is string {',
    "  return typeof value === 'string' && value.startsWith(`${prefix}_`) && value.length === prefix.length + 21;",
    '}',
  );
  files['src/utils/strings.ts'] = lines(
    'export function toSnakeCase(value: string): string {',
    '  return value.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);',
    '}',
    '',
    'export function slugify(value: string): string {',
    '  return value',
    '    .toLowerCase()',
    "    .replace(/[^a-z0-9]+/g, '-')",
    "    .replace(/^-+|-+$/g, '');",
    '}',
    '',
    'export function truncate(value: string, length: number): string {',
    '  return value.length <= length ? value : `${value.slice(0, length - 1)}…`;',
    '}',
  );
  files['src/utils/dates.ts'] = lines(
    'export function nowIso(): string {',
    '  return new Date().toISOString();',
    '}',
    '',
    'export function addDays(iso: string, days: number): string {',
    '  return new Date(Date.parse(iso) + days * 86_400_000).toISOString();',
    '}',
    '',
    'export function isPast(iso: string | null): boolean {',
    '  return iso !== null && Date.parse(iso) < Date.now();',
    '}',
  );
  files['src/utils/retry.ts'] = lines(
    "import { setTimeout as sleep } from 'node:timers/promises';",
    '',
    'export async function retry<T>(work: () => Promise<T>, attempts = 3, delayMs = 200): Promise<T> {',
    '  let lastError: unknown;',
    '  for (let attempt = 1; attempt <= attempts; attempt++) {',
    '    try {',
    '      return await work();',
    '    } catch (error) {',
    '      lastError = error;',
    '      if (attempt < attempts) await sleep(delayMs * 2 ** (attempt - 1));',
    '    }',
    '  }',
    '  throw lastError;',
    '}',
  );
  files['src/middleware/auth.ts'] = lines(
    "import type { NextFunction, Request, Response } from 'express';",
    "import type { AuthUser } from '../types/common.js';",
    "import { ForbiddenError, UnauthorizedError } from '../utils/errors.js';",
    '',
    'function decodeToken(token: string): AuthUser {',
    "  const payload = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<AuthUser>;",
    "  if (typeof payload.id !== 'string' || typeof payload.email !== 'string') throw new UnauthorizedError('bad token');",
    "  return { id: payload.id, email: payload.email, roles: payload.roles ?? [], tenantId: payload.tenantId ?? 'default' };",
    '}',
    '',
    'export function requireAuth(req: Request, _res: Response, next: NextFunction): void {',
    '  const header = req.headers.authorization;',
    "  if (header === undefined || !header.startsWith('Bearer ')) {",
    "    next(new UnauthorizedError('missing bearer token'));",
    '    return;',
    '  }',
    '  try {',
    "    req.user = decodeToken(header.slice('Bearer '.length));",
    '    next();',
    '  } catch {',
    "    next(new UnauthorizedError('invalid token'));",
    '  }',
    '}',
    '',
    'export function requireRole(role: string) {',
    '  return (req: Request, _res: Response, next: NextFunction): void => {',
    '    if (req.user === undefined || !req.user.roles.includes(role)) {',
    '      next(new ForbiddenError(`requires role ${role}`));',
    '      return;',
    '    }',
    '    next();',
    '  };',
    '}',
    '',
    'export function currentUserId(req: { user?: AuthUser }): string {',
    "  if (req.user === undefined) throw new UnauthorizedError('not signed in');",
    '  return req.user.id;',
    '}',
    '',
    'export function currentUserEmail(req: { user?: AuthUser }): string {',
    "  if (req.user === undefined) throw new UnauthorizedError('not signed in');",
    '  return req.user.email;',
    '}',
  );
  files['src/middleware/request-id.ts'] = lines(
    "import { randomUUID } from 'node:crypto';",
    "import type { NextFunction, Request, Response } from 'express';",
    '',
    'export function requestId(req: Request, res: Response, next: NextFunction): void {',
    "  const incoming = req.get('x-request-id');",
    '  req.requestId = incoming !== undefined && incoming.length <= 64 ? incoming : randomUUID();',
    "  res.setHeader('x-request-id', req.requestId);",
    '  next();',
    '}',
  );
  files['src/middleware/request-logger.ts'] = lines(
    "import type { NextFunction, Request, Response } from 'express';",
    "import { logger } from '../lib/logger.js';",
    '',
    'export function requestLogger(req: Request, res: Response, next: NextFunction): void {',
    '  const started = process.hrtime.bigint();',
    "  res.on('finish', () => {",
    '    const ms = Number(process.hrtime.bigint() - started) / 1e6;',
    "    logger.info('request', { method: req.method, path: req.originalUrl, status: res.statusCode, ms, requestId: req.requestId });",
    '  });',
    '  next();',
    '}',
  );
  files['src/middleware/rate-limit.ts'] = lines(
    "import type { NextFunction, Request, Response } from 'express';",
    "import { config } from '../lib/config.js';",
    "import { AppError } from '../utils/errors.js';",
    '',
    'const hits = new Map<string, { count: number; resetAt: number }>();',
    '',
    'export function rateLimit(limit: number) {',
    '  return (req: Request, res: Response, next: NextFunction): void => {',
    "    const key = `${req.ip ?? 'unknown'}:${req.baseUrl}${req.path}`;",
    '    const now = Date.now();',
    '    const entry = hits.get(key);',
    '    if (entry === undefined || entry.resetAt < now) {',
    '      hits.set(key, { count: 1, resetAt: now + config.rateLimitWindowMs });',
    '      next();',
    '      return;',
    '    }',
    '    entry.count += 1;',
    "    res.setHeader('x-ratelimit-remaining', String(Math.max(0, limit - entry.count)));",
    '    if (entry.count > limit) {',
    "      next(new AppError('too many requests', 429, 'rate_limited'));",
    '      return;',
    '    }',
    '    next();',
    '  };',
    '}',
  );
  files['src/middleware/validate.ts'] = lines(
    "import type { NextFunction, Request, Response } from 'express';",
    "import { ValidationError } from '../utils/errors.js';",
    "import { asRecord } from '../utils/validation.js';",
    '',
    'export function requireFields(...names: string[]) {',
    '  return (req: Request, _res: Response, next: NextFunction): void => {',
    '    try {',
    '      const body = asRecord(req.body);',
    '      const missing = names.filter((name) => body[name] === undefined);',
    "      if (missing.length > 0) throw new ValidationError(`missing ${missing.join(', ')}`);",
    '      next();',
    '    } catch (error) {',
    '      next(error);',
    '    }',
    '  };',
    '}',
  );
  files['src/middleware/error-handler.ts'] = lines(
    "import type { NextFunction, Request, Response } from 'express';",
    "import { errorMessage, logger } from '../lib/logger.js';",
    "import { isAppError } from '../utils/errors.js';",
    '',
    'export function errorHandler(error: unknown, req: Request, res: Response, next: NextFunction): void {',
    '  if (res.headersSent) {',
    '    next(error);',
    '    return;',
    '  }',
    '  if (isAppError(error)) {',
    '    res.status(error.status).json({ error: error.code, message: error.message });',
    '    return;',
    '  }',
    "  logger.error('unhandled error', { path: req.originalUrl, error: errorMessage(error), requestId: req.requestId });",
    "  res.status(500).json({ error: 'internal', message: 'Something went wrong' });",
    '}',
  );
  return files;
}

// ---------------------------------------------------------------------------------------------------
// Per-entity files

function modelFile(e: Entity): string {
  const relationImports = e.relations.map((r) => `import type { ${r.pascal} } from './${r.kebab}.js';`);
  return lines(
    "import type { Id, Timestamps } from '../types/common.js';",
    ...relationImports,
    '',
    `export const ${e.constant}_STATUSES = [${e.statuses.map((s) => `'${s}'`).join(', ')}] as const;`,
    `export type ${e.pascal}Status = (typeof ${e.constant}_STATUSES)[number];`,
    '',
    `/** A ${e.label}, as stored in \`${e.table}\`. */`,
    `export interface ${e.pascal} extends Timestamps {`,
    '  id: Id;',
    '  name: string;',
    `  status: ${e.pascal}Status;`,
    '  ownerId: Id;',
    ...e.fields.map((f) => `  ${f.name}: ${f.type};`),
    ...e.relations.map((r) => `  ${r.camel}Id: ${r.pascal}['id'] | null;`),
    '}',
    '',
    `export interface Create${e.pascal}Input {`,
    '  name: string;',
    ...e.fields.map((f) => `  ${f.name}?: ${f.inputType};`),
    ...e.relations.map((r) => `  ${r.camel}Id?: ${r.pascal}['id'];`),
    '}',
    '',
    `export type Update${e.pascal}Input = Partial<Create${e.pascal}Input> & { status?: ${e.pascal}Status };`,
    '',
    `export interface ${e.pascal}Filter {`,
    `  status?: ${e.pascal}Status;`,
    '  ownerId?: Id;',
    '  search?: string;',
    '}',
    '',
    `export interface ${e.pascal}Summary {`,
    '  id: Id;',
    '  name: string;',
    `  status: ${e.pascal}Status;`,
    '}',
    '',
    `export function is${e.pascal}Status(value: unknown): value is ${e.pascal}Status {`,
    `  return typeof value === 'string' && (${e.constant}_STATUSES as readonly string[]).includes(value);`,
    '}',
    '',
    `export function to${e.pascal}Summary(${e.camel}: ${e.pascal}): ${e.pascal}Summary {`,
    `  return { id: ${e.camel}.id, name: ${e.camel}.name, status: ${e.camel}.status };`,
    '}',
  );
}

function repositoryFile(e: Entity): string {
  const columns = [
    'id',
    'name',
    'status',
    'owner_id AS "ownerId"',
    ...e.fields.map((f) => (snake(f.name) === f.name ? f.name : `${snake(f.name)} AS "${f.name}"`)),
    ...e.relations.map((r) => `${snake(r.camel)}_id AS "${r.camel}Id"`),
    'created_at AS "createdAt"',
    'updated_at AS "updatedAt"',
  ];
  const insertColumns = ['id', 'name', 'status', 'owner_id', ...e.fields.map((f) => snake(f.name)), ...e.relations.map((r) => `${snake(r.camel)}_id`), 'created_at', 'updated_at'];
  const insertValues = [
    'id',
    'input.name',
    "'draft'",
    'ownerId',
    ...e.fields.map((f) => `input.${f.name} ?? ${f.fallback}`),
    ...e.relations.map((r) => `input.${r.camel}Id ?? null`),
    'now',
    'now',
  ];
  const placeholders = insertValues.map((_, i) => `$${i + 1}`).join(', ');
  return lines(
    "import { query, queryOne } from '../lib/db.js';",
    "import type { Id, Page, PageQuery } from '../types/common.js';",
    `import type { Create${e.pascal}Input, ${e.pascal}, ${e.pascal}Filter, Update${e.pascal}Input } from '../models/${e.kebab}.js';`,
    "import { newId } from '../utils/ids.js';",
    "import { toOffset } from '../utils/pagination.js';",
    "import { toSnakeCase } from '../utils/strings.js';",
    '',
    `const TABLE = '${e.table}';`,
    `const COLUMNS = '${columns.join(', ')}';`,
    '',
    `export class ${e.pascal}Repository {`,
    `  async findById(id: Id): Promise<${e.pascal} | undefined> {`,
    `    return queryOne<${e.pascal}>(\`SELECT \${COLUMNS} FROM \${TABLE} WHERE id = $1\`, [id]);`,
    '  }',
    '',
    `  async findMany(filter: ${e.pascal}Filter, page: PageQuery): Promise<Page<${e.pascal}>> {`,
    '    const conditions: string[] = [];',
    '    const params: unknown[] = [];',
    '    if (filter.status !== undefined) {',
    '      params.push(filter.status);',
    '      conditions.push(`status = $${params.length}`);',
    '    }',
    '    if (filter.ownerId !== undefined) {',
    '      params.push(filter.ownerId);',
    '      conditions.push(`owner_id = $${params.length}`);',
    '    }',
    "    if (filter.search !== undefined && filter.search !== '') {",
    '      params.push(`%${filter.search}%`);',
    '      conditions.push(`name ILIKE $${params.length}`);',
    '    }',
    "    const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';",
    '    const [result, count] = await Promise.all([',
    `      query<${e.pascal}>(\`SELECT \${COLUMNS} FROM \${TABLE} \${where} ORDER BY created_at DESC LIMIT \${page.pageSize} OFFSET \${toOffset(page)}\`, params),`,
    '      queryOne<{ total: number }>(`SELECT count(*)::int AS total FROM ${TABLE} ${where}`, params),',
    '    ]);',
    '    return { items: result.rows, total: count?.total ?? 0, page: page.page, pageSize: page.pageSize };',
    '  }',
    '',
    `  async insert(input: Create${e.pascal}Input, ownerId: Id): Promise<${e.pascal}> {`,
    `    const id = newId('${e.idPrefix}');`,
    '    const now = new Date().toISOString();',
    `    const row = await queryOne<${e.pascal}>(`,
    `      \`INSERT INTO \${TABLE} (${insertColumns.join(', ')}) VALUES (${placeholders}) RETURNING \${COLUMNS}\`,`,
    `      [${insertValues.join(', ')}],`,
    '    );',
    '    if (row === undefined) throw new Error(`insert into ${TABLE} returned no row`);',
    '    return row;',
    '  }',
    '',
    `  async update(id: Id, input: Update${e.pascal}Input): Promise<${e.pascal} | undefined> {`,
    '    const entries = Object.entries(input).filter(([, value]) => value !== undefined);',
    '    if (entries.length === 0) return this.findById(id);',
    '    const assignments = entries.map(([key], index) => `${toSnakeCase(key)} = $${index + 2}`);',
    `    return queryOne<${e.pascal}>(`,
    "      `UPDATE ${TABLE} SET ${assignments.join(', ')}, updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,",
    '      [id, ...entries.map(([, value]) => value)],',
    '    );',
    '  }',
    '',
    '  async delete(id: Id): Promise<boolean> {',
    '    const result = await query(`DELETE FROM ${TABLE} WHERE id = $1`, [id]);',
    '    return result.rowCount > 0;',
    '  }',
    '',
    '  async countByStatus(): Promise<Record<string, number>> {',
    '    const result = await query<{ status: string; total: number }>(`SELECT status, count(*)::int AS total FROM ${TABLE} GROUP BY status`);',
    '    const counts: Record<string, number> = {};',
    '    for (const row of result.rows) counts[row.status] = row.total;',
    '    return counts;',
    '  }',
    '',
    '  async exists(id: Id): Promise<boolean> {',
    "    const row = await queryOne<{ found: number }>(`SELECT 1 AS found FROM ${TABLE} WHERE id = $1`, [id]);",
    '    return row !== undefined;',
    '  }',
    '',
    '  async archiveOlderThan(days: number): Promise<number> {',
    '    const result = await query(',
    "      `UPDATE ${TABLE} SET status = 'archived', updated_at = now() WHERE status <> 'archived' AND updated_at < now() - make_interval(days => $1)`,",
    '      [days],',
    '    );',
    '    return result.rowCount;',
    '  }',
    '}',
    '',
    `export const ${e.camel}Repository = new ${e.pascal}Repository();`,
  );
}

function serviceFile(e: Entity, random: Random): string {
  const usesCache = random.float() < 0.5;
  return lines(
    "import type { Id, Page, PageQuery } from '../types/common.js';",
    `import type { Create${e.pascal}Input, ${e.pascal}, ${e.pascal}Filter, Update${e.pascal}Input } from '../models/${e.kebab}.js';`,
    `import { ${e.camel}Repository, type ${e.pascal}Repository } from '../repositories/${e.kebab}.repository.js';`,
    ...e.relations.map((r) => `import { ${r.camel}Repository } from '../repositories/${r.kebab}.repository.js';`),
    "import { NotFoundError, ValidationError } from '../utils/errors.js';",
    "import { logger } from '../lib/logger.js';",
    usesCache && "import { cache } from '../lib/cache.js';",
    '',
    `export class ${e.pascal}Service {`,
    `  constructor(private readonly repository: ${e.pascal}Repository = ${e.camel}Repository) {}`,
    '',
    `  async get(id: Id): Promise<${e.pascal}> {`,
    usesCache && `    const cached = cache.get(\`${e.kebab}:\${id}\`) as ${e.pascal} | undefined;`,
    usesCache && '    if (cached !== undefined) return cached;',
    `    const ${e.camel} = await this.repository.findById(id);`,
    `    if (${e.camel} === undefined) throw new NotFoundError('${e.label}', id);`,
    usesCache && `    cache.set(\`${e.kebab}:\${id}\`, ${e.camel});`,
    `    return ${e.camel};`,
    '  }',
    '',
    `  async list(filter: ${e.pascal}Filter, page: PageQuery): Promise<Page<${e.pascal}>> {`,
    '    return this.repository.findMany(filter, page);',
    '  }',
    '',
    `  async create(input: Create${e.pascal}Input, ownerId: Id): Promise<${e.pascal}> {`,
    "    const name = input.name.trim();",
    "    if (name === '') throw new ValidationError('name must not be empty');",
    ...e.relations.flatMap((r) => [
      `    if (input.${r.camel}Id !== undefined) {`,
      `      const related = await ${r.camel}Repository.findById(input.${r.camel}Id);`,
      `      if (related === undefined) throw new ValidationError(\`unknown ${r.label} \${input.${r.camel}Id}\`);`,
      '    }',
    ]),
    '    const created = await this.repository.insert({ ...input, name }, ownerId);',
    `    logger.info('${e.label} created', { id: created.id, ownerId });`,
    '    return created;',
    '  }',
    '',
    `  async update(id: Id, input: Update${e.pascal}Input): Promise<${e.pascal}> {`,
    '    const updated = await this.repository.update(id, input);',
    `    if (updated === undefined) throw new NotFoundError('${e.label}', id);`,
    usesCache && `    cache.delete(\`${e.kebab}:\${id}\`);`,
    '    return updated;',
    '  }',
    '',
    '  async remove(id: Id): Promise<void> {',
    '    const deleted = await this.repository.delete(id);',
    `    if (!deleted) throw new NotFoundError('${e.label}', id);`,
    usesCache && `    cache.delete(\`${e.kebab}:\${id}\`);`,
    `    logger.info('${e.label} deleted', { id });`,
    '  }',
    '',
    `  async archive(id: Id): Promise<${e.pascal}> {`,
    "    return this.update(id, { status: 'archived' });",
    '  }',
    '',
    '  async archiveStale(days: number): Promise<number> {',
    '    const archived = await this.repository.archiveOlderThan(days);',
    `    if (archived > 0) logger.info('${e.label} archived', { archived, days });`,
    '    return archived;',
    '  }',
    '',
    '  async stats(): Promise<{ total: number; byStatus: Record<string, number> }> {',
    '    const byStatus = await this.repository.countByStatus();',
    '    const total = Object.values(byStatus).reduce((sum, count) => sum + count, 0);',
    '    return { total, byStatus };',
    '  }',
    '',
    '  async ensureExists(id: Id): Promise<void> {',
    `    if (!(await this.repository.exists(id))) throw new NotFoundError('${e.label}', id);`,
    '  }',
    '',
    '  async refreshCache(): Promise<number> {',
    "    const page = await this.repository.findMany({ status: 'active' }, { page: 1, pageSize: 100 });",
    usesCache && `    for (const item of page.items) cache.set(\`${e.kebab}:\${item.id}\`, item);`,
    '    return page.items.length;',
    '  }',
    '}',
    '',
    `export const ${e.camel}Service = new ${e.pascal}Service();`,
  );
}

function controllerFile(e: Entity): string {
  const parsers = [...new Set(e.fields.map((f) => f.parser))].sort();
  return lines(
    "import type { Request, Response } from 'express';",
    `import { ${e.camel}Service } from '../services/${e.kebab}.service.js';`,
    `import { is${e.pascal}Status, to${e.pascal}Summary, type Create${e.pascal}Input, type ${e.pascal}Filter, type Update${e.pascal}Input } from '../models/${e.kebab}.js';`,
    "import { parsePageQuery } from '../utils/pagination.js';",
    `import { asRecord, ${[...parsers, 'optionalString', 'requireString'].filter((p, i, all) => all.indexOf(p) === i).sort().join(', ')} } from '../utils/validation.js';`,
    "import { currentUserId } from '../middleware/auth.js';",
    '',
    `function parseCreateInput(body: unknown): Create${e.pascal}Input {`,
    '  const data = asRecord(body);',
    '  return {',
    "    name: requireString(data, 'name'),",
    ...e.fields.map((f) => `    ${f.name}: ${f.parser}(data, '${f.name}'),`),
    ...e.relations.map((r) => `    ${r.camel}Id: optionalString(data, '${r.camel}Id'),`),
    '  };',
    '}',
    '',
    `function parseUpdateInput(body: unknown): Update${e.pascal}Input {`,
    '  const data = asRecord(body);',
    "  const status = data['status'];",
    '  return {',
    "    name: optionalString(data, 'name'),",
    ...e.fields.map((f) => `    ${f.name}: ${f.parser}(data, '${f.name}'),`),
    `    status: is${e.pascal}Status(status) ? status : undefined,`,
    '  };',
    '}',
    '',
    `function parseFilter(query: Record<string, unknown>): ${e.pascal}Filter {`,
    "  const status = query['status'];",
    "  const search = query['search'];",
    '  return {',
    `    status: is${e.pascal}Status(status) ? status : undefined,`,
    "    search: typeof search === 'string' ? search : undefined,",
    '  };',
    '}',
    '',
    `/** GET /api/${e.pluralKebab}: one page, filtered by status and search */`,
    `export async function list${e.pluralPascal}(req: Request, res: Response): Promise<void> {`,
    `  const page = await ${e.camel}Service.list(parseFilter(req.query), parsePageQuery(req.query));`,
    "  if (req.query['view'] === 'summary') {",
    `    res.json({ ...page, items: page.items.map(to${e.pascal}Summary) });`,
    '    return;',
    '  }',
    '  res.json(page);',
    '}',
    '',
    `/** GET /api/${e.pluralKebab}/:id */`,
    `export async function get${e.pascal}(req: Request<{ id: string }>, res: Response): Promise<void> {`,
    `  res.json(await ${e.camel}Service.get(req.params.id));`,
    '}',
    '',
    `/** POST /api/${e.pluralKebab} */`,
    `export async function create${e.pascal}(req: Request, res: Response): Promise<void> {`,
    `  const created = await ${e.camel}Service.create(parseCreateInput(req.body), currentUserId(req));`,
    `  res.status(201).location(\`/api/${e.pluralKebab}/\${created.id}\`).json(created);`,
    '}',
    '',
    `/** PATCH /api/${e.pluralKebab}/:id */`,
    `export async function update${e.pascal}(req: Request<{ id: string }>, res: Response): Promise<void> {`,
    `  res.json(await ${e.camel}Service.update(req.params.id, parseUpdateInput(req.body)));`,
    '}',
    '',
    `/** DELETE /api/${e.pluralKebab}/:id */`,
    `export async function delete${e.pascal}(req: Request<{ id: string }>, res: Response): Promise<void> {`,
    `  await ${e.camel}Service.remove(req.params.id);`,
    '  res.status(204).end();',
    '}',
    '',
    `/** GET /api/${e.pluralKebab}/stats */`,
    `export async function get${e.pascal}Stats(_req: Request, res: Response): Promise<void> {`,
    `  const stats = await ${e.camel}Service.stats();`,
    "  res.set('cache-control', 'private, max-age=30').json(stats);",
    '}',
  );
}

/** What a task route adds to its router (handlers that start background work). */
type RouteTask = 'floatingBare' | 'floatingVoid' | 'floatingSafe' | 'caught' | 'enqueue' | 'queuePerRequest' | 'enqueueAfterResponse' | 'blocking';

interface Job {
  entity: Entity;
  action: string;
  /** x-item-sync */
  queueName: string;
  /** xItemSyncQueue */
  queueConst: string;
  /** XItemSyncJob */
  payloadType: string;
  /** enqueueXItemSync */
  producer: string;
  /** billing-item-sync (file name under src/jobs and src/workers) */
  file: string;
  hasDate: boolean;
}

function routesFile(e: Entity, task: RouteTask | undefined, job: Job | undefined): string {
  const r = `${e.camel}Router`;
  const s = `${e.camel}Service`;
  const authImports = ['requireAuth', 'requireRole'];
  if (task === 'floatingBare' || task === 'caught') authImports.unshift('currentUserEmail');
  if (task === 'floatingVoid' || task === 'enqueue' || task === 'enqueueAfterResponse' || task === 'queuePerRequest') authImports.unshift('currentUserId');
  const imports = [
    "import { Router, type Request, type Response } from 'express';",
    `import { ${authImports.join(', ')} } from '../middleware/auth.js';`,
    "import { rateLimit } from '../middleware/rate-limit.js';",
    "import { requireFields } from '../middleware/validate.js';",
    `import { create${e.pascal}, delete${e.pascal}, get${e.pascal}, get${e.pascal}Stats, list${e.pluralPascal}, update${e.pascal} } from '../controllers/${e.kebab}.controller.js';`,
    `import { ${s} } from '../services/${e.kebab}.service.js';`,
  ];
  const body: string[] = [];
  switch (task) {
    case 'floatingBare':
      imports.push("import { sendEmail } from '../lib/mailer.js';");
      body.push(
        `${r}.post('/:id/share', requireAuth, async (req: Request<{ id: string }>, res: Response) => {`,
        `  const ${e.camel} = await ${s}.get(req.params.id);`,
        '  const { email } = req.body as { email: string };',
        `  sendEmail(email, \`\${currentUserEmail(req)} shared "\${${e.camel}.name}" with you\`, \`Open /${e.pluralKebab}/\${${e.camel}.id}\`);`,
        '  res.status(202).json({ shared: true });',
        '});',
      );
      break;
    case 'floatingVoid':
      imports.push("import { notifyWebhooks } from '../lib/webhooks.js';");
      body.push(
        `${r}.post('/:id/publish', requireAuth, async (req: Request<{ id: string }>, res: Response) => {`,
        `  const ${e.camel} = await ${s}.update(req.params.id, { status: 'active' });`,
        `  void notifyWebhooks('${e.kebab}.published', { id: ${e.camel}.id, by: currentUserId(req) });`,
        `  res.json(${e.camel});`,
        '});',
      );
      break;
    case 'floatingSafe':
      imports.push("import { recordMetric } from '../lib/metrics.js';");
      body.push(
        `${r}.get('/:id/preview', requireAuth, async (req: Request<{ id: string }>, res: Response) => {`,
        `  const ${e.camel} = await ${s}.get(req.params.id);`,
        `  recordMetric('${e.kebab}.preview', 1, { status: ${e.camel}.status });`,
        `  res.json({ id: ${e.camel}.id, name: ${e.camel}.name });`,
        '});',
      );
      break;
    case 'caught':
      imports.push("import { sendEmail } from '../lib/mailer.js';", "import { errorMessage, logger } from '../lib/logger.js';");
      body.push(
        `${r}.post('/:id/remind', requireAuth, async (req: Request<{ id: string }>, res: Response) => {`,
        `  const ${e.camel} = await ${s}.get(req.params.id);`,
        `  sendEmail(currentUserEmail(req), \`Reminder: \${${e.camel}.name}\`, 'Still waiting for you.').catch((error: unknown) => {`,
        `    logger.error('reminder failed', { id: ${e.camel}.id, error: errorMessage(error) });`,
        '  });',
        '  res.status(202).json({ reminded: true });',
        '});',
      );
      break;
    case 'enqueue':
      if (job === undefined) throw new Error('enqueue needs a job');
      imports.push(`import { ${job.producer} } from '../jobs/${job.file}.job.js';`);
      body.push(
        `${r}.post('/:id/${job.action}', requireAuth, async (req: Request<{ id: string }>, res: Response) => {`,
        `  const ${e.camel} = await ${s}.get(req.params.id);`,
        `  const jobId = await ${job.producer}(${e.camel}.id, currentUserId(req));`,
        '  res.status(202).json({ jobId });',
        '});',
      );
      break;
    case 'enqueueAfterResponse':
      if (job === undefined) throw new Error('enqueueAfterResponse needs a job');
      imports.push(`import { ${job.producer} } from '../jobs/${job.file}.job.js';`);
      body.push(
        `${r}.post('/:id/${job.action}', requireAuth, async (req: Request<{ id: string }>, res: Response) => {`,
        `  const ${e.camel} = await ${s}.update(req.params.id, { status: 'active' });`,
        `  res.json(${e.camel});`,
        `  await ${job.producer}(${e.camel}.id, currentUserId(req));`,
        '});',
      );
      break;
    case 'queuePerRequest':
      imports.push("import { Queue } from 'bullmq';", "import { producerConnection } from '../lib/redis.js';");
      body.push(
        `${r}.post('/:id/export', requireAuth, async (req: Request<{ id: string }>, res: Response) => {`,
        `  const ${e.camel} = await ${s}.get(req.params.id);`,
        `  const exports = new Queue('${e.kebab}-exports', { connection: producerConnection });`,
        `  const job = await exports.add('export', { id: ${e.camel}.id, format: 'csv', requestedBy: currentUserId(req) });`,
        '  res.status(202).json({ jobId: job.id });',
        '});',
      );
      break;
    case 'blocking':
      imports.push("import { appendFileSync } from 'node:fs';");
      body.push(
        `${r}.post('/:id/snapshot', requireAuth, async (req: Request<{ id: string }>, res: Response) => {`,
        `  const ${e.camel} = await ${s}.get(req.params.id);`,
        '  res.status(202).json({ queued: true });',
        '  setImmediate(() => {',
        `    appendFileSync('snapshots.ndjson', \`\${JSON.stringify(${e.camel})}\\n\`);`,
        '  });',
        '});',
      );
      break;
    case undefined:
      break;
  }
  return lines(
    ...imports,
    '',
    `export const ${r} = Router();`,
    '',
    `${r}.get('/', requireAuth, list${e.pluralPascal});`,
    `${r}.get('/stats', requireAuth, get${e.pascal}Stats);`,
    `${r}.get('/:id', requireAuth, get${e.pascal});`,
    `${r}.post('/', requireAuth, rateLimit(30), requireFields('name'), create${e.pascal});`,
    `${r}.patch('/:id', requireAuth, update${e.pascal});`,
    `${r}.delete('/:id', requireAuth, requireRole('admin'), delete${e.pascal});`,
    '',
    `${r}.post('/:id/archive', requireAuth, async (req: Request<{ id: string }>, res: Response) => {`,
    `  const archived = await ${s}.archive(req.params.id);`,
    '  res.json(archived);',
    '});',
    body.length > 0 && '',
    ...body,
  );
}

function mapperFile(e: Entity): string {
  return lines(
    `import type { ${e.pascal}, ${e.pascal}Summary } from '../models/${e.kebab}.js';`,
    "import { truncate } from '../utils/strings.js';",
    "import { isPast } from '../utils/dates.js';",
    '',
    `export interface ${e.pascal}Dto {`,
    '  id: string;',
    '  title: string;',
    '  status: string;',
    '  created: string;',
    '  stale: boolean;',
    '}',
    '',
    `export function to${e.pascal}Dto(${e.camel}: ${e.pascal}): ${e.pascal}Dto {`,
    '  return {',
    `    id: ${e.camel}.id,`,
    `    title: truncate(${e.camel}.name, 80),`,
    `    status: ${e.camel}.status,`,
    `    created: ${e.camel}.createdAt,`,
    `    stale: isPast(${e.camel}.updatedAt),`,
    '  };',
    '}',
    '',
    `export function summaryTitle(summary: ${e.pascal}Summary): string {`,
    '  return `${summary.name} (${summary.status})`;',
    '}',
  );
}

// ---------------------------------------------------------------------------------------------------
// Task files

const JOB_ACTIONS = ['sync', 'export', 'reindex', 'notify', 'cleanup', 'import'] as const;
const CRON_PATTERNS = ['*/5 * * * *', '0 * * * *', '15 2 * * *', '0 */6 * * *', '30 4 * * 1', '0 0 1 * *', '*/15 * * * *', '45 23 * * *'];

function payloadsFile(jobs: readonly Job[]): string {
  return lines(
    '// Job payloads: what producers put on the queues and workers get back.',
    '',
    ...jobs.flatMap((job) => [
      `export interface ${job.payloadType} {`,
      '  entityId: string;',
      '  requestedBy: string;',
      job.hasDate ? '  requestedAt: Date;' : '  requestedAt: string;',
      '}',
      '',
    ]),
  );
}

function queueFile(jobs: readonly Job[]): string {
  return lines(
    "import { Queue } from 'bullmq';",
    "import { producerConnection } from './redis.js';",
    `import type { ${jobs.map((j) => j.payloadType).join(', ')} } from '../jobs/payloads.js';`,
    '',
    'const defaultJobOptions = {',
    '  attempts: 3,',
    "  backoff: { type: 'exponential', delay: 1_000 },",
    '  removeOnComplete: 1_000,',
    '  removeOnFail: 5_000,',
    '};',
    '',
    ...jobs.map((j) => `export const ${j.queueConst} = new Queue<${j.payloadType}>('${j.queueName}', { connection: producerConnection, defaultJobOptions });`),
    '',
    'export async function closeQueues(): Promise<void> {',
    `  await Promise.all([${jobs.map((j) => `${j.queueConst}.close()`).join(', ')}]);`,
    '}',
  );
}

function jobFile(job: Job): string {
  return lines(
    "import { logger } from '../lib/logger.js';",
    `import { ${job.queueConst} } from '../lib/queue.js';`,
    `import type { ${job.payloadType} } from './payloads.js';`,
    '',
    `/** Puts one ${job.entity.label} on the ${job.queueName} queue; resolves with the job id. */`,
    `export async function ${job.producer}(entityId: string, requestedBy: string): Promise<string | undefined> {`,
    `  const data: ${job.payloadType} = { entityId, requestedBy, requestedAt: ${job.hasDate ? 'new Date()' : 'new Date().toISOString()'} };`,
    `  const job = await ${job.queueConst}.add('${job.action}', data, { jobId: \`${job.action}-\${entityId}\` });`,
    `  logger.info('job enqueued', { queue: '${job.queueName}', jobId: job.id });`,
    '  return job.id;',
    '}',
    !job.hasDate && '',
    !job.hasDate && `export async function ${job.producer}Many(entityIds: readonly string[], requestedBy: string): Promise<number> {`,
    !job.hasDate && '  const requestedAt = new Date().toISOString();',
    !job.hasDate && `  const jobs = await ${job.queueConst}.addBulk(`,
    !job.hasDate && `    entityIds.map((entityId) => ({ name: '${job.action}', data: { entityId, requestedBy, requestedAt } })),`,
    !job.hasDate && '  );',
    !job.hasDate && '  return jobs.length;',
    !job.hasDate && '}',
  );
}

function workerFile(job: Job, errorListener: boolean, asyncFailed: boolean): string {
  const e = job.entity;
  const s = `${e.camel}Service`;
  const w = `${job.queueConst.replace(/Queue$/, '')}Worker`;
  let processor: string[];
  switch (job.action) {
    case 'sync':
    case 'import':
      processor = [
        `    const ${e.camel} = await ${s}.get(job.data.entityId);`,
        '    await job.updateProgress(50);',
        `    await ${s}.update(${e.camel}.id, { status: 'active' });`,
      ];
      break;
    case 'export':
    case 'notify':
      processor = [
        `    const ${e.camel} = await ${s}.get(job.data.entityId);`,
        `    await sendEmail(config.opsEmail, \`${e.label} \${${e.camel}.name}\`, JSON.stringify(${e.camel}));`,
      ];
      break;
    default:
      processor = [`    const refreshed = await ${s}.refreshCache();`, "    await job.log(`refreshed ${refreshed}`);"];
  }
  const needsMail = processor.some((line) => line.includes('sendEmail')) || asyncFailed;
  return lines(
    "import { Worker } from 'bullmq';",
    "import { connection } from '../lib/redis.js';",
    "import { errorMessage, logger } from '../lib/logger.js';",
    needsMail && "import { config } from '../lib/config.js';",
    needsMail && "import { sendEmail } from '../lib/mailer.js';",
    `import type { ${job.payloadType} } from '../jobs/payloads.js';`,
    `import { ${s} } from '../services/${e.kebab}.service.js';`,
    '',
    `export const ${w} = new Worker<${job.payloadType}>(`,
    `  '${job.queueName}',`,
    '  async (job) => {',
    `    logger.info('job started', { queue: '${job.queueName}', jobId: job.id, attempt: job.attemptsMade });`,
    ...processor,
    '    return { done: true };',
    '  },',
    '  { connection, concurrency: 4 },',
    ');',
    '',
    `${w}.on('completed', (job) => {`,
    `  logger.info('job completed', { queue: '${job.queueName}', jobId: job.id });`,
    '});',
    '',
    asyncFailed
      ? [
          `${w}.on('failed', async (job, error) => {`,
          `  await sendEmail(config.opsEmail, \`${job.queueName} job \${job?.id ?? '?'} failed\`, error.message);`,
          '});',
        ].join('\n')
      : [
          `${w}.on('failed', (job, error) => {`,
          `  logger.warn('job failed', { queue: '${job.queueName}', jobId: job?.id, error: errorMessage(error) });`,
          '});',
        ].join('\n'),
    errorListener && '',
    errorListener && `${w}.on('error', (error) => {`,
    errorListener && `  logger.error('worker error', { queue: '${job.queueName}', error: errorMessage(error) });`,
    errorListener && '});',
  );
}

type ScheduleKind = 'good' | 'noCatch' | 'everySecond' | 'rejected';

function scheduleFile(e: Entity, name: string, kind: ScheduleKind, pattern: string, days: number): string {
  const s = `${e.camel}Service`;
  const cronPattern = kind === 'everySecond' ? '* * * * * *' : kind === 'rejected' ? '0 25 * * *' : pattern;
  const options =
    kind === 'noCatch'
      ? [`  { name: NAME, timezone: 'UTC', protect: true },`]
      : [
          '  {',
          '    name: NAME,',
          "    timezone: 'UTC',",
          '    protect: true,',
          "    catch: (error: unknown) => logger.error('scheduled job failed', { name: NAME, error: errorMessage(error) }),",
          '  },',
        ];
  return lines(
    "import { Cron } from 'croner';",
    "import { errorMessage, logger } from '../lib/logger.js';",
    `import { ${s} } from '../services/${e.kebab}.service.js';`,
    '',
    `const NAME = '${name}';`,
    '',
    `export const ${e.camel}ArchiveSchedule = new Cron(`,
    `  '${cronPattern}',`,
    ...options,
    '  async () => {',
    `    const archived = await ${s}.archiveStale(${days});`,
    "    logger.info('scheduled job done', { name: NAME, archived });",
    '  },',
    ');',
  );
}

function timerFile(e: Entity, wrong: boolean, minutes: number): string {
  const s = `${e.camel}Service`;
  const fn = `start${e.pascal}CacheRefresh`;
  return lines(
    "import { errorMessage, logger } from '../lib/logger.js';",
    `import { ${s} } from '../services/${e.kebab}.service.js';`,
    '',
    `const INTERVAL_MS = ${minutes} * 60_000;`,
    '',
    `export function ${fn}(): NodeJS.Timeout {`,
    ...(wrong
      ? [
          '  const timer = setInterval(async () => {',
          `    const count = await ${s}.refreshCache();`,
          `    logger.debug('cache refreshed', { cache: '${e.kebab}', count });`,
          '  }, INTERVAL_MS);',
        ]
      : [
          '  const timer = setInterval(() => {',
          `    ${s}.refreshCache().then(`,
          `      (count) => logger.debug('cache refreshed', { cache: '${e.kebab}', count }),`,
          `      (error: unknown) => logger.warn('cache refresh failed', { cache: '${e.kebab}', error: errorMessage(error) }),`,
          '    );',
          '  }, INTERVAL_MS);',
        ]),
    '  timer.unref();',
    '  return timer;',
    '}',
  );
}

// ---------------------------------------------------------------------------------------------------
// The plan

/** `count` items split by weight, rounding so that the parts add up to count (largest remainders). */
function apportion<K extends string>(count: number, weights: Record<K, number>): Record<K, number> {
  const keys = Object.keys(weights) as K[];
  const total = keys.reduce((sum, key) => sum + weights[key], 0);
  const exact = keys.map((key) => (count * weights[key]) / total);
  const parts = exact.map(Math.floor);
  let left = count - parts.reduce((a, b) => a + b, 0);
  const order = exact.map((value, i) => ({ i, rest: value - Math.floor(value) })).sort((a, b) => b.rest - a.rest || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    parts[i] = (parts[i] ?? 0) + 1;
    left--;
  }
  return Object.fromEntries(keys.map((key, i) => [key, parts[i] ?? 0])) as Record<K, number>;
}

function expand<K extends string>(counts: Record<K, number>): K[] {
  return (Object.keys(counts) as K[]).flatMap((key) => Array<K>(counts[key]).fill(key));
}

const FIXED_FILES = ['src/app.ts', 'src/server.ts', 'src/routes/index.ts', 'src/workers/index.ts', 'src/schedules/index.ts', 'src/timers/index.ts', 'src/lib/queue.ts', 'src/jobs/payloads.ts'];

export function generateProject(options: GenerateOptions): GeneratedProject {
  const total = options.files ?? 2000;
  const seed = options.seed ?? 1;
  if (!Number.isInteger(total) || total < 80) throw new Error(`files must be an integer of at least 80, got ${total}`);
  const random = new Random(seed);
  const shared = sharedFiles();
  const sharedCount = Object.keys(shared).length + FIXED_FILES.length;

  // About 5 % of the files hold task code: workers and their producers (one queue each), schedules,
  // timers, and route files with a handler that starts work.
  const taskFiles = Math.max(5, Math.round(total * 0.05));
  const workers = Math.max(1, Math.round(total * 0.008));
  const schedules = Math.max(1, Math.round(total * 0.006));
  const timers = Math.max(1, Math.round(total * 0.003));
  const taskRoutes = Math.max(1, taskFiles - 2 * workers - schedules - timers);
  const entityCount = Math.floor((total - sharedCount - 2 * workers - schedules - timers) / 5);
  const mappers = total - sharedCount - 2 * workers - schedules - timers - 5 * entityCount;
  const entities = makeEntities(entityCount, random);

  // Which entity gets what; every entity is used for at most one kind of task file.
  const order = random.shuffle(entities);
  let cursor = 0;
  const take = (n: number): Entity[] => {
    const picked = order.slice(cursor, cursor + n);
    cursor += n;
    return picked;
  };
  const workerEntities = take(workers);
  const scheduleEntities = take(schedules);
  const timerEntities = take(timers);
  const routeEntities = take(taskRoutes);

  const jobs: Job[] = workerEntities.map((entity, i) => {
    const action = JOB_ACTIONS[i % JOB_ACTIONS.length] as string;
    const pascalAction = cap(action);
    return {
      entity,
      action,
      queueName: `${entity.kebab}-${action}`,
      queueConst: `${entity.camel}${pascalAction}Queue`,
      payloadType: `${entity.pascal}${pascalAction}Job`,
      producer: `enqueue${entity.pascal}${pascalAction}`,
      file: `${entity.kebab}-${action}`,
      hasDate: false,
    };
  });
  const dateJobs = Math.round(jobs.length * 0.15);
  for (const job of random.sample(jobs, dateJobs)) job.hasDate = true;

  const workerKinds = random.shuffle(expand(apportion(workers, { good: 58, noErrorListener: 30, asyncFailed: 12 })));
  const scheduleKinds = random.shuffle(expand(apportion<ScheduleKind>(schedules, { good: 60, noCatch: 25, everySecond: 8, rejected: 7 })));
  const timerKinds = random.shuffle(expand(apportion(timers, { good: 50, wrong: 50 })));
  const routeKinds = random.shuffle(
    expand(
      apportion<RouteTask>(taskRoutes, {
        floatingBare: 14,
        floatingVoid: 10,
        floatingSafe: 16,
        caught: 20,
        enqueue: 22,
        queuePerRequest: 6,
        enqueueAfterResponse: 6,
        blocking: 6,
      }),
    ),
  );
  const routeTask = new Map<Entity, { task: RouteTask; job: Job | undefined }>();
  const cleanJobs = jobs.filter((job) => !job.hasDate);
  const jobPool = cleanJobs.length > 0 ? cleanJobs : jobs;
  routeEntities.forEach((entity, i) => {
    const task = routeKinds[i] ?? 'caught';
    const needsJob = task === 'enqueue' || task === 'enqueueAfterResponse';
    const job = needsJob && jobPool.length > 0 ? jobPool[i % jobPool.length] : undefined;
    routeTask.set(entity, { task: needsJob && job === undefined ? 'caught' : task, job });
  });

  const planted: Planted = {
    floatingBare: 0,
    floatingVoid: 0,
    floatingSafe: 0,
    workerNoErrorListener: 0,
    asyncFailedListener: 0,
    cronNoCatch: 0,
    cronEverySecond: 0,
    cronRejected: 0,
    timerAsync: 0,
    queuePerRequest: 0,
    enqueueAfterResponse: 0,
    blockingInTimer: 0,
    unserializableJob: dateJobs,
  };

  const files: Record<string, string> = { ...shared };
  for (const e of entities) {
    files[`src/models/${e.kebab}.ts`] = modelFile(e);
    files[`src/repositories/${e.kebab}.repository.ts`] = repositoryFile(e);
    files[`src/services/${e.kebab}.service.ts`] = serviceFile(e, random);
    files[`src/controllers/${e.kebab}.controller.ts`] = controllerFile(e);
    const task = routeTask.get(e);
    files[`src/routes/${e.kebab}.routes.ts`] = routesFile(e, task?.task, task?.job);
    switch (task?.task) {
      case 'floatingBare':
        planted.floatingBare++;
        break;
      case 'floatingVoid':
        planted.floatingVoid++;
        break;
      case 'floatingSafe':
        planted.floatingSafe++;
        break;
      case 'queuePerRequest':
        planted.queuePerRequest++;
        break;
      case 'enqueueAfterResponse':
        planted.enqueueAfterResponse++;
        break;
      case 'blocking':
        planted.blockingInTimer++;
        break;
      default:
        break;
    }
  }
  for (const e of entities.slice(0, mappers)) files[`src/mappers/${e.kebab}.mapper.ts`] = mapperFile(e);

  files['src/jobs/payloads.ts'] = payloadsFile(jobs);
  files['src/lib/queue.ts'] = queueFile(jobs);
  jobs.forEach((job, i) => {
    const kind = workerKinds[i] ?? 'good';
    if (kind === 'noErrorListener') planted.workerNoErrorListener++;
    if (kind === 'asyncFailed') planted.asyncFailedListener++;
    files[`src/jobs/${job.file}.job.ts`] = jobFile(job);
    files[`src/workers/${job.file}.worker.ts`] = workerFile(job, kind !== 'noErrorListener', kind === 'asyncFailed');
  });
  files['src/workers/index.ts'] = lines(
    "import { logger } from '../lib/logger.js';",
    ...jobs.map((job) => `import './${job.file}.worker.js';`),
    '',
    `logger.info('workers started', { queues: ${jobs.length} });`,
  );
  const scheduleNames: string[] = [];
  scheduleEntities.forEach((e, i) => {
    const kind = scheduleKinds[i] ?? 'good';
    if (kind === 'noCatch') planted.cronNoCatch++;
    if (kind === 'everySecond') planted.cronEverySecond++;
    if (kind === 'rejected') planted.cronRejected++;
    const name = `${e.kebab}-archive`;
    scheduleNames.push(name);
    files[`src/schedules/${name}.schedule.ts`] = scheduleFile(e, name, kind, random.pick(CRON_PATTERNS), random.pick([7, 30, 90, 365]));
  });
  files['src/schedules/index.ts'] = lines(
    "import { logger } from '../lib/logger.js';",
    ...scheduleNames.map((name) => `import './${name}.schedule.js';`),
    '',
    `logger.info('schedules registered', { count: ${scheduleNames.length} });`,
  );
  timerEntities.forEach((e, i) => {
    const wrong = timerKinds[i] === 'wrong';
    if (wrong) planted.timerAsync++;
    files[`src/timers/${e.kebab}-cache.ts`] = timerFile(e, wrong, random.pick([1, 5, 10, 15]));
  });
  files['src/timers/index.ts'] = lines(
    ...timerEntities.map((e) => `import { start${e.pascal}CacheRefresh } from './${e.kebab}-cache.js';`),
    '',
    'export function startTimers(): NodeJS.Timeout[] {',
    `  return [${timerEntities.map((e) => `start${e.pascal}CacheRefresh()`).join(', ')}];`,
    '}',
  );
  files['src/routes/index.ts'] = lines(
    "import { Router } from 'express';",
    ...entities.map((e) => `import { ${e.camel}Router } from './${e.kebab}.routes.js';`),
    '',
    'export const apiRouter = Router();',
    '',
    ...entities.map((e) => `apiRouter.use('/${e.pluralKebab}', ${e.camel}Router);`),
  );
  files['src/app.ts'] = lines(
    "import express from 'express';",
    "import { apiRouter } from './routes/index.js';",
    "import { requestId } from './middleware/request-id.js';",
    "import { requestLogger } from './middleware/request-logger.js';",
    "import { errorHandler } from './middleware/error-handler.js';",
    '',
    'export const app = express();',
    '',
    "app.disable('x-powered-by');",
    "app.set('trust proxy', 1);",
    "app.use(express.json({ limit: '1mb' }));",
    'app.use(requestId);',
    'app.use(requestLogger);',
    '',
    "app.get('/health', (_req, res) => {",
    "  res.json({ status: 'ok', uptime: process.uptime() });",
    '});',
    '',
    "app.use('/api', apiRouter);",
    'app.use(errorHandler);',
  );
  files['src/server.ts'] = lines(
    "import { app } from './app.js';",
    "import { config } from './lib/config.js';",
    "import { logger } from './lib/logger.js';",
    "import { startTimers } from './timers/index.js';",
    "import './schedules/index.js';",
    '',
    'const server = app.listen(config.port, () => {',
    "  logger.info('listening', { port: config.port });",
    '});',
    '',
    'const timers = startTimers();',
    '',
    'function shutdown(signal: string): void {',
    "  logger.info('shutting down', { signal });",
    '  for (const timer of timers) clearInterval(timer);',
    '  server.close(() => process.exit(0));',
    '}',
    '',
    "process.on('SIGTERM', () => shutdown('SIGTERM'));",
    "process.on('SIGINT', () => shutdown('SIGINT'));",
  );

  const tsFiles = Object.keys(files).length;
  if (tsFiles !== total) throw new Error(`internal: planned ${total} files, made ${tsFiles}`);

  // Write.
  const dir = resolve(options.outDir);
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    if (!existsSync(join(dir, MARKER))) throw new Error(`${dir} exists, is not empty and was not made by this generator: not touching it`);
    rmSync(dir, { recursive: true, force: true });
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, MARKER), `files=${total} seed=${seed}\n`);
  const project: Record<string, string> = {
    'package.json': `${JSON.stringify(
      {
        name: `bench-backend-${total}`,
        version: '1.0.0',
        private: true,
        type: 'module',
        scripts: { build: 'tsc -p tsconfig.json', start: 'node dist/server.js', worker: 'node dist/workers/index.js', lint: 'eslint src' },
        dependencies: { bullmq: '^6.7.0', croner: '^11.0.1', express: '^5.3.0' },
        devDependencies: { '@types/express': '^5.0.6', '@types/node': '^20.19.43', typescript: '~5.9.3' },
      },
      null,
      2,
    )}\n`,
    'tsconfig.json': `${JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          lib: ['ES2023'],
          types: ['node'],
          strict: true,
          skipLibCheck: true,
          isolatedModules: true,
          forceConsistentCasingInFileNames: true,
          rootDir: 'src',
          outDir: 'dist',
        },
        include: ['src'],
      },
      null,
      2,
    )}\n`,
    'eslint.config.js': lines(
      "import { defineConfig } from 'eslint/config';",
      "import tseslint from 'typescript-eslint';",
      '',
      'export default defineConfig({',
      "  files: ['src/**/*.ts'],",
      '  languageOptions: {',
      '    parser: tseslint.parser,',
      '    parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },',
      '  },',
      "  plugins: { '@typescript-eslint': tseslint.plugin },",
      '  rules: {',
      "    '@typescript-eslint/no-floating-promises': 'error',",
      "    '@typescript-eslint/no-misused-promises': 'error',",
      '  },',
      '});',
    ),
    '.oxlintrc.json': `${JSON.stringify(
      {
        plugins: ['typescript'],
        categories: { correctness: 'off' },
        rules: { 'typescript/no-floating-promises': 'error', 'typescript/no-misused-promises': 'error' },
      },
      null,
      2,
    )}\n`,
    '.gitignore': 'node_modules/\ndist/\n',
  };
  let lineCount = 0;
  for (const [path, text] of Object.entries({ ...project, ...files })) {
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, text);
    if (path.endsWith('.ts')) lineCount += text.split('\n').length - 1;
  }
  const nodeModules = options.nodeModules === undefined ? repoNodeModules() : options.nodeModules;
  if (nodeModules !== null) symlinkSync(nodeModules, join(dir, 'node_modules'), 'dir');

  const expectedBgtask: Record<string, number> = {
    'uncaught-task-error':
      planted.floatingBare + planted.floatingVoid + planted.workerNoErrorListener + planted.asyncFailedListener + planted.cronNoCatch + planted.timerAsync,
    'invalid-cron': planted.cronEverySecond + planted.cronRejected,
    'queue-per-request': planted.queuePerRequest,
    'task-after-response': planted.enqueueAfterResponse,
    'blocking-task': planted.blockingInTimer,
    'unserializable-job-data': planted.unserializableJob,
  };
  return {
    dir,
    files: tsFiles,
    lines: lineCount,
    taskFiles: workers * 2 + schedules + timers + routeEntities.length,
    entities: entityCount,
    planted,
    expectedBgtask,
    expectedPromiseRules: planted.floatingBare + planted.floatingSafe + planted.asyncFailedListener + planted.timerAsync,
  };
}

// ---------------------------------------------------------------------------------------------------
// CLI: node bench/.build/bench/lint/generate.js <outDir> [files] [seed]

function main(argv: string[]): void {
  const [outDir, filesArg, seedArg] = argv;
  if (outDir === undefined || outDir === '-h' || outDir === '--help') {
    console.error('usage: node bench/.build/bench/lint/generate.js <outDir> [files=2000] [seed=1]');
    process.exit(outDir === undefined ? 2 : 0);
  }
  const files = filesArg === undefined ? 2000 : Number(filesArg);
  const seed = seedArg === undefined ? 1 : Number(seedArg);
  if (!Number.isInteger(files) || files < 80) {
    console.error(`files must be an integer of at least 80, got "${filesArg}"`);
    process.exit(2);
  }
  if (!Number.isInteger(seed)) {
    console.error(`seed must be an integer, got "${seedArg}"`);
    process.exit(2);
  }
  const started = performance.now();
  const project = generateProject({ outDir, files, seed });
  console.log(
    `generated ${project.files} files, ${project.lines} lines (${project.entities} entities, ${project.taskFiles} with task code) in ${project.dir} ` +
      `in ${Math.round(performance.now() - started)} ms`,
  );
  console.log(`planted: ${JSON.stringify(project.planted)}`);
  console.log(`bgtask should report: ${JSON.stringify(project.expectedBgtask)}`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
