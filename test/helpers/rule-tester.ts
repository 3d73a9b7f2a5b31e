import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Project, type SourceFile } from 'ts-morph';
import { beforeAll, describe, expect, it } from 'vitest';
import { lintSourceFiles } from '../../src/linter/engine.js';
import { applyEdits, applyFixes } from '../../src/linter/fix.js';
import type { LintMessage } from '../../src/linter/types.js';
import type { Rule } from '../../src/rules/rule.js';

const REPO = join(import.meta.dirname, '..', '..');
const RUNTIME_DIR = join(REPO, 'templates', 'runtime');

export interface ExpectedError {
  messageId: string;
  line: number;
  /** What the message must say, where the case is about its wording. */
  message?: RegExp;
  /** The lines of the call path shown with the finding (SARIF's code flow), from where the work starts. */
  pathLines?: number[];
  /** The lines of the other places with the same root cause (SARIF's related locations). */
  relatedLines?: number[];
  /** The suggestions, in order, each as src/app.ts once it is applied. */
  suggestions?: { messageId: string; output: string }[];
}

export interface RuleCase {
  /** Contents of src/app.ts; may import `./background/tasks.js` and the adapters, `express`, `fastify`, `hono`. */
  code: string;
  /**
   * More files of the same project, by path relative to the project root (linted too); `package.json`
   * files are not linted but read, as on disk (the Express version comes from them).
   */
  files?: Record<string, string>;
  /** A name for the test; defaults to the code's first meaningful line. */
  name?: string;
}

export interface InvalidCase extends RuleCase {
  /** The exact findings; `'some'` (for doc examples) asks for at least one. */
  errors: ExpectedError[] | 'some';
  /** src/app.ts after one pass of the fixes (as ESLint's RuleTester); `null`: no fix changes it. */
  output?: string | null;
}

function caseName(testCase: RuleCase): string {
  if (testCase.name !== undefined) return testCase.name;
  const line = testCase.code
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '' && !l.startsWith('import') && !l.startsWith('//'));
  return (line ?? testCase.code).slice(0, 90);
}

/**
 * Runs one rule over valid and invalid snippets, typescript-eslint style. Each snippet is a small
 * project under the repository (so `express` and friends resolve from node_modules) with the real
 * runtime templates beside it, kept in memory: nothing is written to disk.
 */
export function ruleTester(rule: Rule, cases: { valid: (string | RuleCase)[]; invalid: InvalidCase[] }): void {
  const valid = cases.valid.map((c) => (typeof c === 'string' ? { code: c } : c));
  const messagesByCase = new Map<number, LintMessage[]>();
  const appMessagesByCase = new Map<number, LintMessage[]>();
  const all: RuleCase[] = [...valid, ...cases.invalid];

  describe(rule.id, () => {
    beforeAll(() => {
      const project = new Project({
        compilerOptions: { strict: true, target: 99, module: 199, moduleResolution: 99, skipLibCheck: true, noEmit: true },
        skipAddingFilesFromTsConfig: true,
        skipFileDependencyResolution: true,
      });
      const runtimeFiles = ['tasks.ts', 'express.ts', 'fastify.ts', 'hono.ts'].filter((name) => existsSync(join(RUNTIME_DIR, name)));
      const linted: { index: number; files: SourceFile[] }[] = [];
      const manifests = new Map<string, string>();
      all.forEach((testCase, index) => {
        const root = join(REPO, 'test', '.virtual', rule.id, `case-${index}`);
        // The runtime only where the case uses it: whether it is installed changes the advice messages give.
        const usesRuntime = [testCase.code, ...Object.values(testCase.files ?? {})].some((text) => text.includes('background/'));
        for (const name of usesRuntime ? runtimeFiles : []) {
          project.createSourceFile(join(root, 'src', 'background', name), readFileSync(join(RUNTIME_DIR, name), 'utf8'), { overwrite: true });
        }
        // Each case is a package of its own, so that package-wide facts (an unhandledRejection handler) stay in it.
        manifests.set(join(root, 'package.json'), '{}');
        const files = [project.createSourceFile(join(root, 'src', 'app.ts'), testCase.code, { overwrite: true })];
        for (const [path, text] of Object.entries(testCase.files ?? {})) {
          if (path.endsWith('package.json')) manifests.set(join(root, path), text);
          else files.push(project.createSourceFile(join(root, path), text, { overwrite: true }));
        }
        linted.push({ index, files });
      });
      const { results, failures } = lintSourceFiles(
        project,
        linted.flatMap((entry) => entry.files),
        new Map([[rule.id, 2]]),
        // Only the cases' own manifests: the repository's package.json is not the project's.
        { readFile: (path) => manifests.get(path) },
      );
      if (failures.length > 0) throw failures[0]?.error;
      const byPath = new Map(results.map((result) => [result.filePath, result.messages]));
      for (const entry of linted) {
        const app = entry.files[0];
        if (app !== undefined) appMessagesByCase.set(entry.index, (byPath.get(app.getFilePath()) ?? []).filter((m) => m.ruleId === rule.id));
        messagesByCase.set(
          entry.index,
          entry.files.flatMap((file) => (byPath.get(file.getFilePath()) ?? []).filter((m) => m.ruleId === rule.id)),
        );
      }
    }, 120_000);

    describe('valid', () => {
      valid.forEach((testCase, index) => {
        it(caseName(testCase), () => {
          const messages = messagesByCase.get(index) ?? [];
          expect(messages.map((m) => `${m.line}: ${m.messageId} ${m.message}`)).toEqual([]);
        });
      });
    });

    describe('invalid', () => {
      cases.invalid.forEach((testCase, offset) => {
        it(caseName(testCase), () => {
          const messages = messagesByCase.get(valid.length + offset) ?? [];
          const actual = messages.map((m) => ({ messageId: m.messageId, line: m.line }));
          if (testCase.errors === 'some') {
            expect(actual.length).toBeGreaterThan(0);
            return;
          }
          expect(actual).toEqual(testCase.errors.map(({ messageId, line }) => ({ messageId, line })));
          testCase.errors.forEach((expected, position) => {
            const message = messages[position];
            if (expected.message !== undefined) expect(message?.message).toMatch(expected.message);
            if (expected.pathLines !== undefined) expect(message?.codeFlow?.map((step) => step.line)).toEqual(expected.pathLines);
            if (expected.relatedLines !== undefined) expect(message?.relatedLocations?.map((location) => location.line)).toEqual(expected.relatedLines);
            if (expected.suggestions !== undefined) {
              const suggested = (message?.suggestions ?? []).map((s) => ({ messageId: s.messageId, output: applyEdits(testCase.code, [s.fix]) }));
              expect(suggested).toEqual(expected.suggestions);
            }
          });
          if (testCase.output !== undefined) {
            const appMessages = appMessagesByCase.get(valid.length + offset) ?? [];
            const { output } = applyFixes(testCase.code, appMessages, { fileName: 'app.ts' });
            expect(output).toBe(testCase.output ?? testCase.code);
          }
          // A message is one line a reader takes in at a glance; the why and the how live in the rule's docs.
          for (const message of messages) expect(message.message.length, message.message).toBeLessThanOrEqual(160);
        });
      });
    });
  });
}
