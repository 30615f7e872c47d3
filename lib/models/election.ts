// Leader election by vote, with terms. Every node keeps a term (an epoch
// number that only grows) and at most one vote per term, both on disk. A
// follower that hears no leader for its election timeout stands as candidate
// in the next term. With `quorum: 'majority'` it becomes leader only with
// votes from strictly more than half of the cluster, and since two majorities
// always share a node, and that node votes once per term, no term can have two
// leaders. With `quorum: 'none'` a candidate becomes leader unless someone
// objects in time; silence, which is all a partition gives, counts as consent:
// the split-brain design.
//
// Leadership is written into the trace by the node itself, in exactly these
// words (checkers parse them): `leader term=N` when it becomes leader of term
// N, `follower term=N` when it steps down or adopts a newer term N.
import { z } from 'zod';
import { ExperimentSchema, simFromConfig } from './experiment';
import { parseConfig } from '../core/config';
import { needsNodes, type Handlers, type Message, type NodeContext, type NodeRef, type Program } from '../core/node';
import { DistributionSchema, sample } from '../core/random';
import type { Sim } from '../core/sim';
import type { NodeId, TraceEvent } from '../core/trace';
import { leaderNote, leaderNotes, parseLeaderNote } from './leadership';

// ---------------------------------------------------------------------------
// The protocol, as data. Every message is a plain `ctx.send` (no rpc): a vote
// or a heartbeat that is lost is simply lost, and timers take care of it.

/** "Vote for me in `term`." */
export type RequestVote = { type: 'vote-request'; term: number; candidate: NodeId };
/** The answer, with the voter's term after reading the request. */
export type Vote = { type: 'vote'; term: number; granted: boolean };
/** "I am the leader of `term`." Sent by a leader to every peer every `heartbeatInterval`. */
export type ElectionHeartbeat = { type: 'heartbeat'; term: number; leader: NodeId };
/** The answer to a heartbeat from an older term: "your term is over, mine is `term`". */
export type StaleTerm = { type: 'stale-term'; term: number };
export type ElectionMessage = RequestVote | Vote | ElectionHeartbeat | StaleTerm;

const MESSAGE_TYPES = new Set(['vote-request', 'vote', 'heartbeat', 'stale-term']);

export function isElectionMessage(body: unknown): body is ElectionMessage {
  return (
    typeof body === 'object' &&
    body !== null &&
    MESSAGE_TYPES.has((body as { type?: unknown }).type as string) &&
    typeof (body as { term?: unknown }).term === 'number'
  );
}

/** Durable state: where a node keeps its term and its vote in `ctx.disk`. */
export const TERM_KEY = 'term';
export const VOTED_FOR_KEY = 'votedFor';

// ---------------------------------------------------------------------------
// Configuration.

export const QuorumSchema = z.enum(['majority', 'none']);
export type Quorum = z.output<typeof QuorumSchema>;

const ElectionFields = {
  // Several times the heartbeat interval, and random, so that one node usually times out well before the others.
  electionTimeout: DistributionSchema.default({ kind: 'uniform', min: 150, max: 300 }),
  // A third of the shortest election timeout: two heartbeats can be lost before anyone stands for election.
  heartbeatInterval: z.number().gt(0).default(50),
  // Strictly more than half, the only rule that keeps two sides of a partition from both electing.
  quorum: QuorumSchema.default('majority'),
  // (quorum 'none' only) Several round trips of a datacenter network: long enough for a live peer to object.
  objectionWindow: z.number().gt(0).default(20),
};

export const ElectionConfigSchema = z
  .object({
    /** Every member of the cluster, this node included. */
    peers: z.array(z.string().min(1)).min(1),
    ...ElectionFields,
  })
  .strict()
  .refine((c) => new Set(c.peers).size === c.peers.length, { message: 'peers must not repeat a node', path: ['peers'] });
export type ElectionConfigInput = z.input<typeof ElectionConfigSchema>;
export type ElectionConfig = z.output<typeof ElectionConfigSchema>;

