// Grader for exercises/03-detecting-faults.ts. Run: npm run grade -- --only 03-detecting-faults
import { describe, expect, test } from 'vitest';
import { createRng, createSim } from '../../lib/index';
import { heartbeatSender, measure, monitor, type Detector } from '../../lib/models/detector';
import { createFixedTimeout, createPhiAccrual, phiOf, type PhiOptions } from '@target/03-detecting-faults';

const NB = 'in notebooks/03-detecting-faults.ipynb';

/**
 * The grader's own phi, written from the formula (Akka's two branches):
 * the expected values below do not come from the code under test.
 */
function expectedPhi(elapsed: number, mean: number, sd: number): number {
  const y = (elapsed - mean) / sd;
  const e = Math.exp(-y * (1.5976 + 0.070566 * y * y));
  return elapsed > mean ? -Math.log10(e / (1 + e)) : -Math.log10(1 - 1 / (1 + e));
}

/** Known windows: mean and population sd worked out by hand. */
const WINDOWS: Array<{ name: string; intervals: number[]; mean: number; sd: number }> = [
  { name: '[90, 110, 90, 110]', intervals: [90, 110, 90, 110], mean: 100, sd: 10 },
  { name: '[100, 100, 100]', intervals: [100, 100, 100], mean: 100, sd: 0 },
  { name: '[50, 150]', intervals: [50, 150], mean: 100, sd: 50 },
  { name: '[200, 240, 160, 200]', intervals: [200, 240, 160, 200], mean: 200, sd: Math.sqrt(800) },
];

const PHI_OPTIONS: PhiOptions = { threshold: 8, windowSize: 1000, minStdDev: 10, acceptablePause: 0, firstHeartbeatEstimate: 100 };

/**
 * One sender ('server', a heartbeat every 100 ms) and one 'monitor' running
 * `detector`, on a jittery network (latency uniform 1–50 ms): two minutes of
 * a live node, then a crash.
 */
function jitterRun(seed: number, detector: () => Detector) {
  const crashAt = 120_000 + 37 * seed;
  const until = crashAt + 5_000;
  const sim = createSim({ seed, network: { latency: { kind: 'uniform', min: 1, max: 50 } }, trace: false });
  const mon = monitor({ watch: 'server', checkEvery: 10 }, detector);
  sim.addNode('monitor', mon.program);
  sim.addNode('server', heartbeatSender({ to: 'monitor', interval: 100 }));
  sim.nemesis([{ at: crashAt, fault: 'crash', node: 'server' }]);
  sim.run({ until });
  return { crashAt, findings: measure(mon.log.transitions, { crashAt, until }) };
}

describe('createFixedTimeout', () => {
  test('does the fixed timeout suspect from exactly `timeout` ms of silence, and not before any heartbeat? (no randomness)', { meta: { points: 1 } }, () => {
    const d = createFixedTimeout(300);
    expect(d.suspect(10_000), 'createFixedTimeout(300) with no heartbeat yet: suspect(10000) should be false (no information)').toBe(false);
    d.heartbeat(1000);
    const cases: Array<[number, boolean]> = [[1000, false], [1299, false], [1299.9, false], [1300, true], [5000, true]];
    for (const [now, want] of cases) {
      expect(d.suspect(now), `createFixedTimeout(300), heartbeat(1000): suspect(${now}) should be ${want} (suspect iff now - last >= timeout)`).toBe(want);
    }
    d.heartbeat(1250);
    expect(d.suspect(1400), 'createFixedTimeout(300), heartbeats at 1000 and 1250: suspect(1400) should be false (the latest heartbeat counts)').toBe(false);
    expect(d.suspect(1550), 'createFixedTimeout(300), heartbeats at 1000 and 1250: suspect(1550) should be true').toBe(true);
  });

  test('under jitter, is a live node never suspected and a crash detected within 260 ms? (timeout 200, seeds 1-3)', { meta: { points: 2 } }, () => {
    for (const seed of [1, 2, 3]) {
      const { crashAt, findings } = jitterRun(seed, () => createFixedTimeout(200));
      const how = `seed ${seed}: heartbeats every 100 ms, latency uniform 1-50 ms, createFixedTimeout(200), checks every 10 ms, crash at t=${crashAt}. Reproduce with heartbeatSender + monitor ${NB}.`;
      expect(findings.falseSuspicions, `${how}\nExpected no false suspicion (the longest gap is < 150 ms); got ${findings.falseSuspicions}`).toBe(0);
      expect(findings.detectionTime, `${how}\nExpected the crash to be detected; it never was`).not.toBeNull();
      expect(findings.detectionTime!, `${how}\nExpected detection within 260 ms (last heartbeat + 200 ms + a check); took ${findings.detectionTime} ms`).toBeLessThanOrEqual(260);
    }
  });
});

