import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { createClock } from '../../lib/core/clock';
import { clockInterval, commitExperiment, ntpInterval, trueTime, uncertaintyAfter } from '../../lib/models/truetime';
import { ConfigError } from '../../lib/index';

describe('intervals', () => {
  test('a clock within its bound gives an interval that contains true time', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.double({ min: 0, max: 50, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true }), (t, bound, frac) => {
        const i = clockInterval(t + frac * bound, bound);
        expect(i.earliest).toBeLessThanOrEqual(t + 1e-9);
        expect(i.latest).toBeGreaterThanOrEqual(t - 1e-9);
      }),
    );
    expect(() => clockInterval(0, -1)).toThrow(/bound/);
    expect(() => clockInterval(NaN, 1)).toThrow(/reading/);
  });

  test('an NTP exchange bounds the offset by half its delay; uncertainty grows with drift', () => {
    expect(ntpInterval({ t1: 0, t2: 30, t3: 30, t4: 40 })).toEqual({ earliest: -10, latest: 30 });
    expect(uncertaintyAfter(1, 200, 30_000)).toBeCloseTo(7, 9); // Spanner's sawtooth top
    expect(() => uncertaintyAfter(-1, 0, 0)).toThrow();
  });

  test('TrueTime: after(t) and before(t) are only true when certain', () => {
    let now = 1000;
    const tt = trueTime(createClock({ offset: 3 }, () => now), 5);
    expect(tt.now()).toEqual({ earliest: 998, latest: 1008 });
    expect(tt.after(997)).toBe(true);
    expect(tt.after(1000)).toBe(false);
    expect(tt.before(1009)).toBe(true);
    now = 1010;
    expect(tt.after(1000)).toBe(true);
  });
});

describe('commit wait', () => {
  test('with commit wait no causally ordered pair is inverted, at the price of ~2 × bound per commit', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const r = commitExperiment({ seed, bound: 10, commitWait: true, pairs: 3 });
      expect(r.pairs).toHaveLength(3);
      for (const p of r.pairs) {
        expect(p.inverted).toBe(false);
        expect(p.t1.waited).toBeGreaterThanOrEqual(20 - 1e-6);
        expect(p.t1.waited).toBeLessThan(20 + 1e-3);
      }
    }
  });

  test('without it, skewed clocks invert some pairs; perfect clocks none', () => {
    const inverted = Array.from({ length: 30 }, (_, i) => commitExperiment({ seed: i + 1, bound: 20, commitWait: false, pairs: 1 }).pairs[0]!.inverted);
    expect(inverted.some((x) => x)).toBe(true);
    expect(commitExperiment({ seed: 1, bound: 0, commitWait: false }).pairs.every((p) => !p.inverted)).toBe(true);
    expect(() => commitExperiment({ seed: 1, bound: -2, commitWait: true })).toThrow(ConfigError);
  });

  test('commit wait on a clock that runs slow still waits until TT.after(timestamp)', () => {
    // A slow clock: the timer (true time) ends before the clock has moved far enough, so the server checks again.
    const r = commitExperiment({ seed: 3, bound: 5, commitWait: true, pairs: 2 });
    expect(r.pairs.every((p) => p.t2.timestamp > p.t1.timestamp)).toBe(true);
  });
});
