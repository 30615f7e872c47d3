// The capstone: a lock service that survives its own servers failing. Three
// (or five) replicas elect a leader by majority vote; followers watch the
// leader's heartbeats with a phi-accrual detector and stand for election when
// it goes quiet. Only the leader grants leases, each with a fencing token, and
// a fenced storage node has the last word on every write. A nemesis mixes
// partitions, crashes, pauses and clock steps.
//
// Two things decide whether that is safe, and they are `LockRules`:
// - how a replica votes (at most one vote per term, so at most one leader per term);
// - how a leader numbers its grants (tokens must keep growing when the leader changes).
// The 'broken' variant continues the token counter from the last token the new
// leader has *heard of*: the counter travels to followers asynchronously, on
// heartbeats, so a new leader that missed the last few grants hands their
// tokens out again (GitHub's 2012 incident: a promoted MySQL follower reused
// auto-increment ids its old leader had already issued).
import { z } from 'zod';
import { ExperimentSchema, simFromConfig } from './experiment';
import { configFail, parseConfig } from '../core/config';
import type { Grant } from './lease';
import { MAX_SCHEDULE_FAULTS, pauseSchedule, type Fault } from '../core/nemesis';
import { needsNodes, type NodeContext, type NodeRef, type Program } from '../core/node';
import { phiAccrualDetector, type PhiDetector } from './phi';
import { createRng, DistributionSchema, sample, shuffle, type Seed } from '../core/random';
import type { Sim } from '../core/sim';
import { storageNode, type StoredWrite, type WriteReply, type WriteRequest } from './storage';
import type { NodeId, TraceEvent } from '../core/trace';
import { majority } from './election';
import { leaderNote } from './leadership';

// ---------------------------------------------------------------------------
// The rules that make or break it.

/** What a replica knows when a candidate asks for its vote (it has already adopted a higher term). */
export type VoteView = {
  /** This replica's current term. */
  term: number;
  /** Whom it voted for in `term` (durable), or null. */
  votedFor: NodeId | null;
  candidate: NodeId;
  candidateTerm: number;
};

/** What a leader knows when it is about to grant a lease. */
export type TokenView = {
  /** The leader's term. */
  term: number;
  /** 1 for this leader's first grant in `term`, then 2, 3, ... */
  grantInTerm: number;
  /** The highest token this replica has issued itself or heard of on a leader's heartbeat (durable). */
  lastTokenSeen: number;
};

export interface LockRules {
  /** Grant `candidate` this replica's vote? */
  vote(v: VoteView): boolean;
  /** The fencing token for the next grant. */
  nextToken(v: TokenView): number;
}

/** Tokens are `term * TERM_SPAN + grantInTerm`: any grant of a later term outranks every grant of an earlier one. */
export const TERM_SPAN = 1_000_000;

export const correctRules: LockRules = {
  // One vote per term, remembered on disk: two candidates of one term cannot both win a majority.
  vote: (v) => v.candidateTerm === v.term && (v.votedFor === null || v.votedFor === v.candidate),
  nextToken: (v) => v.term * TERM_SPAN + v.grantInTerm,
};

export const brokenRules: LockRules = {
  vote: correctRules.vote,
  // The bug: "continue the counter". A leader that missed its predecessor's last grants reissues their tokens.
  nextToken: (v) => v.lastTokenSeen + 1,
};

export type Variant = 'correct' | 'broken';
export const rulesOf = (variant: Variant): LockRules => (variant === 'broken' ? brokenRules : correctRules);

// ---------------------------------------------------------------------------
// The protocol, as data. Replicas talk with `ctx.send`; clients call them with `ctx.call`.

export type VoteRequest = { type: 'vote-request'; term: number };
export type VoteReply = { type: 'vote'; term: number; granted: boolean };
/** The leader's heartbeat; `lastToken` is how the counter reaches followers (what the broken rules rely on). */
export type LeaderHeartbeat = { type: 'heartbeat'; term: number; lastToken: number };
export type HeartbeatAck = { type: 'heartbeat-ack'; term: number };
export type ReplicaMessage = VoteRequest | VoteReply | LeaderHeartbeat | HeartbeatAck;

