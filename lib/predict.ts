// Predictions that count. A lesson's "predict, then run" cell records the
// student's guess *before* the experiment runs (`predict`); the cell after the
// run shows how close it was (`reveal`). Both land in one JSON file in the
// student's course copy, .faultline/predictions.json (or $FAULTLINE_PREDICTIONS),
// so an instructor can collect a class's guesses (the workshop progress board
// summarizes them). A guess recorded again after its answer was shown is kept,
// but flagged: it no longer counts as a prediction.
import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { parseConfig } from './core/config';

/** What a student can predict: a number, a word from a short list, yes or no. */
export type Guess = number | string | boolean;

/** How a guess compares with the run: numbers by relative error, words and booleans exactly. */
export type Closeness = 'exact' | 'close' | 'ballpark' | 'off' | 'right' | 'wrong';

export type Comparison = {
  closeness: Closeness;
  /** predicted − actual, for numbers. */
  error?: number;
  /** |predicted − actual| / |actual|, for numbers with a non-zero actual. */
  relativeError?: number;
};

export type PredictionRecord = {
  predicted: Guess;
  unit?: string;
  actual?: Guess;
  closeness?: Closeness;
  /** Set when the guess was recorded again after `reveal` showed the answer. */
  afterReveal?: boolean;
};

export type PredictionBook = { version: 1; predictions: Record<string, PredictionRecord> };

const IdSchema = z
  .string()
  .regex(/^\d{2}\/[a-z0-9][a-z0-9-]*$/, 'a prediction id is the lesson number, a slash and a name, like "03/timeout"');
const GuessSchema = z.union([z.number(), z.string().trim().min(1).max(200), z.boolean()]);
const UnitSchema = z.string().max(20).optional();

const PredictSchema = z.object({ id: IdSchema, value: GuessSchema, unit: UnitSchema }).strict();
const RevealSchema = z
  .object({
    id: IdSchema,
    actual: GuessSchema,
    unit: UnitSchema,
    // 10%: "close" should mean the student understood the mechanism, not luck.
    tolerance: z.number().min(0).max(1).optional(),
  })
  .strict();

const ClosenessSchema = z.enum(['exact', 'close', 'ballpark', 'off', 'right', 'wrong']);
const BookSchema = z.object({
  version: z.literal(1),
  predictions: z.record(
    IdSchema,
    z.object({
      predicted: GuessSchema,
      unit: z.string().optional(),
      actual: GuessSchema.optional(),
      closeness: ClosenessSchema.optional(),
      afterReveal: z.boolean().optional(),
    }),
  ),
});

export type PredictOptions = { unit?: string; file?: string };
export type RevealOptions = { unit?: string; tolerance?: number; file?: string };

/** The predictions file of this course copy (lib/ sits in the copy's root). */
export function predictionsFile(): string {
  return process.env.FAULTLINE_PREDICTIONS || path.join(path.resolve(__dirname, '..'), '.faultline', 'predictions.json');
}

/** The book in `file`; an empty one when there is none yet. Throws on a file that is not a book. */
export function readPredictions(file = predictionsFile()): PredictionBook {
  if (!fs.existsSync(file)) return { version: 1, predictions: {} };
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file} is not JSON (${(e as Error).message}): move it away, or set FAULTLINE_PREDICTIONS to another file`);
  }
  return parsePredictions(raw, `predictions file ${file}`);
}

/** A predictions book checked against its schema, or a ConfigError naming what is wrong. */
export function parsePredictions(raw: unknown, what = 'predictions file'): PredictionBook {
  return parseConfig(BookSchema, raw, what, 'book') as PredictionBook;
}

function writePredictions(book: PredictionBook, file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`; // rename is atomic: a crash never leaves half a file
  fs.writeFileSync(tmp, `${JSON.stringify(book, null, 2)}\n`);
  fs.renameSync(tmp, file);
}

const shown = (v: Guess, unit?: string): string =>
  typeof v === 'number'
    ? `${Number.isInteger(v) ? v : Number(v.toPrecision(4))}${unit ? `${unit === '%' ? '' : ' '}${unit}` : ''}`
    : JSON.stringify(v);

