// Nodes (processes): a program is a function from a context to handlers. It
// is called again on every restart, so whatever it keeps in its closure is
// volatile state (lost in a crash) and whatever it puts in `ctx.disk` is
// durable. A paused node handles nothing: messages and timers wait and are
// handled, late, when it resumes. A crashed node loses them.
import { HandleTable } from './handles';
import { Clock, type ClockConfig, type NodeClock } from './clock';
import { configFail, SimulationError } from './config';
import type { Rng } from './random';
import type { NodeId } from './trace';
import type { Job, World } from './world';

export interface Message {
  readonly id: number;
  readonly from: NodeId;
  readonly to: NodeId;
  readonly body: unknown;
  readonly sentAt: number;
}

/**
 * What a caller can know about a request. `ok` carries the reply. `timeout`
 * is *indefinite*: the request may have been lost, or run and its reply lost,
 * or the server may be slow, paused or dead. The caller cannot tell which.
 */
export type CallResult =
  | { status: 'ok'; body: unknown; latency: number }
  | { status: 'timeout'; indefinite: true; after: number };

export interface CallOptions {
  /** How long to wait for the reply, in ms of virtual time. */
  timeout: number;
}

/**
 * What a node program gets. Call its methods on it, `ctx.send(...)`: they
 * are shared by every node and find theirs through `ctx` (a copy
 * `{ ...ctx, send }` keeps them; `const { send } = ctx` does not, and says so).
 */
export interface NodeContext {
  readonly id: NodeId;
  /**
   * True time in ms: what the simulation knows and no real node does. Use it
   * for logic that is not about clocks; programs that read "the time" the way
   * a real process would use `clock`.
   */
  now(): number;
  /** This node's own clocks: a time-of-day clock that may be off, drift and jump, and a monotonic one. */
  readonly clock: NodeClock;
  /** This node's own random stream. */
  readonly rng: Rng;
  /** Durable storage: survives crashes and restarts. */
  readonly disk: Map<string, unknown>;
  send(to: NodeId, body: unknown): void;
  setTimer(delay: number, fn: () => void, label?: string): number;
  cancelTimer(timer: number): void;
  /** Send a request and get exactly one CallResult: the reply, or a timeout. */
  call(to: NodeId, body: unknown, options: CallOptions, onResult: (result: CallResult) => void): void;
  /** Write an annotation into the trace (shown in space-time diagrams). */
  note(text: string): void;
}

export interface Handlers {
  onMessage?(msg: Message): void;
  /** A request sent with `call`; answer it with `reply`, now or later (or never). */
  onRequest?(body: unknown, reply: (response: unknown) => void, msg: Message): void;
}

export type Program = (ctx: NodeContext) => Handlers | void;

export type NodeStatus = 'running' | 'paused' | 'crashed';

const NEEDS = Symbol('faultline.needs');
/** A node name a program will talk to, with the config path it came from (e.g. `monitor.watch`). */
export type NodeRef = readonly [node: NodeId, path: string];

/**
 * Declare the nodes `program` talks to (peers, servers, the node it
 * watches), so a misspelt name is a ConfigError when the run starts rather
 * than at the first send. Returns `program` itself.
 */
export function needsNodes<P extends Program>(program: P, refs: readonly NodeRef[]): P {
  (program as unknown as Record<symbol, readonly NodeRef[]>)[NEEDS] = refs;
  return program;
}

/** The nodes a program declared with `needsNodes`. */
export function neededNodes(program: Program): readonly NodeRef[] {
  return (program as unknown as Record<symbol, readonly NodeRef[] | undefined>)[NEEDS] ?? [];
}

/** Envelope for request/response traffic, visible in the trace. */
export type RpcEnvelope = { rpc: 'request' | 'reply'; call: number; body: unknown };

export function isRpcEnvelope(body: unknown): body is RpcEnvelope {
  return typeof body === 'object' && body !== null && 'rpc' in body && 'call' in body;
}

/**
 * The `reply` an `onRequest` handler gets: it answers once, and never after
 * the node crashed or restarted (a new incarnation did not get the request).
 * Shared by the simulator and the model checker (lib/checking/explore.ts).
 */
