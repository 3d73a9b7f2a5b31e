import { ts } from 'ts-morph';
import { describe, expect, it } from 'vitest';
import { findDirectives, parseDirectiveText } from '../../src/linter/directives.js';

describe('parseDirectiveText (ESLint grammar)', () => {
  it.each([
    [' bgtask-disable-next-line uncaught-task-error', { kind: 'disable-next-line', ruleIds: ['uncaught-task-error'], justification: '' }],
    [' bgtask-disable-next-line a, b -- because', { kind: 'disable-next-line', ruleIds: ['a', 'b'], justification: 'because' }],
    [' bgtask-disable-line a ---- long dashes', { kind: 'disable-line', ruleIds: ['a'], justification: 'long dashes' }],
    [' bgtask-disable-file', { kind: 'disable-file', ruleIds: [], justification: '' }],
    [' bgtask-disable-file a-b -- reason with -- inside', { kind: 'disable-file', ruleIds: ['a-b'], justification: 'reason with -- inside' }],
    [' bgtask-disable a, b -- legacy', { kind: 'disable', ruleIds: ['a', 'b'], justification: 'legacy' }],
    [' bgtask-enable', { kind: 'enable', ruleIds: [], justification: '' }],
  ])('%s', (text, expected) => {
    expect(parseDirectiveText(text)).toEqual(expected);
  });

  it.each([' bgtask-disable-next-lines a', ' eslint-disable-next-line a', ' see bgtask-disable-line a', ' bgtask-disabled', ' bgtask-enabled a', ' bgtask-disable-all'])('ignores %s', (text) => {
    expect(parseDirectiveText(text)).toBeUndefined();
  });
});

describe('findDirectives', () => {
  it('finds line and block comments (ranges only in block ones), not look-alikes in strings, templates or JSDoc', () => {
    const text = [
      "const s = '// bgtask-disable-next-line a';",
      'const t = `/* bgtask-disable-file a */ ${s}`;',
      '// bgtask-disable-next-line a -- real',
      'call(); // bgtask-disable-line b',
      '/* bgtask-disable-next-line c -- reason',
      '   over two lines */',
      'other();',
      '// bgtask-disable-file d',
      'function f() {',
      '  g();',
      '  /* bgtask-enable e */',
      '}',
      '/**',
      ' * @see // bgtask-disable',
      ' */',
      'call(); // bgtask-disable',
    ].join('\n');
    const source = ts.createSourceFile('x.ts', text, ts.ScriptTarget.Latest, true);
    expect(findDirectives(source).map((d) => [d.kind, d.ruleIds.join(','), d.line, d.targetLine])).toEqual([
      ['disable-next-line', 'a', 3, 4],
      ['disable-line', 'b', 4, 4],
      ['disable-next-line', 'c', 5, 7],
      ['disable-file', 'd', 8, 8],
      ['enable', 'e', 11, 11],
    ]);
  });
});
