// Fault-schedule generators: random pauses, a flapping network, a random mix
// of crashes, pauses and partitions. Each is seeded by an Rng and returns
// plain nemesis data. Each is bounded: settings that would generate more
// than MAX_SCHEDULE_FAULTS faults (a gap of ~0 ms, a huge count) are a
// ConfigError, never a loop that does not end.
import { z } from 'zod';
import { configFail, nonNegative, parseConfig, probability } from './config';
import type { Fault } from './nemesis';
import { describe, DistributionSchema, exponential, sample, shuffle, type Distribution, type Rng } from './random';
import type { NodeId } from './trace';

/** The most faults one generated schedule (or one clock strobe) may hold: more is a mistake in its settings, not an experiment. */
export const MAX_SCHEDULE_FAULTS = 100_000;

const node = () => z.string().min(1);

/** A gap between faults: a distribution that never draws a negative value. */
const GapSchema = DistributionSchema.refine((d) => d.kind !== 'normal' || (d.min ?? 0) >= 0, {
  message: 'a gap between faults must never be negative: give this normal distribution min ≥ 0',
});

/** Fail once a generator has made too many faults, naming the setting to change. */
function bound(out: readonly Fault[], path: string, why: string): void {
  if (out.length > MAX_SCHEDULE_FAULTS) {
    configFail('fault schedule', path, `these settings generate more than ${MAX_SCHEDULE_FAULTS} faults (${why})`);
  }
}

/** `t + gap`, or a ConfigError if that is not finite. (A gap too small to move `t` is caught by `bound`.) */
function advance(t: number, gap: number, path: string, d?: Distribution): number {
  const next = t + gap;
  if (!Number.isFinite(next)) configFail('fault schedule', path, `a gap of ${gap} ms${d ? ` drawn from ${describe(d)}` : ''} is not finite`);
  return next;
}

// ---------------------------------------------------------------------------
// Pauses

export const PauseScheduleSchema = z
  .object({
    nodes: z.array(node()).min(1),
    /** Time from the end of one pause of a node to the start of its next, in ms. */
    gap: GapSchema,
    /** Length of each pause, in ms. */
    length: DistributionSchema,
    /** Shorter draws are stretched to this: a pause of 0 ms is not a pause. */
    minLength: z.number().gt(0).default(0.001),
    from: nonNegative().default(0),
    until: z.number().gt(0),
  })
  .strict()
  .refine((c) => c.until > c.from, { message: 'until must be after from', path: ['until'] });
export type PauseScheduleConfig = z.input<typeof PauseScheduleSchema>;

/**
 * Stop-the-world pauses at random times on each node (garbage collection, a
 * VM descheduled), never overlapping on one node, each resuming by itself.
 * Each node draws from its own fork of `rng`, so adding a node changes
 * nobody else's pauses.
 */
export function pauseSchedule(rng: Rng, config: PauseScheduleConfig): Fault[] {
  const root = 'pauses';
  const cfg = parseConfig(PauseScheduleSchema, config, 'pause schedule', root);
  const out: Fault[] = [];
  for (const node of cfg.nodes) {
    const r = rng.fork(`pauses:${node}`);
    for (let t = advance(cfg.from, sample(cfg.gap, r), `${root}.gap`, cfg.gap); t < cfg.until; t = advance(t, sample(cfg.gap, r), `${root}.gap`, cfg.gap)) {
      const length = Math.max(cfg.minLength, sample(cfg.length, r));
      if (!Number.isFinite(length)) configFail('pause schedule', `${root}.length`, `a pause of ${length} ms drawn from ${describe(cfg.length)} is not finite`);
      out.push({ at: t, fault: 'pause', node, for: length });
      bound(out, `${root}.gap`, `pauses of ${cfg.nodes.length} node(s) from t=${cfg.from} to t=${cfg.until}: make the gap or the pauses longer, or the window shorter`);
      t += length;
    }
  }
  return out.sort((a, b) => a.at - b.at);
}

