// System models as simulator settings. An algorithm is proved correct under
// a model: assumptions about timing (how late can a message or a process be?)
// and about failures (what can a node do when it goes wrong?). Here each
// model is a function from a seed to concrete settings (a network config and
// a nemesis schedule), so one protocol can be run under each and compared.
import { z } from 'zod';
import { nonNegative, parseConfig } from '../core/config';
import type { Fault } from '../core/nemesis';
import { pauseSchedule } from '../core/nemesis';
import type { NetworkConfigInput } from '../core/network';
import type { Program } from '../core/node';
import { createRng, DistributionSchema, sample, shuffle, type Distribution, type Seed } from '../core/random';
import { leaderNotes } from './leadership';
import type { NodeId, TraceEvent } from '../core/trace';

export const TIMING_MODELS = ['synchronous', 'partially synchronous', 'asynchronous'] as const;
export type TimingModel = (typeof TIMING_MODELS)[number];

export const FAILURE_MODELS = ['crash-stop', 'crash-recovery', 'byzantine'] as const;
export type FailureModel = (typeof FAILURE_MODELS)[number];

/** Concrete settings for one run under a timing model. */
export type TimingSettings = {
  model: TimingModel;
  network: NetworkConfigInput;
  /** Pauses, and (partially synchronous) the switch to bounded delays at GST. */
  faults: Fault[];
  /** When the system becomes well behaved: 0 (synchronous), drawn from the seed (partially synchronous), never (asynchronous). */
  gst: number | null;
  /** The bound on one-way delay plus pause that holds from GST on, or null if there is none. */
  bound: number | null;
};

export const TimingOptionsSchema = z
  .object({
    model: z.enum(TIMING_MODELS),
    nodes: z.array(z.string().min(1)).min(1),
    until: z.number().gt(0),
    // A datacenter network on a good day: every message within 10 ms.
    delayBound: z.number().gt(0).default(10),
    // A short GC pause: every process runs again within 20 ms.
    pauseBound: z.number().gt(0).default(20),
    // Somewhere in the first seconds; the algorithm is never told when.
    gst: DistributionSchema.default({ kind: 'uniform', min: 500, max: 3000 }),
    // How often a node stops for a pause, on average (ms between pauses).
    pauseEvery: z.number().gt(0).default(500),
  })
  .strict();
export type TimingOptions = z.input<typeof TimingOptionsSchema>;

// Unbounded behaviour: Pareto tails, most values small, no ceiling. Shape
// close to 1 means a message now and then takes seconds.
const CHAOTIC_DELAY: Distribution = { kind: 'pareto', scale: 4, shape: 1 };
const CHAOTIC_PAUSE: Distribution = { kind: 'pareto', scale: 30, shape: 1 };

/**
 * Network and fault settings for `model`, from `seed`:
 * - synchronous: every delay within `delayBound`, every pause within `pauseBound`, from the start;
 * - partially synchronous: unbounded (heavy-tailed) delays and pauses until GST, a time drawn from
 *   the seed and unknown to the algorithm, then bounded as in the synchronous model;
 * - asynchronous: heavy-tailed delays and pauses for the whole run, no bound at all.
 */
export function timingModel(seed: Seed, options: TimingOptions): TimingSettings {
  const o = parseConfig(TimingOptionsSchema, options, 'timing model', 'timing');
  const rng = createRng(seed, `timing:${o.model}`);
  const bounded: Distribution = { kind: 'uniform', min: 1, max: o.delayBound };
  const gap: Distribution = { kind: 'exponential', mean: o.pauseEvery };
  const boundedPauses = (from: number): Fault[] =>
    from >= o.until ? [] : pauseSchedule(rng.fork('bounded pauses'), { nodes: o.nodes, gap, length: { kind: 'uniform', min: 1, max: o.pauseBound }, from, until: o.until });
  const chaoticPauses = (until: number): Fault[] =>
    until <= 0 ? [] : pauseSchedule(rng.fork('chaotic pauses'), { nodes: o.nodes, gap, length: CHAOTIC_PAUSE, until });
  const bound = o.delayBound + o.pauseBound;
  switch (o.model) {
    case 'synchronous':
      return { model: o.model, network: { latency: bounded }, faults: boundedPauses(0), gst: 0, bound };
    case 'asynchronous':
      return { model: o.model, network: { latency: CHAOTIC_DELAY }, faults: chaoticPauses(o.until), gst: null, bound: null };
    case 'partially synchronous': {
      const gst = Math.round(sample(o.gst, rng));
      // At GST every link becomes bounded (messages already in flight keep their fate).
      const calm: Fault[] = o.nodes.flatMap((from) =>
        o.nodes.filter((to) => to !== from).map((to): Fault => ({ at: gst, fault: 'link', from, to, set: { latency: bounded } })),
      );
      // A pause that starts before GST may run past it: the bound holds for pauses that start after.
      const faults = [...chaoticPauses(Math.min(gst, o.until)), ...(gst < o.until ? calm : []), ...boundedPauses(gst)].sort((a, b) => a.at - b.at);
      return { model: o.model, network: { latency: CHAOTIC_DELAY }, faults, gst, bound };
    }
  }
}

