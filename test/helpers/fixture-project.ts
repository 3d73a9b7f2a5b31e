import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from './cli.js';
import { makeTempDir } from './temp-dirs.js';

export type FixtureFramework = 'express' | 'fastify' | 'hono';

const APP_FILES: Record<FixtureFramework, string> = {
  express: `import express from 'express';

export const app = express();
app.use(express.json());

app.get('/health', (_req, res) => {
  res.json({ ok: true });
});
`,
  fastify: `import Fastify from 'fastify';

export const app = Fastify();

app.get('/health', async () => ({ ok: true }));
`,
  hono: `import { Hono } from 'hono';

export const app = new Hono();

app.get('/health', (c) => c.json({ ok: true }));
`,
};

const VERSIONS: Record<FixtureFramework, string> = { express: '^5.3.0', fastify: '^5.12.8', hono: '^4.13.19' };

/**
 * A user's project as `bgtask init` meets it: package.json naming the framework, a strict NodeNext
 * tsconfig, an app file. Its node_modules is a link to this repository's, which holds the real
 * frameworks, bullmq, croner and vitest, so generated code is compiled, linted and run for real
 * without a network install.
 */
export function createFixtureProject(options: { framework: FixtureFramework; moduleType?: 'module' | 'commonjs'; files?: Record<string, string> }): string {
  const root = makeTempDir(`${options.framework}-`);
  const files: Record<string, string> = {
    'package.json': JSON.stringify(
      {
        name: `fixture-${options.framework}`,
        private: true,
        type: options.moduleType ?? 'module',
        scripts: { test: 'vitest run' },
        dependencies: { [options.framework]: VERSIONS[options.framework] },
        devDependencies: { typescript: '~5.9.3', vitest: '^4.1.12' },
      },
      null,
      2,
    ),
    'tsconfig.json': JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          skipLibCheck: true,
          noEmit: true,
          types: ['node'],
        },
        include: ['src'],
      },
      null,
      2,
    ),
    'src/app.ts': APP_FILES[options.framework],
    ...options.files,
  };
  for (const [path, contents] of Object.entries(files)) {
    const target = join(root, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, contents);
  }
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
  return root;
}
