// The event queue: a calendar queue (R. Brown, CACM 1988) of scheduled
// events, popped in (time, seq) order. `seq` is the insertion counter, so
// events at the same virtual time run in the order they were scheduled: the
// tie-break that makes runs reproducible.
//
// Why not a heap: a simulation with thousands of nodes keeps tens of
// thousands of events pending (a timer per node, messages in flight), and a
// heap pays a dozen unpredictable comparisons and cache misses per event at
// that size. A calendar is a ring of day-long buckets, each a short sorted
// list: an event goes into the bucket of its day, and the next event is at
// the head of today's bucket, so both take a few steps whatever the size.
// The days stretch and the ring grows with the events pending (the width
// is re-estimated from the gaps between the earliest events), and a badly
// fitted calendar (too many empty days walked, or too long lists) is rebuilt.
// The order never depends on these choices: only the speed does. With only
// a handful of events pending (a single queue, a few nodes) a small heap is
// quicker still, so the queue starts as one and becomes a calendar when it
// grows (EventQueue, at the end).

import { EventHeap } from './heap';

export interface Scheduled {
  time: number;
  seq: number;
  /** The next event in its bucket: the queue's own link, undefined while not queued. */
  next?: Scheduled | undefined;
}

const MIN_BUCKETS = 16;
// Days may not be so short that the day number of a time loses integer precision.
const DAY_PRECISION = 2 ** -40;

const before = (a: Scheduled, b: Scheduled): boolean => a.time < b.time || (a.time === b.time && a.seq < b.seq);

export class Calendar<T extends Scheduled> {
  private heads: Array<T | undefined> = new Array(MIN_BUCKETS).fill(undefined);
  private tails: Array<T | undefined> = new Array(MIN_BUCKETS).fill(undefined);
  private mask = MIN_BUCKETS - 1;
  private width = 1; // ms per day
  private day = 0; // no queued event is on an earlier day
  private n = 0;
  // Work done since the last rebuild, to notice a calendar that no longer fits.
  private walked = 0;
  private ops = 0;
  private window = 1024; // ops between checks; doubles while rebuilding does not help

  get size(): number {
    return this.n;
  }

  private dayOf(time: number): number {
    return Math.floor(time / this.width);
  }

  private bucketOf(day: number): number {
    return day < 2147483648 ? day & this.mask : day % (this.mask + 1);
  }

  push(item: T): void {
    const day = this.dayOf(item.time);
    const b = this.bucketOf(day);
    const tail = this.tails[b];
    item.next = undefined;
    if (tail === undefined) {
      this.heads[b] = this.tails[b] = item;
    } else if (before(tail, item)) {
      tail.next = item; // the usual case: later than everything in its bucket
      this.tails[b] = item;
    } else {
      let prev: T | undefined;
      let cur = this.heads[b];
      while (cur !== undefined && before(cur, item)) {
        prev = cur;
        cur = cur.next as T | undefined;
        this.walked++;
      }
      item.next = cur;
      if (prev === undefined) this.heads[b] = item;
      else prev.next = item;
    }
    // After a peek that looked ahead, an event may be scheduled on an earlier day.
    if (day < this.day) this.day = day;
    this.n++;
    this.ops++;
    if (this.n > 2 * (this.mask + 1)) this.rebuild(2 * (this.mask + 1));
  }

  /** The next event, left in the queue. */
  peek(): T | undefined {
    if (this.n === 0) return undefined;
    const { heads, mask } = this;
    // Walk the days from today; after a whole lap of empty days, look up the earliest head directly.
    for (let lap = 0; lap <= mask; lap++) {
      const h = heads[this.bucketOf(this.day)];
      if (h !== undefined && this.dayOf(h.time) === this.day) return h;
      this.day++;
      this.walked++;
    }
    let min: T | undefined;
    for (const h of heads) if (h !== undefined && (min === undefined || before(h, min))) min = h;
    this.day = this.dayOf(min!.time);
    return min;
  }

  pop(): T | undefined {
    const top = this.peek();
    if (top === undefined) return undefined;
    const b = this.bucketOf(this.day);
    this.heads[b] = top.next as T | undefined;
    if (top.next === undefined) this.tails[b] = undefined;
    top.next = undefined;
    this.n--;
    this.ops++;
    const buckets = this.mask + 1;
    if (buckets > MIN_BUCKETS && this.n < buckets / 4) this.rebuild(buckets / 2);
    else if (this.ops >= this.window) this.checkFit();
    return top;
  }

