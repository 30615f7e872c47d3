// Pass/fail grids: one row per check, one column per run (seed), a green cell
// where the check passed and a red one where it failed.
import type * as Plotly from 'plotly.js';
import { COLORS, type Figure } from './figure';

/** One cell: did check `row` pass on run `column`; `text` says why not (hover). */
export type VerdictCell = { row: string; column: number; ok: boolean; text?: string };

export type GridOptions = { title?: string; columnTitle?: string; rowTitle?: string; height?: number };

/** Rows in order of first appearance, columns sorted; a missing cell stays blank. */
export function verdictGrid(cells: readonly VerdictCell[], opts: GridOptions = {}): Figure {
  const rows = [...new Set(cells.map((c) => c.row))];
  const columns = [...new Set(cells.map((c) => c.column))].sort((a, b) => a - b);
  const at = new Map(cells.map((c) => [`${c.row}\u0000${c.column}`, c]));
  const cell = (r: string, k: number) => at.get(`${r}\u0000${k}`);
  const heatmap = {
    type: 'heatmap',
    x: columns,
    y: rows,
    z: rows.map((r) => columns.map((k) => (cell(r, k) === undefined ? null : cell(r, k)!.ok ? 1 : 0))),
    zmin: 0,
    zmax: 1,
    // Two flat colours: 0 (failed) red, 1 (passed) green, nothing in between.
    colorscale: [
      [0, COLORS.bad],
      [0.5, COLORS.bad],
      [0.5, COLORS.ok],
      [1, COLORS.ok],
    ],
    showscale: false,
    xgap: 2,
    ygap: 2,
    text: rows.map((r) => columns.map((k) => cell(r, k)?.text ?? (cell(r, k)?.ok ? 'passed' : 'failed'))),
    hoverinfo: 'x+y+text',
  } as unknown as Plotly.Data;
  return {
    data: [heatmap],
    layout: {
      ...(opts.title !== undefined ? { title: { text: opts.title, x: 0, xanchor: 'left' as const } } : {}),
      height: opts.height ?? 140 + 30 * rows.length,
      xaxis: { title: { text: opts.columnTitle ?? 'seed' }, dtick: 5 },
      yaxis: { title: { text: opts.rowTitle ?? 'checker' }, autorange: 'reversed' },
    },
  };
}
