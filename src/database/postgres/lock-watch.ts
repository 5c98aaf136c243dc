import { sleep } from '../../lib/concurrency.js';
import { connect, type DatabaseTarget } from './connect.js';
import { endSessionsNamed } from './swap.js';

/**
 * A watch over one pg_restore's sessions (found by their application_name) on a database other
 * clients use. A session that waits for a lock longer than `timeoutMs` is cancelled, and who held
 * the lock is kept for the error: pg_restore then stops (--exit-on-error) instead of waiting,
 * while every query of those clients queues behind its DROP. A server-side lock_timeout cannot do
 * this: the archive's own header sets `lock_timeout = 0` (pg_backup_archiver.c,
 * _doSetFixedOutputState). `end()` terminates what is left of those sessions: a pg_restore
 * stopped while a statement waits leaves a backend that would run that statement once the lock
 * comes.
 */
export interface LockWatch {
  /** Who held the lock, when a wait was cancelled. */
  readonly blockedBy: () => string | undefined;
  end(): Promise<void>;
}

export async function watchLocks(target: DatabaseTarget, applicationName: string, timeoutMs: number): Promise<LockWatch> {
  const client = await connect(target, 'watching the restore\'s locks');
  let blockedBy: string | undefined;
  let stopped = false;
  const every = Math.min(1000, Math.max(100, timeoutMs / 4));
  const loop = (async () => {
    while (!stopped) {
      const waiting = await client.query<{ pid: number; waited: number; blockers: string | null }>(
        `SELECT a.pid, extract(epoch FROM now() - a.query_start) * 1000 AS waited,
                (SELECT string_agg(b.usename || ' ' || coalesce(nullif(b.application_name, ''), 'unnamed') || ' (pid ' || b.pid || ')', ', ')
                   FROM pg_stat_activity b WHERE b.pid = ANY (pg_blocking_pids(a.pid))) AS blockers
           FROM pg_stat_activity a
          WHERE a.application_name = $1 AND a.wait_event_type = 'Lock'`,
        [applicationName],
      );
      const stuck = waiting.rows.find((row) => Number(row.waited) > timeoutMs);
      if (stuck) {
        blockedBy = stuck.blockers ?? 'another session';
        await client.query('SELECT pg_cancel_backend($1)', [stuck.pid]);
        return;
      }
      await sleep(every);
    }
  })().catch(() => {});
  return {
    blockedBy: () => blockedBy,
    async end() {
      stopped = true;
      await loop;
      await endSessionsNamed(client, applicationName).catch(() => {});
      await client.end().catch(() => {});
    },
  };
}
