// The model checker's world: the same node programs as the simulator runs,
// but nothing happens by itself. Messages in flight and pending timers are
// data, and the explorer says which event happens next (a Choice). A
// schedule (a list of choices) replayed from the start always reaches the
// same state, which is how the explorer "restores" a state: programs keep
// their state in closures, which cannot be copied, so a state is named by
// the schedule that reaches it and rebuilt by running that schedule again.
import type { NodeClock } from '../core/clock';
import type { CallResult, Handlers, Message, NodeContext, Program, RpcEnvelope } from '../core/node';
import { isRpcEnvelope, replyOnce } from '../core/node';
import { copyPayload } from '../core/payload';
import { createRng, type Rng, type Seed } from '../core/random';
import type { NodeId, TraceEvent } from '../core/trace';

/** One step of a schedule: which enabled event happens next. */
export type Choice =
  | { kind: 'deliver'; msg: number }
  | { kind: 'timer'; node: NodeId; timer: number }
  | { kind: 'drop'; msg: number }
  | { kind: 'duplicate'; msg: number }
  | { kind: 'crash'; node: NodeId }
  | { kind: 'restart'; node: NodeId }
  | { kind: 'pause'; node: NodeId }
  | { kind: 'resume'; node: NodeId };

/**
 * When events may happen. Time is abstract: it only moves when a timer
 * fires (to that timer's deadline, if it is not past it already).
 * - 'any': any message may be delivered and any timer may fire at any step
 *   (a timer firing late is a paused or slow node; a message delivered late, a slow network);
 * - 'deadline': messages in any order, timers only in deadline order;
 * - 'timed': every event at its due time (a message `latency` ms after it was
 *   sent), in time order; only events due at the same time are interleaved,
 *   so the faults (drops, duplicates, crashes) are the real nondeterminism.
 */
export type Order = 'any' | 'deadline' | 'timed';

export type ModelNode = { id: NodeId; program: Program };

/** A message in flight, as the explorer sees it. */
export type InFlight = { id: number; from: NodeId; to: NodeId; body: unknown; sentAt: number; due: number };

export type WorldOptions = {
  order: Order;
  /** ms from send to due, in 'timed' order. */
  latency: number;
  /** For each node's `ctx.rng`, as in the simulator. */
  seed: Seed;
};

type PendingTimer = { node: NodeId; id: number; label: string; due: number; incarnation: number; fn: () => void };

type Proc = {
  id: NodeId;
  program: Program;
  status: 'running' | 'paused' | 'crashed';
  incarnation: number;
  handlers: Handlers;
  ctx: NodeContext;
  disk: Map<string, unknown>;
  calls: Map<number, { timer: number; sentAt: number; onResult: (r: CallResult) => void }>;
  nextTimer: number;
  nextCall: number;
  /** Everything this node was handed, in order, with the time: its state is a function of this. */
  history: string[];
};

/** What a step used of the fault budget. */
export type FaultsUsed = { drops: number; duplicates: number; crashes: number; pauses: number };

export interface ModelWorld {
  readonly now: number;
  readonly trace: readonly TraceEvent[];
  readonly used: FaultsUsed;
  inFlight(): InFlight[];
  /** A pending timer's label and deadline. */
  timer(node: NodeId, id: number): { label: string; due: number } | undefined;
  nodeIds(): NodeId[];
  status(id: NodeId): 'running' | 'paused' | 'crashed';
  /** Every event that may happen next (faults not included), in a fixed order. */
  events(): Choice[];
  /** Apply one choice; throws if it names nothing that exists. */
  apply(c: Choice): void;
  /** A canonical description of the state (see model-checker.ts for what it includes and why). */
  fingerprint(stateOf?: (node: NodeId, disk: ReadonlyMap<string, unknown>) => unknown): string;
}

const timerKey = (node: NodeId, id: number): string => `${node}\u0000${id}`;

