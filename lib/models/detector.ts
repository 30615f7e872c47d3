// Failure detection by heartbeats. A sender says "I'm alive" every `interval`
// ms; a monitor feeds the arrivals to a Detector, asks it every `checkEvery` ms
// whether to suspect the sender, and records when it starts and stops
// suspecting. `measure` turns that record into the two numbers every detector
// trades against each other: false suspicions of a live node, and the time to
// suspect a dead one.
//
// A detector measures elapsed time on a MONOTONIC clock (`ctx.clock.monotonic()`),
// never the time of day: a wall clock stepped forward by NTP would make every
// node look dead at once, and one stepped back would hide a real crash.
import { z } from 'zod';
import { ExperimentSchema, simFromConfig } from './experiment';
import { parseConfig } from '../core/config';
import { NemesisSchema, pauseSchedule } from '../core/nemesis';
import { NetworkConfigSchema } from '../core/network';
import { needsNodes, type NodeContext, type Program } from '../core/node';
import { DistributionSchema } from '../core/random';
import type { NodeId } from '../core/trace';

// ---------------------------------------------------------------------------
// Types

/**
 * A failure detector as a monitor uses it. Times are ms on the monitor's
 * monotonic clock. Contract (the monitor and `replay` rely on it):
 * - before the first heartbeat it has no information and does not suspect;
 * - `suspect` only reads state: asking never changes the answer;
 * - between two heartbeats, once `suspect(now)` is true it stays true for any
 *   later `now` (suspicion grows with silence).
 */
export interface Detector {
  /** A heartbeat arrived at `at`. */
  heartbeat(at: number): void;
  /** Does the detector suspect the node at `now`? */
  suspect(now: number): boolean;
}

/** The monitor changed its mind at `time` (true time, for measurement). */
export type Transition = { time: number; suspected: boolean };

/** What a monitor saw and concluded, in true time. */
export type MonitorLog = {
  watched: NodeId;
  /** Arrival times of the watched node's heartbeats. */
  arrivals: number[];
  transitions: Transition[];
};

/** How a detector did on one run: findings as data. */
export type Findings = {
  /** Suspicions that began while the node was up. */
  falseSuspicions: number;
  /** Of the node's up time, how long it was wrongly suspected (ms). */
  falselySuspectedMs: number;
  /** The node's up time that was observed (ms). */
  upMs: number;
  /** falseSuspicions scaled to one hour of up time. */
  falseSuspicionsPerHour: number;
  /** Crash to the lasting suspicion (ms); null without a crash, or if still trusted at `until`. */
  detectionTime: number | null;
};

// ---------------------------------------------------------------------------
// The fixed-timeout detector

export const FixedTimeoutConfigSchema = z
  .object({
    /** Suspect once this many ms have passed since the last heartbeat. */
    timeout: z.number().gt(0),
  })
  .strict();
export type FixedTimeoutConfig = z.input<typeof FixedTimeoutConfigSchema>;

/** Suspects when `timeout` ms or more have passed since the last heartbeat. */
export function fixedTimeoutDetector(config: FixedTimeoutConfig): Detector {
  const { timeout } = parseConfig(FixedTimeoutConfigSchema, config, 'fixed-timeout detector config', 'detector');
  let last: number | undefined;
  return {
    heartbeat: (at) => void (last = last === undefined ? at : Math.max(last, at)),
    suspect: (now) => last !== undefined && now - last >= timeout,
  };
}

// ---------------------------------------------------------------------------
// A watch: the bookkeeping shared by the live monitor and offline replay.

interface Watch {
  readonly log: MonitorLog;
  /** Feed a heartbeat; trust again if the detector no longer suspects. Returns a change of mind. */
  arrive(time: number, clock: number): Transition | undefined;
  /** Ask the detector; record and return a change of mind. */
  check(time: number, clock: number): Transition | undefined;
  readonly suspected: boolean;
}

