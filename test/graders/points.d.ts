// Graded tests declare their weight in vitest's test meta:
//   test('does the client time out on a crashed server? (seed=7)', { meta: { points: 2 } }, () => { ... })
// This augmentation makes `points` type-check (and `testCase.meta().points` a number).
import 'vitest';

declare module 'vitest' {
  interface TaskMeta {
    /** Points this test is worth when it passes (must be > 0 in a grader). */
    points: number;
    /**
     * Gradescope visibility of this test's result (default: `visible`, and
     * `after_published` for tests in test/graders/hidden/).
     */
    visibility?: 'visible' | 'hidden' | 'after_due_date' | 'after_published';
  }
}