/** Boot every node (in the given order, at t=0) and return the world, waiting for choices. */
export function createModelWorld(nodes: readonly ModelNode[], opts: WorldOptions): ModelWorld {
  let now = 0;
  let nextMsg = 1;
  const trace: TraceEvent[] = [];
  const msgs = new Map<number, InFlight>(); // insertion-ordered: iteration is deterministic
  const timers = new Map<string, PendingTimer>();
  const procs = new Map<NodeId, Proc>();
  const used: FaultsUsed = { drops: 0, duplicates: 0, crashes: 0, pauses: 0 };
  const root = createRng(opts.seed);

  const get = (id: NodeId): Proc => {
    const p = procs.get(id);
    if (!p) throw new Error(`unknown node '${id}' (nodes: ${[...procs.keys()].join(', ')})`);
    return p;
  };

  const transmit = (from: NodeId, to: NodeId, body: unknown, copy: boolean): void => {
    const id = nextMsg++;
    const payload = copyPayload(body); // nodes never share objects (as in the simulator)
    trace.push({ type: 'send', time: now, msg: id, from, to, body: payload, copy });
    msgs.set(id, { id, from, to, body: payload, sentAt: now, due: now + (opts.order === 'timed' ? opts.latency : 0) });
  };

  const makeContext = (p: Proc): NodeContext => {
    let rng: Rng | undefined;
    const ctx: NodeContext = {
      id: p.id,
      now: () => now,
      clock: perfectClock(() => now),
      // Made on first use: most programs never draw, and replays build many worlds.
      get rng(): Rng {
        return (rng ??= root.fork(`node:${p.id}`));
      },
      disk: p.disk,
      send: (to, body) => {
        get(to);
        transmit(p.id, to, body, false);
      },
      setTimer: (delay, fn, label = 'timer') => {
        if (!(delay >= 0)) throw new Error(`setTimer on ${p.id}: delay must be a number ≥ 0, got ${delay}`);
        const id = p.nextTimer++;
        timers.set(timerKey(p.id, id), { node: p.id, id, label, due: now + delay, incarnation: p.incarnation, fn });
        return id;
      },
      cancelTimer: (id) => void timers.delete(timerKey(p.id, id)),
      call: (to, body, options, onResult) => {
        if (!(options.timeout > 0)) throw new Error(`call from ${p.id}: timeout must be a number > 0, got ${options.timeout}`);
        // Call numbers count per node, so that a node's state does not depend on what others did.
        const call = p.nextCall++;
        const sentAt = now;
        const timer = ctx.setTimer(
          options.timeout,
          () => {
            p.calls.delete(call);
            onResult({ status: 'timeout', indefinite: true, after: now - sentAt });
          },
          `timeout of call ${call}`,
        );
        p.calls.set(call, { timer, sentAt, onResult });
        ctx.send(to, { rpc: 'request', call, body } satisfies RpcEnvelope);
      },
      note: (text) => void trace.push({ type: 'note', time: now, node: p.id, text }),
    };
    return ctx;
  };

  const boot = (p: Proc): void => {
    p.calls.clear();
    p.history.push(`boot@${now}`);
    p.handlers = (p.program(p.ctx) || {}) as Handlers;
  };

  const handle = (p: Proc, msg: Message): void => {
    const body = msg.body;
    if (isRpcEnvelope(body) && body.rpc === 'reply') {
      const pending = p.calls.get(body.call);
      if (!pending) return p.ctx.note(`late reply to call ${body.call} ignored`);
      p.calls.delete(body.call);
      timers.delete(timerKey(p.id, pending.timer));
      pending.onResult({ status: 'ok', body: body.body, latency: now - pending.sentAt });
    } else if (isRpcEnvelope(body) && body.rpc === 'request' && p.handlers.onRequest) {
      p.handlers.onRequest(body.body, replyOnce(p, msg.from, body.call), msg);
    } else {
      p.handlers.onMessage?.(msg);
    }
  };

  for (const { id, program } of nodes) {
    if (procs.has(id)) throw new Error(`node '${id}' appears twice`);
    const p = { id, program, status: 'running', incarnation: 0, handlers: {}, disk: new Map(), calls: new Map(), nextTimer: 1, nextCall: 1, history: [] } as unknown as Proc;
    p.ctx = makeContext(p);
    procs.set(id, p);
  }
  for (const p of procs.values()) boot(p);

  const live = (t: PendingTimer): boolean => get(t.node).incarnation === t.incarnation;
  /** A paused node handles nothing: its timers and the messages to it wait (as in the simulator). */
  const awake = (node: NodeId): boolean => get(node).status !== 'paused';
  const msgOf = (id: number): InFlight => {
    const m = msgs.get(id);
    if (!m) throw new Error(`no message #${id} in flight`);
    return m;
  };

  const world: ModelWorld = {
    get now() {
      return now;
    },
    trace,
    used,
    inFlight: () => [...msgs.values()],
    timer: (node, id) => timers.get(timerKey(node, id)),
    nodeIds: () => [...procs.keys()],
    status: (id) => get(id).status,
    events() {
      const ts = [...timers.values()].filter((t) => live(t) && awake(t.node)).sort((a, b) => a.due - b.due || (a.node < b.node ? -1 : a.node > b.node ? 1 : a.id - b.id));
      const ms = [...msgs.values()].filter((m) => awake(m.to));
      const deliver = (m: InFlight): Choice => ({ kind: 'deliver', msg: m.id });
      const fire = (t: PendingTimer): Choice => ({ kind: 'timer', node: t.node, timer: t.id });
      if (opts.order === 'any') return [...ms.map(deliver), ...ts.map(fire)];
      if (opts.order === 'deadline') return [...ms.map(deliver), ...ts.filter((t) => t.due === ts[0]!.due).map(fire)];
      const first = Math.min(...ms.map((m) => m.due), ...ts.map((t) => t.due));
      return [...ms.filter((m) => m.due === first).map(deliver), ...ts.filter((t) => t.due === first).map(fire)];
    },
    apply(c) {
      switch (c.kind) {
        case 'deliver': {
          const m = msgOf(c.msg);
          msgs.delete(m.id);
          now = Math.max(now, m.due);
          const p = get(m.to);
          const { id, from, to, body, sentAt } = m;
          if (p.status === 'crashed') {
            trace.push({ type: 'drop', time: now, msg: id, from, to, body, sentAt, reason: 'crashed' });
            return;
          }
          trace.push({ type: 'deliver', time: now, msg: id, from, to, body, sentAt });
          p.history.push(`${from}>${JSON.stringify(body)}@${now}`);
          return handle(p, { id, from, to, body, sentAt });
        }
        case 'timer': {
          const t = timers.get(timerKey(c.node, c.timer));
          if (!t || !live(t) || !awake(t.node)) throw new Error(`no timer ${c.node}#${c.timer} pending`);
          timers.delete(timerKey(c.node, c.timer));
          now = Math.max(now, t.due);
          trace.push({ type: 'timer', time: now, node: t.node, label: t.label, late: now - t.due });
          get(t.node).history.push(`timer ${t.id}@${now}`);
          return t.fn();
        }
        case 'drop': {
          const m = msgOf(c.msg);
          msgs.delete(m.id);
          used.drops++;
          trace.push({ type: 'drop', time: now, msg: m.id, from: m.from, to: m.to, body: m.body, sentAt: m.sentAt, reason: 'loss' });
          return;
        }
        case 'duplicate': {
          const m = msgOf(c.msg);
          used.duplicates++;
          return transmit(m.from, m.to, m.body, true);
        }
        case 'crash': {
          const p = get(c.node);
          if (p.status === 'crashed') throw new Error(`cannot crash '${c.node}': it is already down`);
          // What waited while it was paused is lost with it.
          p.status = 'crashed';
          p.incarnation++;
          used.crashes++;
          p.history.push(`crash@${now}`);
          for (const [k, t] of timers) if (t.node === p.id) timers.delete(k);
          trace.push({ type: 'crash', time: now, node: p.id });
          return;
        }
        case 'restart': {
          const p = get(c.node);
          if (p.status !== 'crashed') throw new Error(`cannot restart '${c.node}': it is running`);
          p.status = 'running';
          p.incarnation++;
          trace.push({ type: 'restart', time: now, node: p.id });
          return boot(p);
        }
        case 'pause':
        case 'resume': {
          const p = get(c.node);
          const from = c.kind === 'pause' ? 'running' : 'paused';
          if (p.status !== from) throw new Error(`cannot ${c.kind} '${c.node}': it is ${p.status}`);
          p.status = c.kind === 'pause' ? 'paused' : 'running';
          if (c.kind === 'pause') used.pauses++;
          trace.push({ type: c.kind, time: now, node: p.id });
          return;
        }
      }
    },
    fingerprint(stateOf) {
      const nodesPart = [...procs.values()].map((p) =>
        stateOf ? `${p.id}:${p.status}:${JSON.stringify(stateOf(p.id, p.disk)) ?? ''}` : `${p.id}:${p.status}:${p.history.join('|')}`,
      );
      const net = [...msgs.values()].map((m) => `${m.from}>${m.to}:${JSON.stringify(m.body)}@${m.due}`).sort();
      const ts = [...timers.values()].filter(live).map((t) => `${t.node}#${t.id}@${t.due}`).sort();
      return [`now=${now}`, `used=${used.drops},${used.duplicates},${used.crashes},${used.pauses}`, ...nodesPart, 'net', ...net, 'timers', ...ts].join('\n');
    },
  };
  return world;
}

