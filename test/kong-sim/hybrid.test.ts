// The simulator's hybrid mode (hybrid/control-plane.mjs, hybrid/data-plane.mjs): data planes
// ping their control plane, which lists them in /clustering/data-planes from its database,
// pushes its configuration with one hash, and refuses a data plane newer than itself.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
// @ts-expect-error plain ESM JavaScript without declarations
import { startControlPlane } from './hybrid/control-plane.mjs';
// @ts-expect-error plain ESM JavaScript without declarations
import { startDataPlane } from './hybrid/data-plane.mjs';
// @ts-expect-error plain ESM JavaScript without declarations
import { createKongSchema } from './seed/schema.mjs';

interface Plane {
  hostname: string;
  nodeId: string;
  proxyUrl: string;
  statusUrl: string;
  currentHash(): string;
  lastAnswer(): string;
  stop(): Promise<void>;
}
interface ControlPlane {
  adminUrl: string;
  clusterUrl: string;
  currentHash(): Promise<string>;
  stop(): Promise<void>;
}
interface Row {
  id: string;
  hostname: string;
  version: string;
  config_hash: string;
  sync_status: string;
  last_seen: number;
}

let server: PostgresServer;
let backend: http.Server;
let cp: ControlPlane;
const planes: Plane[] = [];

beforeAll(async () => {
  server = await startPostgres();
  await server.createDatabase('cp');
  const url = server.url.replace(/\/[^/]+$/, '/cp');
  const client = new pg.Client(url);
  await client.connect();
  try {
    await createKongSchema(client, { version: '3.4.2' });
  } finally {
    await client.end();
  }
  backend = http.createServer((_req, res) => res.writeHead(200).end('ok'));
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  cp = (await startControlPlane({ pg: url, version: '3.4.2' })) as ControlPlane;
  const post = (p: string, body: object) => fetch(`${cp.adminUrl}${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect((await post('/services', { name: 'echo', url: `http://127.0.0.1:${(backend.address() as AddressInfo).port}` })).status).toBe(201);
  expect((await post('/services/echo/routes', { name: 'echo', paths: ['/echo'] })).status).toBe(201);
});
afterEach(async () => {
  while (planes.length) await planes.pop()!.stop();
});
afterAll(async () => {
  await cp?.stop();
  await new Promise<void>((resolve) => backend?.close(() => resolve()));
  await server?.stop();
});

async function plane(options: Record<string, unknown>): Promise<Plane> {
  const dp = (await startDataPlane({ clusterUrl: cp.clusterUrl, pingIntervalMs: 50, ...options })) as Plane;
  planes.push(dp);
  return dp;
}

async function listed(): Promise<Row[]> {
  return ((await (await fetch(`${cp.adminUrl}/clustering/data-planes`)).json()) as { data: Row[] }).data;
}

/** Polls the control plane's list until `done` holds (each ping writes the row: no fixed sleep). */
async function until(done: (rows: Row[]) => boolean): Promise<Row[]> {
  for (let i = 0; i < 200; i++) {
    const rows = await listed();
    if (done(rows)) return rows;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`condition never held: ${JSON.stringify(await listed())}`);
}

describe('hybrid control plane and data planes', () => {
  it('a data plane of the same minor syncs: listed with its version and the control plane\'s hash, and routes traffic', async () => {
    const dp = await plane({ version: '3.4.2', hostname: 'dp-a' });
    const hash = await cp.currentHash();
    const row = (await until((rows) => rows.some((r) => r.id === dp.nodeId && r.config_hash === hash))).find((r) => r.id === dp.nodeId);
    expect(row).toMatchObject({ hostname: 'dp-a', version: '3.4.2', sync_status: 'normal' });
    expect(Math.abs(row!.last_seen - Date.now() / 1000)).toBeLessThan(5);
    expect(dp.currentHash()).toBe(hash);
    expect((await fetch(`${dp.proxyUrl}/echo`)).status).toBe(200);
    const status = (await (await fetch(`${dp.statusUrl}/status`)).json()) as Record<string, unknown>;
    expect(status).toEqual(expect.objectContaining({ configuration_hash: hash }));
    expect(status).not.toHaveProperty('database');
  });

  it('a data plane of a newer minor is refused (kong_version_incompatible) and serves nothing', async () => {
    const dp = await plane({ version: '3.9.3', hostname: 'dp-new' });
    await until((rows) => rows.some((r) => r.id === dp.nodeId && r.sync_status === 'kong_version_incompatible'));
    expect(dp.lastAnswer()).toBe('data plane version 3.9.3 is incompatible with older control plane version 3.4.2');
    expect(dp.currentHash()).toBe('0'.repeat(32));
    expect((await fetch(`${dp.proxyUrl}/echo`)).status).toBe(404);
    expect((await fetch(`${dp.statusUrl}/status/ready`)).status).toBe(503);
  });

  it('a data plane that fails to sync pings with the empty hash; a replaced one stays listed with its old last_seen', async () => {
    const old = await plane({ version: '3.4.2', hostname: 'dp-b' });
    const hash = await cp.currentHash();
    await until((rows) => rows.some((r) => r.id === old.nodeId && r.config_hash === hash));
    await planes.pop()!.stop();
    const broken = await plane({ version: '3.4.2', hostname: 'dp-b', failSync: true });
    const rows = await until((all) => all.some((r) => r.id === broken.nodeId));
    const mine = rows.filter((r) => r.hostname === 'dp-b');
    expect(mine.map((r) => r.id).sort()).toEqual([old.nodeId, broken.nodeId].sort());
    expect(mine.find((r) => r.id === broken.nodeId)).toMatchObject({ config_hash: '0'.repeat(32), sync_status: 'normal' });
    expect((await fetch(`${broken.proxyUrl}/echo`)).status).toBe(404);
  });
});
