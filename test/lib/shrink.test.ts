import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { Verdict } from '../../lib/checking/checkers';
import { ConfigError } from '../../lib/core/config';
import { NemesisSchema, type Fault } from '../../lib/core/nemesis';
import { createRng, type Seed } from '../../lib/core/random';
import { formatReplay, randomFaults, shrink, type Scenario } from '../../lib/checking/shrink';
import { createSim } from '../../lib/core/sim';
import { eventsOf, type TraceEvent } from '../../lib/core/trace';

const NODES = ['a', 'b', 'c'];

/** Three idle nodes under the schedule; the trace shows only the faults. */
const idle: Scenario = (seed: Seed, schedule: Fault[], until: number) => {
  const sim = createSim({ seed });
  for (const n of NODES) sim.addNode(n, () => {});
  sim.nemesis(schedule);
  sim.run({ until });
  return sim.trace;
};

/** Fails on the first crash of b. */
const bNeverCrashes = (trace: readonly TraceEvent[]): Verdict => {
  const crash = eventsOf(trace, 'crash').find((e) => e.node === 'b');
  return crash ? { ok: false, property: 'bNeverCrashes', message: `b crashed at t=${crash.time}`, events: [crash] } : { ok: true, property: 'bNeverCrashes' };
};

describe('shrink', () => {
  test('does a random schedule that crashes b shrink to one crash of b, with the run cut just after it?', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), (seed) => {
        const schedule = [...randomFaults(createRng(seed, 'faults'), { nodes: NODES, until: 1000, count: 10 }), { at: 500, fault: 'crash' as const, node: 'b' }];
        const r = shrink(idle, bNeverCrashes, { seed, schedule, until: 2000 });
        expect(r.schedule).toHaveLength(1);
        expect(r.schedule[0]).toMatchObject({ fault: 'crash', node: 'b' });
        expect(r.until).toBe(Math.ceil(r.schedule[0]!.at));
        expect(r.verdict.ok).toBe(false);
        // The recipe replays, and is 1-minimal: without its fault the run passes.
        expect(bNeverCrashes(idle(seed, r.schedule, r.until)).ok).toBe(false);
        expect(bNeverCrashes(idle(seed, [], r.until)).ok).toBe(true);
      }),
      { numRuns: 25 },
    );
  });

  test('does dropping a crash drop the restart that undoes it, so no candidate restarts a running node?', () => {
    const schedule: Fault[] = [
      { at: 10, fault: 'crash', node: 'a' },
      { at: 20, fault: 'restart', node: 'a' },
      { at: 30, fault: 'crash', node: 'b' },
    ];
    const r = shrink(idle, bNeverCrashes, { seed: 1, schedule, until: 100 });
    expect(r.schedule).toEqual([{ at: 30, fault: 'crash', node: 'b' }]);
    expect(r.steps[0]).toEqual({ action: 'drop', faults: schedule.slice(0, 2), remaining: 1 });
  });

  test('does it halve the run while it still fails, down to minUntil?', () => {
    // Fails as long as the run lasts at least 1 ms: every halving is accepted.
    const alwaysFails = (): Verdict => ({ ok: false, property: 'p', message: 'm', events: [] });
    const r = shrink(idle, alwaysFails, { seed: 1, schedule: [], until: 1024, minUntil: 100 });
    expect(r.until).toBe(128);
    expect(r.steps.map((s) => s.action)).toEqual(['halve', 'halve', 'halve']);
  });

  test('does it refuse a run that does not fail, and stop at maxRuns?', () => {
    expect(() => shrink(idle, bNeverCrashes, { seed: 1, schedule: [], until: 100 })).toThrow(/nothing to shrink: with seed=1/);
    const schedule = randomFaults(createRng(3), { nodes: NODES, until: 1000, count: 20 }).concat([{ at: 999, fault: 'crash', node: 'b' }]);
    const r = shrink(idle, bNeverCrashes, { seed: 3, schedule, until: 2000, maxRuns: 5 });
    expect(r.runs).toBe(5);
    expect(r.verdict.ok).toBe(false);
  });

  test('does formatReplay open with the replay line and print a schedule that parses back?', () => {
    const schedule: Fault[] = [
      { at: 5, fault: 'pause', node: 'a', for: 10 },
      { at: 30, fault: 'crash', node: 'b' },
    ];
    const r = shrink(idle, bNeverCrashes, { seed: 42, schedule, until: 100 });
    const text = formatReplay(r);
    expect(text.split('\n')[0]).toMatch(/^reproduce with seed=42 until=30 and this schedule \(1 of 2 faults, run 30 of 100 ms, found in \d+ runs\):$/);
    const json = text.slice(text.indexOf('['), text.indexOf(']') + 1);
    expect(NemesisSchema.parse(JSON.parse(json))).toEqual(r.schedule);
    expect(text).toMatch(/✗ bNeverCrashes: b crashed at t=30/);
  });

  test('are bad options rejected up front with the path?', () => {
    expect(() => shrink(idle, bNeverCrashes, { seed: 1, schedule: [{ at: -1, fault: 'heal' }], until: 0 })).toThrow(ConfigError);
    expect(() => shrink(idle, bNeverCrashes, { seed: 1, schedule: [], until: 0 })).toThrow(/shrink\.until/);
  });
});

describe('randomFaults', () => {
  test('is a schedule valid, sorted, inside its window, the same for the same rng, with every crash followed by its restart?', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 0, max: 30 }), (seed, count) => {
        const cfg = { nodes: NODES, from: 100, until: 900, count };
        const s = randomFaults(createRng(seed), cfg);
        expect(randomFaults(createRng(seed), cfg)).toEqual(s);
        expect(NemesisSchema.parse(s)).toEqual(s);
        expect(s.map((f) => f.at)).toEqual([...s.map((f) => f.at)].sort((x, y) => x - y));
        const starts = s.filter((f) => f.fault !== 'restart' && f.fault !== 'heal');
        expect(starts).toHaveLength(count);
        for (const f of starts) expect(f.at >= 100 && f.at < 900).toBe(true);
        s.forEach((f, i) => {
          if (f.fault === 'crash') expect(s.slice(i + 1).some((g) => g.fault === 'restart' && g.node === f.node)).toBe(true);
          if (f.fault === 'partition') expect(f.groups[0]!.length).toBeGreaterThan(0);
          if (f.fault === 'partition') expect(f.groups[0]!.length).toBeLessThan(NODES.length);
        });
        // It runs: no fault names an unknown node or restarts a running one.
        idle(seed, s, 2000);
      }),
      { numRuns: 40 },
    );
  });

  test('are bad settings rejected with the path?', () => {
    expect(() => randomFaults(createRng(1), { nodes: ['a'], until: 10 })).toThrow(/faults\.nodes/);
    expect(() => randomFaults(createRng(1), { nodes: NODES, from: 50, until: 10 })).toThrow(/until must be after from/);
  });
});
