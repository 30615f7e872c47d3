// Grader for exercises/06-logical-clocks.ts. Run: npm run grade -- --only 06-logical-clocks
//
// Properties are checked with fast-check over random message histories
// (lib/logical's randomHistory) and random vectors, always from seed 42, so a
// grade never changes between runs. A failure prints fast-check's replay
// recipe: the seed, the path and the (shrunk) counterexample.
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import {
  causalOrder,
  lamportClock,
  orderViolations,
  randomHistory,
  scriptHistory,
  stampHistory,
  vectorClock as refVectorClock,
  vectorCompare as refCompare,
  vectorMerge as refMerge,
  vectorTick as refTick,
  type History,
  type HistoryConfig,
} from '../../lib/models/logical';
import {
  concurrent,
  lamportOrder,
  lamportTimestamps,
  vectorCompare,
  vectorMerge,
  vectorTick,
  vectorTimestamps,
  type VectorClock,
} from '@target/06-logical-clocks';

const SEED = 42;
const RUNS = 200;

/** Random history configs: 1-5 nodes, up to 10 actions each, skewed clocks. */
const histories = fc.record({
  seed: fc.integer({ min: 0, max: 1_000_000 }),
  nodes: fc.integer({ min: 1, max: 5 }),
  actions: fc.integer({ min: 0, max: 10 }),
  sendProbability: fc.double({ min: 0, max: 1, noNaN: true }),
  skew: fc.integer({ min: 0, max: 50 }),
});

/** Small vectors over four nodes, with values 0-3 so equal and ordered pairs are common; missing entries mean 0. */
const vectors = fc.dictionary(fc.constantFrom('A', 'B', 'C', 'D'), fc.integer({ min: 0, max: 3 }));

/** Check a property with the fixed seed; on failure, the message carries fast-check's report. */
function holds<Ts>(property: fc.IProperty<Ts>, expected: string, reproduce: string): void {
  const run = fc.check(property, { seed: SEED, numRuns: RUNS });
  // First line (what `npm run grade` shows): what was expected and what went wrong; then fast-check's replay recipe.
  const error = run.errorInstance instanceof Error ? run.errorInstance.message.split('\n')[0] : String(run.errorInstance ?? '');
  expect(run.failed, `${expected} (fast-check seed ${SEED}): ${error}\n${fc.defaultReportMessage(run) ?? ''}\n${reproduce}`).toBe(false);
}

const replayHistory = (fn: string) =>
  `reproduce: const { history } = randomHistory(<counterexample>); ${fn}(history) — in notebooks/06-logical-clocks.ipynb (randomHistory from './lib/logical')`;

const show = (v: VectorClock): string => JSON.stringify(v);
const same = (a: VectorClock, b: VectorClock): boolean => refCompare(a, b) === 'equal';
const copy = (v: VectorClock): VectorClock => JSON.parse(JSON.stringify(v)) as VectorClock;

/**
 * A1 ; A2 sends m1 to B ; B1 ; B2 receives m1 ; C1 ; B3 sends m2 to C ;
 * C2 receives m2 ; C3 sends m3 to A ; A3 receives m3.
 */
const HAND_MADE = ['A', 'A>B:m1', 'B', 'B<m1', 'C', 'B>C:m2', 'C<m2', 'C>A:m3', 'A<m3'];
const handMade = (): History => scriptHistory(['A', 'B', 'C'], HAND_MADE);
const HAND_MADE_REPLAY = `reproduce: scriptHistory(['A', 'B', 'C'], ${JSON.stringify(HAND_MADE)}) from './lib/logical'`;

