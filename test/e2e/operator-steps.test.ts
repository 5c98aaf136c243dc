// The reusable workflow's own shell steps, run as written (bash, `${{ }}` substituted as the
// runner does) through the caller workflows-examples/upgrade.yml: the plan job's checks before
// anything changes (strategy gate, operator script, environments, not-before), the gate job's
// maintenance-window countdown, and a static check that no `run:` script of any workflow
// interpolates an expression (inputs reach scripts only through env:, so shell metacharacters in
// them are never executed).
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

const CALLER = path.join(REPO_ROOT, 'workflows-examples/upgrade.yml');
const REUSABLE = path.join(REPO_ROOT, '.github/workflows/kong-upgrade.yml');

/** The caller's checkout: with the operator script it names, or without it. */
function checkout(withScript: boolean): string {
  const root = mkdtempSync(path.join(dir, 'checkout-'));
  if (withScript) {
    mkdirSync(path.join(root, 'deploy'));
    writeFileSync(path.join(root, 'deploy', 'kong-operator'), '#!/bin/sh\nexit 0\n');
    chmodSync(path.join(root, 'deploy', 'kong-operator'), 0o755);
  }
  return root;
}

const planOnly = (inputs: Record<string, string>, options: { withScript?: boolean; vars?: Record<string, string> } = {}) =>
  runWorkflow({
    workflow: CALLER,
    workDir: mkdtempSync(path.join(dir, 'plan-')),
    jobs: ['upgrade', 'upgrade / plan', 'upgrade / backup'],
    inputs,
    vars: { KONG_RUNNER_LABELS: '["self-hosted"]', KONG_PLAN_OFFLINE: 'true', ...options.vars },
    environments: { 'production-readonly': {} },
    checkout: checkout(options.withScript ?? true),
    runScripts: ['checks', 'strategy'],
  });

