// @ts-check
// The second half of `npm run mutation`: mutants Stryker's mutators never make (Math.ceil read
// as Math.floor, a prefix test without its separator), listed as `handMutants` in
// stryker.config.mjs. Each is applied to a copy of the checkout, never to the checkout itself,
// and its tests run there; a mutant is killed when they fail. Their tests must pass unmutated
// first. Exits 1 when one survives or no longer applies.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { handMutants } from '../stryker.config.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const LEFT_OUT = new Set(['.git', 'node_modules', '.tools', 'build', 'dist', 'coverage', '.cache']);

const sandbox = mkdtempSync(path.join(os.tmpdir(), 'hand-mutants-'));
try {
  for (const entry of readdirSync(root)) {
    if (!LEFT_OUT.has(entry)) cpSync(path.join(root, entry), path.join(sandbox, entry), { recursive: true, verbatimSymlinks: true });
  }
  symlinkSync(path.join(root, 'node_modules'), path.join(sandbox, 'node_modules'));

  /** @param {readonly string[]} tests @returns {boolean} whether they pass */
  const pass = (tests) => {
    try {
      execFileSync(path.join(sandbox, 'node_modules/.bin/vitest'), ['run', '--config', 'vitest.mutation.config.ts', ...tests], { cwd: sandbox, stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };

  let survived = 0;
  for (const tests of new Set(handMutants.map((m) => m.tests.join(' ')))) {
    if (!pass(tests.split(' '))) throw new Error(`hand mutants: ${tests} fail without any mutant; fix them first`);
  }
  for (const mutant of handMutants) {
    const file = path.join(sandbox, mutant.file);
    const original = readFileSync(file, 'utf8');
    const at = original.split(mutant.find).length - 1;
    if (at !== 1) {
      console.log(`Gone      ${mutant.file}: ${JSON.stringify(mutant.find)} is there ${at} times, not once: update handMutants in stryker.config.mjs`);
      survived++;
      continue;
    }
    writeFileSync(file, original.replace(mutant.find, mutant.replace));
    const killed = !pass(mutant.tests);
    writeFileSync(file, original);
    if (!killed) survived++;
    console.log(`${killed ? 'Killed  ' : 'Survived'}  ${mutant.file}: ${mutant.find} → ${mutant.replace}`);
  }
  const killed = handMutants.length - survived;
  console.log(`hand mutants: ${killed} of ${handMutants.length} killed (${((killed / handMutants.length) * 100).toFixed(2)}%)`);
  process.exitCode = survived > 0 ? 1 : 0;
} finally {
  rmSync(sandbox, { recursive: true, force: true });
}
