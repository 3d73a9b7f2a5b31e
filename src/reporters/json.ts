import type { LintMessage, LintResult } from '../linter/types.js';
import type { Reporter } from './reporter.js';

// Related locations and code flows are ours, not ESLint's; SARIF carries them instead.
function eslintMessage<Message extends LintMessage>(message: Message): Omit<Message, 'relatedLocations' | 'codeFlow'> {
  const { relatedLocations: _relatedLocations, codeFlow: _codeFlow, ...rest } = message;
  return rest;
}

/** ESLint's `json` format, so ESLint formatters and `@microsoft/eslint-formatter-sarif` read it unchanged. */
export const json: Reporter = (results) =>
  JSON.stringify(
    results.map(
      (result): LintResult => ({
        ...result,
        messages: result.messages.map(eslintMessage),
        suppressedMessages: result.suppressedMessages.map(eslintMessage),
      }),
    ),
  );
