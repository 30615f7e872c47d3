// The grading user's own folder, `$TMPDIR/faultline-grade-<uid>`: exercise
// durations (schedule.ts), kept listings (listing-cache.ts) and vitest's cache
// of transformed modules (grade-lib.ts). What is in it steers the trusted side
// (the module cache is code vitest runs, a listing decides what is graded), so
// a folder is used only if it is ours and nobody else may write it: owned by
// us, mode 0700, not a link.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

function ours(dir: string, uid: number): boolean {
  const st = fs.lstatSync(dir, { throwIfNoEntry: false });
  return !!st && st.isDirectory() && st.uid === uid && (st.mode & 0o077) === 0;
}

/** The grading user's own folder, or its subfolder `sub`, made if needed; null if it is not safely ours. */
export function privateDir(sub?: string): string | null {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  const dir = path.join(os.tmpdir(), `faultline-grade-${uid}`);
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!ours(dir, uid)) return null;
    if (sub === undefined) return dir;
    const inner = path.join(dir, sub);
    fs.mkdirSync(inner, { recursive: true, mode: 0o700 });
    return ours(inner, uid) ? inner : null;
  } catch {
    return null;
  }
}
