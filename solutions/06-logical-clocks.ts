// Lesson 06 — logical clocks. Reference solution.
import type { NodeId } from '../lib/index';
import type { History } from '../lib/models/logical';

/** One counter per node; a missing entry counts as 0. */
export type VectorClock = Readonly<Record<NodeId, number>>;
export type Ordering = 'before' | 'after' | 'equal' | 'concurrent';

export function lamportTimestamps(history: History): number[] {
  const clock = new Map<NodeId, number>();
  const carried = new Map<number, number>();
  return history.events.map((e) => {
    const mine = clock.get(e.node) ?? 0;
    const t = e.kind === 'receive' ? Math.max(mine, carried.get(e.msg) ?? 0) + 1 : mine + 1;
    if (e.kind === 'send') carried.set(e.msg, t);
    clock.set(e.node, t);
    return t;
  });
}

export function lamportOrder(history: History): number[] {
  const L = lamportTimestamps(history);
  const node = (i: number) => history.events[i]!.node;
  return history.events
    .map((_, i) => i)
    .sort((a, b) => L[a]! - L[b]! || (node(a) < node(b) ? -1 : node(a) > node(b) ? 1 : 0));
}

export function vectorTick(v: VectorClock, node: NodeId): VectorClock {
  return { ...v, [node]: (v[node] ?? 0) + 1 };
}

export function vectorMerge(a: VectorClock, b: VectorClock): VectorClock {
  const out: Record<NodeId, number> = { ...a };
  for (const k of Object.keys(b)) out[k] = Math.max(out[k] ?? 0, b[k]!);
  return out;
}

export function vectorCompare(a: VectorClock, b: VectorClock): Ordering {
  let less = false;
  let greater = false;
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[k] ?? 0;
    const y = b[k] ?? 0;
    if (x < y) less = true;
    if (x > y) greater = true;
  }
  return less && greater ? 'concurrent' : less ? 'before' : greater ? 'after' : 'equal';
}

export function concurrent(a: VectorClock, b: VectorClock): boolean {
  return vectorCompare(a, b) === 'concurrent';
}

export function vectorTimestamps(history: History): VectorClock[] {
  const clock = new Map<NodeId, VectorClock>();
  const carried = new Map<number, VectorClock>();
  return history.events.map((e) => {
    const mine = clock.get(e.node) ?? {};
    const v = vectorTick(e.kind === 'receive' ? vectorMerge(mine, carried.get(e.msg) ?? {}) : mine, e.node);
    if (e.kind === 'send') carried.set(e.msg, v);
    clock.set(e.node, v);
    return v;
  });
}
