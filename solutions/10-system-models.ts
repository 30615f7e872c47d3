// Lesson 10 — system models, safety and liveness. Reference solution.
import type { NodeId, TraceEvent } from '../lib/index';
import type { Verdict } from '../lib/checking/checkers';

export type { Verdict };
type Note = Extract<TraceEvent, { type: 'note' }>;

export type EventuallyLeaderOptions = {
  /** When the faults stopped (e.g. the heal): the clock of the liveness bound starts here, in ms. */
  after: number;
  /** How long after `after` the system has to have a leader, in ms. */
  within: number;
};

const LEADER = /^leader term=(\d+)(?:\s|$)/;
const FOLLOWER = /^follower term=(\d+)(?:\s|$)/;

/** The term of a `leader term=N` note, or undefined for any other event. */
function leaderTerm(e: TraceEvent): number | undefined {
  if (e.type !== 'note') return undefined;
  const m = LEADER.exec(e.text);
  return m ? Number(m[1]) : undefined;
}

export function noTwoLeadersInATerm(trace: readonly TraceEvent[]): Verdict {
  const property = 'noTwoLeadersInATerm';
  const first = new Map<number, Note>();
  for (const e of trace) {
    const term = leaderTerm(e);
    if (term === undefined) continue;
    const note = e as Note;
    const f = first.get(term);
    if (!f) first.set(term, note);
    else if (f.node !== note.node) {
      return {
        ok: false,
        property,
        message: `two leaders in term ${term}: ${f.node} (t=${ms(f.time)}) and ${note.node} (t=${ms(note.time)})`,
        events: [f, note],
      };
    }
  }
  return { ok: true, property };
}

export function eventuallyLeader(trace: readonly TraceEvent[], options: EventuallyLeaderOptions): Verdict {
  const property = 'eventuallyLeader';
  const deadline = options.after + options.within;
  // Who considers itself leader, as of `after`: a leader note not yet followed by a follower note, a crash or a restart of that node.
  const leading = new Set<NodeId>();
  for (const e of trace) {
    if (e.time > options.after) break;
    if (e.type === 'crash' || e.type === 'restart') leading.delete(e.node);
    else if (e.type === 'note' && leaderTerm(e) !== undefined) leading.add(e.node);
    else if (e.type === 'note' && FOLLOWER.test(e.text)) leading.delete(e.node);
  }
  if (leading.size > 0) return { ok: true, property };
  let late: Note | undefined;
  for (const e of trace) {
    if (e.time <= options.after || leaderTerm(e) === undefined) continue;
    if (e.time <= deadline) return { ok: true, property };
    late = e as Note;
    break;
  }
  return {
    ok: false,
    property,
    message: late
      ? `no leader between t=${options.after} and t=${deadline}: the first came only at t=${ms(late.time)} (${late.node})`
      : `no leader between t=${options.after} and t=${deadline}, nor after`,
    events: late ? [late] : [],
  };
}

const ms = (t: number): number => Number(t.toFixed(1));
