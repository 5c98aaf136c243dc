import { withClient } from '../database/postgres/connect.js';
import { stepError } from '../lib/errors.js';
import { count, describeMigrations, describeState, kongError, type StateReading } from '../kong/migration-state.js';
import { postgresSupport } from '../version/catalog.js';
import { releaseLine } from '../version/kong-version.js';
import { backupGate } from './backup-gate.js';
import { migrationArgs, refuseMultiHopWithoutPlan, verifyBinaryVersion, type Hop } from './hops.js';
import { runKongCommand } from './kong-command.js';
import { nextStep } from './next-step.js';
import { previewHops } from './preview.js';
import type { MigrateRequest } from './request.js';
import type { MigrateResult, PreflightCheck, Session } from './session.js';
import { smokeGate } from './smoke-gate.js';
import { currentHop, readState } from './state.js';

/**
 * One function per `command`, each reading the state first, refusing what is unsafe, and
 * recording what it ran in the session.
 */
export async function listCommand(request: MigrateRequest, hops: readonly Hop[], session: Session): Promise<MigrateResult> {
  const { index, reading } = await currentHop(request, hops, session);
  session.stateBefore = reading.state;
  session.stateAfter = reading.state;
  session.next = nextStep(reading, hops, index);
  session.log.info(`State with Kong ${hops[index]!.label}: ${describeState(reading.state)}`);
  return session.result('list', 'succeeded');
}

export async function bootstrapCommand(request: MigrateRequest, hops: readonly Hop[], session: Session): Promise<MigrateResult> {
  const hop = hops[hops.length - 1]!;
  await verifyBinaryVersion(hop);
  const reading = await readState(request, hop, session);
  session.stateBefore = reading.state;
  if (reading.state.kind !== 'needs-bootstrap') {
    // Kong would print `Database already bootstrapped` and exit 0; `bootstrap -f` would reset
    // (drop) the database first (Kong/kong 3.4.2 kong/cmd/migrations.lua l.177-182). Neither is offered.
    throw stepError('bootstrap', `refused: the database is already bootstrapped (${describeState(reading.state)}). bootstrap is for a new, empty database; to upgrade use up/finish. reset is not offered by this action`);
  }
  if (request.dryRun) {
    session.previews.push({ version: hop.label, upWouldRun: reading.state.new, finishWork: {} });
    session.stateAfter = reading.state;
    session.next = `Dry run: bootstrap would create Kong ${hop.label}'s schema${count(reading.state.new) > 0 ? ` and run ${count(reading.state.new)} migrations` : ''}.`;
    return session.result('bootstrap', 'dry-run');
  }
  await runKongCommand(request, hop, 'bootstrap', session);
  const after = session.stateAfter!;
  if (after.kind !== 'up-to-date') throw stepError('bootstrap', `Kong reported success but the database is ${describeState(after)}`);
  session.next = `Database bootstrapped for Kong ${hop.label}; start the nodes.`;
  return session.result('bootstrap', 'succeeded');
}

export async function upCommand(request: MigrateRequest, hops: readonly Hop[], session: Session): Promise<MigrateResult> {
  const { index, reading } = await currentHop(request, hops, session);
  const hop = hops[index]!;
  session.stateBefore = reading.state;
  session.stateAfter = reading.state;
  refuseUnsafeUp(request, reading, hop, session);
  await refuseMultiHopWithoutPlan(request, hops, session);
  if (reading.state.kind === 'up-to-date') {
    session.next = nextStep(reading, hops, index);
    session.log.info(`Nothing to migrate: the database is up to date for Kong ${hop.label}.`);
    return session.result('up', 'nothing-to-do');
  }
  if (request.dryRun) {
    await previewHops(request, hops.slice(index, index + 1), reading, session);
    await backupGate(request, session, 'dry-run');
    session.next = `Dry run: \`up\` with Kong ${hop.label} would run ${count(reading.state.new)} migration(s); nothing was changed.`;
    return session.result('up', 'dry-run');
  }
  await verifyBinaryVersion(hop);
  await backupGate(request, session, 'enforce');
  await runKongCommand(request, hop, 'up', session);
  const after = session.stateAfter!;
  if (after.kind === 'new' || after.kind === 'pending-and-new') {
    throw stepError(`kong migrations up (Kong ${hop.label})`, `Kong reported success but new migrations remain: ${describeState(after)}`);
  }
  session.next = after.kind === 'pending'
    ? `\`up\` done for Kong ${hop.label}; ${count(after.pending)} migration(s) wait for \`finish\`. Start and validate the new nodes (smoke-test), then run \`finish\` with the smoke report. Until then the old nodes keep working; after it they cannot.`
    : nextStep({ ...reading, state: after }, hops, index);
  return session.result('up', 'succeeded');
}

