// Labels and highlights on top of spaceTimeDiagram(trace, { nodes }) for
// lesson 06's histories. Any event with a node, a time and a name will do, so
// this knows nothing of the logical-clock model.
import type * as Plotly from 'plotly.js';
import type { NodeId } from '../core/trace';

/** An event placed on a node's lane at a time; `name` is its label, e.g. `A3`. */
export type PlacedEvent = { node: NodeId; time: number; name: string };

/** Where an event sits in a space-time diagram whose lanes are `nodes`, top to bottom. */
function point(e: PlacedEvent, nodes: readonly NodeId[]): { x: number; y: number } {
  const y = nodes.indexOf(e.node);
  if (y < 0) throw new Error(`node '${e.node}' has no lane (lanes: ${nodes.join(', ')})`);
  return { x: e.time, y };
}

/** Text labels next to each event, alternately above and below its lane so that neighbours overlap less. */
export function stampAnnotations(
  history: { events: readonly PlacedEvent[] },
  labels: readonly string[],
  nodes: readonly NodeId[],
  opts: { size?: number; color?: string } = {},
): Array<Partial<Plotly.Annotations>> {
  const onNode = new Map<NodeId, number>();
  return history.events.map((e, i) => {
    const k = onNode.get(e.node) ?? 0;
    onNode.set(e.node, k + 1);
    const { x, y } = point(e, nodes);
    const above = k % 2 === 0;
    return {
      xref: 'x',
      yref: 'y',
      x,
      y,
      text: labels[i] ?? '',
      showarrow: false,
      yanchor: above ? 'bottom' : 'top',
      yshift: above ? 7 : -7,
      font: { size: opts.size ?? 12, color: opts.color ?? '#1F2937' },
      bgcolor: 'rgba(255,255,255,0.85)',
    };
  });
}

/**
 * Marker traces that colour chosen events, e.g. the causal past and future of
 * one event. Hovering shows the event's name, then `describe(event)` if given.
 */
export function highlightEvents<E extends PlacedEvent>(
  history: { events: readonly E[] },
  nodes: readonly NodeId[],
  groups: ReadonlyArray<{ name: string; events: readonly number[]; color: string; symbol?: string; size?: number }>,
  describe?: (e: E) => string,
): Plotly.Data[] {
  const hover = (e: E): string => (describe ? `${e.name}: ${describe(e)}` : e.name);
  return groups.map((g) => {
    const pts = g.events.map((i) => point(history.events[i]!, nodes));
    return {
      type: 'scatter',
      mode: 'markers',
      name: g.name,
      x: pts.map((p) => p.x),
      y: pts.map((p) => p.y),
      text: g.events.map((i) => hover(history.events[i]!)),
      hovertemplate: '%{text}<extra></extra>',
      marker: { color: g.color, size: g.size ?? 15, symbol: g.symbol ?? 'circle', line: { width: 1.5, color: '#FFFFFF' } },
    } as Plotly.Data;
  });
}
