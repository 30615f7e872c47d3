import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Calendar, EventQueue } from '../../lib/core/calendar';

type Ev = { time: number; seq: number; next?: Ev };
const key = (e: Ev | undefined) => (e === undefined ? undefined : [e.time, e.seq]);

/**
 * Drive the queue the way a simulation does: pops in time order, pushes at
 * or after the last popped time (sometimes after a peek that looked ahead),
 * and compare every pop with a plain sorted list.
 */
function replay(steps: Array<{ pop: boolean; peek: boolean; delay: number }>, Queue: typeof Calendar | typeof EventQueue = EventQueue): void {
  const q = new Queue<Ev>();
  const model: Ev[] = [];
  let seq = 0;
  let now = 0;
  for (const s of steps) {
    if (s.peek) expect(key(q.peek())).toEqual(key(model[0]));
    if (s.pop) {
      const got = q.pop();
      expect(key(got)).toEqual(key(model.shift()));
      if (got) now = got.time;
    } else {
      const e: Ev = { time: now + s.delay, seq: seq++ };
      q.push(e);
      // After everything at or before its time (its seq is the largest yet).
      let lo = 0;
      let hi = model.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (model[mid]!.time <= e.time) lo = mid + 1;
        else hi = mid;
      }
      model.splice(lo, 0, e);
    }
    expect(q.size).toBe(model.length);
  }
  for (let e = q.pop(); e; e = q.pop()) expect(key(e)).toEqual(key(model.shift()));
  expect(model).toEqual([]);
}

// Delays from every scale the course uses: same instant, microseconds, ms, hours, and far-off outliers.
const delay = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 0, max: 5 }),
  fc.double({ min: 0, max: 0.01, noNaN: true }),
  fc.double({ min: 0, max: 200, noNaN: true }),
  fc.double({ min: 0, max: 1e7, noNaN: true }),
  fc.constant(1e15),
);

describe('the event queue', () => {
  test('pops in (time, insertion order) for any mix of pushes, peeks and pops at any time scale', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ pop: fc.boolean(), peek: fc.boolean(), delay }), { maxLength: 400 }), fc.boolean(), (steps, calendarOnly) =>
        replay(steps, calendarOnly ? Calendar : EventQueue),
      ),
      { numRuns: 300 },
    );
  });

  test('keeps the order through growing, shrinking and re-fitting (thousands pending, then a change of scale)', () => {
    const steps: Array<{ pop: boolean; peek: boolean; delay: number }> = [];
    let x = 1;
    const rand = () => ((x = (x * 48271) % 2147483647) / 2147483647);
    for (let i = 0; i < 5000; i++) steps.push({ pop: false, peek: false, delay: rand() * 100 });
    for (let i = 0; i < 20000; i++) steps.push({ pop: i % 2 === 0, peek: i % 7 === 0, delay: i < 10000 ? rand() * 100 : rand() * 1e6 });
    for (let i = 0; i < 4900; i++) steps.push({ pop: true, peek: false, delay: 0 });
    replay(steps);
    replay(steps, Calendar);
  });

  test('many events at one instant come out in insertion order', () => {
    const q = new EventQueue<Ev>();
    for (let seq = 0; seq < 10000; seq++) q.push({ time: 5, seq });
    for (let seq = 0; seq < 10000; seq++) expect(q.pop()!.seq).toBe(seq);
    expect(q.pop()).toBeUndefined();
  });

  test('an event scheduled after a peek that looked ahead still comes first', () => {
    const q = new EventQueue<Ev>();
    q.push({ time: 1000, seq: 0 });
    expect(q.peek()!.time).toBe(1000); // the calendar moved ahead to day 1000
    q.push({ time: 3, seq: 1 });
    expect(key(q.pop())).toEqual([3, 1]);
    expect(key(q.pop())).toEqual([1000, 0]);
    expect(q.size).toBe(0);
  });
});
