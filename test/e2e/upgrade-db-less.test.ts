// End-to-end rehearsal of workflows-examples/upgrade-rolling.yml through the reusable
// kong-upgrade.yml, deployment db-less: a pair of DB-less nodes 2.8.5 → 3.4.2 loading a
// 2.x-format declarative file. The plan job converts it with decK (installed by the tool cache
// from a loopback release server; decK itself is a stand-in written from decK's convert code:
// this machine cannot download decK), the reviewers see what changed; preproduction's pair is
// rolled first, then production's, one node per batch, each new node proven to hold exactly the
// converted file before the next one goes.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countEntities } from '../../src/rolling/declarative.js';
import { runWorkflow, type WorkflowRun } from '../workflow-harness/harness.js';
import { filesContaining } from './rehearsal.js';
import { createRollingWorld, type RollingWorld } from './rolling-world.js';

let world: RollingWorld;
let run: WorkflowRun;
let original: string;

/** A 2.x file as a team keeps it: a regex path without `~`, ip-restriction's whitelist (both gone in 3.0). */
const file2x = (backendUrl: string) => `_format_version: "2.1"
services:
- name: echo
  url: ${backendUrl}
  routes:
  - name: echo
    paths: ["/echo"]
  - name: items
    paths: ["/items/\\\\d+$"]
  plugins:
  - name: ip-restriction
    config: { whitelist: ["127.0.0.0/8"] }
consumers:
- username: alice
`;

beforeAll(async () => {
  world = await createRollingWorld({ kind: 'db-less', from: '2.8.5', to: '3.4.2', names: ['edge-a', 'edge-b'], declarative: file2x });
  original = readFileSync(path.join(world.checkout, 'deploy/kong.yml'), 'utf8');
  const options = world.runOptions(path.join(world.dir, 'run'));
  options.vars!.KONG_ROLLING_BATCH_SIZE = '1';
  run = await runWorkflow({
    ...options,
    workflow: 'workflows-examples/upgrade-rolling.yml',
    inputs: { cluster: 'edge', from: '', to: '3.4.2', deployment: 'db-less', strategy: 'auto', 'dry-run': false },
  });
}, 240_000);

afterAll(async () => {
  await world?.stop();
});

