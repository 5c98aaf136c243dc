// Fault injection for tests (documented in test/kong-sim/README.md). Faults act on the real
// database so that what our product code then sees (rows, locks, connections) is real too.
//
//   KONG_SIM_FAIL_AT=<subsystem>:<migration>[:up|:teardown]
//       that migration's SQL runs and then raises inside the same transaction, so PostgreSQL
//       rolls it back and Kong's "failed to run migration '<name>' up: ERROR: …" path follows.
//   KONG_SIM_SLOW_MS=<ms>
//       each migration (up and teardown) also runs pg_sleep(ms) inside its transaction.
//   KONG_SIM_DISCONNECT_AFTER=<n>
//       after n migrations of this run, the simulator's backend is terminated from another
//       connection (pg_terminate_backend), as if the database connection were lost mid-way.

import pg from 'pg';

/**
 * @typedef {object} Faults
 * @property {(connector: import('./connector.mjs').Connector, done: number) => Promise<void>} beforeMigration
 * @property {string | undefined} failAt   "subsystem:migration:phase"
 * @property {number} slowMs
 */

/** @returns {Faults} */
export function faults() {
  const env = process.env;
  let failAt = env.KONG_SIM_FAIL_AT?.trim() || undefined;
  if (failAt && !/:(up|teardown)$/.test(failAt)) failAt = `${failAt}:up`;
  const slowMs = Number(env.KONG_SIM_SLOW_MS ?? 0) || 0;
  const disconnectAfter = env.KONG_SIM_DISCONNECT_AFTER !== undefined && env.KONG_SIM_DISCONNECT_AFTER !== ''
    ? Number(env.KONG_SIM_DISCONNECT_AFTER) : undefined;
  let disconnected = false;
  return {
    failAt,
    slowMs,
    async beforeMigration(connector, done) {
      if (disconnected || disconnectAfter === undefined || done !== disconnectAfter) return;
      disconnected = true;
      const pid = await connector.backendPid();
      const c = connector.config;
      const killer = new pg.Client({
        host: c.host, port: c.port, user: c.user, password: c.password ?? '', database: c.database,
        ssl: c.ssl ? { rejectUnauthorized: c.sslVerify } : false,
      });
      await killer.connect();
      try {
        await killer.query('SELECT pg_terminate_backend($1)', [pid]);
      } finally {
        await killer.end();
      }
      // Give the FATAL message time to reach our client before the next query.
      await new Promise((resolve) => setTimeout(resolve, 50));
    },
  };
}

/**
 * Runs a migration phase's SQL with the injected faults. `up` goes through run_up_migration
 * (BEGIN; … COMMIT; with ROLLBACK on error); Kong's teardowns are Lua functions that issue their
 * own queries, which we run in one transaction too.
 * @param {import('./connector.mjs').Connector} connector
 * @param {Faults} fx
 * @param {string} key "subsystem:migration"
 * @param {'up' | 'teardown'} phase
 * @param {string} sql
 */
export async function runInjected(connector, fx, key, phase, sql) {
  let body = sql;
  if (fx.slowMs > 0) body += `\nSELECT pg_sleep(${(fx.slowMs / 1000).toFixed(3)});`;
  if (fx.failAt === `${key}:${phase}`) {
    body += `\nDO $$ BEGIN RAISE EXCEPTION 'kong-sim: injected failure at ${key} ${phase}'; END $$;`;
  }
  await connector.runUpMigration(body);
}
