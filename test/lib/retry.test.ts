import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ConfigError, createSim, eventsOf } from '../../lib';
import {
  backoffCeiling,
  callWithRetry,
  RetryExhausted,
  retryPolicy,
  scheduleBackoff,
  type Backoff,
  type RetryOutcome,
} from '../../lib/models/retry';

describe('retry policies', () => {
  test('defaults fill in, and a bad policy names every bad field', () => {
    const p = retryPolicy();
    expect(p.cap).toBeGreaterThanOrEqual(p.base);
    expect(p.maxAttempts).toBeGreaterThanOrEqual(1);
    let err: unknown;
    try {
      retryPolicy({ base: 10, cap: 5, maxAttempts: 0, jitter: 'fuzzy' as never });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const paths = (err as ConfigError).issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['policy.maxAttempts', 'policy.jitter']));
    expect(() => retryPolicy({ base: 10, cap: 5 })).toThrow(/cap must be ≥ base[\s\S]*policy\.cap/);
    expect(() => retryPolicy({ base: Number.NaN })).toThrow(ConfigError);
    expect(() => retryPolicy({ retries: 3 } as never)).toThrow(ConfigError);
  });

  test('the ceiling doubles from base until it reaches the cap, and never passes it', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 100, noNaN: true }), fc.double({ min: 1, max: 1000, noNaN: true }), fc.nat(40), (base, extra, n) => {
        const cap = base + extra;
        const c = backoffCeiling({ base, cap }, n);
        expect(c).toBeLessThanOrEqual(cap);
        expect(c).toBe(Math.min(cap, base * 2 ** n));
        expect(backoffCeiling({ base, cap }, n + 1)).toBeGreaterThanOrEqual(c);
      }),
    );
  });
});

describe('scheduleBackoff', () => {
  test('hands out its delays in order, then throws RetryExhausted with attempts and total wait', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e4, noNaN: true }), { maxLength: 10 }), (delays) => {
        const b = scheduleBackoff(delays);
        expect(delays.map(() => b.next())).toEqual(delays);
        for (let i = 0; i < 2; i++) {
          let err: unknown;
          try {
            b.next();
          } catch (e) {
            err = e;
          }
          expect(err).toBeInstanceOf(RetryExhausted);
          expect((err as RetryExhausted).attempts).toBe(delays.length + 1);
          expect((err as RetryExhausted).waited).toBeCloseTo(delays.reduce((a, x) => a + x, 0), 6);
        }
      }),
    );
  });

  test('rejects negative and non-finite delays up front', () => {
    expect(() => scheduleBackoff([1, -1])).toThrow(/delays\[1\]/);
    expect(() => scheduleBackoff([Number.NaN])).toThrow(ConfigError);
  });

  test('RetryExhausted says how many attempts and how long it waited', () => {
    expect(new RetryExhausted(1, 0).message).toBe('gave up after 1 attempt and 0 ms of backoff');
    expect(new RetryExhausted(4, 70.25).message).toBe('gave up after 4 attempts and 70.25 ms of backoff');
  });
});

/** One client calls a server once through callWithRetry; `setup` adds the faults. */
function run(seed: number, backoff: () => Backoff, setup: (sim: ReturnType<typeof createSim>) => void = () => {}, network = {}) {
  const sim = createSim({ seed, network });
  const outcomes: RetryOutcome[] = [];
  let served = 0;
  sim.addNode('server', () => ({ onRequest: (body, reply) => (served++, reply({ echo: body })) }));
  sim.addNode('client', (ctx) => callWithRetry(ctx, 'server', { id: 'r1' }, backoff(), { timeout: 20, notes: true }, (o) => outcomes.push(o)));
  setup(sim);
  sim.run({ until: 10_000 });
  return { sim, outcomes, served };
}

describe('callWithRetry', () => {
  test('a healthy server answers the first attempt', () => {
    const { outcomes } = run(1, () => scheduleBackoff([10, 10]));
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({ status: 'ok', body: { echo: { id: 'r1' } }, attempts: 1, waited: 0 });
  });

  test('retries the same body through a partition that heals, and succeeds after it', () => {
    const { sim, outcomes } = run(2, () => scheduleBackoff([10, 20, 40, 80, 160]), (s) =>
      s.nemesis([
        { at: 0, fault: 'partition', groups: [['client'], ['server']] },
        { at: 100, fault: 'heal' },
      ]),
    );
    expect(outcomes).toHaveLength(1);
    const o = outcomes[0]!;
    expect(o.status).toBe('ok');
    expect(o.attempts).toBeGreaterThan(1);
    expect(o.waited).toBe([10, 20, 40, 80, 160].slice(0, o.attempts - 1).reduce((a, x) => a + x, 0));
    const requests = eventsOf(sim.trace, 'send').filter((e) => e.from === 'client');
    expect(requests).toHaveLength(o.attempts);
    expect(new Set(requests.map((r) => JSON.stringify((r.body as { body: unknown }).body)))).toEqual(new Set(['{"id":"r1"}']));
    expect(requests.at(-1)!.time).toBeGreaterThanOrEqual(100);
  });

  test('gives up on a dead server after every attempt, with the exact time spent', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 500 }), { maxLength: 6 }), fc.integer({ min: 1, max: 1000 }), (delays, seed) => {
        const { outcomes } = run(seed, () => scheduleBackoff(delays), (s) => s.nemesis([{ at: 0, fault: 'crash', node: 'server' }]));
        expect(outcomes).toHaveLength(1);
        const o = outcomes[0]!;
        expect(o.status).toBe('exhausted');
        expect(o.attempts).toBe(delays.length + 1);
        const waited = delays.reduce((a, x) => a + x, 0);
        expect(o.waited).toBe(waited);
        expect(o.elapsed).toBe(waited + 20 * (delays.length + 1));
        if (o.status === 'exhausted') expect(o.error).toBeInstanceOf(RetryExhausted);
      }),
      { numRuns: 50 },
    );
  });

  test('a retry can double-apply: the server sees the request again when only the reply was lost', () => {
    const { outcomes, served } = run(3, () => scheduleBackoff([5, 5, 5]), (s) => {
      s.setLink('server', 'client', { loss: 1 });
      s.at(30, () => s.setLink('server', 'client', { loss: 0 }));
    });
    expect(outcomes[0]!.status).toBe('ok');
    expect(served).toBe(outcomes[0]!.attempts);
    expect(served).toBeGreaterThan(1);
  });

  test('same seed, same trace', () => {
    const net = { loss: 0.3, duplicate: 0.2 };
    const a = run(9, () => scheduleBackoff([5, 10, 20, 40]), () => {}, net).sim.trace;
    const b = run(9, () => scheduleBackoff([5, 10, 20, 40]), () => {}, net).sim.trace;
    expect(a).toEqual(b);
  });

  test('rejects a bad timeout and a backoff that returns nonsense', () => {
    const sim = createSim({ seed: 1 });
    sim.addNode('server', () => {});
    sim.addNode('client', (ctx) => callWithRetry(ctx, 'server', {}, scheduleBackoff([]), { timeout: 0 }, () => {}));
    expect(() => sim.run()).toThrow(/options\.timeout/);
    const sim2 = createSim({ seed: 1 });
    sim2.addNode('server', () => {});
    sim2.addNode('client', (ctx) => callWithRetry(ctx, 'server', {}, { next: () => Number.NaN }, { timeout: 5 }, () => {}));
    expect(() => sim2.run()).toThrow(/finite number/);
  });
});
