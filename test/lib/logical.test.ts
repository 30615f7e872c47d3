import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { createSim, ConfigError } from '../../lib/index';
import {
  causalOrder,
  compareHlc,
  createRecorder,
  hybridClock,
  lamportClock,
  orderViolations,
  randomHistory,
  scriptHistory,
  sortByStamp,
  stampHistory,
  vectorClock,
  vectorCompare,
  vectorMerge,
  wallClock,
  checkHistory,
  type History,
} from '../../lib/models/logical';

/** Random history configs: small enough to be quick, varied enough to find trouble. */
const configs = fc.record({
  seed: fc.integer({ min: 0, max: 1_000_000 }),
  nodes: fc.integer({ min: 1, max: 5 }),
  actions: fc.integer({ min: 0, max: 10 }),
  sendProbability: fc.double({ min: 0, max: 1, noNaN: true }),
  skew: fc.integer({ min: 0, max: 100 }),
});
const RUNS = { seed: 7, numRuns: 60 };

function allPairs(n: number, fn: (a: number, b: number) => void): void {
  for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) if (a !== b) fn(a, b);
}

describe('histories', () => {
  test('the same config gives the same history; another seed another', () => {
    const a = randomHistory({ seed: 3, skew: 20 });
    expect(randomHistory({ seed: 3, skew: 20 })).toEqual(a);
    expect(randomHistory({ seed: 4, skew: 20 }).history).not.toEqual(a.history);
  });

  test('a generated history is well formed, in true-time order, with each node doing `actions` things', () => {
    fc.assert(
      fc.property(configs, (cfg) => {
        const { history, nodes } = randomHistory(cfg);
        expect(() => checkHistory(history)).not.toThrow();
        for (const n of nodes) {
          const own = history.events.filter((e) => e.node === n && e.kind !== 'receive');
          expect(own.length).toBe(cfg.actions);
        }
        // No loss: every send is received exactly once.
        const sends = history.events.filter((e) => e.kind === 'send').length;
        expect(history.events.filter((e) => e.kind === 'receive').length).toBe(sends);
      }),
      RUNS,
    );
  });

  test('clock offsets come from `skew` or `clocks`, and wall readings show them', () => {
    const g = randomHistory({ seed: 5, nodes: ['p', 'q'], skew: 10, clocks: { q: { offset: 500 } } });
    expect(Math.abs(g.offsets.p!)).toBeLessThanOrEqual(10);
    expect(g.offsets.q).toBe(500);
    for (const e of g.history.events) expect(e.wall - e.time).toBeCloseTo(g.offsets[e.node]!, 6);
  });

  test('bad configs and broken histories fail up front with paths', () => {
    expect(() => randomHistory({ seed: 1, nodes: ['a', 'a'] })).toThrow(/node names must be unique/);
    expect(() => randomHistory({ seed: 1, clocks: { Z: { offset: 1 } } })).toThrow(/config\.clocks\.Z/);
    expect(() => randomHistory({ seed: 1, sendProbability: 2 })).toThrow(ConfigError);
    const h: History = {
      nodes: ['A', 'B'],
      events: [
        { kind: 'receive', node: 'B', name: 'B1', time: 0, wall: 0, msg: 1, from: 'A' },
        { kind: 'local', node: 'C', name: 'C1', time: 1, wall: Number.NaN },
      ],
    };
    let err: unknown;
    try {
      checkHistory(h);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const paths = (err as ConfigError).issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['history.events[1].wall']));
  });

  test('scriptHistory reads local, send and receive steps', () => {
    const h = scriptHistory(['A', 'B'], ['A', 'A>B:m1', 'B<m1']);
    expect(h.events.map((e) => [e.name, e.kind])).toEqual([
      ['A1', 'local'],
      ['A2', 'send'],
      ['B1', 'receive'],
    ]);
    expect(() => scriptHistory(['A'], ['A<m9'])).toThrow(/received before it is sent/);
    expect(() => scriptHistory(['A'], ['A>>'])).toThrow(/steps\[0\]/);
  });

  test('a recorder rejects a message that did not go through a recorder', () => {
    const sim = createSim({ seed: 1 });
    const rec = createRecorder();
    sim.addNode('a', (ctx) => void ctx.send('b', 'plain'));
    sim.addNode('b', (ctx) => {
      const log = rec.attach(ctx);
      return { onMessage: (m) => void log.receive(m) };
    });
    expect(() => sim.run()).toThrow(/not sent through a recorder/);
  });
});

