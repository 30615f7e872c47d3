import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { ConfigError } from '../../lib';
import { phi, phiAccrualDetector } from '../../lib/models/phi';

const model = { minStdDev: 1, acceptablePause: 0 };
/** The textbook form, fine for moderate y: -log10(1 - logistic CDF). */
const naive = (y: number): number => -Math.log10(1 - 1 / (1 + Math.exp(-y * (1.5976 + 0.070566 * y * y))));

describe('phi', () => {
  test('is 0 for an empty window and log10(2) when the silence equals the mean', () => {
    expect(phi(1234, [], model)).toBe(0);
    expect(phi(100, [90, 110], model)).toBeCloseTo(Math.log10(2), 12);
  });

  test('matches -log10(1 - CDF(y)) with the window mean and population sd, floor and acceptable pause', () => {
    // window [90, 110, 90, 110]: mean 100, sd 10
    for (const elapsed of [60, 100, 115, 130, 150]) {
      expect(phi(elapsed, [90, 110, 90, 110], model)).toBeCloseTo(naive((elapsed - 100) / 10), 6);
      expect(phi(elapsed, [90, 110, 90, 110], { minStdDev: 40, acceptablePause: 0 })).toBeCloseTo(naive((elapsed - 100) / 40), 6);
      expect(phi(elapsed, [90, 110, 90, 110], { minStdDev: 1, acceptablePause: 30 })).toBeCloseTo(naive((elapsed - 130) / 10), 6);
    }
  });

  test('grows with the silence, and stays finite where the textbook form gives Infinity', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 1, max: 1000, noNaN: true }), { minLength: 1, maxLength: 50 }),
        fc.double({ min: 0, max: 5000, noNaN: true }),
        fc.double({ min: 0, max: 5000, noNaN: true }),
        (window, a, b) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          const p = phi(lo, window, { minStdDev: 5, acceptablePause: 0 });
          const q = phi(hi, window, { minStdDev: 5, acceptablePause: 0 });
          expect(Number.isFinite(p) && Number.isFinite(q) && p >= 0).toBe(true);
          expect(q).toBeGreaterThanOrEqual(p);
        },
      ),
    );
    expect(naive(20)).toBe(Infinity);
    expect(phi(300, [90, 110, 90, 110], { minStdDev: 10, acceptablePause: 0 })).toBeGreaterThan(250);
  });
});

describe('phiAccrualDetector', () => {
  test('its running window gives the same phi as recomputing from the window', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.integer({ min: 1, max: 500 }), { minLength: 0, maxLength: 40 }),
        fc.integer({ min: 0, max: 2000 }),
        (windowSize, gaps, silence) => {
          const d = phiAccrualDetector({ windowSize, minStdDev: 3 });
          let t = 0;
          d.heartbeat(t);
          for (const g of gaps) d.heartbeat((t += g));
          const expected = [75, 125, ...gaps].slice(-windowSize);
          expect(d.intervals()).toEqual(expected);
          expect(d.phi(t + silence)).toBeCloseTo(phi(silence, expected, { minStdDev: 3, acceptablePause: 0 }), 6);
        },
      ),
    );
  });

  test('is silent before the first heartbeat, then suspects a node that dies after it (bootstrap window)', () => {
    const d = phiAccrualDetector();
    expect(d.phi(10_000)).toBe(0);
    expect(d.suspect(10_000)).toBe(false);
    d.heartbeat(0);
    expect(d.suspect(100)).toBe(false);
    expect(d.suspect(1000)).toBe(true);
    expect(d.threshold).toBe(8);
  });

  test('ignores a heartbeat stamped before the last one', () => {
    const d = phiAccrualDetector({ windowSize: 10 });
    d.heartbeat(1000);
    d.heartbeat(900);
    expect(d.intervals()).toEqual([75, 125]);
  });

  test('rejects bad settings, naming the field', () => {
    expect(() => phiAccrualDetector({ minStdDev: 0 })).toThrow(/detector\.minStdDev/);
    expect(() => phiAccrualDetector({ windowSize: 2.5 })).toThrow(ConfigError);
    expect(() => phiAccrualDetector({ threshold: NaN })).toThrow(/detector\.threshold/);
  });
});
