// Tests for the grading machinery itself (scripts/grade.ts, prove-graders.ts,
// vitest.graders.config.ts and its reporter/runner), on a tiny fake exercise:
// test/fixtures/grading/graders/sum.test.ts (2 tests worth 1 and 2 points)
// graded against the targets in test/fixtures/grading/targets/.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { GradescopeResults } from '../../scripts/grading/grade-lib';

const root = path.resolve(__dirname, '..', '..');
const fixtures = path.join(root, 'test', 'fixtures', 'grading');
const graders = path.join(fixtures, 'graders');
const targets = path.join(fixtures, 'targets');
const tsx = path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');

const SMALL = 'does sum add two small numbers? (seed=1)';
const NEGATIVE = 'does sum handle negative numbers? (seed=2)';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  json: GradescopeResults | null;
}

let tmp = '';

function run(script: 'grade' | 'prove-graders', args: string[], outName?: string): Promise<Run> {
  const out = outName ? path.join(tmp, `${outName}.json`) : undefined;
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsx, path.join(root, 'scripts', `${script}.ts`), ...args, ...(out ? ['--out', out] : [])], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const json = out && fs.existsSync(out) ? (JSON.parse(fs.readFileSync(out, 'utf8')) as GradescopeResults) : null;
      resolve({ code, stdout, stderr, ms: Date.now() - started, json });
    });
  });
}

const grade = (target: string, extra: string[] = [], out?: string) =>
  run('grade', ['--target-dir', target, '--graders-dir', graders, ...extra], out);

/** Each case is one `npm run grade` (or prove-graders) run; they run 2 at a time in beforeAll. */
const cases: Record<string, () => Promise<Run>> = {
  // First, so it is not starved by the others: its 15 s budget includes vitest's start-up.
  loop: () => grade(path.join(targets, 'loop'), ['--timeout', '15'], 'loop'),
  correct: () => grade(path.join(targets, 'correct'), [], 'correct'),
  stub: () => grade(path.join(targets, 'stub'), [], 'stub'),
  throws: () => grade(path.join(targets, 'throws'), [], 'throws'),
  syntax: () => grade(path.join(tmp, 'syntax-error'), [], 'syntax'),
  missing: () => grade(path.join(tmp, 'empty'), [], 'missing'),
  extra: () => grade(path.join(tmp, 'extra'), ['--only', 'sum'], 'extra'),
  hidden: () =>
    run('grade', ['--target-dir', path.join(root, 'test', 'fixtures', 'hostile'), '--graders-dir', path.join(fixtures, 'with-hidden')], 'hidden'),
  unknownOnly: () => grade(path.join(targets, 'correct'), ['--only', 'nope']),
  badOption: () => run('grade', ['--frobnicate']),
  noGraders: () => run('grade', ['--target-dir', path.join(targets, 'correct'), '--graders-dir', path.join(tmp, 'empty')]),
  proveOk: () =>
    run('prove-graders', ['--exercises-dir', path.join(targets, 'stub'), '--solutions-dir', path.join(targets, 'correct'), '--graders-dir', graders]),
  proveBad: () =>
    run('prove-graders', ['--exercises-dir', path.join(targets, 'correct'), '--solutions-dir', path.join(targets, 'stub'), '--graders-dir', graders]),
  proveNone: () =>
    run('prove-graders', ['--exercises-dir', path.join(tmp, 'empty'), '--solutions-dir', path.join(tmp, 'empty'), '--graders-dir', graders]),
};
const results: Record<string, Run> = {};

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'faultline-grading-test-'));
  // tsc must not see a syntax error in the repository, so that fixture is kept as .txt.
  fs.mkdirSync(path.join(tmp, 'syntax-error'));
  fs.copyFileSync(path.join(targets, 'syntax-error', 'sum.ts.txt'), path.join(tmp, 'syntax-error', 'sum.ts'));
  fs.mkdirSync(path.join(tmp, 'empty'));
  fs.mkdirSync(path.join(tmp, 'extra'));
  fs.copyFileSync(path.join(targets, 'correct', 'sum.ts'), path.join(tmp, 'extra', 'sum.ts'));
  fs.writeFileSync(path.join(tmp, 'extra', 'orphan.ts'), 'export const orphan = 1;\n');

  const queue = Object.entries(cases);
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) results[next[0]] = await next[1]();
  };
  await Promise.all([worker(), worker()]);
}, 240_000);

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

function testNamed(r: Run, name: string) {
  const t = r.json?.tests.find((x) => x.name === `sum: ${name}`);
  expect(t, `no test "sum: ${name}" in results.json:\n${JSON.stringify(r.json, null, 2)}\n${r.stdout}\n${r.stderr}`).toBeDefined();
  return t!;
}

