// The class's predictions: every student's .faultline/predictions.json (written
// by lib/predict.ts from the lessons' predict/reveal cells), summarized per
// prediction for the progress board: how many guessed before the run, the
// spread of the guesses, what the run gave and how many were close. A guess
// changed after the answer was shown is counted apart, not as a prediction.
import * as fs from 'node:fs';
import { type Closeness, type Guess, type PredictionBook, parsePredictions } from '../../lib/predict';

export type PredictionRow = {
  id: string;
  /** Students with a guess recorded before the answer. */
  predicted: number;
  /** Students who changed their guess after seeing the answer. */
  late: number;
  /** Numeric guesses: median, lowest, highest (words and booleans: most common answer). */
  median: Guess | null;
  low: number | null;
  high: number | null;
  /** What the run gave (the most common answer among students: the runs are seeded). */
  actual: Guess | null;
  /** Students whose guess was exact, close or right. */
  close: number;
};

/** Largest predictions file read: a student's file is theirs to fill, not ours to read whole. */
const MAX_BYTES = 1 << 20;

/**
 * One student's book, read without following a symlink (the board runs as
 * root; the file is the student's), or null when there is none or it is not a book.
 */
export function readStudentPredictions(file: string): PredictionBook | null {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch {
    return null;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile() || st.size > MAX_BYTES) return null;
    return parsePredictions(JSON.parse(fs.readFileSync(fd, 'utf8')));
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

const most = (xs: Guess[]): Guess | null => {
  const counts = new Map<string, [Guess, number]>();
  for (const x of xs) {
    const k = JSON.stringify(x);
    counts.set(k, [x, (counts.get(k)?.[1] ?? 0) + 1]);
  }
  let best: [Guess, number] | null = null;
  for (const c of counts.values()) if (!best || c[1] > best[1]) best = c;
  return best ? best[0] : null;
};

const GOOD: readonly Closeness[] = ['exact', 'close', 'right'];

/** One row per prediction id that any student recorded, in id order. */
export function classPredictions(books: ReadonlyArray<PredictionBook | null>): PredictionRow[] {
  const ids = [...new Set(books.flatMap((b) => (b ? Object.keys(b.predictions) : [])))].sort();
  return ids.map((id) => {
    const records = books.flatMap((b) => (b?.predictions[id] ? [b.predictions[id]!] : []));
    const fair = records.filter((r) => !r.afterReveal);
    const guesses = fair.map((r) => r.predicted);
    const numbers = guesses.filter((g): g is number => typeof g === 'number').sort((a, b) => a - b);
    const median = numbers.length > 0 ? numbers[Math.floor((numbers.length - 1) / 2)]! : most(guesses);
    return {
      id,
      predicted: fair.length,
      late: records.length - fair.length,
      median,
      low: numbers.length > 0 ? numbers[0]! : null,
      high: numbers.length > 0 ? numbers[numbers.length - 1]! : null,
      actual: most(records.flatMap((r) => (r.actual === undefined ? [] : [r.actual]))),
      close: fair.filter((r) => r.closeness !== undefined && GOOD.includes(r.closeness)).length,
    };
  });
}

const show = (v: Guess | null): string =>
  v === null ? '-' : typeof v === 'number' ? String(Number(v.toPrecision(4))) : String(v);

export function predictionsTable(rows: PredictionRow[], students: number): string {
  const header = ['prediction', 'guessed', 'median', 'range', 'run gave', 'close', 'late'];
  const lines = rows.map((r) => [
    r.id,
    `${r.predicted}/${students}`,
    show(r.median),
    r.low === null ? '-' : `${show(r.low)}–${show(r.high)}`,
    show(r.actual),
    String(r.close),
    String(r.late),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [fmt(header), ...lines.map(fmt)].join('\n');
}

export function predictionsCsv(rows: PredictionRow[]): string {
  const esc = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const head = 'prediction,guessed,median,low,high,run gave,close,late';
  const body = rows.map((r) =>
    [r.id, String(r.predicted), show(r.median), show(r.low), show(r.high), show(r.actual), String(r.close), String(r.late)]
      .map(esc)
      .join(','),
  );
  return `${[head, ...body].join('\n')}\n`;
}

