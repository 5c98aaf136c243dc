import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveChecksum } from '../../src/database/checksums.js';
import { compareFingerprints, readManifest, type ManifestFile } from '../../src/database/manifest.js';
import { readEntityFacts, STABLE_TEXT_SETTINGS } from '../../src/database/postgres/fingerprint.js';
import { targetFromInputs, withDatabase, type DatabaseTarget } from '../../src/database/postgres/connect.js';
import { backupPostgres } from '../../src/database/postgres/dump.js';
import { restorePostgres } from '../../src/database/postgres/restore.js';
import { fingerprintDifferences, verifyBackup } from '../../src/database/postgres/verify.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { until } from '../helpers/until.js';
import { withClient } from '../kong-sim/helpers.js';
import { createKongDatabase, pgTarget, rejection, subdir } from './kong-db.js';

let server: PostgresServer;
let work: string;
let source: DatabaseTarget;

const target = (database: string, overrides: Partial<DatabaseTarget['db']> = {}) => pgTarget(server, database, overrides);
const dir = (name: string) => subdir(work, name);

beforeAll(async () => {
  server = await startPostgres({ database: 'postgres' });
  await createKongDatabase(server, 'kong');
  work = mkdtempSync(path.join(os.tmpdir(), 'backup-test-'));
  source = target('kong');
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});




/** A bin dir whose pg_dump is a shell script (and pg_restore the real one). */
function fakeBinDir(name: string, pgDumpScript: string): string {
  const bin = dir(name);
  writeFileSync(path.join(bin, 'pg_dump'), `#!/bin/sh\n${pgDumpScript}\n`);
  chmodSync(path.join(bin, 'pg_dump'), 0o755);
  writeFileSync(path.join(bin, 'pg_restore'), `#!/bin/sh\nexec ${server.bindir}/pg_restore "$@"\n`);
  chmodSync(path.join(bin, 'pg_restore'), 0o755);
  return bin;
}

