import type pg from 'pg';
import { inputError, stepError } from '../../lib/errors.js';
import type { RunDir } from '../../lib/run-dir.js';
import { quoteIdent } from './connect.js';

/**
 * The last step of restore-method swap: a checked copy (the scratch database) takes the target's
 * name. The target is never dropped before the copy holds its name: it is renamed aside first,
 * renamed back on any failure, and dropped only after. Sessions in the way are ended on the copy
 * always (nobody has a reason to be there: a monitoring agent that discovers databases, a DBA's
 * psql) and on the target only when allow-live-connections says so; a session that cannot be
 * ended stops the swap before the target changes. Each step is in the run's ledger first, so a
 * run killed halfway is undone by backup-db's post step (recoverSwap).
 */
export interface Swap {
  readonly host: string;
  readonly port: number;
  /** The target's name. */
  readonly name: string;
  readonly scratch: string;
  /** A database of that name exists (else the copy just takes the name). */
  readonly exists: boolean;
  /** allow-live-connections: end the target's sessions. */
  readonly disconnect: boolean;
  /** The name the target has while the copy takes its own. */
  readonly aside: string;
}

const STEP = 'swapping the restored copy in';

export async function swapIn(admin: pg.Client, swap: Swap, runDir: RunDir | undefined, log: (line: string) => void): Promise<{ previousKept: string | undefined }> {
  const { name, scratch, aside } = swap;
  // 1. The copy: no new sessions, and the ones there ended.
  await admin.query(`ALTER DATABASE ${quoteIdent(scratch)} WITH ALLOW_CONNECTIONS false`);
  const onCopy = await endSessions(admin, scratch);
  if (onCopy.length > 0) {
    const dropped = await dropScratch(admin, scratch, runDir);
    throw stepError(STEP, `${onCopy.length} session(s) on the restored copy "${scratch}" could not be ended (${onCopy.join(', ')}); the target "${name}" was left as it was${dropped ? '' : `, and the copy stays as "${scratch}" (drop it once they are gone)`}. End them (or grant the restoring role pg_signal_backend) and restore again`);
  }
  if (!swap.exists) {
    await renameOrDrop(admin, runDir, scratch, name);
    await allowConnections(admin, name, true);
    return { previousKept: undefined };
  }

  // 2. The target, renamed aside: whole, under another name, until the copy holds its own.
  const allowed = (await admin.query<{ allowed: boolean }>('SELECT datallowconn AS allowed FROM pg_database WHERE datname = $1', [name])).rows[0]?.allowed ?? true;
  await runDir?.note('swap', { kind: 'swap', host: swap.host, port: swap.port, target: name, aside, scratch, allowConnections: allowed });
  if (swap.disconnect) {
    await allowConnections(admin, name, false);
    const onTarget = await endSessions(admin, name);
    if (onTarget.length > 0) {
      await allowConnections(admin, name, allowed);
      await runDir?.forget('swap');
      const dropped = await dropScratch(admin, scratch, runDir);
      throw stepError(STEP, `${onTarget.length} session(s) on "${name}" could not be ended (${onTarget.join(', ')}); it was left as it was${dropped ? '' : `, the checked copy stays as "${scratch}"`}. End them (or grant the restoring role pg_signal_backend) and restore again`);
    }
  }
  try {
    await admin.query(`ALTER DATABASE ${quoteIdent(name)} RENAME TO ${quoteIdent(aside)}`);
  } catch (error) {
    if (swap.disconnect) await allowConnections(admin, name, allowed).catch(() => {});
    await runDir?.forget('swap');
    const dropped = await dropScratch(admin, scratch, runDir);
    const left = `the target "${name}" was left as it was${dropped ? '' : `, the checked copy stays as "${scratch}"`}`;
    if (!swap.disconnect && (error as { code?: string }).code === '55006') {
      throw inputError('allow-live-connections', `a client connected to "${name}" during the restore (${(error as Error).message}); ${left}. Stop the Kong nodes using it, or set allow-live-connections: true to disconnect them`, error);
    }
    throw stepError(STEP, `renaming "${name}" aside failed: ${(error as Error).message}; ${left}`, error);
  }

  // 3. The copy takes the name; on failure the target takes it back before anything is dropped.
  try {
    await admin.query(`ALTER DATABASE ${quoteIdent(scratch)} RENAME TO ${quoteIdent(name)}`);
  } catch (error) {
    try {
      await admin.query(`ALTER DATABASE ${quoteIdent(aside)} RENAME TO ${quoteIdent(name)}`);
      await allowConnections(admin, name, allowed);
    } catch (back) {
      // The ledger keeps the swap: backup-db's post step renames the target back.
      throw stepError(STEP, `the restored copy could not take the name "${name}" (${(error as Error).message}) and the target could not be renamed back (${(back as Error).message}). Nothing was dropped: the target is whole as "${aside}", the checked copy is "${scratch}"; rename "${aside}" back with ALTER DATABASE "${aside}" RENAME TO "${name}"`, error);
    }
    await runDir?.forget('swap');
    const dropped = await dropScratch(admin, scratch, runDir);
    throw stepError(STEP, `the restored copy could not take the name "${name}": ${(error as Error).message}; the target was renamed back and is as it was${dropped ? '' : `, the copy stays as "${scratch}"`}`, error);
  }
  await runDir?.forget(scratchKey(scratch));
  await allowConnections(admin, name, allowed);
  log(`Restored into "${name}" (scratch copy checked, then renamed in; the previous database renamed aside)`);

  // 4. The previous target, now that the copy holds its name.
  let previousKept: string | undefined;
  await endSessions(admin, aside);
  try {
    await admin.query(`DROP DATABASE ${quoteIdent(aside)}`);
  } catch (error) {
    previousKept = aside;
    log(`The previous "${name}" could not be dropped and is kept as "${aside}" (${(error as Error).message}): drop it once the restore is confirmed`);
  }
  await runDir?.forget('swap');
  return { previousKept };
}

