import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { createClock } from '../../lib/core/clock';
import { bestSample, ntpDelay, ntpOffset, withNtpSync, withTimeServer, type SyncRecord } from '../../lib/models/ntp';
import { ConfigError, createSim, eventsOf } from '../../lib/index';

/** A clock driven by a hand-moved true time. */
function manual(config = {}) {
  let t = 0;
  const clock = createClock(config, () => t);
  return { clock, to: (time: number) => void (t = time) };
}

describe('time-of-day clock', () => {
  test('a perfect clock reads true time', () => {
    const { clock, to } = manual();
    to(1234.5);
    expect(clock.wall()).toBe(1234.5);
    expect(clock.offset()).toBe(0);
  });

  test('offset and drift: +100 ppm gains 100 ms over 1000 s', () => {
    const { clock, to } = manual({ offset: -20, drift: 100 });
    to(1_000_000);
    expect(clock.offset()).toBeCloseTo(-20 + 100, 6);
  });

  test('a step back makes a wall-clock duration negative; the monotonic clock still moves forward', () => {
    const { clock, to } = manual({ monotonicStart: 5000 });
    const wall0 = clock.wall();
    const mono0 = clock.monotonic();
    to(300);
    clock.step(-1000);
    to(500);
    expect(clock.wall() - wall0).toBe(-500);
    expect(clock.monotonic() - mono0).toBe(500);
  });

  test('a slew corrects gradually at the given rate, then stops', () => {
    const { clock, to } = manual();
    clock.slew(10, 500); // 10 ms at 500 µs/s: 20 s
    to(10_000);
    expect(clock.offset()).toBeCloseTo(5, 9);
    expect(clock.pendingSlew()).toBeCloseTo(5, 9);
    to(30_000);
    expect(clock.offset()).toBeCloseTo(10, 9);
    expect(clock.pendingSlew()).toBe(0);
  });

  test('whatever steps happen, the monotonic clock never goes back; between steps and slews the wall clock never jumps', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 1000 }), fc.double({ min: -500, max: 500, noNaN: true }), fc.boolean()), { maxLength: 30 }),
        fc.integer({ min: -500, max: 500 }),
        (ops, drift) => {
          let t = 0;
          const clock = createClock({ drift }, () => t);
          let mono = clock.monotonic();
          for (const [dt, delta, isStep] of ops) {
            const before = clock.wall();
            t += dt;
            const after = clock.wall();
            // Between corrections the clock advances by dt at rate (1 ± drift ± slew), never backwards.
            expect(after - before).toBeGreaterThanOrEqual(dt * (1 - (Math.abs(drift) + 500) / 1e6) - 1e-9);
            expect(clock.monotonic()).toBeGreaterThanOrEqual(mono);
            mono = clock.monotonic();
            if (isStep) clock.step(delta);
            else clock.slew(delta);
          }
        },
      ),
    );
  });

  test('bad settings are rejected with the field and the rule', () => {
    expect(() => createClock({ drift: 1e6 }, () => 0, 'clock')).toThrow(/Too big: expected number to be <=10000 → at clock\.drift/);
    expect(() => createClock({ offset: NaN }, () => 0, 'clock')).toThrow(/received NaN → at clock\.offset/);
    expect(() => createClock({ offset: 0 }, () => 0).step(NaN)).toThrow(/finite/);
  });
});

describe('clocks in the simulation', () => {
  test('nodes get their own clocks; steps, slews and strobes are traced', () => {
    const sim = createSim({ seed: 1 });
    sim.addNode('a', () => {}, { clock: { offset: 50, drift: 200 } });
    sim.addNode('b', () => {});
    sim.nemesis([
      { at: 1000, fault: 'clock-step', node: 'a', delta: -300 },
      { at: 2000, fault: 'clock-strobe', node: 'b', delta: 100, period: 10, count: 2 },
    ]);
    sim.run({ until: 5000 });
    expect(sim.clock('a').offset()).toBeCloseTo(50 + 200 * 5 / 1000 - 300, 6);
    expect(sim.clock('b').offset()).toBeCloseTo(0, 9);
    const changes = eventsOf(sim.trace, 'clock').map((e) => `${e.time} ${e.node} ${e.change}`);
    expect(changes).toEqual(['1000 a step -300 ms', '2000 b step +100 ms', '2010 b step -100 ms', '2020 b step +100 ms', '2030 b step -100 ms']);
  });

  test('an unknown node or a broken clock config is rejected before the run', () => {
    const sim = createSim({ seed: 1 });
    expect(() => sim.addNode('a', () => {}, { clock: { drift: -20_000 } })).toThrow(ConfigError);
    sim.addNode('b', () => {});
    expect(() => sim.nemesis([{ at: 1, fault: 'clock-step', node: 'zz', delta: 5 }])).toThrow(/unknown node 'zz'/);
  });
});

describe('NTP', () => {
  test('offset and delay from four timestamps (known answer)', () => {
    // Client 100 ms behind the server; 10 ms each way; 1 ms of server processing.
    const s = { t1: 1000, t2: 1110, t3: 1111, t4: 1021 };
    expect(ntpOffset(s)).toBe(100);
    expect(ntpDelay(s)).toBe(20);
  });

  test('asymmetric paths bias the offset by half the difference, within half the round trip', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 100, noNaN: true }), fc.double({ min: 0, max: 100, noNaN: true }), fc.double({ min: -1e4, max: 1e4, noNaN: true }), (there, back, theta) => {
        const t1 = 0;
        const s = { t1, t2: t1 + there + theta, t3: t1 + there + theta, t4: t1 + there + back };
        const error = ntpOffset(s) - theta;
        expect(error).toBeCloseTo((there - back) / 2, 6);
        expect(Math.abs(error)).toBeLessThanOrEqual(ntpDelay(s) / 2 + 1e-9);
      }),
    );
  });

  test('the best of several samples is the one with the lowest delay', () => {
    const samples = [
      { t1: 0, t2: 60, t3: 60, t4: 80 },
      { t1: 0, t2: 12, t3: 12, t4: 14 },
      { t1: 0, t2: 30, t3: 30, t4: 90 },
    ];
    expect(bestSample(samples)).toBe(samples[1]);
    expect(() => bestSample([])).toThrow(/no samples/);
  });

  test('a drifting client synced every 16 s stays within the error bound of true time', () => {
    const sim = createSim({ seed: 3, network: { latency: { kind: 'uniform', min: 1, max: 5 } } });
    const log: SyncRecord[] = [];
    sim.addNode('time', withTimeServer());
    sim.addNode('client', withNtpSync(() => {}, { server: 'time', interval: 16_000 }, log), { clock: { offset: 400, drift: 150 } });
    sim.run({ until: 600_000 });
    expect(log[0]!.action).toBe('step'); // 400 ms is past the 128 ms step threshold
    // Afterwards: each correction is small, and the clock stays within ~5 ms of true time.
    for (const r of log.slice(1)) expect(Math.abs(r.offset)).toBeLessThan(10);
    expect(Math.abs(sim.clock('client').offset())).toBeLessThan(5);
    expect(log.every((r) => r.replies === 4)).toBe(true);
  });

  test('an NTP config that makes rounds overlap is rejected', () => {
    expect(() => withNtpSync(() => {}, { server: 's', interval: 100, timeout: 500 })).toThrow(/timeout must be shorter than interval \(rounds would overlap\) → at ntp\.timeout/);
  });
});
