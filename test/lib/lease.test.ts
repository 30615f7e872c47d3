import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { acceptedWrites, noStaleTokenWrites, singleWriter } from '../../lib/checking/checkers';
import { ConfigError } from '../../lib/core/config';
import { lockingSystem, lockService, randomPauses, type AcquireReply, type RandomPausesConfig, type ReleaseReply } from '../../lib/models/lease';
import { createRng } from '../../lib/core/random';
import { createSim } from '../../lib/core/sim';
import { storageNode, type StoredWrite, type WriteReply } from '../../lib/models/storage';

// A fixed 1 ms network keeps these stories easy to follow.
const fixed = () => createSim({ seed: 1, network: { latency: 1 } });

/** A scripted client: each step is [time, node to call, request]; replies land in `log`. */
function script(steps: Array<[number, string, unknown]>, log: unknown[]) {
  return (ctx: Parameters<Parameters<ReturnType<typeof fixed>['addNode']>[1]>[0]) => {
    for (const [at, to, body] of steps) ctx.setTimer(at, () => ctx.call(to, body, { timeout: 50 }, (r) => log.push(r.status === 'ok' ? r.body : 'timeout')));
  };
}

describe('lockService', () => {
  test('does it grant one lease at a time, with growing tokens, until the lease expires?', () => {
    const sim = fixed();
    const a: unknown[] = [];
    const b: unknown[] = [];
    sim.addNode('lock', lockService({ lease: 100 }));
    sim.addNode('a', script([[0, 'lock', { op: 'acquire' }]], a));
    sim.addNode('b', script([[10, 'lock', { op: 'acquire' }], [105, 'lock', { op: 'acquire' }]], b));
    sim.run();
    expect(a).toEqual([{ granted: true, token: 1, lease: 100 }]);
    // b asks at 10 (arrives 11, granted at 1: 90 ms left), then after expiry.
    expect(b).toEqual([{ granted: false, holder: 'a', retryIn: 90 }, { granted: true, token: 2, lease: 100 }]);
  });

  test('does only the holder, with its current token, free the lock by releasing it?', () => {
    const sim = fixed();
    const a: unknown[] = [];
    const b: unknown[] = [];
    sim.addNode('lock', lockService({ lease: 1000 }));
    sim.addNode('a', script([[0, 'lock', { op: 'acquire' }], [10, 'lock', { op: 'release', token: 7 }], [20, 'lock', { op: 'release', token: 1 }]], a));
    sim.addNode('b', script([[5, 'lock', { op: 'release', token: 1 }], [15, 'lock', { op: 'acquire' }], [30, 'lock', { op: 'acquire' }]], b));
    sim.run();
    expect(a.slice(1)).toEqual([{ released: false }, { released: true }] satisfies ReleaseReply[]);
    expect((b[1] as AcquireReply).granted).toBe(false);
    expect(b[2]).toEqual({ granted: true, token: 2, lease: 1000 });
  });

  test('does the lease expire by the service\'s own monotonic clock (here 1% fast), not by true time?', () => {
    const sim = fixed();
    const b: unknown[] = [];
    sim.addNode('lock', lockService({ lease: 1000 }), { clock: { drift: 10_000 } });
    sim.addNode('a', script([[0, 'lock', { op: 'acquire' }]], []));
    // Granted at true t=1; the fast clock counts 1000 ms by t≈991.
    sim.addNode('b', script([[988, 'lock', { op: 'acquire' }], [992, 'lock', { op: 'acquire' }]], b));
    sim.run();
    expect(b.map((r) => (r as AcquireReply).granted)).toEqual([false, true]);
  });

  test('does a restarted lock service keep counting tokens and remember the holder?', () => {
    const sim = fixed();
    const b: unknown[] = [];
    sim.addNode('lock', lockService({ lease: 100 }));
    sim.addNode('a', script([[0, 'lock', { op: 'acquire' }]], []));
    sim.addNode('b', script([[20, 'lock', { op: 'acquire' }], [200, 'lock', { op: 'acquire' }]], b));
    sim.at(10, () => sim.crash('lock'));
    sim.at(15, () => sim.restart('lock'));
    sim.run();
    expect(b.map((r) => (r as AcquireReply).granted)).toEqual([false, true]);
    expect((b[1] as { token: number }).token).toBe(2);
  });

  test('is a bad lease length rejected up front with its path?', () => {
    expect(() => lockService({ lease: 0 })).toThrow(ConfigError);
    expect(() => lockService({ lease: Number.NaN })).toThrow(/lockService\.lease/);
  });
});

