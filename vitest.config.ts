import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: PostgreSQL-backed suites start their own clusters, so keep a small pool.
    maxWorkers: 2,
  },
});