describe('happens-before', () => {
  test('known answers on a hand-made history', () => {
    // A1 → A2 -m1→ B2 ; B1 is before B2 only; C1 is concurrent with everything.
    const h = scriptHistory(['A', 'B', 'C'], ['A', 'B', 'A>B:m1', 'C', 'B<m1']);
    const c = causalOrder(h);
    const [a1, b1, a2, c1, b2] = [0, 1, 2, 3, 4];
    expect(c.before(a1, b2)).toBe(true);
    expect(c.before(b1, b2)).toBe(true);
    expect(c.before(a2, b2)).toBe(true);
    expect(c.before(b2, a1)).toBe(false);
    expect(c.concurrent(a1, b1)).toBe(true);
    for (const x of [a1, b1, a2, b2]) expect(c.concurrent(c1, x)).toBe(true);
    expect(c.concurrent(a1, a1)).toBe(false);
  });

  test('happens-before is a strict partial order that follows program order and messages', () => {
    fc.assert(
      fc.property(configs, (cfg) => {
        const { history } = randomHistory(cfg);
        const c = causalOrder(history);
        const ev = history.events;
        for (let a = 0; a < c.size; a++) {
          expect(c.before(a, a)).toBe(false);
          for (let b = a + 1; b < c.size; b++) {
            expect(c.before(b, a)).toBe(false); // nothing is caused by the future
            if (ev[a]!.node === ev[b]!.node) expect(c.before(a, b)).toBe(true);
            const [x, y] = [ev[a]!, ev[b]!];
            if (x.kind === 'send' && y.kind === 'receive' && x.msg === y.msg) expect(c.before(a, b)).toBe(true);
          }
        }
      }),
      RUNS,
    );
  });
});

describe('clocks against the truth', () => {
  test('Lamport: a → b implies L(a) < L(b); a log sorted by L has no violations', () => {
    fc.assert(
      fc.property(configs, (cfg) => {
        const { history } = randomHistory(cfg);
        const L = stampHistory(history, lamportClock);
        const c = causalOrder(history);
        allPairs(c.size, (a, b) => {
          if (c.before(a, b)) expect(L[a]!).toBeLessThan(L[b]!);
        });
        expect(orderViolations(history, sortByStamp(history, L, (x, y) => x - y))).toEqual([]);
      }),
      RUNS,
    );
  });

  test('vector clocks: V(a) before V(b) exactly when a → b', () => {
    fc.assert(
      fc.property(configs, (cfg) => {
        const { history } = randomHistory(cfg);
        const V = stampHistory(history, vectorClock);
        const c = causalOrder(history);
        allPairs(c.size, (a, b) => {
          const o = vectorCompare(V[a]!, V[b]!);
          expect(o === 'before').toBe(c.before(a, b));
          expect(o === 'concurrent').toBe(c.concurrent(a, b));
          expect(o).not.toBe('equal');
        });
      }),
      RUNS,
    );
  });

  test('HLC: a → b implies hlc(a) < hlc(b), and l stays between the own wall clock and the largest offset', () => {
    fc.assert(
      fc.property(configs, (cfg) => {
        const g = randomHistory(cfg);
        const H = stampHistory(g.history, hybridClock());
        const c = causalOrder(g.history);
        allPairs(c.size, (a, b) => {
          if (c.before(a, b)) expect(compareHlc(H[a]!, H[b]!)).toBeLessThan(0);
        });
        const maxOffset = Math.max(...Object.values(g.offsets));
        g.history.events.forEach((e, i) => {
          expect(H[i]!.l).toBeGreaterThanOrEqual(Math.floor(e.wall));
          expect(H[i]!.l - e.time).toBeLessThanOrEqual(maxOffset + 1e-9);
        });
      }),
      RUNS,
    );
  });

  test('wall clocks misorder causal pairs when skew exceeds latency', () => {
    const g = randomHistory({ seed: 2, nodes: 3, actions: 10, clocks: { A: { offset: 0 }, B: { offset: -50 }, C: { offset: 50 } } });
    const W = stampHistory(g.history, wallClock);
    const v = orderViolations(g.history, sortByStamp(g.history, W, (x, y) => x - y));
    expect(v.length).toBeGreaterThan(0);
    expect(v.some((x) => x.via === 'message')).toBe(true);
  });

  test('orderViolations rejects an order that is not a permutation', () => {
    const h = scriptHistory(['A'], ['A', 'A']);
    expect(() => orderViolations(h, [0])).toThrow(/2/);
    expect(() => orderViolations(h, [0, 0])).toThrow(/repeated/);
    expect(orderViolations(h, [1, 0])).toEqual([{ cause: 0, effect: 1, via: 'same node' }]);
  });
});

