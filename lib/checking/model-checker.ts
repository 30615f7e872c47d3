// A small-scope model checker, after DSLabs: instead of sampling runs from
// seeds, it tries every order of events (message deliveries, timer firings)
// and every fault within a budget (drops, duplicates, crashes and restarts)
// for a handful of nodes, breadth first, up to a depth in steps, and checks
// the invariants in every state it reaches. Breadth first means the first
// violation found has the shortest schedule there is.
//
// A state is the nodes' states, the messages in flight and the pending
// timers. Node programs keep their state in closures, which cannot be copied
// or compared, so (the trade-off) a state is *named* by the schedule that
// reaches it and rebuilt by replaying that schedule from scratch: exploring
// costs O(depth) per state instead of O(1), but any program written against
// the simulator's API works unchanged. (A state reached is kept as it is until
// it is expanded, up to `keepStates` of them, and its last successor steps it
// instead of a replay: a chain of single choices is not rebuilt at every step.)
// Two states are the same when their fingerprints are: per node, the
// sequence of inputs it was handed (boots, deliveries with their bodies,
// timer firings, crashes) with their times,
// which determine its state because programs are deterministic; plus the
// messages in flight, the live timers, the time and the faults spent. That
// is exact (no two different states merge) and still folds together the
// many interleavings of independent events on different nodes. A
// `stateOf(node, disk)` hook replaces a node's history by something coarser
// (merging more, at the price of trusting that it captures the state).
//
// Invariants read the trace, like every checker of the library. Two
// schedules with the same fingerprint differ only in the order of events on
// different nodes, so an invariant should not depend on that order (the
// library's safety checkers read each node's own sequence of events).
import { z } from 'zod';
import { parseConfig } from '../core/config';
import { SeedSchema } from '../core/random';
import type { NodeId, TraceEvent } from '../core/trace';
import type { Checker, Verdict } from './checkers';
import { createModelWorld, describeChoice, type Choice, type InFlight, type ModelNode, type ModelWorld } from './explore';

export type { Choice, InFlight, ModelNode, Order } from './explore';

export const BoundsSchema = z
  .object({
    /** Steps (choices) from the initial state: the small scope. */
    maxDepth: z.number().int().min(0).default(20),
    maxDrops: z.number().int().min(0).default(0),
    maxDuplicates: z.number().int().min(0).default(0),
    /** Crashes (a crashed node may restart at any later step, for free). */
    maxCrashes: z.number().int().min(0).default(0),
    /** Pauses: a paused node handles nothing until it is resumed (at any later step, for free). */
    maxPauses: z.number().int().min(0).default(0),
    /** Stop (and say the search is incomplete) after this many distinct states: a guard on memory and patience. */
    maxStates: z.number().int().min(1).default(200_000),
    /** When events may happen (see `Order` in explore.ts); 'any': fully asynchronous, the default of DSLabs. */
    order: z.enum(['any', 'deadline', 'timed']).default('any'),
    /** ms from send to due, used only by the 'timed' order: one hop in a datacenter. */
    latency: z.number().min(0).default(1),
    /** Seed of the nodes' `ctx.rng` streams (exploration itself uses no randomness). */
    seed: SeedSchema.default(1),
    /**
     * Steps taken first, before the search, always the first enabled event and
     * no fault: a fault-free warm-up (an election, the first grants) that every
     * schedule explored then extends. `maxDepth` counts after it. It trades
     * completeness for reach: schedules that fault during the warm-up are not explored.
     */
    warmup: z.number().int().min(0).default(0),
    /**
     * Which of the events due at the same time are interleaved, in 'timed' order.
     * 'all': every order. 'one-node' (partial-order reduction): only the
     * events of one node (the first by id that has any); the others' wait their
     * turn. Sound because events on different nodes at the same instant commute:
     * each changes its own node, and what it sends or sets is due later or on itself.
     * Also, a message is dropped only when it is due (among the events offered).
     */
    ties: z.enum(['all', 'one-node']).default('all'),
  })
  .strict();
export type BoundsOptions = z.input<typeof BoundsSchema>;
export type Bounds = z.output<typeof BoundsSchema>;

