// The percentile behind the latency checks (p50/p95/p99 of smoke-test and promote) is the
// nearest-rank one: the smallest sample with at least q of the samples at or below it. Inputs
// where q × n is not a whole number tell it apart from rounding the rank down or to the nearest.
import { describe, expect, it } from 'vitest';
import { percentile } from '../../src/checks/load.js';

const sorted = (values: number[]) => Float64Array.from(values).sort();

/** The definition, written out: the smallest value v with count(x <= v) >= q * n. */
function nearestRank(values: Float64Array, q: number): number {
  return values.find((v) => values.filter((x) => x <= v).length >= q * values.length)!;
}

describe('percentile (nearest rank)', () => {
  it('takes the next sample up when q × n falls between two ranks', () => {
    const ten = sorted([10, 20, 30]);
    // 0.4 × 3 = 1.2: 10 is 1 sample of 3 (33%), so p40 is 20; rounding 1.2 down or to the nearest gives 10.
    expect(percentile(ten, 0.4)).toBe(20);
    // 0.5 × 7 = 3.5: the 4th of 7.
    expect(percentile(sorted([1, 2, 3, 4, 5, 6, 7]), 0.5)).toBe(4);
    // 0.95 × 30 = 28.5 and 0.99 × 30 = 29.7: p95 is the 29th of 30, p99 the 30th.
    const thirty = sorted(Array.from({ length: 30 }, (_, i) => (i + 1) * 10));
    expect([percentile(thirty, 0.95), percentile(thirty, 0.99)]).toEqual([290, 300]);
  });

  it('takes the sample at the rank when q × n is whole', () => {
    const hundred = sorted(Array.from({ length: 100 }, (_, i) => i + 1));
    expect([percentile(hundred, 0.5), percentile(hundred, 0.95), percentile(hundred, 0.99)]).toEqual([50, 95, 99]);
  });

  it('is the smallest sample at q = 0 and the largest at q = 1, and undefined without samples', () => {
    const values = sorted([7, 3, 9]);
    expect(percentile(values, 0)).toBe(3);
    expect(percentile(values, 1)).toBe(9);
    expect(percentile(sorted([42]), 0.99)).toBe(42);
    expect(percentile(new Float64Array(), 0.5)).toBeUndefined();
  });

  it('rounds the sample to hundredths of a millisecond', () => {
    expect(percentile(sorted([12.3456]), 0.5)).toBe(12.35);
    expect(percentile(sorted([0.004]), 0.5)).toBe(0);
  });

  it('agrees with the definition on samples with ties, for every q in steps of 1%', () => {
    // A fixed linear congruential sequence: the same samples on every run.
    let state = 12345;
    const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31) % 50;
    for (const n of [1, 2, 3, 7, 19, 64]) {
      const values = sorted(Array.from({ length: n }, next));
      for (let step = 0; step <= 100; step++) {
        const q = step / 100;
        expect(percentile(values, q), `n=${n} q=${q}`).toBe(nearestRank(values, q));
      }
    }
  });
});
