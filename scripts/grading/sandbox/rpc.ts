// Synchronous calls across the pipe, in both directions. A call sends one
// request and then serves whatever the other side asks meanwhile (the
// submission calling back into the simulator, say) until its own answer comes.
import { StringDecoder } from 'node:string_decoder';
import { type Membrane, serveLocal, type Remote, type Wire } from './membrane';

export type Request =
  | { k: 'call'; id: number; fn: number; self: Wire; args: Wire[] }
  | { k: 'new'; id: number; fn: number; args: Wire[] }
  | { k: 'get' | 'has'; id: number; obj: number; key: string }
  | { k: 'set'; id: number; obj: number; key: string; value: Wire }
  | { k: 'keys'; id: number; obj: number }
  | { k: 'load'; id: number; exercise: string };

export type Reply = { k: 'ok'; re: number; value: Wire } | { k: 'err'; re: number; error: Wire };

/** Sent by the trusted side's pipe watcher, never by the sandbox: the sandbox is gone. */
export type Dead = { k: 'dead'; reason: string };

export type Message = Request | Reply | Dead;

/** One framed message each way; `receive` blocks. */
export interface Transport {
  send(text: string): void;
  receive(): string;
}

/**
 * Splits a byte stream into newline-framed messages. The text of a message
 * still arriving is kept in pieces and joined once, when its newline comes:
 * appending to one string and searching it would flatten the whole string on
 * every chunk (quadratic: seconds for a 16 MB answer).
 */
export class LineReader {
  private readonly utf8 = new StringDecoder('utf8');
  private parts: string[] = [];
  private size = 0;
  private readonly ready: string[] = [];

  /** Characters of the message still arriving. */
  get pendingLength(): number {
    return this.size;
  }

  push(bytes: Buffer): void {
    const text = this.utf8.write(bytes);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      this.parts.push(text.slice(start, nl));
      this.ready.push(this.parts.join(''));
      this.parts = [];
      this.size = 0;
      start = nl + 1;
    }
    if (start < text.length) {
      this.parts.push(text.slice(start));
      this.size += text.length - start;
    }
  }

  /** The next whole line, if one has arrived. */
  next(): string | undefined {
    return this.ready.shift();
  }

  /** Drops the message still arriving (too big to keep). */
  dropPending(): void {
    this.parts = [];
    this.size = 0;
  }
}

/** Thrown on the trusted side when the sandbox died, timed out or broke the protocol. */
export class SandboxGone extends Error {
  override name = 'SandboxGone';
}

const MAX_NESTING = 200;

export class Endpoint implements Remote {
  private nextId = 1;
  private nesting = 0;
  /** Requests this side serves beyond the generic ones (the sandbox's `load`). */
  extra: ((req: Request) => unknown) | null = null;
  /** Called when an outermost call starts (true) and ends (false): the grader's time limit. */
  onOutermost: ((starting: boolean) => void) | null = null;
  /** Requests this side sent, by kind (for FAULTLINE_RPC_STATS and the bench). */
  readonly sent: Record<string, number> = {};

  constructor(
    readonly membrane: Membrane,
    private readonly transport: Transport,
  ) {
    membrane.remote = this;
  }

  call(fn: number, self: unknown, args: unknown[]): unknown {
    return this.request({ k: 'call', id: 0, fn, self: this.membrane.encode(self), args: args.map((a) => this.membrane.encode(a)) });
  }
  construct(fn: number, args: unknown[]): unknown {
    return this.request({ k: 'new', id: 0, fn, args: args.map((a) => this.membrane.encode(a)) });
  }
  get(obj: number, key: string): unknown {
    return this.request({ k: 'get', id: 0, obj, key });
  }
  set(obj: number, key: string, value: unknown): boolean {
    return this.request({ k: 'set', id: 0, obj, key, value: this.membrane.encode(value) }) === true;
  }
  has(obj: number, key: string): boolean {
    return this.request({ k: 'has', id: 0, obj, key }) === true;
  }
  keys(obj: number): string[] {
    const keys = this.request({ k: 'keys', id: 0, obj });
    return Array.isArray(keys) ? keys.filter((k): k is string => typeof k === 'string') : [];
  }