describe('phiOf', () => {
  test('does phi match the formula on windows with known mean and sd? (fixed series, no randomness)', { meta: { points: 3 } }, () => {
    for (const w of WINDOWS) {
      for (const model of [{ minStdDev: 1, acceptablePause: 0 }, { minStdDev: 20, acceptablePause: 0 }, { minStdDev: 1, acceptablePause: 50 }]) {
        const mean = w.mean + model.acceptablePause;
        const sd = Math.max(w.sd, model.minStdDev);
        for (const elapsed of [0, 50, 100, 110, 125, 150, 200, 260]) {
          const want = expectedPhi(elapsed, mean, sd);
          if (!Number.isFinite(want) || want > 300) continue; // beyond what the contract asks
          const got = phiOf(elapsed, w.intervals, model);
          expect(
            Math.abs(got - want),
            `phiOf(${elapsed}, ${w.name}, ${JSON.stringify(model)}): expected ${want.toFixed(6)} (mean ${mean}, sd ${sd.toFixed(3)}), got ${got}`,
          ).toBeLessThan(1e-4 * Math.max(1, want));
        }
      }
    }
  });

  test('is phi 0 for an empty window, and finite at y = 20 and y = -100? (no randomness)', { meta: { points: 1 } }, () => {
    expect(phiOf(5000, [], { minStdDev: 10, acceptablePause: 0 }), 'phiOf(5000, [], ...): an empty window should give 0').toBe(0);
    const far = phiOf(300, [90, 110, 90, 110], { minStdDev: 10, acceptablePause: 0 }); // y = 20
    const want = expectedPhi(300, 100, 10);
    expect(Number.isFinite(far) && Math.abs(far - want) < 1e-3 * want, `phiOf(300, [90, 110, 90, 110], { minStdDev: 10, acceptablePause: 0 }) (y = 20): expected ${want.toFixed(3)}, got ${far}`).toBe(true);
    const early = phiOf(0, [90, 110, 90, 110], { minStdDev: 10, acceptablePause: 900 }); // y = -100
    expect(Number.isFinite(early) && early >= 0 && early < 1e-6, `phiOf(0, [90, 110, 90, 110], { minStdDev: 10, acceptablePause: 900 }) (y = -100): expected ≈ 0, got ${early}`).toBe(true);
  });
});

