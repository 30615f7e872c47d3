// The trace: everything that happened in a run, as plain data with virtual
// times. Checkers, charts and determinism tests all read this and nothing else.

export type NodeId = string;

/** Why the network or a node discarded a message. */
export type DropReason = 'loss' | 'partition' | 'crashed';

export type TraceEvent =
  | { type: 'send'; time: number; msg: number; from: NodeId; to: NodeId; body: unknown; copy: boolean }
  | { type: 'deliver'; time: number; msg: number; from: NodeId; to: NodeId; body: unknown; sentAt: number }
  | { type: 'drop'; time: number; msg: number; from: NodeId; to: NodeId; body: unknown; sentAt: number; reason: DropReason }
  | { type: 'timer'; time: number; node: NodeId; label: string; late: number }
  | { type: 'crash'; time: number; node: NodeId }
  | { type: 'restart'; time: number; node: NodeId }
  | { type: 'pause'; time: number; node: NodeId }
  | { type: 'resume'; time: number; node: NodeId }
  // A partition that cuts more than MAX_TRACED_CUTS links lists its `groups` instead (and `cuts` is empty).
  | { type: 'partition'; time: number; cuts: Array<[NodeId, NodeId]>; groups?: NodeId[][] }
  | { type: 'heal'; time: number; cuts: Array<[NodeId, NodeId]>; groups?: NodeId[][][] }
  | { type: 'link'; time: number; from: NodeId; to: NodeId; change: string }
  | { type: 'clock'; time: number; node: NodeId; change: string; offset: number }
  | { type: 'note'; time: number; node: NodeId; text: string };

export type TraceEventType = TraceEvent['type'];

const TRUNCATED = Symbol('faultline.truncated');

/** Record on a bounded trace how many of its earliest events were dropped. */
export function markTruncated(trace: TraceEvent[], dropped: number): void {
  (trace as unknown as Record<symbol, number>)[TRUNCATED] = dropped;
}

/** How many early events a bounded trace (`trace: { limit }`) no longer holds: 0 for a full trace. */
export function truncatedCount(trace: readonly TraceEvent[]): number {
  return (trace as unknown as Record<symbol, number | undefined>)[TRUNCATED] ?? 0;
}

/** Narrow a trace to one kind of event. */
export function eventsOf<K extends TraceEventType>(
  trace: readonly TraceEvent[],
  type: K,
): Array<Extract<TraceEvent, { type: K }>> {
  return trace.filter((e): e is Extract<TraceEvent, { type: K }> => e.type === type);
}

/** One line per event, e.g. `   12.500  deliver  client -> server #3 {"op":"get"}`. */
export function formatEvent(e: TraceEvent): string {
  const t = e.time.toFixed(3).padStart(10);
  const body = (b: unknown): string => {
    let s: string | undefined;
    try {
      s = JSON.stringify(b);
    } catch {
      s = '(unprintable)'; // a cycle or a BigInt, put into the trace by hand
    }
    return s === undefined ? '' : s.length > 60 ? `${s.slice(0, 57)}...` : s;
  };
  switch (e.type) {
    case 'send':
      return `${t}  send     ${e.from} -> ${e.to} #${e.msg}${e.copy ? ' (duplicate)' : ''} ${body(e.body)}`;
    case 'deliver':
      return `${t}  deliver  ${e.from} -> ${e.to} #${e.msg} ${body(e.body)}`;
    case 'drop':
      return `${t}  drop     ${e.from} -> ${e.to} #${e.msg} (${e.reason}) ${body(e.body)}`;
    case 'timer':
      return `${t}  timer    ${e.node} ${e.label}${e.late > 0 ? ` (late by ${e.late.toFixed(3)} ms)` : ''}`;
    case 'partition':
    case 'heal':
      return `${t}  ${e.type.padEnd(8)} ${[
        ...e.cuts.map(([a, b]) => `${a}-x->${b}`),
        ...(e.type === 'partition' ? (e.groups ? [groupsText(e.groups)] : []) : (e.groups ?? []).map(groupsText)),
      ].join(' ')}`;
    case 'link':
      return `${t}  link     ${e.from} -> ${e.to} ${e.change}`;
    case 'note':
      return `${t}  note     ${e.node}: ${e.text}`;
    case 'clock':
      return `${t}  clock    ${e.node} ${e.change} (offset now ${e.offset.toFixed(3)} ms)`;
    default:
      return `${t}  ${e.type.padEnd(8)} ${e.node}`;
  }
}

/** `[a b c | d e]`, with long groups elided: a partition of thousands of nodes stays one line. */
function groupsText(groups: NodeId[][]): string {
  const side = (g: NodeId[]): string => (g.length > 4 ? `${g.slice(0, 3).join(' ')} … (${g.length} nodes)` : g.join(' '));
  return `[${groups.map(side).join(' | ')}]`;
}

export function formatTrace(trace: readonly TraceEvent[], limit = Infinity): string {
  const lines = trace.slice(0, limit).map(formatEvent);
  const dropped = truncatedCount(trace);
  if (dropped > 0) lines.unshift(`... ${dropped} earlier events not kept (trace limit)`);
  if (trace.length > limit) lines.push(`... ${trace.length - limit} more events`);
  return lines.join('\n');
}
