// Who believed what, when: one row per node, a bar wherever the node held a
// belief (led a term, held a lease), coloured by its number (term, token).
import type * as Plotly from 'plotly.js';
import { type Figure, PALETTE } from './figure';
import { type Band, withMarks } from './marks';

/** One stretch of belief: `node` believed it held number `term` from `from` to `to`. */
export type BeliefSpan = { node: string; term: number; from: number; to: number };

export type TimelineOptions = {
  /** Rows, top to bottom (every node, even one that never held a belief). */
  nodes: readonly string[];
  /** The x axis runs from 0 to `end`. */
  end: number;
  title?: string;
  /** Shaded fault bands (a pause, a partition). */
  bands?: readonly Band[];
  /** What a bar means, for the legend and hover text (default 'leads term'). */
  belief?: string;
};

/** Bars per node, one colour per term; each term appears once in the legend. */
export function leaderTimeline(spans: readonly BeliefSpan[], opts: TimelineOptions): Figure {
  const belief = opts.belief ?? 'leads term';
  const seen = new Set<number>();
  const bars: Plotly.Data[] = spans.map((l) => {
    const first = !seen.has(l.term);
    seen.add(l.term);
    return {
      type: 'scatter',
      mode: 'lines',
      x: [l.from, l.to],
      y: [l.node, l.node],
      name: `term ${l.term}`,
      legendgroup: `t${l.term}`,
      showlegend: first,
      line: { width: 16, color: PALETTE[(((l.term - 1) % PALETTE.length) + PALETTE.length) % PALETTE.length] },
      hovertemplate: `${l.node} believes it ${belief} ${l.term}<br>t=%{x:.1f} ms<extra></extra>`,
    };
  });
  // Invisible points so every node has its row, even one that never held a belief.
  const rows: Plotly.Data = {
    type: 'scatter',
    mode: 'markers',
    x: opts.nodes.map(() => 0),
    y: [...opts.nodes],
    marker: { opacity: 0 },
    showlegend: false,
    hoverinfo: 'skip',
  };
  const fig: Figure = {
    data: [rows, ...bars],
    layout: {
      ...(opts.title !== undefined ? { title: { text: opts.title, x: 0, xanchor: 'left' as const } } : {}),
      height: 150 + 38 * opts.nodes.length,
      xaxis: { title: { text: 'time (ms)' }, range: [0, opts.end] },
      yaxis: {
        type: 'category',
        categoryorder: 'array',
        categoryarray: [...opts.nodes].reverse(),
        title: { text: 'node' },
      },
      legend: { title: { text: `believes it ${belief.split(' ')[0]}` }, orientation: 'v', x: 1.02, xanchor: 'left', y: 1, yanchor: 'top' },
    },
  };
  return withMarks(fig, (opts.bands ?? []).map((b) => ({ color: 'rgba(213, 94, 0, 0.12)', ...b })));
}