export function replyOnce(
  p: { incarnation: number; status: string; ctx: Pick<NodeContext, 'send'> },
  to: NodeId,
  call: number,
): (response: unknown) => void {
  const incarnation = p.incarnation;
  let replied = false;
  return (response) => {
    if (replied || p.incarnation !== incarnation || p.status === 'crashed') return;
    replied = true;
    p.ctx.send(to, { rpc: 'reply', call, body: response } satisfies RpcEnvelope);
  };
}

/** The node table: lifecycle, timers, and the hand-off of delivered messages. */
export type NodeOptions = {
  /** This node's clocks (default: perfect, reading true time). */
  clock?: ClockConfig;
};

export interface Nodes {
  add(id: NodeId, program: Program, options?: NodeOptions): void;
  clock(id: NodeId): NodeClock;
  has(id: NodeId): boolean;
  ids(): NodeId[];
  /** The program `id` runs. */
  program(id: NodeId): Program;
  status(id: NodeId): NodeStatus;
  crash(id: NodeId): void;
  restart(id: NodeId): void;
  pause(id: NodeId): void;
  resume(id: NodeId): void;
  /** `id`'s place in the node table: lets the network keep per-link state in arrays. */
  indexOf(id: NodeId): number;
  /** Called by the network when a message reaches `msg.to` (at `toIndex` in the table, if known). */
  arrive(msg: Message, toIndex?: number): void;
}

type Proc = {
  id: NodeId;
  /** Place in the node table. */
  index: number;
  program: Program;
  status: NodeStatus;
  /** Bumped on crash and restart, so timers and replies of a past life die. */
  incarnation: number;
  handlers: Handlers;
  ctx: NodeContext;
  /** Work that arrived while paused, in arrival order. */
  held: Array<() => void>;
  /** Calls waiting for a reply; made on the first call. */
  calls: Map<number, { timer: number; sentAt: number; onResult: (r: CallResult) => void }> | undefined;
};

/**
 * A pending timer: the queue entry itself, so a timer allocates no closure.
 * `fire` decides, when it is due, whether the node still wants it. Timers
 * that are done go back to a small pool and are reused by the next
 * `setTimer` (usually the very next thing a timer callback does), so a
 * heartbeat allocates no timer. (On speed this measured neutral; it is less
 * garbage.)
 */
class Timer {
  time = 0;
  seq = 0;
  next: Job | undefined = undefined;
  node: NodeId = '';
  label = '';
  proc: Proc;
  incarnation = 0;
  /** Its handle in the timer table (what setTimer returns). */
  id = 0;
  fn: (() => void) | null = null;
  readonly fire: (t: Timer) => void;
  constructor(proc: Proc, fire: (t: Timer) => void) {
    this.proc = proc;
    this.fire = fire;
  }
  run(): void {
    this.fire(this);
  }
}

const TIMER_POOL = 256;

/** A context's own node, under a key that a copy `{ ...ctx }` keeps but `Object.keys` and JSON do not show. */
const PROC = Symbol('faultline.node');
type Ctx = NodeContext & { [PROC]: Proc };
const CONSTANT_FIELDS = ['id', 'clock', 'rng', 'disk'] as const;

export type Send = (from: NodeId, to: NodeId, body: unknown, fromIndex: number, toIndex: number) => void;

