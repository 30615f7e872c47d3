import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  acceptedWrites,
  atMostOneLeaderPerTerm,
  checkAll,
  eventuallyAnswered,
  leaderNotes,
  formatVerdict,
  leaseGrants,
  noStaleTokenWrites,
  singleWriter,
  staleWrites,
  type Verdict,
} from '../../lib/checking/checkers';
import { ConfigError } from '../../lib/core/config';
import { createSim } from '../../lib/core/sim';
import type { TraceEvent } from '../../lib/core/trace';

// Hand-made traces: only the events the checkers read (requests delivered to
// the storage or the lock, and their replies), one ms apart.
function builder() {
  const trace: TraceEvent[] = [];
  let time = 0;
  let msg = 0;
  let call = 0;
  /** A call from `client` to `server` answered with `response` right away. */
  const exchange = (client: string, server: string, request: unknown, response: unknown): void => {
    const c = ++call;
    time += 1;
    const req = { rpc: 'request', call: c, body: request };
    trace.push({ type: 'deliver', time, msg: ++msg, from: client, to: server, body: req, sentAt: time - 0.5 });
    trace.push({ type: 'send', time, msg: ++msg, from: server, to: client, body: { rpc: 'reply', call: c, body: response }, copy: false });
  };
  return {
    trace,
    grant: (client: string, token: number) => exchange(client, 'lock', { op: 'acquire' }, { granted: true, token, lease: 100 }),
    refuse: (client: string) => exchange(client, 'lock', { op: 'acquire' }, { granted: false, holder: 'x', retryIn: 5 }),
    write: (client: string, token: number | undefined, ok = true, key = 'file') =>
      exchange(client, 'storage', { op: 'write', key, value: `${client}@${token}`, token }, ok ? { ok: true, key } : { ok: false, key, reason: 'stale token', token, highest: 99 }),
  };
}

describe('reading the trace', () => {
  test('are accepted writes and grants rebuilt from the replies, and rejected writes and refusals left out?', () => {
    const b = builder();
    b.grant('a', 1);
    b.refuse('b');
    b.write('a', 1);
    b.write('b', 0, false);
    expect(acceptedWrites(b.trace).map((w) => [w.client, w.token, w.value])).toEqual([['a', 1, 'a@1']]);
    expect(leaseGrants(b.trace).map((g) => [g.client, g.token, g.lease])).toEqual([['a', 1, 100]]);
  });

  test('are writes without a token kept, with token null, and ignored by the stale-token check?', () => {
    const b = builder();
    b.write('a', 5);
    b.write('b', undefined);
    expect(acceptedWrites(b.trace).map((w) => w.token)).toEqual([5, null]);
    expect(noStaleTokenWrites(b.trace).ok).toBe(true);
  });
});

describe('noStaleTokenWrites', () => {
  test('does it name the first stale write and the newer write it came after?', () => {
    const b = builder();
    b.write('a', 1);
    b.write('b', 2);
    b.write('a', 1);
    b.write('a', 0);
    const v = noStaleTokenWrites(b.trace);
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.property).toBe('noStaleTokenWrites');
    expect(v.message).toMatch(/a's write .* token 1, after .* b's write with token 2/);
    expect(v.events.map((e) => e.time)).toEqual([2, 2, 3, 3]);
    expect(formatVerdict(v).split('\n')).toHaveLength(5);
  });

  test('are tokens compared per key?', () => {
    const b = builder();
    b.write('a', 5, true, 'x');
    b.write('b', 1, true, 'y');
    expect(noStaleTokenWrites(b.trace)).toEqual({ ok: true, property: 'noStaleTokenWrites' });
  });

  test('property: the verdict is ok exactly when accepted tokens never go down, per key', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ token: fc.integer({ min: 0, max: 6 }), key: fc.constantFrom('x', 'y'), ok: fc.boolean() }), { maxLength: 30 }), (ws) => {
        const b = builder();
        ws.forEach((w, i) => b.write(`c${i % 3}`, w.token, w.ok, w.key));
        const ok = ['x', 'y'].every((k) => {
          const toks = ws.filter((w) => w.ok && w.key === k).map((w) => w.token);
          return toks.every((t, i) => i === 0 || t >= Math.max(...toks.slice(0, i)));
        });
        expect(noStaleTokenWrites(b.trace).ok).toBe(ok);
        expect(staleWrites(acceptedWrites(b.trace)).length === 0).toBe(ok);
      }),
    );
  });
});

