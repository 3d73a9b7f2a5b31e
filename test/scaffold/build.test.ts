import { execFileSync, execSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { planWorkerBuild, type WorkerBuild } from '../../src/scaffold/build.js';
import { ChangeSet } from '../../src/scaffold/changes.js';
import type { PackageJson } from '../../src/scaffold/project.js';
import { nestedEnv, REPO_ROOT } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/temp-dirs.js';

// What `bgtask init` makes the `worker` script run, per build tool. Each project below is shaped
// like the real ones (Express 4 + tsup, Fastify + esbuild, Hono + tsc-alias, swc, plain tsc, tsx
// only); for tsup, esbuild and tsc the edited build is then run for real and the worker script's
// file is run with node. tsup and tsc-alias are installed once into node_modules/.cache (the
// repository has esbuild and TypeScript already).

const REPO_MODULES = join(REPO_ROOT, 'node_modules');
const TOOLS = join(REPO_MODULES, '.cache', 'bgtask-build-tools');
const TOOL_MODULES = join(TOOLS, 'node_modules');
const TOOL_VERSIONS = ['tsup@8.5.1', 'tsc-alias@1.8.16'];

function ensureBuildTools(): void {
  if (existsSync(join(TOOL_MODULES, 'tsup', 'package.json')) && existsSync(join(TOOL_MODULES, 'tsc-alias', 'package.json'))) return;
  mkdirSync(TOOLS, { recursive: true });
  if (!existsSync(join(TOOLS, 'package.json'))) writeFileSync(join(TOOLS, 'package.json'), '{ "private": true }\n');
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--no-save', ...TOOL_VERSIONS], { cwd: TOOLS, stdio: 'pipe', timeout: 170_000 });
}

/** A node_modules with the build tools: the repository's TypeScript 5.9 and esbuild, the cached tsup and tsc-alias. */
function linkTools(root: string, typescript = 'typescript'): void {
  const modules = join(root, 'node_modules');
  mkdirSync(join(modules, '.bin'), { recursive: true });
  const packages: [string, string][] = [
    ['typescript', join(REPO_MODULES, typescript)],
    ['esbuild', join(REPO_MODULES, 'esbuild')],
    ['tsup', join(TOOL_MODULES, 'tsup')],
    ['tsc-alias', join(TOOL_MODULES, 'tsc-alias')],
  ];
  for (const [name, target] of packages) symlinkSync(target, join(modules, name), 'dir');
  const bins: [string, string][] = [
    ['tsc', join(REPO_MODULES, typescript, 'bin', 'tsc')],
    ['esbuild', join(REPO_MODULES, 'esbuild', 'bin', 'esbuild')],
    ['tsup', join(TOOL_MODULES, 'tsup', 'dist', 'cli-default.js')],
    ['tsc-alias', join(TOOL_MODULES, 'tsc-alias', 'dist', 'bin', 'index.js')],
  ];
  for (const [name, target] of bins) symlinkSync(target, join(modules, '.bin', name));
}

function project(files: Record<string, string | object>, options: { tools?: boolean; typescript?: string } = {}): string {
  const root = makeTempDir('build-');
  for (const [path, contents] of Object.entries(files)) {
    const target = join(root, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, typeof contents === 'string' ? contents : `${JSON.stringify(contents, null, 2)}\n`);
  }
  if (options.tools === true || options.typescript !== undefined) linkTools(root, options.typescript);
  return root;
}

function readPackageJson(root: string): PackageJson {
  return JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson;
}

function plan(root: string, entry = 'src/worker.ts', manager = 'npm'): { build: WorkerBuild; changes: ChangeSet } {
  const changes = new ChangeSet(root);
  const build = planWorkerBuild(changes, readPackageJson(root), entry, (script) => `${manager} run ${script}`);
  return { build, changes };
}

/** What the caller does with the plan: the edited config files, the build script and the worker script go to disk. */
function apply(root: string, build: WorkerBuild, changes: ChangeSet): void {
  changes.commit({ force: false });
  const json = readPackageJson(root);
  json.scripts = { ...json.scripts, worker: build.workerScript, ...(build.buildScriptName === undefined ? {} : { [build.buildScriptName]: build.buildScript ?? '' }) };
  writeFileSync(join(root, 'package.json'), `${JSON.stringify(json, null, 2)}\n`);
}

/** `npm run build`, then the worker script's command (`node <file>`); returns the worker's output. */
function buildAndRunWorker(root: string): string {
  execFileSync('npm', ['run', 'build'], { cwd: root, env: nestedEnv(), stdio: 'pipe', timeout: 60_000 });
  const { worker } = readPackageJson(root).scripts ?? {};
  return execSync(worker ?? 'false', { cwd: root, env: nestedEnv(), encoding: 'utf8', timeout: 30_000 }).trim();
}

const GREET = `export function greet(name: string): string {
  return \`hello \${name}\`;
}
`;
/** The worker entry with an extensionless relative import: fine bundled, or rewritten by tsc-alias. */
const WORKER_BARE = `import { greet } from './jobs/greet';

console.log(\`worker: \${greet('bgtask')}\`);
`;
const WORKER_JS = WORKER_BARE.replace("'./jobs/greet'", "'./jobs/greet.js'");

const EXPRESS_APP = `import express from 'express';
import { greet } from './jobs/greet';

const app = express();
app.get('/', (_req, res) => res.send(greet('express')));
app.listen(3000);
`;

beforeAll(() => ensureBuildTools(), 180_000);

describe('tsup', () => {
  it('Express 4, CommonJS, tsup.config.ts: adds the worker to entry and runs dist/worker.js', () => {
    const config = `import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['cjs'],
  target: 'node18',
  clean: true,
  sourcemap: true,
});
`;
    const root = project(
      {
        'package.json': {
          name: 'express-api',
          version: '1.0.0',
          main: 'dist/index.js',
          scripts: { dev: 'tsx watch src/index.ts', build: 'tsup', start: 'node dist/index.js' },
          dependencies: { express: '^4.21.2' },
          devDependencies: { '@types/express': '^4.17.21', tsup: '^8.3.5', tsx: '^4.19.2', typescript: '^5.7.2' },
        },
        'tsconfig.json': { compilerOptions: { target: 'ES2022', module: 'CommonJS', moduleResolution: 'Node', strict: true, esModuleInterop: true, skipLibCheck: true, outDir: 'dist' }, include: ['src'] },
        'tsup.config.ts': config,
        'src/index.ts': EXPRESS_APP,
        'src/jobs/greet.ts': GREET,
        'src/worker.ts': WORKER_BARE,
      },
      { tools: true },
    );
    const { build, changes } = plan(root, 'src/worker.ts', 'pnpm');
    expect(build).toMatchObject({ tool: 'tsup', tscAlias: false, rewritesImports: true, workerScript: 'node dist/worker.js', devDependencies: [] });
    expect(build.buildScript).toBeUndefined();
    expect(build.notes[0]).toBe('The worker script runs dist/worker.js: build the project (`pnpm run build`, tsup) before `pnpm run worker`.');
    expect(changes.read('tsup.config.ts')).toBe(config.replace("entry: ['src/index.ts'],", "entry: ['src/index.ts', 'src/worker.ts'],"));
    apply(root, build, changes);
    // Idempotent: the entry is there now.
    const again = plan(root);
    expect(again.changes.plan({ force: false })).toEqual([]);
    expect(again.build.workerScript).toBe('node dist/worker.js');
    expect(buildAndRunWorker(root)).toBe('worker: hello bgtask');
    expect(existsSync(join(root, 'dist', 'index.js'))).toBe(true);
  });

  it('tsup on the command line, esm in a CommonJS package: adds the entry to the script and runs dist/worker.mjs', () => {
    const root = project(
      {
        'package.json': { name: 'api', scripts: { clean: 'rm -rf dist', build: 'npm run clean && npm run build:js', 'build:js': 'tsup src/index.ts --format esm --target node20' }, dependencies: { express: '^4.21.2' } },
        'src/index.ts': EXPRESS_APP,
        'src/jobs/greet.ts': GREET,
        'src/worker.ts': WORKER_BARE,
      },
      { tools: true },
    );
    const { build, changes } = plan(root);
    expect(build).toMatchObject({ tool: 'tsup', workerScript: 'node dist/worker.mjs', buildScriptName: 'build:js', buildScript: 'tsup src/index.ts src/worker.ts --format esm --target node20' });
    apply(root, build, changes);
    expect(buildAndRunWorker(root)).toBe('worker: hello bgtask');
    expect(existsSync(join(root, 'dist', 'index.mjs'))).toBe(true);
  });

  it('reads defineConfig functions, arrays of configs, object entries and globs', () => {
    const objectEntry = `import { defineConfig } from "tsup";

export default defineConfig((options) => ({
  entry: {
    server: "src/server.ts",
  },
  outDir: "build",
  format: ["cjs", "esm"],
  minify: !options.watch,
}));
`;
    const root = project({ 'package.json': { type: 'module', scripts: { build: 'rimraf build && tsup' } }, 'tsup.config.ts': objectEntry });
    const { build, changes } = plan(root);
    expect(build.workerScript).toBe('node build/worker.js');
    expect(changes.read('tsup.config.ts')).toContain('    server: "src/server.ts",\n    worker: "src/worker.ts",\n  },');

    // A glob that already covers the worker: nothing to add; the output follows the entries' common directory.
    const globbed = project({
      'package.json': { scripts: { build: 'tsup' } },
      'tsup.config.mjs': `export default [
  { entry: ['src/**/*.ts', '!src/**/*.test.ts'], format: 'esm', bundle: false, outDir: 'lib' },
  { entry: ['src/**/*.ts', '!src/**/*.test.ts'], format: 'cjs', bundle: false, outDir: 'lib' },
];
`,
      'src/app/index.ts': 'export {};\n',
    });
    const fromGlob = plan(globbed);
    expect(fromGlob.build).toMatchObject({ tool: 'tsup', workerScript: 'node lib/worker.js', rewritesImports: false });
    expect(fromGlob.changes.plan({ force: false })).toEqual([]);
  });

  it('leaves package.json\'s tsup key and entries whose common directory would move to the user', () => {
    const inPackageJson = project({ 'package.json': { scripts: { build: 'tsup' }, tsup: { entry: ['src/index.ts'] } } });
    const fromKey = plan(inPackageJson);
    expect(fromKey.build).toMatchObject({ tool: 'tsup', workerScript: 'tsx src/worker.ts', devDependencies: ['tsx'] });
    expect(fromKey.build.notes[0]).toContain('add "src/worker.ts" to the `tsup.entry` in package.json, then change the `worker` script in package.json to `node dist/worker.js`');

    const nested = project({ 'package.json': { scripts: { build: 'tsup src/http/main.ts' } } });
    const moved = plan(nested);
    expect(moved.build.workerScript).toBe('tsx src/worker.ts');
    expect(moved.build.notes[0]).toContain('their common directory src/http would become src');
  });
});

describe('esbuild', () => {
  it('Fastify, ESM, esbuild on the command line: adds the entry to the build script and runs build/worker.js', () => {
    const root = project(
      {
        'package.json': {
          name: 'fastify-api',
          type: 'module',
          scripts: { dev: 'tsx watch src/server.ts', build: 'esbuild src/server.ts --bundle --platform=node --format=esm --outdir=build --packages=external', start: 'node build/server.js' },
          dependencies: { fastify: '^5.2.1' },
          devDependencies: { esbuild: '^0.24.2', tsx: '^4.19.2', typescript: '^5.7.2' },
        },
        'src/server.ts': `import Fastify from 'fastify';\nimport { greet } from './jobs/greet';\n\nconst app = Fastify();\napp.get('/', async () => greet('fastify'));\nawait app.listen({ port: 3000 });\n`,
        'src/jobs/greet.ts': GREET,
        'src/worker.ts': WORKER_BARE,
      },
      { tools: true },
    );
    const { build, changes } = plan(root, 'src/worker.ts', 'pnpm');
    expect(build).toMatchObject({
      tool: 'esbuild',
      rewritesImports: true,
      workerScript: 'node build/worker.js',
      buildScriptName: 'build',
      buildScript: 'esbuild src/server.ts src/worker.ts --bundle --platform=node --format=esm --outdir=build --packages=external',
    });
    expect(build.notes[0]).toBe('The worker script runs build/worker.js: build the project (`pnpm run build`, esbuild) before `pnpm run worker`.');
    apply(root, build, changes);
    expect(plan(root).build.buildScript).toBeUndefined();
    expect(buildAndRunWorker(root)).toBe('worker: hello bgtask');
  });

  it('names the worker entry when adding it would move the other outputs, and keeps them where start expects them', () => {
    const root = project(
      {
        'package.json': { type: 'module', scripts: { build: 'esbuild src/http/main.ts --bundle --platform=node --format=esm --outdir=dist --out-extension:.js=.mjs', start: 'node dist/main.mjs' } },
        'src/http/main.ts': 'console.log("main");\n',
        'src/jobs/greet.ts': GREET,
        'src/worker.ts': WORKER_BARE,
      },
      { tools: true },
    );
    const { build, changes } = plan(root);
    expect(build).toMatchObject({ workerScript: 'node dist/worker.mjs', buildScript: 'esbuild src/http/main.ts worker=src/worker.ts --bundle --platform=node --format=esm --outdir=dist --out-extension:.js=.mjs' });
    apply(root, build, changes);
    expect(buildAndRunWorker(root)).toBe('worker: hello bgtask');
    expect(existsSync(join(root, 'dist', 'main.mjs'))).toBe(true);
  });

  it('a build file calling build(): adds the worker to entryPoints and runs the output', () => {
    const script = `import * as esbuild from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const __dirname = path.dirname(fileURLToPath(import.meta.url));

/** @type {import('esbuild').BuildOptions} */
const options = {
  entryPoints: [
    'src/index.ts',
  ],
  outdir: path.join(__dirname, 'dist'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  packages: 'external',
};

if (process.argv.includes('--watch')) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
} else {
  await esbuild.build(options);
}
`;
    const root = project(
      {
        'package.json': { type: 'module', scripts: { build: 'node build.mjs', start: 'node dist/index.js' }, dependencies: { hono: '^4.6.14' } },
        'build.mjs': script,
        'src/index.ts': `import { greet } from './jobs/greet';\nconsole.log(greet('index'));\n`,
        'src/jobs/greet.ts': GREET,
        'src/worker.ts': WORKER_BARE,
      },
      { tools: true },
    );
    const { build, changes } = plan(root);
    expect(build).toMatchObject({ tool: 'esbuild', rewritesImports: true, workerScript: 'node dist/worker.js' });
    expect(build.buildScript).toBeUndefined();
    expect(changes.read('build.mjs')).toBe(script.replace("    'src/index.ts',\n", "    'src/index.ts',\n    'src/worker.ts',\n"));
    apply(root, build, changes);
    expect(buildAndRunWorker(root)).toBe('worker: hello bgtask');
  });

  it('--outfile: adds nothing, runs the entry with tsx and says which command would build it', () => {
    const root = project({ 'package.json': { scripts: { build: 'esbuild src/index.ts --bundle --platform=node --outfile=dist/index.js' } } });
    const { build, changes } = plan(root);
    expect(build).toMatchObject({ tool: 'esbuild', workerScript: 'tsx src/worker.ts', devDependencies: ['tsx'] });
    expect(build.buildScript).toBeUndefined();
    expect(changes.plan({ force: false })).toEqual([]);
    expect(build.notes).toEqual([
      'The build (esbuild src/index.ts --bundle --platform=node --outfile=dist/index.js) writes a single file (dist/index.js), so bgtask left it alone; the worker script runs src/worker.ts with tsx. To run the worker built, add `&& esbuild src/worker.ts --bundle --platform=node --outfile=dist/worker.js` at the end of the `build` script, and change the `worker` script in package.json to `node dist/worker.js`.',
    ]);
  });
});

describe('tsc', () => {
  it('Hono, `tsc && tsc-alias`, outDir dist and no rootDir, a file at the root: runs dist/src/worker.js with imports rewritten', () => {
    const root = project(
      {
        'package.json': {
          name: 'hono-api',
          type: 'module',
          scripts: { dev: 'tsx watch src/index.ts', build: 'tsc && tsc-alias', start: 'node dist/src/index.js' },
          dependencies: { '@hono/node-server': '^1.13.7', hono: '^4.6.14' },
          devDependencies: { 'tsc-alias': '^1.8.10', tsx: '^4.19.2', typescript: '^5.7.2' },
        },
        'tsconfig.json': `{
  "compilerOptions": {
    "target": "ESNext",
    "module": "ESNext",
    "moduleResolution": "Bundler",
    "strict": true,
    "skipLibCheck": true,
    "types": [],
    "outDir": "./dist",
    "baseUrl": ".",
    "paths": { "@/*": ["./src/*"] }
  },
  // tsc-alias: add .js to the extensionless imports
  "tsc-alias": { "resolveFullPaths": true },
  "include": ["src/**/*.ts", "env.ts"]
}
`,
        'env.ts': 'export const port = 3000;\n',
        'src/index.ts': `import { port } from '../env';\nimport { greet } from '@/jobs/greet';\nconsole.log(greet(String(port)));\n`,
        'src/jobs/greet.ts': GREET,
        'src/worker.ts': WORKER_BARE,
      },
      { tools: true },
    );
    const { build, changes } = plan(root);
    expect(build).toMatchObject({ tool: 'tsc', tscAlias: true, rewritesImports: true, workerScript: 'node dist/src/worker.js', devDependencies: [] });
    expect(build.notes).toEqual(['The worker script runs dist/src/worker.js: build the project (`npm run build`, tsc and tsc-alias) before `npm run worker`.']);
    apply(root, build, changes);
    expect(buildAndRunWorker(root)).toBe('worker: hello bgtask');
  });

  it('plain tsc -p tsconfig.build.json with rootDir src: runs dist/worker.js', () => {
    const root = project(
      {
        'package.json': { scripts: { build: 'tsc -p tsconfig.build.json', start: 'node dist/index.js' } },
        'tsconfig.json': { compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: true, types: [], noEmit: true }, include: ['src', 'test'] },
        'tsconfig.build.json': { extends: './tsconfig.json', compilerOptions: { noEmit: false, outDir: 'dist', rootDir: 'src' }, include: ['src'] },
        'src/index.ts': 'export {};\n',
        'src/jobs/greet.ts': GREET,
        'src/worker.ts': WORKER_JS,
      },
      { tools: true },
    );
    const { build, changes } = plan(root);
    expect(build).toMatchObject({ tool: 'tsc', tscAlias: false, rewritesImports: false, workerScript: 'node dist/worker.js' });
    apply(root, build, changes);
    expect(buildAndRunWorker(root)).toBe('worker: hello bgtask');
  });

  it('rootDir: tsc 5 takes the inputs\' common directory, tsc 6 and composite projects tsconfig\'s directory', () => {
    const files = {
      'package.json': { scripts: { build: 'tsc' } },
      'tsconfig.json': { compilerOptions: { outDir: 'out', module: 'NodeNext' }, include: ['src'] },
      'src/index.ts': 'export {};\n',
    };
    expect(plan(project(files, { typescript: 'typescript' })).build.workerScript).toBe('node out/worker.js');
    expect(plan(project(files, { typescript: 'typescript6' })).build.workerScript).toBe('node out/src/worker.js');
    const composite = { ...files, 'tsconfig.json': { compilerOptions: { outDir: 'out', composite: true }, include: ['src'] } };
    expect(plan(project(composite, { typescript: 'typescript' })).build.workerScript).toBe('node out/src/worker.js');
    // No outDir: tsc writes next to the sources.
    const inPlace = { ...files, 'tsconfig.json': { compilerOptions: { module: 'NodeNext' }, include: ['src'] } };
    expect(plan(project(inPlace, { typescript: 'typescript' })).build.workerScript).toBe('node src/worker.js');
  });

  it('says so when tsconfig does not include the worker, and when the build only type-checks', () => {
    const narrow = project({
      'package.json': { scripts: { build: 'tsc' } },
      'tsconfig.json': { compilerOptions: { outDir: 'dist', rootDir: 'src' }, files: ['src/index.ts'] },
      'src/index.ts': 'export {};\n',
    });
    expect(plan(narrow).build.notes[1]).toBe('tsconfig.json does not include src/worker.ts, so tsc will not compile it unless something imports it: add it to "include" (or "files").');

    const typecheck = project({ 'package.json': { scripts: { build: 'tsc --noEmit', dev: 'tsx watch src/index.ts' } }, 'tsconfig.json': { compilerOptions: { strict: true } } });
    const checked = plan(typecheck).build;
    expect(checked).toMatchObject({ tool: 'none', workerScript: 'tsx src/worker.ts', devDependencies: ['tsx'] });
    expect(checked.notes[0]).toContain("`tsc --noEmit` writes no JavaScript");
  });
});

