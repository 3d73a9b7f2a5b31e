import type { Reporter } from './reporter.js';

/** ESLint's `json` format, so ESLint formatters and `@microsoft/eslint-formatter-sarif` read it unchanged. */
export const json: Reporter = (results) => JSON.stringify(results);
