import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseEnterpriseChangelogMarkdown } from '../../src/changelog/parse/enterprise-markdown.js';
import { UpgradeError } from '../../src/lib/errors.js';

/** Invented content in the legacy docs.konghq.com layout (no copy of that file exists any more). */
const FIXTURE = readFileSync(
  path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'enterprise-changelog.md'),
  'utf8',
);
const releases = parseEnterpriseChangelogMarkdown(FIXTURE, 'changelog.md');

describe('parseEnterpriseChangelogMarkdown', () => {
  it('finds the releases, trimming trailing spaces, with each Release Date form', () => {
    expect(releases.map((r) => [r.version, r.date])).toEqual([
      ['3.4.3.5', '2024-03-21'],
      ['3.4.3.4', '2024-02-09'],
      ['3.3.1.0', '2023-07-03'],
    ]);
  });

  it('maps the Enterprise section names and #### scopes, one entry per plugin with its changes', () => {
    expect(releases[0]?.entries).toEqual([
      { kind: 'breaking', scope: 'General', text: 'The example datastore option is gone; set `example_store` instead.' },
      { kind: 'feature', scope: 'Core', text: 'Added a `demo_flag` setting that turns on the demonstration mode.' },
      {
        kind: 'feature',
        scope: 'Plugins',
        text: '[**Example Auth**](/hub/kong-inc/example-auth/) (`example-auth`); Added the `realm` field.; Accepted tokens with a leading space.',
      },
      {
        kind: 'feature',
        scope: 'Plugins',
        text: '[**Rate Example**](/hub/kong-inc/rate-example/) (`rate-example`); Counted requests per consumer group.',
      },
      { kind: 'fix', scope: 'Kong Manager', text: 'Fixed a blank page after signing out.' },
      { kind: 'known-issue', scope: 'General', text: 'Demonstration mode cannot be turned off without a restart.' },
    ]);
  });

  it('flags :warning: as breaking and keeps a paragraph under a section as an entry', () => {
    expect(releases[1]?.entries).toEqual([
      { kind: 'breaking', scope: 'Admin API', text: ':warning: Listing `/demo` now pages by 50 instead of 100.' },
      { kind: 'fix', scope: 'Admin API', text: 'Released a fix to the CLI where `kong demo` printed nothing.' },
    ]);
    expect(releases[2]?.entries.map((e) => e.kind)).toEqual(['deprecation', 'other']);
  });

  it('throws an UpgradeError when no release heading is found', () => {
    const text = '---\ntitle: x\n---\n\n## Overview\n\n* nothing here\n';
    expect(() => parseEnterpriseChangelogMarkdown(text, 'changelog.md')).toThrow(UpgradeError);
    expect(() => parseEnterpriseChangelogMarkdown(text, 'changelog.md')).toThrow(/changelog\.md: no release heading found/);
  });
});