/** The smallest number of votes that is strictly more than half of `clusterSize`. */
export function majority(clusterSize: number): number {
  return Math.floor(clusterSize / 2) + 1;
}

// ---------------------------------------------------------------------------
// The voter's rule, as a pure function.

export type VoterState = { term: number; votedFor: NodeId | null };

/**
 * How a node answers a vote request. A request from an older term is refused.
 * A newer term is adopted first (with no vote cast in it yet). Then the vote
 * goes to the candidate if this node has not voted in the term, or voted for
 * this same candidate (its first answer may have been lost): one vote per term.
 */
export function decideVote(state: VoterState, req: RequestVote): { state: VoterState; vote: Vote } {
  if (req.term < state.term) return { state, vote: { type: 'vote', term: state.term, granted: false } };
  const current: VoterState = req.term > state.term ? { term: req.term, votedFor: null } : state;
  const granted = current.votedFor === null || current.votedFor === req.candidate;
  const next = granted ? { term: current.term, votedFor: req.candidate } : current;
  return { state: next, vote: { type: 'vote', term: next.term, granted } };
}

// ---------------------------------------------------------------------------
// The node.

export type ElectionHooks = {
  /** This node has just become leader of `term`. */
  onLeader?(ctx: NodeContext, term: number): void;
  /**
   * This node has become a follower in `term` (it stepped down or adopted a
   * newer term; `leader` unknown yet), or has learned the leader of its term.
   */
  onFollower?(ctx: NodeContext, term: number, leader?: NodeId): void;
  /** Any message that is not part of the election protocol. */
  onMessage?(msg: Message): void;
  /** Requests sent with `ctx.call` (e.g. clients); the election itself never uses them. */
  onRequest?: Handlers['onRequest'];
};

export type Role = 'follower' | 'candidate' | 'leader';

/**
 * A node that takes part in leader elections with `config.peers`. Its term
 * and vote live in `ctx.disk` (keys `term` and `votedFor`); its role, votes
 * and timers are volatile, so a restarted node comes back as a follower of
 * its last term (and says so in the trace).
 */
