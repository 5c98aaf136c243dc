import { parseArgs } from 'node:util';
import { readManifest } from '../database/manifest.js';
import { targetFromInputs, withClient, withDatabase } from '../database/postgres/connect.js';
import { errorMessage, inputError } from '../lib/errors.js';
import { readDatabaseInputs } from '../database/connection-inputs.js';
import { targetClashes, type TargetIdentity } from '../github/targets.js';

export const CHECK_TARGETS_USAGE = `check-targets: before a rehearsal changes anything, prove its targets are not production's
  --production-manifest F  a backup manifest of production (its database identity)
  --production-admin-url U, --production-proxy-url U
  --admin-url U, --proxy-url U   the rehearsal's
  the rehearsal's database: KONG_UPGRADE_DATABASE_URL in the environment (never a flag)
  --format github          failures as ::error:: lines (in a workflow)`;

/** The rehearsal database's identity; a database not created yet is read through the server's postgres database. */
async function identityOf(databaseUrl: string): Promise<TargetIdentity> {
  const db = readDatabaseInputs({ get: (name) => (name === 'database-url' ? databaseUrl : ''), mask: () => {} });
  if (!db) throw inputError('database-url', 'KONG_UPGRADE_DATABASE_URL is empty: the rehearsal database is unknown');
  const target = targetFromInputs(db, true);
  const query = 'SELECT system_identifier::text AS id FROM pg_control_system()';
  const read = (t: typeof target) => withClient(t, 'reading the rehearsal database identity', async (client) => {
    try {
      return (await client.query<{ id: string }>(query)).rows[0]?.id ?? null;
    } catch {
      return null; // pg_control_system() is not granted to every role: host and port decide then
    }
  });
  let systemIdentifier: string | null;
  try {
    systemIdentifier = await read(target);
  } catch (error) {
    if (!/does not exist/.test(errorMessage(error))) throw error;
    systemIdentifier = await read(withDatabase(target, 'postgres'));
  }
  return { host: db.host, port: db.port, database: db.database, systemIdentifier };
}

export async function checkTargets(args: readonly string[]): Promise<number> {
  const github = args.includes('--format') && args[args.indexOf('--format') + 1] === 'github';
  try {
    const { values } = parseArgs({
      args: [...args],
      strict: true,
      options: Object.fromEntries(['production-manifest', 'production-admin-url', 'production-proxy-url', 'admin-url', 'proxy-url', 'format'].map((n) => [n, { type: 'string' as const }])),
    });
    const manifestFile = values['production-manifest'];
    if (typeof manifestFile !== 'string' || manifestFile === '') throw inputError('production-manifest', 'is required');
    const manifest = await readManifest(manifestFile, 'production-manifest');
    const clashes = targetClashes({
      production: { database: manifest.database, adminUrl: String(values['production-admin-url'] ?? ''), proxyUrl: String(values['production-proxy-url'] ?? '') },
      rehearsal: { database: await identityOf(process.env.KONG_UPGRADE_DATABASE_URL ?? ''), adminUrl: String(values['admin-url'] ?? ''), proxyUrl: String(values['proxy-url'] ?? '') },
    });
    if (clashes.length === 0) {
      process.stdout.write("the rehearsal's database and URLs are not production's\n");
      return 0;
    }
    for (const clash of clashes) process.stdout.write(github ? `::error title=preproduction targets production::${clash}\n` : `${clash}\n`);
    process.stderr.write('kong-upgrade: check-targets: the rehearsal would change production; give the preproduction environment its own secrets and variables\n');
    return 1;
  } catch (error) {
    process.stdout.write(github ? `::error title=check-targets::${errorMessage(error)}\n` : '');
    process.stderr.write(`kong-upgrade: ${errorMessage(error)}\n`);
    return 1;
  }
}
