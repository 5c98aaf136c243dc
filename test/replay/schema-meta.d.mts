// Types for schema-meta.mjs (plain JS: the fake kong runs it without a build step).
import type pg from 'pg';

export interface Row {
  readonly executed: readonly string[];
  /** Absent: '{}'; null: NULL, as Kong leaves a subsystem that never had a teardown. */
  readonly pending?: readonly string[] | null;
}
/** 'none': no schema_meta table (Kong: needs bootstrap). */
export type DatabaseState = 'none' | Readonly<Record<string, Row>>;
export function clientFromKongEnv(env: Readonly<Record<string, string | undefined>>): pg.Client;
export function writeDatabaseState(client: pg.Client, state: DatabaseState, lockTtlSeconds?: number): Promise<void>;
