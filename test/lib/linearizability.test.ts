import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../lib/core/config';
import { createSim } from '../../lib/core/sim';
import type { Program } from '../../lib/core/node';
import { createHistoryRecorder, pairOps, parseHistory, recordedCall, type HistoryRecorder, type Op, type Operation } from '../../lib/checking/history';
import {
  checkLinearizability,
  formatLinearizability,
  kvModel,
  registerModel,
  type LinearizabilityResult,
  type Model,
} from '../../lib/checking/linearizability';
import { HISTORY_TRACES, historyChart, operationLabel } from '../../lib/plot/ops-history';

// ---------------------------------------------------------------------------
// Hand-written histories. `h` builds one from terse lines:
//   [process, 'invoke' | 'ok' | 'fail' | 'info', f, value]
type Line = [number | string, Op['type'], string, unknown];
const h = (...lines: Line[]): Operation[] => pairOps(lines.map(([process, type, f, value]) => ({ process, type, f, value })));
const check = (ops: Operation[], model: Model<unknown> = registerModel(), options = {}): LinearizabilityResult => checkLinearizability(ops, model, options);
const bad = (r: LinearizabilityResult) => r as Extract<LinearizabilityResult, { valid: false }>;

describe('hand-written histories', () => {
  test('is a read after a completed write of a newer value a stale read, and is the window the three operations of the story?', () => {
    const r = check(
      h(
        [0, 'invoke', 'write', 1], [0, 'ok', 'write', 1],
        [1, 'invoke', 'write', 2], [1, 'ok', 'write', 2],
        [2, 'invoke', 'read', null], [2, 'ok', 'read', 1],
      ),
    );
    expect(r.valid).toBe(false);
    expect(bad(r).culprit.f).toBe('read');
    expect(bad(r).states).toEqual(['2']);
    expect(bad(r).explanation).toBe('read by p2 over [4, 5] returned 1, but every order of the operations that could precede it leaves the register at 2');
    expect(bad(r).window.map((o) => [o.f, o.input])).toEqual([['write', 1], ['write', 2], ['read', null]]);
    expect(bad(r).minimal).toBe(true);
  });

  test('may a read concurrent with a write return either the old or the new value?', () => {
    for (const seen of [1, 2]) {
      const r = check(
        h(
          [0, 'invoke', 'write', 1], [0, 'ok', 'write', 1],
          [1, 'invoke', 'write', 2],
          [2, 'invoke', 'read', null], [2, 'ok', 'read', seen],
          [1, 'ok', 'write', 2],
        ),
      );
      expect(r.valid).toBe(true);
    }
  });

  test('once a read has seen the new value, may a later read see the old one? (no: reads must not go back)', () => {
    const r = check(
      h(
        [0, 'invoke', 'write', 1], [0, 'ok', 'write', 1],
        [1, 'invoke', 'write', 2],
        [2, 'invoke', 'read', null], [2, 'ok', 'read', 2],
        [3, 'invoke', 'read', null], [3, 'ok', 'read', 1],
        [1, 'ok', 'write', 2],
      ),
    );
    expect(r.valid).toBe(false);
    expect(bad(r).culprit.process).toBe(3);
    expect(bad(r).window).toHaveLength(4);
  });

  test('does a cas succeed only from its expected value, and a cas that returned false only from another?', () => {
    const ok = h([0, 'invoke', 'write', 1], [0, 'ok', 'write', 1], [1, 'invoke', 'cas', [1, 2]], [1, 'ok', 'cas', [1, 2]], [2, 'invoke', 'read', null], [2, 'ok', 'read', 2]);
    expect(check(ok).valid).toBe(true);
    const wrong = h([0, 'invoke', 'write', 1], [0, 'ok', 'write', 1], [1, 'invoke', 'cas', [3, 4]], [1, 'ok', 'cas', [3, 4]]);
    expect(check(wrong).valid).toBe(false);
    // Nothing ever wrote 3: the cas alone is the window.
    expect(bad(check(wrong)).explanation).toBe('cas [3,4] by p1 over [2, 3] succeeded (so found 3), but every order of the operations that could precede it leaves the register at null');
    expect(bad(check(wrong)).window).toHaveLength(1);
    const refused = h([0, 'invoke', 'write', 1], [0, 'ok', 'write', 1], [1, 'invoke', 'cas', [1, 2]], [1, 'ok', 'cas', false]);
    expect(check(refused).valid).toBe(false);
    const refusedRightly = h([0, 'invoke', 'write', 1], [0, 'ok', 'write', 1], [1, 'invoke', 'cas', [5, 2]], [1, 'ok', 'cas', false]);
    expect(check(refusedRightly).valid).toBe(true);
  });

  test('may an info write have taken effect, late, or not at all?', () => {
    const took = h([0, 'invoke', 'write', 1], [0, 'info', 'write', null], [1, 'invoke', 'read', null], [1, 'ok', 'read', 1]);
    expect(check(took).valid).toBe(true);
    const didNot = h([0, 'invoke', 'write', 1], [0, 'info', 'write', null], [1, 'invoke', 'read', null], [1, 'ok', 'read', null]);
    expect(check(didNot).valid).toBe(true);
    // It can take effect long after its timeout: a read sees null, a later one 1.
    const late = h([0, 'invoke', 'write', 1], [0, 'info', 'write', null], [1, 'invoke', 'read', null], [1, 'ok', 'read', null], [1, 'invoke', 'read', null], [1, 'ok', 'read', 1]);
    expect(check(late).valid).toBe(true);
    // But only once: 1, then null, then 1 again is impossible.
    const twice = h(
      [0, 'invoke', 'write', 1], [0, 'info', 'write', null],
      [1, 'invoke', 'read', null], [1, 'ok', 'read', 1],
      [2, 'invoke', 'write', null], [2, 'ok', 'write', null],
      [1, 'invoke', 'read', null], [1, 'ok', 'read', 1],
    );
    expect(check(twice).valid).toBe(false);
  });

  test('is an invocation never completed treated as info, and a failed op as never having happened?', () => {
    const open = h([0, 'invoke', 'write', 1], [1, 'invoke', 'read', null], [1, 'ok', 'read', 1]);
    expect(open[0]!.status).toBe('info');
    expect(check(open).valid).toBe(true);
    const failed = h([0, 'invoke', 'write', 1], [0, 'fail', 'write', 1], [1, 'invoke', 'read', null], [1, 'ok', 'read', 1]);
    expect(failed).toHaveLength(1);
    expect(check(failed).valid).toBe(false);
  });

  test('are kv keys checked independently, and is the failing key named?', () => {
    const ops = h(
      [0, 'invoke', 'write', ['x', 1]], [0, 'ok', 'write', ['x', 1]],
      [1, 'invoke', 'write', ['y', 1]], [1, 'ok', 'write', ['y', 1]],
      [1, 'invoke', 'write', ['y', 2]], [1, 'ok', 'write', ['y', 2]],
      [2, 'invoke', 'read', ['x', null]], [2, 'ok', 'read', ['x', 1]],
      [2, 'invoke', 'read', ['y', null]], [2, 'ok', 'read', ['y', 1]],
    );
    const r = check(ops, kvModel());
    expect(r.valid).toBe(false);
    expect(r.partitions).toBe(2);
    expect(bad(r).key).toBe('y');
    expect(bad(r).explanation).toContain('leaves key "y" at 2');
    expect(check(ops.slice(0, 4), kvModel()).valid).toBe(true);
  });

  test('does a student-written model work (a counter)?', () => {
    const counter: Model<number> = {
      name: 'counter',
      init: () => 0,
      step: (n, f, input, output) => (f === 'add' ? { ok: true, state: n + (input as number) } : { ok: output === undefined || output === n, state: n }),
    };
    const ops = h([0, 'invoke', 'add', 2], [1, 'invoke', 'read', null], [1, 'ok', 'read', 2], [0, 'ok', 'add', 2], [1, 'invoke', 'read', null], [1, 'ok', 'read', 3]);
    const r = checkLinearizability(ops, counter);
    expect(r.valid).toBe(false);
    expect(bad(r).explanation).toContain('read null by p1 over [4, 5] returned 3');
    expect(checkLinearizability(ops.slice(0, 2), counter).valid).toBe(true);
  });

  test('does a search that runs out of budget say unknown, not a verdict?', () => {
    // Many concurrent writes and one impossible read: the search must try orders before it can say no.
    const lines: Line[] = [];
    for (let p = 0; p < 9; p++) lines.push([p, 'invoke', 'write', p]);
    lines.push([99, 'invoke', 'read', null], [99, 'ok', 'read', 'never']);
    for (let p = 0; p < 9; p++) lines.push([p, 'ok', 'write', p]);
    const r = check(h(...lines), registerModel(), { maxSteps: 50 });
    expect(r.valid).toBe('unknown');
    expect(formatLinearizability(r)).toMatch(/^\? unknown .*gave up after 50 search steps/);
    expect(check(h(...lines)).valid).toBe(false);
  });

  test('does a time limit read the clock it is given, and only that one?', () => {
    let now = 0;
    const lines: Line[] = [];
    for (let p = 0; p < 14; p++) lines.push([p, 'invoke', 'write', p]);
    lines.push([99, 'invoke', 'read', null], [99, 'ok', 'read', 'never']);
    const r = check(h(...lines), registerModel(), { timeLimit: 10, clock: () => (now += 1) });
    expect(r.valid).toBe('unknown');
    expect(() => check([], registerModel(), { timeLimit: 10 })).toThrow(/timeLimit needs a clock to read → at options.clock/);
  });
});

