/**
 * A PostgreSQL database as the suite connects to it: what backup-db, migrate and the plan read
 * from their database inputs (connection-inputs.ts), and what reaches child processes only
 * through libpq's environment.
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
