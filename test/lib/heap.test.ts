import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { EventHeap } from '../../lib/core/heap';

describe('EventHeap', () => {
  test('pops in (time, insertion order) for any sequence of pushes', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 300 }), (times) => {
        const heap = new EventHeap<{ time: number; seq: number }>();
        times.forEach((time, seq) => heap.push({ time, seq }));
        const out: Array<{ time: number; seq: number }> = [];
        for (let e = heap.pop(); e; e = heap.pop()) out.push(e);
        const expected = times.map((time, seq) => ({ time, seq })).sort((a, b) => a.time - b.time || a.seq - b.seq);
        expect(out).toEqual(expected);
      }),
    );
  });

  test('interleaved pushes and pops keep the order', () => {
    const heap = new EventHeap<{ time: number; seq: number }>();
    heap.push({ time: 5, seq: 0 });
    heap.push({ time: 1, seq: 1 });
    expect(heap.pop()).toEqual({ time: 1, seq: 1 });
    heap.push({ time: 5, seq: 2 });
    heap.push({ time: 3, seq: 3 });
    expect([heap.pop(), heap.pop(), heap.pop(), heap.pop()]).toEqual([
      { time: 3, seq: 3 },
      { time: 5, seq: 0 },
      { time: 5, seq: 2 },
      undefined,
    ]);
    expect(heap.size).toBe(0);
  });
});
