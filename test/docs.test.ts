import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ruleList, rules } from '../src/rules/index.js';
import { ruleTester } from './helpers/rule-tester.js';

const ROOT = join(import.meta.dirname, '..');
const REQUIRED_HEADINGS = ['## Why', '## Examples', '### Incorrect', '### Correct', '## Options', '## Fix availability', '## When Not To Use It', '## Related'];

function examples(markdown: string, kind: 'incorrect' | 'correct'): string[] {
  const pattern = new RegExp('```ts ' + kind + '\\n([\\s\\S]*?)```', 'g');
  return [...markdown.matchAll(pattern)].map((match) => match[1] ?? '');
}

describe('rule registry', () => {
  const ruleFiles = readdirSync(join(ROOT, 'src', 'rules'))
    .filter((name) => name.endsWith('.ts') && !['index.ts', 'rule.ts', 'docs-url.ts'].includes(name))
    .map((name) => basename(name, '.ts'));

  it('registers every rule file under its own id', () => {
    expect(Object.keys(rules).sort()).toEqual(ruleFiles.sort());
    for (const [id, rule] of Object.entries(rules)) expect(rule.id).toBe(id);
  });

  it('gives every rule a test file and a docs page', () => {
    for (const rule of ruleList) {
      expect(existsSync(join(ROOT, 'test', 'rules', `${rule.id}.test.ts`)), `test/rules/${rule.id}.test.ts`).toBe(true);
      expect(existsSync(join(ROOT, 'docs', 'rules', `${rule.id}.md`)), `docs/rules/${rule.id}.md`).toBe(true);
    }
  });

  it('lists exactly the registered rules in the shipped JSON schema', () => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'bgtask.schema.json'), 'utf8')) as {
      properties: { rules: { properties: Record<string, unknown> } };
    };
    expect(Object.keys(schema.properties.rules.properties).sort()).toEqual(Object.keys(rules).sort());
  });
});

for (const rule of ruleList) {
  const path = join(ROOT, 'docs', 'rules', `${rule.id}.md`);
  const markdown = existsSync(path) ? readFileSync(path, 'utf8') : '';

  describe(`docs/rules/${rule.id}.md`, () => {
    it('has the title, the description and every required section', () => {
      expect(markdown.startsWith(`# ${rule.id}\n`)).toBe(true);
      for (const heading of REQUIRED_HEADINGS) expect(markdown).toContain(`\n${heading}\n`);
    });

    it('has incorrect and correct examples', () => {
      expect(examples(markdown, 'incorrect').length).toBeGreaterThan(0);
      expect(examples(markdown, 'correct').length).toBeGreaterThan(0);
    });
  });

  // Every incorrect example must be reported at least once, every correct one never.
  ruleTester(rule, {
    valid: examples(markdown, 'correct').map((code, index) => ({ code, name: `docs: correct example ${index + 1}` })),
    invalid: examples(markdown, 'incorrect').map((code, index) => ({ code, name: `docs: incorrect example ${index + 1}`, errors: 'some' as const })),
  });
}
