// The workload that tests a replicated register the way Jepsen does (lesson 12
// and the lab): clients call replicas, a recorder writes down what each client
// saw, and the linearizability checker judges the history; plus what the lab
// grades besides (liveness after the faults, messages per operation).
import { z } from 'zod';
import { checkLinearizability, kvModel, registerModel, type LinearizabilityOptions, type LinearizabilityResult } from './linearizability';
import { createHistoryRecorder, pairOps, parseHistory, recordedCall, type Op, type Outcome } from './history';
import { parseConfig, probability } from '../core/config';
import { NemesisSchema, type Fault } from '../core/nemesis';
import { NetworkConfigSchema } from '../core/network';
import type { Handlers, NodeContext, Program } from '../core/node';
import { createRng, DistributionSchema, sample, SeedSchema, type Rng, type Seed } from '../core/random';
import { createSim, type Sim } from '../core/sim';
import { eventsOf, type NodeId, type TraceEvent } from '../core/trace';
import { isKvRequest, lwwReplica, quorumReplica, singleCopy, type KvReply, type KvRequest, type QuorumConfig } from '../models/register';

// ---------------------------------------------------------------------------
// The workload: clients that call replicas, recorded as a history.

/** Faults, in stages a student can climb: each includes the ones before it. */
export type Stage = 'none' | 'loss' | 'partitions' | 'crashes';
export const STAGES: readonly Stage[] = ['none', 'loss', 'partitions', 'crashes'];

export const WorkloadSchema = z
  .object({
    seed: SeedSchema,
    /** Replicas, named replica1..N: 3 survive one failure. */
    replicas: z.number().int().min(1).max(7).default(3),
    /** Clients, named client1..N; each runs one operation at a time (a Jepsen process). */
    clients: z.number().int().min(1).max(10).default(3),
    /** ms during which clients invoke operations: long enough to outlast the faults and show recovery. */
    duration: z.number().gt(0).default(700),
    /** At most this many operations per client (default: as many as fit in `duration`). */
    opsPerClient: z.number().int().min(1).optional(),
    /** Keys, named x (one key: a plain register) or k1..kN. */
    keys: z.number().int().min(1).default(1),
    readFraction: probability().default(0.5),
    /** ms a client waits for an answer before recording "maybe" (info) and moving on. */
    timeout: z.number().gt(0).default(100),
    /** ms between one operation's end and the next one's start. */
    think: DistributionSchema.default({ kind: 'uniform', min: 5, max: 30 }),
    /** Replicas' wall clocks start up to ±skew/2 ms off true time. */
    skew: z.number().min(0).default(0),
    /** Which faults (see `Stage`); 'none' leaves the network as `network` says. */
    stage: z.enum(['none', 'loss', 'partitions', 'crashes']).default('none'),
    /** Faults start after this (ms)... */
    faultsFrom: z.number().min(0).default(50),
    /** ...and are all over by this: after it the network is whole and every replica up (loss, a rate, stays). */
    faultsUntil: z.number().min(0).default(400),
    /** Message loss rate from stage 'loss' on. */
    loss: probability().default(0.05),
    /** More faults, played on top of the stage's (e.g. a replica down for the whole run). */
    faults: NemesisSchema.default([]),
    network: NetworkConfigSchema.optional(),
  })
  .strict()
  .refine((c) => c.faultsUntil >= c.faultsFrom, { message: 'faultsUntil must not be before faultsFrom', path: ['faultsUntil'] });
export type WorkloadConfig = z.input<typeof WorkloadSchema>;
export type ParsedWorkload = z.output<typeof WorkloadSchema>;

/** A node program for replica `id` of `peers` (all replicas, itself included). */
export type ReplicaFactory = (id: NodeId, peers: readonly NodeId[]) => Program;

export type WorkloadRun = {
  config: ParsedWorkload;
  sim: Sim;
  replicas: NodeId[];
  clients: NodeId[];
  /** The faults played (the stage's). */
  faults: Fault[];
  /** When the last fault ended. */
  healedAt: number;
  /** What the clients saw, in Jepsen's form. */
  history: Op[];
  trace: TraceEvent[];
};

