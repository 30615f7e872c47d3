import * as path from 'node:path';
import { defineConfig, type Plugin } from 'vitest/config';
import GradingReporter from './scripts/grading/reporter';
import { ENV } from './scripts/grading/records';

// Runs graders (test/graders/<id>.test.ts) against the code under test.
// Normally started by `npm run grade` (scripts/grade.ts), one process per
// exercise, but it also works by hand:
//   FAULTLINE_TARGET_DIR=solutions npx vitest run --config vitest.graders.config.ts test/graders/01-partial-failures.test.ts
//
// Environment (see scripts/grading/records.ts):
//   FAULTLINE_TARGET_DIR  where `@target/<id>` points (absolute or relative to this folder; default exercises/)
//   FAULTLINE_GRADERS     grader files to include, separated by path.delimiter (default test/graders/*.test.ts)
//   FAULTLINE_RESULTS     JSONL file the reporter appends to
//   FAULTLINE_COLLECT_ONLY=1  list tests and points without running them; `@target/*` becomes an empty module

const root = __dirname;
const targetDir = path.resolve(root, process.env[ENV.targetDir] || 'exercises');
const graders = (process.env[ENV.graders] || '')
  .split(path.delimiter)
  .filter(Boolean)
  .map((f) => path.resolve(root, f).split(path.sep).join('/'));
const collectOnly = process.env[ENV.collectOnly] === '1';

/** In collect-only mode every `@target/*` import resolves to an empty module, so a
 * grader can be listed even when the code under test cannot be loaded. */
function emptyTarget(): Plugin {
  const id = '\0faultline-empty-target';
  return {
    name: 'faultline-empty-target',
    enforce: 'pre',
    resolveId(source: string) {
      return source.startsWith('@target/') ? id : null;
    },
    load(loadId: string) {
      return loadId === id ? 'export {};\n' : null;
    },
  };
}

export default defineConfig({
  root,
  plugins: collectOnly ? [emptyTarget()] : [],
  resolve: {
    alias: collectOnly ? [] : [{ find: /^@target\//, replacement: targetDir.split(path.sep).join('/') + '/' }],
  },
  test: {
    include: graders.length ? graders : ['test/graders/**/*.test.ts'],
    // One fork per grader file, so a runaway test can be killed with its process group.
    pool: 'forks',
    runner: path.join(root, 'scripts/grading/runner.ts'),
    // 'default' for people running this by hand (grade.ts captures it, and shows its tail if vitest crashes).
    reporters: ['default', new GradingReporter()],
    testTimeout: 15_000,
    hookTimeout: 15_000,
    // Collect-only: match no test name, so everything is collected and skipped.
    testNamePattern: collectOnly ? /^(?!)$/ : undefined,
    passWithNoTests: true,
    watch: false,
  },
});
