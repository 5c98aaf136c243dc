import type pg from 'pg';
import { stepError } from '../../lib/errors.js';
import { describeDatabase, type DatabaseConnection } from '../connection.js';

/**
 * Connection options for the `pg` client: the password stays in-process, never in argv.
 * node-postgres has no libpq-style `prefer`/`allow` (try TLS, fall back): those connect without
 * TLS, which is what libpq ends up doing against a server that offers none.
 */
export function pgClientConfig(db: DatabaseConnection, connectTimeoutMs = 10_000): pg.ClientConfig {
  const ssl =
    db.sslmode === 'disable' || db.sslmode === 'allow' || db.sslmode === 'prefer'
      ? false
      : { rejectUnauthorized: db.sslmode === 'verify-ca' || db.sslmode === 'verify-full' };
  return {
    host: db.host,
    port: db.port,
    user: db.user,
    password: db.password,
    database: db.database,
    ssl,
    connectionTimeoutMillis: connectTimeoutMs,
    application_name: 'kong-upgrade-actions',
  };
}

/** `SHOW server_version`, e.g. "15.18 (Debian 15.18-0+deb12u1)" → "15.18". */
export async function readServerVersion(db: DatabaseConnection): Promise<string> {
  // Loaded on first use, so plans and actions without a database connection start faster.
  const { default: postgres } = await import('pg');
  const client = new postgres.Client(pgClientConfig(db));
  try {
    await client.connect();
    const result = await client.query<{ server_version: string }>('SHOW server_version');
    const raw = result.rows[0]?.server_version ?? '';
    return raw.split(' ')[0] ?? raw;
  } catch (error) {
    throw stepError(`reading the PostgreSQL version of ${describeDatabase(db)}`, (error as Error).message, error);
  } finally {
    await client.end().catch(() => {});
  }
}
