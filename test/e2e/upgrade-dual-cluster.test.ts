// End-to-end rehearsal of workflows-examples/upgrade.yml (calling the reusable kong-upgrade.yml),
// strategy dual-cluster, 2.8.5 → 3.4.2, then workflows-examples/rollback.yml (calling
// kong-rollback.yml), on real PostgreSQL, real nginx (promote's nginx backend:
// an include file in `upstream kong { }`, graceful reloads, green counted in the access log) and
// the Kong simulator. Steady traffic goes through nginx while promote moves it.
import { cpSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseUpstreamServers } from '../../src/traffic/nginx.js';
import { describeLoad, startLoad, transportTotal, type LoadCounts, type RunningLoad } from '../traffic/load.js';
import { runWorkflow, type WorkflowRun } from '../workflow-harness/harness.js';
import { createWorld, dataFingerprint, filesContaining, pendingMigrations, type World, upgradeJobs } from './rehearsal.js';
import { expectNoSecretAnywhere } from './secrets.js';

let world: World;
let upgrade: WorkflowRun;
let rollback: WorkflowRun;
let before: Awaited<ReturnType<typeof dataFingerprint>>;
let blueAfterUpgrade: Awaited<ReturnType<typeof dataFingerprint>>;
let blueServingAfterUpgrade: { status: number; via: string | null };
let blueBeforeRollback: Awaited<ReturnType<typeof dataFingerprint>>;
let promoteLoad: LoadCounts | undefined;
let servedAfterUpgrade: Awaited<ReturnType<World['throughFront']>>;
let servedAfterRevert: Awaited<ReturnType<World['throughFront']>> | undefined;
let greenAddress: string;
let blueAddress: string;
const MARKERS = ['m-semicolon', 'm-dollar', 'm-backtick'];

beforeAll(async () => {
  world = await createWorld('2.8.5', { promoteFront: true });
  before = await dataFingerprint(world.pg, 'kong');
  const marker = (name: string) => path.join(world.dir, name);
  const cluster = `eu;touch ${marker('m-semicolon')} $(touch ${marker('m-dollar')}) \`touch ${marker('m-backtick')}\``;
  blueAddress = world.environments.production!.vars.KONG_BLUE_SERVERS!;

  // Steady traffic through the front for the whole promote step (bounded: requests and time).
  let load: RunningLoad | undefined;
  const stopLoad = async () => {
    if (load) promoteLoad = await load.stop();
    load = undefined;
  };
  upgrade = await runWorkflow({
    ...world.runOptions(path.join(world.dir, 'run')),
    workflow: 'workflows-examples/upgrade.yml',
    inputs: { cluster, from: '', to: '3.4.2', strategy: 'dual-cluster', 'not-before': '' },
    beforeStep: async (job, step) => {
      if (job !== 'upgrade / production-dual-cluster') return;
      if (step.id === 'promote') {
        greenAddress = world.environments.production!.vars.KONG_GREEN_SERVERS!;
        load = startLoad(world.front.url, { connections: 6, path: '/echo', maxRequests: 200_000, maxMs: 60_000 });
      } else await stopLoad();
    },
  });
  await stopLoad();
  servedAfterUpgrade = await world.throughFront();
  blueAfterUpgrade = await dataFingerprint(world.pg, 'kong', before.columns);
  const blueDirect = await fetch(`${world.nodes.get('production')!.node.proxyUrl}/echo`);
  await blueDirect.arrayBuffer();
  blueServingAfterUpgrade = { status: blueDirect.status, via: blueDirect.headers.get('via') };

  // A write on blue's database after the fresh backup (someone used blue's Admin API during the
  // upgrade): the rollback restores the backup, so it must be gone afterwards.
  const write = await fetch(`${world.nodes.get('production')!.node.adminUrl}/consumers`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'kong-admin-token': world.adminToken }, body: JSON.stringify({ username: 'written-after-the-backup' }),
  });
  if (write.status !== 201) throw new Error(`POST /consumers: ${write.status} ${await write.text()}`);
  blueBeforeRollback = await dataFingerprint(world.pg, 'kong', before.columns);

  // Rollback: the fresh backup of the upgrade run, by its run id, as download-artifact would get it.
  const rollbackDir = path.join(world.dir, 'rollback');
  const backupArtifact = upgrade.job('upgrade').outputs['backup-artifact'];
  if (upgrade.conclusion !== 'success' || !backupArtifact) throw new Error(`the upgrade run failed, no rollback rehearsed:\n${upgrade.log.slice(-60).join('\n')}`);
  cpSync(path.join(upgrade.artifactsDir, backupArtifact), path.join(rollbackDir, 'artifacts', backupArtifact), { recursive: true });
  rollback = await runWorkflow({
    ...world.runOptions(rollbackDir),
    workflow: 'workflows-examples/rollback.yml',
    runId: '4343',
    inputs: { cluster, 'backup-run-id': '4242', 'previous-version': '2.8.5', 'restore-database': true, 'traffic-back': true },
    beforeStep: async (_job, step) => {
      // Right after the revert, before blue is stopped for the restore.
      if (step.id === 'names') servedAfterRevert = await world.throughFront();
    },
  });
}, 150_000);

