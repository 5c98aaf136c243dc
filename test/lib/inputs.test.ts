import { describe, expect, it } from 'vitest';
import { UpgradeError } from '../../src/lib/errors.js';
import {
  type InputSource,
  parseDuration,
  readHttpUrl,
  readBoolean,
  readDuration,
  readEnum,
  readList,
  readPositiveInteger,
  readPath,
  readSecret,
  readString,
} from '../../src/lib/inputs.js';
import { readDatabaseInputs } from '../../src/database/connection-inputs.js';
import { readAdminInputs } from '../../src/kong/admin-inputs.js';

function source(values: Record<string, string>) {
  const masked: string[] = [];
  const events: string[] = [];
  const input: InputSource = {
    get: (name) => {
      events.push(`get ${name}`);
      return values[name] ?? '';
    },
    mask: (secret) => {
      events.push(`mask ${secret}`);
      masked.push(secret);
    },
  };
  return { input, masked, events };
}

function thrown(fn: () => unknown): UpgradeError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UpgradeError);
    return error as UpgradeError;
  }
  throw new Error('expected a throw');
}

describe('strings', () => {
  it('trims and treats blank as unset', () => {
    const { input } = source({ a: '  x  ', b: '   ' });
    expect(readString(input, 'a')).toBe('x');
    expect(readString(input, 'b')).toBeUndefined();
  });
});

describe('booleans', () => {
  it.each([
    ['true', true], ['TRUE', true], ['yes', true], ['on', true], ['1', true],
    ['false', false], ['False', false], ['no', false], ['off', false], ['0', false],
  ])('%s is %s', (text, expected) => {
    expect(readBoolean(source({ flag: text }).input, 'flag', !expected)).toBe(expected);
  });

  it('falls back when unset', () => {
    expect(readBoolean(source({}).input, 'flag', true)).toBe(true);
  });

  it('names the input and the bad value', () => {
    const error = thrown(() => readBoolean(source({ 'dry-run': 'maybe' }).input, 'dry-run', false));
    expect(error.message).toBe(`input 'dry-run': "maybe" is not a boolean; use true or false`);
    expect(error.origin).toEqual({ input: 'dry-run' });
  });
});

describe('enums', () => {
  const allowed = ['postgres', 'off'] as const;
  it('accepts an allowed value and falls back when unset', () => {
    expect(readEnum(source({ mode: 'off' }).input, 'mode', allowed, 'postgres')).toBe('off');
    expect(readEnum(source({}).input, 'mode', allowed, 'postgres')).toBe('postgres');
  });

  it('names the input and lists the allowed values', () => {
    const error = thrown(() => readEnum(source({ database: 'cassandra' }).input, 'database', allowed, 'postgres'));
    expect(error.message).toBe(`input 'database': "cassandra" is not one of postgres, off`);
  });

  it('is case sensitive', () => {
    expect(() => readEnum(source({ mode: 'OFF' }).input, 'mode', allowed, 'postgres')).toThrow(/not one of/);
  });
});

describe('durations', () => {
  it.each([
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['500ms', 500],
    ['1h2m3s', 3_723_000],
    [' 45s ', 45_000],
    ['1.5s', 1500],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text, 'timeout')).toBe(ms);
  });

  it.each(['', '30', 's', '5 m', '1d', '-5s', '5m junk', 'abc', '1m 30s'])('rejects %j', (text) => {
    const error = thrown(() => parseDuration(text, 'timeout'));
    expect(error.message).toContain("input 'timeout'");
    expect(error.message).toContain('30s, 5m, 1h or 1m30s');
  });

  it('reads the input or the fallback', () => {
    expect(readDuration(source({ wait: '2m' }).input, 'wait', '10s')).toBe(120_000);
    expect(readDuration(source({}).input, 'wait', '10s')).toBe(10_000);
  });
});

describe('lists', () => {
  it('splits by newline or comma, trims, drops empties', () => {
    expect(readList(source({ services: 'a\nb, c\n\n ,d ,\n' }).input, 'services')).toEqual(['a', 'b', 'c', 'd']);
    expect(readList(source({ services: 'one,two' }).input, 'services')).toEqual(['one', 'two']);
    expect(readList(source({}).input, 'services')).toEqual([]);
  });
});

describe('positive integers', () => {
  it('accepts whole numbers and rejects others', () => {
    expect(readPositiveInteger(source({ n: '3' }).input, 'n', 1)).toBe(3);
    expect(readPositiveInteger(source({}).input, 'n', 7)).toBe(7);
    for (const bad of ['0', '-1', '1.5', 'x']) {
      expect(thrown(() => readPositiveInteger(source({ n: bad }).input, 'n', 1)).message).toContain("input 'n'");
    }
  });
});

