/**
 * Kong reads every kong.conf property from `KONG_<NAME>` (Kong/kong 3.4.2
 * kong/conf_loader/init.lua l.1399: `"KONG_" .. upper(k)`; conf_loader/parse.lua l.920 in 3.9.3),
 * and the environment wins over the conf file (defaults < conf file < env). So the migration runner gets the database by environment:
 * the password never reaches an argv, and a user's kong.conf (`-c`) keeps everything else.
 */
export interface KongEnvironmentOptions {
  /**
   * `KONG_PLUGINS`: the same list as the runtime nodes. Kong only migrates the subsystems of
   * the plugins it loads (kong/db/migrations/subsystems.lua), so a runner with a different list
   * skips or misorders migrations (Kong/kong#4420, #6022, #14730).
   * Undefined: Kong's default (`bundled`), or the conf file's.
   */
  readonly plugins?: readonly string[];
}

/**
 * The connection Kong's pg_* properties describe: a database/connection.ts DatabaseConnection
 * fits, and kong/ needs nothing of database/ for it.
 */
export interface KongPostgres {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string | undefined;
  readonly database: string;
  /** libpq's sslmode: Kong has only pg_ssl and pg_ssl_verify. */
  readonly sslmode: string;
}

/** The variables that select the database, in the order a rendered command shows them. */
export function kongDatabaseEnvironment(db: KongPostgres, options: KongEnvironmentOptions = {}): Record<string, string> {
  const env: Record<string, string> = {
    KONG_DATABASE: 'postgres',
    KONG_PG_HOST: db.host,
    KONG_PG_PORT: String(db.port),
    KONG_PG_USER: db.user,
    KONG_PG_DATABASE: db.database,
    // Kong has pg_ssl/pg_ssl_verify booleans, no libpq-style prefer/allow: those mean "off"
    // here, which is what libpq ends up with against a server that offers no TLS.
    KONG_PG_SSL: sslOn(db) ? 'on' : 'off',
    KONG_PG_SSL_VERIFY: db.sslmode === 'verify-ca' || db.sslmode === 'verify-full' ? 'on' : 'off',
  };
  if (db.password !== undefined) env.KONG_PG_PASSWORD = db.password;
  if (options.plugins !== undefined && options.plugins.length > 0) env.KONG_PLUGINS = options.plugins.join(',');
  return env;
}

function sslOn(db: KongPostgres): boolean {
  return db.sslmode === 'require' || db.sslmode === 'verify-ca' || db.sslmode === 'verify-full';
}

/** The variable names that carry a secret: passed by reference (docker `-e NAME`, k8s secretKeyRef). */
export const SECRET_KONG_VARIABLES: readonly string[] = ['KONG_PG_PASSWORD'];
