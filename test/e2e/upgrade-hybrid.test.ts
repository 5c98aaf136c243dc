// End-to-end rehearsal of workflows-examples/upgrade-rolling.yml through the reusable
// kong-upgrade.yml, deployment hybrid: an Enterprise control plane 3.4.3.5 → 3.10.0.2 on real
// PostgreSQL (the gated in-place path: fresh backup, migrations hop by hop, smoke) with three
// data planes rolled after it in two batches, [dp-1, dp-2] then [dp-3]. Preproduction rehearses
// all of it first. In production dp-3's new node never syncs: its batch fails, is reverted to
// 3.4.3.5, the rollout stops (the run fails), and every data plane, old or new, keeps serving
// the control plane's configuration; the control plane's data is what it was.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWorkflow, type WorkflowRun } from '../workflow-harness/harness.js';
import { dataFingerprint, pendingMigrations } from './rehearsal.js';
import { createRollingWorld, type RollingWorld } from './rolling-world.js';

let world: RollingWorld;
let run: WorkflowRun;
let before: Awaited<ReturnType<typeof dataFingerprint>>;

beforeAll(async () => {
  world = await createRollingWorld({ kind: 'hybrid', from: '3.4.3.5', to: '3.10.0.2', names: ['dp-1', 'dp-2', 'dp-3'], productionBatches: [['dp-1', 'dp-2'], ['dp-3']] });
  before = await dataFingerprint(world.pg!, 'kong');
  // Production's dp-3 comes up at 3.10.0.2 but never applies a configuration.
  world.fleets.production.failOnRoll.add('dp-3');
  run = await runWorkflow({
    ...world.runOptions(path.join(world.dir, 'run')),
    workflow: 'workflows-examples/upgrade-rolling.yml',
    inputs: { cluster: 'hybrid-eu', from: '', to: '3.10.0.2', deployment: 'hybrid', strategy: 'auto', 'dry-run': false },
  });
}, 300_000);

afterAll(async () => {
  await world?.stop();
});

const report = (artifact: string, file: string) => JSON.parse(readFileSync(path.join(run.artifactsDir, artifact, file), 'utf8'));

