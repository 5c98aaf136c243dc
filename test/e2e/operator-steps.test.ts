// The example workflows' own shell steps, run as written (bash, `${{ }}` substituted as the
// runner does): the strategy gate of upgrade.yml, its maintenance-window countdown, and a static
// check that no `run:` script of any example interpolates an expression (inputs reach scripts
// only through env:, so shell metacharacters in them are never executed).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { REPO_ROOT } from '../helpers/paths.js';
import { loadWorkflow, runWorkflow } from '../workflow-harness/harness.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'kong-e2e-steps-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const UPGRADE = path.join(REPO_ROOT, 'workflows-examples/upgrade.yml');

const planOnly = (inputs: Record<string, string>) =>
  runWorkflow({
    workflow: UPGRADE,
    workDir: mkdtempSync(path.join(dir, 'plan-')),
    jobs: ['plan'],
    inputs,
    environments: { 'production-readonly': { vars: { KONG_PLAN_OFFLINE: 'true' } } },
    runScripts: ['strategy', 'names'],
  });

describe('upgrade.yml plan job: the strategy gate', () => {
  it('refuses blue-green across 2.8 → 3.4 with the plan\'s reason, before any backup', async () => {
    const run = await planOnly({ from: '2.8.5', to: '3.4.2', strategy: 'blue-green' });
    const gate = run.step('plan', 'strategy');
    expect(gate.outcome).toBe('failure');
    expect(gate.annotations[0]).toMatchObject({ level: 'error', title: 'strategy blue-green refused' });
    expect(gate.annotations[0]!.message).toMatch(/only between patch versions.*lts-to-lts/);
    expect(gate.summary).toMatch(/### Strategy blue-green refused/);
    expect(run.job('plan').result).toBe('failure');
  });

  it('accepts blue-green for the patch upgrade 3.4.1 → 3.4.2, and auto takes the plan\'s recommendation', async () => {
    const blueGreen = await planOnly({ from: '3.4.1', to: '3.4.2', strategy: 'blue-green' });
    expect(blueGreen.job('plan').outputs.strategy).toBe('blue-green');
    const auto = await planOnly({ from: '2.8.5', to: '3.4.2', strategy: 'auto' });
    expect(auto.job('plan').outputs.strategy).toBe('dual-cluster');
  });

  it('a to-version with shell metacharacters fails validation and is never executed', async () => {
    const marker = path.join(dir, 'to-injected');
    const run = await planOnly({ from: '2.8.5', to: `3.4.2; touch ${marker} $(touch ${marker}2) \`touch ${marker}3\``, strategy: 'auto' });
    expect(run.step('plan', 'plan').outcome).toBe('failure');
    expect(run.step('plan', 'plan').annotations.some((a) => a.level === 'error' && /to/.test(a.message))).toBe(true);
    expect(run.step('plan', 'strategy').outcome).toBe('skipped');
    for (const suffix of ['', '2', '3']) expect(existsSync(`${marker}${suffix}`)).toBe(false);
  });
});

/** A one-job workflow holding the `window` step of upgrade.yml's production-in-place job, verbatim. */
function windowWorkflow(): string {
  const wf = parse(readFileSync(UPGRADE, 'utf8')) as { on: unknown; jobs: Record<string, { steps: { id?: string }[] }> };
  const step = wf.jobs['production-in-place']!.steps.find((s) => s.id === 'window');
  const file = path.join(dir, 'window.yml');
  writeFileSync(file, stringify({ on: wf.on, jobs: { window: { 'runs-on': 'ubuntu-latest', steps: [step] } } }));
  return file;
}

describe('upgrade.yml: the maintenance window (not-before)', () => {
  it('counts down in the log until the window opens', async () => {
    const notBefore = new Date(Date.now() + 2_200).toISOString();
    const started = Date.now();
    const run = await runWorkflow({ workflow: windowWorkflow(), workDir: path.join(dir, 'window-run'), inputs: { to: '3.4.2', 'not-before': notBefore }, runScripts: ['window'] });
    const step = run.step('window', 'window');
    expect(step.outcome, step.stderr).toBe('success');
    expect(step.stdout).toMatch(/^maintenance window opens in 0h 00m 0[1-3]s \(/);
    expect(step.stdout).toMatch(/maintenance window open: starting\n$/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
  });

  it('refuses a window more than 6 h away, and a value that is not a date (metacharacters included) without running it', async () => {
    const far = await runWorkflow({ workflow: windowWorkflow(), workDir: path.join(dir, 'window-far'), inputs: { to: '3.4.2', 'not-before': new Date(Date.now() + 7 * 3600_000).toISOString() }, runScripts: ['window'] });
    expect(far.step('window', 'window').annotations[0]?.message).toMatch(/more than 6 h/);
    const marker = path.join(dir, 'window-injected');
    const evil = `$(touch ${marker}); touch ${marker}2 \`touch ${marker}3\``;
    const bad = await runWorkflow({ workflow: windowWorkflow(), workDir: path.join(dir, 'window-bad'), inputs: { to: '3.4.2', 'not-before': evil }, runScripts: ['window'] });
    const step = bad.step('window', 'window');
    expect(step.outcome).toBe('failure');
    expect(step.annotations[0]).toMatchObject({ level: 'error', title: 'not-before', message: `not a date: ${evil}` });
    for (const suffix of ['', '2', '3']) expect(existsSync(`${marker}${suffix}`)).toBe(false);
  });
});

describe('example workflows: no expression inside a run: script', () => {
  it('every run: of workflows-examples/*.yml and .github/workflows/*.yml takes inputs from env only', async () => {
    const files = ['workflows-examples', '.github/workflows'].flatMap((d) => {
      const full = path.join(REPO_ROOT, d);
      return existsSync(full) ? readdirSync(full).filter((f) => f.endsWith('.yml')).map((f) => path.join(full, f)) : [];
    });
    expect(files.length).toBeGreaterThanOrEqual(5);
    const offenders: string[] = [];
    let scripts = 0;
    for (const file of files) {
      // GitHub's parser turns a script holding `${{ }}` into an expression (a format() call).
      for (const job of (await loadWorkflow(file)).template.jobs) {
        for (const step of job.type === 'job' ? job.steps : []) {
          if (!('run' in step)) continue;
          scripts++;
          if (step.run.isExpression) offenders.push(`${path.basename(file)} ${job.id.value}/${step.id}`);
        }
      }
    }
    expect(scripts).toBeGreaterThan(10);
    expect(offenders).toEqual([]);
  });
});