/** A follower (or a leader that cannot hear a majority) sends the client elsewhere; `leader`: its best guess. */
export type NotLeader = { granted: false; notLeader: true; leader: NodeId | null };
/** The leader says no: someone else holds the lease (or an earlier leader's lease may still run); ask again in `retryIn` ms. */
export type Busy = { granted: false; holder: NodeId | null; retryIn: number };
export type LockReply = Grant | Busy | NotLeader;

const isReplicaMessage = (b: unknown): b is ReplicaMessage =>
  typeof b === 'object' && b !== null && typeof (b as { type?: unknown }).type === 'string' && typeof (b as { term?: unknown }).term === 'number';
const opOf = (b: unknown): unknown => (typeof b === 'object' && b !== null ? (b as { op?: unknown }).op : undefined);

// ---------------------------------------------------------------------------
// A replica.

export const ReplicaConfigSchema = z
  .object({
    /** Every replica of the service, this one included. */
    peers: z.array(z.string().min(1)).min(1),
    /** Lease length in ms: long enough for a write, short enough that a dead holder is not waited on for long (lesson 07). */
    lease: z.number().gt(0).default(100),
    /** ms between the leader's heartbeats: a few per lease, so followers notice a dead leader within about two leases. */
    heartbeatInterval: z.number().gt(0).default(50),
    /**
     * ms a new leader waits before its first grant, by its monotonic clock (default: one lease length, so an
     * earlier leader's lease has run out). Shorter breaks the one-holder-at-a-time promise of the lease.
     */
    leaderWait: z.number().min(0).optional(),
    /** How long a candidate waits for votes, and a replica that never heard a leader waits before standing (Raft's 150-300 ms). */
    electionTimeout: DistributionSchema.default({ kind: 'uniform', min: 150, max: 300 }),
    /** Random wait between suspecting the leader and standing: replicas that suspect together do not all split the vote. */
    standJitter: DistributionSchema.default({ kind: 'uniform', min: 0, max: 100 }),
    /** Suspect the leader at this phi (lesson 03): 8 is Akka's and Cassandra's default. */
    phiThreshold: z.number().gt(0).default(8),
    /** Floor of the heartbeat-interval sd in ms: a fifth of the interval, so ordinary jitter is not death. */
    phiMinStdDev: z.number().gt(0).default(10),
  })
  .strict();
export type ReplicaConfig = z.input<typeof ReplicaConfigSchema>;

type Role = 'follower' | 'candidate' | 'leader';
type Held = { holder: NodeId; token: number; expiresAt: number };
const TERM = 'replica.term';
const VOTED_FOR = 'replica.votedFor';
const LAST_TOKEN = 'replica.lastToken';
/** How often a replica looks at its detector and its timeouts, in ms. */
const TICK = 10;

/**
 * One replica of the lock service. Durable: term, vote, last token seen.
 * Volatile: role, leader, detector, the lease currently held (a new leader
 * starts without it and therefore waits one lease length before its first
 * grant, by its monotonic clock, so an earlier leader's lease has run out).
 * A leader grants only while a majority has acknowledged its heartbeats
 * within the last lease length; otherwise it answers NotLeader.
 * Notes: `leader term=T`, `follower term=T` (the convention checkers parse),
 * `candidate term=T`, `lease to C, token N`.
 */