describe('upgrade-rolling.yml → kong-upgrade.yml, DB-less pair 2.8.5 → 3.4.2', () => {
  it('runs doctor → preflight → plan (with the conversion) → preproduction rolling → gate → production rolling; the database jobs are skipped', () => {
    expect(run.conclusion, run.log.join('\n')).toBe('success');
    expect(run.jobs.map((j) => [j.id, j.result])).toEqual([
      ...['doctor', 'preflight', 'plan'].map((job) => [`upgrade / ${job}`, 'success']),
      ['upgrade / backup', 'skipped'],
      ['upgrade / preproduction', 'skipped'],
      ['upgrade / preproduction-rolling', 'success'],
      ['upgrade / gate', 'success'],
      ...['production-in-place', 'production-dual-cluster', 'production-blue-green', 'production-blue-green-finish'].map((job) => [`upgrade / ${job}`, 'skipped']),
      ['upgrade / production-rolling', 'success'],
      ['upgrade', 'success'],
    ]);
    expect(run.job('upgrade / plan').outputs).toMatchObject({ from: '2.8.5', to: '3.4.2', strategy: 'rolling' });
    expect(run.job('upgrade').outputs).toMatchObject({ strategy: 'rolling', 'kong-version': '3.4.2', rolled: 'true' });
    // No database anywhere: preflight's database check did not run.
    expect(run.job('upgrade / preflight').steps.map((s) => [s.name, s.outcome])).toEqual([
      ['Run actions/checkout@v5', 'success'], ['Run ./.kong-upgrade-actions/actions/backup-db', 'skipped'], ['Admin API reachable, current cluster healthy', 'success'],
    ]);
  });

  it('the plan job converted the file with decK from the tool cache, and its summary shows the reviewers what changed', () => {
    const convert = run.step('upgrade / plan', 'convert');
    expect(convert.outputs.changes).toBe('4');
    expect(convert.stdout).toMatch(/deck file convert --from 2\.8 --to 3\.4 --input-file \S+deploy\/kong\.yml --output-file \S+converted\.yaml --yes --no-expand-env-vars/);
    expect(convert.stdout).toMatch(/deck 1\.65\.1 installed in the tool cache/);
    expect(convert.summary).toContain('### Declarative configuration converted with decK 1.65.1');
    expect(convert.summary).toContain('services[echo].routes[items].paths: [&quot;/items/\\\\d+$&quot;] → [&quot;~/items/\\\\d+$&quot;]'.replace(/&quot;/g, '"'));
    expect(convert.summary).toContain('services[echo].plugins[ip-restriction].config.allow: added ["127.0.0.0/8"]');
    expect(convert.summary).toMatch(/Automatically converted legacy configuration field "whitelist" to the new field "allow" in plugin ip-restriction/);
    expect(convert.summary).toContain('Entities: 1 consumers, 1 plugins, 2 routes, 1 services (the original: 1 consumers, 1 plugins, 2 routes, 1 services).');
    // The artifact the production job rolls with is that file.
    const artifact = readFileSync(path.join(run.artifactsDir, run.artifactNames.find((n) => n.startsWith('kong-declarative-edge-'))!, 'converted.yaml'), 'utf8');
    const converted = parse(artifact);
    expect(converted._format_version).toBe('3.0');
    expect(converted.services[0].routes[1].paths).toEqual(['~/items/\\d+$']);
    expect(converted.services[0].plugins[0].config).toEqual({ allow: ['127.0.0.0/8'] });
    // The caller's file is untouched: it is what a revert would load.
    expect(readFileSync(path.join(world.checkout, 'deploy/kong.yml'), 'utf8')).toBe(original);
  });

  it('preproduction, then production, rolled one node per batch; each new node ran 3.4.2 with exactly the converted file before the next', () => {
    const calls = world.operatorCalls.map((c) => `${c.env.KONG_UPGRADE_ENVIRONMENT}:${c.phase}:${c.env.KONG_UPGRADE_BATCH}:${c.env.KONG_UPGRADE_VERSION}`);
    expect(calls).toEqual(['preproduction:roll-batch:["edge-a"]:3.4.2', 'preproduction:roll-batch:["edge-b"]:3.4.2', 'production:roll-batch:["edge-a"]:3.4.2', 'production:roll-batch:["edge-b"]:3.4.2']);
    for (const call of world.operatorCalls) {
      expect(call.env).toMatchObject({ KONG_UPGRADE_STRATEGY: 'rolling', KONG_UPGRADE_DEPLOYMENT: 'db-less', KONG_UPGRADE_FROM: '2.8.5', KONG_UPGRADE_TO: '3.4.2', KONG_UPGRADE_BATCH_COUNT: '2', KONG_UPGRADE_CLUSTER: 'edge' });
      expect(call.env.KONG_UPGRADE_DECLARATIVE_CONFIG).toMatch(/\/declarative\/converted\.yaml$/);
      expect(call.sshKey).toBe(true);
    }
    const report = JSON.parse(readFileSync(path.join(run.artifactsDir, run.artifactNames.find((n) => n.startsWith('kong-upgrade-reports-edge-'))!, 'production-rolling.json'), 'utf8'));
    expect(report).toMatchObject({ schema: 'kong-upgrade/rolling-report@1', deployment: 'db-less', from: '2.8.5', to: '3.4.2', completed: true });
    expect(report.batches.map((b: { nodes: string[]; outcome: string }) => [b.nodes, b.outcome])).toEqual([[['edge-a'], 'rolled'], [['edge-b'], 'rolled']]);
    for (const batch of report.batches) {
      const checks = Object.values(batch.checks as Record<string, { name: string; status: string; measured: unknown }[]>)[0]!;
      expect(checks.map((c) => [c.name, c.status])).toEqual([['admin-reachable', 'pass'], ['admin-version', 'pass'], ['declarative-config', 'pass'], ['status-ready', 'pass'], ['proxy:echo', 'pass']]);
      expect(checks.find((c) => c.name === 'declarative-config')!.measured).toBe('HTTP 304');
    }
    expect(run.step('upgrade / production-rolling', 'roll').summary).toMatch(/### Rolling upgrade 2\.8\.5 → 3\.4\.2: every batch rolled/);
  });

  it('nothing lost: every node of both environments serves the converted file\'s entities and the regex route', async () => {
    const converted = parse(readFileSync(path.join(run.artifactsDir, run.artifactNames.find((n) => n.startsWith('kong-declarative-edge-'))!, 'converted.yaml'), 'utf8'));
    expect(countEntities(converted)).toEqual(countEntities(parse(original)));
    for (const fleet of Object.values(world.fleets)) {
      for (const [name, node] of fleet.running) {
        expect(node.version, name).toBe('3.4.2');
        const root = (await (await fetch(`${node.adminUrl}/`)).json()) as { version: string };
        expect(root.version).toBe('3.4.2');
        const services = (await (await fetch(`${node.adminUrl}/services`)).json()) as { data: unknown[] };
        const routes = (await (await fetch(`${node.adminUrl}/routes`)).json()) as { data: unknown[] };
        const consumers = (await (await fetch(`${node.adminUrl}/consumers`)).json()) as { data: unknown[] };
        expect([services.data.length, routes.data.length, consumers.data.length]).toEqual([1, 2, 1]);
        expect((await fetch(`${node.proxyUrl}/items/42`)).status).toBe(200);
        expect((await fetch(`${node.proxyUrl}/echo`)).status).toBe(200);
      }
    }
  });

  it('the admin token and the SSH key are in no log line, output, summary, artifact or file of the run', () => {
    for (const secret of [world.adminToken, world.sshKey]) {
      expect(run.log.filter((line) => line.includes(secret) && !/\| ::add-mask::/.test(line))).toEqual([]);
      for (const job of run.jobs) {
        expect(JSON.stringify(job.outputs).includes(secret)).toBe(false);
        for (const step of job.steps) expect(step.summary.includes(secret) || JSON.stringify(step.outputs).includes(secret)).toBe(false);
      }
      const files = filesContaining(path.join(world.dir, 'run'), secret).filter((file) => !readFileSync(file, 'utf8').split('\n').every((line) => !line.includes(secret) || /::add-mask::/.test(line)));
      expect(files).toEqual([]);
    }
    expect(existsSync(path.join(world.dir, 'run'))).toBe(true);
  });
});