describe('singleWriter', () => {
  test('is an older holder writing after a newer holder has written caught, with the two grants as evidence?', () => {
    const b = builder();
    b.grant('a', 1);
    b.grant('b', 2);
    b.write('b', 2);
    b.write('a', 1);
    const v = singleWriter(b.trace);
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.message).toMatch(/^two writers: .*a's write.*token 1.*b's write.*token 2/);
    expect(v.events.map((e) => e.type)).toEqual(['send', 'send', 'send', 'send']);
  });

  test('does it judge by the grants even when the writes carry no tokens?', () => {
    const b = builder();
    b.grant('a', 1);
    b.grant('b', 2);
    b.write('b', undefined);
    b.write('a', undefined);
    expect(singleWriter(b.trace).ok).toBe(false);
    expect(noStaleTokenWrites(b.trace).ok).toBe(true); // nothing to compare: that checker needs tokens
  });

  test('is an old holder that finishes before the new one writes not a violation?', () => {
    const b = builder();
    b.grant('a', 1);
    b.grant('b', 2);
    b.write('a', 1);
    b.write('b', 2);
    b.write('b', 2);
    expect(singleWriter(b.trace).ok).toBe(true);
  });

  test('is a write by a client that never held the lease a violation?', () => {
    const b = builder();
    b.write('a', 1);
    const v = singleWriter(b.trace);
    expect(!v.ok && v.message).toMatch(/never held the lease/);
  });
});

describe('verdicts', () => {
  test('does checkAll run each checker and formatVerdict mark passes and failures?', () => {
    const b = builder();
    b.grant('a', 1);
    b.write('a', 1);
    const vs: Verdict[] = checkAll(b.trace, [noStaleTokenWrites, singleWriter, () => ({ ok: false, property: 'p', message: 'm', events: [] })]);
    expect(vs.map(formatVerdict)).toEqual(['✓ noStaleTokenWrites', '✓ singleWriter', '✗ p: m']);
  });
});

// Leadership notes as the election lessons write them, one per line: [time, node, text].
const notes = (rows: Array<[number, string, string]>): TraceEvent[] => rows.map(([time, node, text]) => ({ type: 'note', time, node, text }));

describe('atMostOneLeaderPerTerm', () => {
  test('are only leader/follower notes with a term parsed, extra words allowed after the term?', () => {
    const tr = notes([
      [1, 'a', 'leader term=1'],
      [2, 'b', 'follower term=1'],
      [3, 'c', 'leader term=2 (votes a,c)'],
      [4, 'c', 'leader term=22x'],
      [5, 'd', 'late reply to call 3 ignored'],
      [6, 'd', 'not leader term=9'],
    ]);
    expect(leaderNotes(tr).map((n) => [n.role, n.term, n.node])).toEqual([
      ['leader', 1, 'a'],
      ['follower', 1, 'b'],
      ['leader', 2, 'c'],
    ]);
  });

  test('are two nodes claiming one term caught, naming both claims?', () => {
    const tr = notes([
      [10, 'a', 'leader term=1'],
      [20, 'b', 'leader term=2'],
      [30, 'c', 'leader term=2'],
      [40, 'a', 'leader term=2'],
    ]);
    const v = atMostOneLeaderPerTerm(tr);
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.message).toBe('two leaders in term 2: b since t=20 and c since t=30');
    expect(v.events.map((e) => e.time)).toEqual([20, 30]);
  });

  test('are re-election of one node, a node re-claiming its term after a restart, and overlapping leaders of different terms all fine?', () => {
    const tr = notes([
      [10, 'a', 'leader term=1'],
      [20, 'b', 'leader term=2'], // a has not stepped down yet: two leaders at once, of different terms
      [30, 'a', 'follower term=2'],
      [40, 'b', 'leader term=2'],
      [50, 'b', 'leader term=3'],
    ]);
    expect(atMostOneLeaderPerTerm(tr)).toEqual({ ok: true, property: 'atMostOneLeaderPerTerm' });
  });

  test('does its verdict match "every term has at most one claimant" on random claims?', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.integer({ min: 1, max: 4 })), { maxLength: 12 }), (claims) => {
        const tr = notes(claims.map(([node, term], i): [number, string, string] => [i, node, `leader term=${term}`]));
        const owners = new Map<number, Set<string>>();
        for (const [node, term] of claims) owners.set(term, (owners.get(term) ?? new Set()).add(node));
        expect(atMostOneLeaderPerTerm(tr).ok).toBe([...owners.values()].every((s) => s.size <= 1));
      }),
    );
  });
});