export function lockReplica(config: ReplicaConfig, rules: LockRules = correctRules): Program {
  const cfg = parseConfig(ReplicaConfigSchema, config, 'lock replica config', 'replica');
  const peers = cfg.peers.map((p, i): NodeRef => [p, `replica.peers[${i}]`]);
  return needsNodes((ctx: NodeContext) => {
    if (!cfg.peers.includes(ctx.id)) throw new Error(`lock replica ${ctx.id}: peers (${cfg.peers.join(', ')}) must include itself`);
    const mono = (): number => ctx.clock.monotonic();
    const others = cfg.peers.filter((p) => p !== ctx.id);
    const quorum = majority(cfg.peers.length);
    const term = (): number => (ctx.disk.get(TERM) as number | undefined) ?? 0;
    const votedFor = (): NodeId | null => (ctx.disk.get(VOTED_FOR) as NodeId | undefined) ?? null;
    const lastTokenSeen = (): number => (ctx.disk.get(LAST_TOKEN) as number | undefined) ?? 0;
    const sawToken = (t: number): void => void ctx.disk.set(LAST_TOKEN, Math.max(lastTokenSeen(), t));
    const newDetector = (): PhiDetector =>
      phiAccrualDetector({ threshold: cfg.phiThreshold, minStdDev: cfg.phiMinStdDev, firstHeartbeatEstimate: cfg.heartbeatInterval, windowSize: 100 });

    let role: Role = 'follower';
    let leader: NodeId | null = null;
    let detector = newDetector();
    let heardLeader = false;
    let waitingSince = mono();
    let patience = sample(cfg.electionTimeout, ctx.rng);
    let standAt: number | null = null;
    let votes = new Set<NodeId>();
    let electionDeadline = 0;
    // Leader state.
    let leaderSince = 0;
    let grantsInTerm = 0;
    let held: Held | undefined;
    const acks = new Map<NodeId, number>();
    let lastFollowedTerm: number | undefined;
    let reign = 0; // bumped on every change of role: a heartbeat timer of an old reign stops

    const becomeFollower = (t: number): void => {
      if (t > term()) {
        ctx.disk.set(TERM, t);
        ctx.disk.delete(VOTED_FOR);
      }
      const changed = role !== 'follower' || t > (lastFollowedTerm ?? -1);
      role = 'follower';
      reign++;
      leader = null;
      detector = newDetector();
      heardLeader = false;
      waitingSince = mono();
      patience = sample(cfg.electionTimeout, ctx.rng);
      standAt = null;
      held = undefined;
      if (changed) ctx.note(leaderNote('follower', t));
      lastFollowedTerm = t;
    };

    const startElection = (): void => {
      const t = term() + 1;
      ctx.disk.set(TERM, t);
      ctx.disk.set(VOTED_FOR, ctx.id);
      role = 'candidate';
      reign++;
      leader = null;
      standAt = null;
      votes = new Set([ctx.id]);
      electionDeadline = mono() + sample(cfg.electionTimeout, ctx.rng);
      ctx.note(`candidate term=${t}`);
      if (votes.size >= quorum) return becomeLeader();
      for (const p of others) ctx.send(p, { type: 'vote-request', term: t } satisfies VoteRequest);
    };

    const becomeLeader = (): void => {
      role = 'leader';
      const myReign = ++reign;
      leader = ctx.id;
      leaderSince = mono();
      grantsInTerm = 0;
      held = undefined;
      acks.clear();
      ctx.note(leaderNote('leader', term()));
      const beat = (): void => {
        if (role !== 'leader' || reign !== myReign) return;
        for (const p of others) ctx.send(p, { type: 'heartbeat', term: term(), lastToken: lastTokenSeen() } satisfies LeaderHeartbeat);
        ctx.setTimer(cfg.heartbeatInterval, beat, 'heartbeat');
      };
      beat();
    };

    /** ms since a majority (this leader included) last confirmed it; Infinity if never. */
    const majorityAge = (): number => {
      if (quorum <= 1) return 0;
      const times = others.map((p) => acks.get(p) ?? -Infinity).sort((a, b) => b - a);
      return mono() - times[quorum - 2]!;
    };

    const tick = (): void => {
      ctx.setTimer(TICK, tick, 'tick');
      if (role === 'candidate') {
        if (mono() >= electionDeadline) startElection();
        return;
      }
      if (role !== 'follower') return;
      const suspect = heardLeader ? detector.suspect(mono()) : mono() - waitingSince >= patience;
      if (!suspect) {
        standAt = null;
      } else if (standAt === null) {
        standAt = mono() + sample(cfg.standJitter, ctx.rng);
      } else if (mono() >= standAt) {
        startElection();
      }
    };
    ctx.setTimer(TICK, tick, 'tick');

    const onReplicaMessage = (m: ReplicaMessage, from: NodeId): void => {
      if (m.term > term()) becomeFollower(m.term);
      switch (m.type) {
        case 'vote-request': {
          const granted = rules.vote({ term: term(), votedFor: votedFor(), candidate: from, candidateTerm: m.term });
          if (granted) {
            ctx.disk.set(VOTED_FOR, from);
            // Give the candidate its chance before standing ourselves.
            waitingSince = mono();
            standAt = null;
          }
          ctx.send(from, { type: 'vote', term: term(), granted } satisfies VoteReply);
          return;
        }
        case 'vote':
          if (role === 'candidate' && m.term === term() && m.granted) {
            votes.add(from);
            if (votes.size >= quorum) becomeLeader();
          }
          return;
        case 'heartbeat':
          if (m.term === term()) {
            if (role === 'candidate') becomeFollower(m.term);
            if (role === 'follower') {
              leader = from;
              heardLeader = true;
              detector.heartbeat(mono());
              standAt = null;
              sawToken(m.lastToken);
            }
          }
          // An old leader learns the newer term from the ack.
          ctx.send(from, { type: 'heartbeat-ack', term: term() } satisfies HeartbeatAck);
          return;
        case 'heartbeat-ack':
          if (role === 'leader' && m.term === term()) acks.set(from, mono());
          return;
      }
    };

    const acquire = (from: NodeId): LockReply => {
      if (role !== 'leader' || majorityAge() >= cfg.lease) return { granted: false, notLeader: true, leader: role === 'leader' ? null : leader };
      const now = mono();
      const wait = cfg.leaderWait ?? cfg.lease;
      if (now - leaderSince < wait) return { granted: false, holder: null, retryIn: leaderSince + wait - now };
      if (held && now < held.expiresAt && held.holder !== from) return { granted: false, holder: held.holder, retryIn: held.expiresAt - now };
      grantsInTerm++;
      const token = rules.nextToken({ term: term(), grantInTerm: grantsInTerm, lastTokenSeen: lastTokenSeen() });
      sawToken(token);
      held = { holder: from, token, expiresAt: now + cfg.lease };
      ctx.note(`lease to ${from}, token ${token}`);
      return { granted: true, token, lease: cfg.lease };
    };

    return {
      onMessage(msg) {
        if (isReplicaMessage(msg.body)) onReplicaMessage(msg.body, msg.from);
      },
      onRequest(body, reply, msg) {
        if (opOf(body) === 'acquire') reply(acquire(msg.from));
        else if (opOf(body) === 'release') {
          const token = (body as { token?: unknown }).token;
          const released = role === 'leader' && held !== undefined && held.holder === msg.from && held.token === token;
          if (released) held = undefined;
          reply({ released });
        }
      },
    };
  }, peers);
}