export async function finishCommand(request: MigrateRequest, hops: readonly Hop[], session: Session): Promise<MigrateResult> {
  const { index, reading } = await currentHop(request, hops, session);
  const hop = hops[index]!;
  session.stateBefore = reading.state;
  session.stateAfter = reading.state;
  if (reading.state.kind === 'needs-bootstrap') throw stepError('finish', 'refused: the database needs bootstrapping; there is nothing to finish');
  if (reading.state.kind === 'up-to-date' || reading.state.kind === 'new') {
    session.next = nextStep(reading, hops, index);
    session.log.info(`No pending migrations to finish (${describeState(reading.state)}).`);
    return session.result('finish', 'nothing-to-do');
  }
  if (request.dryRun) {
    session.previews.push({ version: hop.label, upWouldRun: {}, finishWork: reading.state.pending });
    await smokeGate(request, hop, session, 'dry-run');
    session.next = `Dry run: \`finish\` with Kong ${hop.label} would complete ${count(reading.state.pending)} migration(s); nothing was changed.`;
    return session.result('finish', 'dry-run');
  }
  await smokeGate(request, hop, session, 'enforce');
  await verifyBinaryVersion(hop);
  await runKongCommand(request, hop, 'finish', session, request.force);
  const after = session.stateAfter!;
  if (after.kind === 'pending' || after.kind === 'pending-and-new') {
    throw stepError(`kong migrations finish (Kong ${hop.label})`, `Kong reported success but migrations are still pending: ${describeState(after)}`);
  }
  session.next = nextStep({ ...reading, state: after }, hops, index);
  return session.result('finish', 'succeeded');
}

/**
 * Every hop in order, each hop's `up` and `finish` with that hop's version, the state re-read
 * between them: the in-place strategy (old nodes stopped), and the dual-cluster strategy on
 * the copied database. No node of the new version serves this database until the walk ends,
 * so the smoke gate of `finish` does not apply between hops.
 */
export async function upAndFinishCommand(request: MigrateRequest, hops: readonly Hop[], session: Session): Promise<MigrateResult> {
  const start = await currentHop(request, hops, session);
  session.stateBefore = start.reading.state;
  session.stateAfter = start.reading.state;
  refuseUnsafeUp(request, start.reading, hops[start.index]!, session);
  await refuseMultiHopWithoutPlan(request, hops, session);
  if (start.reading.state.kind === 'up-to-date') {
    session.next = `Nothing to migrate: the database is up to date for Kong ${hops[hops.length - 1]!.label}.`;
    return session.result('up-and-finish', 'nothing-to-do');
  }
  if (request.dryRun) {
    await previewHops(request, hops.slice(start.index), start.reading, session);
    await backupGate(request, session, 'dry-run');
    session.next = `Dry run: ${hops.length - start.index} hop(s) would run (${hops.slice(start.index).map((h) => h.label).join(' → ')}); nothing was changed.`;
    return session.result('up-and-finish', 'dry-run');
  }
  await backupGate(request, session, 'enforce');
  let reading = start.reading;
  for (let i = start.index; i < hops.length; i++) {
    const hop = hops[i]!;
    if (i > start.index) {
      reading = await readState(request, hop, session);
      session.stateAfter = reading.state;
      if (reading.state.kind === 'up-to-date') {
        session.log.info(`Hop ${i + 1}/${hops.length}: Kong ${hop.label} has no migrations for this database`);
        continue;
      }
      refuseUnsafeUp(request, reading, hop, session);
    }
    session.log.info(`Hop ${i + 1}/${hops.length}: Kong ${hop.label} (${describeState(reading.state)})`);
    await verifyBinaryVersion(hop);
    await runKongCommand(request, hop, 'up', session);
    if (session.stateAfter!.kind === 'pending') await runKongCommand(request, hop, 'finish', session);
    const after = session.stateAfter!;
    if (after.kind !== 'up-to-date') throw stepError(`hop to Kong ${hop.label}`, `after up and finish the database is ${describeState(after)}`);
  }
  session.next = `The database is migrated to Kong ${hops[hops.length - 1]!.label} (${hops.length - start.index} hop(s)); old-version nodes can no longer use it. Start the new nodes and smoke-test them.`;
  return session.result('up-and-finish', 'succeeded');
}

