// Grader for exercises/05-unreliable-clocks.ts. Run: npm run grade -- --only 05-unreliable-clocks
import { describe, expect, test } from 'vitest';
import { createRng } from '../../lib/index';
import { probeNtp } from '../../lib/models/clockwatch';
import { bestOf, clockInterval, commitWaitFor, delayOf, offsetBounds, offsetOf, type NtpSample } from '@target/05-unreliable-clocks';

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
  test('does offsetOf give the hand-computed offsets? (4 known exchanges)', { meta: { points: 2 } }, () => {
    for (const [name, s, offset] of KNOWN) {
      expect(offsetOf(s), `offsetOf(${show(s)}) (${name}): expected ${offset} = ((t2 - t1) + (t3 - t4)) / 2`).toBeCloseTo(offset, 9);
    }
  });

  test('does delayOf give the hand-computed round trips? (4 known exchanges)', { meta: { points: 2 } }, () => {
    for (const [name, s, , delay] of KNOWN) {
      expect(delayOf(s), `delayOf(${show(s)}) (${name}): expected ${delay} = (t4 - t1) - (t3 - t2)`).toBeCloseTo(delay, 9);
    }
  });

  test('is the estimate off by exactly (there - back) / 2, and so by at most delay / 2? (seeds 1-5, 40 random exchanges each)', { meta: { points: 2 } }, () => {
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

describe('the best of several samples', () => {
  test('does bestOf return the sample with the lowest delay? (3 hand-made samples, and seeds 1-5)', { meta: { points: 2 } }, () => {
    const samples = [
      { t1: 0, t2: 60, t3: 60, t4: 80 }, // delay 80
      { t1: 100, t2: 112, t3: 113, t4: 115 }, // delay 14
      { t1: 200, t2: 230, t3: 230, t4: 290 }, // delay 90
    ];
    expect(bestOf(samples), `bestOf(${JSON.stringify(samples)}): expected the second sample (delay 14), the object itself`).toBe(samples[1]);
    for (let seed = 1; seed <= 5; seed++) {
      const list = Array.from({ length: 8 }, (_, i) => randomExchange(seed, i).sample);
      const delays = list.map((s) => s.t4 - s.t1 - (s.t3 - s.t2));
      const lowest = delays.indexOf(Math.min(...delays));
      expect(bestOf(list), `seed ${seed}: 8 random exchanges with delays ${delays.map((d) => d.toFixed(2)).join(', ')}: expected sample ${lowest}. ${replayRandom(seed, lowest)}`).toBe(list[lowest]);
    }
  });

  test('does bestOf keep the first of equally good samples, and refuse an empty list?', { meta: { points: 1 } }, () => {
    const a = { t1: 0, t2: 5, t3: 6, t4: 11 }; // delay 10
    const b = { t1: 20, t2: 27, t3: 27, t4: 30 }; // delay 10
    const c = { t1: 40, t2: 60, t3: 60, t4: 90 }; // delay 50
    expect(bestOf([c, a, b]), 'bestOf([c, a, b]) where a and b both have delay 10: expected a, the first of the tie').toBe(a);
    expect(bestOf([c, b, a]), 'bestOf([c, b, a]): expected b, the first of the tie').toBe(b);
    expect(() => bestOf([]), 'bestOf([]): expected an Error (there is no best of nothing)').toThrow();
  });

  test('does the best of 8 exchanges on an asymmetric simulated link land within its own bound of the truth? (seeds 1-5)', { meta: { points: 2 } }, () => {
    for (let seed = 1; seed <= 5; seed++) {
      // 6 ms or more there, 1 ms or more back, with jitter; the client's clock is 250 ms fast.
      const probes = probeNtp({ seed, count: 8, there: { kind: 'lognormal', median: 6, sigma: 0.4 }, back: { kind: 'lognormal', median: 1, sigma: 0.4 } });
      const best = bestOf(probes.map((p) => p.sample));
      const probe = probes.find((p) => p.sample === best)!;
      const scenario = `seed ${seed}, probeNtp({ seed: ${seed}, count: 8, there: lognormal(median 6), back: lognormal(median 1) }) from lib/clockwatch`;
      expect(probe, `${scenario}: bestOf must return one of the samples it was given`).toBeDefined();
      const lowest = Math.min(...probes.map((p) => p.there + p.back));
      expect(probe.there + probe.back, `${scenario}: expected the exchange with the lowest delay (${lowest.toFixed(3)} ms)`).toBeCloseTo(lowest, 6);
      const error = offsetOf(best) - probe.trueOffset;
      expect(error, `${scenario}: the estimate should be off by (there - back) / 2 = ${((probe.there - probe.back) / 2).toFixed(3)} ms`).toBeCloseTo((probe.there - probe.back) / 2, 6);
      const bounds = offsetBounds(best);
      expect(bounds.earliest <= probe.trueOffset + 1e-6 && probe.trueOffset <= bounds.latest + 1e-6, `${scenario}: offsetBounds ${JSON.stringify(bounds)} must contain the true offset ${probe.trueOffset}`).toBe(true);
    }
  });
});

describe('clock readings as intervals', () => {
  test('is offsetBounds the estimate ± half the delay, and does it contain the true offset? (known exchanges, seeds 1-5)', { meta: { points: 2 } }, () => {
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

  test('does commitWaitFor wait until the earliest possible time reaches the timestamp? (known answers)', { meta: { points: 2 } }, () => {
    // Stamped with latest = 1000 + 5 at reading 1000: wait 2 × 5 ms.
    expect(commitWaitFor(1005, 1000, 5), 'commitWaitFor(1005, 1000, 5): stamped with the latest of [995, 1005], expected a wait of 10 ms').toBeCloseTo(10, 9);
    expect(commitWaitFor(1005, 1004, 5), 'commitWaitFor(1005, 1004, 5): 4 ms already passed, expected 6 ms more').toBeCloseTo(6, 9);
    expect(commitWaitFor(1005, 1020, 5), 'commitWaitFor(1005, 1020, 5): the earliest possible time (1015) is already past the timestamp, expected 0').toBe(0);
    expect(commitWaitFor(500, 500, 0), 'commitWaitFor(500, 500, 0): a perfect clock never waits, expected 0').toBe(0);
  });

  test('with commit wait, does a commit that starts after another was acknowledged always get a later timestamp, on skewed clocks? (seeds 1-20)', { meta: { points: 2 } }, () => {
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