describe('reading histories', () => {
  test('does a bad op name its index and field?', () => {
    expect(() => parseHistory({ ops: [{ process: 0, type: 'invoke', f: 'read', value: null }, { process: 0, type: 'done', f: 'read', value: 1 }] })).toThrow(/at ops\[1\]\.type/);
    expect(() => parseHistory([{ process: 0, type: 'invoke', value: 1 }])).toThrow(/at ops\[0\]\.f/);
  });

  test('are pairing mistakes named with the op?', () => {
    expect(() => h([0, 'ok', 'read', 1])).toThrow(/process 0 completes 'read' \(ok\) but invoked nothing → at ops\[0\]/);
    expect(() => h([0, 'invoke', 'read', null], [0, 'invoke', 'write', 1])).toThrow(/still pending → at ops\[1\]/);
    expect(() => h([0, 'invoke', 'read', null], [0, 'ok', 'write', 1])).toThrow(/→ at ops\[1\]\.f/);
    expect(() => pairOps([{ process: 0, type: 'invoke', f: 'read', value: null, time: 5 }, { process: 0, type: 'ok', f: 'read', value: 1, time: 4 }])).toThrow(/list ops in the order they happened → at ops\[1\]\.time/);
  });

  test('does an operation the model does not know fail with its index?', () => {
    expect(() => check(h([0, 'invoke', 'write', 1], [0, 'ok', 'write', 1], [1, 'invoke', 'incr', 1], [1, 'ok', 'incr', 2]))).toThrow(/unknown operation 'incr' .* → at ops\[2\]/);
    expect(() => check(h([0, 'invoke', 'write', 1], [0, 'ok', 'write', 1]), kvModel())).toThrow(/must be \[key, value\].* → at ops\[0\]/);
  });

  test('are nemesis ops of a Jepsen history ignored?', () => {
    const ops = pairOps([
      { process: 'nemesis', type: 'info', f: 'start', value: null },
      { process: 0, type: 'invoke', f: 'write', value: 1 },
      { process: 'nemesis', type: 'info', f: 'start', value: 'partitioned' },
      { process: 0, type: 'ok', f: 'write', value: 1 },
    ]);
    expect(ops.map((o) => o.f)).toEqual(['write']);
  });
});

