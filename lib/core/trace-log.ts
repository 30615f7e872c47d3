// Where the trace is written during a run. The three events of every message
// and timer (send, deliver, timer) go into columns (typed arrays for the
// numbers, plain arrays for names and bodies) instead of one object each:
// a bounded trace of a long run (keep the last N) then allocates nothing per
// event for the garbage collector to copy and promote, and only the kept
// events ever become TraceEvent objects, the shape every checker and chart
// reads, when the trace is read. Rarer events (faults, drops, notes, clock
// changes) are kept as the objects they are. A full trace keeps every event
// anyway, so it is kept as objects from the start: columns would only add
// their own memory to the objects' at the end.
import { markTruncated, type NodeId, type TraceEvent } from './trace';

const SEND = 0;
const SEND_COPY = 1;
const DELIVER = 2;
const TIMER = 3;
const OBJECT = 4;

export interface TraceLog {
  send(time: number, msg: number, from: NodeId, to: NodeId, body: unknown, copy: boolean): void;
  deliver(time: number, msg: number, from: NodeId, to: NodeId, body: unknown, sentAt: number): void;
  timer(time: number, node: NodeId, label: string, late: number): void;
  /** Any other event, as it is. */
  event(e: TraceEvent): void;
  /** The events so far (the last `limit` of them), as objects: the same array every time. */
  read(): TraceEvent[];
}

/** Keep every event, or the last `limit` (in a ring: O(1) per event, nothing moved). */
export function createTraceLog(limit = Infinity): TraceLog {
  return limit === Infinity ? fullLog() : boundedLog(limit);
}

function fullLog(): TraceLog {
  const trace: TraceEvent[] = [];
  return {
    send: (time, msg, from, to, body, copy) => void trace.push({ type: 'send', time, msg, from, to, body, copy }),
    deliver: (time, msg, from, to, body, sentAt) => void trace.push({ type: 'deliver', time, msg, from, to, body, sentAt }),
    timer: (time, node, label, late) => void trace.push({ type: 'timer', time, node, label, late }),
    event: (e) => void trace.push(e),
    read: () => trace,
  };
}

function boundedLog(limit: number): TraceLog {
  // The columns are a ring of at most `limit` rows: once full, each new event
  // takes the oldest one's row, so nothing is ever moved and a message body
  // is let go as soon as its event falls out of the last `limit`.
  const trace: TraceEvent[] = []; // the events already read, oldest first
  let stale = 0; // how many of the oldest in `trace` are no longer kept (removed when next read)
  let dropped = 0;
  let head = 0; // the ring's oldest row
  let n = 0; // rows in the ring: events after those in `trace`
  let kind = new Uint8Array(Math.min(limit, 1024));
  let time = new Float64Array(kind.length);
  let num = new Float64Array(kind.length); // msg id
  let num2 = new Float64Array(kind.length); // sentAt (deliver), late (timer)
  const a: unknown[] = []; // from (send, deliver), node (timer), the event (other)
  const b: unknown[] = []; // to, label
  const c: unknown[] = []; // body

  const grow = (): void => {
    const size = Math.min(limit, kind.length * 2);
    const k = new Uint8Array(size);
    const t = new Float64Array(size);
    const x = new Float64Array(size);
    const y = new Float64Array(size);
    k.set(kind);
    t.set(time);
    x.set(num);
    y.set(num2);
    kind = k;
    time = t;
    num = x;
    num2 = y;
  };

  /** The row for a new event of kind `k` at `t`, forgetting the oldest kept event if `limit` are kept; -1 if none are kept. */
  const row = (k: number, t: number): number => {
    if (limit === 0) {
      dropped++;
      return -1;
    }
    let i: number;
    const full = trace.length - stale + n === limit;
    if (full && stale === trace.length) {
      // Every kept event is in the ring: the oldest row becomes the newest.
      dropped++;
      i = head;
      head = head + 1 === limit ? 0 : head + 1;
    } else {
      if (full) {
        // The oldest kept event is one already read: forget it, in `trace`.
        dropped++;
        if (++stale === trace.length) {
          trace.length = 0;
          stale = 0;
        }
      }
      i = head + n < limit ? head + n : head + n - limit;
      n++;
      if (i === kind.length) grow(); // still filling: a ring wraps only when full
    }
    kind[i] = k;
    time[i] = t;
    return i;
  };

  const materialize = (i: number): TraceEvent => {
    const k = kind[i]!;
    switch (k) {
      case SEND:
      case SEND_COPY:
        return { type: 'send', time: time[i]!, msg: num[i]!, from: a[i] as NodeId, to: b[i] as NodeId, body: c[i], copy: k === SEND_COPY };
      case DELIVER:
        return { type: 'deliver', time: time[i]!, msg: num[i]!, from: a[i] as NodeId, to: b[i] as NodeId, body: c[i], sentAt: num2[i]! };
      case TIMER:
        return { type: 'timer', time: time[i]!, node: a[i] as NodeId, label: b[i] as string, late: num2[i]! };
      default:
        return a[i] as TraceEvent;
    }
  };

  return {
    send(t, msg, from, to, body, copy) {
      const i = row(copy ? SEND_COPY : SEND, t);
      if (i < 0) return;
      num[i] = msg;
      a[i] = from;
      b[i] = to;
      c[i] = body;
    },
    deliver(t, msg, from, to, body, sentAt) {
      const i = row(DELIVER, t);
      if (i < 0) return;
      num[i] = msg;
      num2[i] = sentAt;
      a[i] = from;
      b[i] = to;
      c[i] = body;
    },
    timer(t, node, label, late) {
      const i = row(TIMER, t);
      if (i < 0) return;
      num2[i] = late;
      a[i] = node;
      b[i] = label;
      c[i] = undefined;
    },
    event(e) {
      const i = row(OBJECT, e.time);
      if (i < 0) return;
      a[i] = e;
      b[i] = undefined;
      c[i] = undefined;
    },
    read() {
      if (stale > 0) {
        trace.splice(0, stale);
        stale = 0;
      }
      for (let k = 0; k < n; k++) trace.push(materialize(head + k < limit ? head + k : head + k - limit));
      head = 0;
      n = 0;
      a.length = 0;
      b.length = 0;
      c.length = 0;
      if (kind.length > 1024) {
        // The objects hold the events now: give the columns' memory back.
        kind = new Uint8Array(1024);
        time = new Float64Array(1024);
        num = new Float64Array(1024);
        num2 = new Float64Array(1024);
      }
      if (dropped > 0) markTruncated(trace, dropped);
      return trace;
    },
  };
}
