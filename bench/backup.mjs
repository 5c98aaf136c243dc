// bench/backup: our backup and restore against bare pg_dump / pg_restore on a ≥ 1 GB Kong-shaped
// database (issue 5, "Must show"). Not part of the test suite (it takes minutes):
//
//   PATH=/tmp/n24/node_modules/.bin:$PATH node scripts/build.mjs
//   node bench/backup.mjs            # BENCH_GB=1 (target size), BENCH_KEEP=1 keeps the cluster
//
// The database: Kong's tables from the simulated `kong migrations bootstrap` (test/kong-sim),
// filled with generate_series (test/kong-sim/seed/generate.mjs was not ready when this was
// written): routes, services, consumers, key-auth credentials, plugins with JSON configs, plus
// rate-limiting counters and cluster events.
//
// (a) our backup (dump + checksums + fingerprint + manifest, the bundled action) vs bare pg_dump,
//     same format and settings: target ≤ 1.05
// (b) our backup with default settings vs the naive `pg_dump -Fc`: target ≤ 0.5× the time
// (c) our restore vs bare pg_restore (≤ 1.05), and jobs 2 vs 1
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPostgres } from '../test/helpers/postgres.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const targetGb = Number(process.env.BENCH_GB ?? '1');
const work = mkdtempSync(path.join(os.tmpdir(), 'bench-backup-'));
const server = await startPostgres({
  database: 'postgres',
  settings: { shared_buffers: "'256MB'", max_wal_size: "'4GB'", checkpoint_timeout: "'30min'", maintenance_work_mem: "'256MB'" },
});
const env = { ...process.env, ...server.env };
const bin = (name) => path.join(server.bindir, name);
const url = (db) => `postgres://${server.user}:${server.password}@${server.host}:${server.port}/${db}?sslmode=disable`;
const psql = (db, sql) => execFileSync(bin('psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', db, '-At', '-c', sql], { env, encoding: 'utf8' }).trim();