function createWatch(watched: NodeId, detector: Detector | undefined, log?: MonitorLog): Watch {
  const l: MonitorLog = log ?? { watched, arrivals: [], transitions: [] };
  let suspected = false;
  const decide = (time: number, now: boolean): Transition | undefined => {
    if (now === suspected) return undefined;
    suspected = now;
    const t = { time, suspected };
    l.transitions.push(t);
    return t;
  };
  return {
    log: l,
    get suspected() {
      return suspected;
    },
    arrive(time, clock) {
      l.arrivals.push(time);
      if (!detector) return undefined;
      detector.heartbeat(clock);
      return suspected ? decide(time, detector.suspect(clock)) : undefined;
    },
    check: (time, clock) => (detector ? decide(time, detector.suspect(clock)) : undefined),
  };
}

// ---------------------------------------------------------------------------
// Programs

/** Heartbeat message body. */
export type Heartbeat = { heartbeat: number };

export const isHeartbeat = (body: unknown): body is Heartbeat =>
  typeof body === 'object' && body !== null && typeof (body as { heartbeat?: unknown }).heartbeat === 'number';

export const HeartbeatConfigSchema = z
  .object({
    /** The node that watches this one. */
    to: z.string().min(1),
    // 100 ms: ten times faster than Akka's 1 s default, so experiments stay short in virtual time.
    interval: z.number().gt(0).default(100),
  })
  .strict();
export type HeartbeatConfig = z.input<typeof HeartbeatConfigSchema>;

/**
 * A node that sends `{ heartbeat: n }` to `to` at boot and every `interval` ms.
 * A paused node's timer fires late, when it resumes: its heartbeats stop too.
 */
export function heartbeatSender(config: HeartbeatConfig): Program {
  const { to, interval } = parseConfig(HeartbeatConfigSchema, config, 'heartbeat config', 'heartbeat');
  const program: Program = (ctx) => {
    let n = 0;
    const beat = (): void => {
      ctx.send(to, { heartbeat: n++ } satisfies Heartbeat);
      ctx.setTimer(interval, beat, 'heartbeat');
    };
    beat();
  };
  return needsNodes(program, [[to, 'heartbeat.to']]);
}

export const MonitorConfigSchema = z
  .object({
    /** The node whose heartbeats this monitor watches. */
    watch: z.string().min(1),
    // A tenth of the heartbeat interval: fine enough that the check period barely adds to detection time.
    checkEvery: z.number().gt(0).default(10),
    // 'wall' exists only to show the bug of timing heartbeats with the time of day.
    clock: z.enum(['monotonic', 'wall']).default('monotonic'),
  })
  .strict();
export type MonitorConfig = z.input<typeof MonitorConfigSchema>;

/**
 * A monitor program and the log it fills. It feeds each heartbeat from
 * `watch` to the detector and asks it every `checkEvery` ms; each change of
 * mind goes into `log.transitions` and the trace ("suspect server" / "trust
 * server"). `detector` is a factory: a restarted monitor starts from scratch.
 * Without one the monitor only records arrivals (for `replay`).
 */
export function monitor(config: MonitorConfig, detector?: () => Detector): { program: Program; log: MonitorLog } {
  const { watch, checkEvery, clock } = parseConfig(MonitorConfigSchema, config, 'monitor config', 'monitor');
  const log: MonitorLog = { watched: watch, arrivals: [], transitions: [] };
  const program: Program = (ctx: NodeContext) => {
    const w = createWatch(watch, detector?.(), log);
    const read = (): number => (clock === 'wall' ? ctx.clock.wall() : ctx.clock.monotonic());
    const note = (t: Transition | undefined): void => {
      if (t) ctx.note(`${t.suspected ? 'suspect' : 'trust'} ${watch}`);
    };
    if (detector) {
      // Ticks on a fixed grid from boot (start + k·checkEvery), as `replay` assumes.
      const start = ctx.now();
      let k = 0;
      const tick = (): void => {
        note(w.check(ctx.now(), read()));
        k++;
        ctx.setTimer(start + k * checkEvery - ctx.now(), tick, 'check');
      };
      k++;
      ctx.setTimer(checkEvery, tick, 'check');
    }
    return {
      onMessage: (msg) => {
        if (msg.from !== watch || !isHeartbeat(msg.body)) return;
        note(w.arrive(ctx.now(), read()));
      },
    };
  };
  return { program: needsNodes(program, [[watch, 'monitor.watch']]), log };
}

