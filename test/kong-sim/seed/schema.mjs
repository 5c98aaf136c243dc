// Creates Kong's tables in a database the way `kong migrations bootstrap` would leave them at a
// given version, using the kong-sim migration DDL (test/kong-sim/db/schema.mjs + lib/catalog.mjs),
// without spawning the simulated CLI. No schema_meta rows are written: use the simulated
// `kong migrations bootstrap` (test/kong-sim/bin/kong) when a test needs Kong's bookkeeping too.
import { upSql, teardownSql, DEFAULT_WORKSPACE_ID } from '../db/schema.mjs';
import { subsystemsAt, loadedPlugins } from '../lib/catalog.mjs';
import { FALLBACK_EE_DDL } from './fallback-schema.mjs';

export { DEFAULT_WORKSPACE_ID };

/**
 * @param {import('pg').ClientBase} client
 * @param {{ version?: string, enterprise?: boolean }} [options]
 *   version: Kong version whose migrations to run (default 3.4.2);
 *   enterprise: also create the EE-only tables the simulator serves (consumer_groups, UNVERIFIED DDL).
 */
export async function createKongSchema(client, { version = '3.4.2', enterprise = false } = {}) {
  const subsystems = subsystemsAt(version, loadedPlugins('bundled', version));
  const sql = [];
  for (const s of subsystems) for (const m of s.migrations) sql.push(upSql(s.subsystem, m.name));
  // `bootstrap` runs every teardown too (kong/cmd/utils/migrations.lua: bootstrap = up + finish).
  for (const s of subsystems) for (const m of s.migrations) if (m.teardown) sql.push(teardownSql(s.subsystem, m.name));
  if (enterprise) sql.push(FALLBACK_EE_DDL);
  await client.query(`BEGIN;\n${sql.join('\n')}\nCOMMIT;`);
}