export function electionNode(config: ElectionConfigInput, hooks: ElectionHooks = {}): Program {
  const cfg = parseConfig(ElectionConfigSchema, config, 'election config', 'election');
  const size = cfg.peers.length;
  return needsNodes((ctx) => {
    if (!cfg.peers.includes(ctx.id)) throw new Error(`electionNode on ${ctx.id}: peers must include the node itself (peers: ${cfg.peers.join(', ')})`);
    const others = cfg.peers.filter((p) => p !== ctx.id);

    let term = (ctx.disk.get(TERM_KEY) as number | undefined) ?? 0;
    let votedFor = (ctx.disk.get(VOTED_FOR_KEY) as NodeId | null | undefined) ?? null;
    const persist = (): void => {
      ctx.disk.set(TERM_KEY, term);
      ctx.disk.set(VOTED_FOR_KEY, votedFor);
    };

    let role: Role = 'follower';
    let leader: NodeId | undefined;
    let votes = new Set<NodeId>();
    let objected = false;
    let electionTimer: number | undefined;
    let heartbeatTimer: number | undefined;
    let objectionTimer: number | undefined;

    const cancel = (timer: number | undefined): undefined => {
      if (timer !== undefined) ctx.cancelTimer(timer);
      return undefined;
    };
    const resetElectionTimer = (): void => {
      electionTimer = cancel(electionTimer);
      electionTimer = ctx.setTimer(Math.max(0, sample(cfg.electionTimeout, ctx.rng)), startElection, 'election timeout');
    };

    /** Step down, or stay a follower, in `newTerm` (≥ term). */
    const follow = (newTerm: number, newLeader?: NodeId): void => {
      const changed = newTerm > term || role !== 'follower';
      if (newTerm > term) {
        term = newTerm;
        votedFor = null;
        persist();
        leader = undefined;
      }
      const wasLeader = role === 'leader';
      role = 'follower';
      heartbeatTimer = cancel(heartbeatTimer);
      objectionTimer = cancel(objectionTimer);
      const learned = newLeader !== undefined && newLeader !== leader;
      if (newLeader !== undefined) leader = newLeader;
      if (changed) ctx.note(leaderNote('follower', term));
      if (changed || learned) hooks.onFollower?.(ctx, term, leader);
      if (wasLeader) resetElectionTimer();
    };

    const sendHeartbeats = (): void => {
      if (role !== 'leader') return;
      for (const p of others) ctx.send(p, { type: 'heartbeat', term, leader: ctx.id } satisfies ElectionHeartbeat);
      heartbeatTimer = ctx.setTimer(cfg.heartbeatInterval, sendHeartbeats, 'heartbeat');
    };

    const becomeLeader = (): void => {
      role = 'leader';
      leader = ctx.id;
      electionTimer = cancel(electionTimer);
      objectionTimer = cancel(objectionTimer);
      ctx.note(leaderNote('leader', term));
      hooks.onLeader?.(ctx, term);
      sendHeartbeats();
    };

    const wins = (): boolean => (cfg.quorum === 'majority' ? votes.size >= majority(size) : votes.size === size);

    function startElection(): void {
      electionTimer = undefined;
      term += 1;
      votedFor = ctx.id;
      persist();
      role = 'candidate';
      leader = undefined;
      votes = new Set([ctx.id]);
      objected = false;
      ctx.note(`candidate term=${term}`);
      resetElectionTimer(); // no result in time (a split vote, a partition): try again in a newer term
      for (const p of others) ctx.send(p, { type: 'vote-request', term, candidate: ctx.id } satisfies RequestVote);
      if (wins()) return becomeLeader();
      if (cfg.quorum === 'none') {
        objectionTimer = cancel(objectionTimer);
        objectionTimer = ctx.setTimer(
          cfg.objectionWindow,
          () => {
            objectionTimer = undefined;
            if (role === 'candidate' && !objected) becomeLeader();
          },
          'objection window',
        );
      }
    }

    if (term > 0) ctx.note(leaderNote('follower', term)); // restarted: whatever it was before, it is a follower now
    resetElectionTimer();

    return {
      onRequest: hooks.onRequest,
      onMessage(msg) {
        const body = msg.body;
        if (!isElectionMessage(body)) {
          hooks.onMessage?.(msg);
          return;
        }
        if (body.term > term) follow(body.term, body.type === 'heartbeat' ? body.leader : undefined);
        switch (body.type) {
          case 'vote-request': {
            const decision = decideVote({ term, votedFor }, body);
            if (decision.vote.granted && votedFor !== body.candidate) {
              votedFor = body.candidate;
              persist();
            }
            if (decision.vote.granted) resetElectionTimer(); // give the candidate time to win
            ctx.send(msg.from, decision.vote);
            return;
          }
          case 'vote':
            if (role !== 'candidate' || body.term !== term) return;
            if (body.granted) {
              votes.add(msg.from);
              if (wins()) becomeLeader();
            } else {
              objected = true;
            }
            return;
          case 'heartbeat':
            if (body.term < term) {
              ctx.send(msg.from, { type: 'stale-term', term } satisfies StaleTerm);
              return;
            }
            // Same term: a candidate has lost; a leader has met another leader of its own term (possible only without a quorum).
            follow(term, body.leader);
            resetElectionTimer();
            return;
          case 'stale-term':
            return; // a newer term was adopted above
        }
      },
    };
  }, cfg.peers.map((p, i): NodeRef => [p, `election.peers[${i}]`]));
}

// ---------------------------------------------------------------------------
// Reading leadership back from a trace.

export type ElectedLeader = { term: number; node: NodeId; time: number };

/** Every `leader term=N` note (text may follow after a space), in trace order. */
export function leadersOf(trace: readonly TraceEvent[]): ElectedLeader[] {
  return leaderNotes(trace)
    .filter((n) => n.role === 'leader')
    .map((n) => ({ term: n.term, node: n.node, time: n.time }));
}

