// The prose-drift check (scripts/prose-numbers.ts) on small hand-made notebooks:
// which numbers it reads from prose, and that a changed output fails it.
import { describe, expect, test } from 'vitest';
import { drifts, inOutputs, type Notebook, proseNumbers } from '../../scripts/prose-numbers';

const md = (source: string) => ({ cell_type: 'markdown', source });
const code = (source: string, ...lines: string[]) => ({
  cell_type: 'code',
  source,
  outputs: lines.map((text) => ({ output_type: 'stream', name: 'stdout', text: `${text}\n` })),
});
const chart = (fig: unknown) => ({
  cell_type: 'code',
  source: 'show(fig);',
  outputs: [{ output_type: 'display_data', data: { 'application/vnd.plotly.v1+json': fig, 'text/plain': '[chart]' } }],
});
const quoted = (s: string) => proseNumbers(s).map((p) => `${p.text}${p.percent ? '%' : ''}`);

describe('which numbers the prose quotes', () => {
  test('does it read plain numbers, decimals, thousands and percentages?', () => {
    expect(quoted('The monitor suspects 95.4 times an hour; 1,392 of 2,000 frames (70%) and 14 ms.')).toEqual([
      '95.4',
      '1,392',
      '2,000',
      '70%',
      '14',
    ]);
  });

  test('does it skip what cannot be a result: headings, code, math, links, years, lists, names with digits?', () => {
    const cell = [
      '## 3. Timeouts in 2024',
      '1. `timeout: 250` and $3f + 1$ nodes, see [01 · Partial failures](01-partial-failures.ipynb)',
      'n2 and G3 run OM(1) with 3f replicas; lesson 8 and lessons 02 and 03; seed 5; M/M/1; 1/3 of them',
      '<!-- not from a run: 17 -->',
    ].join('\n');
    expect(quoted(cell)).toEqual([]);
  });

  test('does a hedged round number stand for its order of magnitude only?', () => {
    const [about] = proseNumbers('about 200 losses');
    const [exact] = proseNumbers('200 losses');
    expect(inOutputs(about!, [197])).toBe(true);
    expect(inOutputs(exact!, [197])).toBe(false);
    expect(inOutputs(about!, [260])).toBe(false);
  });

  test('does a number match an output rounded to the prose precision, and a percentage its fraction?', () => {
    const [p] = proseNumbers('10.1 ms');
    expect(inOutputs(p!, [10.1])).toBe(true);
    expect(inOutputs(p!, [10.14])).toBe(true);
    expect(inOutputs(p!, [10.16])).toBe(false);
    const [pct] = proseNumbers('15.9% dropped');
    expect(inOutputs(pct!, [0.1592])).toBe(true);
    expect(inOutputs(pct!, [0.161])).toBe(false);
  });
});

describe('drift between prose and outputs', () => {
  const lesson = (printed: string): Notebook => ({
    cells: [
      code("const r = run({ seed: 3, timeout: 250 });\nconsole.log(r);\npredict('03/x', 42);", printed),
      md('With a 250 ms timeout the monitor is wrong **95.4** times an hour, in 20 runs.'),
    ],
  });

  test('does prose that matches the output, with inputs from the code, pass?', () => {
    expect(drifts(lesson('95.4 false suspicions/h in 20 runs'), 'x.ipynb')).toEqual([]);
  });

  test('does a changed simulator output fail, naming the cell and the number?', () => {
    const found = drifts(lesson('96.0 false suspicions/h in 20 runs'), 'x.ipynb');
    expect(found.map((d) => [d.notebook, d.cell, d.text])).toEqual([['x.ipynb', 1, '95.4']]);
    expect(found[0]!.context).toMatch(/wrong \*\*95\.4\*\* times/);
  });

  test("is a student's guess neither an input nor a result?", () => {
    const nb: Notebook = {
      cells: [code("predict('03/x', 42);", 'Prediction 03/x recorded: 42. Now run the experiment.'), md('It gave 42.')],
    };
    expect(drifts(nb, 'x.ipynb').map((d) => d.text)).toEqual(['42']);
  });

  test('does a "not from a run" mark exempt only the values it lists (20% covers 20), in its own cell?', () => {
    const nb: Notebook = {
      cells: [
        code('run();', 'done'),
        md('Each trip loses 20%, so 0.8 × 0.8 = 64% complete, 13 of 20, 21 in all.\n<!-- not from a run: 20%, 0.8, 64% -->'),
        md('64% again'),
      ],
    };
    expect(drifts(nb, 'x.ipynb').map((d) => `${d.cell}:${d.text}`)).toEqual(['1:13', '1:21', '2:64']);
  });

  test('is a number "on a chart" checked against the chart coordinates, and only those it lists?', () => {
    const fig = { data: [{ x: [926.6, 950.2], y: [1, 2], name: 'replica3' }], layout: { title: { text: 'run' } } };
    const read = (prose: string) => drifts({ cells: [chart(fig), md(prose)] }, 'x.ipynb').map((d) => d.text);
    expect(read('It steps down at t = 926.6.')).toEqual(['926.6']); // coordinates alone prove nothing
    expect(read('It steps down at t = 926.6.\n<!-- on a chart: 926.6 -->')).toEqual([]);
    expect(read('It steps down at t = 927.5.\n<!-- on a chart: 927.5 -->')).toEqual(['927.5']);
  });
});
