// Marking up a finished chart: colours per trace, shaded time spans (a pause,
// a partition) and vertical lines at moments (a crash). Pure: each returns a
// new Figure and leaves the one passed in alone.
import type * as Plotly from 'plotly.js';
import { COLORS, type Figure } from './figure';

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