describe('backup → verify → restore', () => {
  it('round-trips: the restored database has the same fingerprint, schema_meta and counts', async () => {
    const backup = await backupPostgres({ source, backupDir: dir('round-trip'), format: 'custom', jobs: 1, compression: 'auto', binDir: server.bindir });
    const manifest = await readManifest(backup.manifestPath, 'manifest');
    expect(manifest.schema).toBe('kong-upgrade/backup-manifest@1');
    expect(manifest.kong).toEqual({ version: '3.4', source: 'schema_meta' });
    expect(manifest.schemaMeta?.find((row) => row.subsystem === 'core')?.lastExecuted).toBe('020_330_to_340');
    expect(manifest.counts.default?.services).toBe(150);
    expect(manifest.counts['team-b']?.services).toBe(50);
    expect(manifest.counts['*']?.workspaces).toBe(2);
    expect(Object.keys(manifest.fingerprint.tables)).toContain('keyauth_credentials');
    expect(Object.keys(manifest.fingerprint.tables)).not.toContain('ratelimiting_metrics');
    expect(Object.keys(manifest.fingerprint.tables)).not.toContain('cluster_events');
    expect(manifest.dump).toMatchObject({ format: 'custom', compression: 'gzip:1' });
    expect(manifest.fingerprint.algorithm).toBe('row-hashrecord-sum-v1');
    expect(manifest.files).toHaveLength(1);
    expect(manifest.archive.checksum).toBe(manifest.files[0]!.sha256);
    expect(manifest.database.systemIdentifier).toMatch(/^\d+$/);

    const lines: string[] = [];
    const log = (line: string) => lines.push(line);
    const verified = await verifyBackup({ manifestPath: backup.manifestPath, trialServer: withDatabase(source, 'postgres'), binDir: server.bindir, log });
    expect(verified.trialRestore).toBe(true);
    expect(verified.tableData).toBeGreaterThan(10);

    const restored = await restorePostgres({
      manifestPath: backup.manifestPath, target: target('kong_copy'), method: 'swap', jobs: 2,
      allowRestoreOverSource: false, allowLiveConnections: false, binDir: server.bindir, log,
    });
    expect(restored.manifest!.fingerprint).toEqual(manifest.fingerprint);
    // Both copies (trial restore with one job, swap with two) were fingerprinted table by table
    // while pg_restore ran, not only after it: the equal fingerprints above prove no table was
    // read before it was fully loaded.
    const whileRestoring = lines.map((line) => /(\d+) entity tables, (\d+) of them read while pg_restore ran/.exec(line)).filter((m) => m !== null);
    expect(whileRestoring).toHaveLength(2);
    for (const [, total, early] of whileRestoring) expect(Number(early)).toBeGreaterThan(Number(total) / 2);
    expect(restored.manifest!.schemaMeta).toEqual(manifest.schemaMeta);
    expect(restored.manifest!.counts).toEqual(manifest.counts);
    expect(restored.manifest!.database.database).toBe('kong_copy');
    expect(restored.manifest!.lineage.restoredFrom).toMatchObject({ manifest: backup.manifestPath, fingerprint: manifest.fingerprint.digest });
    expect(JSON.parse(readFileSync(restored.manifestPath!, 'utf8')).lineage.restoredFrom.database.database).toBe('kong');
    // No scratch database left behind.
    const names = await withClient(server, 'postgres', (c) => c.query<{ datname: string }>('SELECT datname FROM pg_database'));
    expect(names.rows.map((r) => r.datname).filter((n) => n.includes('__'))).toEqual([]);

    // Clean method into the (now existing) copy, directory format with jobs.
    const dirBackup = await backupPostgres({ source, backupDir: dir('round-trip-dir'), format: 'directory', jobs: 2, compression: '0', binDir: server.bindir });
    expect(dirBackup.manifest.files.length).toBeGreaterThan(2);
    const cleaned = await restorePostgres({
      manifestPath: dirBackup.manifestPath, target: target('kong_copy'), method: 'clean', jobs: 1,
      allowRestoreOverSource: false, allowLiveConnections: false, binDir: server.bindir,
    });
    expect(cleaned.manifest!.fingerprint.digest).toBe(manifest.fingerprint.digest);
  });

  it('an entity edited after the backup makes the fingerprints differ, naming the table; counters do not', async () => {
    await withClient(server, 'postgres', (c) => c.query('CREATE DATABASE kong_edit TEMPLATE kong'));
    const edit = target('kong_edit');
    const backup = await backupPostgres({ source: edit, backupDir: dir('edit'), format: 'custom', jobs: 1, compression: 'auto', binDir: server.bindir });
    await withClient(server, 'kong_edit', (c) => c.query("UPDATE ratelimiting_metrics SET value = value + 1; INSERT INTO cluster_events (id, node_id, at, expire_at) VALUES (gen_random_uuid(), gen_random_uuid(), now(), now())"));
    expect(await fingerprintDifferences(edit, backup.manifest)).toEqual([]);
    await withClient(server, 'kong_edit', (c) => c.query("UPDATE services SET port = 9999 WHERE name = 'service-7'"));
    expect(await fingerprintDifferences(edit, backup.manifest)).toEqual(['services: same 200 rows but different content']);
    await withClient(server, 'kong_edit', (c) => c.query("DELETE FROM keyauth_credentials WHERE key LIKE 'secret-key-%' AND consumer_id = md5('consumer1')::uuid"));
    expect(await fingerprintDifferences(edit, backup.manifest)).toContain('keyauth_credentials: 199 rows, backup has 200');
  });

  it('hashes rows with hash_record_extended where every column type has a stable hash, else the row text; comparisons use the manifest\'s algorithm', async () => {
    const facts = (db: string, algorithm?: Parameters<typeof readEntityFacts>[1]) => withClient(server, db, async (c) => {
      for (const statement of STABLE_TEXT_SETTINGS) await c.query(statement);
      return readEntityFacts(c, algorithm);
    });
    const plain = await facts('kong');
    expect(plain.fingerprint.algorithm).toBe('row-hashrecord-sum-v1');
    // An older manifest's algorithm still computes, and differently (the algorithm is part of the fingerprint).
    const text = await facts('kong', 'row-hashtextextended-sum-v1');
    expect(text.fingerprint.tables.services!.rows).toBe(plain.fingerprint.tables.services!.rows);
    expect(text.fingerprint.tables.services!.hash).not.toBe(plain.fingerprint.tables.services!.hash);
    expect(compareFingerprints(text.fingerprint, plain.fingerprint)[0]).toMatch(/algorithms differ/);

    // A column of a type without a hash function (json): the whole fingerprint falls back to text.
    await withClient(server, 'postgres', (c) => c.query('CREATE DATABASE kong_json TEMPLATE kong'));
    await withClient(server, 'kong_json', (c) => c.query("ALTER TABLE services ADD COLUMN extra json; UPDATE services SET extra = '{\"a\": 1}'"));
    const odd = await facts('kong_json');
    expect(odd.fingerprint.algorithm).toBe('row-hashtextextended-sum-v1');
    expect(odd.fingerprint.tables.routes!.hash).toBe(text.fingerprint.tables.routes!.hash);
  });
});

