// The warning for a regex-looking route path without `~` in a declarative file already in the
// 3.0 format (rule route-regex-prefix): neither Kong nor decK converts such a file, so on 3.x the
// path is matched as plain text, whoever reads the file. A file in an older format gets the
// conversion findings instead, never this warning.
import { describe, expect, it } from 'vitest';
import { analyzeImpact, type ImpactInput } from '../../src/changelog/impact/index.js';
import type { DeclarativeConsumer } from '../../src/changelog/impact/types.js';
import { parseKongVersion } from '../../src/version/kong-version.js';

const file = (format: string) =>
  [
    `_format_version: ${format}`,
    'services:',
    '- name: orders',
    '  url: http://orders',
    '  routes:',
    '  - name: by-id',
    '    paths:',
    '    - /orders/\\d+',
    '    - /orders/plain-path_1.x~%2F',
    '    - ~/orders/(?<id>\\d+)$',
    'routes:',
    '- name: top',
    '  paths:',
    '  - /top/(a|b)',
  ].join('\n');

const impacts = (format: string, consumers?: DeclarativeConsumer[], from = '2.8.4', to = '3.4.2') => {
  const input: ImpactInput = {
    from: parseKongVersion(from),
    to: parseKongVersion(to),
    declarative: [{ file: 'kong.yaml', text: file(format) }],
    ...(consumers ? { declarativeConsumers: consumers } : {}),
  };
  return analyzeImpact(input);
};

describe('regex-looking paths in a file already in format 3.0', () => {
  it('warns once per unprefixed regex-looking path, at its line, saying it is matched as plain text', () => {
    const found = impacts('"3.0"', ['deck']);
    expect(found).toEqual([
      {
        rule: 'route-regex-prefix',
        severity: 'warning',
        title: 'Regex-looking route path without "~" in a 3.0-format file',
        detail: 'kong.yaml:6: path "/orders/\\d+" is matched as plain text on 3.x: the file is already in format 3.0, so neither Kong nor decK converts it.',
        where: 'kong.yaml:8',
        remedy: 'Prefix the path with "~" if it is meant as a regex.',
      },
      expect.objectContaining({ rule: 'route-regex-prefix', where: 'kong.yaml:14', detail: expect.stringMatching(/^kong\.yaml:12: path "\/top\/\(a\|b\)" is matched as plain text/) }),
    ]);
  });

  it('is the same warning whoever reads the file, decK, Kong DB-less, or either', () => {
    const deck = impacts('"3.0"', ['deck']);
    expect(impacts('"3.0"', ['db-less'])).toEqual(deck);
    expect(impacts('"3.0"')).toEqual(deck);
  });

  it('reads an unquoted 3.0 (a YAML number) as format 3.0', () => {
    expect(impacts('3.0', ['db-less'])).toEqual(impacts('"3.0"', ['db-less']));
  });

  it('a file in an older format, or with none, gets the conversion findings instead', () => {
    for (const format of ['"2.1"', '"1.1"']) {
      const dbless = impacts(format, ['db-less']);
      expect(dbless.map((i) => i.title)).toEqual([
        'Regex path loaded as "~/orders/\\d+" by Kong 3.x',
        'Regex path loaded as "~/top/(a|b)" by Kong 3.x',
      ]);
      const deck = impacts(format, ['deck']);
      expect(deck.map((i) => [i.rule, i.severity])).toEqual([
        ['declarative-format-version', 'error'],
        ['route-regex-prefix', 'warning'],
      ]);
      expect(deck[1]!.title).toMatch(/^Top-level route's regex path may stay unprefixed/);
    }
  });

  it('says nothing when the upgrade does not cross 3.0', () => {
    expect(impacts('"3.0"', ['deck'], '3.4.2', '3.9.1')).toEqual([]);
    expect(impacts('"3.0"', ['deck'], '2.8.0', '2.8.4')).toEqual([]);
  });
});
