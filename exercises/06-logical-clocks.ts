// Lesson 06 — logical clocks. Your turn: replace each `throw` with an implementation.
//
// Write these yourself: do NOT import lamportClock, vectorClock, vectorMerge,
// vectorCompare, stampHistory or the like from lib/logical. The library has
// them for later lessons; here the point is to build them. Types are fine.
import type { NodeId } from '../lib/index';
import type { History } from '../lib/models/logical';

/** One counter per node; a missing entry counts as 0, so `{}` and `{ A: 0 }` are equal. */
export type VectorClock = Readonly<Record<NodeId, number>>;
export type Ordering = 'before' | 'after' | 'equal' | 'concurrent';

// ---------------------------------------------------------------------------
// Part 1: Lamport timestamps

/**
 * The Lamport timestamp of every event of `history`, by event index
 * (`history.events` is in the order things really happened, so a receive
 * always comes after its send). Each node's counter starts at 0.
 * - a local event or a send: counter + 1; a send carries the new value on its message;
 * - a receive of message `msg`: max(counter, value carried by msg) + 1.
 * The timestamp of an event is the node's counter just after the event.
 */
export function lamportTimestamps(history: History): number[] {
  throw new Error('not implemented: lamportTimestamps');
}

/**
 * Fix the log: every event index exactly once, sorted by Lamport timestamp,
 * ties broken by node name (a total order that never puts an effect before
 * its cause).
 */
export function lamportOrder(history: History): number[] {
  throw new Error('not implemented: lamportOrder');
}

// ---------------------------------------------------------------------------
// Part 2: vector clocks. Never change an argument: always return a new object.

/** `v` with `node`'s entry one higher. */
export function vectorTick(v: VectorClock, node: NodeId): VectorClock {
  throw new Error('not implemented: vectorTick');
}

/** The entry-by-entry maximum of `a` and `b` (over every node either mentions). */
export function vectorMerge(a: VectorClock, b: VectorClock): VectorClock {
  throw new Error('not implemented: vectorMerge');
}

/**
 * - 'equal': every entry is the same (missing = 0);
 * - 'before': every entry of a ≤ the same entry of b, and at least one is <;
 * - 'after': the other way round;
 * - 'concurrent': a has an entry larger than b's and b has one larger than a's.
 */
export function vectorCompare(a: VectorClock, b: VectorClock): Ordering {
  throw new Error('not implemented: vectorCompare');
}

/** Neither happened before the other, and they are not equal. */
export function concurrent(a: VectorClock, b: VectorClock): boolean {
  throw new Error('not implemented: concurrent');
}

/**
 * The vector timestamp of every event of `history`, by event index. Each node
 * starts at `{}` (all zeros).
 * - a local event or a send on node n: tick n's own entry; a send carries the result;
 * - a receive on n: merge with the vector carried by the message, then tick n's entry.
 * The timestamp of an event is the node's vector just after the event.
 */
export function vectorTimestamps(history: History): VectorClock[] {
  throw new Error('not implemented: vectorTimestamps');
}
