// The membrane between the grader (trusted) and the submission (sandboxed),
// used on both sides of the pipe. Values cross as JSON:
// - pure data (primitives, arrays, plain objects, Date, and instances of a
//   class that adds nothing to Object: no method, no getter) is copied, with
//   NaN, ±Infinity, -0, undefined and bigint kept exact;
// - errors are copied (name, message, stack, own data fields);
// - anything live (a function, or an object that holds one or is not plain)
//   stays where it lives and crosses as a handle: the other side gets a Proxy
//   whose every use is a synchronous call back over the pipe, except reading
//   a property the language itself keeps constant (non-writable and
//   non-configurable, a node's `ctx.id`), which crosses with the handle.
// So nothing but data ever arrives: no getter, prototype or method of one side
// ever runs on the other. Who calls whom is up to `Endpoint` (rpc.ts).

export type Wire =
  | null
  | boolean
  | string
  | number
  | { u: 1 } // undefined
  | { n: 'NaN' | 'Infinity' | '-Infinity' | '-0' }
  | { big: string }
  | { a: Wire[]; c?: number }
  | { o: [string, Wire][]; c?: number }
  | { back: number; v: Wire } // a copy the receiver sent earlier, coming back
  | { j: unknown } // plain JSON data, as is (the fast path for big answers)
  | { date: number }
  | { err: { name: string; message: string; stack: string; fields: [string, Wire][] } }
  | { fn: number; name: string } // a function of the sender's
  | { ref: number; array: boolean; fns: [string, number][]; iter?: 'entries' | 'values'; k?: [string, Wire][] } // a live object of the sender's, k: its constants
  | { mine: number }; // a handle the receiver gave out earlier: its own object back

/** What a Proxy needs from the pipe. */
export interface Remote {
  call(handle: number, self: unknown, args: unknown[]): unknown;
  construct(handle: number, args: unknown[]): unknown;
  get(handle: number, key: string): unknown;
  set(handle: number, key: string, value: unknown): boolean;
  has(handle: number, key: string): boolean;
  keys(handle: number): string[];
}

/** Limits that keep one message bounded. */
export const MAX_DEPTH = 200;
const MAX_ERROR_TEXT = 16_384;

const PROXY_HANDLE = Symbol('faultline.remoteHandle');

export class Membrane {
  private readonly exported = new Map<number, unknown>();
  private readonly ids = new Map<unknown, number>();
  private nextId = 1;
  private readonly imported = new Map<number, WeakRef<object>>();
  // Copies keep their identity on a round trip: every object this side copies
  // out gets a tag; a copy the other side sends back unchanged decodes to the
  // original (so `bestOf(samples)` can return `samples[1]` itself).
  private readonly copiesOut = new Map<number, WeakRef<object>>();
  private readonly copyTag = new WeakMap<object, number>();
  private readonly copiesIn = new WeakMap<object, number>();
  private readonly forget = new FinalizationRegistry<number>((tag) => this.copiesOut.delete(tag));
  remote: Remote | null = null;
  /** Objects whose handle is being encoded: a constant that leads back to one crosses as a bare handle. */
  private readonly encodingRefs = new Set<object>();

  constructor(
    /** Rebuilds errors of known classes (the trusted side maps names to its own classes). */
    private readonly errorClasses: Record<string, { prototype: object }> = {},
    /** Tag the copies this side sends so they can come back as themselves (the grader's side). */
    private readonly tagCopies = false,
    /** Rewrites the stack of an error that arrives (the grader shows paths as the student knows them). */
    private readonly rewriteStack: (stack: string) => string = (x) => x,
  ) {}

  /** The value behind a handle this side gave out. */
  local(handle: number): unknown {
    if (!this.exported.has(handle)) throw new Error(`sandbox: unknown handle ${handle}`);
    return this.exported.get(handle);
  }

  private export(v: unknown): number {
    let id = this.ids.get(v);
    if (id === undefined) {
      id = this.nextId++;
      this.ids.set(v, id);
      this.exported.set(id, v);
    }
    return id;
  }

