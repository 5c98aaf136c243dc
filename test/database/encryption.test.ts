import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EncryptionOptions } from '../../src/database/encryption.js';
import { readManifest } from '../../src/database/manifest.js';
import { withDatabase, type DatabaseTarget } from '../../src/database/postgres/connect.js';
import { backupPostgres } from '../../src/database/postgres/dump.js';
import { restorePostgres } from '../../src/database/postgres/restore.js';
import { verifyBackup } from '../../src/database/postgres/verify.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { withClient } from '../kong-sim/helpers.js';
import { makeKeyPair, type KeyPair } from './gpg-keys.js';
import { createKongDatabase, pgTarget, rejection, subdir } from './kong-db.js';

/**
 * gpg-recipient archives (encrypted to public keys, decrypted with the private key) end to end
 * against a real PostgreSQL, plus the failures an operator meets: no key, the wrong key, a
 * protected key's passphrase, and a full disk while decrypting. The gpg-symmetric round trip is
 * in postgres-backup.test.ts.
 */

let server: PostgresServer;
let work: string;
let source: DatabaseTarget;
let backupKey: KeyPair;
let otherKey: KeyPair;
let protectedKey: KeyPair;
const PROTECTED_PASSPHRASE = 'the key passphrase 4711';
let savedTmpdir: string | undefined;
let tmp: string;

const target = (database: string, overrides: Partial<DatabaseTarget['db']> = {}) => pgTarget(server, database, overrides);
const dir = (name: string) => subdir(work, name);

beforeAll(async () => {
  server = await startPostgres({ database: 'postgres' });
  await createKongDatabase(server, 'kong');
  work = mkdtempSync(path.join(os.tmpdir(), 'encryption-test-'));
  source = target('kong');
  backupKey = makeKeyPair(work, 'Kong Backup <backup@example.test>', '');
  otherKey = makeKeyPair(work, 'Someone Else <other@example.test>', '');
  protectedKey = makeKeyPair(work, 'Kong Protected <protected@example.test>', PROTECTED_PASSPHRASE);
  // The throwaway GNUPGHOMEs (kgpg-*) go under os.tmpdir(): point it at a folder of our own so
  // each test can check that none outlives the call.
  savedTmpdir = process.env.TMPDIR;
  tmp = dir('tmp');
  process.env.TMPDIR = tmp;
}, 120_000);

afterEach(() => {
  expect(readdirSync(tmp), 'a gpg home or decrypted copy was left in the temp dir').toEqual([]);
});

