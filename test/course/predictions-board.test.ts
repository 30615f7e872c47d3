// The workshop board's summary of a class's predictions (scripts/workshop/predictions.ts).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, expect, test } from 'vitest';
import type { PredictionBook } from '../../lib/predict';
import { classPredictions, predictionsCsv, predictionsTable, readStudentPredictions } from '../../scripts/workshop/predictions';

const book = (predictions: PredictionBook['predictions']): PredictionBook => ({ version: 1, predictions });

describe("a class's predictions", () => {
  test('does the summary count fair guesses, keep late ones apart, and give the median, range and close count?', () => {
    const rows = classPredictions([
      book({ '03/timeout': { predicted: 100, actual: 95.4, closeness: 'close' } }),
      book({ '03/timeout': { predicted: 10, actual: 95.4, closeness: 'off' }, '08/who': { predicted: 'n2' } }),
      book({ '03/timeout': { predicted: 95.4, actual: 95.4, closeness: 'exact', afterReveal: true } }),
      book({ '03/timeout': { predicted: 300 } }),
      null, // a student with no file yet
    ]);
    expect(rows).toEqual([
      { id: '03/timeout', predicted: 3, late: 1, median: 100, low: 10, high: 300, actual: 95.4, close: 1 },
      { id: '08/who', predicted: 1, late: 0, median: 'n2', low: null, high: null, actual: null, close: 0 },
    ]);
    expect(predictionsTable(rows, 5)).toMatch(/03\/timeout\s+3\/5\s+100\s+10–300\s+95\.4\s+1\s+1/);
    expect(predictionsCsv(rows).split('\n')[1]).toBe('03/timeout,3,100,10,300,95.4,1,1');
  });

  test("is a student's file read only when it is a real, valid predictions file (no symlink followed)?", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faultline-board-'));
    try {
      const good = path.join(dir, 'good.json');
      fs.writeFileSync(good, JSON.stringify(book({ '01/x': { predicted: 3 } })));
      expect(readStudentPredictions(good)?.predictions['01/x']?.predicted).toBe(3);
      const link = path.join(dir, 'link.json');
      fs.symlinkSync(good, link);
      expect(readStudentPredictions(link)).toBeNull();
      const bad = path.join(dir, 'bad.json');
      fs.writeFileSync(bad, '{"version": 2}');
      expect(readStudentPredictions(bad)).toBeNull();
      expect(readStudentPredictions(path.join(dir, 'missing.json'))).toBeNull();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