describe('swc', () => {
  const tsconfig = { compilerOptions: { strict: true } };
  it('@swc/cli 0.3 and later keep the src/ prefix unless --strip-leading-paths', () => {
    const devDependencies = { '@swc/cli': '^0.5.2', '@swc/core': '^1.10.1' };
    const stripped = project({ 'package.json': { scripts: { build: 'swc src -d dist --strip-leading-paths --copy-files' }, devDependencies }, 'tsconfig.json': tsconfig });
    expect(plan(stripped).build).toMatchObject({ tool: 'swc', workerScript: 'node dist/worker.js', rewritesImports: false });
    const kept = project({ 'package.json': { scripts: { build: 'swc ./src --out-dir dist' }, devDependencies }, 'tsconfig.json': tsconfig });
    expect(plan(kept).build.workerScript).toBe('node dist/src/worker.js');
    const legacy = project({ 'package.json': { scripts: { build: 'swc src -d dist' }, devDependencies: { '@swc/cli': '^0.1.63' } } });
    expect(plan(legacy).build.workerScript).toBe('node dist/worker.js');
  });

  it('reads .swcrc module.resolveFully and --out-file-extension', () => {
    const root = project({
      'package.json': { type: 'module', scripts: { build: 'rimraf dist && swc src -d dist --strip-leading-paths --out-file-extension mjs' }, devDependencies: { '@swc/cli': '^0.7.3' } },
      '.swcrc': `{
  // ESM output with the .js that Node needs
  "jsc": { "parser": { "syntax": "typescript" }, "target": "es2022" },
  "module": { "type": "es6", "resolveFully": true },
}
`,
    });
    expect(plan(root).build).toMatchObject({ tool: 'swc', workerScript: 'node dist/worker.mjs', rewritesImports: true });
  });
});

