// Message payloads are copied when sent, so nodes never share objects. A
// payload must be data that a real network could carry and the trace can
// print: no functions, symbols, BigInts or cycles. The copy finds the bad
// field on the way (one walk, no second pass).

/** Why a payload cannot be sent, and where in it: `field` is e.g. `body.votes[2].cb`. */
export class PayloadError extends Error {
  readonly field: string;
  readonly problem: string;
  constructor(field: string, problem: string) {
    super(`${problem} at ${field}`);
    this.name = 'PayloadError';
    this.field = field;
    this.problem = problem;
  }
}

/** A deep copy of `value`, or a PayloadError naming the first field that is not plain data. */
export function copyPayload(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return copy(value, null, ancestors); // no walk, no try
  try {
    return copy(value, null, ancestors);
  } catch (e) {
    ancestors.length = 0; // a throw skips the pops
    if (!(e instanceof PayloadError)) throw e;
    return copy(value, 'body', []); // again, naming fields this time: it throws with the path
  }
}

// The objects being copied, outermost first: one array for every copy (empty between copies), not one per message.
const ancestors: object[] = [];

// `path` is null on the fast first pass: no strings are built per field.
const at = (path: string | null, suffix: string | number): string | null =>
  path === null ? null : typeof suffix === 'number' ? `${path}[${suffix}]` : path + suffix;

function copy(v: unknown, path: string | null, ancestors: object[]): unknown {
  switch (typeof v) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'undefined':
      return v;
    case 'bigint':
      throw new PayloadError(path ?? 'body', `a BigInt (${v}n) cannot be sent (the trace prints JSON): send it as a string`);
    case 'function':
      throw new PayloadError(path ?? 'body', 'a function cannot be sent: messages carry data, not code');
    case 'symbol':
      throw new PayloadError(path ?? 'body', 'a symbol cannot be sent');
  }
  if (v === null) return null;
  const o = v as object;
  if (ancestors.includes(o)) throw new PayloadError(path ?? 'body', 'a cycle (an object that contains itself) cannot be sent');
  ancestors.push(o);
  let out: unknown;
  if (Array.isArray(o)) {
    const a = new Array(o.length);
    for (let i = 0; i < o.length; i++) a[i] = copy(o[i], at(path, i), ancestors);
    out = a;
  } else {
    const proto = Object.getPrototypeOf(o);
    if (proto === Object.prototype || proto === null) {
      const r: Record<string, unknown> = {};
      for (const k in o) r[k] = copy((o as Record<string, unknown>)[k], path === null ? null : `${path}.${k}`, ancestors);
      out = r;
    } else if (o instanceof Map) {
      const m = new Map();
      for (const [k, x] of o) m.set(copy(k, at(path, '.keys()'), ancestors), copy(x, path === null ? null : `${path}.get(${String(k)})`, ancestors));
      out = m;
    } else if (o instanceof Set) {
      const s = new Set();
      for (const x of o) s.add(copy(x, at(path, '.values()'), ancestors));
      out = s;
    } else {
      // Dates, typed arrays, class instances: what structured cloning does with them.
      try {
        out = structuredClone(o);
      } catch (e) {
        throw new PayloadError(path ?? 'body', `this ${proto?.constructor?.name ?? 'object'} cannot be copied (${(e as Error).message})`);
      }
    }
  }
  ancestors.pop();
  return out;
}
