// Linearizability: could every operation of a history have taken effect
// atomically, at one instant between its invocation and its completion, in
// an order a sequential model accepts? The search is Wing & Gong's with
// Lowe's memoization, as in Porcupine and Knossos: walk the history's events
// in order, try to linearize each pending call next, backtrack when a
// completion comes before its call was linearized, and never explore the
// same (set of linearized ops, model state) twice.
//
// A model is a small object; write your own for any sequential data type:
//   const counter: Model<number> = {
//     name: 'counter',
//     init: () => 0,
//     step: (n, f, input, output) =>
//       f === 'add' ? { ok: true, state: n + (input as number) }
//       : { ok: output === undefined || output === n, state: n },   // 'read'
//   };
import { z } from 'zod';
import { ConfigError, parseConfig } from '../core/config';
import { formatOperation, processName, show, type Operation } from './history';

/** What a model says about one operation applied to `state`. */
export type StepResult<S> = { ok: true; state: S } | { ok: false; state?: S };

export interface Model<S = unknown> {
  readonly name: string;
  /** The state before any operation. */
  init(): S;
  /**
   * Apply an operation to `state`: may it return `output` from here, and
   * what state does it leave? `output` is `undefined` when the outcome is
   * unknown (an `info` operation): return the state it leaves if it took
   * effect. Throw on an operation the model does not know (bad `f` or input).
   */
  step(state: S, f: string, input: unknown, output: unknown): StepResult<S>;
  /** Operations of different keys never interact: check the history one key at a time. */
  key?(op: Operation): string | number;
  /** A string that is equal exactly for equal states (default: JSON). */
  hash?(state: S): string;
  /** A state in an explanation (default: JSON). */
  describe?(state: S): string;
  /** True for operations that never change the state: with an unknown outcome they constrain nothing and are left out. */
  pure?(f: string, input: unknown): boolean;
  /** Why `op` could not take effect after any of `states` (default: a generic sentence). */
  explain?(op: Operation, states: readonly S[]): string;
}

export const LinearizabilityOptionsSchema = z
  .object({
    /**
     * Search steps (one step: try one call, or undo one) before giving up
     * with `valid: 'unknown'`. A correct history of thousands of operations
     * needs about ten per operation; 5 million is a few seconds.
     */
    maxSteps: z.number().int().min(1).default(5_000_000),
    /** Look for the smallest window that still fails (costs extra searches). */
    shrink: z.boolean().default(true),
    /** Steps all the shrinking searches together may take; the window found so far is kept when they run out. */
    maxShrinkSteps: z.number().int().min(0).default(2_000_000),
    /** Give up after this much time, as read from `clock` (the library never reads the wall clock itself). */
    timeLimit: z.number().gt(0).optional(),
    /** A clock for `timeLimit`, e.g. `() => performance.now()`. */
    clock: z.custom<() => number>((v) => typeof v === 'function', 'Invalid input: expected a function').optional(),
  })
  .strict()
  .refine((o) => o.timeLimit === undefined || o.clock !== undefined, { message: 'timeLimit needs a clock to read', path: ['clock'] });
export type LinearizabilityOptions = z.input<typeof LinearizabilityOptionsSchema>;

type Common = { model: string; operations: number; partitions: number; steps: number };

export type LinearizabilityResult =
  | (Common & { valid: true })
  | (Common & {
      valid: false;
      /** The partition key that fails (models with `key`). */
      key?: string | number;
      /** The operation that could not be linearized after any order of those before it. */
      culprit: Operation;
      /** The model states it was tried from, described. */
      states: string[];
      explanation: string;
      /** The smallest set of operations found that still cannot be linearized, in history order. */
      window: Operation[];
      /** True when no single operation can be dropped from `window` and keep it failing. */
      minimal: boolean;
    })
  | (Common & { valid: 'unknown'; reason: string });

// ---------------------------------------------------------------------------
// Built-in models.

const same = (a: unknown, b: unknown): boolean => a === b || show(a) === show(b);

function casArgs(input: unknown): [unknown, unknown] {
  if (!Array.isArray(input) || input.length !== 2) throw new Error(`cas expects [from, to], got ${show(input)}`);
  return [input[0], input[1]];
}

const REGISTER_FS = "read, write or cas";