/** Terms in which more than one node became leader: split brain, as data. */
export function termsWithTwoLeaders(trace: readonly TraceEvent[]): Array<{ term: number; leaders: ElectedLeader[] }> {
  const byTerm = new Map<number, ElectedLeader[]>();
  for (const l of leadersOf(trace)) byTerm.set(l.term, [...(byTerm.get(l.term) ?? []), l]);
  return [...byTerm.entries()]
    .filter(([, ls]) => new Set(ls.map((l) => l.node)).size > 1)
    .sort((a, b) => a[0] - b[0])
    .map(([term, leaders]) => ({ term, leaders }));
}

/** A stretch of time during which `node` believed it was the leader of `term`. */
export type Leadership = { node: NodeId; term: number; from: number; to: number; ended: 'stepped down' | 'crashed' | 'still leader' };

/**
 * When each node believed it led: from its `leader term=N` note to its next
 * `follower` note or crash, or `end` (default: the last event's time).
 */
export function leaderships(trace: readonly TraceEvent[], end?: number): Leadership[] {
  const stop = end ?? (trace.length > 0 ? trace[trace.length - 1]!.time : 0);
  const open = new Map<NodeId, ElectedLeader>();
  const out: Leadership[] = [];
  const close = (node: NodeId, to: number, ended: Leadership['ended']): void => {
    const l = open.get(node);
    if (!l) return;
    out.push({ node, term: l.term, from: l.time, to, ended });
    open.delete(node);
  };
  for (const e of trace) {
    if (e.time > stop) break;
    if (e.type === 'crash') close(e.node, e.time, 'crashed');
    if (e.type !== 'note') continue;
    const n = parseLeaderNote(e.text);
    if (!n) continue;
    close(e.node, e.time, 'stepped down');
    if (n.role === 'leader') open.set(e.node, { term: n.term, node: e.node, time: e.time });
  }
  for (const node of [...open.keys()]) close(node, stop, 'still leader');
  return out.sort((a, b) => a.from - b.from);
}

/** Stretches of time in which two nodes both believed they were leader (of any terms). */
export function overlappingLeaders(trace: readonly TraceEvent[], end?: number): Array<{ a: Leadership; b: Leadership; from: number; to: number }> {
  const ls = leaderships(trace, end);
  const out: Array<{ a: Leadership; b: Leadership; from: number; to: number }> = [];
  ls.forEach((a, i) =>
    ls.slice(i + 1).forEach((b) => {
      const from = Math.max(a.from, b.from);
      const to = Math.min(a.to, b.to);
      if (a.node !== b.node && to > from) out.push({ a, b, from, to });
    }),
  );
  return out;
}

// ---------------------------------------------------------------------------
// A cluster, and random partitions to throw at it.

export const ElectionClusterSchema = ExperimentSchema
  .extend({
    /** Cluster size; the nodes are named n1, n2, ... */
    nodes: z.number().int().min(1).max(25).default(5),
    ...ElectionFields,
  })
  .strict();
export type ElectionClusterConfig = z.input<typeof ElectionClusterSchema>;
export type ElectionCluster = { sim: Sim; nodes: NodeId[]; config: ElectionConfig };

/**
 * Build (not run) a cluster of election nodes. `program` replaces the
 * library's node with your own (the exercise): it gets the parsed config,
 * peers included, and returns the program each node runs.
 */
export function electionCluster(config: ElectionClusterConfig, program: (config: ElectionConfig) => Program = electionNode): ElectionCluster {
  const { seed, nodes: count, network, trace, ...election } = parseConfig(ElectionClusterSchema, config, 'election cluster config', 'cluster');
  const sim = simFromConfig({ seed, network, trace });
  const nodes = Array.from({ length: count }, (_, i) => `n${i + 1}`);
  const electionConfig = parseConfig(ElectionConfigSchema, { ...election, peers: nodes }, 'election config', 'cluster');
  for (const n of nodes) sim.addNode(n, program(electionConfig));
  return { sim, nodes, config: electionConfig };
}

// The flapping-network generator lives with the other fault schedules.
export { PartitionScheduleSchema, partitionSchedule, type PartitionScheduleConfig } from '../core/schedules';
