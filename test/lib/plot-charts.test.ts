// The lesson charts of lib/plot: what each figure contains, checked as data.
import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../../lib/core/trace';
import {
  clipSegment,
  COLORS,
  figureBundle,
  lastNote,
  leaderTimeline,
  recolor,
  SPACETIME_TRACES,
  smallMultiples,
  spaceTimeDiagram,
  STEP_TRACES,
  stepTimes,
  verdictGrid,
  withInset,
  withMarks,
  type Figure,
} from '../../lib/plot';

type Any = Record<string, any>;
const byName = (fig: Figure, name: string) => fig.data.find((d) => (d as Any).name === name) as Any | undefined;

// A client sends two numbered messages; the second crosses the right edge of a window ending at 20.
const trace: TraceEvent[] = [
  { type: 'send', time: 0, msg: 1, from: 'client', to: 'server', body: { seq: 1 }, copy: false },
  { type: 'deliver', time: 4, msg: 1, from: 'client', to: 'server', body: { seq: 1 }, sentAt: 0 },
  { type: 'note', time: 4, node: 'server', text: 'leader term=1' },
  { type: 'send', time: 10, msg: 2, from: 'client', to: 'server', body: { seq: 2 }, copy: false },
  { type: 'note', time: 12, node: 'client', text: 'follower term=1' },
  { type: 'deliver', time: 30, msg: 2, from: 'client', to: 'server', body: { seq: 2 }, sentAt: 10 },
  { type: 'note', time: 30, node: 'server', text: 'leader term=2' },
];

describe('spaceTimeDiagram labels, dots and clipping', () => {
  it('does a label sit a quarter along each arrow, with the text the caller chose?', () => {
    const fig = spaceTimeDiagram(trace, { label: (m) => `#${(m.body as { seq: number }).seq}` });
    const labels = byName(fig, SPACETIME_TRACES.labels)!;
    expect(labels.text).toEqual(['#1', '#2']);
    expect(labels.x).toEqual([1, 15]);
    expect(labels.y).toEqual([0.25, 0.25]);
  });

  it('does a diagram without a label function have no label trace?', () => {
    expect(byName(spaceTimeDiagram(trace), SPACETIME_TRACES.labels)).toBeUndefined();
  });

  it('are dots hidden but still hoverable with dots: false?', () => {
    const fig = spaceTimeDiagram(trace, { dots: false });
    const delivered = byName(fig, SPACETIME_TRACES.delivers)!;
    expect(delivered.marker.opacity).toBe(0);
    expect(delivered.hovertemplate).toContain('%{text}');
    expect(delivered.showlegend).toBe(false);
  });

  it('does an arrow that leaves a zoomed window stop at its edge, without a head?', () => {
    const fig = spaceTimeDiagram(trace, { from: 0, to: 20 });
    const arrows = (fig.layout!.annotations ?? []).filter((a) => a.showarrow);
    const [xa, xb] = fig.layout!.xaxis!.range as number[];
    for (const a of arrows) {
      for (const x of [a.x as number, a.ax as number]) expect(x).toBeGreaterThanOrEqual(xa), expect(x).toBeLessThanOrEqual(xb);
    }
    const cut = arrows.find((a) => a.ax === 10)!;
    expect(cut.x).toBe(xb);
    expect(cut.arrowhead).toBe(0);
    expect(arrows.find((a) => a.ax === 0)!.arrowhead).toBe(2);
  });

  it('does clipSegment interpolate the lane position at the edge, and drop segments outside?', () => {
    expect(clipSegment(0, 0, 10, 1, 5, 20)).toEqual({ x0: 5, y0: 0.5, x1: 10, y1: 1, headIn: true });
    expect(clipSegment(0, 0, 10, 1, 11, 20)).toBeUndefined();
  });
});

describe('stepping through a space-time diagram', () => {
  const fig = spaceTimeDiagram(trace, { nodes: ['client', 'server'], steps: { state: lastNote(/term=/) } });

  it('is there one step per distinct event time, in order?', () => {
    expect(stepTimes(trace, 0, 100, 150)).toEqual([0, 4, 10, 12, 30]);
    expect(fig.frames!.map((f) => f.name)).toEqual(['step 0', 'step 1', 'step 2', 'step 3', 'step 4']);
    const steps = (fig.layout as Any).sliders[0].steps;
    expect(steps.map((s: Any) => s.args[0][0])).toEqual(fig.frames!.map((f) => f.name));
  });

  it('are steps thinned evenly, keeping the last, when there are too many?', () => {
    expect(stepTimes(trace, 0, 100, 2)).toEqual([10, 30]);
  });

  it("does each frame move the cursor and show each node's state as the state function says?", () => {
    const cursor = fig.data.findIndex((d) => (d as Any).name === STEP_TRACES.cursor);
    const state = fig.data.findIndex((d) => (d as Any).name === STEP_TRACES.state);
    const texts = fig.frames!.map((f) => {
      expect(f.traces).toEqual([cursor, state]);
      return ((f.data as Any[])[1].text as string[]).slice(1);
    });
    expect(texts[0]).toEqual(['<b>client</b>: –', '<b>server</b>: –']);
    expect(texts[1]).toEqual(['<b>client</b>: –', '<b>server</b>: leader term=1']);
    expect(texts[4]).toEqual(['<b>client</b>: follower term=1', '<b>server</b>: leader term=2']);
    expect(fig.frames!.map((f) => (f.data as Any[])[0].x[0])).toEqual([0, 4, 10, 12, 30]);
  });

  it('does the play button animate all frames from the current one?', () => {
    const play = (fig.layout as Any).updatemenus[0].buttons[0];
    expect(play.method).toBe('animate');
    expect(play.args[0]).toBeNull();
    expect(play.args[1].fromcurrent).toBe(true);
  });

  it('does the stored output keep the frames for the browser?', () => {
    const bundle = figureBundle(fig, { includePlotly: false, id: 'st' });
    expect(bundle['application/vnd.plotly.v1+json'].frames).toHaveLength(5);
    expect(bundle['text/html']).toContain('"frames":[{"name":"step 0"');
  });
});

