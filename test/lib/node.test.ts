import { describe, expect, test } from 'vitest';
import { createSim, eventsOf, type CallResult, type NodeContext } from '../../lib';

// A fixed 1 ms network keeps these stories easy to follow.
const fixed = () => createSim({ seed: 1, network: { latency: 1 } });

describe('nodes', () => {
  test('does a crashed node lose its volatile state but keep its disk?', () => {
    const sim = fixed();
    const seen: string[] = [];
    sim.addNode('n', (ctx) => {
      let volatile = 0;
      return {
        onMessage: () => {
          volatile++;
          ctx.disk.set('count', ((ctx.disk.get('count') as number) ?? 0) + 1);
          seen.push(`volatile=${volatile} disk=${ctx.disk.get('count')}`);
        },
      };
    });
    sim.addNode('p', (ctx) => {
      ctx.setTimer(1, () => ctx.send('n', 'a'));
      ctx.setTimer(10, () => ctx.send('n', 'b'));
    });
    sim.at(5, () => sim.crash('n'));
    sim.at(6, () => sim.restart('n'));
    sim.run();
    expect(seen).toEqual(['volatile=1 disk=1', 'volatile=1 disk=2']);
  });

  test("are a node's id, clock, rng and disk constants, while a copy { ...ctx } is the copier's own?", () => {
    const sim = fixed();
    let ctx: NodeContext | undefined;
    sim.addNode('n', (c) => void (ctx = c));
    sim.run({ until: 1 });
    const writable = (key: string) => Object.getOwnPropertyDescriptor(ctx, key)?.writable;
    expect(['id', 'clock', 'rng', 'disk'].map(writable)).toEqual([false, false, false, false]);
    expect(() => {
      (ctx as { id: string }).id = 'm';
    }).toThrow(TypeError);
    expect(ctx!.id).toBe('n');
    const copy = { ...ctx! };
    (copy as { id: string }).id = 'm';
    expect(copy.id).toBe('m');
  });

  test('are messages to a crashed node dropped and its timers cancelled?', () => {
    const sim = fixed();
    const fired: number[] = [];
    sim.addNode('server', (ctx) => void ctx.setTimer(10, () => fired.push(ctx.now())));
    sim.addNode('client', (ctx) => void ctx.setTimer(5, () => ctx.send('server', 'hello')));
    sim.at(2, () => sim.crash('server'));
    sim.run();
    expect(fired).toEqual([]);
    expect(eventsOf(sim.trace, 'drop').map((d) => [d.reason, d.time])).toEqual([['crashed', 6]]);
  });

  test('does a paused node handle messages and timers late, after it resumes?', () => {
    const sim = fixed();
    const log: string[] = [];
    sim.addNode('n', (ctx) => {
      ctx.setTimer(3, () => log.push(`timer@${ctx.now()}`), 'tick');
      return { onMessage: (m) => log.push(`${String(m.body)}@${ctx.now()}`) };
    });
    sim.addNode('c', (ctx) => void ctx.setTimer(1, () => ctx.send('n', 'm')));
    sim.nemesis([{ at: 1, fault: 'pause', node: 'n', for: 9 }]);
    sim.run();
    // The message arrived at t=2 and the timer was due at t=3: both wait until t=10, in that order.
    expect(log).toEqual(['m@10', 'timer@10']);
    expect(eventsOf(sim.trace, 'timer').find((t) => t.node === 'n')?.late).toBe(7);
  });

  test('does a node crashed while paused lose what waited?', () => {
    const sim = fixed();
    const log: string[] = [];
    sim.addNode('n', () => ({ onMessage: (m) => log.push(String(m.body)) }));
    sim.addNode('c', (ctx) => void ctx.setTimer(1, () => ctx.send('n', 'm')));
    sim.at(0, () => sim.pause('n'));
    sim.at(5, () => sim.crash('n'));
    sim.run();
    expect(log).toEqual([]);
    expect(eventsOf(sim.trace, 'drop').map((d) => d.reason)).toEqual(['crashed']);
  });

  test('is a cancelled timer never run?', () => {
    const sim = fixed();
    let ran = false;
    sim.addNode('n', (ctx) => {
      const t = ctx.setTimer(5, () => (ran = true));
      ctx.setTimer(1, () => ctx.cancelTimer(t));
    });
    sim.run();
    expect(ran).toBe(false);
  });

  test('does a copy of a context with its own send ({ ...ctx, send }) keep the other methods, on its node?', () => {
    const sim = fixed();
    const got: string[] = [];
    sim.addNode('n', () => ({ onMessage: (m) => got.push(`${m.from}:${String(m.body)}`) }));
    sim.addNode('w', (ctx) => {
      const wrapped = { ...ctx, send: (to: string, body: unknown) => ctx.send(to, `framed ${String(body)}`) };
      wrapped.setTimer(2, () => {
        wrapped.send('n', 'a');
        wrapped.note(`at ${wrapped.now()}`);
      });
    });
    sim.run();
    expect(got).toEqual(['w:framed a']);
    expect(eventsOf(sim.trace, 'note').map((e) => [e.node, e.text])).toEqual([['w', 'at 2']]);
  });

  test('does a context method taken off its ctx fail with a message that says how to call it?', () => {
    const sim = fixed();
    sim.addNode('n', (ctx) => {
      const { send } = ctx;
      send('n', 'x');
    });
    expect(() => sim.run()).toThrow(/ctx\.send was called without its ctx: call it as ctx\.send\(\.\.\.\)/);
  });
});

describe('calls', () => {
  const scenario = (fault: (sim: ReturnType<typeof fixed>) => void, serverDelay = 0): CallResult[] => {
    const sim = fixed();
    const results: CallResult[] = [];
    sim.addNode('server', (ctx) => ({
      onRequest: (body, reply) => (serverDelay ? ctx.setTimer(serverDelay, () => reply(body)) : reply(body)),
    }));
    sim.addNode('client', (ctx) => void ctx.setTimer(1, () => ctx.call('server', 'x', { timeout: 10 }, (r) => results.push(r))));
    fault(sim);
    sim.run();
    return results;
  };

  test('does a healthy call return the reply and its latency?', () => {
    expect(scenario(() => {})).toEqual([{ status: 'ok', body: 'x', latency: 2 }]);
  });

  test('do a crash, a slow server, a lost request, a lost reply and a cut link all look the same: a timeout?', () => {
    const timeout = [{ status: 'timeout', indefinite: true, after: 10 }];
    expect(scenario((s) => s.crash('server'))).toEqual(timeout);
    expect(scenario(() => {}, 50)).toEqual(timeout);
    expect(scenario((s) => s.setLink('client', 'server', { loss: 1 }))).toEqual(timeout);
    expect(scenario((s) => s.setLink('server', 'client', { loss: 1 }))).toEqual(timeout);
    expect(scenario((s) => s.partition(['client'], ['server']))).toEqual(timeout);
  });

  test('is a reply that comes after the timeout ignored, with a note?', () => {
    const sim = fixed();
    const results: CallResult[] = [];
    sim.addNode('server', (ctx) => ({ onRequest: (b, reply) => void ctx.setTimer(20, () => reply(b)) }));
    sim.addNode('client', (ctx) => ctx.call('server', 'x', { timeout: 10 }, (r) => results.push(r)));
    sim.run();
    expect(results.map((r) => r.status)).toEqual(['timeout']);
    expect(eventsOf(sim.trace, 'note').map((n) => n.text)).toEqual(['late reply to call 1 ignored']);
  });
});