export const RandomPausesSchema = z
  .object({
    nodes: z.array(node()).min(1),
    /** Mean ms between the end of one pause of a node and the start of its next (exponential gaps). */
    every: z.number().gt(0),
    /** How long each pause lasts, in ms. */
    length: DistributionSchema,
    from: nonNegative().default(0),
    until: z.number().gt(0),
  })
  .strict()
  .refine((c) => c.until > c.from, { message: 'until must be after from', path: ['until'] });
export type RandomPausesConfig = z.input<typeof RandomPausesSchema>;

/**
 * Pauses at random times on each node, never overlapping on one node, each
 * resuming by itself: a GC-heavy or oversubscribed fleet. Seeded by `rng`.
 */
export function randomPauses(rng: Rng, config: RandomPausesConfig): Fault[] {
  const { every, ...rest } = parseConfig(RandomPausesSchema, config, 'random pauses config', 'pauses');
  return pauseSchedule(rng, { ...rest, gap: { kind: 'exponential', mean: every } });
}

// ---------------------------------------------------------------------------
// A flapping network

export const PartitionScheduleSchema = z
  .object({
    nodes: z.array(node()).min(2),
    /** Mean ms between changes of the network (exponential gaps). */
    every: z.number().gt(0),
    /** Chance that a change heals the network; otherwise it splits it anew (healing any earlier split first). */
    heal: probability().default(0.3),
    /** Nodes on the smaller side of each split (default: the largest minority, 2 of 5). */
    smaller: z.number().int().min(1).optional(),
    from: nonNegative().default(0),
    /** The last change happens before this; at `until` the network heals for good. */
    until: z.number().gt(0),
  })
  .strict()
  .refine((c) => c.until > c.from, { message: 'until must be after from', path: ['until'] })
  .refine((c) => c.smaller === undefined || c.smaller <= c.nodes.length / 2, { message: 'smaller must be at most half of the nodes', path: ['smaller'] });
export type PartitionScheduleConfig = z.input<typeof PartitionScheduleSchema>;

/**
 * A flapping network: at random times it splits the nodes in two at random
 * (a new split replaces the old one) or heals, and it heals for good at
 * `until`. Seeded by `rng`.
 */
export function partitionSchedule(rng: Rng, config: PartitionScheduleConfig): Fault[] {
  const cfg = parseConfig(PartitionScheduleSchema, config, 'partition schedule', 'partitions');
  const smaller = cfg.smaller ?? Math.max(1, Math.floor((cfg.nodes.length - 1) / 2));
  const r = rng.fork('partitions');
  const out: Fault[] = [];
  for (let t = advance(cfg.from, exponential(r, cfg.every), 'partitions.every'); t < cfg.until; t = advance(t, exponential(r, cfg.every), 'partitions.every')) {
    out.push({ at: t, fault: 'heal' });
    bound(out, 'partitions.every', `a change every ${cfg.every} ms on average from t=${cfg.from} to t=${cfg.until}: make every longer or the window shorter`);
    if (r.chance(cfg.heal)) continue;
    const shuffled = shuffle(r, cfg.nodes);
    out.push({ at: t, fault: 'partition', groups: [shuffled.slice(0, smaller), shuffled.slice(smaller)] });
  }
  out.push({ at: cfg.until, fault: 'heal' });
  return out;
}

// ---------------------------------------------------------------------------
// A random mix of faults

export const RandomFaultsSchema = z
  .object({
    nodes: z.array(node()).min(2),
    /** Faults start in [from, until). */
    from: nonNegative().default(0),
    until: z.number().gt(0),
    // Enough to break a fragile protocol in a few seconds, few enough to read.
    count: z.number().int().min(0).max(MAX_SCHEDULE_FAULTS / 2).default(8),
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
    if (!Number.isFinite(at + length)) configFail('random faults', 'faults.length', `a fault of ${length} ms drawn from ${describe(c.length)} does not end at a finite time`);
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
