import { withClient } from '../database/postgres/connect.js';
import { stepError } from '../lib/errors.js';
import type { ExecResult } from '../lib/exec.js';
import { describeFailedMigration, describeState, failedMigration, kongError, logMessage, readMigrationsLock, refusesPendingMigrations, reportsAnotherNode, type StateReading } from '../kong/migration-state.js';
import { migrationArgs, type Hop } from './hops.js';
import type { MigrateRequest } from './request.js';
import type { MigrationRun, Session } from './session.js';
import { readState } from './state.js';

const ROLLBACK =
  'Rollback path: restore the backup taken before this upgrade (backup-db with mode: restore) and start the old version on it. ' +
  "`kong migrations down` is no rollback: Kong 1.0+ has no down migrations. Don't re-run the failed command blindly: " +
  'a migration that ran part-way can run twice (Kong/kong#12978).';

/** A bootstrap starts from a database with no Kong schema: there is no backup of it to go back to. */
function rollbackAdvice(command: string): string {
  return command === 'bootstrap' ? '' : ` ${ROLLBACK}`;
}

/** kong/db/init.lua run_migrations (Kong/kong 3.4.2 l.522, l.606): each subsystem, then each migration done. */
const MIGRATING = /^migrating (\S+) on /;
const MIGRATED = /^(\S+) migrated up to: (\S+) \((executed|pending)\)$/;

/**
 * Runs `up`, `finish` or `bootstrap` for one hop, timing each migration from its log line, and
 * re-reads the state after, whatever happened. A failure names the migration, the subsystem and
 * the state the database is left in.
 */
export async function runKongCommand(request: MigrateRequest, hop: Hop, command: 'up' | 'finish' | 'bootstrap', session: Session, force = false): Promise<void> {
  const args = migrationArgs(request, hop, command, force && command !== 'bootstrap');
  session.log.info(`kong ${args.join(' ')} (${hop.runner.describe()})`);
  const started = Date.now();
  let mark = started;
  const runs: MigrationRun[] = [];
  const result: ExecResult = await hop.runner.run(args, {
    purpose: command,
    onLine: (line) => {
      session.log.info(`  ${line}`);
      // Under --v/--vv every line starts with a timestamp and level: read the message after it.
      const message = logMessage(line).trim();
      if (MIGRATING.test(message)) {
        mark = Date.now();
        return;
      }
      const migrated = MIGRATED.exec(message);
      if (migrated) {
        const now = Date.now();
        runs.push({ hop: hop.label, command, subsystem: migrated[1]!, name: migrated[2]!, result: migrated[3] as 'executed' | 'pending', seconds: (now - mark) / 1000 });
        mark = now;
      }
    },
  });
  session.executed.push(...runs);
  const seconds = (Date.now() - started) / 1000;
  // The state after, whatever happened: re-read from Kong and schema_meta.
  let after: StateReading | undefined;
  let afterError: unknown;
  try {
    after = await readState(request, hop, session);
  } catch (error) {
    afterError = error;
  }
  if (after !== undefined) session.stateAfter = after.state;
  session.commands.push({ hop: hop.label, command, exitCode: result.exitCode, seconds, stateAfter: after?.state ?? session.stateAfter! });
  const stateNow = after === undefined ? `unknown (${(afterError as Error).message})` : describeState(after.state);
  const step = `kong migrations ${command} (Kong ${hop.label})`;

  // Exit 0 is not success when Kong says another node held the lock (Kong/kong 3.4.2
  // kong/cmd/utils/migrations.lua l.5, NOT_LEADER_MSG; bootstrap/finish don't wait, up waits and then aborts).
  if (reportsAnotherNode(result)) {
    throw stepError(step, `another node changed the database; state is now ${stateNow}. Kong printed "aborted: another node is performing database changes" (exit ${result.exitCode}): find the other runner (a Helm hook, another pipeline) before going on`);
  }
  if (result.exitCode === 0) return;

  // This action refuses pending migrations itself before calling up, so Kong's refusal of them
  // means another runner wrote them between this action's reading and this up.
  if (command === 'up' && !force && refusesPendingMigrations(result)) {
    throw stepError(step, `Kong refused: "Database has pending migrations; run 'kong migrations finish'" (exit ${result.exitCode}). They were not pending when this action read the state before up: another runner (a Helm hook, another pipeline) ran up in between. Find it before going on. State after: ${stateNow}`);
  }

  const failed = failedMigration(result);
  if (failed === undefined && /\[PostgreSQL error\] timeout/.test(`${result.stderr}\n${result.stdout}`)) {
    const lock = after?.lock ?? (await withClient(request.database, 'reading the migrations lock', readMigrationsLock).catch(() => undefined));
    throw stepError(
      step,
      lock === undefined
        ? `Kong timed out ([PostgreSQL error] timeout) after lock-timeout ${request.lockTimeoutSeconds} s or db-timeout ${request.dbTimeoutSeconds} s; the migrations lock is free now. State: ${stateNow}`
        : `the migrations lock was still held after lock-timeout (${request.lockTimeoutSeconds} s); it expires at ${lock.expiresAt}. Another node or a killed run holds it (its owner id is random). Wait for it to expire or for that run to end, then retry. State: ${stateNow}`,
    );
  }
  if (failed !== undefined) {
    throw stepError(step, `failed at migration ${describeFailedMigration(failed)}: ${failed.reason}. ${runs.length} migration(s) of this run completed before it. State after: ${stateNow}.${rollbackAdvice(command)}`);
  }
  throw stepError(step, `exited ${result.exitCode}: ${kongError(result)}. State after: ${stateNow}.${rollbackAdvice(command)}`);
}
