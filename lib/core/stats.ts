// Small, exact statistics for experiment results (no sampling, no NaN:
// an empty series is an error, not a silent NaN).

function nonEmpty(xs: readonly number[], what: string): void {
  if (xs.length === 0) throw new Error(`${what} of an empty series is undefined`);
}

export function mean(xs: readonly number[]): number {
  nonEmpty(xs, 'mean');
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Percentile by the nearest-rank method: p in [0, 100]. */
export function percentile(xs: readonly number[], p: number): number {
  return percentiles(xs, [p])[0]!;
}

/** Several percentiles of one series, sorting it once (nearest rank, each p in [0, 100]). */
export function percentiles(xs: readonly number[], ps: readonly number[]): number[] {
  nonEmpty(xs, 'percentile');
  for (const p of ps) if (!(p >= 0 && p <= 100)) throw new Error(`percentile must be in [0, 100], got ${p}`);
  const rank = (p: number): number => Math.max(1, Math.ceil((p / 100) * xs.length)) - 1;
  if (isSorted(xs)) return ps.map((p) => xs[rank(p)]!);
  const copy = Float64Array.from(xs);
  // A few ranks of a long series: select them (linear time) instead of sorting all of it.
  if (ps.length <= 4 && xs.length >= 64 && !copy.some(Number.isNaN)) {
    const got = ps.map((p) => select(copy, rank(p)));
    // Selection compares with <, which cannot tell -0 from 0 (sorting can): sort when a 0 is picked.
    if (got.every((x) => x !== 0)) return got;
  }
  const sorted = copy.sort(); // numeric order, without a comparator call per pair
  return ps.map((p) => sorted[rank(p)]!);
}

/**
 * The value of rank `k` (0-based) of `a` in ascending order: the same value as `a.sort()[k]`
 * (Hoare's selection, pivot the median of three; reorders `a`). `a` holds no NaN (sorting puts
 * NaN last; comparisons cannot).
 */
function select(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    const x = a[lo]!;
    const y = a[mid]!;
    const z = a[hi]!;
    const pivot = Math.max(Math.min(x, y), Math.min(Math.max(x, y), z)); // the median of the three
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i++] = a[j]!;
        a[j--] = t;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}

function isSorted(xs: readonly number[]): boolean {
  for (let i = 1; i < xs.length; i++) if (!(xs[i - 1]! <= xs[i]!)) return false;
  return true;
}

export function stddev(xs: readonly number[]): number {
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - m) * (x - m);
  return Math.sqrt(s / xs.length);
}

/** Count of values per bucket of width `width` starting at 0: [bucketStart, count][]. */
export function histogram(xs: readonly number[], width: number): Array<[number, number]> {
  if (!(width > 0)) throw new Error(`bucket width must be > 0, got ${width}`);
  const counts = new Map<number, number>();
  for (const x of xs) {
    const b = Math.floor(x / width) * width;
    counts.set(b, (counts.get(b) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => a[0] - b[0]);
}

/** Numbers from `from` to `to` (inclusive) in `steps` equal steps. */
export function range(from: number, to: number, steps: number): number[] {
  if (!(steps >= 1)) return [from];
  return Array.from({ length: steps + 1 }, (_, i) => from + ((to - from) * i) / steps);
}
