import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import type { Ajv, ErrorObject } from 'ajv';
import type { ts } from 'ts-morph';
import { UsageError } from '../errors.js';
import { typescript } from '../typescript.js';
import { noteInput } from './cache.js';
import type { SeverityName } from './types.js';

export const CONFIG_FILE_NAME = 'bgtask.json';
export const SCHEMA_PATH = new URL('../../bgtask.schema.json', import.meta.url);

/** The `scaffold` section: what `init` detected and chose, read back by `add-task`. */
export interface ScaffoldConfig {
  framework: 'express' | 'fastify' | 'hono';
  sourceDir: string;
  runtimeDir: string;
  tasksDir: string;
  importSuffix: '.js' | '';
  appFile?: string;
  bullmq?: boolean;
  scheduler?: 'none' | 'croner' | 'bullmq';
  workerEntry?: string;
  tests?: boolean;
}

export interface BgtaskConfig {
  /** Absolute path of the file the config came from, or undefined for the defaults. */
  path?: string;
  rules: Record<string, SeverityName>;
  include?: string[];
  exclude?: string[];
  scaffold?: ScaffoldConfig;
}

/** Where a path sits for messages: relative to the working directory when given and inside it, else as is. */
export function displayPath(path: string, cwd?: string): string {
  if (cwd === undefined) return path;
  const rel = relative(cwd, path);
  return rel === '' ? '.' : rel.startsWith('..') ? path : rel;
}

/**
 * Reads a JSON file the way tsconfig.json is read (comments allowed) and turns a syntax error into
 * one line naming the file, line and column.
 */
export function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
    noteInput(path);
  } catch (error) {
    throw new UsageError(`Cannot read ${displayPath(path)}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`);
  }
  const parsed = typescript().parseConfigFileTextToJson(path, text);
  if (parsed.error !== undefined) throw new UsageError(formatJsonDiagnostic(path, text, parsed.error));
  return parsed.config;
}

/**
 * A tsconfig.json as tsc reads it (comments, extends, defaults). Malformed JSON is one line naming the
 * file, line and column; other problems (an unknown option, no inputs) are tsc's business.
 */
export function parseTsconfig(path: string): ts.ParsedCommandLine {
  const text = readFileSync(path, 'utf8');
  noteInput(path);
  const tsc = typescript();
  const { config, error } = tsc.parseConfigFileTextToJson(path, text);
  if (error !== undefined) throw new UsageError(formatJsonDiagnostic(path, text, error));
  // `extends` files are read through the host: `--cache` keys on them.
  const host = {
    ...tsc.sys,
    readFile: (file: string) => {
      noteInput(file);
      return tsc.sys.readFile(file);
    },
  };
  return tsc.parseJsonConfigFileContent(config, host, dirname(path), undefined, path);
}

export function formatJsonDiagnostic(path: string, text: string, diagnostic: ts.Diagnostic): string {
  const tsc = typescript();
  const message = tsc.flattenDiagnosticMessageText(diagnostic.messageText, ' ');
  if (diagnostic.start === undefined) return `${displayPath(path)}: ${message}`;
  const source = tsc.createSourceFile(path, text, tsc.ScriptTarget.Latest);
  const { line, character } = source.getLineAndCharacterOfPosition(diagnostic.start);
  return `${displayPath(path)}:${line + 1}:${character + 1}: malformed JSON: ${message} Fix the file and run again.`;
}

let validateConfig: ReturnType<Ajv['compile']> | undefined;

function describeSchemaError(error: ErrorObject): string {
  const where = error.instancePath === '' ? 'the top level' : `"${error.instancePath.slice(1).replaceAll('/', '.')}"`;
  if (error.keyword === 'additionalProperties') {
    const key = String((error.params as { additionalProperty: string }).additionalProperty);
    if (error.instancePath === '/rules') return `unknown rule id "${key}" in "rules"; run \`bgtask rules\` to list the rule ids`;
    return `unknown key "${key}" at ${where}; allowed keys are in bgtask.schema.json`;
  }
  if (error.keyword === 'enum') {
    const allowed = (error.params as { allowedValues: unknown[] }).allowedValues.map(String).join(', ');
    return `${where} must be one of: ${allowed}`;
  }
  return `${where} ${error.message ?? 'is invalid'}`;
}

/** Validates a parsed bgtask.json against the schema the package ships. */
export function parseConfig(raw: unknown, path: string): BgtaskConfig {
  if (validateConfig === undefined) {
    const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as object;
    // Loaded here, not at the top: a `--cache` hit and `bgtask --help` would pay a tenth of a second for it.
    const { Ajv: AjvClass } = createRequire(import.meta.url)('ajv') as typeof import('ajv');
    validateConfig = new AjvClass({ allErrors: false, strict: true }).compile(schema);
  }
  if (!validateConfig(raw)) {
    const [first] = validateConfig.errors ?? [];
    const detail = first === undefined ? 'does not match the schema' : describeSchemaError(first);
    throw new UsageError(`${displayPath(path)}: ${detail}.`);
  }
  const config = raw as Omit<BgtaskConfig, 'path'> & { rules?: Record<string, SeverityName> };
  return { path, rules: config.rules ?? {}, include: config.include, exclude: config.exclude, scaffold: config.scaffold };
}

/** The nearest bgtask.json from `startDirectory` upwards, ESLint v10 style. */
export function findConfigFile(startDirectory: string): string | undefined {
  let directory = resolve(startDirectory);
  for (;;) {
    const candidate = join(directory, CONFIG_FILE_NAME);
    if (existsSync(candidate)) return candidate;
    // A bgtask.json added here later would be the one read: `--cache` notes its absence.
    noteInput(candidate);
    const parent = dirname(directory);
    if (parent === directory) return undefined;
    directory = parent;
  }
}

export function loadConfig(options: { explicitPath?: string; startDirectory: string }): BgtaskConfig {
  const path = options.explicitPath !== undefined ? resolve(options.explicitPath) : findConfigFile(options.startDirectory);
  if (path === undefined) return { rules: {} };
  if (options.explicitPath !== undefined && !existsSync(path)) {
    throw new UsageError(`Config file not found: ${displayPath(path)}. Check the --config path.`);
  }
  return parseConfig(readJsonFile(path), path);
}
