// Logical clocks: timestamps that respect causality without trusting any wall
// clock. A history (what each node did, who sent what to whom) is plain data;
// a clock is a few pure functions; `stampHistory` runs one through the other.
// The true happens-before relation is computed from the history itself
// (`causalOrder`), never from a clock, so every clock can be checked against it.
//
//   const { history, trace } = randomHistory({ seed: 1, nodes: 3, skew: 30 });
//   const lamport = stampHistory(history, lamportClock);
//   const log = sortByStamp(history, lamport, (a, b) => a - b);
//   orderViolations(history, log);            // [] : causes always come first
//
// Clocks here: wall (the baseline), Lamport, vector, hybrid logical (HLC).
import { z } from 'zod';
import { ClockConfigSchema } from '../core/clock';
import { configFail, parseConfig, probability } from '../core/config';
import type { Message, NodeContext } from '../core/node';
import { DistributionSchema, sample } from '../core/random';
import type { NodeId, TraceEvent } from '../core/trace';
import { ExperimentSchema, simFromConfig } from './experiment';

// ---------------------------------------------------------------------------
// Histories

/** What every event has: where, which one, and when (truly, and by the node's own wall clock). */
type EventBase = {
  node: NodeId;
  /** Node name and position on the node: `A1`, `A2`, ... */
  name: string;
  /** True time in ms: what no node knows. */
  time: number;
  /** The node's wall clock (time of day) when the event happened. */
  wall: number;
  /** What happened, in words, for logs. */
  label?: string;
};

export type HistoryEvent =
  | (EventBase & { kind: 'local' })
  | (EventBase & { kind: 'send'; msg: number; to: NodeId })
  | (EventBase & { kind: 'receive'; msg: number; from: NodeId });

export type EventKind = HistoryEvent['kind'];

/**
 * Events in the order they really happened (true time never decreases), so
 * each node's events are in its program order and every receive comes after
 * its send. An event is known by its index in `events`.
 */
export type History = { nodes: readonly NodeId[]; events: readonly HistoryEvent[] };

const eventFields = {
  node: z.string().min(1),
  name: z.string().min(1),
  time: z.number().min(0),
  wall: z.number(),
  label: z.string().optional(),
};

const HistoryEventSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('local'), ...eventFields }).strict(),
  z.object({ kind: z.literal('send'), ...eventFields, msg: z.number().int().min(0), to: z.string().min(1) }).strict(),
  z.object({ kind: z.literal('receive'), ...eventFields, msg: z.number().int().min(0), from: z.string().min(1) }).strict(),
]);

export const HistorySchema = z
  .object({ nodes: z.array(z.string().min(1)).min(1), events: z.array(HistoryEventSchema) })
  .strict()
  .superRefine((h, ctx) => {
    const issue = (path: Array<string | number>, message: string) => ctx.addIssue({ code: 'custom', path, message });
    const nodes = new Set(h.nodes);
    if (nodes.size !== h.nodes.length) issue(['nodes'], 'node names must be unique');
    const sends = new Map<number, { node: NodeId; to: NodeId }>();
    const names = new Set<string>();
    h.events.forEach((e, i) => {
      const at = ['events', i];
      if (!nodes.has(e.node)) issue([...at, 'node'], `unknown node '${e.node}'`);
      if (names.has(e.name)) issue([...at, 'name'], `event name '${e.name}' is used twice`);
      names.add(e.name);
      const prev = h.events[i - 1];
      if (prev && e.time < prev.time) issue([...at, 'time'], `events must be in true-time order: ${e.time} comes after ${prev.time}`);
      if (e.kind === 'send') {
        if (!nodes.has(e.to)) issue([...at, 'to'], `unknown node '${e.to}'`);
        if (sends.has(e.msg)) issue([...at, 'msg'], `message ${e.msg} is sent twice`);
        sends.set(e.msg, { node: e.node, to: e.to });
      } else if (e.kind === 'receive') {
        const s = sends.get(e.msg);
        if (!s) issue([...at, 'msg'], `message ${e.msg} is received before it is sent`);
        else if (s.node !== e.from || s.to !== e.node) {
          issue([...at, 'from'], `message ${e.msg} went ${s.node} → ${s.to}, not ${e.from} → ${e.node}`);
        }
      }
    });
  });

export type HistoryInput = z.input<typeof HistorySchema>;

/** Check a history (a hand-made one, say) once, up front: every problem with its path. */
export function checkHistory(history: History, what = 'history'): History {
  return parseConfig(HistorySchema, history, what);
}

