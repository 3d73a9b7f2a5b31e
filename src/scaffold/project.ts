import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { globSync } from 'tinyglobby';
import type { ts } from 'ts-morph';
import { dependencyRange } from '../analysis/manifest.js';
import { UsageError } from '../errors.js';
import { parseTsconfig, readJsonFile } from '../linter/config.js';
import { GENERATED_HEADER } from './render.js';
import { typescript } from '../typescript.js';

export const FRAMEWORKS = ['express', 'fastify', 'hono'] as const;
export type Framework = (typeof FRAMEWORKS)[number];

export const PACKAGE_MANAGERS = ['npm', 'pnpm', 'yarn', 'bun'] as const;
export type PackageManager = (typeof PACKAGE_MANAGERS)[number];

export interface PackageJson {
  name?: string;
  type?: string;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  [key: string]: unknown;
}

/** What `init` and `add-task` learn from the project before asking anything. */
export interface ProjectInfo {
  root: string;
  packageJson: PackageJson;
  /** undefined when package.json names none or several of them. */
  framework: Framework | undefined;
  packageManager: PackageManager;
  moduleKind: 'esm' | 'cjs';
  /** What relative imports end with at run time: the project's own convention, else `.js` in ES modules, nothing in CommonJS. */
  importSuffix: '.js' | '';
  /** `src` when the project has one, else the root. */
  sourceDir: string;
  /** Express's major version (the installed copy, else the declared range), when the project depends on Express. */
  expressMajor: number | undefined;
  /** What runs the project's tests, and so what generated tests import. */
  testRunner: TestRunner;
}

/**
 * The project's test runner. Jest's functions are imported from `@jest/globals` or are globals
 * (`@types/jest`), as the project's own tests have them; node:test runs TypeScript through the
 * project's runner (tsx, or ts-node where the project has it and not tsx).
 */
export type TestRunner = { kind: 'vitest' } | { kind: 'jest'; globals: 'import' | 'ambient' } | { kind: 'node'; typescriptRunner: 'tsx' | 'ts-node' };

const LOCKFILES: [string, PackageManager][] = [
  ['pnpm-lock.yaml', 'pnpm'],
  ['yarn.lock', 'yarn'],
  ['bun.lockb', 'bun'],
  ['bun.lock', 'bun'],
  ['package-lock.json', 'npm'],
];

export function readPackageJson(root: string): PackageJson {
  const path = join(root, 'package.json');
  if (!existsSync(path)) {
    throw new UsageError(`No package.json in ${root}. Run bgtask in your project's root, or pass --cwd <dir>.`);
  }
  const json = readJsonFile(path);
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new UsageError(`${path} is not a JSON object.`);
  return json as PackageJson;
}

export function detectFramework(packageJson: PackageJson): Framework | undefined {
  const deps = { ...packageJson.devDependencies, ...packageJson.dependencies };
  const found = FRAMEWORKS.filter((framework) => deps[framework] !== undefined);
  return found.length === 1 ? found[0] : undefined;
}

/** The lockfile decides; then the manager that runs us (`npm_config_user_agent`, e.g. `pnpm/9.1.0 npm/? node/v20`); then npm. */
export function detectPackageManager(root: string, env: Readonly<Record<string, string | undefined>>): PackageManager {
  for (const [file, manager] of LOCKFILES) if (existsSync(join(root, file))) return manager;
  const agent = env.npm_config_user_agent?.split('/')[0];
  return PACKAGE_MANAGERS.find((manager) => manager === agent) ?? 'npm';
}

/** The project's tsconfig.json as tsc reads it (extends, defaults), or undefined when it has none. */
export function readTsconfig(root: string): ts.ParsedCommandLine | undefined {
  const path = join(root, 'tsconfig.json');
  return existsSync(path) ? parseTsconfig(path) : undefined;
}

// Enough files to see a convention; a big project's first few hundred say as much as all of them.
const CONVENTION_SAMPLE = 300;
const RELATIVE_SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;
const SOURCE_IGNORE = ['**/node_modules/**', '**/dist/**', '**/build/**', '**/coverage/**', '**/*.d.ts'];