function registerStep(state: unknown, f: string, input: unknown, output: unknown): StepResult<unknown> {
  switch (f) {
    case 'write':
      return { ok: true, state: input };
    case 'read':
      return { ok: output === undefined || same(output, state), state };
    case 'cas': {
      const [from, to] = casArgs(input);
      // `false` as the result: the cas ran and found another value.
      if (output === false) return { ok: !same(state, from), state };
      return same(state, from) ? { ok: true, state: to } : { ok: false };
    }
    default:
      throw new Error(`unknown operation '${f}' for a register (expected ${REGISTER_FS})`);
  }
}

function registerExplain(op: Operation, states: readonly unknown[], what = 'the register'): string {
  const at = `${processName(op.process)} over [${t(op.call)}, ${op.ret === null ? '…' : t(op.ret)}]`;
  const left = states.map(show).join(' or ');
    if (op.f === 'read') return `read by ${at} returned ${show(op.output)}, but every order of the operations that could precede it leaves ${what} at ${left}`;
  if (op.f === 'cas') {
    const [from] = casArgs(op.input);
    const did = op.output === false ? `found a value other than ${show(from)}` : `succeeded (so found ${show(from)})`;
    return `cas ${show(op.input)} by ${at} ${did}, but every order of the operations that could precede it leaves ${what} at ${left}`;
  }
  return `${op.f} ${show(op.input)} by ${at} cannot follow ${what} at ${left}`;
}

/**
 * A read/write/compare-and-set register. Operations:
 *   write v   (input v)
 *   read      (input ignored, output the value read)
 *   cas       (input [from, to]; `ok` means it swapped; an output of `false`
 *              means it ran and found another value; a swap that did not
 *              happen can also be recorded as `fail`)
 * Values are compared as JSON. The initial value is `init` (default null).
 */
export function registerModel(init: unknown = null): Model<unknown> {
  return {
    name: 'register',
    init: () => init,
    step: registerStep,
    hash: show,
    describe: show,
    pure: (f) => f === 'read',
    explain: (op, states) => registerExplain(op, states),
  };
}

function keyed(v: unknown, what: string): [string | number, unknown] {
  if (!Array.isArray(v) || v.length !== 2 || (typeof v[0] !== 'string' && typeof v[0] !== 'number')) {
    throw new Error(`a kv ${what} must be [key, value] with a string or number key, got ${show(v)}`);
  }
  return [v[0], v[1]];
}

/**
 * Independent registers, one per key (Jepsen's "independent" tuples). Every
 * value is `[key, v]`: `write [k, 3]`, `read [k, null]` → `[k, 3]`,
 * `cas [k, [1, 2]]`. Each key is checked alone, from `init`.
 */
export function kvModel(init: unknown = null): Model<unknown> {
  return {
    name: 'kv',
    init: () => init,
    key: (op) => keyed(op.input, 'input')[0],
    step: (state, f, input, output) => registerStep(state, f, keyed(input, 'input')[1], output === undefined || output === false ? output : keyed(output, 'output')[1]),
    hash: show,
    describe: show,
    pure: (f) => f === 'read',
    explain: (op, states) => {
      const [k, input] = keyed(op.input, 'input');
      const output = op.output === undefined || op.output === false ? op.output : keyed(op.output, 'output')[1];
      return registerExplain({ ...op, input, output }, states, `key ${show(k)}`);
    },
  };
}

// ---------------------------------------------------------------------------
// The search.

type Budget = { steps: number; used: number; clock?: () => number; deadline?: number };
type Search<S> = { verdict: true | false | 'unknown'; reason?: string; block?: { op: Operation; states: S[] } };