describe('upgrade.yml plan job: the strategy gate', () => {
  it('refuses blue-green across 2.8 → 3.4 with the plan\'s reason, before any backup', async () => {
    const run = await planOnly({ from: '2.8.5', to: '3.4.2', strategy: 'blue-green' });
    const gate = run.step('upgrade / plan', 'strategy');
    expect(gate.outcome).toBe('failure');
    expect(gate.annotations[0]).toMatchObject({ level: 'error', title: 'strategy blue-green refused' });
    expect(gate.annotations[0]!.message).toMatch(/only between patch versions.*lts-to-lts/);
    expect(gate.summary).toMatch(/### Strategy blue-green refused/);
    expect(run.job('upgrade / plan').result).toBe('failure');
    expect(run.job('upgrade / backup').result).toBe('skipped');
  });

  it('accepts blue-green for the patch upgrade 3.4.1 → 3.4.2, and auto takes the plan\'s recommendation', async () => {
    const blueGreen = await planOnly({ from: '3.4.1', to: '3.4.2', strategy: 'blue-green' });
    expect(blueGreen.job('upgrade / plan').outputs.strategy).toBe('blue-green');
    const auto = await planOnly({ from: '2.8.5', to: '3.4.2', strategy: 'auto' });
    expect(auto.job('upgrade / plan').outputs.strategy).toBe('dual-cluster');
  });

  it('a to-version with shell metacharacters fails validation and is never executed', async () => {
    const marker = path.join(dir, 'to-injected');
    const run = await planOnly({ from: '2.8.5', to: `3.4.2; touch ${marker} $(touch ${marker}2) \`touch ${marker}3\``, strategy: 'auto' });
    expect(run.step('upgrade / plan', 'plan').outcome).toBe('failure');
    expect(run.step('upgrade / plan', 'plan').annotations.some((a) => a.level === 'error' && /to/.test(a.message))).toBe(true);
    expect(run.step('upgrade / plan', 'strategy').outcome).toBe('skipped');
    for (const suffix of ['', '2', '3']) expect(existsSync(`${marker}${suffix}`)).toBe(false);
  });
});

describe('kong-upgrade.yml plan job: refused before anything changes', () => {
  it('a missing operator script fails the plan job naming the input; no backup is taken', async () => {
    const run = await planOnly({ from: '2.8.5', to: '3.4.2', strategy: 'in-place' }, { withScript: false });
    const checks = run.step('upgrade / plan', 'checks');
    expect(checks.outcome).toBe('failure');
    expect(checks.annotations[0]).toMatchObject({ level: 'error', title: 'operator-script' });
    expect(checks.annotations[0]!.message).toMatch(/^operator-script 'deploy\/kong-operator' is not an executable file in this repository/);
    expect(run.step('upgrade / plan', 'plan').outcome).toBe('skipped');
    expect(run.job('upgrade / backup').result).toBe('skipped');
  });

  it('a not-before that is not a date, or more than 6 h away, fails the plan job without running it', async () => {
    const marker = path.join(dir, 'window-injected');
    const evil = `$(touch ${marker}); touch ${marker}2 \`touch ${marker}3\``;
    const bad = await planOnly({ to: '3.4.2', 'not-before': evil });
    expect(bad.step('upgrade / plan', 'checks').annotations[0]).toMatchObject({ level: 'error', title: 'not-before', message: `not a date: ${evil}` });
    for (const suffix of ['', '2', '3']) expect(existsSync(`${marker}${suffix}`)).toBe(false);
    const far = await planOnly({ to: '3.4.2', 'not-before': new Date(Date.now() + 7 * 3600_000).toISOString() });
    expect(far.step('upgrade / plan', 'checks').annotations[0]?.message).toMatch(/more than 6 h/);
  });

  it('runner labels unset: every job fails to start, none falls back to a hosted runner', async () => {
    const run = await planOnly({ to: '3.4.2' }, { vars: { KONG_RUNNER_LABELS: '' } });
    expect(run.job('upgrade / plan').result).toBe('failure');
    expect(run.job('upgrade / plan').steps).toEqual([]);
  });
});

/** A one-job workflow holding the `window` step of kong-upgrade.yml's gate job, verbatim. */
function windowWorkflow(): string {
  const wf = parse(readFileSync(REUSABLE, 'utf8')) as { jobs: Record<string, { steps: { id?: string }[] }> };
  const step = wf.jobs.gate!.steps.find((s) => s.id === 'window');
  const file = path.join(dir, 'window.yml');
  const on = { workflow_dispatch: { inputs: { 'not-before': { type: 'string' } } } };
  writeFileSync(file, stringify({ on, jobs: { window: { 'runs-on': 'ubuntu-latest', steps: [step] } } }));
  return file;
}

describe('kong-upgrade.yml gate job: the maintenance window (not-before)', () => {
  it('counts down in the log until the window opens', async () => {
    const notBefore = new Date(Date.now() + 2_200).toISOString();
    const started = Date.now();
    const run = await runWorkflow({ workflow: windowWorkflow(), workDir: path.join(dir, 'window-run'), inputs: { 'not-before': notBefore }, runScripts: ['window'] });
    const step = run.step('window', 'window');
    expect(step.outcome, step.stderr).toBe('success');
    expect(step.stdout).toMatch(/^maintenance window opens in 0h 00m 0[1-3]s \(/);
    expect(step.stdout).toMatch(/maintenance window open: starting\n$/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
  });

  it('refuses a window more than 6 h away, and a value that is not a date (metacharacters included) without running it', async () => {
    const far = await runWorkflow({ workflow: windowWorkflow(), workDir: path.join(dir, 'window-far'), inputs: { 'not-before': new Date(Date.now() + 7 * 3600_000).toISOString() }, runScripts: ['window'] });
    expect(far.step('window', 'window').annotations[0]?.message).toMatch(/more than 6 h/);
    const marker = path.join(dir, 'window-injected-gate');
    const evil = `$(touch ${marker}); touch ${marker}2 \`touch ${marker}3\``;
    const bad = await runWorkflow({ workflow: windowWorkflow(), workDir: path.join(dir, 'window-bad'), inputs: { 'not-before': evil }, runScripts: ['window'] });
    const step = bad.step('window', 'window');
    expect(step.outcome).toBe('failure');
    expect(step.annotations[0]).toMatchObject({ level: 'error', title: 'not-before', message: `not a date: ${evil}` });
    for (const suffix of ['', '2', '3']) expect(existsSync(`${marker}${suffix}`)).toBe(false);
  });
});

describe('workflows: no expression inside a run: script', () => {
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
