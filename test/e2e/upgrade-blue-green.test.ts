// End-to-end rehearsals of workflows-examples/upgrade.yml (calling the reusable kong-upgrade.yml),
// strategy blue-green on the shared database, 3.4.1 → 3.4.2, on real PostgreSQL, real nginx (promote's nginx backend) and the Kong
// simulator. First two faulty greens, each stopped at a gate with traffic left on blue and
// nothing lost (and finish, the point of no return, never run); then the healthy run:
// up → deploy green → smoke → promote under steady traffic → finish with the smoke report.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseUpstreamServers } from '../../src/traffic/nginx.js';
import { describeLoad, startLoad, type LoadCounts, type RunningLoad } from '../traffic/load.js';
import { runWorkflow, type RunWorkflowOptions, type WorkflowRun } from '../workflow-harness/harness.js';
import { createWorld, dataFingerprint, filesContaining, pendingMigrations, type World, upgradeJobs } from './rehearsal.js';
import { expectNoSecretAnywhere } from './secrets.js';

let world: World;
let before: Awaited<ReturnType<typeof dataFingerprint>>;
let failing5xx: WorkflowRun;
let wrongVersion: WorkflowRun;
let healthy: WorkflowRun;
const load: Record<string, LoadCounts> = {};
const served: Record<string, Awaited<ReturnType<World['throughFront']>>> = {};
const fingerprints: Record<string, Awaited<ReturnType<typeof dataFingerprint>>> = {};
/** The front's include file at the end of each run. */
const upstreamFiles: Record<string, string> = {};
let faultAt = 0;
const MARKERS = ['m-semicolon', 'm-dollar', 'm-backtick'];
// The production jobs only, for the faulty greens (preproduction counts as passed).
const PRODUCTION_ONLY = ['upgrade', ...['doctor', 'preflight', 'plan', 'backup', 'gate', 'production-blue-green', 'production-blue-green-finish'].map((job) => `upgrade / ${job}`)];

beforeAll(async () => {
  world = await createWorld('3.4.1', { promoteFront: true });
  before = await dataFingerprint(world.pg, 'kong');
  const marker = (name: string) => path.join(world.dir, name);
  const cluster = `eu;touch ${marker('m-semicolon')} $(touch ${marker('m-dollar')}) \`touch ${marker('m-backtick')}\``;

  const rehearse = async (name: string, runId: string, extra: Partial<RunWorkflowOptions> & { onPromote?: () => Promise<void> } = {}) => {
    let running: RunningLoad | undefined;
    const stopLoad = async () => {
      if (running) load[name] = await running.stop();
      running = undefined;
    };
    const { onPromote, ...options } = extra;
    const run = await runWorkflow({
      ...world.runOptions(path.join(world.dir, name)),
      workflow: 'workflows-examples/upgrade.yml',
      runId,
      inputs: { cluster, from: '', to: '3.4.2', strategy: 'blue-green', 'not-before': '' },
      beforeStep: async (job, step) => {
        if (job !== 'upgrade / production-blue-green') return;
        if (step.id === 'promote') {
          await onPromote?.();
          // Steady traffic through the front for the whole promote step (bounded).
          running = startLoad(world.front.url, { connections: 6, path: '/echo', maxRequests: 200_000, maxMs: 60_000 });
        } else await stopLoad();
      },
      ...options,
    });
    await stopLoad();
    served[name] = await world.throughFront();
    upstreamFiles[name] = readFileSync(world.promoteFront!.upstreamFile, 'utf8');
    fingerprints[name] = await dataFingerprint(world.pg, 'kong', before.columns);
    return run;
  };

  // 1. Green starts answering 5xx once it takes real traffic: as soon as the include file gives
  //    it a weight (promote's 10% step), every answer of green's proxy is a 500.
  failing5xx = await rehearse('failing-5xx', '5001', {
    jobs: PRODUCTION_ONLY,
    onPromote: async () => {
      const green = world.nodes.get('production-green')!;
      const address = new URL(green.node.proxyUrl).host;
      const deadline = Date.now() + 30_000;
      const watch = setInterval(() => {
        const weight = parseUpstreamServers(readFileSync(world.promoteFront!.upstreamFile, 'utf8')).get(address) ?? 0;
        if (weight > 0 || Date.now() > deadline) {
          clearInterval(watch);
          faultAt = performance.now();
          void green.node.control.proxy.setFaults({ errorRate: 1, errorStatus: 500 });
        }
      }, 10);
    },
  });
  // 2. Green deployed at the wrong version (the operator script installed 3.4.1): the smoke gate.
  world.operatorFaults = { 'deploy-green': '3.4.1' };
  wrongVersion = await rehearse('wrong-version', '5002', { jobs: PRODUCTION_ONLY });
  world.operatorFaults = {};
  // 3. The whole pipeline, healthy.
  healthy = await rehearse('healthy', '4242');
}, 150_000);

