// A restore must never lose the target: sessions that get in the swap's way, a copy that differs
// from the manifest, clients that hold locks during a clean restore, and a run that is stopped.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanUpRun } from '../../src/database/leftovers.js';
import { targetFromInputs, withDatabase, type DatabaseTarget } from '../../src/database/postgres/connect.js';
import { scratchKey } from '../../src/database/postgres/swap.js';
import { createRunDir } from '../../src/lib/run-dir.js';
import { backupPostgres, type BackupResult } from '../../src/database/postgres/dump.js';
import { restorePostgres, type RestoreOptions } from '../../src/database/postgres/restore.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { withClient } from '../kong-sim/helpers.js';
import { gatedPgRestore } from './gated-pg-restore.js';
import { createKongDatabase, pgTarget, rejection } from './kong-db.js';

let server: PostgresServer;
let work: string;
let backup: BackupResult;
/** A role that may create databases and owns its targets, but is no superuser. */
const RESTORER = { user: 'restorer', password: 'restorer-password-1' };

beforeAll(async () => {
  server = await startPostgres({ database: 'postgres' });
  await createKongDatabase(server, 'kong');
  await withClient(server, 'postgres', (c) => c.query(`CREATE ROLE ${RESTORER.user} LOGIN CREATEDB PASSWORD '${RESTORER.password}'`));
  work = mkdtempSync(path.join(os.tmpdir(), 'restore-safety-'));
  backup = await backupPostgres({ source: pgTarget(server, 'kong'), backupDir: path.join(work, 'backup'), format: 'custom', jobs: 1, compression: 'auto', binDir: server.bindir });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const asRestorer = (database: string): DatabaseTarget =>
  targetFromInputs({ host: server.host, port: server.port, user: RESTORER.user, password: RESTORER.password, database, sslmode: 'disable' }, false, 'target-');

/** A database holding one marker row (owned by `owner`), to see that a failed restore left it alone. */
async function markedDatabase(name: string, owner = server.user): Promise<() => Promise<unknown>> {
  await withClient(server, 'postgres', (c) => c.query(`CREATE DATABASE ${name} OWNER ${owner}`));
  await withClient(server, name, (c) => c.query(`CREATE TABLE marker (x int); INSERT INTO marker VALUES (42); ALTER TABLE marker OWNER TO ${owner}`));
  return () => withClient(server, name, (c) => c.query('SELECT x FROM marker')).then((r) => r.rows);
}

const databases = (pattern: string) =>
  withClient(server, 'postgres', (c) => c.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY 1', [pattern])).then((r) => r.rows.map((row) => row.datname));

/** Polls until a database matching `pattern` exists (the restore created its scratch copy). */
async function waitForDatabase(pattern: string): Promise<string> {
  for (let i = 0; i < 300; i++) {
    const [found] = await databases(pattern);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no database like ${pattern} appeared`);
}

/** A superuser session held open on `database`, as a monitoring agent's or a DBA's psql. */
async function holdSession(database: string): Promise<{ client: pg.Client; ended: () => Promise<boolean> }> {
  const client = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database, application_name: 'dba-psql' });
  let lost = false;
  client.on('error', () => (lost = true));
  await client.connect();
  return { client, ended: async () => lost || (await client.query('SELECT 1').then(() => false, () => true)) };
}

const options = (manifestPath: string, target: DatabaseTarget, extra: Partial<RestoreOptions> = {}): RestoreOptions => ({
  manifestPath, target, method: 'swap', jobs: 1, allowRestoreOverSource: false, allowLiveConnections: false, binDir: server.bindir, ...extra,
});

const fingerprintOf = async (database: string) => {
  const { readFacts } = await import('../../src/database/postgres/restore.js');
  return (await readFacts(pgTarget(server, database))).entities.fingerprint.digest;
};

describe('swap: the target stays whole whenever the swap cannot complete', () => {
  it('a session held on the scratch database is ended, and the checked copy replaces the target', async () => {
    const marker = await markedDatabase('kong_swap_a');
    const { binDir, release } = gatedPgRestore(work, server.bindir, 'swap-a');
    const restoring = restorePostgres(options(backup.manifestPath, pgTarget(server, 'kong_swap_a'), { binDir }));
    restoring.catch(() => {});
    const scratch = await waitForDatabase('kong\\_swap\\_a\\_\\_restore%');
    const held = await holdSession(scratch);
    await release();
    const restored = await restoring;
    expect(restored.manifest!.fingerprint.digest).toBe(backup.manifest.fingerprint.digest);
    expect(await fingerprintOf('kong_swap_a')).toBe(backup.manifest.fingerprint.digest);
    await expect(marker()).rejects.toThrow(/relation "marker" does not exist/);
    expect(await held.ended()).toBe(true);
    expect(await databases('kong\\_swap\\_a\\_\\_%')).toEqual([]);
    await held.client.end().catch(() => {});
  });

  it('a session on the scratch database that the role may not end: the target is untouched, the copy is kept and named', async () => {
    const marker = await markedDatabase('kong_swap_b', RESTORER.user);
    const { binDir, release } = gatedPgRestore(work, server.bindir, 'swap-b');
    const restoring = rejection(restorePostgres(options(backup.manifestPath, asRestorer('kong_swap_b'), { binDir })));
    const scratch = await waitForDatabase('kong\\_swap\\_b\\_\\_restore%');
    const held = await holdSession(scratch);
    await release();
    const error = await restoring;
    expect(error.message).toMatch(/1 session\(s\) on the restored copy "kong_swap_b__restore_[0-9a-f]{8}" could not be ended \(kong_test dba-psql@address hidden\)/);
    expect(error.message).toMatch(/the target "kong_swap_b" was left as it was, and the copy stays as "kong_swap_b__restore_/);
    expect(await marker()).toEqual([{ x: 42 }]);
    expect(await databases('kong\\_swap\\_b%')).toEqual(['kong_swap_b', scratch]);
    expect(await held.ended()).toBe(false);
    await held.client.end();
    await withClient(server, 'postgres', (c) => c.query(`DROP DATABASE ${scratch}`));
  });

  it('a client that connects to the target during the restore: refused naming allow-live-connections, the target untouched, the copy dropped; with allow-live-connections it is disconnected', async () => {
    const marker = await markedDatabase('kong_swap_c');
    const { binDir, release } = gatedPgRestore(work, server.bindir, 'swap-c');
    const restoring = rejection(restorePostgres(options(backup.manifestPath, pgTarget(server, 'kong_swap_c'), { binDir })));
    await waitForDatabase('kong\\_swap\\_c\\_\\_restore%');
    const held = await holdSession('kong_swap_c');
    await release();
    const error = await restoring;
    expect(error.origin).toEqual({ input: 'allow-live-connections' });
    expect(error.message).toMatch(/the target "kong_swap_c" was left as it was/);
    expect(await marker()).toEqual([{ x: 42 }]);
    expect(await databases('kong\\_swap\\_c%')).toEqual(['kong_swap_c']);
    expect(await held.ended()).toBe(false);

    const restored = await restorePostgres(options(backup.manifestPath, pgTarget(server, 'kong_swap_c'), { allowLiveConnections: true }));
    expect(restored.manifest!.fingerprint.digest).toBe(backup.manifest.fingerprint.digest);
    expect(await held.ended()).toBe(true);
    expect(await databases('kong\\_swap\\_c%')).toEqual(['kong_swap_c']);
    await held.client.end().catch(() => {});
  });

  it('a session on the target that the role may not end, with allow-live-connections: the target untouched and still open to clients', async () => {
    const marker = await markedDatabase('kong_swap_d', RESTORER.user);
    const held = await holdSession('kong_swap_d');
    const error = await rejection(restorePostgres(options(backup.manifestPath, asRestorer('kong_swap_d'), { allowLiveConnections: true })));
    expect(error.message).toMatch(/1 session\(s\) on "kong_swap_d" could not be ended \(kong_test dba-psql@address hidden\); it was left as it was/);
    expect(await marker()).toEqual([{ x: 42 }]);
    expect(await databases('kong\\_swap\\_d%')).toEqual(['kong_swap_d']);
    const allowed = await withClient(server, 'postgres', (c) => c.query("SELECT datallowconn FROM pg_database WHERE datname = 'kong_swap_d'"));
    expect(allowed.rows).toEqual([{ datallowconn: true }]);
    await held.client.end();
  });

  it('schema_meta is checked on the copy, before the swap: a manifest whose schema_meta differs leaves the target whole', async () => {
    const manifest = JSON.parse(readFileSync(backup.manifestPath, 'utf8'));
    manifest.schemaMeta[0].executed = [...manifest.schemaMeta[0].executed, '999_999_to_999'];
    const edited = path.join(path.dirname(backup.manifestPath), 'schema-meta-edited.json');
    writeFileSync(edited, JSON.stringify(manifest));
    const marker = await markedDatabase('kong_swap_e');
    const error = await rejection(restorePostgres(options(edited, pgTarget(server, 'kong_swap_e'))));
    expect(error.message).toMatch(/checking the restored copy: it differs from the manifest, the target was left as it was: its schema_meta rows differ/);
    expect(await marker()).toEqual([{ x: 42 }]);
    expect(await databases('kong\\_swap\\_e%')).toEqual(['kong_swap_e']);
  });
});

describe('clean: live sessions ended or refused as allow-live-connections says, lock waits bounded, a stop said', () => {
  /** A session with an open transaction that has read `services`: its lock holds off pg_restore's DROP. */
  async function holdLock(database: string) {
    const held = await holdSession(database);
    await held.client.query('BEGIN; SELECT count(*) FROM services');
    return held;
  }

  /** A copy of the backed-up database to restore over, and its fingerprint. */
  async function copyOfKong(name: string): Promise<string> {
    await withClient(server, 'postgres', (c) => c.query(`CREATE DATABASE ${name} TEMPLATE kong`));
    await withClient(server, name, (c) => c.query("UPDATE services SET retries = 9 WHERE name = 'service-1'"));
    return fingerprintOf(name);
  }

  it('allow-live-connections: the sessions there are ended first, and the restore goes through', async () => {
    await copyOfKong('kong_clean_a');
    const held = await holdLock('kong_clean_a');
    const restored = await restorePostgres(options(backup.manifestPath, pgTarget(server, 'kong_clean_a'), { method: 'clean', allowLiveConnections: true }));
    expect(restored.manifest!.fingerprint.digest).toBe(backup.manifest.fingerprint.digest);
    expect(await held.ended()).toBe(true);
  });

  it('a client that takes a lock after the check: pg_restore waits at most lock-timeout; jobs 1 leaves the target as it was, jobs 2 says it is partly restored', async () => {
    for (const jobs of [1, 2]) {
      const name = `kong_clean_lock_${jobs}`;
      const before = await copyOfKong(name);
      const { binDir, started, release } = gatedPgRestore(work, server.bindir, `clean-lock-${jobs}`);
      const restoring = rejection(restorePostgres(options(backup.manifestPath, pgTarget(server, name), { method: 'clean', jobs, binDir, lockTimeoutMs: 1000 })));
      await started();
      const held = await holdLock(name);
      await release();
      const error = await restoring;
      expect(error.origin, `jobs ${jobs}`).toEqual({ input: 'lock-timeout' });
      expect(error.message).toMatch(/another session held a lock pg_restore needed for more than 1 s/);
      if (jobs === 1) {
        expect(error.message).toMatch(new RegExp(`"${name}" was left as it was \\(one transaction, rolled back\\)`));
        await held.client.query('ROLLBACK');
        expect(await fingerprintOf(name)).toBe(before);
      } else {
        expect(error.message).toMatch(new RegExp(`"${name}" is PARTLY RESTORED: with jobs 2`));
      }
      expect(await held.ended()).toBe(false);
      await held.client.end();
      expect(await restoreSessions()).toEqual([]);
    }
  });

  it('stopped (the action cancelled) while pg_restore waits on a lock: it is stopped with its sessions, nothing finishes the restore later', async () => {
    const name = 'kong_clean_stop';
    await copyOfKong(name);
    const { binDir, started, release } = gatedPgRestore(work, server.bindir, 'clean-stop');
    const stop = new AbortController();
    const restoring = rejection(restorePostgres(options(backup.manifestPath, pgTarget(server, name), { method: 'clean', jobs: 2, binDir, signal: stop.signal })));
    await started();
    const held = await holdLock(name);
    await release();
    await waitFor(async () => (await restoreSessions()).some((s) => s.waiting));
    stop.abort();
    const error = await restoring;
    expect(error.message).toMatch(/"kong_clean_stop" is PARTLY RESTORED/);
    expect(await restoreSessions()).toEqual([]);
    await held.client.query('ROLLBACK');
    await held.client.end();
    expect(await restoreSessions()).toEqual([]);
  });
});

/** pg_restore's sessions on the server, and whether each waits for a lock. */
async function restoreSessions(): Promise<{ name: string; waiting: boolean }[]> {
  const result = await withClient(server, 'postgres', (c) =>
    c.query<{ name: string; waiting: boolean }>("SELECT application_name AS name, wait_event_type = 'Lock' AS waiting FROM pg_stat_activity WHERE application_name LIKE 'kong-upgrade-restore-%'"));
  return result.rows;
}

async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('condition not met');
}

/** Statements run one by one on the maintenance database (CREATE DATABASE refuses a transaction). */
async function sql(...statements: string[]): Promise<void> {
  await withClient(server, 'postgres', async (c) => {
    for (const statement of statements) await c.query(statement);
  });
}

describe('a swap killed halfway is undone from the run ledger (backup-db\'s post step)', () => {
  it('the target renamed aside gets its name back, the scratch copy is dropped, the run folder removed', async () => {
    const marker = await markedDatabase('kong_recover');
    const runDir = await createRunDir(path.join(work, 'ledger-runs'));
    const swap = { kind: 'swap', host: server.host, port: server.port, target: 'kong_recover', aside: 'kong_recover__previous_0badf00d', scratch: 'kong_recover__restore_0badf00d', allowConnections: true };
    await runDir.note('swap', swap);
    await runDir.note(scratchKey(swap.scratch), { kind: 'scratch-database', host: server.host, port: server.port, database: swap.scratch });
    // Where the run was killed: the target renamed aside (and closed to clients), the copy not yet renamed in.
    await sql(`CREATE DATABASE ${swap.scratch}`, 'ALTER DATABASE kong_recover WITH ALLOW_CONNECTIONS false', `ALTER DATABASE kong_recover RENAME TO ${swap.aside}`);
    expect(await databases('kong\\_recover%')).toEqual([swap.aside, swap.scratch]);

    const maintenance = withDatabase(pgTarget(server, 'kong'), 'postgres');
    const { done, left } = await cleanUpRun(runDir, (host, port) => (host === server.host && port === server.port ? maintenance : undefined));
    expect(left).toEqual([]);
    expect(done).toEqual([
      '"kong_recover" was renamed aside by the interrupted restore and has its name back, as it was',
      `dropped the scratch database "${swap.scratch}" on ${server.host}:${server.port}`,
    ]);
    expect(await databases('kong\\_recover%')).toEqual(['kong_recover']);
    expect(await marker()).toEqual([{ x: 42 }]);
    expect(existsSync(runDir.path)).toBe(false);
  });

  it('when the copy already holds the name, the previous database is kept and named, and a server no input names is left and said', async () => {
    await sql('CREATE DATABASE kong_recover2 WITH ALLOW_CONNECTIONS false', 'CREATE DATABASE kong_recover2__previous_0badf00d WITH ALLOW_CONNECTIONS false');
    const runDir = await createRunDir(path.join(work, 'ledger-runs'));
    await runDir.note('swap', { kind: 'swap', host: server.host, port: server.port, target: 'kong_recover2', aside: 'kong_recover2__previous_0badf00d', scratch: 'kong_recover2__restore_0badf00d', allowConnections: true });
    await runDir.note('elsewhere', { kind: 'scratch-database', host: 'db.elsewhere', port: 5432, database: 'kong__restore_0badf00d' });
    const maintenance = withDatabase(pgTarget(server, 'kong'), 'postgres');
    const { done, left } = await cleanUpRun(runDir, (host) => (host === server.host ? maintenance : undefined));
    expect(done).toEqual(['"kong_recover2" holds the restored copy (checked before the swap, but no manifest was written); the previous database is kept as "kong_recover2__previous_0badf00d": drop it once the restore is confirmed']);
    expect(left[0]).toBe('the scratch database "kong__restore_0badf00d" on db.elsewhere:5432: no input names the server db.elsewhere:5432');
    expect(left[1]).toMatch(/^the run folder .* \(kept with its ledger/);
    const allowed = await withClient(server, 'postgres', (c) => c.query("SELECT datallowconn FROM pg_database WHERE datname = 'kong_recover2'"));
    expect(allowed.rows).toEqual([{ datallowconn: true }]);
    expect(Object.keys(await runDir.entries())).toEqual(['elsewhere']);
  });
});
