// The rounds of an A/B run (ab.ts): two versions of one workload, run in turn
// in one process, the order swapped each round.
import type { Workload } from './workloads';

export type Rounds = { name: string; label: string; base: number[]; head: number[] };

const cpuOf = (run: () => unknown): number => {
  const c0 = process.cpuUsage();
  run();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
};

export function alternate(base: Workload, head: Workload, rounds: number): Rounds {
  const out: Rounds = { name: head.name, label: head.label, base: [], head: [] };
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