/** How the project's own source writes relative imports: `.js`, extensionless, or no relative imports to tell. */
function sourceConvention(root: string, sourceDir: string): '.js' | '' | undefined {
  const files = globSync(['**/*.{ts,mts,cts,tsx}'], { cwd: posix.join(root.split('\\').join('/'), sourceDir), ignore: SOURCE_IGNORE, followSymbolicLinks: false });
  let withJs = 0;
  let bare = 0;
  for (const file of files.sort().slice(0, CONVENTION_SAMPLE)) {
    const text = readFileSync(join(root, sourceDir, file), 'utf8');
    // bgtask's own files follow whatever it was told before; they are not the project's convention.
    if (text.startsWith(GENERATED_HEADER)) continue;
    for (const match of text.matchAll(RELATIVE_SPECIFIER)) {
      const specifier = match[1] ?? '';
      if (/\.[cm]?js$/.test(specifier)) withJs += 1;
      // `./users.service` and `./app.module` are extensionless too; `./data.json` and `./style.css` say nothing.
      else if (!/\.(?:[cm]?[jt]sx?|json|css|scss|svg|png|html|node|wasm)$/i.test(specifier)) bare += 1;
    }
  }
  if (withJs === 0 && bare === 0) return undefined;
  return withJs >= bare ? '.js' : '';
}

/**
 * What relative import specifiers need at run time. The project's own source decides when it has
 * relative imports: its build and test runner already work with them. Otherwise `.js` in an ES
 * module package (Node's ESM loader requires extensions; tsc, tsx, esbuild, tsup and Vite all map
 * `.js` to the `.ts` file) and nothing in CommonJS, where require() finds the file and jest's
 * resolver would not map `.js` to `.ts`.
 */
function importSuffixFor(root: string, sourceDir: string, moduleKind: 'esm' | 'cjs'): '.js' | '' {
  return sourceConvention(root, sourceDir) ?? (moduleKind === 'esm' ? '.js' : '');
}

/** The version of `name` installed in the project's node_modules; undefined when absent or unreadable. */
export function installedVersion(root: string, name: string): string | undefined {
  try {
    const version = (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version?: unknown } | null)?.version;
    return typeof version === 'string' ? version : undefined;
  } catch {
    return undefined;
  }
}

/** The major version the project runs of a package: the installed copy, else its declared range. */
export function installedMajor(root: string, packageJson: PackageJson, name: string): number | undefined {
  const installed = /^(\d+)/.exec(installedVersion(root, name) ?? '')?.[1];
  if (installed !== undefined) return Number(installed);
  const range = dependencyRange(packageJson, name);
  const major = range === undefined ? undefined : /^[\^~>=v\s]*(\d+)/.exec(range)?.[1];
  return major === undefined ? undefined : Number(major);
}

function declares(packageJson: PackageJson, name: string): boolean {
  return dependencyRange(packageJson, name) !== undefined;
}

/** What imports the project's existing test files take their `describe`/`it` from. */
function testImports(root: string, sourceDirs: readonly string[]): string {
  const files = globSync(
    sourceDirs.flatMap((dir) => [`${dir === '.' ? '' : `${dir}/`}**/*.{test,spec}.{ts,mts,cts,tsx}`, `${dir === '.' ? '' : `${dir}/`}**/__tests__/**/*.{ts,mts,cts,tsx}`]),
    { cwd: root.split('\\').join('/'), ignore: SOURCE_IGNORE, followSymbolicLinks: false },
  );
  return files
    .sort()
    .slice(0, 20)
    .map((file) => readFileSync(join(root, file), 'utf8'))
    .join('\n');
}

/**
 * vitest or jest when the project uses one (when it has both, the one its `test` script runs),
 * else node:test, which needs nothing installed.
 */
