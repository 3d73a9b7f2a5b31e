import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Fixture projects carry their own tests, run by their own runners. The tests that install real
    // third-party tools from the registry (the starter projects, the formatters, the bundlers) are
    // the second suite, vitest.starters.config.ts (npm run test:starters), which .ci/run also runs.
    exclude: ['**/node_modules/**', 'test/fixtures/**', 'test/starters/**', 'test/scaffold/style.test.ts', 'test/scaffold/build.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Two test files at a time on a 2-core machine (vitest's default leaves one core idle): most of
    // the suite waits on the processes it starts (bgtask, tsc, servers, workers). 540 s → 398 s.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
