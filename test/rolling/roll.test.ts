// The rolling upgrade (src/rolling/roll.ts) against the simulator: hybrid data planes of a real
// control plane on PostgreSQL, and DB-less nodes fed a file decK converted, replaced batch by
// batch by the operator script the workflows call (test/e2e/operator/kong-operator.mjs).
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseProxyRequests } from '../../src/checks/proxy.js';
import { installTool } from '../../src/lib/tool-install.js';
import { kongControlPlane } from '../../src/rolling/control-plane.js';
import { runConversion } from '../../src/rolling/convert.js';
import { countEntities, readDeclarative } from '../../src/rolling/declarative.js';
import { parseNodes, planBatches } from '../../src/rolling/nodes.js';
import { roll, type RollRequest } from '../../src/rolling/roll.js';
import { parseKongVersion } from '../../src/version/kong-version.js';
import { releaseServer } from '../database/fake-deck.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
// @ts-expect-error plain ESM JavaScript without declarations
import { startControlPlane } from '../kong-sim/hybrid/control-plane.mjs';
// @ts-expect-error plain ESM JavaScript without declarations
import { createKongSchema } from '../kong-sim/seed/schema.mjs';
import { fakeDeckConvertArchive } from './fake-deck.js';
import { createFleet, type Fleet } from './fleet.js';

const OPERATOR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../e2e/operator/kong-operator.mjs');
const REQUESTS = parseProxyRequests("- name: echo\n  path: /echo\n  expect: { status: 200, json: { '$.backend': ok } }\n", 'proxy-requests');

