// Synchronized clocks for global snapshots. Transactions commit on different
// nodes with timestamps from their own clocks; a read-only transaction picks
// a snapshot timestamp s and sees exactly the commits stamped before s. That
// snapshot is consistent with real time (it contains every transaction
// acknowledged before the read began, and never an effect without its cause)
// only if each commit waits out the clock uncertainty before acknowledging.
import { z } from 'zod';
import { parseConfig } from '../core/config';
import { createRng, DistributionSchema, sample, SeedSchema } from '../core/random';
import { clockInterval } from './truetime';

export const SnapshotExperimentSchema = z
  .object({
    seed: SeedSchema,
    /** Real clock error: each node's offset is drawn from [−clockError, +clockError], ms. */
    clockError: z.number().min(0),
    /** The uncertainty ε the nodes assume; commit wait lasts ~2ε. 0: no commit wait. */
    assumedBound: z.number().min(0),
    nodes: z.number().int().min(2).max(100).default(5),
    /** A chain of causally ordered transactions: each starts after the previous is acknowledged. */
    transactions: z.number().int().min(2).max(100_000).default(200),
    /** Snapshot reads at random moments during the chain. */
    reads: z.number().int().min(1).max(100_000).default(400),
    work: z.number().min(0).default(1),
    latency: DistributionSchema.default({ kind: 'lognormal', median: 2, sigma: 0.3 }),
  })
  .strict();
export type SnapshotExperimentConfig = z.input<typeof SnapshotExperimentSchema>;

export type Commit = { index: number; node: number; timestamp: number; ackedAt: number; startedAt: number };
export type SnapshotRead = {
  /** True time the read began, its node and its snapshot timestamp. */
  at: number;
  node: number;
  timestamp: number;
  /** How many transactions of the chain it sees (those stamped before its timestamp). */
  sees: number[];
  /** Acknowledged before the read began, yet missing from the snapshot. */
  missedAcked: number;
  /** Sees a transaction but not one that happened before it: an effect without its cause. */
  brokenCut: boolean;
};
export type SnapshotExperiment = { commits: Commit[]; reads: SnapshotRead[]; meanCommitMs: number };

export function snapshotExperiment(config: SnapshotExperimentConfig): SnapshotExperiment {
  const cfg = parseConfig(SnapshotExperimentSchema, config, 'snapshot experiment config', 'snapshotExperiment');
  const rng = createRng(cfg.seed, 'snapshot');
  const offsets = Array.from({ length: cfg.nodes }, () => rng.uniform(-cfg.clockError, cfg.clockError));
  const reading = (node: number, t: number): number => t + offsets[node]!;
  const eps = cfg.assumedBound;
  const commits: Commit[] = [];
  let t = 0;
  for (let i = 0; i < cfg.transactions; i++) {
    const node = rng.int(0, cfg.nodes - 1);
    const startedAt = t + sample(cfg.latency, rng); // the client's request reaches the node
    const stampAt = startedAt + cfg.work;
    const timestamp = clockInterval(reading(node, stampAt), eps).latest;
    // Commit wait: hold the ack until TT.now().earliest > timestamp on this node's clock.
    const releaseAt = Math.max(stampAt, timestamp + eps - offsets[node]!);
    const ackedAt = releaseAt + sample(cfg.latency, rng);
    commits.push({ index: i, node, timestamp, ackedAt, startedAt });
    t = ackedAt;
  }
  const reads: SnapshotRead[] = [];
  for (let r = 0; r < cfg.reads; r++) {
    const at = rng.uniform(0, t);
    const node = rng.int(0, cfg.nodes - 1);
    // Spanner's read-only transactions read at TT.now().latest (and wait until
    // the replicas are up to date with it; every commit here is, instantly).
    const timestamp = clockInterval(reading(node, at), eps).latest;
    const sees = commits.filter((c) => c.timestamp < timestamp).map((c) => c.index);
    const seen = new Set(sees);
    const missedAcked = commits.filter((c) => c.ackedAt <= at && !seen.has(c.index)).length;
    const brokenCut = sees.some((i) => i > 0 && !seen.has(i - 1));
    reads.push({ at, node, timestamp, sees, missedAcked, brokenCut });
  }
  const meanCommitMs = commits.reduce((s, c) => s + (c.ackedAt - c.startedAt), 0) / commits.length;
  return { commits, reads, meanCommitMs };
}
