// Grader for exercises/05-unreliable-clocks.ts. Run: npm run grade -- --only 05-unreliable-clocks
import { describe, expect, test } from 'vitest';
import { createRng } from '../../lib/index';
import { clockInterval, commitWaitFor, delayOf, estimateOffset, offsetBounds, offsetOf, type NtpSample, type ServerLog } from '@target/05-unreliable-clocks';

const NB = 'notebooks/05-unreliable-clocks.ipynb';
const show = (s: NtpSample): string => JSON.stringify(s);

// Hand-computed exchanges: [sample, true offset (server - client), offset estimate, delay].
const KNOWN: Array<[string, NtpSample, number, number]> = [
  // Client 100 ms behind; 10 ms each way; the server holds the request 1 ms.
  ['client behind, symmetric', { t1: 1000, t2: 1110, t3: 1111, t4: 1021 }, 100, 20],
  // Client 50 ms ahead; 10 ms each way; 2 ms at the server.
  ['client ahead, symmetric', { t1: 5000, t2: 4960, t3: 4962, t4: 5022 }, -50, 20],
  // Clocks agree; 30 ms there, 10 ms back: the estimate is off by (30 - 10) / 2 = 10.
  ['clocks agree, asymmetric', { t1: 0, t2: 30, t3: 30, t4: 40 }, 10, 40],
  // Nothing on the wire at all.
  ['instant', { t1: 7, t2: 7, t3: 7, t4: 7 }, 0, 0],
];

/** A random exchange whose truth is known: offset theta, one-way delays there and back, server processing. */
function randomExchange(seed: number, i: number) {
  const rng = createRng(seed, `exchange ${i}`);
  const theta = rng.uniform(-5000, 5000);
  const there = rng.uniform(0.1, 80);
  const back = rng.uniform(0.1, 80);
  const processing = rng.uniform(0, 3);
  const t1 = rng.uniform(0, 1e6);
  const t2 = t1 + there + theta;
  const t3 = t2 + processing;
  const t4 = t3 - theta + back;
  return { sample: { t1, t2, t3, t4 }, theta, there, back };
}
const replayRandom = (seed: number, i: number) => `reproduce: randomExchange(${seed}, ${i}) in test/graders/05-unreliable-clocks.test.ts`;

describe('offset and delay from four timestamps', () => {
  test('does offsetOf give the hand-computed offsets? (4 known exchanges)', { meta: { points: 1 } }, () => {
    for (const [name, s, offset] of KNOWN) {
      expect(offsetOf(s), `offsetOf(${show(s)}) (${name}): expected ${offset} = ((t2 - t1) + (t3 - t4)) / 2`).toBeCloseTo(offset, 9);
    }
  });

  test('does delayOf give the hand-computed round trips? (4 known exchanges)', { meta: { points: 1 } }, () => {
    for (const [name, s, , delay] of KNOWN) {
      expect(delayOf(s), `delayOf(${show(s)}) (${name}): expected ${delay} = (t4 - t1) - (t3 - t2)`).toBeCloseTo(delay, 9);
    }
  });

  test('is the estimate off by exactly (there - back) / 2, and so by at most delay / 2? (seeds 1-5, 40 random exchanges each)', { meta: { points: 1 } }, () => {
    for (let seed = 1; seed <= 5; seed++) {
      for (let i = 0; i < 40; i++) {
        const { sample, theta, there, back } = randomExchange(seed, i);
        const error = offsetOf(sample) - theta;
        const msg = `seed ${seed}, exchange ${i}: true offset ${theta.toFixed(3)}, ${there.toFixed(3)} ms there, ${back.toFixed(3)} ms back`;
        expect(error, `${msg}: expected the estimate to be off by (there - back) / 2 = ${((there - back) / 2).toFixed(3)}. ${replayRandom(seed, i)}`).toBeCloseTo((there - back) / 2, 6);
        expect(delayOf(sample), `${msg}: expected delay there + back = ${(there + back).toFixed(3)}. ${replayRandom(seed, i)}`).toBeCloseTo(there + back, 6);
        expect(Math.abs(error), `${msg}: the error must be at most delay / 2. ${replayRandom(seed, i)}`).toBeLessThanOrEqual(delayOf(sample) / 2 + 1e-6);
      }
    }
  });
});

