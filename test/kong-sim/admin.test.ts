import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { createSimDatabase } from './helpers.js';
// @ts-expect-error plain ESM JavaScript without declarations
import { startAdminApi } from './admin/server.mjs';
// @ts-expect-error plain ESM JavaScript without declarations
import { seedKongDatabase } from './seed/generate.mjs';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
const OBSERVED_ADMIN = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../fixtures/observed/kong-2.8.5-admin-proxy.txt');
interface Admin {
  url: string;
  statusUrl?: string;
  control: { setFaults(p: Record<string, unknown>): Promise<void> };
  stop(): Promise<void>;
}

let server: PostgresServer;
let dbCounter = 0;
const running: Admin[] = [];

beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await server?.stop();
});
afterEach(async () => {
  while (running.length) await running.pop()!.stop();
});

/** A fresh database with Kong's tables at `version` (EE adds consumer_groups). */
async function freshDb(version = '3.4.2', enterprise = false): Promise<string> {
  return createSimDatabase(server, `admin_${++dbCounter}`, version.split('.').slice(0, 3).join('.'), enterprise);
}

async function start(options: Record<string, unknown>): Promise<Admin> {
  const admin = (await startAdminApi(options)) as Admin;
  running.push(admin);
  return admin;
}

async function getJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Json; headers: Headers }> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

async function post(url: string, body: unknown): Promise<{ status: number; body: Json }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

describe('GET / per version', () => {
  it('2.8.5: available_on_server is {name: true}, no edition', async () => {
    const admin = await start({ pg: await freshDb('2.8.5'), version: '2.8.5' });
    const { status, body, headers } = await getJson(`${admin.url}/`);
    expect(status).toBe(200);
    expect(body.tagline).toBe('Welcome to kong');
    expect(body.version).toBe('2.8.5');
    expect(body).not.toHaveProperty('edition');
    expect(body.plugins.available_on_server['key-auth']).toBe(true);
    expect(Object.values(body.plugins.available_on_server).every((v) => v === true)).toBe(true);
    expect(body.plugins.enabled_in_cluster).toEqual([]);
    expect(typeof body.node_id).toBe('string');
    expect(headers.get('server')).toBe('kong/2.8.5');
  });

  it('3.4.2: available_on_server is {name: {version, priority}}, enabled_in_cluster from the plugins table', async () => {
    const admin = await start({ pg: await freshDb('3.4.2'), version: '3.4.2' });
    expect((await post(`${admin.url}/plugins`, { name: 'rate-limiting', config: { minute: 5 } })).status).toBe(201);
    expect((await post(`${admin.url}/plugins`, { name: 'cors' })).status).toBe(201);
    const { body } = await getJson(`${admin.url}/`);
    expect(body).not.toHaveProperty('edition');
    expect(body.plugins.available_on_server['key-auth']).toEqual({ version: '3.4.2', priority: 1250 });
    // opentelemetry kept its own VERSION = "0.1.0" until 3.8 (kong/plugins/opentelemetry/handler.lua).
    expect(body.plugins.available_on_server.opentelemetry).toEqual({ version: '0.1.0', priority: 14 });
    expect([...body.plugins.enabled_in_cluster].sort()).toEqual(['cors', 'rate-limiting']);
  });

  it('3.6+: edition community; Enterprise: edition enterprise and disabled_on_server', async () => {
    const db = await freshDb('3.6.1');
    const oss = await start({ pg: db, version: '3.6.1' });
    expect((await getJson(`${oss.url}/`)).body.edition).toBe('community');
    const ee = await start({ pg: db, version: '3.6.1.0', edition: 'enterprise' });
    const { body } = await getJson(`${ee.url}/`);
    expect(body.edition).toBe('enterprise');
    expect(body.version).toBe('3.6.1.0');
    expect(body.plugins).toHaveProperty('disabled_on_server');
  });

  it('a version fault reports another version', async () => {
    const admin = await start({ pg: await freshDb(), version: '3.4.2', faults: { version: '3.4.1' } });
    expect((await getJson(`${admin.url}/`)).body.version).toBe('3.4.1');
    await admin.control.setFaults({ version: undefined });
    expect((await getJson(`${admin.url}/`)).body.version).toBe('3.4.2');
  });
});

