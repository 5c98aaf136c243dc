import type { Reporter, SerializedError, TestModule } from 'vitest/node';

/**
 * Prints the run's closing line, `tests: N passed, M failed[, K skipped]`, which CI reads to
 * count tests. A test file that fails to load and an unhandled error each count as one failure,
 * so the line never says `0 failed` for a run that exits non-zero.
 */
export default class SummaryLineReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    let passed = 0;
    let failed = unhandledErrors.length;
    let skipped = 0;
    for (const testModule of testModules) {
      for (const test of testModule.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else if (state === 'skipped') skipped++;
      }
      // Errors outside any test: a file that does not import, a failing beforeAll, and so on.
      failed += testModule.errors().length;
    }
    const line = `tests: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`;
    // After the default reporter's own summary, so ours is the last line of the run.
    process.stdout.write(`\n${line}\n`);
  }
}