  encode(v: unknown, depth = 0): Wire {
    if (depth > MAX_DEPTH) throw new Error('sandbox: value nested too deeply to send');
    switch (typeof v) {
      case 'string':
      case 'boolean':
        return v;
      case 'number':
        if (Number.isNaN(v)) return { n: 'NaN' };
        if (v === Infinity) return { n: 'Infinity' };
        if (v === -Infinity) return { n: '-Infinity' };
        if (Object.is(v, -0)) return { n: '-0' };
        return v;
      case 'undefined':
        return { u: 1 };
      case 'bigint':
        return { big: v.toString() };
      case 'symbol':
        return { u: 1 };
      case 'function': {
        const h = (v as { [PROXY_HANDLE]?: number })[PROXY_HANDLE];
        if (h !== undefined) return { mine: h };
        return { fn: this.export(v), name: safeName(v as () => void) };
      }
    }
    if (v === null) return null;
    const obj = v as object;
    const h = (obj as { [PROXY_HANDLE]?: number })[PROXY_HANDLE];
    if (h !== undefined) return { mine: h };
    if (obj instanceof Error) return this.encodeError(obj, depth);
    // The sandbox's answers are mostly plain data (a trace, 200,000 outcomes):
    // when JSON says it all, send it as is. (Only on the sandbox's side: the
    // grader's side tags its copies, and never reads the other side's getters.)
    if (!this.tagCopies && this.isJson(obj, depth, new Set())) return { j: obj };
    const data = this.tryData(obj, depth, new Set());
    if (data !== LIVE) return data;
    return this.encodeRef(obj, depth);
  }

  private encodeRef(obj: object, depth: number): Wire {
    const fns: [string, number][] = [];
    const constants: [string, unknown][] = [];
    if (!Array.isArray(obj)) {
      for (const key of Object.keys(obj)) {
        const d = Object.getOwnPropertyDescriptor(obj, key);
        if (d && 'value' in d && typeof d.value === 'function' && !(d.value as { [PROXY_HANDLE]?: number })[PROXY_HANDLE]) {
          fns.push([key, this.export(d.value)]);
        } else if (d && 'value' in d && !d.writable && !d.configurable && !NEVER.has(key) && !HIDDEN.has(key)) {
          constants.push([key, d.value]); // the language guarantees it never changes: it travels with the handle
        }
      }
      // Methods of its class too (a Map's get and set, an Rng's uniform), the ones a `get` would
      // hand out anyway (holderOf): using one then costs one round trip, not two.
      const seen = new Set<string>(Object.getOwnPropertyNames(obj));
      for (let p = Object.getPrototypeOf(obj) as object | null; p && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
        for (const key of Object.getOwnPropertyNames(p)) {
          if (seen.has(key)) continue;
          seen.add(key);
          if (NEVER.has(key) || HIDDEN.has(key)) continue;
          const d = Object.getOwnPropertyDescriptor(p, key);
          if (d && 'value' in d && typeof d.value === 'function' && !(d.value as { [PROXY_HANDLE]?: number })[PROXY_HANDLE]) {
            fns.push([key, this.export(d.value)]);
          }
        }
      }
    }
    const iter = obj instanceof Map ? 'entries' : obj instanceof Set ? 'values' : undefined;
    let k: [string, Wire][] | undefined;
    if (constants.length && !this.encodingRefs.has(obj)) {
      this.encodingRefs.add(obj);
      try {
        k = constants.map(([key, value]) => [key, this.encode(value, depth + 1)]);
      } finally {
        this.encodingRefs.delete(obj);
      }
    }
    return { ref: this.export(obj), array: Array.isArray(obj), fns, ...(iter ? { iter } : {}), ...(k ? { k } : {}) };
  }

  /** Whether JSON carries `v` exactly (no undefined, NaN, -0, holes, getters, prototypes or copies to send back). */
  private isJson(v: unknown, depth: number, path: Set<object>): boolean {
    switch (typeof v) {
      case 'string':
      case 'boolean':
        return true;
      case 'number':
        return Number.isFinite(v) && !Object.is(v, -0);
      case 'object':
        break;
      default:
        return false;
    }
    if (v === null) return true;
    if (depth > MAX_DEPTH || path.has(v) || this.copiesIn.has(v)) return false;
    path.add(v);
    try {
      const proto = Object.getPrototypeOf(v);
      if (Array.isArray(v)) {
        if (proto !== Array.prototype) return false;
        // Plain reads: only the sender's side takes this path, so a getter
        // here is the sender's own code, run where it lives.
        for (let i = 0; i < v.length; i++) if (!(i in v) || !this.isJson(v[i], depth + 1, path)) return false;
        return true;
      }
      if ((proto !== Object.prototype && !isBareClass(proto)) || Object.getOwnPropertySymbols(v).length) return false;
      const o = v as Record<string, unknown>;
      for (const key in o) if (!this.isJson(o[key], depth + 1, path)) return false;
      return true;
    } finally {
      path.delete(v);
    }
  }

