import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { byTimestamp, lwwApply, lwwExperiment, misorderings, type LwwState, type StampedWrite } from '../../lib/models/timestamps';
import { ConfigError } from '../../lib/index';

const w = (node: string, seq: number, timestamp: number, trueTime: number): StampedWrite => ({ node, seq, value: seq, timestamp, trueTime });

describe('last-write-wins register', () => {
  test('keeps the highest timestamp and silently drops a later write with an earlier timestamp', () => {
    const state: LwwState = { winner: null };
    expect(lwwApply(state, w('a', 1, 100, 0))).toBe(true);
    expect(lwwApply(state, w('b', 2, 95, 10))).toBe(false); // happened later, clock behind
    expect(state.winner?.seq).toBe(1);
    expect(lwwApply(state, w('b', 3, 120, 20))).toBe(true);
    expect(state.winner?.seq).toBe(3);
  });

  test('whatever the arrival order, every replica ends with a winner of the same (timestamp, node): the maximum', () => {
    const writes = fc.array(fc.record({ node: fc.constantFrom('a', 'b', 'c'), timestamp: fc.integer({ min: 0, max: 20 }) }), { minLength: 1, maxLength: 20 });
    fc.assert(
      fc.property(writes, fc.integer(), (ws, shuffleSeed) => {
        const stamped = ws.map((x, i) => w(x.node, i, x.timestamp, i));
        const shuffled = [...stamped].sort((p, q) => ((p.seq * 7919 + shuffleSeed) % 13) - ((q.seq * 7919 + shuffleSeed) % 13));
        const one: LwwState = { winner: null };
        const two: LwwState = { winner: null };
        stamped.forEach((x) => lwwApply(one, x));
        shuffled.forEach((x) => lwwApply(two, x));
        const key = (x: StampedWrite | null | undefined) => x && [x.timestamp, x.node];
        expect(key(one.winner)).toEqual(key(two.winner));
        expect(key(one.winner)).toEqual(key(byTimestamp(stamped).at(-1)));
      }),
    );
  });
});

describe('ordering by timestamps', () => {
  test('finds exactly the adjacent pairs whose timestamps run backwards', () => {
    const events = [w('a', 1, 10, 0), w('b', 2, 5, 1), w('a', 3, 12, 2), w('c', 4, 13, 3)];
    const found = misorderings(events);
    expect(found.map((m) => [m.first.seq, m.second.seq])).toEqual([[1, 2]]);
    expect(found[0]).toMatchObject({ gap: 1, skew: 5 });
  });

  test('perfect clocks never misorder anything', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 30 }), (times) => {
        const events = [...new Set(times)].map((t, i) => w(`n${i % 3}`, i, t, t));
        expect(misorderings(events)).toEqual([]);
      }),
    );
  });
});

describe('the LWW experiment', () => {
  test('with synchronized clocks no write is lost; with clocks far apart many are', () => {
    const perfect = lwwExperiment({ seed: 1, skew: 0, writes: 100 });
    expect(perfect.writes).toHaveLength(100);
    expect(perfect.lostFraction).toBe(0);
    expect(perfect.misordered).toEqual([]);
    const skewed = lwwExperiment({ seed: 1, skew: 200, writes: 100 });
    expect(skewed.lostFraction).toBeGreaterThan(0.2);
    expect(skewed.misorderedFraction).toBeGreaterThan(0.2);
    // Every lost write is one whose timestamp was not the highest so far.
    for (const d of skewed.discarded) expect(skewed.writes.some((x) => x.trueTime < d.trueTime && x.timestamp >= d.timestamp)).toBe(true);
  });

  test('is deterministic, keeps offsets within the skew, and rejects bad settings', () => {
    const a = lwwExperiment({ seed: 5, skew: 30 });
    const b = lwwExperiment({ seed: 5, skew: 30 });
    expect(a.writes).toEqual(b.writes);
    const offs = Object.values(a.offsets);
    expect(Math.max(...offs) - Math.min(...offs)).toBeLessThanOrEqual(30);
    expect(() => lwwExperiment({ seed: 1, skew: -1 })).toThrow(ConfigError);
    expect(() => lwwExperiment({ seed: 1, skew: NaN })).toThrow(/lww\.skew/);
  });
});