describe('secrets', () => {
  it('masks the value before returning it', () => {
    const { input, masked, events } = source({ 'admin-token': ' s3cr3t ' });
    const value = readSecret(input, 'admin-token');
    expect(value).toBe('s3cr3t');
    expect(masked).toEqual(['s3cr3t']);
    expect(events).toEqual(['get admin-token', 'mask s3cr3t']);
  });

  it('masks nothing when unset', () => {
    const { input, masked } = source({});
    expect(readSecret(input, 'admin-token')).toBeUndefined();
    expect(masked).toEqual([]);
  });

  it('does not return when masking throws', () => {
    const input: InputSource = {
      get: () => 'secret',
      mask: () => {
        throw new Error('mask failed');
      },
    };
    expect(() => readSecret(input, 'token')).toThrow('mask failed');
  });
});

describe('readHttpUrl', () => {
  const source = (value: string) => ({ get: () => value, mask: () => {} });
  it('drops trailing slashes and refuses what is not http(s)', () => {
    expect(readHttpUrl(source('http://127.0.0.1:8001//'), 'admin-url')).toBe('http://127.0.0.1:8001');
    expect(readHttpUrl(source(''), 'admin-url')).toBeUndefined();
    expect(() => readHttpUrl(source('ftp://x'), 'admin-url')).toThrow(`input 'admin-url': "ftp://x" must be http:// or https://`);
    expect(() => readHttpUrl(source('not a url'), 'proxy-url')).toThrow(/^input 'proxy-url': "not a url" is not a URL/);
  });
});

// Issue 20: hostile values at input time.
describe('secrets and URLs at input time', () => {
  it('masks each line of a multi-line secret, the runner masking within one line', () => {
    const { input, masked } = source({ 'encryption-private-key': '-----BEGIN KEY-----\nc2VjcmV0LWxpbmUtb25l\nc2VjcmV0LWxpbmUtdHdv\n-----END KEY-----' });
    readSecret(input, 'encryption-private-key');
    expect(masked).toEqual(expect.arrayContaining(['c2VjcmV0LWxpbmUtb25l', 'c2VjcmV0LWxpbmUtdHdv']));
  });

  it('refuses a multi-line admin-token, each line masked first', () => {
    const { input, masked } = source({ 'admin-url': 'http://127.0.0.1:8001', 'admin-token': 'first-half-of-it\n::stop-commands::second-half' });
    const error = thrown(() => readAdminInputs(input));
    expect(error.message).toMatch(/^input 'admin-token': holds a line break/);
    expect(error.message).not.toContain('first-half');
    expect(masked).toEqual(expect.arrayContaining(['first-half-of-it', '::stop-commands::second-half']));
  });

  it('refuses credentials in an Admin URL, masking them, and shows the URL without them', () => {
    const { input, masked } = source({ 'admin-url': 'http://admin:p%40ss-word@127.0.0.1:8001' });
    const error = thrown(() => readHttpUrl(input, 'admin-url'));
    expect(error.message).toMatch(/^input 'admin-url': holds credentials .*http:\/\/127\.0\.0\.1:8001\//);
    expect(error.message).not.toMatch(/p%40ss|p@ss|admin:/);
    expect(masked).toEqual(expect.arrayContaining(['admin', 'p%40ss-word', 'p@ss-word']));
  });

  it('refuses a line break in a URL, which the URL parser would silently drop', () => {
    const { input } = source({ 'admin-url': 'http://127.0.0.1:8001/\n::stop-commands::x' });
    expect(thrown(() => readHttpUrl(input, 'admin-url')).message).toMatch(/^input 'admin-url': holds a line break/);
  });

  it('refuses a path with a line break, naming the input', () => {
    const { input } = source({ 'report-file': 'report.json\n::stop-commands::x' });
    expect(thrown(() => readPath(input, 'report-file')).message).toBe("input 'report-file': holds a line break or another control character; give one line");
  });

  it('names database-url for %00 and for a malformed escape, never showing the password', () => {
    for (const [url, reason] of [
      ['postgres://kong:sec%00ret-pw@127.0.0.1:5432/kong', /the password holds a control character/],
      ['postgres://kong:sec%zzret-pw@127.0.0.1:5432/kong', /the password has a malformed %-escape/],
      ['postgres://kong@127.0.0.1:5432/ko%0Ang', /the database name holds a control character/],
    ] as const) {
      const { input, masked } = source({ 'database-url': url });
      const error = thrown(() => readDatabaseInputs(input));
      expect(error.message).toMatch(/^input 'database-url': /);
      expect(error.message).toMatch(reason);
      expect(error.message).not.toContain('ret-pw');
      if (url.includes('ret-pw')) expect(masked.some((m) => m.includes('ret-pw'))).toBe(true);
    }
  });
});

describe('path inputs past the file system limits', () => {
  it('name the input instead of an ENAMETOOLONG naming none', () => {
    const { input } = source({ 'plan-file': 'A'.repeat(100_000), 'report-file': `/tmp/${'b'.repeat(300)}/r.json` });
    expect(thrown(() => readPath(input, 'plan-file')).message).toBe("input 'plan-file': is 100000 bytes long; expected a path of at most 4096 bytes, each name at most 255");
    expect(thrown(() => readPath(input, 'report-file')).message).toMatch(/^input 'report-file': has a name of 300 bytes \("b{40}…"\); expected a path/);
  });
});