describe('/status and /status/ready', () => {
  it('DB down: /status is still 200 with database.reachable false; /status/ready 503', async () => {
    // A port nothing listens on: bind, read the port, close.
    const closedPort = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    const admin = await start({ pg: { host: '127.0.0.1', port: closedPort, user: 'x', password: 'y', database: 'kong' }, version: '3.4.2' });
    const status = await getJson(`${admin.url}/status`);
    expect(status.status).toBe(200);
    expect(status.body.database).toEqual({ reachable: false });
    expect(Object.keys(status.body.server).sort()).toEqual([
      'connections_accepted', 'connections_active', 'connections_handled', 'connections_reading',
      'connections_waiting', 'connections_writing', 'total_requests']);
    const ready = await getJson(`${admin.statusUrl}/status/ready`);
    expect(ready).toMatchObject({ status: 503, body: { message: 'failed to connect to database' } });
    // Entity endpoints fail like Kong's DB errors.
    expect(await getJson(`${admin.url}/services`)).toMatchObject({ status: 500, body: { message: 'An unexpected error occurred' } });
  });

  it('DB up: reachable true; the dbUnreachable fault flips it at runtime', async () => {
    const admin = await start({ pg: await freshDb(), version: '3.4.2' });
    expect((await getJson(`${admin.url}/status`)).body.database.reachable).toBe(true);
    await admin.control.setFaults({ dbUnreachable: true });
    expect(await getJson(`${admin.url}/status`)).toMatchObject({ status: 200, body: { database: { reachable: false } } });
    await admin.control.setFaults({ dbUnreachable: false });
    expect((await getJson(`${admin.statusUrl}/status`)).body.database.reachable).toBe(true);
  });

  it('/status/ready exists from 3.3 and only on the status listener', async () => {
    const db = await freshDb();
    const v32 = await start({ pg: db, version: '3.2.2' });
    expect((await getJson(`${v32.statusUrl}/status/ready`)).status).toBe(404);
    const v33 = await start({ pg: db, version: '3.3.0' });
    expect(await getJson(`${v33.statusUrl}/status/ready`)).toMatchObject({ status: 200, body: { message: 'ready' } });
    expect(await getJson(`${v33.url}/status/ready`)).toMatchObject({ status: 404, body: { message: 'Not found' } });
  });
});

