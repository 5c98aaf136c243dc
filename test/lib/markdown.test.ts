import { describe, expect, it } from 'vitest';
import { bulletList, details, escapeCell, fitToLimit, table } from '../../src/lib/markdown.js';

describe('table', () => {
  it('escapes pipes and flattens newlines in cells', () => {
    expect(escapeCell('a|b\nc\r\nd')).toBe('a\\|b c d');
    expect(table(['name', 'note'], [['x|y', 'two\nlines']])).toBe(
      ['| name | note |', '| --- | --- |', '| x\\|y | two lines |'].join('\n'),
    );
  });

  it('escapes headers too', () => {
    expect(table(['a|b'], []).split('\n')[0]).toBe('| a\\|b |');
  });
});

describe('blocks', () => {
  it('builds details and bullet lists', () => {
    expect(details('More', 'body')).toBe('<details><summary>More</summary>\n\nbody\n\n</details>');
    expect(bulletList(['a', 'b'])).toBe('- a\n- b');
  });
});

describe('fitToLimit', () => {
  it('keeps everything under the limit', () => {
    expect(fitToLimit(['one', 'two'], 1000, '_cut_')).toBe('one\n\ntwo');
  });

  it('cuts at the first section that does not fit and says so', () => {
    const sections = ['a'.repeat(100), 'b'.repeat(100), 'c'.repeat(100)];
    const notice = '_Output cut: see the job log._';
    const text = fitToLimit(sections, 250, notice);
    expect(text).toBe(`${'a'.repeat(100)}\n\n${'b'.repeat(100)}\n\n${notice}`);
    expect(text).not.toContain('ccc');
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(250);
  });

  it('counts bytes, not characters', () => {
    // 60 characters but 120 bytes: over a 100-byte limit although its length is not.
    expect(fitToLimit(['é'.repeat(60), 'x'], 100, '[cut]')).toBe('[cut]');
  });
});
