import { createHash } from 'node:crypto';
import { ENTITY_TABLES } from '../../kong/entity-tables.js';
import type { Queryable } from '../../kong/schema-meta.js';
import type { EntityCounts, Fingerprint, FingerprintAlgorithm, TableFingerprint } from '../manifest.js';
import { quoteIdent } from './connect.js';

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

export interface EntityFacts {
  readonly fingerprint: Fingerprint;
  readonly counts: EntityCounts;
}

/** Where the fingerprint's per-table work stands, for progress logs on big databases. */
export type FactsProgress = (table: string, rows: number) => void;

/**
 * Row count and an order-independent hash per Kong entity table present in the current schema,
 * plus counts per workspace and entity type, in one scan per table, all computed by the server:
 * each row's text is hashed to a signed 64-bit integer (see ROW_HASH) and summed, so no
 * ordering, no table-sized strings, and the same on every PostgreSQL version Kong 1.x–3.x uses
 * (no `updated_at` needed: 2.x tables mostly lack it). Run it inside the snapshot pg_dump dumps.
 */
export async function readEntityFacts(client: Queryable, algorithm?: FingerprintAlgorithm, progress?: FactsProgress): Promise<EntityFacts> {
  const chosen = algorithm ?? (await defaultAlgorithm(client));
  const rowHash = ROW_HASH[chosen];
  const columns = await client.query<{ table_name: string; has_ws: boolean }>(
    `SELECT table_name, bool_or(column_name = 'ws_id') AS has_ws
       FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = ANY($1)
      GROUP BY table_name`,
    [ENTITY_TABLES.map((t) => t.table)],
  );
  const present = new Map(columns.rows.map((row) => [row.table_name, row.has_ws]));
  const workspaceNames = new Map<string, string>();
  if (present.has('workspaces')) {
    const ws = await client.query<{ id: string; name: string }>('SELECT id::text AS id, name FROM workspaces');
    for (const row of ws.rows) workspaceNames.set(row.id, row.name);
  }

  const tables: Record<string, TableFingerprint> = {};
  const counts: Record<string, Record<string, number>> = {};
  for (const { table, entity } of ENTITY_TABLES) {
    if (!present.has(table)) continue;
    const hasWs = present.get(table) === true;
    const result = await client.query<{ ws: string | null; rows: string; hash: string }>(
      `SELECT ${hasWs ? 't.ws_id::text' : 'NULL::text'} AS ws, count(*)::text AS rows,
              coalesce(sum(${rowHash}), 0)::text AS hash
         FROM ${quoteIdent(table)} t
        ${hasWs ? 'GROUP BY t.ws_id' : ''}`,
    );
    let rows = 0n;
    let hash = 0n;
    for (const row of result.rows) {
      const n = BigInt(row.rows);
      rows += n;
      hash += BigInt(row.hash);
      if (n === 0n) continue;
      const workspace = row.ws === null ? '*' : (workspaceNames.get(row.ws) ?? row.ws);
      const bucket = (counts[workspace] ??= {});
      bucket[entity] = (bucket[entity] ?? 0) + Number(n);
    }
    tables[table] = { entity, rows: Number(rows), hash: hash.toString() };
    progress?.(table, Number(rows));
  }
  return { fingerprint: fingerprintOf(tables, chosen), counts: sortKeys(counts) };
}

/**
 * Per-row hashes. `hashtextextended` (PostgreSQL 11+, the 64-bit hash behind hash partitioning,
 * which must stay stable across versions for partitioned data to survive pg_upgrade) costs a
 * fraction of md5 + hex parsing, which matters because the fingerprint runs beside pg_dump on a
 * 2-core runner; md5 is the fallback for older servers (Kong 1.x/2.x era). The manifest records
 * which one was used and comparisons recompute with that one.
 */
const ROW_HASH: Record<FingerprintAlgorithm, string> = {
  'row-hashtextextended-sum-v1': 'hashtextextended(t::text, 0)',
  'row-md5-sum-v1': "('x' || left(md5(t::text), 16))::bit(64)::bigint",
};

async function defaultAlgorithm(client: Queryable): Promise<FingerprintAlgorithm> {
  const result = await client.query<{ num: string }>("SELECT current_setting('server_version_num') AS num");
  return Number(result.rows[0]?.num ?? 0) >= 110_000 ? 'row-hashtextextended-sum-v1' : 'row-md5-sum-v1';
}

export function fingerprintOf(tables: Record<string, TableFingerprint>, algorithm: FingerprintAlgorithm): Fingerprint {
  const names = Object.keys(tables).sort();
  const lines = names.map((name) => `${name} ${tables[name]!.rows} ${tables[name]!.hash}\n`).join('');
  const sorted: Record<string, TableFingerprint> = {};
  for (const name of names) sorted[name] = tables[name]!;
  return { algorithm, digest: createHash('sha256').update(lines).digest('hex'), tables: sorted };
}

function sortKeys(counts: Record<string, Record<string, number>>): EntityCounts {
  const out: Record<string, Record<string, number>> = {};
  for (const ws of Object.keys(counts).sort()) {
    const inner: Record<string, number> = {};
    for (const entity of Object.keys(counts[ws]!).sort()) inner[entity] = counts[ws]![entity]!;
    out[ws] = inner;
  }
  return out;
}
