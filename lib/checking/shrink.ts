// Shrinking a failing fault schedule. A random schedule that breaks a
// property usually holds a dozen faults, most of them irrelevant. Like
// fast-check or Jepsen, we make it smaller while it still fails: drop faults
// one at a time, then shorten the run, and repeat until nothing more can go.
// Each try is a whole seeded run, so the result is a replay recipe: the seed,
// the run length and the few faults that matter.
import { z } from 'zod';
import type { Verdict } from './checkers';
import { formatVerdict } from './checkers';
import { nonNegative, parseConfig } from '../core/config';
import { NemesisSchema, type Fault } from '../core/nemesis';
import { DistributionSchema, sample, SeedSchema, shuffle, type Rng, type Seed } from '../core/random';
import type { NodeId, TraceEvent } from '../core/trace';

/** A seeded experiment: build a world, apply `schedule`, run it until `until`, return the trace. */
export type Scenario = (seed: Seed, schedule: Fault[], until: number) => readonly TraceEvent[];
/** What must hold of every trace: a checker from lib/checking/checkers.ts, or any function of the same shape. */
export type Property = (trace: readonly TraceEvent[]) => Verdict;

/** One accepted simplification, as data. */
export type ShrinkStep =
  | { action: 'drop'; faults: Fault[]; remaining: number }
  | { action: 'trim' | 'halve'; until: number };

export type ShrinkResult = {
  seed: Seed;
  /** The smallest failing schedule found. */
  schedule: Fault[];
  until: number;
  /** The property's verdict on the smallest run (it fails). */
  verdict: Verdict;
  steps: ShrinkStep[];
  /** How many times the scenario was run, the first included. */
  runs: number;
  original: { faults: number; until: number };
};

export const ShrinkOptionsSchema = z
  .object({
    seed: SeedSchema,
    schedule: NemesisSchema,
    until: z.number().gt(0),
    // Most scenarios need a little time before anything can go wrong (nodes boot, first timeouts).
    minUntil: nonNegative().default(1),
    // Each run is a full simulation: a bound keeps a slow scenario from shrinking for minutes.
    maxRuns: z.number().int().min(1).default(500),
  })
  .strict();
export type ShrinkOptions = z.input<typeof ShrinkOptionsSchema>;

const fails = (v: Verdict): boolean => v.ok === false;

/**
 * Ways to drop `schedule[i]`: alone, and, for a crash, together with the
 * restart that undoes it (left alone, that restart would restart a running node).
 */
function dropsAt(schedule: readonly Fault[], i: number): Array<{ kept: Fault[]; dropped: Fault[] }> {
  const f = schedule[i]!;
  const without = (gone: Set<number>) => ({ kept: schedule.filter((_, k) => !gone.has(k)), dropped: [...gone].sort((a, b) => a - b).map((k) => schedule[k]!) });
  const out = [without(new Set([i]))];
  if (f.fault === 'crash') {
    const j = schedule.findIndex((g, k) => k > i && g.fault === 'restart' && g.node === f.node && g.at >= f.at);
    if (j >= 0) out.push(without(new Set([i, j])));
  }
  return out;
}

/**
 * Shrink a failing run of `scenario` (judged by `property`) to a smaller one
 * that still fails. Rounds of: drop each fault in turn (kept out if the run
 * still fails; a crash is tried alone, then with its restart); cut the run just after the last event of the verdict; halve
 * the run. Stops when a round changes nothing (or at `maxRuns`). A candidate
 * whose run throws counts as passing. Throws if the original run does not
 * fail: there is nothing to shrink.
 */
export function shrink(scenario: Scenario, property: Property, options: ShrinkOptions): ShrinkResult {
  const o = parseConfig(ShrinkOptionsSchema, options, 'shrink options', 'shrink');
  let runs = 0;
  const judge = (schedule: Fault[], until: number): Verdict => {
    runs++;
    return property(scenario(o.seed, schedule, until));
  };
  let schedule = [...o.schedule];
  let until = o.until;
  let verdict = judge(schedule, until);
  if (!fails(verdict)) {
    throw new Error(`nothing to shrink: with seed=${o.seed}, until=${until} and ${schedule.length} faults the property holds (${formatVerdict(verdict)})`);
  }
  const steps: ShrinkStep[] = [];
  const tryRun = (candidate: Fault[], length: number): boolean => {
    if (runs >= o.maxRuns) return false;
    let v: Verdict;
    try {
      v = judge(candidate, length);
    } catch {
      return false; // a candidate the scenario rejects (say, a restart left without its crash) is not a smaller failure
    }
    if (!fails(v)) return false;
    verdict = v;
    return true;
  };
  for (let changed = true; changed && runs < o.maxRuns; ) {
    changed = false;
    for (let i = 0; i < schedule.length; ) {
      const drop = dropsAt(schedule, i).find(({ kept }) => tryRun(kept, until));
      if (drop) {
        schedule = drop.kept;
        steps.push({ action: 'drop', faults: drop.dropped, remaining: drop.kept.length });
        changed = true;
      } else i++;
    }
    const last = Math.max(0, ...((verdict as { events?: TraceEvent[] }).events ?? []).map((e) => e.time));
    const trimmed = Math.ceil(last);
    if (trimmed > 0 && trimmed < until && trimmed >= o.minUntil && tryRun(schedule, trimmed)) {
      until = trimmed;
      steps.push({ action: 'trim', until });
      changed = true;
    }
    const half = Math.round(until / 2);
    if (half >= o.minUntil && half < until && tryRun(schedule, half)) {
      until = half;
      steps.push({ action: 'halve', until });
      changed = true;
    }
  }
  // Faults after the end of the run cannot matter; leave them out of the recipe.
  const relevant = schedule.filter((f) => f.at <= until);
  return { seed: o.seed, schedule: relevant, until, verdict, steps, runs, original: { faults: o.schedule.length, until: o.until } };
}

