// Limiting the impact of garbage collection on response times. A cluster of
// nodes behind a load balancer serves requests; every node has short minor
// GC pauses and, now and then, a long full (stop-the-world) collection.
// Strategies, as in the literature on taming GC tails:
//   'stop-the-world' — best effort: full GCs strike whenever the heap fills;
//   'drained'        — the node announces its full GC `notice` ms ahead, the
//                      balancer routes new requests elsewhere, in-flight ones
//                      finish, then it collects (planned, like a restart);
//   'restart'        — restart each node (drained first) before it ever needs
//                      a full GC: short-lived objects only, no full GC at all;
//   'real-time'      — a hard real-time collector: every pause ≤ a bound, at
//                      the price of slower service (barriers, incremental work).
import { z } from 'zod';
import { parseConfig } from '../core/config';
import { createRng, DistributionSchema, exponential, sample, SeedSchema, type Rng } from '../core/random';

export const GcStrategySchema = z.enum(['stop-the-world', 'drained', 'restart', 'real-time']);
export type GcStrategy = z.output<typeof GcStrategySchema>;

export const GcClusterSchema = z
  .object({
    seed: SeedSchema,
    strategy: GcStrategySchema,
    nodes: z.number().int().min(2).max(100).default(4),
    /** Requests per ms across the cluster (Poisson). */
    requestRate: z.number().gt(0).max(50).default(0.5),
    /** Time a request needs on a node that is not paused, ms. */
    service: DistributionSchema.default({ kind: 'lognormal', median: 2, sigma: 0.3 }),
    durationMs: z.number().gt(0).max(3_600_000).default(600_000),
    /** Minor collections: mean ms between them (exponential) and pause length. */
    minorEvery: z.number().gt(0).default(1000),
    minorPause: z.number().min(0).default(8),
    /** Full collections: every `fullEvery` ms per node (±10%), each `fullPause` long. */
    fullEvery: z.number().gt(0).default(60_000),
    fullPause: z.number().min(0).default(800),
    /** How long before a planned pause the balancer stops sending new requests. */
    notice: z.number().min(0).default(100),
    /** A restart takes this long (drained, so no request waits for it). */
    restartMs: z.number().min(0).default(2000),
    /** 'real-time': longest pause, and how much slower every request runs. */
    realTimeMaxPause: z.number().min(0).default(1),
    realTimeSlowdown: z.number().min(0).default(0.3),
  })
  .strict()
  .refine((c) => c.fullEvery > 2 * (c.fullPause + c.notice + c.restartMs) , {
    message: 'fullEvery must leave room for the pause, the notice and a restart',
    path: ['fullEvery'],
  });
export type GcClusterConfig = z.input<typeof GcClusterSchema>;
type Cfg = z.output<typeof GcClusterSchema>;

/** [start, end) of a pause; `planned` pauses are announced and drained. */
type Pause = { start: number; end: number; planned: boolean };

export type GcClusterResult = {
  strategy: GcStrategy;
  /** Response time of every request, in arrival order, ms. */
  latencies: number[];
  /** Fraction of node-time spent drained (capacity the others must absorb). */
  drainedFraction: number;
};

function pausesOf(cfg: Cfg, node: number, rng: Rng): Pause[] {
  const out: Pause[] = [];
  if (cfg.strategy === 'real-time') {
    // Incremental collection: many tiny pauses instead of few long ones.
    for (let t = exponential(rng, 10); t < cfg.durationMs; t += exponential(rng, 10)) {
      out.push({ start: t, end: t + cfg.realTimeMaxPause, planned: false });
    }
    return out;
  }
  for (let t = exponential(rng, cfg.minorEvery); t < cfg.durationMs; t += exponential(rng, cfg.minorEvery)) {
    out.push({ start: t, end: t + cfg.minorPause, planned: false });
  }
  // Nodes are staggered so that at most one is drained at a time.
  const phase = ((node + 0.5) / cfg.nodes) * cfg.fullEvery;
  const planned = cfg.strategy !== 'stop-the-world';
  const length = cfg.strategy === 'restart' ? cfg.restartMs : cfg.fullPause;
  // A restart comes before the heap fills: a little earlier than a full GC would.
  const period = cfg.strategy === 'restart' ? 0.8 * cfg.fullEvery : cfg.fullEvery;
  for (let t = phase * (period / cfg.fullEvery); t < cfg.durationMs; t += period * rng.uniform(0.9, 1.1)) {
    out.push({ start: t, end: t + length, planned });
  }
  return out.sort((a, b) => a.start - b.start);
}

/** When a request that may start at `t` and needs `work` ms of CPU finishes, given the node's pauses. */
function finishTime(pauses: readonly Pause[], t: number, work: number): number {
  // Pauses are few per request; a binary search finds the first that may matter.
  let lo = 0, hi = pauses.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (pauses[mid]!.end <= t) lo = mid + 1;
    else hi = mid;
  }
  let now = t, left = work;
  for (let i = lo; i < pauses.length; i++) {
    const p = pauses[i]!;
    if (p.end <= now) continue;
    if (p.start >= now + left) break;
    if (p.start > now) {
      left -= p.start - now;
    }
    now = Math.max(now, p.end); // stopped: no progress until the pause ends
  }
  return now + left;
}

/** Is the node announced as (about to be) paused at `t`? */
function drained(pauses: readonly Pause[], t: number, notice: number): boolean {
  for (const p of pauses) {
    if (p.start - notice > t) return false;
    if (p.planned && t < p.end) return true;
  }
  return false;
}

/** Run the cluster for `durationMs` and measure every request's response time. */
export function gcCluster(config: GcClusterConfig): GcClusterResult {
  const cfg = parseConfig(GcClusterSchema, config, 'GC cluster config', 'gcCluster');
  const pauses = Array.from({ length: cfg.nodes }, (_, n) => pausesOf(cfg, n, createRng(cfg.seed, `gc:${n}`)));
  const planned = pauses.map((ps) => ps.filter((p) => p.planned));
  const rng = createRng(cfg.seed, 'requests');
  const slow = cfg.strategy === 'real-time' ? 1 + cfg.realTimeSlowdown : 1;
  const latencies: number[] = [];
  const cursor = planned.map(() => 0);
  for (let t = exponential(rng, 1 / cfg.requestRate); t < cfg.durationMs; t += exponential(rng, 1 / cfg.requestRate)) {
    const open: number[] = [];
    for (let n = 0; n < cfg.nodes; n++) {
      const ps = planned[n]!;
      while (cursor[n]! < ps.length && ps[cursor[n]!]!.end <= t) cursor[n]!++;
      if (!drained(ps.slice(cursor[n]!, cursor[n]! + 1), t, cfg.notice)) open.push(n);
    }
    const node = rng.pick(open.length > 0 ? open : [rng.int(0, cfg.nodes - 1)]);
    const work = sample(cfg.service, rng) * slow;
    latencies.push(finishTime(pauses[node]!, t, work) - t);
  }
  const drainedMs = planned.flat().reduce((s, p) => s + (p.end - p.start + cfg.notice), 0);
  return { strategy: cfg.strategy, latencies, drainedFraction: drainedMs / (cfg.nodes * cfg.durationMs) };
}
