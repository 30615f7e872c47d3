// Lesson 11 — capstone. Your turn: replace each `throw` with an implementation.
//
// The replicated lock service of the lesson (lib/models/capstone.ts) asks two rules
// of you, the same two the library's `LockRules` hold. The grader plugs yours
// into `capstoneSystem(config, { vote, nextToken })` and runs it under the
// lesson's nemesis (partitions, crashes, pauses, clock steps) over many seeds,
// then once with no faults at all.
//
// Write them yourself: do NOT import `correctRules` from lib/models/capstone.ts (it
// exists for the lesson's demos). Importing types and constants is fine.
import type { TokenView, VoteView } from '../lib/models/capstone';

export type { TokenView, VoteView };

/**
 * Part 1. How a replica votes. Before calling you, the replica has already
 * adopted `v.candidateTerm` if it was newer than its own term (and then
 * `v.votedFor` is null), so `v.term >= v.candidateTerm` always holds here.
 * It stores your answer (`votedFor = candidate`) on disk when you say yes.
 *
 * Return true exactly when:
 * - the candidate's term is this replica's current term (a candidate of an
 *   older term gets no vote), and
 * - the replica has not voted in this term (`v.votedFor === null`), or voted
 *   for this same candidate already (its first answer may have been lost).
 *
 * One vote per replica per term is what makes at most one leader per term:
 * two candidates cannot both collect a majority of the same term's votes.
 */
export function vote(v: VoteView): boolean {
  throw new Error('not implemented: vote');
}

/**
 * Part 2. The fencing token of a leader's next grant. Called by the leader of
 * term `v.term` for its `v.grantInTerm`-th grant in that term (1, 2, 3, ...;
 * a leader that crashes and comes back is a follower and must win a *new*
 * term before it grants again). `v.lastTokenSeen` is the highest token this
 * replica has issued or heard of on an earlier leader's heartbeats: it can be
 * out of date, because heartbeats are lost, delayed or never sent before a
 * leader dies.
 *
 * Requirement: in the order grants are made, by whichever leaders, tokens
 * strictly grow. In particular every token of a later term is larger than
 * every token of an earlier term, whatever `lastTokenSeen` says, and two
 * grants never share a token. Terms stay below 1000 and a leader makes fewer
 * than `TERM_SPAN` (1,000,000) grants per term in these runs; the result must
 * be a safe integer.
 *
 * The broken variant of the lesson returns `v.lastTokenSeen + 1`. Why is that
 * not enough, and what does the term give you that the counter does not?
 */
export function nextToken(v: TokenView): number {
  throw new Error('not implemented: nextToken');
}
