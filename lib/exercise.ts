// Helpers for exercises inside notebooks. A stub throws
// `new Error('not implemented: <name>')`; `attempt` turns that into a friendly
// note so a lesson still runs top to bottom before the student has written
// anything, while any other error still fails loudly.
import { spawnSync } from 'child_process';
import * as path from 'path';

export function isNotImplemented(e: unknown): boolean {
  return e instanceof Error && /^not implemented\b/.test(e.message);
}

/** Run `fn`; if the exercise is still a stub, say so and return undefined. */
export function attempt<T>(fn: () => T, exercise = 'this exercise'): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (!isNotImplemented(e)) throw e;
    console.log(`[to do] ${(e as Error).message}. Implement it in exercises/ for ${exercise}, then run this cell again.`);
    return undefined;
  }
}

/**
 * Grade one exercise from a notebook, like `npm run grade -- --only <id>`:
 * runs the grader in a child process and prints its table.
 */
export function check(exercise: string, target: 'exercises' | 'solutions' = 'exercises'): void {
  const root = path.resolve(__dirname, '..');
  // Wherever npm put tsx (a hoisted or linked node_modules too), as node would find it from here.
  // Its loader in this one process, not its CLI (which starts a second node: a third of a second more).
  const tsx = require.resolve('tsx/cjs', { paths: [root] });
  const args = ['--require', tsx, path.join(root, 'scripts', 'grade.ts'), '--only', exercise, '--target', target];
  const r = spawnSync(process.execPath, args, {
    cwd: root,
    encoding: 'utf8',
    timeout: 180_000,
  });
  console.log((r.stdout || '') + (r.stderr || ''));
}