afterAll(async () => {
  await world?.stop();
});

describe('upgrade.yml dual-cluster 2.8.5 → 3.4.2 (nginx front, promote under traffic)', () => {
  it('runs plan → backup → preproduction → production dual-cluster; the other strategies are skipped', () => {
    expect(upgrade.conclusion, upgrade.log.join('\n')).toBe('success');
    expect(upgrade.jobs.map((j) => [j.id, j.result])).toEqual(upgradeJobs('dual-cluster'));
    expect(upgrade.job('upgrade / plan').outputs).toMatchObject({ from: '2.8.5', to: '3.4.2', strategy: 'dual-cluster' });
    const steps = upgrade.job('upgrade / production-dual-cluster').steps.filter((s) => s.outcome === 'success').map((s) => s.id).filter(Boolean);
    // promote and the check before blue is retired found blue's database as the backup has it.
    expect(steps).toEqual(['backup', 'restore', 'migrate', 'deploy-green', 'smoke', 'promote', 'drift-retire']);
    expect(upgrade.step('upgrade / production-dual-cluster', 'promote').outputs.drift).toBe('clean');
    expect(upgrade.job('upgrade').outputs.drift).toBe('clean');
    expect(upgrade.job('upgrade').outputs).toMatchObject({ strategy: 'dual-cluster', live: 'green', 'kong-version': '3.4.2' });
    expect(world.operatorCalls.map((c) => `${c.env.KONG_UPGRADE_ENVIRONMENT}:${c.phase}:${c.env.KONG_UPGRADE_ROLE}:${c.env.KONG_UPGRADE_VERSION}`).slice(0, 2)).toEqual([
      'preproduction:deploy-green:green:3.4.2', 'production:deploy-green:green:3.4.2',
    ]);
  });

  it('green: restored from the fresh backup, migrations finished, data unchanged by fingerprint', async () => {
    const job = upgrade.job('upgrade / production-dual-cluster');
    expect(upgrade.step('upgrade / production-dual-cluster', 'restore').inputs?.manifest).toBe(upgrade.step('upgrade / production-dual-cluster', 'backup').outputs['manifest-path']);
    expect(upgrade.step('upgrade / production-dual-cluster', 'migrate').inputs?.['backup-manifest']).toBe(upgrade.step('upgrade / production-dual-cluster', 'restore').outputs['manifest-path']);
    expect(JSON.parse(job.outputs['state-after']!).kind).toBe('up-to-date');
    expect(await pendingMigrations(world.pg, 'kong_green')).toBe(0);
    const green = await dataFingerprint(world.pg, 'kong_green', before.columns);
    expect(green.digest).toEqual(before.digest);
    expect(job.outputs['smoke-passed']).toBe('true');
    // Preproduction rehearsed the same strategy on its own green copy.
    expect(await pendingMigrations(world.pg, 'kong_preprod_green')).toBe(0);
    expect((await dataFingerprint(world.pg, 'kong_preprod_green', before.columns)).digest).toEqual(before.digest);
  });

  it('promote moved the traffic to green in gated steps under steady load, without a 5xx', () => {
    const job = upgrade.job('upgrade / production-dual-cluster');
    expect(job.outputs.live).toBe('green');
    const promote = upgrade.step('upgrade / production-dual-cluster', 'promote');
    expect(promote.outputs).toMatchObject({ outcome: 'promoted', 'final-weight': '100' });
    const report = JSON.parse(promote.outputs['steps-json']!) as { steps: { green: number; decision: string; measurements: { status: string; figures: { name: string; measured: string }[] }[] }[] };
    // 0%: green gated with no traffic (probes, smoke) before any request goes to it.
    expect(report.steps.map((s) => s.green)).toEqual([0, 10, 50, 100]);
    for (const step of report.steps.slice(0, -1)) expect(step.measurements.some((m) => m.status === 'pass'), JSON.stringify(step)).toBe(true);
    // At 10% and 50% the front figure counted green's real requests in nginx's access log.
    for (const step of report.steps.slice(1, -1)) {
      expect(step.measurements.flatMap((m) => m.figures).some((f) => f.name === 'front'), JSON.stringify(step)).toBe(true);
    }
    const counts = promoteLoad!;
    console.log(describeLoad('dual-cluster promote through nginx', counts));
    console.log(`gates: ${report.steps.map((s) => `${s.green}% ${s.decision} (${s.measurements.map((m) => m.figures.map((f) => `${f.name} ${f.measured}`).join(', ')).join(' | ')})`).join('; ')}`);
    expect(counts.requests).toBeGreaterThan(200);
    expect(counts.status5xx).toBe(0);
    expect(counts.byCluster.green ?? 0).toBeGreaterThan(0);
    expect(counts.byCluster.blue ?? 0).toBeGreaterThan(0);
    // Each reload closes idle keep-alive connections: a few resets are possible, never many.
    expect(transportTotal(counts)).toBeLessThanOrEqual(counts.requests * 0.01);
    // After the run: nginx sends everything to green (3.4.2); blue is down in the include file.
    expect(servedAfterUpgrade).toMatchObject({ status: 200, cluster: 'green', via: 'kong/3.4.2' });
  });

  it('blue is kept for rollback: still 2.8.5, its database untouched', async () => {
    expect(blueAfterUpgrade.digest).toEqual(before.digest);
    // Still running and serving (straight to its proxy, no traffic from the front).
    expect(blueServingAfterUpgrade).toEqual({ status: 200, via: 'kong/2.8.5' });
    const inputs = upgrade.step('upgrade / production-dual-cluster', 'promote').inputs!;
    expect(inputs['blue-servers']).toBe(blueAddress);
    // The example wires the whole nginx front: include file, config, access log, pid file.
    expect(inputs).toMatchObject({
      backend: 'nginx', 'nginx-upstream-file': world.promoteFront!.upstreamFile, 'nginx-conf': world.front.configPath,
      'nginx-access-log': world.promoteFront!.accessLog, 'nginx-pid-file': world.promoteFront!.pidFile,
    });
  });

  it('backups travel as encrypted artifacts with safe names', () => {
    expect(upgrade.artifactNames.every((name) => /^[A-Za-z0-9._-]+$/.test(name))).toBe(true);
    const backups = upgrade.artifactNames.filter((n) => n.startsWith('kong-backup-'));
    expect(backups).toHaveLength(2);
    for (const name of backups) {
      const manifest = JSON.parse(readFileSync(path.join(upgrade.artifactsDir, name, 'manifest.json'), 'utf8'));
      expect(manifest.encryption.method).toBe('gpg-symmetric');
    }
  });
});

