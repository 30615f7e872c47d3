// Every exercise stub (exercises/<id>.ts) must export exactly what its
// reference solution (solutions/<id>.ts) exports, so that a grader written
// against `@target/<id>` works on both; and a stub must still be a stub.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';

const root = path.resolve(__dirname, '..', '..');
const exercisesDir = path.join(root, 'exercises');
const solutionsDir = path.join(root, 'solutions');

function ids(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
}

const stubs = ids(exercisesDir);
const solutions = ids(solutionsDir);
const pairs = stubs.filter((id) => solutions.includes(id));

test('do exercises/ and solutions/ hold the same files?', () => {
  expect(stubs, 'exercises/*.ts and solutions/*.ts must match one to one').toEqual(solutions);
});

describe.each(pairs)('%s', (id) => {
  test('does the stub export the same names as the solution?', async () => {
    const stub = (await import(path.join(exercisesDir, `${id}.ts`))) as Record<string, unknown>;
    const solution = (await import(path.join(solutionsDir, `${id}.ts`))) as Record<string, unknown>;
    expect(
      Object.keys(stub).sort(),
      `exports of exercises/${id}.ts vs solutions/${id}.ts (reproduce: npx vitest run test/course/exports.test.ts)`,
    ).toEqual(Object.keys(solution).sort());
  });

  test("is the stub still a stub (does it say 'not implemented')?", () => {
    const source = fs.readFileSync(path.join(exercisesDir, `${id}.ts`), 'utf8');
    expect(source.includes('not implemented'), `exercises/${id}.ts should throw new Error('not implemented: ...')`).toBe(true);
  });
});