// ---------------------------------------------------------------------------
// Histories from the simulator.

type Req = { f: 'read' } | { f: 'write'; value: number } | { f: 'cas'; value: [number, number] };

/** A single copy of a register on one node: every operation is atomic there. */
const registerServer: Program = () => {
  let value: number | null = null;
  return {
    onRequest: (body, reply) => {
      const r = body as Req;
      if (r.f === 'read') reply(value);
      else if (r.f === 'write') reply(((value = r.value), r.value));
      else if (value === r.value[0]) reply(((value = r.value[1]), true));
      else reply(false);
    },
  };
};

/** A client issuing `count` random operations to `to(ctx)` one after another, recorded in `recorder`. */
function client(recorder: HistoryRecorder, to: string | (() => string), count: number): Program {
  return (ctx) => {
    let left = count;
    const next = (): void => {
      if (left-- <= 0) return;
      const roll = ctx.rng.next();
      const v = ctx.rng.int(1, 5);
      const req: Req = roll < 0.5 ? { f: 'read' } : roll < 0.85 ? { f: 'write', value: v } : { f: 'cas', value: [ctx.rng.int(1, 5), v] };
      const value = req.f === 'read' ? null : req.value;
      // A cas that found another value certainly did nothing: record it as fail.
      const outcome = (reply: unknown) => (req.f === 'cas' && reply === false ? { type: 'fail' as const } : { type: 'ok' as const, value: req.f === 'cas' ? req.value : reply });
      recordedCall(recorder, ctx, typeof to === 'string' ? to : to(), { f: req.f, value, body: req, timeout: 40, outcome }, () => ctx.setTimer(ctx.rng.uniform(0, 10), next));
    };
    next();
  };
}

