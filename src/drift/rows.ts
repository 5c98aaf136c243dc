import { quoteIdent } from '../database/postgres/connect.js';
import { stepError } from '../lib/errors.js';
import { execCommand } from '../lib/exec.js';
import type { Queryable } from '../kong/schema-meta.js';
import { copyFields, copyHeader, utcTimestamp } from './copy-text.js';

/**
 * The second pass of the drift check: which rows of a table changed since the backup. The
 * fingerprint holds one sum of row hashes per table, enough to tell that a table changed but not
 * which rows; the archive holds the rows themselves. So the table's data is read back from the
 * archive (`pg_restore --data-only --table`, only that table's data: a custom-format archive
 * seeks to it) and compared, by primary key, with the live table read in the check's snapshot,
 * on the columns the backup had (after `up` a migration may have added some). This costs one
 * read of each changed table on both sides and nothing for the tables that did not change, and
 * needs no scratch database (no CREATE DATABASE right, nothing written to the live server);
 * comparing an Admin API listing with an export would need an export taken with the backup and
 * would miss what only the database shows (a plugin's raw config, ws_id).
 *
 * Every entity table's primary key is `id` (uuid): kong/db/schema/entities/*.lua and the
 * plugins' daos.lua declare `primary_key = { "id" }` for each of ENTITY_TABLES.
 */

/** One row that differs, named as the Admin API names it: its id, and its name where it has one. */
export interface RowChange {
  readonly id: string;
  readonly name?: string;
}

export interface RowDifferences {
  readonly added: RowChange[];
  readonly removed: RowChange[];
  readonly changed: RowChange[];
  /** The columns compared: the backup's that the live table still has. */
  readonly columns: number;
}

/**
 * Columns that name an entity for a person (routes, services, upstreams, snis, workspaces and
 * plugins: name; consumers and basic-auth credentials: username; consumers: custom_id;
 * targets: target). Nothing else of a row is ever shown: credentials and certificates hold secrets.
 */
const NAME_COLUMNS = ['name', 'username', 'custom_id', 'target'];

interface TableRows {
  readonly columns: readonly string[];
  readonly rows: Map<string, (string | null)[]>;
}

/** The table's rows as the archive holds them (`dumpPath`: the plain archive pg_restore reads). */
export async function archiveRows(pgRestore: string, dumpPath: string, table: string): Promise<TableRows> {
  let columns: string[] | undefined;
  const rows = new Map<string, (string | null)[]>();
  let inData = false;
  const result = await execCommand({
    command: pgRestore,
    args: ['--data-only', `--table=${table}`, '--file=-', dumpPath],
    onLine: (line, stream) => {
      if (stream !== 'stdout') return;
      if (!inData) {
        const header = copyHeader(line);
        if (header && header.table === table) {
          columns = header.columns;
          inData = true;
        }
        return;
      }
      if (line === '\\.') {
        inData = false;
        return;
      }
      const values = copyFields(line);
      const id = values[columns!.indexOf('id')];
      if (typeof id === 'string') rows.set(id, values);
    },
  });
  if (result.exitCode !== 0) throw stepError('reading the backup archive', `pg_restore could not read table ${table}: ${result.stderr.trim().split('\n').slice(-2).join(' / ')}`);
  if (columns === undefined) return { columns: [], rows };
  if (!columns.includes('id')) throw stepError('reading the backup archive', `table ${table} in the archive has no id column`);
  return { columns, rows };
}

/**
 * The live rows of `columns` (those the live table has), each value as its output text under the
 * session the check runs in (TimeZone UTC, DateStyle ISO, extra_float_digits 3: the settings of
 * pg_dump, plus a fixed zone); timestamptz columns are listed for the archive's side to be
 * brought to UTC.
 */
export async function liveRows(client: Queryable, table: string, wanted: readonly string[]): Promise<TableRows & { readonly timestamptz: Set<string> }> {
  const info = await client.query<{ column_name: string; udt_name: string }>(
    `SELECT column_name, udt_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`,
    [table],
  );
  const types = new Map(info.rows.map((row) => [row.column_name, row.udt_name]));
  const columns = wanted.filter((column) => types.has(column));
  // format('%s') prints a value with its type's output function, as COPY does (a plain ::text
  // cast would not: true::text is 'true' where COPY has 't', an inet's cast adds the /32).
  const select = columns.map((column, i) => `CASE WHEN ${quoteIdent(column)} IS NULL THEN NULL ELSE format('%s', ${quoteIdent(column)}) END AS c${i}`).join(', ');
  const result = await client.query<Record<string, string | null>>(`SELECT ${select} FROM ${quoteIdent(table)}`);
  const id = columns.indexOf('id');
  const rows = new Map<string, (string | null)[]>();
  for (const row of result.rows) {
    const values = columns.map((_, i) => row[`c${i}`] ?? null);
    rows.set(values[id]!, values);
  }
  return { columns, rows, timestamptz: new Set(columns.filter((column) => types.get(column) === 'timestamptz')) };
}

/**
 * Rows added, removed and changed between the archive's table and the live one, compared by id
 * on the columns both have; `leaveOut`: ids of rows that are not the team's (the write freeze's).
 */
export function diffRows(backup: TableRows, live: TableRows & { readonly timestamptz: Set<string> }, leaveOut: ReadonlySet<string>): RowDifferences {
  const shared = live.columns.map((column) => ({ column, at: backup.columns.indexOf(column), utc: live.timestamptz.has(column) }));
  const nameOf = (columns: readonly string[], values: readonly (string | null)[]): RowChange['name'] => {
    for (const column of NAME_COLUMNS) {
      const value = values[columns.indexOf(column)];
      if (columns.includes(column) && typeof value === 'string') return value;
    }
    return undefined;
  };
  const change = (id: string, columns: readonly string[], values: readonly (string | null)[]): RowChange => {
    const name = nameOf(columns, values);
    return name === undefined ? { id } : { id, name };
  };
  const added: RowChange[] = [];
  const changed: RowChange[] = [];
  for (const [id, values] of live.rows) {
    if (leaveOut.has(id)) continue;
    const before = backup.rows.get(id);
    if (before === undefined) {
      added.push(change(id, live.columns, values));
      continue;
    }
    const differs = shared.some(({ at, utc }, i) => {
      const old = before[at] ?? null;
      return (utc && old !== null ? utcTimestamp(old) : old) !== values[i];
    });
    if (differs) changed.push(change(id, live.columns, values));
  }
  const removed = [...backup.rows].filter(([id]) => !live.rows.has(id) && !leaveOut.has(id)).map(([id, values]) => change(id, backup.columns, values));
  const byId = (a: RowChange, b: RowChange) => a.id.localeCompare(b.id);
  return { added: added.sort(byId), removed: removed.sort(byId), changed: changed.sort(byId), columns: shared.length };
}