  private tagOf(obj: object): number {
    let tag = this.copyTag.get(obj);
    if (tag === undefined) {
      tag = this.nextId++;
      this.copyTag.set(obj, tag);
      this.copiesOut.set(tag, new WeakRef(obj));
      this.forget.register(obj, tag);
    }
    return tag;
  }

  /** Copies pure data; returns LIVE when the value holds anything that must stay behind. */
  private tryData(v: unknown, depth: number, path: Set<object>): Wire | typeof LIVE {
    const w = this.tryDataOf(v, depth, path);
    if (w === LIVE || w === null || typeof w !== 'object' || !('a' in w || 'o' in w)) return w;
    const back = this.copiesIn.get(v as object);
    if (back !== undefined) return { back, v: w };
    if (this.tagCopies) w.c = this.tagOf(v as object);
    return w;
  }

  private tryDataOf(v: unknown, depth: number, path: Set<object>): Wire | typeof LIVE {
    if (depth > MAX_DEPTH) throw new Error('sandbox: value nested too deeply to send');
    if (v === null || typeof v !== 'object') {
      if (typeof v === 'function') return LIVE;
      return this.encode(v, depth);
    }
    if ((v as { [PROXY_HANDLE]?: number })[PROXY_HANDLE] !== undefined) return LIVE;
    if (path.has(v)) return LIVE; // a cycle: keep it by reference
    if (v instanceof Error) return LIVE;
    path.add(v);
    try {
      if (Array.isArray(v)) {
        if (Object.getPrototypeOf(v) !== Array.prototype) return LIVE;
        const out: Wire[] = [];
        for (let i = 0; i < v.length; i++) {
          const d = Object.getOwnPropertyDescriptor(v, i);
          if (d && !('value' in d)) return LIVE; // a getter
          const e = this.tryData(d ? d.value : undefined, depth + 1, path);
          if (e === LIVE) return LIVE;
          out.push(e);
        }
        return { a: out };
      }
      const proto = Object.getPrototypeOf(v);
      // Maps and Sets are state more often than data (a node's `disk`): they stay where they live.
      if (proto === Date.prototype) return { date: (v as Date).getTime() };
      if (proto !== Object.prototype && proto !== null && !isBareClass(proto)) return LIVE;
      if (Object.getOwnPropertySymbols(v).length) return LIVE;
      const out: [string, Wire][] = [];
      for (const key of Object.keys(v)) {
        const d = Object.getOwnPropertyDescriptor(v, key)!;
        if (!('value' in d)) return LIVE;
        const e = this.tryData(d.value, depth + 1, path);
        if (e === LIVE) return LIVE;
        out.push([key, e]);
      }
      return { o: out };
    } finally {
      path.delete(v);
    }
  }

  private encodeError(e: Error, depth: number): Wire {
    const fields: [string, Wire][] = [];
    for (const key of Object.keys(e)) {
      if (key === 'message' || key === 'name' || key === 'stack') continue;
      const d = Object.getOwnPropertyDescriptor(e, key);
      if (!d || !('value' in d)) continue;
      const w = this.tryData(d.value, depth + 1, new Set());
      if (w !== LIVE) fields.push([key, w]);
    }
    const text = (x: unknown) => String(typeof x === 'string' ? x : '').slice(0, MAX_ERROR_TEXT);
    let name = 'Error';
    let message = '';
    let stack = '';
    try {
      name = text(e.name) || 'Error';
      message = text(e.message);
      stack = text(e.stack);
    } catch {
      message = '(an error whose fields could not be read)';
    }
    return { err: { name, message, stack, fields } };
  }