/**
 * A clock that reads the model's time. Clock faults are not explored: a step
 * moves the wall clock at once, and so does a slew (the model has no rate).
 */
function perfectClock(now: () => number): NodeClock {
  let offset = 0;
  return {
    drift: 0,
    wall: () => now() + offset,
    monotonic: () => now(),
    offset: () => offset,
    step: (delta) => void (offset += delta),
    slew: (delta) => void (offset += delta),
    pendingSlew: () => 0,
  };
}

/** A choice as one line, e.g. `deliver #3 client1 -> lock {"rpc":"request",...}`; `world` (before the step) names the message. */
export function describeChoice(c: Choice, world?: ModelWorld): string {
  const msg = (id: number): string => {
    const m = world?.inFlight().find((x) => x.id === id);
    if (!m) return `#${id}`;
    const s = JSON.stringify(m.body) ?? '';
    return `#${id} ${m.from} -> ${m.to} ${s.length > 70 ? `${s.slice(0, 67)}...` : s}`;
  };
  switch (c.kind) {
    case 'deliver':
    case 'drop':
    case 'duplicate':
      return `${c.kind.padEnd(9)} ${msg(c.msg)}`;
    case 'timer':
      return `timer     ${c.node} #${c.timer}${world?.timer(c.node, c.timer) ? ` '${world.timer(c.node, c.timer)!.label}'` : ''}`;
    default:
      return `${c.kind.padEnd(9)} ${c.node}`;
  }
}
