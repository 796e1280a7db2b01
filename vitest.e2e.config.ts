import { defineConfig } from 'vitest/config';

// End-to-end tests: Debian's Chromium (playwright-core) against the built dist/, served by
// scripts/serve-static.mjs. Run `npm run build` first (`npm test` does).
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    // The 500-caption soak takes minutes: `npm run test:soak` (SOAK=1) runs it, and CI runs that too.
    exclude: process.env.SOAK ? [] : ['test/e2e/soak.test.ts'],
    environment: 'node',
    globalSetup: ['test/e2e/global-setup.ts'],
    // One browser at a time: the model runs on the CPU, and two cores are all there is.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
