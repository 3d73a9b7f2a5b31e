import type { LintMessage } from '../linter/types.js';
import type { Reporter } from './reporter.js';
import { displayPath, isError, stylish } from './stylish.js';

// actions/toolkit packages/core/src/command.ts: escapeData and escapeProperty.
function escapeData(value: string): string {
  return value.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

function escapeProperty(value: string): string {
  return escapeData(value).replaceAll(':', '%3A').replaceAll(',', '%2C');
}

function annotation(message: LintMessage, file: string): string {
  const command = isError(message) ? 'error' : 'warning';
  const endLine = message.endLine ?? message.line;
  // The toolkit refuses columns for annotations that span several lines.
  const sameLine = endLine === message.line;
  const properties: [string, string | number | undefined][] = [
    ['file', file],
    ['line', message.line > 0 ? message.line : undefined],
    ['col', sameLine && message.column > 0 ? message.column : undefined],
    ['endLine', message.endLine],
    ['endColumn', sameLine ? message.endColumn : undefined],
    ['title', message.ruleId === null ? 'bgtask' : `bgtask (${message.ruleId})`],
  ];
  const props = properties
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined && entry[1] !== '')
    .map(([key, value]) => `${key}=${escapeProperty(String(value))}`)
    .join(',');
  return `::${command} ${props}::${escapeData(message.message)}`;
}

/** GitHub Actions workflow commands, then the stylish report: a step shows only 10 annotations of each kind. */
export const github: Reporter = (results, context) => {
  const commands = results.flatMap((result) => {
    const file = displayPath(result.filePath, context.cwd);
    return result.messages.map((message) => annotation(message, file));
  });
  if (commands.length === 0) return '';
  return `${commands.join('\n')}\n${stylish(results, { ...context, color: false })}`;
};
