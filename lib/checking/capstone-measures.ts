// What lesson 11 charts about a capstone run: write throughput over time, and
// how long the service took to work through each fault. Measurements read the
// trace only, like the checkers whose helpers they share.
import type { Fault } from '../core/nemesis';
import type { NodeId, TraceEvent } from '../core/trace';
import type { FaultKind } from '../models/capstone';
import { leaderAt } from '../models/leadership';
import { replicaGrants } from './capstone-checks';
import { acceptedWrites } from './checkers';

/** Accepted writes per second in bins of `bin` ms, from 0 to `until`. */
export function throughput(trace: readonly TraceEvent[], until: number, bin = 100): { t: number[]; rate: number[] } {
  const n = Math.ceil(until / bin);
  const counts = new Array<number>(n).fill(0);
  for (const w of acceptedWrites(trace)) {
    const i = Math.min(n - 1, Math.floor(w.time / bin));
    if (i >= 0) counts[i]!++;
  }
  return { t: counts.map((_, i) => (i + 0.5) * bin), rate: counts.map((c) => (c * 1000) / bin) };
}

export type Recovery = { at: number; kind: FaultKind; node: NodeId | null; hitLeader: boolean; recovery: number };

/**
 * For each replica fault that starts at `at`: how long until the storage
 * accepts a write made under a lease granted *after* the fault (Infinity if
 * none before `until`): the service has worked through it. `hitLeader`: the
 * fault struck the leader of the moment (for a partition: the leader ended up
 * on the minority side).
 */
export function recoveryTimes(trace: readonly TraceEvent[], schedule: readonly Fault[], replicas: readonly NodeId[], until: number): Recovery[] {
  const grants = replicaGrants(trace, replicas);
  // When the lease behind each accepted write was granted: the writer's latest grant of that token.
  const written = acceptedWrites(trace).map((w) => {
    let grantedAt = -Infinity;
    for (const g of grants) if (g.client === w.client && g.token === w.token && g.time <= w.time) grantedAt = g.time;
    return { time: w.time, grantedAt };
  });
  const out: Recovery[] = [];
  for (const f of schedule) {
    let kind: FaultKind;
    let node: NodeId | null = null;
    let hit = false;
    const leader = leaderAt(trace, f.at);
    if (f.fault === 'crash' || f.fault === 'pause' || f.fault === 'clock-step') {
      if (!replicas.includes(f.node)) continue;
      kind = f.fault === 'clock-step' ? 'clock' : f.fault;
      node = f.node;
      hit = f.node === leader;
    } else if (f.fault === 'partition') {
      kind = 'partition';
      const group = f.groups[0]!;
      hit = leader !== null && group.includes(leader) === group.length <= replicas.length / 2;
      node = group.join('+');
    } else continue;
    const next = written.find((w) => w.grantedAt > f.at && w.time <= until);
    out.push({ at: f.at, kind, node, hitLeader: hit, recovery: next === undefined ? Infinity : next.time - f.at });
  }
  return out;
}
