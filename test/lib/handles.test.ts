import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { HandleTable } from '../../lib/core/handles';

describe('the handle table (timer ids)', () => {
  test('does a stale handle (its item removed, the slot reused) find nothing, and remove nothing?', () => {
    const t = new HandleTable<string>();
    const a = t.add('a');
    expect(t.get(a)).toBe('a');
    expect(t.remove(a)).toBe(true);
    const b = t.add('b'); // reuses a's slot
    expect(b).not.toBe(a);
    expect(t.get(a)).toBeUndefined();
    expect(t.remove(a)).toBe(false);
    expect(t.get(b)).toBe('b');
  });

  test('do handles that were never given out (0, negative, fractional, NaN, huge) find and remove nothing?', () => {
    const t = new HandleTable<string>();
    const a = t.add('a');
    for (const h of [0, -1, -a, a + 0.5, a - 0.5, Number.NaN, Infinity, 2 ** 60, a + 2 ** 22]) {
      expect(t.get(h)).toBeUndefined();
      expect(t.remove(h)).toBe(false);
    }
    expect(t.get(a)).toBe('a');
  });

  test('does it agree with a map from handle to item over any run of adds and removes, handles never repeating?', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant(-1), fc.nat(40)), { maxLength: 300 }), (steps) => {
        const t = new HandleTable<number>();
        const model = new Map<number, number>();
        const given: number[] = [];
        steps.forEach((s, i) => {
          if (s === -1 || given.length === 0) {
            const h = t.add(i);
            expect(given).not.toContain(h);
            given.push(h);
            model.set(h, i);
          } else {
            const h = given[s % given.length]!;
            expect(t.remove(h)).toBe(model.delete(h));
          }
          for (const h of given) expect(t.get(h)).toBe(model.get(h));
        });
      }),
    );
  });

  test('do handles stay exact after a slot has been reused thousands of times (handles past 2^31)?', () => {
    const t = new HandleTable<number>();
    let h = 0;
    for (let i = 0; i < 5000; i++) {
      h = t.add(i);
      if (i < 4999) t.remove(h);
    }
    expect(h).toBeGreaterThan(2 ** 31);
    expect(t.get(h)).toBe(4999);
    expect(t.get(h - 2 ** 22)).toBeUndefined(); // the same slot, one use earlier
  });
});
