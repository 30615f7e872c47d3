// Grader for exercises/02-unreliable-networks.ts. Run: npm run grade -- --only 02-unreliable-networks
import { describe, expect, test } from 'vitest';
import { ConfigError, createRng, createSim } from '../../lib';
import { callWithRetry, RetryExhausted, scheduleBackoff, type RetryOutcome, type RetryPolicyInput } from '../../lib/models/retry';
import { createBackoff, createIdempotentHandler } from '@target/02-unreliable-networks';

const SEEDS = Array.from({ length: 400 }, (_, i) => i + 1);
const replay = (policy: RetryPolicyInput, seed: number) =>
  `reproduce: const b = createBackoff(${JSON.stringify(policy)}, createRng(${seed}, 'grader')); then call b.next() repeatedly — in notebooks/02-unreliable-networks.ipynb`;

/** Every wait the backoff hands out, and the error it ends with. */
function drain(policy: RetryPolicyInput, seed: number): { waits: number[]; end: unknown } {
  const b = createBackoff(policy, createRng(seed, 'grader'));
  const waits: number[] = [];
  for (let i = 0; i < 1000; i++) {
    try {
      waits.push(b.next());
    } catch (e) {
      return { waits, end: e };
    }
  }
  return { waits, end: undefined };
}

const ceiling = (base: number, cap: number, n: number) => Math.min(cap, base * 2 ** n);
const EPS = 1e-9;
const POLICY = { base: 10, cap: 1000, maxAttempts: 9 } as const; // ceilings 10, 20, ..., 640, 1000

/** waits[n] over all seeds, with the seed that produced each. */
function bySeed(jitter: RetryPolicyInput['jitter']) {
  const policy = { ...POLICY, jitter };
  return SEEDS.map((seed) => ({ seed, policy, waits: drain(policy, seed).waits }));
}

