import { inputError } from './errors.js';
import { maskSecret, readEnum, readHttpUrl, readPositiveInteger, readSecret, readString, type InputSource } from './inputs.js';
import { hasControl } from './log-text.js';

/**
 * The inputs every action shares (DESIGN.md "Inputs shared by every action"), read and
 * validated in one place before any side effect. Passwords are masked as they are read.
 */

export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

export interface DatabaseConnection {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string | undefined;
  readonly database: string;
  readonly sslmode: SslMode;
}

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

/** libpq's environment for child processes (pg_dump, kong): the password never goes in argv. */
export function libpqEnvironment(db: DatabaseConnection): Record<string, string> {
  const env: Record<string, string> = {
    PGHOST: db.host,
    PGPORT: String(db.port),
    PGUSER: db.user,
    PGDATABASE: db.database,
    PGSSLMODE: db.sslmode,
  };
  if (db.password !== undefined) env.PGPASSWORD = db.password;
  return env;
}

/** Host, port and database only: what may appear in logs, outputs and manifests. */
export function describeDatabase(db: DatabaseConnection): string {
  return `${db.user}@${db.host}:${db.port}/${db.database}`;
}

export interface AdminApiTarget {
  /** The input that gave the URL (admin-url, front-admin-url …), for errors that blame it. */
  readonly input?: string;
  readonly url: string;
  readonly token: string | undefined;
  /** A workspace name, or 'all' for every workspace (Enterprise). Undefined: the default workspace. */
  readonly workspace: string | undefined;
}

/** The Admin API inputs; promote reads a second set (blue-admin-url …) under other names. */
export function readAdminInputs(
  source: InputSource,
  names: { url: string; token: string; workspace: string } = { url: 'admin-url', token: 'admin-token', workspace: 'workspace' },
): AdminApiTarget | undefined {
  const token = readSecret(source, names.token);
  // Masked line by line above; refused here, since a header value is one line.
  if (token !== undefined && hasControl(token)) throw inputError(names.token, 'holds a line break or another control character; a token is one line (it is sent as the Kong-Admin-Token header)');
  const url = readHttpUrl(source, names.url);
  if (url === undefined) {
    if (token !== undefined) throw inputError(names.url, `is required when ${names.token} is set`);
    return undefined;
  }
  return { input: names.url, url, token, workspace: readString(source, names.workspace) };
}
