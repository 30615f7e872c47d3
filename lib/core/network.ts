// The network between nodes: every directed link has a latency distribution,
// a loss rate, a duplication rate and a reordering rate; partitions cut links
// (both ways or one way) until healed. A message's fate is decided when it is
// sent, from the link's own random stream, and recorded in the trace.
import { z } from 'zod';
import { configFail, parseConfig, probability, SimulationError } from './config';
import { copyPayload, PayloadError } from './payload';
import { describe, DistributionSchema, RngTable, sample, type Distribution } from './random';
import type { Message as MessageShape } from './node';
import type { DropReason, NodeId } from './trace';
import type { Job, World } from './world';

const LinkFields = {
  /** One-way delay in ms. */
  latency: DistributionSchema,
  /** Probability that a message is lost. */
  loss: probability(),
  /** Probability that a message is delivered twice (the copy takes its own latency). */
  duplicate: probability(),
  /** Probability that a message is held back by an extra `reorderDelay`, so later ones overtake it. */
  reorder: probability(),
  reorderDelay: DistributionSchema,
};

export const LinkSchema = z.object(LinkFields).strict();
export const LinkPatchSchema = LinkSchema.partial();
export type Link = z.output<typeof LinkSchema>;
export type LinkPatch = z.input<typeof LinkPatchSchema>;

export const NetworkConfigSchema = z
  .object({
    // A few ms with a modest tail: like a request inside one datacenter.
    latency: DistributionSchema.default({ kind: 'lognormal', median: 2, sigma: 0.3 }),
    loss: probability().default(0),
    duplicate: probability().default(0),
    reorder: probability().default(0),
    // Long enough to overtake messages sent a little later.
    reorderDelay: DistributionSchema.default({ kind: 'uniform', min: 5, max: 20 }),
    /** Per-link overrides of the defaults above. */
    links: z
      .array(z.object({ from: z.string().min(1), to: z.string().min(1), ...LinkPatchSchema.shape }).strict())
      .default([]),
  })
  .strict();

export type NetworkConfigInput = z.input<typeof NetworkConfigSchema>;
export type NetworkConfig = z.output<typeof NetworkConfigSchema>;

export interface Network {
  /** `fromIndex` and `toIndex` are the nodes' places in the node table, when the caller knows them. */
  send(from: NodeId, to: NodeId, body: unknown, fromIndex?: number, toIndex?: number): void;
  /** Current settings of the directed link from → to. */
  link(from: NodeId, to: NodeId): Link;
  /** Change some settings of the link from → to (e.g. slow it down, make it lossy). */
  setLink(from: NodeId, to: NodeId, patch: LinkPatch): void;
  /** Cut every link between nodes of different groups, both ways. `path` names `groups` in errors. */
  partition(groups: NodeId[][], path?: string): void;
  /** Cut the links from each of `from` to each of `to`, one way only. */
  partitionOneWay(from: NodeId[], to: NodeId[]): void;
  /** Restore every cut link. */
  heal(): void;
  isCut(from: NodeId, to: NodeId): boolean;
}

export interface NetworkDeps {
  world: World;
  config: NetworkConfig;
  checkNode(id: NodeId, path: string): void;
  /** A node's place in the node table (it exists: the caller checked). */
  indexOf(id: NodeId): number;
  arrive(msg: MessageShape, toIndex: number): void;
}

const key = (from: NodeId, to: NodeId): string => `${from}\u0000${to}`;

/** A two-way partition, as each node's group: memory grows with the nodes, not with the links cut. */
type Split = { groupOf: Map<NodeId, number>; groups: NodeId[][] };

/** A partition cutting more links than this is traced by its groups, not link by link. */
export const MAX_TRACED_CUTS = 10_000;

/**
 * A message on its way: the queue entry itself, so a send allocates no
 * closure. `reason` is decided at send time: null means it arrives. Entries
 * that are done are reused (a small pool), like timers.
 */
class Delivery {
  time = 0;
  seq = 0;
  next: Job | undefined = undefined;
  node: NodeId = '';
  readonly label = 'message delivery';
  msg: MessageShape | null = null;
  toIndex = 0;
  reason: DropReason | null = null;
  readonly done: (d: Delivery) => void;
  constructor(done: (d: Delivery) => void) {
    this.done = done;
  }
  run(): void {
    this.done(this);
  }
}

const DELIVERY_POOL = 256;

/**
 * A message as its receiver gets it. An instance of a class, not an object
 * literal: V8 watches how long each literal's objects live, and when a
 * collection happens while a run's first messages are all still in flight it
 * decides that messages live long and allocates every later one in the old
 * generation, for the rest of the process. About one 10,000-node benchmark
 * run in four went that way (eleven full collections instead of one) and took
 * 30-50% longer; with a class, none of 60 did. (Named for the type it
 * implements: a student who logs a message sees `Message { id: 1, ... }`.)
 */
