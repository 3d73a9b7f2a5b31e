import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ts } from 'ts-morph';
import { UsageError } from '../errors.js';
import { parseTsconfig, readJsonFile } from '../linter/config.js';
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
  /** What relative imports end with: `.js` under NodeNext/Node16 resolution, nothing under bundler or node10. */
  importSuffix: '.js' | '';
  /** `src` when the project has one, else the root. */
  sourceDir: string;
}

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

function importSuffixFor(root: string): '.js' | '' {
  const parsed = readTsconfig(root);
  if (parsed === undefined) return '.js';
  const { ModuleKind, ModuleResolutionKind } = typescript();
  const resolution = parsed.options.moduleResolution;
  const module = parsed.options.module;
  const nodeStyle =
    resolution === ModuleResolutionKind.Node16 ||
    resolution === ModuleResolutionKind.NodeNext ||
    (resolution === undefined && (module === ModuleKind.Node16 || module === ModuleKind.NodeNext || module === ModuleKind.Node18));
  return nodeStyle ? '.js' : '';
}

export function detectProject(root: string, env: Readonly<Record<string, string | undefined>>): ProjectInfo {
  const packageJson = readPackageJson(root);
  return {
    root,
    packageJson,
    framework: detectFramework(packageJson),
    packageManager: detectPackageManager(root, env),
    moduleKind: packageJson.type === 'module' ? 'esm' : 'cjs',
    importSuffix: importSuffixFor(root),
    sourceDir: existsSync(join(root, 'src')) ? 'src' : '.',
  };
}

/** The command that installs packages with this manager. */
export function installCommand(manager: PackageManager, packages: string[], dev = false): string[] {
  const verb = manager === 'npm' ? 'install' : 'add';
  const devFlag = dev ? (manager === 'npm' ? '--save-dev' : '-D') : undefined;
  return [manager, verb, ...(devFlag === undefined ? [] : [devFlag]), ...packages];
}
