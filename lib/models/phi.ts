// The phi-accrual failure detector (Hayashibara et al., 2004), as Cassandra
// and Akka use it. Instead of a yes/no timeout it outputs a suspicion level,
// phi: how surprising the current silence would be if the node were alive.
// It keeps a sliding window of heartbeat inter-arrival times, models them as
// a normal distribution (mean + acceptable pause, standard deviation with a
// floor), and reports
//
//     phi = -log10(P(an interval this long or longer)) = -log10(1 - CDF(elapsed))
//
// so phi = 1 means a 10% chance of being wrong, phi = 8 one in 10^8 under
// the model. The CDF is Akka's logistic approximation of the normal one:
//     CDF(y) ≈ 1 / (1 + exp(-y (1.5976 + 0.070566 y²))),   y = (elapsed - mean) / sd
// (accurate to ~1e-4 absolute; no erf needed).
import { z } from 'zod';
import { parseConfig } from '../core/config';
import type { Detector } from './detector';

export const PhiConfigSchema = z
  .object({
    // Akka's and Cassandra's default: suspect when the model gives 1 chance in 10^8 of a live node being this late.
    threshold: z.number().gt(0).default(8),
    // Akka's max-sample-size: enough history for a stable estimate, still follows a changing network.
    windowSize: z.number().int().min(1).default(1000),
    // Akka: 100 ms at 1 s heartbeats; scaled to our 100 ms heartbeats. Without a floor, perfectly regular heartbeats give sd ≈ 0 and any jitter looks like death.
    minStdDev: z.number().gt(0).default(10),
    // Added to the mean: a pause this long is tolerated outright (Akka's cluster default is 3 s at 1 s heartbeats). 0: the bare detector.
    acceptablePause: z.number().min(0).default(0),
    // The expected interval, to seed the window before any is measured (Akka's first-heartbeat-estimate); our heartbeat interval.
    firstHeartbeatEstimate: z.number().gt(0).default(100),
  })
  .strict();
export type PhiConfig = z.input<typeof PhiConfigSchema>;

/** What `phi` needs besides the window. */
export type PhiModel = { minStdDev: number; acceptablePause: number };

/** The logistic stand-in for 1 - Φ(y), as -log10 of it, without overflow: log10(1 + e^u). */
function phiOfY(y: number): number {
  const u = y * (1.5976 + 0.070566 * y * y);
  // softplus(u) = ln(1 + e^u), computed so that large |u| neither overflows nor loses precision
  const softplus = Math.max(u, 0) + Math.log1p(Math.exp(-Math.abs(u)));
  return softplus / Math.LN10;
}

/**
 * phi of a silence of `elapsed` ms given inter-arrival times `intervals`:
 * mean and (population) standard deviation of the window, sd raised to
 * `minStdDev`, `acceptablePause` added to the mean. An empty window gives 0
 * (no information, no suspicion).
 */
export function phi(elapsed: number, intervals: readonly number[], model: PhiModel): number {
  checkPhiInput(elapsed, 'elapsed');
  if (!(model.minStdDev > 0) || !Number.isFinite(model.minStdDev)) {
    throw new Error(`phi: minStdDev must be a finite number > 0, got ${model.minStdDev} (with 0, regular heartbeats give sd 0 and phi divides by zero)`);
  }
  if (!(model.acceptablePause >= 0) || !Number.isFinite(model.acceptablePause)) throw new Error(`phi: acceptablePause must be a finite number ≥ 0, got ${model.acceptablePause}`);
  intervals.forEach((x, i) => checkPhiInput(x, `intervals[${i}]`));
  if (intervals.length === 0) return 0;
  let sum = 0;
  let sq = 0;
  for (const x of intervals) {
    sum += x;
    sq += x * x;
  }
  return phiFromMoments(elapsed, sum, sq, intervals.length, model);
}

function checkPhiInput(x: number, what: string): void {
  if (typeof x !== 'number' || !Number.isFinite(x)) throw new Error(`phi: ${what} must be a finite number of ms, got ${x}`);
}

function phiFromMoments(elapsed: number, sum: number, sq: number, n: number, model: PhiModel): number {
  const mean = sum / n;
  const variance = Math.max(0, sq / n - mean * mean); // rounding can make it slightly negative
  const sd = Math.max(Math.sqrt(variance), model.minStdDev);
  return phiOfY((elapsed - (mean + model.acceptablePause)) / sd);
}

export interface PhiDetector extends Detector {
  /** The suspicion level at `now` (0 before the first heartbeat). */
  phi(now: number): number;
  /** The current window of inter-arrival times, oldest first. */
  intervals(): number[];
  readonly threshold: number;
}

/**
 * A phi-accrual detector: suspects when phi(now) ≥ threshold. The window
 * starts with two intervals, est − est/4 and est + est/4 (Akka's bootstrap,
 * so a node that dies right after its first heartbeat is still suspected);
 * they slide out like any other. Mean and variance are kept as running sums,
 * so each question costs O(1) whatever the window size.
 */
export function phiAccrualDetector(config: PhiConfig = {}): PhiDetector {
  const cfg = parseConfig(PhiConfigSchema, config, 'phi-accrual detector config', 'detector');
  const window: number[] = []; // ring buffer
  let head = 0; // index of the oldest interval once full
  let sum = 0;
  let sq = 0;
  let last: number | undefined;
  const push = (x: number): void => {
    if (window.length < cfg.windowSize) {
      window.push(x);
    } else {
      const old = window[head]!;
      sum -= old;
      sq -= old * old;
      window[head] = x;
      head = (head + 1) % cfg.windowSize;
    }
    sum += x;
    sq += x * x;
  };
  const est = cfg.firstHeartbeatEstimate;
  push(est - est / 4);
  push(est + est / 4);
  const level = (now: number): number => {
    checkPhiInput(now, 'now');
    return last === undefined ? 0 : phiFromMoments(now - last, sum, sq, window.length, cfg);
  };
  return {
    threshold: cfg.threshold,
    heartbeat(at) {
      // One NaN in the window would make every later phi NaN: refuse it at the door.
      checkPhiInput(at, 'heartbeat time');
      if (last !== undefined) {
        if (at < last) return; // a monotonic clock never goes back; ignore a stale report
        push(at - last);
      }
      last = at;
    },
    phi: level,
    suspect: (now) => level(now) >= cfg.threshold,
    intervals: () => [...window.slice(head), ...window.slice(0, head)],
  };
}
