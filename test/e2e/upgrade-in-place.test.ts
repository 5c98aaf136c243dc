// End-to-end rehearsal of workflows-examples/upgrade.yml, strategy in-place, 2.8.5 → 3.4.2, on
// real PostgreSQL, real nginx and the Kong simulator: the workflow file itself is run by the
// harness (jobs in needs order, the actions from dist, operator steps as test commands).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWorkflow, type WorkflowRun } from '../workflow-harness/harness.js';
import { createWorld, dataFingerprint, pendingMigrations, type World } from './rehearsal.js';
import { expectNoSecretAnywhere } from './secrets.js';

let world: World;
let run: WorkflowRun;
let before: Awaited<ReturnType<typeof dataFingerprint>>;
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
    workflow: 'workflows-examples/upgrade.yml',
    workDir: path.join(world.dir, 'run'),
    inputs: { cluster, from: '', to: '3.4.2', strategy: 'in-place', 'not-before': notBefore },
    environments: world.environments,
    commands: world.commands,
    runScripts: ['strategy', 'names', 'window'],
    checkout: world.checkout,
    sampleArgvMs: 20,
  });
}, 120_000);

afterAll(async () => {
  await world?.stop();
});

describe('upgrade.yml in-place 2.8.5 → 3.4.2', () => {
  it('runs plan → backup → preproduction → production in-place; the other strategies are skipped', () => {
    expect(run.conclusion, run.log.join('\n')).toBe('success');
    expect(run.jobs.map((j) => [j.id, j.result])).toEqual([
      ['preflight', 'success'],
      ['plan', 'success'],
      ['backup', 'success'],
      ['preproduction', 'success'],
      ['production-in-place', 'success'],
      ['production-dual-cluster', 'skipped'],
      ['production-blue-green', 'skipped'],
      ['production-blue-green-finish', 'skipped'],
    ]);
    // `from` was left empty: read from production's Admin API.
    expect(run.job('plan').outputs).toMatchObject({ from: '2.8.5', to: '3.4.2', strategy: 'in-place', 'requires-finish': 'true' });
    expect(run.step('plan', 'plan').summary.length).toBeGreaterThan(200);
  });

  it('production: migrations finished, data unchanged by fingerprint, traffic served by 3.4.2', async () => {
    const state = JSON.parse(run.job('production-in-place').outputs['state-after']!);
    expect(state.kind).toBe('up-to-date');
    expect(await pendingMigrations(world.pg, 'kong')).toBe(0);
    const after = await dataFingerprint(world.pg, 'kong', before.columns);
    expect(after.digest).toEqual(before.digest);
    expect(run.job('production-in-place').outputs['smoke-passed']).toBe('true');
    const served = await world.throughFront();
    expect(served).toMatchObject({ status: 200, via: 'kong/3.4.2', cluster: 'blue' });
  });

  it('the backup gate held: the fresh backup was taken after the stop, migrate compared fingerprints', () => {
    const steps = run.job('production-in-place').steps.map((s) => s.id ?? s.name);
    expect(steps.indexOf('stop-nodes')).toBeLessThan(steps.indexOf('backup'));
    expect(steps.indexOf('backup')).toBeLessThan(steps.indexOf('migrate'));
    expect(run.step('production-in-place', 'migrate').inputs?.['backup-manifest']).toBe(run.step('production-in-place', 'backup').outputs['manifest-path']);
  });

  it('preproduction rehearsed the same strategy on a restored copy of production', async () => {
    expect(run.step('preproduction', 'migrate-all').outcome).toBe('success');
    expect(run.step('preproduction', 'smoke').outputs.passed).toBe('true');
    expect(await pendingMigrations(world.pg, 'kong_preprod')).toBe(0);
    const preprod = await dataFingerprint(world.pg, 'kong_preprod', before.columns);
    expect(preprod.digest).toEqual(before.digest);
  });

  it('checked not-before (already open) before touching production', () => {
    const window = run.step('production-in-place', 'window');
    expect(window.stdout).toBe('maintenance window open: starting\n');
    expect(run.job('production-in-place').steps.findIndex((s) => s.id === 'window')).toBeLessThan(run.job('production-in-place').steps.findIndex((s) => s.id === 'stop-nodes'));
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
    expect(run.concurrencyGroup).toMatch(/^kong-cluster-eu;touch /);
  });

  it('no input was executed, and no secret is in any log, output, summary, artifact, file or argv', () => {
    for (const marker of MARKERS) expect(existsSync(path.join(world.dir, marker)), marker).toBe(false);
    expectNoSecretAnywhere(run, world, path.join(world.dir, 'run'));
    // The sampler saw the action processes run (pg_dump itself can finish between two samples).
    expect(run.argv.some((line) => line.includes('dist/backup-db/index.js'))).toBe(true);
  });
});
