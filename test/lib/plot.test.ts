import { describe, expect, it, vi } from 'vitest';
import type { TraceEvent } from '../../lib/core/trace';
import {
  barChart,
  escapeScript,
  figureBundle,
  histogramChart,
  lineChart,
  PLOTLY_MIME,
  plotlySource,
  resolveFigure,
  scatterChart,
  show,
  SPACETIME_TRACES,
  spaceTimeDiagram,
  type Figure,
} from '../../lib/plot';

const FAKE_PLOTLY = 'window.Plotly = { newPlot: function () {} }; /* FAKE-PLOTLY */';

const fig: Figure = {
  data: [{ type: 'scatter', x: [1, 2], y: [3, 4], name: '</script><script>alert(1)</script>' }],
  layout: { title: { text: 'Evil </SCRIPT> <!-- title' } },
};

/** Text of every <script> element in `html`, as an HTML parser would cut it. */
function scriptBodies(html: string): string[] {
  const out: string[] = [];
  const re = /<script\b[^>]*>([\s\S]*?)<\/script/gi;
  let m: RegExpExecArray | null;
  while ((m = re.exec(html))) out.push(m[1]);
  return out;
}

describe('figureBundle', () => {
  it('has the three MIME types', () => {
    const b = figureBundle(fig, { includePlotly: false, id: 'p1' });
    expect(Object.keys(b).sort()).toEqual(['application/vnd.plotly.v1+json', 'text/html', 'text/plain']);
    expect(b['text/plain']).toBe('[chart] Evil </SCRIPT> <!-- title (1 trace)');
    expect(b['text/plain']).not.toContain('\n');
    const json = b[PLOTLY_MIME];
    expect(json.data).toHaveLength(1);
    expect(json.layout.font).toBeDefined(); // theme applied
    expect(json.config.displaylogo).toBe(false);
    expect(b['text/html']).toContain('id="p1"');
    expect(b['text/html']).toContain('faultline-plot-fallback');
    expect(b['text/html']).toContain('needs JavaScript');
  });

  it('inlines plotly only when asked', () => {
    const without = figureBundle(fig, { includePlotly: false, id: 'p1', plotlySource: FAKE_PLOTLY });
    const withIt = figureBundle(fig, { includePlotly: true, id: 'p1', plotlySource: FAKE_PLOTLY });
    expect(without['text/html']).not.toContain('FAKE-PLOTLY');
    expect(withIt['text/html']).toContain('FAKE-PLOTLY');
    expect(withIt['text/html'].indexOf('FAKE-PLOTLY')).toBeLessThan(withIt['text/html'].indexOf('id="p1"'));
    // The figure JSON is in the page either way.
    expect(without['text/html']).toContain('newPlot');
  });

  it('lets no raw </script> or <!-- escape from data', () => {
    const b = figureBundle(fig, { includePlotly: false, id: 'p1' });
    const html = b['text/html'];
    // The HTML parser sees exactly one script: the draw script.
    const bodies = scriptBodies(html);
    expect(bodies).toHaveLength(1);
    expect(html.match(/<\/script/gi)).toHaveLength(1);
    expect(html).not.toContain('<!--');
    expect(html).not.toMatch(/<script>alert/i);
    // The embedded JSON still decodes to the original strings.
    const m = /var fig = (.*);\n/.exec(bodies[0]);
    expect(m).not.toBeNull();
    const decoded = JSON.parse(m![1]) as { data: Array<{ name: string }>; layout: { title: { text: string } } };
    expect(decoded.data[0].name).toBe('</script><script>alert(1)</script>');
    expect(decoded.layout.title.text).toBe('Evil </SCRIPT> <!-- title');
    // And the draw script is valid JavaScript.
    expect(() => new Function(bodies[0])).not.toThrow();
  });

  it('escapes the real plotly bundle so it stays one script', () => {
    const src = plotlySource();
    expect(src.length).toBeGreaterThan(1_000_000);
    const b = figureBundle(fig, { includePlotly: true, id: 'p1' });
    const bodies = scriptBodies(b['text/html']);
    expect(bodies).toHaveLength(2);
    expect(bodies[0].length).toBeGreaterThan(src.length - 10);
    expect(escapeScript('"</script>" "<!--" /<\\/script/')).toBe('"\\x3C/script>" "\\x3C!--" /<\\/script/');
  });

  it('normalises string titles and keeps the figure unmutated', () => {
    const f: Figure = { data: [], layout: { title: 'plain' } as unknown as Figure['layout'] };
    const r = resolveFigure(f);
    expect(r.layout.title).toEqual({ text: 'plain' });
    expect(f.layout!.title).toBe('plain');
  });
});

