// Checkers for the capstone's lock service (lesson 11), in the Verdict shape of
// checkers.ts: three safety properties, two liveness ones, and the lesson's
// bundle of all five.
import { acceptedWrites, atMostOneLeaderPerTerm, eventuallyAnswered, leaseGrants, noStaleTokenWrites, type LeaseGrant, type Verdict } from './checkers';
import { eventsOf, type NodeId, type TraceEvent } from '../core/trace';

/**
 * No fencing token in two different clients' accepted writes. The fenced
 * storage accepts a token *equal* to the highest it has seen, so if the lock
 * service hands one token to two clients, fencing cannot tell them apart:
 * both write, each sure it holds the lock.
 */
export function noSharedTokens(trace: readonly TraceEvent[], opts: { storage?: NodeId } = {}): Verdict {
  const property = 'noSharedTokens';
  const byToken = new Map<number, ReturnType<typeof acceptedWrites>[number]>();
  for (const w of acceptedWrites(trace, opts.storage)) {
    if (w.token === null) continue;
    const first = byToken.get(w.token);
    if (first && first.client !== w.client) {
      return {
        ok: false,
        property,
        message:
          `token ${w.token} written by two clients: the storage accepted ${first.client}'s ${JSON.stringify(first.value)} at t=${t1(first.time)} ` +
          `and ${w.client}'s ${JSON.stringify(w.value)} at t=${t1(w.time)}`,
        events: [first.request, first.ack, w.request, w.ack],
      };
    }
    if (!first) byToken.set(w.token, w);
  }
  return { ok: true, property };
}

/**
 * One lease holder at a time, by true time: no replica grants the lease to a
 * client while another client's lease is still running (granted less than its
 * length ago and not yet released). Unlike the token checks, this judges the
 * lock service's promise, not the storage; it rests on timing (a new leader's
 * wait, clocks that run at about the same rate), so a pause or a short wait
 * can break it while the fenced storage stays safe.
 */
export function singleLeaseHolder(trace: readonly TraceEvent[], replicas: readonly NodeId[]): Verdict {
  const property = 'singleLeaseHolder';
  const grants = replicaGrants(trace, replicas);
  const releasedAt = (g: LeaseGrant): number => {
    for (const e of trace) {
      if (e.type !== 'send' || e.from !== g.client || e.time < g.time || e.copy) continue;
      const req = (e.body as { rpc?: string; body?: { op?: string; token?: number } } | null);
      if (req?.rpc === 'request' && req.body?.op === 'release' && req.body.token === g.token) return e.time;
    }
    return Infinity;
  };
  const running: Array<LeaseGrant & { replica: NodeId; until: number }> = [];
  for (const g of grants) {
    const other = running.find((r) => r.client !== g.client && r.until > g.time);
    if (other) {
      return {
        ok: false,
        property,
        message:
          `two holders: at t=${t1(g.time)} ${g.replica} granted the lease to ${g.client} (token ${g.token}) while ${other.client}'s ` +
          `lease from ${other.replica} (token ${other.token}, granted t=${t1(other.time)}) ran until t=${t1(other.until)}`,
        events: [other.event, g.event],
      };
    }
    running.push({ ...g, until: Math.min(g.time + g.lease, releasedAt(g)) });
  }
  return { ok: true, property };
}

/** Every lease granted by any of `replicas`, in order, with the replica that granted it. */
export function replicaGrants(trace: readonly TraceEvent[], replicas: readonly NodeId[]): Array<LeaseGrant & { replica: NodeId }> {
  return replicas
    .flatMap((r) => leaseGrants(trace, r).map((g) => ({ ...g, replica: r })))
    .sort((a, b) => a.time - b.time || a.event.msg - b.event.msg);
}

/**
 * Liveness, once the faults are over: every one of `clients` gets a write
 * accepted between `after` and `after + within` ms.
 */
export function progressAfter(trace: readonly TraceEvent[], opts: { after: number; within: number; clients: readonly NodeId[]; storage?: NodeId }): Verdict {
  const property = 'progressAfter';
  const end = opts.after + opts.within;
  const writers = new Set(acceptedWrites(trace, opts.storage).filter((w) => w.time >= opts.after && w.time <= end).map((w) => w.client));
  const idle = opts.clients.filter((c) => !writers.has(c));
  if (idle.length === 0) return { ok: true, property };
  const notes = eventsOf(trace, 'note').filter((e) => idle.includes(e.node) && e.time >= opts.after && e.time <= end);
  return {
    ok: false,
    property,
    message: `no write accepted from ${idle.join(', ')} between t=${t1(opts.after)} and t=${t1(end)}`,
    events: notes.slice(-4),
  };
}

/** The lesson's verdicts for one run: three safety properties, then two liveness ones judged after `healedAt`. */
export type CapstoneVerdicts = { leaders: Verdict; fencing: Verdict; tokens: Verdict; answered: Verdict; progress: Verdict };

export function capstoneVerdicts(trace: readonly TraceEvent[], opts: { clients: readonly NodeId[]; healedAt: number; within?: number }): CapstoneVerdicts {
  // Detection (~110 ms) + jitter + an election + one lease of waiting: well under a second.
  const within = opts.within ?? 1000;
  return {
    leaders: atMostOneLeaderPerTerm(trace),
    fencing: noStaleTokenWrites(trace),
    tokens: noSharedTokens(trace),
    // Every call from a client gets an answer (a refusal or a redirect counts) within a few timeouts.
    answered: eventuallyAnswered(trace, { healedAt: opts.healedAt, within: 200, client: [...opts.clients] }),
    progress: progressAfter(trace, { after: opts.healedAt, within, clients: opts.clients }),
  };
}

/** The safety properties as one property, for a shrinker: the first that fails, or ok. */
export function capstoneSafety(trace: readonly TraceEvent[]): Verdict {
  for (const v of [atMostOneLeaderPerTerm(trace), noStaleTokenWrites(trace), noSharedTokens(trace)]) if (!v.ok) return v;
  return { ok: true, property: 'safety' };
}

const t1 = (ms: number): string => `${Number(ms.toFixed(1))}`;
