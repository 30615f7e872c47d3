import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { ConfigError } from '../../lib/core/config';
import { compare, predict, predictionsFile, readPredictions, reveal } from '../../lib/predict';

let dir: string;
let file: string;
let log: { mock: { calls: unknown[][] }; mockRestore: () => void };
const printed = (): string => log.mock.calls.map((c) => String(c[0])).join('\n');

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faultline-predict-'));
  file = path.join(dir, 'sub', 'predictions.json');
  log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
});
afterEach(() => {
  log.mockRestore();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('compare', () => {
  test('does it grade numbers by relative error: close within the tolerance, ballpark within 2x, off beyond?', () => {
    expect(compare(100, 100).closeness).toBe('exact');
    expect(compare(105, 100)).toMatchObject({ closeness: 'close', error: 5, relativeError: 0.05 });
    expect(compare(150, 100).closeness).toBe('ballpark');
    expect(compare(50, 100).closeness).toBe('ballpark');
    expect(compare(201, 100).closeness).toBe('off');
    expect(compare(49, 100).closeness).toBe('off');
    expect(compare(115, 100, 0.2).closeness).toBe('close');
    expect(compare(1, 0).closeness).toBe('off');
    expect(compare(-90, 100).closeness).toBe('off');
  });

  test('does it compare words without case or spaces, and booleans exactly?', () => {
    expect(compare(' Majority ', 'majority').closeness).toBe('right');
    expect(compare('both', 'majority').closeness).toBe('wrong');
    expect(compare(true, true).closeness).toBe('right');
    expect(compare(true, false).closeness).toBe('wrong');
  });
});

describe('predict, then reveal', () => {
  test('is the guess on disk before the run, and the answer beside it after?', () => {
    predict('03/timeout', 250, { unit: 'ms', file });
    expect(readPredictions(file).predictions['03/timeout']).toEqual({ predicted: 250, unit: 'ms' });
    expect(printed()).toMatch(/03\/timeout recorded: 250 ms/);
    predict('01/share', 5, { unit: '%', file });
    expect(printed()).toMatch(/01\/share recorded: 5%\./);
    expect(reveal('03/timeout', 200, { file })).toBeUndefined(); // nothing for a notebook cell to echo
    expect(readPredictions(file).predictions['03/timeout']).toEqual({ predicted: 250, unit: 'ms', actual: 200, closeness: 'ballpark' });
    expect(printed()).toMatch(/you said 250 ms, the run gave 200 ms: high by 25%, the right ballpark/);
  });

  test('does running the notebook again with the same guess keep it a prediction, and a new guess after the answer get flagged?', () => {
    predict('02/arrivals', 6, { file });
    reveal('02/arrivals', 4, { file });
    predict('02/arrivals', 6, { file });
    expect(readPredictions(file).predictions['02/arrivals']!.afterReveal).toBeUndefined();
    predict('02/arrivals', 4, { file });
    expect(readPredictions(file).predictions['02/arrivals']).toMatchObject({ predicted: 4, afterReveal: true, closeness: 'exact' });
    reveal('02/arrivals', 4, { file });
    expect(printed()).toMatch(/not a real prediction/);
  });

  test('does a reveal without a prediction say so instead of failing, and keep the book unchanged?', () => {
    reveal('08/two-leaders', 'majority', { file });
    expect(printed()).toMatch(/No prediction recorded for 08\/two-leaders; the run gave "majority"/);
    expect(fs.existsSync(file)).toBe(false);
  });

  test('are bad ids, guesses and tolerances rejected up front, naming the field?', () => {
    expect(() => predict('timeout', 1, { file })).toThrow(/like "03\/timeout"[\s\S]*→ at predict\.id/);
    expect(() => predict('03/timeout', Number.NaN, { file })).toThrow(ConfigError);
    expect(() => predict('03/timeout', Number.POSITIVE_INFINITY, { file })).toThrow(/→ at predict\.value/);
    expect(() => predict('03/timeout', '  ', { file })).toThrow(/→ at predict\.value/);
    expect(() => reveal('03/timeout', 1, { tolerance: 2, file })).toThrow(/→ at reveal\.tolerance/);
    expect(fs.existsSync(file)).toBe(false);
  });

  test('does a reveal of another kind than the guess fail with what to predict?', () => {
    predict('09/attack', 'attack', { file });
    expect(() => reveal('09/attack', 3, { file })).toThrow(/predict a number/);
  });

  test('does a damaged predictions file fail with its path, not silently start over?', () => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '{"version": 1, "predictions": {"x": {"predicted": 1}}}');
    expect(() => predict('03/timeout', 1, { file })).toThrow(/predictions file[\s\S]*book\.predictions/);
    fs.writeFileSync(file, 'not json');
    expect(() => readPredictions(file)).toThrow(/is not JSON/);
  });

  test('does FAULTLINE_PREDICTIONS choose the file, and the course copy hold it otherwise?', () => {
    const before = process.env.FAULTLINE_PREDICTIONS;
    try {
      process.env.FAULTLINE_PREDICTIONS = file;
      expect(predictionsFile()).toBe(file);
      delete process.env.FAULTLINE_PREDICTIONS;
      expect(predictionsFile()).toBe(path.resolve(__dirname, '..', '..', '.faultline', 'predictions.json'));
    } finally {
      if (before === undefined) delete process.env.FAULTLINE_PREDICTIONS;
      else process.env.FAULTLINE_PREDICTIONS = before;
    }
  });
});