export async function checkCommand(request: MigrateRequest, hops: readonly Hop[], session: Session): Promise<MigrateResult> {
  const hop = hops[hops.length - 1]!;
  const add = (check: PreflightCheck) => {
    session.checks.push(check);
    (check.status === 'fail' ? session.log.warning : session.log.info)(`check ${check.name}: ${check.status}: ${check.detail}`);
  };
  // kong.conf with the target version: Kong 3.x rejects some 2.x values (kong/cmd/check.lua).
  if (request.kongConf !== undefined) {
    const result = await hop.runner.run(['check', hop.runner.confPath ?? request.kongConf], { purpose: 'check' });
    const errors = `${result.stderr}\n${result.stdout}`.split('\n').filter((l) => /\[error\]/.test(l)).map((l) => l.replace(/^.*\[error\] /, ''));
    add(result.exitCode === 0
      ? { name: 'kong-conf', status: 'pass', detail: `Kong ${hop.label}: ${result.stdout.trim()}` }
      : { name: 'kong-conf', status: 'fail', detail: `Kong ${hop.label} rejects ${request.kongConf}: ${errors.join('; ') || kongError(result)}` });
  } else {
    add({ name: 'kong-conf', status: 'warning', detail: 'no kong-conf given: the configuration was not checked against the target version' });
  }
  // The plugin list resolves when Kong can load every plugin's migrations: `list` loads them all.
  try {
    const reading = await readState(request, hop, session);
    session.stateBefore = reading.state;
    session.stateAfter = reading.state;
    add({ name: 'plugins', status: 'pass', detail: `Kong ${hop.label} loads ${request.plugins === undefined ? 'its default plugins' : request.plugins.join(',')}; state: ${describeState(reading.state)}` });
    if (Object.keys(reading.unloadedPending).length > 0) {
      add({ name: 'plugins-match', status: 'fail', detail: `pending migrations of plugins this list does not load: ${describeMigrations(reading.unloadedPending)}` });
    }
  } catch (error) {
    add({ name: 'plugins', status: 'fail', detail: error instanceof Error ? error.message : String(error) });
  }
  // PostgreSQL inside the target's supported range (kong/constants.lua: 9.5 minimum; tested list per line).
  const server = await withClient(request.database, 'reading the PostgreSQL version', async (client) =>
    (await client.query<{ num: string }>("SELECT current_setting('server_version_num') AS num")).rows[0]?.num ?? '0');
  const major = Math.floor(Number(server) / 10000);
  const support = postgresSupport(releaseLine(hop.version));
  if (Number(server) < 90500) add({ name: 'postgres', status: 'fail', detail: `PostgreSQL ${server} is below Kong's minimum 9.5` });
  else if (support === undefined) add({ name: 'postgres', status: 'warning', detail: `PostgreSQL ${major}: Kong publishes no tested list for ${releaseLine(hop.version)}` });
  else if (major < support.minimum) add({ name: 'postgres', status: 'fail', detail: `PostgreSQL ${major} is below the lowest version Kong ${releaseLine(hop.version)} is tested on (${support.tested.join(', ')})` });
  else if (!support.tested.includes(major)) add({ name: 'postgres', status: 'warning', detail: `PostgreSQL ${major} is not in Kong ${releaseLine(hop.version)}'s tested list (${support.tested.join(', ')})` });
  else add({ name: 'postgres', status: 'pass', detail: `PostgreSQL ${major} is tested with Kong ${releaseLine(hop.version)}` });

  const failed = session.checks.filter((c) => c.status === 'fail');
  session.next = failed.length === 0 ? 'Preflight passed.' : `Fix: ${failed.map((c) => c.name).join(', ')}.`;
  if (failed.length > 0) return session.result('check', 'failed', stepError('preflight check', failed.map((c) => `${c.name}: ${c.detail}`).join('; ')));
  return session.result('check', 'succeeded');
}

export function renderOnly(request: MigrateRequest, hops: readonly Hop[], session: Session): MigrateResult {
  const commands: ('list' | 'up' | 'finish' | 'bootstrap')[] =
    request.command === 'up-and-finish' ? ['up', 'finish'] : request.command === 'check' ? ['list'] : [request.command];
  for (const hop of hops) {
    // check runs `kong check <conf>` first when a conf is given (runCheck): shown the same way.
    if (request.command === 'check' && request.kongConf !== undefined) {
      session.rendered.push({ title: `kong check (Kong ${hop.label}, ${hop.runner.kind})`, text: hop.runner.render(['check', hop.runner.confPath ?? request.kongConf], 'check') });
    }
    for (const command of commands) {
      session.rendered.push({ title: `kong migrations ${command} (Kong ${hop.label}, ${hop.runner.kind})`, text: hop.runner.render(migrationArgs(request, hop, command), command) });
    }
  }
  session.next = 'Rendered only: nothing ran. The gates (backup, smoke report, state) are checked when the action runs them.';
  return session.result(request.command, 'rendered');
}

/** `up` refuses what Kong would refuse or do wrong, before anything runs. */
function refuseUnsafeUp(request: MigrateRequest, reading: StateReading, hop: Hop, session: Session): void {
  const state = reading.state;
  if (state.kind === 'needs-bootstrap') {
    throw stepError('up', 'refused: the database is not bootstrapped (no schema_meta). For a new installation run command: bootstrap; to upgrade, point the action at the existing database (and schema)');
  }
  const pending = state.kind === 'pending' || state.kind === 'pending-and-new';
  const unloaded = Object.keys(reading.unloadedPending).length > 0;
  if (!pending && !unloaded) return;
  const what = pending ? describeMigrations(state.pending) : describeMigrations(reading.unloadedPending);
  if (request.force) {
    session.warn(`force: running up although migrations of an earlier upgrade are pending (${what})`);
    return;
  }
  throw stepError(
    'up',
    `refused: pending migrations of an earlier upgrade remain (${what}). Finish them first (command: finish with the Kong version that ran that up) or roll back by restoring the backup; Kong itself refuses too ("Database has pending migrations; run 'kong migrations finish'", Kong/charts#92). This run would use Kong ${hop.label}`,
  );
}
