import { Project, SyntaxKind } from 'ts-morph';
import { describe, expect, it } from 'vitest';
import { lintSourceFiles, toEditInfo } from '../../src/linter/engine.js';
import { applyFixes } from '../../src/linter/fix.js';
import type { EditInfo, LintMessage } from '../../src/linter/types.js';
import { defineRule, fixer } from '../../src/rules/rule.js';

function message(fix: EditInfo | undefined, severity: 1 | 2 = 2): LintMessage {
  return { ruleId: 'test-rule', severity, message: 'm', line: 1, column: 1, ...(fix !== undefined && { fix }) };
}

describe('applyFixes', () => {
  const source = 'const a = 1;\nconst b = 2;\n';

  it('applies fixes in range order and leaves one that overlaps or touches a fix already taken', () => {
    const one = message({ range: [6, 7], text: 'x' });
    const two = message({ range: [19, 20], text: 'y' });
    const overlapping = message({ range: [6, 9], text: 'z = ' });
    const touching = message({ range: [7, 7], text: 'w' });
    const { output, fixed } = applyFixes(source, [two, overlapping, touching, one], { fileName: 'a.ts' });
    expect(output).toBe('const x = 1;\nconst y = 2;\n');
    expect(fixed).toEqual([one, two]);
  });

  it('does not apply a fix after which the file would not parse, and keeps the others', () => {
    const breaking = message({ range: [0, 5], text: 'const (' });
    const good = message({ range: [19, 20], text: 'y' });
    const { output, fixed } = applyFixes(source, [breaking, good], { fileName: 'a.ts' });
    expect(output).toBe('const a = 1;\nconst y = 2;\n');
    expect(fixed).toEqual([good]);
  });

  it('keeps, of fixes that parse alone but not together, those that parse with the ones before', () => {
    const code = 'if (a) b(); c();\n';
    const addStatement = message({ range: [7, 11], text: 'b(); d();' });
    const addElse = message({ range: [12, 16], text: 'else c();' });
    const { output, fixed } = applyFixes(code, [addElse, addStatement], { fileName: 'a.ts' });
    expect(output).toBe('if (a) b(); d(); c();\n');
    expect(fixed).toEqual([addStatement]);
  });

  it('does not touch a file that does not parse to begin with', () => {
    const broken = 'const a = ;\n';
    expect(applyFixes(broken, [message({ range: [10, 10], text: '1' })], { fileName: 'a.ts' })).toEqual({ output: broken, fixed: [] });
  });

  it('applies only the fixes the predicate accepts (--quiet: errors only)', () => {
    const warning = message({ range: [6, 7], text: 'x' }, 1);
    const error = message({ range: [19, 20], text: 'y' }, 2);
    const { output } = applyFixes(source, [warning, error], { fileName: 'a.ts', shouldFix: (m) => m.severity === 2 });
    expect(output).toBe('const a = 1;\nconst y = 2;\n');
  });

  it('reads .tsx files as TSX', () => {
    const tsx = 'export const a = <div>{1}</div>;\n';
    const { output } = applyFixes(tsx, [message({ range: [23, 24], text: '2' })], { fileName: 'a.tsx' });
    expect(output).toBe('export const a = <div>{2}</div>;\n');
  });
});

describe('toEditInfo', () => {
  it('merges a fix’s edits into ESLint’s one edit, keeping the text between them', () => {
    expect(toEditInfo([{ range: [13, 18], text: 'let' }, { range: [0, 5], text: 'var' }], 'const a = 1;\nconst b = 2;\n')).toEqual({
      range: [0, 18],
      text: 'var a = 1;\nlet',
    });
  });

  it('refuses edits that overlap or leave the file', () => {
    expect(() => toEditInfo([{ range: [0, 5], text: '' }, { range: [3, 6], text: '' }], 'const a = 1;')).toThrow(/overlap/);
    expect(() => toEditInfo({ range: [0, 50], text: '' }, 'const a = 1;')).toThrow(/leave the file/);
  });
});

describe('the engine and a rule’s fixes', () => {
  // A contrived rule: a good fix on `var`, a fix that breaks parsing on `let`, and a suggestion.
  const rule = defineRule({
    id: 'contrived',
    description: 'Contrived.',
    defaultSeverity: 'error',
    messages: { noVar: '`var` here.', noLet: '`let` here.', useConst: 'Use `const`.' },
    *check({ sourceFile }) {
      for (const list of sourceFile.getDescendantsOfKind(SyntaxKind.VariableDeclarationList)) {
        const keyword = list.getFirstChildOrThrow();
        if (keyword.getText() === 'var') yield { node: keyword, messageId: 'noVar', fix: fixer.replaceText(keyword, 'const') };
        if (keyword.getText() === 'let') {
          yield {
            node: keyword,
            messageId: 'noLet',
            fix: [fixer.insertTextBefore(keyword, '('), fixer.remove(keyword)],
            suggestions: [{ messageId: 'useConst', fix: fixer.replaceText(keyword, 'const') }, { desc: 'Break it.', fix: fixer.insertTextAfter(keyword, ' )') }],
          };
        }
      }
    },
  });

  function lintText(text: string) {
    const project = new Project({ useInMemoryFileSystem: true, compilerOptions: { strict: true } });
    const file = project.createSourceFile('/p/a.ts', text);
    const { results, failures } = lintSourceFiles(project, [file], new Map([['contrived', 2]]), { readFile: () => undefined }, { contrived: rule });
    expect(failures).toEqual([]);
    return results[0]!;
  }

  it('gives ESLint’s fix and suggestions, drops the ones that would not parse, and counts what is fixable', () => {
    const result = lintText('var a = 1;\nlet b = 2;\n');
    const [noVar, noLet] = result.messages;
    expect(noVar).toMatchObject({ messageId: 'noVar', fix: { range: [0, 3], text: 'const' } });
    expect(noLet?.fix).toBeUndefined();
    expect(noLet?.suggestions).toEqual([{ desc: 'Use `const`.', messageId: 'useConst', fix: { range: [11, 14], text: 'const' } }]);
    expect(result).toMatchObject({ errorCount: 2, fixableErrorCount: 1, fixableWarningCount: 0 });
  });

  it('offers no fix in a file that does not parse', () => {
    const result = lintText('var a = ;\n');
    expect(result.messages.map((m) => [m.ruleId, m.fix])).toEqual([
      ['contrived', undefined],
      [null, undefined],
    ]);
    expect(result.fixableErrorCount).toBe(0);
  });
});
