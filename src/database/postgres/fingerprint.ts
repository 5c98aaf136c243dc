import { createHash } from 'node:crypto';
import { ENTITY_TABLES, sortCounts, type EntityCounts } from '../../kong/entities.js';
import type { Queryable } from '../../kong/schema-meta.js';
import type { Fingerprint, FingerprintAlgorithm, TableFingerprint } from '../manifest.js';
import { quoteIdent } from './connect.js';
import { stepError } from '../../lib/errors.js';

/**
 * Session settings that fix how a row prints as text, so the same rows hash the same on any
 * server and session (timestamps in UTC, ISO dates, hex bytea, exact floats).
 */
export const STABLE_TEXT_SETTINGS = [
  "SET TimeZone = 'UTC'",
  "SET DateStyle = 'ISO, MDY'",
  "SET IntervalStyle = 'postgres'",
  'SET extra_float_digits = 3',
  "SET bytea_output = 'hex'",
];

/**
 * The session a fingerprint is read in: stable text, and no parallel workers. The scan runs
 * beside pg_dump or pg_restore, and on a small server (a 2-core runner's, say) two more processes
 * scanning take CPU from the dump rather than idle time: one process costs less CPU in all
 * (measured: 1.07 vs 1.2 CPU-seconds for a 1 GB Kong-shaped database) and still ends long before
 * the dump does.
 */
export const SCAN_SETTINGS = [
  ...STABLE_TEXT_SETTINGS,
  // A no-op before 9.6, which has no parallel query (and would reject SET of an unknown name).
  "SELECT set_config(name, '0', false) FROM pg_settings WHERE name = 'max_parallel_workers_per_gather'",
];

export interface EntityFacts {
  readonly fingerprint: Fingerprint;
  readonly counts: EntityCounts;
}

/** Where the fingerprint's per-table work stands, for progress logs on big databases. */
export type FactsProgress = (table: string, rows: number) => void;

/** A Kong entity table present in the database, and whether its rows carry a workspace. */
export interface EntityTable {
  readonly table: string;
  readonly entity: string;
  readonly hasWs: boolean;
}

/** One table's scan: rows and the sum of row hashes per workspace id (null: no ws_id column). */
export interface TableScan {
  readonly table: EntityTable;
  readonly byWorkspace: readonly { readonly ws: string | null; readonly rows: bigint; readonly hash: bigint }[];
}

/**
 * Row count and an order-independent hash per Kong entity table present in the current schema,
 * plus counts per workspace and entity type, in one scan per table, all computed by the server:
 * each row is hashed to a signed 64-bit integer (see ROW_HASH) and summed, so no
 * ordering, no table-sized strings, and the same on every PostgreSQL version Kong 1.x–3.x uses
 * (no `updated_at` needed: 2.x tables mostly lack it). Run it inside the snapshot pg_dump dumps.
 * The parts are exported for a restore, which scans each table as soon as pg_restore has loaded it.
 */
export async function readEntityFacts(client: Queryable, algorithm?: FingerprintAlgorithm, progress?: FactsProgress): Promise<EntityFacts> {
  const tables = await entityTablesPresent(client);
  const chosen = algorithm ?? (await defaultAlgorithm(client, tables.map((t) => t.table)));
  const scans: TableScan[] = [];
  for (const table of tables) {
    const scan = await scanEntityTable(client, table, chosen);
    scans.push(scan);
    progress?.(table.table, Number(scan.byWorkspace.reduce((sum, w) => sum + w.rows, 0n)));
  }
  return assembleFacts(scans, chosen, await readWorkspaceNames(client, tables));
}

/** The entity tables of the current schema, in ENTITY_TABLES order. */
export async function entityTablesPresent(client: Queryable): Promise<EntityTable[]> {
  const columns = await client.query<{ table_name: string; has_ws: boolean }>(
    `SELECT table_name, bool_or(column_name = 'ws_id') AS has_ws
       FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = ANY($1)
      GROUP BY table_name`,
    [ENTITY_TABLES.map((t) => t.table)],
  );
  const present = new Map(columns.rows.map((row) => [row.table_name, row.has_ws]));
  return ENTITY_TABLES.filter(({ table }) => present.has(table)).map(({ table, entity }) => ({ table, entity, hasWs: present.get(table) === true }));
}

export async function scanEntityTable(client: Queryable, table: EntityTable, algorithm: FingerprintAlgorithm): Promise<TableScan> {
  const result = await client.query<{ ws: string | null; rows: string; hash: string }>(
    `SELECT ${table.hasWs ? 't.ws_id::text' : 'NULL::text'} AS ws, count(*)::text AS rows,
            coalesce(sum(${ROW_HASH[algorithm]}), 0)::text AS hash
       FROM ${quoteIdent(table.table)} t
      ${table.hasWs ? 'GROUP BY t.ws_id' : ''}`,
  );
  return { table, byWorkspace: result.rows.map((row) => ({ ws: row.ws, rows: BigInt(row.rows), hash: BigInt(row.hash) })) };
}

/** Workspace id → name (empty before 2.0, which had no workspaces table). */
export async function readWorkspaceNames(client: Queryable, tables: readonly EntityTable[]): Promise<Map<string, string>> {
  if (!tables.some((t) => t.table === 'workspaces')) return new Map();
  const ws = await client.query<{ id: string; name: string }>('SELECT id::text AS id, name FROM workspaces');
  return new Map(ws.rows.map((row) => [row.id, row.name]));
}