/** The scratch database's ledger key (written before CREATE DATABASE, removed once it is gone or renamed). */
export function scratchKey(scratch: string): string {
  return `scratch-${scratch.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}

async function renameOrDrop(admin: pg.Client, runDir: RunDir | undefined, from: string, to: string): Promise<void> {
  try {
    await admin.query(`ALTER DATABASE ${quoteIdent(from)} RENAME TO ${quoteIdent(to)}`);
  } catch (error) {
    const dropped = await dropScratch(admin, from, runDir);
    throw stepError(STEP, `the restored copy could not take the name "${to}": ${(error as Error).message}${dropped ? '' : `; the copy stays as "${from}"`}`, error);
  }
  await runDir?.forget(scratchKey(from));
}

async function allowConnections(admin: pg.Client, database: string, allowed: boolean): Promise<void> {
  try {
    await admin.query(`ALTER DATABASE ${quoteIdent(database)} WITH ALLOW_CONNECTIONS ${allowed}`);
  } catch (error) {
    throw stepError(STEP, `could not set ALLOW_CONNECTIONS ${allowed} on "${database}": ${(error as Error).message}`, error);
  }
}

/**
 * Ends every other session on `database` that this role may end; returns those it could not
 * (a superuser's, another role's without pg_signal_backend), as `user application@address`.
 * The rename or drop that follows waits up to 5 s for ended sessions to go (CountOtherDBBackends).
 */
export async function endSessions(admin: pg.Client, database: string): Promise<string[]> {
  const sessions = await admin.query<{ pid: number; who: string }>(
    // client_addr and client_port read null for other roles' sessions without pg_read_all_stats.
    `SELECT pid, usename || ' ' || coalesce(nullif(application_name, ''), 'unnamed') || '@' ||
            coalesce(host(client_addr), CASE client_port WHEN -1 THEN 'local' END, 'address hidden') AS who
       FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
    [database],
  );
  const stuck: string[] = [];
  for (const session of sessions.rows) {
    const ended = await admin.query<{ ok: boolean }>('SELECT pg_terminate_backend($1) AS ok', [session.pid]).then((r) => r.rows[0]?.ok !== false, () => false);
    // false also when the session ended by itself between the listing and the signal (a pg_restore
    // that just finished): only one still listed is in the way.
    if (!ended && (await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [session.pid])).rows.length > 0) stuck.push(session.who);
  }
  return stuck;
}

/** Ends every session with this application_name (one pg_restore's, a worker's too); returns how many. */
export async function endSessionsNamed(client: pg.Client, applicationName: string): Promise<number> {
  const result = await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()', [applicationName]);
  return result.rows.length;
}

/** Drops a scratch database (ending its sessions first); false when it could not. */
export async function dropScratch(admin: pg.Client, scratch: string, runDir: RunDir | undefined): Promise<boolean> {
  await endSessions(admin, scratch).catch(() => []);
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(scratch)}`);
  } catch {
    return false;
  }
  await runDir?.forget(scratchKey(scratch));
  return true;
}

/**
 * What a killed run left, undone from its ledger (backup-db's post step): a target renamed aside
 * takes its name back (or, when the copy already holds it, is kept and named); scratch databases
 * are dropped. Returns a line per thing done or left.
 */
export async function recoverSwap(admin: pg.Client, entry: { target: string; aside: string; allowConnections: boolean }): Promise<string> {
  const present = async (db: string) => (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [db])).rows.length > 0;
  const [target, aside] = [await present(entry.target), await present(entry.aside)];
  if (!aside) return `"${entry.target}": the interrupted swap had not renamed it, or had finished`;
  if (!target) {
    await admin.query(`ALTER DATABASE ${quoteIdent(entry.aside)} RENAME TO ${quoteIdent(entry.target)}`);
    await allowConnections(admin, entry.target, entry.allowConnections);
    return `"${entry.target}" was renamed aside by the interrupted restore and has its name back, as it was`;
  }
  await allowConnections(admin, entry.target, entry.allowConnections);
  return `"${entry.target}" holds the restored copy (checked before the swap, but no manifest was written); the previous database is kept as "${entry.aside}": drop it once the restore is confirmed`;
}
