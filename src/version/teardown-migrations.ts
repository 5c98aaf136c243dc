import { compareKongVersions, parseKongVersion, type KongVersion } from './kong-version.js';

/**
 * Migrations with a PostgreSQL `teardown` step: after `kong migrations up` they stay pending
 * until `kong migrations finish`, and once finished the old version's nodes can no longer use
 * the database. Core: kong-facts migrations-cli.md §4.1 (kong/db/migrations/core/init.lua,
 * first tag per name); plugins (bundled, applied only when the plugin is enabled): §4.2, the
 * names marked `*`.
 */
export interface TeardownMigration {
  /** `core` or the plugin's name, as `kong migrations list` names the subsystem. */
  readonly subsystem: string;
  readonly name: string;
  /** The first OSS tag that carries it. */
  readonly since: KongVersion;
}

/** The facts cover kong/kong tags up to here; later releases may add teardowns not listed. */
export const TEARDOWN_FACTS_END = parseKongVersion('3.9.3');

const ROWS: readonly (readonly [subsystem: string, name: string, since: string])[] = [
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
  ['http-log', '001_280_to_300', '3.0.0'],
  ['acme', '003_350_to_360', '3.6.0'],
  ['rate-limiting', '006_350_to_360', '3.6.0'],
  ['response-ratelimiting', '001_350_to_360', '3.6.0'],
  // First OSS tag 3.6.1; Enterprise also shipped it on its 3.3–3.5 branches (§4.2).
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
