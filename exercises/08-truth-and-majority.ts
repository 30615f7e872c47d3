// Lesson 08 — the truth is defined by the majority. Your turn: replace each `throw` with an implementation.
//
// You build the quorum election of the lesson: the vote count, the voter's
// rule, and the node program that stands for election, votes, leads and steps
// down. The grader plugs your program into the simulator (lib/models/election.ts
// `electionCluster(config, quorumElection)`) and throws flapping partitions at
// five of your nodes.
//
// Write it yourself: do NOT import `electionNode`, `decideVote` or `majority`
// from lib/models/election.ts (they exist for the lesson's demos). Importing the
// protocol *types* below is fine, and so is anything from lib/index.ts (e.g.
// `sample` to draw a timeout from a Distribution).
import type { Program } from '../lib/index';
import type { ElectionConfig, ElectionHeartbeat, StaleTerm, Vote, RequestVote, VoterState } from '../lib/models/election';

// The messages, for reference. All of them go with `ctx.send(peer, message)`
// (not `ctx.call`), so your program receives them in `onMessage(msg)`, with
// the sender in `msg.from`:
//
//   { type: 'vote-request', term, candidate }  a candidate asks for your vote in `term`     → answer with a Vote
//   { type: 'vote', term, granted }            a voter's answer (its term after reading the request)
//   { type: 'heartbeat', term, leader }        the leader of `term`, every `heartbeatInterval` ms, to every other peer
//   { type: 'stale-term', term }               the answer to a heartbeat of an older term: "mine is `term`"
export type { ElectionConfig, ElectionHeartbeat, StaleTerm, Vote, RequestVote, VoterState };

/**
 * Part 1. Does `votes` (the candidate's own vote included) win an election in
 * a cluster of `clusterSize` nodes? Only strictly more than half does: 3 of 5,
 * 3 of 4, 1 of 1, but not 2 of 4.
 */
export function hasMajority(votes: number, clusterSize: number): boolean {
  throw new Error('not implemented: hasMajority');
}

/**
 * Part 2. The voter's rule. Given this node's durable state (its current term
 * and whom it voted for in that term, or null) and a vote request, return the
 * new state and the reply to send. Do not change `state` itself.
 *
 * - `req.term` older than `state.term`: refuse; the state is unchanged; reply
 *   `{ type: 'vote', term: state.term, granted: false }`.
 * - `req.term` newer: first adopt it, with no vote cast in it yet
 *   (`votedFor: null`), then decide as below.
 * - Same term: grant if this node has not voted in the term, or voted for this
 *   very candidate (the first reply may have been lost); then `votedFor`
 *   becomes the candidate. Otherwise refuse. One vote per term.
 * - The reply's `term` is always the term of the new state.
 */
export function castVote(state: VoterState, req: RequestVote): { state: VoterState; vote: Vote } {
  throw new Error('not implemented: castVote');
}

/**
 * Part 3. The node program: `quorumElection(config)` returns the Program every
 * node of `config.peers` runs (peers includes the node itself, `ctx.id`).
 * Ignore `config.quorum` and `config.objectionWindow`: yours is always the
 * majority design.
 *
 * State. The term (starts at 0) and the vote of the current term live in
 * `ctx.disk` under the keys 'term' and 'votedFor' (write them before sending
 * anything that depends on them), so a restarted node (the program is called
 * again) neither forgets its term nor votes twice in it. A restarted node is a
 * follower. Role (follower, candidate, leader), votes received and timers are
 * volatile.
 *
 * Rules:
 * 1. Election timer: a follower or candidate keeps one timer of
 *    `sample(config.electionTimeout, ctx.rng)` ms (a fresh draw each time it
 *    is set), set at start, reset whenever it grants a vote or receives a
 *    heartbeat of its current term. A leader has none.
 * 2. When it fires: start an election: term + 1, vote for yourself (persist
 *    both), become candidate, send a RequestVote to every other peer, and set
 *    the election timer again (if this election fails, the next one starts in
 *    a newer term).
 * 3. Any message whose `term` is newer than yours: first adopt its term
 *    (`votedFor` null), become a follower (a leader stops its heartbeats and
 *    sets an election timer again) and note `follower term=N`; then handle
 *    the message as below.
 * 4. RequestVote: answer the sender with `castVote`'s reply, keep its state.
 * 5. Vote of your current term while you are candidate: count the granted
 *    ones (once per voter); with a majority (`hasMajority`, your own vote
 *    included) become leader: note `leader term=N`, send an
 *    ElectionHeartbeat to every other peer at once and again every
 *    `config.heartbeatInterval` ms.
 * 6. ElectionHeartbeat of an older term: reply `{ type: 'stale-term', term }`
 *    with your term, nothing else. Of your current term: the sender leads; a
 *    candidate steps down to follower (note `follower term=N`); reset the
 *    election timer.
 *
 * Notes are how the grader sees leadership: write exactly `leader term=N`
 * when becoming leader and `follower term=N` when stepping down or adopting a
 * newer term (other notes, e.g. `candidate term=N`, are fine).
 */
export function quorumElection(config: ElectionConfig): Program {
  throw new Error('not implemented: quorumElection');
}
