import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObjectStore } from '../../src/database/object-storage/client.js';
import { fetchBackup } from '../../src/database/object-storage/fetch.js';
import { parseS3Url } from '../../src/database/object-storage/location.js';
import type { ObjectStorageSettings } from '../../src/database/object-storage/settings.js';
import { partSize } from '../../src/database/object-storage/upload.js';
import { backupPostgres } from '../../src/database/postgres/dump.js';
import { restorePostgres } from '../../src/database/postgres/restore.js';
import { verifyBackup } from '../../src/database/postgres/verify.js';
import { withDatabase, type DatabaseTarget } from '../../src/database/postgres/connect.js';
import { createRunDir } from '../../src/lib/run-dir.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { startS3Server, type S3Server } from '../helpers/s3-server.js';
import { withClient } from '../kong-sim/helpers.js';
import { createKongDatabase, pgTarget, rejection } from './kong-db.js';

// backup-db's object-storage target against a real S3-protocol server (fauxqs, started here as
// its own process, its objects as files): multipart upload streamed from pg_dump, the manifest
// written last, verify and restore reading from the bucket, an upload that fails halfway, and an
// archive damaged in the bucket.
let server: PostgresServer;
let s3: S3Server;
let work: string;
let source: DatabaseTarget;
let settings: ObjectStorageSettings;
let sdk: S3Client;
const BUCKET = 'kong-backups';

beforeAll(async () => {
  [server, s3] = await Promise.all([startPostgres({ database: 'postgres' }), startS3Server()]);
  await createKongDatabase(server, 'kong');
  // Incompressible bytes in a table Kong does not have: the dump spans several 8 MiB parts.
  await withClient(server, 'kong', (c) => c.query("CREATE TABLE filler (n int, b bytea); INSERT INTO filler SELECT i, decode(string_agg(md5(i::text || j::text), ''), 'hex') FROM generate_series(1, 1400) i, generate_series(1, 1024) j GROUP BY i"));
  work = mkdtempSync(path.join(os.tmpdir(), 'object-storage-test-'));
  source = pgTarget(server, 'kong');
  // As aws-actions/configure-aws-credentials leaves them (the server checks no signature).
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIATESTKEY', AWS_SECRET_ACCESS_KEY: 'test-secret-key-value', AWS_SESSION_TOKEN: 'test-session-token', AWS_REGION: 'eu-west-1' });
  settings = { endpoint: s3.endpoint, region: 'eu-west-1', forcePathStyle: true, serverSideEncryption: 'aws:kms', kmsKeyId: 'alias/kong-backups', checksum: 'SHA256' };
  sdk = new S3Client({ endpoint: s3.endpoint, region: 'eu-west-1', forcePathStyle: true, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  await sdk.send(new CreateBucketCommand({ Bucket: BUCKET }));
}, 120_000);

afterAll(async () => {
  sdk?.destroy();
  await Promise.all([server?.stop(), s3?.stop()]);
  if (work) rmSync(work, { recursive: true, force: true });
});

const keys = async (prefix: string) =>
  ((await sdk.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }))).Contents ?? []).map((o) => o.Key!).sort();
