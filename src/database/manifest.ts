import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { syncPaths } from '../lib/fsync.js';
import { inputError } from '../lib/errors.js';
import type { SchemaMetaRow } from '../kong/schema-meta.js';

/**
 * The backup manifest, `kong-upgrade/backup-manifest@1` (../shared/DESIGN.md "Contracts"):
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

/** Entity counts: workspace name → entity name → rows. Entities without `ws_id` count under `*`. */
export type EntityCounts = Readonly<Record<string, Readonly<Record<string, number>>>>;

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

/** Reads and checks a manifest; errors name `input` (the input that gave its path). */
export async function readManifest(file: string, input: string): Promise<BackupManifest> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw inputError(input, `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, error);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw inputError(input, `${file} is not JSON`, error);
  }
  const problems = validateManifest(data);
  if (problems.length > 0) throw inputError(input, `${file} is not a backup manifest: ${problems.join('; ')}`);
  return data as BackupManifest;
}

export function validateManifest(data: unknown): string[] {
  if (typeof data !== 'object' || data === null) return ['not an object'];
  const m = data as Record<string, unknown>;
  const problems: string[] = [];
  if (m.schema !== MANIFEST_SCHEMA) problems.push(`schema is ${JSON.stringify(m.schema)}, expected "${MANIFEST_SCHEMA}"`);
  // Same schema family, other store (src/database/cassandra/snapshot.ts): say so rather than list missing fields.
  if (m.format === 'cassandra-snapshot') return ['it describes a Cassandra snapshot (format cassandra-snapshot), not a PostgreSQL backup'];
  const need = (key: string, type: string) => {
    const value = m[key];
    const actual = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
    if (actual !== type) problems.push(`${key} is ${actual}, expected ${type}`);
  };
  for (const key of ['database', 'lineage', 'kong', 'counts', 'fingerprint', 'dump', 'encryption', 'archive']) need(key, 'object');
  need('files', 'array');
  need('finishedAt', 'string');
  if (problems.length > 0) return problems;
  const fingerprint = m.fingerprint as Record<string, unknown>;
  if (typeof fingerprint.digest !== 'string' || typeof fingerprint.tables !== 'object') problems.push('fingerprint lacks digest or tables');
  for (const [i, file] of (m.files as unknown[]).entries()) {
    const f = file as Record<string, unknown>;
    if (typeof f?.path !== 'string' || typeof f.sha256 !== 'string' || typeof f.sizeBytes !== 'number') {
      problems.push(`files[${i}] needs path, sizeBytes and sha256`);
    } else if (path.isAbsolute(f.path) || f.path.split('/').includes('..')) {
      problems.push(`files[${i}].path ${JSON.stringify(f.path)} leaves the manifest's folder`);
    }
  }
  return problems;
}

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
