// Clocks of one node, driven by true (virtual) time. A time-of-day clock has
// an offset from true time, drifts at some parts per million, and can be
// stepped (jump forward or back, as when NTP resets it) or slewed (corrected
// gradually at a bounded rate). A monotonic clock only ever moves forward at
// the oscillator's rate; its value means nothing on another node.
import { z } from 'zod';
import { parseConfig, SimulationError } from './config';

/** |drift| beyond 1% is not a clock but a broken oscillator; real quartz is within ±200 ppm. */
export const MAX_DRIFT_PPM = 10_000;
/** ntpd slews at most 500 ppm, so correcting 1 s takes ~33 minutes. */
export const DEFAULT_SLEW_PPM = 500;

export const ClockConfigSchema = z
  .object({
    /** Wall clock minus true time at t = 0, in ms. */
    offset: z.number().default(0),
    /** Oscillator error in parts per million: +100 gains 100 µs every second. */
    drift: z.number().min(-MAX_DRIFT_PPM).max(MAX_DRIFT_PPM).default(0),
    /** Monotonic clock reading at t = 0 (e.g. the machine's uptime). */
    monotonicStart: z.number().min(0).default(0),
  })
  .strict();

export type ClockConfig = z.input<typeof ClockConfigSchema>;

export interface NodeClock {
  /** Time of day in ms (like Date.now()): may jump, forward or back. */
  wall(): number;
  /** Monotonic ms (like performance.now()): never goes back; only differences are meaningful. */
  monotonic(): number;
  /** Wall clock minus true time, now. */
  offset(): number;
  /** Jump the wall clock by `delta` ms (negative = back in time). */
  step(delta: number): void;
  /** Correct the wall clock by `delta` ms gradually, at most `ratePpm` faster or slower than the oscillator. */
  slew(delta: number, ratePpm?: number): void;
  /** Part of a slew still to be applied, in ms. */
  pendingSlew(): number;
  readonly drift: number;
}

/** A node's clocks; `now` reads the simulation's true time. */
export function createClock(config: ClockConfig, now: () => number, what = 'clock'): NodeClock {
  const cfg = parseConfig(ClockConfigSchema, config, `${what} config`, what);
  const rate = 1 + cfg.drift / 1e6;
  // The wall clock is piecewise linear in true time: (at, wall) is its last
  // known point; between corrections it runs at `rate` (± the slew rate).
  let at = now();
  let wall = at + cfg.offset;
  let slewLeft = 0; // ms still to absorb, signed
  let slewRate = 0; // ms of correction per ms of true time (> 0)
  const monoOrigin = at;

  const advance = (): void => {
    const t = now();
    let dt = t - at;
    if (dt <= 0) return;
    if (slewLeft !== 0) {
      // Run fast or slow until the correction is absorbed, then at the plain rate.
      const needed = Math.abs(slewLeft) / slewRate;
      const during = Math.min(dt, needed);
      const applied = Math.sign(slewLeft) * slewRate * during;
      wall += during * rate + applied;
      slewLeft = during === needed ? 0 : slewLeft - applied;
      dt -= during;
    }
    wall += dt * rate;
    at = t;
  };

  return {
    drift: cfg.drift,
    wall: () => (advance(), wall),
    monotonic: () => cfg.monotonicStart + (now() - monoOrigin) * rate,
    offset: () => (advance(), wall - at),
    step(delta) {
      if (typeof delta !== 'number' || !Number.isFinite(delta)) throw new SimulationError(`${what}.step`, `a step must be a finite number of ms, got ${delta}`, now());
      advance();
      // Two huge steps would overflow: the clock would read Infinity, and every later reading NaN.
      if (!Number.isFinite(wall + delta)) throw new SimulationError(`${what}.step`, `a step of ${delta} ms would take the clock (now ${wall} ms) past the largest number`, now());
      wall += delta;
    },
    slew(delta, ratePpm = DEFAULT_SLEW_PPM) {
      if (typeof delta !== 'number' || !Number.isFinite(delta)) throw new SimulationError(`${what}.slew`, `a slew must be a finite number of ms, got ${delta}`, now());
      if (!(ratePpm > 0 && ratePpm <= MAX_DRIFT_PPM)) throw new SimulationError(`${what}.slew`, `the slew rate must be in (0, ${MAX_DRIFT_PPM}] ppm, got ${ratePpm}`, now());
      advance();
      slewLeft = delta; // a new correction replaces one in progress, as in ntpd
      slewRate = ratePpm / 1e6;
    },
    pendingSlew: () => (advance(), slewLeft),
  };
}
