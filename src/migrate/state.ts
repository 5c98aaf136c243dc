import { withClient } from '../database/postgres/connect.js';
import { parseMigrationsList, readMigrationsLock, reconcileState, type StateReading } from '../kong/migration-state.js';
import { readSchemaMeta } from '../kong/schema-meta.js';
import { migrationArgs, type Hop } from './hops.js';
import type { MigrateRequest } from './request.js';
import type { Session } from './session.js';

/**
 * Where the database stands for a hop's Kong: `kong migrations list` of that version and the
 * schema_meta rows read directly, reconciled (kong/migration-state.ts). Read before and after
 * every Kong command.
 */
export async function readState(request: MigrateRequest, hop: Hop, session: Session, emit = true): Promise<StateReading> {
  const result = await hop.runner.run(migrationArgs(request, hop, 'list'), { purpose: 'list' });
  const list = parseMigrationsList(result);
  const db = await withClient(request.database, 'reading schema_meta', async (client) => ({
    rows: await readSchemaMeta(client),
    lock: await readMigrationsLock(client),
  }));
  const reading = { ...reconcileState(list, db.rows), lock: db.lock };
  if (emit) emitWarnings(reading, session);
  return reading;
}

function emitWarnings(reading: StateReading, session: Session): void {
  for (const warning of reading.warnings) if (!session.warnings.includes(warning)) session.warn(warning);
}

/**
 * With a plan, the hop the database is at: the first whose Kong does not see it up to date.
 * Kong ignores executed names its code doesn't know (state.lua), so an older hop's Kong reads
 * a database migrated further as up to date.
 */
export async function currentHop(request: MigrateRequest, hops: readonly Hop[], session: Session): Promise<{ index: number; reading: StateReading }> {
  let last: StateReading | undefined;
  for (const [index, hop] of hops.entries()) {
    // An older hop's Kong can't see a newer plugin's rows: only the chosen hop's warnings count.
    const reading = await readState(request, hop, session, false);
    if (reading.state.kind !== 'up-to-date' || index === hops.length - 1) {
      emitWarnings(reading, session);
      return { index, reading };
    }
    last = reading;
  }
  return { index: hops.length - 1, reading: last! };
}
