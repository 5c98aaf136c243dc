import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { createSimDatabase } from './helpers.js';
// @ts-expect-error plain ESM JavaScript without declarations
import { seedKongDatabase } from './seed/generate.mjs';

let server: PostgresServer;
let dbCounter = 0;

beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await server?.stop();
});

async function freshDb(version = '3.4.2'): Promise<string> {
  return createSimDatabase(server, `seed_${++dbCounter}`, version);
}

/** The single row of a one-row query. */
async function one<T = Record<string, unknown>>(url: string, sql: string): Promise<T> {
  const rows = await query<T>(url, sql);
  if (rows.length !== 1) throw new Error(`expected one row from ${sql}, got ${rows.length}`);
  return rows[0] as T;
}

async function query<T = Record<string, unknown>>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

describe('seedKongDatabase', () => {
  it('fills every entity table with linked, counted rows (counts mode, workspaces)', async () => {
    const url = await freshDb();
    const result = await seedKongDatabase(url, { counts: { services: 200 }, workspaces: 2, seed: 5 });
    expect(result.counts).toEqual({
      certificates: 10, ca_certificates: 2, services: 200, routes: 600, consumers: 800, plugins: 600,
      keyauth_credentials: 800, basicauth_credentials: 200, upstreams: 40, targets: 120, snis: 20, ratelimiting_metrics: 4000,
    });
    expect(result.bytes).toBeGreaterThan(1_000_000);
    // Counts are what the database holds.
    expect((await one<{ n: number }>(url, 'SELECT count(*)::int AS n FROM routes')).n).toBe(600);
    // Entities spread over 3 workspaces; a route lives in its service's workspace.
    const ws = await one<{ n: number }>(url, 'SELECT count(DISTINCT ws_id)::int AS n FROM services');
    expect(ws.n).toBe(3);
    const mismatched = await one<{ n: number }>(url, 'SELECT count(*)::int AS n FROM routes r JOIN services s ON s.id = r.service_id WHERE r.ws_id <> s.ws_id');
    expect(mismatched.n).toBe(0);
    const pluginWs = await one<{ n: number }>(url, `SELECT count(*)::int AS n FROM plugins p
      LEFT JOIN services s ON s.id = p.service_id LEFT JOIN routes r ON r.id = p.route_id LEFT JOIN consumers c ON c.id = p.consumer_id
      WHERE p.ws_id <> COALESCE(s.ws_id, r.ws_id, c.ws_id, p.ws_id) OR (r.ws_id IS NOT NULL AND p.ws_id <> r.ws_id)`);
    expect(pluginWs.n).toBe(0);
    // 3.x regex paths carry the ~ prefix; some routes are regex, most are prefixes.
    const regex = await one<{ n: number }>(url, "SELECT count(*)::int AS n FROM routes WHERE paths[1] LIKE '~%'");
    expect(regex.n).toBe(60);
    // Global plugins exist and configs are JSON objects.
    const globals = await one<{ n: number }>(url, 'SELECT count(*)::int AS n FROM plugins WHERE service_id IS NULL AND route_id IS NULL AND consumer_id IS NULL');
    expect(globals.n).toBe(8);
    const cfg = await one<{ config: { minute: number } }>(url, "SELECT config FROM plugins WHERE name = 'rate-limiting' AND service_id IS NOT NULL LIMIT 1");
    expect(typeof cfg.config.minute).toBe('number');
  });

  it('is reproducible per seed and writes 2.x-style regex paths for 2.8', async () => {
    const a = await freshDb('2.8.5');
    const b = await freshDb('2.8.5');
    await seedKongDatabase(a, { counts: { services: 50 }, seed: 9, version: '2.8.5' });
    await seedKongDatabase(b, { counts: { services: 50 }, seed: 9, version: '2.8.5' });
    const ids = async (url: string) => (await query<{ id: string }>(url, 'SELECT id FROM plugins ORDER BY id')).map((r) => r.id);
    expect(await ids(a)).toEqual(await ids(b));
    const regex = await one<{ p: string }>(a, "SELECT paths[1] AS p FROM routes WHERE paths[1] LIKE '%(?<id>%' LIMIT 1");
    expect(regex.p.startsWith('~')).toBe(false);
  });

  it('grows to a target size', async () => {
    const url = await freshDb();
    const target = 30 * 1024 * 1024;
    const result = await seedKongDatabase(url, { targetBytes: target, seed: 1 });
    expect(result.bytes).toBeGreaterThanOrEqual(target);
    expect(result.bytes).toBeLessThan(target * 1.5);
    expect(result.counts.services).toBeGreaterThan(500);
    expect(result.counts.routes).toBe(result.counts.services * 3);
  });
});
