// @ts-check
// Mutation testing (`npm run mutation`, not part of `npm test`: minutes, not seconds) of the
// places a read of the tests found weak (issue 19): the percentile behind the latency checks,
// the guard that keeps a backup manifest's paths inside its folder, and the warning for
// regex-looking route paths in declarative files already in the 3.0 format. Each place is found
// by the line that opens it, so edits elsewhere in its file do not move the mutated range; a
// place that moved or was renamed stops the run, naming it. The tests run are those of
// vitest.mutation.config.ts. Report: coverage/mutation/index.html.
import { readFileSync } from 'node:fs';

/** Whether a line opens with `opening`, `export ` aside (exports come and go). @param {string} line @param {string} opening */
const opens = (line, opening) => line.trimStart().replace(/^export /, '').startsWith(opening);

/**
 * `file:first-last` lines of the block opened by the line starting with `opening`, closed by
 * the first later line with the same indentation starting with `}`.
 * @param {string} file @param {string} opening
 */
function block(file, opening) {
  const lines = readFileSync(file, 'utf8').split('\n');
  const first = lines.findIndex((line) => opens(line, opening));
  if (first < 0) throw new Error(`stryker.config.mjs: no line of ${file} starts with ${JSON.stringify(opening)}: the mutated place moved, update the config`);
  const indent = (/** @type {string} */ line) => line.length - line.trimStart().length;
  const last = lines.findIndex((line, i) => i > first && indent(line) === indent(lines[first] ?? '') && line.trimStart().startsWith('}'));
  return `${file}:${first + 1}-${last + 1}`;
}

/** `file:n-n`, the one line starting with `opening`. @param {string} file @param {string} opening */
function line(file, opening) {
  const found = readFileSync(file, 'utf8').split('\n').findIndex((text) => opens(text, opening));
  if (found < 0) throw new Error(`stryker.config.mjs: no line of ${file} starts with ${JSON.stringify(opening)}: the mutated place moved, update the config`);
  return `${file}:${found + 1}-${found + 1}`;
}

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  // The tests are few and chosen (vitest.mutation.config.ts): all of them run in the first pass.
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  coverageAnalysis: 'perTest',
  mutate: [
    block('src/checks/load.ts', 'function percentile('),
    block('src/database/manifest.ts', 'function isRelativePath('),
    block('src/database/manifest.ts', 'const relativePath: Shape ='),
    block('src/database/backup-files.ts', 'for (const listed of manifest.files)'),
    block('src/database/backup-files.ts', 'function inside('),
    block('src/changelog/impact/declarative-consumer.ts', 'function isFormat3('),
    block('src/changelog/impact/route-regex-prefix.ts', 'if (isFormat3(set.formatVersion)) {'),
    block('src/changelog/impact/route-regex-prefix.ts', 'function regexPaths('),
    block('src/changelog/impact/route-regex-prefix.ts', 'function plainTextFinding('),
    block('src/changelog/impact/route-paths.ts', 'function isRegexLike('),
    line('src/changelog/impact/route-paths.ts', 'const PLAIN_PATH ='),
  ],
  concurrency: 2,
  // Every mutant of these places is killed today: one that survives fails the run.
  thresholds: { high: 100, low: 100, break: 100 },
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'coverage/mutation/index.html' },
  jsonReporter: { fileName: 'coverage/mutation/mutation.json' },
  tempDirName: 'node_modules/.stryker-tmp',
  cleanTempDir: 'always',
};

/**
 * Mutants Stryker does not make, run by scripts/hand-mutants.mjs: `find` must occur once in
 * `file`, is replaced by `replace`, and `tests` must then fail.
 * @type {{ file: string, find: string, replace: string, tests: string[] }[]}
 */
export const handMutants = [
  ...[
    // Rank rounded down or to the nearest instead of up: equal whenever q × n is whole.
    ['Math.ceil(q * sorted.length)', 'Math.floor(q * sorted.length)'],
    ['Math.ceil(q * sorted.length)', 'Math.round(q * sorted.length)'],
    // No rank 0 at q = 0.
    ['Math.max(1, Math.ceil(q * sorted.length))', 'Math.ceil(q * sorted.length)'],
    // Truncated, not rounded, to hundredths.
    ['Math.round(sorted[rank - 1]! * 100) / 100', 'Math.floor(sorted[rank - 1]! * 100) / 100'],
  ].map(([find, replace]) => ({ file: 'src/checks/load.ts', find: find ?? '', replace: replace ?? '', tests: ['test/checks/percentile.test.ts', 'test/checks/logic.test.ts'] })),
  ...[
    // `/backup-evil` starts with `/backup`.
    ['real.startsWith(`${folder}${path.sep}`)', 'real.startsWith(folder)'],
    // Symlinks not followed: a listed file that links out looks inside.
    ['await realpath(path.join(folder, listed.path))', 'await Promise.resolve(path.join(folder, listed.path))'],
    // The folder not resolved: a manifest reached through a symlinked folder has every file "outside".
    ['const folder = await realpath(path.dirname(file));', 'const folder = path.dirname(file);'],
  ].map(([find, replace]) => ({ file: 'src/database/backup-files.ts', find: find ?? '', replace: replace ?? '', tests: ['test/database/path-guard.test.ts', 'test/database/manifest-trust.test.ts'] })),
  {
    // A Windows-style `..\` not seen as leaving (reported as a malformed path instead).
    file: 'src/database/manifest.ts',
    find: "value.split(/[/\\\\]/).includes('..')",
    replace: "value.split('/').includes('..')",
    tests: ['test/database/path-guard.test.ts', 'test/database/manifest-trust.test.ts'],
  },
];
