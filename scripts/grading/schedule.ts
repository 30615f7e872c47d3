// In which order `npm run grade` starts exercises. With a few jobs at once,
// an exercise that takes long and starts last keeps one job busy while the
// others idle: starting the longest first (as long as the last runs of this
// machine took) evens out the end. Only the order changes, never a score.
//
// The durations are kept in the grading user's own folder (private-dir.ts),
// so no other user can plant or redirect them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { privateDir } from './private-dir';

export interface Timed {
  id: string;
  durationMs: number;
}

/** Kept for this many target folders (tests grade many short-lived ones). */
const MAX_TARGETS = 16;

type History = Record<string, Record<string, number>>;

function historyFile(): string | null {
  const dir = privateDir();
  return dir ? path.join(dir, 'durations.json') : null;
}

function readHistory(file: string): History {
  try {
    const data = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
    return data && typeof data === 'object' && !Array.isArray(data) ? (data as History) : {};
  } catch {
    return {}; // none yet, or unreadable: the given order
  }
}

/** The last known duration of each exercise graded from `targetDir` (stubs and solutions differ). */
export function loadDurations(targetDir: string): Map<string, number> {
  const file = historyFile();
  const out = new Map<string, number>();
  const known = file ? readHistory(file)[path.resolve(targetDir)] : undefined;
  if (!known || typeof known !== 'object') return out;
  for (const [id, ms] of Object.entries(known)) if (typeof ms === 'number' && Number.isFinite(ms) && ms >= 0) out.set(id, ms);
  return out;
}

export function saveDurations(targetDir: string, results: Timed[]): void {
  const file = historyFile();
  if (!file) return;
  const history = readHistory(file);
  const key = path.resolve(targetDir);
  const mine = { ...Object.fromEntries(loadDurations(targetDir)) };
  for (const r of results) if (r.durationMs > 0) mine[r.id] = r.durationMs;
  delete history[key]; // most recent last
  history[key] = mine;
  const keys = Object.keys(history);
  for (const k of keys.slice(0, Math.max(0, keys.length - MAX_TARGETS))) delete history[k];
  try {
    const tmp = `${file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, JSON.stringify(history), { mode: 0o600 });
    fs.renameSync(tmp, file);
  } catch {
    // only an ordering hint
  }
}

/**
 * Longest first by the last known durations. An exercise never timed counts
 * as the longest known (it may be new or heavy); ties keep the given order.
 */
export function longestFirst<T extends { id: string }>(items: T[], durations: Map<string, number>): T[] {
  const longest = Math.max(0, ...durations.values());
  const weight = (x: T) => durations.get(x.id) ?? longest + 1;
  return items
    .map((x, i) => ({ x, i, w: weight(x) }))
    .sort((a, b) => b.w - a.w || a.i - b.i)
    .map((e) => e.x);
}
