// Lesson 03 — detecting faults. Reference solution.
import type { Detector } from '../lib/models/detector';

/** The settings of a phi-accrual detector (no defaults here: the grader passes all of them). */
export type PhiOptions = {
  /** Suspect when phi ≥ threshold (Akka and Cassandra use 8). */
  threshold: number;
  /** Keep only the last `windowSize` inter-arrival times. */
  windowSize: number;
  /** Floor for the standard deviation, in ms (> 0). */
  minStdDev: number;
  /** Added to the mean interval, in ms: a pause this long is tolerated outright. */
  acceptablePause: number;
  /** The expected interval, in ms, to seed the window before any is measured. */
  firstHeartbeatEstimate: number;
};

/** A phi-accrual detector also tells how suspicious it is. */
export interface PhiDetector extends Detector {
  /** The suspicion level at `now`; 0 before the first heartbeat. */
  phi(now: number): number;
}

/**
 * Part 1. A fixed-timeout detector. `heartbeat(at)` records that a heartbeat
 * arrived at `at` (ms on a monotonic clock; keep the latest). `suspect(now)`
 * is false before any heartbeat, and otherwise true exactly when
 * `now - lastHeartbeat >= timeout`.
 */
export function createFixedTimeout(timeout: number): Detector {
  let last: number | undefined;
  return {
    heartbeat(at) {
      if (last === undefined || at > last) last = at;
    },
    suspect: (now) => last !== undefined && now - last >= timeout,
  };
}

/**
 * Part 2. phi for a silence of `elapsed` ms, given a window of inter-arrival
 * times `intervals` (ms):
 * - an empty window gives 0;
 * - mean = average of the window + acceptablePause;
 * - sd = population standard deviation of the window (divide by n, not n − 1),
 *   raised to minStdDev if smaller;
 * - y = (elapsed − mean) / sd;
 * - with Akka's logistic approximation of the normal CDF,
 *   F(y) = 1 / (1 + e) where e = exp(−y · (1.5976 + 0.070566 · y²)),
 *   phi = −log10(1 − F(y)).
 * phi must be a finite number ≥ 0 for every y from −100 to 20, so compute
 * 1 − F(y) as Akka does: when y > 0, as e / (1 + e) (`1 - 1/(1+e)` rounds to
 * 0 for a long silence); otherwise as 1 − 1 / (1 + e) (e overflows to
 * Infinity for a heartbeat far earlier than expected, and ∞/∞ is NaN).
 */
export function phiOf(elapsed: number, intervals: readonly number[], model: { minStdDev: number; acceptablePause: number }): number {
  const n = intervals.length;
  if (n === 0) return 0;
  const avg = intervals.reduce((s, x) => s + x, 0) / n;
  const variance = intervals.reduce((s, x) => s + (x - avg) * (x - avg), 0) / n;
  const sd = Math.max(Math.sqrt(variance), model.minStdDev);
  const y = (elapsed - (avg + model.acceptablePause)) / sd;
  const e = Math.exp(-y * (1.5976 + 0.070566 * y * y));
  return y > 0 ? -Math.log10(e / (1 + e)) : -Math.log10(1 - 1 / (1 + e));
}

/**
 * Part 3. A phi-accrual detector.
 * - The window of inter-arrival times starts with two made-up intervals,
 *   0.75 · firstHeartbeatEstimate and 1.25 · firstHeartbeatEstimate (in that
 *   order), so a node that dies right after its first heartbeat is still
 *   suspected. They slide out like any other interval.
 * - `heartbeat(at)`: the first one only sets the last-heartbeat time; each
 *   later one appends `at − last` to the window (dropping the oldest beyond
 *   `windowSize`) and sets last = at.
 * - `phi(now)`: 0 before the first heartbeat; else phiOf(now − last, window, options).
 * - `suspect(now)`: phi(now) ≥ threshold.
 */
export function createPhiAccrual(options: PhiOptions): PhiDetector {
  const est = options.firstHeartbeatEstimate;
  const window: number[] = [0.75 * est, 1.25 * est];
  let last: number | undefined;
  const phi = (now: number): number => (last === undefined ? 0 : phiOf(now - last, window, options));
  return {
    heartbeat(at) {
      if (last !== undefined) {
        window.push(at - last);
        if (window.length > options.windowSize) window.shift();
      }
      last = at;
    },
    phi,
    suspect: (now) => phi(now) >= options.threshold,
  };
}
