import { existsSync } from 'node:fs';
import path from 'node:path';
import { inputError, stepError } from '../../lib/errors.js';
import { execCommand } from '../../lib/exec.js';

/** The PostgreSQL client programs a backup and restore use. */
export interface PgTools {
  readonly pgDump: string;
  readonly pgRestore: string;
  /** e.g. "15.18" */
  readonly version: string;
  readonly major: number;
}

/**
 * `pg_dump`/`pg_restore` from `binDir` (input `pg-bin-dir`) or PATH, checked against the server:
 * pg_dump refuses servers newer than itself, and an operator should learn that before the
 * maintenance window, with what to install, rather than from pg_dump's own message.
 */
export async function findPgTools(binDir: string | undefined, serverMajor: number): Promise<PgTools> {
  return checkPgTools(await probePgTools(binDir), serverMajor);
}

/** What `pg_dump --version` said, asked before the server's version is known (a backup runs it while connecting). */
export type ProbedTools = { readonly ok: true; readonly tools: PgTools } | { readonly ok: false; readonly error: (serverMajor: number) => Error };

export async function probePgTools(binDir: string | undefined): Promise<ProbedTools> {
  const tool = (name: string) => (binDir === undefined ? name : path.join(binDir, name));
  if (binDir !== undefined && !existsSync(tool('pg_dump'))) {
    return { ok: false, error: () => inputError('pg-bin-dir', `${binDir} has no pg_dump`) };
  }
  let result: Awaited<ReturnType<typeof execCommand>>;
  try {
    result = await execCommand({ command: tool('pg_dump'), args: ['--version'] });
  } catch (error) {
    return { ok: false, error: (serverMajor) => stepError('finding pg_dump', `${(error as Error).message}; ${installHint(serverMajor)}`, error) };
  }
  const match = /(\d+)(?:\.(\d+))?/.exec(result.stdout);
  if (result.exitCode !== 0 || !match) {
    return { ok: false, error: () => stepError('finding pg_dump', `\`pg_dump --version\` answered "${result.stdout.trim() || result.stderr.trim()}"`) };
  }
  const major = Number(match[1]);
  const version = match[2] === undefined ? match[1]! : `${match[1]}.${match[2]}`;
  return { ok: true, tools: { pgDump: tool('pg_dump'), pgRestore: tool('pg_restore'), version, major } };
}

export function checkPgTools(probed: ProbedTools, serverMajor: number): PgTools {
  if (!probed.ok) throw probed.error(serverMajor);
  const { tools } = probed;
  if (tools.major < serverMajor) {
    throw stepError(
      'checking the PostgreSQL client version',
      `pg_dump ${tools.version} is older than the server (PostgreSQL ${serverMajor}) and cannot dump it; ${installHint(serverMajor)}`,
    );
  }
  return tools;
}

function installHint(serverMajor: number): string {
  return (
    `install a client of major ${serverMajor} or newer, e.g. on Ubuntu/Debian runners ` +
    `\`sudo apt-get install -y postgresql-client-${serverMajor}\` after adding the PGDG apt repository ` +
    `(https://wiki.postgresql.org/wiki/Apt), then set pg-bin-dir to /usr/lib/postgresql/${serverMajor}/bin`
  );
}

/** `server_version_num` 150018 → 15; 90624 → 9 (9.6: older than any client we meet). */
export function serverMajor(versionNum: number): number {
  return Math.floor(versionNum / 10_000);
}
