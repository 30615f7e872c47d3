// Grader for exercises/12-checking-correctness.ts. Run: npm run grade -- --only 12-checking-correctness
import { describe, expect, test } from 'vitest';
import { createHistoryRecorder, pairOps, parseHistory, recordedCall, type Op, type Operation } from '../../lib/checking/history';
import { checkLinearizability, formatLinearizability, type LinearizabilityResult, type Model } from '../../lib/checking/linearizability';
import type { Program } from '../../lib/core/node';
import { createSim } from '../../lib/core/sim';
import { counterModel, queueModel, uniqueIdModel } from '@target/12-checking-correctness';

const NB = 'notebooks/12-checking-correctness.ipynb';

// A history from terse lines: [process, 'invoke' | 'ok' | 'fail' | 'info', f, value].
type Line = [number, Op['type'], string, unknown];
const h = (...lines: Line[]): Operation[] => pairOps(lines.map(([process, type, f, value]) => ({ process, type, f, value })));
// No shrinking: the verdict is what is graded, and every step is a call into your model.
const check = (ops: Operation[], model: Model<never>): LinearizabilityResult => checkLinearizability(ops, model, { shrink: false, maxSteps: 200_000 });
const show = (ops: Operation[]): string => ops.map((o) => `  p${o.process} ${o.f} ${JSON.stringify(o.input)} → ${o.status === 'ok' ? JSON.stringify(o.output) : '?'}`).join('\n');

type Case = [string, Operation[], boolean];
function expectVerdicts(model: () => Model<never>, cases: Case[]): void {
  for (const [story, ops, valid] of cases) {
    const r = check(ops, model());
    expect(r.valid, `${story}: expected ${valid ? 'linearizable' : 'NOT linearizable'}, your model says ${formatLinearizability(r).split('\n')[0]}\n${show(ops)}`).toBe(valid);
  }
}

// ---------------------------------------------------------------------------
// Small services on the simulator, recorded as histories: a correct one and a broken one.

/** One server holding a number, a list or a counter; `handle` is its whole logic. */
const server =
  (handle: (state: { n: number; q: unknown[]; next: number }, body: { f: string; value: unknown }) => unknown): Program =>
  () => {
    const state = { n: 0, q: [] as unknown[], next: 1 };
    return { onRequest: (body, reply) => reply(handle(state, body as { f: string; value: unknown })) };
  };

/** Clients that call `targets` (picked at random) with ops from `pick`, `ops` each, recorded. */
function record(seed: number, nodes: Record<string, Program>, targets: string[], pick: (rng: { chance(p: number): boolean; int(a: number, b: number): number }, i: number) => { f: string; value: unknown }): Op[] {
  const sim = createSim({ seed, network: { latency: { kind: 'lognormal', median: 3, sigma: 0.5 } } });
  const recorder = createHistoryRecorder();
  for (const [id, p] of Object.entries(nodes)) sim.addNode(id, p);
  for (let c = 1; c <= 3; c++) {
    sim.addNode(`c${c}`, (ctx) => {
      let i = 0;
      const next = (): void => {
        if (i++ >= 6) return;
        const op = pick(ctx.rng, c * 10 + i);
        const value = op.f === 'read' || op.f === 'dequeue' || op.f === 'generate' ? null : op.value;
        recordedCall(recorder, ctx, targets[ctx.rng.int(0, targets.length - 1)]!, { f: op.f, value, body: op, timeout: 50 }, () => ctx.setTimer(ctx.rng.int(0, 8), next));
      };
      next();
    });
  }
  sim.run({ until: 2000 });
  return recorder.ops();
}

const SEEDS = [1, 2, 3, 4, 5];

