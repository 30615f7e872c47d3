// Stepping through a space-time diagram: a slider and a play button over the
// trace's events, a cursor at the current step, and each node's state beside
// its lane. Everything is Plotly frames, sliders and updatemenus inside the
// figure JSON, so it works offline in the Notebook and in the HTML export.
import type * as Plotly from 'plotly.js';
import type { NodeId, TraceEvent } from '../core/trace';
import { COLORS, type Figure } from './figure';

/** A node's state after `past` (every trace event up to and including the step), as a short line. */
export type NodeState = (node: NodeId, past: readonly TraceEvent[]) => string;

export type StepOptions = {
  /** What to show beside each lane at each step (term, vote, lease, token, clock...). */
  state: NodeState;
  /** At most this many steps (default 150); with more event times, steps are spread evenly over them. */
  maxSteps?: number;
  /** Milliseconds per step when playing (default 500). */
  frameMs?: number;
  /** Header of the state column (default 'state'). */
  stateTitle?: string;
};

/** Names of the traces a stepped diagram adds, for tests and restyling. */
export const STEP_TRACES = { cursor: 'step', state: 'node state' } as const;

/** The fraction of the width the diagram keeps; the state column gets the rest. */
const DIAGRAM_WIDTH = 0.74;

/** Event kinds that make a step: everything a reader would point at, timers excepted. */
const STEP_KINDS = new Set<TraceEvent['type']>([
  'send', 'deliver', 'drop', 'note', 'crash', 'restart', 'pause', 'resume', 'partition', 'heal', 'clock',
]);

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The distinct times of stepping events in [from, to], thinned evenly to at most `max`. */
export function stepTimes(trace: readonly TraceEvent[], from: number, to: number, max: number): number[] {
  const all: number[] = [];
  for (const e of trace) {
    if (!STEP_KINDS.has(e.type) || e.time < from || e.time > to) continue;
    if (all.length === 0 || all[all.length - 1] !== e.time) all.push(e.time);
  }
  const times = [...new Set(all)].sort((a, b) => a - b);
  if (times.length <= max) return times;
  const stride = times.length / max;
  return Array.from({ length: max }, (_, k) => times[Math.min(times.length - 1, Math.ceil((k + 1) * stride) - 1)]);
}

/** The last note `node` wrote that matches `re` (default: any), or `fallback`: a ready-made NodeState. */
export function lastNote(re: RegExp = /./, fallback = '–'): NodeState {
  return (node, past) => {
    for (let i = past.length - 1; i >= 0; i--) {
      const e = past[i];
      if (e.type === 'note' && e.node === node && re.test(e.text)) return e.text;
    }
    return fallback;
  };
}

function describe(e: TraceEvent): string {
  switch (e.type) {
    case 'send':
      return `${e.from} sends #${e.msg} to ${e.to}`;
    case 'deliver':
      return `${e.to} receives #${e.msg}`;
    case 'drop':
      return `#${e.msg} dropped`;
    case 'note':
      return `${e.node}: ${e.text}`;
    case 'partition':
    case 'heal':
      return e.type;
    case 'link':
      return `link ${e.from} → ${e.to}`;
    default:
      return `${e.type} ${e.node}`;
  }
}

/**
 * `fig` (a space-time diagram over `nodes`, lane i at y = i) with a slider and a play button that
 * step through `trace`'s events between `from` and `to`. Pure: returns a new Figure.
 */
