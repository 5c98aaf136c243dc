// The simulator's locks, fault injection, errors and the smaller commands, against a real
// PostgreSQL. Kong's strings: test/fixtures/kong-cli.ts and the Kong/kong paths cited beside them.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NEEDS_BOOTSTRAP, NOT_LEADER, RUN_WITH_V, kongError } from '../fixtures/kong-cli.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { until } from '../helpers/until.js';
import { holdMigrationsLock, locks, pgEnv, runKong, schemaMeta, withClient, type KongResult } from './helpers.js';

let server: PostgresServer;
let n = 0;
async function freshDb(): Promise<Record<string, string>> {
  const name = `cli_${++n}`;
  await server.createDatabase(name);
  return pgEnv(server, name);
}
const kong = (version: string, env: Record<string, string>, ...args: string[]) =>
  runKong(args, { ...env, KONG_SIM_VERSION: version });
async function bootstrapped(version: string): Promise<Record<string, string>> {
  const env = await freshDb();
  const r = await kong(version, env, 'migrations', 'bootstrap');
  if (r.exitCode !== 0) throw new Error(r.stderr);
  return env;
}

/**
 * Whether a simulated node has read the `migrations` lock and found it held: its session's last
 * query is read_lock's `SELECT * FROM locks …` (connector.lua l.696-711), which only a node that
 * failed to take the lock runs, and it keeps polling while the lock lives.
 */
async function readingLock(database: string): Promise<boolean> {
  return withClient(server, database, async (c) => (await c.query(
    "SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND query LIKE 'SELECT *%FROM locks%'", [database])).rowCount === 1);
}

beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await server?.stop();
});

describe('cluster lock (locks table, key "migrations")', () => {
  it('up waits for a held lock and fails with [PostgreSQL error] timeout after --lock-timeout', async () => {
    const env = await bootstrapped('2.8.5');
    await holdMigrationsLock(server, env.KONG_PG_DATABASE!, 30);
    const r = await kong('3.4.2', env, 'migrations', 'up', '--lock-timeout', '1');
    expect(r).toEqual({ exitCode: 1, stdout: '', stderr: `Error: [PostgreSQL error] timeout\n${RUN_WITH_V}` });
    expect(await locks(server, env.KONG_PG_DATABASE!)).toEqual([{ key: 'migrations', owner: 'other-node' }]);
  });

  it('up prints the aborted message (exit 0) when the other node\'s lock expires while waiting', async () => {
    const env = await bootstrapped('2.8.5');
    const db = env.KONG_PG_DATABASE!;
    await holdMigrationsLock(server, db, 60);
    const up = kong('3.4.2', env, 'migrations', 'up', '--lock-timeout', '30');
    // Once up has found the lock held (its read_lock query), the lock expires: its ttl is put in
    // the past, the state time would bring, whatever the time up took to get there.
    await until(() => readingLock(db), up);
    await withClient(server, db, (c) => c.query("UPDATE locks SET ttl = CURRENT_TIMESTAMP AT TIME ZONE 'UTC' - INTERVAL '1 second'"));
    const r = await up;
    expect(r).toEqual({ exitCode: 0, stdout: NOT_LEADER, stderr: '' });
    // It did not migrate: the leader is assumed to have done it.
    expect((await schemaMeta(server, env.KONG_PG_DATABASE!)).get('core')?.last_executed).toBe('015_270_to_280');
  });

  it('finish and bootstrap do not wait (no_wait): aborted, exit 0; reset: aborted, exit 1', async () => {
    const env = await bootstrapped('3.4.2');
    await holdMigrationsLock(server, env.KONG_PG_DATABASE!, 30);
    expect(await kong('3.4.2', env, 'migrations', 'finish')).toEqual({ exitCode: 0, stdout: NOT_LEADER, stderr: '' });
    expect(await kong('3.4.2', env, 'migrations', 'reset', '-y')).toEqual({ exitCode: 1, stdout: NOT_LEADER, stderr: '' });
    const fresh = await freshDb();
    // bootstrap creates the locks table first, so the other node's lock is planted by a first run.
    await withClient(server, fresh.KONG_PG_DATABASE!, (c) => c.query('CREATE TABLE locks (key TEXT PRIMARY KEY, owner TEXT, ttl TIMESTAMP WITH TIME ZONE)'));
    await holdMigrationsLock(server, fresh.KONG_PG_DATABASE!, 30);
    expect(await kong('3.9.3', fresh, 'migrations', 'bootstrap')).toEqual({ exitCode: 0, stdout: `Bootstrapping database...\n${NOT_LEADER}`, stderr: '' });
  });

  it('two concurrent ups: one migrates, the other waits and prints the aborted message', async () => {
    const env = await bootstrapped('2.8.5');
    const db = env.KONG_PG_DATABASE!;
    // Kong's `up` refuses pending migrations before it takes the lock (migrations.lua l.67), so
    // node B finds node A's lock only if it starts after A took the lock and before A recorded a
    // migration. The test makes that order certain: a row lock on core's schema_meta row holds A
    // at its first record, B starts once A's lock row exists, and A goes on once B has read it.
    const gate = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database: db });
    await gate.connect();
    let a: Promise<KongResult> | undefined;
    try {
      await gate.query('BEGIN');
      await gate.query("SELECT 1 FROM schema_meta WHERE key = 'schema_meta' AND subsystem = 'core' FOR UPDATE");
      a = kong('3.4.2', env, 'migrations', 'up');
      await until(async () => (await locks(server, db)).length === 1, a);
      const b = kong('3.4.2', env, 'migrations', 'up');
      await until(() => readingLock(db), b);
      await gate.query('COMMIT');
      expect(await b).toEqual({ exitCode: 0, stdout: NOT_LEADER, stderr: '' });
      const migrated = await a;
      expect(migrated.exitCode).toBe(0);
      expect(migrated.stdout).toContain('15 migrations processed\n11 executed\n4 pending\n');
      expect(await locks(server, db)).toEqual([]);
    } finally {
      await gate.end();
      await a;
    }
  });
});

