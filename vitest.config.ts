import { defineConfig, type Plugin } from 'vitest/config';

/**
 * The unit tests (`npm run test:unit`, seconds): files that start no process, no server and no
 * database, and read no upstream Kong file. test/setup/unit-guard.ts makes each of those throw
 * in this project, so a file listed here that starts doing one fails, naming what it did. Every
 * other test file is an integration test: a new file is one until it is listed here.
 */
export const UNIT_TESTS = [
  'test/actions/metadata.test.ts',
  'test/changelog/format-3-paths.test.ts',
  'test/changelog/impact.test.ts',
  'test/changelog/kic.test.ts',
  'test/changelog/parse-enterprise-markdown.test.ts',
  'test/changelog/real-shapes.test.ts',
  'test/changelog/secret-settings.test.ts',
  'test/checks/percentile.test.ts',
  'test/ci/import-graph.test.ts',
  'test/ci/manifests.test.ts',
  'test/ci/readme-examples.test.ts',
  'test/database/fingerprint-version.test.ts',
  'test/database/object-storage-inputs.test.ts',
  'test/database/object-storage-upload.test.ts',
  'test/database/path-guard.test.ts',
  'test/database/restore-lines.test.ts',
  'test/kong/migration-state.test.ts',
  'test/lib/errors.test.ts',
  'test/lib/inputs.test.ts',
  'test/lib/json-shape.test.ts',
  'test/lib/markdown.test.ts',
  'test/replay/reader.test.ts',
  'test/setup/unit-guard.test.ts',
  'test/traffic/strategy.test.ts',
  'test/version/kong-version.test.ts',
  'test/version/strategies.test.ts',
  'test/version/upgrade-path.test.ts',
  'test/workflow-harness/parse.test.ts',
];

// GitHub's workflow parser and expression evaluator ship source maps whose sources are not in the
// package; vite warns once per file when it transforms them (the inline below), ~100 lines on a
// run with an empty module cache. Only those warnings are dropped.
const PARSER_SOURCEMAP = /^Sourcemap for "[^"]*\/node_modules\/@actions\/(workflow-parser|expressions)\/[^"]*" points to missing source files$/;
const quietParserSourcemaps: Plugin = {
  name: 'quiet-parser-sourcemaps',
  configResolved({ logger }) {
    const warnOnce = logger.warnOnce;
    logger.warnOnce = (message, options) => {
      if (!PARSER_SOURCEMAP.test(message)) warnOnce(message, options);
    };
  },
};

export default defineConfig({
  plugins: [quietParserSourcemaps],
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: PostgreSQL-backed suites start their own clusters, so keep a small pool.
    maxWorkers: 2,
    // GitHub's workflow parser and expression evaluator are ESM that import JSON: vite transforms them.
    server: { deps: { inline: [/@actions\/workflow-parser/, /@actions\/expressions/] } },
    projects: [
      {
        extends: true,
        // Pure computation: a test that needs seconds here is waiting on something it should not.
        test: { name: 'unit', include: UNIT_TESTS, setupFiles: ['test/setup/unit-guard.ts'], testTimeout: 10_000, hookTimeout: 10_000 },
      },
      { extends: true, test: { name: 'integration', include: ['test/**/*.test.ts'], exclude: UNIT_TESTS } },
    ],
  },
});
