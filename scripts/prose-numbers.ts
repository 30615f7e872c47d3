// npm run check-prose [-- [--dir build/notebooks] [NOTEBOOK.ipynb ...]]
//
// Prose that cannot drift from the runs. Every number quoted in a lesson's
// markdown must either appear in an output of the code cells just above it
// (the last WINDOW of them) in the notebook's executed copy (printed text, a
// table, or the words on a chart, but not a chart's coordinates), rounded to
// the precision the prose gives it, or be declared as not coming
// from a run, in the same cell, with an HTML comment:
//
//     <!-- not from a run: 17%, 2,500, 1/1.2 -->
//
// (inputs, formula constants, arithmetic done in the prose, facts from
// elsewhere). A number read off a chart is declared `<!-- on a chart: 926.6 -->`
// and is then checked against the chart's coordinates instead. Numbers that cannot be results are skipped without a mark:
// headings, code spans and blocks, math, links, years, list numbering,
// identifiers with digits (n2, G3, OM(1), 3f, p99), lesson numbers (02, lesson 8),
// seeds (seed 5), and literals written in the notebook's own code, outside
// strings and comments (the experiment's inputs). Run by scripts/execute-notebooks.ts after executing;
// exits 1 on a drift, naming the notebook, the cell, the number and its sentence.

import * as fs from 'fs';
import * as path from 'path';

/** A number quoted in prose, with the precision it was given to. */
export type ProseNumber = {
  text: string;
  value: number;
  decimals: number;
  percent: boolean;
  /** Written as approximate ("about 200", "~420"): trailing zeros are not precision. */
  hedged: boolean;
  /** Index of the markdown cell in the notebook. */
  cell: number;
  /** The words around it, to find it again. */
  context: string;
};

export type Drift = ProseNumber & { notebook: string };

type Output = { output_type?: string; name?: string; text?: string | string[]; data?: Record<string, unknown> };
type Cell = { cell_type?: string; source?: string | string[]; outputs?: Output[] };
export type Notebook = { cells?: Cell[] };

const NOT_RUN = /<!--\s*not from a run:([\s\S]*?)-->/gi;
const ON_CHART = /<!--\s*on a chart:([\s\S]*?)-->/gi;
const HEDGES = /(?:about|around|roughly|near|nearly|almost|approximately|some|~|≈)\s*$/i;
/** Letters that may follow a number without making it an identifier: units and "×". */
const UNIT_SUFFIX = /^(?:ms|s|µs|us|ns|x|×|%|k)(?![A-Za-z])/;
const PLOTLY_MIME = 'application/vnd.plotly.v1+json';

const text = (s: string | string[] | undefined): string => (Array.isArray(s) ? s.join('') : (s ?? ''));
const blank = (m: string): string => m.replace(/[^\n]/g, ' ');

/** Numbers written in a piece of text, as values (1,000 → 1000; 1e-3 too). */
export function numbersIn(s: string): number[] {
  const out: number[] = [];
  for (const m of s.matchAll(/\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?(?:e[-+]?\d+)?/gi)) {
    const v = Number(m[0].replace(/,/g, ''));
    if (Number.isFinite(v)) out.push(v);
  }
  return out;
}

/**
 * The values a cell declares: `<!-- not from a run: ... -->` (not checked) and
 * `<!-- on a chart: ... -->` (read off a chart: checked against its coordinates).
 */
export function declared(markdown: string): { notRun: number[]; onChart: number[] } {
  const values = (re: RegExp) => [...markdown.matchAll(re)].flatMap((m) => numbersIn(m[1]!));
  return { notRun: values(NOT_RUN), onChart: values(ON_CHART) };
}

