// Small multiples: one panel per subject (a node, a setting), stacked with a
// shared x axis, so each panel holds a couple of traces instead of one chart
// holding them all.
import type * as Plotly from 'plotly.js';
import { COLORS, type Figure, PALETTE } from './figure';
import type { Series } from './charts';

/** How one series of a panel is drawn: points joined by a thin line, or a line alone (dotted if `dash`). */
export type PanelSeries = Series & { style?: 'points' | 'line'; dash?: boolean };
export type Panel = { title: string; series: readonly PanelSeries[]; color?: string };

export type PanelOptions = {
  title?: string;
  xTitle?: string;
  yTitle?: string;
  /** Height of each panel in px (default 150). */
  panelHeight?: number;
  /** The same y range in every panel (default true), so panels compare at a glance. */
  sharedY?: boolean;
};

const GAP = 0.06;

/** Every panel's axes look like the default ones (the defaults style only the first pair); 0 is a grey line. */
const AXIS = { gridcolor: COLORS.grid, zeroline: true, zerolinecolor: '#9CA3AF', linecolor: '#9CA3AF', automargin: true };

/** Panels top to bottom, panel i on axes x/y(i+1), sharing the bottom x axis. */
export function smallMultiples(panels: readonly Panel[], opts: PanelOptions = {}): Figure {
  const n = Math.max(1, panels.length);
  const h = (1 - GAP * (n - 1)) / n;
  const data: Plotly.Data[] = [];
  const layout: Record<string, unknown> = {
    height: 130 + (opts.panelHeight ?? 150) * n,
    showlegend: false,
    annotations: [],
  };
  if (opts.title !== undefined) layout.title = { text: opts.title, x: 0, xanchor: 'left', pad: { l: 10 } };
  const ys = panels.flatMap((p) => p.series.flatMap((s) => [...s.y]));
  const range = ys.length ? [Math.min(...ys), Math.max(...ys)] : [0, 1];
  const pad = (range[1] - range[0]) * 0.08 || 1;
  panels.forEach((p, i) => {
    const k = i === 0 ? '' : String(i + 1);
    const color = p.color ?? PALETTE[i % PALETTE.length];
    const top = 1 - i * (h + GAP);
    for (const s of p.series) {
      const points = (s.style ?? 'points') === 'points';
      data.push({
        type: 'scatter',
        mode: points ? 'lines+markers' : 'lines',
        name: `${p.title}: ${s.name ?? ''}`,
        x: s.x ? [...s.x] : s.y.map((_, j) => j),
        y: [...s.y],
        ...(s.text ? { text: [...s.text] } : {}),
        xaxis: `x${k}`,
        yaxis: `y${k}`,
        line: { color, width: points ? 1.2 : 2, dash: s.dash ? 'dot' : 'solid' },
        marker: { color, size: 7 },
      } as Plotly.Data);
    }
    layout[`xaxis${k}`] = {
      ...AXIS,
      zeroline: false,
      anchor: `y${k}`,
      ...(i > 0 ? { matches: 'x' } : {}),
      showticklabels: i === n - 1,
      ...(i === n - 1 && opts.xTitle ? { title: { text: opts.xTitle } } : {}),
    };
    layout[`yaxis${k}`] = {
      ...AXIS,
      domain: [Math.max(0, top - h), top],
      ...(opts.sharedY ?? true ? { range: [range[0] - pad, range[1] + pad] } : {}),
      ...(opts.yTitle ? { title: { text: opts.yTitle, font: { size: 11 } } } : {}),
    };
    (layout.annotations as Array<Partial<Plotly.Annotations>>).push({
      text: `<b>${p.title}</b>`,
      xref: 'paper',
      yref: 'paper',
      x: 0,
      y: top,
      xanchor: 'left',
      yanchor: 'bottom',
      showarrow: false,
      font: { size: 13, color },
    });
  });
  return { data, layout: layout as Partial<Plotly.Layout> };
}