function singleCopyRun(seed: number, clients: number, ops: number): Op[] {
  const sim = createSim({ seed, network: { latency: { kind: 'lognormal', median: 5, sigma: 0.8 }, loss: 0.05 } });
  const recorder = createHistoryRecorder();
  sim.addNode('server', registerServer);
  for (let c = 1; c <= clients; c++) sim.addNode(`c${c}`, client(recorder, 'server', ops));
  sim.run();
  return recorder.ops();
}

describe('histories recorded from the simulator', () => {
  test('does the recorder turn calls into ok and timeouts into info?', () => {
    const ops = singleCopyRun(1, 3, 40);
    expect(ops.filter((o) => o.type === 'invoke')).toHaveLength(120);
    expect(ops.some((o) => o.type === 'info')).toBe(true);
    expect(ops.some((o) => o.type === 'ok' && o.f === 'read')).toBe(true);
    for (let i = 1; i < ops.length; i++) expect(ops[i]!.time!).toBeGreaterThanOrEqual(ops[i - 1]!.time!);
    const rec = createHistoryRecorder();
    const handle = rec.invoke('c1', 'read', null, 0);
    rec.ok(handle, 1, 2);
    expect(() => rec.ok(handle, 1, 3)).toThrow(/not pending/);
  });

  test('is a single-copy register linearizable on every seed, with loss and timeouts?', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const r = checkLinearizability(parseHistory(singleCopyRun(seed, 4, 30)), registerModel());
      expect(r.valid, `seed ${seed}: ${formatLinearizability(r)}`).toBe(true);
    }
  });
});

type Stamp = { ts: number; node: string };
const later = (a: Stamp, b: Stamp): boolean => a.ts > b.ts || (a.ts === b.ts && a.node > b.node);

/**
 * A replica of a last-write-wins register. A write is stamped with the wall
 * clock of the replica it reaches, applied there, and acknowledged once
 * every other replica has it; a read answers from this replica alone.
 */
