// Lesson 12 — checking correctness. Your turn: replace each `throw` with an implementation.
//
// The linearizability checker (lib/checking/linearizability.ts) knows
// registers and key-value stores. Everything else it learns from a *model*:
// a small object that says what one operation may return from a state, and
// what state it leaves. You write three, for services Jepsen and Maelstrom
// test: a counter, a FIFO queue, and a unique-id generator. The grader checks
// histories with known verdicts using your models (hand-written ones, and
// histories recorded from simulated services, correct and broken).
//
// The contract (`Model<S>` in lib/checking/linearizability.ts):
//   init()                            the state before any operation
//   step(state, f, input, output)     { ok: true, state: next } if `f` with `input` may return
//                                     `output` from `state`; { ok: false } if it may not.
//                                     `output` is `undefined` when the client never learned
//                                     the result (a timeout, an `info` op): then return the
//                                     state it leaves *if* it took effect.
//   pure(f, input)     (optional)     true for operations that never change the state
//
// States must be plain data (numbers, strings, arrays, plain objects): the
// checker tells states apart by their JSON (a `Set` or a `Map` prints as `{}`,
// and every state would look the same). Never change a state in place:
// return a new one (the search goes back to old states).
//
// Write them yourself: do NOT import `registerModel` or `kvModel` (they are
// not what is asked anyway). Types are fine.
import type { Model } from '../lib/checking/linearizability';

export type { Model };

/**
 * Part 1. A counter that starts at 0.
 *   f 'add',  input n (a whole number, maybe negative), output ignored: the counter grows by n
 *   f 'read', input null, output the value read
 * A read may return exactly the current value. `pure`: reads.
 */
export function counterModel(): Model<number> {
  throw new Error('not implemented: counterModel');
}

/**
 * Part 2. A FIFO queue that starts empty.
 *   f 'enqueue', input v, output ignored: v joins the back
 *   f 'dequeue', input null, output the value taken from the front, or null
 *                when the queue was empty (and then nothing changes)
 * A dequeue whose output is unknown (`undefined`) took the front value if
 * there was one. Values are compared as JSON (`JSON.stringify(a) === JSON.stringify(b)`).
 */
export function queueModel(): Model<unknown[]> {
  throw new Error('not implemented: queueModel');
}

/**
 * Part 3. A unique-id generator (Maelstrom's "unique-ids" workload).
 *   f 'generate', input null, output an id (a string or a number)
 * No id may be handed out twice. An id whose output is unknown constrains
 * nothing (the state it leaves is the state it found). Ids are compared as
 * JSON, so 7 and "7" differ.
 */
export function uniqueIdModel(): Model<Array<string | number>> {
  throw new Error('not implemented: uniqueIdModel');
}