export type ModelScenario = {
  /** The nodes, booted in this order at t=0. */
  nodes: ModelNode[];
  /** Checked in every state; the first that fails is the verdict. */
  invariants: Checker[];
  /** Which messages the faults may drop or duplicate (default: any). */
  faultyMessage?: (m: InFlight) => boolean;
  /** Which nodes may crash or pause (default: any). */
  crashable?: NodeId[];
  /** A coarser state of a node than its history (see the header). */
  stateOf?: (node: NodeId, disk: ReadonlyMap<string, unknown>) => unknown;
};

export type Counterexample = {
  /** The choices, from the initial state: pass them to `replaySchedule`. */
  schedule: Choice[];
  /** Each choice as a line, e.g. `deliver   #3 client1 -> lock {...}`. */
  steps: string[];
  verdict: Extract<Verdict, { ok: false }>;
  trace: TraceEvent[];
};

export type ModelCheckResult = {
  /** No invariant failed in any state explored. */
  ok: boolean;
  /** Every state within the bounds was explored (false: stopped by `maxStates`, or at the first violation). */
  complete: boolean;
  /** Distinct states explored (the initial one included). */
  states: number;
  /** Steps taken, counting those into states already seen. */
  transitions: number;
  /** Deepest level of the search reached (after the warm-up). */
  depth: number;
  /** Steps of the fault-free warm-up every explored schedule starts with (see `Bounds.warmup`). */
  warmup: number;
  /** Wall time of the search, when a `clock` was given: for the report only, it never steers the search. */
  elapsedMs?: number;
  bounds: Bounds;
  counterexample?: Counterexample;
};

export type CheckOptions = {
  /**
   * A wall clock in ms, e.g. `() => performance.now()`, to fill in `elapsedMs`. None by default: lib/ reads
   * no wall clock of its own, so the same scenario and bounds give the same result, field for field.
   */
  clock?: () => number;
  /**
   * States kept in memory from when they are reached until they are expanded (default 512), so that
   * they need not be rebuilt by replay; 0 rebuilds every one. A bound on memory: the result is the same.
   */
  keepStates?: number;
};

const KeepStatesSchema = z.number().int().min(0).default(512);

/** Rebuild the world a schedule reaches. */
function replay(scenario: ModelScenario, b: Bounds, schedule: readonly Choice[]): ModelWorld {
  const w = createModelWorld(scenario.nodes, { order: b.order, latency: b.latency, seed: b.seed });
  for (const c of schedule) w.apply(c);
  return w;
}

/** Every choice enabled in `w`: its events, then the faults the budget still allows. */
export function enabledChoices(w: ModelWorld, scenario: ModelScenario, b: Bounds): Choice[] {
  const reduce = b.ties === 'one-node' && b.order === 'timed';
  const out = reduce ? oneNode(w, w.events()) : w.events();
  const faulty = w.inFlight().filter(scenario.faultyMessage ?? (() => true));
  // Reduced, a message is lost only when it is due: lost earlier, nobody could tell the difference.
  const due = new Set(out.flatMap((c) => (c.kind === 'deliver' ? [c.msg] : [])));
  const droppable = reduce ? faulty.filter((m) => due.has(m.id)) : faulty;
  if (w.used.drops < b.maxDrops) for (const m of droppable) out.push({ kind: 'drop', msg: m.id });
  if (w.used.duplicates < b.maxDuplicates) for (const m of faulty) out.push({ kind: 'duplicate', msg: m.id });
  const crashable = new Set(scenario.crashable ?? w.nodeIds());
  for (const node of w.nodeIds()) {
    const status = w.status(node);
    if (status === 'crashed') out.push({ kind: 'restart', node });
    if (status === 'paused') out.push({ kind: 'resume', node });
    if (status === 'running' && w.used.pauses < b.maxPauses && crashable.has(node)) out.push({ kind: 'pause', node });
    if (status !== 'crashed' && w.used.crashes < b.maxCrashes && crashable.has(node)) out.push({ kind: 'crash', node });
  }
  return out;
}

/** The events of the first node (by id) that has one: a persistent set when events at one instant commute. */
function oneNode(w: ModelWorld, events: Choice[]): Choice[] {
  const nodeOf = (c: Choice): NodeId => (c.kind === 'deliver' ? w.inFlight().find((m) => m.id === c.msg)!.to : (c as { node: NodeId }).node);
  if (events.length < 2) return events;
  const nodes = events.map(nodeOf);
  const first = [...nodes].sort()[0]!;
  return events.filter((_, i) => nodes[i] === first);
}

