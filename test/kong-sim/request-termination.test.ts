// The simulator's model of what the write freeze relies on: Kong's request-termination plugin on a
// route of the Admin API's own service (the API loopback), the router preferring a route that
// also matches the method, DELETE on an entity (plugins cascade with their route), and the proxy
// access log in nginx's combined format. Each behaviour cites Kong's source in the simulator.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
// @ts-expect-error plain ESM JavaScript without declarations
import { startKongNode } from './start.mjs';
import { createSimDatabase, withClient } from './helpers.js';

interface Node {
  adminUrl: string;
  proxyUrl: string;
  control: { reload(): Promise<void> };
  stop(): Promise<void>;
}

let server: PostgresServer;
let dir: string;
const nodes: Node[] = [];
let counter = 0;

beforeAll(async () => {
  server = await startPostgres();
  dir = mkdtempSync(path.join(os.tmpdir(), 'kong-sim-rt-'));
});
afterAll(async () => {
  for (const n of nodes) await n.stop();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A node on a fresh database with the Admin API proxied through itself at /admin-api. */
async function loopbackNode(version: string): Promise<{ node: Node; log: string; admin: (method: string, p: string, body?: object) => Promise<{ status: number; body: any }> }> {
  const name = `rt_${++counter}`;
  const url = await createSimDatabase(server, name, version);
  const log = path.join(dir, `${name}-access.log`);
  const node = (await startKongNode({ pg: url, version, reloadIntervalMs: 0, proxyAccessLog: log })) as Node;
  nodes.push(node);
  const call = (base: string) => async (method: string, p: string, body?: object) => {
    const response = await fetch(`${base}${p}`, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
    const text = await response.text();
    return { status: response.status, body: text === '' ? null : JSON.parse(text) };
  };
  const admin = call(node.adminUrl);
  expect((await admin('POST', '/services', { name: 'admin-api', url: node.adminUrl })).status).toBe(201);
  expect((await admin('POST', '/services/admin-api/routes', { name: 'admin-api', paths: ['/admin-api'] })).status).toBe(201);
  await node.control.reload();
  return { node, log, admin };
}

describe('kong-sim: request-termination in front of the Admin API (the write freeze)', () => {
  it.each(['2.8.5', '3.4.2'])('%s: a route matching the write methods wins over the loopback route and terminates them; reads still pass', async (version) => {
    const { node, admin } = await loopbackNode(version);
    const loop = (method: string, p: string, body?: object) => fetch(`${node.proxyUrl}/admin-api${p}`, { method, headers: { 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
    // Before: a write through the loopback reaches the Admin API.
    expect((await loop('POST', '/consumers', { username: 'before' })).status).toBe(201);

    const freeze = await admin('POST', '/services/admin-api/routes', { name: 'freeze', paths: ['/admin-api'], methods: ['POST', 'PUT', 'PATCH', 'DELETE'] });
    expect(freeze.status).toBe(201);
    expect((await admin('POST', `/routes/${freeze.body.id}/plugins`, { name: 'request-termination', config: { status_code: 423, message: 'frozen' } })).status).toBe(201);
    await node.control.reload();

    const refused = await loop('POST', '/consumers', { username: 'during' });
    expect(refused.status).toBe(423);
    expect(refused.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(refused.headers.get('via')).toBeNull();
    expect(await refused.json()).toEqual({ message: 'frozen' });
    const read = await loop('GET', '/consumers');
    expect(read.status).toBe(200);
    expect(((await read.json()) as { data: { username: string }[] }).data.map((c) => c.username)).toEqual(['before']);

    // DELETE of the route: 204, its plugin goes with it, writes pass again.
    expect((await admin('DELETE', `/routes/${freeze.body.id}`)).status).toBe(204);
    expect((await admin('GET', '/plugins')).body.data).toEqual([]);
    expect((await admin('DELETE', `/routes/${freeze.body.id}`)).status).toBe(204);
    await node.control.reload();
    expect((await loop('POST', '/consumers', { username: 'after' })).status).toBe(201);
  });

  it('scope: route+service over route over service over global; consumer-scoped instances never act; trigger; defaults; raw body', async () => {
    const { node, admin } = await loopbackNode('3.4.2');
    const route = (await admin('GET', '/routes/admin-api')).body;
    const service = (await admin('GET', '/services/admin-api')).body;
    const get = async () => {
      await node.control.reload();
      const response = await fetch(`${node.proxyUrl}/admin-api/status`);
      return { status: response.status, body: await response.text() };
    };
    const add = async (body: object) => (await admin('POST', '/plugins', { name: 'request-termination', ...body })).body.id as string;

    const consumer = (await admin('POST', '/consumers', { username: 'c' })).body;
    await add({ consumer: { id: consumer.id }, config: { status_code: 401 } });
    expect((await get()).status).toBe(200);
    const global = await add({ config: {} });
    // Defaults: 503 and its default message (handler.lua DEFAULT_RESPONSE).
    expect(await get()).toEqual({ status: 503, body: '{"message":"Service unavailable"}' });
    await add({ service: { id: service.id }, config: { status_code: 418 } });
    // A status without a default message and no message: no body.
    expect(await get()).toEqual({ status: 418, body: '' });
    await add({ route: { id: route.id }, config: { status_code: 451, body: 'gone', content_type: 'text/plain' } });
    expect(await get()).toEqual({ status: 451, body: 'gone' });
    await add({ route: { id: route.id }, service: { id: service.id }, config: { status_code: 409, message: 'both' } });
    expect(await get()).toEqual({ status: 409, body: '{"message":"both"}' });
    // A trigger: only requests carrying that header or query argument.
    await admin('DELETE', `/plugins/${global}`);
    await withClient(server, `rt_${counter}`, (client) => client.query(`UPDATE plugins SET config = '{"status_code": 409, "trigger": "x-freeze"}' WHERE route_id IS NOT NULL AND service_id IS NOT NULL`));
    expect((await get()).status).toBe(200);
    await node.control.reload();
    expect((await fetch(`${node.proxyUrl}/admin-api/status`, { headers: { 'x-freeze': '1' } })).status).toBe(409);
    expect((await fetch(`${node.proxyUrl}/admin-api/status?x-freeze`)).status).toBe(409);
  });

  it('writes one combined-format line per request to the proxy access log', async () => {
    const { node, log } = await loopbackNode('3.4.2');
    await fetch(`${node.proxyUrl}/admin-api/consumers?size=1`, { headers: { 'user-agent': 'say "hi"' } });
    await fetch(`${node.proxyUrl}/nowhere`, { method: 'POST', body: 'x' });
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^127\.0\.0\.1 - - \[\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "GET \/admin-api\/consumers\?size=1 HTTP\/1\.1" 200 \d+ "-" "say \\x22hi\\x22"$/);
    expect(lines[1]).toMatch(/"POST \/nowhere HTTP\/1\.1" 404 \d+ "-" "/);
  });
});