export function assembleFacts(scans: readonly TableScan[], algorithm: FingerprintAlgorithm, workspaceNames: ReadonlyMap<string, string>): EntityFacts {
  const tables: Record<string, TableFingerprint> = {};
  const counts: Record<string, Record<string, number>> = {};
  for (const { table, byWorkspace } of scans) {
    let rows = 0n;
    let hash = 0n;
    for (const part of byWorkspace) {
      rows += part.rows;
      hash += part.hash;
      if (part.rows === 0n) continue;
      const workspace = part.ws === null ? '*' : (workspaceNames.get(part.ws) ?? part.ws);
      const bucket = (counts[workspace] ??= {});
      bucket[table.entity] = (bucket[table.entity] ?? 0) + Number(part.rows);
    }
    tables[table.table] = { entity: table.entity, rows: Number(rows), hash: hash.toString() };
  }
  return { fingerprint: fingerprintOf(tables, algorithm), counts: sortCounts(counts) };
}

/**
 * Per-row hashes, cheapest first.
 *
 * `hash_record_extended` (PostgreSQL 14+) hashes each column with its type's own 64-bit hash
 * function and combines them, without printing the row as text: on a 1 GB Kong-shaped database
 * it takes about a third of the CPU of `hashtextextended(t::text)` (bench/backup.mjs), and that
 * CPU is taken from pg_dump when the server and pg_dump share a 2-core runner. The column hashes
 * are the ones hash indexes and hash partitions store on disk, which pg_upgrade keeps, so they
 * do not change between major versions; they also do not depend on session settings (a
 * timestamptz hashes its instant, not its text). Dropped columns are skipped, so a restored copy
 * (which has none) hashes like its source. Used only when every column's type is one we know to
 * have such a hash (HASHABLE_TYPES): `json`, for one, has none.
 *
 * `hashtextextended(t::text)` (PostgreSQL 11+) hashes the row's text under STABLE_TEXT_SETTINGS;
 * md5 is the fallback for older servers (Kong 1.x/2.x era). The manifest records which one was
 * used and comparisons recompute with that one.
 */
export const ROW_HASH: Record<FingerprintAlgorithm, string> = {
  'row-hashrecord-sum-v1': 'hash_record_extended(t, 0)',
  'row-hashtextextended-sum-v1': 'hashtextextended(t::text, 0)',
  'row-md5-sum-v1': "('x' || left(md5(t::text), 16))::bit(64)::bigint",
};

/** The first server version each row hash runs on (hash_record_extended: 14, hashtextextended: 11). */
const FIRST_VERSION_NUM: Record<FingerprintAlgorithm, number> = {
  'row-hashrecord-sum-v1': 140_000,
  'row-hashtextextended-sum-v1': 110_000,
  'row-md5-sum-v1': 0,
};

/**
 * A fingerprint can only be compared on a server that can compute it: checked before a restore
 * or a gate touches anything, since a backup from PostgreSQL 14+ restored into an older server
 * would otherwise be restored first and fail to be checked after.
 */
export function assertFingerprintComputable(algorithm: FingerprintAlgorithm, versionNum: number, serverVersion: string): void {
  if (versionNum >= FIRST_VERSION_NUM[algorithm]) return;
  throw stepError(
    'checking the fingerprint',
    `the backup's fingerprint (${algorithm}) needs PostgreSQL ${FIRST_VERSION_NUM[algorithm] / 10_000} or newer to be recomputed, and this server runs ${serverVersion}: restore into PostgreSQL ${FIRST_VERSION_NUM[algorithm] / 10_000}+, or take the backup from a server of the same major as the target`,
  );
}

/** Built-in types (and arrays of them) with a hash opclass whose values hash stably. */
const HASHABLE_TYPES = [
  'uuid', 'text', 'varchar', 'bpchar', 'name', 'int2', 'int4', 'int8', 'bool', 'jsonb', 'timestamptz',
  'timestamp', 'date', 'numeric', 'bytea', 'inet', 'cidr', 'float4', 'float8', 'interval', 'oid',
];

async function defaultAlgorithm(client: Queryable, tables: readonly string[]): Promise<FingerprintAlgorithm> {
  const result = await client.query<{ num: string }>("SELECT current_setting('server_version_num') AS num");
  const version = Number(result.rows[0]?.num ?? 0);
  if (version >= 140_000) {
    // Columns of the entity tables whose type (or array element type, or domain base type) is
    // not known to hash: one such column and the whole fingerprint hashes text instead.
    const odd = await client.query<{ n: string }>(
      `WITH cols AS (
         SELECT CASE WHEN ty.typtype = 'd' THEN ty.typbasetype ELSE ty.oid END AS t
           FROM pg_attribute a
           JOIN pg_class c ON c.oid = a.attrelid AND c.relnamespace = current_schema()::regnamespace
           JOIN pg_type ty ON ty.oid = a.atttypid
          WHERE c.relname = ANY($1) AND a.attnum > 0 AND NOT a.attisdropped
       )
       SELECT count(*)::text AS n
         FROM cols JOIN pg_type ty ON ty.oid = cols.t
        WHERE NOT (CASE WHEN ty.typcategory = 'A' AND ty.typelem <> 0 THEN ty.typelem ELSE ty.oid END) = ANY($2::regtype[]::oid[])`,
      [tables, HASHABLE_TYPES],
    );
    if (Number(odd.rows[0]?.n ?? 1) === 0) return 'row-hashrecord-sum-v1';
  }
  return version >= 110_000 ? 'row-hashtextextended-sum-v1' : 'row-md5-sum-v1';
}

export function fingerprintOf(tables: Record<string, TableFingerprint>, algorithm: FingerprintAlgorithm): Fingerprint {
  const names = Object.keys(tables).sort();
  const lines = names.map((name) => `${name} ${tables[name]!.rows} ${tables[name]!.hash}\n`).join('');
  const sorted: Record<string, TableFingerprint> = {};
  for (const name of names) sorted[name] = tables[name]!;
  return { algorithm, digest: createHash('sha256').update(lines).digest('hex'), tables: sorted };
}
