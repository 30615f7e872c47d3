// Lesson 08 — reference solution. Same exports and contract as exercises/08-truth-and-majority.ts.
// The majority design only: votes once per term, needs strictly more than half, steps down on a newer term.
import { sample, type Program } from '../lib/index';
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
  return 2 * votes > clusterSize;
}

/**
 * Part 2. The voter's rule (see the stub for the contract).
 */
export function castVote(state: VoterState, req: RequestVote): { state: VoterState; vote: Vote } {
  if (req.term < state.term) return { state, vote: { type: 'vote', term: state.term, granted: false } };
  const current: VoterState = req.term > state.term ? { term: req.term, votedFor: null } : state;
  const granted = current.votedFor === null || current.votedFor === req.candidate;
  const next: VoterState = granted ? { term: current.term, votedFor: req.candidate } : current;
  return { state: next, vote: { type: 'vote', term: next.term, granted } };
}

type Message = RequestVote | Vote | ElectionHeartbeat | StaleTerm;
const isMessage = (b: unknown): b is Message =>
  typeof b === 'object' && b !== null && typeof (b as { type?: unknown }).type === 'string' && typeof (b as { term?: unknown }).term === 'number';

/**
 * Part 3. The node program (see the stub for the contract).
 */
export function quorumElection(config: ElectionConfig): Program {
  return (ctx) => {
    const others = config.peers.filter((p) => p !== ctx.id);
    let state: VoterState = {
      term: (ctx.disk.get('term') as number | undefined) ?? 0,
      votedFor: (ctx.disk.get('votedFor') as string | null | undefined) ?? null,
    };
    const save = (s: VoterState): void => {
      state = s;
      ctx.disk.set('term', s.term);
      ctx.disk.set('votedFor', s.votedFor);
    };
    let role: 'follower' | 'candidate' | 'leader' = 'follower';
    let votes = new Set<string>();
    let electionTimer: number | undefined;
    let heartbeatTimer: number | undefined;

    const armElectionTimer = (): void => {
      if (electionTimer !== undefined) ctx.cancelTimer(electionTimer);
      electionTimer = ctx.setTimer(sample(config.electionTimeout, ctx.rng), startElection, 'election timeout');
    };
    const heartbeat = (): void => {
      if (role !== 'leader') return;
      for (const p of others) ctx.send(p, { type: 'heartbeat', term: state.term, leader: ctx.id } satisfies ElectionHeartbeat);
      heartbeatTimer = ctx.setTimer(config.heartbeatInterval, heartbeat, 'heartbeat');
    };
    const becomeLeader = (): void => {
      role = 'leader';
      if (electionTimer !== undefined) ctx.cancelTimer(electionTimer);
      electionTimer = undefined;
      ctx.note(`leader term=${state.term}`);
      heartbeat();
    };
    const stepDown = (): void => {
      if (role === 'leader') {
        if (heartbeatTimer !== undefined) ctx.cancelTimer(heartbeatTimer);
        heartbeatTimer = undefined;
        armElectionTimer();
      }
      role = 'follower';
      ctx.note(`follower term=${state.term}`);
    };
    function startElection(): void {
      save({ term: state.term + 1, votedFor: ctx.id });
      role = 'candidate';
      votes = new Set([ctx.id]);
      armElectionTimer();
      for (const p of others) ctx.send(p, { type: 'vote-request', term: state.term, candidate: ctx.id } satisfies RequestVote);
      if (hasMajority(votes.size, config.peers.length)) becomeLeader();
    }

    armElectionTimer();
    return {
      onMessage(msg) {
        const m = msg.body;
        if (!isMessage(m)) return;
        if (m.term > state.term) {
          save({ term: m.term, votedFor: null });
          stepDown();
        }
        if (m.type === 'vote-request') {
          const { state: next, vote } = castVote(state, m);
          save(next);
          if (vote.granted) armElectionTimer();
          ctx.send(msg.from, vote);
        } else if (m.type === 'vote') {
          if (role !== 'candidate' || m.term !== state.term || !m.granted) return;
          votes.add(msg.from);
          if (hasMajority(votes.size, config.peers.length)) becomeLeader();
        } else if (m.type === 'heartbeat') {
          if (m.term < state.term) {
            ctx.send(msg.from, { type: 'stale-term', term: state.term } satisfies StaleTerm);
            return;
          }
          if (role === 'candidate') stepDown();
          armElectionTimer();
        }
      },
    };
  };
}
