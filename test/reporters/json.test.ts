import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { json } from '../../src/reporters/json.js';
import type { LintResult, SuppressedLintMessage } from '../../src/linter/types.js';
import { context, fixtureResults, interproceduralResult } from './fixtures.js';

const cwd = '/repo';

describe('json', () => {
  it('is the LintResult array, unchanged', () => {
    const results = fixtureResults(cwd);
    const output = json(results, context(cwd));
    expect(JSON.parse(output)).toStrictEqual(results);
    expect(output).toBe(JSON.stringify(results));
  });

  it('leaves out related locations and code flows, which are not in ESLint’s shape', () => {
    const interprocedural = interproceduralResult(cwd);
    const [message] = interprocedural.messages;
    const suppressed: SuppressedLintMessage = { ...message!, suppressions: [{ kind: 'directive', justification: 'caught upstream' }] };
    interprocedural.suppressedMessages = [suppressed];

    const [output] = JSON.parse(json([interprocedural], context(cwd))) as LintResult[];
    const { relatedLocations, codeFlow, ...eslintMessage } = message!;
    expect(relatedLocations).toHaveLength(1);
    expect(codeFlow).toHaveLength(2);
    expect(output).toStrictEqual({ ...interprocedural, messages: [eslintMessage], suppressedMessages: [{ ...eslintMessage, suppressions: suppressed.suppressions }] });
    // The input is not changed: the SARIF reporter, run on the same results, still needs them.
    expect(interprocedural.messages[0]).toHaveProperty('codeFlow');
  });

  it('is read by ESLint’s own stylish formatter', async () => {
    const output = json(fixtureResults(cwd), context(cwd));
    const { ESLint } = await import('eslint');
    const eslint = new ESLint();
    const formatter = await eslint.loadFormatter('stylish');
    const text = stripVTControlCharacters(await formatter.format(JSON.parse(output)));

    for (const ruleId of ['require-worker-error-listener', 'no-floating-enqueue', 'no-unawaited-background-task']) {
      expect(text).toContain(ruleId);
    }
    for (const position of ['4:28', '13:3', '20:1', '8:8', '106:22']) {
      expect(text).toMatch(new RegExp(`^ +${position} +(error|warning) `, 'm'));
    }
    expect(text).toContain('/repo/src/jobs/email.ts');
    expect(text).toContain('✖ 5 problems (3 errors, 2 warnings)');
  });
});
