// The world every component shares: virtual time, the event queue and the
// trace. Only the simulation moves time forward; nothing here reads the
// wall clock or calls setTimeout.
import { SimulationError } from './config';
import { EventQueue, type Scheduled } from './calendar';
import type { Rng } from './random';
import type { NodeId, TraceEvent } from './trace';
import { createTraceLog } from './trace-log';

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
  readonly queue: EventQueue<Job>;
  /** Root random stream; components fork their own from it by name. */
  readonly rng: Rng;
  /** False when the trace is off: callers skip building events nobody keeps. */
  readonly tracing: boolean;
  /** Run `fn` at virtual time `time` (≥ now, finite). `node` and `label` name it in errors. */
  schedule(time: number, fn: () => void, node?: string, label?: string): void;
  /** Enqueue a job built by the caller (its `run` is a method: no closure per event); sets its `seq`. */
  push(job: Job): void;
  record(event: TraceEvent): void;
  // The events of every message and timer, recorded without building an object (callers check `tracing`).
  recordSend(time: number, msg: number, from: NodeId, to: NodeId, body: unknown, copy: boolean): void;
  recordDeliver(time: number, msg: number, from: NodeId, to: NodeId, body: unknown, sentAt: number): void;
  recordTimer(time: number, node: NodeId, label: string, late: number): void;
  /** The trace, trimmed to its limit (the same array every time). */
  keptTrace(): TraceEvent[];
}

export function createWorld(rng: Rng, recordTrace: boolean | TraceOptions): World {
  let seq = 0;
  const queue = new EventQueue<Job>();
  const opts: TraceOptions = typeof recordTrace === 'object' ? recordTrace : {};
  const limit = opts.limit ?? Infinity;
  const log = createTraceLog(limit);
  const onEvent = opts.onEvent;
  const record: (e: TraceEvent) => void =
    recordTrace === false
      ? () => {}
      : onEvent
        ? (e) => {
            if (limit > 0) log.event(e);
            onEvent(e);
          }
        : log.event;
  // A stream needs every event as an object anyway; otherwise the log keeps them in columns.
  const recordSend: World['recordSend'] = onEvent
    ? (time, msg, from, to, body, copy) => record({ type: 'send', time, msg, from, to, body, copy })
    : log.send;
  const recordDeliver: World['recordDeliver'] = onEvent
    ? (time, msg, from, to, body, sentAt) => record({ type: 'deliver', time, msg, from, to, body, sentAt })
    : log.deliver;
  const recordTimer: World['recordTimer'] = onEvent ? (time, node, label, late) => record({ type: 'timer', time, node, label, late }) : log.timer;
  // NaN would silently never run; Infinity would stop time for good.
  const badTime = (time: number, node?: string, label?: string): never => {
    throw new SimulationError(describeJob({ node, label }), `cannot schedule at t=${time}: it is before now (t=${world.now}), not a number or not finite`, world.now);
  };
  const world: World = {
    now: 0,
    queue,
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
    recordSend,
    recordDeliver,
    recordTimer,
    keptTrace: () => log.read(),
  };
  return world;
}

/** `nodes.n1 (timer 'tick')`, for error messages. */
export function describeJob(j: { node?: string; label?: string }): string {
  if (j.node === undefined) return j.label ?? 'schedule';
  return j.label === undefined ? `nodes.${j.node}` : `nodes.${j.node} (${j.label})`;
}