describe('storageNode', () => {
  test('does a fenced storage reject tokens below the highest accepted for the key, and accept equal ones?', () => {
    const sim = fixed();
    const replies: unknown[] = [];
    const log: StoredWrite[] = [];
    sim.addNode('storage', storageNode({ fenced: true }, log));
    const w = (token: number, key = 'f') => ({ op: 'write', key, value: token, token });
    sim.addNode('c', script([[0, 'storage', w(2)], [2, 'storage', w(2)], [4, 'storage', w(1)], [6, 'storage', w(1, 'g')], [8, 'storage', w(3)]], replies));
    sim.run();
    expect((replies as WriteReply[]).map((r) => r.ok)).toEqual([true, true, false, true, true]);
    expect(replies[2]).toEqual({ ok: false, key: 'f', reason: 'stale token', token: 1, highest: 2 });
    expect(log.map((l) => [l.key, l.token])).toEqual([['f', 2], ['f', 2], ['g', 1], ['f', 3]]);
  });

  test('does an unfenced storage accept everything?', () => {
    const sim = fixed();
    const replies: unknown[] = [];
    sim.addNode('storage', storageNode({ fenced: false }));
    sim.addNode('c', script([[0, 'storage', { op: 'write', key: 'f', value: 1, token: 5 }], [2, 'storage', { op: 'write', key: 'f', value: 2, token: 1 }]], replies));
    sim.run();
    expect((replies as WriteReply[]).map((r) => r.ok)).toEqual([true, true]);
  });

  test('does a fenced storage remember the highest token across a crash, and serve reads?', () => {
    const sim = fixed();
    const replies: unknown[] = [];
    sim.addNode('storage', storageNode());
    sim.addNode('c', script([[0, 'storage', { op: 'write', key: 'f', value: 'new', token: 5 }], [20, 'storage', { op: 'write', key: 'f', value: 'old', token: 4 }], [30, 'storage', { op: 'read', key: 'f' }]], replies));
    sim.at(10, () => sim.crash('storage'));
    sim.at(12, () => sim.restart('storage'));
    sim.run();
    expect((replies[1] as WriteReply).ok).toBe(false);
    expect(replies[2]).toEqual({ ok: true, key: 'f', value: 'new', token: 5 });
  });
});

describe('lease clients', () => {
  test('with no faults, does every client make all its writes, one lease each? (seed=3)', () => {
    const s = lockingSystem({ seed: 3, clients: 3, client: { rounds: 4 } });
    s.sim.run({ until: 5000 });
    const writes = acceptedWrites(s.sim.trace);
    expect(writes).toHaveLength(12);
    expect(new Set(writes.map((w) => w.value)).size).toBe(12);
    expect(s.writes.map((w) => w.value)).toEqual(writes.map((w) => w.value));
    expect(singleWriter(s.sim.trace).ok).toBe(true);
  });

  test('does a holder paused past its lease write anyway, and does fencing reject that write? (seed=1)', () => {
    for (const fenced of [false, true]) {
      const s = lockingSystem({ seed: 1, lease: 100, fenced, client: { rounds: 2 } });
      s.sim.nemesis([{ at: 8, fault: 'pause', node: 'client1', for: 150 }]);
      s.sim.run({ until: 1000 });
      expect(singleWriter(s.sim.trace).ok, `fenced=${fenced}`).toBe(fenced);
      expect(noStaleTokenWrites(s.sim.trace).ok, `fenced=${fenced}`).toBe(fenced);
      expect(s.writes).toHaveLength(4); // everyone still finishes
    }
  });

  test('does checking the lease again after the pause stop the stale write? (seed=1)', () => {
    const s = lockingSystem({ seed: 1, lease: 100, client: { rounds: 2, recheck: true } });
    s.sim.nemesis([{ at: 8, fault: 'pause', node: 'client1', for: 150 }]);
    s.sim.run({ until: 1000 });
    expect(singleWriter(s.sim.trace).ok).toBe(true);
    expect(s.sim.trace.some((e) => e.type === 'note' && /not writing/.test(e.text))).toBe(true);
  });

  test('property: with fencing, random pauses never let a stale write through (any seed)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 10, max: 300 }), (seed, pause) => {
        const s = lockingSystem({ seed, clients: 3, lease: 60, fenced: true, client: { rounds: 50 } });
        s.sim.nemesis(randomPauses(s.sim.rng, { nodes: s.clients, every: 80, length: pause, until: 1500 }));
        s.sim.run({ until: 1500 });
        expect(noStaleTokenWrites(s.sim.trace).ok).toBe(true);
        expect(singleWriter(s.sim.trace).ok).toBe(true);
      }),
      { numRuns: 25 },
    );
  });
});

describe('randomPauses', () => {
  test('are pauses per node disjoint, inside [from, until), and the same for the same seed?', () => {
    const cfg: RandomPausesConfig = { nodes: ['a', 'b'], every: 50, length: { kind: 'exponential', mean: 30 }, from: 100, until: 2000 };
    const faults = randomPauses(createRng(9, 'p'), cfg);
    expect(faults).toEqual(randomPauses(createRng(9, 'p'), cfg));
    expect(faults.length).toBeGreaterThan(10);
    for (const node of ['a', 'b']) {
      const mine = faults.filter((f) => f.fault === 'pause' && f.node === node) as Array<{ at: number; for: number }>;
      mine.forEach((f, i) => {
        expect(f.at).toBeGreaterThanOrEqual(100);
        expect(f.at).toBeLessThan(2000);
        if (i > 0) expect(f.at).toBeGreaterThan(mine[i - 1]!.at + mine[i - 1]!.for);
      });
    }
  });

  test('is a bad config rejected with its path?', () => {
    expect(() => randomPauses(createRng(1), { nodes: [], every: 10, length: 5, until: 10 })).toThrow(/pauses\.nodes/);
    expect(() => randomPauses(createRng(1), { nodes: ['a'], every: 10, length: 5, from: 20, until: 10 })).toThrow(/pauses\.until/);
    expect(() => lockingSystem({ seed: 1, clients: 0 })).toThrow(/system\.clients/);
  });
});
