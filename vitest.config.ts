import { defineConfig } from 'vitest/config';

// Unit tests: Node only, no browser, no built site. The e2e suite has its own config.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
    // tfjs-on-wasm tests can be slow while the machine's two cores are busy with training.
    testTimeout: 60_000,
  },
});
