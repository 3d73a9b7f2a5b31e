// In-process runtime benchmark (see README.md). For each framework it runs five kinds of server, each
// in its own child process (in-process-server.ts):
//   (a) task     middleware + handler that adds a task sleeping 2 s, then responds
//   (b) no-task  middleware + the same handler without the task
//   (c) bare     no middleware, the same trivial handler
//   (d) empty    an empty middleware of the adapter's kind, for reference
//   (e) detached middleware installed, never asked; the handler starts the same task itself,
//                unawaited (latency only): (a) if the runtime cost nothing. BENCH_AA=1 runs (a) in its
//                place, BENCH_FLOOR=1 (Express) the floor: see protocol.ts
// Latency: (a), (b) and (e) run side by side and get the same fixed-rate load (open loop), request
// by request in turn, so that whatever else the machine does falls on all alike. Throughput: each
// server alone, as fast as it answers (closed loop). The two ratios the goals are about:
//   p99(a) / p99(b) <= 1.1    adding a 2 s task does not slow the response
//   rps(b) / rps(c) >= 0.95   the middleware costs at most 5 % throughput
// Everything is bounded (request count, attempts per request, per-attempt and startup timeouts): it stops by itself.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { badSetting, flagFromEnv, FRAMEWORKS, intFromEnv, percentile, subsetFromEnv, table, TASK_MS, VARIANTS, type Framework, type FromServer, type ServerVariant, type Stats, type ToServer, type Variant } from './protocol.js';

const WARMUP = intFromEnv('BENCH_WARMUP', 10_000);
const REQUESTS = intFromEnv('BENCH_REQUESTS', 12_000);
const CYCLES = intFromEnv('BENCH_CYCLES', 12);
const CONCURRENCY = intFromEnv('BENCH_CONCURRENCY', 16);
const ROUNDS = intFromEnv('BENCH_ROUNDS', 3);
const RATE = intFromEnv('BENCH_RATE', 500);
const RATE_REQUESTS = intFromEnv('BENCH_RATE_REQUESTS', 5_000);
const RATE_WARMUP = intFromEnv('BENCH_RATE_WARMUP', 5_000);
/** BENCH_AA=1: (e)'s place runs (a) again, so p99(a)/p99(e) shows what the latency set-up itself does to two identical servers (it should be 1). */
const AA = flagFromEnv('BENCH_AA');
/** BENCH_FLOOR=1: on Express, (e)'s place runs the floor variant (protocol.ts), so p99(a)/p99(e) is what the runtime costs over the least any runtime could do. */
const FLOOR = flagFromEnv('BENCH_FLOOR');

/** What runs in (e)'s place beside (a) and (b). */
function fifthVariant(framework: Framework): ServerVariant {
  if (AA) return 'task';
  return FLOOR && framework === 'express' ? 'floor' : 'detached';
}

/** (e)'s name in the tables. */
function fifthLabel(framework: Framework): string {
  const variant = fifthVariant(framework);
  return variant === 'task' ? 'task again' : variant;
}
const REQUEST_TIMEOUT_MS = 10_000;
const STARTUP_TIMEOUT_MS = 20_000;
const frameworks = subsetFromEnv('BENCH_FRAMEWORKS', FRAMEWORKS, 'framework');

const PHASES = ['latency', 'throughput'] as const;
type Phase = (typeof PHASES)[number];
/** BENCH_PHASES=latency: many rounds of the latency trio alone, which is where the noise is. */
const phases = new Set(subsetFromEnv('BENCH_PHASES', PHASES, 'phase'));
if (AA && FLOOR) badSetting("BENCH_AA and BENCH_FLOOR both put a server in (e)'s place: set one of them");
if (FLOOR && !(frameworks.includes('express') && phases.has('latency'))) badSetting("BENCH_FLOOR changes Express's latency phase, which this run leaves out: add express to BENCH_FRAMEWORKS and latency to BENCH_PHASES");

const P99_GOAL = 1.1;
const VARIANT_LABELS: Record<Variant, string> = { task: '(a) task', 'no-task': '(b) no-task', bare: '(c) bare', empty: '(d) empty' };
const RPS_GOAL = 0.95;
const SERVER_SCRIPT = fileURLToPath(new URL('./in-process-server.js', import.meta.url));

/** What a child's background tasks did: every request of the task variant adds one. */
interface TaskCount {
  expected: number;
  added: number;
  run: number;
  failed: number;
}

