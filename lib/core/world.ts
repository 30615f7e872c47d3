// The world every component shares: virtual time, the event queue and the
// trace. Only the simulation moves time forward; nothing here reads the
// wall clock or calls setTimeout.
import { EventHeap, type Scheduled } from './heap';
import type { Rng } from './random';
import type { TraceEvent } from './trace';

export interface Job extends Scheduled {
  run: () => void;
}

export interface World {
  now: number;
  readonly queue: EventHeap<Job>;
  readonly trace: TraceEvent[];
  /** Root random stream; components fork their own from it by name. */
  readonly rng: Rng;
  /** Run `fn` at virtual time `time` (≥ now). */
  schedule(time: number, fn: () => void): void;
  record(event: TraceEvent): void;
}

export function createWorld(rng: Rng, recordTrace: boolean): World {
  let seq = 0;
  const queue = new EventHeap<Job>();
  const trace: TraceEvent[] = [];
  const world: World = {
    now: 0,
    queue,
    trace,
    rng,
    schedule(time, fn) {
      if (!(time >= world.now)) {
        // Also catches NaN: a NaN time would silently never run.
        throw new Error(`cannot schedule at t=${time}: it is before now (t=${world.now}) or not a number`);
      }
      queue.push({ time, seq: seq++, run: fn });
    },
    record: recordTrace ? (e) => void trace.push(e) : () => {},
  };
  return world;
}
