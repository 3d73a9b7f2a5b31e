import { describe, expect, it } from 'vitest';
import { github } from '../../src/reporters/github.js';
import { stylish } from '../../src/reporters/stylish.js';
import { context, fixtureResults, result } from './fixtures.js';

const cwd = '/repo';
const unawaited =
  '`recalculateTotals(req.params.id)` runs after the response without a `.catch()`, so a rejection crashes the server.';

describe('github', () => {
  it('emits one workflow command per problem, then the plain stylish report', () => {
    const results = fixtureResults(cwd);
    const output = github(results, context(cwd, { color: true }));
    const annotations = [
      '::warning file=src/jobs/email.ts,line=4,endLine=9,title=bgtask (require-worker-error-listener)::Worker `emailWorker` has no `failed` listener, so job failures are silent.',
      "::error file=src/jobs/email.ts,line=13,col=3,endLine=13,endColumn=35,title=bgtask (no-floating-enqueue)::`queue.add('welcome', { userId })` returns a promise that is never awaited.",
      "::warning file=src/jobs/email.ts,line=20,col=1,endLine=20,endColumn=73,title=bgtask::Unused bgtask-disable directive (no problems were reported from 'no-floating-enqueue').",
      `::error file=src/routes/orders.ts,line=8,col=8,endLine=8,endColumn=40,title=bgtask (no-unawaited-background-task)::${unawaited}`,
      `::error file=src/routes/orders.ts,line=106,col=22,endLine=106,endColumn=54,title=bgtask (no-unawaited-background-task)::${unawaited}`,
    ];
    const report = stylish(results, context(cwd));
    expect(report).toContain('✖ 5 problems (3 errors, 2 warnings)');
    expect(output).toBe(`${annotations.join('\n')}\n${report}`);
    expect(output).not.toContain('\u001b[');
  });

  it('escapes data and property values like @actions/core', () => {
    const odd = result('/repo/src/odd,name:100%\n.ts', [
      {
        ruleId: 'no-floating-enqueue',
        severity: 2,
        message: 'Job `a:b` failed 100%,\r\nthen retried.',
        line: 2,
        column: 5,
        endLine: 2,
        endColumn: 9,
      },
      { ruleId: null, severity: 2, message: 'Multi\nline', line: 3, column: 1, endLine: 5, endColumn: 2 },
    ]);
    const [first, second] = github([odd], context(cwd)).split('\n');
    expect(first).toBe(
      '::error file=src/odd%2Cname%3A100%25%0A.ts,line=2,col=5,endLine=2,endColumn=9,title=bgtask (no-floating-enqueue)::Job `a:b` failed 100%25,%0D%0Athen retried.',
    );
    expect(second).toBe('::error file=src/odd%2Cname%3A100%25%0A.ts,line=3,endLine=5,title=bgtask::Multi%0Aline');
  });

  it('keeps the column when the message has no end position', () => {
    const point = result('/repo/a.ts', [{ ruleId: 'no-floating-enqueue', severity: 1, message: 'x', line: 1, column: 4 }]);
    expect(github([point], context(cwd)).split('\n')[0]).toBe(
      '::warning file=a.ts,line=1,col=4,title=bgtask (no-floating-enqueue)::x',
    );
  });

  it('prints nothing for a clean run', () => {
    expect(github([result('/repo/src/index.ts', [])], context(cwd))).toBe('');
  });
});
