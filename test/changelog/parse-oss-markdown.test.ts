import { beforeAll, describe, expect, it } from 'vitest';
import { parseOssChangelog } from '../../src/changelog/parse/oss-markdown.js';
import { UpgradeError } from '../../src/lib/errors.js';
import type { Release } from '../../src/changelog/types.js';
import { describeWithKongData, kongDataText } from '../helpers/kong-data.js';

const CHANGELOGS = ['oss/CHANGELOG.md', 'oss/CHANGELOG-OLD.md'];
let CURRENT: string;
let OLD: string;
let current: Release[];
let old: Release[];
/** Reads Kong's changelogs, in the beforeAll of the suites that need them (skipped without them). */
function readChangelogs(): void {
  CURRENT = kongDataText('oss/CHANGELOG.md');
  OLD = kongDataText('oss/CHANGELOG-OLD.md');
  current = parseOssChangelog(CURRENT, 'CHANGELOG.md');
  old = parseOssChangelog(OLD, 'CHANGELOG-OLD.md');
}

function release(releases: readonly Release[], version: string): Release {
  const found = releases.find((r) => r.version === version);
  if (found === undefined) throw new Error(`no release ${version}`);
  return found;
}

/** Level-2 heading lines, read as plain lines rather than through the markdown lexer. */
function levelTwoHeadings(markdown: string): string[] {
  return markdown.split('\n').filter((line) => line.startsWith('## '));
}

/**
 * Top-level bullets per release, counted on raw lines: hand-written releases put them at column
 * 0, generated ones at column 1; nested bullets are indented two or more. Fenced code is skipped.
 */
function bulletsPerRelease(markdown: string): Map<string, number> {
  const counts = new Map<string, number>();
  let version: string | undefined;
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    if (fenced) continue;
    if (line.startsWith('## ')) {
      const word = line.slice(3).split(' ')[0]?.replace(/[[\]]/g, '') ?? '';
      // `## Kong` inside 3.8.1 belongs to 3.8.1; other titles end the release.
      if (line.trim() !== '## Kong') version = /^\d/.test(word) ? word : undefined;
      if (version !== undefined) counts.set(version, 0);
    } else if (version !== undefined && /^ ?[-*+] /.test(line)) {
      counts.set(version, (counts.get(version) ?? 0) + 1);
    }
  }
  return counts;
}

describeWithKongData(CHANGELOGS, 'parseOssChangelog: releases', () => {
  beforeAll(readChangelogs);

  it('finds one release per versioned level-2 heading of CHANGELOG.md (19)', () => {
    const notReleases = ['## Unreleased', '## Kong', '## Previous releases'];
    const headings = levelTwoHeadings(CURRENT).filter((line) => !notReleases.includes(line.trim()));
    expect(current).toHaveLength(headings.length);
    expect(current).toHaveLength(19);
    expect(current.map((r) => r.version)).toEqual(headings.map((line) => line.slice(3).replace(/[[\]]/g, '').trim()));
  });

  it('finds one release per level-2 heading of CHANGELOG-OLD.md (98), pre-releases as written', () => {
    const headings = levelTwoHeadings(OLD);
    expect(old).toHaveLength(headings.length);
    expect(old).toHaveLength(98);
    expect(old[0]?.version).toBe('2.8.5');
    expect(old.at(-1)?.version).toBe('0.0.1alpha-1');
    for (const version of ['0.1.0beta-3', '0.1.1beta-2', '0.2.0-2', '0.10.4']) {
      expect(old.map((r) => r.version)).toContain(version);
    }
  });

  it('keeps non-release headings (Unreleased, Kong, Previous releases, Table of Contents) out', () => {
    const versions = [...current, ...old].map((r) => r.version);
    expect(versions.every((v) => /^\d+\.\d+\.\d+/.test(v))).toBe(true);
  });

  it('reads dates from headings and from each date-line form, and leaves them undefined otherwise', () => {
    expect(release(current, '3.0.0').date).toBe('2022-09-12'); // > Released 2022/09/12
    expect(release(current, '3.4.0').date).toBeUndefined();
    expect(release(old, '0.14.0').date).toBe('2018-07-05'); // heading "- 2018/07/05"
    expect(release(old, '1.0.0').date).toBe('2018-12-18'); // > Released on: …
    expect(release(old, '1.4.0').date).toBe('2019-10-22'); // > Released on …
    expect(release(old, '2.5.0').date).toBe('2021-07-13'); // > Release date: 2021-07-13
    expect(release(old, '2.6.0').date).toBe('2021-10-04'); // > Release date: 2021/10/04
    expect(release(old, '2.8.0').date).toBeUndefined();
  });
});

