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

// Grading one exercise (not listing): its sandbox starts before vitest loads
// the grader and the library, instead of when the grader first imports
// `@target/<id>` (see sandbox/host.ts), so both load at the same time.
const graderIds = new Set(
  (process.env[ENV.graders] || '')
    .split(path.delimiter)
    .filter(Boolean)
    .map((f) => path.basename(f).replace(/\.test\.ts$/, '')),
);
let prestartId = process.env[ENV.collectOnly] !== '1' && graderIds.size === 1 ? [...graderIds][0]! : null;
const HOST = path.join(__dirname, 'sandbox', 'host.ts');

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
  override async importFile(filepath: string, source: Parameters<VitestTestRunner['importFile']>[1]): Promise<unknown> {
    if (prestartId && source === 'collect') {
      const id = prestartId;
      prestartId = null;
      try {
        // Through vitest's own loader: the same module the grader's `@target/<id>` uses.
        const host = (await super.importFile(HOST, source)) as typeof import('./sandbox/host');
        host.prestart(id);
      } catch {
        // The grader's own import of `@target/<id>` reports whatever went wrong.
      }
    }
    return super.importFile(filepath, source);
  }

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