const keyNames = (n: number): string[] => (n === 1 ? ['x'] : Array.from({ length: n }, (_, i) => `k${i + 1}`));

/**
 * The stage's faults for `replicas` between `from` and `until`, drawn from
 * `seed`: one at a time, each over before the next. 'partitions': a replica
 * cut off alone, or the network split in two; 'crashes' adds crashes with
 * restarts, pauses and wall-clock steps.
 */
export function workloadFaults(seed: Seed, replicas: readonly NodeId[], stage: Stage, from: number, until: number): Fault[] {
  if (stage === 'none' || stage === 'loss' || until <= from) return [];
  const rng = createRng(seed, 'register-nemesis');
  const kinds = stage === 'partitions' ? ['partition'] : ['partition', 'crash', 'pause', 'clock'];
  const out: Fault[] = [];
  for (let t = from + rng.uniform(0, 50); t < until; t += rng.uniform(20, 80)) {
    const kind = rng.pick(kinds);
    const node = rng.pick([...replicas]);
    const at = Math.round(t);
    const end = Math.min(until, Math.round(t + rng.uniform(50, 200)));
    if (kind === 'partition') {
      const group = rng.chance(0.5) ? [node] : [...replicas].filter(() => rng.chance(0.5));
      const side = group.length > 0 && group.length < replicas.length ? group : [node];
      out.push({ at, fault: 'partition', groups: [side] }, { at: end, fault: 'heal' });
    } else if (kind === 'crash') {
      out.push({ at, fault: 'crash', node }, { at: end, fault: 'restart', node });
    } else if (kind === 'pause') {
      out.push({ at, fault: 'pause', node, for: Math.max(1, end - at) });
    } else {
      out.push({ at, fault: 'clock-step', node, delta: Math.round(rng.uniform(-500, 500)) });
      continue;
    }
    t = end;
  }
  return out;
}

/** A client: operations one at a time until `duration`, each to a replica picked at random; values written are unique. */
function workloadClient(cfg: ParsedWorkload, replicas: readonly NodeId[], keys: readonly string[], recorder: ReturnType<typeof createHistoryRecorder>, index: number): Program {
  return (ctx) => {
    let done = 0;
    const next = (): void => {
      if (done >= (cfg.opsPerClient ?? Infinity) || ctx.now() >= cfg.duration) return;
      done++;
      const key = ctx.rng.pick([...keys]);
      const read = ctx.rng.chance(cfg.readFraction);
      // Unique values (client index in the hundreds) make a lost write easy to name.
      const value = index * 100 + done;
      const to = ctx.rng.pick([...replicas]);
      const single = keys.length === 1;
      const input = read ? (single ? null : [key, null]) : single ? value : [key, value];
      const outcome: Outcome = (reply) => {
        const r = reply as KvReply | null;
        if (r?.ok === false) return { type: 'fail' };
        if (!read) return { type: 'ok', value: input };
        const v = r?.ok === true && r.value !== undefined ? r.value : null;
        return { type: 'ok', value: single ? v : [key, v] };
      };
      const body: KvRequest = read ? { f: 'read', key } : { f: 'write', key, value };
      recordedCall(recorder, ctx, to, { f: read ? 'read' : 'write', value: input, body, timeout: cfg.timeout, outcome }, () =>
        ctx.setTimer(sample(cfg.think, ctx.rng), next, 'think'),
      );
    };
    ctx.setTimer(sample(cfg.think, ctx.rng), next, 'first op');
  };
}

/**
 * Run `replica` on every replica under the workload and the stage's faults,
 * until every client has finished, and return the history. Same config, same
 * history.
 */
