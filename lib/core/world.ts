// The world every component shares: virtual time, the event queue and the
// trace. Only the simulation moves time forward; nothing here reads the
// wall clock or calls setTimeout.
import { SimulationError } from './config';
import { CalendarQueue, type Scheduled } from './calendar';
import type { Rng } from './random';
import { markTruncated, type TraceEvent } from './trace';

export interface Job extends Scheduled {
  run: () => void;
  /** Who and what this job is, for error messages (kept as two strings: no allocation per event). */
  node?: string;
  label?: string;
}

/** How much of the trace to keep. */
export type TraceOptions = {
  /** Keep only the last `limit` events (a long run's trace then fits in memory). */
  limit?: number;
  /** Called with every event as it happens, whatever is kept. */
  onEvent?: (event: TraceEvent) => void;
};

export interface World {
  now: number;
  readonly queue: CalendarQueue<Job>;
  /** The kept events; with a limit, read it through `keptTrace()`. */
  readonly trace: TraceEvent[];
  /** Root random stream; components fork their own from it by name. */
  readonly rng: Rng;
  /** False when the trace is off: callers skip building events nobody keeps. */
  readonly tracing: boolean;
  /** Run `fn` at virtual time `time` (≥ now, finite). `node` and `label` name it in errors. */
  schedule(time: number, fn: () => void, node?: string, label?: string): void;
  /** Enqueue a job built by the caller (its `run` is a method: no closure per event); sets its `seq`. */
  push(job: Job): void;
  record(event: TraceEvent): void;
  /** The trace, trimmed to its limit (the same array every time). */
  keptTrace(): TraceEvent[];
}

export function createWorld(rng: Rng, recordTrace: boolean | TraceOptions): World {
  let seq = 0;
  const queue = new CalendarQueue<Job>();
  const trace: TraceEvent[] = [];
  const opts: TraceOptions = typeof recordTrace === 'object' ? recordTrace : {};
  const limit = opts.limit ?? Infinity;
  let dropped = 0;
  // Trim in chunks (when twice the limit is reached), so keeping the last N costs O(1) per event.
  const trim = (): void => {
    if (trace.length <= limit) return;
    const extra = trace.length - limit;
    trace.splice(0, extra);
    dropped += extra;
    markTruncated(trace, dropped);
  };
  const keep = (e: TraceEvent): void => {
    trace.push(e);
    if (trace.length >= 2 * limit) trim();
  };
  const onEvent = opts.onEvent;
  const record: (e: TraceEvent) => void =
    recordTrace === false
      ? () => {}
      : onEvent
        ? (e) => {
            if (limit > 0) keep(e);
            onEvent(e);
          }
        : limit === Infinity
          ? (e) => void trace.push(e)
          : keep;
  // NaN would silently never run; Infinity would stop time for good.
  const badTime = (time: number, node?: string, label?: string): never => {
    throw new SimulationError(describeJob({ node, label }), `cannot schedule at t=${time}: it is before now (t=${world.now}), not a number or not finite`, world.now);
  };
  const world: World = {
    now: 0,
    queue,
    trace,
    rng,
    tracing: recordTrace !== false,
    schedule(time, fn, node, label) {
      if (!(time >= world.now) || time === Infinity) badTime(time, node, label);
      queue.push({ time, seq: seq++, next: undefined, run: fn, node, label });
    },
    push(job) {
      if (!(job.time >= world.now) || job.time === Infinity) badTime(job.time, job.node, job.label);
      job.seq = seq++;
      queue.push(job);
    },
    record,
    keptTrace() {
      trim();
      return trace;
    },
  };
  return world;
}

/** `nodes.n1 (timer 'tick')`, for error messages. */
export function describeJob(j: { node?: string; label?: string }): string {
  if (j.node === undefined) return j.label ?? 'schedule';
  return j.label === undefined ? `nodes.${j.node}` : `nodes.${j.node} (${j.label})`;
}