/** The warm-up: `n` steps of the first enabled event, no faults; and the world they reach. */
function warmupOf(scenario: ModelScenario, b: Bounds): { schedule: Choice[]; world: ModelWorld } {
  const w = createModelWorld(scenario.nodes, { order: b.order, latency: b.latency, seed: b.seed });
  const out: Choice[] = [];
  for (let i = 0; i < b.warmup; i++) {
    const c = (b.ties === 'one-node' && b.order === 'timed' ? oneNode(w, w.events()) : w.events())[0];
    if (!c) break;
    w.apply(c);
    out.push(c);
  }
  return { schedule: out, world: w };
}

function firstFailure(trace: readonly TraceEvent[], invariants: readonly Checker[]): Extract<Verdict, { ok: false }> | undefined {
  for (const check of invariants) {
    const v = check(trace);
    if (!v.ok) return v as Extract<Verdict, { ok: false }>;
  }
  return undefined;
}

/** cyrb53, twice with different seeds (in one pass): ~106 bits, so that a million states collide with odds below 1e-19. */
function hash(s: string): string {
  let a1 = 0xdeadbeef;
  let a2 = 0x41c6ce57;
  let b1 = 0xdeadbeef ^ 1;
  let b2 = 0x41c6ce57 ^ 1;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    a1 = Math.imul(a1 ^ ch, 2654435761);
    a2 = Math.imul(a2 ^ ch, 1597334677);
    b1 = Math.imul(b1 ^ ch, 2654435761);
    b2 = Math.imul(b2 ^ ch, 1597334677);
  }
  return `${finish(a1, a2).toString(36)}.${finish(b1, b2).toString(36)}`;
}