  /** Rebuild when the last stretch of work walked, on average, more than a few steps per event. */
  private checkFit(): void {
    if (this.walked > 8 * this.ops) {
      const window = this.window;
      this.rebuild(this.mask + 1);
      // Events whose spacing no width suits would otherwise pay for a rebuild every stretch.
      this.window = Math.min(2 ** 20, 2 * window);
    } else this.window = 1024;
    this.walked = 0;
    this.ops = 0;
  }

  /** Every queued event, in no particular order, leaving the calendar empty. */
  drain(): T[] {
    const items: T[] = [];
    for (let h of this.heads) {
      while (h !== undefined) {
        const next = h.next as T | undefined;
        h.next = undefined;
        items.push(h);
        h = next;
      }
    }
    this.heads.fill(undefined);
    this.tails.fill(undefined);
    this.n = 0;
    return items;
  }

  /** Fill an empty calendar with `sorted` (in queue order), fitting the days to them. */
  load(sorted: T[]): void {
    let buckets = MIN_BUCKETS;
    while (buckets * 2 < sorted.length) buckets *= 2;
    this.fill(sorted, buckets);
  }

  private rebuild(buckets: number): void {
    const items = this.drain();
    items.sort((a, b) => a.time - b.time || a.seq - b.seq);
    this.fill(items, buckets);
  }

  private fill(items: T[], buckets: number): void {
    this.width = estimateWidth(items);
    this.heads = new Array(buckets).fill(undefined);
    this.tails = new Array(buckets).fill(undefined);
    this.mask = buckets - 1;
    this.n = 0;
    this.day = items.length > 0 ? this.dayOf(items[0]!.time) : 0;
    for (const item of items) this.push(item); // in order: every push appends
    this.walked = 0;
    this.ops = 0;
  }
}

// Below this many pending events a small heap is faster (a few comparisons,
// no divisions); above it the calendar. The gap between the two thresholds
// keeps a queue that hovers around one from moving back and forth.
const TO_CALENDAR = 64;
const TO_HEAP = 16;

/** The simulation's event queue: a heap while few events are pending, a calendar when many are. */
export class EventQueue<T extends Scheduled> {
  private heap: EventHeap<T> | null = new EventHeap<T>();
  private calendar: Calendar<T> | null = null;

  get size(): number {
    return this.heap !== null ? this.heap.size : this.calendar!.size;
  }

  push(item: T): void {
    if (this.heap === null) return this.calendar!.push(item);
    this.heap.push(item);
    if (this.heap.size >= TO_CALENDAR) {
      const sorted: T[] = [];
      for (let e = this.heap.pop(); e !== undefined; e = this.heap.pop()) sorted.push(e);
      this.calendar = new Calendar<T>();
      this.calendar.load(sorted);
      this.heap = null;
    }
  }

  peek(): T | undefined {
    return this.heap !== null ? this.heap.peek() : this.calendar!.peek();
  }

  pop(): T | undefined {
    if (this.heap !== null) return this.heap.pop();
    const top = this.calendar!.pop();
    if (this.calendar!.size < TO_HEAP) {
      this.heap = new EventHeap<T>();
      for (const e of this.calendar!.drain()) this.heap.push(e);
      this.calendar = null;
    }
    return top;
  }
}

/**
 * A day about three times the average gap between the earliest events
 * (`sorted` is in queue order), so today's bucket holds a few events and few
 * days are empty. Gaps far above the average (a lone far-off timer) are left
 * out of the estimate.
 */
function estimateWidth(sorted: readonly Scheduled[]): number {
  const k = Math.min(sorted.length, 64);
  const last = sorted[sorted.length - 1]?.time ?? 0;
  const floor = Math.max(Math.abs(last), Math.abs(sorted[0]?.time ?? 0)) * DAY_PRECISION || DAY_PRECISION;
  if (k < 2) return Math.max(1, floor);
  const span = sorted[k - 1]!.time - sorted[0]!.time;
  let mean = span / (k - 1);
  if (mean > 0) {
    let sum = 0;
    let count = 0;
    for (let i = 1; i < k; i++) {
      const gap = sorted[i]!.time - sorted[i - 1]!.time;
      if (gap <= 2 * mean) {
        sum += gap;
        count++;
      }
    }
    if (count > 0 && sum > 0) mean = sum / count;
  }
  // All the earliest events at one instant: spread over the whole span instead.
  if (!(mean > 0)) mean = (last - sorted[0]!.time) / sorted.length;
  const width = 3 * mean;
  return Number.isFinite(width) && width > floor ? width : Math.max(floor, width > 0 ? width : 1);
}
