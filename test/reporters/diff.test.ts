import { describe, expect, it } from 'vitest';
import { formatFixDiff } from '../../src/reporters/diff.js';

const file = { filePath: '/repo/src/app.ts', source: 'a\nb\nc\n', output: 'a\nB\nc\n', fixCount: 1 };

describe('formatFixDiff', () => {
  it('is a git-style unified diff with paths relative to cwd', () => {
    expect(formatFixDiff([file, { ...file, filePath: '/repo/src/other.ts' }], { cwd: '/repo', color: false })).toBe(
      ['--- a/src/app.ts', '+++ b/src/app.ts', '@@ -1,3 +1,3 @@', ' a', '-b', '+B', ' c', '--- a/src/other.ts', '+++ b/src/other.ts', '@@ -1,3 +1,3 @@', ' a', '-b', '+B', ' c', ''].join('\n'),
    );
  });

  it('is empty when nothing changes, and coloured only when asked', () => {
    expect(formatFixDiff([], { cwd: '/repo', color: true })).toBe('');
    expect(formatFixDiff([file], { cwd: '/repo', color: true })).toMatch(/\u001b\[32m\+B\u001b\[39m/);
  });
});
