// @ts-check
// Compiles src/ with tsc, then bundles each entry with @vercel/ncc into dist/<name>/index.js.
// The runner executes dist/, never src/, so CI rebuilds and fails when dist/ differs.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { bundledFiles, bundledPackages, licensesText } from './bundle-licenses.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (/** @type {string} */ name) => path.join(root, 'node_modules', '.bin', name);

// Each action under src/actions/<name>/main.ts (and its post.ts, the `post:` step, into
// dist/<name>/post/ after main: ncc empties its output folder first), plus the CLI.
const actionNames = readdirSync(path.join(root, 'src/actions'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);
const entries = [
  ...actionNames.flatMap((name) => [
    { name, file: `build/actions/${name}/main.js` },
    ...(existsSync(path.join(root, 'src/actions', name, 'post.ts')) ? [{ name: `${name}/post`, file: `build/actions/${name}/post.js` }] : []),
  ]),
  { name: 'cli', file: 'build/cli/main.js' },
];

// action.yml, the README tables and the generated modules from actions/*/manifest.yml, first:
// the bundles import the generated defaults and flags.
execFileSync(process.execPath, [path.join(root, 'scripts/gen-actions.mjs')], { cwd: root, stdio: 'inherit' });

rmSync(path.join(root, 'build'), { recursive: true, force: true });
execFileSync(bin('tsc'), ['-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });

rmSync(path.join(root, 'dist'), { recursive: true, force: true });
// Each bundle's module list (ncc's webpack stats, reduced to the files) is kept in
// build/bundle-files/ for test/ci/licenses.test.ts; licenses.txt is written from it.
for (const entry of entries) {
  const stats = path.join(root, 'build/ncc-stats', `${entry.name}.json`);
  mkdirSync(path.dirname(stats), { recursive: true });
  mkdirSync(path.join(root, 'build/bundle-files', path.dirname(entry.name)), { recursive: true });
  execFileSync(bin('ncc'), ['build', entry.file, '-o', `dist/${entry.name}`, '--stats-out', stats, '-q'], {
    cwd: root,
    stdio: 'inherit',
  });
  const files = bundledFiles(JSON.parse(readFileSync(stats, 'utf8')));
  writeFileSync(path.join(root, 'build/bundle-files', `${entry.name}.json`), `${JSON.stringify(files, null, 1)}\n`);
  writeFileSync(path.join(root, 'dist', entry.name, 'licenses.txt'), licensesText(root, bundledPackages(files)));
}
rmSync(path.join(root, 'build/ncc-stats'), { recursive: true, force: true });
console.log(`built ${entries.map((e) => `dist/${e.name}/index.js`).join(', ')}`);

