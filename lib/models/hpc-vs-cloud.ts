// Why clouds are built differently from supercomputers. N machines fail
// independently (a Poisson process per machine). A supercomputer runs one
// job that needs every machine: any failure stops the whole job, which
// restarts from its last checkpoint. A cloud service keeps serving on the
// machines that are up while the broken one is replaced. Same faults, two
// designs: one treats partial failure as total failure, one tolerates it.
import { z } from 'zod';
import { parseConfig } from '../core/config';
import { createRng, exponential, SeedSchema } from '../core/random';

export const ClusterFailureSchema = z
  .object({
    seed: SeedSchema,
    machines: z.number().int().min(1).max(1_000_000),
    /** Mean hours between failures of one machine: ~2 years is typical of commodity servers. */
    mtbfHours: z.number().gt(0).default(17_520),
  })
  .strict();

export const HpcJobSchema = ClusterFailureSchema.extend({
  /** Hours of computation the job needs on the whole cluster. */
  workHours: z.number().gt(0),
  /** Hours of work between checkpoints; null: never checkpoint. */
  checkpointEvery: z.number().gt(0).nullable(),
  /** Hours to write one checkpoint (the job makes no progress meanwhile). */
  checkpointCost: z.number().min(0).default(0.1),
  /** Hours to restart the whole job after a failure (reschedule, reload the checkpoint). */
  restartCost: z.number().min(0).default(0.25),
  /** Give up when the job has run this many times its work: it may never finish. */
  giveUpFactor: z.number().gt(1).default(1000),
}).strict();
export type HpcJobConfig = z.input<typeof HpcJobSchema>;

export type HpcJobResult = {
  finished: boolean;
  /** Wall-clock hours from start until done (or until given up). */
  hours: number;
  failures: number;
  /** Hours of computation thrown away by failures. */
  lostHours: number;
};

/**
 * A job that needs all machines at once. A failure anywhere loses the work
 * since the last checkpoint and costs a restart.
 */
export function hpcJob(config: HpcJobConfig): HpcJobResult {
  const cfg = parseConfig(HpcJobSchema, config, 'HPC job config', 'hpcJob');
  const rng = createRng(cfg.seed, 'hpc');
  // The whole cluster fails at N times one machine's rate (memoryless, so we
  // can draw the next failure afresh after every restart).
  const clusterMtbf = cfg.mtbfHours / cfg.machines;
  const limit = cfg.workHours * cfg.giveUpFactor;
  let now = 0, done = 0, failures = 0, lost = 0;
  let nextFailure = exponential(rng, clusterMtbf);
  while (done < cfg.workHours) {
    const segment = Math.min(cfg.checkpointEvery ?? Infinity, cfg.workHours - done);
    const last = done + segment >= cfg.workHours;
    const needed = segment + (last ? 0 : cfg.checkpointCost);
    if (now + needed <= nextFailure) {
      now += needed;
      done += segment;
      continue;
    }
    failures++;
    lost += Math.min(segment, nextFailure - now);
    now = nextFailure + cfg.restartCost;
    if (now > limit) return { finished: false, hours: limit, failures, lostHours: lost };
    nextFailure = now + exponential(rng, clusterMtbf);
  }
  return { finished: true, hours: now, failures, lostHours: lost };
}

export const CloudServiceSchema = ClusterFailureSchema.extend({
  hours: z.number().gt(0),
  /** Hours until a failed machine is replaced (its load goes to the others meanwhile). */
  repairHours: z.number().min(0).default(4),
  /** Spare capacity: demand is (1 − headroom) × machines' worth of work. */
  headroom: z.number().min(0).max(0.9).default(0.1),
}).strict();
export type CloudServiceConfig = z.input<typeof CloudServiceSchema>;

export type CloudServiceResult = {
  failures: number;
  /** Time-average fraction of machines up. */
  upFraction: number;
  /** Fraction of demand served: min(up, demand) / demand, averaged over time. */
  served: number;
  /** Fewest machines up at any moment. */
  minUp: number;
};

/** A service that routes around failed machines and replaces them. */
export function cloudService(config: CloudServiceConfig): CloudServiceResult {
  const cfg = parseConfig(CloudServiceSchema, config, 'cloud service config', 'cloudService');
  const rng = createRng(cfg.seed, 'cloud');
  // Every repair interval is a (down, up) pair of events; sweep them in order.
  const events: Array<[number, -1 | 1]> = [];
  for (let m = 0; m < cfg.machines; m++) {
    let t = exponential(rng, cfg.mtbfHours);
    while (t < cfg.hours) {
      events.push([t, -1], [Math.min(t + cfg.repairHours, cfg.hours), 1]);
      t += cfg.repairHours + exponential(rng, cfg.mtbfHours);
    }
  }
  events.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const demand = (1 - cfg.headroom) * cfg.machines;
  let up = cfg.machines, at = 0, upArea = 0, servedArea = 0, minUp = up;
  for (const [t, delta] of events) {
    upArea += up * (t - at);
    servedArea += Math.min(up, demand) * (t - at);
    at = t;
    up += delta;
    minUp = Math.min(minUp, up);
  }
  upArea += up * (cfg.hours - at);
  servedArea += Math.min(up, demand) * (cfg.hours - at);
  return {
    failures: events.length / 2,
    upFraction: upArea / (cfg.machines * cfg.hours),
    served: Math.min(1, servedArea / (demand * cfg.hours)), // float sums can end a hair above 1
    minUp,
  };
}
