import path from 'node:path';
import { inputError, UpgradeError } from '../lib/errors.js';
import { readBoolean, readDuration, readEnum, readList, readPositiveInteger, readSecret, readString, type InputSource } from '../lib/inputs.js';
import type { AdminApiTarget } from '../kong/admin-api.js';
import { readAdminInputs } from '../kong/admin-inputs.js';
import { readDatabaseInputs } from './connection-inputs.js';
import { readDeckRelease } from '../lib/deck-release.js';
import { ACCEPTED_VERSION_FORMS, formatKongVersion, tryParseKongVersion } from '../version/kong-version.js';
import { checkPassphrase, type EncryptionOptions } from './encryption.js';
import { quote } from '../lib/json-shape.js';
import { DATABASE_NAME_RULE, isDatabaseName, targetFromInputs, type DatabaseTarget } from './postgres/connect.js';
import type { DumpFormat } from './postgres/dump.js';
import type { RestoreMethod } from './postgres/restore.js';
import { isS3Url, parseS3Url } from './object-storage/location.js';
import type { ObjectStorageTarget } from './object-storage/remote-backup.js';
import { readObjectStorageSettings, type ObjectStorageSettings } from './object-storage/settings.js';

/**
 * backup-db's inputs, all read and validated before any side effect (docs/design.md "Inputs"). Secrets
 * (passwords, passphrase, private key) are masked as they are read.
 */
export type BackupRequest =
  | {
      readonly mode: 'backup';
      readonly common: Common;
      readonly source: DatabaseTarget;
      readonly backupDir: string;
      /** Where the backup goes instead of backupDir (input object-storage). */
      readonly objectStorage: ObjectStorageTarget | undefined;
      readonly format: DumpFormat;
      readonly compression: string;
      readonly kongVersion: string | undefined;
    }
  | {
      readonly mode: 'verify';
      readonly common: Common;
      /** A path, or an s3:// URL read with `objectStorage`. */
      readonly manifest: string;
      readonly objectStorage: ObjectStorageSettings | undefined;
      readonly trialServer: DatabaseTarget | undefined;
    }
  | {
      readonly mode: 'export';
      readonly common: Common;
      readonly admin: AdminApiTarget;
      readonly backupDir: string;
      /** decK to run beside the JSON export, with where to download it from. */
      readonly deck: { readonly version: string; readonly url: string; readonly checksumsUrl: string | undefined } | undefined;
    }
  | {
      readonly mode: 'cassandra-snapshot';
      readonly common: Common;
      readonly backupDir: string;
      readonly hosts: readonly CassandraHost[];
      readonly keyspace: string;
      readonly tag: string | undefined;
      readonly nodetool: string;
      readonly kongVersion: string | undefined;
      readonly jmx: { readonly username: string; readonly password: string } | undefined;
    }
  | {
      readonly mode: 'restore';
      readonly common: Common;
      /** A path, or an s3:// URL read with `objectStorage`. */
      readonly manifest: string;
      readonly objectStorage: ObjectStorageSettings | undefined;
      readonly target: DatabaseTarget;
      readonly method: RestoreMethod;
      readonly allowRestoreOverSource: boolean;
      readonly allowLiveConnections: boolean;
      readonly maintenanceDatabase: string;
      readonly lockTimeoutMs: number;
    };

interface Common {
  readonly jobs: number;
  readonly binDir: string | undefined;
  readonly encryption: EncryptionOptions | undefined;
  readonly dryRun: boolean;
  readonly workDir: string;
}

export interface CassandraHost {
  readonly host: string;
  /** JMX port nodetool talks to (Cassandra's default 7199). */
  readonly port: number;
}

