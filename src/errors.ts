/**
 * Something the user can fix: a bad option, a missing path, a malformed config file.
 * The CLI prints its message as one line on stderr and exits 2, with no stack trace.
 */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** What a thrown value says: an error's message, else the value as text. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