describe('collections and pagination', () => {
  it('pages 10,000 services with size=1000 following next to the exact count (3.4: next keeps &size)', async () => {
    const db = await freshDb();
    await seedKongDatabase(db, { counts: { services: 10000, routes: 0, consumers: 0, plugins: 0, keyauth_credentials: 0, basicauth_credentials: 0, upstreams: 0, targets: 0, certificates: 0, snis: 0, ca_certificates: 0, ratelimiting_metrics: 0 }, seed: 1 });
    const admin = await start({ pg: db, version: '3.4.2' });
    const ids = new Set<string>();
    let next: string | null = '/services?size=1000';
    let pages = 0;
    let last: Json;
    while (next) {
      expect(next.startsWith('/')).toBe(true); // relative path, not http://…
      const page = await getJson(`${admin.url}${next}`);
      expect(page.status).toBe(200);
      for (const s of page.body.data) ids.add(s.id);
      pages++;
      if (page.body.next) {
        expect(page.body.next).toMatch(/^\/services\?offset=[^&]+&size=1000$/);
        expect(page.body.next).toContain(encodeURIComponent(page.body.offset));
        expect(page.body.data).toHaveLength(1000);
      }
      last = page.body;
      next = page.body.next;
    }
    expect(ids.size).toBe(10000);
    expect(pages).toBe(10);
    expect(last.next).toBeNull();
    expect(last).not.toHaveProperty('offset');
    // Entities look like Kong's: integer timestamps, numbers for BIGINT, no ws_id.
    const first = (await getJson(`${admin.url}/services?size=1`)).body.data[0];
    expect(Number.isInteger(first.created_at)).toBe(true);
    expect(typeof first.port).toBe('number');
    expect(first).not.toHaveProperty('ws_id');
    // Default size 100.
    expect((await getJson(`${admin.url}/services`)).body.data).toHaveLength(100);
  });

  it('2.8.5: next carries no &size, so following it falls back to 100 per page', async () => {
    const db = await freshDb('2.8.5');
    await seedKongDatabase(db, { counts: { services: 1500, routes: 0, consumers: 0, plugins: 0, keyauth_credentials: 0, basicauth_credentials: 0, upstreams: 0, targets: 0, certificates: 0, snis: 0, ca_certificates: 0, ratelimiting_metrics: 0 }, seed: 2, version: '2.8.5' });
    const admin = await start({ pg: db, version: '2.8.5' });
    const first = await getJson(`${admin.url}/services?size=1000`);
    expect(first.body.data).toHaveLength(1000);
    expect(first.body.next).toMatch(/^\/services\?offset=[^&]+$/);
    const second = await getJson(`${admin.url}${first.body.next}`);
    expect(second.body.data).toHaveLength(100);
  });

  it('size and offset errors have Kong\'s bodies', async () => {
    const admin = await start({ pg: await freshDb(), version: '3.4.2' });
    expect(await getJson(`${admin.url}/services?size=abc`)).toMatchObject({ status: 400, body: { code: 9, name: 'invalid size', message: 'size must be a number' } });
    for (const size of ['0', '1001', '2.5', '-1']) {
      expect(await getJson(`${admin.url}/routes?size=${size}`)).toMatchObject({ status: 400, body: { code: 9, name: 'invalid size', message: 'size must be an integer between 1 and 1000' } });
    }
    expect((await getJson(`${admin.url}/services?size=1000`)).status).toBe(200);
    expect(await getJson(`${admin.url}/services?offset=x`)).toMatchObject({ status: 400, body: { code: 7, name: 'invalid offset', message: "'x' is not a valid offset: bad base64 encoding" } });
    expect((await getJson(`${admin.url}/services?offset=${Buffer.from('{not json').toString('base64')}`)).body.message).toMatch(/bad json encoding$/);
    const empty = await getJson(`${admin.url}/services`);
    expect(empty.body).toEqual({ data: [], next: null });
  });

  it('/targets is 404; targets are under /upstreams/{name|id}/targets with a nested next', async () => {
    const db = await freshDb();
    await seedKongDatabase(db, { counts: { services: 0, upstreams: 2, targets: 30 }, seed: 3 });
    const admin = await start({ pg: db, version: '3.4.2' });
    expect(await getJson(`${admin.url}/targets`)).toMatchObject({ status: 404, body: { message: 'Not found' } });
    const page = await getJson(`${admin.url}/upstreams/upstream-1/targets?size=10`);
    expect(page.status).toBe(200);
    expect(page.body.data).toHaveLength(10);
    expect(page.body.data[0].upstream).toHaveProperty('id');
    // Nested collections never carry size in next (kong/api/endpoints.lua).
    expect(page.body.next).toMatch(/^\/upstreams\/upstream-1\/targets\?offset=[^&]+$/);
    expect((await getJson(`${admin.url}/upstreams/nope/targets`)).status).toBe(404);
  });

  it('POST creates entities; errors are Kong-shaped (schema, unique, bad JSON)', async () => {
    const admin = await start({ pg: await freshDb(), version: '3.4.2' });
    const svc = await post(`${admin.url}/services`, { name: 'orders', url: 'http://orders.internal:8080/v1' });
    expect(svc.status).toBe(201);
    expect(svc.body).toMatchObject({ name: 'orders', protocol: 'http', host: 'orders.internal', port: 8080, path: '/v1', retries: 5 });
    const route = await post(`${admin.url}/services/orders/routes`, { name: 'orders-r', paths: ['/orders'] });
    expect(route.status).toBe(201);
    expect(route.body.service).toEqual({ id: svc.body.id });
    expect(await post(`${admin.url}/services`, { name: 'orders', host: 'x' })).toMatchObject({ status: 409, body: { code: 5, name: 'unique constraint violation', message: `UNIQUE violation detected on '{name="orders"}'` } });
    expect(await post(`${admin.url}/services`, { name: 'nohost' })).toMatchObject({ status: 400, body: { code: 2, fields: { host: 'required field missing' } } });
    expect((await post(`${admin.url}/plugins`, { name: 'no-such-plugin' })).body.fields.name).toBe("plugin 'no-such-plugin' not enabled; add it to the 'plugins' configuration property");
    const bad = await fetch(`${admin.url}/services`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{oops' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ message: 'Cannot parse JSON body' });
    expect((await getJson(`${admin.url}/services/orders/routes`)).body.data.map((r: Json) => r.name)).toEqual(['orders-r']);
    expect((await getJson(`${admin.url}/services/orders`)).body.id).toBe(svc.body.id);
    expect(await getJson(`${admin.url}/nope`)).toMatchObject({ status: 404, body: { message: 'Not found' } });
    expect((await fetch(`${admin.url}/services`, { method: 'DELETE' })).status).toBe(405);
  });
});

describe('Enterprise: workspaces, consumer groups, RBAC', () => {
  it('lists workspaces, serves /<ws>/<collection> and /workspaces/{ws}/meta counts', async () => {
    const db = await freshDb('3.4.2', true);
    await seedKongDatabase(db, { counts: { services: 90 }, workspaces: 2, seed: 4 });
    const admin = await start({ pg: db, version: '3.4.2.0', edition: 'enterprise' });
    const ws = await getJson(`${admin.url}/workspaces`);
    expect(ws.body.data.map((w: Json) => w.name).sort()).toEqual(['default', 'ws-1', 'ws-2']);
    let total = 0;
    for (const name of ['default', 'ws-1', 'ws-2']) {
      const meta = await getJson(`${admin.url}/workspaces/${name}/meta`);
      expect(meta.status).toBe(200);
      const services = await getJson(`${admin.url}/${name}/services?size=1000`);
      expect(services.body.data).toHaveLength(meta.body.counts.services);
      const routes = await getJson(`${admin.url}/${name}/routes?size=1000`);
      expect(routes.body.data).toHaveLength(meta.body.counts.routes);
      total += meta.body.counts.services;
    }
    expect(total).toBe(90);
    // Unprefixed = default workspace.
    expect((await getJson(`${admin.url}/services?size=1000`)).body.data).toHaveLength(30);
    expect((await getJson(`${admin.url}/consumer_groups`)).status).toBe(200);
    expect((await getJson(`${admin.url}/nope-ws/services`)).status).toBe(404);
  });

  it('OSS: no consumer_groups, no workspace prefix, /workspaces gone from 3.7', async () => {
    const db = await freshDb();
    const v34 = await start({ pg: db, version: '3.4.2' });
    expect((await getJson(`${v34.url}/consumer_groups`)).status).toBe(404);
    expect((await getJson(`${v34.url}/default/services`)).status).toBe(404);
    expect((await getJson(`${v34.url}/workspaces`)).status).toBe(200);
    expect((await getJson(`${v34.url}/workspaces/default/meta`)).status).toBe(404);
    const v37 = await start({ pg: db, version: '3.7.1' });
    expect(await getJson(`${v37.url}/workspaces`)).toMatchObject({ status: 404, body: { message: 'Not found' } });
  });

  it('RBAC: missing or wrong Kong-Admin-Token is refused', async () => {
    const admin = await start({ pg: await freshDb('3.4.2', true), version: '3.4.2.0', edition: 'enterprise', rbacToken: 's3cret' });
    expect(await getJson(`${admin.url}/services`)).toMatchObject({ status: 401, body: { message: 'Invalid RBAC credentials' } });
    expect((await getJson(`${admin.url}/services`, { 'Kong-Admin-Token': 'wrong' })).status).toBe(401);
    expect((await getJson(`${admin.url}/services`, { 'Kong-Admin-Token': 's3cret' })).status).toBe(200);
    // The status listener is not the Admin API: no RBAC there.
    expect((await getJson(`${admin.statusUrl}/status`)).status).toBe(200);
  });

  it('/clustering/data-planes: 400 unless control plane; pages the configured list', async () => {
    const db = await freshDb();
    const dp = await start({ pg: db, version: '3.4.2' });
    expect((await getJson(`${dp.url}/clustering/data-planes`)).body.message).toBe('this endpoint is only available when Kong is configured to run as Control Plane for the cluster');
    const planes = Array.from({ length: 3 }, (_, i) => ({ id: `0000000${i}-0000-4000-8000-000000000000`, hostname: `dp-${i}`, ip: `10.0.0.${i}`, version: '3.4.2', sync_status: 'normal' }));
    const cp = await start({ pg: db, version: '3.4.2', role: 'control_plane', dataPlanes: planes });
    const p1 = await getJson(`${cp.url}/clustering/data-planes?size=2`);
    expect(p1.body.data.map((d: Json) => d.hostname)).toEqual(['dp-0', 'dp-1']);
    const p2 = await getJson(`${cp.url}${p1.body.next}`);
    expect(p2.body).toEqual({ data: [planes[2]], next: null });
  });
});

describe('faults', () => {
  it('5xx share, added latency, refused connections', async () => {
    const admin = await start({ pg: await freshDb(), version: '3.4.2', faults: { errorRate: 0.3, seed: 42 } });
    let errors = 0;
    const n = 400;
    for (let i = 0; i < n; i++) {
      const res = await fetch(`${admin.url}/status`);
      await res.arrayBuffer();
      if (res.status >= 500) errors++;
    }
    expect(errors / n).toBeGreaterThan(0.23);
    expect(errors / n).toBeLessThan(0.37);

    await admin.control.setFaults({ errorRate: 0, latencyMs: 150 });
    const t0 = Date.now();
    expect((await fetch(`${admin.url}/`)).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(145);

    await admin.control.setFaults({ latencyMs: 0, refuse: true });
    await expect(fetch(`${admin.url}/`)).rejects.toThrow();
    await expect(fetch(`${admin.statusUrl}/status`)).rejects.toThrow();
    await admin.control.setFaults({ refuse: false });
    expect((await fetch(`${admin.url}/`)).status).toBe(200);
  });
});

describe('held against Kong 2.8.5 built here (test/fixtures/observed/kong-2.8.5-admin-proxy.txt)', () => {
  const form = async (url: string, fields: [string, string][]) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
    return { status: res.status, body: (await res.json()) as Json };
  };

  it('GET /plugins/enabled lists the loaded plugins', async () => {
    const admin = await start({ pg: await freshDb('2.8.5'), version: '2.8.5' });
    const { status, body } = await getJson(`${admin.url}/plugins/enabled`);
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual(['enabled_plugins']);
    // The observed list, as a set: Kong's order is LuaJIT's hash order of loaded_plugins.
    const observed = /^\{"enabled_plugins":(\[.*\])\}$/m.exec(readFileSync(OBSERVED_ADMIN, 'utf8'))![1]!;
    expect([...body.enabled_plugins].sort()).toEqual(JSON.parse(observed).sort());
  });

  it('form-encoded POSTs create services and routes: a[]=, repeated keys, a[1]=, one value for an array, numbers', async () => {
    const admin = await start({ pg: await freshDb('2.8.5'), version: '2.8.5' });
    const service = await form(`${admin.url}/services`, [['name', 'orders'], ['url', 'http://127.0.0.1:18100/_svc/orders']]);
    expect(service).toMatchObject({ status: 201, body: { name: 'orders', host: '127.0.0.1', port: 18100, path: '/_svc/orders', protocol: 'http' } });
    const route = await form(`${admin.url}/services/orders/routes`, [['name', 'orders'], ['paths[]', '/orders'], ['hosts', 'api.test'], ['strip_path', 'true']]);
    expect(route).toMatchObject({ status: 201, body: { paths: ['/orders'], hosts: ['api.test'], strip_path: true, methods: null } });
    const repeated = await form(`${admin.url}/services/orders/routes`, [['name', 'orders3'], ['paths', '/o4'], ['methods[1]', 'GET'], ['paths', '/o5']]);
    expect(repeated).toMatchObject({ status: 201, body: { paths: ['/o4', '/o5'], methods: ['GET'] } });
    const bad = await form(`${admin.url}/services`, [['name', 'bad'], ['port', 'notanumber'], ['host', 'x']]);
    expect(bad).toEqual({ status: 400, body: JSON.parse(/^=== form-bad-port\n#.*\n(.*)$/m.exec(readFileSync(OBSERVED_ADMIN, 'utf8'))![1]!) });
  });

  it('3.4.2 routes have no expression and priority under the traditional_compatible router', async () => {
    const admin = await start({ pg: await freshDb('3.4.2'), version: '3.4.2' });
    await post(`${admin.url}/services`, { name: 's', url: 'http://127.0.0.1:9/' });
    const route = await post(`${admin.url}/services/s/routes`, { name: 'r', paths: ['/r'] });
    expect(route.status).toBe(201);
    expect(route.body).not.toHaveProperty('expression');
    expect(route.body).not.toHaveProperty('priority');
    const listed = await getJson(`${admin.url}/routes`);
    expect(Object.keys(listed.body.data[0])).not.toContain('expression');
  });

  it('Enterprise 2.x reports its version with -enterprise-edition (kong/meta.lua _VERSION, _SERVER_TOKENS); 3.x without', async () => {
    const ee2 = await start({ pg: await freshDb('2.8.1', true), version: '2.8.1.1', edition: 'enterprise' });
    const root = await getJson(`${ee2.url}/`);
    expect(root.body.version).toBe('2.8.1.1-enterprise-edition');
    expect(root.headers.get('server')).toBe('kong/2.8.1.1-enterprise-edition');
    const ee3 = await start({ pg: await freshDb('3.4.3', true), version: '3.4.3.5', edition: 'enterprise' });
    expect((await getJson(`${ee3.url}/`)).body.version).toBe('3.4.3.5');
  });
});