export function readBackupRequest(source: InputSource, env: NodeJS.ProcessEnv = process.env): BackupRequest {
  const mode = readEnum(source, 'mode', ['backup', 'verify', 'restore', 'export', 'cassandra-snapshot'] as const, 'backup');
  const workDir = env.RUNNER_TEMP ?? process.cwd();
  const common: Common = {
    jobs: readPositiveInteger(source, 'jobs', 1),
    binDir: readPath(source, 'pg-bin-dir'),
    encryption: readEncryption(source, mode),
    dryRun: readBoolean(source, 'dry-run', false),
    workDir,
  };
  const database = readDatabaseInputs(source);
  const sourceTarget = database && targetFromInputs(database, readString(source, 'database-url') !== undefined);
  const target = readTargetDatabase(source);

  const backupDir = () => path.resolve(readPath(source, 'backup-dir') ?? path.join(workDir, 'kong-backup'));

  if (mode === 'export') {
    const admin = readAdminInputs(source);
    if (!admin) throw inputError('admin-url', 'is required for mode export: the Admin API to export from, e.g. http://127.0.0.1:8001');
    return { mode, common, admin, backupDir: backupDir(), deck: readDeckRelease(source) };
  }

  if (mode === 'cassandra-snapshot') {
    const hosts = readList(source, 'cassandra-hosts').map((item) => parseCassandraHost(item));
    if (hosts.length === 0) throw inputError('cassandra-hosts', 'is required for mode cassandra-snapshot: every node to snapshot, host or host:jmx-port, newline or comma separated');
    const keyspace = readString(source, 'cassandra-keyspace') ?? 'kong';
    if (!/^\w{1,48}$/.test(keyspace)) throw inputError('cassandra-keyspace', `"${keyspace}" is not a Cassandra keyspace name (letters, digits, _; at most 48)`);
    const tag = readString(source, 'snapshot-tag');
    // The tag becomes a folder name on every node: keep it to characters no shell or path mangles.
    if (tag !== undefined && !/^[A-Za-z0-9._-]{1,100}$/.test(tag)) throw inputError('snapshot-tag', `"${tag}" may hold only letters, digits, '.', '_' and '-'`);
    const username = readString(source, 'jmx-username');
    const password = readSecret(source, 'jmx-password');
    if ((username === undefined) !== (password === undefined)) throw inputError(username === undefined ? 'jmx-username' : 'jmx-password', 'jmx-username and jmx-password go together');
    return {
      mode,
      common,
      backupDir: backupDir(),
      hosts,
      keyspace,
      tag,
      nodetool: readPath(source, 'nodetool-path') ?? 'nodetool',
      kongVersion: readKongVersion(source),
      jmx: username !== undefined && password !== undefined ? { username, password } : undefined,
    };
  }

  if (mode === 'backup') {
    if (!sourceTarget) throw inputError('database-url', 'is required for mode backup (or pg-host and the other pg-* inputs)');
    // The manifest records it, and verify and restore read it back under the same rule.
    checkDatabaseName(sourceTarget);
    const format = readEnum(source, 'format', ['custom', 'directory'] as const, 'custom');
    if (format === 'custom' && common.jobs > 1) {
      throw inputError('jobs', 'pg_dump runs parallel jobs only with format directory; use format: directory, or jobs: 1 (custom archives still restore in parallel)');
    }
    const bucket = readString(source, 'object-storage');
    if (bucket !== undefined && format !== 'custom') throw inputError('format', `is ${format}; a backup to object-storage is streamed as pg_dump writes it, which only format custom does`);
    return {
      mode,
      common,
      source: sourceTarget,
      backupDir: backupDir(),
      objectStorage: bucket === undefined ? undefined : { location: parseS3Url(bucket, 'object-storage'), settings: readObjectStorageSettings(source, env) },
      format,
      compression: readString(source, 'compression') ?? 'auto',
      kongVersion: readKongVersion(source),
    };
  }
  const given = readPath(source, 'manifest');
  if (given === undefined) throw inputError('manifest', `is required for mode ${mode}: the manifest.json a backup wrote (a path, or s3://bucket/prefix/manifest.json)`);
  const remote = isS3Url(given);
  if (remote) parseS3Url(given, 'manifest');
  const manifest = remote ? given : path.resolve(given);
  const objectStorage = remote ? readObjectStorageSettings(source, env) : undefined;
  if (mode === 'verify') {
    const trial = readBoolean(source, 'trial-restore', false);
    const trialServer = trial ? (target ?? sourceTarget) : undefined;
    if (trial && !trialServer) throw inputError('trial-restore', 'needs a server for the scratch database: give target-database-url (or target-pg-*) or database-url');
    return { mode, common, manifest, objectStorage, trialServer };
  }
  const restoreTarget = target ?? sourceTarget;
  if (!restoreTarget) throw inputError('target-database-url', 'is required for mode restore (or target-pg-host …, or database-url for restoring into the database given there)');
  checkDatabaseName(restoreTarget);
  return {
    mode,
    common,
    manifest,
    objectStorage,
    target: restoreTarget,
    method: readEnum(source, 'restore-method', ['swap', 'clean'] as const, 'swap'),
    allowRestoreOverSource: readBoolean(source, 'allow-restore-over-source', false),
    allowLiveConnections: readBoolean(source, 'allow-live-connections', false),
    maintenanceDatabase: readDatabaseName(source, 'maintenance-database') ?? 'postgres',
    lockTimeoutMs: readDuration(source, 'lock-timeout', '30s'),
  };
}