describe('show outside a kernel', () => {
  it('does not throw and prints a note', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    expect(() => show(fig)).not.toThrow();
    expect(log).toHaveBeenCalledWith(expect.stringContaining('not displayed'));
    log.mockRestore();
  });
});

const trace: TraceEvent[] = [
  { type: 'send', time: 0, msg: 1, from: 'client', to: 'server', body: { op: 'get', key: 'x' }, copy: false },
  { type: 'deliver', time: 2, msg: 1, from: 'client', to: 'server', body: { op: 'get', key: 'x' }, sentAt: 0 },
  { type: 'send', time: 2.5, msg: 2, from: 'server', to: 'client', body: { ok: 1 }, copy: false },
  { type: 'send', time: 3, msg: 3, from: 'server', to: 'replica', body: { op: 'copy' }, copy: false },
  { type: 'drop', time: 4, msg: 2, from: 'server', to: 'client', body: { ok: 1 }, sentAt: 2.5, reason: 'loss' },
  { type: 'partition', time: 5, cuts: [['server', 'replica']] },
  { type: 'drop', time: 5, msg: 3, from: 'server', to: 'replica', body: { op: 'copy' }, sentAt: 3, reason: 'partition' },
  { type: 'note', time: 5.5, node: 'client', text: 'no reply: <retry>' },
  { type: 'timer', time: 6, node: 'client', label: 'retry', late: 0 },
  { type: 'send', time: 6, msg: 4, from: 'client', to: 'server', body: { op: 'get', key: 'x' }, copy: false },
  { type: 'crash', time: 6.5, node: 'replica' },
  { type: 'pause', time: 7, node: 'server' },
  { type: 'resume', time: 9, node: 'server' },
  { type: 'deliver', time: 9, msg: 4, from: 'client', to: 'server', body: { op: 'get', key: 'x' }, sentAt: 6 },
  { type: 'heal', time: 10, cuts: [['server', 'replica']] },
  { type: 'restart', time: 11, node: 'replica' },
  { type: 'send', time: 11, msg: 5, from: 'server', to: 'client', body: { ok: 1 }, copy: false },
  { type: 'deliver', time: 12, msg: 5, from: 'server', to: 'client', body: { ok: 1 }, sentAt: 11 },
];

type Tr = { name?: string; x?: unknown[]; y?: unknown[]; marker?: { symbol?: string } };