describe('rollback.yml after the dual-cluster upgrade', () => {
  it('traffic back to blue at once, the backup restored over production, 2.8.5 started and smoke-tested', () => {
    expect(rollback.conclusion, rollback.log.join('\n')).toBe('success');
    const job = rollback.job('rollback / rollback');
    expect(job.steps.map((s) => [s.id ?? s.name, s.outcome])).toEqual([
      ['Run actions/checkout@v5', 'success'],
      ['Run actions/checkout@v5', 'success'],
      ['traffic', 'success'],
      ['names', 'success'],
      ['Run actions/download-artifact@v8', 'success'],
      ['Verify the backup before anything is stopped', 'success'],
      ['stop-new', 'success'],
      ['restore', 'success'],
      ['start-old', 'success'],
      ['smoke', 'success'],
    ]);
    expect(rollback.step('rollback / rollback', 'traffic').outputs).toMatchObject({ live: 'blue', 'final-weight': '0' });
    expect(rollback.job('rollback').outputs).toMatchObject({ live: 'blue', 'smoke-passed': 'true' });
    expect(world.operatorCalls.slice(-2).map((c) => `${c.phase}:${c.env.KONG_UPGRADE_VERSION}`)).toEqual(['stop-new:', 'start-old:2.8.5']);
    expect(servedAfterRevert).toMatchObject({ status: 200, cluster: 'blue', via: 'kong/2.8.5' });
    expect(job.outputs['smoke-passed']).toBe('true');
  });

  it('data back to the backup: the restored fingerprint equals the backup manifest\'s', async () => {
    const artifact = upgrade.job('upgrade').outputs['backup-artifact']!;
    const manifest = JSON.parse(readFileSync(path.join(upgrade.artifactsDir, artifact, 'manifest.json'), 'utf8')) as { fingerprint: { digest: string; tables: Record<string, { rows: number }> } };
    // The consumer written after the backup made blue's data differ from it…
    expect(blueBeforeRollback.digest.get('consumers')).not.toEqual(before.digest.get('consumers'));
    // …the restore's fingerprint (read back from the restored database) is the manifest's…
    const restored = rollback.job('rollback').outputs.fingerprint!;
    expect(rollback.job('rollback / rollback').outputs.fingerprint).toBe(restored);
    expect(restored).toMatch(/^[0-9a-f]{64}$/);
    expect(restored).toBe(manifest.fingerprint.digest);
    expect(restored).toBe(upgrade.step('upgrade / production-dual-cluster', 'backup').outputs.fingerprint);
    // …and so is ours: every entity table as it was before the upgrade, the late consumer gone.
    expect((await dataFingerprint(world.pg, 'kong', before.columns)).digest).toEqual(before.digest);
    console.log(`rollback: manifest fingerprint ${manifest.fingerprint.digest.slice(0, 16)}… restored ${restored.slice(0, 16)}…; consumers ${before.digest.get('consumers')!.split(':')[0]} → ${blueBeforeRollback.digest.get('consumers')!.split(':')[0]} (late write) → ${before.digest.get('consumers')!.split(':')[0]} restored`);
  });

  it('traffic on blue (2.8.5): green is down in the include file', async () => {
    const served = await world.throughFront();
    expect(served).toMatchObject({ status: 200, cluster: 'blue', via: 'kong/2.8.5' });
    const servers = parseUpstreamServers(readFileSync(world.promoteFront!.upstreamFile, 'utf8'));
    expect(servers.get(greenAddress)).toBe(0);
  });
});

describe('secrets and shell metacharacters, both runs', () => {
  it('no input was executed, and no secret is in any log, output, summary, artifact, file or argv', () => {
    for (const marker of MARKERS) expect(existsSync(path.join(world.dir, marker)), marker).toBe(false);
    // Nor in what the traffic front wrote (include file, access and error logs, config).
    for (const secret of [world.pg.password, world.adminToken, world.passphrase]) {
      expect(filesContaining(world.front.dir, secret)).toEqual([]);
      expect(filesContaining(path.dirname(world.promoteFront!.upstreamFile), secret)).toEqual([]);
    }
    expectNoSecretAnywhere(upgrade, world, path.join(world.dir, 'run'));
    expectNoSecretAnywhere(rollback, world, path.join(world.dir, 'rollback'));
    // The sampler saw the long promote step itself (a short-lived `nginx -s reload` can fall
    // between two samples on a loaded machine), so the argv check above had something to read.
    expect(upgrade.argv.some((line) => line.includes('dist/promote/index.js'))).toBe(true);
  });
});
