// Histories, as Jepsen records them: what clients saw, not what servers did.
// Each operation appears twice: an `invoke` when a client starts it and a
// completion when the client learns how it went. A completion is
//   ok   it happened, and `value` is what it returned;
//   fail it certainly did not happen (so it is dropped);
//   info the client cannot tell (a timeout): it may have happened, at any
//        time after its invocation, even long after: it stays open until
//        the end of the history.
// The order of the list is the real-time order: an operation precedes
// another when its completion comes before the other's invocation.
import { z } from 'zod';
import { configFail, parseConfig } from '../core/config';
import type { CallResult, NodeContext } from '../core/node';
import type { NodeId } from '../core/trace';

export type Process = number | string;
export type OpType = 'invoke' | 'ok' | 'fail' | 'info';

/** One line of a history. `value` of an invoke is the argument; of an `ok`, the result. */
export type Op = { process: Process; type: OpType; f: string; value: unknown; time?: number; index?: number };

/**
 * An operation with its invocation and completion paired. `call`/`ret` are
 * times for display (the ops' `time`, or their positions when the history
 * has no times); `invoke`/`complete` are positions in the history, which
 * define the real-time order. An `info` operation has `ret` and `complete`
 * null: it never finished as far as anyone knows.
 */
export type Operation = {
  /** 0, 1, 2, ... in order of invocation. */
  id: number;
  process: Process;
  f: string;
  input: unknown;
  /** What it returned; undefined when `status` is 'info'. */
  output: unknown;
  status: 'ok' | 'info';
  call: number;
  ret: number | null;
  invoke: number;
  complete: number | null;
};

export const OpSchema = z.object({
  process: z.union([z.number().int(), z.string().min(1)]),
  type: z.enum(['invoke', 'ok', 'fail', 'info']),
  f: z.string().min(1),
  // Missing means null (JSON has no undefined; Jepsen writes nil).
  value: z.unknown().optional(),
  time: z.number().optional(),
  index: z.number().int().optional(),
});

export const HistorySchema = z.array(OpSchema);

/** Jepsen's fault injector logs its actions as ops of this process; they are not client operations. */
const NEMESIS = 'nemesis';

/**
 * Validate a history (a list of ops, or `{ ops: [...] }`) and pair it into
 * operations. Throws a ConfigError naming the op (`ops[3].type`) and the
 * rule it breaks.
 */
export function parseHistory(input: unknown): Operation[] {
  // A file may wrap the list as `{ "ops": [...] }` (as Jepsen-style exports do).
  const list = typeof input === 'object' && input !== null && !Array.isArray(input) && 'ops' in input ? (input as { ops: unknown }).ops : input;
  const ops = parseConfig(HistorySchema, list, 'history', 'ops') as Op[];
  return pairOps(ops);
}

/** Pair invocations with completions (see the file header for what each completion means). */
export function pairOps(ops: readonly Op[]): Operation[] {
  const timed = ops.filter((o) => o.time !== undefined).length;
  if (timed > 0 && timed < ops.length) {
    const i = ops.findIndex((o) => o.time === undefined);
    configFail('history', `ops[${i}].time`, 'missing, but other ops have a time: give every op a time, or none');
  }
  const out: Operation[] = [];
  const pending = new Map<Process, Operation>();
  let last = -Infinity;
  ops.forEach((op, i) => {
    if (op.process === NEMESIS) return;
    const time = op.time ?? i;
    const value = op.value === undefined ? null : op.value;
    if (time < last) configFail('history', `ops[${i}].time`, `${time} is before the previous op's time ${last}: list ops in the order they happened`);
    last = time;
    const open = pending.get(op.process);
    if (op.type === 'invoke') {
      if (open) configFail('history', `ops[${i}]`, `process ${op.process} invokes '${op.f}' while its '${open.f}' (ops[${open.invoke}]) is still pending`);
      const o: Operation = { id: out.length, process: op.process, f: op.f, input: value, output: undefined, status: 'info', call: time, ret: null, invoke: i, complete: null };
      out.push(o);
      pending.set(op.process, o);
      return;
    }
    if (!open) configFail('history', `ops[${i}]`, `process ${op.process} completes '${op.f}' (${op.type}) but invoked nothing`);
    if (open.f !== op.f) configFail('history', `ops[${i}].f`, `process ${op.process} completes '${op.f}' but its pending invocation (ops[${open.invoke}]) is '${open.f}'`);
    pending.delete(op.process);
    if (op.type === 'ok') {
      open.status = 'ok';
      open.output = value;
      open.ret = time;
      open.complete = i;
    } else if (op.type === 'fail') {
      out.splice(out.indexOf(open), 1);
    }
    // 'info': stays open, as does an invocation never completed.
  });
  out.forEach((o, k) => (o.id = k));
  return out;
}