describe('eventuallyAnswered', () => {
  /** A client calling a server every 10 ms from t=0 to t=190 with a 30 ms timeout, partitioned from 50 to 100. */
  function partitioned(seed: number) {
    const sim = createSim({ seed, network: { latency: { kind: 'uniform', min: 1, max: 3 } } });
    sim.addNode('server', () => ({ onRequest: (_b, reply) => reply('ok') }));
    sim.addNode('client', (ctx) => {
      for (let at = 0; at < 200; at += 10) ctx.setTimer(at, () => ctx.call('server', { at }, { timeout: 30 }, () => {}));
    });
    sim.nemesis([
      { at: 50, fault: 'partition', groups: [['client'], ['server']] },
      { at: 100, fault: 'heal' },
    ]);
    sim.run({ until: 300 });
    return sim.trace;
  }

  test('does it judge only requests sent after the heal, and fail when the heal time is too early?', () => {
    const tr = partitioned(1);
    expect(eventuallyAnswered(tr, { healedAt: 100, within: 10 }).ok).toBe(true);
    const v = eventuallyAnswered(tr, { healedAt: 0, within: 10 });
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.message).toMatch(/^client's request \(call \d+\) to server, sent at t=50 .* was never answered/);
    expect(v.events.map((e) => e.type)).toEqual(['send']);
  });

  test('is a reply that arrives after the bound a violation, shown with the late reply?', () => {
    const sim = createSim({ seed: 2, network: { latency: 5 } });
    sim.addNode('server', (ctx) => ({ onRequest: (_b, reply) => void ctx.setTimer(20, () => reply('slow')) }));
    sim.addNode('client', (ctx) => ctx.call('server', 'q', { timeout: 100 }, () => {}));
    sim.run({ until: 100 });
    expect(eventuallyAnswered(sim.trace, { healedAt: 0, within: 30 }).ok).toBe(true); // 5 + 20 + 5 = 30: just in time
    const v = eventuallyAnswered(sim.trace, { healedAt: 0, within: 29 });
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.message).toMatch(/answered only at t=30/);
    expect(v.events.map((e) => e.type)).toEqual(['send', 'deliver']);
  });

  test('are requests whose deadline is past the end of the run, and other clients, left unjudged?', () => {
    const sim = createSim({ seed: 3, network: { latency: 1 } });
    sim.addNode('server', () => ({ onRequest: () => {} })); // never answers
    sim.addNode('client', (ctx) => void ctx.setTimer(50, () => ctx.call('server', 'q', { timeout: 100 }, () => {})));
    sim.addNode('other', (ctx) => ctx.call('server', 'q', { timeout: 100 }, () => {}));
    sim.run({ until: 60 });
    expect(eventuallyAnswered(sim.trace, { healedAt: 0, within: 20, client: 'client' }).ok).toBe(true);
    expect(eventuallyAnswered(sim.trace, { healedAt: 0, within: 20, client: 'client', until: 70 }).ok).toBe(false);
    expect(eventuallyAnswered(sim.trace, { healedAt: 0, within: 20, client: ['other'] }).ok).toBe(false);
  });

  test('are bad options rejected up front with the path?', () => {
    expect(() => eventuallyAnswered([], { healedAt: -1, within: 0 })).toThrow(ConfigError);
    expect(() => eventuallyAnswered([], { healedAt: 0, within: Number.NaN })).toThrow(/options\.within/);
  });
});