describe('vector clock algebra', () => {
  const vec = fc.dictionary(fc.constantFrom('A', 'B', 'C'), fc.integer({ min: 0, max: 4 }));
  test('merge is the pointwise max: commutative, associative, idempotent; compare is a partial order', () => {
    fc.assert(
      fc.property(vec, vec, vec, (a, b, c) => {
        expect(vectorCompare(vectorMerge(a, b), vectorMerge(b, a))).toBe('equal');
        expect(vectorCompare(vectorMerge(vectorMerge(a, b), c), vectorMerge(a, vectorMerge(b, c)))).toBe('equal');
        expect(vectorCompare(vectorMerge(a, a), a)).toBe('equal');
        expect(vectorCompare(a, a)).toBe('equal');
        const ab = vectorCompare(a, b);
        const flip = { before: 'after', after: 'before', equal: 'equal', concurrent: 'concurrent' } as const;
        expect(vectorCompare(b, a)).toBe(flip[ab]);
        if (ab === 'before' && vectorCompare(b, c) === 'before') expect(vectorCompare(a, c)).toBe('before');
        expect(['before', 'equal']).toContain(vectorCompare(a, vectorMerge(a, b)));
      }),
      { seed: 7, numRuns: 300 },
    );
  });

  test('a missing entry counts as 0', () => {
    expect(vectorCompare({ A: 0 }, {})).toBe('equal');
    expect(vectorCompare({ A: 1 }, { B: 1 })).toBe('concurrent');
    expect(vectorCompare({}, { B: 1 })).toBe('before');
  });
});

describe('hybrid logical clock rules', () => {
  const hlc = hybridClock();
  test('ticks take physical time when it moves on, and count when it does not', () => {
    let t = hlc.initial('A');
    t = hlc.tick('A', t, 10.7);
    expect(t).toEqual({ l: 10, c: 0 });
    t = hlc.tick('A', t, 10.9);
    expect(t).toEqual({ l: 10, c: 1 });
    t = hlc.tick('A', t, 12.2);
    expect(t).toEqual({ l: 12, c: 0 });
  });
  test('a receive from a node whose clock is ahead takes its l and counts past its c', () => {
    expect(hlc.receive('A', { l: 12, c: 0 }, { l: 40, c: 3 }, 13)).toEqual({ l: 40, c: 4 });
    expect(hlc.receive('A', { l: 40, c: 5 }, { l: 40, c: 3 }, 13)).toEqual({ l: 40, c: 6 });
    expect(hlc.receive('A', { l: 40, c: 5 }, { l: 20, c: 3 }, 13)).toEqual({ l: 40, c: 6 });
    expect(hlc.receive('A', { l: 10, c: 5 }, { l: 20, c: 3 }, 50)).toEqual({ l: 50, c: 0 });
  });
  test('resolution is checked', () => {
    expect(() => hybridClock({ resolution: 0 })).toThrow(ConfigError);
    expect(hybridClock({ resolution: 10 }).tick('A', { l: -Infinity, c: 0 }, 57)).toEqual({ l: 50, c: 0 });
  });
});
