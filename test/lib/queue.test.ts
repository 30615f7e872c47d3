import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ConfigError, createSim } from '../../lib/index';
import { createPort, mm1, mm1kDropProbability, runPath, runQueue, type PortTiming } from '../../lib/models/queue';

/** Offer packets (at times, of sizes) to one port and record what happened to each. */
function throughPort(capacity: number, rate: number, packets: Array<[number, number]>) {
  const sim = createSim({ seed: 1, trace: false });
  const departed: Array<{ n: number } & PortTiming> = [];
  const refused: number[] = [];
  const port = createPort<number>(sim, { capacity, rate }, (n, t) => departed.push({ n, ...t }), (n) => refused.push(n));
  let maxLength = 0;
  packets.forEach(([at, size], n) =>
    sim.at(at, () => {
      port.send(n, size);
      maxLength = Math.max(maxLength, port.length);
    }),
  );
  sim.run();
  return { departed, refused, port, maxLength };
}

describe('a drop-tail port', () => {
  test('a burst into a port of capacity 2: two go through one after the other, the rest are dropped', () => {
    const { departed, refused } = throughPort(2, 1000, [
      [0, 2000],
      [0, 2000],
      [0, 2000],
      [1, 2000],
      [5, 1000],
    ]);
    expect(departed).toEqual([
      { n: 0, arrived: 0, start: 0, departed: 2 },
      { n: 1, arrived: 0, start: 2, departed: 4 },
      { n: 4, arrived: 5, start: 5, departed: 6 },
    ]);
    expect(refused).toEqual([2, 3]);
  });

  test('backlog counts the bytes still to send, including what is left of the packet on the wire', () => {
    const sim = createSim({ seed: 1, trace: false });
    const port = createPort<number>(sim, { capacity: 10, rate: 100 }, () => {});
    const seen: number[] = [];
    sim.at(0, () => (port.send(1, 300), port.send(2, 200)));
    sim.at(1, () => seen.push(port.backlog, port.length));
    sim.at(4, () => seen.push(port.backlog, port.length));
    sim.run();
    expect(seen).toEqual([400, 2, 100, 1]);
    expect(port.backlog).toBe(0);
  });

  test('property: FIFO, one packet on the wire at a time for size/rate ms, never over capacity, nothing lost', () => {
    const packets = fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 1, max: 5000 })), { maxLength: 60 });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 100, max: 3000 }), packets, (capacity, rate, raw) => {
        const sorted = [...raw].sort((a, b) => a[0] - b[0]);
        const { departed, refused, port, maxLength } = throughPort(capacity, rate, sorted);
        expect(departed.length + refused.length).toBe(sorted.length);
        expect(port.sent).toBe(departed.length);
        expect(port.dropped).toBe(refused.length);
        expect(maxLength).toBeLessThanOrEqual(capacity);
        for (let i = 0; i < departed.length; i++) {
          const d = departed[i]!;
          expect(d.start).toBeGreaterThanOrEqual(d.arrived);
          expect(d.departed - d.start).toBeCloseTo(sorted[d.n]![1] / rate, 9);
          if (i > 0) {
            expect(d.n).toBeGreaterThan(departed[i - 1]!.n);
            expect(d.start).toBeGreaterThanOrEqual(departed[i - 1]!.departed - 1e-9);
          }
        }
      }),
      { numRuns: 100 },
    );
  });

  test('a bad port config or packet size is refused up front', () => {
    const sim = createSim({ seed: 1 });
    expect(() => createPort(sim, { capacity: 0, rate: 1 }, () => {})).toThrow(ConfigError);
    expect(() => createPort(sim, { capacity: 1, rate: NaN }, () => {})).toThrow(/port\.rate/);
    const port = createPort(sim, { capacity: 1, rate: 1 }, () => {});
    expect(() => port.send('x', NaN)).toThrow(/size/);
  });
});