  decode(w: Wire): unknown {
    if (w === null || typeof w !== 'object') return w;
    if ('u' in w) return undefined;
    if ('n' in w) return w.n === 'NaN' ? NaN : w.n === 'Infinity' ? Infinity : w.n === '-Infinity' ? -Infinity : -0;
    if ('big' in w) return BigInt(w.big);
    if ('a' in w) return this.arrived(w.a.map((x) => this.decode(x)), w.c);
    if ('o' in w) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of w.o) {
        // Own data property, even for '__proto__': never a prototype change.
        Object.defineProperty(out, k, { value: this.decode(x), enumerable: true, writable: true, configurable: true });
      }
      return this.arrived(out, w.c);
    }
    if ('back' in w) {
      const copy = this.decode(w.v);
      const original = this.copiesOut.get(w.back)?.deref();
      // The original only if the copy came back as it left (data compared, no code run).
      return original !== undefined && sameData(original, copy) ? original : copy;
    }
    if ('j' in w) return w.j; // parsed from JSON just now: plain data, own properties only
    if ('date' in w) return new Date(w.date);
    if ('err' in w) return this.decodeError(w.err);
    if ('mine' in w) return this.local(w.mine);
    if ('fn' in w) return this.importFunction(w.fn, w.name);
    if ('ref' in w) return this.importObject(w.ref, w.array, w.fns, w.iter, w.k);
    throw new Error('sandbox: malformed value on the wire');
  }

  private arrived(obj: object, tag: number | undefined): object {
    if (typeof tag === 'number') this.copiesIn.set(obj, tag);
    return obj;
  }

  private decodeError(e: { name: string; message: string; stack: string; fields: [string, Wire][] }): Error {
    const Known = Object.hasOwn(this.errorClasses, e.name) ? this.errorClasses[e.name] : undefined;
    const err = Known ? (Object.create(Known.prototype) as Error) : new Error();
    const own = (k: string, value: unknown) => Object.defineProperty(err, k, { value, enumerable: false, writable: true, configurable: true });
    own('message', this.rewriteStack(String(e.message)));
    own('stack', this.rewriteStack(String(e.stack || `${e.name}: ${e.message}`)));
    if (!Known) own('name', String(e.name));
    for (const [k, x] of e.fields) {
      if (k === '__proto__' || k === 'constructor') continue;
      Object.defineProperty(err, k, { value: this.decode(x), enumerable: true, writable: true, configurable: true });
    }
    return err;
  }

  private cached(id: number): object | undefined {
    return this.imported.get(id)?.deref();
  }

  private importFunction(id: number, name: string): unknown {
    const hit = this.cached(id);
    if (hit) return hit;
    const remote = () => {
      if (!this.remote) throw new Error('sandbox: not connected');
      return this.remote;
    };
    const stub = {
      [name || 'remote']: function (this: unknown, ...args: unknown[]): unknown {
        if (new.target) return remote().construct(id, args);
        return remote().call(id, this, args);
      },
    }[name || 'remote']!;
    Object.defineProperty(stub, PROXY_HANDLE, { value: id });
    this.imported.set(id, new WeakRef(stub));
    return stub;
  }

  private importObject(id: number, array: boolean, fns: [string, number][], iter?: 'entries' | 'values', k?: [string, Wire][]): unknown {
    const hit = this.cached(id);
    if (hit) return hit;
    const methods = new Map(fns.map(([k, f]) => [k, f]));
    const consts = new Map<string, unknown>();
    for (const [key, w] of Array.isArray(k) ? k : []) {
      if (typeof key === 'string' && !NEVER.has(key) && !HIDDEN.has(key)) consts.set(key, this.decode(w));
    }
    // A constant that led back here made this object's proxy already (without constants): one proxy per handle.
    const made = this.cached(id);
    if (made) return made;
    const remote = () => {
      if (!this.remote) throw new Error('sandbox: not connected');
      return this.remote;
    };
    const target: object = array ? [] : {};
    const proxy = new Proxy(target, {
      get: (_t, key) => {
        if (key === PROXY_HANDLE) return id;
        if (key === Symbol.iterator && (iter || array)) {
          // Iterates over there, one `next()` at a time.
          return function (this: unknown) {
            const start = remote().get(id, iter ?? 'values') as (() => unknown) | undefined;
            if (typeof start !== 'function') throw new TypeError('sandbox: not iterable');
            return start.call(this);
          };
        }
        if (typeof key === 'symbol' || HIDDEN.has(key)) return undefined;
        const f = methods.get(key);
        if (f !== undefined) return this.importFunction(f, key);
        if (consts.has(key)) return consts.get(key);
        return remote().get(id, key);
      },
      set: (_t, key, value) => {
        if (typeof key === 'symbol') return false;
        methods.delete(key); // no longer the method it was
        return remote().set(id, key, value);
      },
      has: (_t, key) => (key === PROXY_HANDLE ? true : typeof key === 'symbol' || HIDDEN.has(key) ? false : remote().has(id, key)),
      ownKeys: () => {
        const keys = remote().keys(id).filter((k) => !HIDDEN.has(k));
        return array ? [...keys, 'length'].filter((k, i, all) => all.indexOf(k) === i) : keys;
      },
      getOwnPropertyDescriptor: (_t, key) => {
        if (typeof key === 'symbol' || HIDDEN.has(key)) return undefined;
        if (array && key === 'length') return { value: remote().get(id, 'length'), writable: true, enumerable: false, configurable: false };
        if (!remote().has(id, key)) return undefined;
        return { value: remote().get(id, key), writable: true, enumerable: true, configurable: true };
      },
      defineProperty: () => false,
      deleteProperty: () => false,
      setPrototypeOf: () => false,
    });
    this.imported.set(id, new WeakRef(proxy));
    return proxy;
  }
}

