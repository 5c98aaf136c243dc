import type pg from 'pg';
import { inputError, stepError, type UpgradeError } from '../../lib/errors.js';
import { describeDatabase, type DatabaseConnection } from '../connection.js';
import { pgClientConfig } from './server-version.js';

/**
 * A database as the user gave it, with the names of the inputs that gave it, so a connection
 * failure can name the input to fix (`pg-password`, or `database-url` when the URL held it).
 */
export interface DatabaseTarget {
  readonly db: DatabaseConnection;
  /** Input names per part: all `database-url` when a URL was given; `target-` prefixed for restore targets. */
  readonly inputs: { readonly host: string; readonly user: string; readonly password: string; readonly database: string };
}

export function targetFromInputs(db: DatabaseConnection, viaUrl: boolean, prefix = ''): DatabaseTarget {
  const name = (part: string) => `${prefix}${viaUrl ? 'database-url' : `pg-${part}`}`;
  return { db, inputs: { host: name('host'), user: name('user'), password: name('password'), database: name('database') } };
}

/** The same server, another database (scratch databases, the maintenance database). */
export function withDatabase(target: DatabaseTarget, database: string): DatabaseTarget {
  return { ...target, db: { ...target.db, database } };
}

export async function connect(target: DatabaseTarget, step: string): Promise<pg.Client> {
  const { default: postgres } = await import('pg');
  const client = new postgres.Client(pgClientConfig(target.db));
  // A server going away mid-query surfaces through the query's promise; don't crash on 'error'.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw connectionError(target, step, error);
  }
  return client;
}

export async function withClient<T>(target: DatabaseTarget, step: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await connect(target, step);
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Connection failures as an error naming the input to fix; anything else as a step error. */
function connectionError(target: DatabaseTarget, step: string, error: unknown): UpgradeError {
  const where = describeDatabase(target.db);
  const e = error as { code?: string; message?: string };
  const message = e.message ?? String(error);
  switch (e.code) {
    case '28P01':
    case '28000':
      return inputError(target.inputs.password, `PostgreSQL refused the login of ${where} (${message}); check the password and user`, error);
    case '3D000':
      return inputError(target.inputs.database, `database "${target.db.database}" does not exist on ${target.db.host}:${target.db.port}`, error);
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EHOSTUNREACH':
    case 'ETIMEDOUT':
      return inputError(target.inputs.host, `cannot reach PostgreSQL at ${target.db.host}:${target.db.port} (${e.code})`, error);
    default:
      if (/timeout/i.test(message)) {
        return inputError(target.inputs.host, `no answer from PostgreSQL at ${target.db.host}:${target.db.port} (${message})`, error);
      }
      return stepError(`${step} (${where})`, message, error);
  }
}

/** libpq's words in pg_dump/pg_restore stderr, mapped the same way. */
export function libpqFailure(target: DatabaseTarget, stderr: string): UpgradeError | undefined {
  const where = describeDatabase(target.db);
  const line = stderr.split('\n').find((l) => /error|fatal/i.test(l))?.trim() ?? stderr.trim();
  if (/password authentication failed|no password supplied|authentication failed/i.test(stderr)) {
    return inputError(target.inputs.password, `PostgreSQL refused the login of ${where}: ${line}`);
  }
  if (/database ".*" does not exist/i.test(stderr)) {
    return inputError(target.inputs.database, `database "${target.db.database}" does not exist on ${target.db.host}:${target.db.port}`);
  }
  if (/could not connect|Connection refused|could not translate host name|timeout expired/i.test(stderr)) {
    return inputError(target.inputs.host, `cannot reach PostgreSQL at ${target.db.host}:${target.db.port}: ${line}`);
  }
  return undefined;
}

/**
 * The database names this suite reads, connects to and creates: letters, digits, `_ $ . -`, at
 * most 63 bytes (NAMEDATALEN - 1, longer names are cut by the server). Stricter than what a
 * quoted identifier allows on purpose: a name also reaches libpq (pg_restore --dbname), which
 * reads a value holding `=` or a URI prefix as a whole connection string, host and all.
 */
export const DATABASE_NAME_RULE = 'letters, digits, _ $ . -, at most 63 bytes';

export function isDatabaseName(name: string): boolean {
  return /^[\p{L}\p{N}_$.-]+$/u.test(name) && Buffer.byteLength(name) <= 63;
}

/**
 * `--dbname` for pg_restore: a conninfo string holding only `dbname`, quoted as libpq reads
 * quoted values, so the name is a name whatever it holds; host, user and password come from the
 * environment (libpqEnvironment).
 */
export function dbnameArgument(name: string): string {
  return `--dbname=dbname='${name.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

/** Double-quoted identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
