// What in-process.ts and its server children (in-process-server.ts) say to each other over IPC, and
// the few helpers the benches share.

export const FRAMEWORKS = ['express', 'fastify', 'hono'] as const;
export type Framework = (typeof FRAMEWORKS)[number];

/**
 * (a) task: middleware + a 2 s task; (b) no-task: middleware, no task; (c) bare: no middleware;
 * (d) empty: an empty middleware (or hooks) of the kind the adapter installs, for reference.
 */
export const VARIANTS = ['task', 'no-task', 'bare', 'empty'] as const;
export type Variant = (typeof VARIANTS)[number];

/**
 * What a server can be: the variants, plus (e) detached, run only beside (a) and (b) for latency: the
 * runtime's middleware installed as in (b), and the handler starts the same 2 s task itself without
 * awaiting it. (a) against (e) is what the runtime adds, apart from what having a task pending at all costs.
 * And floor (Express only, BENCH_FLOOR=1 puts it in (e)'s place): the handler adds its task through the
 * least a runtime that starts tasks on 'finish' can do, for what no design of the runtime could save.
 */
export const SERVER_VARIANTS = [...VARIANTS, 'detached', 'floor'] as const;
export type ServerVariant = (typeof SERVER_VARIANTS)[number];

/** How long the task of the `task` and `detached` variants sleeps. */
export const TASK_MS = 2_000;

export type ToServer = { type: 'stats' } | { type: 'drain'; timeoutMs: number } | { type: 'stop' };

/** A server's counts and totals since it started, and its memory now. */
export interface Stats {
  type: 'stats';
  added: number;
  completed: number;
  failed: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** process.cpuUsage() of the server process, user + system, in microseconds. */
  cpuMicros: number;
  /** Bytes the server's JavaScript allocated (V8's GC profiler: heap growth between collections). */
  allocatedBytes: number;
  /** The pauses of its garbage collections of any kind, in microseconds. */
  gcPauseMicros: number;
}

export type FromServer = { type: 'ready'; port: number } | Stats;

/**
 * A setting the bench cannot run with: one line on stderr and exit 2, as bgtask's own CLI does. The
 * settings are read when a bench's module loads, where a thrown error would print a stack trace.
 */
export function badSetting(message: string): never {
  console.error(`${message}. See bench/README.md for the settings.`);
  process.exit(2);
}

/** An on/off setting from the environment: on when set to anything but nothing or `0`. */
export function flagFromEnv(name: string): boolean {
  const raw = process.env[name];
  return raw !== undefined && raw !== '' && raw !== '0';
}

/** A positive whole number from the environment, for the benches' knobs. */
export function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) badSetting(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

/** A comma-separated subset of `known` from the environment (all of them when unset); `noun` names one in the error. */
export function subsetFromEnv<T extends string>(name: string, known: readonly T[], noun: string): T[] {
  return (process.env[name] ?? known.join(','))
    .split(',')
    .map((item) => item.trim())
    .filter((item): item is T => {
      if ((known as readonly string[]).includes(item)) return true;
      return badSetting(`${name}: unknown ${noun} "${item}" (known: ${known.join(', ')})`);
    });
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: Float64Array, p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

/** A Markdown table, columns padded to their widest cell. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]): string => `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  return [line(header), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
