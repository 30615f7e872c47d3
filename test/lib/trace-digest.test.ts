// Pinned trace digests: a hash of the full trace of a few fixed scenarios.
// They were taken before the network path was optimized, so any change to
// what happens, in what order, with which random draws, shows up here. If a
// digest changes on purpose (a new trace event, a changed default), say why
// in the commit and update the pin.
import { createHash } from 'crypto';
import { describe, expect, test } from 'vitest';
import { createSim, type Sim, type TraceEvent } from '../../lib';

/** sha256 of the trace as JSON lines; Maps and Sets are written out, so their contents count. */
function digest(trace: readonly TraceEvent[]): string {
  const h = createHash('sha256');
  const replacer = (_k: string, v: unknown): unknown =>
    v instanceof Map ? { map: [...v] } : v instanceof Set ? { set: [...v] } : v;
  for (const e of trace) h.update(`${JSON.stringify(e, replacer)}\n`);
  return h.digest('hex').slice(0, 16);
}

/** Gossip over a lossy, duplicating, reordering network through a nemesis of every kind. */
function gossip(): Sim {
  const sim = createSim({
    seed: 11,
    network: {
      latency: { kind: 'lognormal', median: 3, sigma: 0.8 },
      loss: 0.1,
      duplicate: 0.05,
      reorder: 0.1,
      links: [{ from: 'a', to: 'c', latency: { kind: 'uniform', min: 1, max: 9 }, loss: 0.3 }],
    },
  });
  const ids = ['a', 'b', 'c', 'd'];
  for (const id of ids) {
    sim.addNode(id, (ctx) => {
      let heard = 0;
      const tick = (): void => {
        ctx.send(ctx.rng.pick(ids.filter((o) => o !== id)), { from: id, heard, seen: [heard, { at: ctx.now() }] });
        ctx.setTimer(ctx.rng.uniform(2, 8), tick, 'gossip');
      };
      ctx.setTimer(ctx.rng.uniform(0, 5), tick, 'gossip');
      return { onMessage: () => void heard++ };
    });
  }
  sim.nemesis([
    { at: 30, fault: 'partition', groups: [['a'], ['b', 'c', 'd']] },
    { at: 45, fault: 'pause', node: 'b', for: 25 },
    { at: 60, fault: 'heal' },
    { at: 70, fault: 'crash', node: 'c' },
    { at: 90, fault: 'partition-one-way', from: ['d'], to: ['a'] },
    { at: 100, fault: 'restart', node: 'c' },
    { at: 110, fault: 'link', from: 'b', to: 'a', set: { latency: 20, duplicate: 0.5 } },
    { at: 120, fault: 'heal' },
    { at: 130, fault: 'clock-step', node: 'a', delta: 50 },
  ]);
  sim.run({ until: 200 });
  return sim;
}

/** Request/response with timeouts, late replies and a server that is paused then crashed. */
function rpc(): Sim {
  const sim = createSim({ seed: 'rpc', network: { latency: { kind: 'exponential', mean: 4 }, loss: 0.05 } });
  sim.addNode('server', (ctx) => ({
    onRequest: (body, reply) => {
      const delay = ctx.rng.uniform(0, 12);
      ctx.setTimer(delay, () => reply({ echo: body, at: ctx.now() }), 'work');
    },
  }));
  for (const c of ['c1', 'c2']) {
    sim.addNode(c, (ctx) => {
      let n = 0;
      const next = (): void => {
        ctx.call('server', { n: n++, m: new Map([['k', n]]) }, { timeout: 15 }, (r) => {
          ctx.note(`${c} got ${r.status}`);
          if (n < 40) ctx.setTimer(1, next, 'next');
        });
      };
      ctx.setTimer(0, next, 'start');
    });
  }
  sim.nemesis([
    { at: 50, fault: 'pause', node: 'server' },
    { at: 80, fault: 'resume', node: 'server' },
    { at: 150, fault: 'crash', node: 'server' },
    { at: 170, fault: 'restart', node: 'server' },
  ]);
  sim.run({ until: 1000 });
  return sim;
}

/** Many nodes heartbeating to one monitor, with a large split partition (traced by groups). */
function heartbeats(): Sim {
  const sim = createSim({ seed: 3, network: { loss: 0.01 } });
  const n = 300;
  sim.addNode('monitor', () => ({ onMessage: () => {} }));
  const names = Array.from({ length: n }, (_, i) => `n${i}`);
  for (const id of names) {
    sim.addNode(id, (ctx) => {
      const beat = (): void => {
        ctx.send('monitor', { hb: id });
        ctx.setTimer(100, beat, 'heartbeat');
      };
      ctx.setTimer(ctx.rng.uniform(0, 100), beat, 'heartbeat');
    });
  }
  sim.at(250, () => sim.partition(names.slice(0, 150), ['monitor', ...names.slice(150)]));
  sim.at(450, () => sim.heal());
  sim.run({ until: 1000 });
  return sim;
}

describe('trace digests (same seed, same trace, event for event)', () => {
  test.each([
    ['gossip', gossip, '2aa3adbb5563460f'],
    ['rpc', rpc, '80753569f59222c6'],
    ['heartbeats', heartbeats, 'dbcbab2f097b96cc'],
  ] as const)('%s', (_name, scenario, pinned) => {
    const sim = scenario();
    expect(digest(sim.trace)).toBe(pinned);
  });

  test('the scenarios cover every kind of event and drop, so the digests pin them', () => {
    const traces = [gossip(), rpc(), heartbeats()].map((s) => s.trace);
    const types = new Set(traces.flat().map((e) => e.type));
    expect([...types].sort()).toEqual(
      ['clock', 'crash', 'deliver', 'drop', 'heal', 'link', 'note', 'partition', 'pause', 'restart', 'resume', 'send', 'timer'],
    );
    const reasons = new Set(traces.flat().flatMap((e) => (e.type === 'drop' ? [e.reason] : [])));
    expect([...reasons].sort()).toEqual(['crashed', 'loss', 'partition']);
    expect(traces[0]!.some((e) => e.type === 'send' && e.copy)).toBe(true);
    expect(traces[2]!.some((e) => e.type === 'partition' && e.groups !== undefined)).toBe(true);
  });
});
