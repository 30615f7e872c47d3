import { defineConfig } from 'vitest/config';

// Browser tests: headless Debian Chromium (via playwright-core) against the
// HTML exports of executed notebooks and against a live Jupyter Notebook.
// Needs `npm run execute-notebooks` first for test/browser/notebook-html.test.ts.
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 180_000,
    // One Chromium and one Jupyter at a time.
    fileParallelism: false,
    pool: 'forks',
  },
});