function lwwReplica(replicas: string[]): Program {
  return (ctx) => {
    let cur: { value: unknown; stamp: Stamp } = { value: null, stamp: { ts: -Infinity, node: '' } };
    const apply = (value: unknown, stamp: Stamp): void => {
      if (later(stamp, cur.stamp)) cur = { value, stamp };
    };
    return {
      onRequest: (body, reply) => {
        const r = body as { f: string; value: unknown; stamp?: Stamp };
        if (r.f === 'read') return reply(cur.value);
        if (r.f === 'replicate') return (apply(r.value, r.stamp!), reply('ack'));
        const stamp = { ts: ctx.clock.wall(), node: ctx.id };
        apply(r.value, stamp);
        let waiting = replicas.length - 1;
        for (const p of replicas) {
          if (p !== ctx.id) ctx.call(p, { f: 'replicate', value: r.value, stamp }, { timeout: 100 }, () => --waiting === 0 && reply(r.value));
        }
      },
    };
  };
}

function lwwRun(seed: number, skew: number): LinearizabilityResult {
  const sim = createSim({ seed, network: { latency: { kind: 'lognormal', median: 5, sigma: 0.5 } } });
  const recorder = createHistoryRecorder();
  const replicas = ['r1', 'r2', 'r3'];
  for (const r of replicas) sim.addNode(r, lwwReplica(replicas), { clock: { offset: sim.rng.uniform(-skew / 2, skew / 2) } });
  const writer = (ctx: { rng: { pick: (a: string[]) => string } }) => () => ctx.rng.pick(replicas);
  for (const c of ['c1', 'c2', 'c3']) {
    sim.addNode(c, (ctx) => {
      let left = 20;
      const next = (): void => {
        if (left-- <= 0) return;
        const write = ctx.rng.chance(0.5);
        const value = write ? ctx.rng.int(1, 9) : null;
        recordedCall(recorder, ctx, writer(ctx)(), { f: write ? 'write' : 'read', value, timeout: 200 }, () => ctx.setTimer(ctx.rng.uniform(0, 20), next));
      };
      next();
    });
  }
  sim.run();
  return checkLinearizability(parseHistory(recorder.ops()), registerModel());
}

describe('a last-write-wins register replicated on clocks that disagree', () => {
  test('does it lose acknowledged writes under 100 ms of skew, and does the window tell that story (seeds 1-30)?', () => {
    const skewed = Array.from({ length: 30 }, (_, i) => lwwRun(i + 1, 100));
    const failing = skewed.filter((r) => r.valid === false).map(bad);
    expect(failing.length).toBeGreaterThanOrEqual(5);
    // The lost write: a write acknowledged after another, then a read of the older one.
    const story = failing.find((r) => {
      const [w1, w2, read] = r.window;
      return r.window.length === 3 && w1!.f === 'write' && w2!.f === 'write' && read!.f === 'read' && w1!.ret! < w2!.call && w2!.ret! < read!.call && same(read!.output, w1!.input);
    });
    expect(story, failing.map(formatLinearizability).join('\n\n')).toBeDefined();
    expect(story!.explanation).toMatch(/^read by c\d over .* returned \d, but every order of the operations that could precede it leaves the register at \d$/);
  });

  test('do perfect clocks fail far less often (only when a read races a write in progress, seeds 1-30)?', () => {
    const fails = (skew: number) => Array.from({ length: 30 }, (_, i) => lwwRun(i + 1, skew)).filter((r) => r.valid === false).length;
    expect(fails(0) * 3).toBeLessThan(fails(100));
  });
});

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

// ---------------------------------------------------------------------------
// Properties: histories made from a sequential execution of the model.

