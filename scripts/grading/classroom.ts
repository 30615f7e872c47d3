// GitHub Classroom: the results format of its autograding reporter
// (classroom-resources/autograding-grading-reporter@v1).
//
// The reporter takes a list of runner ids (`runners: a,b`) and, for each, reads
// the environment variable `<ID upper-cased>_RESULTS`: base64 of a JSON object
//   { version: 1, status: 'pass'|'fail'|'error', max_score, tests: [{ name, status, score, message, ... }] }
// It sends Classroom the sum of the tests' `score` over the sum of the runners'
// `max_score`. We make one runner per exercise, so a student sees points per
// exercise and per test, with partial credit.
//
// `npm run grade -- --classroom <file>` writes { <runner id>: <that object> }
// to <file>; under GitHub Actions (GITHUB_OUTPUT set) it also sets one step
// output per runner, holding the base64 the reporter wants.
import type { GradedExercise } from './graded';

export interface ClassroomTest {
  name: string;
  status: 'pass' | 'fail' | 'error';
  score: number;
  message: string;
  test_code: string;
  filename: string;
  line_no: number;
  execution_time: string;
}

export interface ClassroomRunnerResult {
  version: 1;
  status: 'pass' | 'fail' | 'error';
  max_score: number;
  tests: ClassroomTest[];
}

/** The runner (and step output) id of an exercise: a letter first, as GitHub requires. */
export function runnerId(exerciseId: string): string {
  return `ex${exerciseId}`.toLowerCase().replace(/[^a-z0-9_-]/g, '-');
}

/** One reporter payload per exercise, keyed by runner id. */
export function toClassroom(
  results: readonly GradedExercise[],
  opts: { reproduce: (id: string) => string; targetFile: (id: string) => string },
): Record<string, ClassroomRunnerResult> {
  const out: Record<string, ClassroomRunnerResult> = {};
  for (const r of results) {
    const tests: ClassroomTest[] = r.tests.map((t) => ({
      name: `${r.id}: ${t.name}`,
      status: r.gradingError ? 'error' : t.status === 'passed' ? 'pass' : 'fail',
      score: t.score,
      message: t.status === 'passed' ? '' : `${t.output}\n\nTo reproduce: ${opts.reproduce(r.id)}`,
      test_code: opts.reproduce(r.id),
      filename: opts.targetFile(r.id),
      line_no: 0,
      execution_time: `${((t.durationMs ?? 0) / 1000).toFixed(2)}s`,
    }));
    out[runnerId(r.id)] = {
      version: 1,
      status: r.gradingError ? 'error' : tests.every((t) => t.status === 'pass') ? 'pass' : 'fail',
      max_score: r.maxScore,
      tests,
    };
  }
  return out;
}

/** `name=value` lines for $GITHUB_OUTPUT: one base64 payload per runner. */
export function githubOutputs(payloads: Record<string, ClassroomRunnerResult>): string {
  return Object.entries(payloads)
    .map(([id, payload]) => `${id}=${Buffer.from(JSON.stringify(payload), 'utf8').toString('base64')}\n`)
    .join('');
}

/** The reporter's env var for a runner: `EX01-PARTIAL-FAILURES_RESULTS`. */
export function reporterEnvName(runner: string): string {
  return `${runner.toUpperCase()}_RESULTS`;
}