describeWithKongData(CHANGELOGS, 'parseOssChangelog: entries', () => {
  beforeAll(readChangelogs);

  it('finds every top-level bullet of every release after 2.8.0 up to 3.4.0 (and all of CHANGELOG.md)', () => {
    const inRange = (v: string) => /^2\.8\.[1-9]$/.test(v) || /^3\.[0-3]\.\d$/.test(v) || v === '3.4.0';
    const oldBullets = bulletsPerRelease(OLD);
    const currentBullets = bulletsPerRelease(CURRENT);
    const parsed = [...old.filter((r) => inRange(r.version)), ...current].map((r) => [r.version, r.entries.length]);
    const counted = [...old.filter((r) => inRange(r.version)), ...current].map((r) => [
      r.version,
      (r.version.startsWith('2.') ? oldBullets : currentBullets).get(r.version),
    ]);
    expect(parsed).toEqual(counted);
    expect(parsed.map(([version]) => version).filter((v) => inRange(String(v)))).toEqual(
      ['2.8.5', '2.8.4', '2.8.3', '2.8.2', '2.8.1', '3.4.0', '3.3.0', '3.2.0', '3.1.0', '3.0.1', '3.0.0'],
    );
  });

  it('classifies 3.0.0 regex paths needing "~" as a breaking Core change, on one line with its link', () => {
    const entry = release(current, '3.0.0').entries.find((e) => e.text.includes('`"~"` prefix'));
    expect(entry).toMatchObject({ kind: 'breaking', scope: 'Core' });
    expect(entry?.text).not.toContain('\n');
    expect(entry?.text).toContain('[#9027](https://github.com/Kong/kong/pull/9027)');
  });

  it('classifies 3.4.0 Breaking Changes entries as breaking, flagged or not', () => {
    const entries = release(current, '3.4.0').entries;
    expect(entries.find((e) => e.text.includes('Cassandra as a datastore'))).toMatchObject({ kind: 'breaking', scope: 'General' });
    expect(entries.find((e) => e.text.startsWith('Ubuntu 18.04'))).toMatchObject({ kind: 'breaking' });
    expect(entries.find((e) => e.text.startsWith('First release of the Kong Manager'))).toMatchObject({ kind: 'feature', scope: 'Kong Manager' });
  });

  it('reads the generated layout: kind from ####, scope from #####, Kong-Manager as a product', () => {
    const entries = release(current, '3.9.0').entries;
    expect(entries.find((e) => e.text.startsWith('`node_id` in configuration'))).toMatchObject({ kind: 'deprecation', scope: 'Core' });
    expect(entries.find((e) => e.text.includes('hide the scope change field'))).toMatchObject({ kind: 'fix', scope: 'Kong Manager' });
    expect(entries.filter((e) => e.scope === 'Default')).toEqual([]);
  });

  it('reads the level-2 "## Kong" inside 3.8.1 as the product heading of 3.8.1', () => {
    const entries = release(current, '3.8.1').entries;
    expect(entries.find((e) => e.text.includes('lua-kong-nginx-module'))).toMatchObject({ kind: 'dependency', scope: 'Core' });
    expect(entries.find((e) => e.text.includes('lua-resty-aws'))).toMatchObject({ kind: 'dependency', scope: 'General' });
  });
});

describe('parseOssChangelog: heading forms and text', () => {
  const sample = [
    '# Table of Contents',
    '- [2.8.0](#280)',
    '## Unreleased',
    '- not released yet',
    '## [2.8.0] (UNRELEASED)',
    'An introduction that summarises the release.',
    '### Additions',
    '#### Core',
    '- Added one thing',
    '  with a wrapped line and `code`.',
    '  - first detail',
    '  - second detail',
    '- :warning: Changed a default.',
    '#### Fixed',
    '- Fixed a thing under a kind heading one level down.',
    '### Removed',
    'A paragraph directly under a section.',
    '',
    '[Back to TOC](#table-of-contents)',
    '## 3.2.2',
    '### Fixes',
    '- A fix of 3.2.2',
    '### 3.2.1',
    '#### Fixes',
    '- A fix of 3.2.1',
    '## Previous releases',
    '- not a release',
  ].join('\n');
  const releases = parseOssChangelog(sample);

  it('strips brackets and "(UNRELEASED)", splits a nested ### version, ignores non-release headings', () => {
    expect(releases.map((r) => [r.version, r.entries.length])).toEqual([
      ['2.8.0', 4],
      ['3.2.2', 1],
      ['3.2.1', 1],
    ]);
  });

  it('keeps inline markdown on one line, joins nested bullets with "; ", applies kinds and :warning:', () => {
    expect(releases[0]?.entries).toEqual([
      { kind: 'feature', scope: 'Core', text: 'Added one thing with a wrapped line and `code`.; first detail; second detail' },
      { kind: 'breaking', scope: 'Core', text: ':warning: Changed a default.' },
      { kind: 'fix', scope: 'General', text: 'Fixed a thing under a kind heading one level down.' },
      { kind: 'breaking', scope: 'General', text: 'A paragraph directly under a section.' },
    ]);
  });
});

describe('parseOssChangelog: bad input', () => {
  it.each([
    ['empty text', ''],
    ['a document without versions', '# Kong\n\n## Unreleased\n\n- something\n'],
  ])('throws an UpgradeError naming the source for %s', (_, text) => {
    expect(() => parseOssChangelog(text, 'CHANGELOG.md@main')).toThrow(UpgradeError);
    expect(() => parseOssChangelog(text, 'CHANGELOG.md@main')).toThrow(/CHANGELOG\.md@main: no release heading found/);
  });
});