export function withSteps(
  fig: Figure,
  trace: readonly TraceEvent[],
  nodes: readonly NodeId[],
  window: { from: number; to: number },
  opts: StepOptions,
): Figure {
  const times = stepTimes(trace, window.from, window.to, opts.maxSteps ?? 150);
  if (times.length === 0) return fig;
  const n = nodes.length;
  const cursorAt = (t: number): Plotly.Data => ({ x: [t, t], y: [-0.5, n - 0.5] });
  const stateAt = (past: readonly TraceEvent[], t: number): Plotly.Data => {
    // What happened at this step, two lines at most, so the column stays narrow.
    const now = past.filter((e) => e.time === t && STEP_KINDS.has(e.type)).map(describe);
    const cut = (s: string) => (s.length > 34 ? `${s.slice(0, 33)}…` : s);
    const lines = now.slice(0, 2).map(cut);
    if (now.length > 2) lines[1] = `${cut(now[1])} (+${now.length - 2} more)`;
    const head = lines.map(esc).join('<br>');
    return {
      x: [0, ...nodes.map(() => 0)],
      y: [-0.5, ...nodes.map((_, i) => i)],
      text: [
        `<b>t = ${Number(t.toFixed(3))} ms</b><br><span style="font-size:11px">${head}</span>`,
        ...nodes.map((node) => `<b>${esc(node)}</b>: ${esc(opts.state(node, past))}`),
      ],
    } as Plotly.Data;
  };
  let upto = 0;
  const steps = times.map((t) => {
    while (upto < trace.length && trace[upto].time <= t) upto++;
    return { cursor: cursorAt(t), state: stateAt(trace.slice(0, upto), t) };
  });
  const frames: Array<Partial<Plotly.Frame>> = steps.map((s, k) => ({
    name: `step ${k}`,
    data: [s.cursor, s.state],
    traces: [fig.data.length, fig.data.length + 1],
  }));
  const first = steps[0];

  const data: Plotly.Data[] = [
    ...fig.data,
    {
      ...first.cursor,
      type: 'scatter',
      mode: 'lines',
      name: STEP_TRACES.cursor,
      showlegend: false,
      hoverinfo: 'skip',
      line: { color: COLORS.ink, width: 1.5, dash: 'dash' },
    } as Plotly.Data,
    {
      ...first.state,
      type: 'scatter',
      mode: 'text',
      name: STEP_TRACES.state,
      showlegend: false,
      hoverinfo: 'skip',
      xaxis: 'x2',
      yaxis: 'y',
      // The header (point 0, at the top edge) grows upwards into the margin; lane states sit on their lanes.
      textposition: ['top right', ...nodes.map(() => 'middle right')],
      textfont: { size: 13, color: COLORS.ink },
      cliponaxis: false,
    } as unknown as Plotly.Data, // textposition per point: Plotly accepts arrays, its types do not
  ];
  const still = { frame: { duration: 0, redraw: true }, transition: { duration: 0 }, mode: 'immediate' };
  const layout = fig.layout ?? {};
  const height = typeof layout.height === 'number' ? layout.height : 420;
  return {
    ...fig,
    data,
    frames,
    layout: {
      ...layout,
      height: height + 90,
      margin: { ...(layout.margin ?? {}), b: 150 },
      xaxis: { ...(layout.xaxis ?? {}), domain: [0, DIAGRAM_WIDTH] },
      xaxis2: { domain: [DIAGRAM_WIDTH + 0.02, 1], range: [0, 1], visible: false, fixedrange: true, anchor: 'y' },
      sliders: [
        {
          active: 0,
          x: 0.16,
          len: 0.84,
          y: 0,
          yanchor: 'top',
          pad: { t: 60 },
          // Step labels would overlap at this density: hide them, the current value says where we are.
          font: { color: 'rgba(0,0,0,0)', size: 1 },
          currentvalue: { prefix: 'step at t = ', suffix: ' ms', visible: true, font: { size: 13, color: COLORS.ink } },
          steps: times.map((t, k) => ({
            label: `${Number(t.toFixed(3))}`,
            method: 'animate',
            args: [[`step ${k}`], still],
          })),
        },
      ] as unknown as Array<Partial<Plotly.Slider>>,
      updatemenus: [
        {
          type: 'buttons',
          showactive: false,
          direction: 'left',
          x: 0,
          y: 0,
          xanchor: 'left',
          yanchor: 'top',
          pad: { t: 70 },
          buttons: [
            {
              label: '▶ play',
              method: 'animate',
              args: [null, { ...still, frame: { duration: opts.frameMs ?? 500, redraw: true }, fromcurrent: true }],
            },
            { label: '❚❚', method: 'animate', args: [[null], still] },
          ],
        },
      ] as unknown as Array<Partial<Plotly.UpdateMenu>>,
    },
  };
}