type Gen = { f: 'read' | 'write' | 'cas'; a: number; b: number; before: number; after: number; info: boolean };
const genOps = fc.array(
  fc.record({
    f: fc.constantFrom('read' as const, 'write' as const, 'cas' as const),
    a: fc.integer({ min: 0, max: 3 }),
    b: fc.integer({ min: 0, max: 3 }),
    before: fc.integer({ min: 0, max: 4 }),
    after: fc.integer({ min: 0, max: 4 }),
    info: fc.boolean(),
  }),
  { maxLength: 25 },
);

/**
 * Run `gens` one at a time on a register (op i takes effect at time 3·i)
 * and record each over [3·i - 1 - before, 3·i + 1 + after], so neighbours
 * overlap: a history that is linearizable by construction. With
 * `concurrent` false op i takes effect at 10·i within [10·i - 2, 10·i + 2]
 * (a sequential history) and nothing is info.
 */
function fromExecution(gens: Gen[], concurrent: boolean): Op[] {
  let state: number | null = null;
  const events: Array<{ time: number; order: number; op: Op }> = [];
  gens.forEach((g, i) => {
    const at = (concurrent ? 3 : 10) * i;
    const [call, ret] = concurrent ? [at - 1 - g.before, at + 1 + g.after] : [at - 2, at + 2];
    let value: unknown = g.f === 'read' ? null : g.f === 'write' ? g.a : [g.a, g.b];
    let output: unknown = value;
    if (g.f === 'write') state = g.a;
    else if (g.f === 'read') output = state;
    else if (state === g.a) state = g.b;
    else output = false;
    events.push({ time: call, order: 0, op: { process: i, type: 'invoke', f: g.f, value, time: call } });
    const info = concurrent && g.info;
    events.push({ time: ret, order: 1, op: { process: i, type: info ? 'info' : 'ok', f: g.f, value: info ? null : output, time: ret } });
  });
  // By time; at equal times a completion before an invocation (it is not concurrent then, a stricter history).
  return events.sort((x, y) => x.time - y.time || y.order - x.order).map((e) => e.op);
}

describe('properties', () => {
  test('is every sequential history of the register linearizable?', () => {
    fc.assert(fc.property(genOps, (gens) => checkLinearizability(parseHistory(fromExecution(gens, false)), registerModel()).valid === true));
  });

  test('is every history recorded around a sequential execution (overlapping, some info) linearizable?', () => {
    fc.assert(
      fc.property(genOps, (gens) => {
        const ops = parseHistory(fromExecution(gens, true));
        return checkLinearizability(ops, registerModel()).valid === true;
      }),
    );
    // The generator does make overlapping operations.
    const ops = parseHistory(fromExecution(fc.sample(genOps, { numRuns: 1, seed: 3 })[0]!.concat(fc.sample(genOps, { numRuns: 1, seed: 4 })[0]!), true));
    expect(ops.some((a, i) => i > 0 && a.invoke < ops[i - 1]!.complete!)).toBe(true);
  });

  test('does changing what one read of a sequential history returned make it not linearizable, with that read as the culprit?', () => {
    fc.assert(
      fc.property(genOps, fc.nat(), (gens, pick) => {
        const ops = fromExecution(gens, false);
        const reads = ops.map((o, i) => (o.type === 'ok' && o.f === 'read' ? i : -1)).filter((i) => i >= 0);
        if (reads.length === 0) return true;
        const i = reads[pick % reads.length]!;
        ops[i] = { ...ops[i]!, value: 'never written' };
        const r = checkLinearizability(parseHistory(ops), registerModel());
        return r.valid === false && bad(r).culprit.invoke === i - 1;
      }),
    );
  });
});

// ---------------------------------------------------------------------------
// The timeline chart and the command line.

