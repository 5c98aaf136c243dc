// End-to-end rehearsal of workflows-examples/upgrade.yml, the caller a team copies, calling the
// reusable .github/workflows/kong-upgrade.yml: strategy in-place, 2.8.5 → 3.4.2, on real
// PostgreSQL, real nginx and the Kong simulator. The harness runs both files (jobs in needs order,
// the actions from dist, the run: steps as written) and the operator steps call the operator
// script of the caller's checkout, which starts and stops the simulated nodes.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConcurrencyGroups, runWorkflow, type WorkflowRun } from '../workflow-harness/harness.js';
import { createWorld, dataFingerprint, pendingMigrations, type World, upgradeJobs } from './rehearsal.js';
import { expectNoSecretAnywhere } from './secrets.js';

let world: World;
let run: WorkflowRun;
let before: Awaited<ReturnType<typeof dataFingerprint>>;
const groups = new ConcurrencyGroups();
const MARKERS = ['m-semicolon', 'm-dollar', 'm-backtick'];

beforeAll(async () => {
  world = await createWorld('2.8.5');
  before = await dataFingerprint(world.pg, 'kong');
  // A cluster name made of shell metacharacters: it reaches concurrency, artifact names and two
  // run: steps, and must stay text everywhere.
  const marker = (name: string) => path.join(world.dir, name);
  const cluster = `eu;touch ${marker('m-semicolon')} $(touch ${marker('m-dollar')}) \`touch ${marker('m-backtick')}\``;
  // A window already open (the countdown itself: test/e2e/operator-steps.test.ts).
  const notBefore = new Date(Date.now() - 60_000).toISOString();
  // Production starts at blue 2.8.5 with nginx in front; preproduction has a node to stop.
  await world.startNode('preproduction', 'kong', '2.8.5').then(() => world.stopNode('preproduction'));
  run = await runWorkflow({
    ...world.runOptions(path.join(world.dir, 'run')),
    workflow: 'workflows-examples/upgrade.yml',
    inputs: { cluster, from: '', to: '3.4.2', strategy: 'in-place', 'not-before': notBefore },
    concurrency: groups,
  });
}, 120_000);

afterAll(async () => {
  await world?.stop();
});

