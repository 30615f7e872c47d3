import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { jainIndex, runBottleneck } from '../../lib/models/congestion';

describe("Jain's fairness index", () => {
  test('1 when all are equal, 1/n when one gets everything', () => {
    expect(jainIndex([3, 3, 3])).toBeCloseTo(1, 12);
    expect(jainIndex([5, 0, 0, 0])).toBeCloseTo(0.25, 12);
    expect(jainIndex([0, 0])).toBe(1);
    expect(() => jainIndex([])).toThrow();
    expect(() => jainIndex([1, NaN])).toThrow();
  });

  test('property: between 1/n and 1, and unchanged by scaling', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1000, noNaN: true }), { minLength: 1, maxLength: 20 }), fc.double({ min: 0.01, max: 100, noNaN: true }), (xs, c) => {
        const j = jainIndex(xs);
        expect(j).toBeGreaterThanOrEqual(1 / xs.length - 1e-9);
        expect(j).toBeLessThanOrEqual(1 + 1e-9);
        // Scaling a subnormal share (5e-324 × 0.01 = 0) changes the shares themselves, not the index.
        if (xs.every((x) => x === 0 || x >= 1e-300)) expect(jainIndex(xs.map((x) => x * c))).toBeCloseTo(j, 6);
      }),
    );
  });
});

describe('senders sharing a bottleneck', () => {
  test('one AIMD sender fills the link and its window saws: grows, halves, grows', () => {
    const r = runBottleneck({ seed: 1, senders: [{ kind: 'aimd', name: 'a' }] });
    const s = r.senders[0]!;
    expect(r.utilization).toBeGreaterThan(0.9);
    expect(s.backoffs).toBeGreaterThan(3);
    const late = s.windows.slice(s.windows.length / 2);
    expect(Math.max(...late) - Math.min(...late)).toBeGreaterThan(5);
    expect(Math.min(...s.windows.filter((_, i) => s.times[i]! > 0))).toBeGreaterThanOrEqual(1);
    expect(r.queue.every((n) => n >= 0 && n <= 20)).toBe(true);
  });

  test('AIMD senders that start at different times end up sharing fairly', () => {
    const r = runBottleneck({
      seed: 2,
      duration: 20_000,
      measureFrom: 5000,
      senders: [
        { kind: 'aimd', name: 'a' },
        { kind: 'aimd', name: 'b', start: 500 },
        { kind: 'aimd', name: 'c', start: 1000 },
      ],
    });
    expect(r.fairness).toBeGreaterThan(0.95);
    expect(r.utilization).toBeGreaterThan(0.9);
  });

  test('a sender that never backs off takes more than its share and raises the drop rate', () => {
    const fair = runBottleneck({ seed: 3, senders: [{ kind: 'aimd', name: 'a' }, { kind: 'aimd', name: 'b' }, { kind: 'aimd', name: 'c' }] });
    const hog = runBottleneck({ seed: 3, senders: [{ kind: 'aimd', name: 'a' }, { kind: 'aimd', name: 'b' }, { kind: 'fixed-window', name: 'greedy', window: 40 }] });
    const greedy = hog.senders.find((s) => s.name === 'greedy')!;
    expect(greedy.share).toBeGreaterThan(0.5);
    expect(greedy.backoffs).toBe(0);
    expect(hog.fairness).toBeLessThan(fair.fairness);
    expect(hog.dropRate).toBeGreaterThan(fair.dropRate);
  });

  test('same seed, same run; bad configs fail with the path', () => {
    const cfg = { seed: 9, duration: 2000, senders: [{ kind: 'aimd' as const, name: 'a' }, { kind: 'aimd' as const, name: 'b', start: 100 }] };
    expect(runBottleneck(cfg)).toEqual(runBottleneck(cfg));
    expect(() => runBottleneck({ seed: 1, senders: [{ kind: 'aimd', name: 'a' }, { kind: 'aimd', name: 'a' }] })).toThrow(/unique/);
    expect(() => runBottleneck({ seed: 1, duration: 500, senders: [{ kind: 'aimd', name: 'a' }] })).toThrow(/experiment\.measureFrom/);
    expect(() => runBottleneck({ seed: 1, senders: [{ kind: 'fixed-window', name: 'a', window: 0 }] })).toThrow(/experiment\.senders\[0\]\.window/);
  });
});

test("Jain's index of shares too small to square (1e-164) is the index of their ratios", () => {
  // Found by the property above with an unlucky seed: [0, 1.57e-164] squared to 0, "all equal".
  expect(jainIndex([0, 1.5717277847026297e-164])).toBeCloseTo(0.5, 12);
  expect(jainIndex([1e-200, 1e-200, 2e-200])).toBeCloseTo(jainIndex([1, 1, 2]), 12);
  // The next unlucky draw in CI: [0, 5e-324] × 0.01 is [0, 0], other shares, not another index.
  expect(jainIndex([0, 5e-324])).toBeCloseTo(0.5, 12);
  expect(jainIndex([0, 5e-324 * 0.01])).toBe(1);
});
