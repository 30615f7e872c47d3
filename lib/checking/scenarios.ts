// Small model-checking scenarios built from the lessons' own node programs:
// lesson 07's lease without fencing (and with it), and the capstone's lock
// service with its broken token rule (and the correct one). Each is reduced
// to a few nodes and short timeouts so that every schedule up to the bug fits
// in a small scope; and next to each, how many seeds the seeded random runs
// of the lesson needed to stumble on the same bug.
import { lockReplica, lockClient, rulesOf, runCapstone, capstoneNemesis, type Variant } from '../models/capstone';
import { noSharedTokens } from './capstone-checks';
import { leaseClient, lockingSystem, lockService, randomPauses } from '../models/lease';
import { storageNode } from '../models/storage';
import { quorumReplica } from '../models/register';
import { linearizableCalls } from './workload';
import type { Program } from '../core/node';
import type { Seed } from '../core/random';
import { createSim } from '../core/sim';
import type { TraceEvent } from '../core/trace';
import { noStaleTokenWrites, type Checker } from './checkers';
import type { BoundsOptions, ModelScenario } from './model-checker';

export type ModelCase = { scenario: ModelScenario; bounds: BoundsOptions };

/**
 * Lesson 07: a lock service, a storage node, two clients that each take the
 * lease once and write. Timers fire in deadline order and messages in any
 * order; one client may be paused (and resumed at any later step), so its
 * "work done" timer can fire after its lease has run out and the other
 * client has taken it. Unfenced, the storage then accepts the stale token;
 * fenced, it cannot. (The fully asynchronous 'any' order finds the same bug
 * without a pause fault, but explores far more states to get there.)
 */
export function leaseModel(opts: { fenced: boolean; lease?: number; work?: number }): ModelCase {
  const lease = opts.lease ?? 100;
  const client = { rounds: 1, work: opts.work ?? 20, timeout: 50, retry: 10, idle: 30 };
  return {
    scenario: {
      nodes: [
        { id: 'lock', program: lockService({ lease }) },
        { id: 'storage', program: storageNode({ fenced: opts.fenced }) },
        { id: 'client1', program: leaseClient({ ...client, startAt: 0 }) },
        { id: 'client2', program: leaseClient({ ...client, startAt: 10 }) },
      ],
      invariants: [(t) => noStaleTokenWrites(t)],
      crashable: ['client1', 'client2'],
    },
    bounds: { order: 'timed', latency: 1, maxPauses: 1, maxDepth: 24 },
  };
}

/**
 * The capstone, reduced: two replicas (a majority is both), two clients, the
 * fenced storage; heartbeats every 10 ms, a 20 ms lease, an election timeout
 * of one tick and no jitter, so that a leader is elected, grants, and is
 * replaced within about a hundred steps. Events happen in time order; the
 * nondeterminism is in ties and in which heartbeats are lost (a lost
 * heartbeat is how a follower misses the latest token, and two in a row are
 * how it comes to suspect the leader).
 * Two things bring the bug within reach: a fault-free warm-up of 40 steps
 * (the election and the first grant, which no schedule needs to vary) and
 * ties broken one node at a time (partial-order reduction; see `Bounds.ties`).
 * Searched from step 0 instead, the same bug takes ~46,000 states.
 * Clients idle 50 ms between writes, so the first token is the storage's
 * highest when the new leader hands it out again.
 */
export function capstoneModel(opts: { variant: Variant; maxDrops?: number; maxDepth?: number; warmup?: number; idle?: number }): ModelCase {
  const replicas = ['replica1', 'replica2'];
  // replica1 stands first (a constant timeout each, so no split votes to wait out); replica2 stands only on suspicion.
  const replica = (electionTimeout: number) =>
    lockReplica(
      { peers: replicas, lease: 20, heartbeatInterval: 10, electionTimeout, standJitter: 0, phiThreshold: 1, phiMinStdDev: 1 },
      rulesOf(opts.variant),
    );
  const client = (startAt: number) => lockClient({ replicas, startAt, work: 0, timeout: 20, retry: 10, idle: opts.idle ?? 50 });
  return {
    scenario: {
      nodes: [
        { id: 'replica1', program: replica(10) },
        { id: 'replica2', program: replica(60) },
        { id: 'storage', program: storageNode({ fenced: true }) },
        { id: 'client1', program: client(0) },
        { id: 'client2', program: client(0) },
      ],
      invariants: [(t) => noSharedTokens(t)],
      // Only the leader's heartbeats are lost: that is how a follower misses the latest token.
      faultyMessage: (m) => (m.body as { type?: unknown } | null)?.type === 'heartbeat',
    },
    bounds: {
      order: 'timed',
      latency: 1,
      maxDrops: opts.maxDrops ?? 2,
      maxDepth: opts.maxDepth ?? 60,
      warmup: opts.warmup ?? 40,
      ties: 'one-node',
    },
  };
}

