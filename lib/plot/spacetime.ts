// Space-time (Lamport) diagram of a trace: one horizontal lane per node, time
// to the right, an arrow per delivered message. Pure and deterministic: the
// same trace and options always give the same Figure.
import type * as Plotly from 'plotly.js';
import type { NodeId, TraceEvent } from '../core/trace';
import { COLORS, type Figure, nodeColor } from './figure';
import { type StepOptions, withSteps } from './stepper';

export type SpaceTimeOptions = {
  /** Lane order, top to bottom. Default: order of first appearance in the trace. Nodes not listed are appended. */
  nodes?: readonly NodeId[];
  title?: string;
  /** Show only events with from <= time <= to (messages are kept if they overlap). */
  from?: number;
  to?: number;
  /** Plot height in px; default grows with the number of lanes. */
  height?: number;
  /** Draw timer firings as small markers (default true). */
  timers?: boolean;
  /** Draw link changes (latency or loss set during the run) as markers (default true). */
  links?: boolean;
  /** Max characters of a message body shown in hover text (default 80). */
  bodyChars?: number;
  /**
   * A short label drawn beside each message's arrow, near the sender (e.g. its sequence number, so prose
   * can say "#3"); undefined leaves that message unlabelled.
   */
  label?: (m: MessageInfo) => string | undefined;
  /** Draw a dot at each send and delivery (default true); false keeps only arrows, still hoverable. */
  dots?: boolean;
  /** Add a slider and a play button over the events, with each node's state at every step. */
  steps?: StepOptions;
};

/** What `label` sees of a message. */
export type MessageInfo = { msg: number; from: NodeId; to: NodeId; body: unknown; sentAt: number };

type Msg = Extract<TraceEvent, { type: 'deliver' | 'drop' }>;

/** Names of the traces `spaceTimeDiagram` may produce, for tests and for restyling. */
export const SPACETIME_TRACES = {
  sends: 'sent',
  delivers: 'delivered',
  drops: 'dropped',
  inFlight: 'in flight',
  crashes: 'crash',
  restarts: 'restart',
  notes: 'note',
  labels: 'message label',
  timers: 'timer',
  links: 'link change',
  clocks: 'clock change',
} as const;

/** The fraction of the way to its destination at which a dropped message's line ends. */
const DROP_REACH = 0.45;
/** How far along its (visible) arrow a message's label sits. */
const LABEL_AT = 0.25;

