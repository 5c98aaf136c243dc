import { beforeAll, describe, expect, it } from 'vitest';
import { parseEnterpriseChangelogJson } from '../../src/changelog/parse/enterprise-json.js';
import type { EntryKind } from '../../src/changelog/types.js';
import { UpgradeError } from '../../src/lib/errors.js';
import { describeWithKongData, kongDataText } from '../helpers/kong-data.js';

const GATEWAY_JSON = 'docs/gateway-changelog.json';
let RAW: Record<string, Record<string, { message: string; type: string; scope?: string }[]>>;
let releases: ReturnType<typeof parseEnterpriseChangelogJson>;

/** Every `type` the file uses, mapped by hand here so the test does not reuse kinds.ts. */
const EXPECTED_KIND: Record<string, EntryKind> = {
  bugfix: 'fix',
  feature: 'feature',
  Feature: 'feature',
  dependency: 'dependency',
  performance: 'performance',
  deprecation: 'deprecation',
  deprecated: 'deprecation',
  breaking_change: 'breaking',
  'Breaking Change': 'breaking',
  'known-issues': 'known-issue',
};

describeWithKongData([GATEWAY_JSON], 'parseEnterpriseChangelogJson on gateway.json', () => {
  beforeAll(() => {
    const text = kongDataText(GATEWAY_JSON);
    RAW = JSON.parse(text) as typeof RAW;
    releases = parseEnterpriseChangelogJson(text, 'gateway.json');
  });

  it('finds one release per top-level key, keys kept as written and in file order', () => {
    expect(releases.map((r) => r.version)).toEqual(Object.keys(RAW));
    expect(releases.length).toBeGreaterThan(100);
    expect(releases.map((r) => r.version)).toContain('3.4.1'); // a 3-part key
    expect(releases.every((r) => r.date === undefined)).toBe(true);
  });

  it('turns every item of every product into one entry of the mapped kind', () => {
    for (const r of releases) {
      const items = Object.values(RAW[r.version] ?? {}).flat();
      expect(r.entries.map((e) => e.kind), r.version).toEqual(
        items.map((item) => (item.message.includes(':warning:') ? 'breaking' : EXPECTED_KIND[item.type])),
      );
    }
  });

  it('scopes Kong Manager items as Kong Manager, "Default" as General, others as written', () => {
    for (const r of releases) {
      const expected = Object.entries(RAW[r.version] ?? {}).flatMap(([product, items]) =>
        items.map((item) =>
          product.startsWith('kong-manager') ? 'Kong Manager' : item.scope === 'Default' ? 'General' : item.scope,
        ),
      );
      expect(r.entries.map((e) => e.scope), r.version).toEqual(expected);
    }
    expect(releases.flatMap((r) => r.entries).filter((e) => e.scope === 'Kong Manager').length).toBeGreaterThan(100);
  });

  it('puts multi-line messages on one line, their bullets joined with "; " (a space after a colon)', () => {
    const entries = releases.flatMap((r) => r.entries);
    expect(entries.filter((e) => e.text.includes('\n'))).toEqual([]);
    const debuggerEntry = entries.find((e) => e.text.startsWith('Improved the output of the request debugger'));
    expect(debuggerEntry?.text).toMatch(/debugger: Now the resolution of field `total_time` is microseconds\.; A new field/);
  });
});

describe('parseEnterpriseChangelogJson on small inputs', () => {
  it('names the plugins of an item whose message does not, and keeps markdown', () => {
    const [r] = parseEnterpriseChangelogJson(
      JSON.stringify({
        '3.4.3.5': {
          kong: [{ message: 'Fixed a `ttl` edge case.', type: 'bugfix', scope: 'Plugin', plugins: ['demo-a', 'demo-b'] }],
          'kong-ee': [{ message: '**demo-c**: Added a field.', type: 'feature', scope: 'Plugin', plugins: ['demo-c'] }],
          'kong-manager': [{ message: 'Fixed a page.', type: 'bugfix', scope: 'Default' }],
          'kong-manager-ee': [],
        },
      }),
    );
    expect(r).toEqual({
      version: '3.4.3.5',
      date: undefined,
      entries: [
        { kind: 'fix', scope: 'Plugin', text: '**demo-a, demo-b**: Fixed a `ttl` edge case.' },
        { kind: 'feature', scope: 'Plugin', text: '**demo-c**: Added a field.' },
        { kind: 'fix', scope: 'Kong Manager', text: 'Fixed a page.' },
      ],
    });
  });

  it.each([
    ['text that is not JSON', '## 3.4.0', /gateway\.json: not valid JSON/],
    ['a list', '[]', /expected an object keyed by version, got a list/],
    ['an empty object', '{}', /no release found/],
    ['a key that is not a version', '{"changelog": {}}', /key "changelog" is not a version/],
    ['a release that is not an object', '{"3.4.0.0": []}', /3\.4\.0\.0: expected an object of product lists/],
    ['a product that is not a list', '{"3.4.0.0": {"kong": {}}}', /3\.4\.0\.0 kong: expected a list/],
    ['an item without message', '{"3.4.0.0": {"kong": [{"type": "bugfix"}]}}', /string "message" and "type"/],
  ])('throws an UpgradeError for %s', (_, text, message) => {
    expect(() => parseEnterpriseChangelogJson(text, 'gateway.json')).toThrow(UpgradeError);
    expect(() => parseEnterpriseChangelogJson(text, 'gateway.json')).toThrow(message);
  });
});
