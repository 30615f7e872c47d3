import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { ConfigError, createRng, createSim, eventsOf, pauseSchedule, type NemesisInput } from '../../lib/index';
import {
  fixedTimeoutDetector,
  heartbeatSender,
  measure,
  monitor,
  recordHeartbeats,
  replay,
  type Detector,
} from '../../lib/models/detector';
import { phiAccrualDetector } from '../../lib/models/phi';

/** 'server' beats every 100 ms to 'monitor', which runs `detector`; `nemesis` on top. */
function live(seed: number, detector: () => Detector, nemesis: NemesisInput, until: number, network = {}) {
  const sim = createSim({ seed, network });
  const mon = monitor({ watch: 'server' }, detector);
  sim.addNode('monitor', mon.program);
  sim.addNode('server', heartbeatSender({ to: 'monitor', interval: 100 }));
  sim.nemesis(nemesis);
  sim.run({ until });
  return { sim, log: mon.log };
}

describe('fixedTimeoutDetector', () => {
  test('suspects exactly when the silence since the latest heartbeat reaches the timeout', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 0, max: 20_000 }),
        (timeout, beats, now) => {
          const d = fixedTimeoutDetector({ timeout });
          beats.forEach((b) => d.heartbeat(b));
          const last = Math.max(...beats);
          expect(d.suspect(now)).toBe(now - last >= timeout);
        },
      ),
    );
  });

  test('does not suspect before the first heartbeat', () => {
    expect(fixedTimeoutDetector({ timeout: 1 }).suspect(1e9)).toBe(false);
  });

  test('rejects a timeout that is not a positive number, naming the field', () => {
    expect(() => fixedTimeoutDetector({ timeout: 0 })).toThrow(ConfigError);
    expect(() => fixedTimeoutDetector({ timeout: NaN })).toThrow(/detector\.timeout/);
  });
});

describe('heartbeats and the monitor', () => {
  test('the sender beats every interval, and a pause holds its beats back', () => {
    const { log } = live(1, () => fixedTimeoutDetector({ timeout: 300 }), [{ at: 1000, fault: 'pause', node: 'server', for: 450 }], 2000, {
      latency: 1,
    });
    const gaps = log.arrivals.slice(1).map((a, i) => a - log.arrivals[i]!);
    expect(Math.max(...gaps)).toBeGreaterThan(450);
    // One long gap (the held beat goes out at resume), then the rhythm restarts from there.
    expect(gaps.filter((g) => Math.abs(g - 100) > 1e-9).length).toBe(1);
  });

  test('a pause longer than the timeout is a false suspicion, noted in the trace, then trusted again', () => {
    const { sim, log } = live(2, () => fixedTimeoutDetector({ timeout: 300 }), [{ at: 1000, fault: 'pause', node: 'server', for: 600 }], 3000);
    expect(log.transitions.map((t) => t.suspected)).toEqual([true, false]);
    const [s, t] = log.transitions;
    expect(s!.time).toBeGreaterThan(1000);
    expect(s!.time).toBeLessThan(1600);
    expect(t!.time).toBeGreaterThanOrEqual(1600);
    const notes = eventsOf(sim.trace, 'note').map((n) => `${n.node}: ${n.text}`);
    expect(notes).toEqual(['monitor: suspect server', 'monitor: trust server']);
    expect(measure(log.transitions, { until: 3000 })).toMatchObject({ falseSuspicions: 1, detectionTime: null });
  });

  test('a crash is detected within timeout + interval + check period, and stays detected', () => {
    for (const seed of [1, 2, 3, 4]) {
      const { log } = live(seed, () => fixedTimeoutDetector({ timeout: 250 }), [{ at: 5003, fault: 'crash', node: 'server' }], 8000);
      const f = measure(log.transitions, { crashAt: 5003, until: 8000 });
      expect(f.falseSuspicions).toBe(0);
      expect(f.detectionTime).not.toBeNull();
      expect(f.detectionTime!).toBeLessThanOrEqual(250 + 10 + 20); // last beat was ≤ 100 ms before, latency ≈ 2 ms
      expect(f.detectionTime!).toBeGreaterThanOrEqual(250 - 100);
    }
  });

  test('a monitor timing heartbeats with the wall clock suspects a live node when its clock is stepped; the monotonic one does not', () => {
    const run = (clock: 'wall' | 'monotonic') => {
      const sim = createSim({ seed: 1 });
      const mon = monitor({ watch: 'server', clock }, () => fixedTimeoutDetector({ timeout: 300 }));
      sim.addNode('monitor', mon.program);
      sim.addNode('server', heartbeatSender({ to: 'monitor' }));
      sim.nemesis([{ at: 1000, fault: 'clock-step', node: 'monitor', delta: 5000 }]);
      sim.run({ until: 2000 });
      return measure(mon.log.transitions, { until: 2000 }).falseSuspicions;
    };
    expect(run('wall')).toBe(1);
    expect(run('monotonic')).toBe(0);
  });

  test('rejects a bad monitor config with the path of the field', () => {
    expect(() => monitor({ watch: 'server', checkEvery: -1 })).toThrow(/monitor\.checkEvery/);
    expect(() => heartbeatSender({ to: '' })).toThrow(ConfigError);
  });
});