/**
 * A path input: at most PATH_MAX (4096) bytes with names of at most NAME_MAX (255), and no
 * control characters, checked before any file call, which would fail with ENAMETOOLONG or
 * write a name no log line can show.
 */
function readPath(source: InputSource, name: string): string | undefined {
  const value = readString(source, name);
  if (value === undefined) return undefined;
  const allowed = 'a path of at most 4096 bytes, each name at most 255, without control characters';
  if (/\p{Cc}/u.test(value)) throw inputError(name, `${quote(value)} holds a control character; expected ${allowed}`);
  if (Buffer.byteLength(value) > 4096) throw inputError(name, `is ${Buffer.byteLength(value)} bytes long; expected ${allowed}`);
  const long = value.split(/[/\\]/).find((part) => Buffer.byteLength(part) > 255);
  if (long !== undefined) throw inputError(name, `has a name of ${Buffer.byteLength(long)} bytes (${quote(long)}); expected ${allowed}`);
  return value;
}

/** An input naming a database this step connects to or creates (isDatabaseName's rule). */
function readDatabaseName(source: InputSource, name: string): string | undefined {
  const value = readString(source, name);
  if (value !== undefined && !isDatabaseName(value)) throw inputError(name, `${quote(value)} is not a database name (${DATABASE_NAME_RULE})`);
  return value;
}

function checkDatabaseName(target: DatabaseTarget): void {
  const name = target.db.database;
  if (!isDatabaseName(name)) throw inputError(target.inputs.database, `database ${quote(name)} is not a database name this action works with (${DATABASE_NAME_RULE})`);
}

/** `kong-version`: what the manifest records, so a Kong version (or release line, as schema_meta gives). */
function readKongVersion(source: InputSource): string | undefined {
  const value = readString(source, 'kong-version');
  if (value === undefined) return undefined;
  if (/^\d+\.\d+$/.test(value)) return value;
  const version = tryParseKongVersion(value);
  if (!version) throw inputError('kong-version', `${quote(value)} is not a Kong version; accepted forms: ${ACCEPTED_VERSION_FORMS}, or a release line such as 3.4`);
  return formatKongVersion(version);
}

function parseCassandraHost(item: string): CassandraHost {
  const match = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(item);
  if (!match) throw inputError('cassandra-hosts', `"${item}" is not host or host:port`);
  const port = match[2] === undefined ? 7199 : Number(match[2]);
  if (port < 1 || port > 65_535) throw inputError('cassandra-hosts', `"${item}": port ${port} is not 1-65535`);
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
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
  if (passphrase !== undefined) checkPassphrase(passphrase);
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