/** Two independent 32-bit hashes per operation, so the set of linearized ops hashes incrementally (Zobrist). */
function mix(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Blocked states collected for an explanation: a few are enough. */
const MAX_BLOCK_STATES = 8;

function search<S>(model: Model<S>, ops: readonly Operation[], budget: Budget): Search<S> {
  const n = ops.length;
  const hash = model.hash ?? ((s: S) => show(s));
  // Events in history order: a call per op, a return per op that completed.
  const events: Array<{ pos: number; op: number; call: boolean }> = [];
  ops.forEach((o, i) => {
    events.push({ pos: o.invoke, op: i, call: true });
    if (o.status === 'ok') events.push({ pos: o.complete!, op: i, call: false });
  });
  events.sort((a, b) => a.pos - b.pos || (a.call === b.call ? 0 : a.call ? 1 : -1));
  // A doubly linked list over entries 1..m; 0 is the head; -1 the end.
  const m = events.length;
  const next = new Int32Array(m + 1);
  const prev = new Int32Array(m + 1);
  const opOf = new Int32Array(m + 1);
  const isCall = new Uint8Array(m + 1);
  const match = new Int32Array(m + 1).fill(-1);
  const callEntry = new Int32Array(n);
  for (let e = 0; e <= m; e++) {
    next[e] = e < m ? e + 1 : -1;
    prev[e] = e - 1;
  }
  events.forEach((ev, k) => {
    const e = k + 1;
    opOf[e] = ev.op;
    isCall[e] = ev.call ? 1 : 0;
    if (ev.call) callEntry[ev.op] = e;
    else match[callEntry[ev.op]!] = e;
  });
  const unlink = (e: number): void => {
    next[prev[e]!] = next[e]!;
    if (next[e]! !== -1) prev[next[e]!] = prev[e]!;
  };
  const relink = (e: number): void => {
    next[prev[e]!] = e;
    if (next[e]! !== -1) prev[next[e]!] = e;
  };
  const lift = (e: number): void => {
    unlink(e);
    if (match[e]! !== -1) unlink(match[e]!);
  };
  const unlift = (e: number): void => {
    if (match[e]! !== -1) relink(match[e]!);
    relink(e);
  };

  const words = (n + 31) >>> 5;
  const bits = new Uint32Array(words);
  const z1 = new Uint32Array(n);
  const z2 = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    z1[i] = mix(i * 2 + 0x9e3779b9);
    z2[i] = mix(i * 2 + 1 + 0x7f4a7c15);
  }
  let h1 = 0;
  let h2 = 0;
  // Seen (linearized set, state), keyed by hashes; the set itself is kept,
  // trimmed of leading full and trailing empty words, to rule out collisions.
  const seen = new Map<string, Array<{ lo: number; w: Uint32Array }>>();
  const remember = (stateHash: string): boolean => {
    let lo = 0;
    while (lo < words && bits[lo] === 0xffffffff) lo++;
    let hi = words;
    while (hi > lo && bits[hi - 1] === 0) hi--;
    const key = `${h1}.${h2}.${stateHash}`;
    const list = seen.get(key);
    if (list) {
      for (const c of list) {
        if (c.lo !== lo || c.w.length !== hi - lo) continue;
        let eq = true;
        for (let k = 0; k < c.w.length; k++) if (c.w[k] !== bits[lo + k]) { eq = false; break; }
        if (eq) return false;
      }
      list.push({ lo, w: bits.slice(lo, hi) });
    } else seen.set(key, [{ lo, w: bits.slice(lo, hi) }]);
    return true;
  };
  const flip = (i: number): void => {
    bits[i >>> 5] ^= 1 << (i & 31);
    h1 ^= z1[i]!;
    h2 ^= z2[i]!;
  };

  let state = model.init();
  let remaining = ops.filter((o) => o.status === 'ok').length;
  const stackEntry: number[] = [];
  const stackState: S[] = [];
  let block: { entry: number; states: S[]; hashes: Set<string> } | undefined;
  let entry = next[0]!;
  let current: Operation | undefined;
  try {
    while (remaining > 0) {
      budget.used++;
      if (budget.used > budget.steps) return { verdict: 'unknown', reason: `gave up after ${budget.steps} search steps` };
      if (budget.clock && (budget.used & 1023) === 0 && budget.clock() > budget.deadline!) return { verdict: 'unknown', reason: 'ran out of time' };
      if (entry !== -1 && isCall[entry]) {
        const i = opOf[entry]!;
        const op = (current = ops[i]!);
        const r = model.step(state, op.f, op.input, op.status === 'ok' ? op.output : undefined);
        if (r.ok) {
          flip(i);
          if (remember(hash(r.state))) {
            stackEntry.push(entry);
            stackState.push(state);
            state = r.state;
            lift(entry);
            if (op.status === 'ok') remaining--;
            entry = next[0]!;
            continue;
          }
          flip(i);
        }
        entry = next[entry]!;
      } else {
        // A completion whose call is not linearized (or the end): this branch is dead.
        if (entry !== -1) {
          if (!block || entry > block.entry) block = { entry, states: [], hashes: new Set() };
          if (entry === block.entry && block.states.length < MAX_BLOCK_STATES) {
            const h = hash(state);
            if (!block.hashes.has(h)) (block.hashes.add(h), block.states.push(state));
          }
        }
        if (stackEntry.length === 0) break;
        const e = stackEntry.pop()!;
        state = stackState.pop()!;
        const i = opOf[e]!;
        flip(i);
        unlift(e);
        if (ops[i]!.status === 'ok') remaining++;
        entry = next[e]!;
      }
    }
  } catch (err) {
    if (err instanceof ConfigError || !current) throw err;
    const o = current;
    throw new ConfigError('history', [{ path: `ops[${o.invoke}]`, message: `${(err as Error).message} (${formatOperation(o)})` }]);
  }
  if (remaining === 0) return { verdict: true };
  return { verdict: false, block: block && { op: ops[opOf[block.entry]!]!, states: block.states } };
}