describe('replay', () => {
  test('gives the same transitions as the live monitor, for timeouts and phi, under pauses and a crash', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 120, max: 700 }), (seed, timeout) => {
        const pauses = pauseSchedule(createRng(seed), {
          nodes: ['server'],
          gap: { kind: 'exponential', mean: 3000 },
          length: { kind: 'uniform', min: 50, max: 600 },
          minLength: 1,
          until: 15_000,
        });
        const nemesis: NemesisInput = [...pauses, { at: 15_000, fault: 'crash', node: 'server' }];
        const network = { latency: { kind: 'pareto', scale: 1, shape: 1.5 } } as const;
        for (const make of [() => fixedTimeoutDetector({ timeout }), () => phiAccrualDetector({ threshold: timeout / 100 })]) {
          const { log } = live(seed, make, nemesis, 20_000, network);
          expect(replay(make(), log.arrivals, { until: 20_000 })).toEqual(log.transitions);
        }
      }),
      { numRuns: 15 },
    );
  });

  test('rejects unsorted arrivals', () => {
    expect(() => replay(fixedTimeoutDetector({ timeout: 100 }), [10, 5], { until: 100 })).toThrow(/sorted/);
  });
});

describe('measure', () => {
  test('counts suspicions of a live node as false, and the lasting one after a crash as detection', () => {
    const transitions = [
      { time: 100, suspected: true },
      { time: 150, suspected: false },
      { time: 900, suspected: true }, // before the crash: false, and it lasts through it
      { time: 950, suspected: false },
      { time: 1200, suspected: true }, // after the crash, retracted by a late heartbeat
      { time: 1210, suspected: false },
      { time: 1400, suspected: true },
    ];
    expect(measure(transitions, { crashAt: 1000, until: 2000 })).toEqual({
      falseSuspicions: 2,
      falselySuspectedMs: 100,
      upMs: 1000,
      falseSuspicionsPerHour: 7200,
      detectionTime: 400,
    });
    expect(measure(transitions.slice(0, 6), { crashAt: 1000, until: 2000 }).detectionTime).toBeNull();
    expect(measure(transitions, { from: 500, until: 1000 })).toMatchObject({ falseSuspicions: 1, falselySuspectedMs: 50, upMs: 500 });
  });

  test('rejects a window that ends before it starts', () => {
    expect(() => measure([], { from: 10, until: 5 })).toThrow(/measure\.until/);
  });
});

describe('recordHeartbeats', () => {
  const config = {
    seed: 9,
    network: { latency: { kind: 'pareto', scale: 1, shape: 1.8 } },
    pauses: { every: { kind: 'exponential', mean: 2000 }, duration: { kind: 'uniform', min: 50, max: 500 } },
    crashAt: 30_000,
    until: 35_000,
  } as const;

  test('is deterministic: same seed, same arrivals and pauses', () => {
    expect(recordHeartbeats(config)).toEqual(recordHeartbeats(config));
    expect(recordHeartbeats({ ...config, seed: 10 }).arrivals).not.toEqual(recordHeartbeats(config).arrivals);
  });

  test('pauses are seeded, within bounds, never overlapping, and stop at the crash', () => {
    const run = recordHeartbeats(config);
    expect(run.pauses.length).toBeGreaterThan(5);
    run.pauses.forEach((p, i) => {
      expect(p.for).toBeGreaterThanOrEqual(50);
      expect(p.for).toBeLessThanOrEqual(500);
      expect(p.at).toBeLessThan(30_000);
      if (i > 0) expect(p.at).toBeGreaterThanOrEqual(run.pauses[i - 1]!.at + run.pauses[i - 1]!.for);
    });
    const afterCrash = run.arrivals.filter((a) => a > 30_000);
    expect(afterCrash.length).toBeLessThanOrEqual(1); // at most a beat in flight
  });

  test('rejects a bad run config with the path of the field', () => {
    expect(() => recordHeartbeats({ seed: 1, until: 0 })).toThrow(/run\.until/);
    expect(() => recordHeartbeats({ seed: 1, until: 10, pauses: { every: { kind: 'exponential', mean: 0 }, duration: 10 } })).toThrow(/run\.pauses\.every/);
  });
});
