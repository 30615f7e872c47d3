// Test runner used by vitest.graders.config.ts (runs inside the test worker).
//
// Why: the worker reports test results to the main vitest process in batches
// throttled to one per 100 ms. If a test passes and the next one spins in a
// synchronous `while (true) {}`, the batch holding the passed result is never
// sent, and killing the process would lose it. So the worker also appends
// `started` and `result` lines to $FAULTLINE_RESULTS itself, synchronously.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { VitestTestRunner } from 'vitest/runners';
import { ENV, toErrorInfo, type GradingRecord, type TestState } from './records';

type Task = Parameters<VitestTestRunner['onAfterRunTask']>[0];

const resultsFile = process.env[ENV.results] ? path.resolve(process.env[ENV.results]!) : undefined;

function write(record: GradingRecord): void {
  if (resultsFile) fs.appendFileSync(resultsFile, JSON.stringify(record) + '\n');
}

function fullName(task: Task): string {
  const names: string[] = [task.name];
  for (let s = task.suite; s && s.type === 'suite' && s !== (task.file as unknown); s = s.suite) {
    if (s.name) names.unshift(s.name);
  }
  return names.join(' > ');
}

function stateOf(task: Task): TestState {
  switch (task.result?.state) {
    case 'pass':
      return 'passed';
    case 'fail':
      return 'failed';
    case 'skip':
    case 'todo':
      return 'skipped';
    default:
      return 'pending';
  }
}

export default class GradingRunner extends VitestTestRunner {
  override async onBeforeRunTask(test: Task): Promise<void> {
    if (test.type === 'test' && test.mode === 'run') {
      write({ type: 'started', id: test.id, name: fullName(test) });
    }
    await super.onBeforeRunTask(test);
  }

  override onAfterRunTask(test: Task): void {
    super.onAfterRunTask(test);
    if (test.type !== 'test') return;
    write({
      type: 'result',
      id: test.id,
      name: fullName(test),
      state: stateOf(test),
      durationMs: test.result?.duration ?? 0,
      errors: (test.result?.errors ?? []).map(toErrorInfo),
      source: 'worker',
    });
  }
}