afterAll(async () => {
  await world?.stop();
});

function expectStoppedAtTheGate(run: WorkflowRun, name: string, failedStep: string): void {
  expect(run.conclusion).toBe('failure');
  expect(run.job('upgrade / production-blue-green').result).toBe('failure');
  expect(run.step('upgrade / production-blue-green', failedStep).outcome).toBe('failure');
  // finish (after which blue cannot use the database) never ran.
  expect(run.job('upgrade / production-blue-green-finish').result).toBe('skipped');
  // Traffic stayed on blue (3.4.1); green is down in the include file.
  expect(served[name]).toMatchObject({ status: 200, cluster: 'blue', via: 'kong/3.4.1' });
  const servers = parseUpstreamServers(upstreamFiles[name]!);
  const blue = world.environments.production!.vars.KONG_BLUE_SERVERS!; // blue is never restarted here
  expect(servers.get(blue), upstreamFiles[name]).toBeGreaterThan(0);
  expect([...servers.entries()].filter(([address, weight]) => address !== blue && weight > 0), upstreamFiles[name]).toEqual([]);
  // Nothing lost: blue's database has the same data.
  expect(fingerprints[name]!.digest).toEqual(before.digest);
}

describe('upgrade.yml blue-green 3.4.1 → 3.4.2: faulty greens stop at the gate', () => {
  it('green answering 5xx once it takes traffic: the 10% gate fails, 100% back on blue; 5xx bounded by 10% of the window', () => {
    expectStoppedAtTheGate(failing5xx, 'failing-5xx', 'promote');
    expect(failing5xx.step('upgrade / production-blue-green', 'smoke').outcome).toBe('success');
    const promote = failing5xx.step('upgrade / production-blue-green', 'promote');
    expect(promote.outputs).toMatchObject({ live: 'blue', 'final-weight': '0', outcome: 'failed' });
    const report = JSON.parse(promote.outputs['steps-json']!) as { revertMs?: number; steps: { green: number; measurements: { status: string; figures: { name: string; status: string; measured: string; details: string }[] }[] }[] };
    expect(report.steps.map((s) => s.green)).toEqual([0, 10]);
    const last = report.steps.at(-1)!.measurements.at(-1)!;
    expect(last.status).toBe('fail');
    // The front (nginx's access log) never calls green healthy: it saw green's 5xx, or, when the
    // probes failed the gate before the load sent minSamples requests to green (a busy machine),
    // it had too few to judge and says so. The clients' own 5xx counts below prove what they saw.
    const front = last.figures.find((f) => f.name === 'front');
    expect(['fail', 'inconclusive']).toContain(front?.status);
    if (front?.status === 'inconclusive') expect(front.details).toMatch(/only \d+ request\(s\) reached green/);
    const counts = load['failing-5xx']!;
    const fiveXxAfterFault = counts.fiveXxTimes.filter((t) => t >= faultAt).length;
    console.log(describeLoad('blue-green faulty green (5xx from 10%) during promote', counts));
    console.log(`gate verdicts: ${report.steps.map((s) => `${s.green}%: ${s.measurements.map((m) => `${m.status} (${m.figures.map((f) => `${f.name} ${f.measured}`).join(', ')})`).join('; ')}`).join(' | ')}; revert ${report.revertMs?.toFixed(0)} ms`);
    expect(faultAt).toBeGreaterThan(0);
    expect(counts.status5xx).toBeGreaterThan(0);
    expect(counts.status5xx).toBe(fiveXxAfterFault);
    expect(counts.fiveXxByCluster.blue ?? 0).toBe(0);
    // nginx gave green 10% at most, for at most a gate interval (500 ms) plus the revert.
    expect(counts.status5xx).toBeLessThanOrEqual(Math.ceil(counts.requests * 0.1) + 12);
  });

  it('green at the wrong version: smoke fails on the version, promote never runs', () => {
    expectStoppedAtTheGate(wrongVersion, 'wrong-version', 'smoke');
    expect(wrongVersion.step('upgrade / production-blue-green', 'promote').outcome).toBe('skipped');
    const smoke = wrongVersion.step('upgrade / production-blue-green', 'smoke');
    expect(`${smoke.stdout}${smoke.summary}`).toMatch(/the node runs Kong 3\.4\.1, expected 3\.4\.2/);
    expect(load['wrong-version']).toBeUndefined();
  });
});

