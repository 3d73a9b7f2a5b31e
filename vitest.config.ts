import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Fixture projects carry their own tests, run by their own runners; the starter suite
    // (vitest.starters.config.ts, npm run test:starters) is separate for its installs' sake.
    exclude: ['**/node_modules/**', 'test/fixtures/**', 'test/starters/**'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
