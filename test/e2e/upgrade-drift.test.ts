// End-to-end rehearsal of issue 17's "no lost writes" through workflows-examples/upgrade.yml
// (the reusable kong-upgrade.yml), strategy dual-cluster 2.8.5 → 3.4.2, on real PostgreSQL, real
// nginx in front (promote's nginx backend, steady traffic while it moves) and the Kong simulator,
// whose Admin API is proxied through blue's own proxy at /admin-api (Kong's API loopback).
// Production runs, each with a route added through the loopback right after the fresh
// backup (before green's copy is made):
//   1. no freeze, accept-drift false: promote refuses before any traffic moves and names the route;
//   2. accept-drift routes: promote proceeds and says so, and so does the check before blue is
//      retired (the acceptance carried in promote's drift report), in every summary after;
//   3. write-freeze request-termination: the same write is refused by the Admin API (423), the
//      drift checks are clean (the freeze's own route and plugin left out), the post step lifts
//      the freeze and reports the refused write from blue's proxy access log;
//   4. the freeze on, a write straight to admin_listen (not through the loopback, so not frozen):
//      promote refuses it, the job fails, and the post step still lifts the freeze;
//   5. a dry run: promote says it would refuse, and changes nothing;
//   6. write-freeze operator-script: the operator's freeze-writes, a refused promote, and its
//      lift-freeze phase run all the same.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoad, type LoadCounts, type RunningLoad } from '../traffic/load.js';
import { until } from '../helpers/until.js';
import { runWorkflow, type WorkflowRun } from '../workflow-harness/harness.js';
import { createWorld, type World } from './rehearsal.js';
import { expectNoSecretAnywhere } from './secrets.js';

const JOB = 'upgrade / production-dual-cluster';
// The production path only: preproduction rehearses the same strategy, and is not what is shown here.
const PRODUCTION = ['upgrade', ...['doctor', 'preflight', 'plan', 'backup', 'gate', 'production-dual-cluster'].map((job) => `upgrade / ${job}`)];

let world: World;
const runs: Record<string, WorkflowRun> = {};
const writes: Record<string, { status: number; body: string; id?: string }> = {};
const load: Record<string, LoadCounts> = {};
const routesAfter: Record<string, string[]> = {};

/** Blue's Admin API as the team reaches it: through blue's proxy, the loopback route. */
const loopbackUrl = () => `${world.nodes.get('production')!.node.proxyUrl}/admin-api`;

async function admin(base: string, method: string, pathname: string, body?: object): Promise<{ status: number; body: string }> {
  const response = await fetch(`${base}${pathname}`, {
    method, headers: { 'kong-admin-token': world.adminToken, ...(body && { 'content-type': 'application/json' }) }, body: body && JSON.stringify(body),
  });
  return { status: response.status, body: await response.text() };
}

async function rehearse(name: string, runId: string, inputs: Record<string, string | boolean>, writeTo: 'loopback' | 'admin_listen' = 'loopback'): Promise<void> {
  let running: RunningLoad | undefined;
  const stopLoad = async () => {
    if (running) load[name] = await running.stop();
    running = undefined;
  };
  runs[name] = await runWorkflow({
    ...world.runOptions(path.join(world.dir, name)),
    workflow: 'workflows-examples/upgrade.yml',
    runId,
    jobs: PRODUCTION,
    inputs: { cluster: 'eu', from: '', to: '3.4.2', strategy: 'dual-cluster', 'not-before': '', ...inputs },
    beforeStep: async (job, step) => {
      if (job !== JOB) return;
      if (step.id === 'restore') {
        // Someone adds a route on blue after the backup, as they would: through the Admin API.
        const write = await admin(writeTo === 'loopback' ? loopbackUrl() : world.nodes.get('production')!.node.adminUrl, 'POST', '/services/echo/routes', { name: `late-${name}`, paths: [`/late-${name}`] });
        writes[name] = { ...write, ...(write.status === 201 && { id: (JSON.parse(write.body) as { id: string }).id }) };
      }
      if (step.id === 'promote') {
        // Traffic flowing through the front to blue before promote starts: what it did with the
        // traffic is then in the counts, whatever the machine's speed.
        const started = startLoad(world.front.url, { connections: 6, path: '/echo', maxRequests: 200_000, maxMs: 60_000 });
        running = started;
        await until(() => (started.counts.byCluster.blue ?? 0) > 0);
      } else await stopLoad();
    },
  });
  await stopLoad();
  const routes = await admin(world.nodes.get('production')!.node.adminUrl, 'GET', '/routes?size=1000');
  routesAfter[name] = (JSON.parse(routes.body) as { data: { name: string | null }[] }).data.map((r) => r.name ?? '').sort();
  // The next run starts from blue again: traffic back on it (as rollback.yml would put it), and
  // green, restored again by that run, stopped so that it lets go of its database.
  await world.routeTrafficTo('production');
  await world.stopNode('production-green');
}

