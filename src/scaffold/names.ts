import { UsageError } from '../errors.js';

/** The spellings of a task name that templates need. */
export interface TaskNames {
  /** `send-receipt`: file names, queue names, URLs. */
  kebab: string;
  /** `sendReceipt`: functions and variables. */
  camel: string;
  /** `SendReceipt`: types and classes. */
  pascal: string;
}

const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for function if ' +
    'import in instanceof new null return super switch this throw true try typeof var void while with as implements interface ' +
    'let package private protected public static yield await async of type any unknown never object string number boolean ' +
    'symbol bigint undefined constructor prototype'
  ).split(' '),
);

/**
 * Turns `send-receipt`, `sendReceipt`, `SendReceipt` or `send_receipt` into every spelling, or
 * refuses a name that cannot become both a file name and an identifier.
 */
export function taskNames(input: string): TaskNames {
  const raw = input.trim();
  if (raw === '') throw new UsageError('The task name is empty. Give a name such as send-receipt.');
  if (/[\\/]/.test(raw) || raw.includes('..')) {
    throw new UsageError(`Invalid task name "${input}": path separators and ".." are not allowed. Give a plain name such as send-receipt.`);
  }
  if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(raw)) {
    throw new UsageError(
      `Invalid task name "${input}": use letters, digits, "-" or "_", starting with a letter (e.g. send-receipt), so it can become a file name and an identifier.`,
    );
  }
  const words = raw
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[-_\s]+/)
    .filter((word) => word !== '')
    .map((word) => word.toLowerCase());
  const kebab = words.join('-');
  const camel = words.map((word, index) => (index === 0 ? word : word[0]?.toUpperCase() + word.slice(1))).join('');
  const pascal = camel[0]?.toUpperCase() + camel.slice(1);
  if (RESERVED.has(camel) || RESERVED.has(kebab)) {
    throw new UsageError(`Invalid task name "${input}": "${camel}" is a reserved word in TypeScript. Choose another name, e.g. ${camel}-task.`);
  }
  return { kebab, camel, pascal };
}
