// Figures as plain data: what every chart builder returns and what `show`
// displays. Nothing here touches the DOM or plotly.js itself (only its types),
// so figures can be built, inspected and unit-tested in plain Node.
import type * as Plotly from 'plotly.js';

export type Figure = {
  data: Plotly.Data[];
  layout?: Partial<Plotly.Layout>;
  config?: Partial<Plotly.Config>;
  /** Animation frames (for sliders and play buttons); drawn offline by `show`, like the rest. */
  frames?: Array<Partial<Plotly.Frame>>;
};

/** A figure with the course defaults applied, as stored in a notebook output. */
export type ResolvedFigure = Required<Omit<Figure, 'frames'>> & Pick<Figure, 'frames'>;

/**
 * The course palette (Okabe-Ito, readable for the common kinds of colour
 * blindness), in the order traces get them.
 */
export const PALETTE = [
  '#0072B2', // blue
  '#E69F00', // orange
  '#009E73', // green
  '#CC79A7', // purple
  '#56B4E9', // sky
  '#D55E00', // vermilion
  '#8C6D31', // brown
  '#555555', // grey
] as const;

/** Colours with a meaning, used the same way in every chart. */
export const COLORS = {
  ok: '#009E73',
  bad: '#D55E00',
  warn: '#E69F00',
  muted: '#9CA3AF',
  ink: '#1F2937',
  grid: '#E5E7EB',
  partition: 'rgba(213, 94, 0, 0.10)',
  pause: 'rgba(230, 159, 0, 0.22)',
} as const;

/**
 * Fixed colours for node names the lessons use a lot, so "client" is the same
 * blue in every diagram. Other nodes get PALETTE colours by position.
 */
export const NODE_COLORS: Readonly<Record<string, string>> = {
  client: '#0072B2',
  server: '#E69F00',
  leader: '#D55E00',
  primary: '#D55E00',
  follower: '#009E73',
  replica: '#009E73',
  backup: '#009E73',
  coordinator: '#CC79A7',
  monitor: '#555555',
};

/** The colour for `node`, the `index`-th node of a chart. */
export function nodeColor(node: string, index: number): string {
  return NODE_COLORS[node] ?? PALETTE[((index % PALETTE.length) + PALETTE.length) % PALETTE.length];
}

export const FONT_FAMILY = '"Source Sans Pro", "Segoe UI", Helvetica, Arial, sans-serif';

/** The layout every figure starts from (a figure's own layout wins). */
const AXIS: Partial<Plotly.LayoutAxis> = {
  gridcolor: COLORS.grid,
  zeroline: false,
  linecolor: '#9CA3AF',
  ticks: 'outside',
  tickcolor: '#9CA3AF',
  automargin: true,
};

export const DEFAULT_LAYOUT: Partial<Plotly.Layout> = {
  font: { family: FONT_FAMILY, size: 14, color: COLORS.ink },
  colorway: [...PALETTE],
  paper_bgcolor: '#FFFFFF',
  plot_bgcolor: '#FFFFFF',
  margin: { l: 70, r: 30, t: 80, b: 60, pad: 0 },
  height: 420,
  autosize: true,
  hovermode: 'closest',
  hoverlabel: { font: { family: FONT_FAMILY, size: 13 }, align: 'left' },
  legend: { orientation: 'h', x: 1, xanchor: 'right', y: 1.02, yanchor: 'bottom', bgcolor: 'rgba(255,255,255,0)' },
  xaxis: { ...AXIS },
  yaxis: { ...AXIS },
};

export const DEFAULT_CONFIG: Partial<Plotly.Config> = {
  responsive: true,
  displaylogo: false,
  modeBarButtonsToRemove: ['select2d', 'lasso2d'],
};

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

/** Deep merge of plain objects; arrays and everything else in `over` replace. */
export function mergeDeep<T>(base: T, over: unknown): T {
  if (over === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(over)) return over as T;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in out ? mergeDeep(out[k], v) : v;
  return out as T;
}

/** Plotly 3 dropped string titles: turn `title: 'x'` into `title: { text: 'x' }`. */
function normalizeTitles(layout: Record<string, unknown>): Record<string, unknown> {
  const fix = (o: Record<string, unknown>): Record<string, unknown> =>
    typeof o.title === 'string' ? { ...o, title: { text: o.title } } : o;
  const out = fix(layout);
  for (const [k, v] of Object.entries(out)) {
    if (/^[xy]axis\d*$/.test(k) && isPlainObject(v)) out[k] = fix(v);
  }
  return out;
}

/**
 * The figure as it will be drawn: DEFAULT_LAYOUT and DEFAULT_CONFIG under the
 * figure's own, string titles normalised. Pure; never mutates `fig`.
 */
export function resolveFigure(fig: Figure): ResolvedFigure {
  const layout = normalizeTitles(mergeDeep<Record<string, unknown>>({ ...DEFAULT_LAYOUT }, fig.layout ?? {}));
  return {
    data: fig.data,
    layout: layout as Partial<Plotly.Layout>,
    config: { ...DEFAULT_CONFIG, ...(fig.config ?? {}) },
    ...(fig.frames?.length ? { frames: fig.frames } : {}),
  };
}

/** The title text of a figure, if any. */
export function figureTitle(fig: Figure): string | undefined {
  const t: unknown = fig.layout?.title;
  if (typeof t === 'string') return t;
  if (isPlainObject(t) && typeof t.text === 'string') return t.text;
  return undefined;
}
