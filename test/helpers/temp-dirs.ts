import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import type { TestProject } from 'vitest/node';

// Every directory a test makes goes under one per run, which vitest's global setup (this file's
// default export, named in vitest.config.ts) makes before the workers start and removes after the
// last test file: test files run in separate workers, and cleaning up in each would miss the ones
// a failed or timed-out test leaves. Generated fixture projects link node_modules; removal deletes
// the link, not what it points to. BGTASK_KEEP_TEST_DIRS=1 keeps the directory for a post-mortem.

declare module 'vitest' {
  export interface ProvidedContext {
    testDirsRoot: string;
  }
}

export default function setup(project: TestProject): () => void {
  const root = mkdtempSync(join(tmpdir(), 'bgtask-tests-'));
  project.provide('testDirsRoot', root);
  return () => {
    if (process.env.BGTASK_KEEP_TEST_DIRS) console.log(`[bgtask tests] kept the tests' directories in ${root}`);
    else rmSync(root, { recursive: true, force: true });
  };
}

/** A new empty directory for a test, named `<prefix>XXXXXX`, removed when the run ends. */
export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(inject('testDirsRoot'), prefix));
}
