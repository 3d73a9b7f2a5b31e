// What the runtime keeps alive per waiting task (see README.md). A 2 s task keeps its objects through
// two or three young-generation collections, and a collection's pause is the copying of what
// survives it, object by object: so the bytes and the number of objects that a waiting task holds
// are what the latency bench's GC columns come down to. This counts them exactly, from heap
// snapshots taken before and after N tasks are left waiting, grouped by V8's object kind:
//   hand     waitingTask(n).catch(() => ...): a task started by hand, as (e) in in-process.ts does
//   runtime  a BackgroundTasks with that one task, started by runInBackground(tasks) as the adapters
//            do after the response
// Both include the task's own pending promise and the function that releases it (standing for the
// timer); runtime − hand is the runtime's share.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { BackgroundTasks, runInBackground } from '../templates/runtime/tasks.js';
import { intFromEnv, table } from './protocol.js';

const TASKS = intFromEnv('BENCH_RETAINED_TASKS', 10_000);
/** Started and finished before the first snapshot, so that code and hidden classes made on first use are not counted. */
const WARMUP_TASKS = 100;

type Scenario = 'hand' | 'runtime';

/** Bytes and object count per kind ("closure", "object:Promise", ...). */
type HeapCensus = Map<string, { count: number; bytes: number }>;

interface HeapSnapshotJson {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/**
 * Writes a heap snapshot to a file (taking one collects garbage first: it lists what is reachable).
 * To a file, and read only after both are taken, so that one census is not in the other's heap.
 */
function takeSnapshot(directory: string, name: string): string {
  return writeHeapSnapshot(join(directory, `${name}.heapsnapshot`));
}

function heapCensus(file: string): HeapCensus {
  const { snapshot, nodes, strings } = JSON.parse(readFileSync(file, 'utf8')) as HeapSnapshotJson;
  const fields = snapshot.meta.node_fields;
  const kinds = snapshot.meta.node_types[0];
  const [typeAt, nameAt, sizeAt] = [fields.indexOf('type'), fields.indexOf('name'), fields.indexOf('self_size')];
  const census: HeapCensus = new Map();
  for (let node = 0; node < nodes.length; node += fields.length) {
    const kind = kinds[nodes[node + typeAt] ?? -1] ?? '?';
    // Strings and code are named by their contents: one row each.
    const key = kind.includes('string') || kind === 'code' ? kind : `${kind}:${strings[nodes[node + nameAt] ?? -1] ?? '?'}`;
    const entry = census.get(key) ?? { count: 0, bytes: 0 };
    entry.count += 1;
    entry.bytes += nodes[node + sizeAt] ?? 0;
    census.set(key, entry);
  }
  return census;
}

/** after − before, per kind, per task; kinds that moved by less than one object per 100 tasks and half a byte per task are dropped. */
function perTask(before: HeapCensus, after: HeapCensus): HeapCensus {
  const rows: HeapCensus = new Map();
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const [earlier, later] = [before.get(key) ?? { count: 0, bytes: 0 }, after.get(key) ?? { count: 0, bytes: 0 }];
    const row = { count: (later.count - earlier.count) / TASKS, bytes: (later.bytes - earlier.bytes) / TASKS };
    if (Math.abs(row.count) >= 0.01 || Math.abs(row.bytes) >= 0.5) rows.set(key, row);
  }
  return rows;
}

function total(rows: HeapCensus): { count: number; bytes: number } {
  let count = 0;
  let bytes = 0;
  for (const row of rows.values()) {
    count += row.count;
    bytes += row.bytes;
  }
  return { count, bytes };
}

let failures = 0;
// The runtime's onError is configured once, for every collection.
const options = {
  onError: (): void => {
    failures += 1;
  },
};

/**
 * Starts `count` tasks; returns the functions that release them, in an array sized up front so that
 * its backing store (8 bytes per task, in both scenarios) is all it adds.
 */
function startTasks(scenario: Scenario, count: number): (() => void)[] {
  const release = new Array<() => void>(count);
  let started = 0;
  // The task: pending until released, as a 2 s timer would be. Async, as users write them.
  const waitingTask = async (_n: number): Promise<void> => {
    await new Promise<void>((resolve) => {
      release[started++] = resolve;
    });
  };
  for (let n = 0; n < count; n++) {
    if (scenario === 'hand') {
      // A closure per call, as in a handler (and in in-process.ts's (e)).
      waitingTask(n).catch(() => {
        failures += 1;
      });
    } else {
      const tasks = new BackgroundTasks(options);
      tasks.addTask(waitingTask, n);
      runInBackground(tasks);
    }
  }
  if (started !== count) throw new Error(`${scenario}: ${started} of ${count} tasks started`);
  return release;
}

async function releaseAll(release: (() => void)[]): Promise<void> {
  for (const resolve of release) resolve();
  await new Promise((resolve) => setImmediate(resolve));
}

async function measure(scenario: Scenario, directory: string): Promise<HeapCensus> {
  await releaseAll(startTasks(scenario, WARMUP_TASKS));
  const before = takeSnapshot(directory, `${scenario}-before`);
  const release = startTasks(scenario, TASKS);
  const after = takeSnapshot(directory, `${scenario}-after`);
  await releaseAll(release);
  return perTask(heapCensus(before), heapCensus(after));
}

function fixed(value: number, digits: number): string {
  return Math.abs(value) < 0.5 * 10 ** -digits ? '0' : value.toFixed(digits);
}

async function main(): Promise<void> {
  console.log(`# bgtask retained-per-waiting-task bench\nnode ${process.version}; ${TASKS} tasks left waiting per scenario, heap snapshots before and after\n`);
  const directory = mkdtempSync(join(tmpdir(), 'bgtask-retained-'));
  let hand: HeapCensus;
  let runtime: HeapCensus;
  try {
    hand = await measure('hand', directory);
    runtime = await measure('runtime', directory);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  if (failures > 0) throw new Error(`${failures} task(s) failed`);

  const kinds = [...new Set([...hand.keys(), ...runtime.keys()])].sort(
    (a, b) => (runtime.get(b)?.bytes ?? 0) - (hand.get(b)?.bytes ?? 0) - ((runtime.get(a)?.bytes ?? 0) - (hand.get(a)?.bytes ?? 0)),
  );
  const rows = kinds.map((kind) => {
    const h = hand.get(kind) ?? { count: 0, bytes: 0 };
    const r = runtime.get(kind) ?? { count: 0, bytes: 0 };
    return [kind, fixed(h.count, 2), fixed(h.bytes, 0), fixed(r.count, 2), fixed(r.bytes, 0), fixed(r.count - h.count, 2), fixed(r.bytes - h.bytes, 0)];
  });
  const [h, r] = [total(hand), total(runtime)];
  rows.push(['total', fixed(h.count, 2), fixed(h.bytes, 0), fixed(r.count, 2), fixed(r.bytes, 0), fixed(r.count - h.count, 2), fixed(r.bytes - h.bytes, 0)]);
  console.log(table(['kept per waiting task', 'hand: objects', 'bytes', 'runtime: objects', 'bytes', 'runtime − hand: objects', 'bytes'], rows));
}

main().catch((error: unknown) => {
  console.error('retained bench failed:', error);
  process.exitCode = 1;
});
