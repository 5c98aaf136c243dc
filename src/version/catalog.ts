import { inputError } from '../lib/errors.js';
import { ENTERPRISE_RELEASES, OSS_RELEASES, type ReleaseRow } from './catalog-data.js';
import {
  compareKongVersions,
  editionOf,
  formatKongVersion,
  isPrerelease,
  parseKongVersion,
  releaseLine,
  type Edition,
  type KongVersion,
} from './kong-version.js';

/**
 * The built-in catalog: every release line with its support facts, and every released version
 * per edition (generated into catalog-data.ts by scripts/gen-catalog.mjs). It lets a plan list
 * releases and validate versions offline; test/version/catalog.test.ts cross-checks it against
 * the shared Kong data files so it cannot drift silently.
 */

export interface PostgresSupport {
  /** PostgreSQL majors Kong tested the line against, ascending. */
  readonly tested: readonly number[];
  /** The lowest tested major: below it a plan warns (Kong's "9.5+" is a build minimum only). */
  readonly minimum: number;
}

export interface CatalogLine {
  /** "3.4" */
  readonly line: string;
  readonly major: number;
  readonly minor: number;
  readonly lts: boolean;
  /** ISO date; undefined where Kong's data does not give one (3.0–3.2, before 2.8). */
  readonly endOfLife: string | undefined;
  /** Date of the line's earliest dated release in either edition. */
  readonly firstReleased: string | undefined;
  /** No OSS releases from 3.10 on; no Enterprise data before 2.8. */
  readonly latestOss: KongVersion | undefined;
  readonly latestEnterprise: KongVersion | undefined;
  /** Undefined where Kong published no tested list (before 2.8, 3.0, 3.1). */
  readonly postgres: PostgresSupport | undefined;
  readonly cassandra: boolean;
}

export interface CatalogRelease {
  readonly version: KongVersion;
  /** ISO date YYYY-MM-DD when the source gives one. */
  readonly date: string | undefined;
}

interface LineFacts {
  readonly lts?: true;
  readonly endOfLife?: string;
  readonly postgres?: readonly number[];
}

const PG_12_TO_15 = [12, 13, 14, 15];
const PG_12_TO_16 = [12, 13, 14, 15, 16];
const PG_13_TO_17 = [13, 14, 15, 16, 17];

// LTS and end-of-life: developer.konghq.com app/_data/products/gateway.yml (bc1cd742) for 3.4
// and 3.7–3.15; docs.konghq.com app/_data/kong_versions.yml (fb0334b0) for 2.8, 3.3, 3.5, 3.6,
// which the newer file no longer lists. Where both list a line the newer file wins (3.8, 3.9).
// PostgreSQL tested lists: docs.konghq.com app/_data/tables/support/gateway/versions/28.yml,
// 32.yml, 33.yml, 35–38.yml (fb0334b0) and gateway.yml for 3.4 and 3.7+.
const LINE_FACTS: Readonly<Record<string, LineFacts>> = {
  '2.8': { lts: true, endOfLife: '2025-03-31', postgres: PG_12_TO_15 },
  '3.2': { postgres: PG_12_TO_15 },
  '3.3': { endOfLife: '2024-05-19', postgres: PG_12_TO_15 },
  '3.4': { lts: true, endOfLife: '2026-08-31', postgres: PG_12_TO_16 },
  '3.5': { endOfLife: '2024-11-08', postgres: PG_12_TO_16 },
  '3.6': { endOfLife: '2025-02-12', postgres: PG_12_TO_16 },
  '3.7': { endOfLife: '2025-05-31', postgres: PG_12_TO_16 },
  '3.8': { endOfLife: '2025-09-11', postgres: PG_12_TO_16 },
  '3.9': { endOfLife: '2025-12-12', postgres: PG_13_TO_17 },
  '3.10': { lts: true, endOfLife: '2028-03-31', postgres: PG_13_TO_17 },
  '3.11': { endOfLife: '2026-07-03', postgres: PG_13_TO_17 },
  '3.12': { endOfLife: '2026-10-01', postgres: PG_13_TO_17 },
  '3.13': { endOfLife: '2026-12-18', postgres: PG_13_TO_17 },
  '3.14': { lts: true, endOfLife: '2029-04-07', postgres: PG_13_TO_17 },
  '3.15': { endOfLife: '2027-07-02', postgres: PG_13_TO_17 },
};

// Cassandra was removed in 3.4.0 (Kong/kong#10931), so 3.3 is its last line.
const LAST_CASSANDRA_LINE = { major: 3, minor: 3 };

const RELEASES: Readonly<Record<Edition, readonly CatalogRelease[]>> = {
  oss: toReleases(OSS_RELEASES),
  enterprise: toReleases(ENTERPRISE_RELEASES),
};

function toReleases(rows: readonly ReleaseRow[]): readonly CatalogRelease[] {
  return rows
    .map(([version, date]) => ({ version: parseKongVersion(version, 'catalog'), date }))
    .sort((a, b) => compareKongVersions(a.version, b.version));
}

const LINES: readonly CatalogLine[] = buildLines();
const LINE_BY_NAME = new Map(LINES.map((line) => [line.line, line]));