describe('upgrade.yml blue-green 3.4.1 → 3.4.2: the healthy pipeline', () => {
  it('runs plan → backup → preproduction → up → deploy green → smoke → promote → finish', () => {
    expect(healthy.conclusion, healthy.log.join('\n')).toBe('success');
    expect(healthy.jobs.map((j) => [j.id, j.result])).toEqual(upgradeJobs('blue-green'));
    expect(healthy.job('upgrade / plan').outputs).toMatchObject({ from: '3.4.1', to: '3.4.2', strategy: 'blue-green' });
    const steps = healthy.job('upgrade / production-blue-green').steps.filter((s) => s.outcome === 'success').map((s) => s.id).filter(Boolean);
    expect(steps).toEqual(['backup', 'up', 'deploy-green', 'smoke', 'promote']);
    // Blue retired by the operator script once finish made the database green's only; before
    // finish and before the retirement the database was checked against the fresh backup.
    expect(healthy.job('upgrade / production-blue-green-finish').steps.filter((s) => s.outcome === 'success').map((s) => s.id).filter(Boolean)).toEqual(['finish', 'drift-retire', 'retire-blue']);
    expect(healthy.step('upgrade / production-blue-green', 'promote').outputs.drift).toBe('clean');
    expect(healthy.step('upgrade / production-blue-green-finish', 'finish').outputs.drift).toBe('clean');
    expect(healthy.job('upgrade').outputs.drift).toBe('clean');
    expect(healthy.job('upgrade').outputs).toMatchObject({ strategy: 'blue-green', live: 'green', 'kong-version': '3.4.2' });
    expect(JSON.parse(healthy.job('upgrade').outputs['migration-state']!).kind).toBe('up-to-date');
    expect(healthy.step('upgrade / production-blue-green', 'promote').inputs?.topology).toBe('shared-database');
  });

  it('finish ran with green\'s smoke report: migrations finished, data unchanged by fingerprint', async () => {
    const finish = healthy.step('upgrade / production-blue-green-finish', 'finish');
    expect(finish.inputs?.['smoke-report']).toMatch(/green-smoke\.json$/);
    const report = JSON.parse(readFileSync(path.join(healthy.artifactsDir, healthy.job('upgrade / plan').outputs['reports-artifact']!, 'green-smoke.json'), 'utf8'));
    expect(report.passed ?? report.outcome).toBeTruthy();
    expect(JSON.parse(healthy.job('upgrade / production-blue-green-finish').outputs['state-after']!).kind).toBe('up-to-date');
    expect(await pendingMigrations(world.pg, 'kong')).toBe(0);
    expect(fingerprints.healthy!.digest).toEqual(before.digest);
    // Preproduction rehearsed up → green → smoke → finish on its restored copy.
    expect(healthy.step('upgrade / preproduction', 'finish').outcome).toBe('success');
    expect(await pendingMigrations(world.pg, 'kong_preprod')).toBe(0);
  });

  it('traffic on green (3.4.2), moved in gated steps under steady load without a 5xx', () => {
    expect(healthy.job('upgrade / production-blue-green').outputs.live).toBe('green');
    expect(healthy.step('upgrade / production-blue-green', 'promote').outputs).toMatchObject({ outcome: 'promoted', 'final-weight': '100' });
    const counts = load.healthy!;
    console.log(describeLoad('blue-green promote through nginx', counts));
    expect(counts.status5xx).toBe(0);
    expect(counts.byCluster.green ?? 0).toBeGreaterThan(0);
    expect(served.healthy).toMatchObject({ status: 200, cluster: 'green', via: 'kong/3.4.2' });
  });
});

describe('secrets and shell metacharacters, every run', () => {
  it('no input was executed, and no secret is in any log, output, summary, artifact, file or argv', () => {
    for (const marker of MARKERS) expect(existsSync(path.join(world.dir, marker)), marker).toBe(false);
    // Nor in what the traffic front wrote (include file, access and error logs, config).
    for (const secret of [world.pg.password, world.adminToken, world.passphrase]) {
      expect(filesContaining(world.front.dir, secret)).toEqual([]);
      expect(filesContaining(path.dirname(world.promoteFront!.upstreamFile), secret)).toEqual([]);
    }
    expectNoSecretAnywhere(failing5xx, world, path.join(world.dir, 'failing-5xx'));
    expectNoSecretAnywhere(wrongVersion, world, path.join(world.dir, 'wrong-version'));
    expectNoSecretAnywhere(healthy, world, path.join(world.dir, 'healthy'));
  });
});
