// The guard that keeps every path of a backup manifest inside the manifest's folder, on a
// backup made here without PostgreSQL (a file with the bytes, its manifest): the shape of each
// path (no `..`, no absolute path, no backslash, no `.` or empty name, no control character)
// and, for what the paths name, no symlink leading out. manifest-trust.test.ts does the same
// against real pg_dump archives and restores.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectBackup, verifyBackupFiles } from '../../src/database/backup-files.js';
import { archiveChecksum, describeFiles } from '../../src/database/checksums.js';
import { UpgradeError } from '../../src/lib/errors.js';

let work: string;
beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'path-guard-'));
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

const DUMP = 'PGDMP not really a dump, but bytes with a checksum\n';

/** A custom-format backup in work/<name>/backup: kong.dump and a manifest vouching for it, which `edit` may change. */
async function backup(name: string, edit: (manifest: Record<string, any>, folder: string) => void = () => {}): Promise<string> {
  const folder = path.join(work, name, 'backup');
  mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(folder, 'kong.dump'), DUMP);
  const files = await describeFiles(path.join(folder, 'kong.dump'), folder);
  const manifest: Record<string, any> = {
    schema: 'kong-upgrade/backup-manifest@1',
    database: { host: 'localhost', port: 5432, database: 'kong', systemIdentifier: null, serverVersion: '15.6' },
    lineage: { restoredFrom: null },
    kong: { version: '3.4.2', source: 'input' },
    schemaMeta: null,
    counts: {},
    fingerprint: { algorithm: 'row-md5-sum-v1', digest: '0'.repeat(64), tables: {} },
    dump: { tool: 'pg_dump', toolVersion: '15.6', format: 'custom', compression: 'none', jobs: 1, snapshot: '00000003-0000001B-1' },
    encryption: { method: 'none', recipients: [] },
    archive: { path: 'kong.dump', checksum: archiveChecksum(files), sizeBytes: DUMP.length },
    files,
    startedAt: '2025-01-01T00:00:00Z',
    finishedAt: '2025-01-01T00:00:01Z',
  };
  edit(manifest, folder);
  const file = path.join(folder, 'manifest.json');
  writeFileSync(file, JSON.stringify(manifest, null, 2));
  return file;
}

async function refusal(promise: Promise<unknown>): Promise<UpgradeError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'the manifest was accepted').toBeInstanceOf(UpgradeError);
  expect((error as UpgradeError).origin).toEqual({ input: 'manifest' });
  return error as UpgradeError;
}

/** The manifest with both archive.path and files[0].path set to `value`. */
const pathSetTo = (value: unknown) => (manifest: Record<string, any>) => {
  manifest.archive.path = value;
  manifest.files[0].path = value;
};

describe('manifest paths: their shape', () => {
  it('a backup whose paths are plain names inside its folder passes', async () => {
    const manifestPath = await backup('plain');
    const checked = await verifyBackupFiles(manifestPath, 'manifest');
    expect(checked.archivePath).toBe(path.join(checked.folder, 'kong.dump'));
  });

  it.each([
    ['a parent folder', '../elsewhere/kong.dump'],
    ['a parent folder in the middle', 'sub/../../kong.dump'],
    ['an absolute path', '/etc/passwd'],
    ['a parent folder written with backslashes (a Windows runner reads them as separators)', '..\\elsewhere\\kong.dump'],
  ])('%s leaves the backup folder: refused, naming the field', async (_what, value) => {
    const error = await refusal(inspectBackup(await backup(`leaves-${value.length}-${_what.length}`, pathSetTo(value)), 'manifest'));
    expect(error.message).toContain(`files[0].path ${JSON.stringify(value)} leaves the backup folder`);
    expect(error.message).toContain(`archive.path ${JSON.stringify(value)} leaves the backup folder`);
  });

  it.each([
    ['a `.` name', './kong.dump'],
    ['a `.` name in the middle', 'sub/./kong.dump'],
    ['an empty name', 'sub//kong.dump'],
    ['a trailing slash', 'kong.dump/'],
    ['a newline', 'kong\n.dump'],
    ['nothing', ''],
  ])('%s is no path of /-separated names: refused as such, not as leaving', async (_what, value) => {
    const error = await refusal(inspectBackup(await backup(`shape-${_what.length}`, pathSetTo(value)), 'manifest'));
    expect(error.message).toContain(`files[0].path ${JSON.stringify(value)} is not a path of /-separated names`);
    expect(error.message).not.toContain('leaves the backup folder');
  });

  it('a path that is not a string is refused as such', async () => {
    const error = await refusal(inspectBackup(await backup('number', pathSetTo(42)), 'manifest'));
    expect(error.message).toMatch(/files\[0\]\.path is number, expected a string/);
  });
});

describe('manifest paths: where they lead', () => {
  it('a listed file that is a symlink to a file outside the folder is refused, though its bytes match', async () => {
    const manifestPath = await backup('link-out', (_manifest, folder) => {
      const outside = path.join(folder, '..', 'outside.dump');
      writeFileSync(outside, DUMP);
      rmSync(path.join(folder, 'kong.dump'));
      symlinkSync(outside, path.join(folder, 'kong.dump'));
    });
    const error = await refusal(verifyBackupFiles(manifestPath, 'manifest'));
    expect(error.message).toContain(`kong.dump leads outside the backup folder (to ${path.join(work, 'link-out', 'outside.dump')})`);
  });

  it('a folder beside it whose name starts with the backup folder\'s is outside too', async () => {
    const manifestPath = await backup('prefix', (_manifest, folder) => {
      const sibling = `${folder}-evil`;
      mkdirSync(sibling);
      writeFileSync(path.join(sibling, 'kong.dump'), DUMP);
      rmSync(path.join(folder, 'kong.dump'));
      symlinkSync(path.join(sibling, 'kong.dump'), path.join(folder, 'kong.dump'));
    });
    const error = await refusal(verifyBackupFiles(manifestPath, 'manifest'));
    expect(error.message).toContain('kong.dump leads outside the backup folder');
  });

  it('a symlink to a file inside the folder, and a folder reached through a symlink, pass', async () => {
    const inside = await backup('link-in', (_manifest, folder) => {
      mkdirSync(path.join(folder, 'data'));
      writeFileSync(path.join(folder, 'data', 'real.dump'), DUMP);
      rmSync(path.join(folder, 'kong.dump'));
      symlinkSync(path.join(folder, 'data', 'real.dump'), path.join(folder, 'kong.dump'));
    });
    await expect(verifyBackupFiles(inside, 'manifest')).resolves.toMatchObject({ folder: path.dirname(inside) });

    const plain = await backup('through-link');
    symlinkSync(path.dirname(plain), path.join(work, 'link-to-backup'));
    const checked = await verifyBackupFiles(path.join(work, 'link-to-backup', 'manifest.json'), 'manifest');
    expect(checked.folder).toBe(path.dirname(plain));
  });
});
