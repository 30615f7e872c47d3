import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { percentile, percentiles } from '../../lib/core/stats';

/** Nearest rank, the textbook way: sort a copy, take the ceil(p/100·n)-th value. */
const nearestRank = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(1, Math.ceil((p / 100) * s.length)) - 1]!;
};

describe('percentiles', () => {
  test('of long series (selected, not sorted) match the nearest rank of a sorted copy, duplicates and all', () => {
    const value = fc.oneof(fc.double({ noNaN: true }), fc.integer({ min: -3, max: 3 }));
    fc.assert(
      fc.property(fc.array(value, { minLength: 64, maxLength: 3000 }), fc.array(fc.double({ min: 0, max: 100, noNaN: true }), { minLength: 1, maxLength: 4 }), (xs, ps) => {
        expect(percentiles(xs, ps).map((v) => v + 0)).toEqual(ps.map((p) => nearestRank(xs, p) + 0));
      }),
      { numRuns: 200 },
    );
  });

  test('match the nearest rank of a sorted copy, for sorted and unsorted series, one or several at once', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true }), { minLength: 1 }), fc.array(fc.double({ min: 0, max: 100, noNaN: true }), { minLength: 1 }), fc.boolean(), (xs, ps, presort) => {
        const series = presort ? [...xs].sort((a, b) => a - b) : xs;
        const want = ps.map((p) => nearestRank(xs, p));
        // -0 and 0 are the same latency; sorting may put either first
        expect(percentiles(series, ps).map((v) => v + 0)).toEqual(want.map((v) => v + 0));
        expect(percentile(series, ps[0]!) + 0).toBe(want[0]! + 0);
      }),
    );
  });

  test('leave the series alone and refuse an empty one or p outside [0, 100]', () => {
    const xs = [3, 1, 2];
    expect(percentiles(xs, [0, 50, 100])).toEqual([1, 2, 3]);
    expect(xs).toEqual([3, 1, 2]);
    expect(() => percentile([], 50)).toThrow(/empty series/);
    expect(() => percentiles([1], [50, 101])).toThrow(/\[0, 100\], got 101/);
  });
});
