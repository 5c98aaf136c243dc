import { inputError } from '../lib/errors.js';

/**
 * A Kong Gateway version. OSS releases have three numbers (3.4.2); Enterprise releases add a
 * fourth (3.4.3.5, 2.8.4.14), which `semver` drops, so Kong's own Helm chart has to special-case
 * it (charts/kong/templates/_helpers.tpl, kong.effectiveVersion). Pre-releases appear as
 * `2.1.0-beta.1` and, in older tags, `2.0.0rc2`. Enterprise 1.x and 2.x report their version
 * (`GET /`, `Server`, `kong version`) as `2.8.1.1-enterprise-edition`: kong/meta.lua of those
 * releases sets `_VERSION = tostring(ee_meta.versions.package) .. "-enterprise-edition"`, the
 * package being the four numbers plus an optional build suffix (kong/enterprise_edition/meta.lua).
 * That tail names the edition; it is not a pre-release.
 */
export interface KongVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** The Enterprise fourth number; absent for OSS versions. */
  readonly build: number | undefined;
  /** Dot-separated identifiers after the numbers, e.g. ['rc', 2]; empty for a release. */
  readonly prerelease: readonly (string | number)[];
}

export type Edition = 'oss' | 'enterprise';

export const ACCEPTED_VERSION_FORMS =
  '3.4.2 (OSS), 3.4.3.5 (Enterprise, four numbers), 3.4.0-rc.1 or 2.0.0rc2 (pre-release)';

const VERSION_PATTERN = /^v?(\d+)\.(\d+)\.(\d+)(?:\.(\d+))?(?:-?([0-9A-Za-z]+(?:[.-][0-9A-Za-z]+)*))?$/;
const ENTERPRISE_EDITION_SUFFIX = /-enterprise-edition$/i;

/** Parses a version or returns undefined; use `parseKongVersion` where a bad value is an error. */
export function tryParseKongVersion(text: string): KongVersion | undefined {
  const trimmed = text.trim();
  const enterpriseEdition = ENTERPRISE_EDITION_SUFFIX.test(trimmed);
  const match = VERSION_PATTERN.exec(trimmed.replace(ENTERPRISE_EDITION_SUFFIX, ''));
  if (!match) return undefined;
  const [, major, minor, patch, build, pre] = match;
  return {
    major: Number(major),
    minor: Number(minor),
    patch: Number(patch),
    // The suffix says Enterprise even without a fourth number: its build 0 (compareKongVersions).
    build: build === undefined ? (enterpriseEdition ? 0 : undefined) : Number(build),
    prerelease: pre === undefined ? [] : splitPrerelease(pre),
  };
}

/** Parses a version given by the user; `input` names where it came from for the error. */
export function parseKongVersion(text: string, input = 'version'): KongVersion {
  const version = tryParseKongVersion(text);
  if (!version) {
    throw inputError(input, `"${text}" is not a Kong version; accepted forms: ${ACCEPTED_VERSION_FORMS}`);
  }
  return version;
}

// `rc2` and `rc.2` order the same way: split letters from digits, then on dots and dashes.
function splitPrerelease(text: string): (string | number)[] {
  return text
    .split(/[.-]/)
    .flatMap((part) => part.match(/\d+|[A-Za-z]+/g) ?? [])
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part.toLowerCase()));
}

export function editionOf(version: KongVersion): Edition {
  return version.build === undefined ? 'oss' : 'enterprise';
}

export function formatKongVersion(version: KongVersion): string {
  const numbers = [version.major, version.minor, version.patch];
  if (version.build !== undefined) numbers.push(version.build);
  const pre = version.prerelease.length > 0 ? `-${version.prerelease.join('.')}` : '';
  return numbers.join('.') + pre;
}

/** The release line, e.g. "3.4": Kong's unit of support, LTS and upgrade paths. */
export function releaseLine(version: KongVersion): string {
  return `${version.major}.${version.minor}`;
}

/**
 * Total order over OSS and Enterprise versions. An OSS version sorts with the Enterprise
 * build 0 of the same patch (3.4.2 and 3.4.2.0 are the same code line), and a pre-release
 * sorts before its release.
 */
export function compareKongVersions(a: KongVersion, b: KongVersion): number {
  const numeric =
    a.major - b.major || a.minor - b.minor || a.patch - b.patch || (a.build ?? 0) - (b.build ?? 0);
  if (numeric !== 0) return Math.sign(numeric);
  return comparePrerelease(a.prerelease, b.prerelease);
}

function comparePrerelease(a: readonly (string | number)[], b: readonly (string | number)[]): number {
  if (a.length === 0 || b.length === 0) return Math.sign(b.length - a.length);
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return Math.sign(x - y);
    if (typeof x === 'number') return -1;
    if (typeof y === 'number') return 1;
    return x < y ? -1 : 1;
  }
  return Math.sign(a.length - b.length);
}

export function isPrerelease(version: KongVersion): boolean {
  return version.prerelease.length > 0;
}

export function sameLine(a: KongVersion, b: KongVersion): boolean {
  return a.major === b.major && a.minor === b.minor;
}