describe('fault injection', () => {
  it('KONG_SIM_FAIL_AT: Kong\'s failed-migration error, that migration rolled back, earlier ones kept', async () => {
    const env = await bootstrapped('2.8.5');
    const db = env.KONG_PG_DATABASE!;
    const r = await kong('3.4.2', { ...env, KONG_SIM_FAIL_AT: 'core:017_300_to_310' }, 'migrations', 'up');
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe(`migrating core on database '${db}'...\ncore migrated up to: 016_280_to_300 (pending)\n`);
    expect(r.stderr).toMatch(/^Error: \[PostgreSQL error\] cluster_mutex callback threw an error: \S+kong\/cmd\/utils\/migrations\.lua:104: \[PostgreSQL error\] failed to run migration '017_300_to_310' up: ERROR: kong-sim: injected failure at core:017_300_to_310 up\nstack traceback:\n/);
    expect(r.stderr.endsWith(RUN_WITH_V)).toBe(true);
    const core = (await schemaMeta(server, db)).get('core');
    expect(core).toMatchObject({ last_executed: '015_270_to_280', pending: ['016_280_to_300'] });
    expect(core?.executed).not.toContain('017_300_to_310');
    const t = await withClient(server, db, async (c) => (await c.query("SELECT to_regclass('key_sets')::text AS k")).rows[0]);
    expect(t).toEqual({ k: null }); // 017's CREATE TABLE key_sets was rolled back
    expect(await locks(server, db)).toEqual([]); // cluster_mutex removes its lock on error
    // Kong's state afterwards: pending + new → list exits 4, up refuses until finish.
    expect((await kong('3.4.2', env, 'migrations', 'list')).exitCode).toBe(4);
    expect((await kong('3.4.2', env, 'migrations', 'up')).exitCode).toBe(1);
  });

  it('KONG_SIM_FAIL_AT=…:teardown fails finish with the teardown message', async () => {
    const env = await bootstrapped('2.8.5');
    await kong('3.4.2', env, 'migrations', 'up');
    const r = await kong('3.4.2', { ...env, KONG_SIM_FAIL_AT: 'http-log:001_280_to_300:teardown' }, 'migrations', 'finish');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("failed to run migration '001_280_to_300' teardown: ERROR: kong-sim: injected failure");
    const meta = await schemaMeta(server, env.KONG_PG_DATABASE!);
    expect(meta.get('core')?.pending).toEqual([]); // finished before the failure
    expect(meta.get('http-log')?.pending).toEqual(['001_280_to_300']);
  });

  it('KONG_SIM_DISCONNECT_AFTER: the connection is lost after n migrations', async () => {
    const env = await bootstrapped('2.8.5');
    const r = await kong('3.4.2', { ...env, KONG_SIM_DISCONNECT_AFTER: '2' }, 'migrations', 'up');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("failed to run migration '018_310_to_320' up: FATAL: terminating connection due to administrator command");
    const core = (await schemaMeta(server, env.KONG_PG_DATABASE!)).get('core');
    expect(core).toMatchObject({ last_executed: '017_300_to_310', pending: ['016_280_to_300'] });
  });
});

