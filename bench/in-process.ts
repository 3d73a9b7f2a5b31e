// In-process runtime benchmark (see README.md). For each framework it starts three servers, one at a
// time, each in its own child process (in-process-server.ts):
//   (a) task     middleware + handler that adds a task sleeping 2 s, then responds
//   (b) no-task  middleware + the same handler without the task
//   (c) bare     no middleware, the same trivial handler
// and drives each from this process with a fixed number of keep-alive requests on loopback. It prints
// p50/p99 latency and requests/s, and the two ratios the goals are about:
//   p99(a) / p99(b) <= 1.1    adding a 2 s task does not slow the response
//   rps(b) / rps(c) >= 0.95   the middleware costs at most 5 % throughput
// Everything is bounded (request count, per-request and startup timeouts): it stops by itself.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { FRAMEWORKS, intFromEnv, TASK_MS, VARIANTS, type Framework, type FromServer, type ToServer, type Variant } from './protocol.js';

const WARMUP = intFromEnv('BENCH_WARMUP', 500);
const REQUESTS = intFromEnv('BENCH_REQUESTS', 5_000);
const CONCURRENCY = intFromEnv('BENCH_CONCURRENCY', 16);
const ROUNDS = intFromEnv('BENCH_ROUNDS', 3);
const REQUEST_TIMEOUT_MS = 10_000;
const STARTUP_TIMEOUT_MS = 20_000;
const frameworks: Framework[] = (process.env.BENCH_FRAMEWORKS ?? FRAMEWORKS.join(','))
  .split(',')
  .map((name) => name.trim())
  .filter((name): name is Framework => {
    if ((FRAMEWORKS as readonly string[]).includes(name)) return true;
    throw new Error(`BENCH_FRAMEWORKS: unknown framework "${name}" (known: ${FRAMEWORKS.join(', ')})`);
  });

const P99_GOAL = 1.1;
const RPS_GOAL = 0.95;
const SERVER_SCRIPT = fileURLToPath(new URL('./in-process-server.js', import.meta.url));

interface Run {
  framework: Framework;
  variant: Variant;
  round: number;
  p50: number;
  p99: number;
  max: number;
  rps: number;
  /** Server CPU time (user + system) per measured request, in microseconds. */
  cpuMicrosPerRequest: number;
  rssMb: number;
  tasksAdded: number;
  tasksRun: number;
  tasksFailed: number;
}

// ---------------------------------------------------------------------------------------------
// The server child.

interface Child {
  port: number;
  request(message: ToServer): Promise<Extract<FromServer, { type: 'stats' }>>;
  stop(): Promise<void>;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function nextMessage(child: ChildProcess): Promise<FromServer> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: FromServer): void => {
      child.off('exit', onExit);
      resolve(message);
    };
    const onExit = (code: number | null): void => {
      child.off('message', onMessage);
      reject(new Error(`bench server exited with ${code}`));
    };
    child.once('message', onMessage);
    child.once('exit', onExit);
  });
}

async function startChild(framework: Framework, variant: Variant): Promise<Child> {
  const child = fork(SERVER_SCRIPT, [framework, variant], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const ready = await withTimeout(nextMessage(child), STARTUP_TIMEOUT_MS, `the ${framework}/${variant} server to start`);
    if (ready.type !== 'ready') throw new Error(`unexpected first message from the bench server: ${JSON.stringify(ready)}`);
    return {
      port: ready.port,
      async request(message) {
        const reply = nextMessage(child);
        child.send(message);
        const stats = await withTimeout(reply, 30_000, `the ${framework}/${variant} server's stats`);
        if (stats.type !== 'stats') throw new Error(`unexpected message from the bench server: ${JSON.stringify(stats)}`);
        return stats;
      },
      async stop() {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.send({ type: 'stop' } satisfies ToServer);
        await withTimeout(exited, 5_000, 'the bench server to exit').catch(() => {
          child.kill('SIGKILL');
        });
      },
    };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// The load loop: `count` requests, `concurrency` at a time, over keep-alive connections.

function get(port: number, agent: http.Agent): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/', method: 'GET', agent }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`GET / answered ${res.statusCode}`));
        return;
      }
      res.resume();
      res.once('end', resolve);
      res.once('error', reject);
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`GET / took over ${REQUEST_TIMEOUT_MS} ms`)));
    req.once('error', reject);
    req.end();
  });
}

