// Safety checkers: functions from a trace to a verdict. A verdict is data: the
// property, a sentence, and the first events that break it, so a failing run
// can be shown in a space-time diagram and replayed from its seed. Later
// checkers (one leader per term, every request eventually answered) follow
// the same shape: `(trace, options) => Verdict`.
import { isGrant } from './lease';
import { isRpcEnvelope } from './node';
import { isWriteRequest, type WriteReply } from './storage';
import { formatEvent, type NodeId, type TraceEvent } from './trace';

export type Verdict = { ok: true; property?: string } | { ok: false; property: string; message: string; events: TraceEvent[] };
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

/** Run several checkers over one trace. */
export function checkAll(trace: readonly TraceEvent[], checkers: readonly Checker[]): Verdict[] {
  return checkers.map((c) => c(trace));
}

/** A verdict as text: `✓ property` or `✗ property: message` with its events, one per line. */
export function formatVerdict(v: Verdict): string {
  if (v.ok) return `✓ ${v.property ?? 'ok'}`;
  // A cast, not narrowing: notebooks compile without strictNullChecks, where `ok: true | false` does not narrow.
  const bad = v as Extract<Verdict, { ok: false }>;
  return [`✗ ${bad.property}: ${bad.message}`, ...bad.events.map((e) => `  ${formatEvent(e)}`)].join('\n');
}

const t = (ms: number): string => `${Number(ms.toFixed(1))}`;