class Message implements MessageShape {
  constructor(
    readonly id: number,
    readonly from: NodeId,
    readonly to: NodeId,
    readonly body: unknown,
    readonly sentAt: number,
  ) {}
}

export function createNetwork({ world, config, checkNode, indexOf, arrive }: NetworkDeps): Network {
  const { links: overrides, ...defaults } = config;
  const links = new Map<string, Link>();
  // Each directed link has its own random stream, a row of `streams`, made at its first message.
  const streams = new RngTable();
  const rows: Array<Array<number | undefined> | undefined> = []; // [fromIndex][toIndex], from a sender's second peer on
  // The receiver each sender last sent to, and that link's row, side by side
  // ([2 from] = to, [2 from + 1] = row): a node mostly sends to the same peer
  // again (a heartbeat, a reply), and then the send touches no per-link object.
  let last = new Int32Array(128).fill(-1);
  // The settings of each row's link, cached until setLink changes a link (only with per-link overrides).
  const rowLinks: Link[] = [];
  const rowVersions: number[] = [];
  let linkVersion = 0; // bumped by setLink
  const cuts = new Map<string, [NodeId, NodeId]>(); // insertion-ordered: pairs cut one by one (one-way, small partitions)
  const splits: Split[] = []; // large partitions
  let nextMsg = 1;

  for (const { from, to, ...patch } of overrides) links.set(key(from, to), { ...defaults, ...stripUndefined(patch) });

  const link = (from: NodeId, to: NodeId): Link => (links.size === 0 ? defaults : (links.get(key(from, to)) ?? defaults));
  /** The row of the link from → to in `streams`. */
  const rowOf = (from: NodeId, to: NodeId, fromIndex: number, toIndex: number): number => {
    const at = 2 * fromIndex;
    const before = at < last.length ? last[at]! : -1;
    if (before === toIndex) return last[at + 1]!;
    let row = rows[fromIndex];
    if (row === undefined && before !== -1) {
      row = rows[fromIndex] = [];
      row[before] = last[at + 1];
    }
    // A node that only ever sends to one peer needs no row: `last` holds its link.
    let r = row?.[toIndex];
    if (r === undefined) {
      r = streams.add(world.rng, `link:${from}->${to}`);
      if (row !== undefined) row[toIndex] = r;
    }
    if (at >= last.length) {
      const grown = new Int32Array(Math.max(2 * last.length, at + 2)).fill(-1);
      grown.set(last);
      last = grown;
    }
    last[at] = toIndex;
    last[at + 1] = r;
    return r;
  };
  /** The settings of the link in row `r` (from → to). */
  const linkOf = (from: NodeId, to: NodeId, r: number): Link => {
    if (links.size === 0) return defaults;
    if (rowVersions[r] !== linkVersion) {
      rowLinks[r] = link(from, to);
      rowVersions[r] = linkVersion;
    }
    return rowLinks[r]!;
  };

  const pool: Delivery[] = [];
  const done = (d: Delivery): void => {
    const m = d.msg!;
    const reason = d.reason;
    const toIndex = d.toIndex;
    d.msg = null;
    if (pool.length < DELIVERY_POOL) pool.push(d); // nothing refers to it any more
    if (reason === null) return arrive(m, toIndex);
    if (world.tracing) world.record({ type: 'drop', time: world.now, msg: m.id, from: m.from, to: m.to, body: m.body, sentAt: m.sentAt, reason });
  };

  const transmit = (from: NodeId, to: NodeId, toIndex: number, body: unknown, l: Link, r: number, copy: boolean): void => {
    const id = nextMsg++;
    const sentAt = world.now;
    const payload = clone(from, to, body); // nodes never share objects
    if (world.tracing) world.recordSend(sentAt, id, from, to, payload, copy);
    const rng = streams.stream(r); // the table's one view: nothing else draws from it until this send is done
    let delay = sample(l.latency, rng);
    if (delay < 0) delay = 0;
    if (l.reorder > 0 && rng.chance(l.reorder)) delay += Math.max(0, sample(l.reorderDelay, rng));
    // A heavy tail (a tiny Pareto shape, a huge sigma) can overflow: say which link, not "t=Infinity".
    if (!Number.isFinite(sentAt + delay)) badDelay(from, to, l, delay);
    const lost = l.loss > 0 && rng.chance(l.loss);
    const reason = isCut(from, to) ? 'partition' : lost ? 'loss' : null;
    const msg = new Message(id, from, to, payload, sentAt);
    const d = pool.pop() ?? new Delivery(done);
    d.time = sentAt + delay;
    d.node = to;
    d.msg = msg;
    d.toIndex = toIndex;
    d.reason = reason;
    world.push(d);
  };

  const clone = (from: NodeId, to: NodeId, body: unknown): unknown => {
    try {
      return copyPayload(body);
    } catch (e) {
      if (!(e instanceof PayloadError)) throw e;
      throw new SimulationError(`message ${from} -> ${to}, ${e.field}`, `cannot send this message: ${e.problem}`, world.now);
    }
  };

  const badDelay = (from: NodeId, to: NodeId, l: Link, delay: number): never => {
    const dists = l.reorder > 0 ? `latency ${describe(l.latency)}, reorderDelay ${describe(l.reorderDelay)}` : `latency ${describe(l.latency)}`;
    throw new SimulationError(
      `link ${from} -> ${to}`,
      `a message delay of ${delay} ms from t=${world.now} does not give a finite arrival time (${dists}): bound the distribution's tail`,
      world.now,
    );
  };

  const splitCut = (from: NodeId, to: NodeId): boolean => {
    for (const s of splits) {
      const a = s.groupOf.get(from);
      const b = s.groupOf.get(to);
      if (a !== undefined && b !== undefined && a !== b) return true;
    }
    return false;
  };
  const isCut = (from: NodeId, to: NodeId): boolean =>
    (cuts.size > 0 && cuts.has(key(from, to))) || (splits.length > 0 && splitCut(from, to));

  const cut = (pairs: Array<[NodeId, NodeId]>): void => {
    const added = pairs.filter(([a, b]) => a !== b && !isCut(a, b));
    for (const [a, b] of added) cuts.set(key(a, b), [a, b]);
    if (added.length > 0) world.record({ type: 'partition', time: world.now, cuts: added });
  };

  const check = (ids: NodeId[], path: string): void => ids.forEach((id, i) => checkNode(id, `${path}[${i}]`));

  return {
    send(from, to, body, fromIndex = indexOf(from), toIndex = indexOf(to)) {
      const r = rowOf(from, to, fromIndex, toIndex);
      const l = linkOf(from, to, r);
      transmit(from, to, toIndex, body, l, r, false);
      if (l.duplicate > 0 && streams.stream(r).chance(l.duplicate)) transmit(from, to, toIndex, body, l, r, true);
    },
    link,
    setLink(from, to, patch) {
      checkNode(from, 'link.from');
      checkNode(to, 'link.to');
      const parsed = stripUndefined(parseConfig(LinkPatchSchema, patch, 'link settings', `link(${from} -> ${to})`));
      links.set(key(from, to), { ...link(from, to), ...parsed });
      linkVersion++;
      const change = Object.entries(parsed)
        .map(([k, v]) => `${k}=${typeof v === 'object' ? describe(v as Distribution) : v}`)
        .join(', ');
      world.record({ type: 'link', time: world.now, from, to, change });
    },
    partition(groups, path = 'partition.groups') {
      groups.forEach((g, i) => check(g, `${path}[${i}]`));
      const groupOf = new Map<NodeId, number>();
      groups.forEach((g, i) =>
        g.forEach((n, j) => {
          const other = groupOf.get(n);
          if (other !== undefined && other !== i) {
            configFail('partition', `${path}[${i}][${j}]`, `node '${n}' is in two groups (${path}[${other}] and ${path}[${i}]): a node is on one side of a partition`);
          }
          groupOf.set(n, i);
        }),
      );
      // Count before listing: 10,000 nodes split in two would be 50 million pairs.
      const sizes = groups.map((g) => new Set(g).size);
      const total = sizes.reduce((a, b) => a + b, 0);
      const crossing = sizes.reduce((acc, n) => acc + n * (total - n), 0);
      if (crossing > MAX_TRACED_CUTS) {
        splits.push({ groupOf, groups: groups.map((g) => [...g]) });
        world.record({ type: 'partition', time: world.now, cuts: [], groups: groups.map((g) => [...g]) });
        return;
      }
      const pairs: Array<[NodeId, NodeId]> = [];
      groups.forEach((g, i) =>
        groups.forEach((h, j) => {
          if (i !== j) for (const a of g) for (const b of h) pairs.push([a, b]);
        }),
      );
      cut(pairs);
    },
    partitionOneWay(from, to) {
      check(from, 'partitionOneWay.from');
      check(to, 'partitionOneWay.to');
      cut(from.flatMap((a) => to.map((b): [NodeId, NodeId] => [a, b])));
    },
    heal() {
      if (cuts.size === 0 && splits.length === 0) return;
      const healed = [...cuts.values()];
      const groups = splits.map((s) => s.groups);
      cuts.clear();
      splits.length = 0;
      world.record({ type: 'heal', time: world.now, cuts: healed, ...(groups.length > 0 ? { groups } : {}) });
    },
    isCut,
  };
}

function stripUndefined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as never;
}
