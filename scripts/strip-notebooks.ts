// npm run strip-notebooks [-- [--check] [NOTEBOOK.ipynb ...]]
//
// Removes outputs, execution counts and nbclient timing metadata from
// notebooks in place (default: every notebooks/*.ipynb), so the committed
// lessons stay clean (test/course/notebooks.test.ts checks this).
// With --check nothing is written; exits 1 when a notebook would change.
// Notebooks are written the way Jupyter writes them (keys sorted, indent 1,
// trailing newline), and only when something changed.

import * as fs from 'fs';
import * as path from 'path';

const projectRoot = path.resolve(__dirname, '..');

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface Cell {
  cell_type?: string;
  metadata?: Record<string, Json>;
  outputs?: Json[];
  execution_count?: number | null;
  [key: string]: Json | undefined;
}

/** Returns a cleaned copy of a parsed notebook, and what was removed. */
export function stripNotebook(nb: { cells?: Cell[]; [key: string]: unknown }): { nb: typeof nb; changes: string[] } {
  const changes: string[] = [];
  const cells = (nb.cells ?? []).map((cell, index) => {
    const copy: Cell = { ...cell };
    const where = `cell ${index + 1}`;
    if (copy.cell_type === 'code') {
      if (!Array.isArray(copy.outputs) || copy.outputs.length > 0) {
        changes.push(`${where}: ${Array.isArray(copy.outputs) ? copy.outputs.length : 'bad'} outputs`);
        copy.outputs = [];
      }
      if (copy.execution_count !== null) {
        changes.push(`${where}: execution_count ${String(copy.execution_count)}`);
        copy.execution_count = null;
      }
    } else {
      if ('outputs' in copy) {
        changes.push(`${where}: outputs on a ${copy.cell_type} cell`);
        delete copy.outputs;
      }
      if ('execution_count' in copy) {
        changes.push(`${where}: execution_count on a ${copy.cell_type} cell`);
        delete copy.execution_count;
      }
    }
    if (copy.metadata && typeof copy.metadata === 'object' && 'execution' in copy.metadata) {
      const { execution: _timing, ...rest } = copy.metadata;
      changes.push(`${where}: execution timing metadata`);
      copy.metadata = rest;
    }
    return copy;
  });
  return { nb: { ...nb, cells }, changes };
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
    return sorted;
  }
  return value;
}

/** Serializes like Jupyter: sorted keys, one-space indent, trailing newline. */
export function serializeNotebook(nb: unknown): string {
  return JSON.stringify(sortKeys(nb), null, 1) + '\n';
}

function main(argv: string[]): number {
  const check = argv.includes('--check');
  const unknown = argv.filter((arg) => arg.startsWith('-') && arg !== '--check');
  if (unknown.length > 0) {
    console.error(`unknown option ${unknown[0]}\nusage: npm run strip-notebooks -- [--check] [NOTEBOOK.ipynb ...]`);
    return 2;
  }
  let files = argv.filter((arg) => !arg.startsWith('-')).map((arg) => path.resolve(arg));
  if (files.length === 0) {
    const dir = path.join(projectRoot, 'notebooks');
    files = fs.existsSync(dir)
      ? fs.readdirSync(dir).filter((name) => name.endsWith('.ipynb')).sort().map((name) => path.join(dir, name))
      : [];
  }
  if (files.length === 0) {
    console.log('no notebooks found');
    return 0;
  }

  let dirty = 0;
  let broken = 0;
  for (const file of files) {
    const shown = path.relative(process.cwd(), file) || file;
    let parsed: { cells?: Cell[] };
    try {
      parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (error) {
      console.error(`${shown}: cannot read/parse: ${(error as Error).message}`);
      broken++;
      continue;
    }
    const { nb, changes } = stripNotebook(parsed);
    if (changes.length === 0) {
      console.log(`${shown}: clean`);
      continue;
    }
    dirty++;
    const summary = changes.length > 5 ? [...changes.slice(0, 5), `... ${changes.length - 5} more`] : changes;
    if (check) {
      console.log(`${shown}: needs stripping (${summary.join('; ')})`);
    } else {
      fs.writeFileSync(file, serializeNotebook(nb));
      console.log(`${shown}: stripped (${summary.join('; ')})`);
    }
  }
  if (broken > 0) return 1;
  if (check && dirty > 0) {
    console.log(`${dirty} notebook(s) need stripping: run npm run strip-notebooks`);
    return 1;
  }
  return 0;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