describe('upgrade.yml → kong-upgrade.yml in-place 2.8.5 → 3.4.2', () => {
  it('runs doctor → plan → backup → preproduction → gate → production in-place; the other strategies are skipped', () => {
    expect(run.conclusion, run.log.join('\n')).toBe('success');
    expect(run.jobs.map((j) => [j.id, j.result])).toEqual(upgradeJobs('in-place'));
    // `from` was left empty: read from production's Admin API.
    expect(run.job('upgrade / plan').outputs).toMatchObject({ from: '2.8.5', to: '3.4.2', strategy: 'in-place', 'requires-finish': 'true' });
    expect(run.step('upgrade / plan', 'plan').summary.length).toBeGreaterThan(200);
    // The called workflow's outputs, back in the caller.
    expect(run.job('upgrade').outputs).toMatchObject({ strategy: 'in-place', 'kong-version': '3.4.2', live: 'blue' });
    expect(JSON.parse(run.job('upgrade').outputs['migration-state']!).kind).toBe('up-to-date');
    expect(run.job('upgrade').outputs['backup-fingerprint']).toMatch(/^[0-9a-f]{64}$/);
  });

  it('the doctor read production\'s protection from the API; production jobs waited for its reviewers on the labelled runner', () => {
    const doctor = run.step('upgrade / doctor', 'doctor');
    expect(doctor.summary).toMatch(/\| `production` \| production \| user:platform-lead \| prevented \| none \| protected branches \| all present/);
    expect(world.github.requests).toContain('/repos/example/kong-ops/environments/production');
    const production = run.job('upgrade / production-in-place');
    expect(production.deployment).toMatchObject({ environment: 'production', reviewers: ['platform-lead'], waitedForReviewers: true, approved: true });
    expect(production.runsOn).toEqual(['self-hosted', 'kong-e2e']);
    // The suite's actions came from the workflow's own repository at its own commit.
    const checkout = production.steps.find((s) => s.inputs?.path === '.kong-upgrade-actions')!;
    expect(checkout.inputs).toMatchObject({ repository: '<owner>/kong-upgrade-actions', ref: expect.stringMatching(/^[0-9a-f]{40}$/) });
  });

  it('the operator script was called per phase with the contract\'s variables and the secrets it needs', () => {
    expect(world.operatorCalls.map((c) => `${c.env.KONG_UPGRADE_ENVIRONMENT}:${c.phase}:${c.env.KONG_UPGRADE_VERSION ?? ''}`)).toEqual([
      'preproduction:stop-old:', 'preproduction:start-new:3.4.2', 'production:stop-old:', 'production:start-new:3.4.2',
    ]);
    for (const call of world.operatorCalls) {
      // The fixed set: nothing more, nothing less (the secrets are counted apart).
      expect(Object.keys(call.env).sort()).toEqual([
        'KONG_UPGRADE_CLUSTER', 'KONG_UPGRADE_EDITION', 'KONG_UPGRADE_ENVIRONMENT', 'KONG_UPGRADE_FROM', 'KONG_UPGRADE_HOPS',
        'KONG_UPGRADE_OPERATOR_CONFIG', 'KONG_UPGRADE_ROLE', 'KONG_UPGRADE_STRATEGY', 'KONG_UPGRADE_TO', 'KONG_UPGRADE_VERSION',
      ]);
      expect(call.env).toMatchObject({ KONG_UPGRADE_STRATEGY: 'in-place', KONG_UPGRADE_FROM: '2.8.5', KONG_UPGRADE_TO: '3.4.2', KONG_UPGRADE_EDITION: 'oss', KONG_UPGRADE_ROLE: 'blue' });
      expect(call.env.KONG_UPGRADE_CLUSTER).toMatch(/^eu;touch /);
      expect(call.env.KONG_UPGRADE_HOPS).toContain('3.4.2');
      expect(call).toMatchObject({ sshKey: true, kubeconfig: true, gitopsToken: true });
    }
  });

  it('production: migrations finished, data unchanged by fingerprint, traffic served by 3.4.2', async () => {
    const state = JSON.parse(run.job('upgrade / production-in-place').outputs['state-after']!);
    expect(state.kind).toBe('up-to-date');
    expect(await pendingMigrations(world.pg, 'kong')).toBe(0);
    const after = await dataFingerprint(world.pg, 'kong', before.columns);
    expect(after.digest).toEqual(before.digest);
    expect(run.job('upgrade / production-in-place').outputs['smoke-passed']).toBe('true');
    const served = await world.throughFront();
    expect(served).toMatchObject({ status: 200, via: 'kong/3.4.2', cluster: 'blue' });
  });

  it('the backup gate held: the fresh backup was taken after the stop, migrate compared fingerprints', () => {
    const steps = run.job('upgrade / production-in-place').steps.map((s) => s.id ?? s.name);
    expect(steps.indexOf('stop-old')).toBeLessThan(steps.indexOf('backup'));
    expect(steps.indexOf('backup')).toBeLessThan(steps.indexOf('migrate'));
    expect(run.step('upgrade / production-in-place', 'migrate').inputs?.['backup-manifest']).toBe(run.step('upgrade / production-in-place', 'backup').outputs['manifest-path']);
  });

  it('preproduction proved its targets were not production\'s, then rehearsed the same strategy on a restored copy', async () => {
    const steps = run.job('upgrade / preproduction').steps.map((s) => s.id);
    expect(steps.indexOf('targets')).toBeLessThan(steps.indexOf('stop-old'));
    expect(run.step('upgrade / preproduction', 'targets').stdout).toMatch(/the rehearsal's database and URLs are not production's/);
    expect(run.step('upgrade / preproduction', 'migrate-all').outcome).toBe('success');
    expect(run.step('upgrade / preproduction', 'smoke').outputs.passed).toBe('true');
    expect(await pendingMigrations(world.pg, 'kong_preprod')).toBe(0);
    const preprod = await dataFingerprint(world.pg, 'kong_preprod', before.columns);
    expect(preprod.digest).toEqual(before.digest);
  });

  it('waited for not-before (already open) in the gate job, which holds no secret, before production', () => {
    const window = run.step('upgrade / gate', 'window');
    expect(window.stdout).toBe('maintenance window open: starting\n');
    expect(run.job('upgrade / gate').environment).toBeUndefined();
    expect(run.step('upgrade / gate', 'approval').outcome).toBe('skipped'); // approval-gate: environment
  });

  it('backups travel as encrypted artifacts with safe names; concurrency is per cluster', () => {
    expect(run.artifactNames.every((name) => /^[A-Za-z0-9._-]+$/.test(name))).toBe(true);
    const backups = run.artifactNames.filter((n) => n.startsWith('kong-backup-'));
    expect(backups).toHaveLength(2); // the read-only one and the fresh one before the migrations
    for (const name of backups) {
      const manifest = JSON.parse(readFileSync(path.join(run.artifactsDir, name, 'manifest.json'), 'utf8'));
      expect(manifest.encryption.method).toBe('gpg-symmetric');
      expect(existsSync(path.join(run.artifactsDir, name, path.basename(manifest.archive.path)))).toBe(true);
    }
    // One group per target environment, held by the called workflow for all its jobs.
    expect(groups.events).toContain('upgrade acquired kong-production');
    expect(groups.events).toContain('upgrade / preproduction acquired kong-preproduction');
  });

  it('no input was executed, and no secret is in any log, output, summary, artifact, file or argv', () => {
    for (const marker of MARKERS) expect(existsSync(path.join(world.dir, marker)), marker).toBe(false);
    expectNoSecretAnywhere(run, world, path.join(world.dir, 'run'));
    // The sampler saw the action processes run (pg_dump itself can finish between two samples).
    expect(run.argv.some((line) => line.includes('dist/backup-db/index.js'))).toBe(true);
  });
});
