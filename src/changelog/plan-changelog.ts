import { inputError } from '../lib/errors.js';
import { releasesBetween } from '../version/catalog.js';
import { compareKongVersions, formatKongVersion, tryParseKongVersion, type Edition, type KongVersion } from '../version/kong-version.js';
import type { GivenFile } from './plan-request.js';
import type { PlanSourceFile } from './plan-types.js';
import type { FileReader } from './sources/github.js';
import { ENTERPRISE_CHANGELOG, OSS_CHANGELOG, OSS_CHANGELOG_OLD, describeRemoteFile, remoteFileUrl, type FetchedFile } from './sources/remote-file.js';
import type { Release } from './types.js';

/** The changelog releases a plan lists, and the files they came from. */
export interface LoadedChangelog {
  readonly releases: readonly Release[] | undefined;
  readonly files: readonly PlanSourceFile[];
}

/**
 * A given file wins; otherwise the reader (network, or the cache when offline) supplies
 * Kong's living changelogs for the edition. Undefined releases: no changelog could be had.
 */
export async function loadChangelog(
  edition: Edition,
  given: GivenFile | undefined,
  read: FileReader | undefined,
  now: Date,
): Promise<LoadedChangelog> {
  if (given !== undefined) {
    return {
      releases: await parseGivenChangelog(given),
      files: [{ what: 'changelog', location: given.path, url: undefined, via: 'file', fetchedAt: undefined, ageDays: undefined }],
    };
  }
  if (read === undefined) return { releases: undefined, files: [] };
  const wanted = edition === 'enterprise' ? [ENTERPRISE_CHANGELOG] : [OSS_CHANGELOG, OSS_CHANGELOG_OLD];
  const fetched = await Promise.all(wanted.map((file) => read(file)));
  const { parseEnterpriseChangelogJson, parseOssChangelog } = await parsers();
  const releases =
    edition === 'enterprise'
      ? parseEnterpriseChangelogJson(fetched[0]!.text, describeRemoteFile(ENTERPRISE_CHANGELOG))
      : fetched.flatMap((file) => parseOssChangelog(file.text, describeRemoteFile(file.file)));
  return { releases, files: fetched.map((file) => sourceFileOf('changelog', file, now)) };
}

export function sourceFileOf(what: string, fetched: FetchedFile, now: Date): PlanSourceFile {
  return {
    what,
    location: describeRemoteFile(fetched.file),
    url: remoteFileUrl(fetched.file),
    via: fetched.via,
    fetchedAt: fetched.fetchedAt,
    ageDays: Math.max(0, Math.floor((now.getTime() - Date.parse(fetched.fetchedAt)) / 86_400_000)),
  };
}

/** The parsers (and marked) load only when a changelog is there to parse: offline plans start faster. */
function parsers() {
  return import('./parse/index.js');
}

/** The three formats are told apart by their first significant character and headings. */
async function parseGivenChangelog(given: GivenFile): Promise<Release[]> {
  const { parseEnterpriseChangelogJson, parseEnterpriseChangelogMarkdown, parseOssChangelog } = await parsers();
  const text = given.text.trimStart();
  if (text === '') throw inputError(given.input, `"${given.path}" is empty`);
  if (text.startsWith('{')) return parseEnterpriseChangelogJson(text, given.path);
  // Legacy Enterprise release headings carry four numbers (`## 3.4.3.5`); OSS headings three.
  if (/^##\s+\d+\.\d+\.\d+\.\d+\s*$/m.test(text)) return parseEnterpriseChangelogMarkdown(text, given.path);
  return parseOssChangelog(text, given.path);
}

/**
 * Every release after `from` up to `to`: the catalog's list (which knows releases without a
 * changelog section, e.g. OSS 3.0.2) merged with the changelog's, entries from the changelog.
 */
export function releasesInRange(
  from: KongVersion,
  to: KongVersion,
  edition: Edition,
  changelog: readonly Release[] | undefined,
): Release[] {
  const byVersion = new Map<string, { version: KongVersion; release: Release }>();
  for (const known of releasesBetween(from, to, edition)) {
    const text = formatKongVersion(known.version);
    byVersion.set(text, { version: known.version, release: { version: text, date: known.date, entries: [] } });
  }
  for (const release of changelog ?? []) {
    const version = editionVersion(release.version, edition);
    if (version === undefined || compareKongVersions(version, from) <= 0 || compareKongVersions(version, to) > 0) continue;
    const key = formatKongVersion(version);
    const known = byVersion.get(key);
    byVersion.set(key, {
      version,
      release: { version: release.version, date: release.date ?? known?.release.date, entries: [...(known?.release.entries ?? []), ...release.entries] },
    });
  }
  return [...byVersion.values()].sort((a, b) => compareKongVersions(a.version, b.version)).map((item) => item.release);
}

/**
 * A changelog version in the plan's edition: OSS plans skip four-number versions; the
 * Enterprise JSON has a few three-number keys (facts A.3b), taken as that patch's build 0.
 */
function editionVersion(text: string, edition: Edition): KongVersion | undefined {
  const version = tryParseKongVersion(text);
  if (version === undefined) return undefined;
  if (edition === 'oss') return version.build === undefined ? version : undefined;
  return version.build === undefined ? { ...version, build: 0 } : version;
}
