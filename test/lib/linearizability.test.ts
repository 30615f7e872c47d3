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
