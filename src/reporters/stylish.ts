import { isAbsolute, relative, sep } from 'node:path';
import kleur from 'kleur';
import type { LintMessage } from '../linter/types.js';
import type { Reporter } from './reporter.js';

type Paint = (text: string) => string;

interface Palette {
  underline: Paint;
  dim: Paint;
  red: Paint;
  yellow: Paint;
  summary: (isError: boolean) => Paint;
  reset: Paint;
}

// kleur consults its global `enabled` flag (set from TTY/NO_COLOR at import time) on every call,
// but the CLI has already decided through `context.color`, so force it for the duration of the call.
export function forced(paint: (text: string) => string): Paint {
  return (text) => {
    const previous = kleur.enabled;
    kleur.enabled = true;
    try {
      return paint(text);
    } finally {
      kleur.enabled = previous;
    }
  };
}

const identity: Paint = (text) => text;

const colors: Palette = {
  underline: forced((t) => kleur.underline(t)),
  dim: forced((t) => kleur.dim(t)),
  red: forced((t) => kleur.red(t)),
  yellow: forced((t) => kleur.yellow(t)),
  summary: (isError) => forced((t) => (isError ? kleur.red().bold(t) : kleur.yellow().bold(t))),
  reset: forced((t) => kleur.reset(t)),
};

const plain: Palette = {
  underline: identity,
  dim: identity,
  red: identity,
  yellow: identity,
  summary: () => identity,
  reset: identity,
};

/** The path shown to users and written to CI formats: relative to `cwd`, with `/` separators. */
export function displayPath(filePath: string, cwd: string): string {
  const rel = isAbsolute(filePath) ? relative(cwd, filePath) : filePath;
  return rel.split(sep).join('/');
}

export function isError(message: LintMessage): boolean {
  return message.fatal === true || message.severity === 2;
}

function pluralize(word: string, count: number): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

// ESLint's stylish drops one trailing period so the rule id reads as the end of the sentence.
function stripTrailingPeriod(text: string): string {
  return text.length > 1 && text.endsWith('.') && text.at(-2) !== ' ' ? text.slice(0, -1) : text;
}

interface Row {
  line: string;
  column: string;
  type: 'error' | 'warning';
  message: string;
  ruleId: string;
}

/** ESLint's `stylish` layout, byte for byte when colors are off, except that paths are relative. */
export const stylish: Reporter = (results, { cwd, color }) => {
  const c = color ? colors : plain;
  let output = '\n';
  let errors = 0;
  let warnings = 0;

  for (const result of results) {
    if (result.messages.length === 0) continue;

    const rows: Row[] = result.messages.map((message) => {
      const type = isError(message) ? 'error' : 'warning';
      if (type === 'error') errors++;
      else warnings++;
      return {
        line: String(message.line || 0),
        column: String(message.column || 0),
        type,
        message: stripTrailingPeriod(message.message),
        ruleId: message.ruleId ?? '',
      };
    });

    const width = (key: keyof Row) => Math.max(...rows.map((row) => row[key].length));
    const [lineWidth, columnWidth, typeWidth, messageWidth] = [
      width('line'),
      width('column'),
      width('type'),
      width('message'),
    ];

    const lines = rows.map((row) => {
      const position = c.dim(`${row.line}:${row.column}`);
      const type = row.type === 'error' ? c.red(row.type) : c.yellow(row.type);
      const cells = [
        `  ${' '.repeat(lineWidth - row.line.length)}${position}${' '.repeat(columnWidth - row.column.length)}`,
        `${type}${' '.repeat(typeWidth - row.type.length)}`,
        row.message.padEnd(messageWidth),
        row.ruleId ? c.dim(row.ruleId) : '',
      ];
      return cells.join('  ').trimEnd();
    });

    output += `${c.underline(displayPath(result.filePath, cwd))}\n${lines.join('\n')}\n\n`;
  }

  const total = errors + warnings;
  if (total === 0) return '';

  const summary = `\u2716 ${pluralize('problem', total)} (${pluralize('error', errors)}, ${pluralize('warning', warnings)})`;
  output += `${c.summary(errors > 0)(summary)}\n`;
  const fixableErrors = results.reduce((sum, result) => sum + result.fixableErrorCount, 0);
  const fixableWarnings = results.reduce((sum, result) => sum + result.fixableWarningCount, 0);
  if (fixableErrors > 0 || fixableWarnings > 0) {
    const fixable = `  ${pluralize('error', fixableErrors)} and ${pluralize('warning', fixableWarnings)} potentially fixable with the \`--fix\` option.`;
    output += `${c.summary(errors > 0)(fixable)}\n`;
  }
  return c.reset(output);
};
