import { describe, expect, it } from 'vitest';
import { UpgradeError } from '../../src/lib/errors.js';
import {
  ACCEPTED_VERSION_FORMS,
  compareKongVersions,
  editionOf,
  formatKongVersion,
  isPrerelease,
  parseKongVersion,
  releaseLine,
} from '../../src/version/kong-version.js';

describe('parseKongVersion', () => {
  it.each([
    ['3.4.2', { major: 3, minor: 4, patch: 2, build: undefined, prerelease: [] }],
    ['3.4.3.5', { major: 3, minor: 4, patch: 3, build: 5, prerelease: [] }],
    ['2.8.4.14', { major: 2, minor: 8, patch: 4, build: 14, prerelease: [] }],
    ['2.1.0-beta.1', { major: 2, minor: 1, patch: 0, build: undefined, prerelease: ['beta', 1] }],
    ['2.0.0rc2', { major: 2, minor: 0, patch: 0, build: undefined, prerelease: ['rc', 2] }],
    // Enterprise 1.x/2.x: kong/meta.lua _VERSION = package .. "-enterprise-edition".
    ['2.8.1.1-enterprise-edition', { major: 2, minor: 8, patch: 1, build: 1, prerelease: [] }],
    ['1.5.0.11-enterprise-edition', { major: 1, minor: 5, patch: 0, build: 11, prerelease: [] }],
    // A package suffix (kong/enterprise_edition/meta.lua `suffix`, e.g. "dev") stays a pre-release.
    ['2.2.0.0-dev-enterprise-edition', { major: 2, minor: 2, patch: 0, build: 0, prerelease: ['dev'] }],
  ])('parses %s', (text, expected) => {
    expect(parseKongVersion(text)).toEqual(expected);
  });

  it('knows the edition and line', () => {
    expect(editionOf(parseKongVersion('3.4.2'))).toBe('oss');
    expect(editionOf(parseKongVersion('3.10.0.2'))).toBe('enterprise');
    expect(releaseLine(parseKongVersion('3.10.0.2'))).toBe('3.10');
    expect(formatKongVersion(parseKongVersion('2.8.4.14'))).toBe('2.8.4.14');
  });

  it('reads the -enterprise-edition tail as the edition, not as a pre-release', () => {
    const reported = parseKongVersion('2.8.1.1-enterprise-edition');
    expect(editionOf(reported)).toBe('enterprise');
    expect(isPrerelease(reported)).toBe(false);
    expect(formatKongVersion(reported)).toBe('2.8.1.1');
    expect(compareKongVersions(reported, parseKongVersion('2.8.1.1'))).toBe(0);
    expect(compareKongVersions(reported, parseKongVersion('2.8.1.2'))).toBeLessThan(0);
    expect(editionOf(parseKongVersion('2.1.4-enterprise-edition'))).toBe('enterprise');
  });

  it.each(['3.4', 'latest', '3.4.x', '', '3..4.2', '3.4.2.1.7', '-enterprise-edition', '2.8-enterprise-edition'])('rejects %j, quoting it and listing accepted forms', (text) => {
    const error = (() => {
      try {
        parseKongVersion(text, 'to');
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(UpgradeError);
    expect((error as UpgradeError).origin).toEqual({ input: 'to' });
    expect((error as UpgradeError).message).toContain(`"${text}"`);
    expect((error as UpgradeError).message).toContain(ACCEPTED_VERSION_FORMS);
  });
});

describe('compareKongVersions', () => {
  const ordered = ['2.0.0rc1', '2.0.0rc2', '2.0.0', '2.1.0-beta.1', '2.1.0', '2.8.4.0', '2.8.4.14', '3.4.2', '3.4.3.5', '3.4.3.29', '3.10.0.2'];

  it('orders numbers (incl. the fourth), then pre-releases before their release', () => {
    const shuffled = [...ordered].reverse().map((v) => parseKongVersion(v));
    expect(shuffled.sort(compareKongVersions).map(formatKongVersion)).toEqual(
      ordered.map((v) => formatKongVersion(parseKongVersion(v))),
    );
  });

  it('treats OSS x.y.z as Enterprise x.y.z.0', () => {
    expect(compareKongVersions(parseKongVersion('3.4.2'), parseKongVersion('3.4.2.0'))).toBe(0);
    expect(compareKongVersions(parseKongVersion('3.4.2'), parseKongVersion('3.4.2.1'))).toBeLessThan(0);
  });
});