// ---------------------------------------------------------------------------
// A client.

export const LockClientSchema = z
  .object({
    replicas: z.array(z.string().min(1)).min(1),
    storage: z.string().min(1).default('storage'),
    /** The key every client writes: one shared file. */
    key: z.string().min(1).default('file'),
    /** ms before the first request, to stagger clients. */
    startAt: z.number().min(0).default(0),
    /** ms between checking the lease and writing (lesson 07's window). */
    work: z.number().min(0).default(20),
    /** ms to wait for a replica or the storage: a few round trips on a healthy network. */
    timeout: z.number().gt(0).default(50),
    /** ms before asking again after a refusal, a redirect or a timeout. */
    retry: z.number().gt(0).default(10),
    /** ms between one finished write and the next acquire: others get a turn. */
    idle: z.number().min(0).default(30),
  })
  .strict();
export type LockClientConfig = z.input<typeof LockClientSchema>;

/**
 * A client that writes `<id>#<n>` to the storage forever, one lease per write:
 * find the leader (follow redirects, try the next replica on a timeout), take
 * the lease, check on its own monotonic clock that more than `work` ms are
 * left, work, write with the token, release. A rejected or unanswered write
 * sends it back to the lock service.
 */
export function lockClient(config: LockClientConfig): Program {
  const cfg = parseConfig(LockClientSchema, config, 'lock client config', 'client');
  const talksTo = [...cfg.replicas.map((r, i): NodeRef => [r, `client.replicas[${i}]`]), [cfg.storage, 'client.storage'] as NodeRef];
  return needsNodes((ctx: NodeContext) => {
    let n = 1;
    let target = cfg.replicas[0]!;
    const mono = (): number => ctx.clock.monotonic();
    const next = (): NodeId => cfg.replicas[(cfg.replicas.indexOf(target) + 1) % cfg.replicas.length]!;
    const later = (ms: number): void => void ctx.setTimer(ms, acquire, 'retry acquire');

    const acquire = (): void => {
      const askedAt = mono();
      const from = target;
      ctx.call(from, { op: 'acquire' }, { timeout: cfg.timeout }, (r) => {
        if (r.status !== 'ok') {
          target = next();
          return later(cfg.retry);
        }
        const b = r.body as LockReply;
        if (b.granted === true) return start(from, b.token, askedAt + b.lease);
        if ('notLeader' in b) {
          target = b.leader !== null && b.leader !== from ? b.leader : next();
          return later(cfg.retry);
        }
        later(Math.max(cfg.retry, Number((b as Busy).retryIn) || 0));
      });
    };

    const start = (grantor: NodeId, token: number, expiresAt: number): void => {
      if (expiresAt - mono() <= cfg.work) {
        release(grantor, token);
        return later(cfg.retry);
      }
      ctx.setTimer(cfg.work, () => write(grantor, token), 'work done');
    };

    const write = (grantor: NodeId, token: number): void => {
      const value = `${ctx.id}#${n}`;
      ctx.note(`writing ${value} with token ${token}`);
      ctx.call(cfg.storage, { op: 'write', key: cfg.key, value, token } satisfies WriteRequest, { timeout: cfg.timeout }, (r) => {
        const ack = r.status === 'ok' ? (r.body as WriteReply) : undefined;
        if (ack?.ok === true) {
          n++;
          release(grantor, token);
          return later(cfg.idle);
        }
        if (ack?.ok === false) ctx.note(`token ${token} is stale (storage has seen ${ack.highest})`);
        later(cfg.retry);
      });
    };

    const release = (grantor: NodeId, token: number): void => ctx.call(grantor, { op: 'release', token }, { timeout: cfg.timeout }, () => {});

    ctx.setTimer(cfg.startAt, acquire, 'start');
  }, talksTo);
}