describe('createBackoff', () => {
  test('does jitter de-synchronize 20 clients that fail together: at their 5th retry, how many land in the busiest 10 ms? (seeds 1-20)', { meta: { points: 2 } }, () => {
    // Twenty clients fail at t=0 and back off with their own rngs. Without jitter they retry in
    // lockstep (all 20 in one slot, every time): the thundering herd. Any of the jitter schemes
    // spreads them out; the grader measures the spread, not the formula.
    const peakAt5th = (jitter: RetryPolicyInput['jitter'], seed: number): number => {
      const slots = new Map<number, number>();
      for (let i = 0; i < 20; i++) {
        const b = createBackoff({ base: 10, cap: 1000, maxAttempts: 6, jitter }, createRng(seed, `client ${i}`));
        let t = 0;
        for (let k = 0; k < 5; k++) t += b.next();
        const slot = Math.floor(t / 10);
        slots.set(slot, (slots.get(slot) ?? 0) + 1);
      }
      return Math.max(...slots.values());
    };
    for (const jitter of ['full', 'equal', 'decorrelated'] as const) {
      const peaks = Array.from({ length: 20 }, (_, i) => peakAt5th(jitter, i + 1));
      const mean = peaks.reduce((a, b) => a + b, 0) / peaks.length;
      const worst = peaks.indexOf(Math.max(...peaks)) + 1;
      expect(mean, `jitter '${jitter}', base 10, cap 1000: 20 clients with createRng(seed, 'client i'), seeds 1-20; the busiest 10 ms slot of the 5th retry held ${mean.toFixed(2)} clients on average (worst: seed ${worst}, ${Math.max(...peaks)}). Expected at most 6: are the waits of different clients independent draws from their own rng?`).toBeLessThanOrEqual(6);
    }
    expect(peakAt5th('none', 1), "jitter 'none': all 20 clients retry in the same slot").toBe(20);
  });

  test("does 'none' wait exactly min(cap, base·2^n), then stop after maxAttempts? (seed=1)", { meta: { points: 2 } }, () => {
    const policy = { ...POLICY, jitter: 'none' } as const;
    const { waits } = drain(policy, 1);
    expect(waits, `policy ${JSON.stringify(policy)}: expected the 8 waits 10, 20, 40, 80, 160, 320, 640, 1000 (capped), then RetryExhausted.\n${replay(policy, 1)}`).toEqual([
      10, 20, 40, 80, 160, 320, 640, 1000,
    ]);
  });

  test("does full jitter stay in [0, min(cap, base·2^n)] with a mean near half of it? (seeds 1-400)", { meta: { points: 2 } }, () => {
    const runs = bySeed('full');
    for (let n = 0; n < 8; n++) {
      const c = ceiling(POLICY.base, POLICY.cap, n);
      for (const r of runs) {
        const d = r.waits[n];
        expect(d !== undefined && d >= 0 && d <= c + EPS, `full jitter, seed ${r.seed}: wait before retry ${n} was ${d}, expected within [0, ${c}].\n${replay(r.policy, r.seed)}`).toBe(true);
      }
      const ratios = runs.map((r) => r.waits[n]! / c);
      const m = ratios.reduce((a, b) => a + b, 0) / ratios.length;
      expect(Math.abs(m - 0.5) < 0.05, `full jitter over seeds 1-400: the mean wait before retry ${n} was ${(m * 100).toFixed(1)}% of its ceiling ${c}, expected about 50% (uniform in [0, ceiling]).`).toBe(true);
      expect(Math.min(...ratios) < 0.05 && Math.max(...ratios) > 0.95, `full jitter over seeds 1-400: waits before retry ${n} should spread over the whole range [0, ${c}], got ${Math.min(...ratios) * c} to ${Math.max(...ratios) * c}.`).toBe(true);
    }
  });

  test('does equal jitter stay in [half, all] of min(cap, base·2^n), with a mean near three quarters? (seeds 1-400)', { meta: { points: 2 } }, () => {
    const runs = bySeed('equal');
    for (let n = 0; n < 8; n++) {
      const c = ceiling(POLICY.base, POLICY.cap, n);
      for (const r of runs) {
        const d = r.waits[n];
        expect(d !== undefined && d >= c / 2 - EPS && d <= c + EPS, `equal jitter, seed ${r.seed}: wait before retry ${n} was ${d}, expected within [${c / 2}, ${c}].\n${replay(r.policy, r.seed)}`).toBe(true);
      }
      const m = runs.reduce((a, r) => a + r.waits[n]! / c, 0) / runs.length;
      expect(Math.abs(m - 0.75) < 0.03, `equal jitter over seeds 1-400: the mean wait before retry ${n} was ${(m * 100).toFixed(1)}% of its ceiling ${c}, expected about 75%.`).toBe(true);
    }
  });

  test('does decorrelated jitter stay within [base, min(cap, 3·previous wait)]? (seeds 1-400)', { meta: { points: 2 } }, () => {
    const runs = bySeed('decorrelated');
    for (const r of runs) {
      expect(r.waits.length, `decorrelated jitter, seed ${r.seed}: expected 8 waits for maxAttempts 9.\n${replay(r.policy, r.seed)}`).toBe(8);
      let previous: number = POLICY.base;
      r.waits.forEach((d, n) => {
        const hi = Math.min(POLICY.cap, 3 * previous);
        expect(d >= POLICY.base - EPS && d <= hi + EPS, `decorrelated jitter, seed ${r.seed}: wait before retry ${n} was ${d} after a previous wait of ${previous}; expected within [${POLICY.base}, ${hi}].\n${replay(r.policy, r.seed)}`).toBe(true);
        previous = d;
      });
    }
    const first = runs.map((r) => r.waits[0]!);
    const m = first.reduce((a, b) => a + b, 0) / first.length;
    expect(Math.abs(m - 20) < 1.5, `decorrelated jitter over seeds 1-400: the first wait should be uniform in [10, 30] (mean 20), got a mean of ${m.toFixed(2)}.`).toBe(true);
    const capped = runs.filter((r) => r.waits.some((d) => Math.abs(d - POLICY.cap) < EPS)).length;
    expect(capped > 0, `decorrelated jitter over seeds 1-400: no wait ever reached the cap of ${POLICY.cap}; waits should grow about ×2 per retry until capped.`).toBe(true);
  });

  test('does the backoff throw RetryExhausted after the last attempt, naming the attempts and the total wait? (seeds 1-5)', { meta: { points: 2 } }, () => {
    for (const jitter of ['none', 'full', 'equal', 'decorrelated'] as const) {
      for (const seed of [1, 2, 3, 4, 5]) {
        const policy = { base: 5, cap: 50, maxAttempts: 4, jitter };
        const b = createBackoff(policy, createRng(seed, 'grader'));
        const waits = [b.next(), b.next(), b.next()];
        const total = waits.reduce((a, x) => a + x, 0);
        for (const call of ['4th', '5th']) {
          let err: unknown;
          try {
            b.next();
          } catch (e) {
            err = e;
          }
          const msg = `policy ${JSON.stringify(policy)}, seed ${seed}: the ${call} call of next() should throw RetryExhausted with attempts 4 and waited ${total} (the sum of the 3 waits ${waits.join(', ')}), got ${String(err)}.\n${replay(policy, seed)}`;
          expect(err instanceof RetryExhausted, msg).toBe(true);
          expect((err as RetryExhausted).attempts, msg).toBe(4);
          expect(Math.abs((err as RetryExhausted).waited - total) < 1e-6, msg).toBe(true);
        }
      }
    }
    const once = drain({ maxAttempts: 1 }, 1);
    const msg = `policy { maxAttempts: 1 }: the first next() should throw RetryExhausted(1, 0), with no wait at all; got waits ${JSON.stringify(once.waits)} and ${String(once.end)}.\n${replay({ maxAttempts: 1 }, 1)}`;
    expect(once.waits, msg).toEqual([]);
    expect(once.end instanceof RetryExhausted && once.end.attempts === 1 && once.end.waited === 0, msg).toBe(true);
  });

  test('are the waits reproducible from the seed, and different for another seed? (seeds 5, 6)', { meta: { points: 1 } }, () => {
    for (const jitter of ['full', 'equal', 'decorrelated'] as const) {
      const policy = { ...POLICY, jitter };
      const a = drain(policy, 5).waits;
      expect(drain(policy, 5).waits, `${jitter} jitter, seed 5: two backoffs from the same seed gave different waits. Draw only from the rng you are given, never Math.random.\n${replay(policy, 5)}`).toEqual(a);
      expect(drain(policy, 6).waits, `${jitter} jitter: seeds 5 and 6 gave the same waits; the jitter must come from the rng.\n${replay(policy, 6)}`).not.toEqual(a);
    }
  });

  test('does a bad policy fail up front with a ConfigError? (cap < base, maxAttempts 0, NaN, unknown jitter)', { meta: { points: 1 } }, () => {
    const bad: unknown[] = [{ base: 10, cap: 5 }, { maxAttempts: 0 }, { base: Number.NaN }, { jitter: 'fuzzy' }, { maxAttempts: 2.5 }];
    for (const policy of bad) {
      expect(() => createBackoff(policy as RetryPolicyInput, createRng(1, 'grader')), `createBackoff(${JSON.stringify(policy)}, rng) should throw a ConfigError before any next() call: parse the policy with retryPolicy() first.`).toThrow(ConfigError);
    }
  });
});

