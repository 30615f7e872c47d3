// Checkers: functions from a trace to a verdict. A verdict is data: the
// property, a sentence, and the first events that break it, so a failing run
// can be shown in a space-time diagram and replayed from its seed. Safety
// checkers (no stale token write, one writer, one leader per term) and
// liveness checkers (every request eventually answered) share one shape:
// `(trace, options) => Verdict`.
import { z } from 'zod';
import { nonNegative, parseConfig } from '../core/config';
import { isGrant } from '../models/lease';
import { isRpcEnvelope } from '../core/node';
import { isWriteRequest, type WriteReply } from '../models/storage';
import { leaderNotes, type LeadershipNote } from '../models/leadership';
import { formatEvent, truncatedCount, type NodeId, type TraceEvent } from '../core/trace';

export type Verdict = ({ ok: true; property?: string } | { ok: false; property: string; message: string; events: TraceEvent[] }) & {
  /** Set when the trace was bounded (`trace: { limit }`): this many earlier events were not checked. */
  truncated?: number;
};

/** A verdict on a bounded trace says so: a pass on the last N events is not a pass on the run. */
function noteTruncation(trace: readonly TraceEvent[], v: Verdict): Verdict {
  const dropped = truncatedCount(trace);
  return dropped > 0 ? { ...v, truncated: dropped } : v;
}
export type Checker = (trace: readonly TraceEvent[]) => Verdict;

type Deliver = Extract<TraceEvent, { type: 'deliver' }>;
type Send = Extract<TraceEvent, { type: 'send' }>;

/** A write the storage acknowledged as applied, rebuilt from the trace. */
export type AcceptedWrite = {
  /** When the storage accepted it (sent its `ok: true` reply). */
  time: number;
  client: NodeId;
  key: string;
  value: unknown;
  token: number | null;
  /** The write request arriving at the storage, and the storage's acknowledgement. */
  request: Deliver;
  ack: Send;
};

/** A lease as granted by the lock service, rebuilt from the trace. */
export type LeaseGrant = { time: number; client: NodeId; token: number; lease: number; event: Send };

/** Replies sent by `from`, each with the request it answers (the latest delivery of that call). */
function exchanges(trace: readonly TraceEvent[], from: NodeId): Array<{ request: Deliver; reply: Send; req: unknown; res: unknown }> {
  const requests = new Map<string, Deliver>();
  const out: Array<{ request: Deliver; reply: Send; req: unknown; res: unknown }> = [];
  for (const e of trace) {
    if (e.type === 'deliver' && e.to === from && isRpcEnvelope(e.body) && e.body.rpc === 'request') {
      requests.set(`${e.from}\u0000${e.body.call}`, e);
    } else if (e.type === 'send' && e.from === from && !e.copy && isRpcEnvelope(e.body) && e.body.rpc === 'reply') {
      const request = requests.get(`${e.to}\u0000${e.body.call}`);
      if (request) out.push({ request, reply: e, req: (request.body as { body: unknown }).body, res: e.body.body });
    }
  }
  return out;
}

/** Every write `storage` acknowledged with `{ ok: true }`, in the order it acknowledged them. */
export function acceptedWrites(trace: readonly TraceEvent[], storage: NodeId = 'storage'): AcceptedWrite[] {
  return exchanges(trace, storage).flatMap(({ request, reply, req, res }) => {
    if (!isWriteRequest(req) || (res as WriteReply | null)?.ok !== true) return [];
    const token = typeof req.token === 'number' ? req.token : null;
    return [{ time: reply.time, client: request.from, key: req.key, value: req.value, token, request, ack: reply }];
  });
}

/** Every lease `lockService` granted, in order. */
export function leaseGrants(trace: readonly TraceEvent[], lockService: NodeId = 'lock'): LeaseGrant[] {
  const out: LeaseGrant[] = [];
  for (const e of trace) {
    if (e.type !== 'send' || e.from !== lockService || e.copy || !isRpcEnvelope(e.body) || e.body.rpc !== 'reply') continue;
    const g = e.body.body;
    if (isGrant(g)) out.push({ time: e.time, client: e.to, token: g.token, lease: g.lease, event: e });
  }
  return out;
}

/** Accepted writes whose token is below one the storage had already accepted for the same key. */
export function staleWrites(writes: readonly AcceptedWrite[]): Array<{ write: AcceptedWrite; newer: AcceptedWrite }> {
  const best = new Map<string, AcceptedWrite>();
  const out: Array<{ write: AcceptedWrite; newer: AcceptedWrite }> = [];
  for (const w of writes) {
    if (w.token === null) continue; // no token: nothing to compare
    const b = best.get(w.key);
    if (b && b.token! > w.token) out.push({ write: w, newer: b });
    else if (!b || w.token > b.token!) best.set(w.key, w);
  }
  return out;
}