// ---------------------------------------------------------------------------
// The whole system.

export const CapstoneSchema = ExperimentSchema
  .extend({
    variant: z.enum(['correct', 'broken']).default('correct'),
    /** Replicas, named replica1..N: 3 tolerate one failure, 5 tolerate two. */
    replicas: z.number().int().min(1).max(7).default(3),
    /** Clients, named client1..N. */
    clients: z.number().int().min(1).max(5).default(2),
    lease: z.number().gt(0).default(100),
    heartbeatInterval: z.number().gt(0).default(50),
    /** ms a new leader waits before granting (default: one lease); see ReplicaConfigSchema. */
    leaderWait: z.number().min(0).optional(),
    /** ms between the clients' start times: the first election takes ~150-300 ms anyway. */
    stagger: z.number().min(0).default(10),
  })
  .strict();
export type CapstoneConfig = z.input<typeof CapstoneSchema>;

export type Capstone = {
  sim: Sim;
  replicas: NodeId[];
  clients: NodeId[];
  storage: NodeId;
  /** The storage's accepted writes, in order. */
  writes: StoredWrite[];
};

/**
 * Build (not run) replicas, clients and a fenced 'storage'. `rules` replaces
 * the variant's rules (the exercise plugs its own in here).
 */
export function capstoneSystem(config: CapstoneConfig, rules?: LockRules): Capstone {
  const cfg = parseConfig(CapstoneSchema, config, 'capstone config', 'capstone');
  const sim = simFromConfig(cfg);
  const replicas = Array.from({ length: cfg.replicas }, (_, i) => `replica${i + 1}`);
  const clients = Array.from({ length: cfg.clients }, (_, i) => `client${i + 1}`);
  const writes: StoredWrite[] = [];
  const r = rules ?? rulesOf(cfg.variant);
  for (const id of replicas) sim.addNode(id, lockReplica({ peers: replicas, lease: cfg.lease, heartbeatInterval: cfg.heartbeatInterval, ...(cfg.leaderWait !== undefined ? { leaderWait: cfg.leaderWait } : {}) }, r));
  sim.addNode('storage', storageNode({ fenced: true }, writes));
  clients.forEach((id, i) => sim.addNode(id, lockClient({ replicas, startAt: i * cfg.stagger })));
  return { sim, replicas, clients, storage: 'storage', writes };
}