/** A pending operation of a recorder. */
export type Handle = number;

export interface HistoryRecorder {
  /** Start an operation; returns the handle to complete it with. */
  invoke(process: Process, f: string, value: unknown, time: number): Handle;
  ok(handle: Handle, value: unknown, time: number): void;
  fail(handle: Handle, time: number, value?: unknown): void;
  info(handle: Handle, time: number, value?: unknown): void;
  /** Complete an operation from a simulator call's result: a reply is `ok`, a timeout `info`. */
  complete(handle: Handle, result: CallResult, time: number, outcome?: Outcome): void;
  /** The history so far, in the order recorded. */
  ops(): Op[];
}

/** How to read a reply: what the operation returned, or that it certainly did not happen. */
export type Outcome = (reply: unknown) => { type: 'ok' | 'fail'; value?: unknown };

const asOk: Outcome = (reply) => ({ type: 'ok', value: reply });

export function createHistoryRecorder(): HistoryRecorder {
  const ops: Op[] = [];
  const open = new Map<Handle, { process: Process; f: string }>();
  let next = 1;
  const finish = (handle: Handle, type: OpType, value: unknown, time: number): void => {
    const o = open.get(handle);
    if (!o) throw new Error(`history recorder: operation ${handle} is not pending (completed twice, or never invoked)`);
    open.delete(handle);
    ops.push({ process: o.process, type, f: o.f, value, time });
  };
  const rec: HistoryRecorder = {
    invoke(process, f, value, time) {
      const handle = next++;
      open.set(handle, { process, f });
      ops.push({ process, type: 'invoke', f, value, time });
      return handle;
    },
    ok: (handle, value, time) => finish(handle, 'ok', value, time),
    fail: (handle, time, value) => finish(handle, 'fail', value, time),
    info: (handle, time, value) => finish(handle, 'info', value, time),
    complete(handle, result, time, outcome = asOk) {
      if (result.status === 'timeout') return rec.info(handle, time);
      const o = outcome(result.body);
      finish(handle, o.type, o.value, time);
    },
    ops: () => ops.map((o) => ({ ...o })),
  };
  return rec;
}

export type RecordedCall = {
  f: string;
  /** The operation's argument, as the history shows it. */
  value: unknown;
  /** What to send (default: `{ f, value }`). */
  body?: unknown;
  timeout: number;
  /** How to read the reply (default: ok, returning the reply). */
  outcome?: Outcome;
  /** The process in the history (default: the calling node's id). */
  process?: Process;
};

/**
 * `ctx.call` that also records the operation in `recorder`, at the
 * simulation's true time: invoked when sent, ok when the reply arrives, info
 * when it times out (the request may still run). Then calls `onResult`.
 */
export function recordedCall(recorder: HistoryRecorder, ctx: NodeContext, to: NodeId, call: RecordedCall, onResult?: (result: CallResult) => void): void {
  const handle = recorder.invoke(call.process ?? ctx.id, call.f, call.value, ctx.now());
  ctx.call(to, call.body ?? { f: call.f, value: call.value }, { timeout: call.timeout }, (result) => {
    recorder.complete(handle, result, ctx.now(), call.outcome);
    onResult?.(result);
  });
}

/** An operation as one line: `p2 read null → 3 [12, 15]`. */
export function formatOperation(o: Operation): string {
  const ret = o.status === 'ok' ? `→ ${show(o.output)}` : '→ ? (info)';
  return `${processName(o.process)} ${o.f} ${show(o.input)} ${ret} [${num(o.call)}, ${o.ret === null ? '…' : num(o.ret)}]`;
}

/** `p2` for process 2 (Jepsen numbers processes); a named process (a node id) as it is. */
export function processName(p: Process): string {
  return typeof p === 'number' ? `p${p}` : p;
}

export function show(v: unknown): string {
  if (v === undefined) return '?';
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

const num = (t: number): string => `${Number(t.toFixed(3))}`;