describe('upgrade-rolling.yml → kong-upgrade.yml, hybrid 3.4.3.5 → 3.10.0.2, three data planes in two batches, the second failing', () => {
  it('control plane in place first (preproduction, then production), then the data planes; the rollout stops at the failed batch and the run fails', () => {
    expect(run.conclusion).toBe('failure');
    expect(run.jobs.map((j) => [j.id, j.result])).toEqual([
      ...['doctor', 'preflight', 'plan', 'backup', 'preproduction', 'preproduction-rolling', 'gate', 'production-in-place'].map((job) => [`upgrade / ${job}`, 'success']),
      ...['production-dual-cluster', 'production-blue-green', 'production-blue-green-finish'].map((job) => [`upgrade / ${job}`, 'skipped']),
      ['upgrade / production-rolling', 'failure'],
      ['upgrade', 'failure'],
    ]);
    // auto, hybrid: the control planes' strategy is in-place (the plan recommends dual-cluster for them).
    expect(run.job('upgrade / plan').outputs).toMatchObject({ from: '3.4.3.5', to: '3.10.0.2', strategy: 'in-place', edition: 'enterprise' });
    expect(run.step('upgrade / plan', 'strategy').summary).toMatch(/### Strategy: in-place\n\ncontrol planes: .*; then the data planes, rolled in batches/);
    const roll = run.step('upgrade / production-rolling', 'roll');
    expect(roll.outcome).toBe('failure');
    expect(roll.annotations[0]!.message).toMatch(/rolling upgrade, batch 2.*dp-3: data-plane-sync \(has no configuration yet \(empty configuration hash\)\); reverted: the batch runs 3\.4\.3\.5 again, synced with the control plane\. The rollout stopped: 1 batch\(es\) rolled, 0 not started/);
  });

  it('operator calls: the control plane stopped and started at 3.10.0.2 around the migrations, then roll-batch per batch, and the failed batch reverted', () => {
    expect(world.operatorCalls.map((c) => `${c.env.KONG_UPGRADE_ENVIRONMENT}:${c.phase}:${c.env.KONG_UPGRADE_BATCH ?? ''}:${c.env.KONG_UPGRADE_VERSION}`)).toEqual([
      'preproduction:stop-old::', 'preproduction:start-new::3.10.0.2',
      'preproduction:roll-batch:["dp-1","dp-2"]:3.10.0.2', 'preproduction:roll-batch:["dp-3"]:3.10.0.2',
      'production:stop-old::', 'production:start-new::3.10.0.2',
      'production:roll-batch:["dp-1","dp-2"]:3.10.0.2', 'production:roll-batch:["dp-3"]:3.10.0.2', 'production:revert-batch:["dp-3"]:3.4.3.5',
    ]);
    const roll = world.operatorCalls.find((c) => c.phase === 'roll-batch')!;
    expect(roll.env).toMatchObject({ KONG_UPGRADE_STRATEGY: 'rolling', KONG_UPGRADE_DEPLOYMENT: 'hybrid', KONG_UPGRADE_EDITION: 'enterprise', KONG_UPGRADE_BATCH_INDEX: '1', KONG_UPGRADE_BATCH_COUNT: '2', KONG_UPGRADE_DECLARATIVE_CONFIG: '' });
  });

  it('each batch: the skew rule against the upgraded control plane first, then the data planes reported 3.10.0.2 with the control plane\'s configuration hash, then the smoke requests through each', () => {
    const production = report(run.artifactNames.find((n) => /^kong-upgrade-reports-hybrid-eu-\d+-rolling$/.test(n))!, 'production-rolling.json');
    expect(production).toMatchObject({ deployment: 'hybrid', from: '3.4.3.5', to: '3.10.0.2', completed: false, controlPlane: { version: '3.10.0.2' } });
    expect(production.batches.map((b: { nodes: string[]; outcome: string }) => [b.nodes, b.outcome])).toEqual([[['dp-1', 'dp-2'], 'rolled'], [['dp-3'], 'reverted']]);
    const first = production.batches[0].checks as Record<string, { name: string; status: string; threshold: string }[]>;
    for (const node of ['dp-1', 'dp-2']) {
      expect(first[node]!.map((c) => [c.name, c.status])).toEqual([['data-plane-sync', 'pass'], ['status-ready', 'pass'], ['proxy:echo', 'pass']]);
      // dp-3, not in the batch, carried the current hash: what "fresh" is measured against.
      expect(first[node]![0]!.threshold).toMatch(/^3\.10\.0\.2, configuration [0-9a-f]{32} \(from the data planes outside the batch\)$/);
    }
    expect(run.step('upgrade / production-rolling', 'roll').stdout).toMatch(/skew rule: data planes at 3\.10\.0\.2 may join the control plane at 3\.10\.0\.2/);
    const rehearsal = report(run.artifactNames.find((n) => n.startsWith('kong-upgrade-rolling-preproduction-'))!, 'preproduction-rolling.json');
    expect(rehearsal.completed).toBe(true);
    expect(rehearsal.batches.map((b: { outcome: string }) => b.outcome)).toEqual(['rolled', 'rolled']);
  });

  it('old data planes serving: dp-3 runs 3.4.3.5 again, synced; dp-1 and dp-2 run 3.10.0.2; all three serve the route', async () => {
    const fleet = world.fleets.production;
    expect(Object.fromEntries([...fleet.running].map(([name, node]) => [name, node.version]))).toEqual({ 'dp-1': '3.10.0.2', 'dp-2': '3.10.0.2', 'dp-3': '3.4.3.5' });
    const cp = world.controlPlanes.get('production')!;
    const listed = ((await (await fetch(`${cp.adminUrl}/clustering/data-planes`, { headers: { 'kong-admin-token': world.adminToken } })).json()) as { data: { id: string; version: string; config_hash: string }[] }).data;
    for (const [name, node] of fleet.running) {
      const row = listed.find((r) => r.id === node.nodeId)!;
      expect(row.version, name).toBe(node.version);
      expect(row.config_hash, name).toBe(node.currentHash());
      expect((await fetch(`${node.proxyUrl}/echo`)).status, name).toBe(200);
    }
  });

  it('nothing lost: the control plane\'s database migrated (no pending migration) with every row as it was', async () => {
    expect(await pendingMigrations(world.pg!, 'kong')).toBe(0);
    const after = await dataFingerprint(world.pg!, 'kong', before.columns);
    expect(after.digest).toEqual(before.digest);
    expect(JSON.parse(run.job('upgrade / production-in-place').outputs['state-after']!).kind).toBe('up-to-date');
  });
});