/** One line of a log: `A3  send to B  (m2)`. */
export function eventText(e: HistoryEvent): string {
  const what =
    e.kind === 'local' ? 'local' : e.kind === 'send' ? `send to ${e.to} (m${e.msg})` : `receive from ${e.from} (m${e.msg})`;
  return e.label ? `${what}: ${e.label}` : what;
}

const SCRIPT_STEP = /^\s*(?:([\w.-]+)\s*>\s*([\w.-]+)\s*:\s*([\w.-]+)|([\w.-]+)\s*<\s*([\w.-]+)|([\w.-]+))\s*$/;

/**
 * A history written by hand, one step per string, one time unit apart
 * (wall clocks read true time):
 *   'A'        a local event on A
 *   'A>B:m1'   A sends message m1 to B
 *   'B<m1'     B receives m1
 */
export function scriptHistory(nodes: readonly NodeId[], steps: readonly string[]): History {
  const counts = new Map<NodeId, number>();
  const sends = new Map<string, { msg: number; node: NodeId }>();
  const events: HistoryEvent[] = [];
  steps.forEach((step, i) => {
    const m = SCRIPT_STEP.exec(step);
    if (!m) configFail('history script', `steps[${i}]`, `cannot read '${step}': write 'A', 'A>B:m1' or 'B<m1'`);
    const node = (m[1] ?? m[4] ?? m[6])!;
    const k = (counts.get(node) ?? 0) + 1;
    counts.set(node, k);
    const base = { node, name: `${node}${k}`, time: i, wall: i };
    if (m[1] !== undefined) {
      const label = m[3]!;
      if (sends.has(label)) configFail('history script', `steps[${i}]`, `message '${label}' is sent twice`);
      sends.set(label, { msg: sends.size + 1, node });
      events.push({ ...base, kind: 'send', to: m[2]!, msg: sends.size, label });
    } else if (m[4] !== undefined) {
      const send = sends.get(m[5]!);
      if (send === undefined) configFail('history script', `steps[${i}]`, `'${m[5]}' is received before it is sent`);
      events.push({ ...base, kind: 'receive', from: send.node, msg: send.msg, label: m[5] });
    } else {
      events.push({ ...base, kind: 'local' });
    }
  });
  return checkHistory({ nodes: [...nodes], events }, 'history script');
}

// ---------------------------------------------------------------------------
// Recording histories in the simulator

/** The envelope a recorded message travels in: its id in the history, the send's label, and the payload. */
export type Recorded = { msg: number; label?: string; body: unknown };

/** One node's instrumentation: every event that matters goes through it. */
export interface NodeRecorder {
  /** A local event (also written into the trace as a note). */
  local(label?: string): HistoryEvent;
  /** Send `body` to `to` and record the send. */
  send(to: NodeId, body?: unknown, label?: string): HistoryEvent;
  /** Call first thing in `onMessage`: records the receive (labelled like its send unless `label` is given) and returns the payload. */
  receive(msg: Message, label?: string): unknown;
}

export interface Recorder {
  /** Instrument a node; call it inside the program (again after a restart). */
  attach(ctx: NodeContext): NodeRecorder;
  /** The history so far. */
  history(): History;
}

/** Records what instrumented nodes do, with each node's wall clock reading. `nodes` fixes the order. */
export function createRecorder(nodes: readonly NodeId[] = []): Recorder {
  const order: NodeId[] = [...nodes];
  const events: HistoryEvent[] = [];
  const counts = new Map<NodeId, number>();
  let nextMsg = 1;

  const base = (ctx: NodeContext, label: string | undefined) => {
    const k = (counts.get(ctx.id) ?? 0) + 1;
    counts.set(ctx.id, k);
    return { node: ctx.id, name: `${ctx.id}${k}`, time: ctx.now(), wall: ctx.clock.wall(), ...(label !== undefined ? { label } : {}) };
  };
  const push = (e: HistoryEvent): HistoryEvent => (events.push(e), e);

  return {
    attach(ctx) {
      if (!order.includes(ctx.id)) order.push(ctx.id);
      return {
        local(label) {
          const e = push({ ...base(ctx, label), kind: 'local' });
          ctx.note(label ?? e.name);
          return e;
        },
        send(to, body = {}, label) {
          const msg = nextMsg++;
          const e = push({ ...base(ctx, label), kind: 'send', to, msg });
          ctx.send(to, { msg, ...(label !== undefined ? { label } : {}), body } satisfies Recorded);
          return e;
        },
        receive(m, label) {
          const env = m.body as Partial<Recorded> | null;
          if (typeof env !== 'object' || env === null || typeof env.msg !== 'number') {
            throw new Error(`${ctx.id} received message #${m.id} from ${m.from} that was not sent through a recorder`);
          }
          push({ ...base(ctx, label ?? env.label), kind: 'receive', from: m.from, msg: env.msg });
          return env.body;
        },
      };
    },
    history: () => ({ nodes: [...order], events: events.map((e) => ({ ...e })) }),
  };
}