/**
 * No write accepted with a token lower than one already accepted for its
 * key: the property fencing tokens exist to give. Reads the storage's
 * acknowledgements in the trace.
 */
export function noStaleTokenWrites(trace: readonly TraceEvent[], opts: { storage?: NodeId } = {}): Verdict {
  return noteTruncation(trace, noStaleTokenWritesOn(trace, opts));
}

function noStaleTokenWritesOn(trace: readonly TraceEvent[], opts: { storage?: NodeId }): Verdict {
  const property = 'noStaleTokenWrites';
  const [first] = staleWrites(acceptedWrites(trace, opts.storage));
  if (!first) return { ok: true, property };
  const { write: w, newer: n } = first;
  return {
    ok: false,
    property,
    message:
      `at t=${t(w.time)} the storage accepted ${w.client}'s write of ${JSON.stringify(w.value)} with token ${w.token}, ` +
      `after it had accepted ${n.client}'s write with token ${n.token} at t=${t(n.time)}`,
    events: [n.request, n.ack, w.request, w.ack],
  };
}

/**
 * One writer at a time, judged by the lock service's grants rather than by
 * the tokens in the writes (so it also works when writes carry none): once
 * the storage has accepted a write made under a newer lease, it must accept
 * no write made by another client under an older one. Such an interleaving is
 * two clients writing as if each held the lock: the corrupted file of the lesson.
 * A write's lease is its client's latest grant before the write was sent.
 */
export function singleWriter(trace: readonly TraceEvent[], opts: { storage?: NodeId; lockService?: NodeId } = {}): Verdict {
  return noteTruncation(trace, singleWriterOn(trace, opts));
}

function singleWriterOn(trace: readonly TraceEvent[], opts: { storage?: NodeId; lockService?: NodeId }): Verdict {
  const property = 'singleWriter';
  const grants = leaseGrants(trace, opts.lockService);
  const leaseOf = (w: AcceptedWrite): LeaseGrant | undefined => {
    let found: LeaseGrant | undefined;
    for (const g of grants) if (g.client === w.client && g.time <= w.request.sentAt) found = g;
    return found;
  };
  let newest: { write: AcceptedWrite; lease: LeaseGrant } | undefined;
  for (const w of acceptedWrites(trace, opts.storage)) {
    const lease = leaseOf(w);
    if (!lease) {
      return { ok: false, property, message: `at t=${t(w.time)} the storage accepted a write from ${w.client}, which never held the lease`, events: [w.request, w.ack] };
    }
    if (newest && lease.token < newest.lease.token && w.client !== newest.write.client) {
      const n = newest;
      return {
        ok: false,
        property,
        message:
          `two writers: at t=${t(w.time)} the storage accepted ${w.client}'s write ${JSON.stringify(w.value)} made under its lease ` +
          `(token ${lease.token}, granted t=${t(lease.time)}), after accepting ${n.write.client}'s write ${JSON.stringify(n.write.value)} ` +
          `under the newer lease (token ${n.lease.token}, granted t=${t(n.lease.time)})`,
        events: [lease.event, n.lease.event, n.write.ack, w.ack],
      };
    }
    if (!newest || lease.token >= newest.lease.token) newest = { write: w, lease };
  }
  return { ok: true, property };
}

// The leadership-note convention lives with the election model; checkers read it from there.
export { leaderNotes, type LeadershipNote } from '../models/leadership';

/**
 * Election safety: no two different nodes claim leadership of the same term.
 * The same node claiming a term twice (say, after a restart) is still one
 * leader; leaders of different terms may overlap in time (an old leader that
 * has not heard of the new term yet), which this property allows: fencing by
 * term is what makes that harmless. The verdict names the first claim and the
 * first conflicting one.
 */
export function atMostOneLeaderPerTerm(trace: readonly TraceEvent[]): Verdict {
  return noteTruncation(trace, atMostOneLeaderPerTermOn(trace));
}

function atMostOneLeaderPerTermOn(trace: readonly TraceEvent[]): Verdict {
  const property = 'atMostOneLeaderPerTerm';
  const first = new Map<number, LeadershipNote>();
  for (const n of leaderNotes(trace)) {
    if (n.role !== 'leader') continue;
    const f = first.get(n.term);
    if (!f) first.set(n.term, n);
    else if (f.node !== n.node) {
      return {
        ok: false,
        property,
        message: `two leaders in term ${n.term}: ${f.node} since t=${t(f.time)} and ${n.node} since t=${t(n.time)}`,
        events: [f.event, n.event],
      };
    }
  }
  return { ok: true, property };
}