function finish(h1: number, h2: number): number {
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/**
 * `world`: the state itself, kept from when it was reached until it is expanded, so that it
 * need not be rebuilt: a chain of single choices then costs O(depth), not O(depth²).
 * Replay is deterministic, so a kept world and a rebuilt one are the same state.
 */
type SearchNode = { parent: SearchNode | null; choice: Choice | null; depth: number; world?: ModelWorld };

const scheduleOf = (n: SearchNode): Choice[] => {
  const out: Choice[] = [];
  for (let x: SearchNode | null = n; x?.choice; x = x.parent) out.push(x.choice);
  return out.reverse();
};

/**
 * Explore every schedule of `scenario` within `bounds`, breadth first, and
 * return the shortest counterexample if an invariant fails. Same scenario,
 * same bounds: same states, same counterexample.
 */
export function checkModel(scenario: ModelScenario, bounds: BoundsOptions = {}, options: CheckOptions = {}): ModelCheckResult {
  const b = parseConfig(BoundsSchema, bounds, 'model checker bounds', 'bounds');
  const clock = options.clock;
  const keepStates = parseConfig(KeepStatesSchema, options.keepStates, 'model checker options', 'options.keepStates');
  const started = clock?.();
  const seen = new Set<string>();
  const fp = (w: ModelWorld): string => hash(w.fingerprint(scenario.stateOf));
  let transitions = 0;
  let depth = 0;
  const { schedule: warm, world: w0 } = warmupOf(scenario, b);

  const result = (ok: boolean, complete: boolean, counterexample?: Counterexample): ModelCheckResult => ({
    ok,
    complete,
    states: seen.size,
    transitions,
    depth,
    warmup: warm.length,
    ...(clock && started !== undefined ? { elapsedMs: clock() - started } : {}),
    bounds: b,
    ...(counterexample ? { counterexample } : {}),
  });
  const found = (schedule: Choice[], verdict: Extract<Verdict, { ok: false }>): ModelCheckResult => {
    const r = replaySchedule(scenario, schedule, b);
    return result(false, false, { schedule, steps: r.steps, verdict, trace: r.trace });
  };

  const root: SearchNode = { parent: null, choice: null, depth: 0, world: w0 };
  let kept = 1; // the root's world is always kept: it was built anyway
  seen.add(fp(w0));
  const bad0 = firstFailure(w0.trace, scenario.invariants);
  if (bad0) return found(warm, bad0);

  const queue: SearchNode[] = [root];
  for (let head = 0; head < queue.length; head++) {
    const n = queue[head]!;
    let own = n.world;
    if (own) kept--;
    n.world = undefined;
    if (n.depth >= b.maxDepth) continue;
    let path: Choice[] | undefined; // built only when needed: a replay, or a counterexample
    const prefix = (): Choice[] => (path ??= [...warm, ...scheduleOf(n)]);
    own ??= replay(scenario, b, prefix());
    const choices = enabledChoices(own, scenario, b);
    for (let i = 0; i < choices.length; i++) {
      const c = choices[i]!;
      // The last choice may step the node's own world: nothing needs it after.
      const w = i === choices.length - 1 ? own : replay(scenario, b, prefix());
      w.apply(c);
      transitions++;
      const key = fp(w);
      if (seen.has(key)) continue;
      seen.add(key);
      depth = Math.max(depth, n.depth + 1);
      const bad = firstFailure(w.trace, scenario.invariants);
      if (bad) return found([...prefix(), c], bad);
      if (seen.size >= b.maxStates) return result(true, false);
      const keep = kept < keepStates && n.depth + 1 < b.maxDepth;
      if (keep) kept++;
      queue.push({ parent: n, choice: c, depth: n.depth + 1, ...(keep ? { world: w } : {}) });
    }
  }
  return result(true, true);
}

export type Replay = {
  trace: TraceEvent[];
  steps: string[];
  /** The first invariant failing at the end of the schedule, or ok. */
  verdict: Verdict;
};

/**
 * Run a schedule (a counterexample's, or one written by hand) and return its
 * trace, for `spaceTimeDiagram` and the checkers. Throws if a choice is not
 * enabled when its turn comes.
 */
export function replaySchedule(scenario: ModelScenario, schedule: readonly Choice[], bounds: BoundsOptions = {}): Replay {
  const b = parseConfig(BoundsSchema, bounds, 'model checker bounds', 'bounds');
  const w = createModelWorld(scenario.nodes, { order: b.order, latency: b.latency, seed: b.seed });
  const steps: string[] = [];
  schedule.forEach((c, i) => {
    const enabled = enabledChoices(w, scenario, { ...b, maxDrops: Infinity, maxDuplicates: Infinity, maxCrashes: Infinity, maxPauses: Infinity });
    if (!enabled.some((e) => JSON.stringify(e) === JSON.stringify(c))) {
      throw new Error(`step ${i + 1} of the schedule (${describeChoice(c, w)}) is not enabled at t=${w.now}`);
    }
    steps.push(`${describeChoice(c, w)}`);
    w.apply(c);
  });
  const bad = firstFailure(w.trace, scenario.invariants);
  return { trace: [...w.trace], steps, verdict: bad ?? { ok: true } };
}

/** The result as text: the verdict line, the search's size, and a counterexample's steps and violation. */
export function formatModelCheck(r: ModelCheckResult): string {
  const b = r.bounds;
  const faults = `drops ≤ ${b.maxDrops}, duplicates ≤ ${b.maxDuplicates}, crashes ≤ ${b.maxCrashes}, pauses ≤ ${b.maxPauses}`;
  const warm = r.warmup > 0 ? ` after a ${r.warmup}-step warm-up` : '';
  const size = `${r.states} states, ${r.transitions} transitions, depth ${r.depth} of ${b.maxDepth}${warm}${r.elapsedMs === undefined ? '' : `, ${(r.elapsedMs / 1000).toFixed(2)} s`}`;
  if (r.ok) {
    const scope = r.complete ? 'every state within the bounds explored' : `stopped at ${b.maxStates} states: not every state was explored`;
    return [`✓ no invariant violated (${size})`, `  ${scope}; order '${b.order}', ${faults}`].join('\n');
  }
  const cx = r.counterexample!;
  return [
    `✗ ${cx.verdict.property} violated after ${cx.schedule.length} steps (${size}; order '${b.order}', ${faults})`,
    `  ${cx.verdict.message}`,
    '  schedule (replaySchedule(scenario, result.counterexample.schedule, bounds) gives its trace):',
    ...cx.steps.map((s, i) => `  ${String(i + 1).padStart(4)}. ${s}`),
  ].join('\n');
}
