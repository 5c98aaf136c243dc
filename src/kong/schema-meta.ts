/**
 * Kong's migrations bookkeeping: one `schema_meta` row per subsystem with `key = 'schema_meta'`
 * (Kong/kong 3.4.2 kong/db/strategies/postgres/connector.lua: schema_migrations l.739,
 * schema_bootstrap l.786, record_migration l.893). The backup manifest records these rows and the
 * migrate action reads them to know where a database stands.
 */
export interface SchemaMetaRow {
  readonly subsystem: string;
  readonly lastExecuted: string | null;
  readonly executed: readonly string[];
  readonly pending: readonly string[];
}

/** Anything with a `query` like pg.Client: domain code stays independent of the driver. */
export interface Queryable {
  query<R extends object = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

/**
 * The rows, sorted by subsystem; undefined when the current schema has no `schema_meta` (Kong's
 * own check: "needs bootstrap", connector.lua schema_migrations).
 */
export async function readSchemaMeta(client: Queryable): Promise<SchemaMetaRow[] | undefined> {
  const exists = await client.query<{ found: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM information_schema.tables
                     WHERE table_schema = current_schema() AND table_name = 'schema_meta') AS found`,
  );
  if (!exists.rows[0]?.found) return undefined;
  const result = await client.query<{ subsystem: string; last_executed: string | null; executed: string[] | null; pending: string[] | null }>(
    `SELECT subsystem, last_executed, executed, pending FROM schema_meta
      WHERE key = 'schema_meta' ORDER BY subsystem`,
  );
  return result.rows.map((row) => ({
    subsystem: row.subsystem,
    lastExecuted: row.last_executed,
    executed: row.executed ?? [],
    pending: row.pending ?? [],
  }));
}

/**
 * The Kong release line a database's core migrations correspond to. Core migration names
 * carry it (`024_380_to_390` → 3.9, `025_390_to_3100` → 3.10, `009_200_to_210` → 2.1; kong/db/migrations/core/init.lua),
 * which is what a database can tell without a running Kong. Undefined when it cannot tell.
 */
export function kongLineFromSchemaMeta(rows: readonly SchemaMetaRow[]): string | undefined {
  const core = rows.find((row) => row.subsystem === 'core');
  const names = [...(core?.executed ?? []), ...(core?.pending ?? [])];
  let best: [number, number] | undefined;
  for (const name of names) {
    // major, minor, patch digit: `_to_390` → 3.9, `_to_3100` → 3.10 (025_390_to_3100.lua).
    const match = /_to_(\d)(\d+)\d$/.exec(name);
    if (!match) continue;
    const major = Number(match[1]);
    const minor = Number(match[2]);
    if (!best || major > best[0] || (major === best[0] && minor > best[1])) best = [major, minor];
  }
  if (best) return `${best[0]}.${best[1]}`;
  return names.includes('000_base') ? '1.0' : undefined;
}
