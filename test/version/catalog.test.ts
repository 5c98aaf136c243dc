import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { UpgradeError } from '../../src/lib/errors.js';
import {
  allLines,
  catalogLine,
  latestVersion,
  postgresSupport,
  releasesBetween,
  releasesOf,
  resolveVersion,
  supportsCassandra,
  versionExists,
} from '../../src/version/catalog.js';
import { OSS_TAGS_NOT_IN_CHANGELOG } from '../../src/version/catalog-data.js';
import { formatKongVersion, parseKongVersion, type Edition } from '../../src/version/kong-version.js';
import { describeWithKongData, kongDataPath } from '../helpers/kong-data.js';

const v = parseKongVersion;
const text = (file: string) => readFileSync(kongDataPath(file), 'utf8');
const fmt = (version: ReturnType<typeof v> | undefined) => (version === undefined ? undefined : formatKongVersion(version));

interface ProductsRelease {
  release: string;
  'ee-version': string;
  'ce-version'?: string;
  eol: string;
  lts?: boolean;
  third_party_support: { datastore: Record<string, { versions: (number | string)[] }>[] };
}
interface OldRelease {
  release?: string;
  edition: string;
  'ee-version'?: string;
  'ce-version'?: string;
  lts?: boolean;
  endOfLifeDate?: string;
}

const CROSS_CHECK_DATA = ['docs/gateway-products.yml', 'docs/kong_versions.yml', 'docs/gateway-changelog.json', 'oss/CHANGELOG.md', 'oss/CHANGELOG-OLD.md'];
let products: { releases: ProductsRelease[]; release_dates: Record<string, string> };
let oldVersions: OldRelease[];
let changelogKeys: string[];

/** What the catalog says about a line, in the data files' terms. */
function catalogView(line: string) {
  const entry = catalogLine(line);
  return {
    ee: fmt(entry?.latestEnterprise),
    ce: fmt(entry?.latestOss),
    lts: entry?.lts,
    eol: entry?.endOfLife,
  };
}

