import { ENTITY_TABLES } from '../kong/entities.js';
import { bulletList, escapeCell, table as markdownTable } from '../lib/markdown.js';
import { listOf, matching, nullable, object, readContract, text, wholeNumber, type Contract } from '../lib/json-shape.js';
import type { RowChange } from './rows.js';

/**
 * The drift report, `kong-upgrade/drift-report@1` (docs/design.md "Contracts"): what a drift
 * check found on blue's database against the backup, written by promote, migrate (before
 * `finish`) and drift-check, and read by the checks after it (input `drift-reports`), which carry
 * every acceptance forward: a drift accepted once shows in every later summary, and a later check
 * that finds the very same tables (rows and row-hash sum equal) does not ask again.
 */
export const DRIFT_REPORT_SCHEMA = 'kong-upgrade/drift-report@1';

export interface TableDrift {
  readonly table: string;
  readonly entity: string;
  /** null: the table is not in the backup (a migration since created it) or no longer exists. */
  readonly backupRows: number | null;
  readonly rows: number | null;
  /** The live sum of row hashes (the freeze's own rows left out): what an acceptance pins. */
  readonly hash: string | null;
  /** The rows, as far as the archive could tell; null when it could not be read (see `note`). */
  readonly added: readonly RowChange[] | null;
  readonly removed: readonly RowChange[] | null;
  readonly changed: readonly RowChange[] | null;
  readonly note: string | null;
  /** `now`: accepted by this check's accept-drift; `earlier`: the state an earlier check accepted. */
  readonly accepted: 'now' | 'earlier' | null;
}

export interface AcceptedTable {
  readonly table: string;
  readonly rows: number | null;
  readonly hash: string | null;
  /** One line: counts and the entities named. */
  readonly summary: string;
}

export interface AcceptedDrift {
  readonly point: string;
  readonly checkedAt: string;
  /** accept-drift as given: `true`, or the tables. */
  readonly acceptDrift: string;
  readonly tables: readonly AcceptedTable[];
}

export type DriftOutcome = 'clean' | 'accepted' | 'refused';

export interface DriftReport {
  readonly schema: typeof DRIFT_REPORT_SCHEMA;
  /** Where the check ran: promote, finish, retire-blue … */
  readonly point: string;
  readonly checkedAt: string;
  /** host:port/database of blue's database. */
  readonly database: string;
  readonly backup: { readonly finishedAt: string; readonly fingerprint: string };
  /** schema_meta differs from the backup's: `up` ran since (shared database). */
  readonly migratedSinceBackup: boolean;
  readonly outcome: DriftOutcome;
  /** The tables that differ from the backup; empty when clean. */
  readonly tables: readonly TableDrift[];
  /** Rows left out of the comparison because they are not the team's: the write freeze's. */
  readonly leftOut: readonly { readonly table: string; readonly id: string; readonly why: string }[];
  /** Every acceptance up to this check, the earliest first. */
  readonly accepted: readonly AcceptedDrift[];
}

const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
const TABLE_NAMES = ENTITY_TABLES.map((t) => t.table);

/** What a later check reads of an earlier report: its point and its acceptances. */
export const DRIFT_REPORT: Contract = {
  schema: DRIFT_REPORT_SCHEMA,
  name: 'drift report',
  shape: object({
    point: matching(/^[a-z0-9-]{1,40}$/, 'a check point name'),
    checkedAt: matching(TIME, 'a UTC time'),
    accepted: listOf(object({
      point: matching(/^[a-z0-9-]{1,40}$/, 'a check point name'),
      checkedAt: matching(TIME, 'a UTC time'),
      acceptDrift: text(),
      tables: listOf(object({
        table: text((v) => TABLE_NAMES.includes(v), 'a Kong entity table'),
        rows: nullable(wholeNumber(0)),
        hash: nullable(matching(/^-?\d{1,30}$/, 'a row-hash sum')),
        summary: text(),
      })),
    })),
  }),
};

export async function readDriftReport(file: string, input: string): Promise<DriftReport> {
  return readContract<DriftReport>(file, input, [DRIFT_REPORT]);
}

const LISTED = 10;

function entities(kind: string, rows: readonly RowChange[] | null): string | undefined {
  if (rows === null || rows.length === 0) return undefined;
  const named = rows.slice(0, LISTED).map((row) => (row.name === undefined ? row.id : `"${row.name}" ${row.id}`));
  return `${kind} ${rows.length}: ${named.join(', ')}${rows.length > LISTED ? `, and ${rows.length - LISTED} more` : ''}`;
}

/** One table's drift on one line: counts, then the entities named. */
export function describeTable(t: TableDrift): string {
  const counts = t.backupRows === null ? `${t.rows} rows, not in the backup`
    : t.rows === null ? `gone, ${t.backupRows} rows in the backup`
    : t.rows === t.backupRows ? `same ${t.rows} rows, content differs`
    : `${t.rows} rows, backup has ${t.backupRows}`;
  const named = [entities('added', t.added), entities('removed', t.removed), entities('changed', t.changed)].filter((part) => part !== undefined);
  const detail = named.length > 0 ? named.join('; ') : t.note;
  return `${t.table}: ${counts}${detail ? ` (${detail})` : ''}`;
}

/** The report's verdict on one line, for logs and errors. */
export function describeDrift(report: DriftReport): string {
  if (report.tables.length === 0) return `${report.database} equals the backup of ${report.backup.finishedAt}`;
  return `${report.database} changed since the backup of ${report.backup.finishedAt}: ${report.tables.map(describeTable).join('; ')}`;
}

/** The summary section every action that checks drift writes, with the acceptances so far. */
export function renderDriftMarkdown(report: DriftReport): string {
  const title = { clean: 'no writes since the backup', accepted: 'writes since the backup, accepted', refused: 'writes since the backup, refused' }[report.outcome];
  const parts = [`### Drift check before ${report.point}: ${title}\n`];
  parts.push(`Blue's database ${escapeCell(report.database)} against the backup of ${report.backup.finishedAt} (fingerprint ${report.backup.fingerprint.slice(0, 12)})${report.migratedSinceBackup ? '; migrations ran since the backup (schema_meta differs), rows are compared on the columns the backup has' : ''}.\n`);
  if (report.tables.length > 0) {
    parts.push(markdownTable(['Table', 'Backup', 'Now', 'What changed', 'Accepted'], report.tables.map((t) => [
      t.table,
      t.backupRows === null ? '–' : String(t.backupRows),
      t.rows === null ? '–' : String(t.rows),
      describeTable(t).replace(/^[^:]+: /, ''),
      t.accepted === 'now' ? 'yes (accept-drift)' : t.accepted === 'earlier' ? 'yes, earlier' : 'no',
    ])));
  }
  if (report.leftOut.length > 0) parts.push(`\nLeft out: ${report.leftOut.map((row) => `${row.table} ${row.id} (${row.why})`).join(', ')}.\n`);
  if (report.accepted.length > 0) {
    parts.push('\n> [!WARNING]\n> Drift accepted: these writes made after the backup are not in it (a rollback to the backup loses them; a copy restored from it lacks them).\n');
    parts.push(bulletList(report.accepted.flatMap((a) => a.tables.map((t) => `before ${a.point} (${a.checkedAt}, accept-drift: ${a.acceptDrift}): ${t.summary}`))));
  }
  return `${parts.join('\n')}\n`;
}
