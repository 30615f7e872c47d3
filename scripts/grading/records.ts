// The JSONL protocol between a grading vitest process (reporter.ts in the
// main vitest process, runner.ts in the test worker) and scripts/grade.ts.
//
// One JSON object per line, appended synchronously as events happen, so that a
// process killed at the wall-clock limit leaves behind everything that had
// finished. Readers must tolerate a truncated last line and duplicate `result`
// records for the same test id (the worker and the reporter both write one;
// they carry the same outcome).

/** Environment variables understood by vitest.graders.config.ts and friends. */
export const ENV = {
  /** Folder the `@target/*` alias points at (absolute, or relative to the project root). */
  targetDir: 'FAULTLINE_TARGET_DIR',
  /** Grader files to include, separated by path.delimiter (default: test/graders/*.test.ts). */
  graders: 'FAULTLINE_GRADERS',
  /** JSONL file the reporter and runner append to (nothing is written when unset). */
  results: 'FAULTLINE_RESULTS',
  /** '1': list the tests and their points without running them, with `@target/*` stubbed out. */
  collectOnly: 'FAULTLINE_COLLECT_ONLY',
  /** Folder for vitest's cache of transformed modules (grade-lib.ts checks it is ours, mode 0700); unset: no cache. */
  moduleCache: 'FAULTLINE_MODULE_CACHE',
} as const;

export interface ErrorInfo {
  name?: string;
  message: string;
  /** Stack frames (already source-mapped by vitest), possibly empty. */
  stack?: string;
  diff?: string;
}

export type TestState = 'passed' | 'failed' | 'skipped' | 'pending';

/** A test seen at collection time, before anything ran. */
export interface CollectedRecord {
  type: 'collected';
  id: string;
  /** Full name, suites joined by ' > '. */
  name: string;
  file: string;
  /** meta.points, or null when the test declares none. */
  points: number | null;
  /** meta.visibility (Gradescope: visible, hidden, after_due_date, after_published), when the test sets one. */
  visibility?: string;
  /** 'run' | 'skip' | 'todo' | 'only' */
  mode: string;
}

/** A test about to run (written by the worker, so it survives a hang). */
export interface StartedRecord {
  type: 'started';
  id: string;
  name: string;
}

/** A finished test. */
export interface ResultRecord {
  type: 'result';
  id: string;
  name: string;
  state: TestState;
  durationMs: number;
  errors: ErrorInfo[];
  source: 'worker' | 'reporter';
}

/** A test file finished (or failed to load: then `errors` says why and there are no tests). */
export interface ModuleRecord {
  type: 'module';
  file: string;
  state: string;
  errors: ErrorInfo[];
}

/** The whole vitest run ended (never written when the process was killed). */
export interface RunEndRecord {
  type: 'run-end';
  reason: string;
  unhandledErrors: ErrorInfo[];
}

export type GradingRecord = CollectedRecord | StartedRecord | ResultRecord | ModuleRecord | RunEndRecord;

/** Reduces anything vitest hands us as an error to plain JSON. */
export function toErrorInfo(e: unknown): ErrorInfo {
  if (e && typeof e === 'object') {
    const o = e as Record<string, unknown>;
    const info: ErrorInfo = {
      message: typeof o.message === 'string' ? o.message : String(o.message ?? e),
    };
    if (typeof o.name === 'string') info.name = o.name;
    if (typeof o.stack === 'string') info.stack = o.stack;
    if (typeof o.diff === 'string') info.diff = o.diff;
    return info;
  }
  return { message: String(e) };
}

/** Parses a JSONL results file, skipping blank and half-written lines. */
export function parseRecords(text: string): GradingRecord[] {
  const out: GradingRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as GradingRecord);
    } catch {
      // A line cut short by a kill; everything before it is intact.
    }
  }
  return out;
}