describe('errors and other states', () => {
  it('up and finish on an empty database: Cannot run migrations, exit 1', async () => {
    const env = await freshDb();
    for (const sub of ['up', 'finish']) {
      const r = await kong('3.9.3', env, 'migrations', sub);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toBe(kongError(`Cannot run migrations: ${NEEDS_BOOTSTRAP}`));
    }
  });

  it('reset: not a tty without --yes; -y resets; nothing to reset on an empty database', async () => {
    const env = await bootstrapped('3.9.3');
    const noTty = await kong('3.9.3', env, 'migrations', 'reset');
    expect(noTty).toEqual({ exitCode: 1, stdout: '', stderr: `Error: not a tty: invoke 'reset' non-interactively with the --yes flag\n${RUN_WITH_V}` });
    expect(await kong('3.9.3', env, 'migrations', 'reset', '--yes')).toEqual({ exitCode: 0, stdout: 'Resetting database...\nDatabase successfully reset\n', stderr: '' });
    expect((await kong('3.9.3', env, 'migrations', 'list')).exitCode).toBe(3);
    expect(await kong('3.9.3', env, 'migrations', 'reset', '-y')).toEqual({ exitCode: 1, stdout: 'Database not bootstrapped, nothing to reset\n', stderr: '' });
  });

  it('bootstrap --force resets first, then bootstraps', async () => {
    const env = await bootstrapped('3.9.3');
    const r = await kong('3.9.3', env, 'migrations', 'bootstrap', '-f');
    expect(r.exitCode).toBe(0);
    expect(r.stdout.startsWith('Resetting database...\nDatabase successfully reset\nBootstrapping database...\n')).toBe(true);
    expect(r.stdout.endsWith('67 migrations processed\n67 executed\nDatabase is up-to-date\n')).toBe(true);
  });

  it('Cassandra is rejected from 3.4; an invalid database value is rejected; database=off reports up to date', async () => {
    const cass = await kong('3.4.2', { KONG_DATABASE: 'cassandra' }, 'migrations', 'list');
    expect(cass).toEqual({ exitCode: 1, stdout: '', stderr: `Error: Cassandra as a datastore for Kong is not supported in versions 3.4 and above. Please use Postgres.\n${RUN_WITH_V}` });
    const bad = await kong('3.9.3', { KONG_DATABASE: 'mysql' }, 'migrations', 'list');
    expect(bad.stderr).toBe(`Error: database has an invalid value: 'mysql' (postgres, cassandra, off)\n${RUN_WITH_V}`);
    const off = { KONG_DATABASE: 'off' };
    const list = await kong('3.9.3', off, 'migrations', 'list');
    expect(list.exitCode).toBe(0);
    expect(list.stdout.startsWith('Executed migrations:\n                 core: 000_base,')).toBe(true);
    expect(await kong('3.9.3', off, 'migrations', 'bootstrap')).toEqual({ exitCode: 0, stdout: 'Database already bootstrapped\n', stderr: '' });
    expect(await kong('3.9.3', off, 'migrations', 'up')).toEqual({ exitCode: 0, stdout: 'Database is already up-to-date\n', stderr: '' });
    expect(await kong('3.9.3', off, 'migrations', 'finish')).toEqual({ exitCode: 0, stdout: 'No pending migrations to finish\n', stderr: '' });
  });

  it('connection refused is Kong\'s init_connector error', async () => {
    const r = await kong('3.9.3', { KONG_PG_HOST: '127.0.0.1', KONG_PG_PORT: '1' }, 'migrations', 'list');
    expect(r).toEqual({ exitCode: 1, stdout: '', stderr: `Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: connection refused\n${RUN_WITH_V}` });
  });

  it('reads the connection from -c kong.conf; env overrides the file; a missing -c file is an error', async () => {
    const env = await bootstrapped('3.9.3');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kong-sim-conf-'));
    const conf = path.join(dir, 'kong.conf');
    writeFileSync(conf, [
      '# a comment', `pg_host = ${server.host}   # trailing comment`, `pg_port = ${server.port}`,
      `pg_user = ${server.user}`, `pg_password = ${server.password}`, `pg_database = ${env.KONG_PG_DATABASE}`, '',
    ].join('\n'));
    expect((await kong('3.9.3', {}, 'migrations', 'list', '-c', conf)).exitCode).toBe(0);
    expect((await kong('3.9.3', { KONG_PG_DATABASE: 'nope' }, 'migrations', 'list', '--conf', conf)).stderr)
      .toContain('FATAL: database "nope" does not exist');
    const missing = await kong('3.9.3', {}, 'migrations', 'list', '-c', path.join(dir, 'none.conf'));
    expect(missing).toEqual({ exitCode: 1, stdout: '', stderr: `Error: no file at: ${path.join(dir, 'none.conf')}\n${RUN_WITH_V}` });
  });

  it('bad usage: no subcommand, unknown subcommand, unknown command, --help (all exit 1, usage on stderr)', async () => {
    const none = await kong('3.9.3', {}, 'migrations');
    expect(none.exitCode).toBe(1);
    expect(none.stderr.startsWith('Usage: kong migrations COMMAND [OPTIONS]\n')).toBe(true);
    expect(none.stderr.endsWith(' --v              verbose\n --vv             debug\n')).toBe(true);
    const bad = await kong('3.9.3', {}, 'migrations', 'invalid');
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr.startsWith('No such command for migrations: invalid\n\nUsage: kong migrations')).toBe(true);
    expect((await kong('3.9.3', {}, 'nope')).stderr.startsWith('No such command: nope\n\nUsage: kong COMMAND [OPTIONS]\n')).toBe(true);
    const help = await kong('2.8.5', {}, 'migrations', '--help');
    expect(help.exitCode).toBe(1);
    expect(help.stderr).toContain('  reset                             Reset the database.\n\nOptions:');
    expect(help.stderr).toContain(' --db-timeout     (default 60)      Timeout, in seconds, for all database\n                                    operations (including schema consensus for\n                                    Cassandra).\n');
  });

  it('--v prefixes info lines with a timestamp and level; -q does not silence migrations (as in Kong)', async () => {
    const env = await bootstrapped('3.9.3');
    const v = await kong('3.9.3', env, 'migrations', 'finish', '--v');
    expect(v.stdout).toMatch(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[verbose\] Kong: 3\.9\.3\n/);
    expect(v.stdout).toMatch(/\[info\] No pending migrations to finish\n$/);
    expect(await kong('3.9.3', env, 'migrations', 'finish', '-q')).toEqual({ exitCode: 0, stdout: 'No pending migrations to finish\n', stderr: '' });
  });
});

