import { count, describeMigrations, type MigrationsBySubsystem, type StateReading } from '../kong/migration-state.js';
import { parseKongVersion } from '../version/kong-version.js';
import { teardownsBetween } from '../version/teardown-migrations.js';
import type { Hop } from './hops.js';
import type { MigrateRequest } from './request.js';
import type { Session } from './session.js';
import { readState } from './state.js';

/**
 * The migrations each hop's `up` would run, from `kong migrations list` of each hop's version
 * on the database as it is now: hop N's list shows hops 1..N's new migrations (state.lua
 * classifies everything after last_executed as new), so hop N's own are the difference. Its
 * `finish` has work for the new ones with a teardown step (teardown-migrations.ts) and for
 * what is already pending.
 */
export async function previewHops(request: MigrateRequest, hops: readonly Hop[], first: StateReading, session: Session): Promise<void> {
  let seen: MigrationsBySubsystem = {};
  for (const [i, hop] of hops.entries()) {
    const reading = i === 0 ? first : await readState(request, hop, session);
    const own = subtract(reading.state.new, seen);
    seen = reading.state.new;
    const teardowns = new Set(teardownsBetween(parseKongVersion('0.0.0'), hop.version).map((t) => `${t.subsystem}:${t.name}`));
    for (const name of request.plan?.plan.hops.find((h) => h.to === hop.label)?.teardownMigrations ?? []) teardowns.add(name);
    const finishWork: Record<string, string[]> = {};
    if (i === 0) for (const [s, names] of Object.entries(reading.state.pending)) finishWork[s] = [...names];
    for (const [s, names] of Object.entries(own)) {
      const withTeardown = names.filter((n) => teardowns.has(`${s}:${n}`));
      if (withTeardown.length > 0) finishWork[s] = [...(finishWork[s] ?? []), ...withTeardown];
    }
    session.previews.push({ version: hop.label, upWouldRun: own, finishWork });
    session.log.info(`dry run, Kong ${hop.label}: up would run ${count(own)} (${describeMigrations(own)}); finish would have ${count(finishWork) === 0 ? 'no work' : `work: ${describeMigrations(finishWork)}`}`);
  }
}

function subtract(a: MigrationsBySubsystem, b: MigrationsBySubsystem): MigrationsBySubsystem {
  const out: Record<string, string[]> = {};
  for (const [s, names] of Object.entries(a)) {
    const rest = names.filter((n) => !(b[s] ?? []).includes(n));
    if (rest.length > 0) out[s] = rest;
  }
  return out;
}