/** `op` made concurrent with everything else: its result may come from any order of the others. */
function widen(ops: readonly Operation[], op: Operation): Operation[] {
  return ops.map((o) => (o === op ? { ...o, invoke: -1, complete: o.status === 'ok' ? Infinity : null } : o));
}

/**
 * The smallest window that still fails. It starts from the prefix of
 * operations invoked before the culprit (the operation at which the search
 * got furthest) completed: that prefix fails for the same reason. Then delta
 * debugging drops halves, quarters, ... single operations while the rest
 * still cannot be linearized. When the culprit's result is possible in some
 * order of the prefix (it is the timing that is impossible, as for a stale
 * read), every window must keep that true: dropping the write a read
 * returned would leave a read of a value from nowhere, a smaller failure
 * but a different story.
 */
function shrinkWindow<S>(model: Model<S>, ops: Operation[], culprit: Operation, budget: Budget): { window: Operation[]; minimal: boolean } {
  const run = (cand: readonly Operation[]): boolean | 'stop' => {
    const r = search(model, cand, budget);
    return r.verdict === 'unknown' ? 'stop' : r.verdict;
  };
  let cur = culprit.complete === null ? ops : ops.filter((o) => o.invoke < culprit.complete!);
  const timing = run(widen(cur, culprit));
  if (timing === 'stop') return { window: cur, minimal: false };
  const fails = (cand: Operation[]): boolean | 'stop' => {
    if (!cand.includes(culprit)) return false;
    const linearizable = run(cand);
    if (linearizable !== false) return linearizable === 'stop' ? 'stop' : false;
    return timing ? run(widen(cand, culprit)) : true;
  };
  let parts = 2;
  while (cur.length > 1) {
    const size = Math.ceil(cur.length / parts);
    let dropped = false;
    for (let start = 0; start < cur.length; start += size) {
      const cand = cur.slice(0, start).concat(cur.slice(start + size));
      const r = fails(cand);
      if (r === 'stop') return { window: cur, minimal: false };
      if (r) {
        cur = cand;
        parts = Math.max(parts - 1, 2);
        dropped = true;
        break;
      }
    }
    if (dropped) continue;
    if (size === 1) break;
    parts = Math.min(parts * 2, cur.length);
  }
  return { window: cur, minimal: true };
}

function genericExplain<S>(model: Model<S>, op: Operation, states: readonly S[]): string {
  const describe = model.describe ?? ((s: S) => show(s));
  const got = op.status === 'ok' ? `returned ${show(op.output)}` : 'may have taken effect';
  return (
    `${op.f} ${show(op.input)} by ${processName(op.process)} over [${t(op.call)}, ${op.ret === null ? '…' : t(op.ret)}] ${got}, ` +
    `but cannot follow any order of the operations that could precede it (they leave ${states.map(describe).join(' or ')})`
  );
}

/**
 * Is the history linearizable with respect to `model`? `valid: true` or
 * `false` are certain; `'unknown'` means the budget ran out first. A failure
 * names the operation that could not be placed, the states it was tried
 * from, and the smallest window of operations that still fails.
 */
