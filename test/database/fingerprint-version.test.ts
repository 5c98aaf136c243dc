// A backup's fingerprint is only compared on a server that can compute it: restore, trial
// restore and the migrate gate call this before they touch anything.
import { describe, expect, it } from 'vitest';
import { assertFingerprintComputable } from '../../src/database/postgres/fingerprint.js';
import { UpgradeError } from '../../src/lib/errors.js';

describe('assertFingerprintComputable', () => {
  it('refuses hash_record_extended (14+) on PostgreSQL 13, naming both versions', () => {
    const error = (() => {
      try {
        assertFingerprintComputable('row-hashrecord-sum-v1', 130_012, '13.12');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(UpgradeError);
    expect((error as Error).message).toMatch(/needs PostgreSQL 14 or newer.*runs 13\.12/);
  });

  it('accepts each algorithm from its first version on', () => {
    expect(() => assertFingerprintComputable('row-hashrecord-sum-v1', 140_000, '14.0')).not.toThrow();
    expect(() => assertFingerprintComputable('row-hashtextextended-sum-v1', 110_000, '11.0')).not.toThrow();
    expect(() => assertFingerprintComputable('row-hashtextextended-sum-v1', 100_023, '10.23')).toThrow(/needs PostgreSQL 11/);
    expect(() => assertFingerprintComputable('row-md5-sum-v1', 90_624, '9.6.24')).not.toThrow();
  });
});