export function detectTestRunner(root: string, packageJson: PackageJson): TestRunner {
  const testScript = packageJson.scripts?.test ?? '';
  const hasConfig = (tool: string) => globSync([`${tool}.config.{ts,mts,cts,js,mjs,cjs,json}`], { cwd: root.split('\\').join('/') }).length > 0;
  const vitest = declares(packageJson, 'vitest') || hasConfig('vitest');
  const jest = declares(packageJson, 'jest') || hasConfig('jest') || packageJson.jest !== undefined;
  const useJest = jest && (!vitest || /\bjest\b/.test(testScript));
  if (useJest) {
    const existing = testImports(root, ['.']);
    const importsGlobals = /from\s*['"]@jest\/globals['"]/.test(existing);
    const ambient = !importsGlobals && (declares(packageJson, '@types/jest') || /^\s*(describe|it|test)\(/m.test(existing));
    return { kind: 'jest', globals: ambient ? 'ambient' : 'import' };
  }
  if (vitest) return { kind: 'vitest' };
  return { kind: 'node', typescriptRunner: declares(packageJson, 'ts-node') && !declares(packageJson, 'tsx') ? 'ts-node' : 'tsx' };
}

export function detectProject(root: string, env: Readonly<Record<string, string | undefined>>): ProjectInfo {
  const packageJson = readPackageJson(root);
  const moduleKind = packageJson.type === 'module' ? 'esm' : 'cjs';
  const sourceDir = existsSync(join(root, 'src')) ? 'src' : '.';
  return {
    root,
    packageJson,
    framework: detectFramework(packageJson),
    packageManager: detectPackageManager(root, env),
    moduleKind,
    importSuffix: importSuffixFor(root, sourceDir, moduleKind),
    sourceDir,
    expressMajor: declares(packageJson, 'express') ? installedMajor(root, packageJson, 'express') : undefined,
    testRunner: detectTestRunner(root, packageJson),
  };
}

/** How a user runs a package.json script with this manager: `<manager> run <script>` works in all four. */
export function runScriptCommand(manager: PackageManager, script: string): string {
  return `${manager} run ${script}`;
}

/** The command that installs packages with this manager. */
export function installCommand(manager: PackageManager, packages: string[], dev = false): string[] {
  const verb = manager === 'npm' ? 'install' : 'add';
  const devFlag = dev ? (manager === 'npm' ? '--save-dev' : '-D') : undefined;
  return [manager, verb, ...(devFlag === undefined ? [] : [devFlag]), ...packages];
}

/**
 * The oldest toolchain the generated code is type-checked and run on (test/starters: TypeScript
 * 4.9 with lib es2017 and @types/node 16, on Node 18's APIs). Below it the code may still work, but
 * nobody has checked.
 */
export const SUPPORTED_FLOOR = { typescript: [4, 9], libYear: 2017, typesNode: 16, node: 18 } as const;
export const SUPPORTED_VERSIONS =
  'The generated code supports TypeScript 4.9 or later, tsconfig lib/target es2017 or later, @types/node 16 or later (18 for node:test tests) ' +
  'and Node.js 18 or later (20 with BullMQ or schedules: ioredis 6 needs it).';

/** The ECMAScript year a tsconfig's lib list (or, without one, its target) gives the project's types. */
function libYear(options: ts.CompilerOptions): number | undefined {
  const names = options.lib?.map((file) => file.replace(/^lib\./, '').replace(/\.d\.ts$/, '').toLowerCase());
  if (names !== undefined) {
    const years = names.map((name) => (name.startsWith('esnext') ? 9999 : /^es(\d{4})/.exec(name)?.[1] ?? (/^es(5|6)$/.exec(name) ? (name === 'es6' ? '2015' : '2009') : undefined))).filter((year) => year !== undefined);
    return years.length === 0 ? undefined : Math.max(...years.map(Number));
  }
  const { ScriptTarget } = typescript();
  const target = options.target;
  if (target === undefined) return undefined;
  if (target === ScriptTarget.ESNext) return 9999;
  const name = ScriptTarget[target];
  const year = /^ES(\d{4})$/.exec(name ?? '')?.[1];
  return year === undefined ? (target === ScriptTarget.ES2015 ? 2015 : 2009) : Number(year);
}

/** What the project runs below SUPPORTED_FLOOR, one sentence each; empty when nothing is. */
export function belowSupportedFloor(root: string, project: Pick<ProjectInfo, 'packageJson'>): string[] {
  const problems: string[] = [];
  const typescriptVersion = installedVersion(root, 'typescript');
  const [major = 0, minor = 0] = (typescriptVersion ?? '').split('.').map(Number);
  const [floorMajor, floorMinor] = SUPPORTED_FLOOR.typescript;
  if (typescriptVersion !== undefined && (major < floorMajor || (major === floorMajor && minor < floorMinor))) {
    problems.push(`this project has TypeScript ${typescriptVersion}; the generated code needs ${floorMajor}.${floorMinor} or later (it uses \`satisfies\`): upgrade typescript first.`);
  }
  const options = readTsconfig(root)?.options;
  const year = options === undefined ? undefined : libYear(options);
  if (year !== undefined && year < SUPPORTED_FLOOR.libYear) {
    problems.push(`tsconfig.json's lib/target is es${year === 2009 ? 5 : year}; the generated code uses es${SUPPORTED_FLOOR.libYear} APIs: raise "lib" (or "target") to es${SUPPORTED_FLOOR.libYear} or later.`);
  }
  const typesNode = installedMajor(root, project.packageJson as PackageJson, '@types/node');
  if (typesNode !== undefined && typesNode < SUPPORTED_FLOOR.typesNode) {
    problems.push(`this project has @types/node ${typesNode}; the generated code is checked against ${SUPPORTED_FLOOR.typesNode} or later: upgrade @types/node.`);
  }
  return problems;
}