afterAll(async () => {
  if (savedTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmpdir;
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});




/** The key ids an OpenPGP message is encrypted to, read without any secret key. */
function encryptedTo(file: string): string[] {
  const home = mkdtempSync(path.join(work, 'packets-'));
  try {
    const out = execFileSync('gpg', ['--homedir', home, '--batch', '--no-tty', '--list-only', '--list-packets', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return [...out.matchAll(/:pubkey enc packet: .*keyid ([0-9A-F]{16})/g)].map((m) => m[1]!);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

function recipientBackup(name: string, key: KeyPair, recipient: string) {
  return backupPostgres({
    source, backupDir: dir(name), format: 'custom', jobs: 1, compression: 'auto', binDir: server.bindir,
    encryption: { method: 'gpg-recipient', recipients: [recipient], publicKey: key.publicKey },
  });
}

function decryptWith(key: KeyPair | undefined, passphrase?: string): EncryptionOptions {
  return { method: 'gpg-recipient', recipients: [], ...(key && { privateKey: key.privateKey }), ...(passphrase !== undefined && { passphrase }) };
}

function restore(manifestPath: string, database: string, encryption: EncryptionOptions | undefined, workDir: string) {
  return restorePostgres({
    manifestPath, target: target(database), method: 'swap', jobs: 1,
    allowRestoreOverSource: false, allowLiveConnections: false, binDir: server.bindir, encryption, workDir,
  });
}

/** A database holding only a marker table: whatever a refused restore did to it shows. */
async function markedDatabase(name: string, value: number): Promise<void> {
  await withClient(server, 'postgres', (c) => c.query(`CREATE DATABASE ${name}`));
  await withClient(server, name, (c) => c.query(`CREATE TABLE marker (x int); INSERT INTO marker VALUES (${value})`));
}

async function expectUntouched(name: string, value: number): Promise<void> {
  const marker = await withClient(server, name, (c) => c.query('SELECT x FROM marker'));
  expect(marker.rows, `marker in ${name}`).toEqual([{ x: value }]);
  const tables = await withClient(server, name, (c) => c.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'"));
  expect(tables.rows, `tables in ${name}`).toEqual([{ n: 1 }]);
}

/** Databases `<base>__…` (restore and verify scratch copies) still on the server. */
async function scratchLeft(): Promise<string[]> {
  const result = await withClient(server, 'postgres', (c) => c.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE '%\\_\\_%'"));
  return result.rows.map((row) => row.datname);
}

describe('gpg-recipient', () => {
  it('round-trips: the archive is encrypted to the recipient\'s key only, verify and a swap restore with the private key give the manifest\'s fingerprint', async () => {
    const backup = await recipientBackup('recipient', backupKey, 'backup@example.test');
    expect(backup.archivePath).toMatch(/kong\.dump\.gpg$/);
    expect(existsSync(backup.archivePath.replace(/\.gpg$/, ''))).toBe(false);
    const bytes = readFileSync(backup.archivePath);
    expect(bytes.length).toBeGreaterThan(10_000);
    expect(bytes.includes(Buffer.from('PGDMP'))).toBe(false);
    // Not a plaintext dump that happens to lack the magic: no table name appears either.
    expect(bytes.includes(Buffer.from('keyauth_credentials'))).toBe(false);
    expect(encryptedTo(backup.archivePath)).toEqual([backupKey.encryptionKeyId]);

    const manifest = await readManifest(backup.manifestPath, 'manifest');
    expect(manifest.encryption).toEqual({ method: 'gpg-recipient', recipients: ['backup@example.test'] });
    expect(manifest.archive.path).toBe('kong.dump.gpg');
    expect(manifest.files.map((f) => f.path)).toEqual(['kong.dump.gpg']);
    expect(readdirSync(path.dirname(backup.manifestPath)).sort()).toEqual(['kong.dump.gpg', 'manifest.json']);

    const workDir = dir('recipient-work');
    const verified = await verifyBackup({
      manifestPath: backup.manifestPath, binDir: server.bindir, encryption: decryptWith(backupKey),
      trialServer: withDatabase(source, 'postgres'), workDir,
    });
    expect(verified.trialRestore).toBe(true);
    expect(verified.tableData).toBeGreaterThan(10);
    expect(verified.manifest.fingerprint.digest).toBe(manifest.fingerprint.digest);

    await markedDatabase('kong_rcpt', 1);
    const restored = await restore(backup.manifestPath, 'kong_rcpt', decryptWith(backupKey), workDir);
    expect(restored.manifest!.fingerprint).toEqual(manifest.fingerprint);
    expect(restored.manifest!.counts).toEqual(manifest.counts);
    expect(restored.manifest!.encryption).toEqual(manifest.encryption);
    const services = await withClient(server, 'kong_rcpt', (c) => c.query<{ n: number }>('SELECT count(*)::int AS n FROM services'));
    expect(services.rows).toEqual([{ n: 200 }]);
    const marker = await withClient(server, 'kong_rcpt', (c) => c.query("SELECT 1 FROM pg_tables WHERE tablename = 'marker'"));
    expect(marker.rows).toEqual([]);
    expect(await scratchLeft()).toEqual([]);
    // The decrypted copy lived in the work dir only while it was used; nothing decrypted beside the archive.
    expect(readdirSync(workDir)).toEqual([]);
    expect(readdirSync(path.dirname(backup.manifestPath)).sort()).toEqual(['kong.dump.gpg', 'manifest.json', restored.manifestPath!.split(path.sep).pop()].sort());
  });

  it('without the private key, or with another key pair\'s, verify and restore refuse naming encryption-private-key; the target is untouched, no scratch database is left', async () => {
    const backup = await recipientBackup('recipient-refused', backupKey, 'backup@example.test');
    const folder = path.dirname(backup.manifestPath);
    const workDir = dir('recipient-refused-work');
    await markedDatabase('kong_rcpt_refused', 2);

    const cases: Array<[string, EncryptionOptions | undefined, RegExp]> = [
      ['no encryption options', undefined, /the archive is encrypted \(gpg-recipient\); give the secret to decrypt it/],
      ['gpg-recipient without privateKey', decryptWith(undefined), /is required to decrypt an archive encrypted to recipients/],
      ['another key pair', decryptWith(otherKey), new RegExp(`is not a key this archive is encrypted to: kong\\.dump\\.gpg is encrypted to ${backupKey.encryptionKeyId}; the key given: .*${otherKey.encryptionKeyId}`)],
      ['a public key given as the private key', { method: 'gpg-recipient', recipients: [], privateKey: backupKey.publicKey }, /holds no private key/],
      ['not a key at all', { method: 'gpg-recipient', recipients: [], privateKey: 'not a key' }, /gpg could not import it: .*no valid OpenPGP data found/],
      // What the restore inputs amount to when only encryption-passphrase is set (the method is inferred as symmetric).
      ['a passphrase only', { method: 'gpg-symmetric', passphrase: 'correct horse battery staple' }, new RegExp(`encrypted to public key\\(s\\) ${backupKey.encryptionKeyId}, not with a passphrase`)],
    ];
    for (const [label, encryption, message] of cases) {
      const verify = await rejection(verifyBackup({ manifestPath: backup.manifestPath, binDir: server.bindir, encryption, trialServer: withDatabase(source, 'postgres'), workDir }));
      expect(verify.origin, `verify, ${label}: ${verify.message}`).toEqual({ input: 'encryption-private-key' });
      expect(verify.message, `verify, ${label}`).toMatch(message);

      const refused = await rejection(restore(backup.manifestPath, 'kong_rcpt_refused', encryption, workDir));
      expect(refused.origin, `restore, ${label}: ${refused.message}`).toEqual({ input: 'encryption-private-key' });
      expect(refused.message, `restore, ${label}`).toMatch(message);
      expect(refused.message, 'no key material in the message').not.toMatch(/BEGIN PGP|[A-Za-z0-9+/]{40}/);
      await expectUntouched('kong_rcpt_refused', 2);
      expect(await scratchLeft(), label).toEqual([]);
      expect(readdirSync(workDir), label).toEqual([]);
      expect(readdirSync(folder).sort(), label).toEqual(['kong.dump.gpg', 'manifest.json']);
    }
  });

  it('a passphrase-protected private key: decrypts with its passphrase; a wrong or missing passphrase is refused naming encryption-passphrase', async () => {
    const backup = await recipientBackup('recipient-protected', protectedKey, 'protected@example.test');
    expect(encryptedTo(backup.archivePath)).toEqual([protectedKey.encryptionKeyId]);
    const workDir = dir('recipient-protected-work');
    await markedDatabase('kong_rcpt_protected', 3);

    for (const [label, passphrase, message] of [
      ['wrong passphrase', 'not the passphrase', new RegExp(`is wrong for the private key ${protectedKey.encryptionKeyId}`)],
      ['no passphrase', undefined, new RegExp(`the private key ${protectedKey.encryptionKeyId} is protected by a passphrase`)],
    ] as const) {
      const verify = await rejection(verifyBackup({ manifestPath: backup.manifestPath, binDir: server.bindir, encryption: decryptWith(protectedKey, passphrase), workDir }));
      expect(verify.origin, `verify, ${label}: ${verify.message}`).toEqual({ input: 'encryption-passphrase' });
      expect(verify.message, `verify, ${label}`).toMatch(message);
      expect(verify.message).not.toContain(PROTECTED_PASSPHRASE);
      const refused = await rejection(restore(backup.manifestPath, 'kong_rcpt_protected', decryptWith(protectedKey, passphrase), workDir));
      expect(refused.origin, `restore, ${label}: ${refused.message}`).toEqual({ input: 'encryption-passphrase' });
      expect(refused.message, `restore, ${label}`).toMatch(message);
      await expectUntouched('kong_rcpt_protected', 3);
      expect(await scratchLeft(), label).toEqual([]);
      expect(readdirSync(workDir), label).toEqual([]);
    }

    const verified = await verifyBackup({ manifestPath: backup.manifestPath, binDir: server.bindir, encryption: decryptWith(protectedKey, PROTECTED_PASSPHRASE), workDir });
    expect(verified.tableData).toBeGreaterThan(10);
    const restored = await restore(backup.manifestPath, 'kong_rcpt_protected', decryptWith(protectedKey, PROTECTED_PASSPHRASE), workDir);
    expect(restored.manifest!.fingerprint).toEqual(backup.manifest.fingerprint);
    expect(await scratchLeft()).toEqual([]);
    expect(readdirSync(workDir)).toEqual([]);
  });

  it('a full disk while decrypting (file size limit on gpg): restore fails saying there is no room for the decrypted archive, leaves the target, no scratch database and no plaintext', async () => {
    const backup = await recipientBackup('recipient-full', backupKey, 'backup@example.test');
    const folder = path.dirname(backup.manifestPath);
    const workDir = dir('recipient-full-work');
    await markedDatabase('kong_rcpt_full', 4);

    // ulimit -f counts 512-byte blocks in dash (1024 in bash): a quarter (or half) of the plaintext either way.
    const bin = gpgWrapper('gpg-full-bin', Math.max(1, Math.floor(backup.manifest.archive.sizeBytes / 2048)));
    const error = await withPath(bin.dir, () => rejection(restore(backup.manifestPath, 'kong_rcpt_full', decryptWith(backupKey), workDir)));
    // The wrapper is what decrypted (so the limit applied to the decryption).
    expect(readFileSync(bin.calls, 'utf8')).toMatch(/--decrypt/);
    expect(error.origin, error.message).toEqual({ step: 'decrypting the archive' });
    expect(error.message).toMatch(new RegExp(`no room to write the decrypted archive in ${escape(workDir)}/kong-restore-\\w+: file size limit exceeded \\(SIGXFSZ\\)`));
    await expectUntouched('kong_rcpt_full', 4);
    expect(await scratchLeft()).toEqual([]);
    expect(readdirSync(workDir)).toEqual([]);
    expect(readdirSync(folder).sort()).toEqual(['kong.dump.gpg', 'manifest.json']);

    // With room again, the same archive restores: the failure was the disk, not the archive.
    const restored = await restore(backup.manifestPath, 'kong_rcpt_full', decryptWith(backupKey), workDir);
    expect(restored.manifest!.fingerprint).toEqual(backup.manifest.fingerprint);
  });

  it('a full disk while encrypting the backup names backup-dir (not encryption-recipients) and leaves nothing in it', async () => {
    const backupDir = dir('recipient-full-backup');
    // 8 blocks: 4 KiB (dash) or 8 KiB (bash), below the >10 kB archive the round trip checks.
    const bin = gpgWrapper('gpg-full-backup-bin', 8);
    const error = await withPath(bin.dir, () => rejection(recipientBackup('recipient-full-backup', backupKey, 'backup@example.test')));
    expect(readFileSync(bin.calls, 'utf8')).toMatch(/--encrypt/);
    expect(error.origin, error.message).toEqual({ input: 'backup-dir' });
    expect(error.message).toMatch(new RegExp(`no room to write the encrypted archive in ${escape(backupDir)}/`));
    expect(error.message).toMatch(/file size limit exceeded \(SIGXFSZ\)/);
    expect(readdirSync(backupDir)).toEqual([]);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A bin dir whose `gpg` logs its arguments, then runs /usr/bin/gpg under `ulimit -f blocks`. */
function gpgWrapper(name: string, blocks: number): { dir: string; calls: string } {
  const bin = dir(name);
  const calls = path.join(bin, 'calls.log');
  writeFileSync(path.join(bin, 'gpg'), `#!/bin/sh\necho "$*" >> '${calls}'\nulimit -f ${blocks}\nexec /usr/bin/gpg "$@"\n`);
  chmodSync(path.join(bin, 'gpg'), 0o755);
  return { dir: bin, calls };
}

/** Runs `fn` with `bin` first on PATH (the suite finds gpg there), restoring PATH after. */
async function withPath<T>(bin: string, fn: () => Promise<T>): Promise<T> {
  const saved = process.env.PATH;
  process.env.PATH = `${bin}${path.delimiter}${saved ?? ''}`;
  try {
    return await fn();
  } finally {
    process.env.PATH = saved;
  }
}