describe('counterModel', () => {
  test('12: does it accept and reject the classic counter histories? (no seed: hand-written)', { meta: { points: 2 } }, () => {
    expectVerdicts(counterModel as () => Model<never>, [
      ['a read after add 2 and add 3 completed sees 5', h([1, 'invoke', 'add', 2], [1, 'ok', 'add', 2], [2, 'invoke', 'add', 3], [2, 'ok', 'add', 3], [1, 'invoke', 'read', null], [1, 'ok', 'read', 5]), true],
      ['a read after add 2 completed sees 0 (stale)', h([1, 'invoke', 'add', 2], [1, 'ok', 'add', 2], [2, 'invoke', 'read', null], [2, 'ok', 'read', 0]), false],
      ['a read concurrent with add 2 may see 0 or 2', h([1, 'invoke', 'add', 2], [2, 'invoke', 'read', null], [2, 'ok', 'read', 2], [1, 'ok', 'add', 2]), true],
      ['a read sees 3 when only add 2 and add 2 ever ran', h([1, 'invoke', 'add', 2], [1, 'ok', 'add', 2], [2, 'invoke', 'add', 2], [2, 'ok', 'add', 2], [1, 'invoke', 'read', null], [1, 'ok', 'read', 3]), false],
      ['an add -1 that timed out (info) may explain a read of 4 after add 5', h([1, 'invoke', 'add', 5], [1, 'ok', 'add', 5], [2, 'invoke', 'add', -1], [2, 'info', 'add', -1], [1, 'invoke', 'read', null], [1, 'ok', 'read', 4]), true],
      ['a failed add (it did not happen) cannot explain a read of 4 after add 5', h([1, 'invoke', 'add', 5], [1, 'ok', 'add', 5], [2, 'invoke', 'add', -1], [2, 'fail', 'add', -1], [1, 'invoke', 'read', null], [1, 'ok', 'read', 4]), false],
      ['two reads in a row see 1, then 0 (a counter that only grows here went back)', h([1, 'invoke', 'add', 1], [1, 'ok', 'add', 1], [2, 'invoke', 'read', null], [2, 'ok', 'read', 1], [3, 'invoke', 'read', null], [3, 'ok', 'read', 0]), false],
    ]);
  });

  test('12: on recorded histories: is a single counter server always linearizable, and a cache that answers reads from a stale copy not? (seeds 1-5)', { meta: { points: 2 } }, () => {
    const pick = (rng: { chance(p: number): boolean; int(a: number, b: number): number }) => (rng.chance(0.5) ? { f: 'read', value: null } : { f: 'add', value: rng.int(1, 3) });
    const counter = server((s, b) => (b.f === 'add' ? ((s.n += Number(b.value)), 'ok') : s.n));
    // The cache forwards adds to the primary and answers reads from what the primary told it (every 30 ms).
    const cache: Program = (ctx) => {
      let copy = 0;
      const refresh = (): void => {
        ctx.call('primary', { f: 'read', value: null }, { timeout: 20 }, (r) => void (r.status === 'ok' && (copy = r.body as number)));
        ctx.setTimer(30, refresh);
      };
      refresh();
      return {
        onRequest(body, reply) {
          const b = body as { f: string; value: unknown };
          if (b.f === 'read') return reply(copy);
          ctx.call('primary', b, { timeout: 20 }, (r) => r.status === 'ok' && reply(r.body));
        },
      };
    };
    let failing = 0;
    for (const seed of SEEDS) {
      const good = check(parseHistory(record(seed, { server: counter }, ['server'], pick)), counterModel() as Model<never>);
      expect(good.valid, `seed=${seed}: a single counter server must be linearizable; your model says\n${formatLinearizability(good)}`).toBe(true);
      const bad = check(parseHistory(record(seed, { primary: counter, cache }, ['primary', 'cache'], pick)), counterModel() as Model<never>);
      if (bad.valid === false) failing++;
    }
    expect(failing, `a counter read through a stale cache (seeds 1-5, see ${NB}): expected some seeds not linearizable, your model found none`).toBeGreaterThanOrEqual(2);
  });
});

