import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWorkflow } from './harness.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'wf-harness-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function workflow(name: string, text: string): string {
  const file = path.join(dir, `${name}.yml`);
  writeFileSync(file, text);
  return file;
}

describe('runWorkflow', () => {
  it('runs jobs in needs order with outputs, if:, commands, whitelisted scripts and artifacts', async () => {
    const file = workflow('basic', `
on:
  workflow_dispatch:
    inputs:
      to: { required: true, type: string }
      mode: { type: choice, options: [a, b], default: a }
env:
  GREETING: hello
jobs:
  second:
    needs: first
    runs-on: ubuntu-latest
    outputs:
      seen: \${{ steps.read.outputs.value }}
    steps:
      - uses: actions/download-artifact@v5
        with: { name: 'notes-\${{ github.run_id }}', path: '\${{ runner.temp }}/in' }
      - id: read
        env:
          FILE: \${{ runner.temp }}/in/note.txt
        run: echo "value=$(cat "$FILE")" >> "$GITHUB_OUTPUT"
      - id: never
        if: needs.first.outputs.version == '9.9.9'
        run: exit 1
  first:
    runs-on: ubuntu-latest
    outputs:
      version: \${{ steps.op.outputs.version }}
    steps:
      - id: op
        name: 'OPERATOR: do something'
        run: ssh somewhere 'sudo do-it'
      - id: write
        env:
          TO: \${{ inputs.to }}
        run: |
          mkdir -p "$RUNNER_TEMP/out"
          printf '%s %s' "$GREETING" "$TO" > "$RUNNER_TEMP/out/note.txt"
      - uses: actions/upload-artifact@v5
        with: { name: 'notes-\${{ github.run_id }}', path: '\${{ runner.temp }}/out/note.txt' }
`);
    const seen: string[] = [];
    const run = await runWorkflow({
      workflow: file,
      workDir: path.join(dir, 'basic-run'),
      inputs: { to: '3.4.2' },
      runScripts: ['read', 'write'],
      commands: {
        op: async (ctx) => {
          seen.push(`${ctx.job}:${ctx.name}`);
          return { outputs: { version: '3.4.2' } };
        },
      },
    });
    expect(run.conclusion, run.log.join('\n')).toBe('success');
    expect(run.jobs.map((j) => j.id)).toEqual(['first', 'second']);
    expect(seen).toEqual(['first:OPERATOR: do something']);
    expect(run.job('first').outputs).toEqual({ version: '3.4.2' });
    expect(run.job('second').outputs).toEqual({ seen: 'hello 3.4.2' });
    expect(run.step('second', 'never').outcome).toBe('skipped');
    expect(run.artifactNames).toEqual(['notes-4242']);
  });

  it('fails a run: step that has neither a command nor a whitelist entry, and skips dependants', async () => {
    const file = workflow('strict', `
on: workflow_dispatch
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - id: unknown
        run: touch "${path.join(dir, 'ran')}"
  b:
    needs: a
    runs-on: ubuntu-latest
    steps:
      - id: x
        run: exit 0
  c:
    needs: a
    if: always()
    runs-on: ubuntu-latest
    steps:
      - id: y
        run: exit 0
`);
    const run = await runWorkflow({ workflow: file, workDir: path.join(dir, 'strict-run'), runScripts: ['x', 'y'] });
    expect(run.conclusion).toBe('failure');
    expect(run.step('a', 'unknown').error).toMatch(/never runs a shell step it was not told to/);
    expect(existsSync(path.join(dir, 'ran'))).toBe(false);
    expect(run.job('b').result).toBe('skipped');
    expect(run.job('c').result).toBe('success');
  });

  it('substitutes ${{ }} into a whitelisted script as the runner does, so an injectable script is caught', async () => {
    const marker = path.join(dir, 'injected');
    const file = workflow('inject', `
on:
  workflow_dispatch:
    inputs:
      to: { type: string }
jobs:
  bad:
    runs-on: ubuntu-latest
    steps:
      - id: unsafe
        run: echo \${{ inputs.to }}
  good:
    runs-on: ubuntu-latest
    steps:
      - id: safe
        env:
          TO: \${{ inputs.to }}
        run: echo "$TO"
`);
    const evil = `3.4.2; touch ${marker}`;
    const safe = await runWorkflow({ workflow: file, workDir: path.join(dir, 'inject-safe'), inputs: { to: evil }, runScripts: ['safe'], jobs: ['good'] });
    expect(safe.conclusion).toBe('success');
    expect(safe.step('good', 'safe').stdout).toBe(`${evil}\n`);
    expect(existsSync(marker)).toBe(false);
    const unsafe = await runWorkflow({ workflow: file, workDir: path.join(dir, 'inject-unsafe'), inputs: { to: evil }, runScripts: ['unsafe'], jobs: ['bad'] });
    expect(unsafe.conclusion).toBe('success');
    expect(existsSync(marker)).toBe(true); // the harness is as injectable as the runner: tests can catch it
  });

  it('runs a suite action from dist with action.yml defaults; environments give secrets; reviewers can reject', async () => {
    const file = workflow('action', `
on:
  workflow_dispatch:
    inputs:
      to: { type: string, required: true }
jobs:
  plan:
    runs-on: ubuntu-latest
    environment: readonly
    outputs:
      hops: \${{ steps.plan.outputs.hop-count }}
      token-seen: \${{ secrets.TOKEN != '' }}
    steps:
      - id: plan
        uses: someone/kong-upgrade-actions/actions/fetch-changelog@v1
        with:
          from: 2.8.5
          to: \${{ inputs.to }}
          offline: true
  deploy:
    needs: plan
    runs-on: ubuntu-latest
    environment: production
    steps:
      - id: go
        run: exit 0
`);
    const run = await runWorkflow({
      workflow: file,
      workDir: path.join(dir, 'action-run'),
      inputs: { to: '3.4.2' },
      environments: { readonly: { secrets: { TOKEN: 'x' } }, production: { reviewers: ['ops'], approve: false } },
      runScripts: ['go'],
    });
    const plan = run.step('plan', 'plan');
    expect(plan.outcome, plan.stdout + plan.stderr).toBe('success');
    expect(plan.inputs).toMatchObject({ edition: 'auto', deployment: 'traditional', offline: 'true' }); // defaults applied
    expect(JSON.parse(readFileSync(plan.outputs['plan-json']!, 'utf8')).to).toBe('3.4.2');
    expect(run.job('plan').outputs).toEqual({ hops: '1', 'token-seen': 'true' });
    expect(run.job('deploy')).toMatchObject({ result: 'failure', reason: 'reviewers rejected the deployment to production' });
  });

  // Once action.yml gave pg-port a default, which made every real run look as if pg-* were set.
  it('a suite action with every action.yml default, as the runner gives them, succeeds', async () => {
    const file = workflow('defaults', `
on: workflow_dispatch
jobs:
  plan:
    runs-on: ubuntu-latest
    steps:
      - id: plan
        uses: ./actions/fetch-changelog
        with: { from: 2.8.5, to: 3.4.2, offline: true }
`);
    const run = await runWorkflow({ workflow: file, workDir: path.join(dir, 'defaults-run') });
    const step = run.step('plan', 'plan');
    expect(step.inputs).toMatchObject({ edition: 'auto', deployment: 'traditional', 'github-api-url': expect.any(String) });
    expect(step.inputs?.['pg-port']).toBeUndefined();
    expect(step.outcome, step.stdout).toBe('success');
  });

  it('rejects an input the action does not declare (GitHub would only warn)', async () => {
    const file = workflow('typo', `
on: workflow_dispatch
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - id: s
        uses: ./actions/smoke-test
        with: { admin-ur: 'http://127.0.0.1:1' }
`);
    const run = await runWorkflow({ workflow: file, workDir: path.join(dir, 'typo-run') });
    expect(run.step('a', 's').error).toMatch(/actions\/smoke-test has no input\(s\) admin-ur/);
  });

  it('matrix: one combination at a time; fail-fast cancels the rest', async () => {
    const file = workflow('matrix', `
on: workflow_dispatch
jobs:
  upgrade:
    runs-on: ubuntu-latest
    strategy:
      max-parallel: 1
      fail-fast: true
      matrix:
        cluster: [eu, us, ap]
    steps:
      - id: op
        env: { CLUSTER: '\${{ matrix.cluster }}' }
        run: do-it
`);
    const order: string[] = [];
    const run = await runWorkflow({
      workflow: file,
      workDir: path.join(dir, 'matrix-run'),
      commands: {
        op: async (ctx) => {
          order.push(ctx.env.CLUSTER ?? '');
          if (order.length === 2) throw new Error('us broke');
        },
      },
    });
    expect(run.jobs.map((j) => [j.id, j.result])).toEqual([
      ['upgrade (eu)', 'success'],
      ['upgrade (us)', 'failure'],
      ['upgrade (ap)', 'cancelled'],
    ]);
    expect(order).toHaveLength(2);
  });
});
