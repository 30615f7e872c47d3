import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../lib/core/config';
import { createRng, distribution, exponential, meanOf, RngTable, sample, shuffle } from '../../lib/core/random';
import { mean, percentile } from '../../lib/core/stats';

const draw = (input: Parameters<typeof distribution>[0], n = 20000, seed = 1) => {
  const d = distribution(input);
  const rng = createRng(seed, 'test');
  return Array.from({ length: n }, () => sample(d, rng));
};

describe('seeded random streams', () => {
  test('the same seed gives the same numbers; another seed does not', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(xs);
  });

  test('a fork depends only on its name, not on how much the parent was used', () => {
    const a = createRng(7);
    const b = createRng(7);
    for (let i = 0; i < 100; i++) b.next();
    expect(a.fork('node:x').next()).toBe(b.fork('node:x').next());
    expect(a.fork('node:x').next()).not.toBe(a.fork('node:y').next());
  });

  test('int and pick stay in range', () => {
    const rng = createRng(3);
    for (let i = 0; i < 1000; i++) {
      const k = rng.int(2, 4);
      expect(k >= 2 && k <= 4 && Number.isInteger(k)).toBe(true);
    }
    expect(() => rng.pick([])).toThrow(/empty/);
  });
});

describe('distributions', () => {
  test('means match theory', () => {
    expect(mean(draw({ kind: 'uniform', min: 2, max: 4 }))).toBeCloseTo(3, 1);
    expect(mean(draw({ kind: 'exponential', mean: 5 }))).toBeCloseTo(5, 0);
    expect(mean(draw({ kind: 'normal', mean: 50, sd: 5 }))).toBeCloseTo(50, 0);
    const ln = { kind: 'lognormal', median: 10, sigma: 0.5 } as const;
    expect(percentile(draw(ln), 50)).toBeCloseTo(10, 0);
    expect(mean(draw(ln)) / meanOf(distribution(ln))).toBeCloseTo(1, 1);
    expect(draw(7, 3)).toEqual([7, 7, 7]);
  });

  test('pareto has a heavy tail above its scale', () => {
    const xs = draw({ kind: 'pareto', scale: 1, shape: 1.5 });
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(1);
    // P(X > 10) = 10^-1.5 ≈ 0.0316
    expect(xs.filter((x) => x > 10).length / xs.length).toBeCloseTo(0.0316, 2);
    expect(meanOf(distribution({ kind: 'pareto', scale: 1, shape: 1 }))).toBe(Infinity);
  });

  test('a normal delay is never negative', () => {
    expect(Math.min(...draw({ kind: 'normal', mean: 1, sd: 5 }))).toBeGreaterThanOrEqual(0);
  });

  test('bad parameters are rejected with the path and the rule', () => {
    expect(() => distribution({ kind: 'uniform', min: 5, max: 1 }, 'latency')).toThrow(/max must be ≥ min → at latency\.max/);
    expect(() => distribution({ kind: 'exponential', mean: NaN })).toThrow(/received NaN → at distribution\.mean/);
    expect(() => distribution(-1)).toThrow(ConfigError);
    expect(() => createRng(1.5)).toThrow(/expected int or string → at seed/);
  });
});

describe('shared draws', () => {
  test('is shuffle a permutation that leaves its input alone, the same for the same seed?', () => {
    const items = ['a', 'b', 'c', 'd', 'e', 'f'];
    const once = shuffle(createRng(7, 's'), items);
    expect([...once].sort()).toEqual(items);
    expect(items).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(shuffle(createRng(7, 's'), items)).toEqual(once);
    // Over many seeds every item lands first sometimes: no position is fixed.
    const firsts = new Set(Array.from({ length: 200 }, (_, i) => shuffle(createRng(i, 's'), items)[0]));
    expect(firsts.size).toBe(items.length);
  });

  test('does exponential draw positive values around its mean?', () => {
    const rng = createRng(3, 'exp');
    const xs = Array.from({ length: 20_000 }, () => exponential(rng, 5));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    const m = xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(m).toBeGreaterThan(4.8);
    expect(m).toBeLessThan(5.2);
  });
});

describe('a table of streams', () => {
  test('does each row draw exactly what its own forked stream would, however the draws interleave?', () => {
    const root = createRng(7);
    const table = new RngTable();
    const labels = ['link:a->b', 'link:a->c', 'link:b->a'];
    const rows = labels.map((l) => table.add(root, l));
    const own = labels.map((l) => root.fork(l));
    const d = distribution({ kind: 'lognormal', median: 2, sigma: 0.5 }); // gaussian: a spare kept per row
    const order = [0, 1, 1, 2, 0, 0, 2, 1, 0, 2, 2, 1];
    const fromTable = order.map((i) => [sample(d, table.stream(rows[i]!)), table.stream(rows[i]!).next()]);
    const fromOwn = order.map((i) => [sample(d, own[i]!), own[i]!.next()]);
    expect(fromTable).toEqual(fromOwn);
    expect(table.stream(rows[1]!).name).toBe('7/link:a->c');
  });
});
