import { describe, expect, test } from 'vitest';
import { createSim, eventsOf, type Sim } from '../../lib';

/** Two nodes; `a` sends `count` numbered messages to `b`, one per ms. Returns the order b saw. */
function stream(sim: Sim, count: number): number[] {
  const got: number[] = [];
  sim.addNode('b', () => ({ onMessage: (m) => got.push(m.body as number) }));
  sim.addNode('a', (ctx) => {
    for (let i = 0; i < count; i++) ctx.setTimer(i, () => ctx.send('b', i));
  });
  sim.run();
  return got;
}

describe('network faults', () => {
  test('does a loss rate of 0.3 lose about 30% of messages, traced as drops?', () => {
    const sim = createSim({ seed: 5, network: { loss: 0.3 } });
    const got = stream(sim, 2000);
    expect(got.length / 2000).toBeCloseTo(0.7, 1);
    expect(eventsOf(sim.trace, 'drop').filter((d) => d.reason === 'loss').length).toBe(2000 - got.length);
  });

  test('does duplication deliver some messages twice, as distinct copies?', () => {
    const sim = createSim({ seed: 5, network: { duplicate: 0.2 } });
    const got = stream(sim, 1000);
    expect(got.length).toBeGreaterThan(1100);
    expect(new Set(got).size).toBe(1000);
    expect(eventsOf(sim.trace, 'send').filter((s) => s.copy).length).toBe(got.length - 1000);
  });

  test('does reordering let later messages overtake earlier ones, while constant latency keeps order?', () => {
    const inOrder = stream(createSim({ seed: 5, network: { latency: 1 } }), 200);
    expect(inOrder).toEqual([...inOrder].sort((x, y) => x - y));
    const shuffled = stream(createSim({ seed: 5, network: { latency: 1, reorder: 0.2 } }), 200);
    expect(shuffled).toHaveLength(200);
    expect(shuffled).not.toEqual([...shuffled].sort((x, y) => x - y));
  });

  test('does a per-link override apply to that direction only?', () => {
    const sim = createSim({ seed: 1, network: { latency: 1, links: [{ from: 'a', to: 'b', latency: 50 }] } });
    sim.addNode('a', (ctx) => void ctx.send('b', 'ping'));
    sim.addNode('b', (ctx) => ({ onMessage: () => ctx.send('a', 'pong') }));
    sim.run();
    expect(eventsOf(sim.trace, 'deliver').map((d) => [d.to, d.time])).toEqual([
      ['b', 50],
      ['a', 51],
    ]);
  });

  test('does a symmetric partition block both ways until healed?', () => {
    const sim = createSim({ seed: 1, network: { latency: 1 } });
    const got: string[] = [];
    const ids = ['a', 'b', 'c'];
    for (const id of ids) {
      sim.addNode(id, (ctx) => {
        for (const t of [1, 20]) ctx.setTimer(t, () => ids.filter((o) => o !== id).forEach((o) => ctx.send(o, t)));
        return { onMessage: (m) => got.push(`${m.from}->${ctx.id}@${m.body}`) };
      });
    }
    sim.nemesis([
      { at: 0, fault: 'partition', groups: [['a'], ['b', 'c']] },
      { at: 10, fault: 'heal' },
    ]);
    sim.run();
    expect(got.filter((g) => g.endsWith('@1')).sort()).toEqual(['b->c@1', 'c->b@1']);
    expect(got.filter((g) => g.endsWith('@20'))).toHaveLength(6);
    expect(eventsOf(sim.trace, 'partition')[0]?.cuts).toHaveLength(4);
  });

  test('does a single group mean: cut off from everyone else?', () => {
    const sim = createSim({ seed: 1 });
    const got: string[] = [];
    const ids = ['a', 'b', 'c'];
    for (const id of ids) {
      sim.addNode(id, (ctx) => {
        ctx.setTimer(1, () => ids.filter((o) => o !== id).forEach((o) => ctx.send(o, 'hi')));
        return { onMessage: (m) => got.push(`${m.from}->${ctx.id}`) };
      });
    }
    sim.partition(['a']);
    sim.run();
    expect(got.sort()).toEqual(['b->c', 'c->b']);
  });

  test('does a one-way partition block one direction only?', () => {
    const sim = createSim({ seed: 1, network: { latency: 1 } });
    const got: string[] = [];
    sim.addNode('a', (ctx) => {
      ctx.setTimer(1, () => ctx.send('b', 'x'));
      return { onMessage: (m) => got.push(`${m.from}->a`) };
    });
    sim.addNode('b', (ctx) => {
      ctx.setTimer(1, () => ctx.send('a', 'y'));
      return { onMessage: (m) => got.push(`${m.from}->b`) };
    });
    sim.partitionOneWay('a', 'b');
    sim.run();
    expect(got).toEqual(['b->a']);
    expect(eventsOf(sim.trace, 'drop').map((d) => `${d.from}->${d.to}:${d.reason}`)).toEqual(['a->b:partition']);
  });
});
