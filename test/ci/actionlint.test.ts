import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNode24Exemption } from '../../scripts/actionlint.mjs';
import { REPO_ROOT } from '../helpers/paths.js';

const execFileAsync = promisify(execFile);
const WRAPPER = path.join(REPO_ROOT, 'scripts/actionlint.mjs');

const GOOD = `name: good
on:
  workflow_dispatch:
    inputs:
      target:
        type: string
        required: true
jobs:
  plan:
    runs-on: ubuntu-latest
    outputs:
      version: \${{ steps.plan.outputs.version }}
    steps:
      - uses: actions/checkout@v4
      - id: plan
        run: echo "version=\${{ inputs.target }}" >> "$GITHUB_OUTPUT"
  apply:
    needs: plan
    runs-on: ubuntu-latest
    steps:
      - run: echo "\${{ needs.plan.outputs.version }}"
`;

// Three independent mistakes, each of a kind a workflow example could ship with.
const BROKEN = `name: broken
on: push
jobs:
  plan:
    runs-on: \${{ matrix.os }}
    outputs:
      version: \${{ steps.plan.outputs.version }}
    steps:
      - id: plan
        run: echo hi
        timeout: 5
  apply:
    needs: plan
    runs-on: ubuntu-latest
    steps:
      - run: echo "\${{ needs.plan.outputs.missing }}"
`;

let dir: string;

async function lint(...files: string[]) {
  try {
    const { stdout } = await execFileAsync(process.execPath, [WRAPPER, ...files], { cwd: dir });
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout + failed.stderr };
  }
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'actionlint-test-'));
  writeFileSync(path.join(dir, 'good.yml'), GOOD);
  writeFileSync(path.join(dir, 'broken.yml'), BROKEN);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('scripts/actionlint.mjs', () => {
  it('passes a good workflow', async () => {
    const result = await lint('good.yml');
    expect(result.stdout).toContain('1 file(s), 0 finding(s)');
    expect(result.code).toBe(0);
  });

  it('flags a bad runs-on expression, an unknown key and an undefined job output', async () => {
    const result = await lint('good.yml', 'broken.yml');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^broken\.yml:5:\d+: property "os" is not defined/m);
    expect(result.stdout).toMatch(/^broken\.yml:11:\d+: unexpected key "timeout"/m);
    expect(result.stdout).toMatch(/^broken\.yml:16:\d+: property "missing" is not defined in object type \{version: string\}/m);
    expect(result.stdout).not.toMatch(/^good\.yml/m);
  });
});

describe('the node24 exemption', () => {
  // actionlint 1.7.7's wording, as it reports a local action whose action.yml says node24.
  const node24 = (runner: string, action = './actions/fetch-changelog') =>
    `invalid runner name "${runner}" at runs.using in "${action}" action defined at "${action.slice(2)}". ` +
    'valid runners are "composite", "docker", and "node20". ' +
    'see https://docs.github.com/en/actions/creating-actions/metadata-syntax-for-github-actions#runs';

  it('ignores exactly the node24 runner finding', () => {
    expect(isNode24Exemption(node24('node24'))).toBe(true);
    expect(isNode24Exemption(node24('node24', './actions/plan-upgrade'))).toBe(true);
  });

  it('keeps every other finding', () => {
    for (const message of [
      node24('node12'),
      node24('node2'),
      node24('node240'),
      node24('Node24'),
      `${node24('node24')} and more`,
      `prefix ${node24('node24')}`,
      'label "node24" is unknown. available labels are "ubuntu-latest"',
      'property "node24" is not defined in object type {}',
      'invalid runner name "node24"',
    ]) {
      expect(isNode24Exemption(message), message).toBe(false);
    }
  });
});
