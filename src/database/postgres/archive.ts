import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { inputError, stepError } from '../../lib/errors.js';
import { execCommand } from '../../lib/exec.js';
import type { RunDir } from '../../lib/run-dir.js';
import { checkBackupChecksums, inspectBackup } from '../backup-files.js';
import { decryptFiles, type EncryptionOptions } from '../encryption.js';
import type { BackupManifest } from '../manifest.js';

/** An archive checked against its manifest and, when encrypted, decrypted to a work folder. */
export interface OpenedArchive {
  readonly manifest: BackupManifest;
  readonly manifestPath: string;
  readonly folder: string;
  /** The plain pg_dump archive (file or folder) pg_restore reads. */
  readonly dumpPath: string;
  /**
   * Settles once the files are checked against the manifest and rejects when one differs:
   * already fulfilled when opened, unless opened with `deferChecksums`.
   */
  readonly checksums: Promise<void>;
  close(): Promise<void>;
}

export interface OpenArchiveOptions {
  readonly manifestPath: string;
  /** The input that named the manifest, for errors. */
  readonly manifestInput: string;
  readonly encryption?: EncryptionOptions | undefined;
  /** Where decrypted copies go; default the run folder, else the OS temp dir. */
  readonly workDir?: string | undefined;
  /** The run's private folder and ledger: decrypted copies and gpg's home go inside it. */
  readonly runDir?: RunDir | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly log?: ((line: string) => void) | undefined;
  /**
   * Return before the checksums are checked; the caller must await `checksums` before anything
   * it did with the archive becomes visible (restore-method swap restores into a scratch database
   * meanwhile). Decryption still finishes before this returns, and stops if a checksum fails.
   */
  readonly deferChecksums?: boolean | undefined;
}

/**
 * Reads and inspects the manifest (backup-files.ts: fields, paths, the archive it vouches for),
 * refuses an archive whose files differ from it (size, SHA-256, missing), then decrypts if
 * needed. Nothing is restored from an archive that fails this: checked before it returns, or
 * with `deferChecksums` through `checksums`, which the caller awaits.
 */
export async function openArchive(options: OpenArchiveOptions): Promise<OpenedArchive> {
  const backup = await inspectBackup(options.manifestPath, options.manifestInput);
  const { manifest, manifestPath, folder } = backup;
  const checksums = checkBackupChecksums(backup, options.manifestInput, options.log);
  // Handled here so that a failure the caller has not awaited yet (deferChecksums) is not an
  // unhandled rejection that ends the process; the caller still sees it through `checksums`.
  checksums.catch(() => {});
  if (!options.deferChecksums) await checksums;
  const settled = () => checksums.then(() => {}, () => {});
  const dumpPath = backup.archivePath;
  if (manifest.encryption.method === 'none') {
    return { manifest, manifestPath, folder, dumpPath, checksums, close: settled };
  }
  if (!options.encryption) {
    await settled();
    throw inputError(
      manifest.encryption.method === 'gpg-symmetric' ? 'encryption-passphrase' : 'encryption-private-key',
      `the archive is encrypted (${manifest.encryption.method}); give the secret to decrypt it`,
    );
  }
  // A failed checksum stops a decryption running beside it: its output would never be used.
  const stop = new AbortController();
  checksums.catch(() => stop.abort());
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const work = await mkdtemp(path.join(options.runDir?.path ?? options.workDir ?? os.tmpdir(), 'kong-restore-'));
  try {
    await decryptFiles(folder, manifest.files.map((f) => f.path), work, options.encryption, signal, options.runDir);
  } catch (error) {
    await rm(work, { recursive: true, force: true });
    // A damaged archive explains a failed (or stopped) decryption better than gpg's message.
    await checksums;
    throw error;
  }
  options.log?.('Archive decrypted into a temporary folder');
  const plain = manifest.archive.path.endsWith('.gpg') ? manifest.archive.path.slice(0, -4) : manifest.archive.path;
  return {
    manifest, manifestPath, folder, dumpPath: path.join(work, plain), checksums,
    close: async () => {
      await settled();
      await rm(work, { recursive: true, force: true });
    },
  };
}

/** `pg_restore --list`: the archive's table of contents is readable and holds table data. */
export async function listArchive(pgRestore: string, dumpPath: string): Promise<{ entries: number; tableData: number }> {
  const result = await execCommand({ command: pgRestore, args: ['--list', dumpPath] });
  if (result.exitCode !== 0) throw stepError('pg_restore --list', `cannot read the archive: ${result.stderr.trim().split('\n').slice(-2).join(' / ')}`);
  const lines = result.stdout.split('\n').filter((line) => /^\d+;/.test(line));
  return { entries: lines.length, tableData: lines.filter((line) => / TABLE DATA /.test(line)).length };
}