/** One server alone under the closed loop: for (b), (c) and (d) one burst of a cycle, for (a) a whole run. */
interface ThroughputRun {
  framework: Framework;
  variant: Variant;
  round: number;
  cycle: number;
  /** Latency at saturation: mostly the queue (Little's law), i.e. throughput seen from the client. */
  saturatedP99: number;
  rps: number;
  /** Server CPU time (user + system) per measured request, in microseconds. */
  cpuMicrosPerRequest: number;
  /** Bytes the server allocated per measured request, in KB (see GcMeter in in-process-server.ts). */
  allocatedKbPerRequest: number;
  rssMb: number;
  tasks?: TaskCount;
}

interface Latency {
  p50: number;
  p99: number;
  max: number;
  /** Over the schedule: KB the server allocated per request, and its GC pauses per second. */
  allocatedKbPerRequest: number;
  gcPauseMsPerSecond: number;
}

/** (a), (b) and (e) side by side under the same open loop. */
interface LatencyRun {
  framework: Framework;
  round: number;
  task: Latency;
  noTask: Latency;
  detached: Latency;
  tasks: TaskCount;
  detachedTasks: TaskCount;
}

// ---------------------------------------------------------------------------------------------
// The server child.

interface Child {
  port: number;
  request(message: ToServer): Promise<Stats>;
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

async function startChild(framework: Framework, variant: ServerVariant): Promise<Child> {
  const child = fork(SERVER_SCRIPT, [framework, variant], { execArgv: flagFromEnv('BENCH_TRACE_GC') ? ['--trace-gc'] : [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
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

/** Requests sent again because the server closed an idle keep-alive socket as they went out on it. */
let retriedRequests = 0;

/** Attempts per request: a retry goes out on a fresh socket, so one is enough; the bound is for safety. */
const MAX_ATTEMPTS = 3;

function get(port: number, agent: http.Agent, attempt = 1): Promise<void> {
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
    req.once('error', (error: NodeJS.ErrnoException) => {
      // A socket idle past the server's keep-alive timeout (5 s: after a stall, the open loop holds
      // more sockets than it needs) can be closed by the server just as a request goes out on it.
      // Node's documented answer is to send the request again (see `request.reusedSocket`); its
      // latency then includes the lost attempt, as a real client's would.
      if (req.reusedSocket && error.code === 'ECONNRESET' && attempt < MAX_ATTEMPTS) {
        retriedRequests += 1;
        get(port, agent, attempt + 1).then(resolve, reject);
      } else {
        reject(error);
      }
    });
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

/**
 * Open loop: `count` requests to each target at `rate` per second each, sent on schedule whether or not
 * earlier ones have answered, as independent clients would, to the targets in turn; a server stall
 * delays every request in flight, not just the next one sent. Latency counts from the moment a
 * request is sent. The schedule sleeps on timers between sends (a spinning scheduler would keep both
 * cores busy, and then any other process preempts a server for whole scheduler slices); a late timer
 * sends the overdue requests at once.
 */
function driveAtRate(targets: { port: number; agent: http.Agent }[], rate: number, count: number): Promise<Float64Array[]> {
  const latencies = targets.map(() => new Float64Array(count));
  const total = count * targets.length;
  const intervalMs = 1000 / (rate * targets.length);
  return new Promise((resolve, reject) => {
    const start = performance.now();
    let sent = 0;
    let answered = 0;
    const tick = (): void => {
      const now = performance.now();
      for (; sent < total && start + sent * intervalMs <= now; sent++) {
        // Each round of sends starts with the next target in turn, so that none is always sent (and
        // answered) first when a late timer sends a batch.
        const index = Math.floor(sent / targets.length);
        const target = (sent + index) % targets.length;
        const { port, agent } = targets[target] as { port: number; agent: http.Agent };
        const sentAt = performance.now();
        get(port, agent).then(() => {
          (latencies[target] as Float64Array)[index] = performance.now() - sentAt;
          if (++answered === total) resolve(latencies);
        }, reject);
      }
      if (sent < total) setTimeout(tick, Math.max(0, start + sent * intervalMs - performance.now()));
    };
    tick();
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? Number.NaN) + (sorted[mid] ?? Number.NaN)) / 2;
}

/**
 * A 95 % interval for the true median of the rounds' ratios, from the rounds alone: the k-th lowest
 * to the k-th highest, k the largest with P(Binomial(n, 1/2) < k) <= 2.5 % (the distribution-free
 * interval for a median). Undefined below six rounds: there, lowest to highest covers less than 95 %.
 */
function medianInterval(values: number[]): [number, number] | undefined {
  const n = values.length;
  let k = 0;
  let belowK = 0; // P(Binomial(n, 1/2) < k)
  while (k < n && belowK + binomialHalf(n, k) <= 0.025) {
    belowK += binomialHalf(n, k);
    k += 1;
  }
  if (k === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return [sorted[k - 1] ?? Number.NaN, sorted[n - k] ?? Number.NaN];
}

/** P(Binomial(n, 1/2) = k). */
function binomialHalf(n: number, k: number): number {
  let coefficient = 1;
  for (let i = 1; i <= k; i++) coefficient = (coefficient * (n - k + i)) / i;
  return coefficient / 2 ** n;
}

/** A fresh agent per phase: sockets left idle past the server's keep-alive timeout (5 s) while another phase runs would be closed under the next request. */
class Agents {
  readonly #agents: http.Agent[] = [];
  make(maxSockets: number): http.Agent {
    const agent = new http.Agent({ keepAlive: true, maxSockets });
    this.#agents.push(agent);
    return agent;
  }
  destroy(): void {
    for (const agent of this.#agents) agent.destroy();
  }
}

/**
 * `latencies` of the measured requests. The server's stats: `before` and `after` the schedule of
 * `sent` requests (GC pauses per second of it), and `drained` once its tasks have all run (bytes
 * allocated per request, running its task included).
 */
function latencyOf(latencies: Float64Array, stats: { before: Stats; after: Stats; drained: Stats }, sent: number, elapsedMs: number): Latency {
  const { before, after, drained } = stats;
  const sorted = latencies.slice().sort();
  return {
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
    allocatedKbPerRequest: (drained.allocatedBytes - before.allocatedBytes) / 1024 / sent,
    gcPauseMsPerSecond: (after.gcPauseMicros - before.gcPauseMicros) / elapsedMs,
  };
}

/** Waits for the server's pending tasks (none for a variant without), and returns its stats then. */
function drain(child: Child): Promise<Stats> {
  return child.request({ type: 'drain', timeoutMs: TASK_MS + 10_000 });
}

function taskCountOf(stats: Stats, expected: number): TaskCount {
  return { expected, added: stats.added, run: stats.completed, failed: stats.failed };
}

/** The warmup's tasks finish before the measured load starts: (a) and (e) should carry that load's own tasks, not a backlog. */
function waitForWarmupTasks(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, TASK_MS + 500));
}

async function measureLatency(framework: Framework, round: number): Promise<LatencyRun> {
  const [task, noTask, detached] = await Promise.all([startChild(framework, 'task'), startChild(framework, 'no-task'), startChild(framework, fifthVariant(framework))]);
  const children = [task, noTask, detached];
  const agents = new Agents();
  // As many sockets as requests can be in flight when a server stalls; fresh ones for the measured load.
  const openLoopTargets = (): { port: number; agent: http.Agent }[] => children.map((child) => ({ port: child.port, agent: agents.make(256) }));
  try {
    // Warmed up side by side on the same schedule as the measured load, so that the three come to it
    // with the same history. Warmed one after the other (as until November 2026), the first waited
    // idle while the others warmed, and of two identical servers (BENCH_AA=1) it came out behind: p99
    // medians 8.1 and 6.5 ms over 25 rounds on Express, median per-round ratio 1.08; side by side, 1.02.
    await driveAtRate(openLoopTargets(), RATE, RATE_WARMUP);
    await waitForWarmupTasks();
    // The first second of the schedule warms the fresh sockets up and is dropped.
    const targets = openLoopTargets();
    const sent = RATE + RATE_REQUESTS;
    const before = await Promise.all(children.map((child) => child.request({ type: 'stats' })));
    const start = performance.now();
    const all = await driveAtRate(targets, RATE, sent);
    const elapsedMs = performance.now() - start;
    const after = await Promise.all(children.map((child) => child.request({ type: 'stats' })));
    const drained = await Promise.all(children.map(drain));
    const [taskLatency, noTaskLatency, detachedLatency] = all.map((latencies, i) =>
      latencyOf(latencies.subarray(RATE), { before: before[i] as Stats, after: after[i] as Stats, drained: drained[i] as Stats }, sent, elapsedMs),
    );
    const [taskStats, , detachedStats] = drained as [Stats, Stats, Stats];
    return {
      framework,
      round,
      task: taskLatency as Latency,
      noTask: noTaskLatency as Latency,
      detached: detachedLatency as Latency,
      tasks: taskCountOf(taskStats, RATE_WARMUP + sent),
      detachedTasks: taskCountOf(detachedStats, RATE_WARMUP + sent),
    };
  } finally {
    agents.destroy();
    await Promise.all(children.map((child) => child.stop()));
  }
}

type BurstResult = Pick<ThroughputRun, 'saturatedP99' | 'rps' | 'cpuMicrosPerRequest' | 'allocatedKbPerRequest' | 'rssMb'>;

/**
 * `count` requests to one server as fast as it answers. Its CPU time counts from `since` (the end of
 * its previous burst) to the end of this one, so work it does between bursts (garbage collection,
 * closing sockets) is charged to it too.
 */
async function burst(child: Child, agent: http.Agent, count: number, since: Stats): Promise<BurstResult & { stats: Stats }> {
  const { latencies, elapsedMs } = await drive(child.port, agent, count);
  const stats = await child.request({ type: 'stats' });
  latencies.sort();
  return {
    saturatedP99: percentile(latencies, 0.99),
    rps: (count / elapsedMs) * 1000,
    cpuMicrosPerRequest: (stats.cpuMicros - since.cpuMicros) / count,
    allocatedKbPerRequest: (stats.allocatedBytes - since.allocatedBytes) / 1024 / count,
    rssMb: stats.rssBytes / 2 ** 20,
    stats,
  };
}

/** The six orders of three servers, so that each follows each other equally often. */
const ORDERS = [
  [0, 1, 2],
  [2, 1, 0],
  [1, 2, 0],
  [0, 2, 1],
  [2, 0, 1],
  [1, 0, 2],
] as const;

/**
 * (b), (c) and (d) start together and take turns: CYCLES bursts each, one server at a time, in all six
 * orders in turn. The ratios compare bursts of one cycle, a second or so apart, so the machine's drift
 * (the same server's CPU time per request moved by 30 % within a minute here) falls on all alike.
 */
async function measureThroughput(framework: Framework, round: number): Promise<ThroughputRun[]> {
  const variants = VARIANTS.filter((variant) => variant !== 'task');
  const children = await Promise.all(variants.map((variant) => startChild(framework, variant)));
  const agents = new Agents();
  try {
    // Warmed at the same time, so that none waits idle for the others to warm before the bursts (in
    // the latency trio, the server warmed first came out behind: see measureLatency).
    await Promise.all(children.map((child) => drive(child.port, agents.make(CONCURRENCY), WARMUP)));
    // Made after the warmup: a server's sockets then idle only while the other two run one burst
    // each, well within its keep-alive timeout.
    const runAgents = children.map(() => agents.make(CONCURRENCY));
    const last = await Promise.all(children.map((child) => child.request({ type: 'stats' })));
    const runs: ThroughputRun[] = [];
    const perBurst = Math.ceil(REQUESTS / CYCLES);
    for (let cycle = 1; cycle <= CYCLES; cycle++) {
      for (const i of ORDERS[(cycle + round) % ORDERS.length] ?? ORDERS[0]) {
        const { stats, ...result } = await burst(children[i] as Child, runAgents[i] as http.Agent, perBurst, last[i] as Stats);
        last[i] = stats;
        runs.push({ framework, variant: variants[i] as Variant, round, cycle, ...result });
      }
    }
    return runs;
  } finally {
    agents.destroy();
    await Promise.all(children.map((child) => child.stop()));
  }
}

/** (a) alone: its pending tasks would otherwise run while the others are measured. */
async function measureTaskThroughput(framework: Framework, round: number): Promise<ThroughputRun> {
  const child = await startChild(framework, 'task');
  const agents = new Agents();
  try {
    await drive(child.port, agents.make(CONCURRENCY), WARMUP);
    await waitForWarmupTasks();
    const { stats: _, ...result } = await burst(child, agents.make(CONCURRENCY), REQUESTS, await child.request({ type: 'stats' }));
    return { framework, variant: 'task', round, cycle: 1, ...result, tasks: taskCountOf(await drain(child), WARMUP + REQUESTS) };
  } finally {
    agents.destroy();
    await child.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// Report.

const fixed = (value: number, digits: number): string => value.toFixed(digits);
const verdict = (met: boolean): string => (met ? 'met' : 'NOT met');
/** The goals table's cells of a phase that BENCH_PHASES left out: "-" rather than NaN. */
const ifRan = (phase: Phase, cells: string[]): string[] => (phases.has(phase) ? cells : cells.map(() => '-'));
const loadavg = (): string => os.loadavg().map((value) => value.toFixed(2)).join(' ');

function checkTasks(framework: Framework, what: string, count: TaskCount | undefined, failures: string[]): void {
  if (count === undefined) return;
  if (count.added !== count.expected || count.run !== count.added || count.failed !== 0) {
    failures.push(`${framework} ${what}: ${count.added} tasks added, ${count.run} ran, ${count.failed} failed (expected ${count.expected} to run)`);
  }
}

const brief = (latency: Latency): string =>
  `p50 ${fixed(latency.p50, 2)} p99 ${fixed(latency.p99, 2)} ms, ${fixed(latency.allocatedKbPerRequest, 1)} KB/req, GC ${fixed(latency.gcPauseMsPerSecond, 1)} ms/s`;

const perRound = (values: number[]): string => values.map((value) => fixed(value, 2)).join(' ');

/** The median of each round's ratios, in round order; `runs[i]` is the run behind `ratios[i]`. */
function roundMedians(runs: ThroughputRun[], ratios: number[]): number[] {
  const rounds = [...new Set(runs.map((run) => run.round))].sort((x, y) => x - y);
  return rounds.map((round) => median(ratios.filter((_, i) => runs[i]?.round === round)));
}

async function main(): Promise<void> {
  const cpus = os.cpus();
  console.log(`# bgtask in-process bench`);
  console.log(
    `node ${process.version}, ${cpus.length} CPU(s) (${cpus[0]?.model.trim() ?? 'unknown'}), load average at start: ${loadavg()}\n` +
      (phases.has('latency')
        ? `latency: (a), (b) and (e) side by side, ${RATE} GET /s each in turn (open loop): ${RATE_WARMUP} warmup each, a pause for their tasks, then ${RATE_REQUESTS} measured each after 1 s more\n` +
          (AA ? `BENCH_AA: (e) is (a) again (an A/A check of the set-up: p99(a)/p99(e) should be 1)\n` : '') +
          (FLOOR ? `BENCH_FLOOR: on Express, (e) is the floor: a task added through the least a run-on-finish runtime can do\n` : '')
        : '') +
      (phases.has('throughput')
        ? `throughput: ${WARMUP} warmup + ${REQUESTS} measured GET / at concurrency ${CONCURRENCY} (closed loop) per server, one server at a time;\n` +
          `  (b), (c), (d) in turns of ${Math.ceil(REQUESTS / CYCLES)} requests over ${CYCLES} cycles, (a) alone\n`
        : '') +
      `keep-alive, 127.0.0.1; ${ROUNDS} round(s) of ${[...phases].join(' and ')}; each server in its own child process, the load generator in this one\n` +
      (flagFromEnv('BENCH_EXPRESS_PRESET_PROTOTYPES') ? `BENCH_EXPRESS_PRESET_PROTOTYPES: Express's requests and responses are born with the app's prototypes (diagnostic, not what users run)\n` : ''),
  );

  const latencyRuns: LatencyRun[] = [];
  const throughputRuns: ThroughputRun[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const framework of frameworks) {
      if (phases.has('latency')) {
        const latency = await measureLatency(framework, round);
        latencyRuns.push(latency);
        console.error(
          `  round ${round} ${framework.padEnd(7)} latency at ${RATE}/s   (a) ${brief(latency.task)}   (b) ${brief(latency.noTask)}   (e) ${brief(latency.detached)}`,
        );
      }
      if (!phases.has('throughput')) continue;
      const runs = [...(await measureThroughput(framework, round)), await measureTaskThroughput(framework, round)];
      throughputRuns.push(...runs);
      for (const variant of VARIANTS) {
        const these = runs.filter((run) => run.variant === variant);
        console.error(
          `  round ${round} ${framework.padEnd(7)} ${VARIANT_LABELS[variant].padEnd(11)} ${these.map((run) => fixed(run.rps, 0)).join(' ')} req/s   ` +
            `${these.map((run) => fixed(run.cpuMicrosPerRequest, 0)).join(' ')} µs CPU/req`,
        );
      }
    }
  }

  const failures: string[] = [];
  for (const run of latencyRuns) {
    checkTasks(run.framework, `latency round ${run.round}`, run.tasks, failures);
    checkTasks(run.framework, `latency round ${run.round}, (e) ${fifthLabel(run.framework)}`, run.detachedTasks, failures);
  }
  for (const run of throughputRuns) checkTasks(run.framework, `throughput round ${run.round}`, run.tasks, failures);

  const latencyRows: string[][] = [];
  for (const framework of frameworks) {
    const these = latencyRuns.filter((run) => run.framework === framework);
    for (const [label, of] of [
      ['(a) task', (run: LatencyRun) => run.task],
      ['(b) no-task', (run: LatencyRun) => run.noTask],
      [`(e) ${fifthLabel(framework)}`, (run: LatencyRun) => run.detached],
    ] as const) {
      latencyRows.push([
        framework,
        label,
        fixed(median(these.map((run) => of(run).p50)), 2),
        fixed(median(these.map((run) => of(run).p99)), 2),
        fixed(Math.max(...these.map((run) => of(run).max)), 1),
        fixed(median(these.map((run) => of(run).allocatedKbPerRequest)), 2),
        fixed(median(these.map((run) => of(run).gcPauseMsPerSecond)), 2),
      ]);
    }
  }
  if (phases.has('latency')) {
    console.log(`## Latency at ${RATE} requests/s each, (a), (b) and (e) side by side (median over ${ROUNDS} round(s); max: worst round)\n`);
    console.log(table(['framework', 'variant', 'p50 ms', 'p99 ms', 'max ms', 'KB allocated/req', 'GC pause ms/s'], latencyRows));
  }

  const pick = (framework: Framework, variant: Variant): ThroughputRun[] => throughputRuns.filter((run) => run.framework === framework && run.variant === variant);
  const throughputRows: string[][] = [];
  for (const framework of frameworks) {
    for (const variant of VARIANTS) {
      const these = pick(framework, variant);
      const tasks = these.flatMap((run) => (run.tasks === undefined ? [] : [run.tasks]));
      throughputRows.push([
        framework,
        VARIANT_LABELS[variant],
        fixed(median(these.map((run) => run.rps)), 0),
        fixed(median(these.map((run) => run.cpuMicrosPerRequest)), 0),
        fixed(median(these.map((run) => run.saturatedP99)), 2),
        fixed(median(these.map((run) => run.allocatedKbPerRequest)), 2),
        fixed(Math.max(...these.map((run) => run.rssMb)), 0),
        variant === 'task' ? `${tasks.reduce((sum, count) => sum + count.run, 0)}/${tasks.reduce((sum, count) => sum + count.added, 0)}` : '-',
      ]);
    }
  }
  if (phases.has('throughput')) {
    console.log(`\n## Throughput, one server at a time (median over ${ROUNDS} round(s) x ${CYCLES} bursts; (a): one run per round; RSS: worst)\n`);
    console.log(table(['framework', 'variant', 'req/s', 'server CPU µs/req', 'p99 ms saturated', 'KB allocated/req', 'RSS MB after load', 'tasks run'], throughputRows));
  }

  const goals: string[][] = [];
  for (const framework of frameworks) {
    // Ratios of servers measured side by side (latency) or in the same cycle (throughput), then the
    // median over all of them; "per round" shows each round's median.
    const latency = latencyRuns.filter((run) => run.framework === framework);
    const p99Ratios = latency.map((run) => run.task.p99 / run.noTask.p99);
    // The same comparison in milliseconds: at sub-2 ms p99s, a fraction of a millisecond of garbage
    // collection is already 10 %, so the ratio alone overstates what a user would notice.
    const p99Differences = latency.map((run) => run.task.p99 - run.noTask.p99);
    // Against the same task started without the runtime: the runtime's own share of the difference.
    const overDetached = latency.map((run) => run.task.p99 / run.detached.p99);
    // And the rest of it: what having a 2 s task pending costs the response however it is started.
    const detachedOverNoTask = latency.map((run) => run.detached.p99 / run.noTask.p99);
    const b = pick(framework, 'no-task');
    // The bursts of (c) and (d) in the same round and cycle as each burst of (b).
    const sameCycle = (variant: Variant, run: ThroughputRun): ThroughputRun | undefined =>
      throughputRuns.find((other) => other.framework === framework && other.variant === variant && other.round === run.round && other.cycle === run.cycle);
    const rpsRatios = b.map((run) => run.rps / (sameCycle('bare', run)?.rps ?? Number.NaN));
    // The same ratio from the server's CPU time per request: the throughput it would reach on a core
    // of its own. Far less sensitive than wall-clock req/s to other processes on a busy machine.
    const cpuRatios = b.map((run) => (sameCycle('bare', run)?.cpuMicrosPerRequest ?? Number.NaN) / run.cpuMicrosPerRequest);
    // The runtime against an empty middleware of the same kind: its own cost, without the framework's
    // price for running any middleware (Hono's is most of the gap to bare). For reference, not a goal.
    const overEmpty = b.map((run) => (sameCycle('empty', run)?.cpuMicrosPerRequest ?? Number.NaN) / run.cpuMicrosPerRequest);
    const p99Ratio = median(p99Ratios);
    const rpsRatio = median(rpsRatios);
    const cpuRatio = median(cpuRatios);
    goals.push([
      framework,
      ...ifRan('latency', [
        fixed(p99Ratio, 3),
        perRound(p99Ratios),
        medianInterval(p99Ratios)?.map((bound) => fixed(bound, 2)).join(' to ') ?? '- (< 6 rounds)',
        verdict(p99Ratio <= P99_GOAL),
        fixed(median(p99Differences), 2),
        fixed(median(overDetached), 3),
        perRound(overDetached),
        fixed(median(detachedOverNoTask), 3),
      ]),
      ...ifRan('throughput', [
        fixed(rpsRatio, 3),
        perRound(roundMedians(b, rpsRatios)),
        verdict(rpsRatio >= RPS_GOAL),
        fixed(cpuRatio, 3),
        perRound(roundMedians(b, cpuRatios)),
        verdict(cpuRatio >= RPS_GOAL),
        fixed(median(overEmpty), 3),
      ]),
    ]);
  }
  console.log(`\n## Goals (ratio: median over all pairs; per round: each round's median)\n`);
  console.log(
    table(
      [
        'framework',
        'p99(a)/p99(b)',
        'per round',
        '95 % interval',
        `<= ${P99_GOAL}`,
        'p99(a)-p99(b) ms',
        'p99(a)/p99(e)',
        'per round',
        'p99(e)/p99(b)',
        'rps(b)/rps(c)',
        'per round',
        `>= ${RPS_GOAL}`,
        'CPU: cpu(c)/cpu(b)',
        'per round',
        `>= ${RPS_GOAL}`,
        'CPU: cpu(d)/cpu(b)',
      ],
      goals,
    ),
  );
  console.log(
    `\np99(a)/p99(b): the side-by-side open loop at ${RATE}/s each (the throughput table's saturated p99s are mostly queueing).\n` +
      `Its 95 % interval, for the true median, comes from the rounds (the k-th lowest to the k-th highest); it needs six rounds\n` +
      `and narrows with more (BENCH_PHASES=latency BENCH_ROUNDS=25 runs the latency trio alone, 25 times).\n` +
      `p99(a)/p99(e) sets the runtime against the same task started by hand, unawaited, with the middleware installed in both:\n` +
      `what the runtime adds to a pending task. p99(e)/p99(b) is the rest: what a pending 2 s task costs however it is started.\n` +
      `(With BENCH_AA=1, (e) is (a) again, and p99(a)/p99(e) is what two identical servers differ by here. With BENCH_FLOOR=1,\n` +
      `Express's (e) is the floor, and p99(e)/p99(b) what a task costs through any runtime that starts it on 'finish'.)\n` +
      `rps(b)/rps(c) is wall-clock requests/s (the goal as stated); cpu(c)/cpu(b) is the same\n` +
      `ratio from the server's CPU time per request (user + system), i.e. the throughput on a dedicated core: steadier when other\n` +
      `processes share the machine. cpu(d)/cpu(b) sets the middleware against an empty one installed the same way: its own cost.`,
  );
  if (retriedRequests > 0) console.log(`\n${retriedRequests} request(s) sent again after the server closed an idle keep-alive socket under them.`);
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