describe('no build, or one bgtask cannot read', () => {
  it('tsx only: runs the entry with tsx', () => {
    const root = project({ 'package.json': { scripts: { dev: 'tsx watch src/index.ts', start: 'tsx src/index.ts' } } });
    const { build } = plan(root);
    expect(build).toMatchObject({ tool: 'none', tscAlias: false, rewritesImports: false, workerScript: 'tsx src/worker.ts', devDependencies: ['tsx'] });
    expect(build.notes).toEqual(['The worker script runs src/worker.ts with tsx, as package.json has no `build` script; to run a built file instead, change the `worker` script in package.json.']);
  });

  it('no build script, but start runs tsc\'s output: assumes tsc', () => {
    const root = project({
      'package.json': { scripts: { start: 'node --env-file=.env dist/index.js' } },
      'tsconfig.json': { compilerOptions: { outDir: 'dist', rootDir: 'src' } },
      'src/index.ts': 'export {};\n',
    });
    const { build } = plan(root);
    expect(build.workerScript).toBe('node dist/worker.js');
    expect(build.notes).toEqual([
      'The worker script runs dist/worker.js: build the project (tsc) before `npm run worker`.',
      'package.json has no `build` script; `start` runs dist/index.js, so bgtask assumed tsc builds the project with tsconfig.json.',
    ]);
  });

  it('an unknown build: says what it assumed and how to change it', () => {
    const root = project({ 'package.json': { scripts: { build: 'vite build --ssr src/server.ts' } } });
    const { build } = plan(root);
    expect(build).toMatchObject({ tool: 'none', workerScript: 'tsx src/worker.ts', devDependencies: ['tsx'] });
    expect(build.notes).toEqual([
      'bgtask could not tell how `vite build --ssr src/server.ts` builds; the worker script runs src/worker.ts with tsx; change the `worker` script in package.json to run the built file once the build writes it.',
    ]);
  });

  it('follows pnpm and yarn script calls, run-s globs, cross-env and npx', () => {
    const pnpm = project({
      'package.json': { scripts: { build: 'pnpm clean && pnpm build:js', clean: 'rimraf dist', 'build:js': 'cross-env NODE_ENV=production npx tsup src/main.ts --minify' } },
    });
    expect(plan(pnpm).build).toMatchObject({ tool: 'tsup', buildScriptName: 'build:js', buildScript: 'cross-env NODE_ENV=production npx tsup src/main.ts src/worker.ts --minify', workerScript: 'node dist/worker.js' });
    const runS = project({
      'package.json': { scripts: { build: 'run-s build:*', 'build:types': 'tsc --emitDeclarationOnly', 'build:js': 'yarn esbuild src/index.ts --bundle --platform=node --outdir=out' } },
    });
    expect(plan(runS).build).toMatchObject({ tool: 'esbuild', buildScriptName: 'build:js', buildScript: 'yarn esbuild src/index.ts src/worker.ts --bundle --platform=node --outdir=out', workerScript: 'node out/worker.js' });
  });
});