describe('marks, colours, timelines, grids and panels', () => {
  const base: Figure = {
    data: [
      { type: 'scatter', name: 'a', x: [0], y: [1] },
      { type: 'scatter', name: 'capacity', x: [0], y: [2] },
    ],
  };

  it('does recolor colour traces by position and dash the reference line, leaving the input alone?', () => {
    const out = recolor(base, ['#111111', '#222222'], { dashed: 'capacity' }).data as Any[];
    expect(out[0].line.color).toBe('#111111');
    expect(out[0].marker.color).toBe('#111111');
    expect(out[1].line).toMatchObject({ dash: 'dash', color: COLORS.muted });
    expect((base.data[0] as Any).line).toBeUndefined();
  });

  it('does withMarks add a shaded band and a dotted line, each labelled?', () => {
    const out = withMarks(base, [{ from: 2000, to: 2300, label: 'paused' }], [{ at: 4000, label: 'crash' }]);
    expect(out.layout!.shapes!.map((s) => s.type)).toEqual(['rect', 'line']);
    expect(out.layout!.shapes![0]).toMatchObject({ x0: 2000, x1: 2300, yref: 'paper', layer: 'below' });
    expect(out.layout!.annotations!.map((a) => [a.text, a.x])).toEqual([
      ['paused', 2150],
      ['crash', 4000],
    ]);
  });

  it('does leaderTimeline give a bar per span, one legend entry per term, and a row per node?', () => {
    const fig = leaderTimeline(
      [
        { node: 'n2', term: 1, from: 180, to: 1600 },
        { node: 'n5', term: 2, from: 1143, to: 2000 },
        { node: 'n5', term: 2, from: 2100, to: 2200 },
      ],
      { nodes: ['n1', 'n2', 'n5'], end: 2000, bands: [{ from: 1000, to: 1600, label: 'n2 paused' }] },
    );
    const bars = fig.data.slice(1) as Any[];
    expect(bars.map((b) => b.x)).toEqual([[180, 1600], [1143, 2000], [2100, 2200]]);
    expect(bars.map((b) => b.showlegend)).toEqual([true, true, false]);
    expect(bars[1].line.color).toBe(bars[2].line.color);
    expect(bars[0].line.color).not.toBe(bars[1].line.color);
    expect((fig.layout!.yaxis as Any).categoryarray).toEqual(['n5', 'n2', 'n1']);
    expect(fig.layout!.shapes).toHaveLength(1);
  });

  it('does verdictGrid put passes at 1, failures at 0, with rows in order and columns sorted?', () => {
    const fig = verdictGrid([
      { row: 'one writer', column: 2, ok: false, text: 'two writers at t=5' },
      { row: 'one writer', column: 1, ok: true },
      { row: 'tokens', column: 1, ok: true },
    ]);
    const h = fig.data[0] as Any;
    expect(h.y).toEqual(['one writer', 'tokens']);
    expect(h.x).toEqual([1, 2]);
    expect(h.z).toEqual([
      [1, 0],
      [1, null],
    ]);
    expect(h.text[0]).toEqual(['passed', 'two writers at t=5']);
  });

  it('does smallMultiples give each panel its own axes, stacked without overlap, sharing x and y?', () => {
    const fig = smallMultiples([
      { title: 'A', series: [{ x: [0, 1], y: [0, 5] }, { x: [0, 1], y: [1, 1], style: 'line', dash: true }] },
      { title: 'B', series: [{ x: [0, 1], y: [-3, 2] }] },
    ]);
    expect(fig.data.map((d) => [(d as Any).xaxis, (d as Any).yaxis])).toEqual([
      ['x', 'y'],
      ['x', 'y'],
      ['x2', 'y2'],
    ]);
    const l = fig.layout as Any;
    expect(l.xaxis2.matches).toBe('x');
    expect(l.yaxis.domain[0]).toBeGreaterThan(l.yaxis2.domain[1]);
    expect(l.yaxis.range).toEqual(l.yaxis2.range);
    expect((fig.data[1] as Any).line.dash).toBe('dot');
  });
});

describe('withInset', () => {
  it('does the inset redraw every trace on x2/y2 and move labels of points inside the box there?', () => {
    const fig: Figure = {
      data: [{ type: 'scatter', name: 's', x: [100, 150, 900], y: [120, 100, 0], text: ['a', 'b', 'c'] }],
    };
    const out = withInset(fig, { x: [90, 160], y: [90, 130] });
    const [main, zoom] = out.data as Any[];
    expect(main.text).toEqual(['', '', 'c']);
    expect(zoom).toMatchObject({ xaxis: 'x2', yaxis: 'y2', showlegend: false, text: ['a', 'b', 'c'] });
    expect((out.layout as Any).xaxis2.range).toEqual([90, 160]);
    // The copy keeps the colour of the original, not the next one of the colorway.
    expect(zoom.line.color).toBe(main.line.color);
    expect(main.line.color).toBe('#0072B2');
    expect(out.layout!.shapes![0]).toMatchObject({ x0: 90, x1: 160, y0: 90, y1: 130, xref: 'x' });
  });
});