// The trace is always kept (it is half of what randomHistory returns) and the
// network is one latency for every link, so only the seed comes from the base.
export const HistoryConfigSchema = ExperimentSchema.pick({ seed: true })
  .extend({
    /** Node names, or how many nodes (named A, B, C, ...). Three is the smallest number with a go-between. */
    nodes: z
      .union([z.number().int().min(1).max(26), z.array(z.string().min(1)).min(1)])
      .default(3)
      .refine((n) => typeof n === 'number' || new Set(n).size === n.length, { message: 'node names must be unique' }),
    /** Local events and sends per node: 6 still gives a diagram you can read. */
    actions: z.number().int().min(0).max(1000).default(6),
    /** Chance that an action is a send, not a local event: half and half mixes causal chains with concurrency. */
    sendProbability: probability().default(0.5),
    /** Time between a node's actions (ms): a few messages in flight at once, so some cross. */
    gap: DistributionSchema.default({ kind: 'exponential', mean: 10 }),
    /** One-way latency (ms): a LAN with some spread, so messages overtake each other. */
    latency: DistributionSchema.default({ kind: 'lognormal', median: 4, sigma: 0.5 }),
    /** Wall-clock offsets are drawn uniformly from [-skew, +skew] ms (default: perfect clocks). */
    skew: z.number().min(0).default(0),
    /** Clock settings of particular nodes (override `skew`). */
    clocks: z.record(z.string(), ClockConfigSchema).default({}),
  })
  .strict();

export type HistoryConfig = z.input<typeof HistoryConfigSchema>;

export type GeneratedHistory = {
  history: History;
  /** The simulator's trace of the same run, for `spaceTimeDiagram`. */
  trace: readonly TraceEvent[];
  nodes: NodeId[];
  /** Each node's wall-clock offset at t = 0 (ms). */
  offsets: Record<NodeId, number>;
};

/**
 * A random history from a seed, made by running the simulator: each node
 * does `actions` things (a local event, or a send to a random other node),
 * `gap` apart, and records every message it receives. Same config, same history.
 */
export function randomHistory(config: HistoryConfig): GeneratedHistory {
  const cfg = parseConfig(HistoryConfigSchema, config, 'history config', 'config');
  const nodes = typeof cfg.nodes === 'number' ? Array.from({ length: cfg.nodes }, (_, i) => String.fromCharCode(65 + i)) : cfg.nodes;
  Object.keys(cfg.clocks).forEach((n) => {
    if (!nodes.includes(n)) configFail('history config', `config.clocks.${n}`, `unknown node '${n}' (nodes: ${nodes.join(', ')})`);
  });
  const sim = simFromConfig(cfg, { trace: true, network: { latency: cfg.latency } });
  const skewRng = sim.rng.fork('skew');
  const recorder = createRecorder(nodes);
  const offsets: Record<NodeId, number> = {};
  for (const node of nodes) {
    const drawn = skewRng.uniform(-cfg.skew, cfg.skew); // drawn for every node, so one override shifts no other
    const clock = cfg.clocks[node] ?? { offset: drawn };
    offsets[node] = clock.offset ?? 0;
    const others = nodes.filter((n) => n !== node);
    sim.addNode(
      node,
      (ctx) => {
        const log = recorder.attach(ctx);
        let done = 0;
        const act = (): void => {
          if (done++ >= cfg.actions) return;
          if (others.length > 0 && ctx.rng.chance(cfg.sendProbability)) log.send(ctx.rng.pick(others));
          else log.local();
          ctx.setTimer(sample(cfg.gap, ctx.rng), act, 'act');
        };
        ctx.setTimer(sample(cfg.gap, ctx.rng), act, 'act');
        return { onMessage: (m) => void log.receive(m) };
      },
      { clock },
    );
  }
  sim.run();
  return { history: recorder.history(), trace: sim.trace, nodes: [...nodes], offsets };
}

// ---------------------------------------------------------------------------
// Clocks

/**
 * A clock algorithm as pure functions of timestamps. A node starts at
 * `initial`; a local event or a send ticks (a send carries the new timestamp
 * on its message); a receive combines the node's timestamp with the carried one.
 */
