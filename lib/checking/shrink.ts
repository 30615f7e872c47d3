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
import { SeedSchema, type Seed } from '../core/random';
import type { TraceEvent } from '../core/trace';

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
    const v = property(scenario(o.seed, schedule, until)) as unknown;
    if (typeof v !== 'object' || v === null || typeof (v as { ok?: unknown }).ok !== 'boolean') {
      throw new Error(
        `shrink: the property must return a verdict ({ ok: true } or { ok: false, ... }, as the checkers do), got ${v === null ? 'null' : typeof v === 'object' ? JSON.stringify(v) : String(v)}: ` +
          `wrap a boolean test as (trace) => (test(trace) ? { ok: true } : { ok: false, property: 'my property', message: 'it failed', events: [] })`,
      );
    }
    return v as Verdict;
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
    } catch (e) {
      if (e instanceof Error && e.message.startsWith('shrink: the property')) throw e;
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

// The random fault generator lives with the other fault schedules.
export { RandomFaultsSchema, randomFaults, type RandomFaultsConfig } from '../core/schedules';
