import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  acceptedWrites,
  checkAll,
  formatVerdict,
  leaseGrants,
  noStaleTokenWrites,
  singleWriter,
  staleWrites,
  type Verdict,
} from '../../lib/checkers';
import type { TraceEvent } from '../../lib/trace';

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