beforeAll(async () => {
  world = await createWorld('2.8.5', { promoteFront: true, proxyAccessLogs: true });
  const blue = world.nodes.get('production')!.node;
  // The API loopback (Kong/developer.konghq.com app/gateway/secure-the-admin-api.md): a service whose
  // url is the Admin API and a route to it, in blue's database before any backup.
  expect((await admin(blue.adminUrl, 'POST', '/services', { name: 'admin-api', url: blue.adminUrl })).status).toBe(201);
  expect((await admin(blue.adminUrl, 'POST', '/services/admin-api/routes', { name: 'admin-api', paths: ['/admin-api'] })).status).toBe(201);
  Object.assign(world.environments.production!.vars, {
    KONG_FREEZE_LOOPBACK_URL: `${blue.proxyUrl}/admin-api`,
    KONG_FREEZE_ACCESS_LOG: world.accessLogOf('production'),
  });

  await rehearse('refused', '6001', {});
  await rehearse('accepted', '6002', { 'accept-drift': 'routes' });
  await rehearse('dry-run', '6007', { 'dry-run': true });
  world.vars.KONG_WRITE_FREEZE = 'request-termination';
  await rehearse('frozen', '6003', {});
  await rehearse('frozen-bypassed', '6004', {}, 'admin_listen');
  world.vars.KONG_WRITE_FREEZE = 'operator-script';
  await rehearse('operator', '6005', {});
}, 540_000);

afterAll(async () => {
  await world?.stop();
});

