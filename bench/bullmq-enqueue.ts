// BullMQ producer benchmark (see README.md): the latency of the generated producer,
// `enqueue__TaskName__(payload)` from templates/bullmq/__task-name__.queue.ts, on loopback Redis.
// It imports the template itself (placeholders and all: they are valid identifiers), with its
// connection module templates/queue/redis.ts, so it measures exactly the code users get.
//
// Redis: REDIS_URL when set (the queue "__task-name__" is obliterated afterwards), else a private
// redis-server on a free 127.0.0.1 port (never 6379) with persistence off, stopped at the end.
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { __taskName__Queue, enqueue__TaskName__ } from '../templates/bullmq/__task-name__.queue.js';
import { closeQueueConnections } from '../templates/queue/redis.js';
import { startRedis, type RedisHandle } from '../test/helpers/redis.js';
import { intFromEnv, percentile, table } from './protocol.js';

const WARMUP = intFromEnv('BENCH_ENQUEUE_WARMUP', 200);
const JOBS = intFromEnv('BENCH_ENQUEUE_JOBS', 2_000);
const P99_GOAL_MS = 5;
/** The whole bench stops by itself after this, whatever happens. */
const OVERALL_TIMEOUT_MS = 120_000;

let redis: RedisHandle | undefined;

async function main(): Promise<void> {
  const external = process.env.REDIS_URL !== undefined && process.env.REDIS_URL !== '';
  // The tests' helper: REDIS_URL's Redis, or a private redis-server on a free port (never 6379).
  redis = await startRedis();
  // Set before the first enqueue: the template reads REDIS_URL when it first connects.
  process.env.REDIS_URL = redis.url;
  const where = external ? 'REDIS_URL (external Redis)' : `a private redis-server at ${process.env.REDIS_URL ?? '?'}`;

  console.log('# bgtask BullMQ producer bench');
  const cpus = os.cpus();
  console.log(
    `node ${process.version}, ${cpus.length} CPU(s) (${cpus[0]?.model.trim() ?? 'unknown'}), load average at start: ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}\n` +
      `enqueue__TaskName__() from templates/bullmq/__task-name__.queue.ts on ${where}; ` +
      `1 cold call + ${WARMUP} warmup + ${JOBS} measured, sequential (each awaited before the next)\n`,
  );

  try {
    let id = 0;
    const coldStart = performance.now();
    await enqueue__TaskName__({ id: String(id++) });
    const coldMs = performance.now() - coldStart;

    for (let i = 0; i < WARMUP; i++) await enqueue__TaskName__({ id: String(id++) });

    const latencies = new Float64Array(JOBS);
    const start = performance.now();
    for (let i = 0; i < JOBS; i++) {
      const t0 = performance.now();
      await enqueue__TaskName__({ id: String(id++) });
      latencies[i] = performance.now() - t0;
    }
    const elapsedMs = performance.now() - start;
    latencies.sort();

    // Sanity check: every job is in Redis (no worker runs, so they all wait).
    const counts = await __taskName__Queue().getJobCounts('waiting', 'prioritized', 'delayed');
    const stored = Object.values(counts).reduce((sum, count) => sum + count, 0);

    const p50 = percentile(latencies, 0.5);
    const p99 = percentile(latencies, 0.99);
    const max = latencies[latencies.length - 1] ?? Number.NaN;
    const rows: [string, string][] = [
      ['cold first call (connect + queue)', `${coldMs.toFixed(2)} ms`],
      ['p50', `${p50.toFixed(3)} ms`],
      ['p90', `${percentile(latencies, 0.9).toFixed(3)} ms`],
      ['p99', `${p99.toFixed(3)} ms`],
      ['max', `${max.toFixed(3)} ms`],
      ['throughput (sequential)', `${((JOBS / elapsedMs) * 1000).toFixed(0)} jobs/s`],
      ['jobs stored in Redis', `${stored}${external ? '' : ` of ${id}`}`],
      [`goal: p99 <= ${P99_GOAL_MS} ms`, p99 <= P99_GOAL_MS ? 'met' : 'NOT met'],
    ];
    console.log(table(['measure', 'value'], rows));
    console.log(`\nload average at end: ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}`);

    if (!external && stored !== id) {
      console.error(`expected ${id} jobs in Redis, found ${stored}`);
      process.exitCode = 1;
    }
    // Leave a shared Redis as it was found.
    if (external) await __taskName__Queue().obliterate({ force: true });
  } finally {
    await closeQueueConnections();
    await redis.stop();
  }
}

const guard = setTimeout(() => {
  console.error(`BullMQ bench: still running after ${OVERALL_TIMEOUT_MS} ms, giving up.`);
  redis?.kill();
  process.exit(1);
}, OVERALL_TIMEOUT_MS);
guard.unref();

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    redis?.kill();
    process.exit(130);
  });
}

main().catch(async (error: unknown) => {
  console.error('BullMQ bench failed:', error);
  process.exitCode = 1;
  await redis?.stop();
});
