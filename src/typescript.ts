import { createRequire } from 'node:module';
import type { ts } from 'ts-morph';

let loaded: typeof ts | undefined;

/**
 * ts-morph's TypeScript, loaded on first use. The scaffold commands read tsconfig.json and
 * bgtask.json with it, but loading it takes most of a second, which `bgtask --help` should not pay.
 * ts-morph is CommonJS, so `require` loads it synchronously; a later `import` gets the same module.
 */
export function typescript(): typeof ts {
  loaded ??= (createRequire(import.meta.url)('ts-morph') as typeof import('ts-morph')).ts;
  return loaded;
}