function buildLines(): CatalogLine[] {
  const names = new Set([...RELEASES.oss, ...RELEASES.enterprise].map((r) => releaseLine(r.version)));
  return [...names]
    .map((name) => {
      const [major, minor] = name.split('.').map(Number) as [number, number];
      const facts = LINE_FACTS[name] ?? {};
      const inLine = (edition: Edition) => RELEASES[edition].filter((r) => releaseLine(r.version) === name);
      const dates = [...inLine('oss'), ...inLine('enterprise')].flatMap((r) => (r.date === undefined ? [] : [r.date]));
      return {
        line: name,
        major,
        minor,
        lts: facts.lts === true,
        endOfLife: facts.endOfLife,
        firstReleased: dates.sort()[0],
        latestOss: latestOf(inLine('oss')),
        latestEnterprise: latestOf(inLine('enterprise')),
        postgres: facts.postgres && { tested: facts.postgres, minimum: Math.min(...facts.postgres) },
        cassandra: major < LAST_CASSANDRA_LINE.major || (major === LAST_CASSANDRA_LINE.major && minor <= LAST_CASSANDRA_LINE.minor),
      };
    })
    .sort((a, b) => a.major - b.major || a.minor - b.minor);
}

function latestOf(releases: readonly CatalogRelease[]): KongVersion | undefined {
  return releases.filter((r) => !isPrerelease(r.version)).at(-1)?.version;
}

/** Every release line, oldest first. */
export function allLines(): readonly CatalogLine[] {
  return LINES;
}

export function catalogLine(line: string): CatalogLine | undefined {
  return LINE_BY_NAME.get(line);
}

export function latestVersion(line: string, edition: Edition): KongVersion | undefined {
  const entry = LINE_BY_NAME.get(line);
  return edition === 'oss' ? entry?.latestOss : entry?.latestEnterprise;
}

/** Whether the version was released in its own edition (three numbers: OSS; four: Enterprise). */
export function versionExists(version: KongVersion): boolean {
  return RELEASES[editionOf(version)].some((r) => compareKongVersions(r.version, version) === 0);
}

export function releasesOf(line: string, edition: Edition): readonly CatalogRelease[] {
  return RELEASES[edition].filter((r) => releaseLine(r.version) === line);
}

/** The releases of an edition after `from` up to and including `to`, oldest first. */
export function releasesBetween(from: KongVersion, to: KongVersion, edition: Edition): readonly CatalogRelease[] {
  return RELEASES[edition].filter(
    (r) => compareKongVersions(r.version, from) > 0 && compareKongVersions(r.version, to) <= 0,
  );
}

export function postgresSupport(line: string): PostgresSupport | undefined {
  return LINE_BY_NAME.get(line)?.postgres;
}

export function supportsCassandra(version: KongVersion): boolean {
  return LINE_BY_NAME.get(releaseLine(version))?.cassandra ?? version.major < LAST_CASSANDRA_LINE.major;
}

const LINE_PATTERN = /^v?(\d+)\.(\d+)(?:\.x)?$/;

/**
 * Turns what a user asks for into a released version of the edition: "latest", a line
 * ("3.4" or "3.4.x": its latest release) or an exact version, which must exist.
 */
export function resolveVersion(text: string, edition: Edition, input = 'to'): KongVersion {
  const wanted = text.trim();
  const name = edition === 'oss' ? 'OSS' : 'Enterprise';
  if (wanted.toLowerCase() === 'latest') {
    const latest = latestOf(RELEASES[edition]);
    if (latest === undefined) throw inputError(input, `the catalog has no ${name} release`);
    return latest;
  }
  const line = LINE_PATTERN.exec(wanted);
  if (line) {
    const lineName = `${Number(line[1])}.${Number(line[2])}`;
    const latest = latestVersion(lineName, edition);
    if (latest === undefined) {
      throw inputError(input, `Kong has no ${name} release in line ${lineName}; ${name} lines: ${linesWith(edition)}`);
    }
    return latest;
  }
  const version = parseKongVersion(wanted, input);
  if (editionOf(version) !== edition) {
    const form = edition === 'oss' ? 'three numbers, e.g. 3.4.2' : 'four numbers, e.g. 3.4.3.29';
    throw inputError(input, `"${wanted}" is not an ${name} version; ${name} versions have ${form}`);
  }
  if (!versionExists(version)) throw inputError(input, notReleased(version, edition));
  return version;
}

/** The message for a version that was never released, listing what its line did release. */
export function notReleased(version: KongVersion, edition: Edition): string {
  const line = releaseLine(version);
  const name = edition === 'oss' ? 'OSS' : 'Enterprise';
  const released = releasesOf(line, edition).map((r) => formatKongVersion(r.version));
  const known = released.length > 0 ? `${name} ${line} releases: ${released.join(', ')}` : `${name} lines: ${linesWith(edition)}`;
  return `Kong ${name} ${formatKongVersion(version)} was never released; ${known}`;
}

function linesWith(edition: Edition): string {
  const lines = LINES.filter((l) => (edition === 'oss' ? l.latestOss : l.latestEnterprise) !== undefined).map((l) => l.line);
  return `${lines[0]} … ${lines.at(-1)}`;
}
