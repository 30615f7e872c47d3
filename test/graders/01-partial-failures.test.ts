// Grader for exercises/01-partial-failures.ts. Run: npm run grade -- --only 01-partial-failures
import { describe, expect, test } from 'vitest';
import { eventsOf, formatTrace, type TraceEvent } from '../../lib';
import { buildScenario, clientView, type Fault } from '@target/01-partial-failures';

// The exercise's constants, as the grader knows them (never read from the
// submission: it could change them to suit itself).
const FAULTS: readonly Fault[] = ['none', 'crashed', 'slow', 'paused', 'request-lost', 'response-lost', 'connection-broken'];
const REQUEST_AT = 10;
const TIMEOUT = 100;

const SEEDS = [1, 2, 3, 4, 5];
const replay = (fault: Fault, seed: number) =>
  `reproduce: const s = buildScenario('${fault}', ${seed}); s.sim.run(); s.results — in notebooks/01-partial-failures.ipynb`;

function runScenario(fault: Fault, seed: number) {
  const s = buildScenario(fault, seed);
  const ran = s.sim.trace.filter((e) => e.type === 'send' || e.type === 'deliver' || e.type === 'timer');
  expect(ran, `buildScenario('${fault}', ${seed}) must build the scenario, not run it: the trace already has messages or timers`).toEqual([]);
  s.sim.run({ until: 10_000 });
  return s;
}

const isRequest = (e: { body: unknown }) => (e.body as { rpc?: string } | null)?.rpc === 'request';
const isReply = (e: { body: unknown }) => (e.body as { rpc?: string } | null)?.rpc === 'reply';

function expectTimeout(fault: Fault, seed: number, results: unknown[], trace: readonly TraceEvent[]): void {
  expect(
    results,
    `with fault '${fault}', seed ${seed}: expected exactly one timeout after ${TIMEOUT} ms.\n${replay(fault, seed)}\ntrace:\n${formatTrace(trace, 30)}`,
  ).toEqual([{ status: 'timeout', indefinite: true, after: TIMEOUT }]);
}

