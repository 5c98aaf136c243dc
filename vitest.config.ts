import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: PostgreSQL-backed suites start their own clusters, so keep a small pool.
    maxWorkers: 2,
    // GitHub's workflow parser and expression evaluator are ESM that import JSON: vite transforms them.
    server: { deps: { inline: [/@actions\/workflow-parser/, /@actions\/expressions/] } },
  },
});
