import { describeDatabase } from '../database/connection.js';
import type { EncryptionOptions } from '../database/encryption.js';
import { readManifest, type BackupManifest, type TableFingerprint } from '../database/manifest.js';
import { openArchive, type OpenedArchive } from '../database/postgres/archive.js';
import { withClient, quoteIdent, type DatabaseTarget } from '../database/postgres/connect.js';
import { readIdentity } from '../database/postgres/dump.js';
import { assembleFacts, assertFingerprintComputable, entityTablesPresent, readWorkspaceNames, ROW_HASH, SCAN_SETTINGS, scanEntityTable } from '../database/postgres/fingerprint.js';
import { sameDatabase } from '../database/postgres/restore.js';
import { findPgTools } from '../database/postgres/tools.js';
import { inputError, UpgradeError } from '../lib/errors.js';
import { ENTITY_TABLES } from '../kong/entities.js';
import { readSchemaMeta, type Queryable, type SchemaMetaRow } from '../kong/schema-meta.js';
import { accepts, describeAcceptance, type Acceptance } from './acceptance.js';
import { describeTable, DRIFT_REPORT_SCHEMA, type AcceptedDrift, type DriftReport, type TableDrift } from './report.js';
import { archiveRows, diffRows, liveRows } from './rows.js';

/** A row the comparison leaves out, with why (the write freeze's route and plugin). */
export interface LeftOutRow {
  readonly table: string;
  readonly id: string;
  readonly why: string;
}

export interface DriftRequest {
  /** Where the check runs, for the report: promote, finish, retire-blue … */
  readonly point: string;
  readonly manifestPath: string;
  /** The input that gave the manifest, for errors. */
  readonly manifestInput: string;
  /** Blue's database: the one the manifest is a backup of. */
  readonly database: DatabaseTarget;
  readonly acceptance: Acceptance;
  /** The archive's key, to name the rows that changed; without it only tables and counts. */
  readonly encryption: EncryptionOptions | undefined;
  readonly leaveOut: readonly LeftOutRow[];
  /** Earlier checks' reports: their acceptances carry forward. */
  readonly earlier: readonly DriftReport[];
  readonly binDir?: string | undefined;
  readonly log: (line: string) => void;
}

/**
 * Blue's database against the backup taken before the upgrade changed anything: the backup
 * manifest's fingerprint (rows and row-hash sum per entity table, read in pg_dump's snapshot)
 * recomputed now, with the same algorithm, in one read-only snapshot; for each table that
 * differs, the rows that differ, named from the archive (rows.ts). The write freeze's own rows
 * are left out by id (their hashes subtracted). Nothing is written anywhere.
 */
export async function checkDrift(request: DriftRequest): Promise<DriftReport> {
  const manifest = await readManifest(request.manifestPath, request.manifestInput);
  const algorithm = manifest.fingerprint.algorithm;
  let archive: OpenedArchive | undefined;
  try {
    return await withClient(request.database, 'drift check: reading blue\'s database', async (client) => {
      const identity = await readIdentity(client, request.database);
      if (!sameDatabase(manifest.database, identity.database)) {
        throw inputError(request.manifestInput, `${request.manifestPath} is the backup of ${manifest.database.host}:${manifest.database.port}/${manifest.database.database}, not of ${describeDatabase(request.database.db)} (system identifier ${identity.database.systemIdentifier ?? 'unknown'}): give the manifest of blue's own backup`);
      }
      assertFingerprintComputable(algorithm, identity.versionNum, identity.database.serverVersion);
      await client.query(SCAN_SETTINGS.join('; '));
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const schemaMeta = await readSchemaMeta(client);
      const present = await entityTablesPresent(client);
      const scans = [];
      for (const table of present) scans.push(await scanEntityTable(client, table, algorithm));
      const live = { ...assembleFacts(scans, algorithm, await readWorkspaceNames(client, present)).fingerprint.tables };
      const leftOut = await subtractRows(client, live, request.leaveOut, algorithm);
      const migrated = schemaMetaKey(manifest.schemaMeta) !== schemaMetaKey(schemaMeta ?? null);

      const tables: TableDrift[] = [];
      for (const table of differingTables(manifest.fingerprint.tables, live)) {
        const drift = await identifyRows(table, manifest, live[table], migrated, leftOut, client, async () => {
          archive ??= await openArchive({ manifestPath: request.manifestPath, manifestInput: request.manifestInput, encryption: request.encryption, log: request.log });
          return archive;
        }, request);
        if (drift !== undefined) tables.push(drift);
      }
      await client.query('COMMIT');
      return report(request, manifest, migrated, tables, leftOut);
    });
  } finally {
    await archive?.close();
  }
}

/** The freeze's rows out of the live sums, by id, in the check's snapshot. */
async function subtractRows(client: Queryable, live: Record<string, TableFingerprint>, rows: readonly LeftOutRow[], algorithm: BackupManifest['fingerprint']['algorithm']): Promise<LeftOutRow[]> {
  const found: LeftOutRow[] = [];
  for (const table of [...new Set(rows.map((row) => row.table))]) {
    const current = live[table];
    if (current === undefined) continue;
    const ids = rows.filter((row) => row.table === table).map((row) => row.id);
    const result = await client.query<{ id: string; hash: string }>(`SELECT t.id::text AS id, (${ROW_HASH[algorithm]})::text AS hash FROM ${quoteIdent(table)} t WHERE t.id::text = ANY($1)`, [ids]);
    let hash = BigInt(current.hash);
    for (const row of result.rows) hash -= BigInt(row.hash);
    live[table] = { ...current, rows: current.rows - result.rows.length, hash: hash.toString() };
    for (const row of result.rows) found.push(rows.find((r) => r.table === table && r.id === row.id)!);
  }
  return found;
}