/** How `predicted` compares with `actual`; `tolerance` is the relative error still called close. */
export function compare(predicted: Guess, actual: Guess, tolerance = 0.1): Comparison {
  if (typeof predicted === 'number' && typeof actual === 'number') {
    const error = predicted - actual;
    if (error === 0) return { closeness: 'exact', error: 0, relativeError: 0 };
    if (actual === 0) return { closeness: 'off', error };
    const relativeError = Math.abs(error) / Math.abs(actual);
    // Ballpark: within a factor of two either way, the right order of magnitude.
    const ratio = predicted / actual;
    const closeness = relativeError <= tolerance ? 'close' : ratio >= 0.5 && ratio <= 2 ? 'ballpark' : 'off';
    return { closeness, error, relativeError };
  }
  const norm = (v: Guess) => (typeof v === 'string' ? v.trim().toLowerCase() : v);
  return { closeness: norm(predicted) === norm(actual) ? 'right' : 'wrong' };
}

/** One line saying how the guess did. */
export function describeComparison(id: string, predicted: Guess, actual: Guess, c: Comparison, unit?: string): string {
  const head = `Prediction ${id}: you said ${shown(predicted, unit)}, the run gave ${shown(actual, unit)}`;
  switch (c.closeness) {
    case 'exact':
      return `${head}. Exactly right.`;
    case 'right':
      return `${head}. Right.`;
    case 'wrong':
      return `${head}. Not this time: what did the run do that you did not expect?`;
    default: {
      const side = (c.error ?? 0) > 0 ? 'high' : 'low';
      const by = c.relativeError === undefined ? '' : ` by ${Math.round(c.relativeError * 100)}%`;
      const verdict =
        c.closeness === 'close' ? 'close' : c.closeness === 'ballpark' ? 'the right ballpark (within 2×)' : 'off: more than 2× away';
      return `${head}: ${side}${by}, ${verdict}.`;
    }
  }
}

/**
 * Record a guess for prediction `id` before running the experiment, e.g.
 * `predict('03/false-suspicions', 5)`. Re-running the cell replaces the guess;
 * after `reveal` it is still stored, but marked as made after the answer.
 * Returns nothing, so a notebook cell shows only the line it prints.
 */
export function predict(id: string, value: Guess, opts: PredictOptions = {}): void {
  const p = parseConfig(PredictSchema, { id, value, unit: opts.unit }, 'prediction', 'predict');
  const file = opts.file ?? predictionsFile();
  const book = readPredictions(file);
  const before = book.predictions[p.id];
  const record: PredictionRecord = { predicted: p.value, ...(p.unit ? { unit: p.unit } : {}) };
  if (before?.actual !== undefined) {
    // Running the notebook again with the same guess changes nothing; a new guess after the answer is flagged.
    const changed = before.afterReveal || before.predicted !== p.value;
    Object.assign(record, { actual: before.actual, closeness: compare(p.value, before.actual).closeness });
    if (changed) record.afterReveal = true;
  }
  book.predictions[p.id] = record;
  writePredictions(book, file);
  const late = record.afterReveal ? ' (after seeing the answer: it will not count as a prediction)' : '';
  console.log(`Prediction ${p.id} recorded: ${shown(p.value, p.unit)}${late}. Now run the experiment.`);
}

/**
 * After the experiment: compare the recorded guess with what the run gave,
 * print how close it was, and store the answer next to the guess.
 */
export function reveal(id: string, actual: Guess, opts: RevealOptions = {}): void {
  const r = parseConfig(RevealSchema, { id, actual, unit: opts.unit, tolerance: opts.tolerance }, 'reveal', 'reveal');
  const file = opts.file ?? predictionsFile();
  const book = readPredictions(file);
  const record = book.predictions[r.id];
  if (!record) {
    console.log(
      `No prediction recorded for ${r.id}; the run gave ${shown(r.actual, r.unit)}. ` +
        'Next time, set your guess in the predict(...) line and run that cell before the experiment.',
    );
    return;
  }
  if (typeof record.predicted !== typeof r.actual) {
    throw new Error(
      `prediction ${r.id} was ${shown(record.predicted)} (${typeof record.predicted}) but the run gives a ${typeof r.actual}: ` +
        `predict a ${typeof r.actual}`,
    );
  }
  const unit = r.unit ?? record.unit;
  const c = compare(record.predicted, r.actual, r.tolerance);
  book.predictions[r.id] = { ...record, actual: r.actual, closeness: c.closeness };
  writePredictions(book, file);
  const late = record.afterReveal ? ' (recorded after an earlier reveal: not a real prediction)' : '';
  console.log(describeComparison(r.id, record.predicted, r.actual, c, unit) + late);
}
