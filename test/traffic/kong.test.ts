import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { createGate } from '../../src/traffic/gates.js';
import { CANARY_TAG, createKongCanaryBackend } from '../../src/traffic/kong-canary.js';
import { createKongUpstreamBackend } from '../../src/traffic/kong-upstream.js';
import { createKubernetesBackend, selectorPatch } from '../../src/traffic/kubernetes.js';
import { runPromotion } from '../../src/traffic/strategy.js';
import { startClusters, type Clusters } from './clusters.js';
import { describeLoad, startLoad, transportTotal } from './load.js';

describe('kong-upstream backend against the simulated Admin API and proxy', () => {
  let server: PostgresServer;
  let clusters: Clusters;
  beforeAll(async () => {
    server = await startPostgres();
    clusters = await startClusters(server, 'kong_clusters', { frontDatabase: 'kong_front' });
  }, 60_000);
  afterAll(async () => {
    await clusters?.stop();
    await server?.stop();
  });

  const backend = () =>
    createKongUpstreamBackend({
      admin: { url: clusters.front!.adminUrl, token: undefined, workspace: undefined },
      upstream: 'kong-clusters',
      blueTargets: [new URL(clusters.blue.proxyUrl).host],
      greenTargets: [new URL(clusters.green.proxyUrl).host],
      timeoutMs: 3000,
    });

  it('canary through a Kong in front: target weights change by PATCH, no reload, 0 transport errors', async () => {
    expect(await backend().read()).toMatchObject({ kind: 'split', green: 0 });
    const gate = createGate({
      budgets: { max5xxRate: 0.01, maxTransportErrorRate: 0, minSamples: 50 },
      probes: { origin: clusters.green.proxyUrl, requests: [{ method: 'GET', path: '/app', headers: {}, body: undefined }], count: 20, concurrency: 4, timeoutMs: 2000 },
      smoke: undefined,
    });
    const load = startLoad(clusters.front!.proxyUrl, { connections: 16, path: '/app', maxRequests: 500_000, maxMs: 30_000 });
    const lines: string[] = [];
    const result = await runPromotion(
      { command: 'promote', strategy: 'canary', steps: [10, 50, 100], pauseMs: 1000, intervalMs: 500, failureLimit: 0, failureCounting: 'consecutive', stepDeadlineMs: 10_000, onInconclusive: 'revert', onPartial: 'resume', dryRun: false },
      { backend: backend(), gate, log: (l) => lines.push(l) },
    );
    // The front re-reads targets every 200 ms (as Kong's balancer follows target events): let the last change land.
    await new Promise((r) => setTimeout(r, 600));
    const before = load.counts.byCluster.green ?? 0;
    await new Promise((r) => setTimeout(r, 500));
    const counts = await load.stop();
    console.log(describeLoad('Kong upstream canary', counts));
    console.log(`last gate → 100% green: ${result.lastGateToGreenMs?.toFixed(1)} ms (Admin API write + read-back; the front follows within its 200 ms refresh)`);
    expect(result.outcome, lines.join('\n')).toBe('promoted');
    expect(result.steps.flatMap((s) => s.actions)).toContain(`PATCH target ${new URL(clusters.green.proxyUrl).host} weight=1000`);
    expect(transportTotal(counts)).toBe(0);
    expect(counts.non2xx).toBe(0);
    expect(counts.byCluster.green ?? 0).toBeGreaterThan(before); // green still taking traffic at the end
    expect(await backend().read()).toMatchObject({ kind: 'split', green: 100 });
    // The Admin API simulator validates weights as Kong does (0..65535).
    const res = await fetch(`${clusters.front!.adminUrl}/upstreams/kong-clusters/targets/${new URL(clusters.blue.proxyUrl).host}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{"weight":70000}' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toBe('schema violation (weight: value should be between 0 and 65535)');
    // revert
    expect((await backend().apply(0)).green).toBe(0);
  }, 45_000);
});

describe('kubernetes backend with a recording fake kubectl', () => {
  let dir: string;
  let kubectl: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fake-kubectl-'));
    kubectl = path.join(dir, 'kubectl');
    writeFileSync(path.join(dir, 'service.json'), JSON.stringify({ kind: 'Service', metadata: { name: 'kong-proxy' }, spec: { selector: { app: 'kong', track: 'blue' } } }));
    writeFileSync(kubectl, `#!/usr/bin/env node
const fs = require('node:fs');
const dir = ${JSON.stringify(dir)};
const args = process.argv.slice(2);
fs.appendFileSync(dir + '/calls.log', JSON.stringify(args) + '\\n');
const rest = args.filter((a, i) => !['--context', '--namespace'].includes(a) && !['--context', '--namespace'].includes(args[i - 1]));
const file = dir + '/service.json';
const svc = JSON.parse(fs.readFileSync(file, 'utf8'));
if (rest[0] === 'get' && rest[1] === 'service') { process.stdout.write(JSON.stringify(svc)); process.exit(0); }
if (rest[0] === 'patch' && rest[1] === 'service' && rest[3] === '--type' && rest[4] === 'merge' && rest[5] === '-p') {
  const patch = JSON.parse(rest[6]);
  for (const [k, v] of Object.entries(patch.spec.selector)) { if (v === null) delete svc.spec.selector[k]; else svc.spec.selector[k] = v; }
  fs.writeFileSync(file, JSON.stringify(svc)); process.stdout.write('service/kong-proxy patched\\n'); process.exit(0);
}
process.stderr.write('fake kubectl: unsupported ' + args.join(' ')); process.exit(1);
`);
    chmodSync(kubectl, 0o755);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const backend = () => createKubernetesBackend({ kubectl, service: 'kong-proxy', namespace: 'kong', context: 'prod', blueSelector: { app: 'kong', track: 'blue' }, greenSelector: { app: 'kong', track: 'green' }, timeoutMs: 10_000 });

  it('switches the selector with one merge patch, reads it back, renders without running', async () => {
    expect(await backend().read()).toMatchObject({ kind: 'split', green: 0 });
    expect(await backend().render(100)).toBe(`kubectl --context prod --namespace kong patch service kong-proxy --type merge -p '{"spec":{"selector":{"app":"kong","track":"green"}}}'`);
    const callsBefore = readFileSync(path.join(dir, 'calls.log'), 'utf8').split('\n').filter(Boolean).length;
    expect(callsBefore).toBe(1); // render ran nothing
    const result = await runPromotion(
      { command: 'promote', strategy: 'switch', steps: [100], pauseMs: 10, intervalMs: 10, failureLimit: 0, failureCounting: 'consecutive', stepDeadlineMs: 1000, onInconclusive: 'revert', onPartial: 'resume', dryRun: false },
      { backend: backend(), gate: { measure: async (green) => ({ at: '', green, status: 'pass', figures: [] }) }, log: () => {} },
    );
    expect(result).toMatchObject({ outcome: 'promoted', live: 'green' });
    const calls = readFileSync(path.join(dir, 'calls.log'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as string[]);
    expect(calls.filter((c) => c.includes('patch'))).toEqual([['--context', 'prod', '--namespace', 'kong', 'patch', 'service', 'kong-proxy', '--type', 'merge', '-p', '{"spec":{"selector":{"app":"kong","track":"green"}}}']]);
    await expect(backend().apply(50)).rejects.toThrow(/only 0 or 100/);
    expect(selectorPatch({ app: 'kong-green' }, { app: 'kong', track: 'blue' })).toEqual({ spec: { selector: { track: null, app: 'kong-green' } } });
  });
});

describe('kong-canary backend (Enterprise canary plugin) against a recording fake Admin API', () => {
  it('creates, patches and deletes only its own tagged plugin instance', async () => {
    const plugins = new Map<string, { id: string; name: string; tags: string[]; config: Record<string, unknown>; service: string }>();
    const calls: string[] = [];
    let n = 0;
    const fake = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        calls.push(`${req.method} ${req.url} ${body}`);
        const m = /^\/services\/([^/]+)\/plugins(?:\/([^/?]+))?/.exec(req.url ?? '');
        const send = (status: number, data?: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(data === undefined ? undefined : JSON.stringify(data));
        };
        if (!m) return send(404, { message: 'Not found' });
        const [, service, id] = m;
        if (req.method === 'GET') return send(200, { data: [...plugins.values()].filter((p) => p.service === service), next: null });
        if (req.method === 'POST') {
          const p = { id: `p${++n}`, service: service!, ...JSON.parse(body) };
          plugins.set(p.id, p);
          return send(201, p);
        }
        const p = plugins.get(id ?? '');
        if (!p) return send(404, { message: 'Not found' });
        if (req.method === 'PATCH') {
          Object.assign(p.config, JSON.parse(body).config);
          return send(200, p);
        }
        plugins.delete(p.id);
        return send(204);
      });
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    // Someone else's canary plugin on the same service is left alone.
    plugins.set('theirs', { id: 'theirs', name: 'canary', tags: [], config: { percentage: 5 }, service: 'orders' });
    try {
      const backend = createKongCanaryBackend({ admin: { url: `http://127.0.0.1:${(fake.address() as AddressInfo).port}`, token: 'secret', workspace: undefined }, services: ['orders', 'search'], greenHost: '10.0.0.2', greenPort: 8000, hash: 'none', timeoutMs: 2000 });
      expect(await backend.read()).toMatchObject({ kind: 'split', green: 0 });
      await backend.apply(10);
      await backend.apply(50);
      expect(await backend.read()).toMatchObject({ kind: 'split', green: 50 });
      await backend.apply(0);
      expect([...plugins.keys()]).toEqual(['theirs']);
      expect(calls.filter((c) => !c.startsWith('GET'))).toEqual([
        `POST /services/orders/plugins {"name":"canary","tags":["${CANARY_TAG}"],"config":{"percentage":10,"upstream_host":"10.0.0.2","upstream_port":8000,"hash":"none"}}`,
        `POST /services/search/plugins {"name":"canary","tags":["${CANARY_TAG}"],"config":{"percentage":10,"upstream_host":"10.0.0.2","upstream_port":8000,"hash":"none"}}`,
        'PATCH /services/orders/plugins/p1 {"config":{"percentage":50}}',
        'PATCH /services/search/plugins/p2 {"config":{"percentage":50}}',
        'DELETE /services/orders/plugins/p1 ',
        'DELETE /services/search/plugins/p2 ',
      ]);
    } finally {
      fake.close();
    }
  });
});