export type SeedSearch = {
  /** The first seed whose run failed, or null if none of the seeds tried did. */
  firstFailing: Seed | null;
  /** Seeds run (up to and including the first failing one). */
  tried: number;
};

/** Run `run(seed)` for seeds 1, 2, ... up to `maxSeeds` until `check` fails: random testing's cost of finding a bug. */
export function seedsToFind(run: (seed: number) => readonly TraceEvent[], check: Checker, maxSeeds: number): SeedSearch {
  for (let seed = 1; seed <= maxSeeds; seed++) if (!check(run(seed)).ok) return { firstFailing: seed, tried: seed };
  return { firstFailing: null, tried: maxSeeds };
}

/** Lesson 07's seeded runs: two clients under random pauses, unfenced or fenced, for `until` ms. */
export function leaseSeedRun(opts: { fenced: boolean; until?: number; pause?: number }) {
  return (seed: number): TraceEvent[] => {
    const until = opts.until ?? 1000;
    const s = lockingSystem({ seed, clients: 2, lease: 100, fenced: opts.fenced, client: { rounds: 1000 } });
    s.sim.nemesis(randomPauses(s.sim.rng, { nodes: s.clients, every: 300, length: opts.pause ?? 150, until }));
    s.sim.run({ until });
    return [...s.sim.trace];
  };
}

/** The capstone's seeded runs under its nemesis (lesson 11). */
export function capstoneSeedRun(variant: Variant, until = 3500) {
  return (seed: number): TraceEvent[] => [...runCapstone({ seed, variant }, capstoneNemesis(seed), until).sim.trace];
}

/**
 * The model checker's reduced capstone (`capstoneModel`), run in the
 * simulator instead: the same programs, 1 ms links, and the link from
 * replica1 to replica2 (the heartbeats) losing each message with
 * probability `loss`. What random testing does with the same system and the
 * same fault.
 */
export function capstoneModelSeedRun(variant: Variant, opts: { loss?: number; until?: number } = {}) {
  return (seed: number): TraceEvent[] => {
    const m = capstoneModel({ variant });
    const sim = createSim({
      seed,
      network: { latency: 1, links: [{ from: 'replica1', to: 'replica2', loss: opts.loss ?? 0.1 }] },
    });
    for (const n of m.scenario.nodes) sim.addNode(n.id, n.program);
    sim.run({ until: opts.until ?? 300 });
    return [...sim.trace];
  };
}

/**
 * Lesson 12's quorum register (ABD), reduced: three replicas, a writer that
 * writes 1 through replica1, and a reader that reads through replica1 and
 * then through replica3. Time order, 1 ms links; up to two of the store
 * phase's requests ('put') lost. Without read repair, a read can return the value of a write
 * still in progress and the next read the older one (a new/old inversion);
 * with it, never. The invariant is the linearizability checker itself, on the
 * history read back from the trace.
 */
export function quorumModel(opts: { readRepair: boolean; maxDrops?: number; maxDepth?: number }): ModelCase {
  const replicas = ['replica1', 'replica2', 'replica3'];
  const writer: Program = (ctx) => ctx.call('replica1', { f: 'write', key: 'x', value: 1 }, { timeout: 100 }, () => {});
  const reader: Program = (ctx) => {
    const read = (to: string, then: () => void): void => ctx.call(to, { f: 'read', key: 'x' }, { timeout: 100 }, then);
    ctx.setTimer(5, () => read('replica1', () => read('replica3', () => {})), 'start');
  };
  return {
    scenario: {
      nodes: [
        ...replicas.map((id) => ({ id, program: quorumReplica({ peers: replicas, readRepair: opts.readRepair }) })),
        { id: 'writer', program: writer },
        { id: 'reader', program: reader },
      ],
      invariants: [linearizableCalls(['writer', 'reader'])],
      // Only the store phase's requests are lost: that is where a write can be left half done.
      faultyMessage: (m) => (m.body as { body?: { q?: unknown } } | null)?.body?.q === 'put',
    },
    bounds: { order: 'timed', latency: 1, maxDrops: opts.maxDrops ?? 2, maxDepth: opts.maxDepth ?? 40, ties: 'one-node' },
  };
}