const objectBytes = async (key: string) => Buffer.from(await (await sdk.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToByteArray());
/** Multipart uploads the server still holds parts of (fauxqs keeps each in a folder of its own). */
const openUploads = () => readdirSync(path.join(s3.dir, '_multipart'));
/** The file the server keeps an object's bytes in. */
const objectFile = (key: string) => path.join(s3.dir, 'buckets', BUCKET, 'objects', `${key}.data`);

describe('backup → object storage → verify → restore', () => {
  it('streams the dump up in parts, writes the manifest last, and verify and restore read it from the bucket', async () => {
    const backupDir = path.join(work, 'never-created');
    const lines: string[] = [];
    const backup = await backupPostgres({
      source, backupDir, format: 'custom', jobs: 1, compression: 'none', binDir: server.bindir, name: 'plain',
      objectStorage: { settings, location: parseS3Url(`s3://${BUCKET}/prod`, 'object-storage') }, log: (line) => lines.push(line),
    });
    expect(backup.manifestPath).toBe(`s3://${BUCKET}/prod/plain/manifest.json`);
    expect(backup.archivePath).toBe(`s3://${BUCKET}/prod/plain/kong.dump`);
    expect(await keys('prod/')).toEqual(['prod/plain/kong.dump', 'prod/plain/manifest.json']);
    // Nothing of the archive on the runner's disk.
    expect(existsSync(backupDir)).toBe(false);
    expect(openUploads()).toEqual([]);

    const archive = await objectBytes('prod/plain/kong.dump');
    const manifest = JSON.parse((await objectBytes('prod/plain/manifest.json')).toString());
    expect(archive.length).toBeGreaterThan(2 * partSize(1));
    expect(manifest.files).toEqual([{ path: 'kong.dump', sizeBytes: archive.length, sha256: createHash('sha256').update(archive).digest('hex') }]);
    expect(manifest.archive).toEqual({ path: 'kong.dump', checksum: manifest.files[0].sha256, sizeBytes: archive.length });
    expect(manifest.counts.default.services).toBe(150);
    // pg_dump wrote to a pipe: the custom format's header, with no data offsets written back.
    expect(archive.subarray(0, 5).toString()).toBe('PGDMP');
    expect(lines.join('\n')).toMatch(/Uploaded s3:\/\/kong-backups\/prod\/plain\/kong\.dump: \d+ bytes in [3-9] part\(s\), SHA-256 [0-9a-f]{16}…; the store's checksum of the parts: matched; it joined them in \d+\.\d\d s$/m);

    const runDir = await createRunDir(work);
    const fetched = await fetchBackup(backup.manifestPath, settings, 'manifest', runDir, () => {});
    try {
      expect(fetched.manifestPath.startsWith(runDir.path)).toBe(true);
      const verified = await verifyBackup({ manifestPath: fetched.manifestPath, trialServer: withDatabase(source, 'postgres'), binDir: server.bindir, runDir });
      expect(verified.trialRestore).toBe(true);
      // With jobs 2, pg_restore finds each table's data in an archive without offsets by skipping block to block.
      const restored = await restorePostgres({
        manifestPath: fetched.manifestPath, manifestName: backup.manifestPath, target: pgTarget(server, 'kong_from_s3'), method: 'swap', jobs: 2,
        allowRestoreOverSource: false, allowLiveConnections: false, binDir: server.bindir, runDir,
      });
      expect(restored.manifest!.fingerprint).toEqual(manifest.fingerprint);
      expect(restored.manifest!.lineage.restoredFrom!.manifest).toBe(backup.manifestPath);
      const url = await fetched.putBeside(restored.manifestPath!);
      expect(url).toMatch(new RegExp(`^s3://${BUCKET}/prod/plain/restored-127\\.0\\.0\\.1-\\d+-kong_from_s3\\.manifest\\.json$`));
    } finally {
      await fetched.close();
    }
    expect(readdirSync(runDir.path)).toEqual(['ledger']);
    const rows = await withClient(server, 'kong_from_s3', (c) => c.query<{ n: string }>('SELECT count(*) AS n FROM filler'));
    expect(rows.rows[0]!.n).toBe('1400');
  });

  it('encrypts with gpg on the way up: the bucket holds only the encrypted stream, and restore decrypts it', async () => {
    const passphrase = 'a long passphrase for the bucket';
    const backup = await backupPostgres({
      source, backupDir: work, format: 'custom', jobs: 1, compression: 'auto', binDir: server.bindir, name: 'encrypted',
      encryption: { method: 'gpg-symmetric', passphrase }, objectStorage: { settings, location: parseS3Url(`s3://${BUCKET}/prod`, 'object-storage') },
    });
    expect(await keys('prod/encrypted/')).toEqual(['prod/encrypted/kong.dump.gpg', 'prod/encrypted/manifest.json']);
    const archive = await objectBytes('prod/encrypted/kong.dump.gpg');
    expect(archive.includes(Buffer.from('PGDMP'))).toBe(false);
    expect(archive.includes(Buffer.from('secret-key-'))).toBe(false);
    expect(backup.manifest.encryption.method).toBe('gpg-symmetric');
    expect(backup.manifest.files[0]!.sha256).toBe(createHash('sha256').update(archive).digest('hex'));

    const fetched = await fetchBackup(backup.manifestPath, settings, 'manifest', undefined, () => {});
    try {
      const verified = await verifyBackup({ manifestPath: fetched.manifestPath, encryption: { method: 'gpg-symmetric', passphrase }, binDir: server.bindir });
      expect(verified.tableData).toBeGreaterThan(10);
    } finally {
      await fetched.close();
    }
  });

  it('without dd on PATH, reads pg_dump\'s output itself: the same archive, verified by a trial restore', async () => {
    const path0 = process.env.PATH;
    process.env.PATH = '/nonexistent'; // pg_dump and pg_restore come from binDir
    try {
      const backup = await backupPostgres({
        source, backupDir: work, format: 'custom', jobs: 1, compression: 'none', binDir: server.bindir, name: 'without-dd',
        objectStorage: { settings, location: parseS3Url(`s3://${BUCKET}/prod`, 'object-storage') },
      });
      const archive = await objectBytes('prod/without-dd/kong.dump');
      expect(archive.length).toBeGreaterThan(2 * partSize(1));
      expect(backup.manifest.files[0]!.sha256).toBe(createHash('sha256').update(archive).digest('hex'));
      const runDir = await createRunDir(work);
      const fetched = await fetchBackup(backup.manifestPath, settings, 'manifest', runDir, () => {});
      try {
        const verified = await verifyBackup({ manifestPath: fetched.manifestPath, trialServer: withDatabase(source, 'postgres'), binDir: server.bindir, runDir });
        expect(verified.trialRestore).toBe(true);
      } finally {
        await fetched.close();
      }
    } finally {
      process.env.PATH = path0;
    }
  });

  it('a pg_dump that fails halfway aborts the upload: no object, no manifest, no parts kept', async () => {
    const bin = path.join(work, 'failing-bin');
    rmSync(bin, { recursive: true, force: true });
    mkdirSync(bin);
    // The real dump's first 20 MB (two parts sent), then the failure pg_dump would report.
    writeFileSync(path.join(bin, 'pg_dump'), `#!/bin/sh\ncase "$1" in --version) exec '${server.bindir}/pg_dump' --version;; esac\n'${server.bindir}/pg_dump' "$@" | head -c 20000000\necho 'pg_dump: error: could not write to output file' >&2\nexit 1\n`);
    chmodSync(path.join(bin, 'pg_dump'), 0o755);
    const error = await rejection(backupPostgres({
      source, backupDir: work, format: 'custom', jobs: 1, compression: 'none', binDir: bin, name: 'failed',
      objectStorage: { settings, location: parseS3Url(`s3://${BUCKET}/prod`, 'object-storage') },
    }));
    expect(error.message).toMatch(/^pg_dump: exited with code 1: pg_dump: error: could not write to output file/);
    expect(await keys('prod/failed/')).toEqual([]);
    expect(openUploads()).toEqual([]);
  });

  it('a database that fails once the bucket is opened and the prefix claimed leaves no claim behind', async () => {
    const runDir = await createRunDir(work);
    // A "database" that hangs up only once the prefix is in the run's ledger: the bucket is opened
    // while the database is connected to, and the failure comes after the claim, deterministically.
    const database = net.createServer((socket) => {
      void (async () => {
        while (!socket.destroyed && !('object-backup' in (await runDir.entries()))) await new Promise((resolve) => setTimeout(resolve, 10));
        socket.destroy();
      })();
    });
    await new Promise<void>((resolve) => database.listen(0, '127.0.0.1', resolve));
    try {
      const error = await rejection(backupPostgres({
        source: pgTarget(server, 'kong', { port: (database.address() as net.AddressInfo).port }), backupDir: work, format: 'custom', jobs: 1, compression: 'none', binDir: server.bindir, name: 'unreachable',
        objectStorage: { settings, location: parseS3Url(`s3://${BUCKET}/prod`, 'object-storage') }, runDir,
      }));
      expect(error.message).toMatch(/connecting to the source database/);
    } finally {
      database.close();
    }
    expect(await runDir.entries()).toEqual({});
    expect(await keys('prod/unreachable/')).toEqual([]);
    expect(openUploads()).toEqual([]);
  });

  it('refuses to write under a prefix that holds objects already', async () => {
    const error = await rejection(backupPostgres({
      source, backupDir: work, format: 'custom', jobs: 1, compression: 'none', binDir: server.bindir, name: 'plain',
      objectStorage: { settings, location: parseS3Url(`s3://${BUCKET}/prod`, 'object-storage') },
    }));
    expect(error.message).toBe(`input 'object-storage': s3://${BUCKET}/prod/plain/ holds objects already; a backup is written under a prefix of its own`);
  });
});

describe('reading a backup from the bucket refuses what is not what was backed up', () => {
  it('an archive altered in the bucket (same size) is refused and nothing of it is kept', async () => {
    const backup = await backupPostgres({
      source, backupDir: work, format: 'custom', jobs: 1, compression: 'auto', binDir: server.bindir, name: 'tampered',
      objectStorage: { settings, location: parseS3Url(`s3://${BUCKET}/prod`, 'object-storage') },
    });
    const file = objectFile('prod/tampered/kong.dump');
    const bytes = readFileSync(file);
    bytes[bytes.length >> 1] = 0xff - bytes[bytes.length >> 1]!;
    writeFileSync(file, bytes);
    const runDir = await createRunDir(work);
    const error = await rejection(fetchBackup(backup.manifestPath, settings, 'manifest', runDir, () => {}));
    expect(error.message).toMatch(new RegExp(`^input 'manifest': s3://${BUCKET}/prod/tampered/kong\\.dump: ${bytes.length} bytes with SHA-256 [0-9a-f]{12}…, the manifest says ${bytes.length} bytes with ${backup.manifest.files[0]!.sha256.slice(0, 12)}…: the archive in the bucket is damaged or altered; refused$`));
    expect(readdirSync(runDir.path)).toEqual(['ledger']);
  });

  it('a manifest altered in the bucket fails the store\'s own checksum, which the SDK checks', async () => {
    await backupPostgres({
      source, backupDir: work, format: 'custom', jobs: 1, compression: 'auto', binDir: server.bindir, name: 'manifest-altered',
      objectStorage: { settings, location: parseS3Url(`s3://${BUCKET}/prod`, 'object-storage') },
    });
    const file = objectFile('prod/manifest-altered/manifest.json');
    const text = readFileSync(file, 'utf8');
    const altered = text.replace('"services": 150', '"services": 151');
    expect(altered).not.toBe(text);
    writeFileSync(file, altered);
    const error = await rejection(fetchBackup(`s3://${BUCKET}/prod/manifest-altered/manifest.json`, settings, 'manifest', undefined, () => {}));
    expect(error.message).toMatch(/^input 'manifest': s3:\/\/kong-backups\/prod\/manifest-altered\/manifest\.json: the store's checksum does not match what was downloaded/);
  });

  it('a missing manifest or bucket names the input', async () => {
    const missing = await rejection(fetchBackup(`s3://${BUCKET}/nowhere/manifest.json`, settings, 'manifest', undefined, () => {}));
    expect(missing.message).toMatch(/^input 'manifest': reading s3:\/\/kong-backups\/nowhere\/manifest\.json at http:\/\/127\.0\.0\.1:\d+: NoSuchKey .*: no such object$/);
    const store = await ObjectStore.open(settings, 'object-storage');
    try {
      const noBucket = await rejection(store.isEmpty(parseS3Url('s3://no-such-bucket/x', 'object-storage')));
      expect(noBucket.message).toMatch(/^input 'object-storage': listing s3:\/\/no-such-bucket\/x\/ at http:\/\/127\.0\.0\.1:\d+: NoSuchBucket .*: the bucket does not exist$/);
    } finally {
      store.close();
    }
  });
});
