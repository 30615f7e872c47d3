import { defineConfig } from 'vitest/config';

// Library and course tests. Graders (test/graders) run only through
// `npm run grade`, which points the @target alias at exercises/ or solutions/.
export default defineConfig({
  test: {
    include: ['test/lib/**/*.test.ts', 'test/course/**/*.test.ts'],
    // One fixed seed for every fast-check property (FC_SEED=random to explore).
    setupFiles: ['test/setup/fast-check-seed.ts'],
  },
});
