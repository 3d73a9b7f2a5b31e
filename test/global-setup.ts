import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

// vitest's global setup (named in vitest.config.ts): one directory per run for everything the tests
// make (see makeTempDir in helpers/temp-dirs.ts), made before the workers start and removed once the
// run has finished, passed or failed (an interrupted run leaves it). Test files run in separate
// workers, and cleaning up in each would miss what a failed or timed-out test leaves. Generated
// fixture projects link node_modules; removal deletes the link, not what it points to. Only node:
// imports here: this runs in vitest's main process, not in a worker.
export default function setup(project: TestProject): () => void {
  const root = mkdtempSync(join(tmpdir(), 'bgtask-tests-'));
  project.provide('testDirsRoot', root);
  return () => {
    if (process.env.BGTASK_KEEP_TEST_DIRS) console.log(`[bgtask tests] kept the tests' directories in ${root}`);
    else rmSync(root, { recursive: true, force: true });
  };
}
