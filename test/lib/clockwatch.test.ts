import { describe, expect, test } from 'vitest';
import { offsetSeries, probeNtp, watchOffsets } from '../../lib/models/clockwatch';
import { createSim, ntpDelay, ntpOffset } from '../../lib/index';

describe('watching offsets', () => {
  test('samples every node at each step; a drifting clock moves linearly', () => {
    const sim = createSim({ seed: 1, trace: false });
    sim.addNode('a', () => {}, { clock: { offset: 10, drift: 100 } });
    sim.addNode('b', () => {});
    const samples = watchOffsets(sim, ['a', 'b'], 60_000, 600_000);
    sim.run({ until: 600_000 });
    expect(samples).toHaveLength(22);
    const a = offsetSeries(samples, 'a');
    expect(a.x).toEqual(Array.from({ length: 11 }, (_, i) => i * 60_000));
    a.y.forEach((y, i) => expect(y).toBeCloseTo(10 + 6 * i, 9)); // 100 ppm of 60 s = 6 ms
    expect(offsetSeries(samples, 'b').y.every((y) => y === 0)).toBe(true);
    expect(() => watchOffsets(sim, ['zz'], 1, 700_000)).toThrow(/unknown node 'zz'/);
  });
});

describe('NTP probes', () => {
  test('the estimate misses the true offset by exactly (there - back) / 2', () => {
    const probes = probeNtp({ seed: 2, count: 10, there: { kind: 'uniform', min: 5, max: 15 }, back: 1, client: { offset: -80, drift: 50 } });
    expect(probes).toHaveLength(10);
    for (const p of probes) {
      // Exact but for the drift: the client measures its round trip on a clock 50 ppm fast.
      expect(ntpOffset(p.sample) - p.trueOffset).toBeCloseTo((p.there - p.back) / 2, 3);
      expect(ntpDelay(p.sample)).toBeCloseTo((p.there + p.back) * (1 + 50e-6), 3);
    }
  });

  test('same seed, same probes; bad settings rejected', () => {
    expect(probeNtp({ seed: 9, count: 3 })).toEqual(probeNtp({ seed: 9, count: 3 }));
    expect(() => probeNtp({ seed: 1, count: 0 })).toThrow(/probe\.count/);
  });
});