function time(label, fn) {
  const start = process.hrtime.bigint();
  fn();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(`  ${label.padEnd(58)} ${seconds.toFixed(2).padStart(7)} s`);
  return seconds;
}
function run(command, args, extraEnv = {}) {
  const result = spawnSync(command, args, { env: { ...env, ...extraEnv }, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}${result.stdout.slice(-2000)}`);
  return result.stdout;
}
function sizeOf(p) {
  const info = statSync(p);
  if (!info.isDirectory()) return info.size;
  return readdirSync(p, { recursive: true }).map((f) => statSync(path.join(p, f))).filter((s) => s.isFile()).reduce((a, s) => a + s.size, 0);
}
const mb = (bytes) => `${(bytes / 1048576).toFixed(0)} MB`;
/** The bundled action, as the runner runs it (node + INPUT_* variables + file commands). */
function action(inputs) {
  const files = path.join(work, `gh-${Math.random().toString(16).slice(2)}`);
  mkdirSync(files);
  const ghEnv = { GITHUB_OUTPUT: path.join(files, 'out'), GITHUB_STEP_SUMMARY: path.join(files, 'summary'), RUNNER_TEMP: files };
  for (const f of [ghEnv.GITHUB_OUTPUT, ghEnv.GITHUB_STEP_SUMMARY]) writeFileSync(f, '');
  const inputEnv = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, String(v)]));
  const out = run(process.execPath, [path.join(root, 'dist/backup-db/index.js')], { ...inputEnv, ...ghEnv, PATH: `${server.bindir}:${process.env.PATH}` });
  if (/^::error/m.test(out)) throw new Error(out);
}

try {
  console.log(`PostgreSQL ${psql('postgres', 'SHOW server_version')} on ${os.cpus().length} cores; building a Kong-shaped database of ≥ ${targetGb} GB …`);
  psql('postgres', 'CREATE DATABASE kong');
  run(process.execPath, [path.join(root, 'test/kong-sim/bin/kong'), 'migrations', 'bootstrap'], {
    KONG_PG_HOST: server.host, KONG_PG_PORT: String(server.port), KONG_PG_USER: server.user, KONG_PG_PASSWORD: server.password, KONG_PG_DATABASE: 'kong', KONG_SIM_VERSION: '3.4.2',
  });
  const n = Math.round(targetGb * 500_000);
  const seed = `
SET synchronous_commit = off;
INSERT INTO workspaces (id, name) VALUES ('11111111-1111-4111-8111-111111111111', 'team-b');
INSERT INTO services (id, name, host, port, protocol, path, retries, connect_timeout, read_timeout, write_timeout, tags, ws_id, created_at, updated_at)
  SELECT md5('svc' || i)::uuid, 'service-' || i, 'upstream-' || i || '.svc.cluster.local', 8000 + i % 1000, 'http', '/api/v' || (i % 5) || '/' || md5(i::text), 5, 60000, 60000, 60000,
         ARRAY['team-' || (i % 50), 'env-prod'], CASE WHEN i % 4 = 0 THEN '11111111-1111-4111-8111-111111111111'::uuid ELSE (SELECT id FROM workspaces WHERE name = 'default') END, now(), now()
    FROM generate_series(1, ${n / 5}) i;
INSERT INTO routes (id, name, service_id, protocols, methods, hosts, paths, strip_path, preserve_host, regex_priority, https_redirect_status_code, tags, ws_id, created_at, updated_at)
  SELECT md5('route' || i)::uuid, 'route-' || i, md5('svc' || (1 + i % ${n / 5}))::uuid, '{http,https}', '{GET,POST,PUT,DELETE}', ARRAY['api-' || (i % 100) || '.example.com'],
         ARRAY['/r/' || i || '/' || md5('p' || i), '~/items/' || i || '/[0-9]+$'], true, false, 0, 426, ARRAY['team-' || (i % 50)],
         CASE WHEN i % 4 = 0 THEN '11111111-1111-4111-8111-111111111111'::uuid ELSE (SELECT id FROM workspaces WHERE name = 'default') END, now(), now()
    FROM generate_series(1, ${n}) i;
INSERT INTO consumers (id, username, custom_id, tags, ws_id, created_at)
  SELECT md5('consumer' || i)::uuid, 'user-' || i || '@customer-' || (i % 997) || '.example', 'cust-' || md5('c' || i), ARRAY['tier-' || (i % 3)], (SELECT id FROM workspaces WHERE name = 'default'), now()
    FROM generate_series(1, ${n}) i;
INSERT INTO keyauth_credentials (id, consumer_id, key, tags, ws_id, created_at)
  SELECT md5('key' || i)::uuid, md5('consumer' || i)::uuid, md5('k1' || i) || md5('k2' || i), ARRAY['rotated-2024'], (SELECT id FROM workspaces WHERE name = 'default'), now()
    FROM generate_series(1, ${n}) i;
INSERT INTO plugins (id, name, route_id, config, enabled, cache_key, protocols, ws_id, created_at)
  SELECT md5('plugin' || i)::uuid, 'rate-limiting', md5('route' || i)::uuid,
         jsonb_build_object('minute', i % 1000, 'hour', 10000, 'policy', 'redis', 'limit_by', 'consumer', 'fault_tolerant', true, 'hide_client_headers', false,
                            'redis', jsonb_build_object('host', 'redis-' || (i % 10) || '.internal', 'port', 6379, 'timeout', 2000, 'database', 0, 'ssl', false),
                            'error_code', 429, 'error_message', 'API rate limit exceeded', 'sync_rate', -1),
         true, 'plugins:rate-limiting:' || md5('route' || i) || '::::', '{grpc,grpcs,http,https}',
         CASE WHEN i % 4 = 0 THEN '11111111-1111-4111-8111-111111111111'::uuid ELSE (SELECT id FROM workspaces WHERE name = 'default') END, now()
    FROM generate_series(1, ${n}) i;
INSERT INTO ratelimiting_metrics (identifier, period, period_date, value)
  SELECT '10.0.' || (i / 250) || '.' || (i % 250), 'minute', date_trunc('minute', now()) - (i % 60) * interval '1 minute', i FROM generate_series(1, ${n / 5}) i;
INSERT INTO cluster_events (id, node_id, at, expire_at, channel, data)
  SELECT md5('ev' || i)::uuid, md5('node')::uuid, now(), now() + interval '1 hour', 'invalidations', 'routes:' || md5(i::text) FROM generate_series(1, 10000) i;
VACUUM ANALYZE;`;
  const seedFile = path.join(work, 'seed.sql');
  writeFileSync(seedFile, seed);
  time('seeding', () => run(bin('psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', 'kong', '-f', seedFile]));
  const dbSize = Number(psql('kong', "SELECT pg_database_size('kong')"));
  console.log(`database kong: ${mb(dbSize)}`);
  psql('kong', 'SELECT count(*) FROM routes; SELECT count(*) FROM plugins; SELECT count(*) FROM consumers; SELECT count(*) FROM keyauth_credentials;'); // warm the cache alike for all

  const fresh = (name) => { rmSync(path.join(work, name), { recursive: true, force: true }); mkdirSync(path.join(work, name)); return path.join(work, name); };
  const ours = (name, extra) => { const dir = fresh(name); const s = time(`ours ${JSON.stringify(extra)}`, () => action({ 'database-url': url('kong'), 'backup-dir': dir, 'pg-bin-dir': server.bindir, ...extra })); const folder = path.join(dir, readdirSync(dir)[0]); return { s, size: sizeOf(path.join(folder, readdirSync(folder).find((f) => f.startsWith('kong.'))) ), manifest: path.join(folder, 'manifest.json') }; };
  const bare = (label, args, file) => { rmSync(file, { recursive: true, force: true }); const s = time(label, () => run(bin('pg_dump'), [...args, '-f', file, '-d', 'kong'])); return { s, size: sizeOf(file) }; };

  console.log('\n(a) our backup vs bare pg_dump, same format and settings');
  const bareZ1 = bare('bare pg_dump -Fc -Z 1', ['-Fc', '-Z', '1'], path.join(work, 'bare-z1.dump'));
  const oursZ1 = ours('ours-z1', { compression: 'gzip:1' });
  const bareZ1b = bare('bare pg_dump -Fc -Z 1 (again)', ['-Fc', '-Z', '1'], path.join(work, 'bare-z1.dump'));
  const oursZ1b = ours('ours-z1', { compression: 'gzip:1' });
  const bareDir = bare('bare pg_dump -Fd -j 2 -Z 1', ['-Fd', '-j', '2', '-Z', '1'], path.join(work, 'bare-dir'));
  const oursDir = ours('ours-dir', { format: 'directory', jobs: 2, compression: 'gzip:1' });
  const ratioA = Math.min(oursZ1.s, oursZ1b.s) / Math.min(bareZ1.s, bareZ1b.s);

  console.log('\n(b) our default vs the naive pg_dump -Fc');
  const naive = bare('naive pg_dump -Fc', ['-Fc'], path.join(work, 'naive.dump'));
  const def = ours('ours-default', {});

  console.log('\n(c) our restore vs bare pg_restore');
  const restoreBare = (jobs) => { psql('postgres', 'DROP DATABASE IF EXISTS bare_restore'); psql('postgres', 'CREATE DATABASE bare_restore'); return time(`bare pg_restore${jobs > 1 ? ` -j ${jobs}` : ''}`, () => run(bin('pg_restore'), ['--no-owner', '--no-acl', '--exit-on-error', ...(jobs > 1 ? ['-j', String(jobs)] : []), '-d', 'bare_restore', path.join(work, 'bare-z1.dump')])); };
  const restoreOurs = (jobs) => time(`ours restore${jobs > 1 ? ` jobs ${jobs}` : ''}`, () => action({ mode: 'restore', manifest: oursZ1b.manifest, 'target-database-url': url(`ours_restore_${jobs}`), 'pg-bin-dir': server.bindir, jobs }));
  const rb1 = restoreBare(1);
  const ro1 = restoreOurs(1);
  const rb2 = restoreBare(2);
  const ro2 = restoreOurs(2);

  console.log(`
Results (database ${mb(dbSize)}):
  (a) ours / bare, -Fc gzip:1           ${ratioA.toFixed(3)}   (target ≤ 1.05)   sizes ${mb(oursZ1.size)} vs ${mb(bareZ1.size)}
      ours / bare, -Fd -j 2 gzip:1      ${(oursDir.s / bareDir.s).toFixed(3)}                     sizes ${mb(oursDir.size)} vs ${mb(bareDir.size)}
  (b) ours default / naive pg_dump -Fc  ${(def.s / naive.s).toFixed(3)}   (target ≤ 0.5)    sizes ${mb(def.size)} vs ${mb(naive.size)}
  (c) ours restore / bare pg_restore    ${(ro1 / rb1).toFixed(3)}   (target ≤ 1.05)   with jobs 2: ${(ro2 / rb2).toFixed(3)}
      restore jobs 2 / jobs 1: ours ${(ro2 / ro1).toFixed(3)}, bare ${(rb2 / rb1).toFixed(3)}`);
} finally {
  if (!process.env.BENCH_KEEP) {
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  } else console.log(`kept: ${work}, ${url('kong')}`);
}