let server: PostgresServer;
let backend: http.Server;
let backendUrl: string;
let cp: { adminUrl: string; clusterUrl: string; stop(): Promise<void> };
let work: string;
const fleets: Fleet[] = [];
const lines: string[] = [];
const log = (line: string) => lines.push(line);

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'roll-test-'));
  backend = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"backend":"ok"}'));
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
  server = await startPostgres();
  await server.createDatabase('cp');
  const url = server.url.replace(/\/[^/]+$/, '/cp');
  const client = new pg.Client(url);
  await client.connect();
  await createKongSchema(client, { version: '3.9.3' }).finally(() => client.end());
  cp = await startControlPlane({ pg: url, version: '3.9.3' });
  const post = (p: string, body: object) => fetch(`${cp.adminUrl}${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await post('/services', { name: 'echo', url: backendUrl });
  await post('/services/echo/routes', { name: 'echo', paths: ['/echo'] });
}, 60_000);

afterAll(async () => {
  for (const fleet of fleets) await fleet.stop();
  await cp?.stop();
  await new Promise<void>((resolve) => backend?.close(() => resolve()));
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** The operator script gets the world's control URL the way the workflows give it: KONG_UPGRADE_OPERATOR_CONFIG. */
function request(fleet: Fleet, overrides: Partial<RollRequest> & { batches: RollRequest['batches'] }): RollRequest {
  process.env.KONG_UPGRADE_OPERATOR_CONFIG = JSON.stringify({ control: fleet.control.url });
  return {
    deployment: fleet.kind === 'hybrid' ? 'hybrid' : 'db-less',
    from: parseKongVersion('3.4.2'),
    to: parseKongVersion('3.9.3'),
    operatorScript: OPERATOR,
    controlPlane: fleet.kind === 'hybrid' ? kongControlPlane({ url: cp.adminUrl, token: undefined, workspace: undefined }, 5000) : undefined,
    declarative: undefined,
    adminToken: undefined,
    requests: REQUESTS,
    syncTimeoutMs: 15_000,
    requestTimeoutMs: 5000,
    revertOnFailure: true,
    dryRun: false,
    ...overrides,
  };
}

async function hybridFleet(names: string[]): Promise<Fleet> {
  const fleet = await createFleet({ kind: 'hybrid', names, version: '3.4.2', clusterUrl: cp.clusterUrl });
  fleets.push(fleet);
  return fleet;
}

describe('hybrid data planes behind a 3.9.3 control plane', () => {
  it('three data planes in two batches: each batch reports 3.9.3 with the control plane\'s hash, then serves the smoke requests', async () => {
    const fleet = await hybridFleet(['ok-1', 'ok-2', 'ok-3']);
    const nodes = parseNodes(fleet.nodesJson(), 'nodes', false);
    const report = await roll(request(fleet, { batches: planBatches(nodes, undefined, 2) }), log);
    expect(report.completed).toBe(true);
    expect(report.batches.map((b) => [b.nodes, b.outcome])).toEqual([[['ok-1', 'ok-2'], 'rolled'], [['ok-3'], 'rolled']]);
    expect(report.controlPlane).toEqual({ source: `control plane ${cp.adminUrl}`, version: '3.9.3' });
    expect(fleet.calls.map((c) => `${c.phase} ${c.batch.join(',')} ${c.version}`)).toEqual(['roll-batch ok-1,ok-2 3.9.3', 'roll-batch ok-3 3.9.3']);
    // The batch's env: the names, its place, the deployment; no input of the action.
    expect(fleet.calls[0]!.env).toMatchObject({ KONG_UPGRADE_BATCH: '["ok-1","ok-2"]', KONG_UPGRADE_BATCH_INDEX: '1', KONG_UPGRADE_BATCH_COUNT: '2', KONG_UPGRADE_DEPLOYMENT: 'hybrid', KONG_UPGRADE_DECLARATIVE_CONFIG: '' });
    const sync = report.batches[0]!.checks['ok-1']!.find((c) => c.name === 'data-plane-sync')!;
    expect(sync.status).toBe('pass');
    expect(sync.threshold).toMatch(/^3\.9\.3, configuration [0-9a-f]{32} \(from the data planes outside the batch\)$/);
    expect(report.batches[1]!.checks['ok-3']!.map((c) => [c.name, c.status])).toEqual([['data-plane-sync', 'pass'], ['status-ready', 'pass'], ['proxy:echo', 'pass']]);
    for (const node of fleet.running.values()) expect(node.version).toBe('3.9.3');
  });

  it('a batch whose data plane never syncs stops the rollout: reverted to 3.4.2, later batches never start, the rest keep serving', async () => {
    const fleet = await hybridFleet(['f-1', 'f-2', 'f-3']);
    fleet.failOnRoll.add('f-2');
    const nodes = parseNodes(fleet.nodesJson(), 'nodes', false);
    // The data plane that never syncs costs the whole sync-timeout: kept short, the others sync in well under it.
    const report = await roll(request(fleet, { batches: planBatches(nodes, undefined, 1), syncTimeoutMs: 8000 }), log);
    expect(report.completed).toBe(false);
    expect(report.batches.map((b) => b.outcome)).toEqual(['rolled', 'reverted', 'not-run']);
    expect(report.batches[1]!.summary).toMatch(/^f-2: data-plane-sync \(has no configuration yet \(empty configuration hash\)\); reverted: the batch runs 3\.4\.2 again, synced with the control plane$/);
    expect(fleet.calls.map((c) => `${c.phase} ${c.batch.join(',')} ${c.version}`)).toEqual(['roll-batch f-1 3.9.3', 'roll-batch f-2 3.9.3', 'revert-batch f-2 3.4.2']);
    expect(Object.fromEntries([...fleet.running].map(([name, node]) => [name, node.version]))).toEqual({ 'f-1': '3.9.3', 'f-2': '3.4.2', 'f-3': '3.4.2' });
    // Every data plane, old or new, serves the route.
    for (const node of fleet.running.values()) expect((await fetch(`${node.proxyUrl}/echo`)).status).toBe(200);
  });
});

describe('DB-less nodes 2.8.5 → 3.4.2', () => {
  const file2x = () => `_format_version: "2.1"
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
`;

  async function converted(): Promise<{ original: string; output: string; summary: string[] }> {
    const original = path.join(work, 'kong.yml');
    writeFileSync(original, file2x());
    const archive = fakeDeckConvertArchive(work, '1.65.1');
    const sha = createHash('sha256').update(archive).digest('hex');
    const releases = await releaseServer({
      '/v1.65.1/deck_1.65.1_linux_amd64.tar.gz': archive,
      '/v1.65.1/checksums.txt': Buffer.from(`${sha}  deck_1.65.1_linux_amd64.tar.gz\n`),
    });
    process.env.RUNNER_TOOL_CACHE = path.join(work, 'tool-cache');
    try {
      const result = await runConversion(
        { command: 'convert', input: original, output: path.join(work, 'converted.yml'), steps: [{ from: '2.8', to: '3.4', hop: '2.8.5 → 3.4.2' }], deck: { version: '1.65.1', url: `${releases.url}/v1.65.1/deck_1.65.1_linux_amd64.tar.gz`, checksumsUrl: `${releases.url}/v1.65.1/checksums.txt` } },
        (release) => installTool({ tool: 'deck', version: release.version, url: release.url, checksumsUrl: release.checksumsUrl, binary: 'deck', input: 'deck-version' }),
        log,
      );
      expect(result.before).toEqual(result.after);
      return { original, output: result.output, summary: [...result.changes] };
    } finally {
      await releases.close();
    }
  }

  it('the 2.x file converted by decK (regex path gets ~, whitelist becomes allow), rolled one node at a time; each new node runs exactly that file', async () => {
    const { original, output, summary } = await converted();
    expect(summary).toEqual([
      '_format_version: "2.1" → "3.0"',
      'services[echo].routes[items].paths: ["/items/\\\\d+$"] → ["~/items/\\\\d+$"]',
      'services[echo].plugins[ip-restriction].config.whitelist: removed (was ["127.0.0.0/8"])',
      'services[echo].plugins[ip-restriction].config.allow: added ["127.0.0.0/8"]',
    ]);
    const fleet = await createFleet({ kind: 'db-less', names: ['n-1', 'n-2'], version: '2.8.5', config: file2x() });
    fleets.push(fleet);
    const file = await readDeclarative(output, 'declarative-config');
    const nodes = parseNodes(fleet.nodesJson(), 'nodes', true);
    const report = await roll(
      request(fleet, { from: parseKongVersion('2.8.5'), to: parseKongVersion('3.4.2'), batches: planBatches(nodes, undefined, 1), declarative: { converted: output, previous: original, check: { text: file.text, counts: countEntities(file.document) } } }),
      log,
    );
    expect(report.completed).toBe(true);
    expect(report.declarative?.counts).toEqual({ services: 1, routes: 2, plugins: 1 });
    expect(report.batches[0]!.checks['n-1']!.map((c) => [c.name, c.status, c.measured])).toEqual([
      ['admin-reachable', 'pass', expect.any(String)],
      ['admin-version', 'pass', '3.4.2'],
      ['declarative-config', 'pass', 'HTTP 304'],
      ['status-ready', 'pass', 'HTTP 200'],
      ['proxy:echo', 'pass', 'HTTP 200'],
    ]);
    expect(fleet.calls[0]!.env.KONG_UPGRADE_DECLARATIVE_CONFIG).toBe(output);
    const served = (await (await fetch(`${nodes[1]!.adminUrl}/config`)).json()) as { config: string };
    expect(served.config).toBe(readFileSync(output, 'utf8'));
  });

  it('the unconverted file given as the converted one: the first new node refuses it, the batch is reverted to 2.8.5 with the old file, the second never starts', async () => {
    const original = path.join(work, 'kong-unconverted.yml');
    writeFileSync(original, file2x());
    const fleet = await createFleet({ kind: 'db-less', names: ['u-1', 'u-2'], version: '2.8.5', config: file2x() });
    fleets.push(fleet);
    const file = await readDeclarative(original, 'declarative-config');
    const nodes = parseNodes(fleet.nodesJson(), 'nodes', true);
    const report = await roll(
      request(fleet, { from: parseKongVersion('2.8.5'), to: parseKongVersion('3.4.2'), batches: planBatches(nodes, undefined, 1), declarative: { converted: original, previous: original, check: { text: file.text, counts: countEntities(file.document) } } }),
      log,
    );
    expect(report.batches.map((b) => b.outcome)).toEqual(['reverted', 'not-run']);
    expect(report.batches[0]!.summary).toMatch(/^operator roll-batch \(batch 1\): the operator script exited with code 1; reverted: the batch runs 2\.8\.5 again$/);
    expect(Object.fromEntries([...fleet.running].map(([name, node]) => [name, node.version]))).toEqual({ 'u-1': '2.8.5', 'u-2': '2.8.5' });
    for (const node of fleet.running.values()) expect((await fetch(`${node.proxyUrl}/echo`)).status).toBe(200);
  });
});