describe('queueing theory', () => {
  test('M/M/1 formulas', () => {
    const m = mm1(0.8, 1);
    expect(m.meanTimeInSystem).toBeCloseTo(5, 12);
    expect(m.meanWait).toBeCloseTo(4, 12);
    expect(m.p99TimeInSystem).toBeCloseTo(Math.log(100) * 5, 12);
    expect(mm1(1, 1).meanTimeInSystem).toBe(Infinity);
  });

  test('M/M/1/K: 1/(K+1) at ρ = 1, falls with K below ρ = 1, tends to 1 − 1/ρ above it', () => {
    expect(mm1kDropProbability(1, 9)).toBeCloseTo(0.1, 12);
    expect(mm1kDropProbability(2, 200)).toBeCloseTo(0.5, 9);
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 5, noNaN: true }), fc.integer({ min: 1, max: 500 }), (rho, k) => {
        const p = mm1kDropProbability(rho, k);
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThanOrEqual(1);
        expect(mm1kDropProbability(rho, k + 1)).toBeLessThanOrEqual(p + 1e-12);
        if (rho > 1) expect(p).toBeGreaterThanOrEqual(1 - 1 / rho - 1e-12);
      }),
    );
  });
});

describe('the queue experiment', () => {
  test('agrees with M/M/1 at moderate load, and with M/M/1/K with a small buffer', () => {
    const r = runQueue({ seed: 3, utilization: 0.6, packets: 100_000 });
    const theory = mm1(r.arrivalRate, r.serviceRate);
    expect(r.dropped).toBe(0);
    expect(Math.abs(r.meanLatency - theory.meanTimeInSystem) / theory.meanTimeInSystem).toBeLessThan(0.05);
    expect(Math.abs(r.meanTransmission - 1)).toBeLessThan(0.03);
    const small = runQueue({ seed: 3, utilization: 0.9, packets: 100_000, capacity: 8 });
    const p = mm1kDropProbability(0.9, 8);
    expect(Math.abs(small.dropRate - p) / p).toBeLessThan(0.1);
    expect(small.sent + small.dropped).toBe(100_000);
  });

  test('latency grows with utilization, and the same seed gives the same run', () => {
    const means = [0.3, 0.6, 0.9].map((u) => runQueue({ seed: 5, utilization: u, packets: 20_000 }).meanLatency);
    expect(means[0]!).toBeLessThan(means[1]!);
    expect(means[1]!).toBeLessThan(means[2]!);
    expect(runQueue({ seed: 5, utilization: 0.7, packets: 5000 })).toEqual(runQueue({ seed: 5, utilization: 0.7, packets: 5000 }));
  });

  test('bad experiment configs fail with the path of the field', () => {
    expect(() => runQueue({ seed: 1, utilization: 0, packets: 10 })).toThrow(/experiment\.utilization/);
    expect(() => runQueue({ seed: 1, utilization: 0.5, packets: 1.5 })).toThrow(/experiment\.packets/);
    expect(() => runQueue({ seed: 1, utilization: 0.5, packets: 10, capacity: 0 })).toThrow(ConfigError);
  });
});

describe('a path of queues', () => {
  const stages = (cross: number) => [
    { name: 'sender', rate: 15_000 },
    { name: 'switch', rate: 1500, crossTraffic: cross },
    { name: 'receiver', rate: 3000 },
  ];

  test('one stage with no cross traffic is an M/M/1 queue', () => {
    const r = runPath({ seed: 2, flowRate: 0.5, packets: 50_000, stages: [{ name: 'only', rate: 1500 }] });
    expect(r.propagation).toBe(0);
    expect(Math.abs(r.meanLatency - 2) / 2).toBeLessThan(0.06);
  });

  test('every latency covers the propagation; cross traffic at the switch adds waiting there, not elsewhere', () => {
    const quiet = runPath({ seed: 2, flowRate: 0.1, packets: 10_000, stages: stages(0), propagation: 0.5 });
    const busy = runPath({ seed: 2, flowRate: 0.1, packets: 10_000, stages: stages(0.8), propagation: 0.5 });
    expect(quiet.propagation).toBe(1);
    expect(Math.min(...quiet.latencies)).toBeGreaterThanOrEqual(1);
    expect(busy.stages[1]!.utilization).toBeCloseTo(0.9, 9);
    expect(busy.stages[1]!.meanWait).toBeGreaterThan(5 * quiet.stages[1]!.meanWait);
    expect(busy.stages[0]!.meanWait).toBeCloseTo(quiet.stages[0]!.meanWait, 6); // the sender's queue does not see the switch's traffic
    const parts = busy.stages.reduce((a, s) => a + s.meanWait + s.meanTransmission, busy.propagation);
    expect(parts).toBeCloseTo(busy.meanLatency, 6);
  });
});
