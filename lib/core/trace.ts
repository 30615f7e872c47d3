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
  | { type: 'partition'; time: number; cuts: Array<[NodeId, NodeId]> }
  | { type: 'heal'; time: number; cuts: Array<[NodeId, NodeId]> }
  | { type: 'link'; time: number; from: NodeId; to: NodeId; change: string }
  | { type: 'clock'; time: number; node: NodeId; change: string; offset: number }
  | { type: 'note'; time: number; node: NodeId; text: string };

export type TraceEventType = TraceEvent['type'];

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
    const s = JSON.stringify(b);
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
      return `${t}  ${e.type.padEnd(8)} ${e.cuts.map(([a, b]) => `${a}-x->${b}`).join(' ')}`;
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

export function formatTrace(trace: readonly TraceEvent[], limit = Infinity): string {
  const lines = trace.slice(0, limit).map(formatEvent);
  if (trace.length > limit) lines.push(`... ${trace.length - limit} more events`);
  return lines.join('\n');
}
