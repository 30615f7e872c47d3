// Vitest reporter used by vitest.graders.config.ts. It appends one JSON line
// per event to the file named by $FAULTLINE_RESULTS (see records.ts):
//   - `collected` for every test as soon as its file is collected, with points;
//   - `result` for every finished test (state, duration, error messages);
//   - `module` when a test file ends (with load errors, if it failed to load);
//   - `run-end` at the very end.
// Lines are written with appendFileSync, so whatever finished before the
// process is killed (e.g. for looping forever) is on disk.
//
// Vitest batches worker→main updates (100 ms throttle), so a result can still
// be stuck in the worker when a later test hangs; runner.ts writes `started`
// and `result` lines from the worker itself to close that gap.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TestCase, TestModule } from 'vitest/node';
import type { Reporter, TestRunEndReason } from 'vitest/reporters';
import { ENV, toErrorInfo, type GradingRecord, type TestState } from './records';

/** Gradescope's per-test visibilities. */
const VISIBILITIES = new Set(['visible', 'hidden', 'after_due_date', 'after_published']);

export default class GradingReporter implements Reporter {
  private readonly file: string | undefined;

  constructor(file: string | undefined = process.env[ENV.results]) {
    this.file = file ? path.resolve(file) : undefined;
  }

  private write(record: GradingRecord): void {
    if (!this.file) return;
    fs.appendFileSync(this.file, JSON.stringify(record) + '\n');
  }

  onTestModuleCollected(testModule: TestModule): void {
    for (const testCase of testModule.children.allTests()) {
      const meta = testCase.meta() as { points?: unknown; visibility?: unknown };
      const points = meta.points;
      const visibility = typeof meta.visibility === 'string' && VISIBILITIES.has(meta.visibility) ? meta.visibility : undefined;
      this.write({
        type: 'collected',
        id: testCase.id,
        name: testCase.fullName,
        file: testModule.moduleId,
        points: typeof points === 'number' ? points : null,
        ...(visibility ? { visibility } : {}),
        mode: testCase.options.mode,
      });
    }
  }

  onTestCaseResult(testCase: TestCase): void {
    const result = testCase.result();
    this.write({
      type: 'result',
      id: testCase.id,
      name: testCase.fullName,
      state: result.state as TestState,
      durationMs: testCase.diagnostic()?.duration ?? 0,
      errors: (result.errors ?? []).map(toErrorInfo),
      source: 'reporter',
    });
  }

  onTestModuleEnd(testModule: TestModule): void {
    this.write({
      type: 'module',
      file: testModule.moduleId,
      state: testModule.state(),
      errors: testModule.errors().map(toErrorInfo),
    });
  }

  onTestRunEnd(
    _testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<unknown>,
    reason: TestRunEndReason,
  ): void {
    this.write({ type: 'run-end', reason, unhandledErrors: unhandledErrors.map(toErrorInfo) });
  }
}