const LIVE = Symbol('live');

// Names that make an object special to the code that inspects it rather than
// data: an `asymmetricMatch` would let a returned object decide an `expect`
// by itself, a `then` would make it a promise. A remote object never has them.
const HIDDEN = new Set(['asymmetricMatch', '$$typeof', 'then', 'nodeType', 'toJSON', '@@__IMMUTABLE_ITERABLE__@@', '@@__IMMUTABLE_RECORD__@@']);

/** Structural equality of copied data (both sides plain: arrays, plain objects, Dates, primitives). */
function sameData(a: unknown, b: unknown, depth = 0): boolean {
  if (Object.is(a, b)) return true;
  if (depth > MAX_DEPTH || a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (a instanceof Date || b instanceof Date) return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const pa = Object.getPrototypeOf(a);
  const pb = Object.getPrototypeOf(b);
  // A copy is plain: it matches an original of a bare class (which left as a plain copy).
  if (Array.isArray(a) ? pa !== Array.prototype || pb !== Array.prototype : !isPlainish(pa) || !isPlainish(pb)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    const da = Object.getOwnPropertyDescriptor(a, k);
    const db = Object.getOwnPropertyDescriptor(b, k);
    if (!da || !db || !('value' in da) || !('value' in db) || !sameData(da.value, db.value, depth + 1)) return false;
  }
  return true;
}

function safeName(f: () => void): string {
  try {
    const d = Object.getOwnPropertyDescriptor(f, 'name');
    return d && typeof d.value === 'string' && /^[A-Za-z_$][\w$]{0,60}$/.test(d.value) ? d.value : 'remote';
  } catch {
    return 'remote';
  }
}

/**
 * Whether `proto` is the prototype of a class that adds nothing but its
 * constructor to Object (`class Message { constructor(...) { this.id = ... } }`):
 * its instances are data, and cross as plain copies.
 */
function isBareClass(proto: object | null): boolean {
  if (proto === null || Object.getPrototypeOf(proto) !== Object.prototype) return false;
  const names = Object.getOwnPropertyNames(proto);
  return names.length === 1 && names[0] === 'constructor' && Object.getOwnPropertySymbols(proto).length === 0;
}

const isPlainish = (proto: object | null): boolean => proto === Object.prototype || proto === null || isBareClass(proto);

const NEVER = new Set(['constructor', '__proto__', 'prototype', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__']);

/** Where `key` lives on `target` (own or inherited); never one of the roads to `Function`. */
function holderOf(target: object, key: string): object | null {
  if (NEVER.has(key)) return null;
  for (let o: object | null = target; o; o = Object.getPrototypeOf(o)) {
    if (Object.hasOwn(o, key)) return o;
  }
  return null;
}

/**
 * What the owner of a handle does for the other side's Proxy. Never
 * `constructor`, `__proto__` or `prototype`: that road leads to `Function`,
 * and to code made by one side running on the other.
 */
export function serveLocal(m: Membrane, op: 'get' | 'set' | 'has' | 'keys', handle: number, key?: string, value?: unknown): unknown {
  const target = m.local(handle) as Record<string, unknown>;
  switch (op) {
    case 'get':
      return holderOf(target, key!) ? target[key!] : undefined;
    case 'set': {
      if (NEVER.has(key!)) return false;
      const d = Object.getOwnPropertyDescriptor(target, key!);
      if (d && !('value' in d)) return false;
      Object.defineProperty(target, key!, { value, writable: true, enumerable: true, configurable: true });
      return true;
    }
    case 'has':
      return holderOf(target, key!) !== null;
    case 'keys':
      return Object.keys(target);
  }
}