/** The prose of a markdown cell with everything that cannot quote a run blanked out (same length). */
function proseOnly(md: string): string {
  return md
    .replace(/<!--[\s\S]*?-->/g, blank)
    .replace(/```[\s\S]*?```/g, blank)
    .replace(/`[^`\n]*`/g, blank)
    .replace(/\$\$[\s\S]*?\$\$/g, blank)
    .replace(/\$[^$\n]+\$/g, blank)
    .replace(/^#.*$/gm, blank)
    .replace(/\[[^\]]*\]\([^)]*\.ipynb[^)]*\)/g, blank) // links to other lessons: "[01 · Partial failures](...)"
    .replace(/\b\d{2} · /g, blank) // a lesson named in passing: "10 · System models"
    .replace(/\]\([^)]*\)/g, blank)
    .replace(/https?:\/\/\S+/g, blank)
    .replace(/<[^>]+>/g, blank)
    .replace(/^(\s*)\d+\.(?=\s)/gm, (m) => blank(m)) // list numbering
    .replace(/\b[A-Za-z]+\(\d+\)/g, blank) // OM(1), SM(2)
    .replace(/\b(?:lessons?|exercises?|sections?|chapters?|steps?|parts?|seeds?)\s+\d+(?:\s*(?:,|and|to|–|-)\s*\d+)*/gi, blank);
}

/** Every number quoted in the prose of one markdown cell that could come from a run. */
export function proseNumbers(md: string, cell = 0): ProseNumber[] {
  const prose = proseOnly(md);
  const found: ProseNumber[] = [];
  const re = /\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?/g;
  for (let m = re.exec(prose); m; m = re.exec(prose)) {
    const raw = m[0];
    const before = prose.slice(0, m.index);
    const after = prose.slice(m.index + raw.length);
    if (/[A-Za-z_\d./\\]$|[A-Za-z\d]-$/.test(before)) continue; // n2, v1.2, M/M/1, RFC-6298
    if (/^\/\S/.test(after)) continue; // fractions and ratios: 1/3, 1/n
    if (/^[A-Za-z_]/.test(after) && !UNIT_SUFFIX.test(after)) continue; // 3f, 2PC, 1st
    if (/^0\d$/.test(raw)) continue; // a lesson number: 02, 03
    const value = Number(raw.replace(/,/g, ''));
    if (/^\d{4}$/.test(raw) && value >= 1900 && value <= 2099) continue; // a year
    const decimals = raw.includes('.') ? raw.split('.')[1]!.length : 0;
    const percent = /^\s*%/.test(after);
    const hedged = HEDGES.test(before);
    const start = Math.max(0, m.index - 40);
    const context = md.slice(start, m.index + raw.length + 30).replace(/\s+/g, ' ').trim();
    found.push({ text: raw, value, decimals, percent, hedged, cell, context });
  }
  return found;
}

/** The words a chart shows (titles, legend, labels, annotations), not its coordinates: a point near a number proves nothing. */
function chartText(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(chartText);
  if (v !== null && typeof v === 'object') return Object.values(v).flatMap(chartText);
  return [];
}

/** Every number in a notebook's outputs (printed text, tables, the words on charts), sorted. */
export function outputNumbers(nb: Notebook): number[] {
  return collect(nb, (fig) => numbersIn(chartText(fig).join('\n')));
}

/** Every number a chart of the notebook draws (its data and layout), sorted. */
export function chartNumbers(nb: Notebook): number[] {
  return collect(nb, (fig) => chartValues(fig));
}

/** Every finite number in a figure, depth first. Pushed into one array: a chart holds tens of thousands. */
function chartValues(v: unknown, out: number[] = []): number[] {
  if (typeof v === 'number') {
    if (Number.isFinite(v)) out.push(v);
  } else if (Array.isArray(v)) {
    for (const x of v) chartValues(x, out);
  } else if (v !== null && typeof v === 'object') {
    for (const x of Object.values(v)) chartValues(x, out);
  }
  return out;
}

function collect(nb: Notebook, fromChart: (fig: unknown) => number[]): number[] {
  const all: number[] = [];
  for (const cell of nb.cells ?? []) {
    for (const o of cell.outputs ?? []) {
      if (o.output_type === 'stream') all.push(...numbersIn(withoutPredictions(text(o.text))));
      const data = o.data ?? {};
      for (const [mime, value] of Object.entries(data)) {
        if (mime === PLOTLY_MIME) all.push(...fromChart(value));
        else if (mime === 'text/plain') all.push(...numbersIn(text(value as string)));
        else if (mime === 'text/html' && !(PLOTLY_MIME in data)) all.push(...numbersIn(text(value as string).replace(/<[^>]+>/g, ' ')));
      }
    }
  }
  return all.sort((a, b) => a - b);
}

/** A student's guess is neither an input nor a result: drop predict(...) lines and what predict/reveal print. */
const withoutPredictions = (s: string): string =>
  s
    .split('\n')
    .filter((line) => !/\bpredict\(|^Prediction \d\d\/|^No prediction recorded/.test(line))
    .join('\n');

/** Literals in the notebook's code cells: the experiments' inputs. */
export function codeNumbers(nb: Notebook): Set<number> {
  const s = new Set<number>();
  for (const cell of nb.cells ?? []) {
    if (cell.cell_type !== 'code') continue;
    // Literals in the code itself: not in strings (a colour 'rgba(213, 94, 0)') nor in comments.
    const src = withoutPredictions(text(cell.source))
      .replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, ' ')
      .replace(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"/g, "''")
      .replace(/(\d)_(?=\d)/g, '$1');
    for (const v of numbersIn(src)) s.add(v);
  }
  return s;
}

function anyWithin(sorted: number[], lo: number, hi: number): boolean {
  let a = 0;
  let b = sorted.length;
  while (a < b) {
    const mid = (a + b) >> 1;
    if (sorted[mid]! < lo) a = mid + 1;
    else b = mid;
  }
  return a < sorted.length && sorted[a]! <= hi;
}

/** Does some output, rounded as the prose rounds, give this number? (45% matches 0.45 and 45.2.) */
export function inOutputs(p: ProseNumber, sorted: number[]): boolean {
  const zeros = p.hedged && p.decimals === 0 ? (/0+$/.exec(p.text.replace(/,/g, ''))?.[0].length ?? 0) : 0;
  const half = 0.5 * 10 ** (zeros - p.decimals) + 1e-9;
  const targets = p.percent ? [p.value, p.value / 100] : [p.value];
  return targets.some((t, i) => {
    const h = i === 1 ? half / 100 : half;
    return anyWithin(sorted, t - h, t + h) || anyWithin(sorted, -t - h, -t + h);
  });
}

/**
 * How many code cells before a markdown cell its numbers may come from. Prose
 * discusses the run just above it; matching against the whole notebook would
 * let a drifted number pass by meeting some unrelated output that rounds the same.
 */
export const WINDOW = 5;

/** The prose numbers of one executed notebook that no output, input or mark accounts for. */
export function drifts(nb: Notebook, name: string): Drift[] {
  const cells = nb.cells ?? [];
  const inputs = codeNumbers(nb);
  return cells.flatMap((cell, i) => {
    if (cell.cell_type !== 'markdown') return [];
    const above = cells.slice(0, i).filter((c) => c.cell_type === 'code').slice(-WINDOW);
    const outputs = outputNumbers({ cells: above });
    const charts = chartNumbers({ cells: above });
    const md = text(cell.source);
    const marked = declared(md);
    // An input written 0.98 in the code is quoted as 98% in the prose.
    const isInput = (p: ProseNumber) => inputs.has(p.value) || (p.percent && inputs.has(Number((p.value / 100).toFixed(6))));
    const fromChart = (p: ProseNumber) => marked.onChart.includes(p.value) && inOutputs(p, charts);
    return proseNumbers(md, i)
      .filter((p) => !marked.notRun.includes(p.value) && !isInput(p) && !inOutputs(p, outputs) && !fromChart(p))
      .map((p) => ({ ...p, notebook: name }));
  });
}

/**
 * Checks the executed copies of `names` (file names, default: every .ipynb) in
 * `dir`; prints each drift and returns the exit status (0 clean, 1 drift or nothing to check).
 */
export function checkProse(dir: string, names: string[] = []): number {
  const files = names.length > 0 ? names.map((n) => path.basename(n)) : fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.ipynb')).sort() : [];
  if (files.length === 0) {
    console.error(`no executed notebooks in ${dir}: run npm run execute-notebooks first`);
    return 1;
  }
  let total = 0;
  for (const f of files) {
    const file = path.join(dir, f);
    if (!fs.existsSync(file)) {
      console.error(`${file}: not executed (run npm run execute-notebooks -- notebooks/${f})`);
      return 1;
    }
    const found = drifts(JSON.parse(fs.readFileSync(file, 'utf8')) as Notebook, f);
    for (const d of found) console.log(`${d.notebook} cell ${d.cell + 1}: ${d.text}${d.percent ? '%' : ''} is in no output: "…${d.context}…"`);
    total += found.length;
  }
  if (total > 0) {
    console.log(
      `\n${total} number${total === 1 ? '' : 's'} in the prose match no output of the executed notebook${files.length === 1 ? '' : 's'}.\n` +
        'Correct the prose to what the run prints, or, for a number that does not come from a run,\n' +
        'declare it in the same markdown cell: <!-- not from a run: 17%, 2,500 -->; for one read off a chart,\n' +
        '<!-- on a chart: 926.6 --> checks it against the chart instead (see README, "Writing lessons").',
    );
    return 1;
  }
  console.log(`prose numbers: ${files.length === 1 ? '1 notebook agrees with its' : `${files.length} notebooks agree with their`} outputs`);
  return 0;
}

function main(argv: string[]): number {
  let dir = path.resolve(__dirname, '..', 'build', 'notebooks');
  const names: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--dir') dir = path.resolve(argv[++i] ?? '');
    else if (argv[i]!.startsWith('-')) {
      console.error(`unknown option ${argv[i]}\nusage: npm run check-prose -- [--dir DIR] [NOTEBOOK.ipynb ...]`);
      return 2;
    } else names.push(argv[i]!);
  }
  return checkProse(dir, names);
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
