import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's directory for everything the tests make, from test/global-setup.ts. */
    testDirsRoot: string;
  }
}

/** A new empty directory for a test, named `<prefix>XXXXXX`, removed when the run finishes. */
export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(inject('testDirsRoot'), prefix));
}
