// Timeline of a history: one lane per process, each operation a bar from its
// invocation to its completion, labelled `f input → output`. An `info`
// operation's bar runs dashed to the end: it may take effect at any time.
// Operations of a linearizability violation's window are drawn in red.
// Takes plain operations (types only), so it imports no simulation model.
// (lib/plot/history.ts is lesson 06's: labels and highlights on a space-time diagram.)
import type * as Plotly from 'plotly.js';
import type { Operation, Process } from '../checking/history';
import { COLORS, type Figure } from './figure';

export type HistoryChartOptions = {
  title?: string;
  /** Operations to highlight, e.g. the `window` of a failed linearizability check. */
  highlight?: readonly Operation[];
  /** The one operation to mark as the culprit (e.g. the result's `culprit`). */
  culprit?: Operation;
  /** Lane order, top to bottom (default: order of first invocation). */
  processes?: readonly Process[];
  /** Plot height in px; default grows with the number of lanes. */
  height?: number;
  /** Max characters of a label (default 24). */
  labelChars?: number;
};

/** Names of the traces `historyChart` produces, for tests and restyling. */
export const HISTORY_TRACES = { ok: 'ok', info: 'info (may have happened)', window: 'cannot be linearized', culprit: 'culprit', labels: 'labels' } as const;

function text(v: unknown, max: number): string {
  let s: string | undefined;
  try {
    s = JSON.stringify(v);
  } catch {
    s = String(v);
  }
  if (s === undefined) s = String(v);
  s = s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

const lane = (p: Process): string => (typeof p === 'number' ? `p${p}` : p);

/** The label of an operation: `write 3 → 3`, `read → 1`, `cas [1,2] → ?`. */
export function operationLabel(o: Operation, max = 24): string {
  const input = o.input === null ? '' : ` ${text(o.input, max)}`;
  return `${o.f}${input} → ${o.status === 'ok' ? text(o.output, max) : '?'}`;
}

export function historyChart(ops: readonly Operation[], opts: HistoryChartOptions = {}): Figure {
  const max = opts.labelChars ?? 24;
  const lanes: string[] = [];
  for (const p of opts.processes ?? []) if (!lanes.includes(lane(p))) lanes.push(lane(p));
  for (const o of ops) if (!lanes.includes(lane(o.process))) lanes.push(lane(o.process));
  const hot = new Set((opts.highlight ?? []).map((o) => o.id));
  const times = ops.flatMap((o) => (o.ret === null ? [o.call] : [o.call, o.ret]));
  const t0 = times.length ? Math.min(...times) : 0;
  let t1 = times.length ? Math.max(...times) : 1;
  if (t1 <= t0) t1 = t0 + 1;
  const end = t1 + (t1 - t0) * 0.05; // where open operations' bars stop

  type Bars = { x: Array<number | null>; y: Array<string | null>; text: string[] };
  const bars = (): Bars => ({ x: [], y: [], text: [] });
  const groups = { ok: bars(), info: bars(), window: bars(), culprit: bars() };
  const labels = { x: [] as number[], y: [] as string[], text: [] as string[], color: [] as string[] };
  for (const o of ops) {
    const g = opts.culprit && o.id === opts.culprit.id ? groups.culprit : hot.has(o.id) ? groups.window : o.status === 'ok' ? groups.ok : groups.info;
    const y = lane(o.process);
    const stop = o.ret ?? end;
    const hover = `${y}: ${operationLabel(o, 80)}<br>${o.call} – ${o.ret === null ? 'never completed (info)' : o.ret}`;
    g.x.push(o.call, stop, null);
    g.y.push(y, y, null);
    g.text.push(hover, hover, ''); // the gap between bars has no hover
    labels.x.push((o.call + stop) / 2);
    labels.y.push(y);
    labels.text.push(operationLabel(o, max));
    labels.color.push(hot.has(o.id) || (opts.culprit && o.id === opts.culprit.id) ? COLORS.bad : COLORS.ink);
  }
  const line = (name: string, g: Bars, color: string, dash: 'solid' | 'dot' = 'solid'): Plotly.Data => ({
    type: 'scatter',
    mode: 'lines',
    name,
    x: g.x,
    y: g.y,
    text: g.text,
    hoverinfo: 'text',
    line: { color, width: 10, dash },
    showlegend: g.x.length > 0,
  });
  const data: Plotly.Data[] = [
    line(HISTORY_TRACES.ok, groups.ok, COLORS.ok),
    line(HISTORY_TRACES.info, groups.info, COLORS.muted, 'dot'),
    line(HISTORY_TRACES.window, groups.window, COLORS.warn),
    line(HISTORY_TRACES.culprit, groups.culprit, COLORS.bad),
    {
      type: 'scatter',
      mode: 'text+markers',
      name: HISTORY_TRACES.labels,
      x: labels.x,
      y: labels.y,
      text: labels.text,
      textposition: 'top center',
      textfont: { size: 11, color: labels.color },
      // Text sits above its marker: an invisible one this size lifts it clear of the 10 px bar.
      marker: { size: 16, opacity: 0 },
      hoverinfo: 'skip',
      showlegend: false,
    },
  ];
  const layout: Partial<Plotly.Layout> = {
    xaxis: { title: { text: 'time' }, range: [t0 - (t1 - t0) * 0.03, end] },
    // Room above the top lane for its labels.
    yaxis: { type: 'category', categoryorder: 'array', categoryarray: [...lanes].reverse(), range: [-0.5, lanes.length - 0.4] },
    height: opts.height ?? Math.max(220, 90 + 60 * lanes.length),
    showlegend: true,
  };
  if (opts.title !== undefined) layout.title = { text: opts.title, x: 0, xanchor: 'left', pad: { l: 10 } };
  return { data, layout };
}
