// What crosses the sandbox's membrane as data and what costs a round trip.
// The grader's side (trusted) and the sandbox's side are two Membranes; here
// the sandbox's remote is a stand-in for the pipe that serves each request
// from the grader's membrane, through JSON, and counts it.
import { describe, expect, test } from 'vitest';
import { createSim, type NodeContext } from '../../lib';
import { Membrane, serveLocal, type Remote, type Wire } from '../../scripts/grading/sandbox/membrane';

function pair() {
  const grader = new Membrane({}, true);
  const sandbox = new Membrane();
  const trips: string[] = [];
  const toSandbox = (v: unknown) => sandbox.decode(JSON.parse(JSON.stringify(grader.encode(v))) as Wire);
  const toGrader = (v: unknown) => grader.decode(JSON.parse(JSON.stringify(sandbox.encode(v))) as Wire);
  const remote: Remote = {
    call(fn, self, args) {
      trips.push('call');
      const f = grader.local(fn) as (...a: unknown[]) => unknown;
      return toSandbox(Reflect.apply(f, toGrader(self), args.map(toGrader)));
    },
    construct(fn, args) {
      trips.push('new');
      return toSandbox(Reflect.construct(grader.local(fn) as new (...a: unknown[]) => object, args.map(toGrader)));
    },
    get(obj, key) {
      trips.push(`get ${key}`);
      return toSandbox(serveLocal(grader, 'get', obj, key));
    },
    set(obj, key, value) {
      trips.push(`set ${key}`);
      return serveLocal(grader, 'set', obj, key, toGrader(value)) === true;
    },
    has(obj, key) {
      trips.push(`has ${key}`);
      return serveLocal(grader, 'has', obj, key) === true;
    },
    keys(obj) {
      trips.push('keys');
      return serveLocal(grader, 'keys', obj) as string[];
    },
  };
  sandbox.remote = remote;
  return { toSandbox, toGrader, trips };
}

describe('the membrane between grader and sandbox', () => {
  test('an instance of a class that adds nothing to Object (a Message) crosses as a plain copy', () => {
    const { toSandbox, trips } = pair();
    class Record {
      constructor(
        readonly id: number,
        readonly body: unknown,
      ) {}
    }
    const copy = toSandbox(new Record(1, { type: 'ping', n: [1, 2] })) as Record;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(copy).toEqual({ id: 1, body: { type: 'ping', n: [1, 2] } });
    expect(trips, 'reading a copy costs no round trip').toEqual([]);
  });

  test('a class with a method or a getter stays live: every read is a round trip', () => {
    const { toSandbox, trips } = pair();
    class WithMethod {
      x = 1;
      twice() {
        return this.x * 2;
      }
    }
    class WithGetter {
      x = 1;
      get y() {
        return this.x + 1;
      }
    }
    const m = toSandbox(new WithMethod()) as WithMethod;
    const g = toSandbox(new WithGetter()) as WithGetter;
    expect([m.x, m.twice(), g.y]).toEqual([1, 2, 2]);
    expect(trips).toEqual(['get x', 'call', 'get y']);
  });

  test('a message delivered to a sandboxed handler is data, read with no round trip', () => {
    const { toSandbox, trips } = pair();
    const got: unknown[] = [];
    const sim = createSim({ seed: 1, network: { latency: 1 } });
    sim.addNode('a', (ctx) => void ctx.setTimer(1, () => ctx.send('b', { type: 'hi' })));
    sim.addNode('b', () => ({ onMessage: (msg) => got.push(toSandbox(msg)) }));
    sim.run();
    expect(got).toEqual([{ id: expect.any(Number), from: 'a', to: 'b', body: { type: 'hi' }, sentAt: 1 }]);
    expect(trips).toEqual([]);
  });

  test("a constant (non-writable, non-configurable) property crosses with its object's handle; a writable one is read live", () => {
    const { toSandbox, trips } = pair();
    const owner = { hits: 0, bump() {} };
    Object.defineProperty(owner, 'name', { value: 'n1', enumerable: true, writable: false, configurable: false });
    const remote = toSandbox(owner) as { name: string; hits: number };
    expect(remote.name).toBe('n1');
    expect(trips, 'the constant needs no round trip').toEqual([]);
    owner.hits = 5; // changed on the owner's side: a writable field must be read where it lives
    expect(remote.hits).toBe(5);
    expect(trips).toEqual(['get hits']);
  });

  test('constants that lead back to their own object cross once: one proxy per object, and no endless encoding', () => {
    const { toSandbox } = pair();
    const a = { name: 'a', poke() {} } as { name: string; poke(): void; peer?: unknown };
    const b = { name: 'b', poke() {} } as { name: string; poke(): void; peer?: unknown };
    Object.defineProperty(a, 'peer', { value: b, enumerable: true, writable: false, configurable: false });
    Object.defineProperty(b, 'peer', { value: a, enumerable: true, writable: false, configurable: false });
    const ra = toSandbox(a) as typeof a & { peer: typeof b & { peer: unknown } };
    expect(ra.peer.peer).toBe(ra);
    expect(ra.peer.name).toBe('b');
  });

  test("a node's ctx.id, ctx.rng, ctx.clock and ctx.disk are constants: ctx.rng.uniform() is one round trip, ctx.id none", () => {
    const { toSandbox, trips } = pair();
    let ctx: (NodeContext & Record<string, unknown>) | undefined;
    const sim = createSim({ seed: 1 });
    sim.addNode('n1', (c) => void (ctx = toSandbox(c) as NodeContext & Record<string, unknown>));
    sim.run({ until: 1 });
    expect(ctx!.id).toBe('n1');
    expect(trips).toEqual([]);
    const u = ctx!.rng.uniform(0, 1);
    expect(u).toBeGreaterThanOrEqual(0);
    expect(u).toBeLessThan(1);
    expect(trips).toEqual(['call']);
    void ctx!.disk;
    void ctx!.clock;
    expect(trips, 'disk and clock cross as handles with ctx').toEqual(['call']);
    // Assigning one is refused where it lives, and the error comes back.
    expect(() => {
      (ctx as { id: string }).id = 'n2';
    }).toThrow(TypeError);
    expect(ctx!.id).toBe('n1');
  });
});
