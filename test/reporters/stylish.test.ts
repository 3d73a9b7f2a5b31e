import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { stylish } from '../../src/reporters/stylish.js';
import { context, fixtureResults, result } from './fixtures.js';

const cwd = '/repo';

describe('stylish', () => {
  it('groups problems by relative path with aligned columns and a summary', () => {
    expect(stylish(fixtureResults(cwd), context(cwd))).toBe(
      [
        '',
        'src/jobs/email.ts',
        '   4:28  warning  Worker `emailWorker` has no `failed` listener, so job failures are silent               require-worker-error-listener',
        "  13:3   error    `queue.add('welcome', { userId })` returns a promise that is never awaited              no-floating-enqueue",
        "  20:1   warning  Unused bgtask-disable directive (no problems were reported from 'no-floating-enqueue')",
        '',
        'src/routes/orders.ts',
        '    8:8   error  `recalculateTotals(req.params.id)` runs after the response without a `.catch()`, so a rejection crashes the server  no-unawaited-background-task',
        '  106:22  error  `recalculateTotals(req.params.id)` runs after the response without a `.catch()`, so a rejection crashes the server  no-unawaited-background-task',
        '',
        '✖ 5 problems (3 errors, 2 warnings)',
        '',
      ].join('\n'),
    );
  });

  it('returns an empty string when no file has problems', () => {
    const results = fixtureResults(cwd).map((r) => ({ ...r, messages: [], errorCount: 0, warningCount: 0 }));
    expect(stylish(results, context(cwd))).toBe('');
    expect(stylish([], context(cwd))).toBe('');
  });

  it('uses singular nouns for one problem and shows fatal messages as errors', () => {
    const fatal = result('/repo/src/broken.ts', [
      { ruleId: null, fatal: true, severity: 1, message: "Parsing error: ')' expected.", line: 7, column: 12 },
    ]);
    expect(stylish([fatal], context(cwd))).toBe(
      "\nsrc/broken.ts\n  7:12  error  Parsing error: ')' expected\n\n✖ 1 problem (1 error, 0 warnings)\n",
    );
  });

  it('matches the layout of ESLint’s own stylish formatter', async () => {
    const { ESLint } = await import('eslint');
    const formatter = await new ESLint({ cwd }).loadFormatter('stylish');
    const results = fixtureResults(cwd);
    const eslintText = stripVTControlCharacters(await formatter.format(JSON.parse(JSON.stringify(results))));
    expect(stylish(results, context(cwd))).toBe(eslintText.replaceAll(`${cwd}/`, ''));
  });

  it('colors through kleur only when asked to', () => {
    const colored = stylish(fixtureResults(cwd), context(cwd, { color: true }));
    expect(colored).toMatch(/\u001b\[4msrc\/jobs\/email\.ts\u001b\[24m/);
    expect(colored).toContain('\u001b[31merror\u001b[39m');
    expect(colored).toContain('\u001b[33mwarning\u001b[39m');
    expect(stripVTControlCharacters(colored)).toBe(stylish(fixtureResults(cwd), context(cwd)));
    expect(stylish(fixtureResults(cwd), context(cwd))).not.toContain('\u001b[');
  });
});