/**
 * The replay recipe, replay line first: the seed and run length, how much was
 * shrunk, the verdict, and the schedule as JSON (one fault per line) to paste
 * back into the scenario.
 */
export function formatReplay(r: ShrinkResult): string {
  const json = r.schedule.length === 0 ? '[]' : `[\n${r.schedule.map((f) => `  ${JSON.stringify(f)}`).join(',\n')}\n]`;
  return [
    `reproduce with seed=${JSON.stringify(r.seed)} until=${r.until} and this schedule ` +
      `(${r.schedule.length} of ${r.original.faults} faults, run ${r.until} of ${r.original.until} ms, found in ${r.runs} runs):`,
    json,
    formatVerdict(r.verdict),
  ].join('\n');
}

export const RandomFaultsSchema = z
  .object({
    nodes: z.array(z.string().min(1)).min(2),
    /** Faults start in [from, until). */
    from: nonNegative().default(0),
    until: z.number().gt(0),
    // Enough to break a fragile protocol in a few seconds, few enough to read.
    count: z.number().int().min(0).default(8),
    // Crash-recovery, stop-the-world pauses and two-sided partitions: the faults of lessons 01-07.
    kinds: z.array(z.enum(['crash', 'pause', 'partition'])).min(1).default(['crash', 'pause', 'partition']),
    // How long a node stays down, paused or cut off, in ms: around a few election timeouts.
    length: DistributionSchema.default({ kind: 'uniform', min: 20, max: 400 }),
  })
  .strict()
  .refine((c) => c.until > c.from, { message: 'until must be after from', path: ['until'] });
export type RandomFaultsConfig = z.input<typeof RandomFaultsSchema>;

/**
 * A random fault schedule, as data: `count` faults, each a crash followed by a
 * restart, a pause that resumes by itself, or a partition into two random
 * sides followed by a heal. Sorted by time; same rng, same schedule.
 */
export function randomFaults(rng: Rng, config: RandomFaultsConfig): Fault[] {
  const c = parseConfig(RandomFaultsSchema, config, 'random faults', 'faults');
  const out: Fault[] = [];
  const down = new Map<NodeId, Array<[number, number]>>(); // each node's crash windows
  for (let i = 0; i < c.count; i++) {
    const at = round(rng.uniform(c.from, c.until));
    const length = Math.max(1, round(sample(c.length, rng)));
    const kind = rng.pick(c.kinds);
    const node = rng.pick(c.nodes);
    const windows = down.get(node) ?? [];
    // Overlapping crashes of one node would restart a running node; a pause stands in for the second.
    const overlaps = windows.some(([s, e]) => at <= e && s <= at + length);
    if (kind === 'crash' && !overlaps) {
      down.set(node, [...windows, [at, at + length]]);
      out.push({ at, fault: 'crash', node }, { at: round(at + length), fault: 'restart', node });
    } else if (kind !== 'partition') {
      out.push({ at, fault: 'pause', node, for: length });
    } else {
      out.push({ at, fault: 'partition', groups: [split(rng, c.nodes)] }, { at: at + length, fault: 'heal' });
    }
  }
  // Stable sort: a crash and its restart keep their order even at equal times.
  return out.map((f, i) => [f, i] as const).sort((a, b) => a[0].at - b[0].at || a[1] - b[1]).map(([f]) => f);
}

/** A random non-empty proper subset of `nodes`: one side of a partition. */
function split(rng: Rng, nodes: readonly NodeId[]): NodeId[] {
  return shuffle(rng, nodes).slice(0, rng.int(1, nodes.length - 1));
}

const round = (ms: number): number => Math.round(ms * 10) / 10;