describe('buildScenario', () => {
  test('does a healthy request get { value: 42 } back well within the timeout? (seeds 1-5)', { meta: { points: 1 } }, () => {
    for (const seed of SEEDS) {
      const { results } = runScenario('none', seed);
      expect(results, `fault 'none', seed ${seed}: expected one ok result with body { value: 42 }.\n${replay('none', seed)}`).toMatchObject([
        { status: 'ok', body: { value: 42 } },
      ]);
      expect((results[0] as { latency: number }).latency).toBeLessThan(TIMEOUT);
    }
  });

  test('does the request reach a server that has already crashed? (seeds 1-5)', { meta: { points: 2 } }, () => {
    for (const seed of SEEDS) {
      const { sim, results } = runScenario('crashed', seed);
      const crash = eventsOf(sim.trace, 'crash').find((c) => c.node === 'server');
      const drop = eventsOf(sim.trace, 'drop').find((d) => d.to === 'server' && isRequest(d));
      const msg = `fault 'crashed', seed ${seed}: expected the server to crash before t=${REQUEST_AT} and the request to be dropped with reason 'crashed'.\n${replay('crashed', seed)}`;
      expect(crash && crash.time <= REQUEST_AT, msg).toBe(true);
      expect(drop?.reason, msg).toBe('crashed');
      expectTimeout('crashed', seed, results, sim.trace);
    }
  });

  test('does a slow server reply, but only after the client gave up? (seeds 1-5)', { meta: { points: 2 } }, () => {
    for (const seed of SEEDS) {
      const { sim, results } = runScenario('slow', seed);
      const handled = eventsOf(sim.trace, 'deliver').find((d) => d.to === 'server' && isRequest(d));
      const reply = eventsOf(sim.trace, 'send').find((s) => s.from === 'server' && isReply(s));
      const msg = `fault 'slow', seed ${seed}: expected the server to get the request and send its reply after t=${REQUEST_AT + TIMEOUT}, with nothing dropped.\n${replay('slow', seed)}`;
      expect(handled, msg).toBeDefined();
      expect(reply && reply.time > REQUEST_AT + TIMEOUT, msg).toBe(true);
      expect(eventsOf(sim.trace, 'drop'), msg).toEqual([]);
      expect(eventsOf(sim.trace, 'crash'), msg).toEqual([]);
      expectTimeout('slow', seed, results, sim.trace);
    }
  });

  test('does a paused server handle the request only after it resumes, too late? (seeds 1-5)', { meta: { points: 2 } }, () => {
    for (const seed of SEEDS) {
      const { sim, results } = runScenario('paused', seed);
      const pause = eventsOf(sim.trace, 'pause').find((p) => p.node === 'server');
      const resume = eventsOf(sim.trace, 'resume').find((p) => p.node === 'server');
      const handled = eventsOf(sim.trace, 'deliver').find((d) => d.to === 'server' && isRequest(d));
      const msg = `fault 'paused', seed ${seed}: expected the server to pause at or before t=${REQUEST_AT}, resume after t=${REQUEST_AT + TIMEOUT}, and only then handle the request; nothing crashed or dropped.\n${replay('paused', seed)}`;
      expect(pause && pause.time <= REQUEST_AT, msg).toBe(true);
      expect(resume && resume.time > REQUEST_AT + TIMEOUT, msg).toBe(true);
      expect(handled && resume && handled.time >= resume.time, msg).toBe(true);
      expect(eventsOf(sim.trace, 'drop'), msg).toEqual([]);
      expect(eventsOf(sim.trace, 'crash'), msg).toEqual([]);
      expectTimeout('paused', seed, results, sim.trace);
    }
  });

  test('is the request lost by the network while the server stays up? (seeds 1-5)', { meta: { points: 2 } }, () => {
    for (const seed of SEEDS) {
      const { sim, results } = runScenario('request-lost', seed);
      const drop = eventsOf(sim.trace, 'drop').find((d) => d.to === 'server' && isRequest(d));
      const msg = `fault 'request-lost', seed ${seed}: expected the request to be dropped with reason 'loss', the server never to see it, and no crash.\n${replay('request-lost', seed)}`;
      expect(drop?.reason, msg).toBe('loss');
      expect(eventsOf(sim.trace, 'deliver').filter((d) => d.to === 'server'), msg).toEqual([]);
      expect(eventsOf(sim.trace, 'crash'), msg).toEqual([]);
      expect(sim.status('server'), msg).toBe('running');
      expectTimeout('request-lost', seed, results, sim.trace);
    }
  });

  test('does the server handle the request while its reply is lost? (seeds 1-5)', { meta: { points: 2 } }, () => {
    for (const seed of SEEDS) {
      const { sim, results } = runScenario('response-lost', seed);
      const handled = eventsOf(sim.trace, 'deliver').find((d) => d.to === 'server' && isRequest(d));
      const drop = eventsOf(sim.trace, 'drop').find((d) => d.from === 'server' && isReply(d));
      const msg = `fault 'response-lost', seed ${seed}: expected the server to get the request and its reply to be dropped with reason 'loss'.\n${replay('response-lost', seed)}`;
      expect(handled, msg).toBeDefined();
      expect(drop?.reason, msg).toBe('loss');
      expect(eventsOf(sim.trace, 'crash'), msg).toEqual([]);
      expectTimeout('response-lost', seed, results, sim.trace);
    }
  });

  test('does a partition between client and server cut the request off? (seeds 1-5)', { meta: { points: 2 } }, () => {
    for (const seed of SEEDS) {
      const { sim, results } = runScenario('connection-broken', seed);
      const cuts = eventsOf(sim.trace, 'partition').flatMap((p) => p.cuts.map(([a, b]) => `${a}->${b}`));
      const drop = eventsOf(sim.trace, 'drop').find((d) => d.to === 'server' && isRequest(d));
      const msg = `fault 'connection-broken', seed ${seed}: expected a partition cutting client->server and server->client, and the request dropped with reason 'partition'.\n${replay('connection-broken', seed)}`;
      expect(cuts, msg).toEqual(expect.arrayContaining(['client->server', 'server->client']));
      expect(drop?.reason, msg).toBe('partition');
      expect(eventsOf(sim.trace, 'crash'), msg).toEqual([]);
      expectTimeout('connection-broken', seed, results, sim.trace);
    }
  });

  test('is a scenario deterministic: same seed, same trace? (seed=11)', { meta: { points: 1 } }, () => {
    for (const fault of FAULTS) {
      const a = runScenario(fault, 11).sim.trace;
      const b = runScenario(fault, 11).sim.trace;
      expect(a, `fault '${fault}', seed 11: two runs gave different traces. Use only the simulation's randomness (ctx.rng, sim.rng), never Math.random.`).toEqual(b);
    }
  });
});

