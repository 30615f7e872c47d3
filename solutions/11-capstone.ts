// Lesson 11 — capstone: reference solution.
import type { TraceEvent } from '../lib/core/trace';
import type { Fault } from '../lib/core/nemesis';
import type { Figure } from '../lib/plot/figure';
import { acceptedWrites, type AcceptedWrite } from '../lib/checking/checkers';
import { shrink } from '../lib/checking/shrink';
import { capstoneScenario, storyOf, TERM_SPAN, type LockRules, type TokenView, type VoteView } from '../lib/models/capstone';
import { spaceTimeDiagram } from '../lib/plot/spacetime';

export type { TokenView, VoteView };

/** The rules the lock service ships with. Run them with runCapstone(config, schedule, until, shipped). */
export const shipped: LockRules = {
  vote: (v) => v.candidateTerm === v.term && (v.votedFor === null || v.votedFor === v.candidate),
  nextToken: (v) => v.lastTokenSeen + 1,
};

export type Finding = { ok: true } | { ok: false; message: string; events: number[] };

/**
 * (a) Two clients' writes accepted with one token. Fencing rejects a lower
 * token, but accepts an equal one (the same holder writing twice), so a token
 * handed to two clients lets both write, each sure it holds the lock.
 */
export function checkRun(trace: readonly TraceEvent[]): Finding {
  const first = new Map<number, AcceptedWrite>();
  for (const w of acceptedWrites(trace)) {
    if (w.token === null) continue;
    const f = first.get(w.token);
    if (f && f.client !== w.client) {
      return {
        ok: false,
        message: `token ${w.token} in two clients' accepted writes: ${f.client} at t=${f.time.toFixed(1)}, ${w.client} at t=${w.time.toFixed(1)}`,
        events: [f.request, f.ack, w.request, w.ack].map((e) => trace.indexOf(e)),
      };
    }
    if (!f) first.set(w.token, w);
  }
  return { ok: true };
}

/** (b) The library's shrinker, judged by the checker of (a). */
export function shrinkFailure(seed: number, schedule: readonly Fault[], until: number): { schedule: Fault[]; until: number } {
  const property = (trace: readonly TraceEvent[]) => {
    const f = checkRun(trace);
    return f.ok ? { ok: true as const } : { ok: false as const, property: 'checkRun', message: f.message, events: f.events.map((i) => trace[i]!) };
  };
  const r = shrink(capstoneScenario({}, shipped), property, { seed, schedule: [...schedule], until });
  return { schedule: r.schedule, until: r.until };
}

const LANES = ['replica1', 'replica2', 'replica3', 'client1', 'client2', 'storage'];

/** (c) The story around the violation, with the two accepted writes and the grants of that token marked. */
export function drawFailure(trace: readonly TraceEvent[]): Figure {
  const f = checkRun(trace);
  if (f.ok) return spaceTimeDiagram(storyOf(trace), { title: 'no violation in this run', nodes: LANES, timers: false });
  const acks = f.events.map((i) => trace[i]!).filter((e) => e.type === 'send' && e.from === 'storage');
  const token = tokenOf(trace[f.events[0]!]!);
  const times = acks.map((e) => e.time);
  const fig = spaceTimeDiagram(storyOf(trace), {
    title: `Token ${token} accepted twice, from two clients`,
    nodes: LANES,
    timers: false,
    from: Math.max(0, Math.min(...times) - 300),
    to: Math.max(...times) + 10,
    height: 460,
  });
  const marks = acks.map((e) => ({
    x: e.time,
    y: LANES.indexOf('storage'),
    text: `token ${token} accepted from ${e.type === 'send' ? e.to : '?'}`,
    showarrow: true,
    arrowhead: 2,
    ax: 0,
    ay: -40,
    font: { color: '#D55E00' },
  }));
  return { ...fig, layout: { ...fig.layout, annotations: [...(fig.layout?.annotations ?? []), ...marks] } };
}

function tokenOf(e: TraceEvent): number | undefined {
  const body = (e as { body?: { body?: { token?: number } } }).body;
  return body?.body?.token;
}

/** (d) One vote per term, for the candidate of the current term; the same candidate may ask again. */
export function vote(v: VoteView): boolean {
  return v.candidateTerm === v.term && (v.votedFor === null || v.votedFor === v.candidate);
}

/**
 * (d) The term in the high digits: there is at most one leader per term, so a
 * term's tokens are its own, and any later term's are larger. The counter
 * restarts in each term, and lastTokenSeen is not needed at all.
 */
export function nextToken(v: TokenView): number {
  return v.term * TERM_SPAN + v.grantInTerm;
}
