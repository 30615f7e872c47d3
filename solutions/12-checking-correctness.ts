// Lesson 12 — checking correctness: reference solution.
import type { Model } from '../lib/checking/linearizability';

export type { Model };

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** A counter: adds always succeed; a read must see the sum so far. */
export function counterModel(): Model<number> {
  return {
    name: 'counter',
    init: () => 0,
    step(state, f, input, output) {
      if (f === 'add') return { ok: true, state: state + Number(input) };
      if (f === 'read') return { ok: output === undefined || output === state, state };
      throw new Error(`unknown operation '${f}' for a counter (expected add or read)`);
    },
    pure: (f) => f === 'read',
  };
}

/** A FIFO queue as an array, front first; every step returns a new array. */
export function queueModel(): Model<unknown[]> {
  return {
    name: 'queue',
    init: () => [],
    step(state, f, input, output) {
      if (f === 'enqueue') return { ok: true, state: [...state, input] };
      if (f !== 'dequeue') throw new Error(`unknown operation '${f}' for a queue (expected enqueue or dequeue)`);
      if (state.length === 0) return { ok: output === undefined || output === null, state };
      if (output !== undefined && !same(output, state[0])) return { ok: false };
      return { ok: true, state: state.slice(1) };
    },
  };
}

/** Ids handed out so far, sorted by their JSON, so equal sets print alike. */
export function uniqueIdModel(): Model<Array<string | number>> {
  return {
    name: 'unique-ids',
    init: () => [],
    step(state, f, _input, output) {
      if (f !== 'generate') throw new Error(`unknown operation '${f}' for unique ids (expected generate)`);
      if (output === undefined) return { ok: true, state };
      const id = output as string | number;
      if (state.some((x) => same(x, id))) return { ok: false };
      const next = [...state, id].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
      return { ok: true, state: next };
    },
  };
}