describe('clock readings as intervals', () => {
  test('is offsetBounds the estimate ± half the delay, and does it contain the true offset? (known exchanges, seeds 1-5)', { meta: { points: 1 } }, () => {
    for (const [name, s, offset, delay] of KNOWN) {
      const b = offsetBounds(s);
      expect(b.earliest, `offsetBounds(${show(s)}) (${name}): expected earliest ${offset} - ${delay}/2`).toBeCloseTo(offset - delay / 2, 9);
      expect(b.latest, `offsetBounds(${show(s)}) (${name}): expected latest ${offset} + ${delay}/2`).toBeCloseTo(offset + delay / 2, 9);
    }
    for (let seed = 1; seed <= 5; seed++) {
      for (let i = 0; i < 40; i++) {
        const { sample, theta } = randomExchange(seed, i);
        const b = offsetBounds(sample);
        expect(b.earliest <= theta + 1e-6 && theta <= b.latest + 1e-6, `seed ${seed}, exchange ${i}: offsetBounds gave ${JSON.stringify(b)}, which misses the true offset ${theta}. ${replayRandom(seed, i)}`).toBe(true);
      }
    }
  });

  test('does clockInterval put the reading in the middle of a 2 × bound interval, and reject a bad bound?', { meta: { points: 1 } }, () => {
    expect(clockInterval(1000, 7), 'clockInterval(1000, 7): expected { earliest: 993, latest: 1007 }').toEqual({ earliest: 993, latest: 1007 });
    expect(clockInterval(-20, 0), 'clockInterval(-20, 0): a perfect clock gives a zero-width interval').toEqual({ earliest: -20, latest: -20 });
    expect(() => clockInterval(1000, -1), 'clockInterval(1000, -1): expected an Error (a negative bound)').toThrow();
    expect(() => clockInterval(1000, NaN), 'clockInterval(1000, NaN): expected an Error (NaN must not slip through)').toThrow();
  });

  test('does commitWaitFor wait until the earliest possible time reaches the timestamp? (known answers)', { meta: { points: 1 } }, () => {
    // Stamped with latest = 1000 + 5 at reading 1000: wait 2 × 5 ms.
    expect(commitWaitFor(1005, 1000, 5), 'commitWaitFor(1005, 1000, 5): stamped with the latest of [995, 1005], expected a wait of 10 ms').toBeCloseTo(10, 9);
    expect(commitWaitFor(1005, 1004, 5), 'commitWaitFor(1005, 1004, 5): 4 ms already passed, expected 6 ms more').toBeCloseTo(6, 9);
    expect(commitWaitFor(1005, 1020, 5), 'commitWaitFor(1005, 1020, 5): the earliest possible time (1015) is already past the timestamp, expected 0').toBe(0);
    expect(commitWaitFor(500, 500, 0), 'commitWaitFor(500, 500, 0): a perfect clock never waits, expected 0').toBe(0);
  });

  test('with commit wait, does a commit that starts after another was acknowledged always get a later timestamp, on skewed clocks? (seeds 1-20)', { meta: { points: 1 } }, () => {
    for (let seed = 1; seed <= 20; seed++) {
      const rng = createRng(seed, 'commit pair');
      const bound = rng.uniform(0.5, 20);
      // Both clocks within the bound of true time, in opposite directions as far as it allows.
      const offA = bound * rng.uniform(0.5, 1);
      const offB = -bound * rng.uniform(0.5, 1);
      const start = rng.uniform(0, 1e5); // true time T1 reaches its commit point on A
      const s1 = clockInterval(start + offA, bound).latest;
      const wait = commitWaitFor(s1, start + offA, bound);
      const acked = start + wait; // true time (A's clock runs at true rate here)
      const gap = rng.uniform(0.1, 5); // the ack travels; the client starts T2 on B
      const s2 = clockInterval(acked + gap + offB, bound).latest;
      const scenario = `seed ${seed}: bound ${bound.toFixed(3)} ms, A's clock ${offA.toFixed(3)} ms fast, B's ${(-offB).toFixed(3)} ms slow, ${gap.toFixed(3)} ms between the ack and T2`;
      expect(wait, `${scenario}: expected a commit wait of 2 × bound = ${(2 * bound).toFixed(3)} ms`).toBeCloseTo(2 * bound, 6);
      expect(s2, `${scenario}: T1 got ${s1.toFixed(3)}, T2 got ${s2.toFixed(3)}; T2 must be later. See ${NB}`).toBeGreaterThan(s1);
    }
  });
});


// ---------------------------------------------------------------------------
// Part 2: the client's filter, graded on accuracy over seeded scenarios.

type Kind = 'calm' | 'asymmetric' | 'liar' | 'mixed';
type Role = 'honest' | 'asymmetric' | 'liar';
type NtpScenario = { logs: ServerLog[]; trueOffset: number; roles: Record<string, Role>; tolerance: number };

/**
 * Servers polled every ~2 s, 8-16 exchanges each. Queueing adds 0-1.5 ms each
 * way, and on a quarter of the trips 5-80 ms more. An asymmetric server's path
 * is 8-40 ms longer one way; a liar's clock is 15-400 ms off (15-40 in 'mixed')
 * and its path is short. Asymmetry and lies lean the same way, so that a
 * majority of answers can be wrong in one direction. Honest servers are always
 * more than half. The tolerance: half the delay of the fastest exchange with
 * an honest server, + 0.25 ms (the interval it gives contains the truth, and
 * an honest consensus can narrow it further).
 */
