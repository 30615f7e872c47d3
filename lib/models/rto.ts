// Retransmission timeouts and what a bad one costs. Clients send requests
// through one busy server port and wait `timeout` ms for the reply; when it
// does not come they send the request again. Nothing here is ever lost unless
// the server's buffer overflows, so a timeout of a request that was merely
// queued is *spurious*: its retransmission only adds load to the queue that
// made it late.
import { z } from 'zod';
import { ExperimentSchema, simFromConfig } from './experiment';
import { parseConfig } from '../core/config';
import { createPort } from './queue';
import { DistributionSchema, exponential, meanOf, sample } from '../core/random';
import { mean, percentile } from '../core/stats';

export const RetryExperimentSchema = ExperimentSchema
  .extend({
    /** Requests the clients make (first transmissions), Poisson. */
    requests: z.number().int().min(1).max(1_000_000),
    /** Load of first transmissions alone, as a fraction of the server's capacity. */
    utilization: z.number().gt(0).max(10),
    /** How long a client waits for the reply before sending the request again (ms). */
    timeout: z.number().gt(0),
    // Three retries is a common client default (and enough to show the cost).
    maxRetries: z.number().int().min(0).default(3),
    /** Server speed in bytes per ms; with 1500-byte requests, 1 ms of work each on average. */
    rate: z.number().gt(0).default(1500),
    requestSize: DistributionSchema.default({ kind: 'exponential', mean: 1500 }),
    // A server's accept queue is not infinite: past this many, requests are refused (dropped).
    capacity: z.number().int().min(1).default(200),
    /** One-way network delay between client and server (ms). */
    propagation: z.number().min(0).default(1),
  })
  .strict();
export type RetryExperimentConfig = z.input<typeof RetryExperimentSchema>;

export type RetryRun = {
  timeout: number;
  requests: number;
  /** Requests that got a reply (to any of their copies) before their last timeout. */
  completed: number;
  /** Requests that gave up: every copy timed out. */
  failed: number;
  timeouts: number;
  /** Timeouts of a copy that had not been dropped: it was queued, in service or its reply was on the way. */
  spuriousTimeouts: number;
  retransmissions: number;
  /** Copies the server processed whose request had already been answered or abandoned: wasted work. */
  wastedWork: number;
  /** Busy time of the server / duration of the run: the load the server really carried. */
  serverUtilization: number;
  /** Copies the server refused (buffer full). */
  dropped: number;
  /** First send to first reply, per completed request (ms). */
  latencies: number[];
  meanLatency: number;
  p99Latency: number;
};

// A request knows only its latest copy, and a copy its request: nothing holds a request once it is
// settled and its timers have fired (a run keeps no array of them all: less for the GC to copy).
type Copy = { request: Request; attempt: number; dropped: boolean };
type Request = { sentAt: number; latest: Copy | null; state: 'waiting' | 'completed' | 'failed' };

export function runRetries(input: RetryExperimentConfig): RetryRun {
  const cfg = parseConfig(RetryExperimentSchema, input, 'retry experiment', 'experiment');
  const size = cfg.requestSize;
  const meanSize = meanOf(size);
  if (!(meanSize > 0 && Number.isFinite(meanSize))) throw new Error(`retry experiment: requestSize needs a finite mean > 0, got ${meanSize}`);
  const sim = simFromConfig(cfg, { trace: false });
  const arrivalRng = sim.rng.fork('arrivals');
  const sizeRng = sim.rng.fork('sizes');
  const arrivalRate = (cfg.utilization * cfg.rate) / meanSize;
  const latencies: number[] = [];
  let timeouts = 0;
  let spurious = 0;
  let retransmissions = 0;
  let wasted = 0;
  let busy = 0;
  let lastDeparture = 0;
  let completed = 0;
  let failed = 0;

  const port = createPort<Copy>(
    sim,
    { capacity: cfg.capacity, rate: cfg.rate },
    (copy, t) => {
      busy += t.departed - t.start;
      const r = copy.request;
      if (r.state !== 'waiting') wasted++;
      lastDeparture = t.departed;
      sim.after(cfg.propagation, () => {
        if (r.state !== 'waiting') return;
        r.state = 'completed';
        completed++;
        latencies.push(sim.now - r.sentAt);
      });
    },
    (copy) => void (copy.dropped = true),
  );

  const transmit = (r: Request): void => {
    const copy: Copy = { request: r, attempt: r.latest ? r.latest.attempt + 1 : 0, dropped: false };
    r.latest = copy;
    const bytes = Math.max(1, sample(size, sizeRng));
    sim.after(cfg.propagation, () => port.send(copy, bytes));
    sim.after(cfg.timeout, () => {
      if (r.state !== 'waiting' || copy !== r.latest) return;
      timeouts++;
      if (!copy.dropped) spurious++;
      if (copy.attempt < cfg.maxRetries) {
        retransmissions++;
        transmit(r);
      } else {
        r.state = 'failed';
        failed++;
      }
    });
  };

  let made = 0;
  const arrive = (): void => {
    made++;
    transmit({ sentAt: sim.now, latest: null, state: 'waiting' });
    if (made < cfg.requests) sim.after(exponential(arrivalRng, 1 / arrivalRate), arrive);
  };
  sim.at(0, arrive);
  sim.run();

  return {
    timeout: cfg.timeout,
    requests: cfg.requests,
    completed,
    failed,
    timeouts,
    spuriousTimeouts: spurious,
    retransmissions,
    wastedWork: wasted,
    serverUtilization: lastDeparture > 0 ? busy / lastDeparture : 0,
    dropped: port.dropped,
    latencies,
    meanLatency: latencies.length ? mean(latencies) : 0,
    p99Latency: latencies.length ? percentile(latencies, 99) : 0,
  };
}

/** A fixed timeout from measured round trips: their p-th percentile plus a safety margin (ms). */
export function timeoutFromSamples(rtts: readonly number[], p: number, margin: number): number {
  if (!(margin >= 0)) throw new Error(`timeoutFromSamples: margin must be ≥ 0 ms, got ${margin}`);
  return percentile(rtts, p) + margin;
}