export const EventuallyAnsweredSchema = z
  .object({
    /** Requests sent at or after this time are judged (e.g. when the network healed). */
    healedAt: nonNegative(),
    /** Each of them must have its reply delivered within this many ms of being sent. */
    within: z.number().gt(0),
    /** Judge only requests from this client (or these clients); default: every node that sent one. */
    client: z.union([z.string().min(1), z.array(z.string().min(1))]).optional(),
    /**
     * When the run ended. A request whose deadline falls after it is not judged: the trace cannot
     * say yet. Default: the time of the last event in the trace.
     */
    until: nonNegative().optional(),
  })
  .strict();
export type EventuallyAnsweredOptions = z.input<typeof EventuallyAnsweredSchema>;

/**
 * A liveness property, made checkable on a finite trace by a bound: every
 * rpc request a client sends at or after `healedAt` has its reply delivered
 * back to the client within `within` ms. Before the heal anything goes
 * (liveness can only be asked of a system once the faults stop). The verdict
 * names the first request, by deadline, that missed it, and its late reply if
 * there was one.
 */
export function eventuallyAnswered(trace: readonly TraceEvent[], options: EventuallyAnsweredOptions): Verdict {
  return noteTruncation(trace, eventuallyAnsweredOn(trace, options));
}

function eventuallyAnsweredOn(trace: readonly TraceEvent[], options: EventuallyAnsweredOptions): Verdict {
  const property = 'eventuallyAnswered';
  const o = parseConfig(EventuallyAnsweredSchema, options, 'eventuallyAnswered options', 'options');
  const clients = o.client === undefined ? undefined : new Set([o.client].flat());
  const until = o.until ?? (trace.length > 0 ? trace[trace.length - 1]!.time : 0);
  const key = (client: NodeId, call: number): string => `${client}\u0000${call}`;
  const requests = new Map<string, Send>();
  const replies = new Map<string, Deliver>();
  for (const e of trace) {
    if ((e.type !== 'send' && e.type !== 'deliver') || !isRpcEnvelope(e.body)) continue;
    if (e.type === 'send' && !e.copy && e.body.rpc === 'request' && e.time >= o.healedAt && (!clients || clients.has(e.from))) {
      requests.set(key(e.from, e.body.call), e);
    } else if (e.type === 'deliver' && e.body.rpc === 'reply') {
      const k = key(e.to, e.body.call);
      if (!replies.has(k)) replies.set(k, e);
    }
  }
  let worst: { request: Send; reply?: Deliver; deadline: number } | undefined;
  for (const [k, request] of requests) {
    const deadline = request.time + o.within;
    if (deadline > until) continue; // too recent to judge
    const reply = replies.get(k);
    if (reply && reply.time <= deadline) continue;
    if (!worst || deadline < worst.deadline) worst = { request, reply, deadline };
  }
  if (!worst) return { ok: true, property };
  const { request: r, reply } = worst;
  const call = (r.body as { call: number }).call;
  return {
    ok: false,
    property,
    message:
      `${r.from}'s request (call ${call}) to ${r.to}, sent at t=${t(r.time)} after the heal at t=${t(o.healedAt)}, ` +
      (reply ? `was answered only at t=${t(reply.time)}, ` : 'was never answered, ') +
      `later than the ${o.within} ms allowed`,
    events: reply ? [r, reply] : [r],
  };
}

/** Run several checkers over one trace. */
export function checkAll(trace: readonly TraceEvent[], checkers: readonly Checker[]): Verdict[] {
  return checkers.map((c) => c(trace));
}

/** A verdict as text: `✓ property` or `✗ property: message` with its events, one per line. */
export function formatVerdict(v: Verdict): string {
  const partial = v.truncated ? ` (on a truncated trace: its first ${v.truncated} events were not kept, so not checked)` : '';
  if (v.ok) return `✓ ${v.property ?? 'ok'}${partial}`;
  // A cast, not narrowing: notebooks compile without strictNullChecks, where `ok: true | false` does not narrow.
  const bad = v as Extract<Verdict, { ok: false }>;
  return [`✗ ${bad.property}: ${bad.message}${partial}`, ...bad.events.map((e) => `  ${formatEvent(e)}`)].join('\n');
}

const t = (ms: number): string => `${Number(ms.toFixed(1))}`;