// ---------------------------------------------------------------------------
// Offline replay and measurement

export const ReplayOptionsSchema = z
  .object({
    /** The monitor's check period (ms), as in MonitorConfig. */
    checkEvery: z.number().gt(0).default(10),
    /** The monitor booted at this time; checks happen at start + k·checkEvery, k ≥ 1. */
    start: z.number().min(0).default(0),
    /** Replay up to this time (inclusive). */
    until: z.number().min(0),
  })
  .strict();
export type ReplayOptions = z.input<typeof ReplayOptionsSchema>;

/**
 * The transitions a monitor with `detector` would have recorded, given the
 * heartbeat arrival times of a run (sorted): the same checks as `monitor`
 * (on a perfect monotonic clock), computed without a simulation. Because
 * suspicion only grows between heartbeats, it asks only the last check
 * before each arrival, and bisects when that one suspects: a one-hour trace
 * costs tens of thousands of questions, not hundreds of thousands.
 */
export function replay(detector: Detector, arrivals: readonly number[], options: ReplayOptions): Transition[] {
  const { checkEvery, start, until } = parseConfig(ReplayOptionsSchema, options, 'replay options', 'replay');
  const w = createWatch('replayed', detector);
  const tick = (k: number): number => start + k * checkEvery;
  const lastTick = Math.floor((until - start) / checkEvery);
  let k = 1; // next check not yet done
  for (let i = 0; ; i++) {
    const a = i < arrivals.length ? arrivals[i]! : Infinity;
    if (i > 0 && !(a >= arrivals[i - 1]!)) throw new Error(`replay: arrivals must be sorted numbers (arrivals[${i}] = ${a})`);
    // Checks strictly before this arrival (an arrival at a check's time is fed first).
    let last = Math.min(lastTick, Math.ceil((a - start) / checkEvery) - 1);
    while (last >= k && tick(last) >= a) last--; // guard against rounding
    if (last >= k) {
      if (!w.suspected && detector.suspect(tick(last))) {
        let lo = k;
        let hi = last; // suspect(tick(hi)) is true; find the first such check
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (detector.suspect(tick(mid))) hi = mid;
          else lo = mid + 1;
        }
        w.check(tick(lo), tick(lo));
      }
      k = last + 1;
    }
    if (a > until) break;
    w.arrive(a, a);
  }
  return w.log.transitions;
}

export const MeasureOptionsSchema = z
  .object({
    /** When the watched node crashed, if it did. */
    crashAt: z.number().min(0).optional(),
    /** Start of the observed window (e.g. after a warm-up). */
    from: z.number().min(0).default(0),
    /** End of the observed window. */
    until: z.number().min(0),
  })
  .strict()
  .refine((o) => o.until >= o.from, { message: 'until must be ≥ from', path: ['until'] });
export type MeasureOptions = z.input<typeof MeasureOptionsSchema>;

/**
 * Score a monitor's transitions: suspicions that began while the node was up
 * are false; the lasting suspicion after a crash gives the detection time.
 */
