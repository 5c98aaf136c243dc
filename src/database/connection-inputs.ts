import { inputError } from '../lib/errors.js';
import { maskSecret, readEnum, readPositiveInteger, readSecret, readString, type InputSource } from '../lib/inputs.js';
import { hasControl } from '../lib/log-text.js';
import { SSL_MODES, type DatabaseConnection, type SslMode } from './connection.js';

/**
 * The database inputs every action shares, read and validated before any side effect:
 * `database-url` (a postgres URI) or `pg-host`, `pg-port`, `pg-user`, `pg-password`,
 * `pg-database`, `pg-sslmode`. A password, alone or inside the URL, is masked as it is read.
 */

/** From `database-url` (a postgres URI) or the `pg-*` inputs; undefined when neither is given. */
export function readDatabaseInputs(source: InputSource): DatabaseConnection | undefined {
  const url = readSecret(source, 'database-url');
  const separate = ['pg-host', 'pg-port', 'pg-user', 'pg-password', 'pg-database'].filter(
    (name) => readString(source, name) !== undefined,
  );
  if (url !== undefined && separate.length > 0) {
    throw inputError('database-url', `give either database-url or the pg-* inputs, not both (also set: ${separate.join(', ')})`);
  }
  if (url !== undefined) return parseDatabaseUrl(url, source);
  const host = readString(source, 'pg-host');
  if (host === undefined) {
    if (separate.length > 0) throw inputError('pg-host', `is required when ${separate.join(', ')} is set`);
    return undefined;
  }
  return {
    host,
    port: readPositiveInteger(source, 'pg-port', 5432),
    user: readString(source, 'pg-user') ?? 'kong',
    password: readSecret(source, 'pg-password'),
    database: readString(source, 'pg-database') ?? 'kong',
    sslmode: readEnum(source, 'pg-sslmode', SSL_MODES, 'prefer'),
  };
}

function parseDatabaseUrl(text: string, source: InputSource): DatabaseConnection {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw inputError('database-url', 'is not a URL; expected postgres://user:password@host:5432/database');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw inputError('database-url', `scheme "${url.protocol}" is not supported; expected postgres:// or postgresql://`);
  }
  // Masked before it is decoded: a malformed escape must not leave it printable.
  if (url.password !== '') source.mask(url.password);
  const password = url.password === '' ? undefined : decodeUrlPart(url.password, 'the password');
  if (password !== undefined) maskSecret(source, password);
  const sslmode = url.searchParams.get('sslmode') ?? readString(source, 'pg-sslmode') ?? 'prefer';
  if (!(SSL_MODES as readonly string[]).includes(sslmode)) {
    throw inputError('database-url', `sslmode "${sslmode}" is not one of ${SSL_MODES.join(', ')}`);
  }
  const port = url.port === '' ? 5432 : Number(url.port);
  return {
    host: url.hostname === '' ? 'localhost' : decodeUrlPart(url.hostname, 'the host'),
    port,
    user: url.username === '' ? 'kong' : decodeUrlPart(url.username, 'the user'),
    password,
    database: url.pathname.length > 1 ? decodeUrlPart(url.pathname.slice(1), 'the database name') : 'kong',
    sslmode: sslmode as SslMode,
  };
}

/**
 * A %-escaped part of database-url, decoded. Refused when an escape is malformed (`%zz`) or
 * decodes to a control character: libpq takes its settings from C strings and the environment,
 * where a NUL cannot be passed (Node refuses it in a child's environment) and a line break
 * would split a log line. The value itself is never quoted: it may be the password.
 */
function decodeUrlPart(text: string, what: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(text);
  } catch {
    throw inputError('database-url', `${what} has a malformed %-escape; encode a literal % as %25`);
  }
  if (hasControl(decoded)) throw inputError('database-url', `${what} holds a control character (e.g. %00 or %0A), which a PostgreSQL connection setting cannot hold`);
  return decoded;
}
