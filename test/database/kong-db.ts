import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { targetFromInputs, type DatabaseTarget } from '../../src/database/postgres/connect.js';
import { UpgradeError } from '../../src/lib/errors.js';
import type { PostgresServer } from '../helpers/postgres.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { withClient } from '../kong-sim/helpers.js';

const execFileAsync = promisify(execFile);
const KONG_SIM = path.join(REPO_ROOT, 'test/kong-sim/bin/kong');

/**
 * A Kong-shaped database for the backup tests: the simulated `kong migrations bootstrap`
 * (test/kong-sim) creates Kong's real tables and schema_meta, then a small dataset goes in:
 * a second workspace, services, routes, consumers, plugins, key-auth credentials, plus rows in
 * tables that change on their own (rate-limiting counters, cluster events) which the
 * fingerprint must ignore. The bench uses a big version of the same.
 */
export async function createKongDatabase(server: PostgresServer, database: string, rows = 200, kongVersion = '3.4.2'): Promise<void> {
  await server.createDatabase(database);
  await execFileAsync(process.execPath, [KONG_SIM, 'migrations', 'bootstrap'], {
    env: {
      PATH: process.env.PATH ?? '',
      KONG_PG_HOST: server.host,
      KONG_PG_PORT: String(server.port),
      KONG_PG_USER: server.user,
      KONG_PG_PASSWORD: server.password,
      KONG_PG_DATABASE: database,
      KONG_SIM_VERSION: kongVersion,
    },
  });
  await withClient(server, database, (client) => client.query(seedSql(rows)));
}

export function seedSql(rows: number): string {
  return `
INSERT INTO workspaces (id, name) VALUES ('11111111-1111-4111-8111-111111111111', 'team-b') ON CONFLICT DO NOTHING;
INSERT INTO services (id, name, host, port, protocol, path, retries, ws_id, created_at, updated_at)
  SELECT md5('svc' || i)::uuid, 'service-' || i, 'upstream-' || i || '.internal', 8000 + i % 100, 'http', '/v' || i, 5,
         CASE WHEN i % 4 = 0 THEN '11111111-1111-4111-8111-111111111111'::uuid ELSE (SELECT id FROM workspaces WHERE name = 'default') END,
         now(), now()
    FROM generate_series(1, ${rows}) i;
INSERT INTO routes (id, name, service_id, protocols, paths, strip_path, preserve_host, ws_id, created_at, updated_at)
  SELECT md5('route' || i)::uuid, 'route-' || i, md5('svc' || (1 + i % ${rows}))::uuid, '{http,https}', ARRAY['/r' || i], true, false,
         (SELECT ws_id FROM services WHERE id = md5('svc' || (1 + i % ${rows}))::uuid), now(), now()
    FROM generate_series(1, ${rows * 2}) i;
INSERT INTO consumers (id, username, ws_id, created_at)
  SELECT md5('consumer' || i)::uuid, 'user-' || i, (SELECT id FROM workspaces WHERE name = 'default'), now()
    FROM generate_series(1, ${rows}) i;
INSERT INTO keyauth_credentials (id, consumer_id, key, ws_id, created_at)
  SELECT md5('key' || i)::uuid, md5('consumer' || i)::uuid, 'secret-key-' || md5('k' || i), (SELECT id FROM workspaces WHERE name = 'default'), now()
    FROM generate_series(1, ${rows}) i;
INSERT INTO plugins (id, name, service_id, config, enabled, cache_key, ws_id, created_at)
  SELECT md5('plugin' || i)::uuid, 'rate-limiting', md5('svc' || i)::uuid, jsonb_build_object('minute', i, 'policy', 'local'), true,
         'plugins:rate-limiting::' || md5('svc' || i), (SELECT ws_id FROM services WHERE id = md5('svc' || i)::uuid), now()
    FROM generate_series(1, ${rows}) i;
INSERT INTO ratelimiting_metrics (identifier, period, period_date, value)
  SELECT '10.0.0.' || i, 'minute', date_trunc('minute', now()), i FROM generate_series(1, 50) i;
INSERT INTO cluster_events (id, node_id, at, expire_at, channel, data)
  SELECT md5('ev' || i)::uuid, md5('node')::uuid, now(), now() + interval '1 hour', 'invalidations', 'routes:' || i FROM generate_series(1, 20) i;
`;
}

/** The server's connection as backup-db's inputs give it (password auth, no TLS). */
export function pgTarget(server: PostgresServer, database: string, overrides: Partial<DatabaseTarget['db']> = {}): DatabaseTarget {
  return targetFromInputs({ host: server.host, port: server.port, user: server.user, password: server.password, database, sslmode: 'disable', ...overrides }, false);
}

/** A folder `name` under `work`, created if missing. */
export function subdir(work: string, name: string): string {
  const d = path.join(work, name);
  mkdirSync(d, { recursive: true });
  return d;
}

/** The UpgradeError a promise rejects with (fails the test if it resolves or throws anything else). */
export async function rejection(promise: Promise<unknown>): Promise<UpgradeError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(UpgradeError);
  return error as UpgradeError;
}
