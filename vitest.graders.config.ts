import * as path from 'node:path';
import { defineConfig } from 'vitest/config';
import GradingReporter from './scripts/grading/reporter';
import { ENV } from './scripts/grading/records';
import { targetPlugin } from './scripts/grading/target-plugin';

// Runs graders (test/graders/<id>.test.ts) against the code under test.
// Normally started by `npm run grade` (scripts/grade.ts), one process per
// exercise, but it also works by hand:
//   FAULTLINE_TARGET_DIR=solutions npx vitest run --config vitest.graders.config.ts test/graders/01-partial-failures.test.ts
//
// Environment (see scripts/grading/records.ts):
//   FAULTLINE_TARGET_DIR  the folder of submissions `@target/<id>` stands for (absolute or relative to this folder; default exercises/)
//   FAULTLINE_GRADERS     grader files to include, separated by path.delimiter (default test/graders/*.test.ts)
//   FAULTLINE_RESULTS     JSONL file the reporter appends to
//   FAULTLINE_COLLECT_ONLY=1  list tests and points without running them; `@target/*` becomes an empty module
//   FAULTLINE_MODULE_CACHE    folder for vitest's cache of transformed modules (set by grade-lib.ts)
//   FAULTLINE_SANDBOX_*   how the sandbox runs (scripts/grading/sandbox/host.ts)

const root = __dirname;
const graders = (process.env[ENV.graders] || '')
  .split(path.delimiter)
  .filter(Boolean)
  .map((f) => path.resolve(root, f).split(path.sep).join('/'));
const collectOnly = process.env[ENV.collectOnly] === '1';
const moduleCache = process.env[ENV.moduleCache] || '';

export default defineConfig({
  root,
  // `@target/<id>` is never the submission itself: it is a stand-in whose
  // exports call into a sandbox process (scripts/grading/sandbox/host.ts), or,
  // when only listing tests, an empty module.
  plugins: [targetPlugin({ collectOnly })],
  test: {
    include: graders.length ? graders : ['test/graders/**/*.test.ts'],
    // One fork per grader file, so a runaway test can be killed with its process group.
    pool: 'forks',
    // A listing loads no submission and runs no test: every grader is collected in one fork
    // (13 forks took 6 s of CPU, one takes 1.5 s). Grading keeps a fresh fork per grader.
    isolate: !collectOnly,
    runner: path.join(root, 'scripts/grading/runner.ts'),
    // 'default' for people running this by hand (grade.ts captures it, and shows its tail if vitest crashes).
    reporters: ['default', new GradingReporter()],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Collect-only: match no test name, so everything is collected and skipped.
    testNamePattern: collectOnly ? /^(?!)$/ : undefined,
    passWithNoTests: true,
    watch: false,
    // Transformed modules kept between runs (one vitest process per exercise), in a folder only
    // the grading user can write (grade-lib.ts); `@target/*` stand-ins are never cached.
    experimental: moduleCache ? { fsModuleCache: true, fsModuleCachePath: moduleCache } : undefined,
  },
});