// ---------------------------------------------------------------------------
// The nemesis.

export const CapstoneNemesisSchema = z
  .object({
    replicas: z.array(z.string().min(1)).min(1).default(['replica1', 'replica2', 'replica3']),
    clients: z.array(z.string().min(1)).default(['client1', 'client2']),
    /** Faults start after the first election has had time to finish. */
    from: z.number().min(0).default(400),
    /** No fault starts after this, and every fault has ended by it (then the system should recover). */
    until: z.number().gt(0).default(2500),
    /** How long each partition, crash or replica pause lasts, in ms. */
    length: DistributionSchema.default({ kind: 'uniform', min: 100, max: 500 }),
    /** Quiet time between two replica faults, in ms. */
    gap: DistributionSchema.default({ kind: 'uniform', min: 50, max: 300 }),
    /** Clock steps, in ms either way: monotonic clocks must not care. */
    clockStep: DistributionSchema.default({ kind: 'uniform', min: 100, max: 2000 }),
    /** Clients are paused too (lesson 07): mean gap between pauses, in ms. */
    clientPauseEvery: z.number().gt(0).default(600),
    clientPause: DistributionSchema.default({ kind: 'uniform', min: 50, max: 250 }),
  })
  .strict()
  .refine((c) => c.until > c.from, { message: 'until must be after from', path: ['until'] });
export type CapstoneNemesisConfig = z.input<typeof CapstoneNemesisSchema>;

export type FaultKind = 'partition' | 'crash' | 'pause' | 'clock';

/**
 * A seeded mix of faults, one replica fault at a time (each ends before the
 * next starts): a replica cut off alone, a minority/majority split, a crash
 * and restart, a stop-the-world pause, a wall-clock step; plus random pauses
 * of the clients. Same seed, same schedule.
 */