export function measure(transitions: readonly Transition[], options: MeasureOptions): Findings {
  const { crashAt, from, until } = parseConfig(MeasureOptionsSchema, options, 'measure options', 'measure');
  const upEnd = Math.max(from, Math.min(crashAt ?? until, until));
  let falseSuspicions = 0;
  let falselySuspectedMs = 0;
  let since: number | null = null; // start of the current suspicion
  for (const t of transitions) {
    if (t.time > until) break;
    if (t.suspected) {
      since = t.time;
      if (t.time >= from && t.time < upEnd) falseSuspicions++;
    } else if (since !== null) {
      falselySuspectedMs += overlap(since, t.time, from, upEnd);
      since = null;
    }
  }
  if (since !== null) falselySuspectedMs += overlap(since, until, from, upEnd);
  const upMs = upEnd - from;
  let detectionTime: number | null = null;
  if (crashAt !== undefined && crashAt <= until && since !== null) detectionTime = Math.max(0, since - crashAt);
  return {
    falseSuspicions,
    falselySuspectedMs,
    upMs,
    falseSuspicionsPerHour: upMs > 0 ? (falseSuspicions * 3_600_000) / upMs : 0,
    detectionTime,
  };
}

const overlap = (a: number, b: number, lo: number, hi: number): number => Math.max(0, Math.min(b, hi) - Math.max(a, lo));

// ---------------------------------------------------------------------------
// A recorded heartbeat run: one sender, one monitor, pauses, maybe a crash.

export const PausesSchema = z
  .object({
    /** Time from the end of one pause to the start of the next (ms). */
    every: DistributionSchema,
    /** Length of a pause (ms). */
    duration: DistributionSchema,
  })
  .strict();
export type PausesConfig = z.input<typeof PausesSchema>;

export const HeartbeatRunSchema = ExperimentSchema
  .extend({
    network: NetworkConfigSchema.default(NetworkConfigSchema.parse({})),
    // As heartbeatSender's default.
    interval: z.number().gt(0).default(100),
    /** Stop-the-world pauses of the sender (GC, VM migration). */
    pauses: PausesSchema.optional(),
    /** Crash the sender at this time. */
    crashAt: z.number().min(0).optional(),
    until: z.number().gt(0),
  })
  .strict();
export type HeartbeatRunConfig = z.input<typeof HeartbeatRunSchema>;

export type HeartbeatRun = {
  seed: number | string;
  /** Heartbeat arrivals at the monitor, in true time. */
  arrivals: number[];
  /** The pauses the sender went through. */
  pauses: Array<{ at: number; for: number }>;
  crashAt?: number;
  until: number;
};

/**
 * Run 'server' sending heartbeats to 'monitor' and return when they arrived.
 * The trace is off (runs of hours of virtual time); detectors are then judged
 * offline with `replay`, all on the same arrivals.
 */
export function recordHeartbeats(config: HeartbeatRunConfig): HeartbeatRun {
  const cfg = parseConfig(HeartbeatRunSchema, config, 'heartbeat run', 'run');
  const sim = simFromConfig(cfg, { trace: false });
  const mon = monitor({ watch: 'server' });
  sim.addNode('monitor', mon.program);
  sim.addNode('server', heartbeatSender({ to: 'monitor', interval: cfg.interval }));
  const upTo = Math.min(cfg.crashAt ?? cfg.until, cfg.until);
  const p = cfg.pauses;
  // Its own stream, forked from the scenario's, not a second copy of the root stream the simulator draws from.
  // Passed field by field: under tslab's non-strict options zod's output fields read as optional.
  const schedule = p ? pauseSchedule(sim.rng.fork('pauses'), { nodes: ['server'], gap: p.every, length: p.duration, minLength: 1, until: upTo }) : [];
  // A pause running into the crash is cut short by it: the process is gone either way.
  const faults = parseConfig(NemesisSchema, schedule, 'pauses');
  if (cfg.crashAt !== undefined) faults.push({ at: cfg.crashAt, fault: 'crash', node: 'server' });
  sim.nemesis(faults);
  sim.run({ until: cfg.until });
  return {
    seed: cfg.seed,
    arrivals: mon.log.arrivals,
    pauses: faults.flatMap((f) => (f.fault === 'pause' ? [{ at: f.at, for: f.for ?? 0 }] : [])),
    ...(cfg.crashAt !== undefined ? { crashAt: cfg.crashAt } : {}),
    until: cfg.until,
  };
}
