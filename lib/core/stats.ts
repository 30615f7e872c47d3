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
  const sorted = isSorted(xs) ? xs : Float64Array.from(xs).sort(); // numeric order, without a comparator call per pair
  return ps.map((p) => sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1]!);
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
