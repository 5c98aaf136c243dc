// Compiles src/ with tsc, then bundles each entry with @vercel/ncc into dist/<name>/index.js.
// The runner executes dist/, never src/, so CI rebuilds and fails when dist/ differs.
import { execFileSync } from 'node:child_process';
import { rmSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);

// Each action under src/actions/<name>/main.ts, plus the CLI.
const actionNames = readdirSync(path.join(root, 'src/actions'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);
const entries = [
  ...actionNames.map((name) => ({ name, file: `build/actions/${name}/main.js` })),
  { name: 'cli', file: 'build/cli/main.js' },
];

rmSync(path.join(root, 'build'), { recursive: true, force: true });
execFileSync(bin('tsc'), ['-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });

rmSync(path.join(root, 'dist'), { recursive: true, force: true });
for (const entry of entries) {
  execFileSync(bin('ncc'), ['build', entry.file, '-o', `dist/${entry.name}`, '--license', 'licenses.txt', '-q'], {
    cwd: root,
    stdio: 'inherit',
  });
}
console.log(`built ${entries.map((e) => `dist/${e.name}/index.js`).join(', ')}`);
