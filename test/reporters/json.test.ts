import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { json } from '../../src/reporters/json.js';
import { context, fixtureResults } from './fixtures.js';

const cwd = '/repo';

describe('json', () => {
  it('is the LintResult array, unchanged', () => {
    const results = fixtureResults(cwd);
    const output = json(results, context(cwd));
    expect(JSON.parse(output)).toStrictEqual(results);
    expect(output).toBe(JSON.stringify(results));
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