describe('Lamport timestamps', () => {
  test('does lamportTimestamps give the known stamps on a hand-made history? (no seed)', { meta: { points: 1 } }, () => {
    const h = handMade();
    expect(
      lamportTimestamps(h),
      `events ${h.events.map((e) => e.name).join(', ')}: expected Lamport timestamps 1, 2, 1, 3, 1, 4, 5, 6, 7.\n${HAND_MADE_REPLAY}`,
    ).toEqual([1, 2, 1, 3, 1, 4, 5, 6, 7]);
  });

  test('if a happens before b, is L(a) < L(b)? (fast-check seed 42, 200 histories)', { meta: { points: 2 } }, () => {
    holds(
      fc.property(histories, (cfg: HistoryConfig) => {
        const { history } = randomHistory(cfg);
        const L = lamportTimestamps(history);
        const causal = causalOrder(history);
        if (L.length !== history.events.length) throw new Error(`${L.length} timestamps for ${history.events.length} events`);
        for (let a = 0; a < causal.size; a++) {
          for (let b = 0; b < causal.size; b++) {
            if (causal.before(a, b) && !(L[a]! < L[b]!)) {
              const [ea, eb] = [history.events[a]!, history.events[b]!];
              throw new Error(`${ea.name} → ${eb.name}, but L(${ea.name}) = ${L[a]} is not < L(${eb.name}) = ${L[b]}`);
            }
          }
        }
      }),
      'expected L(a) < L(b) for every pair a → b',
      replayHistory('lamportTimestamps'),
    );
  });

  test("do the timestamps follow Lamport's rules exactly (+1 per event, max + 1 on receive)? (fast-check seed 42, 200 histories)", { meta: { points: 1 } }, () => {
    holds(
      fc.property(histories, (cfg: HistoryConfig) => {
        const { history } = randomHistory(cfg);
        const got = lamportTimestamps(history);
        const want = stampHistory(history, lamportClock);
        const i = want.findIndex((w, k) => got[k] !== w);
        if (i >= 0 || got.length !== want.length) {
          const e = history.events[Math.max(i, 0)]!;
          throw new Error(`event ${e.name} (${e.kind}): expected ${want[Math.max(i, 0)]}, got ${got[Math.max(i, 0)]}`);
        }
      }),
      'expected each timestamp to be the node counter + 1, or max(counter, carried) + 1 on a receive',
      replayHistory('lamportTimestamps'),
    );
  });

  test('does lamportOrder list every event once, causes before effects, by timestamp then node? (fast-check seed 42, 200 histories)', { meta: { points: 2 } }, () => {
    holds(
      fc.property(histories, (cfg: HistoryConfig) => {
        const { history } = randomHistory(cfg);
        const order = lamportOrder(history);
        const n = history.events.length;
        if (order.length !== n || new Set(order).size !== n || order.some((i) => !(Number.isInteger(i) && i >= 0 && i < n))) {
          throw new Error(`expected each of the ${n} event indices exactly once, got [${order.join(', ')}]`);
        }
        const bad = orderViolations(history, order);
        if (bad.length > 0) {
          const v = bad[0]!;
          throw new Error(`${bad.length} causal pairs out of order, e.g. ${history.events[v.cause]!.name} → ${history.events[v.effect]!.name} is listed effect first`);
        }
        const L = stampHistory(history, lamportClock);
        for (let k = 1; k < n; k++) {
          const [a, b] = [order[k - 1]!, order[k]!];
          const [na, nb] = [history.events[a]!.node, history.events[b]!.node];
          if (L[a]! > L[b]! || (L[a] === L[b] && na > nb)) {
            throw new Error(`position ${k}: ${history.events[a]!.name} (L=${L[a]}) listed before ${history.events[b]!.name} (L=${L[b]})`);
          }
        }
      }),
      'expected a permutation of the events sorted by Lamport timestamp, ties by node name',
      replayHistory('lamportOrder'),
    );
  });
});

