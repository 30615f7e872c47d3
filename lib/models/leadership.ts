// The leadership notes of the election lessons, in one place. A node that
// becomes leader of term N writes `leader term=N`; one that steps down or
// adopts a newer term writes `follower term=N`. Text may follow after a space
// ("leader term=3 (votes a,b,c)"). Protocols write notes with `leaderNote`,
// checkers read them back with `leaderNotes`.
import type { NodeId, TraceEvent } from '../core/trace';

export type Role = 'leader' | 'follower';

/** A leadership change as a node wrote it into the trace. */
export type LeadershipNote = { role: Role; term: number; node: NodeId; time: number; event: Extract<TraceEvent, { type: 'note' }> };

const LEADER_NOTE = /^(leader|follower) term=(\d+)(?:\s|$)/;

/** The note text for a leadership change, e.g. `leader term=3`. */
export function leaderNote(role: Role, term: number): string {
  return `${role} term=${term}`;
}

/** The role and term a note announces, or null for any other text ("leader term=3x" included). */
export function parseLeaderNote(text: string): { role: Role; term: number } | null {
  const m = LEADER_NOTE.exec(text);
  return m ? { role: m[1] as Role, term: Number(m[2]) } : null;
}

/** Every `leader term=N` and `follower term=N` note, in trace order. Other notes are ignored. */
export function leaderNotes(trace: readonly TraceEvent[]): LeadershipNote[] {
  const out: LeadershipNote[] = [];
  for (const e of trace) {
    if (e.type !== 'note') continue;
    const n = parseLeaderNote(e.text);
    if (n) out.push({ ...n, node: e.node, time: e.time, event: e });
  }
  return out;
}

/** The node that most recently claimed leadership at or before `time` (it may no longer know it is deposed). */
export function leaderAt(trace: readonly TraceEvent[], time: number): NodeId | null {
  let who: NodeId | null = null;
  let best = -1;
  for (const n of leaderNotes(trace)) {
    if (n.role === 'leader' && n.time <= time && n.term > best) {
      best = n.term;
      who = n.node;
    }
  }
  return who;
}
