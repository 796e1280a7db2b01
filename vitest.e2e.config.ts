import { defineConfig } from 'vitest/config';

// End-to-end tests: Debian's Chromium (playwright-core) against the built dist/, served by
// scripts/serve-static.mjs. Run `npm run build` first (`npm test` does).
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    // The 500-caption soak takes minutes: it is run by hand with `npm run test:soak` (SOAK=1).
    // CI (.ci/run) runs `npm test` only, so the soak is not part of CI.
    exclude: process.env.SOAK ? [] : ['test/e2e/soak.test.ts'],
    environment: 'node',
    globalSetup: ['test/e2e/global-setup.ts'],
    // One browser at a time: the model runs on the CPU, and two cores are all there is.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
