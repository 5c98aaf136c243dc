// A manifest is a file anyone with write access to the backup folder (or to a downloaded
// artifact) can edit: every field is checked as untrusted input before anything is read,
// connected to or restored, and nothing outside the checked files reaches pg_restore.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBackupFiles } from '../../src/database/backup-files.js';
import { withDatabase } from '../../src/database/postgres/connect.js';
import { backupPostgres, type BackupResult } from '../../src/database/postgres/dump.js';
import { restorePostgres } from '../../src/database/postgres/restore.js';
import { verifyBackup } from '../../src/database/postgres/verify.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { withClient } from '../kong-sim/helpers.js';
import { createKongDatabase, pgTarget, rejection } from './kong-db.js';

let server: PostgresServer;
let work: string;
let custom: BackupResult;
let directory: BackupResult;

beforeAll(async () => {
  server = await startPostgres({ database: 'postgres' });
  await createKongDatabase(server, 'kong');
  work = mkdtempSync(path.join(os.tmpdir(), 'manifest-trust-'));
  const options = { source: pgTarget(server, 'kong'), jobs: 1, compression: 'auto', binDir: server.bindir };
  custom = await backupPostgres({ ...options, format: 'custom', backupDir: path.join(work, 'custom') });
  directory = await backupPostgres({ ...options, format: 'directory', compression: 'gzip:1', backupDir: path.join(work, 'directory') });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A copy of a backup's folder whose manifest `edit` changed; returns the copy's manifest path. */
function tampered(backup: BackupResult, name: string, edit: (manifest: Record<string, any>) => void): string {
  const folder = path.join(work, 'tampered', name, 'backup');
  cpSync(path.dirname(backup.manifestPath), folder, { recursive: true });
  const file = path.join(folder, 'manifest.json');
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as Record<string, any>;
  edit(manifest);
  writeFileSync(file, JSON.stringify(manifest, null, 2));
  return file;
}

/** A database holding one marker row, to see that a refused restore left it alone. */
async function markedDatabase(name: string): Promise<() => Promise<unknown>> {
  await withClient(server, 'postgres', (c) => c.query(`CREATE DATABASE ${name}`));
  await withClient(server, name, (c) => c.query('CREATE TABLE marker (x int); INSERT INTO marker VALUES (42)'));
  return () => withClient(server, name, (c) => c.query('SELECT x FROM marker')).then((r) => r.rows);
}

const restore = (manifestPath: string, database: string, method: 'swap' | 'clean') =>
  restorePostgres({ manifestPath, target: pgTarget(server, database), method, jobs: 1, allowRestoreOverSource: false, allowLiveConnections: false, binDir: server.bindir });

describe('paths in a manifest stay inside the backup folder and are all checked', () => {
  it('archive.path ../elsewhere/kong.dump: verify and a clean restore refuse, naming the input and the field', async () => {
    const manifestPath = tampered(custom, 'elsewhere', (m) => {
      m.archive.path = '../elsewhere/kong.dump';
    });
    // The archive it points at is a real one: before, verify checked files[] and restored this.
    mkdirSync(path.join(path.dirname(manifestPath), '../elsewhere'), { recursive: true });
    cpSync(custom.archivePath, path.join(path.dirname(manifestPath), '../elsewhere/kong.dump'));

    const verify = await rejection(verifyBackup({ manifestPath, binDir: server.bindir }));
    expect(verify.origin).toEqual({ input: 'manifest' });
    expect(verify.message).toMatch(/archive\.path "\.\.\/elsewhere\/kong\.dump" leaves the backup folder/);

    const marker = await markedDatabase('kong_elsewhere');
    const clean = await rejection(restore(manifestPath, 'kong_elsewhere', 'clean'));
    expect(clean.origin).toEqual({ input: 'manifest' });
    expect(await marker()).toEqual([{ x: 42 }]);
  });

  it('files: [] is refused: a manifest that lists nothing vouches for nothing', async () => {
    const manifestPath = tampered(custom, 'no-files', (m) => {
      m.files = [];
    });
    const verify = await rejection(verifyBackup({ manifestPath, binDir: server.bindir }));
    expect(verify.origin).toEqual({ input: 'manifest' });
    expect(verify.message).toMatch(/files lists no file/);
    const marker = await markedDatabase('kong_no_files');
    expect((await rejection(restore(manifestPath, 'kong_no_files', 'clean'))).origin).toEqual({ input: 'manifest' });
    expect(await marker()).toEqual([{ x: 42 }]);
  });

  it('an archive that is not the file whose checksum the manifest lists is refused', async () => {
    const manifestPath = tampered(custom, 'other-archive', (m) => {
      cpSync(custom.archivePath, path.join(work, 'tampered', 'other-archive', 'backup', 'other.dump'));
      m.archive.path = 'other.dump';
    });
    const verify = await rejection(verifyBackup({ manifestPath, binDir: server.bindir }));
    expect(verify.origin).toEqual({ input: 'manifest' });
    expect(verify.message).toMatch(/archive\.path "other\.dump" is not the file files\[\] lists/);
  });

  it('an absolute path, and a symlink leading out of the folder, are refused', async () => {
    const absolute = tampered(custom, 'absolute', (m) => {
      m.files[0].path = custom.archivePath;
      m.archive.path = custom.archivePath;
    });
    const abs = await rejection(verifyBackup({ manifestPath: absolute, binDir: server.bindir }));
    expect(abs.origin).toEqual({ input: 'manifest' });
    expect(abs.message).toMatch(/files\[0\]\.path .* leaves the backup folder/);

    // Same name and same bytes, but a link to a file outside: its checksum would match.
    const linked = tampered(custom, 'symlink', () => {});
    const inside = path.join(path.dirname(linked), 'kong.dump');
    rmSync(inside);
    symlinkSync(custom.archivePath, inside);
    const link = await rejection(verifyBackup({ manifestPath: linked, binDir: server.bindir }));
    expect(link.origin).toEqual({ input: 'manifest' });
    expect(link.message).toMatch(/kong\.dump leads outside the backup folder/);
  });

  it('directory format: a file the manifest does not list is refused (pg_restore would read 3.dat before the listed 3.dat.gz)', async () => {
    const manifestPath = tampered(directory, 'extra-file', () => {});
    const folder = path.join(path.dirname(manifestPath), 'kong.dir');
    const listed = JSON.parse(readFileSync(manifestPath, 'utf8')).files.map((f: { path: string }) => f.path) as string[];
    const gz = listed.find((p) => /\/\d+\.dat\.gz$/.test(p))!;
    writeFileSync(path.join(path.dirname(manifestPath), gz.replace(/\.gz$/, '')), 'not in the backup\n');
    const verify = await rejection(verifyBackup({ manifestPath, binDir: server.bindir }));
    expect(verify.origin).toEqual({ input: 'manifest' });
    expect(verify.message).toMatch(/kong\.dir holds 1 file the manifest does not list/);
    expect(folder).toContain('extra-file');
  });

  it('a field of the wrong type or shape names the field', async () => {
    const cases: [string, (m: Record<string, any>) => void, RegExp][] = [
      ['rows', (m) => (m.fingerprint.tables.services.rows = 'many'), /fingerprint\.tables\.services\.rows is string, expected a whole number/],
      ['sha', (m) => (m.files[0].sha256 = 'abc'), /files\[0\]\.sha256 "abc" is not a SHA-256/],
      ['format', (m) => (m.dump.format = 'tar'), /dump\.format "tar" is not one of custom, directory/],
      ['port', (m) => (m.database.port = 70000), /database\.port 70000 is not 1-65535/],
      ['newline', (m) => (m.database.host = 'a\n::error::b'), /database\.host "a\\n::error::b" is not a host name/],
    ];
    for (const [name, edit, message] of cases) {
      const manifestPath = tampered(custom, `field-${name}`, edit);
      const error = await rejection(verifyBackup({ manifestPath, binDir: server.bindir }));
      expect(error.origin, name).toEqual({ input: 'manifest' });
      expect(error.message, name).toMatch(message);
    }
  });
});

describe('a database name from a manifest never reaches libpq as a connection string', () => {
  it('trial restore with database.database "host=… port=… dbname=k": refused, and nothing connects to that host', async () => {
    const trap = net.createServer((socket) => {
      connections++;
      socket.destroy();
    });
    let connections = 0;
    await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
    const port = (trap.address() as net.AddressInfo).port;
    try {
      const manifestPath = tampered(custom, 'conninfo', (m) => {
        m.database.database = `host=127.0.0.1 port=${port} dbname=k`;
      });
      const error = await rejection(verifyBackup({ manifestPath, binDir: server.bindir, trialServer: withDatabase(pgTarget(server, 'kong'), 'postgres') }));
      expect(error.origin).toEqual({ input: 'manifest' });
      expect(error.message).toMatch(/database\.database "host=127\.0\.0\.1 port=\d+ dbname=k" is not a database name/);
      expect(connections).toBe(0);
    } finally {
      trap.close();
    }
  });
});

describe('verifyBackupFiles (the migrate backup gate\'s check)', () => {
  it('passes a whole backup, refuses a manifest without its archive naming the input given', async () => {
    const ok = await verifyBackupFiles(custom.manifestPath, 'backup-manifest');
    expect(ok.manifest.fingerprint.digest).toBe(custom.manifest.fingerprint.digest);
    expect(ok.archivePath).toBe(custom.archivePath);

    const alone = path.join(work, 'manifest-alone');
    mkdirSync(alone);
    cpSync(custom.manifestPath, path.join(alone, 'manifest.json'));
    const error = await rejection(verifyBackupFiles(path.join(alone, 'manifest.json'), 'backup-manifest'));
    expect(error.origin).toEqual({ input: 'backup-manifest' });
    expect(error.message).toMatch(/kong\.dump: missing/);

    const flipped = tampered(custom, 'gate-flip', () => {});
    const archive = path.join(path.dirname(flipped), 'kong.dump');
    const bytes = readFileSync(archive);
    bytes[bytes.length >> 1]! ^= 0x01;
    writeFileSync(archive, bytes);
    const damaged = await rejection(verifyBackupFiles(flipped, 'backup-manifest'));
    expect(damaged.origin).toEqual({ input: 'backup-manifest' });
    expect(damaged.message).toMatch(/kong\.dump: SHA-256 [0-9a-f]{12}…, manifest says/);
  });
});
