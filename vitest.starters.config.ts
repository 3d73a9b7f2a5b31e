import { defineConfig } from 'vitest/config';

// The starter acceptance suite (test/starters): bgtask init and add-task on copies of four projects
// shaped like popular open-source starters (test/fixtures/starters), each installed for real with its
// own package manager, then type-checked, tested, linted, built and run. Slow (minutes) and
// network-dependent on a cold package cache, so it is not part of `npm test`: the test file skips
// itself unless BGTASK_STARTERS is set, which this config does.
//
//   npm run build && npx vitest run --config vitest.starters.config.ts
//
// One file, its fixtures one after another (describe blocks run in order): a 2-core machine is busy
// enough with one project's installs, tsc, test runner and servers at a time.
export default defineConfig({
  test: {
    // With the scaffolder's style and build tests, which install Biome, Prettier, ESLint, tsup and
    // tsc-alias into node_modules/.cache: also registry-bound, and kept out of `npm test`'s ten minutes.
    include: ['test/scaffold/style.test.ts', 'test/scaffold/build.test.ts', 'test/starters/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    env: { BGTASK_STARTERS: '1' },
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 600_000,
    reporters: ['verbose'],
  },
});