describe('a route added on blue after the backup (dual-cluster)', () => {
  it('without acceptance: promote refuses before any traffic moves, naming the table, the counts and the route', () => {
    const run = runs.refused!;
    expect(writes.refused).toMatchObject({ status: 201 });
    expect(run.conclusion).toBe('failure');
    const promote = run.step(JOB, 'promote');
    expect(promote.outcome).toBe('failure');
    expect(promote.outputs.drift).toBe('refused');
    const error = promote.annotations.find((a) => a.level === 'error')!.message;
    expect(error).toMatch(/^drift check before promote: .* changed since the backup of .*: routes: (\d+) rows, backup has (\d+) \(added 1: "late-refused" [0-9a-f-]{36}\)/);
    expect(error).toContain(writes.refused!.id!);
    expect(error).toMatch(/accept them with accept-drift: true or accept-drift: routes$/);
    console.log(`refused: ${error}`);
    expect(promote.summary).toContain('writes since the backup, refused');
    // No traffic moved: no step was applied, blue still serves everything.
    expect(promote.outputs['steps-json']).toBeUndefined();
    expect(load.refused!.byCluster.blue).toBeGreaterThan(0);
    expect(load.refused!.byCluster.green ?? 0).toBe(0);
    expect(run.step(JOB, 'drift-retire').outcome).toBe('skipped');
    // The report went with the other reports (the artifact the jobs after read).
    const report = JSON.parse(readFileSync(path.join(run.artifactsDir, 'kong-upgrade-reports-eu-6001', 'drift-promote.json'), 'utf8'));
    expect(report).toMatchObject({ schema: 'kong-upgrade/drift-report@1', point: 'promote', outcome: 'refused', accepted: [] });
    expect(report.tables).toEqual([expect.objectContaining({ table: 'routes', added: [{ id: writes.refused!.id, name: 'late-refused' }], accepted: null })]);
  });

  it('with accept-drift: routes, promote proceeds and says so, and the check before blue is retired carries the acceptance', () => {
    const run = runs.accepted!;
    expect(run.conclusion, run.log.slice(-40).join('\n')).toBe('success');
    const promote = run.step(JOB, 'promote');
    expect(promote.outputs).toMatchObject({ drift: 'accepted', outcome: 'promoted', live: 'green' });
    expect(promote.summary).toContain('writes since the backup, accepted');
    expect(promote.summary).toMatch(/Drift accepted[\s\S]*before promote \(.*accept-drift: routes\): routes: \d+ rows, backup has \d+ \(added 1: "late-accepted"/);
    expect(promote.annotations.find((a) => a.level === 'warning' && a.title === 'drift accepted: writes made after the backup are not in it')?.message).toContain('late-accepted');
    expect(load.accepted!.byCluster.green).toBeGreaterThan(0);
    const retire = run.step(JOB, 'drift-retire');
    expect(retire.inputs).toMatchObject({ point: 'retire-blue', 'drift-reports': promote.outputs['drift-report'] });
    expect(retire.outputs.drift).toBe('accepted');
    expect(retire.summary).toMatch(/Drift check before retire-blue: writes since the backup, accepted[\s\S]*yes, earlier[\s\S]*before promote \(.*accept-drift: routes\): routes: .*"late-accepted"/);
    expect(run.job('upgrade').outputs.drift).toBe('accepted');
    const report = JSON.parse(readFileSync(path.join(run.artifactsDir, 'kong-upgrade-reports-eu-6002', 'drift-retire-blue.json'), 'utf8'));
    expect(report.accepted).toEqual([expect.objectContaining({ point: 'promote', acceptDrift: 'routes' })]);
    expect(report.tables).toEqual([expect.objectContaining({ table: 'routes', accepted: 'earlier' })]);
  });

  it('a dry run: promote warns that it would refuse, names the route, and moves nothing', () => {
    const run = runs['dry-run']!;
    expect(writes['dry-run']).toMatchObject({ status: 201 });
    expect(run.conclusion, run.log.slice(-40).join('\n')).toBe('success');
    const promote = run.step(JOB, 'promote');
    expect(promote.outputs).toMatchObject({ drift: 'refused', outcome: 'dry-run' });
    expect(promote.annotations.find((a) => a.level === 'warning' && a.message.startsWith('dry run: promote would be refused: drift check before promote: '))?.message).toContain('(added 1: "late-dry-run"');
    expect(promote.summary).toContain('writes since the backup, refused');
    expect(run.step(JOB, 'freeze').outcome).toBe('skipped');
    expect(run.step(JOB, 'drift-retire').outcome).toBe('skipped');
    expect(load['dry-run']!.byCluster.blue).toBeGreaterThan(0);
    expect(load['dry-run']!.byCluster.green ?? 0).toBe(0);
  });

  it('with write-freeze: request-termination, the same write is refused by the Admin API and reported when the freeze is lifted', () => {
    const run = runs.frozen!;
    expect(run.conclusion, run.log.slice(-40).join('\n')).toBe('success');
    expect(writes.frozen!.status).toBe(423);
    expect(JSON.parse(writes.frozen!.body)).toEqual({ message: expect.stringMatching(/^Admin API writes are frozen while Kong is upgraded/) });
    const freeze = run.step(JOB, 'freeze');
    expect(freeze.outcome).toBe('success');
    expect(freeze.inputs).toMatchObject({ 'admin-route': 'admin-api', 'loopback-url': loopbackUrl(), 'access-log': world.accessLogOf('production') });
    // The drift checks saw no write: the freeze's own route and plugin left out by id.
    const record = JSON.parse(freeze.outputs['freeze-json']!) as { rows: { table: string; id: string }[] };
    const promote = run.step(JOB, 'promote');
    expect(promote.outputs).toMatchObject({ drift: 'clean', outcome: 'promoted' });
    expect(promote.summary).toMatch(new RegExp(`Left out: routes ${record.rows[0]!.id} \\(the write freeze\\), plugins ${record.rows[1]!.id}`));
    expect(run.step(JOB, 'drift-retire').outputs.drift).toBe('clean');
    // The post step ran when the job ended: the freeze lifted, the refused write listed.
    const posts = run.job(JOB).posts ?? [];
    const lift = posts.find((p) => p.uses?.endsWith('/actions/write-freeze'))!;
    expect(lift.outcome).toBe('success');
    expect(lift.summary).toContain('Writes refused during the freeze (1,');
    expect(lift.summary).toMatch(/\| POST \/admin-api\/services\/echo\/routes \| 127\.0\.0\.1 \|/);
    expect(lift.annotations.find((a) => a.level === 'warning')?.title).toBe('write freeze: writes refused');
    console.log(`frozen: in force after ${freeze.outputs['effective-ms']} ms; the write got ${writes.frozen!.status}; post: ${lift.annotations.find((a) => a.level === 'warning')!.message}`);
    // Nothing of the freeze is left on blue, and the refused route was never created.
    expect(routesAfter.frozen).not.toContain('late-frozen');
    expect(routesAfter.frozen!.filter((r) => r.startsWith('kong-upgrade-write-freeze'))).toEqual([]);
    expect(routesAfter.frozen).toEqual(expect.arrayContaining(['admin-api', 'late-refused', 'late-accepted']));
  });

  it('a write the freeze cannot see (straight to admin_listen) is refused at promote, and the freeze is lifted although the job failed', () => {
    const run = runs['frozen-bypassed']!;
    expect(writes['frozen-bypassed']!.status).toBe(201);
    expect(run.conclusion).toBe('failure');
    expect(run.step(JOB, 'freeze').outcome).toBe('success');
    const promote = run.step(JOB, 'promote');
    expect(promote.outputs.drift).toBe('refused');
    expect(promote.annotations.find((a) => a.level === 'error')!.message).toContain('(added 1: "late-frozen-bypassed"');
    const lift = (run.job(JOB).posts ?? []).find((p) => p.uses?.endsWith('/actions/write-freeze'))!;
    expect(lift.outcome).toBe('success');
    expect(lift.summary).toContain('Writes refused during the freeze (0,');
    expect(routesAfter['frozen-bypassed']!.filter((r) => r.startsWith('kong-upgrade-write-freeze'))).toEqual([]);
  });

  it('write-freeze operator-script: freeze-writes after the backup, lift-freeze at the end although promote refused', () => {
    const run = runs.operator!;
    expect(run.conclusion).toBe('failure');
    expect(run.step(JOB, 'promote').outputs.drift).toBe('refused');
    expect(run.step(JOB, 'freeze').outcome).toBe('skipped');
    expect(run.step(JOB, 'freeze-writes').outcome).toBe('success');
    expect(run.step(JOB, 'lift-freeze').outcome).toBe('success');
    const phases = world.operatorCalls.filter((c) => c.env.KONG_UPGRADE_ENVIRONMENT === 'production').map((c) => c.phase);
    expect(phases.slice(-3)).toEqual(['freeze-writes', 'deploy-green', 'lift-freeze']);
  });

  it('no secret in any log, output, summary, artifact, file or argv of the six runs', () => {
    for (const name of Object.keys(runs)) expectNoSecretAnywhere(runs[name]!, world, path.join(world.dir, name));
    expect(Object.keys(runs)).toHaveLength(6);
  });
});
