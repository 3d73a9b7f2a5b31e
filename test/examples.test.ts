import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const EXAMPLE = join(ROOT, 'examples', 'orders-api');

describe('examples/orders-api', () => {
  it('carries the runtime exactly as bgtask writes it', () => {
    for (const name of ['tasks.ts', 'express.ts']) {
      expect(readFileSync(join(EXAMPLE, 'src', 'background', name), 'utf8'), name).toBe(readFileSync(join(ROOT, 'templates', 'runtime', name), 'utf8'));
    }
  });

  it('type-checks under strict', () => {
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = spawnSync(process.execPath, [tsc, '-p', join(EXAMPLE, 'tsconfig.json')], { encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
