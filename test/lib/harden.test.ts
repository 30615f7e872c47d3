// Bad input, tried as a student would: each case must end quickly with an
// error that names the node, field or schedule entry, never hang, run out of
// memory or leak NaN.
import { describe, expect, test } from 'vitest';
import { ConfigError, SimulationError } from '../../lib/core/config';
import { pauseSchedule } from '../../lib/core/nemesis';
import { createRng } from '../../lib/core/random';
import { partitionSchedule, randomFaults } from '../../lib/core/schedules';
import { createSim, type Sim } from '../../lib/core/sim';
import { eventsOf, formatTrace, truncatedCount, type TraceEvent } from '../../lib/core/trace';
import { electionCluster } from '../../lib/models/election';
import { monitor } from '../../lib/models/detector';
import { leaseClient } from '../../lib/models/lease';
import { withNtpSync } from '../../lib/models/ntp';
import { phi, phiAccrualDetector } from '../../lib/models/phi';
import { backoffCeiling } from '../../lib/models/retry';
import { shrink } from '../../lib/checking/shrink';
import { atMostOneLeaderPerTerm, formatVerdict } from '../../lib/checking/checkers';
import type { Program } from '../../lib/core/node';

/** The error `fn` throws (failing the test if it throws none). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error, none was thrown');
}

const simWith = (programs: Record<string, Program>, config: Parameters<typeof createSim>[0] = { seed: 1 }): Sim => {
  const sim = createSim(config);
  for (const [id, p] of Object.entries(programs)) sim.addNode(id, p);
  return sim;
};

describe('time that never advances', () => {
  test('does a zero-delay timer loop fail, naming the node and the timer?', () => {
    const sim = simWith({ a: (ctx) => void ctx.setTimer(0, function spin() { ctx.setTimer(0, spin, 'spin'); }, 'spin') });
    const e = thrown(() => sim.run({ until: 100 }));
    expect(e).toBeInstanceOf(SimulationError);
    expect(e.message).toMatch(/time stopped/);
    expect((e as SimulationError).path).toBe('nodes.a (spin)');
    expect(e.message).toMatch(/limits: \{ sameTime \}/);
  });

  test('does an election with timeout 0 fail instead of hanging?', () => {
    const c = electionCluster({ seed: 3, nodes: 3, electionTimeout: 0 });
    const e = thrown(() => c.sim.run({ until: 1000 }));
    expect(e).toBeInstanceOf(SimulationError);
    expect((e as SimulationError).path).toMatch(/^nodes\.n\d/);
  });

  test('does a 1e-300 ms timer late in a run (a delay too small to move the clock) fail?', () => {
    const sim = simWith({ a: (ctx) => void ctx.setTimer(1000, function tiny() { ctx.setTimer(1e-300, tiny, 'tiny'); }, 'tiny') });
    const e = thrown(() => sim.run({ until: 2000 }));
    expect(e).toBeInstanceOf(SimulationError);
    expect((e as SimulationError).time).toBe(1000);
    expect(e.message).toMatch(/too small to move the clock/);
  });

  test('does run({ until: 1e308 }) with a heartbeat stop at the event cap, saying how to raise it?', () => {
    const sim = simWith({ a: (ctx) => void ctx.setTimer(1, function beat() { ctx.setTimer(1, beat, 'beat'); }, 'beat') }, { seed: 1, limits: { events: 20_000 } });
    const e = thrown(() => sim.run({ until: 1e308 }));
    expect(e).toBeInstanceOf(SimulationError);
    expect(e.message).toMatch(/did not go quiet after 20000 events/);
    expect(e.message).toMatch(/run\(\{ eventLimit \}\)/);
    expect(sim.trace.length).toBeLessThan(40_000);
    // The cap is per call, and run({ eventLimit }) overrides it.
    expect(sim.run({ until: sim.now + 30_000, eventLimit: 40_000 }).stoppedBy).toBe('until');
  });
});

describe('non-finite times and values', () => {
  test('are setTimer(Infinity), setTimer("10") and a call that waits forever refused at the call?', () => {
    const cases: Array<[Program, RegExp]> = [
      [(ctx) => void ctx.setTimer(Infinity, () => {}, 'forever'), /finite.*nodes\.a\.setTimer\('forever'\)/s],
      [(ctx) => void ctx.setTimer('10' as unknown as number, () => {}), /got '10'/],
      [(ctx) => void ctx.setTimer(5, 'go' as unknown as () => void), /callback must be a function/],
      [(ctx) => void ctx.call('a', {}, { timeout: Infinity }, () => {}), /nodes\.a\.call\(a\)\.timeout/],
    ];
    for (const [program, message] of cases) {
      const e = thrown(() => simWith({ a: program }).run({ until: 10 }));
      expect(e).toBeInstanceOf(SimulationError);
      expect(e.message).toMatch(message);
    }
  });

  test('are at(Infinity) and after(NaN) refused?', () => {
    const sim = createSim({ seed: 1 });
    expect(thrown(() => sim.at(Infinity, () => {}))).toBeInstanceOf(SimulationError);
    expect(thrown(() => sim.after(Number.NaN, () => {})).message).toMatch(/sim\.after/);
    expect(thrown(() => sim.at(5, 'x' as unknown as () => void))).toBeInstanceOf(ConfigError);
  });

  test('do two huge clock steps fail instead of making the clock Infinity?', () => {
    const sim = simWith({ a: () => {} });
    sim.stepClock('a', 1e308);
    expect(() => sim.stepClock('a', 1e308)).toThrow(/largest number.*nodes\.a\.clock\.step/s);
    expect(Number.isFinite(sim.clock('a').wall())).toBe(true);
  });

  test.each([
    [{ kind: 'pareto', scale: 1, shape: 0.001 }, /pareto/],
    [{ kind: 'lognormal', median: 1, sigma: 1000 }, /lognormal/],
    [{ kind: 'exponential', mean: 1e308 }, /exponential/],
  ] as const)('does a latency %j whose samples overflow fail naming the link?', (latency, name) => {
    const sim = simWith({
      a: (ctx) => void ctx.setTimer(1, function again() { ctx.send('b', 'hi'); ctx.setTimer(1, again); }),
      b: () => {},
    }, { seed: 1, network: { latency } });
    const e = thrown(() => sim.run({ until: 1000 }));
    expect(e).toBeInstanceOf(SimulationError);
    expect((e as SimulationError).path).toBe('link a -> b');
    expect(e.message).toMatch(name);
    for (const ev of sim.trace) expect(Number.isFinite(ev.time)).toBe(true);
  });

  test('are a node id that is not a string and a program that is not a function refused at addNode?', () => {
    const sim = createSim({ seed: 1 });
    expect(thrown(() => sim.addNode(42 as unknown as string, () => {}))).toBeInstanceOf(ConfigError);
    expect(thrown(() => sim.addNode('a', { onMessage() {} } as unknown as Program)).message).toMatch(/addNode\(a\)\.program/);
    expect(thrown(() => simWith({ b: () => 7 as never }).run({ until: 1 })).message).toMatch(/not a number/);
  });
});

describe('schedule generators are bounded', () => {
  test('does a zero gap with tiny pauses over a long window fail instead of looping?', () => {
    const e = thrown(() => pauseSchedule(createRng(1), { nodes: ['a'], gap: 0, length: 0, until: 1e12 }));
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.message).toMatch(/more than 100000 faults.*pauses\.gap/s);
  });

  test('is a gap distribution that can go negative refused?', () => {
    expect(() => pauseSchedule(createRng(1), { nodes: ['a'], gap: { kind: 'normal', mean: 10, sd: 5, min: -5 }, length: 1, until: 100 })).toThrow(/never be negative.*pauses\.gap/s);
  });

  test('do a flapping network every 1e-300 ms, randomFaults with a huge count and a huge clock strobe fail?', () => {
    expect(() => partitionSchedule(createRng(1), { nodes: ['a', 'b'], every: 1e-300, until: 1000 })).toThrow(/partitions\.every/);
    expect(() => randomFaults(createRng(1), { nodes: ['a', 'b'], until: 1000, count: 1e9 })).toThrow(/faults\.count/);
    const sim = simWith({ a: () => {} });
    expect(() => sim.nemesis([{ at: 0, fault: 'clock-strobe', node: 'a', delta: 5, period: 1, count: 1e9 }])).toThrow(/nemesis\[0\]\.count/);
  });
});

describe('no silent wrong behaviour', () => {
  test('does the automatic resume of an earlier pause leave a later pause alone?', () => {
    const sim = simWith({ a: () => {} });
    sim.nemesis([
      { at: 0, fault: 'pause', node: 'a', for: 100 },
      { at: 20, fault: 'resume', node: 'a' },
      { at: 50, fault: 'pause', node: 'a', for: 500 },
    ]);
    sim.run({ until: 200 });
    expect(sim.status('a')).toBe('paused');
    sim.run({ until: 600 });
    expect(sim.status('a')).toBe('running');
    expect(eventsOf(sim.trace, 'resume').map((e) => e.time)).toEqual([20, 550]);
  });

  test('does a manual pause stay until resumed, despite an earlier pause ending?', () => {
    const sim = simWith({ a: () => {} });
    sim.nemesis([{ at: 0, fault: 'pause', node: 'a', for: 100 }]);
    sim.at(10, () => sim.resume('a'));
    sim.at(20, () => sim.pause('a'));
    sim.run({ until: 300 });
    expect(sim.status('a')).toBe('paused');
  });

  test('is a partition that cuts nothing, or puts a node in two groups, a ConfigError with a path?', () => {
    const sim = simWith({ a: () => {}, b: () => {}, c: () => {} });
    expect(thrown(() => sim.partition(['a', 'b', 'c'])).message).toMatch(/nothing would be cut.*partition\.groups\[0\]/s);
    expect(thrown(() => sim.partition(['a', 'b'], ['b', 'c']))).toBeInstanceOf(ConfigError);
    expect(() => sim.partition(['a', 'b'], ['b', 'c'])).toThrow(/'b' is in two groups.*partition\.groups\[1\]\[0\]/s);
    sim.nemesis([{ at: 5, fault: 'partition', groups: [['a', 'b', 'c']] }]);
    expect(() => sim.run({ until: 10 })).toThrow(/nemesis\[0\]\.groups\[0\]/);
  });

  test('are async programs and handlers refused instead of running outside virtual time?', () => {
    const asyncProgram = async (): Promise<void> => {};
    expect(() => createSim({ seed: 1 }).addNode('a', asyncProgram as unknown as Program)).toThrow(/must be synchronous/);
    const promiseProgram: Program = () => Promise.resolve({}) as never;
    expect(() => simWith({ a: promiseProgram }).run({ until: 1 })).toThrow(/Promise.*nodes\.a\.program/s);
    const asyncHandler: Program = () => ({ onMessage: async () => {} });
    expect(() => simWith({ a: asyncHandler }).run({ until: 1 })).toThrow(/async.*nodes\.a\.onMessage/s);
    const promiseHandler: Program = () => ({ onMessage: () => Promise.reject(new Error('later')) as never });
    const sim = simWith({ a: promiseHandler, b: (ctx) => ctx.send('a', 'hi') });
    expect(() => sim.run({ until: 100 })).toThrow(/onMessage returned a Promise/);
  });
});

describe('unknown nodes are ConfigErrors with a path', () => {
  test('does sim.crash("typo") name the call?', () => {
    const e = thrown(() => simWith({ a: () => {} }).crash('typo'));
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.message).toMatch(/unknown node 'typo' \(nodes: a\).*crash\(typo\)/s);
  });

  test.each<[string, () => Program, RegExp]>([
    ['monitor.watch', () => monitor({ watch: 'sever' }).program, /nodes\.m\.monitor\.watch/],
    ['lease client', () => leaseClient({ lockService: 'lok' }), /nodes\.m\.client\.lockService/],
    ['NTP server', () => withNtpSync(() => {}, { server: 'tyme' }), /nodes\.m\.ntp\.server/],
  ])('is a misspelt %s caught when the run starts, before any event?', (_, program, path) => {
    const sim = simWith({ server: () => {}, lock: () => {}, storage: () => {}, m: program() });
    const e = thrown(() => sim.run({ until: 0 }));
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.message).toMatch(path);
    expect(sim.trace).toHaveLength(0);
  });
});

describe('payloads', () => {
  test.each<[string, unknown, RegExp]>([
    ['a function', { n: 1, f: () => 1 }, /function.*body\.f/s],
    ['a BigInt', { big: [1, 2n] }, /BigInt.*body\.big\[1\]/s],
    ['a cycle', (() => { const o: Record<string, unknown> = { x: 1 }; o.self = o; return o; })(), /cycle.*body\.self/s],
  ])('does %s in a message fail at send, naming sender, receiver and field?', (_, body, field) => {
    const sim = simWith({ a: (ctx) => ctx.send('b', body), b: () => {} });
    const e = thrown(() => sim.run({ until: 10 }));
    expect(e).toBeInstanceOf(SimulationError);
    expect(e.message).toMatch(/message a -> b/);
    expect(e.message).toMatch(field);
  });

  test('does a bad reply name the replying node?', () => {
    const sim = simWith({
      a: (ctx) => ctx.call('b', 'q', { timeout: 50 }, () => {}),
      b: () => ({ onRequest: (_body, reply) => reply({ answer: () => 42 }) }),
    });
    expect(() => sim.run({ until: 100 })).toThrow(/message b -> a, body\.body\.answer/);
  });

  test('are Maps, Dates and nested plain data still copied, not shared?', () => {
    const sent = { m: new Map([['k', [1]]]), d: new Date(5), list: [{ x: 1 }] };
    let got: typeof sent | undefined;
    const sim = simWith({ a: (ctx) => ctx.send('b', sent), b: () => ({ onMessage: (m) => void (got = m.body as typeof sent) }) });
    sim.run({ until: 50 });
    expect(got).toEqual(sent);
    expect(got!.list).not.toBe(sent.list);
    expect(got!.m.get('k')).not.toBe(sent.m.get('k'));
  });

  test('can a received message be forwarded whole, arriving as plain data?', () => {
    let got: unknown;
    const sim = simWith({
      a: (ctx) => ctx.send('b', { n: 1 }),
      b: (ctx) => ({ onMessage: (m) => ctx.send('c', { forwarded: m }) }),
      c: () => ({ onMessage: (m) => void (got = m.body) }),
    });
    sim.run({ until: 50 });
    const first = eventsOf(sim.trace, 'deliver')[0]!;
    expect(got).toEqual({ forwarded: { id: first.msg, from: 'a', to: 'b', body: { n: 1 }, sentAt: first.sentAt } });
    // A copy, not the receiver's own Message object: plain data (toEqual alone does not look at prototypes).
    expect(Object.getPrototypeOf((got as { forwarded: object }).forwarded)).toBe(Object.prototype);
  });
});

describe('a bounded trace', () => {
  const chatty = (trace: Parameters<typeof createSim>[0]['trace']): Sim =>
    simWith({ a: (ctx) => void ctx.setTimer(1, function beat() { ctx.send('b', { beat: ctx.now() }); ctx.setTimer(1, beat, 'beat'); }, 'beat'), b: () => {} }, { seed: 4, trace });

  test('does trace: { limit } keep exactly the last N events, and say so?', () => {
    const full = chatty(true);
    full.run({ until: 500 });
    const bounded = chatty({ limit: 100 });
    bounded.run({ until: 500 });
    expect([...bounded.trace]).toEqual(full.trace.slice(-100));
    expect(truncatedCount(bounded.trace)).toBe(full.trace.length - 100);
    expect(truncatedCount(full.trace)).toBe(0);
    expect(formatTrace(bounded.trace, 1)).toMatch(/earlier events not kept/);
  });

  test('does onEvent see every event, even with nothing kept?', () => {
    const seen: TraceEvent[] = [];
    const streamed = chatty({ limit: 0, onEvent: (e) => seen.push(e) });
    streamed.run({ until: 500 });
    const full = chatty(true);
    full.run({ until: 500 });
    expect(streamed.trace).toHaveLength(0);
    expect(seen).toEqual(full.trace);
  });

  test('does a partition of 10,000 nodes store groups, not 50 million pairs?', () => {
    const sim = createSim({ seed: 1 });
    const ids = Array.from({ length: 10_000 }, (_, i) => `n${i}`);
    for (const id of ids) sim.addNode(id, () => {});
    sim.addNode('x', (ctx) => void ctx.setTimer(5, () => { ctx.send('n1', 'across'); ctx.send('n9999', 'same side'); }));
    sim.partition(ids.slice(0, 5000), [...ids.slice(5000), 'x']);
    sim.run({ until: 100 });
    const [p] = eventsOf(sim.trace, 'partition');
    expect(p!.cuts).toHaveLength(0);
    expect(p!.groups!.map((g) => g.length)).toEqual([5000, 5001]);
    expect(eventsOf(sim.trace, 'drop').map((d) => [d.to, d.reason])).toEqual([['n1', 'partition']]);
    expect(eventsOf(sim.trace, 'deliver').map((d) => d.to)).toEqual(['n9999']);
    sim.heal();
    expect(eventsOf(sim.trace, 'heal')[0]!.groups).toHaveLength(1);
  });
});

describe('lesson helpers never return NaN', () => {
  test('do phi and the phi detector refuse NaN and minStdDev 0?', () => {
    expect(() => phi(Number.NaN, [100], { minStdDev: 10, acceptablePause: 0 })).toThrow(/elapsed/);
    expect(() => phi(50, [100, 100], { minStdDev: 0, acceptablePause: 0 })).toThrow(/minStdDev/);
    expect(() => phi(50, [100, Number.NaN], { minStdDev: 1, acceptablePause: 0 })).toThrow(/intervals\[1\]/);
    const d = phiAccrualDetector();
    expect(() => d.heartbeat(Number.NaN)).toThrow(/heartbeat time/);
    d.heartbeat(0);
    expect(Number.isNaN(d.phi(50))).toBe(false);
  });

  test('do backoffCeiling and rng.int refuse bad arguments?', () => {
    expect(() => backoffCeiling({ base: 10, cap: 100 }, Number.NaN)).toThrow(/retry number/);
    expect(() => backoffCeiling({ base: Number.NaN, cap: 100 }, 1)).toThrow(/base/);
    expect(() => createRng(1).int(5, 1)).toThrow(/int\(5, 1\)/);
    expect(() => createRng(1).chance(Number.NaN)).toThrow(/probability/);
  });

  test('does shrink say a property must return a verdict, not a boolean?', () => {
    const scenario = () => [] as TraceEvent[];
    expect(() => shrink(scenario, (() => false) as never, { seed: 1, schedule: [], until: 10 })).toThrow(/must return a verdict/);
  });
});

describe('checkers on a bounded trace', () => {
  test('does a verdict on a truncated trace say that it is partial?', () => {
    const run = (trace: Parameters<typeof createSim>[0]['trace']): readonly TraceEvent[] => {
      const sim = simWith({ n1: (ctx) => ctx.note('leader term=1'), n2: (ctx) => ctx.note('leader term=2'), n3: (ctx) => ctx.note('leader term=3') }, { seed: 2, trace });
      sim.run({ until: 100 });
      return sim.trace;
    };
    const full = atMostOneLeaderPerTerm(run(true));
    expect(full).toEqual({ ok: true, property: expect.any(String) });
    const partial = atMostOneLeaderPerTerm(run({ limit: 1 }));
    expect(partial.truncated).toBe(2);
    expect(formatVerdict(partial)).toMatch(/^✓ .*truncated trace: its first 2 events were not kept/);
  });
});
