import { beforeAll, describe, expect, it } from 'vitest';
import { describeCase, makeCase, reproduceCommand } from './fuzz/cases.js';
import { makeLimiter, runCase, type CaseOutcome } from './fuzz/harness.js';
import { parseSpec } from './fuzz/mutations.js';
import { makeTempDir } from './helpers/temp-dirs.js';

// A dozen seeded cases of what `npm run fuzz` does by the thousand (test/fuzz/run.ts): real
// TypeScript files, broken on purpose, linted by the built CLI. Whatever the file holds, the user
// gets a JSON report for every file and exit 0 or 1, within 10 s, and never a stack trace.
// Each mutation kind is here at least once, with the deep nesting and the bytes that are not UTF-8
// that used to abort the whole run.
const CASES: { seed: number; mutations: string[] }[] = [
  { seed: 101, mutations: ['truncate'] },
  { seed: 102, mutations: ['delete-range', 'delete-range'] },
  { seed: 103, mutations: ['duplicate-range'] },
  { seed: 104, mutations: ['swap-ranges'] },
  { seed: 105, mutations: ['replace-token', 'replace-token'] },
  { seed: 106, mutations: ['huge-line:plus-chain:200000'] },
  { seed: 107, mutations: ['random-bytes:invalid-utf8'] },
  { seed: 108, mutations: ['random-bytes:nul'] },
  { seed: 109, mutations: ['random-bytes:bom-middle', 'random-bytes:carriage-return', 'random-bytes:unicode-text'] },
  { seed: 110, mutations: ['deep-nesting:parens:10000'] },
  { seed: 111, mutations: ['deep-nesting:binary-chain:50000'] },
  { seed: 112, mutations: ['truncate', 'deep-nesting:then-chain:10000'] },
];

describe('bgtask lint on mutated real TypeScript (seeded fuzz)', () => {
  // One CLI run at a time (the suite's other files run beside it), all started together; each test waits for its own.
  const outcomes: Promise<CaseOutcome>[] = [];
  beforeAll(() => {
    const limit = makeLimiter(1);
    for (const { seed, mutations } of CASES) {
      const fuzzCase = makeCase(seed, mutations.map(parseSpec));
      outcomes.push(limit(() => runCase(fuzzCase, makeTempDir(`fuzz-${seed}-`))));
    }
  });

  CASES.forEach(({ seed, mutations }, index) => {
    it(`seed ${seed}: ${mutations.join(' + ')}`, async () => {
      const outcome = await (outcomes[index] as Promise<CaseOutcome>);
      const context = `${describeCase(outcome.fuzzCase)} (exit ${outcome.exitCode} after ${outcome.durationMs} ms)\nrerun and save it: ${reproduceCommand(outcome.fuzzCase)}`;
      expect(outcome.problems.map((problem) => `${problem.kind}: ${problem.detail}`), context).toEqual([]);
      expect([0, 1], context).toContain(outcome.exitCode);
    }, 60_000);
  });
});
