import path from 'node:path';
import type { Reporter, SerializedError, TestCase, TestModule } from 'vitest/node';
import { FETCH_COMMAND } from '../../scripts/kong-data.mjs';

/**
 * Prints the run's closing line, `tests: N passed, M failed[, K skipped]`, which CI reads to
 * count tests. A test file that fails to load and an unhandled error each count as one failure,
 * so the line never says `0 failed` for a run that exits non-zero. Skipped tests are named above
 * it, and when upstream Kong data was missing (test/helpers/kong-data.ts), the line just before
 * it names the files and the command that fetches them.
 */
export default class SummaryLineReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    let passed = 0;
    let failed = unhandledErrors.length;
    const skipped: TestCase[] = [];
    for (const testModule of testModules) {
      for (const test of testModule.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else if (state === 'skipped') skipped.push(test);
      }
      // Errors outside any test: a file that does not import, a failing beforeAll (of the file
      // or of a describe, whose tests then report as skipped), and so on.
      failed += testModule.errors().length;
      for (const suite of testModule.children.allSuites()) failed += suite.errors().length;
    }
    const lines = [''];
    const missingData = new Set<string>();
    for (const test of skipped) {
      const missing = test.meta().kongDataMissing ?? [];
      for (const file of missing) missingData.add(file);
      lines.push(`skipped${missing.length > 0 ? ' (Kong data missing)' : ''}: ${path.relative(process.cwd(), test.module.moduleId)} > ${test.fullName}`);
    }
    if (missingData.size > 0) {
      lines.push(`Kong data missing: ${[...missingData].sort().join(', ')}; fetch it with \`${FETCH_COMMAND}\` (then nothing is skipped)`);
    }
    lines.push(`tests: ${passed} passed, ${failed} failed${skipped.length > 0 ? `, ${skipped.length} skipped` : ''}`);
    // After the default reporter's own summary, so ours is the last line of the run.
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}