export function runWorkload(config: WorkloadConfig, replica: ReplicaFactory): WorkloadRun {
  const cfg = parseConfig(WorkloadSchema, config, 'register workload', 'workload');
  const stageLoss = cfg.stage === 'none' ? 0 : cfg.loss;
  const network = { ...(cfg.network ?? {}), ...(stageLoss > 0 ? { loss: stageLoss } : {}) };
  const sim = createSim({ seed: cfg.seed, network });
  const replicas = Array.from({ length: cfg.replicas }, (_, i) => `replica${i + 1}`);
  const clients = Array.from({ length: cfg.clients }, (_, i) => `client${i + 1}`);
  const skewRng: Rng = createRng(cfg.seed, 'register-skew');
  for (const id of replicas) sim.addNode(id, replica(id, replicas), { clock: { offset: skewRng.uniform(-cfg.skew / 2, cfg.skew / 2) } });
  const recorder = createHistoryRecorder();
  const keys = keyNames(cfg.keys);
  clients.forEach((id, i) => sim.addNode(id, workloadClient(cfg, replicas, keys, recorder, i + 1)));
  const faults = [...workloadFaults(cfg.seed, replicas, cfg.stage, cfg.faultsFrom, cfg.faultsUntil), ...cfg.faults].sort((a, b) => a.at - b.at);
  sim.nemesis(faults);
  // Replicas may keep timers forever: stop once every client's last operation has had its timeout.
  sim.run({ until: cfg.duration + 2 * cfg.timeout });
  const healedAt = faults.reduce((m, f) => Math.max(m, f.fault === 'pause' ? f.at + (f.for ?? 0) : f.at), 0);
  return { config: cfg, sim, replicas, clients, faults, healedAt, history: recorder.ops(), trace: [...sim.trace] };
}

/** The workload's history judged: a register for one key, independent registers (kv) for more. */
export function checkWorkload(run: WorkloadRun, options: LinearizabilityOptions = {}): LinearizabilityResult {
  const model = run.config.keys === 1 ? registerModel(null) : kvModel(null);
  return checkLinearizability(parseHistory(run.history), model as never, options);
}

/** A node written as one function of its context and its peers (the lab's shape), as a factory for `runWorkload`. */
export function fromNode(node: (ctx: NodeContext, peers: readonly NodeId[]) => Handlers): ReplicaFactory {
  return (_id, peers) => (ctx) => node(ctx, peers);
}

/** The three registers of the lesson as factories for `runWorkload`. */
export const registers = {
  single: (): ReplicaFactory => () => singleCopy(),
  lww: (): ReplicaFactory => (_id, peers) => lwwReplica({ peers }),
  quorum: (opts: Omit<QuorumConfig, 'peers'> = {}): ReplicaFactory => (_id, peers) => quorumReplica({ ...opts, peers: [...peers] }),
};

// ---------------------------------------------------------------------------
// What the lab grades besides linearizability.

export type Liveness = { ok: true } | { ok: false; idle: NodeId[]; message: string };

/** Every client has an operation that completes ok between `after` and `after + within` ms. */
export function livenessAfter(run: WorkloadRun, after: number, within: number): Liveness {
  const end = after + within;
  const pending = new Map<string, number>();
  const served = new Set<string>();
  for (const o of run.history) {
    const p = String(o.process);
    if (o.type === 'invoke') pending.set(p, o.time ?? 0);
    else if (o.type === 'ok' && (o.time ?? 0) >= after && (o.time ?? 0) <= end) served.add(p);
  }
  // A client that finished all its operations before `after` has nothing to be late with.
  const lastInvoke = new Map<string, number>();
  for (const o of run.history) if (o.type === 'invoke') lastInvoke.set(String(o.process), o.time ?? 0);
  const idle = run.clients.filter((c) => !served.has(c) && (lastInvoke.get(c) ?? -Infinity) >= after);
  if (idle.length === 0) return { ok: true };
  return { ok: false, idle, message: `no operation of ${idle.join(', ')} completed ok between t=${after} and t=${end}` };
}

/** Messages sent per operation invoked (every send: clients', replicas', retries). */
export function messagesPerOp(run: WorkloadRun): number {
  const ops = run.history.filter((o) => o.type === 'invoke').length;
  return ops === 0 ? 0 : eventsOf(run.trace, 'send').length / ops;
}