  /** Sends `req` and serves the other side until the answer comes back. */
  request(req: Request): unknown {
    return this.finish(this.begin(req));
  }

  /**
   * Sends `req` without waiting: `finish` (with nothing else sent between)
   * waits for its answer. The grader sends the sandbox its `load` this way,
   * and loads its own modules while the sandbox loads the submission.
   */
  begin(req: Request): number {
    if (this.nesting >= MAX_NESTING) throw new Error(`sandbox: calls nested more than ${MAX_NESTING} deep between grader and submission`);
    const id = this.nextId++;
    this.sent[req.k] = (this.sent[req.k] ?? 0) + 1;
    const outermost = this.nesting === 0;
    if (outermost) this.onOutermost?.(true);
    this.nesting++;
    try {
      this.transport.send(JSON.stringify({ ...req, id }));
    } catch (e) {
      this.nesting--;
      if (outermost) this.onOutermost?.(false);
      throw e;
    }
    return id;
  }

  /** Serves the other side until the answer to request `id` (from `begin`) comes back. */
  finish(id: number): unknown {
    try {
      for (;;) {
        const msg = this.parse(this.transport.receive());
        if (msg.k === 'dead') throw new SandboxGone(msg.reason);
        if (msg.k === 'ok' || msg.k === 'err') {
          if (msg.re !== id) throw new SandboxGone(`protocol error: answer to ${msg.re} while waiting for ${id}`);
          if (msg.k === 'ok') return this.membrane.decode(msg.value);
          throw this.membrane.decode(msg.error);
        }
        this.serve(msg);
      }
    } finally {
      this.nesting--;
      if (this.nesting === 0) this.onOutermost?.(false);
    }
  }

  /** Serves requests until the transport ends (the sandbox's main loop). */
  serveForever(): void {
    for (;;) {
      const msg = this.parse(this.transport.receive());
      if (msg.k === 'ok' || msg.k === 'err' || msg.k === 'dead') continue;
      this.serve(msg);
    }
  }

  private parse(text: string): Message {
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      throw new SandboxGone('protocol error: a message that is not JSON');
    }
    if (!msg || typeof msg !== 'object' || typeof (msg as { k?: unknown }).k !== 'string') {
      throw new SandboxGone('protocol error: a message without a kind');
    }
    return msg as Message;
  }

  private serve(req: Request): void {
    let reply: Reply;
    try {
      const value = this.handle(req);
      reply = { k: 'ok', re: req.id, value: this.membrane.encode(value) };
    } catch (e) {
      if (e instanceof SandboxGone) throw e;
      let error: Wire;
      try {
        error = this.membrane.encode(e instanceof Error ? e : new Error(`a thrown non-error: ${describe(e)}`));
      } catch {
        error = this.membrane.encode(new Error('an error that could not be described'));
      }
      reply = { k: 'err', re: req.id, error };
    }
    this.transport.send(JSON.stringify(reply));
  }

  private handle(req: Request): unknown {
    const m = this.membrane;
    switch (req.k) {
      case 'call': {
        const f = m.local(req.fn);
        if (typeof f !== 'function') throw new TypeError('sandbox: not a function');
        return Reflect.apply(f, m.decode(req.self), req.args.map((a) => m.decode(a)));
      }
      case 'new': {
        const f = m.local(req.fn);
        if (typeof f !== 'function') throw new TypeError('sandbox: not a constructor');
        return Reflect.construct(f, req.args.map((a) => m.decode(a)));
      }
      case 'get':
      case 'has':
        return serveLocal(m, req.k, req.obj, String(req.key));
      case 'set':
        return serveLocal(m, 'set', req.obj, String(req.key), m.decode(req.value));
      case 'keys':
        return serveLocal(m, 'keys', req.obj);
      default:
        if (this.extra) return this.extra(req);
        throw new Error(`sandbox: unknown request ${(req as { k: string }).k}`);
    }
  }
}

function describe(e: unknown): string {
  try {
    return String(e).slice(0, 200);
  } catch {
    return typeof e;
  }
}
