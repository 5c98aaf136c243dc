import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { createSimDatabase } from './helpers.js';
// @ts-expect-error plain ESM JavaScript without declarations
import { startKongNode } from './start.mjs';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
interface Node {
  adminUrl: string;
  proxyUrl: string;
  statusUrl: string;
  control: {
    reload(): Promise<void>;
    proxy: { setFaults(p: Record<string, unknown>): Promise<void> };
  };
  stop(): Promise<void>;
}

let server: PostgresServer;
let dbCounter = 0;
const cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await server?.stop();
});
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function freshDb(version: string): Promise<string> {
  return createSimDatabase(server, `proxy_${++dbCounter}`, version);
}

/** An upstream that echoes what it received. */
async function echo(name: string): Promise<{ port: number }> {
  const s = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ name, url: req.url, host: req.headers.host, method: req.method }));
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise<void>((resolve) => {
    s.closeAllConnections();
    s.close(() => resolve());
  }));
  return { port: (s.address() as net.AddressInfo).port };
}

async function node(version: string, cluster = 'blue', db?: string): Promise<Node> {
  const n = (await startKongNode({ pg: db ?? (await freshDb(version)), version, cluster, reloadIntervalMs: 0 })) as Node;
  cleanup.push(() => n.stop());
  return n;
}

