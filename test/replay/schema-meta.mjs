// The database state a replayed sample needs: Kong's `schema_meta` (and a held `locks` row)
// with Kong's own DDL and column types (Kong/kong 3.4.2
// kong/db/strategies/postgres/connector.lua schema_bootstrap l.786: key, subsystem,
// last_executed, executed text[], pending text[]), so the action reads the rows Kong would have
// left. Used by the fake `kong` after each replayed command and by the tests before the first.
import pg from 'pg';

/**
 * @typedef {{ executed: string[], pending?: string[] | null }} Row
 * @typedef {'none' | Record<string, Row>} DatabaseState   'none': no schema_meta (needs bootstrap)
 */

/** @param {Record<string, string | undefined>} env KONG_PG_* as the action passes them to kong */
export function clientFromKongEnv(env) {
  return new pg.Client({
    host: env.KONG_PG_HOST,
    port: Number(env.KONG_PG_PORT ?? 5432),
    user: env.KONG_PG_USER,
    password: env.KONG_PG_PASSWORD,
    database: env.KONG_PG_DATABASE,
  });
}

/**
 * Replaces schema_meta with `state`; `lockTtlSeconds` also leaves a live `migrations` lock, as
 * another node holding it would (connector.lua insert_lock l.669).
 * @param {pg.Client} client @param {DatabaseState} state @param {number} [lockTtlSeconds]
 */
export async function writeDatabaseState(client, state, lockTtlSeconds) {
  await client.query('DROP TABLE IF EXISTS schema_meta');
  await client.query('DROP TABLE IF EXISTS locks');
  if (state === 'none') return;
  await client.query(`CREATE TABLE schema_meta (key text, subsystem text, last_executed text, executed text[], pending text[], PRIMARY KEY (key, subsystem))`);
  await client.query(`CREATE TABLE locks (key text PRIMARY KEY, owner text, ttl timestamp with time zone)`);
  for (const [subsystem, row] of Object.entries(state)) {
    await client.query('INSERT INTO schema_meta (key, subsystem, last_executed, executed, pending) VALUES ($1, $2, $3, $4, $5)', [
      'schema_meta',
      subsystem,
      row.executed.at(-1) ?? null,
      row.executed,
      row.pending === undefined ? [] : row.pending,
    ]);
  }
  if (lockTtlSeconds !== undefined) {
    await client.query(`INSERT INTO locks (key, owner, ttl) VALUES ('migrations', 'replayed-other-node', CURRENT_TIMESTAMP + make_interval(secs => $1))`, [lockTtlSeconds]);
  }
}
