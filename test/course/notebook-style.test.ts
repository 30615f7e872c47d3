// Code cells are printed whole in the HTML export only if their lines fit: no line of a
// notebook's code cell may be longer than 100 columns.
import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, test } from 'vitest';

const MAX_COLUMNS = 100;
const notebooksDir = path.resolve(__dirname, '..', '..', 'notebooks');
const notebookFiles = fs.readdirSync(notebooksDir).filter((name) => name.endsWith('.ipynb')).sort();

type Cell = { cell_type?: string; source?: string | string[] };

/** Every code line over MAX_COLUMNS in a notebook, as "cell N, line M (K columns): text". */
function longCodeLines(notebook: { cells?: Cell[] }): string[] {
  const out: string[] = [];
  (notebook.cells ?? []).forEach((cell, c) => {
    if (cell.cell_type !== 'code') return;
    const text = Array.isArray(cell.source) ? cell.source.join('') : (cell.source ?? '');
    text.split('\n').forEach((line, l) => {
      // Columns as the reader sees them: count code points, not UTF-16 units.
      const columns = [...line].length;
      if (columns > MAX_COLUMNS) out.push(`cell ${c + 1}, line ${l + 1} (${columns} columns): ${line.trim().slice(0, 60)}`);
    });
  });
  return out;
}

describe('notebook code style', () => {
  test('does the check catch a long line, and pass short ones and markdown?', () => {
    const long = 'x'.repeat(MAX_COLUMNS + 1);
    expect(longCodeLines({ cells: [{ cell_type: 'code', source: ['ok\n', long] }] })).toHaveLength(1);
    expect(longCodeLines({ cells: [{ cell_type: 'code', source: 'y'.repeat(MAX_COLUMNS) }] })).toEqual([]);
    expect(longCodeLines({ cells: [{ cell_type: 'markdown', source: long }] })).toEqual([]);
  });

  test.each(notebookFiles)(`does every code line of %s fit in ${MAX_COLUMNS} columns?`, (file) => {
    const notebook = JSON.parse(fs.readFileSync(path.join(notebooksDir, file), 'utf8'));
    expect(longCodeLines(notebook), `${file}: reflow these lines`).toEqual([]);
  });
});