describe('createPhiAccrual', () => {
  test('after a single heartbeat, does phi use the bootstrap window [75, 125]? (no randomness)', { meta: { points: 1 } }, () => {
    const d = createPhiAccrual(PHI_OPTIONS);
    expect(d.phi(500), 'createPhiAccrual(...) before any heartbeat: phi(500) should be 0').toBe(0);
    expect(d.suspect(500), 'createPhiAccrual(...) before any heartbeat: suspect(500) should be false').toBe(false);
    d.heartbeat(1000);
    for (const now of [1000, 1100, 1130, 1160]) {
      const want = expectedPhi(now - 1000, 100, 25); // window [75, 125]: mean 100, sd 25
      const got = d.phi(now);
      expect(Math.abs(got - want), `createPhiAccrual(${JSON.stringify(PHI_OPTIONS)}), heartbeat(1000): phi(${now}) expected ${want.toFixed(6)} (window [75, 125]), got ${got}`).toBeLessThan(1e-4 * Math.max(1, want));
    }
    expect(d.suspect(1300), 'one heartbeat at 1000, then silence: suspect(1300) should be true (phi ≈ ' + expectedPhi(300, 100, 25).toFixed(1) + ' ≥ 8)').toBe(true);
  });

  test('does the window keep only the last windowSize intervals? (windowSize 4, no randomness)', { meta: { points: 2 } }, () => {
    const options = { ...PHI_OPTIONS, windowSize: 4, minStdDev: 1 };
    const d = createPhiAccrual(options);
    // Intervals 500, 500, then 90, 110, 90, 110: the window should end as [90, 110, 90, 110].
    const times = [0, 500, 1000, 1090, 1200, 1290, 1400];
    times.forEach((t) => d.heartbeat(t));
    for (const now of [1450, 1500, 1520, 1550]) {
      const want = expectedPhi(now - 1400, 100, 10);
      const got = d.phi(now);
      expect(Math.abs(got - want), `createPhiAccrual(${JSON.stringify(options)}), heartbeats at ${times.join(', ')}: phi(${now}) expected ${want.toFixed(6)} (window [90, 110, 90, 110]), got ${got}`).toBeLessThan(1e-4 * Math.max(1, want));
    }
    expect(d.suspect(1520), `same detector: suspect(1520) should be false (phi ${expectedPhi(120, 100, 10).toFixed(2)} < 8)`).toBe(false);
    expect(d.suspect(1560), `same detector: suspect(1560) should be true (phi ${expectedPhi(160, 100, 10).toFixed(2)} ≥ 8)`).toBe(true);
  });

  test('under jitter, is a live node never suspected and a crash detected within 350 ms? (threshold 8, seeds 1-3)', { meta: { points: 2 } }, () => {
    for (const seed of [1, 2, 3]) {
      const { crashAt, findings } = jitterRun(seed, () => createPhiAccrual(PHI_OPTIONS));
      const how = `seed ${seed}: heartbeats every 100 ms, latency uniform 1-50 ms, createPhiAccrual(${JSON.stringify(PHI_OPTIONS)}), checks every 10 ms, crash at t=${crashAt}. Reproduce with heartbeatSender + monitor ${NB}.`;
      expect(findings.falseSuspicions, `${how}\nExpected no false suspicion; got ${findings.falseSuspicions}`).toBe(0);
      expect(findings.detectionTime, `${how}\nExpected the crash to be detected; it never was`).not.toBeNull();
      expect(findings.detectionTime!, `${how}\nExpected detection within 350 ms; took ${findings.detectionTime} ms`).toBeLessThanOrEqual(350);
    }
  });
});

describe('phi as a false-positive budget', () => {
  test('does a threshold of phi = 1 (or 2) suspect about 10% (or 1%) of the gaps between live heartbeats? (intervals ~ normal(100, 10), seeds 1-3)', { meta: { points: 2 } }, () => {
    // phi = -log10 P(the next heartbeat is still to come). On a live node whose intervals follow the
    // window's distribution, suspecting at phi ≥ T is wrong on a fraction 10^-T of the gaps: the
    // threshold IS the false-positive budget. Measured just before each heartbeat arrives.
    for (const [threshold, lo, hi] of [[1, 0.07, 0.13], [2, 0.005, 0.02]] as const) {
      for (let seed = 1; seed <= 3; seed++) {
        const d = createPhiAccrual({ threshold, windowSize: 1000, minStdDev: 1, acceptablePause: 0, firstHeartbeatEstimate: 100 });
        const rng = createRng(seed, 'phi calibration');
        let t = 0;
        let wrong = 0;
        let judged = 0;
        d.heartbeat(0);
        for (let i = 0; i < 2500; i++) {
          t += Math.max(1, 100 + 10 * rng.gaussian());
          if (i >= 200) {
            judged++;
            if (d.suspect(t - 1e-6)) wrong++;
          }
          d.heartbeat(t);
        }
        const rate = wrong / judged;
        expect(rate >= lo && rate <= hi, `seed ${seed}, threshold ${threshold}, windowSize 1000, minStdDev 1: suspected a live node just before ${(100 * rate).toFixed(2)}% of its heartbeats; expected about ${100 * 10 ** -threshold}% (between ${100 * lo}% and ${100 * hi}%). Reproduce: intervals 100 + 10 · createRng(${seed}, 'phi calibration').gaussian() ${NB}`).toBe(true);
      }
    }
  });
});