describe('npm run grade', () => {
  test('does a correct solution get full marks, with a Gradescope results.json?', () => {
    const r = results.correct!;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('sum: 3/3 points');
    expect(r.stdout).toMatch(/PASS\s+1\/1\s+does sum add two small numbers\? \(seed=1\)/);
    expect(r.stdout).toMatch(/PASS\s+2\/2\s+does sum handle negative numbers\? \(seed=2\)/);
    expect(r.stdout).toContain('Total: 3/3 points');
    expect(r.stdout).not.toContain('reproduce:');
    expect(r.json).toMatchObject({
      score: 3,
      visibility: 'visible',
      tests: [
        { name: `sum: ${SMALL}`, score: 1, max_score: 1, status: 'passed', output: '', visibility: 'visible' },
        { name: `sum: ${NEGATIVE}`, score: 2, max_score: 2, status: 'passed', output: '', visibility: 'visible' },
      ],
    });
    expect(typeof r.json!.execution_time).toBe('number');
    expect(typeof r.json!.output).toBe('string');
  });

  test('does the stub get 0, with the reason and the reproduce hint?', () => {
    const r = results.stub!;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('sum: 0/3 points');
    expect(r.stdout).toMatch(/FAIL\s+0\/2\s+does sum handle negative numbers\?/);
    expect(r.stdout).toContain('↳ not implemented: sum');
    expect(r.stdout).toContain('reproduce: npm run grade -- --only sum');
    expect(r.stdout).toContain('Total: 0/3 points');
    expect(r.json!.score).toBe(0);
    for (const t of r.json!.tests) {
      expect(t).toMatchObject({ score: 0, status: 'failed', visibility: 'visible' });
      expect(t.output).toContain('not implemented: sum');
      expect(t.output).toContain('npm run grade -- --only sum');
    }
    // Where in the code under test it threw.
    expect(testNamed(r, SMALL).output).toMatch(/at sum \(.*targets\/stub\/sum\.ts:\d+:\d+\)/);
  });

  test('does code that loops forever get stopped at --timeout, keeping the tests that finished?', () => {
    const r = results.loop!;
    expect(r.code, r.stderr).toBe(0);
    expect(r.ms, 'the run should end soon after the 15 s limit').toBeLessThan(60_000);
    expect(r.stdout).toContain('timed out after 15 s: the code under test may loop forever');
    // The first test passed before the second one started spinning.
    expect(testNamed(r, SMALL)).toMatchObject({ score: 1, status: 'passed' });
    const hung = testNamed(r, NEGATIVE);
    expect(hung).toMatchObject({ score: 0, max_score: 2, status: 'failed' });
    expect(hung.output).toContain('timed out after 15 s: the code under test may loop forever');
    expect(r.json!.score).toBe(1);
    expect(r.stdout).toContain('Total: 1/3 points');
  });

  test('does code that throws at import cost the exercise its points, with a clear message?', () => {
    const r = results.throws!;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('sum: 0/3 points');
    expect(r.stdout).toContain('threw while being imported: boom: this module throws at import');
    expect(r.json!.score).toBe(0);
    expect(r.json!.tests.map((t) => [t.name, t.max_score, t.status])).toEqual([
      [`sum: ${SMALL}`, 1, 'failed'],
      [`sum: ${NEGATIVE}`, 2, 'failed'],
    ]);
    for (const t of r.json!.tests) expect(t.output).toContain('boom: this module throws at import');
  });

  test('does a syntax error cost the exercise its points, with a clear message?', () => {
    const r = results.syntax!;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('sum: 0/3 points');
    expect(r.stdout).toMatch(/sum\.ts could not be compiled \(syntax error near sum\.ts:4:\d+\)/);
    expect(r.json!.score).toBe(0);
    expect(r.json!.tests).toHaveLength(2);
    expect(testNamed(r, NEGATIVE)).toMatchObject({ max_score: 2, status: 'failed' });
    expect(testNamed(r, NEGATIVE).output).toContain('return a + ;');
  });

  test('does a missing exercise file score 0 and get reported?', () => {
    const r = results.missing!;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/warning: grader .*sum\.test\.ts has no .*sum\.ts/);
    expect(r.stdout).toMatch(/sum\.ts is missing/);
    expect(r.json).toMatchObject({ score: 0, tests: [{ max_score: 1 }, { max_score: 2 }] });
  });

  test('is an exercise without a grader reported (and the rest graded)?', () => {
    const r = results.extra!;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/warning: .*orphan\.ts has no grader/);
    expect(r.json!.score).toBe(3);
  });

  test('do hidden tests run with the grader, marked [hidden], after_published unless their meta says otherwise?', () => {
    const r = results.hidden!;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('honest: 4/4 points');
    expect(r.stdout).toContain('[hidden] does twice handle negatives? (hidden, seed=2)');
    const byName = new Map(r.json!.tests.map((t) => [t.name, t]));
    expect(byName.get('honest: does twice double? (seed=1)')).toMatchObject({ score: 1, visibility: 'visible' });
    expect(byName.get('honest: does twice handle negatives? (hidden, seed=2)')).toMatchObject({ score: 2, visibility: 'after_published' });
    expect(byName.get('honest: does twice handle zero? (hidden, seed=3)')).toMatchObject({ score: 1, visibility: 'after_due_date' });
  });

  test('does grading refuse to run on an unknown --only id, a bad option, or no graders (non-zero exit)?', () => {
    expect(results.unknownOnly!.code).toBe(2);
    expect(results.unknownOnly!.stderr).toContain('unknown exercise "nope"');
    expect(results.badOption!.code).toBe(2);
    expect(results.badOption!.stderr).toContain('unknown option "--frobnicate"');
    expect(results.noGraders!.code).toBe(2);
    expect(results.noGraders!.stderr).toContain('no graders found');
  });
});

describe('npm run test:graders', () => {
  test('does it prove a sound grader (solution full marks, stub fails everything)?', () => {
    const r = results.proveOk!;
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('All graders proven (1 exercise).');
  });

  test('does it catch tests that pass on the stub and a solution without full marks?', () => {
    const r = results.proveBad!;
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL\s+\(a\)/);
    expect(r.stdout).toMatch(/FAIL\s+\(b\)/);
    expect(r.stdout).toContain(`"${NEGATIVE}" (2 pt) passes on the stub: this test cannot fail`);
  });

  test('does it fail with "no exercises found" rather than pass vacuously?', () => {
    const r = results.proveNone!;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no exercises found');
  });
});
