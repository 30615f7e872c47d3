import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { ConfigError, createSim, type NemesisInput, type Sim } from '../../lib';

/**
 * A busy scenario touching every source of randomness: three nodes gossip
 * with jittered timers over a lossy, duplicating, reordering network while a
 * nemesis crashes, pauses and partitions them.
 */
function gossip(seed: number, extraNode = false): Sim {
  const sim = createSim({
    seed,
    network: { latency: { kind: 'lognormal', median: 3, sigma: 0.8 }, loss: 0.1, duplicate: 0.05, reorder: 0.1 },
  });
  const ids = ['a', 'b', 'c'];
  for (const id of ids) {
    sim.addNode(id, (ctx) => {
      let heard = 0;
      const tick = () => {
        ctx.send(ctx.rng.pick(ids.filter((o) => o !== id)), { from: id, heard });
        ctx.setTimer(ctx.rng.uniform(5, 15), tick, 'gossip');
      };
      ctx.setTimer(ctx.rng.uniform(0, 5), tick, 'gossip');
      return { onMessage: () => void heard++ };
    });
  }
  if (extraNode) sim.addNode('d', (ctx) => void ctx.setTimer(1, () => ctx.send('a', 'hello from d')));
  const nemesis: NemesisInput = [
    { at: 40, fault: 'partition', groups: [['a'], ['b', 'c']] },
    { at: 60, fault: 'pause', node: 'b', for: 25 },
    { at: 90, fault: 'heal' },
    { at: 100, fault: 'crash', node: 'c' },
    { at: 130, fault: 'restart', node: 'c' },
  ];
  sim.nemesis(nemesis);
  sim.run({ until: 200 });
  return sim;
}

describe('determinism', () => {
  test('the same seed and scenario give an identical trace (property over seeds)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        expect(gossip(seed).trace).toEqual(gossip(seed).trace);
      }),
      { numRuns: 40 },
    );
  });

  test('different seeds give different traces', () => {
    expect(gossip(1).trace).not.toEqual(gossip(2).trace);
  });

  test('adding a node does not change the random streams of the others', () => {
    // a, b, c draw from their own forks, so their timer schedule is unchanged by d.
    const timers = (sim: Sim) =>
      sim.trace.filter((e) => e.type === 'timer' && e.node !== 'd' && e.time < 40).map((e) => [e.time, (e as { node: string }).node]);
    expect(timers(gossip(9, true))).toEqual(timers(gossip(9)));
  });
});

describe('running', () => {
  test('run({ until }) stops at the time and moves the clock to it; run() goes to quiescence', () => {
    const sim = createSim({ seed: 1 });
    const fired: number[] = [];
    for (const t of [5, 10, 15]) sim.at(t, () => fired.push(t));
    expect(sim.run({ until: 10 })).toEqual({ events: 2, now: 10, stoppedBy: 'until' });
    expect(sim.run()).toEqual({ events: 1, now: 15, stoppedBy: 'quiescence' });
    expect(fired).toEqual([5, 10, 15]);
    // Time reaches `until` even when nothing is left to happen.
    expect(sim.run({ until: 100 })).toEqual({ events: 0, now: 100, stoppedBy: 'until' });
  });

  test('run({ maxEvents }) stops after that many events', () => {
    const sim = createSim({ seed: 1 });
    const loop = () => sim.after(1, loop);
    loop();
    expect(sim.run({ maxEvents: 100 })).toEqual({ events: 100, now: 100, stoppedBy: 'maxEvents' });
  });

  test('events at the same time run in the order they were scheduled', () => {
    const sim = createSim({ seed: 1 });
    const order: string[] = [];
    sim.at(3, () => order.push('first'));
    sim.at(1, () => sim.at(3, () => order.push('third')));
    sim.at(3, () => order.push('second'));
    sim.run();
    expect(order).toEqual(['first', 'second', 'third']);
  });

  test('a scenario that never goes quiet fails with advice instead of hanging', () => {
    const sim = createSim({ seed: 1 });
    const loop = () => sim.after(1, loop);
    loop();
    expect(() => sim.run()).toThrow(/did not go quiet .* Run with \{ until \} or \{ maxEvents \}/);
  });
});

describe('bad input is rejected before anything runs', () => {
  const issues = (f: () => unknown): string[] => {
    try {
      f();
    } catch (e) {
      if (e instanceof ConfigError) return e.issues.map((i) => `${i.path}: ${i.message}`);
      throw e;
    }
    throw new Error('expected a ConfigError');
  };

  test('a negative latency, a loss rate of 1.5 and NaN are all reported, with paths', () => {
    expect(issues(() => createSim({ seed: 1, network: { latency: -3, loss: 1.5, duplicate: NaN } }))).toEqual([
      'config.network.latency: Too small: expected number to be >=0',
      'config.network.loss: Too big: expected number to be <=1',
      'config.network.duplicate: Invalid input: expected number, received NaN',
    ]);
  });

  test('an unknown node in a partition or a nemesis is rejected, naming the node', () => {
    const sim = createSim({ seed: 1 });
    sim.addNode('a', () => {});
    expect(issues(() => sim.partition(['a'], ['ghost']))).toEqual([
      "partition.groups[1][0]: unknown node 'ghost' (nodes: a)",
    ]);
    expect(issues(() => sim.nemesis([{ at: 5, fault: 'crash', node: 'b' }]))).toEqual(["nemesis[0].node: unknown node 'b' (nodes: a)"]);
    expect(issues(() => sim.nemesis([{ at: -1, fault: 'heal' }]))).toEqual(['nemesis[0].at: Too small: expected number to be >=0']);
  });

  test('a per-link override naming an unknown node is rejected when the run starts', () => {
    const sim = createSim({ seed: 1, network: { links: [{ from: 'a', to: 'zz', loss: 0.5 }] } });
    sim.addNode('a', () => {});
    expect(issues(() => sim.run())).toEqual(["config.network.links[0].to: unknown node 'zz' (nodes: a)"]);
  });

  test('unknown keys are typos, not silently ignored', () => {
    expect(issues(() => createSim({ seed: 1, network: { los: 0.1 } } as never))).toEqual([
      'config.network: Unrecognized key: "los"',
    ]);
  });

  test('scheduling at NaN or in the past throws instead of never running', () => {
    const sim = createSim({ seed: 1 });
    expect(() => sim.at(NaN, () => {})).toThrow(/not a number/);
    sim.at(5, () => {});
    sim.run();
    expect(() => sim.at(1, () => {})).toThrow(/before now/);
  });
});
