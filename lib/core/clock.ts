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

/** A node's clocks. Call its methods on it (`ctx.clock.wall()`): they are shared by every node's clock. */
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

const signed = (d: number): string => `${d >= 0 ? '+' : ''}${Number(d.toFixed(3))} ms`;

// What an empty config parses to, parsed once: most nodes have perfect clocks.
const PERFECT = ClockConfigSchema.parse({});

/** A node's clocks; `now` reads the simulation's true time. */
export function createClock(config: ClockConfig, now: () => number, what = 'clock'): NodeClock {
  return new Clock(config, now, what);
}

/**
 * The clocks as one object with its methods on the prototype (a simulation
 * makes one per node: no closures). `changed` is told of every step and
 * slew (e.g. `step +5 ms`), to trace it.
 */
export class Clock implements NodeClock {
  readonly drift: number;
  private readonly rate: number;
  private readonly monotonicStart: number;
  private readonly monoOrigin: number;
  // The wall clock is piecewise linear in true time: (at, wallAt) is its last
  // known point; between corrections it runs at `rate` (± the slew rate).
  private at: number;
  private wallAt: number;
  private slewLeft = 0; // ms still to absorb, signed
  private slewRate = 0; // ms of correction per ms of true time (> 0)

  constructor(
    config: ClockConfig,
    private readonly now: () => number,
    private readonly what = 'clock',
    private readonly changed?: (change: string) => void,
  ) {
    const empty = typeof config === 'object' && config !== null && Object.getPrototypeOf(config) === Object.prototype && Object.keys(config).length === 0;
    const cfg = empty ? PERFECT : parseConfig(ClockConfigSchema, config, `${what} config`, what);
    this.drift = cfg.drift;
    this.rate = 1 + cfg.drift / 1e6;
    this.monotonicStart = cfg.monotonicStart;
    this.at = now();
    this.wallAt = this.at + cfg.offset;
    this.monoOrigin = this.at;
  }

  private advance(): void {
    const t = this.now();
    let dt = t - this.at;
    if (dt <= 0) return;
    if (this.slewLeft !== 0) {
      // Run fast or slow until the correction is absorbed, then at the plain rate.
      const needed = Math.abs(this.slewLeft) / this.slewRate;
      const during = Math.min(dt, needed);
      const applied = Math.sign(this.slewLeft) * this.slewRate * during;
      this.wallAt += during * this.rate + applied;
      this.slewLeft = during === needed ? 0 : this.slewLeft - applied;
      dt -= during;
    }
    this.wallAt += dt * this.rate;
    this.at = t;
  }

  wall(): number {
    this.advance();
    return this.wallAt;
  }
  monotonic(): number {
    return this.monotonicStart + (this.now() - this.monoOrigin) * this.rate;
  }
  offset(): number {
    this.advance();
    return this.wallAt - this.at;
  }
  step(delta: number): void {
    const what = this.what;
    if (typeof delta !== 'number' || !Number.isFinite(delta)) throw new SimulationError(`${what}.step`, `a step must be a finite number of ms, got ${delta}`, this.now());
    this.advance();
    // Two huge steps would overflow: the clock would read Infinity, and every later reading NaN.
    if (!Number.isFinite(this.wallAt + delta)) {
      throw new SimulationError(`${what}.step`, `a step of ${delta} ms would take the clock (now ${this.wallAt} ms) past the largest number`, this.now());
    }
    this.wallAt += delta;
    this.changed?.(`step ${signed(delta)}`);
  }
  slew(delta: number, ratePpm = DEFAULT_SLEW_PPM): void {
    const what = this.what;
    if (typeof delta !== 'number' || !Number.isFinite(delta)) throw new SimulationError(`${what}.slew`, `a slew must be a finite number of ms, got ${delta}`, this.now());
    if (!(ratePpm > 0 && ratePpm <= MAX_DRIFT_PPM)) throw new SimulationError(`${what}.slew`, `the slew rate must be in (0, ${MAX_DRIFT_PPM}] ppm, got ${ratePpm}`, this.now());
    this.advance();
    this.slewLeft = delta; // a new correction replaces one in progress, as in ntpd
    this.slewRate = ratePpm / 1e6;
    this.changed?.(`slew ${signed(delta)}`);
  }
  pendingSlew(): number {
    this.advance();
    return this.slewLeft;
  }
}
