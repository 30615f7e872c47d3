// Rounds of a benchmark: an A/B run's two versions of one workload, run in
// turn in one process, the order swapped each round (ab.ts); and the median
// that both ab.ts and run.ts take of their rounds.
import type { Workload } from './workloads';

export type Rounds = { label: string; base: number[]; head: number[] };

/** The median of a non-empty series (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const cpuOf = (run: () => unknown): number => {
  const c0 = process.cpuUsage();
  run();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
};

export function alternate(base: Workload, head: Workload, rounds: number): Rounds {
  const out: Rounds = { label: head.label, base: [], head: [] };
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      out.base.push(cpuOf(base.run));
      out.head.push(cpuOf(head.run));
    } else {
      out.head.push(cpuOf(head.run));
      out.base.push(cpuOf(base.run));
    }
  }
  return out;
}