describe('vector clocks', () => {
  test('do vectorTick, vectorMerge, vectorCompare and concurrent give the known answers? (no seed)', { meta: { points: 1 } }, () => {
    const cases: Array<[string, unknown, unknown]> = [
      ["vectorCompare({ A: 1, B: 2 }, { A: 2, B: 2 })", () => vectorCompare({ A: 1, B: 2 }, { A: 2, B: 2 }), 'before'],
      ["vectorCompare({ A: 2, B: 2 }, { A: 1, B: 2 })", () => vectorCompare({ A: 2, B: 2 }, { A: 1, B: 2 }), 'after'],
      ["vectorCompare({ A: 1 }, { B: 1 })", () => vectorCompare({ A: 1 }, { B: 1 }), 'concurrent'],
      ["vectorCompare({ A: 1, B: 0 }, { A: 1 })", () => vectorCompare({ A: 1, B: 0 }, { A: 1 }), 'equal'],
      ["vectorCompare({}, { C: 1 })", () => vectorCompare({}, { C: 1 }), 'before'],
      ["concurrent({ A: 2, B: 0 }, { A: 1, B: 1 })", () => concurrent({ A: 2, B: 0 }, { A: 1, B: 1 }), true],
      ["concurrent({ A: 1 }, { A: 2 })", () => concurrent({ A: 1 }, { A: 2 }), false],
      ["concurrent({ A: 1 }, { A: 1 })", () => concurrent({ A: 1 }, { A: 1 }), false],
    ];
    for (const [call, fn, want] of cases) {
      expect((fn as () => unknown)(), `${call}: expected ${JSON.stringify(want)}`).toBe(want);
    }
    const merged = vectorMerge({ A: 3, B: 1 }, { B: 4, C: 2 });
    expect(same(merged, { A: 3, B: 4, C: 2 }), `vectorMerge({ A: 3, B: 1 }, { B: 4, C: 2 }): expected { A: 3, B: 4, C: 2 }, got ${show(merged)}`).toBe(true);
    const ticked = vectorTick({ A: 1 }, 'B');
    expect(same(ticked, { A: 1, B: 1 }), `vectorTick({ A: 1 }, 'B'): expected { A: 1, B: 1 }, got ${show(ticked)}`).toBe(true);
  });

  test('is vectorCompare a partial order: reflexive equal, antisymmetric, transitive, and the right one? (fast-check seed 42)', { meta: { points: 2 } }, () => {
    const flip = { before: 'after', after: 'before', equal: 'equal', concurrent: 'concurrent' } as const;
    holds(
      fc.property(vectors, vectors, vectors, (a, x, y) => {
        // b is built after a, c after b, so chains a < b < c always exist.
        const b = refTick(refMerge(a, x), 'A');
        const c = refTick(refMerge(b, y), 'B');
        const check = (cond: boolean, what: string) => {
          if (!cond) throw new Error(what);
        };
        check(vectorCompare(a, a) === 'equal', `vectorCompare(a, a) should be 'equal' for a = ${show(a)}, got '${vectorCompare(a, a)}'`);
        const zeros = { A: 0, B: 0, C: 0, D: 0, ...a };
        check(vectorCompare(a, zeros) === 'equal', `a missing entry is 0: vectorCompare(${show(a)}, ${show(zeros)}) should be 'equal'`);
        for (const [p, q] of [[a, x], [x, a], [a, b], [b, c], [x, y]] as Array<[VectorClock, VectorClock]>) {
          const pq = vectorCompare(p, q);
          const qp = vectorCompare(q, p);
          check(pq === refCompare(p, q), `vectorCompare(${show(p)}, ${show(q)}) should be '${refCompare(p, q)}', got '${pq}'`);
          check(qp === flip[pq], `antisymmetry: vectorCompare(${show(p)}, ${show(q)}) = '${pq}' but vectorCompare(${show(q)}, ${show(p)}) = '${qp}'`);
        }
        check(
          vectorCompare(a, b) === 'before' && vectorCompare(b, c) === 'before' && vectorCompare(a, c) === 'before',
          `transitivity: a = ${show(a)} before b = ${show(b)} before c = ${show(c)}, so a should be before c`,
        );
      }),
      "expected vectorCompare(a, a) = 'equal', compare(b, a) the mirror of compare(a, b), before ∘ before = before",
      'reproduce: call vectorCompare on the vectors of the counterexample ([a, x, y]; b = a merged with x, A ticked; c = b merged with y, B ticked)',
    );
  });

  test('is concurrent(a, b) true exactly when neither is before the other and they differ? (fast-check seed 42)', { meta: { points: 1 } }, () => {
    holds(
      fc.property(vectors, vectors, (a, b) => {
        const want = refCompare(a, b) === 'concurrent';
        if (concurrent(a, b) !== want || concurrent(b, a) !== want) {
          throw new Error(`concurrent(${show(a)}, ${show(b)}) should be ${want} both ways round, got ${concurrent(a, b)} and ${concurrent(b, a)}`);
        }
      }),
      'expected concurrent(a, b) = neither a before b, nor b before a, nor equal',
      'reproduce: call concurrent on the two vectors of the counterexample',
    );
  });

  test('is vectorMerge the pointwise max: commutative, associative, idempotent, inputs untouched? (fast-check seed 42)', { meta: { points: 2 } }, () => {
    holds(
      fc.property(vectors, vectors, vectors, (a, b, c) => {
        const [a0, b0] = [copy(a), copy(b)];
        const m = vectorMerge(a, b);
        if (JSON.stringify(a) !== JSON.stringify(a0) || JSON.stringify(b) !== JSON.stringify(b0)) {
          throw new Error(`vectorMerge changed its arguments: ${show(a0)}, ${show(b0)} became ${show(a)}, ${show(b)}`);
        }
        for (const k of new Set([...Object.keys(a), ...Object.keys(b), ...Object.keys(m)])) {
          const want = Math.max(a[k] ?? 0, b[k] ?? 0);
          if ((m[k] ?? 0) !== want) throw new Error(`vectorMerge(${show(a)}, ${show(b)}) = ${show(m)}: entry ${k} should be ${want}`);
        }
        if (!same(vectorMerge(b, a), m)) throw new Error(`not commutative: merge(a, b) = ${show(m)}, merge(b, a) = ${show(vectorMerge(b, a))}`);
        const left = vectorMerge(vectorMerge(a, b), c);
        const right = vectorMerge(a, vectorMerge(b, c));
        if (!same(left, right)) throw new Error(`not associative for c = ${show(c)}: ${show(left)} vs ${show(right)}`);
        if (!same(vectorMerge(a, a), a)) throw new Error(`not idempotent: merge(a, a) = ${show(vectorMerge(a, a))} for a = ${show(a)}`);
      }),
      'expected vectorMerge to take the max of each entry, in any order and grouping, without changing its arguments',
      'reproduce: call vectorMerge on the vectors of the counterexample [a, b, c]',
    );
  });

  test("does vectorTick add one to the node's own entry only, without changing its argument? (fast-check seed 42)", { meta: { points: 1 } }, () => {
    holds(
      fc.property(vectors, fc.constantFrom('A', 'B', 'C', 'D', 'E'), (v, node) => {
        const before = copy(v);
        const t = vectorTick(v, node);
        if (JSON.stringify(v) !== JSON.stringify(before)) throw new Error(`vectorTick changed its argument ${show(before)} to ${show(v)}`);
        for (const k of new Set([...Object.keys(v), ...Object.keys(t), node])) {
          const want = (v[k] ?? 0) + (k === node ? 1 : 0);
          if ((t[k] ?? 0) !== want) throw new Error(`vectorTick(${show(v)}, '${node}') = ${show(t)}: entry ${k} should be ${want}`);
        }
      }),
      "expected vectorTick(v, n) to be v with n's entry + 1",
      'reproduce: call vectorTick on the counterexample [v, node]',
    );
  });

  test('does vectorTimestamps give the known vectors on a hand-made history? (no seed)', { meta: { points: 1 } }, () => {
    const h = handMade();
    const got = vectorTimestamps(h);
    const want = stampHistory(h, refVectorClock);
    const fmt = (vs: readonly VectorClock[]) => vs.map((v) => `[${['A', 'B', 'C'].map((n) => v[n] ?? 0).join(',')}]`).join(' ');
    expect(
      got.length === want.length && want.every((w, i) => same(w, got[i]!)),
      `events ${h.events.map((e) => e.name).join(', ')}: expected ${fmt(want)}, got ${fmt(got)}.\n${HAND_MADE_REPLAY}`,
    ).toBe(true);
  });

  test('are vector timestamps exact: V(a) before V(b) iff a → b, concurrent iff neither? (fast-check seed 42, 200 histories)', { meta: { points: 3 } }, () => {
    holds(
      fc.property(histories, (cfg: HistoryConfig) => {
        const { history } = randomHistory(cfg);
        const V = vectorTimestamps(history);
        const causal = causalOrder(history);
        if (V.length !== history.events.length) throw new Error(`${V.length} timestamps for ${history.events.length} events`);
        for (let a = 0; a < causal.size; a++) {
          for (let b = 0; b < causal.size; b++) {
            if (a === b) continue;
            const o = refCompare(V[a]!, V[b]!);
            const truth = causal.before(a, b) ? 'before' : causal.before(b, a) ? 'after' : 'concurrent';
            if (o !== truth) {
              const [ea, eb] = [history.events[a]!, history.events[b]!];
              throw new Error(`${ea.name} is ${truth} ${eb.name}, but V(${ea.name}) = ${show(V[a]!)} and V(${eb.name}) = ${show(V[b]!)} compare as '${o}'`);
            }
          }
        }
      }),
      'expected the vector timestamps to compare as before/after/concurrent exactly as the events are related',
      replayHistory('vectorTimestamps'),
    );
  });
});