function fmt(t: number): string {
  return `${Number(t.toFixed(3))} ms`;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function bodyText(body: unknown, max: number): string {
  let s: string | undefined;
  try {
    s = JSON.stringify(body);
  } catch {
    s = String(body);
  }
  if (s === undefined) s = String(body);
  return esc(s.length > max ? `${s.slice(0, max - 1)}…` : s);
}

function pairKey(a: NodeId, b: NodeId): string {
  return a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
}

/** Node order: opts.nodes first, then every other node in order of first appearance. */
export function traceNodes(trace: readonly TraceEvent[], first: readonly NodeId[] = []): NodeId[] {
  const seen = new Set<NodeId>();
  const out: NodeId[] = [];
  const add = (n: NodeId) => {
    if (!seen.has(n)) {
      seen.add(n);
      out.push(n);
    }
  };
  first.forEach(add);
  for (const e of trace) {
    switch (e.type) {
      case 'send':
      case 'deliver':
      case 'drop':
      case 'link':
        add(e.from);
        add(e.to);
        break;
      case 'partition':
      case 'heal':
        for (const [a, b] of e.cuts) {
          add(a);
          add(b);
        }
        break;
      default:
        add(e.node);
    }
  }
  return out;
}

/**
 * The part of the segment (x0, y0) → (x1, y1) inside lo <= x <= hi, so arrows of messages that
 * cross the edge of a zoomed window stop at the edge instead of running over the margins.
 */
export function clipSegment(
  x0: number, y0: number, x1: number, y1: number, lo: number, hi: number,
): { x0: number; y0: number; x1: number; y1: number; headIn: boolean } | undefined {
  const a = Math.max(x0, lo);
  const b = Math.min(x1, hi);
  if (b < a) return undefined;
  const at = (x: number) => (x1 === x0 ? y0 : y0 + ((y1 - y0) * (x - x0)) / (x1 - x0));
  return { x0: a, y0: at(a), x1: b, y1: at(b), headIn: x1 <= hi };
}

type Points = { x: number[]; y: number[]; text: string[]; color: string[] };
const points = (): Points => ({ x: [], y: [], text: [], color: [] });

export function spaceTimeDiagram(trace: readonly TraceEvent[], opts: SpaceTimeOptions = {}): Figure {
  const lo = opts.from ?? -Infinity;
  const hi = opts.to ?? Infinity;
  const within = (t: number) => t >= lo && t <= hi;
  const bodyChars = opts.bodyChars ?? 80;
  const showTimers = opts.timers ?? true;
  const showDots = opts.dots ?? true;

  const nodes = traceNodes(trace, opts.nodes ?? []);
  const lane = new Map<NodeId, number>(nodes.map((n, i) => [n, i]));
  const color = new Map<NodeId, string>(nodes.map((n, i) => [n, nodeColor(n, i)]));
  const y = (n: NodeId) => lane.get(n) ?? 0;
  const c = (n: NodeId) => color.get(n) ?? COLORS.ink;

  // Time range: everything visible, plus a margin.
  const times: number[] = [];
  for (const e of trace) {
    if (e.type === 'deliver' || e.type === 'drop') {
      if (within(e.time) || within(e.sentAt)) times.push(Math.max(e.sentAt, lo), Math.min(e.time, hi));
    } else if (within(e.time)) times.push(e.time);
  }
  let t0 = times.length ? Math.min(...times) : 0;
  let t1 = times.length ? Math.max(...times) : 1;
  if (Number.isFinite(lo)) t0 = lo;
  if (Number.isFinite(hi)) t1 = hi;
  if (t1 <= t0) t1 = t0 + 1;
  const pad = (t1 - t0) * 0.03;

  const shapes: Array<Partial<Plotly.Shape>> = [];
  const annotations: Array<Partial<Plotly.Annotations>> = [];
  const data: Plotly.Data[] = [];

  // Partitions: a shaded band over the whole height, from partition to the
  // first heal that mends one of its cuts (or to the end of the trace).
  trace.forEach((e, i) => {
    if (e.type !== 'partition') return;
    const keys = new Set(e.cuts.map(([a, b]) => pairKey(a, b)));
    let end = t1 + pad;
    for (let j = i + 1; j < trace.length; j++) {
      const h = trace[j];
      if (h.type === 'heal' && (h.cuts.length === 0 || h.cuts.some(([a, b]) => keys.has(pairKey(a, b))))) {
        end = h.time;
        break;
      }
    }
    if (end < lo || e.time > hi) return;
    const cutText = e.cuts.map(([a, b]) => `${a} ✕ ${b}`).join(', ');
    shapes.push({
      type: 'rect',
      layer: 'below',
      xref: 'x',
      yref: 'paper',
      x0: Math.max(e.time, t0 - pad),
      x1: Math.min(end, t1 + pad),
      y0: 0,
      y1: 1,
      fillcolor: COLORS.partition,
      line: { width: 0 },
    });
    annotations.push({
      xref: 'x',
      yref: 'paper',
      x: Math.max(e.time, t0 - pad),
      y: 1,
      xanchor: 'left',
      yanchor: 'top',
      showarrow: false,
      text: `partition`,
      hovertext: `partition at ${fmt(e.time)}${end <= t1 ? `, healed at ${fmt(end)}` : ', never healed'}<br>${esc(cutText)}`,
      font: { size: 12, color: COLORS.bad },
    });
  });

  // Lanes: a line per node; stretches where the node is down are dotted grey.
  const downSpans = new Map<NodeId, Array<[number, number]>>();
  const pauseSpans: Array<{ node: NodeId; from: number; to: number }> = [];
  {
    const crashedAt = new Map<NodeId, number>();
    const pausedAt = new Map<NodeId, number>();
    for (const e of trace) {
      if (e.type === 'crash') crashedAt.set(e.node, e.time);
      else if (e.type === 'restart' && crashedAt.has(e.node)) {
        const list = downSpans.get(e.node) ?? [];
        list.push([crashedAt.get(e.node)!, e.time]);
        downSpans.set(e.node, list);
        crashedAt.delete(e.node);
      } else if (e.type === 'pause') pausedAt.set(e.node, e.time);
      else if (e.type === 'resume' && pausedAt.has(e.node)) {
        pauseSpans.push({ node: e.node, from: pausedAt.get(e.node)!, to: e.time });
        pausedAt.delete(e.node);
      }
    }
    for (const [n, t] of crashedAt) {
      const list = downSpans.get(n) ?? [];
      list.push([t, t1 + pad]);
      downSpans.set(n, list);
    }
    for (const [n, t] of pausedAt) pauseSpans.push({ node: n, from: t, to: t1 + pad });
  }
  const xa = t0 - pad;
  const xb = t1 + pad;
  for (const n of nodes) {
    const down = (downSpans.get(n) ?? []).map(([a, b]) => [Math.max(a, xa), Math.min(b, xb)] as const).filter(([a, b]) => b > a);
    let cursor = xa;
    for (const [a, b] of down) {
      if (a > cursor) shapes.push(laneLine(cursor, a, y(n), c(n), false));
      shapes.push(laneLine(a, b, y(n), COLORS.muted, true));
      cursor = Math.max(cursor, b);
    }
    if (cursor < xb) shapes.push(laneLine(cursor, xb, y(n), c(n), false));
  }
  for (const p of pauseSpans) {
    if (p.to < lo || p.from > hi) continue;
    shapes.push({
      type: 'rect',
      layer: 'below',
      xref: 'x',
      yref: 'y',
      x0: Math.max(p.from, xa),
      x1: Math.min(p.to, xb),
      y0: y(p.node) - 0.28,
      y1: y(p.node) + 0.28,
      fillcolor: COLORS.pause,
      line: { width: 0 },
    });
    annotations.push({
      xref: 'x',
      yref: 'y',
      x: Math.max(p.from, xa),
      y: y(p.node) - 0.28,
      xanchor: 'left',
      yanchor: 'bottom',
      showarrow: false,
      text: 'paused',
      hovertext: `${esc(p.node)} paused ${fmt(p.from)} → ${p.to <= t1 ? fmt(p.to) : 'end'}`,
      font: { size: 11, color: '#92400E' },
    });
  }

  // Messages.
  const sends = points();
  const delivers = points();
  const drops = points();
  const dropLines: { x: Array<number | null>; y: Array<number | null> } = { x: [], y: [] };
  const flight = points();
  const flightLines: { x: Array<number | null>; y: Array<number | null> } = { x: [], y: [] };
  const labels = points();
  const labelAt = (info: MessageInfo, x0: number, y0: number, x1: number, y1: number) => {
    const text = opts.label?.(info);
    if (text === undefined) return;
    const seg = clipSegment(x0, y0, x1, y1, xa, xb);
    if (!seg) return;
    // A quarter of the way from the sender, left of the arrow: arrows that cross each other (a
    // reordered message) cross further along, so their labels stay apart.
    labels.x.push(seg.x0 + (seg.x1 - seg.x0) * LABEL_AT);
    labels.y.push(seg.y0 + (seg.y1 - seg.y0) * LABEL_AT);
    labels.text.push(esc(text));
    labels.color.push(c(info.from));
  };
  const ended = new Set<number>();
  for (const e of trace) {
    if (e.type !== 'deliver' && e.type !== 'drop') continue;
    ended.add(e.msg);
    if (!(within(e.time) || within(e.sentAt) || (e.sentAt < lo && e.time > hi))) continue;
    const m = e as Msg;
    const ys = y(m.from);
    const yd = y(m.to);
    const head = `<b>#${m.msg}</b> ${esc(m.from)} → ${esc(m.to)}<br>body: ${bodyText(m.body, bodyChars)}`;
    const info: MessageInfo = { msg: m.msg, from: m.from, to: m.to, body: m.body, sentAt: m.sentAt };
    if (m.type === 'deliver') {
      labelAt(info, m.sentAt, ys, m.time, yd);
      const text = `${head}<br>sent ${fmt(m.sentAt)}, delivered ${fmt(m.time)} (took ${fmt(m.time - m.sentAt)})`;
      sends.x.push(m.sentAt);
      sends.y.push(ys);
      sends.text.push(text);
      sends.color.push(c(m.from));
      delivers.x.push(m.time);
      delivers.y.push(yd);
      delivers.text.push(text);
      delivers.color.push(c(m.from));
      const seg = clipSegment(m.sentAt, ys, m.time, yd, xa, xb);
      if (!seg) continue;
      annotations.push({
        xref: 'x',
        yref: 'y',
        axref: 'x',
        ayref: 'y',
        x: seg.x1,
        y: seg.y1,
        ax: seg.x0,
        ay: seg.y0,
        text: '',
        showarrow: true,
        arrowhead: seg.headIn ? 2 : 0,
        arrowsize: 1.3,
        arrowwidth: 1.6,
        arrowcolor: c(m.from),
        standoff: 3,
        startstandoff: 3,
      });
    } else {
      const yEnd = ys === yd ? ys : ys + (yd - ys) * DROP_REACH;
      labelAt(info, m.sentAt, ys, m.time, yEnd);
      const text = `${head}<br>sent ${fmt(m.sentAt)}, <b>dropped</b> ${fmt(m.time)} (${m.reason})`;
      sends.x.push(m.sentAt);
      sends.y.push(ys);
      sends.text.push(text);
      sends.color.push(c(m.from));
      dropLines.x.push(m.sentAt, m.time, null);
      dropLines.y.push(ys, yEnd, null);
      drops.x.push(m.time);
      drops.y.push(yEnd);
      drops.text.push(text);
      drops.color.push(COLORS.bad);
    }
  }
  // Sent but neither delivered nor dropped by the end of the trace: in flight.
  for (const e of trace) {
    if (e.type !== 'send' || ended.has(e.msg) || !within(e.time)) continue;
    ended.add(e.msg);
    const ys = y(e.from);
    const yd = y(e.to);
    const yEnd = ys === yd ? ys : ys + (yd - ys) * DROP_REACH;
    const text = `<b>#${e.msg}</b> ${esc(e.from)} → ${esc(e.to)}<br>body: ${bodyText(e.body, bodyChars)}<br>sent ${fmt(e.time)}, still in flight at the end`;
    sends.x.push(e.time);
    sends.y.push(ys);
    sends.text.push(text);
    sends.color.push(c(e.from));
    flightLines.x.push(e.time, t1, null);
    flightLines.y.push(ys, yEnd, null);
    flight.x.push(t1);
    flight.y.push(yEnd);
    flight.text.push(text);
    flight.color.push(c(e.from));
  }

  const hover = '%{text}<extra></extra>';
  if (dropLines.x.length) {
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: 'dropped (line)',
      showlegend: false,
      hoverinfo: 'skip',
      x: dropLines.x,
      y: dropLines.y,
      line: { color: COLORS.bad, width: 1.6, dash: 'dash' },
    });
  }
  if (flightLines.x.length) {
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: 'in flight (line)',
      showlegend: false,
      hoverinfo: 'skip',
      x: flightLines.x,
      y: flightLines.y,
      line: { color: COLORS.muted, width: 1.5, dash: 'dot' },
    });
  }
  const markerTrace = (name: string, p: Points, marker: Partial<Plotly.PlotMarker>, legend = true): Plotly.Data => ({
    type: 'scatter',
    mode: 'markers',
    name,
    showlegend: legend,
    x: p.x,
    y: p.y,
    text: p.text,
    hovertemplate: hover,
    marker: { color: p.color, ...marker },
  });
  // Without dots the markers stay, invisible, so every message keeps its hover text.
  const dot: Partial<Plotly.PlotMarker> = { size: 7, symbol: 'circle', opacity: showDots ? 1 : 0 };
  if (sends.x.length) data.push(markerTrace(SPACETIME_TRACES.sends, sends, dot, false));
  if (delivers.x.length) data.push(markerTrace(SPACETIME_TRACES.delivers, delivers, dot, showDots));
  if (labels.x.length) {
    data.push({
      type: 'scatter',
      mode: 'text',
      name: SPACETIME_TRACES.labels,
      showlegend: false,
      hoverinfo: 'skip',
      x: labels.x,
      y: labels.y,
      text: labels.text,
      textposition: 'middle left',
      // A halo in the background colour keeps a label legible where an arrow runs under it.
      textfont: { size: 12, color: labels.color, shadow: 'auto' } as Plotly.ScatterData['textfont'],
    });
  }
  if (drops.x.length) {
    data.push(markerTrace(SPACETIME_TRACES.drops, drops, { size: 12, symbol: 'x', line: { width: 1, color: '#7F1D1D' } }));
  }
  if (flight.x.length) data.push(markerTrace(SPACETIME_TRACES.inFlight, flight, { size: 9, symbol: 'circle-open' }));

  // Node events.
  const crashes = points();
  const restarts = points();
  const notes = points();
  const timers = points();
  const links = points();
  const clocks = points();
  for (const e of trace) {
    if (!within(e.time)) continue;
    switch (e.type) {
      case 'crash':
        crashes.x.push(e.time);
        crashes.y.push(y(e.node));
        crashes.text.push(`<b>${esc(e.node)} crashed</b> at ${fmt(e.time)}`);
        crashes.color.push('#111827');
        break;
      case 'restart':
        restarts.x.push(e.time);
        restarts.y.push(y(e.node));
        restarts.text.push(`<b>${esc(e.node)} restarted</b> at ${fmt(e.time)}`);
        restarts.color.push(COLORS.ok);
        break;
      case 'note':
        notes.x.push(e.time);
        notes.y.push(y(e.node));
        notes.text.push(`<b>${esc(e.node)}</b> at ${fmt(e.time)}:<br>${esc(e.text)}`);
        notes.color.push('#6D28D9');
        break;
      case 'timer':
        timers.x.push(e.time);
        timers.y.push(y(e.node));
        timers.text.push(`<b>${esc(e.node)}</b> timer <i>${esc(e.label)}</i> at ${fmt(e.time)}${e.late > 0 ? ` (late by ${fmt(e.late)})` : ''}`);
        timers.color.push(c(e.node));
        break;
      case 'link':
        links.x.push(e.time);
        links.y.push(y(e.from));
        links.text.push(`link ${esc(e.from)} → ${esc(e.to)}: ${esc(e.change)} at ${fmt(e.time)}`);
        links.color.push(COLORS.muted);
        break;
      case 'clock':
        clocks.x.push(e.time);
        clocks.y.push(y(e.node));
        clocks.text.push(`<b>${esc(e.node)}</b> clock ${esc(e.change)} at ${fmt(e.time)}<br>offset from true time now ${fmt(e.offset)}`);
        clocks.color.push(COLORS.muted);
        break;
      default:
        break;
    }
  }
  if (clocks.x.length) data.push(markerTrace(SPACETIME_TRACES.clocks, clocks, { size: 11, symbol: 'circle-cross-open', line: { width: 1.5 } }));
  if (crashes.x.length) {
    data.push(markerTrace(SPACETIME_TRACES.crashes, crashes, { size: 15, symbol: 'square-x-open', line: { width: 2.5, color: '#111827' } }));
  }
  if (restarts.x.length) {
    data.push(markerTrace(SPACETIME_TRACES.restarts, restarts, { size: 13, symbol: 'triangle-right', line: { width: 1, color: '#065F46' } }));
  }
  if (showTimers && timers.x.length) {
    data.push(markerTrace(SPACETIME_TRACES.timers, timers, { size: 9, symbol: 'diamond-open', line: { width: 1.5 } }));
  }
  if (notes.x.length) {
    data.push(markerTrace(SPACETIME_TRACES.notes, notes, { size: 10, symbol: 'star', line: { width: 0.5, color: '#FFFFFF' } }));
  }
  if ((opts.links ?? true) && links.x.length) data.push(markerTrace(SPACETIME_TRACES.links, links, { size: 9, symbol: 'hourglass' }));

  // An always-present, invisible trace so the lane axis exists even for an
  // empty trace and Plotly keeps the category range stable.
  data.unshift({
    type: 'scatter',
    mode: 'markers',
    name: 'lanes',
    showlegend: false,
    hoverinfo: 'skip',
    x: nodes.map(() => t0),
    y: nodes.map((_, i) => i),
    marker: { opacity: 0, size: 1 },
  });

  const height = opts.height ?? Math.max(300, 150 + 80 * nodes.length);
  const layout: Partial<Plotly.Layout> = {
    title: { text: opts.title ?? 'Space-time diagram', x: 0, xanchor: 'left', pad: { l: 10 } },
    height,
    margin: { l: 90, r: 30, t: 90, b: 60 },
    showlegend: true,
    legend: { orientation: 'h', x: 0, xanchor: 'left', y: 1.0, yanchor: 'bottom' },
    xaxis: {
      title: { text: 'virtual time (ms)' },
      range: [xa, xb],
      zeroline: false,
      showgrid: true,
    },
    yaxis: {
      range: [nodes.length - 0.5, -0.5],
      tickmode: 'array',
      tickvals: nodes.map((_, i) => i),
      ticktext: nodes.map((n) => `<b><span style="color:${c(n)}">${esc(n)}</span></b>`),
      tickfont: { size: 15 },
      showgrid: false,
      zeroline: false,
      ticks: '',
      fixedrange: true,
    },
    shapes,
    annotations,
  };
  return opts.steps ? withSteps({ data, layout }, trace, nodes, { from: xa, to: xb }, opts.steps) : { data, layout };
}

function laneLine(x0: number, x1: number, yv: number, color: string, down: boolean): Partial<Plotly.Shape> {
  return {
    type: 'line',
    layer: 'below',
    xref: 'x',
    yref: 'y',
    x0,
    x1,
    y0: yv,
    y1: yv,
    line: { color, width: down ? 2 : 2.5, dash: down ? 'dot' : 'solid' },
  };
}