// A hand-made trace: a client calls a server whose reply is lost; a third node gossips.
const HAND_TRACE: TraceEvent[] = [
  { type: 'timer', time: 0, node: 'client', label: 'request', late: 0 },
  { type: 'send', time: 0, msg: 1, from: 'client', to: 'server', body: { rpc: 'request', call: 1, body: 'q' }, copy: false },
  { type: 'send', time: 1, msg: 2, from: 'other', to: 'client', body: 'gossip', copy: false },
  { type: 'deliver', time: 2, msg: 1, from: 'client', to: 'server', body: { rpc: 'request', call: 1, body: 'q' }, sentAt: 0 },
  { type: 'send', time: 2, msg: 3, from: 'server', to: 'client', body: { rpc: 'reply', call: 1, body: 'a' }, copy: false },
  { type: 'deliver', time: 3, msg: 2, from: 'other', to: 'client', body: 'gossip', sentAt: 1 },
  { type: 'partition', time: 3.5, cuts: [['server', 'client']] },
  { type: 'drop', time: 4, msg: 3, from: 'server', to: 'client', body: { rpc: 'reply', call: 1, body: 'a' }, sentAt: 2, reason: 'partition' },
  { type: 'pause', time: 5, node: 'server' },
  { type: 'timer', time: 10, node: 'client', label: 'timeout of call 1', late: 0 },
  { type: 'note', time: 10, node: 'client', text: 'gave up' },
  { type: 'crash', time: 12, node: 'client' },
];

describe('clientView', () => {
  test("does the view keep the client's own sends, deliveries, timers, notes and crashes, and nothing else?", { meta: { points: 3 } }, () => {
    const expected = [0, 1, 5, 9, 10, 11].map((i) => HAND_TRACE[i]);
    expect(
      clientView(HAND_TRACE, 'client'),
      "clientView(HAND_TRACE, 'client'): expected the client's timer, its send, the gossip delivered to it, its timeout timer, its note and its crash — not the server's events, the drop or the partition (see the grader's HAND_TRACE)",
    ).toEqual(expected);
    expect(clientView(HAND_TRACE, 'server'), "clientView(HAND_TRACE, 'server'): the request delivered to it and its reply — not its own pause (a paused node runs no code, so it cannot see the pause)").toEqual([3, 4].map((i) => HAND_TRACE[i]));
  });

  test('does the view stop at `until`, inclusive?', { meta: { points: 1 } }, () => {
    expect(clientView(HAND_TRACE, 'client', 3), "clientView(HAND_TRACE, 'client', 3)").toEqual([0, 1, 5].map((i) => HAND_TRACE[i]));
  });
});

describe('the point of the lesson', () => {
  test('can the client tell the six faults apart before its timeout fires? (seeds 1-5)', { meta: { points: 2 } }, () => {
    const faults = FAULTS.filter((f) => f !== 'none');
    for (const seed of SEEDS) {
      const views = faults.map((f) => clientView(runScenario(f, seed).sim.trace, 'client', REQUEST_AT + TIMEOUT));
      const first = views[0]!;
      expect(first.some((e) => e.type === 'send'), `seed ${seed}: the client's view should include its request`).toBe(true);
      expect(first.some((e) => e.type === 'timer' && e.time === REQUEST_AT + TIMEOUT), `seed ${seed}: the client's view should include its timeout`).toBe(true);
      views.forEach((v, i) =>
        expect(v, `seed ${seed}: the client's view under '${faults[i]}' differs from under '${faults[0]}', so the client could tell them apart. It should not be able to.\n${replay(faults[i]!, seed)}`).toEqual(first),
      );
    }
  });
});
