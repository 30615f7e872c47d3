// npx tsx scripts/notebook-timings.ts [DIR] [--top N]
//
// Where the course's execution time goes, from the executed copies that
// `npm run execute-notebooks` leaves in build/notebooks/ (or DIR): nbclient
// records when the kernel went busy and idle for every cell. Prints each
// notebook's total, the totals by kind of cell, and the N slowest cells.
// Times are wall clock: say how loaded the machine was (`uptime`).

import * as fs from 'fs';
import * as path from 'path';
import { projectRoot } from './jupyter';

type CellTime = { notebook: string; index: number; seconds: number; kind: string; head: string };

type NotebookJson = {
  cells: Array<{ cell_type: string; source: string | string[]; metadata?: { execution?: Record<string, string> } }>;
};

function kindOf(source: string, first: boolean): string {
  if (first) return 'first import cell';
  if (/\bcheck\(/.test(source)) return 'check() cells';
  if (source.trimStart().startsWith('import')) return 'other import cells';
  if (/\bshow\(/.test(source)) return 'chart cells (show)';
  return 'other cells';
}

function cellTimes(file: string): CellTime[] {
  const nb = JSON.parse(fs.readFileSync(file, 'utf8')) as NotebookJson;
  const notebook = path.basename(file, '.ipynb');
  const times: CellTime[] = [];
  nb.cells.forEach((cell, index) => {
    const busy = cell.metadata?.execution?.['iopub.status.busy'];
    const idle = cell.metadata?.execution?.['iopub.status.idle'];
    if (cell.cell_type !== 'code' || !busy || !idle) return;
    const source = Array.isArray(cell.source) ? cell.source.join('') : cell.source;
    const head = source.split('\n').find((line) => line.trim() && !line.trim().startsWith('//')) ?? '';
    const seconds = (Date.parse(idle) - Date.parse(busy)) / 1000;
    times.push({ notebook, index, seconds, kind: kindOf(source, times.length === 0), head: head.slice(0, 70) });
  });
  return times;
}

function main(): void {
  const args = process.argv.slice(2);
  const topAt = args.indexOf('--top');
  const top = topAt >= 0 ? Number(args.splice(topAt, 2)[1]) : 10;
  const dir = path.resolve(args[0] ?? path.join(projectRoot, 'build', 'notebooks'));
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.ipynb')).sort() : [];
  if (files.length === 0) {
    console.error(`no executed notebooks in ${dir}: run \`npm run execute-notebooks\` first`);
    process.exit(1);
  }
  const all = files.flatMap((f) => cellTimes(path.join(dir, f)));
  const sum = (xs: CellTime[]): number => xs.reduce((s, c) => s + c.seconds, 0);
  const total = sum(all);
  for (const f of files) {
    const name = path.basename(f, '.ipynb');
    console.log(`${name.padEnd(32)} ${sum(all.filter((c) => c.notebook === name)).toFixed(1).padStart(6)} s`);
  }
  console.log(`${'all cells'.padEnd(32)} ${total.toFixed(1).padStart(6)} s\n`);
  for (const kind of [...new Set(all.map((c) => c.kind))]) {
    const s = sum(all.filter((c) => c.kind === kind));
    console.log(`${kind.padEnd(32)} ${s.toFixed(1).padStart(6)} s  ${((100 * s) / total).toFixed(0).padStart(3)}%`);
  }
  console.log(`\nslowest ${top} cells:`);
  for (const c of [...all].sort((a, b) => b.seconds - a.seconds).slice(0, top)) {
    console.log(`${c.seconds.toFixed(2).padStart(6)} s  ${c.notebook.slice(0, 2)} cell ${String(c.index).padEnd(3)} ${c.head}`);
  }
}

main();
