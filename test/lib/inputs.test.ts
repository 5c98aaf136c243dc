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
  readRequired,
  readSecret,
  readString,
} from '../../src/lib/inputs.js';

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
    expect(thrown(() => readRequired(input, 'b')).message).toBe("input 'b': is required");
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