describeWithKongData(CROSS_CHECK_DATA, "catalog cross-check against Kong's data files", () => {
  beforeAll(() => {
    products = parse(text('docs/gateway-products.yml')) as typeof products;
    oldVersions = (parse(text('docs/kong_versions.yml')) as OldRelease[]).filter((r) => r.edition === 'gateway' && r.release);
    changelogKeys = Object.keys(JSON.parse(text('docs/gateway-changelog.json')) as object);
  });

  it('matches gateway-products.yml (developer.konghq.com) line by line', () => {
    for (const release of products.releases) {
      const line = release.release;
      expect(catalogView(line), line).toEqual({
        ee: release['ee-version'],
        ce: release['ce-version'],
        lts: release.lts === true,
        eol: String(release.eol),
      });
      const pg = release.third_party_support.datastore.find((d) => 'postgres' in d)?.postgres;
      const numeric = (pg?.versions ?? []).filter((x): x is number => typeof x === 'number').sort((a, b) => a - b);
      expect(postgresSupport(line)?.tested, line).toEqual(numeric);
    }
  });

  it('matches kong_versions.yml where gateway-products.yml does not cover the line, and lists what it tolerated', () => {
    const newer = new Set(products.releases.map((r) => r.release));
    const tolerated: string[] = [];
    for (const old of oldVersions) {
      const line = old.release!.replace(/\.x$/, '');
      const expected = { ee: old['ee-version'], ce: old['ce-version'], lts: old.lts === true, eol: old.endOfLifeDate && String(old.endOfLifeDate) };
      const actual = catalogView(line);
      if (!newer.has(line)) {
        // 3.10 has no endOfLifeDate in the old file; the newer one gives it.
        expect({ ...actual, eol: expected.eol === undefined ? undefined : actual.eol }, line).toEqual(expected);
        continue;
      }
      for (const key of ['ee', 'ce', 'lts', 'eol'] as const) {
        if (expected[key] !== undefined && expected[key] !== actual[key]) {
          tolerated.push(`${line} ${key}: kong_versions.yml ${String(expected[key])}, catalog (gateway-products.yml) ${String(actual[key])}`);
        }
      }
    }
    console.log(`tolerated kong_versions.yml differences (gateway-products.yml wins):\n  ${tolerated.join('\n  ')}`);
    expect(tolerated).toContain('3.9 ce: kong_versions.yml 3.9.1, catalog (gateway-products.yml) 3.9.3');
    expect(tolerated.every((line) => newer.has(line.split(' ')[0]!))).toBe(true);
  });

  it('holds every Enterprise release of release_dates with its date, and every changelog key', () => {
    for (const [version, date] of Object.entries(products.release_dates)) {
      const found = releasesOf(version.split('.').slice(0, 2).join('.'), 'enterprise').find((r) => formatKongVersion(r.version) === version);
      expect(found?.date, version).toBe(String(date).replaceAll('/', '-'));
    }
    for (const key of changelogKeys) expect(versionExists(v(key)), key).toBe(true);
  });

  it('holds exactly the OSS versions of the changelog headings plus the tags they lack; 3.0–3.2 from them', () => {
    const headings = ['oss/CHANGELOG.md', 'oss/CHANGELOG-OLD.md'].flatMap((file) =>
      [...text(file).matchAll(/^## \[?(\d+\.\d+\.\d+[^\]\s]*)\]?/gm)].map((m) => m[1]!),
    );
    const catalogOss = allLines().flatMap((l) => releasesOf(l.line, 'oss').map((r) => formatKongVersion(r.version)));
    expect(new Set(catalogOss)).toEqual(new Set([...headings, ...OSS_TAGS_NOT_IN_CHANGELOG].map((h) => formatKongVersion(v(h)))));
    expect(catalogOss.length).toBe(headings.length + OSS_TAGS_NOT_IN_CHANGELOG.length);
    expect(['3.0', '3.1', '3.2'].map((line) => fmt(latestVersion(line, 'oss')))).toEqual(['3.0.2', '3.1.1', '3.2.2']);
  });
});

describe('catalog facts', () => {
  it('lists lines from 0.x to 3.15 in order, LTS 2.8/3.4/3.10/3.14', () => {
    const names = allLines().map((l) => l.line);
    expect(names[0]).toBe('0.0');
    expect(names.at(-1)).toBe('3.15');
    expect(names).toContain('1.5');
    expect(allLines().filter((l) => l.lts).map((l) => l.line)).toEqual(['2.8', '3.4', '3.10', '3.14']);
  });

  it('knows which versions exist in which edition', () => {
    expect(versionExists(v('3.4.2'))).toBe(true);
    expect(versionExists(v('3.4.3'))).toBe(false);
    expect(versionExists(v('3.10.0.2'))).toBe(true);
    expect(versionExists(v('3.10.0'))).toBe(false);
    expect(latestVersion('3.10', 'oss')).toBeUndefined();
    expect(fmt(latestVersion('3.4', 'enterprise'))).toBe('3.4.3.29');
    expect(fmt(latestVersion('2.8', 'oss'))).toBe('2.8.5');
  });

  it('gives database support per line', () => {
    expect(postgresSupport('3.4')).toEqual({ tested: [12, 13, 14, 15, 16], minimum: 12 });
    expect(postgresSupport('3.10')?.minimum).toBe(13);
    expect(postgresSupport('3.1')).toBeUndefined();
    expect(supportsCassandra(v('3.3.0'))).toBe(true);
    expect(supportsCassandra(v('3.3.1.1'))).toBe(true);
    expect(supportsCassandra(v('3.4.0'))).toBe(false);
    expect(supportsCassandra(v('3.4.0.0'))).toBe(false);
    expect(supportsCassandra(v('2.8.5'))).toBe(true);
  });

  it('dates lines by their first release', () => {
    expect(catalogLine('3.0')?.firstReleased).toBe('2022-09-09');
    expect(catalogLine('2.8')?.firstReleased).toBe('2022-03-02');
  });

  it('lists releases between two versions: exclusive from, inclusive to, ordered, dated', () => {
    const oss = releasesBetween(v('3.7.1'), v('3.9.1'), 'oss');
    expect(oss.map((r) => formatKongVersion(r.version))).toEqual(['3.8.0', '3.8.1', '3.9.0', '3.9.1']);
    const ee = releasesBetween(v('3.10.0.15'), v('3.10.0.17'), 'enterprise');
    expect(ee).toEqual([
      { version: v('3.10.0.16'), date: '2026-07-08' },
      { version: v('3.10.0.17'), date: '2026-08-10' },
    ]);
    // OSS → Enterprise: 3.4.2 counts as 3.4.2.0.
    expect(releasesBetween(v('3.4.2'), v('3.4.3.2'), 'enterprise').map((r) => formatKongVersion(r.version))).toEqual(['3.4.3.1', '3.4.3.2']);
  });
});

describe('resolveVersion', () => {
  it.each<[string, Edition, string]>([
    ['3.4', 'oss', '3.4.2'],
    ['3.4.x', 'enterprise', '3.4.3.29'],
    ['latest', 'oss', '3.9.3'],
    ['latest', 'enterprise', '3.15.0.4'],
    ['3.10.0.2', 'enterprise', '3.10.0.2'],
  ])('%s (%s) → %s', (input, edition, expected) => {
    expect(formatKongVersion(resolveVersion(input, edition))).toBe(expected);
  });

  it.each<[string, Edition, string]>([
    ['3.4.3', 'oss', 'OSS 3.4 releases: 3.4.0, 3.4.1, 3.4.2'],
    ['3.10', 'oss', 'no OSS release in line 3.10'],
    ['3.4.2', 'enterprise', 'four numbers'],
    ['3.4.3.5', 'oss', 'three numbers'],
    ['3.16', 'enterprise', 'no Enterprise release in line 3.16'],
  ])('refuses %s (%s)', (input, edition, message) => {
    expect(() => resolveVersion(input, edition)).toThrow(UpgradeError);
    expect(() => resolveVersion(input, edition)).toThrow(message);
    expect(() => resolveVersion(input, edition)).toThrow("input 'to'");
  });
});
