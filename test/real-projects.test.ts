import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { globSync } from 'tinyglobby';
import { describe, expect, it } from 'vitest';
import { lint } from '../src/linter/lint.js';
import { makeTempDir } from './helpers/temp-dirs.js';

// Three small projects shaped like real open-source backends (test/fixtures/projects/*): mostly
// correct code, a handful of real background-work bugs, and many shapes that look like bugs but
// are not. Every expected finding is marked on its line with a trailing `// expect: <rule-id>`
// comment; this test holds the linter's findings to exactly that set, line for line.

const FIXTURES = join(import.meta.dirname, 'fixtures', 'projects');
const SOURCE_GLOB = '**/*.{ts,tsx,mts,cts}';
const IGNORED = ['**/node_modules/**', '**/*.d.ts', '**/*.d.mts', '**/*.d.cts'];
const MARKER = /\/\/\s*expect:\s*([a-z0-9-]+(?:\s*,\s*[a-z0-9-]+)*)\s*$/;

/** `src/app.ts:12 uncaught-task-error`: a finding as this test compares them. */
type Key = string;

function toPosix(path: string): string {
  return path.split(sep).join('/');
}

/** The findings the `// expect:` markers announce, keyed like `lint`'s, with the marked line's text. */
function expectedFindings(root: string): Map<Key, string> {
  const expected = new Map<Key, string>();
  for (const file of globSync(SOURCE_GLOB, { cwd: root, ignore: IGNORED }).sort()) {
    const lines = readFileSync(join(root, file), 'utf8').split('\n');
    lines.forEach((text, index) => {
      const marker = MARKER.exec(text);
      if (marker === null) return;
      for (const ruleId of (marker[1] as string).split(',')) expected.set(`${toPosix(file)}:${index + 1} ${ruleId.trim()}`, text.trim());
    });
  }
  return expected;
}

interface Run {
  findings: Map<Key, string>;
  /** Rule crashes, unreadable files and fatal parse messages: none are expected anywhere. */
  problems: string[];
}

/** Lints a project directory the way `bgtask lint <dir>` does; findings keyed by file, line and rule. */
function lintProject(root: string): Run {
  const run = lint({ cwd: root, paths: ['.'] });
  const findings = new Map<Key, string>();
  const problems = [...run.inputErrors, ...run.failures.map((failure) => JSON.stringify(failure))];
  for (const result of run.results) {
    const file = toPosix(relative(root, result.filePath));
    for (const message of result.messages) {
      if (message.ruleId === null) problems.push(`${file}:${message.line} ${message.message}`);
      else findings.set(`${file}:${message.line} ${message.ruleId}`, message.message);
    }
  }
  return { findings, problems };
}

/**
 * What differs, written to be read in a failure: findings the markers expect that lint did not
 * report (with the marked line), and findings lint reported with no marker (with its message).
 */
function compare(root: string): { missing: string[]; unexpected: string[]; problems: string[] } {
  const expected = expectedFindings(root);
  const { findings, problems } = lintProject(root);
  const order = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });
  const missing = [...expected.keys()].filter((key) => !findings.has(key)).sort(order);
  const unexpected = [...findings.keys()].filter((key) => !expected.has(key)).sort(order);
  return {
    missing: missing.map((key) => `${key}    | ${expected.get(key)}`),
    unexpected: unexpected.map((key) => `${key}    | ${findings.get(key)}`),
    problems,
  };
}

/** A copy of a fixture in a fresh temp directory, where no node_modules is reachable. */
function copyFixture(name: string): string {
  const root = makeTempDir(`${name}-`);
  cpSync(join(FIXTURES, name), root, { recursive: true });
  return root;
}

/**
 * A stand-in for the `next` package: its package.json and the part of `next/server` the fixture
 * uses. `next` itself is too large to install for tests (hundreds of megabytes with its SWC
 * binaries), and the linter only needs the types of these three exports.
 */
function installNextStandIn(root: string): void {
  const dir = join(root, 'node_modules', 'next');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'next', version: '15.3.4' }, null, 2)}\n`);
  writeFileSync(
    join(dir, 'server.d.ts'),
    `type AfterTask<T = unknown> = Promise<T> | (() => T | Promise<T>);

/** Runs the task after the response (or prerender) has finished; a rejection is caught and logged. */
export declare function after<T>(task: AfterTask<T>): void;

export declare class NextRequest extends Request {
  readonly nextUrl: URL;
  readonly cookies: { get(name: string): { name: string; value: string } | undefined };
}

export declare class NextResponse<Body = unknown> extends Response {
  static json<JsonBody>(body: JsonBody, init?: ResponseInit): NextResponse<JsonBody>;
  static redirect(url: string | URL, init?: number | ResponseInit): NextResponse;
  static next(init?: ResponseInit): NextResponse;
}
`,
  );
}

const NO_DIFFERENCES = { missing: [], unexpected: [], problems: [] };

describe.each(['express4-bullmq', 'hono-openapi', 'next-app', 'next-bullmq-platform'])('uncaught-task-error on the %s fixture project', (name) => {
  it('marks at least one expected finding, so the comparison means something', () => {
    expect(expectedFindings(join(FIXTURES, name)).size).toBeGreaterThan(0);
  });

  it('reports exactly the marked findings when linted in place (the repository node_modules resolves its libraries)', () => {
    expect(compare(join(FIXTURES, name))).toEqual(NO_DIFFERENCES);
  });

  it('reports exactly the marked findings when linted from a copy with no node_modules', () => {
    expect(compare(copyFixture(name))).toEqual(NO_DIFFERENCES);
  });
});

describe('uncaught-task-error on the next-app fixture with a stand-in next package', () => {
  it('reports exactly the marked findings when next/server has types', () => {
    const root = copyFixture('next-app');
    installNextStandIn(root);
    expect(compare(root)).toEqual(NO_DIFFERENCES);
  });
});

describe('the next-bullmq-platform fixture with a stand-in next package', () => {
  it('reports exactly the marked findings when next/server has types', () => {
    const root = copyFixture('next-bullmq-platform');
    installNextStandIn(root);
    expect(compare(root)).toEqual(NO_DIFFERENCES);
  });
});