describe('createIdempotentHandler', () => {
  test('is a duplicate answered with the remembered response, without running the operation again? (capacity 10)', { meta: { points: 2 } }, () => {
    let counter = 0;
    const h = createIdempotentHandler((req: { by: number }) => ({ value: (counter += req.by) }), { capacity: 10 });
    const first = h.handle('r1', { by: 1 });
    const again = h.handle('r1', { by: 1 });
    const other = h.handle('r2', { by: 5 });
    const msg = `handle('r1', {by:1}) twice, then handle('r2', {by:5}) with capacity 10: expected responses {value:1}, {value:1}, {value:6} and the counter at 6; got ${JSON.stringify([first, again, other])}, counter ${counter}.`;
    expect([first, again, other], msg).toEqual([{ value: 1 }, { value: 1 }, { value: 6 }]);
    expect(counter, msg).toBe(6);
    expect(h.size(), `after requests r1, r1, r2: expected 2 remembered ids, got ${h.size()}.`).toBe(2);
  });

  test('does a full table forget the id it saw first (first in, first out), and never hold more than its capacity? (capacity 3)', { meta: { points: 2 } }, () => {
    const applied: string[] = [];
    const h = createIdempotentHandler((id: string) => (applied.push(id), `done ${id}`), { capacity: 3 });
    const ids = ['a', 'b', 'c', 'd', 'c', 'a', 'b', 'd'];
    const responses = ids.map((id) => h.handle(id, id));
    const msg = `capacity 3, requests ${ids.join(', ')}: 'd' forgets 'a'; the repeat of 'c' is answered from the table (and does not make 'c' younger); 'a' is new again and forgets 'b'; 'b' is new again and forgets 'c'; 'd' is still remembered. Expected operations applied for a, b, c, d, a, b; got ${applied.join(', ')}.`;
    expect(applied, msg).toEqual(['a', 'b', 'c', 'd', 'a', 'b']);
    expect(responses, msg).toEqual(ids.map((id) => `done ${id}`));
    expect(h.size(), `capacity 3 after requests ${ids.join(', ')}: expected size() 3, got ${h.size()}.`).toBe(3);
    const big = createIdempotentHandler((n: number) => n, { capacity: 7 });
    for (let i = 0; i < 100; i++) {
      big.handle(`id-${i}`, i);
      expect(big.size() <= 7, `capacity 7, after ${i + 1} distinct ids: size() is ${big.size()}, more than the capacity.`).toBe(true);
    }
  });

  test('does a bad capacity fail up front with a ConfigError? (0, 2.5, NaN, missing)', { meta: { points: 1 } }, () => {
    for (const config of [{ capacity: 0 }, { capacity: 2.5 }, { capacity: Number.NaN }, {}]) {
      expect(() => createIdempotentHandler((x: number) => x, config as { capacity: number }), `createIdempotentHandler(apply, ${JSON.stringify(config)}) should throw a ConfigError: parse the config with DedupConfigSchema first.`).toThrow(ConfigError);
    }
  });

  test('do retried increments over a lossy, duplicating network apply exactly once, with a consistent reply for each? (seeds 1-5)', { meta: { points: 4 } }, () => {
    const CLIENTS = 4;
    const INCREMENTS = 10;
    for (const seed of [1, 2, 3, 4, 5]) {
      const network = { loss: 0.2, duplicate: 0.2, reorder: 0.1 };
      const sim = createSim({ seed, network });
      let counter = 0;
      let applies = 0;
      let largest = 0;
      const valueOf = new Map<string, number>(); // what the counter became when each request id was applied
      const handler = createIdempotentHandler((req: { id: string }) => {
        applies++;
        counter++;
        valueOf.set(req.id, counter);
        return { value: counter };
      }, { capacity: 1000 });
      sim.addNode('server', () => ({
        onRequest: (body, reply) => {
          const req = body as { id: string };
          reply(handler.handle(req.id, req));
          largest = Math.max(largest, handler.size());
        },
      }));
      const outcomes = new Map<string, RetryOutcome>();
      for (let c = 1; c <= CLIENTS; c++) {
        sim.addNode(`client${c}`, (ctx) => {
          const increment = (k: number): void => {
            if (k > INCREMENTS) return;
            const id = `client${c}-${k}`;
            callWithRetry(ctx, 'server', { op: 'increment', id }, scheduleBackoff(Array(40).fill(15)), { timeout: 30 }, (o) => {
              outcomes.set(id, o);
              increment(k + 1);
            });
          };
          increment(1);
        });
      }
      sim.run({ until: 100_000 });
      const scenario = `seed ${seed}: ${CLIENTS} clients × ${INCREMENTS} increments, each with a unique request id, retried every 15 ms after a 30 ms timeout, network ${JSON.stringify(network)}, handler capacity 1000`;
      const how = `reproduce: the grader's counter server (reply(handler.handle(req.id, req))) in test/graders/02-unreliable-networks.test.ts`;
      const total = CLIENTS * INCREMENTS;
      const failed = [...outcomes.values()].filter((o) => o.status !== 'ok').length;
      expect(outcomes.size === total && failed === 0, `${scenario}: expected all ${total} increments to get a reply, got ${outcomes.size - failed}.\n${how}`).toBe(true);
      expect(counter, `${scenario}: the counter ended at ${counter} after ${applies} applications, expected exactly ${total}: one per logical increment, however often the request arrived.\n${how}`).toBe(total);
      for (const [id, o] of outcomes) {
        expect(o.status === 'ok' ? o.body : o, `${scenario}: request ${id} was applied when the counter became ${valueOf.get(id)}, so every reply to it must say { value: ${valueOf.get(id)} }; the client got ${JSON.stringify(o.status === 'ok' ? o.body : o.status)}.\n${how}`).toEqual({ value: valueOf.get(id) });
      }
      expect(largest <= 1000, `${scenario}: the table held ${largest} ids, more than its capacity.`).toBe(true);
    }
  });
});
