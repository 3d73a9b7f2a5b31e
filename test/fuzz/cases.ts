import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { globSync } from 'tinyglobby';
import { formatSpec, mutate, Random, randomSpec, type MutationSpec } from './mutations.js';

export const REPO_ROOT = join(import.meta.dirname, '..', '..');

/**
 * Real TypeScript from this repository, shaped like the backends bgtask is for: the fixture
 * projects (Express, Hono, Next, BullMQ), the example app and the scaffolder's templates. Each
 * belongs to a project, the folder whose files import each other, so a case can bring siblings along.
 */
const SEED_GLOBS = ['test/fixtures/projects/**/*.ts', 'examples/**/src/**/*.ts', 'templates/**/*.ts'];

interface SeedFile {
  /** The project folder, relative to the repository: `test/fixtures/projects/hono-openapi`. */
  project: string;
  /** The file's path inside its project, kept in the case so relative imports between files still resolve. */
  path: string;
}

function projectOf(repoPath: string): string {
  const parts = repoPath.split('/');
  return parts.slice(0, parts[0] === 'test' ? 4 : 2).join('/');
}

let seedFiles: SeedFile[] | undefined;

/** Sorted, so a case number means the same file for as long as the seed files stay the same. */
export function listSeedFiles(): SeedFile[] {
  seedFiles ??= globSync(SEED_GLOBS, { cwd: REPO_ROOT, ignore: ['**/node_modules/**', '**/*.d.ts'] })
    .map((path) => path.split(sep).join('/'))
    .sort()
    .map((path) => ({ project: projectOf(path), path: relative(projectOf(path), path).split(sep).join('/') }));
  if (seedFiles.length === 0) throw new Error(`no seed files matched ${SEED_GLOBS.join(', ')} in ${REPO_ROOT}`);
  return seedFiles;
}

export interface CaseFile {
  /** Relative to the case's directory (and to its project). */
  path: string;
  bytes: Buffer;
  mutated: boolean;
}

export interface FuzzCase {
  seed: number;
  /** The mutations asked for on the command line or by the suite; empty when the seed chose them. */
  forced: MutationSpec[];
  project: string;
  files: CaseFile[];
  /** What was done to the mutated file, in order. */
  mutations: string[];
}

/**
 * The case a seed stands for: one seed file with 1–3 mutations (or the `forced` ones), and up to two
 * unmodified files of the same project so that cross-file analysis has something to follow.
 */
export function makeCase(seed: number, forced: MutationSpec[] = []): FuzzCase {
  const random = new Random(seed);
  const seeds = listSeedFiles();
  const target = random.pick(seeds);
  const others = seeds.filter((file) => file.project === target.project && file.path !== target.path);
  const siblings: SeedFile[] = [];
  for (let count = random.int(0, 2); count > 0 && others.length > 0; count--) siblings.push(...others.splice(random.int(0, others.length - 1), 1));

  const specs = forced.length > 0 ? forced : Array.from({ length: random.int(1, 3) }, () => randomSpec(random));
  let bytes: Buffer = readFileSync(join(REPO_ROOT, target.project, target.path));
  const mutations: string[] = [];
  for (const spec of specs) {
    const mutated = mutate(bytes, random, spec);
    bytes = mutated.bytes;
    mutations.push(mutated.description);
  }
  return {
    seed,
    forced,
    project: target.project,
    files: [
      { path: target.path, bytes, mutated: true },
      ...siblings.map((sibling) => ({ path: sibling.path, bytes: readFileSync(join(REPO_ROOT, sibling.project, sibling.path)), mutated: false })),
    ],
    mutations,
  };
}

/** Writes the case into an empty directory, with a `package.json` so that it is a package of its own. */
export function writeCase(fuzzCase: FuzzCase, directory: string): void {
  writeFileSync(join(directory, 'package.json'), '{}\n');
  for (const file of fuzzCase.files) {
    const target = join(directory, file.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.bytes);
  }
}

/** The command that rebuilds and reruns this one case (and saves it if it fails). */
export function reproduceCommand(fuzzCase: Pick<FuzzCase, 'seed' | 'forced'>): string {
  const forced = fuzzCase.forced.length > 0 ? ` --mutations ${fuzzCase.forced.map(formatSpec).join(',')}` : '';
  return `npx tsx test/fuzz/run.ts --seed ${fuzzCase.seed}${forced}`;
}

/** One line: the seed, the file and what was done to it. */
export function describeCase(fuzzCase: FuzzCase): string {
  const siblings = fuzzCase.files.length - 1;
  const mutated = fuzzCase.files.find((file) => file.mutated);
  return `${fuzzCase.project}/${mutated?.path ?? '?'}${siblings > 0 ? ` (+${siblings} unmodified)` : ''}: ${fuzzCase.mutations.join('; ')}`;
}
