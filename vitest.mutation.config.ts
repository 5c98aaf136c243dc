import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

/**
 * The tests Stryker runs against its mutants (`npm run mutation`, stryker.config.mjs): those that
 * exercise the mutated places, unit and integration alike, without the projects split.
 */
const MUTATION_TESTS = [
  // percentile (src/checks/load.ts)
  'test/checks/logic.test.ts',
  'test/checks/percentile.test.ts',
  // the manifest path guard (src/database/manifest.ts, backup-files.ts)
  'test/database/manifest-trust.test.ts',
  'test/database/path-guard.test.ts',
  // the warning for regex-looking paths in files already in the 3.0 format (src/changelog/impact/)
  'test/changelog/impact.test.ts',
  'test/changelog/real-shapes.test.ts',
  'test/changelog/format-3-paths.test.ts',
];

export default defineConfig({
  ...base,
  test: { ...base.test, projects: undefined, include: MUTATION_TESTS },
});