async function post(url: string, body: unknown): Promise<Json> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = await res.json();
  if (res.status !== 201) throw new Error(`${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function call(url: string, init: RequestInit = {}): Promise<{ status: number; body: Json; text: string; headers: Headers }> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: Json = null;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body, text, headers: res.headers };
}

/** GET with a Host header of our choosing (fetch does not let us set Host). */
function withHost(url: string, host: string): Promise<{ status: number; body: Json; headers: Headers }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { host } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      const headers = new Headers(Object.entries(res.headers).map(([k, v]) => [k, String(v)] as [string, string]));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text), headers }));
    });
    req.on('error', reject);
  });
}

describe('simulated proxy routing', () => {
  it('routes by path prefix (strip_path), host and method; 404 body otherwise', async () => {
    const a = await echo('a');
    const b = await echo('b');
    const n = await node('3.4.2');
    await post(`${n.adminUrl}/services`, { name: 'a', url: `http://127.0.0.1:${a.port}/base` });
    await post(`${n.adminUrl}/services`, { name: 'b', url: `http://127.0.0.1:${b.port}` });
    await post(`${n.adminUrl}/services/a/routes`, { paths: ['/api'], strip_path: true });
    await post(`${n.adminUrl}/services/a/routes`, { paths: ['/keep'], strip_path: false });
    await post(`${n.adminUrl}/services/b/routes`, { paths: ['/api/special'] });
    await post(`${n.adminUrl}/services/b/routes`, { hosts: ['b.example.com'] });
    await post(`${n.adminUrl}/services/b/routes`, { methods: ['DELETE'] });
    await n.control.reload();

    const r1 = await call(`${n.proxyUrl}/api/x?q=1`);
    expect(r1.status).toBe(200);
    expect(r1.body).toMatchObject({ name: 'a', url: '/base/x?q=1', method: 'GET' });
    expect(r1.headers.get('x-kong-sim-cluster')).toBe('blue');
    expect(r1.headers.get('via')).toBe('kong/3.4.2');
    expect((await call(`${n.proxyUrl}/keep/y`)).body.url).toBe('/base/keep/y');
    // Longest prefix wins.
    expect((await call(`${n.proxyUrl}/api/special/z`)).body).toMatchObject({ name: 'b', url: '/z' });
    // Host route; Host header is the upstream's (preserve_host false).
    const byHost = await withHost(`${n.proxyUrl}/whatever`, 'b.example.com:8000');
    expect(byHost.body).toMatchObject({ name: 'b', url: '/whatever', host: `127.0.0.1:${b.port}` });
    expect((await call(`${n.proxyUrl}/nothing`, { method: 'DELETE' })).body.name).toBe('b');

    const miss = await call(`${n.proxyUrl}/nothing`);
    expect(miss.status).toBe(404);
    expect(miss.body).toEqual({ message: 'no Route matched with those values' });
    expect(miss.text).toBe('{\n  "message":"no Route matched with those values"\n}');
  });

  it('3.x: a path is a regex only with ~; 2.x: the heuristic makes /items/\\d+ a regex', async () => {
    const a = await echo('a');
    for (const [version, plainIsRegex] of [['3.4.2', false], ['2.8.5', true]] as const) {
      const n = await node(version);
      await post(`${n.adminUrl}/services`, { name: 'a', url: `http://127.0.0.1:${a.port}` });
      await post(`${n.adminUrl}/services/a/routes`, { name: 'plain', paths: ['/items/\\d+$'] });
      await post(`${n.adminUrl}/services/a/routes`, { name: 'tilde', paths: ['~/orders/(?<id>\\d+)$'] });
      await n.control.reload();
      expect((await call(`${n.proxyUrl}/items/42`)).status, version).toBe(plainIsRegex ? 200 : 404);
      // Regex anchored at the start: /x/orders/1 does not match.
      expect((await call(`${n.proxyUrl}/orders/7`)).status, version).toBe(200);
      expect((await call(`${n.proxyUrl}/x/orders/7`)).status, version).toBe(404);
      if (!plainIsRegex) {
        // In 3.x the literal prefix "/items/\d+$" matches only itself.
        expect((await call(`${n.proxyUrl}/items/%5Cd+$`)).status).toBe(404);
      }
      // 2.8's error body is plain cjson.
      if (version === '2.8.5') expect((await call(`${n.proxyUrl}/none`)).text).toBe('{"message":"no Route matched with those values"}');
    }
  });

  it('regex routes win over prefix routes; regex_priority orders regexes', async () => {
    const a = await echo('a');
    const b = await echo('b');
    const n = await node('3.4.2');
    await post(`${n.adminUrl}/services`, { name: 'a', url: `http://127.0.0.1:${a.port}` });
    await post(`${n.adminUrl}/services`, { name: 'b', url: `http://127.0.0.1:${b.port}` });
    await post(`${n.adminUrl}/services/a/routes`, { paths: ['/users/123'] });
    await post(`${n.adminUrl}/services/b/routes`, { paths: ['~/users/\\d+'], regex_priority: 0 });
    await n.control.reload();
    expect((await call(`${n.proxyUrl}/users/123`)).body.name).toBe('b');
  });

  it('502 when the upstream refuses; 3.6+ error bodies carry request_id', async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    const n = await node('3.6.1');
    await post(`${n.adminUrl}/services`, { name: 'dead', url: `http://127.0.0.1:${closed}` });
    await post(`${n.adminUrl}/services/dead/routes`, { paths: ['/dead'] });
    await n.control.reload();
    const res = await call(`${n.proxyUrl}/dead`);
    expect(res.status).toBe(502);
    expect(res.body.message).toBe('An invalid response was received from the upstream server');
    expect(res.body.request_id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('balances over an upstream entity\'s targets by weight (blue/green switch)', async () => {
    const blue = await echo('blue');
    const green = await echo('green');
    const n = await node('3.4.2');
    const db = new pg.Client(server.url.replace(/\/[^/]+$/, `/proxy_${dbCounter}`));
    await db.connect();
    cleanup.push(() => db.end());
    await db.query(`INSERT INTO upstreams (id, name, slots, ws_id) SELECT gen_random_uuid(), 'app', 10000, id FROM workspaces WHERE name = 'default'`);
    const setWeights = async (wb: number, wg: number) => {
      await db.query('DELETE FROM targets');
      await db.query(`INSERT INTO targets (id, upstream_id, target, weight) SELECT gen_random_uuid(), id, $1, $2 FROM upstreams WHERE name = 'app'`, [`127.0.0.1:${blue.port}`, wb]);
      await db.query(`INSERT INTO targets (id, upstream_id, target, weight) SELECT gen_random_uuid(), id, $1, $2 FROM upstreams WHERE name = 'app'`, [`127.0.0.1:${green.port}`, wg]);
      await n.control.reload();
    };
    await post(`${n.adminUrl}/services`, { name: 'app', host: 'app', port: 80 });
    await post(`${n.adminUrl}/services/app/routes`, { paths: ['/'] });
    const tally = async () => {
      const seen: Record<string, number> = {};
      for (let i = 0; i < 40; i++) {
        const name = (await call(`${n.proxyUrl}/`)).body.name;
        seen[name] = (seen[name] ?? 0) + 1;
      }
      return seen;
    };
    await setWeights(100, 0);
    expect(await tally()).toEqual({ blue: 40 });
    await setWeights(75, 25);
    expect(await tally()).toEqual({ blue: 30, green: 10 });
    await setWeights(0, 0);
    expect(await call(`${n.proxyUrl}/`)).toMatchObject({ status: 503, body: { message: 'failure to get a peer from the ring-balancer' } });
  });

  it('faults: 5xx share, latency, refused connections; cluster header tells nodes apart', async () => {
    const a = await echo('a');
    const blueNode = await node('3.4.2', 'blue');
    await post(`${blueNode.adminUrl}/services`, { name: 'a', url: `http://127.0.0.1:${a.port}` });
    await post(`${blueNode.adminUrl}/services/a/routes`, { paths: ['/'] });
    await blueNode.control.reload();
    const greenNode = await node('3.4.2', 'green', server.url.replace(/\/[^/]+$/, `/proxy_${dbCounter}`));
    await greenNode.control.reload();
    expect((await call(`${greenNode.proxyUrl}/`)).headers.get('x-kong-sim-cluster')).toBe('green');

    await blueNode.control.proxy.setFaults({ errorRate: 0.2, seed: 7 });
    let errors = 0;
    for (let i = 0; i < 300; i++) if ((await call(`${blueNode.proxyUrl}/`)).status >= 500) errors++;
    expect(errors / 300).toBeGreaterThan(0.13);
    expect(errors / 300).toBeLessThan(0.27);

    await blueNode.control.proxy.setFaults({ errorRate: 0, latencyMs: 120 });
    const t0 = Date.now();
    expect((await call(`${blueNode.proxyUrl}/`)).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(115);

    await blueNode.control.proxy.setFaults({ latencyMs: 0, refuse: true });
    await expect(fetch(`${blueNode.proxyUrl}/`)).rejects.toThrow();
    await blueNode.control.proxy.setFaults({ refuse: false });
    expect((await call(`${blueNode.proxyUrl}/`)).status).toBe(200);
  });
});

describe('headers, held against Kong 2.8.5 built here (test/fixtures/observed/kong-2.8.5-admin-proxy.txt)', () => {
  const OBSERVED = readFileSync(path.resolve(path.dirname(new URL(import.meta.url).pathname), '../fixtures/observed/kong-2.8.5-admin-proxy.txt'), 'utf8');
  /** The header names of an observed response, lower-cased, without the hop-by-hop and Date ones. */
  const observedHeaders = (name: string) => {
    const block = OBSERVED.split(`=== ${name}\n`)[1]!.split('\n\n')[0]!.split('\n').slice(2);
    return new Map(block.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 2)]));
  };

  it('a proxied response keeps the upstream Server and Content-Type and gets Via and the latencies; Kong own 404 gets Server, no Via', async () => {
    const upstream = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', server: 'BaseHTTP/0.6 Python/3.11.7' });
      res.end('{"name":"up-a"}');
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise<void>((resolve) => { upstream.closeAllConnections(); upstream.close(() => resolve()); }));
    const n = await node('2.8.5');
    await post(`${n.adminUrl}/services`, { name: 'orders', url: `http://127.0.0.1:${(upstream.address() as net.AddressInfo).port}/_svc/orders` });
    await post(`${n.adminUrl}/services/orders/routes`, { paths: ['/orders'], hosts: ['api.test'] });
    await n.control.reload();

    const proxied = await withHost(`${n.proxyUrl}/orders/x`, 'api.test');
    const want = observedHeaders('proxied-200');
    for (const name of ['content-type', 'server', 'via']) expect([name, proxied.headers.get(name)]).toEqual([name, want.get(name)]);
    for (const name of ['x-kong-upstream-latency', 'x-kong-proxy-latency']) expect(proxied.headers.get(name)).toMatch(/^\d+$/);

    const miss = await call(`${n.proxyUrl}/nothing`);
    const wantMiss = observedHeaders('no-route-404');
    expect(miss.status).toBe(404);
    for (const name of ['content-type', 'server']) expect([name, miss.headers.get(name)]).toEqual([name, wantMiss.get(name)]);
    expect(miss.headers.get('via')).toBeNull();
    expect(wantMiss.has('via')).toBe(false);
    expect(miss.headers.get('x-kong-response-latency')).toMatch(/^\d+$/);
  });
});
