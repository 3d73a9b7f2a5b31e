import { readFileSync } from 'node:fs';

/** bgtask's own version, read from the package.json that ships beside dist/ and src/. */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