describe('historyChart', () => {
  test('is every operation a bar in its process lane, with the window and the culprit in their own traces?', () => {
    const ops = h(
      [0, 'invoke', 'write', 1], [0, 'ok', 'write', 1],
      [3, 'invoke', 'write', 9], [3, 'info', 'write', null],
      [1, 'invoke', 'write', 2], [1, 'ok', 'write', 2],
      [2, 'invoke', 'read', null], [2, 'ok', 'read', 1],
    );
    const r = bad(check(ops));
    const fig = historyChart(ops, { highlight: r.window, culprit: r.culprit, title: 'stale read' });
    const trace = (name: string) => fig.data.find((d) => d.name === name) as { x: Array<number | null>; y: Array<string | null>; text: string[] };
    expect(trace(HISTORY_TRACES.culprit).y).toEqual(['p2', 'p2', null]);
    expect(trace(HISTORY_TRACES.window).x).toEqual([0, 1, null, 4, 5, null]);
    // The info write runs past the last completion: it may take effect at any time.
    expect(trace(HISTORY_TRACES.info).x[1]).toBeGreaterThan(7);
    expect(trace(HISTORY_TRACES.labels).text).toEqual(['write 1 → 1', 'write 9 → ?', 'write 2 → 2', 'read → 1']);
    expect(fig.layout!.yaxis!.categoryarray).toEqual(['p2', 'p1', 'p3', 'p0']);
    expect(operationLabel(ops[0]!)).toBe('write 1 → 1');
  });
});

describe('npm run linearizable', () => {
  const dir = mkdtempSync(join(tmpdir(), 'linearizable-'));
  const file = (name: string, content: unknown): string => {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };
  const cli = (...args: string[]) => spawnSync('npx', ['tsx', 'scripts/linearizable.ts', ...args], { encoding: 'utf8' });
  const op = (process: number, type: string, f: string, value: unknown) => ({ process, type, f, value });
  const stale = [op(0, 'invoke', 'write', 1), op(0, 'ok', 'write', 1), op(1, 'invoke', 'write', 2), op(1, 'ok', 'write', 2), op(2, 'invoke', 'read', null), op(2, 'ok', 'read', 1)];

  test('does it exit 0 on a linearizable history, 1 on a stale read (with the explanation), 2 on a bad op?', () => {
    const good = cli(file('good.json', { ops: stale.slice(0, 4) }));
    expect(good.stdout).toMatch(/^✓ linearizable \(register, 2 operations/);
    expect(good.status).toBe(0);
    const no = cli(file('stale.json', stale));
    expect(no.stdout).toContain('read by p2 over [4, 5] returned 1, but every order of the operations that could precede it leaves the register at 2');
    expect(no.status).toBe(1);
    const broken = cli(file('broken.json', [op(0, 'invoke', 'read', null), op(0, 'done', 'read', 1)]));
    expect(broken.stderr).toMatch(/at ops\[1\]\.type/);
    expect(broken.status).toBe(2);
  }, 30_000);

  test('do --init, --model kv and --budget change the verdict as they should?', () => {
    const readOne = [op(0, 'invoke', 'read', null), op(0, 'ok', 'read', 1)];
    expect(cli(file('one.json', readOne)).status).toBe(1);
    expect(cli('--init', '1', file('one.json', readOne)).status).toBe(0);
    const kv = [op(0, 'invoke', 'write', ['a', 1]), op(0, 'ok', 'write', ['a', 1]), op(1, 'invoke', 'read', ['b', null]), op(1, 'ok', 'read', ['b', null])];
    expect(cli('--model', 'kv', file('kv.json', kv)).status).toBe(0);
    const hard = [...Array.from({ length: 9 }, (_, p) => op(p, 'invoke', 'write', p)), op(99, 'invoke', 'read', null), op(99, 'ok', 'read', 'never')];
    const unknown = cli('--budget', '20', file('hard.json', hard));
    expect(unknown.stdout).toMatch(/^\? unknown/);
    expect(unknown.status).toBe(2);
    const typo = cli('--model', 'queue', file('one.json', readOne));
    expect(typo.stderr).toContain('--model must be register or kv');
    expect(typo.status).toBe(2);
  }, 60_000);
});
