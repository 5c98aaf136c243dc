import path from 'node:path';
import { inputError, UpgradeError } from '../lib/errors.js';
import { readBoolean, readEnum, readList, readPositiveInteger, readSecret, readString, type InputSource } from '../lib/inputs.js';
import { readDatabaseInputs } from '../lib/shared-inputs.js';
import type { EncryptionOptions } from './encryption.js';
import { targetFromInputs, type DatabaseTarget } from './postgres/connect.js';
import type { DumpFormat } from './postgres/dump.js';
import type { RestoreMethod } from './postgres/restore.js';

/**
 * backup-db's inputs, all read and validated before any side effect (DESIGN.md). Secrets
 * (passwords, passphrase, private key) are masked as they are read.
 */
export type BackupRequest =
  | { readonly mode: 'backup'; readonly common: Common; readonly source: DatabaseTarget; readonly backupDir: string; readonly format: DumpFormat; readonly compression: string; readonly kongVersion: string | undefined }
  | { readonly mode: 'verify'; readonly common: Common; readonly manifest: string; readonly trialServer: DatabaseTarget | undefined }
  | {
      readonly mode: 'restore';
      readonly common: Common;
      readonly manifest: string;
      readonly target: DatabaseTarget;
      readonly method: RestoreMethod;
      readonly allowRestoreOverSource: boolean;
      readonly allowLiveConnections: boolean;
      readonly maintenanceDatabase: string;
    };

interface Common {
  readonly jobs: number;
  readonly binDir: string | undefined;
  readonly encryption: EncryptionOptions | undefined;
  readonly dryRun: boolean;
  readonly workDir: string;
}

export function readBackupRequest(source: InputSource, env: NodeJS.ProcessEnv = process.env): BackupRequest {
  const mode = readEnum(source, 'mode', ['backup', 'verify', 'restore'] as const, 'backup');
  const workDir = env.RUNNER_TEMP ?? process.cwd();
  const common: Common = {
    jobs: readPositiveInteger(source, 'jobs', 1),
    binDir: readString(source, 'pg-bin-dir'),
    encryption: readEncryption(source, mode),
    dryRun: readBoolean(source, 'dry-run', false),
    workDir,
  };
  const database = readDatabaseInputs(source);
  const sourceTarget = database && targetFromInputs(database, readString(source, 'database-url') !== undefined);
  const target = readTargetDatabase(source);

  if (mode === 'backup') {
    if (!sourceTarget) throw inputError('database-url', 'is required for mode backup (or pg-host and the other pg-* inputs)');
    const format = readEnum(source, 'format', ['custom', 'directory'] as const, 'custom');
    if (format === 'custom' && common.jobs > 1) {
      throw inputError('jobs', 'pg_dump runs parallel jobs only with format directory; use format: directory, or jobs: 1 (custom archives still restore in parallel)');
    }
    return {
      mode,
      common,
      source: sourceTarget,
      backupDir: path.resolve(readString(source, 'backup-dir') ?? path.join(workDir, 'kong-backup')),
      format,
      compression: readString(source, 'compression') ?? 'auto',
      kongVersion: readString(source, 'kong-version'),
    };
  }
  const manifest = readString(source, 'manifest');
  if (manifest === undefined) throw inputError('manifest', `is required for mode ${mode}: the manifest.json a backup wrote`);
  if (mode === 'verify') {
    const trial = readBoolean(source, 'trial-restore', false);
    const trialServer = trial ? (target ?? sourceTarget) : undefined;
    if (trial && !trialServer) throw inputError('trial-restore', 'needs a server for the scratch database: give target-database-url (or target-pg-*) or database-url');
    return { mode, common, manifest: path.resolve(manifest), trialServer };
  }
  const restoreTarget = target ?? sourceTarget;
  if (!restoreTarget) throw inputError('target-database-url', 'is required for mode restore (or target-pg-host …, or database-url for restoring into the database given there)');
  return {
    mode,
    common,
    manifest: path.resolve(manifest),
    target: restoreTarget,
    method: readEnum(source, 'restore-method', ['swap', 'clean'] as const, 'swap'),
    allowRestoreOverSource: readBoolean(source, 'allow-restore-over-source', false),
    allowLiveConnections: readBoolean(source, 'allow-live-connections', false),
    maintenanceDatabase: readString(source, 'maintenance-database') ?? 'postgres',
  };
}

/** `target-database-url` / `target-pg-*`: the shared reader under a prefix, errors renamed. */
function readTargetDatabase(source: InputSource): DatabaseTarget | undefined {
  const prefixed: InputSource = { get: (name) => source.get(`target-${name}`), mask: (secret) => source.mask(secret) };
  try {
    const db = readDatabaseInputs(prefixed);
    return db && targetFromInputs(db, readString(prefixed, 'database-url') !== undefined, 'target-');
  } catch (error) {
    if (error instanceof UpgradeError && 'input' in error.origin) {
      const detail = error.message.replace(/^input '[^']+': /, '').replace(/\b(database-url|pg-[a-z]+)\b/g, 'target-$1');
      throw inputError(`target-${error.origin.input}`, detail, error);
    }
    throw error;
  }
}

function readEncryption(source: InputSource, mode: string): EncryptionOptions | undefined {
  const method = readEnum(source, 'encryption', ['none', 'gpg-symmetric', 'gpg-recipient'] as const, 'none');
  const passphrase = readSecret(source, 'encryption-passphrase');
  const privateKey = readSecret(source, 'encryption-private-key');
  const recipients = readList(source, 'encryption-recipients');
  const publicKey = readString(source, 'encryption-public-key');
  // verify/restore: the manifest says how the archive was encrypted; the secret given decides.
  const effective = method !== 'none' ? method : mode === 'backup' ? 'none' : privateKey !== undefined ? 'gpg-recipient' : passphrase !== undefined ? 'gpg-symmetric' : 'none';
  if (effective === 'none') return undefined;
  if (effective === 'gpg-symmetric') {
    if (passphrase === undefined) throw inputError('encryption-passphrase', 'is required with encryption: gpg-symmetric');
    if (mode === 'backup' && passphrase.length < 12) throw inputError('encryption-passphrase', 'is shorter than 12 characters; use a long random secret');
    return { method: 'gpg-symmetric', passphrase };
  }
  if (mode === 'backup' && recipients.length === 0) throw inputError('encryption-recipients', 'is required with encryption: gpg-recipient (key ids, fingerprints or e-mail addresses)');
  return {
    method: 'gpg-recipient',
    recipients,
    ...(publicKey !== undefined && { publicKey }),
    ...(privateKey !== undefined && { privateKey }),
    ...(passphrase !== undefined && { passphrase }),
  };
}
