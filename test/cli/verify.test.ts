// `kong-upgrade verify`: a backup-db backup checked at a terminal, through the committed CLI
// bundle (bin/kong-upgrade.js), on a real PostgreSQL with a Kong-shaped database.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupPostgres, type BackupResult } from '../../src/database/postgres/dump.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { createKongDatabase, pgTarget } from '../database/kong-db.js';

let server: PostgresServer;
let work: string;
let plain: BackupResult;
let encrypted: BackupResult;
const PASSPHRASE = 'correct horse battery staple';

beforeAll(async () => {
  server = await startPostgres({ database: 'postgres' });
  await createKongDatabase(server, 'kong');
  work = mkdtempSync(path.join(os.tmpdir(), 'cli-verify-'));
  const options = { source: pgTarget(server, 'kong'), format: 'custom' as const, jobs: 1, compression: 'auto', binDir: server.bindir };
  plain = await backupPostgres({ ...options, backupDir: path.join(work, 'plain') });
  encrypted = await backupPostgres({ ...options, backupDir: path.join(work, 'encrypted'), encryption: { method: 'gpg-symmetric', passphrase: PASSPHRASE } });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

function cli(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin/kong-upgrade.js'), 'verify', ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('kong-upgrade verify', () => {
  it('verifies checksums and the archive; with --trial-restore the copy\'s fingerprint, the password only in the environment', () => {
    const quick = cli(['--manifest', plain.manifestPath, '--pg-bin-dir', server.bindir]);
    expect(quick.code).toBe(0);
    expect(quick.stdout).toContain(`Backup verified: ${plain.manifestPath}`);
    expect(quick.stdout).toContain('checksums match');
    expect(quick.stdout).toMatch(/pg_restore --list reads \d+ entries, \d+ with table data/);
    expect(quick.stdout).toContain('not tried (--trial-restore)');

    const trial = cli(['--manifest', plain.manifestPath, '--pg-bin-dir', server.bindir, '--trial-restore'], {
      KONG_UPGRADE_DATABASE_URL: `postgres://${server.user}:${server.password}@${server.host}:${server.port}/postgres?sslmode=disable`,
    });
    expect(trial.stderr).not.toContain(server.password);
    expect(trial.code).toBe(0);
    expect(trial.stdout).toContain('trial restore into a scratch database: fingerprint equals the manifest');
    expect(trial.stdout).toContain(plain.manifest.fingerprint.digest);
  });

  it('refuses a flipped byte naming the file, and a missing manifest naming the flag', () => {
    const dir = mkdtempSync(path.join(work, 'flipped-'));
    const copy = path.join(dir, 'manifest.json');
    writeFileSync(copy, readFileSync(plain.manifestPath));
    const archive = readFileSync(plain.archivePath);
    archive[archive.length >> 1]! ^= 0xff;
    writeFileSync(path.join(dir, path.basename(plain.archivePath)), archive);
    const flipped = cli(['--manifest', copy, '--pg-bin-dir', server.bindir]);
    expect(flipped.code).toBe(1);
    expect(flipped.stderr).toMatch(/kong\.dump: SHA-256 [0-9a-f]{12}…, manifest says/);
    expect(flipped.stdout).toBe('');

    const missing = cli([]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe("kong-upgrade: input 'manifest': is required for mode verify: the manifest.json a backup wrote (a path, or s3://bucket/prefix/manifest.json)");
  });

  it('refuses a manifest whose archive lies outside its folder, or that lists no file, naming the field; nothing says verified', () => {
    const tamper = (name: string, edit: (manifest: Record<string, any>) => void) => {
      const dir = mkdtempSync(path.join(work, `${name}-`));
      const folder = path.join(dir, 'backup');
      mkdirSync(folder);
      copyFileSync(plain.archivePath, path.join(folder, path.basename(plain.archivePath)));
      const manifest = JSON.parse(readFileSync(plain.manifestPath, 'utf8'));
      edit(manifest);
      writeFileSync(path.join(folder, 'manifest.json'), JSON.stringify(manifest));
      return path.join(folder, 'manifest.json');
    };
    const elsewhere = tamper('elsewhere', (m) => {
      m.archive.path = '../elsewhere/kong.dump';
    });
    mkdirSync(path.join(path.dirname(elsewhere), '../elsewhere'));
    copyFileSync(plain.archivePath, path.join(path.dirname(elsewhere), '../elsewhere/kong.dump'));
    const outside = cli(['--manifest', elsewhere, '--pg-bin-dir', server.bindir]);
    expect(outside.code).toBe(1);
    expect(outside.stderr).toMatch(/^kong-upgrade: input 'manifest': .* archive\.path "\.\.\/elsewhere\/kong\.dump" leaves the backup folder/m);
    expect(outside.stdout).toBe('');

    const empty = cli(['--manifest', tamper('empty', (m) => (m.files = [])), '--pg-bin-dir', server.bindir]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/input 'manifest': .*files lists no file/);
    expect(empty.stdout).toBe('');

    // Both edits at once (issue 19: this exited 0 with "0 file(s) … checksums match").
    const both = cli(['--manifest', tamper('both', (m) => {
      m.files = [];
      m.archive.path = '../elsewhere/kong.dump';
    }), '--pg-bin-dir', server.bindir]);
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(/input 'manifest': .* archive\.path "\.\.\/elsewhere\/kong\.dump" leaves the backup folder/);
    expect(both.stdout).toBe('');
  });

  it('decrypts with the passphrase from KONG_UPGRADE_ENCRYPTION_PASSPHRASE, and refuses without it', () => {
    const ok = cli(['--manifest', encrypted.manifestPath, '--pg-bin-dir', server.bindir], { KONG_UPGRADE_ENCRYPTION_PASSPHRASE: PASSPHRASE });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('encryption gpg-symmetric');
    expect(ok.stdout).toContain('checksums match');
    const without = cli(['--manifest', encrypted.manifestPath, '--pg-bin-dir', server.bindir]);
    expect(without.code).toBe(1);
    expect(without.stderr).toMatch(/encryption/);
  });
});