function differingTables(backup: Readonly<Record<string, TableFingerprint>>, live: Readonly<Record<string, TableFingerprint>>): string[] {
  const names = [...new Set([...Object.keys(backup), ...Object.keys(live)])].sort();
  return names.filter((name) => backup[name]?.rows !== live[name]?.rows || backup[name]?.hash !== live[name]?.hash);
}

/**
 * One differing table, its rows named where the archive can be read. After `up` (schema_meta
 * differs) a table's sum also changes when a migration only added a column: when no row differs
 * on the backup's columns, it is not drift (undefined). Without `up`, a sum that differs is drift
 * whatever the rows say.
 */
async function identifyRows(
  table: string,
  manifest: BackupManifest,
  now: TableFingerprint | undefined,
  migrated: boolean,
  leftOut: readonly LeftOutRow[],
  client: Queryable,
  open: () => Promise<OpenedArchive>,
  request: DriftRequest,
): Promise<TableDrift | undefined> {
  const before = manifest.fingerprint.tables[table];
  const base = {
    table,
    entity: ENTITY_TABLES.find((t) => t.table === table)?.entity ?? table,
    backupRows: before?.rows ?? null,
    rows: now?.rows ?? null,
    hash: now?.hash ?? null,
    accepted: null,
  };
  const unnamed = (note: string): TableDrift => ({ ...base, added: null, removed: null, changed: null, note });
  if (before === undefined || now === undefined) return unnamed(before === undefined ? 'a table the backup does not have' : 'the table is gone');
  let archive: OpenedArchive;
  try {
    archive = await open();
  } catch (error) {
    if (error instanceof UpgradeError && 'input' in error.origin && /^encryption-/.test(error.origin.input)) {
      return unnamed(`rows not named: the archive is encrypted; give ${error.origin.input} to name them`);
    }
    throw error;
  }
  // pg_restore reads archives of its own and older pg_dump versions.
  const tools = await findPgTools(request.binDir, Number.parseInt(manifest.dump.toolVersion, 10) || 0);
  const backupRows = await archiveRows(tools.pgRestore, archive.dumpPath, table);
  const rows = diffRows(backupRows, await liveRows(client, table, backupRows.columns), new Set(leftOut.filter((row) => row.table === table).map((row) => row.id)));
  const none = rows.added.length + rows.removed.length + rows.changed.length === 0;
  if (none && migrated) {
    request.log(`drift check: ${table} differs from the backup only by what the migrations since changed (no row differs on the backup's ${rows.columns} columns)`);
    return undefined;
  }
  return { ...base, added: rows.added, removed: rows.removed, changed: rows.changed, note: none ? `the content differs but no row differs on the backup's ${rows.columns} columns` : null };
}

function report(request: DriftRequest, manifest: BackupManifest, migrated: boolean, found: readonly TableDrift[], leftOut: readonly LeftOutRow[]): DriftReport {
  const earlierAccepted = dedupe(request.earlier.flatMap((r) => r.accepted));
  const tables = found.map((t): TableDrift => {
    const sameAsAccepted = earlierAccepted.some((a) => a.tables.some((x) => x.table === t.table && x.rows === t.rows && x.hash === t.hash));
    return { ...t, accepted: sameAsAccepted ? 'earlier' : accepts(request.acceptance, t.table) ? 'now' : null };
  });
  const checkedAt = new Date().toISOString();
  const acceptedNow = tables.filter((t) => t.accepted === 'now');
  const accepted: AcceptedDrift[] = [...earlierAccepted];
  if (acceptedNow.length > 0) {
    accepted.push({
      point: request.point,
      checkedAt,
      acceptDrift: describeAcceptance(request.acceptance),
      tables: acceptedNow.map((t) => ({ table: t.table, rows: t.rows, hash: t.hash, summary: describeTable(t) })),
    });
  }
  return {
    schema: DRIFT_REPORT_SCHEMA,
    point: request.point,
    checkedAt,
    database: describeDatabase(request.database.db),
    backup: { finishedAt: manifest.finishedAt, fingerprint: manifest.fingerprint.digest },
    migratedSinceBackup: migrated,
    outcome: tables.length === 0 ? 'clean' : tables.every((t) => t.accepted !== null) ? 'accepted' : 'refused',
    tables,
    leftOut,
    accepted,
  };
}

/** The same acceptance reaches a check through several earlier reports: once each. */
function dedupe(list: readonly AcceptedDrift[]): AcceptedDrift[] {
  const seen = new Set<string>();
  return list.filter((a) => {
    const key = `${a.point}@${a.checkedAt}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function schemaMetaKey(rows: readonly SchemaMetaRow[] | null): string {
  return JSON.stringify((rows ?? []).map((row) => [row.subsystem, [...row.executed].sort(), [...row.pending].sort()]).sort());
}
