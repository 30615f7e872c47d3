// The listing (which tests exist, and their points) depends only on trusted
// files: the graders and what they import. Regrading many submissions with
// the same graders then lists once: the result is kept under a hash of every
// file that could change it, in the grading user's own folder (private-dir.ts),
// because what is in it decides what is graded.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CollectedRecord } from './records';
import { privateDir } from './private-dir';

// Everything a grader can import or that shapes a listing, under the project root.
const KEEP = 40;
const INPUTS = ['lib', 'test/graders', 'scripts/grading', 'vitest.graders.config.ts', 'package-lock.json'];

/** Every file under `p` (or `p` itself), in sorted order, appended to `out`. */
export function filesUnder(p: string, out: string[]): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    return;
  }
  if (st.isFile()) out.push(p);
  else if (st.isDirectory()) for (const name of fs.readdirSync(p).sort()) filesUnder(path.join(p, name), out);
}

/** The cache file for listing `graderFiles`, or null when it cannot be cached safely. */
function cacheFile(root: string, graderFiles: string[]): string | null {
  const graders = path.join(root, 'test', 'graders') + path.sep;
  // A grader elsewhere (a test fixture) may import files this hash does not cover.
  if (graderFiles.length === 0 || !graderFiles.every((f) => path.resolve(f).startsWith(graders))) return null;
  const dir = privateDir();
  if (!dir) return null;
  const h = createHash('sha256').update(`${process.version}\0${[...graderFiles].map((f) => path.resolve(f)).sort().join('\0')}\0`);
  const files: string[] = [];
  for (const p of INPUTS) filesUnder(path.join(root, p), files);
  for (const f of files) h.update(`${path.relative(root, f)}\0`).update(fs.readFileSync(f)).update('\0');
  return path.join(dir, `listing-${h.digest('hex').slice(0, 32)}.json`);
}

export function cachedListing(root: string, graderFiles: string[]): { file: string | null; tests: CollectedRecord[] | null } {
  const file = cacheFile(root, graderFiles);
  if (!file) return { file, tests: null };
  try {
    const tests = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
    return { file, tests: Array.isArray(tests) && tests.length > 0 ? (tests as CollectedRecord[]) : null };
  } catch {
    return { file, tests: null }; // not listed yet
  }
}

/** Keep a listing in which every grader file defined tests. */
export function keepListing(file: string | null, graderFiles: string[], tests: CollectedRecord[]): void {
  if (!file) return;
  const listed = new Set(tests.map((t) => path.resolve(t.file)));
  if (!graderFiles.every((f) => listed.has(path.resolve(f)))) return;
  try {
    const temp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temp, JSON.stringify(tests), { mode: 0o600 });
    fs.renameSync(temp, file);
    prune(path.dirname(file));
  } catch {
    // only slower next time
  }
}

/** Listings of graders that have since changed are never read again: keep the newest few. */
function prune(dir: string): void {
  const old = fs
    .readdirSync(dir)
    .filter((n) => /^listing-[0-9a-f]+\.json$/.test(n))
    .map((n) => ({ n, t: fs.statSync(path.join(dir, n)).mtimeMs }))
    .sort((a, b) => b.t - a.t)
    .slice(KEEP);
  for (const { n } of old) fs.rmSync(path.join(dir, n), { force: true });
}
