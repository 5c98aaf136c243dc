// Benchmark of the smoke test's entity inventory: counting 100,000 entities through the
// simulated Admin API (test/kong-sim/admin/server.mjs) on a throwaway PostgreSQL, paging with
// size=1000 and following `next`, targets per upstream, bounded concurrency. Target ≤ 10 s.
// Prints elapsed time, Admin API requests per second, entities per second and peak memory
// (RSS of this process, which also hosts the simulator, and the heap growth of the count).
// Run: node bench/inventory.mjs [concurrency]   (builds first when build/ is missing).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startPostgres } from '../test/helpers/postgres.ts';
import { startAdminApi } from '../test/kong-sim/admin/server.mjs';
import { createKongSchema, DEFAULT_WORKSPACE_ID } from '../test/kong-sim/seed/schema.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
if (!existsSync(path.join(root, 'build/checks/inventory.js'))) {
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
}
const { takeInventory } = await import(path.join(root, 'build/checks/inventory.js'));
const { createAdminClient } = await import(path.join(root, 'build/kong/admin-api.js'));

const concurrency = Number(process.argv[2] ?? 8);
const TARGET_MS = 10_000;
// 100,000 entities: 30k services, 40k routes, 20k consumers, 1k upstreams with 9 targets each.
const PLAN = { services: 30_000, routes: 40_000, consumers: 20_000, upstreams: 1_000, targetsPerUpstream: 9 };

const server = await startPostgres();
let admin;
try {
  const connection = { host: server.host, port: server.port, user: server.user, password: server.password, database: server.database };
  const client = new pg.Client(connection);
  await client.connect();
  await createKongSchema(client, { version: '3.4.2' });
  await client.query(`INSERT INTO workspaces (id, name) VALUES ($1, 'default') ON CONFLICT DO NOTHING`, [DEFAULT_WORKSPACE_ID]);
  const ws = DEFAULT_WORKSPACE_ID;
  const seedStart = performance.now();
  await client.query(
    `INSERT INTO services (id, name, host, port, protocol, ws_id)
       SELECT gen_random_uuid(), 'svc-' || i, 'upstream.test', 80, 'http', $1 FROM generate_series(1, ${PLAN.services}) i`,
    [ws],
  );
  await client.query(
    `INSERT INTO routes (id, name, service_id, paths, protocols, ws_id)
       SELECT gen_random_uuid(), 'route-' || i, (SELECT id FROM services LIMIT 1), ARRAY['/r' || i], ARRAY['http','https'], $1
       FROM generate_series(1, ${PLAN.routes}) i`,
    [ws],
  );
  await client.query(
    `INSERT INTO consumers (id, username, ws_id) SELECT gen_random_uuid(), 'user-' || i, $1 FROM generate_series(1, ${PLAN.consumers}) i`,
    [ws],
  );
  await client.query(
    `INSERT INTO upstreams (id, name, slots, ws_id) SELECT gen_random_uuid(), 'up-' || i, 100, $1 FROM generate_series(1, ${PLAN.upstreams}) i`,
    [ws],
  );
  await client.query(
    `INSERT INTO targets (id, upstream_id, target, weight, ws_id)
       SELECT gen_random_uuid(), u.id, '10.0.' || (t / 250) || '.' || (t % 250) || ':80', 100, $1
       FROM upstreams u, generate_series(1, ${PLAN.targetsPerUpstream}) t`,
    [ws],
  );
  await client.query('ANALYZE');
  await client.end();
  const expected = PLAN.services + PLAN.routes + PLAN.consumers + PLAN.upstreams + PLAN.upstreams * PLAN.targetsPerUpstream;
  console.log(`seeded ${expected} entities in ${((performance.now() - seedStart) / 1000).toFixed(1)}s`);

  admin = await startAdminApi({ pg: connection, version: '3.4.2', statusListen: false });
  const adminClient = createAdminClient({ url: admin.url, token: undefined, workspace: undefined }, 30_000);

  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let peakRss = process.memoryUsage().rss;
  let peakHeap = heapBefore;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 10);
  const started = performance.now();
  const inventory = await takeInventory(adminClient, { workspace: undefined, enterprise: false, concurrency });
  const elapsed = performance.now() - started;
  clearInterval(sampler);

  const counted = Object.entries(inventory.counts)
    .filter(([name]) => name !== '*')
    .reduce((sum, [, byType]) => sum + Object.values(byType).reduce((a, b) => a + b, 0), 0);
  const mb = (bytes) => (bytes / 1024 / 1024).toFixed(1);
  console.log(`counts: ${JSON.stringify(inventory.counts.default)}`);
  console.log(`counted ${counted} of ${expected} entities at concurrency ${concurrency}`);
  console.log(`elapsed: ${(elapsed / 1000).toFixed(2)}s (target ≤ ${TARGET_MS / 1000}s: ${(elapsed / TARGET_MS).toFixed(2)}× the target)`);
  console.log(`Admin API requests: ${inventory.requests}, ${((inventory.requests / elapsed) * 1000).toFixed(0)} requests/s; ${((counted / elapsed) * 1000).toFixed(0)} entities/s`);
  console.log(`peak RSS ${mb(peakRss)} MiB (process incl. the simulator); heap growth during the count ${mb(peakHeap - heapBefore)} MiB`);
  if (counted !== expected) {
    console.error(`MISMATCH: counted ${counted}, expected ${expected}`);
    process.exitCode = 1;
  } else if (elapsed > TARGET_MS) {
    console.error('over the 10 s target');
    process.exitCode = 1;
  }
} finally {
  await admin?.stop();
  await server.stop();
}