describe('damaged archives', () => {
  const scratchLeft = (base: string) =>
    withClient(server, 'postgres', (c) => c.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE $1 || '\\_\\_%'", [base])).then((r) => r.rows.map((row) => row.datname));

  it('a flipped byte: verify and restore (swap, jobs 1 and 2, and clean) refuse, the target is untouched, no scratch database is left', async () => {
    const backup = await backupPostgres({ source, backupDir: dir('flip'), format: 'custom', jobs: 1, compression: 'auto', binDir: server.bindir });
    const bytes = await readFile(backup.archivePath);
    const at = Math.floor(bytes.length / 2);
    bytes[at] = bytes[at]! ^ 0x01;
    await writeFile(backup.archivePath, bytes);

    const verify = await rejection(verifyBackup({ manifestPath: backup.manifestPath, binDir: server.bindir }));
    expect(verify.message).toMatch(/checking the archive against its manifest: 1 file\(s\) differ.*kong\.dump: SHA-256/);

    await withClient(server, 'postgres', (c) => c.query('CREATE DATABASE kong_flip_target'));
    await withClient(server, 'kong_flip_target', (c) => c.query('CREATE TABLE marker (x int); INSERT INTO marker VALUES (42)'));
    for (const [method, jobs] of [['swap', 1], ['swap', 2], ['clean', 1]] as const) {
      const restore = await rejection(restorePostgres({
        manifestPath: backup.manifestPath, target: target('kong_flip_target'), method, jobs,
        allowRestoreOverSource: false, allowLiveConnections: false, binDir: server.bindir,
      }));
      expect(restore.message, `${method} jobs ${jobs}`).toMatch(/checking the archive against its manifest: .*SHA-256/);
      const marker = await withClient(server, 'kong_flip_target', (c) => c.query('SELECT x FROM marker'));
      expect(marker.rows).toEqual([{ x: 42 }]);
      const tables = await withClient(server, 'kong_flip_target', (c) => c.query("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'"));
      expect(tables.rows).toEqual([{ n: 1 }]);
      expect(await scratchLeft('kong_flip_target')).toEqual([]);
    }

    // A target that did not exist is not created.
    await rejection(restorePostgres({
      manifestPath: backup.manifestPath, target: target('kong_flip_new'), method: 'swap', jobs: 1,
      allowRestoreOverSource: false, allowLiveConnections: false, binDir: server.bindir,
    }));
    const created = await withClient(server, 'postgres', (c) => c.query("SELECT 1 FROM pg_database WHERE datname = 'kong_flip_new'"));
    expect(created.rows).toEqual([]);
    expect(await scratchLeft('kong_flip_new')).toEqual([]);
  });

  it('swap: a failed checksum stops a pg_restore running beside it and drops the scratch database it holds', async () => {
    const backup = await backupPostgres({ source, backupDir: dir('flip-slow'), format: 'directory', jobs: 1, compression: 'auto', binDir: server.bindir });
    // A listed file of the archive folder that is a FIFO (pg_restore never opens it): its checksum
    // blocks until the test writes, so the failure is certain to come while pg_restore runs (a
    // real archive's SHA-256 takes long only when large).
    const folder = path.dirname(backup.manifestPath);
    execFileSync('mkfifo', [path.join(folder, 'kong.dir', 'late')]);
    const manifest = JSON.parse(readFileSync(backup.manifestPath, 'utf8')) as { files: ManifestFile[]; archive: { checksum: string } };
    manifest.files.push({ path: 'kong.dir/late', sizeBytes: 0, sha256: '0'.repeat(64) });
    manifest.archive.checksum = archiveChecksum(manifest.files);
    writeFileSync(backup.manifestPath, JSON.stringify(manifest));
    // A pg_restore that would hold a session on the scratch database for 10 minutes, as a long
    // restore does: a restore that waited for it instead of stopping it would pass the test's timeout.
    const bin = fakeBinDir('slow-restore-bin', `exec ${server.bindir}/pg_dump "$@"`);
    writeFileSync(path.join(bin, 'pg_restore'), `#!/bin/sh\nfor a in "$@"; do case "$a" in --dbname=*) db="\${a#--dbname=}";; esac; done\nexec ${server.bindir}/psql -X -q -d "$db" -c 'SELECT pg_sleep(600)'\n`);
    await withClient(server, 'postgres', (c) => c.query('CREATE DATABASE kong_flip_slow'));
    await withClient(server, 'kong_flip_slow', (c) => c.query('CREATE TABLE marker (x int); INSERT INTO marker VALUES (7)'));

    const restoring = rejection(restorePostgres({
      manifestPath: backup.manifestPath, target: target('kong_flip_slow'), method: 'swap', jobs: 1,
      allowRestoreOverSource: false, allowLiveConnections: false, binDir: bin,
    }));
    await until(async () => (await withClient(server, 'postgres', (c) => c.query(
      "SELECT 1 FROM pg_stat_activity WHERE datname LIKE 'kong\\_flip\\_slow\\_\\_restore%' AND query LIKE '%pg_sleep%'"))).rows.length === 1, restoring);
    await writeFile(path.join(folder, 'kong.dir', 'late'), 'not what the manifest says');
    const restore = await restoring;
    expect(restore.message).toMatch(/checking the archive against its manifest: 1 file\(s\) differ.*late: /);
    expect(await scratchLeft('kong_flip_slow')).toEqual([]);
    const marker = await withClient(server, 'kong_flip_slow', (c) => c.query('SELECT x FROM marker'));
    expect(marker.rows).toEqual([{ x: 7 }]);
  });
});

describe('failures leave no manifest and no partial files', () => {
  it('pg_dump killed mid-run', async () => {
    const backupDir = dir('killed');
    // Hold a lock so pg_dump stops after creating its file, then kill it there.
    const blocker = await withDbClient('kong');
    await blocker.query('BEGIN; LOCK TABLE routes IN ACCESS EXCLUSIVE MODE');
    let pid: number | undefined;
    const running = backupPostgres({ source, backupDir, format: 'custom', jobs: 1, compression: 'auto', binDir: server.bindir });
    try {
      // pg_dump creates its output file before it connects, then takes `LOCK TABLE … IN ACCESS
      // SHARE MODE` on every table it dumps: its session waiting there is the state to kill it in.
      await until(async () => (await withClient(server, 'postgres', (c) => c.query(
        "SELECT 1 FROM pg_stat_activity WHERE datname = 'kong' AND query LIKE 'LOCK TABLE public.routes IN ACCESS SHARE MODE%' AND wait_event_type = 'Lock'"))).rows.length === 1, running);
      pid = findProcess((cmdline) => cmdline.includes('pg_dump') && cmdline.includes(backupDir));
      expect(pid).toBeDefined();
      const folder = readdirSync(backupDir);
      expect(folder).toHaveLength(1);
      expect(readdirSync(path.join(backupDir, folder[0]!))).toContain('kong.dump');
      process.kill(pid!, 'SIGKILL');
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    const error = await rejection(running);
    expect(error.message).toMatch(/pg_dump: was killed by SIGKILL/);
    expect(readdirSync(backupDir)).toEqual([]);
  });

  it('a full disk (file size limit on pg_dump) names backup-dir', async () => {
    const backupDir = dir('full');
    const bin = fakeBinDir('bin-full', `ulimit -f 2\nexec ${server.bindir}/pg_dump "$@"`);
    const error = await rejection(backupPostgres({ source, backupDir, format: 'custom', jobs: 1, compression: '0', binDir: bin }));
    expect(error.origin).toEqual({ input: 'backup-dir' });
    expect(error.message).toMatch(/no room to write the dump/);
    expect(readdirSync(backupDir)).toEqual([]);
  });

  it('wrong password, unreachable host, missing database: errors name the input', async () => {
    const backupDir = dir('bad-inputs');
    const wrong = await rejection(backupPostgres({ source: target('kong', { password: 'not-the-password' }), backupDir, format: 'custom', jobs: 1, compression: 'auto' }));
    expect(wrong.origin).toEqual({ input: 'pg-password' });
    expect(wrong.message).not.toContain('not-the-password');
    const viaUrl = targetFromInputs({ ...source.db, password: 'nope' }, true);
    expect((await rejection(backupPostgres({ source: viaUrl, backupDir, format: 'custom', jobs: 1, compression: 'auto' }))).origin).toEqual({ input: 'database-url' });
    const host = await rejection(backupPostgres({ source: target('kong', { port: 1 }), backupDir, format: 'custom', jobs: 1, compression: 'auto' }));
    expect(host.origin).toEqual({ input: 'pg-host' });
    const missing = await rejection(backupPostgres({ source: target('no_such_db'), backupDir, format: 'custom', jobs: 1, compression: 'auto' }));
    expect(missing.origin).toEqual({ input: 'pg-database' });
    expect(missing.message).toMatch(/database "no_such_db" does not exist/);
    expect(readdirSync(backupDir)).toEqual([]);
  });

  it('a pg_dump older than the server: a clear error naming the server major and what to install', async () => {
    const bin = fakeBinDir('bin-old', 'echo "pg_dump (PostgreSQL) 12.22"');
    const backupDir = dir('old-client');
    const error = await rejection(backupPostgres({ source, backupDir, format: 'custom', jobs: 1, compression: 'auto', binDir: bin }));
    expect(error.message).toMatch(/pg_dump 12\.22 is older than the server \(PostgreSQL 15\)/);
    expect(error.message).toMatch(/postgresql-client-15/);
    expect(readdirSync(backupDir)).toEqual([]);
  });
});

describe('restore safety', () => {
  it('refuses the source database and a target with live connections unless told', async () => {
    const backup = await backupPostgres({ source, backupDir: dir('safety'), format: 'custom', jobs: 1, compression: 'auto', binDir: server.bindir });
    const over = await rejection(restorePostgres({ manifestPath: backup.manifestPath, target: source, method: 'swap', jobs: 1, allowRestoreOverSource: false, allowLiveConnections: true, binDir: server.bindir }));
    expect(over.origin).toEqual({ input: 'allow-restore-over-source' });

    await withClient(server, 'postgres', (c) => c.query('CREATE DATABASE kong_live'));
    const holder = await withDbClient('kong_live');
    try {
      await holder.query('CREATE TABLE marker (x int); INSERT INTO marker VALUES (7)');
      const live = await rejection(restorePostgres({ manifestPath: backup.manifestPath, target: target('kong_live'), method: 'swap', jobs: 1, allowRestoreOverSource: false, allowLiveConnections: false, binDir: server.bindir }));
      expect(live.origin).toEqual({ input: 'allow-live-connections' });
      expect((await holder.query('SELECT x FROM marker')).rows).toEqual([{ x: 7 }]);
      const dry = await restorePostgres({ manifestPath: backup.manifestPath, target: target('kong_live'), method: 'swap', jobs: 1, allowRestoreOverSource: false, allowLiveConnections: true, dryRun: true, binDir: server.bindir });
      expect(dry.dryRun).toBe(true);
      expect(dry.actions.join('\n')).toMatch(/disconnect 1 session/);
      expect((await holder.query('SELECT x FROM marker')).rows).toEqual([{ x: 7 }]);
    } finally {
      await holder.end().catch(() => {});
    }
    const wrong = await rejection(restorePostgres({ manifestPath: backup.manifestPath, target: targetFromInputs({ ...source.db, database: 'kong_live', password: 'bad' }, false, 'target-'), method: 'swap', jobs: 1, allowRestoreOverSource: false, allowLiveConnections: false, binDir: server.bindir }));
    expect(wrong.origin).toEqual({ input: 'target-pg-password' });
  });
});

describe('encryption', () => {
  it('round-trips with a gpg passphrase; verify without or with a wrong passphrase refuses; a flipped byte refuses a swap restore with the checksum error', async () => {
    const passphrase = 'correct horse battery staple';
    const backup = await backupPostgres({ source, backupDir: dir('gpg'), format: 'custom', jobs: 1, compression: 'auto', binDir: server.bindir, encryption: { method: 'gpg-symmetric', passphrase } });
    expect(backup.archivePath).toMatch(/kong\.dump\.gpg$/);
    expect(existsSync(backup.archivePath.replace(/\.gpg$/, ''))).toBe(false);
    expect(backup.manifest.encryption.method).toBe('gpg-symmetric');
    const head = readFileSync(backup.archivePath).subarray(0, 5).toString('latin1');
    expect(head).not.toBe('PGDMP');

    expect((await rejection(verifyBackup({ manifestPath: backup.manifestPath, binDir: server.bindir }))).origin).toEqual({ input: 'encryption-passphrase' });
    expect((await rejection(verifyBackup({ manifestPath: backup.manifestPath, binDir: server.bindir, encryption: { method: 'gpg-symmetric', passphrase: 'wrong' } }))).origin).toEqual({ input: 'encryption-passphrase' });
    const verified = await verifyBackup({ manifestPath: backup.manifestPath, binDir: server.bindir, encryption: { method: 'gpg-symmetric', passphrase } });
    expect(verified.tableData).toBeGreaterThan(10);
    const restored = await restorePostgres({ manifestPath: backup.manifestPath, target: target('kong_gpg'), method: 'swap', jobs: 1, allowRestoreOverSource: false, allowLiveConnections: false, binDir: server.bindir, encryption: { method: 'gpg-symmetric', passphrase } });
    expect(restored.manifest!.fingerprint.digest).toBe(backup.manifest.fingerprint.digest);

    // Damaged: swap decrypts beside the checksums, and the checksum failure is what it reports.
    const bytes = await readFile(backup.archivePath);
    bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0x01;
    await writeFile(backup.archivePath, bytes);
    const damaged = await rejection(restorePostgres({ manifestPath: backup.manifestPath, target: target('kong_gpg_flip'), method: 'swap', jobs: 1, allowRestoreOverSource: false, allowLiveConnections: false, binDir: server.bindir, encryption: { method: 'gpg-symmetric', passphrase } }));
    expect(damaged.message).toMatch(/checking the archive against its manifest: .*SHA-256/);
    const created = await withClient(server, 'postgres', (c) => c.query("SELECT datname FROM pg_database WHERE datname LIKE 'kong_gpg_flip%'"));
    expect(created.rows).toEqual([]);
  });
});

async function withDbClient(database: string) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database });
  await client.connect();
  return client;
}

/** The pid of a process whose /proc/<pid>/cmdline matches. */
export function findProcess(match: (cmdline: string) => boolean): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (match(cmdline)) return Number(entry);
    } catch {
      // gone
    }
  }
  return undefined;
}