describe('version, check, health', () => {
  it('kong version prints the bare version (EE: Kong Enterprise x.y.z.w)', async () => {
    expect(await kong('3.9.3', {}, 'version')).toEqual({ exitCode: 0, stdout: '3.9.3\n', stderr: '' });
    expect((await kong('3.4.3.5', {}, 'version')).stdout).toBe('Kong Enterprise 3.4.3.5\n');
    const vv = await kong('2.8.5', {}, 'version', '--vv');
    expect(vv.stdout).toMatch(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[verbose\] Kong: 2\.8\.5\n2\.8\.5\n$/);
  });

  it('kong check validates a conf file', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kong-sim-check-'));
    const good = path.join(dir, 'good.conf');
    writeFileSync(good, 'database = postgres\n');
    expect(await kong('3.9.3', {}, 'check', good)).toEqual({ exitCode: 0, stdout: `configuration at ${good} is valid\n`, stderr: '' });
    const cass = path.join(dir, 'cass.conf');
    writeFileSync(cass, 'database = cassandra\n');
    const r = await kong('3.9.3', {}, 'check', cass);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[error\] Cassandra as a datastore for Kong is not supported in versions 3\.4 and above\. Please use Postgres\.\n$/);
    expect((await kong('3.3.0', {}, 'check', cass)).exitCode).toBe(0);
    expect((await kong('3.9.3', {}, 'check', 'inexistent.conf')).stderr).toMatch(/\[error\] no file at: inexistent\.conf\n$/);
  });

  it('kong health: no such prefix / not running', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kong-sim-prefix-'));
    expect((await kong('3.9.3', {}, 'health', '-p', path.join(dir, 'x'))).stderr).toBe(`Error: no such prefix: ${path.join(dir, 'x')}\n${RUN_WITH_V}`);
    expect((await kong('3.9.3', {}, 'health', '-p', dir)).stderr).toBe(`Error: Kong is not running at ${dir}\n${RUN_WITH_V}`);
  });
});
