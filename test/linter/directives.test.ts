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

/** The directives findDirectives finds in `lines`, as [kind, rule ids, line, target line]; `.tsx` parses JSX. */
function directivesIn(lines: string[], fileName = 'x.ts'): [string, string, number, number][] {
  const kind = fileName.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const source = ts.createSourceFile(fileName, lines.join('\n'), ts.ScriptTarget.Latest, true, kind);
  return findDirectives(source).map((d) => [d.kind, d.ruleIds.join(','), d.line, d.targetLine]);
}

describe('findDirectives', () => {
  it('finds line and block comments (ranges only in block ones), not look-alikes in strings, templates or JSDoc', () => {
    const lines = [
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
    ];
    expect(directivesIn(lines)).toEqual([
      ['disable-next-line', 'a', 3, 4],
      ['disable-line', 'b', 4, 4],
      ['disable-next-line', 'c', 5, 7],
      ['disable-file', 'd', 8, 8],
      ['enable', 'e', 11, 11],
    ]);
  });

  it('finds comments after a comma that follows a node: in objects, arrays and arguments, last or not', () => {
    const lines = [
      'const order = {',
      '  receipt: send(), // bgtask-disable-line a',
      '  audit: log(), // bgtask-disable-line b',
      '  /* bgtask-enable c */',
      '};',
      'call(',
      '  first(), // bgtask-disable-line d',
      '  second(),',
      ');',
      'const all = [',
      '  one(), // bgtask-disable-line e',
      '];',
      // A comment or a line break between the node and its comma.
      'call(a /* note */ , // bgtask-disable-line f',
      '  b);',
      'call(',
      '  a',
      '  , // bgtask-disable-line g',
      ');',
    ];
    expect(directivesIn(lines)).toEqual([
      ['disable-line', 'a', 2, 2],
      ['disable-line', 'b', 3, 3],
      ['enable', 'c', 4, 4],
      ['disable-line', 'd', 7, 7],
      ['disable-line', 'e', 11, 11],
      ['disable-line', 'f', 13, 13],
      ['disable-line', 'g', 17, 17],
    ]);
  });

  it("finds a comment before a node on its trivia's first line: after `(`, `=`, `:` and in a JSX expression", () => {
    const lines = [
      'f(/* bgtask-disable-line a */ x);',
      'const y = /* bgtask-disable-line b */ g();',
      'const o = { k: /* bgtask-disable-line c */ h() };',
      'const e = <p>{/* bgtask-disable-line d */ send()}</p>;',
      'const s = `${/* bgtask-disable-line e */ v}// bgtask-disable-line not-a-comment`;',
    ];
    expect(directivesIn(lines, 'x.tsx')).toEqual([
      ['disable-line', 'a', 1, 1],
      ['disable-line', 'b', 2, 2],
      ['disable-line', 'c', 3, 3],
      ['disable-line', 'd', 4, 4],
      ['disable-line', 'e', 5, 5],
    ]);
  });

  it("reads JSX text as text, and finds a JSX child's {/* comment */}", () => {
    const lines = [
      'const page = (',
      '  <main>',
      '    // bgtask-disable-line a',
      '    {name}, // bgtask-disable-line b',
      '    /* bgtask-disable c */',
      '    <>// bgtask-disable-line d</>',
      '    {/* bgtask-disable-next-line e */}',
      '    {render()}',
      '  </main>',
      ');',
    ];
    expect(directivesIn(lines, 'x.tsx')).toEqual([['disable-next-line', 'e', 7, 8]]);
  });
});
