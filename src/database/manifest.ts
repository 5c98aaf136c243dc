import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { syncPaths } from '../lib/fsync.js';
import { DATABASE_NAME_RULE, isDatabaseName } from './postgres/connect.js';
import { listOf, matching, nullable, object, oneOf, printable, quote, readContract, recordOf, text, wholeNumber, type Contract, type Shape } from '../lib/json-shape.js';
import { ENTITY_COUNTS_SHAPE, type EntityCounts } from '../kong/entities.js';
import type { SchemaMetaRow } from '../kong/schema-meta.js';

/**
 * The backup manifest, `kong-upgrade/backup-manifest@1` (docs/design.md "Contracts"):
 * what an archive holds, read in the snapshot pg_dump dumped. Written last and atomically by
 * backup-db; no manifest means no backup. migrate (backup gate) and smoke-test (baseline
 * counts) read it, so fields are only ever added; documented in actions/backup-db/README.md.
 */
export const MANIFEST_SCHEMA = 'kong-upgrade/backup-manifest@1';

export interface DatabaseIdentity {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  /** pg_control_system().system_identifier: the cluster, whatever name reaches it; null when unreadable. */
  readonly systemIdentifier: string | null;
  readonly serverVersion: string;
}

export interface TableFingerprint {
  readonly entity: string;
  readonly rows: number;
  /** Sum over the rows of a 64-bit hash of the row (the fingerprint's algorithm), as a decimal string. */
  readonly hash: string;
}

export type FingerprintAlgorithm = 'row-hashrecord-sum-v1' | 'row-hashtextextended-sum-v1' | 'row-md5-sum-v1';

export interface Fingerprint {
  readonly algorithm: FingerprintAlgorithm;
  /** SHA-256 over the per-table lines `table rows hash`, sorted by table. */
  readonly digest: string;
  readonly tables: Readonly<Record<string, TableFingerprint>>;
}


export interface ManifestFile {
  /** Relative to the manifest's folder, `/`-separated. */
  readonly path: string;
  readonly sizeBytes: number;
  readonly sha256: string;
}

export type EncryptionMethod = 'none' | 'gpg-symmetric' | 'gpg-recipient';

export interface BackupManifest {
  readonly schema: typeof MANIFEST_SCHEMA;
  readonly database: DatabaseIdentity;
  readonly lineage: {
    /** Set on a database restored from an archive: the manifest it was restored from. */
    readonly restoredFrom: {
      readonly manifest: string;
      readonly database: DatabaseIdentity;
      readonly fingerprint: string;
      readonly finishedAt: string;
    } | null;
  };
  readonly kong: { readonly version: string | null; readonly source: 'input' | 'schema_meta' | 'unknown' };
  /** null: the database has no schema_meta (not bootstrapped). */
  readonly schemaMeta: readonly SchemaMetaRow[] | null;
  readonly counts: EntityCounts;
  readonly fingerprint: Fingerprint;
  readonly dump: {
    readonly tool: string;
    readonly toolVersion: string;
    readonly format: 'custom' | 'directory';
    /** As given to pg_dump, e.g. `gzip:1`, `zstd:3`, `none`. */
    readonly compression: string;
    readonly jobs: number;
    /** The exported snapshot pg_dump and the facts above were read in. */
    readonly snapshot: string;
  };
  readonly encryption: { readonly method: EncryptionMethod; readonly recipients: readonly string[] };
  /** The archive: a file (custom) or folder (directory), relative to the manifest's folder. */
  readonly archive: { readonly path: string; readonly checksum: string; readonly sizeBytes: number };
  readonly files: readonly ManifestFile[];
  readonly startedAt: string;
  readonly finishedAt: string;
}

/**
 * Temp name + rename in the same folder: readers see no manifest or a whole one; the temp file
 * and then the folder are synced, so after a crash the manifest is whole or absent too.
 */
export async function writeManifestAtomically(file: string, manifest: BackupManifest): Promise<void> {
  await writeJsonAtomically(file, manifest);
}

/** The same for any JSON index (the export's, the Cassandra snapshot's). */
export async function writeJsonAtomically(file: string, data: unknown): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(temp, `${JSON.stringify(data, null, 2)}\n`, { flag: 'wx', flush: true });
    await rename(temp, file);
    await syncPaths([path.dirname(file)]);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * Reads and checks a manifest; errors name `input` (the input that gave its path) and each field
 * that is wrong. Every field is untrusted: a manifest is a file anyone who can write to the
 * backup folder, or hand over an artifact, can edit, and its values reach SQL, pg_restore and logs.
 */
export async function readManifest(file: string, input: string): Promise<BackupManifest> {
  return readContract<BackupManifest>(file, input, [BACKUP_MANIFEST]);
}

const HEX64 = /^[0-9a-f]{64}$/;
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
const NAME = /^[A-Za-z0-9_.:$-]{1,128}$/;

