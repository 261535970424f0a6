import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['relay/**/*.test.ts', 'shared/**/*.test.ts', 'extension/**/*.test.ts'],
    // Two cores: integration tests start real relays, keep them from starving each other.
    maxWorkers: 2,
    testTimeout: 20_000,
  },
});