async function drive(port: number, agent: http.Agent, count: number): Promise<{ latencies: Float64Array; elapsedMs: number }> {
  const latencies = new Float64Array(count);
  let next = 0;
  const loop = async (): Promise<void> => {
    for (let i = next++; i < count; i = next++) {
      const start = performance.now();
      await get(port, agent);
      latencies[i] = performance.now() - start;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, count) }, loop));
  return { latencies, elapsedMs: performance.now() - start };
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: Float64Array, p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? Number.NaN) + (sorted[mid] ?? Number.NaN)) / 2;
}

async function measure(framework: Framework, variant: Variant, round: number): Promise<Run> {
  const child = await startChild(framework, variant);
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  try {
    await drive(child.port, agent, WARMUP);
    const beforeLoad = await child.request({ type: 'stats' });
    const { latencies, elapsedMs } = await drive(child.port, agent, REQUESTS);
    const afterLoad = await child.request({ type: 'stats' });
    // The task variant: let the last tasks finish, to check that every one of them ran.
    const final = variant === 'task' ? await child.request({ type: 'drain', timeoutMs: TASK_MS + 10_000 }) : afterLoad;
    latencies.sort();
    return {
      framework,
      variant,
      round,
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      max: latencies[latencies.length - 1] ?? Number.NaN,
      rps: (REQUESTS / elapsedMs) * 1000,
      cpuMicrosPerRequest: (afterLoad.cpuMicros - beforeLoad.cpuMicros) / REQUESTS,
      rssMb: afterLoad.rssBytes / 2 ** 20,
      tasksAdded: final.added,
      tasksRun: final.completed,
      tasksFailed: final.failed,
    };
  } finally {
    agent.destroy();
    await child.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// Report.

function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]): string => `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  return [line(header), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

const fixed = (value: number, digits: number): string => value.toFixed(digits);
const loadavg = (): string => os.loadavg().map((value) => value.toFixed(2)).join(' ');

async function main(): Promise<void> {
  const cpus = os.cpus();
  console.log(`# bgtask in-process bench`);
  console.log(
    `node ${process.version}, ${cpus.length} CPU(s) (${cpus[0]?.model.trim() ?? 'unknown'}), load average at start: ${loadavg()}\n` +
      `per server: ${WARMUP} warmup + ${REQUESTS} measured GET / at concurrency ${CONCURRENCY}, keep-alive, 127.0.0.1; ` +
      `${ROUNDS} round(s); each server in its own child process, the load generator in this one\n`,
  );

  const runs: Run[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const framework of frameworks) {
      // Rotate the order each round, so that no variant always runs first (or last) on a warm machine.
      const order = VARIANTS.map((_, i) => VARIANTS[(i + round - 1) % VARIANTS.length] as Variant);
      for (const variant of order) {
        const run = await measure(framework, variant, round);
        runs.push(run);
        console.error(
          `  round ${round} ${framework.padEnd(7)} ${variant.padEnd(7)}  p50 ${fixed(run.p50, 2)} ms  p99 ${fixed(run.p99, 2)} ms  ${fixed(run.rps, 0)} req/s`,
        );
      }
    }
  }

  const pick = (framework: Framework, variant: Variant): Run[] => runs.filter((run) => run.framework === framework && run.variant === variant);
  const failures: string[] = [];

  const perServer: string[][] = [];
  for (const framework of frameworks) {
    for (const variant of VARIANTS) {
      const these = pick(framework, variant);
      const added = these.reduce((sum, run) => sum + run.tasksAdded, 0);
      const ran = these.reduce((sum, run) => sum + run.tasksRun, 0);
      const failed = these.reduce((sum, run) => sum + run.tasksFailed, 0);
      if (variant === 'task' && (ran !== added || failed !== 0 || added !== these.length * (WARMUP + REQUESTS))) {
        failures.push(`${framework}: ${added} tasks added, ${ran} ran, ${failed} failed (expected ${these.length * (WARMUP + REQUESTS)} to run)`);
      }
      perServer.push([
        framework,
        variant === 'task' ? '(a) task' : variant === 'no-task' ? '(b) no-task' : '(c) bare',
        fixed(median(these.map((run) => run.p50)), 2),
        fixed(median(these.map((run) => run.p99)), 2),
        fixed(Math.max(...these.map((run) => run.max)), 1),
        fixed(median(these.map((run) => run.rps)), 0),
        fixed(median(these.map((run) => run.cpuMicrosPerRequest)), 0),
        fixed(Math.max(...these.map((run) => run.rssMb)), 0),
        variant === 'task' ? `${ran}/${added}` : '-',
      ]);
    }
  }
  console.log(`## Per server (median over ${ROUNDS} round(s); max and RSS: worst round)\n`);
  console.log(table(['framework', 'variant', 'p50 ms', 'p99 ms', 'max ms', 'req/s', 'server CPU µs/req', 'RSS MB after load', 'tasks run'], perServer));

  const ratios: string[][] = [];
  for (const framework of frameworks) {
    const a = pick(framework, 'task');
    const b = pick(framework, 'no-task');
    const c = pick(framework, 'bare');
    // Ratios within a round (the three servers ran back to back), then the median over rounds.
    const p99Ratios = a.map((run, i) => run.p99 / (b[i]?.p99 ?? Number.NaN));
    const rpsRatios = b.map((run, i) => run.rps / (c[i]?.rps ?? Number.NaN));
    // The same ratio from the server's CPU time per request: the throughput it would reach on a core
    // of its own. Far less sensitive than wall-clock req/s to other processes on a busy machine.
    const cpuRatios = b.map((run, i) => (c[i]?.cpuMicrosPerRequest ?? Number.NaN) / run.cpuMicrosPerRequest);
    const p99Ratio = median(p99Ratios);
    const rpsRatio = median(rpsRatios);
    const cpuRatio = median(cpuRatios);
    ratios.push([
      framework,
      fixed(p99Ratio, 3),
      p99Ratios.map((value) => fixed(value, 2)).join(' '),
      p99Ratio <= P99_GOAL ? 'met' : 'NOT met',
      fixed(rpsRatio, 3),
      rpsRatios.map((value) => fixed(value, 2)).join(' '),
      rpsRatio >= RPS_GOAL ? 'met' : 'NOT met',
      fixed(cpuRatio, 3),
      cpuRatios.map((value) => fixed(value, 2)).join(' '),
      cpuRatio >= RPS_GOAL ? 'met' : 'NOT met',
    ]);
  }
  console.log(`\n## Goals (ratio = median over rounds of the per-round ratio)\n`);
  console.log(
    table(
      [
        'framework',
        'p99(a)/p99(b)',
        'per round',
        `<= ${P99_GOAL}`,
        'rps(b)/rps(c)',
        'per round',
        `>= ${RPS_GOAL}`,
        'CPU: cpu(c)/cpu(b)',
        'per round',
        `>= ${RPS_GOAL}`,
      ],
      ratios,
    ),
  );
  console.log(
    `\nrps(b)/rps(c) is wall-clock requests/s (the goal as stated); cpu(c)/cpu(b) is the same ratio from the server's CPU time per\n` +
      `request (user + system), i.e. the throughput on a dedicated core: steadier when other processes share the machine.`,
  );
  console.log(`\nload average at end: ${loadavg()}`);

  if (failures.length > 0) {
    console.error(`\nBackground tasks did not all run:\n  ${failures.join('\n  ')}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error('in-process bench failed:', error);
  process.exitCode = 1;
});