const identity = object({
  host: text((v) => printable(v) && v.length <= 255, 'a host name'),
  port: wholeNumber(1, 65_535),
  database: text(isDatabaseName, `a database name (${DATABASE_NAME_RULE})`),
  systemIdentifier: nullable(matching(/^\d{1,20}$/, 'a system identifier (digits)')),
  serverVersion: text((v) => printable(v) && v.length <= 100, 'a server version'),
});

/** A path relative to the manifest's folder: `/`-separated names, none of them `..` or `.`. */
function isRelativePath(value: string): boolean {
  return printable(value) && !value.includes('\\') && value.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}
const relativePath: Shape = (value, field, problems) => {
  if (typeof value !== 'string' || isRelativePath(value)) return text()(value, field, problems);
  const leaves = path.isAbsolute(value) || value.split(/[/\\]/).includes('..');
  problems.push(`${field} ${quote(value)} ${leaves ? 'leaves the backup folder' : 'is not a path of /-separated names'} (a relative path inside the folder is allowed)`);
};

/** A file of an archive or export with its size and SHA-256 (ManifestFile). */
export const FILE_SHAPE: Shape = object({ path: relativePath, sizeBytes: wholeNumber(0), sha256: matching(HEX64, 'a SHA-256') });

const MANIFEST_SHAPE = object({
  database: identity,
  lineage: object({
    restoredFrom: nullable(object({ manifest: text(printable, 'a path'), database: identity, fingerprint: matching(HEX64, 'a SHA-256'), finishedAt: matching(ISO_TIME, 'a UTC time') })),
  }),
  kong: object({ version: nullable(matching(/^[0-9A-Za-z.-]{1,40}$/, 'a Kong version')), source: oneOf(['input', 'schema_meta', 'unknown']) }),
  schemaMeta: nullable(listOf(object({
    subsystem: matching(NAME, 'a subsystem name'),
    lastExecuted: nullable(matching(NAME, 'a migration name')),
    executed: listOf(matching(NAME, 'a migration name')),
    pending: listOf(matching(NAME, 'a migration name')),
  }))),
  counts: ENTITY_COUNTS_SHAPE,
  fingerprint: object({
    algorithm: oneOf(['row-hashrecord-sum-v1', 'row-hashtextextended-sum-v1', 'row-md5-sum-v1']),
    digest: matching(HEX64, 'a SHA-256'),
    tables: recordOf(/^[a-z_][a-z0-9_]{0,62}$/, object({ entity: matching(/^[a-z0-9_]{1,64}$/, 'an entity name'), rows: wholeNumber(0), hash: matching(/^-?\d{1,30}$/, 'a decimal hash') })),
  }),
  dump: object({
    tool: oneOf(['pg_dump']),
    toolVersion: text((v) => printable(v) && v.length <= 40, 'a version'),
    format: oneOf(['custom', 'directory']),
    compression: matching(/^[a-z0-9:]{1,20}$/, 'a compression'),
    jobs: wholeNumber(1, 1024),
    snapshot: text((v) => printable(v) && v.length <= 100, 'a snapshot name'),
  }),
  encryption: object({ method: oneOf(['none', 'gpg-symmetric', 'gpg-recipient']), recipients: listOf(text(printable, 'a key id or address')) }),
  archive: object({ path: relativePath, checksum: text((v) => printable(v) && v.length <= 128, 'a checksum'), sizeBytes: wholeNumber(0) }),
  files: listOf(FILE_SHAPE),
  startedAt: matching(ISO_TIME, 'a UTC time'),
  finishedAt: matching(ISO_TIME, 'a UTC time'),
});

/** `kong-upgrade/backup-manifest@1` of PostgreSQL; the same id on a Cassandra snapshot is named as such. */
export const BACKUP_MANIFEST: Contract = {
  schema: MANIFEST_SCHEMA,
  name: 'backup manifest',
  shape: (value, field, problems) => {
    // Same schema family, other store (src/database/cassandra/snapshot.ts): say so rather than list missing fields.
    if ((value as { format?: unknown }).format === 'cassandra-snapshot') problems.push('it describes a Cassandra snapshot (format cassandra-snapshot), not a PostgreSQL backup');
    else MANIFEST_SHAPE(value, field, problems);
  },
};

/** The tables whose fingerprints differ, with how: empty when equal. */
export function compareFingerprints(expected: Fingerprint, actual: Fingerprint): string[] {
  const differences: string[] = [];
  if (expected.algorithm !== actual.algorithm) return [`fingerprint algorithms differ (${expected.algorithm} vs ${actual.algorithm}): recompute with the manifest's`];
  const tables = new Set([...Object.keys(expected.tables), ...Object.keys(actual.tables)]);
  for (const table of [...tables].sort()) {
    const want = expected.tables[table];
    const got = actual.tables[table];
    if (!want) differences.push(`${table}: not in the backup (${got?.rows} rows now)`);
    else if (!got) differences.push(`${table}: missing (${want.rows} rows in the backup)`);
    else if (want.rows !== got.rows) differences.push(`${table}: ${got.rows} rows, backup has ${want.rows}`);
    else if (want.hash !== got.hash) differences.push(`${table}: same ${got.rows} rows but different content`);
  }
  return differences;
}
