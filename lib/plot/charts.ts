// Small generic chart builders over plain arrays. Each returns a Figure; show
// it with `show(fig)` or adjust `fig.layout` first.
import type * as Plotly from 'plotly.js';
import type { Figure } from './figure';

export type Series = {
  name?: string;
  /** Default: 0, 1, 2, ... */
  x?: readonly number[];
  y: readonly number[];
  /** Hover text per point. */
  text?: readonly string[];
};

export type ChartOptions = {
  title?: string;
  xTitle?: string;
  yTitle?: string;
  height?: number;
  /** Logarithmic y axis. */
  logY?: boolean;
};

function axes(opts: ChartOptions): Partial<Plotly.Layout> {
  const layout: Partial<Plotly.Layout> = {
    xaxis: { title: { text: opts.xTitle ?? '' } },
    yaxis: { title: { text: opts.yTitle ?? '' }, ...(opts.logY ? { type: 'log' as const } : {}) },
  };
  if (opts.title !== undefined) layout.title = { text: opts.title, x: 0, xanchor: 'left', pad: { l: 10 } };
  if (opts.height !== undefined) layout.height = opts.height;
  return layout;
}

const list = <T>(s: T | readonly T[]): readonly T[] => (Array.isArray(s) ? (s as readonly T[]) : [s as T]);

function xy(s: Series): { x: number[]; y: number[] } {
  return { x: s.x ? [...s.x] : s.y.map((_, i) => i), y: [...s.y] };
}

/** One line per series. `step: true` draws a staircase (for counters, queue lengths). */
export function lineChart(series: Series | readonly Series[], opts: ChartOptions & { step?: boolean; markers?: boolean } = {}): Figure {
  const all = list(series);
  return {
    data: all.map((s, i) => ({
      type: 'scatter',
      mode: opts.markers ? 'lines+markers' : 'lines',
      name: s.name ?? `series ${i + 1}`,
      ...xy(s),
      ...(s.text ? { text: [...s.text] } : {}),
      line: { width: 2.2, shape: opts.step ? 'hv' : 'linear' },
    })),
    layout: { ...axes(opts), showlegend: all.length > 1 },
  };
}

/** Points, one trace per series. */
export function scatterChart(series: Series | readonly Series[], opts: ChartOptions & { size?: number } = {}): Figure {
  const all = list(series);
  return {
    data: all.map((s, i) => ({
      type: 'scatter',
      mode: 'markers',
      name: s.name ?? `series ${i + 1}`,
      ...xy(s),
      ...(s.text ? { text: [...s.text] } : {}),
      marker: { size: opts.size ?? 8, opacity: 0.8 },
    })),
    layout: { ...axes(opts), showlegend: all.length > 1 },
  };
}

/**
 * Histogram of `values`; a record gives one overlaid histogram per key
 * (e.g. `{ 'no retries': a, 'with retries': b }`).
 */
export function histogramChart(
  values: readonly number[] | Readonly<Record<string, readonly number[]>>,
  opts: ChartOptions & { binSize?: number; normalize?: boolean } = {},
): Figure {
  const groups: Array<[string, readonly number[]]> = Array.isArray(values)
    ? [['values', values as readonly number[]]]
    : Object.entries(values as Record<string, readonly number[]>);
  return {
    data: groups.map(([name, v]) => ({
      type: 'histogram',
      name,
      x: [...v],
      opacity: groups.length > 1 ? 0.6 : 0.9,
      ...(opts.normalize ? { histnorm: 'probability' as const } : {}),
      ...(opts.binSize !== undefined ? { xbins: { size: opts.binSize } as Plotly.PlotData['xbins'] } : {}),
    })),
    layout: {
      ...axes({ yTitle: opts.normalize ? 'fraction' : 'count', ...opts }),
      barmode: 'overlay',
      bargap: 0.04,
      showlegend: groups.length > 1,
    },
  };
}

/** Bars for labelled values, e.g. `barChart(['ok', 'timeout'], [90, 10])`. */
export function barChart(labels: readonly string[], values: readonly number[], opts: ChartOptions = {}): Figure {
  return {
    data: [{ type: 'bar', x: [...labels], y: [...values], marker: { color: '#0072B2' } }],
    layout: { ...axes(opts), showlegend: false },
  };
}