describe('spaceTimeDiagram', () => {
  const f = spaceTimeDiagram(trace, { title: 'Lost reply' });
  const traces = f.data as Tr[];
  const byName = (n: string) => traces.find((t) => t.name === n);

  it('has one lane per node, in order of first appearance', () => {
    const y = f.layout!.yaxis!;
    expect(y.tickvals).toEqual([0, 1, 2]);
    expect((y.ticktext as string[]).map((s) => s.replace(/<[^>]*>/g, ''))).toEqual(['client', 'server', 'replica']);
    const lanes = (f.layout!.shapes ?? []).filter((s) => s.type === 'line');
    expect(new Set(lanes.map((s) => s.y0))).toEqual(new Set([0, 1, 2]));
  });

  it('honours opts.nodes', () => {
    const g = spaceTimeDiagram(trace, { nodes: ['replica', 'server'] });
    expect((g.layout!.yaxis!.ticktext as string[]).map((s) => s.replace(/<[^>]*>/g, ''))).toEqual(['replica', 'server', 'client']);
  });

  it('draws one arrow per delivered message, from (sentAt, from) to (time, to)', () => {
    const arrows = (f.layout!.annotations ?? []).filter((a) => a.showarrow);
    expect(arrows).toHaveLength(3);
    expect(arrows[0]).toMatchObject({ ax: 0, ay: 0, x: 2, y: 1 });
    expect(arrows[2]).toMatchObject({ ax: 11, ay: 1, x: 12, y: 0 });
  });

  it('marks each dropped message with an x at its drop time, partway', () => {
    const drops = byName(SPACETIME_TRACES.drops)!;
    expect(drops.marker!.symbol).toBe('x');
    expect(drops.x).toEqual([4, 5]);
    const ys = drops.y as number[];
    expect(ys[0]).toBeGreaterThan(0);
    expect(ys[0]).toBeLessThan(1); // server(1) -> client(0), ends between
    expect(ys[1]).toBeGreaterThan(1);
    expect(ys[1]).toBeLessThan(2);
    const line = byName('dropped (line)') as unknown as { line: { dash: string } };
    expect(line.line.dash).toBe('dash');
  });

  it('shows crash, restart, note, pause and partition', () => {
    expect(byName(SPACETIME_TRACES.crashes)!.x).toEqual([6.5]);
    expect(byName(SPACETIME_TRACES.restarts)!.x).toEqual([11]);
    const note = byName(SPACETIME_TRACES.notes) as Tr & { text: string[] };
    expect(note.text[0]).toContain('no reply: &lt;retry&gt;');
    const rects = (f.layout!.shapes ?? []).filter((s) => s.type === 'rect');
    expect(rects.find((r) => r.yref === 'paper')).toMatchObject({ x0: 5, x1: 10 }); // partition band
    expect(rects.find((r) => r.yref === 'y')).toMatchObject({ x0: 7, x1: 9 }); // pause span
    // replica is down (dotted) between crash and restart
    const dotted = (f.layout!.shapes ?? []).filter((s) => s.type === 'line' && s.line?.dash === 'dot');
    expect(dotted).toHaveLength(1);
    expect(dotted[0]).toMatchObject({ x0: 6.5, x1: 11, y0: 2 });
  });

  it('puts message body, id and times in the hover text', () => {
    const d = byName(SPACETIME_TRACES.delivers) as Tr & { text: string[] };
    expect(d.text[0]).toContain('#1');
    expect(d.text[0]).toContain('{"op":"get","key":"x"}');
    expect(d.text[0]).toContain('sent 0 ms, delivered 2 ms');
  });

  it('is deterministic and JSON-safe', () => {
    expect(JSON.stringify(spaceTimeDiagram(trace, { title: 'Lost reply' }))).toBe(JSON.stringify(f));
    expect(() => spaceTimeDiagram([])).not.toThrow();
  });
});

describe('chart builders', () => {
  it('build plain figures', () => {
    expect(lineChart([{ y: [1, 2, 3], name: 'a' }, { x: [0, 1], y: [2, 2] }], { title: 'T', step: true }).data).toHaveLength(2);
    expect(scatterChart({ x: [1], y: [2] }).data[0]).toMatchObject({ mode: 'markers', x: [1], y: [2] });
    expect(histogramChart({ a: [1, 2], b: [3] }, { binSize: 1 }).data).toHaveLength(2);
    expect(histogramChart([1, 2, 3]).layout!.showlegend).toBe(false);
    expect(barChart(['ok', 'timeout'], [9, 1]).data[0]).toMatchObject({ type: 'bar' });
  });
});
