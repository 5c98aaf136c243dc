import { readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { inputError } from '../lib/errors.js';
import { archiveChecksum, checkFiles } from './checksums.js';
import { ENCRYPTED_SUFFIX } from './encryption.js';
import { readManifest, type BackupManifest } from './manifest.js';

/** A backup whose manifest was read and checked, and whose files lie inside its folder. */
export interface BackupFiles {
  readonly manifest: BackupManifest;
  readonly manifestPath: string;
  /** The manifest's folder, symlinks resolved: every file of the backup lies inside it. */
  readonly folder: string;
  /** The archive (file or folder) as listed in the manifest. */
  readonly archivePath: string;
}

/**
 * What verify, restore and migrate's backup gate read before any byte of the archive: the
 * manifest's fields (readManifest), then that it vouches for the archive it names: at least one
 * file, the archive is exactly the file (custom) or the folder of the files (directory) it lists
 * with their checksums, every path stays inside the backup folder (no `..`, no absolute path, no
 * symlink leading out), and a directory archive holds no file it does not list (pg_restore reads
 * `3.dat` before the listed `3.dat.gz`). The sizes and SHA-256s are checked by checkBackupChecksums.
 */
export async function inspectBackup(manifestPath: string, input: string): Promise<BackupFiles> {
  const file = path.resolve(manifestPath);
  const manifest = await readManifest(file, input);
  const refuse = (detail: string) => inputError(input, `${file}: ${detail}`);
  const problems = archiveProblems(manifest);
  if (problems.length > 0) throw refuse(`the manifest does not vouch for its archive: ${problems.join('; ')}`);
  const folder = await realpath(path.dirname(file));
  for (const listed of manifest.files) {
    const real = await realpath(path.join(folder, listed.path)).catch(() => undefined);
    // A missing file is the checksums' to report, with the others.
    if (real !== undefined && !inside(folder, real)) throw refuse(`${listed.path} leads outside the backup folder (to ${real})`);
  }
  if (manifest.dump.format === 'directory') {
    const unlisted = await unlistedFiles(folder, manifest);
    if (unlisted.length > 0) {
      throw refuse(`${manifest.archive.path} holds ${unlisted.length} file${unlisted.length === 1 ? '' : 's'} the manifest does not list (${unlisted.slice(0, 5).join(', ')}): pg_restore would read them unchecked`);
    }
  }
  return { manifest, manifestPath: file, folder, archivePath: path.join(folder, manifest.archive.path) };
}

/** Sizes and SHA-256 of every file, streamed; the error names `input`, the manifest's. */
export async function checkBackupChecksums(backup: BackupFiles, input: string, log?: (line: string) => void): Promise<void> {
  const problems = await checkFiles(backup.folder, backup.manifest.files);
  if (problems.length > 0) {
    throw inputError(input, `checking the archive against its manifest: ${problems.length} file(s) differ, the archive is damaged or altered: ${problems.join('; ')}`);
  }
  log?.(`Checksums match: ${backup.manifest.files.length} file(s), ${backup.manifest.archive.sizeBytes} bytes`);
}

/**
 * The archive a manifest names is there and is what was backed up: inspectBackup, then every
 * checksum. For migrate's backup gate (no rollback point without an archive) and verify.
 */
export async function verifyBackupFiles(manifestPath: string, input: string, options: { readonly log?: (line: string) => void } = {}): Promise<BackupFiles> {
  const backup = await inspectBackup(manifestPath, input);
  await checkBackupChecksums(backup, input, options.log);
  return backup;
}

function archiveProblems(manifest: BackupManifest): string[] {
  const { archive, files, dump, encryption } = manifest;
  if (files.length === 0) return ['files lists no file, so nothing of the archive would be checked'];
  const problems: string[] = [];
  const paths = files.map((f) => f.path);
  if (new Set(paths).size !== paths.length) problems.push('files lists a path twice');
  if (dump.format === 'custom' && (files.length !== 1 || paths[0] !== archive.path)) {
    problems.push(`archive.path ${JSON.stringify(archive.path)} is not the file files[] lists (${paths.slice(0, 3).join(', ')})`);
  }
  if (dump.format === 'directory') {
    const outside = paths.filter((p) => !p.startsWith(`${archive.path}/`));
    if (outside.length > 0) problems.push(`files[] lists ${outside.slice(0, 3).join(', ')} outside the archive folder ${JSON.stringify(archive.path)}`);
  }
  if (archive.checksum !== archiveChecksum(files)) problems.push("archive.checksum is not the checksum of the files[] listed");
  if (archive.sizeBytes !== files.reduce((sum, f) => sum + f.sizeBytes, 0)) problems.push('archive.sizeBytes is not the sum of the files[] listed');
  if (encryption.method !== 'none' && !paths.every((p) => p.endsWith(ENCRYPTED_SUFFIX))) problems.push(`encryption.method is ${encryption.method} but files[] lists files without ${ENCRYPTED_SUFFIX}`);
  if (!/^\d+(\.\d+)*$/.test(dump.toolVersion)) problems.push(`dump.toolVersion ${JSON.stringify(dump.toolVersion)} is not a pg_dump version`);
  return problems;
}

function inside(folder: string, real: string): boolean {
  return real.startsWith(`${folder}${path.sep}`);
}

/** Everything but folders under a directory archive that files[] does not list, relative to `folder`. */
async function unlistedFiles(folder: string, manifest: BackupManifest): Promise<string[]> {
  const listed = new Set(manifest.files.map((f) => f.path));
  const entries = await readdir(path.join(folder, manifest.archive.path), { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => !entry.isDirectory())
    .map((entry) => path.relative(folder, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .filter((p) => !listed.has(p))
    .sort();
}