function ntpScenario(seed: number, kind: Kind): NtpScenario {
  const rng = createRng(seed, `ntp scenario ${kind}`);
  const trueOffset = rng.uniform(-2000, 2000);
  const many = (n: number, r: Role): Role[] => Array.from({ length: n }, () => r);
  const roles: Role[] =
    kind === 'calm'
      ? many(rng.int(3, 5), 'honest')
      : kind === 'asymmetric'
        ? [...many(2, 'honest'), ...many(rng.int(1, 2), 'asymmetric')]
        : kind === 'liar'
          ? [...many(rng.int(3, 4), 'honest'), ...many(rng.int(1, 2), 'liar')]
          : [...many(2, 'honest'), ...many(2, 'asymmetric'), 'liar'];
  const side = rng.chance(0.5) ? 1 : -1;
  const order = roles.map((r) => ({ r, k: rng.next() })).sort((a, b) => a.k - b.k);
  const logs: ServerLog[] = [];
  const byServer: Record<string, Role> = {};
  let fastestHonest = Infinity;
  order.forEach(({ r }, n) => {
    const server = `ntp${n + 1}`;
    byServer[server] = r;
    const base = r === 'liar' ? rng.uniform(0.2, 1) : rng.uniform(0.5, 3);
    const extra = r === 'asymmetric' ? rng.uniform(8, 40) : 0;
    const lie = r === 'liar' ? side * rng.uniform(15, kind === 'mixed' ? 40 : 400) : 0;
    const count = rng.int(8, 16);
    const samples: NtpSample[] = [];
    for (let i = 0; i < count; i++) {
      const queue = (): number => rng.uniform(0, 1.5) + (rng.chance(0.25) ? rng.uniform(5, 80) : 0);
      const there = base + (side > 0 ? extra : 0) + queue();
      const back = base + (side < 0 ? extra : 0) + queue();
      const sentAt = i * 2000 + rng.uniform(0, 100); // true time
      const t1 = sentAt - trueOffset; // the client's clock is trueOffset behind
      const t2 = sentAt + there + lie;
      const t3 = t2 + rng.uniform(0, 0.5);
      const t4 = sentAt + there + (t3 - t2) + back - trueOffset;
      samples.push({ t1, t2, t3, t4 });
      if (r !== 'liar') fastestHonest = Math.min(fastestHonest, t4 - t1 - (t3 - t2));
    }
    logs.push({ server, samples });
  });
  return { logs, trueOffset, roles: byServer, tolerance: fastestHonest / 2 + 0.25 };
}

const SCENARIO_SEEDS = Array.from({ length: 30 }, (_, i) => i + 1);

function gradeFilter(kind: Kind): void {
  const misses: string[] = [];
  for (const seed of SCENARIO_SEEDS) {
    const s = ntpScenario(seed, kind);
    const estimate = estimateOffset(s.logs);
    const error = estimate - s.trueOffset;
    if (typeof estimate === 'number' && Number.isFinite(estimate) && Math.abs(error) <= s.tolerance) continue;
    const cast = Object.entries(s.roles).map(([server, r]) => `${server} ${r}`).join(', ');
    misses.push(
      `seed ${seed}: estimateOffset gave ${estimate}, the true offset is ${s.trueOffset.toFixed(3)} ` +
        `(error ${Number.isFinite(error) ? error.toFixed(3) : error} ms, allowed ±${s.tolerance.toFixed(3)}); servers: ${cast}. ` +
        `Replay: estimateOffset(ntpScenario(${seed}, '${kind}').logs), ntpScenario in test/graders/05-unreliable-clocks.test.ts`,
    );
  }
  expect(misses, `${misses.length} of ${SCENARIO_SEEDS.length} '${kind}' scenarios off by more than allowed; the first:\n${misses[0]}\nSee ${NB}`).toEqual([]);
}

describe('your NTP client filter, on accuracy', () => {
  test("is estimateOffset accurate when every server is honest but exchanges get queued? (kind 'calm', seeds 1-30), and does it refuse a client that heard nothing?", { meta: { points: 2 } }, () => {
    gradeFilter('calm');
    expect(() => estimateOffset([]), 'estimateOffset([]): expected an Error (no exchanges, no estimate)').toThrow();
  });

  test("does it stay accurate when some honest servers sit behind an asymmetric path? (kind 'asymmetric', seeds 1-30)", { meta: { points: 3 } }, () => {
    gradeFilter('asymmetric');
  });

  test("does it reject lying servers, even when they answer fastest? (kind 'liar', seeds 1-30)", { meta: { points: 3 } }, () => {
    gradeFilter('liar');
  });

  test("does it survive a liar and two asymmetric paths that all lean the same way? (kind 'mixed', seeds 1-30)", { meta: { points: 5 } }, () => {
    gradeFilter('mixed');
  });
});
