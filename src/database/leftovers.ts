import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import type { LedgerEntry, RunDir } from '../lib/run-dir.js';
import { stopGpgAgent } from './encryption.js';
import { describeObjectBackup, undoObjectBackup } from './object-storage/leftover.js';
import { withClient, type DatabaseTarget } from './postgres/connect.js';
import { dropScratch, endSessionsNamed, recoverSwap } from './postgres/swap.js';

/**
 * What a backup-db run left outside its private folder, from its ledger (lib/run-dir.ts): said in
 * the summary of a step that failed, and undone by the post step after a step that was killed.
 * Each kind is written by the code that makes the thing: `process` (restore.ts, a running
 * pg_restore), `swap` and `scratch-database` (swap.ts, restore.ts, verify.ts), `clean-restore`
 * (restore.ts), `backup-folder` (dump.ts), `object-backup` (object-storage/remote-backup.ts), `gpg-home` (encryption.ts).
 */
export function describeLeftover(entry: LedgerEntry): string {
  const at = `${entry.host}:${entry.port}`;
  switch (entry.kind) {
    case 'process':
      return `${entry.command}${entry.pid === null ? '' : ` (pid ${entry.pid})`} restoring into "${entry.database}" on ${at}`;
    case 'swap':
      return `an unfinished swap of "${entry.target}" on ${at} (the target renamed aside as "${entry.aside}", the copy "${entry.scratch}")`;
    case 'scratch-database':
      return `the scratch database "${entry.database}" on ${at}`;
    case 'clean-restore':
      return Number(entry.jobs) > 1
        ? `"${entry.database}" on ${at} is PARTLY RESTORED: restore-method clean with jobs ${entry.jobs} stopped halfway; restore again before anything uses it`
        : `"${entry.database}" on ${at}: an unfinished restore-method clean (one transaction, rolled back once its pg_restore is stopped)`;
    case 'backup-folder':
      return `the unfinished backup folder ${entry.path} (no manifest; it may hold an unencrypted dump)`;
    case 'object-backup':
      return describeObjectBackup(entry);
    case 'gpg-home':
      return `a gpg home holding the imported key, with its gpg-agent (${entry.path})`;
    default:
      return `${entry.kind}: ${JSON.stringify(entry)}`;
  }
}

export interface Cleanup {
  /** What was undone, a line each. */
  readonly done: readonly string[];
  /** What could not be, with why: for the summary, to be done by hand. */
  readonly left: readonly string[];
}

/**
 * Undoes what the ledger holds, then removes the run folder (decrypted archives, JMX password
 * files, gpg homes). A stopped pg_restore first (so nothing writes while the rest is undone), a
 * target renamed aside next (it takes its name back), then scratch databases and the rest.
 * `server` gives the connection (the maintenance database) for a host and port the step's inputs
 * name; a database elsewhere is left and said.
 */
export async function cleanUpRun(runDir: RunDir, server: (host: string, port: number) => DatabaseTarget | undefined): Promise<Cleanup> {
  const done: string[] = [];
  const left: string[] = [];
  const entries = Object.entries(await runDir.entries());
  const order = ['process', 'swap', 'scratch-database', 'clean-restore', 'backup-folder', 'object-backup', 'gpg-home'];
  entries.sort(([, a], [, b]) => order.indexOf(a.kind) - order.indexOf(b.kind));
  for (const [key, entry] of entries) {
    try {
      const line = await undo(entry, server);
      done.push(line);
      await runDir.forget(key);
    } catch (error) {
      left.push(`${describeLeftover(entry)}: ${(error as Error).message}`);
    }
  }
  if (left.length === 0) await rm(runDir.path, { recursive: true, force: true });
  else left.push(`the run folder ${runDir.path} (kept with its ledger; it may hold a decrypted archive: remove it once the above is dealt with)`);
  return { done, left };
}

async function undo(entry: LedgerEntry, server: (host: string, port: number) => DatabaseTarget | undefined): Promise<string> {
  const on = <T>(fn: (client: pg.Client) => Promise<T>): Promise<T> => {
    const target = server(String(entry.host), Number(entry.port));
    if (!target) throw new Error(`no input names the server ${entry.host}:${entry.port}`);
    return withClient(target, 'cleaning up after the interrupted step', fn);
  };
  switch (entry.kind) {
    case 'process': {
      const stopped = entry.pid !== null && (await stopProcess(Number(entry.pid), String(entry.command)));
      const ended = await on((client) => endSessionsNamed(client, String(entry.applicationName)));
      return `${describeLeftover(entry)}: ${stopped ? 'stopped' : 'no longer running'}${ended > 0 ? `, ${ended} session(s) of it ended` : ''}`;
    }
    case 'swap':
      return on((client) => recoverSwap(client, { target: String(entry.target), aside: String(entry.aside), allowConnections: entry.allowConnections !== false }));
    case 'scratch-database': {
      const dropped = await on((client) => dropScratch(client, String(entry.database), undefined));
      if (!dropped) throw new Error('it could not be dropped (sessions still on it?)');
      return `dropped ${describeLeftover(entry)}`;
    }
    case 'clean-restore':
      return describeLeftover(entry);
    case 'backup-folder': {
      const folder = String(entry.path);
      if (existsSync(path.join(folder, 'manifest.json'))) return `the backup folder ${folder} is whole (it has its manifest)`;
      await rm(folder, { recursive: true, force: true });
      return `removed ${describeLeftover(entry)}`;
    }
    case 'object-backup':
      return undoObjectBackup(entry);
    case 'gpg-home':
      await stopGpgAgent(String(entry.path));
      await rm(String(entry.path), { recursive: true, force: true });
      return `stopped the gpg-agent and removed ${describeLeftover(entry)}`;
    default:
      throw new Error('unknown kind of leftover');
  }
}

/**
 * SIGTERM to a process still running `command` (checked in /proc, so a reused pid is left alone;
 * without /proc it is left to the server: its sessions are ended). pg_restore cancels its queries
 * and stops on SIGTERM. True when it was running.
 */
async function stopProcess(pid: number, command: string): Promise<boolean> {
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
  if (cmdline === undefined || !cmdline.split('\0').some((arg) => path.basename(arg) === command)) return false;
  try {
    process.kill(pid, 'SIGTERM');
    return true;
  } catch {
    return false;
  }
}
