import { Project } from 'ts-morph';
import { describe, expect, it } from 'vitest';
import { lintSourceFiles } from '../../src/linter/engine.js';
import { defineRule } from '../../src/rules/rule.js';

describe('lintSourceFiles', () => {
  // A rule with a bug that only one file's shape triggers.
  const rule = defineRule({
    id: 'fragile',
    description: 'Reports every `todo` identifier; throws on a file that declares `explode`.',
    defaultSeverity: 'error',
    messages: { todo: 'A todo.' },
    *check({ sourceFile }) {
      if (sourceFile.getVariableDeclaration('explode') !== undefined) throw new TypeError('cannot read properties of undefined');
      for (const declaration of sourceFile.getVariableDeclarations()) {
        if (declaration.getName() === 'todo') yield { node: declaration, messageId: 'todo' };
      }
    },
  });

  it('turns a rule that throws on one file into a fatal message of that file; the other files keep their findings', () => {
    const project = new Project({ useInMemoryFileSystem: true });
    const broken = project.createSourceFile('/p/broken.ts', 'const explode = 1;\nconst todo = 2;\n');
    const fine = project.createSourceFile('/p/fine.ts', 'const todo = 1;\n');
    const { results, failures } = lintSourceFiles(project, [broken, fine], new Map([['fragile', 2]]), { readFile: () => undefined }, { fragile: rule });
    expect(results.map((result) => result.messages.map((message) => [message.ruleId, message.fatal ?? false, message.line]))).toEqual([
      [[null, true, 1]],
      [['fragile', false, 1]],
    ]);
    expect(results[0]?.messages[0]?.message).toBe('Rule fragile could not check this file (cannot read properties of undefined); please report this bug.');
    expect(results[0]?.fatalErrorCount).toBe(1);
    expect(failures.map((failure) => [failure.ruleId, failure.filePath])).toEqual([['fragile', '/p/broken.ts']]);
  });
});