export function createNodes(world: World, send: Send): Nodes {
  const procs = new Map<NodeId, Proc>(); // insertion-ordered: iteration is deterministic
  const table: Proc[] = []; // by index
  // Pending timers of every node by id, to cancel them: one table, not one set per node.
  const live = new HandleTable<Timer>();
  let nextCall = 1;

  const get = (id: NodeId, path: string): Proc => {
    const p = procs.get(id);
    if (!p) configFail('node name', path, `unknown node '${String(id)}' (nodes: ${[...procs.keys()].join(', ') || 'none'})`);
    return p;
  };
  const fail = (p: Proc, what: string, message: string): never => {
    throw new SimulationError(`nodes.${p.id}${what}`, message, world.now);
  };
  const isThenable = (x: unknown): boolean =>
    typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';
  const ASYNC = 'a node program and its handlers must be synchronous: the simulation cannot wait for a Promise ' +
    '(an await would run outside virtual time). Use ctx.setTimer or ctx.call with a callback instead';
  const isAsync = (f: unknown): boolean => typeof f === 'function' && f.constructor?.name === 'AsyncFunction';
  /** Fail on a handler that returned a Promise: its work (and its errors) would escape the run. */
  const checkResult = (p: Proc, handler: string, result: unknown): void => {
    if (result !== undefined && isThenable(result)) {
      quiet(result);
      fail(p, `.${handler}`, `${handler} returned a Promise: ${ASYNC}`);
    }
  };
  /** The run fails now, with a path; the Promise's own rejection must not surface later, after `run` returned. */
  const quiet = (promise: unknown): void => void (promise as PromiseLike<unknown>).then(undefined, () => {});

  /** Run `work` on `p` now, later (if paused), or never (if crashed or reincarnated). */
  const onNode = (p: Proc, incarnation: number, work: () => void, onLost?: () => void): void => {
    if (p.status === 'crashed' || p.incarnation !== incarnation) {
      onLost?.();
    } else if (p.status === 'paused') {
      p.held.push(() => onNode(p, incarnation, work, onLost));
    } else {
      work();
    }
  };

  /** A due timer: run it unless cancelled or its node died since; hold it while the node is paused. */
  const fire = (t: Timer): void => {
    const p = t.proc;
    if (p.status === 'crashed' || p.incarnation !== t.incarnation) {
      live.remove(t.id);
      return release(t);
    }
    if (p.status === 'paused') {
      p.held.push(() => fire(t));
      return;
    }
    if (!live.remove(t.id)) return release(t); // cancelled
    if (world.tracing) world.recordTimer(world.now, p.id, t.label, world.now - t.time);
    const fn = t.fn!;
    const label = t.label;
    release(t); // nothing refers to it any more: the callback's own setTimer may reuse it
    const r = fn() as unknown;
    if (r !== undefined) checkResult(p, `setTimer('${label}') callback`, r);
  };

  // Timers that are done, for reuse (their queue entry and handle are gone).
  const pool: Timer[] = [];
  const release = (t: Timer): void => {
    t.fn = null; // do not keep the callback's closure alive
    if (pool.length < TIMER_POOL) pool.push(t);
  };
  const newTimer = (p: Proc, time: number, fn: () => void, label: string): Timer => {
    const t = pool.pop() ?? new Timer(p, fire);
    t.time = time;
    t.node = p.id;
    t.label = label;
    t.proc = p;
    t.incarnation = p.incarnation;
    t.fn = fn;
    return t;
  };

  /** Cancel `p`'s timer `id`, if it is still pending (and is `p`'s). */
  const cancel = (p: Proc, id: number): void => {
    if (typeof id === 'number' && live.get(id)?.proc === p) live.remove(id);
  };

  const boot = (p: Proc): void => {
    p.calls = undefined;
    p.held = [];
    const handlers = p.program(p.ctx) as unknown;
    if (isThenable(handlers)) {
      quiet(handlers);
      fail(p, '.program', `the program returned a Promise: ${ASYNC}`);
    }
    if (handlers !== undefined && handlers !== null && typeof handlers !== 'object') {
      fail(p, '.program', `a program returns its handlers ({ onMessage, onRequest }) or nothing, not a ${typeof handlers}`);
    }
    p.handlers = (handlers ?? {}) as Handlers; // a program may return nothing
    for (const h of ['onMessage', 'onRequest'] as const) {
      const f = p.handlers[h];
      if (f !== undefined && typeof f !== 'function') fail(p, `.${h}`, `${h} must be a function, got ${typeof f}`);
      if (isAsync(f)) fail(p, `.${h}`, `${h} is an async function: ${ASYNC}`);
    }
  };

  // A context's methods are shared by every node (no closures per node: with
  // ten thousand nodes, fewer cold objects per event) and find their node
  // through `this[PROC]`. They are own data properties, not prototype
  // methods or getters: a copy `{ ...ctx, send }` keeps all of them (and the
  // symbol), and every context shares one hidden class.
  const procOf = (ctx: unknown, method: string): Proc => {
    const p = (ctx as Partial<Ctx> | null | undefined)?.[PROC];
    if (p === undefined) throw new TypeError(`ctx.${method} was called without its ctx: call it as ctx.${method}(...), or wrap it in an arrow function`);
    return p;
  };
  const sendFrom = (p: Proc, to: NodeId, body: unknown): void => {
    const q = procs.get(to) ?? get(to, `nodes.${p.id}.send(to)`); // fail fast on a typo'd node name
    send(p.id, to, body, p.index, q.index);
  };
  const timerOf = (p: Proc, delay: number, fn: () => void, label: string): number => {
    if (typeof delay !== 'number' || !(delay >= 0) || delay === Infinity) {
      fail(p, `.setTimer('${label}')`, `delay must be a finite number of ms ≥ 0, got ${typeof delay === 'string' ? `'${delay}'` : String(delay)}`);
    }
    if (typeof fn !== 'function') fail(p, `.setTimer('${label}')`, `the callback must be a function, got ${typeof fn}`);
    const t = newTimer(p, world.now + delay, fn, label);
    t.id = live.add(t);
    world.push(t);
    return t.id;
  };
  const methods: Omit<NodeContext, 'id' | 'clock' | 'rng' | 'disk'> & ThisType<Ctx> = {
    now: () => world.now,
    send(to, body) {
      sendFrom(procOf(this, 'send'), to, body);
    },
    setTimer(delay, fn, label = 'timer') {
      return timerOf(procOf(this, 'setTimer'), delay, fn, label);
    },
    cancelTimer(id) {
      cancel(procOf(this, 'cancelTimer'), id);
    },
    call(to, body, options, onResult) {
      const p = procOf(this, 'call');
      const timeout = (options as CallOptions | undefined)?.timeout;
      if (typeof timeout !== 'number' || !(timeout > 0) || timeout === Infinity) {
        fail(p, `.call(${to}).timeout`, `timeout must be a finite number of ms > 0, got ${String(timeout)}: a call that waits forever never reports a timeout`);
      }
      if (typeof onResult !== 'function') fail(p, `.call(${to})`, `onResult must be a function, got ${typeof onResult}`);
      const call = nextCall++;
      const sentAt = world.now;
      const timer = timerOf(
        p,
        options.timeout,
        () => {
          p.calls?.delete(call);
          onResult({ status: 'timeout', indefinite: true, after: world.now - sentAt });
        },
        `timeout of call ${call}`,
      );
      (p.calls ??= new Map()).set(call, { timer, sentAt, onResult });
      sendFrom(p, to, { rpc: 'request', call, body } satisfies RpcEnvelope);
    },
    note(text) {
      const p = procOf(this, 'note');
      world.record({ type: 'note', time: world.now, node: p.id, text });
    },
  };
  const { now, send: sendMethod, setTimer, cancelTimer, call, note } = methods;
  const makeContext = (p: Proc, rng: Rng, disk: Map<string, unknown>, clock: NodeClock): NodeContext => {
    const ctx: Ctx = { id: p.id, now, clock, rng, disk, send: sendMethod, setTimer, cancelTimer, call, note, [PROC]: p };
    // Its data fields are constants, as the type says: a node cannot take
    // another's id or stream by assigning, and the grader's sandbox reads them
    // without a round trip (a copy `{ ...ctx }` gets its own, writable ones).
    for (const key of CONSTANT_FIELDS) Object.defineProperty(ctx, key, { writable: false, configurable: false });
    return ctx;
  };

  const handle = (p: Proc, msg: Message): void => {
    if (world.tracing) world.recordDeliver(world.now, msg.id, msg.from, msg.to, msg.body, msg.sentAt);
    const body = msg.body;
    if (isRpcEnvelope(body) && body.rpc === 'reply') {
      const pending = p.calls?.get(body.call);
      if (!pending) {
        p.ctx.note(`late reply to call ${body.call} ignored`);
        return;
      }
      p.calls!.delete(body.call);
      cancel(p, pending.timer);
      checkResult(p, 'call result callback', pending.onResult({ status: 'ok', body: body.body, latency: world.now - pending.sentAt }));
    } else if (isRpcEnvelope(body) && body.rpc === 'request' && p.handlers.onRequest) {
      checkResult(p, 'onRequest', p.handlers.onRequest(body.body, replyOnce(p, msg.from, body.call), msg));
    } else if (p.handlers.onMessage) {
      checkResult(p, 'onMessage', p.handlers.onMessage(msg));
    }
  };

  return {
    add(id, program, options = {}) {
      if (typeof id !== 'string' || id.length === 0) configFail('addNode', 'addNode(id)', `a node id must be a non-empty string, got ${JSON.stringify(id) ?? typeof id}`);
      if (procs.has(id)) configFail('addNode', `addNode(${id})`, `node '${id}' already exists`);
      if (typeof program !== 'function') configFail('addNode', `addNode(${id}).program`, `a program must be a function (ctx) => handlers, got ${program === null ? 'null' : typeof program}`);
      if (isAsync(program)) configFail('addNode', `addNode(${id}).program`, ASYNC);
      if (typeof options !== 'object' || options === null) configFail('addNode', `addNode(${id}).options`, `options must be an object, got ${typeof options}`);
      const p = { id, index: table.length, program, status: 'running', incarnation: 0, handlers: {}, held: [], calls: undefined } as unknown as Proc;
      // The clock belongs to the machine: it survives crashes and restarts of the process.
      // Steps and slews, whoever makes them (a nemesis, NTP, the program), go into the trace.
      const changed = (change: string): void => world.record({ type: 'clock', time: world.now, node: id, change, offset: clock.offset() });
      const clock: NodeClock = new Clock(options.clock ?? {}, now, `nodes.${id}.clock`, changed);
      p.ctx = makeContext(p, world.rng.fork(`node:${id}`), new Map(), clock);
      procs.set(id, p);
      table.push(p);
      // Programs start as the first event at the current time, so every node
      // added before the run exists by the time any program sends.
      const incarnation = p.incarnation;
      world.schedule(world.now, () => onNode(p, incarnation, () => boot(p)), id, 'boot');
    },
    has: (id) => procs.has(id),
    indexOf: (id) => get(id, `indexOf(${id})`).index,
    clock: (id) => get(id, `clock(${id})`).ctx.clock,
    ids: () => [...procs.keys()],
    program: (id) => get(id, `program(${id})`).program,
    status: (id) => get(id, `status(${id})`).status,
    crash(id) {
      const p = get(id, `crash(${id})`);
      if (p.status === 'crashed') return;
      p.status = 'crashed';
      p.incarnation++;
      world.record({ type: 'crash', time: world.now, node: id });
      // What waited while paused is lost; messages among it are traced as drops.
      const held = p.held;
      p.held = [];
      for (const work of held) work();
    },
    restart(id) {
      const p = get(id, `restart(${id})`);
      if (p.status !== 'crashed') throw new SimulationError(`restart(${id})`, `cannot restart '${id}': it is ${p.status}, not crashed`, world.now);
      p.status = 'running';
      p.incarnation++;
      world.record({ type: 'restart', time: world.now, node: id });
      boot(p);
    },
    pause(id) {
      const p = get(id, `pause(${id})`);
      if (p.status !== 'running') return;
      p.status = 'paused';
      world.record({ type: 'pause', time: world.now, node: id });
    },
    resume(id) {
      const p = get(id, `resume(${id})`);
      if (p.status !== 'paused') return;
      p.status = 'running';
      world.record({ type: 'resume', time: world.now, node: id });
      // Everything that waited runs now, in the order it arrived.
      const held = p.held;
      p.held = [];
      for (const work of held) world.schedule(world.now, work, id, 'held work');
    },
    arrive(msg, toIndex) {
      const p = toIndex === undefined ? get(msg.to, `message ${msg.from} -> ${msg.to}`) : table[toIndex]!;
      if (p.status === 'running') return handle(p, msg); // the common case, without closures
      onNode(
        p,
        p.incarnation,
        () => handle(p, msg),
        () =>
          world.record({ type: 'drop', time: world.now, msg: msg.id, from: msg.from, to: msg.to, body: msg.body, sentAt: msg.sentAt, reason: 'crashed' }),
      );
    },
  };
}
