import { compareKongVersions, parseKongVersion, type KongVersion } from './kong-version.js';

/**
 * Migrations with a PostgreSQL `teardown` step: after `kong migrations up` they stay pending
 * until `kong migrations finish`, and once finished the old version's nodes can no longer use
 * the database. Core: Kong/kong kong/db/migrations/core/*.lua, the first tag that carries each
 * name; plugins (bundled, applied only when the plugin is enabled): kong/plugins/<name>/
 * migrations/*.lua whose `postgres` part has a `teardown`.
 */
export interface TeardownMigration {
  /** `core` or the plugin's name, as `kong migrations list` names the subsystem. */
  readonly subsystem: string;
  readonly name: string;
  /** The first OSS tag that carries it. */
  readonly since: KongVersion;
}

/** The list covers Kong/kong tags up to here; later releases may add teardowns not listed. */
export const TEARDOWN_FACTS_END = parseKongVersion('3.9.3');

// Read from the Postgres half of every migration file at the tags 1.0.0–3.9.3 (a teardown only in
// the `cassandra` half does not count). basic-auth, hmac-auth, jwt and key-auth 003_200_to_210 are
// operations/200_to_210.lua's ws_migrate_plugin, which has one; pre-function and post-function
// 001_280_to_300 are pre-function/migrations/_001_280_to_300.lua, which has one too (observed on
// real Kong 3.4.2: `up` from 2.8.5 leaves them pending and `finish` runs them). The 1.0.0 rows
// existed until 1.5.x and matter only for an upgrade from 0.x.
const ROWS: readonly (readonly [subsystem: string, name: string, since: string])[] = [
  ['core', '001_14_to_15', '1.0.0'],
  ['core', '002_15_to_1', '1.0.0'],
  ['acl', '001_14_to_15', '1.0.0'],
  ['oauth2', '001_14_to_15', '1.0.0'],
  ['oauth2', '002_15_to_10', '1.0.0'],
  ['rate-limiting', '001_14_to_15', '1.0.0'],
  ['rate-limiting', '002_15_to_10', '1.0.0'],
  ['response-ratelimiting', '001_14_to_15', '1.0.0'],
  ['response-ratelimiting', '002_15_to_10', '1.0.0'],
  ['core', '005_120_to_130', '1.3.0'],
  ['core', '008_150_to_200', '2.0.0'],
  ['core', '009_200_to_210', '2.1.0'],
  ['core', '012_213_to_220', '2.2.0'],
  ['core', '016_280_to_300', '3.0.0'],
  ['acl', '003_200_to_210', '2.1.0'],
  ['acl', '004_212_to_213', '2.1.3'],
  ['bot-detection', '001_200_to_210', '2.1.0'],
  ['ip-restriction', '001_200_to_210', '2.1.0'],
  ['oauth2', '004_200_to_210', '2.1.0'],
  ['basic-auth', '003_200_to_210', '2.1.0'],
  ['hmac-auth', '003_200_to_210', '2.1.0'],
  ['jwt', '003_200_to_210', '2.1.0'],
  ['key-auth', '003_200_to_210', '2.1.0'],
  ['http-log', '001_280_to_300', '3.0.0'],
  ['pre-function', '001_280_to_300', '3.0.0'],
  ['post-function', '001_280_to_300', '3.0.0'],
  ['acme', '003_350_to_360', '3.6.0'],
  ['rate-limiting', '006_350_to_360', '3.6.0'],
  ['response-ratelimiting', '001_350_to_360', '3.6.0'],
  // First OSS tag 3.6.1; Enterprise also shipped it on its 3.3–3.5 branches
  // (Kong/kong release/3.3.x–3.5.x after their last OSS tags).
  ['opentelemetry', '001_331_to_332', '3.6.1'],
  ['ai-proxy', '001_360_to_370', '3.7.0'],
];

const TEARDOWNS: readonly TeardownMigration[] = ROWS.map(([subsystem, name, since]) => ({
  subsystem,
  name,
  since: parseKongVersion(since),
})).sort((a, b) => compareKongVersions(a.since, b.since));

/** The teardown migrations an upgrade from `from` to `to` applies, oldest first. */
export function teardownsBetween(from: KongVersion, to: KongVersion): readonly TeardownMigration[] {
  return TEARDOWNS.filter((m) => compareKongVersions(m.since, from) > 0 && compareKongVersions(m.since, to) <= 0);
}