// ---------------------------------------------------------------------------
// The lab's runs (exercises/lab-kv.ts): two keys, the stage's faults, and
// clocks that disagree more at every stage (real clocks are never quite in sync).

export const LAB_SKEW: Record<Stage, number> = { none: 0, loss: 50, partitions: 100, crashes: 200 };

export function labWorkload(seed: number, stage: Stage, extra: Partial<WorkloadConfig> = {}): WorkloadConfig {
  return { seed, stage, keys: 2, ...(LAB_SKEW[stage] > 0 ? { skew: LAB_SKEW[stage] } : {}), ...extra };
}

/** How to rerun `config` by hand, with the checker's verdict: the last line of every lab failure. */
export function replayCall(config: WorkloadConfig, node = 'kvNode'): string {
  return `runWorkload(${JSON.stringify(config)}, fromNode(${node})), then formatLinearizability(checkWorkload(run))`;
}

// ---------------------------------------------------------------------------
// The history, read back from a trace: for the model checker, whose worlds
// are rebuilt by replay, so a recorder living outside the nodes cannot follow.

/**
 * The register history of the calls `clients` made with `ctx.call`, from the
 * trace: invoked when the request was sent, ok when the reply was delivered,
 * info when the call's timeout fired. One key (a register) or many (kv), as
 * `runWorkload` records them.
 */
export function historyFromTrace(trace: readonly TraceEvent[], clients: readonly NodeId[], opts: { kv?: boolean } = {}): Op[] {
  const out: Op[] = [];
  const open = new Map<string, KvRequest>();
  const input = (r: KvRequest): unknown => {
    const v = r.f === 'read' ? null : r.value;
    return opts.kv ? [r.key, v] : v;
  };
  for (const e of trace) {
    if (e.type === 'send' && clients.includes(e.from) && !e.copy) {
      const env = e.body as { rpc?: unknown; call?: number; body?: unknown };
      if (env?.rpc !== 'request' || !isKvRequest(env.body)) continue;
      open.set(`${e.from}#${env.call}`, env.body);
      out.push({ process: e.from, type: 'invoke', f: env.body.f, value: input(env.body), time: e.time });
    } else if (e.type === 'deliver' && clients.includes(e.to)) {
      const env = e.body as { rpc?: unknown; call?: number; body?: unknown };
      const req = open.get(`${e.to}#${env?.call}`);
      if (env?.rpc !== 'reply' || !req) continue;
      open.delete(`${e.to}#${env.call}`);
      const reply = env.body as KvReply;
      if (reply?.ok === false) {
        out.push({ process: e.to, type: 'fail', f: req.f, value: input(req), time: e.time });
        continue;
      }
      const got = req.f === 'read' ? (reply.value ?? null) : null;
      const value = req.f === 'read' ? (opts.kv ? [req.key, got] : got) : input(req);
      out.push({ process: e.to, type: 'ok', f: req.f, value, time: e.time });
    } else if (e.type === 'timer' && clients.includes(e.node)) {
      const call = /^timeout of call (\d+)$/.exec(e.label)?.[1];
      const req = call === undefined ? undefined : open.get(`${e.node}#${call}`);
      if (!req) continue;
      open.delete(`${e.node}#${call}`);
      // As the recorder does: the client learned nothing, so no value.
      out.push({ process: e.node, type: 'info', f: req.f, value: undefined, time: e.time });
    }
  }
  return out;
}

/** A checker (trace → verdict) of linearizability for the register calls of `clients`: an invariant for the model checker. */
export function linearizableCalls(clients: readonly NodeId[]) {
  return (trace: readonly TraceEvent[]): { ok: true; property: string } | { ok: false; property: string; message: string; events: TraceEvent[] } => {
    const property = 'linearizable';
    // The ops are built above from the trace, well formed by construction: paired without a schema
    // pass (this runs in every state the model checker reaches).
    const r = checkLinearizability(pairOps(historyFromTrace(trace, clients)), registerModel(null), { shrink: false });
    if (r.valid !== false) return { ok: true, property };
    return { ok: false, property, message: r.explanation, events: [] };
  };
}
