// Marking up a finished chart: colours per trace, shaded time spans (a pause,
// a partition) and vertical lines at moments (a crash). Pure: each returns a
// new Figure and leaves the one passed in alone.
import type * as Plotly from 'plotly.js';
import { COLORS, type Figure, PALETTE } from './figure';

/** A shaded stretch of the x axis, labelled at the top. */
export type Band = { from: number; to: number; label?: string; color?: string };
/** A vertical line at one x, labelled at the top. */
export type Mark = { at: number; label?: string; color?: string };

export type RecolorOptions = {
  /** The trace with this name is drawn as a thin dashed grey reference line instead (a capacity, a target). */
  dashed?: string;
};

/** Trace i gets colors[i] (line and markers); traces past the end of `colors` keep theirs. */
export function recolor(fig: Figure, colors: readonly string[], opts: RecolorOptions = {}): Figure {
  const data = fig.data.map((d, i) => {
    const t = d as { name?: string; line?: object; marker?: object };
    if (opts.dashed !== undefined && t.name === opts.dashed) {
      return { ...d, line: { ...t.line, dash: 'dash', color: COLORS.muted, width: 1.5 } } as Plotly.Data;
    }
    const c = colors[i];
    return c ? ({ ...d, line: { ...t.line, color: c }, marker: { ...t.marker, color: c } } as Plotly.Data) : d;
  });
  return { ...fig, data };
}

const label = (x: number, text: string, color: string, xanchor: 'center' | 'left'): Partial<Plotly.Annotations> => ({
  x,
  y: 1,
  xref: 'x',
  yref: 'paper',
  yanchor: 'bottom',
  xanchor,
  xshift: xanchor === 'left' ? 4 : 0,
  text,
  showarrow: false,
  font: { size: 12, color },
});

/** `fig` with shaded bands (below the data) and labelled vertical lines added to its layout. */
export function withMarks(fig: Figure, bands: readonly Band[], marks: readonly Mark[] = []): Figure {
  const layout = fig.layout ?? {};
  const shapes: Array<Partial<Plotly.Shape>> = [
    ...(layout.shapes ?? []),
    ...bands.map((b) => ({
      type: 'rect' as const,
      layer: 'below' as const,
      xref: 'x' as const,
      yref: 'paper' as const,
      x0: b.from,
      x1: b.to,
      y0: 0,
      y1: 1,
      fillcolor: b.color ?? COLORS.pause,
      line: { width: 0 },
    })),
    ...marks.map((m) => ({
      type: 'line' as const,
      xref: 'x' as const,
      yref: 'paper' as const,
      x0: m.at,
      x1: m.at,
      y0: 0,
      y1: 1,
      line: { color: m.color ?? COLORS.bad, width: 2, dash: 'dot' as const },
    })),
  ];
  const annotations: Array<Partial<Plotly.Annotations>> = [
    ...(layout.annotations ?? []),
    ...bands.filter((b) => b.label).map((b) => label((b.from + b.to) / 2, b.label!, COLORS.ink, 'center')),
    ...marks.filter((m) => m.label).map((m) => label(m.at, m.label!, m.color ?? COLORS.bad, 'left')),
  ];
  return { ...fig, layout: { ...layout, shapes, annotations } };
}

/** The zoomed region of an inset (data units of the main axes) and where the inset sits (paper units). */
export type Inset = {
  x: [number, number];
  y: [number, number];
  /** Paper coordinates of the inset; default the upper right quarter. */
  at?: { x: [number, number]; y: [number, number] };
  title?: string;
};

const inside = (v: number, [a, b]: [number, number]) => v >= a && v <= b;

/**
 * `fig` with an inset that zooms into `box`: the traces drawn again on axes x2/y2, a frame around
 * the zoomed region on the main chart, and point labels (text) moved from the main chart into the
 * inset for the points inside it, so crowded labels are readable where they crowd.
 */
export function withInset(fig: Figure, box: Inset): Figure {
  const at = box.at ?? { x: [0.55, 0.98], y: [0.5, 0.97] };
  // Explicit colours first: the copies would otherwise take the next colours of the colorway.
  const colored = fig.data.map((d, k) => {
    const t = d as { line?: { color?: string }; marker?: { color?: unknown } };
    const c = t.line?.color ?? (typeof t.marker?.color === 'string' ? t.marker.color : PALETTE[k % PALETTE.length]);
    return { ...d, line: { ...t.line, color: c }, marker: { color: c, ...t.marker } } as Plotly.Data;
  });
  const main = colored.map((d) => {
    const t = d as { x?: number[]; y?: number[]; text?: string[] };
    if (!Array.isArray(t.text) || !t.x || !t.y) return d;
    const text = t.text.map((s, i) => (inside(t.x![i], box.x) && inside(t.y![i], box.y) ? '' : s));
    return { ...d, text } as Plotly.Data;
  });
  const zoomed = colored.map((d) => ({ ...d, xaxis: 'x2', yaxis: 'y2', showlegend: false }) as Plotly.Data);
  const layout = fig.layout ?? {};
  const frame: Partial<Plotly.Shape> = {
    type: 'rect',
    xref: 'x',
    yref: 'y',
    x0: box.x[0],
    x1: box.x[1],
    y0: box.y[0],
    y1: box.y[1],
    line: { color: COLORS.muted, width: 1, dash: 'dot' },
  };
  return {
    ...fig,
    data: [...main, ...zoomed],
    layout: {
      ...layout,
      xaxis2: { domain: at.x, anchor: 'y2', range: box.x, linecolor: COLORS.muted, mirror: true, showgrid: false },
      yaxis2: { domain: at.y, anchor: 'x2', range: box.y, linecolor: COLORS.muted, mirror: true, showgrid: false },
      shapes: [...(layout.shapes ?? []), frame],
      annotations: [
        ...(layout.annotations ?? []),
        {
          text: box.title ?? 'zoomed in (dotted box)',
          xref: 'paper',
          yref: 'paper',
          x: at.x[0],
          y: at.y[1],
          xanchor: 'left',
          yanchor: 'bottom',
          showarrow: false,
          font: { size: 12, color: COLORS.muted },
        },
      ],
    },
  };
}
