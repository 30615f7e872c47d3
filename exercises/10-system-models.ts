// Lesson 10 — system models, safety and liveness. Your turn: replace each `throw` with an implementation.
//
// You write the two kinds of property a distributed algorithm promises, as
// checkers over a trace: a safety property (nothing bad ever happens) and a
// liveness property (something good eventually happens), made checkable on a
// finite run by a time bound. The grader runs them on hand-made traces with
// known verdicts and on traces of seeded simulations.
//
// Write them yourself: do NOT import `atMostOneLeaderPerTerm`, `leaderNotes`
// or `stableLeaderSince` from lib/ (they exist for the lesson's demos).
// Types, `eventsOf` and anything else from lib/index.ts are fine.
import type { TraceEvent } from '../lib/index';
import type { Verdict } from '../lib/checking/checkers';

// A verdict (lib/checking/checkers.ts):
//   { ok: true, property }                               the property holds
//   { ok: false, property, message, events }             it does not: a sentence, and the events that show why
export type { Verdict };

// Leadership is recorded by the nodes themselves, as trace notes
// (`{ type: 'note', time, node, text }`):
//   text `leader term=N`     the node has become leader of term N
//   text `follower term=N`   the node has stepped down, or adopted term N as a follower
// N is a whole number. Text may follow after a space ("leader term=3 (votes n1,n3)"); any
// other note ("late reply to call 4 ignored", "leader term=3x") is not a leadership note.

export type EventuallyLeaderOptions = {
  /** When the faults stopped (e.g. the heal): the clock of the liveness bound starts here, in ms. */
  after: number;
  /** How long after `after` the system has to have a leader, in ms. */
  within: number;
};

/**
 * Safety: no two different nodes are leaders of the same term.
 *
 * - Read the `leader term=N` notes in trace order. A violation is a note in
 *   which a node claims a term that a *different* node claimed earlier.
 * - Not violations: the same node claiming the same term again (say, after a
 *   restart); one node leader of several terms; leaders of different terms
 *   at the same time (an old leader that has not yet heard of the new term).
 * - Return `{ ok: true, property: 'noTwoLeadersInATerm' }`, or, at the FIRST
 *   violation, `{ ok: false, property: 'noTwoLeadersInATerm', message, events }`
 *   with `events` = [the earlier claim of that term, the conflicting note],
 *   in that order, and a message naming the term and both nodes.
 */
export function noTwoLeadersInATerm(trace: readonly TraceEvent[]): Verdict {
  throw new Error('not implemented: noTwoLeadersInATerm');
}

/**
 * Liveness, with a bound: within `within` ms after `after`, the system has a leader.
 *
 * The property holds iff at some moment t with after <= t <= after + within
 * (both ends included) some node considers itself leader. A node considers
 * itself leader from its `leader term=N` note until its own next
 * `follower term=...` note, its crash, or its restart (a restarted process has
 * forgotten it led: it leads again only after a new leader note). So:
 * - a leader elected before `after` that is still leading at `after` counts;
 * - one that crashed, restarted or stepped down before `after` does not;
 * - otherwise a leader note at a time in (after, after + within] is needed.
 * Events at the same time happen in trace order.
 *
 * Return `{ ok: true, property: 'eventuallyLeader' }`, or
 * `{ ok: false, property: 'eventuallyLeader', message, events }` where
 * `events` is [the first leader note after the deadline] if there is one,
 * else [], and the message gives the window.
 */
export function eventuallyLeader(trace: readonly TraceEvent[], options: EventuallyLeaderOptions): Verdict {
  throw new Error('not implemented: eventuallyLeader');
}