export function capstoneNemesis(seed: Seed, config: CapstoneNemesisConfig = {}): Fault[] {
  const cfg = parseConfig(CapstoneNemesisSchema, config, 'capstone nemesis config', 'nemesis');
  const rng = createRng(seed, 'capstone-nemesis');
  const out: Fault[] = [];
  const kinds: FaultKind[] = ['partition', 'crash', 'pause', 'clock'];
  for (let t = cfg.from + sample(cfg.gap, rng); t < cfg.until; t += sample(cfg.gap, rng)) {
    const kind = rng.pick(kinds);
    const node = rng.pick(cfg.replicas);
    const at = round(t);
    const end = Math.min(round(t + sample(cfg.length, rng)), cfg.until);
    if (kind === 'partition') {
      const shuffled = shuffle(rng, cfg.replicas);
      const alone = rng.chance(0.5) || cfg.replicas.length < 3;
      const minority = alone ? [node] : shuffled.slice(0, Math.floor((cfg.replicas.length - 1) / 2) || 1);
      out.push({ at, fault: 'partition', groups: [minority] }, { at: end, fault: 'heal' });
    } else if (kind === 'crash') {
      out.push({ at, fault: 'crash', node }, { at: end, fault: 'restart', node });
    } else if (kind === 'pause') {
      out.push({ at, fault: 'pause', node, for: Math.max(1, end - at) });
    } else {
      out.push({ at, fault: 'clock-step', node, delta: round(sample(cfg.clockStep, rng) * (rng.chance(0.5) ? 1 : -1)) });
    }
    t = kind === 'clock' ? t : end;
    // A gap of ~0 ms would never reach `until`: fail instead of looping.
    if (out.length > MAX_SCHEDULE_FAULTS) configFail('capstone nemesis config', 'nemesis.gap', `these settings generate more than ${MAX_SCHEDULE_FAULTS} faults before t=${cfg.until}: make the gap longer`);
  }
  if (cfg.clients.length > 0) {
    const pauses = pauseSchedule(rng.fork('clients'), { nodes: cfg.clients, gap: { kind: 'exponential', mean: cfg.clientPauseEvery }, length: cfg.clientPause, from: cfg.from, until: cfg.until });
    out.push(...pauses.map((p) => ({ ...p, at: round(p.at), ...(p.fault === 'pause' && p.for !== undefined ? { for: Math.max(1, round(p.for)) } : {}) })));
  }
  return out.sort((a, b) => a.at - b.at);
}

const round = (x: number): number => Math.round(x);

/**
 * The schedule with faults that cannot happen dropped: a restart of a node
 * that is not down, a second crash of a node that is. Shrinking drops faults
 * one by one and may leave such orphans behind.
 */
export function playable(schedule: readonly Fault[]): Fault[] {
  const down = new Set<NodeId>();
  const out: Fault[] = [];
  for (const f of [...schedule].sort((a, b) => a.at - b.at)) {
    if (f.fault === 'crash') {
      if (down.has(f.node)) continue;
      down.add(f.node);
    } else if (f.fault === 'restart') {
      if (!down.has(f.node)) continue;
      down.delete(f.node);
    }
    out.push(f);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Running a scenario.

export type CapstoneRun = Capstone & { schedule: Fault[]; until: number };

/** Build the system, play `schedule` (made playable), run until `until`. */
export function runCapstone(config: CapstoneConfig, schedule: readonly Fault[], until: number, rules?: LockRules): CapstoneRun {
  const system = capstoneSystem(config, rules);
  const faults = playable(schedule).filter((f) => f.at <= until);
  system.sim.nemesis(faults);
  system.sim.run({ until });
  return { ...system, schedule: faults, until };
}

/** A scenario in the shape shrinkers take: `(seed, schedule, until) => trace`. */
export function capstoneScenario(config: Omit<CapstoneConfig, 'seed'> = {}, rules?: LockRules) {
  return (seed: Seed, schedule: readonly Fault[], until: number): TraceEvent[] => [...runCapstone({ ...config, seed }, schedule, until, rules).sim.trace];
}

// ---------------------------------------------------------------------------
// Drawing a run.

/** Just the events worth drawing of a trace: no timers, no heartbeats; votes, grants, writes, faults and notes stay. */
export function storyOf(trace: readonly TraceEvent[], opts: { heartbeats?: boolean } = {}): TraceEvent[] {
  const isBeat = (b: unknown): boolean => isReplicaMessage(b) && (b.type === 'heartbeat' || b.type === 'heartbeat-ack');
  return trace.filter((e) => {
    if (e.type === 'timer') return false;
    if (e.type === 'note' && /^(writing|candidate)/.test(e.text)) return true;
    if ((e.type === 'send' || e.type === 'deliver' || e.type === 'drop') && !opts.heartbeats && isBeat(e.body)) return false;
    return true;
  });
}