describe('queueModel', () => {
  test('12: does it know FIFO order, empty dequeues and dequeues that timed out? (no seed: hand-written)', { meta: { points: 3 } }, () => {
    expectVerdicts(queueModel as () => Model<never>, [
      ['enqueue a, enqueue b, then dequeue returns a', h([1, 'invoke', 'enqueue', 'a'], [1, 'ok', 'enqueue', 'a'], [1, 'invoke', 'enqueue', 'b'], [1, 'ok', 'enqueue', 'b'], [2, 'invoke', 'dequeue', null], [2, 'ok', 'dequeue', 'a']), true],
      ['enqueue a, enqueue b, then dequeue returns b (LIFO)', h([1, 'invoke', 'enqueue', 'a'], [1, 'ok', 'enqueue', 'a'], [1, 'invoke', 'enqueue', 'b'], [1, 'ok', 'enqueue', 'b'], [2, 'invoke', 'dequeue', null], [2, 'ok', 'dequeue', 'b']), false],
      ['two concurrent enqueues: either order may come out first', h([1, 'invoke', 'enqueue', 'a'], [2, 'invoke', 'enqueue', 'b'], [1, 'ok', 'enqueue', 'a'], [2, 'ok', 'enqueue', 'b'], [3, 'invoke', 'dequeue', null], [3, 'ok', 'dequeue', 'b'], [3, 'invoke', 'dequeue', null], [3, 'ok', 'dequeue', 'a']), true],
      ['dequeue on an empty queue returns null', h([1, 'invoke', 'dequeue', null], [1, 'ok', 'dequeue', null], [1, 'invoke', 'enqueue', 1], [1, 'ok', 'enqueue', 1]), true],
      ['dequeue returns null although 1 was enqueued before', h([1, 'invoke', 'enqueue', 1], [1, 'ok', 'enqueue', 1], [2, 'invoke', 'dequeue', null], [2, 'ok', 'dequeue', null]), false],
      ['a value dequeued twice', h([1, 'invoke', 'enqueue', 'x'], [1, 'ok', 'enqueue', 'x'], [2, 'invoke', 'dequeue', null], [2, 'ok', 'dequeue', 'x'], [3, 'invoke', 'dequeue', null], [3, 'ok', 'dequeue', 'x']), false],
      ['a dequeue that timed out may have taken a, so the next returns b', h([1, 'invoke', 'enqueue', 'a'], [1, 'ok', 'enqueue', 'a'], [1, 'invoke', 'enqueue', 'b'], [1, 'ok', 'enqueue', 'b'], [2, 'invoke', 'dequeue', null], [2, 'info', 'dequeue', null], [3, 'invoke', 'dequeue', null], [3, 'ok', 'dequeue', 'b']), true],
      ['values compared as JSON: enqueue [1, 2] comes out as [1, 2]', h([1, 'invoke', 'enqueue', [1, 2]], [1, 'ok', 'enqueue', [1, 2]], [2, 'invoke', 'dequeue', null], [2, 'ok', 'dequeue', [1, 2]]), true],
      ['a value never enqueued comes out', h([1, 'invoke', 'enqueue', 1], [1, 'ok', 'enqueue', 1], [2, 'invoke', 'dequeue', null], [2, 'ok', 'dequeue', 2]), false],
    ]);
  });

  test('12: on recorded histories: is a FIFO server linearizable and a LIFO one not? (seeds 1-5)', { meta: { points: 2 } }, () => {
    const pick = (rng: { chance(p: number): boolean }, i: number) => (rng.chance(0.5) ? { f: 'dequeue', value: null } : { f: 'enqueue', value: i });
    const fifo = server((s, b) => (b.f === 'enqueue' ? (s.q.push(b.value), 'ok') : s.q.length ? s.q.shift() : null));
    const lifo = server((s, b) => (b.f === 'enqueue' ? (s.q.push(b.value), 'ok') : s.q.length ? s.q.pop() : null));
    let failing = 0;
    for (const seed of SEEDS) {
      const good = check(parseHistory(record(seed, { server: fifo }, ['server'], pick)), queueModel() as Model<never>);
      expect(good.valid, `seed=${seed}: a FIFO server must be linearizable; your model says\n${formatLinearizability(good)}`).toBe(true);
      if (check(parseHistory(record(seed, { server: lifo }, ['server'], pick)), queueModel() as Model<never>).valid === false) failing++;
    }
    expect(failing, 'a LIFO server (seeds 1-5): expected some seeds not linearizable as a queue, your model found none').toBeGreaterThanOrEqual(2);
  });
});

describe('uniqueIdModel', () => {
  test('12: does it catch an id handed out twice, and let unknown outcomes be? (no seed: hand-written)', { meta: { points: 2 } }, () => {
    expectVerdicts(uniqueIdModel as () => Model<never>, [
      ['three different ids', h([1, 'invoke', 'generate', null], [1, 'ok', 'generate', 'a'], [2, 'invoke', 'generate', null], [2, 'ok', 'generate', 'b'], [3, 'invoke', 'generate', null], [3, 'ok', 'generate', 'c']), true],
      ['the same id twice, concurrently', h([1, 'invoke', 'generate', null], [2, 'invoke', 'generate', null], [1, 'ok', 'generate', 7], [2, 'ok', 'generate', 7]), false],
      ['7 and "7" are different ids', h([1, 'invoke', 'generate', null], [1, 'ok', 'generate', 7], [2, 'invoke', 'generate', null], [2, 'ok', 'generate', '7']), true],
      ['a timed-out generate, then ids 1 and 2', h([1, 'invoke', 'generate', null], [1, 'info', 'generate', null], [2, 'invoke', 'generate', null], [2, 'ok', 'generate', 1], [3, 'invoke', 'generate', null], [3, 'ok', 'generate', 2]), true],
      ['ids 1, 2, 3, then 2 again', h([1, 'invoke', 'generate', null], [1, 'ok', 'generate', 1], [1, 'invoke', 'generate', null], [1, 'ok', 'generate', 2], [2, 'invoke', 'generate', null], [2, 'ok', 'generate', 3], [3, 'invoke', 'generate', null], [3, 'ok', 'generate', 2]), false],
    ]);
  });

  test('12: on recorded histories: one counter server is unique, two servers with their own counters are not (seeds 1-5)', { meta: { points: 1 } }, () => {
    const pick = () => ({ f: 'generate', value: null });
    const ids = () => server((s) => s.next++);
    for (const seed of SEEDS) {
      const good = check(parseHistory(record(seed, { server: ids() }, ['server'], pick)), uniqueIdModel() as Model<never>);
      expect(good.valid, `seed=${seed}: one server counting up must hand out unique ids; your model says\n${formatLinearizability(good)}`).toBe(true);
      const bad = check(parseHistory(record(seed, { a: ids(), b: ids() }, ['a', 'b'], pick)), uniqueIdModel() as Model<never>);
      expect(bad.valid, `seed=${seed}: two servers each counting from 1 hand out 1 twice; your model says ${formatLinearizability(bad).split('\n')[0]}`).toBe(false);
    }
  });
});