export interface LogicalClock<T> {
  readonly name: string;
  initial(node: NodeId): T;
  tick(node: NodeId, current: T, wall: number): T;
  receive(node: NodeId, current: T, carried: T, wall: number): T;
  /** Short text for logs and diagrams; `nodes` gives the order of vector entries. */
  format(t: T, nodes: readonly NodeId[]): string;
}

/** The timestamp each event gets from `clock`, by event index. */
export function stampHistory<T>(history: History, clock: LogicalClock<T>): T[] {
  const h = checkHistory(history);
  const current = new Map<NodeId, T>();
  const carried = new Map<number, T>();
  return h.events.map((e) => {
    const now = current.has(e.node) ? current.get(e.node)! : clock.initial(e.node);
    const next = e.kind === 'receive' ? clock.receive(e.node, now, carried.get(e.msg)!, e.wall) : clock.tick(e.node, now, e.wall);
    if (e.kind === 'send') carried.set(e.msg, next);
    current.set(e.node, next);
    return next;
  });
}

const ms = (t: number): string => `${Number(t.toFixed(1))}`;

/** Not a logical clock at all: each event is stamped with its node's wall clock. The baseline. */
export const wallClock: LogicalClock<number> = {
  name: 'wall clock',
  initial: () => 0,
  tick: (_node, _t, wall) => wall,
  receive: (_node, _t, _carried, wall) => wall,
  format: ms,
};

/** Lamport (1978): a counter; +1 per event, and a receive jumps past the sender's count. */
export const lamportClock: LogicalClock<number> = {
  name: 'Lamport',
  initial: () => 0,
  tick: (_node, t) => t + 1,
  receive: (_node, t, carried) => Math.max(t, carried) + 1,
  format: (t) => String(t),
};

/** One counter per node; a missing entry is 0. */
export type VectorClock = Readonly<Record<NodeId, number>>;
export type Ordering = 'before' | 'after' | 'equal' | 'concurrent';

/** `v` with `node`'s own entry one higher (a new object). */
export function vectorTick(v: VectorClock, node: NodeId): VectorClock {
  return { ...v, [node]: (v[node] ?? 0) + 1 };
}

/** Entry by entry maximum: everything either side has seen. */
export function vectorMerge(a: VectorClock, b: VectorClock): VectorClock {
  const out: Record<NodeId, number> = { ...a };
  for (const k of Object.keys(b)) out[k] = Math.max(out[k] ?? 0, b[k]!);
  return out;
}

/** `before`: every entry of a ≤ b's and one is <. `concurrent`: each has an entry larger than the other's. */
export function vectorCompare(a: VectorClock, b: VectorClock): Ordering {
  let less = false;
  let greater = false;
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[k] ?? 0;
    const y = b[k] ?? 0;
    if (x < y) less = true;
    else if (x > y) greater = true;
  }
  return less && greater ? 'concurrent' : less ? 'before' : greater ? 'after' : 'equal';
}

export function formatVector(v: VectorClock, nodes: readonly NodeId[]): string {
  return `[${nodes.map((n) => v[n] ?? 0).join(',')}]`;
}

/** Vector clocks (Fidge, Mattern 1988): a → b exactly when V(a) is before V(b). */
export const vectorClock: LogicalClock<VectorClock> = {
  name: 'vector',
  initial: () => ({}),
  tick: (node, v) => vectorTick(v, node),
  receive: (node, v, carried) => vectorTick(vectorMerge(v, carried), node),
  format: formatVector,
};

/** A hybrid logical clock timestamp: `l`, the largest physical time seen; `c`, a counter to order events within one `l`. */
export type Hlc = { readonly l: number; readonly c: number };

export const HybridClockConfigSchema = z
  .object({
    /** Physical time is read in whole units of this many ms, like Date.now()'s 1 ms; the counter orders events within one. */
    resolution: z.number().gt(0).default(1),
  })
  .strict();
export type HybridClockConfig = z.input<typeof HybridClockConfigSchema>;

/** Order of two HLC timestamps: by `l`, then by `c` (negative: a first). */
export function compareHlc(a: Hlc, b: Hlc): number {
  return a.l < b.l ? -1 : a.l > b.l ? 1 : a.c - b.c;
}

/**
 * Hybrid logical clock (Kulkarni et al., 2014). `l` follows the largest wall
 * clock reading in the event's causal past, so it stays within the clock skew
 * of true time; `c` breaks ties so that a → b still gives hlc(a) < hlc(b).
 */