/** Settings for one run under a failure model. */
export type FailureSettings = {
  model: FailureModel;
  /** Crashes (and restarts, under crash-recovery). */
  faults: Fault[];
  /** Nodes that run a lying program instead of the protocol (Byzantine model only). */
  byzantine: NodeId[];
  /** Whether a node that comes back still has what it wrote to disk (and never what it kept in memory). */
  recovers: boolean;
};

export const FailureOptionsSchema = z
  .object({
    model: z.enum(FAILURE_MODELS),
    nodes: z.array(z.string().min(1)).min(1),
    until: z.number().gt(0),
    // One faulty node: what a 3-node cluster (crash faults) tolerates.
    faulty: z.number().int().min(0).default(1),
    // Crashes happen after the cluster has had a moment to start.
    from: nonNegative().default(100),
    // Each faulty node crashes this many times under crash-recovery (once under crash-stop).
    crashes: z.number().int().min(1).default(3),
    // How long a crashed node stays down before it restarts (crash-recovery), in ms.
    downtime: DistributionSchema.default({ kind: 'uniform', min: 20, max: 300 }),
  })
  .strict()
  .refine((o) => o.faulty <= o.nodes.length, { message: 'more faulty nodes than nodes', path: ['faulty'] })
  .refine((o) => o.until > o.from, { message: 'until must be after from', path: ['until'] });
export type FailureOptions = z.input<typeof FailureOptionsSchema>;

/**
 * Faults for `model`, from `seed`: which `faulty` nodes go wrong, and how.
 * - crash-stop: each crashes once, at a random time, and stays down;
 * - crash-recovery: each crashes `crashes` times and restarts after `downtime`,
 *   with its disk (`ctx.disk`) intact and its memory (closure variables) lost;
 * - byzantine: no crashes; the faulty nodes are listed in `byzantine`, and the
 *   scenario runs a program of its choice on them (one that lies).
 */
export function failureModel(seed: Seed, options: FailureOptions): FailureSettings {
  const o = parseConfig(FailureOptionsSchema, options, 'failure model', 'failures');
  const rng = createRng(seed, `failures:${o.model}`);
  const chosen = shuffle(rng, o.nodes).slice(0, o.faulty);
  if (o.model === 'byzantine') return { model: o.model, faults: [], byzantine: chosen, recovers: false };
  const faults: Fault[] = [];
  for (const node of chosen) {
    if (o.model === 'crash-stop') {
      faults.push({ at: round(rng.uniform(o.from, o.until)), fault: 'crash', node });
      continue;
    }
    // Crash times split the window into `crashes` slots, so one node's crashes never overlap.
    const slot = (o.until - o.from) / o.crashes;
    for (let k = 0; k < o.crashes; k++) {
      const at = round(o.from + k * slot + rng.uniform(0, slot / 2));
      const back = round(Math.min(at + Math.max(1, sample(o.downtime, rng)), o.from + (k + 1) * slot));
      faults.push({ at, fault: 'crash', node }, { at: back, fault: 'restart', node });
    }
  }
  return { model: o.model, faults: faults.sort((a, b) => a.at - b.at), byzantine: [], recovers: o.model === 'crash-recovery' };
}

/**
 * The same program, but what it writes to `ctx.disk` is kept in memory: a
 * restart starts with an empty "disk". The bug of a node that forgets what
 * it promised (a vote, a term) when it crashes.
 */
export function volatileDisk(program: Program): Program {
  return (ctx) => program({ ...ctx, disk: new Map<string, unknown>() });
}

/**
 * When the run got its last leader: the time of the leader note after which,
 * up to `until`, no node claims or gives up leadership and the leader does not
 * crash. Null if the run ends without one (or with one elected within
 * `settle` ms of the end, too recent to call stable).
 */
export function stableLeaderSince(trace: readonly TraceEvent[], opts: { until: number; settle?: number }): { node: NodeId; term: number; time: number } | null {
  const settle = opts.settle ?? 0;
  let last: { node: NodeId; term: number; time: number } | null = null;
  const notes = leaderNotes(trace);
  for (const n of notes) {
    if (n.time > opts.until) break;
    if (n.role === 'leader') {
      if (!last || last.node !== n.node || last.term !== n.term) last = { node: n.node, term: n.term, time: n.time };
    } else if (last && n.node === last.node) last = null;
    else if (last && n.term > last.term) last = null; // someone moved on to a newer term
  }
  if (!last) return null;
  const leader = last;
  const lost = trace.some((e) => (e.type === 'crash' || e.type === 'restart') && e.node === leader.node && e.time >= leader.time && e.time <= opts.until);
  return lost || leader.time > opts.until - settle ? null : leader;
}

const round = (ms: number): number => Math.round(ms * 10) / 10;