export function checkLinearizability<S>(history: readonly Operation[], model: Model<S>, options: LinearizabilityOptions = {}): LinearizabilityResult {
  const o = parseConfig(LinearizabilityOptionsSchema, options, 'linearizability options', 'options');
  const budget: Budget = { steps: o.maxSteps, used: 0, clock: o.clock, deadline: o.clock && o.timeLimit !== undefined ? o.clock() + o.timeLimit : undefined };
  if (budget.deadline === undefined) budget.clock = undefined;

  // Unknown outcomes of pure operations say nothing: leave them out.
  const ops = history.filter((op) => op.status === 'ok' || !model.pure?.(op.f, op.input));
  const parts = new Map<string | number, Operation[]>();
  for (const op of ops) {
    let k: string | number = '';
    if (model.key) {
      try {
        k = model.key(op);
      } catch (err) {
        throw new ConfigError('history', [{ path: `ops[${op.invoke}]`, message: `${(err as Error).message} (${formatOperation(op)})` }]);
      }
    }
    const list = parts.get(k);
    if (list) list.push(op);
    else parts.set(k, [op]);
  }
  const common = (): Common => ({ model: model.name, operations: history.length, partitions: parts.size, steps: budget.used });

  let unknown: string | undefined;
  for (const [key, part] of parts) {
    const r = search(model, part, budget);
    if (r.verdict === true) continue;
    if (r.verdict === 'unknown') {
      unknown = `${r.reason}${model.key ? ` (on key ${show(key)})` : ''}`;
      if (budget.used > budget.steps || r.reason === 'ran out of time') break;
      continue;
    }
    const culprit0 = r.block!.op;
    const shrinkBudget: Budget = { steps: o.maxShrinkSteps, used: 0, clock: budget.clock, deadline: budget.deadline };
    const { window, minimal } = o.shrink ? shrinkWindow(model, part, culprit0, shrinkBudget) : { window: part, minimal: false };
    // Explain from the window's own search: its blocked operation is the one that matters.
    const w = window === part ? r : search(model, window, { steps: Infinity, used: 0 });
    const { op: culprit, states } = w.block ?? r.block!;
    const describe = model.describe ?? ((s: S) => show(s));
    const explanation = model.explain ? model.explain(culprit, states) : genericExplain(model, culprit, states);
    const out: LinearizabilityResult = {
      ...common(),
      steps: budget.used + shrinkBudget.used,
      valid: false,
      culprit,
      states: states.map(describe),
      explanation,
      window,
      minimal,
    };
    if (model.key) out.key = key;
    return out;
  }
  if (unknown !== undefined) return { ...common(), valid: 'unknown', reason: unknown };
  return { ...common(), valid: true };
}

/** The verdict as text: `✓ linearizable`, `? unknown: why`, or `✗` with the explanation and the window. */
export function formatLinearizability(r: LinearizabilityResult): string {
  const size = `${r.operations} operation${r.operations === 1 ? '' : 's'}${r.partitions > 1 ? ` in ${r.partitions} keys` : ''}`;
  if (r.valid === true) return `✓ linearizable (${r.model}, ${size}, ${r.steps} search steps)`;
  if (r.valid === 'unknown') {
    const u = r as Extract<LinearizabilityResult, { valid: 'unknown' }>;
    return `? unknown (${r.model}, ${size}): ${u.reason}; raise the budget to decide`;
  }
  // A cast, not narrowing: notebooks compile without strictNullChecks.
  const f = r as Extract<LinearizabilityResult, { valid: false }>;
  return [
    `✗ not linearizable (${f.model}, ${size}${f.key !== undefined ? `; key ${show(f.key)}` : ''})`,
    `  ${f.explanation}`,
    `  ${f.minimal ? 'smallest' : 'smallest found'} window, ${f.window.length} operation${f.window.length === 1 ? '' : 's'} that cannot be linearized${f.minimal ? '' : ' (shrinking stopped at its budget)'}:`,
    ...f.window.map((op) => `    ${op === f.culprit ? '→' : ' '} ${formatOperation(op)}`),
  ].join('\n');
}

const t = (ms: number): string => `${Number(ms.toFixed(3))}`;
