// Explicit feedback when a node is down. Usually a client learns of a fault
// only by a timeout, but sometimes something answers for the dead: the
// server's OS refuses the connection (a TCP RST: the host is up, nothing
// listens on the port), or a router reports "host unreachable" after its ARP
// requests go unanswered. Both are faster than a timeout; neither happens for
// a paused process, a partition, or a host that is down behind a router that
// says nothing. And neither says how much of a request ran before the crash.
import { z } from 'zod';
import { parseConfig } from '../core/config';
import { createRng, DistributionSchema, sample, SeedSchema } from '../core/random';

export const FaultCaseSchema = z.enum([
  'process crashed, host up',
  'host down, router answers',
  'host down, router silent',
  'process paused (GC)',
  'network partition',
]);
export type FaultCase = z.output<typeof FaultCaseSchema>;
export const FAULT_CASES: readonly FaultCase[] = [...FaultCaseSchema.options];

export type Signal = 'connection refused' | 'host unreachable' | 'timeout';

export const FeedbackSchema = z
  .object({
    seed: SeedSchema,
    trials: z.number().int().min(1).max(100_000).default(200),
    /** The client's timeout, ms. */
    timeout: z.number().gt(0).default(5000),
    /** Round trip to the server's host, ms. */
    rtt: DistributionSchema.default({ kind: 'lognormal', median: 1, sigma: 0.4 }),
    /** When a router gives up on ARP and sends ICMP host unreachable (Linux: 3 probes, 1 s apart). */
    unreachableAfter: DistributionSchema.default({ kind: 'uniform', min: 2900, max: 3100 }),
  })
  .strict();
export type FeedbackConfig = z.input<typeof FeedbackSchema>;

export type FeedbackResult = { fault: FaultCase; signal: Signal; detectMs: number[] };

/** How long the client takes to learn that something is wrong, per fault, over `trials` seeded runs. */
export function detectionByFeedback(config: FeedbackConfig): FeedbackResult[] {
  const cfg = parseConfig(FeedbackSchema, config, 'feedback config', 'detectionByFeedback');
  return FAULT_CASES.map((fault) => {
    const rng = createRng(cfg.seed, `feedback:${fault}`);
    const one = (): { signal: Signal; ms: number } => {
      if (fault === 'process crashed, host up') return { signal: 'connection refused', ms: sample(cfg.rtt, rng) };
      if (fault === 'host down, router answers') {
        const ms = sample(cfg.unreachableAfter, rng) + sample(cfg.rtt, rng) / 2;
        // Past the timeout the client has already given up: the feedback comes too late to help.
        return ms < cfg.timeout ? { signal: 'host unreachable', ms } : { signal: 'timeout', ms: cfg.timeout };
      }
      return { signal: 'timeout', ms: cfg.timeout };
    };
    const runs = Array.from({ length: cfg.trials }, one);
    return { fault, signal: runs[0]!.signal, detectMs: runs.map((r) => r.ms) };
  });
}