export function hybridClock(config: HybridClockConfig = {}): LogicalClock<Hlc> {
  const { resolution } = parseConfig(HybridClockConfigSchema, config, 'hybrid clock config', 'config');
  const physical = (wall: number): number => Math.floor(wall / resolution) * resolution;
  return {
    name: 'HLC',
    // l = -Infinity before the first event, so the first event takes its own wall clock's time.
    initial: () => ({ l: -Infinity, c: 0 }),
    tick(_node, t, wall) {
      const l = Math.max(t.l, physical(wall));
      return { l, c: l === t.l ? t.c + 1 : 0 };
    },
    receive(_node, t, m, wall) {
      const l = Math.max(t.l, m.l, physical(wall));
      const c = l === t.l && l === m.l ? Math.max(t.c, m.c) + 1 : l === t.l ? t.c + 1 : l === m.l ? m.c + 1 : 0;
      return { l, c };
    },
    format: (t) => `(${ms(t.l)},${t.c})`,
  };
}

// ---------------------------------------------------------------------------
// Ground truth: happens-before, computed from the history alone

export interface CausalOrder {
  readonly size: number;
  /** a → b: a chain of program order and messages leads from event a to event b. */
  before(a: number, b: number): boolean;
  /** Neither a → b nor b → a (and a ≠ b). */
  concurrent(a: number, b: number): boolean;
}

export function causalOrder(history: History): CausalOrder {
  const h = checkHistory(history);
  const n = h.events.length;
  const words = Math.ceil(n / 32);
  // past[i]: the set of events that happened before event i, as a bitset.
  const past: Uint32Array[] = [];
  const lastOn = new Map<NodeId, number>();
  const sendOf = new Map<number, number>();
  const inherit = (into: Uint32Array, j: number): void => {
    const p = past[j]!;
    for (let w = 0; w < words; w++) into[w]! |= p[w]!;
    into[j >>> 5]! |= 1 << (j & 31);
  };
  h.events.forEach((e, i) => {
    const mine = new Uint32Array(words);
    const prev = lastOn.get(e.node);
    if (prev !== undefined) inherit(mine, prev);
    if (e.kind === 'receive') inherit(mine, sendOf.get(e.msg)!);
    if (e.kind === 'send') sendOf.set(e.msg, i);
    lastOn.set(e.node, i);
    past.push(mine);
  });
  const check = (i: number): void => {
    if (!(Number.isInteger(i) && i >= 0 && i < n)) throw new Error(`no event ${i} in a history of ${n} events`);
  };
  const before = (a: number, b: number): boolean => {
    check(a);
    check(b);
    return (past[b]![a >>> 5]! & (1 << (a & 31))) !== 0;
  };
  return { size: n, before, concurrent: (a, b) => a !== b && !before(a, b) && !before(b, a) };
}

/** A causal pair a → b that a log lists the wrong way round, and how a led to b. */
export type CausalityViolation = { cause: number; effect: number; via: 'message' | 'same node' | 'chain' };

/**
 * Every pair a → b that `order` (event indices, e.g. a log sorted by some
 * timestamp) lists with b first. Empty means the log respects causality.
 */
export function orderViolations(history: History, order: readonly number[]): CausalityViolation[] {
  const causal = causalOrder(history);
  const n = causal.size;
  const position = new Array<number>(n).fill(-1);
  order.forEach((ev, pos) => {
    if (!(Number.isInteger(ev) && ev >= 0 && ev < n) || position[ev] !== -1) {
      throw new Error(`order must list each of the ${n} events exactly once; event ${ev} at position ${pos} is out of range or repeated`);
    }
    position[ev] = pos;
  });
  if (order.length !== n) throw new Error(`order lists ${order.length} events, the history has ${n}`);
  const out: CausalityViolation[] = [];
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      if (position[b]! < position[a]! && causal.before(a, b)) {
        const ea = history.events[a]!;
        const eb = history.events[b]!;
        const via = ea.kind === 'send' && eb.kind === 'receive' && ea.msg === eb.msg ? 'message' : ea.node === eb.node ? 'same node' : 'chain';
        out.push({ cause: a, effect: b, via });
      }
    }
  }
  return out;
}

/** Event indices sorted by their stamps, ties by node name, then history order: a log merged from all nodes. */
export function sortByStamp<T>(history: History, stamps: readonly T[], compare: (x: T, y: T) => number): number[] {
  if (stamps.length !== history.events.length) throw new Error(`${stamps.length} stamps for ${history.events.length} events`);
  const node = (i: number) => history.events[i]!.node;
  return history.events
    .map((_, i) => i)
    .sort((a, b) => compare(stamps[a]!, stamps[b]!) || (node(a) < node(b) ? -1 : node(a) > node(b) ? 1 : a - b));
}
