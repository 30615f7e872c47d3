// Grader for exercises/07-process-pauses.ts. Run: npm run grade -- --only 07-process-pauses
import { describe, expect, test } from 'vitest';
import { acceptedWrites, formatVerdict, leaseGrants, noStaleTokenWrites, singleWriter } from '../../lib/checking/checkers';
import { lockingSystem, randomPauses } from '../../lib/models/lease';
import { createRng } from '../../lib/core/random';
import { createSim, type Sim } from '../../lib/core/sim';
import type { Fault } from '../../lib/core/nemesis';
import type { NodeContext } from '../../lib/core/node';
import { formatTrace } from '../../lib/core/trace';
import { fencedStorage, tokenLockService } from '@target/07-process-pauses';

const NB = 'notebooks/07-process-pauses.ipynb';

/** A client that makes scripted calls: [time, node, request]; each reply (or 'timeout') is pushed to `log`. */
function scripted(steps: Array<[number, string, unknown]>, log: unknown[]) {
  return (ctx: NodeContext): void => {
    for (const [at, to, body] of steps) ctx.setTimer(at, () => ctx.call(to, body, { timeout: 50 }, (r) => log.push(r.status === 'ok' ? r.body : 'timeout')));
  };
}

/** A fixed 1 ms network: requests sent at t arrive at t+1, replies at t+2. */
const fixedSim = (seed = 1): Sim => createSim({ seed, network: { latency: 1 } });
const write = (token: number, value: unknown = `v${token}`, key = 'file') => ({ op: 'write', key, value, token });

describe('fencedStorage', () => {
  test('does it reject a token below the highest accepted for the key, and accept equal and higher ones? (seed=1)', { meta: { points: 2 } }, () => {
    const sim = fixedSim();
    const replies: unknown[] = [];
    sim.addNode('storage', fencedStorage());
    const tokens = [3, 3, 2, 5, 4, 5];
    sim.addNode('client', scripted(tokens.map((t, i): [number, string, unknown] => [i * 5, 'storage', write(t)]), replies));
    sim.run({ until: 200 });
    const how = `scripted writes to key 'file' with tokens ${tokens.join(', ')} (1 ms network, seed 1)`;
    expect(replies.map((r) => (r as { ok?: unknown }).ok), `${how}: expected ok true, true, false, true, false, true`).toEqual([true, true, false, true, false, true]);
    expect(replies[2], `${how}: the write with token 2 after token 3 should get { ok: false, key: 'file', reason: 'stale token', token: 2, highest: 3 }`).toEqual({
      ok: false,
      key: 'file',
      reason: 'stale token',
      token: 2,
      highest: 3,
    });
    expect(replies[0], `${how}: an accepted write should get { ok: true, key: 'file', token: 3 }`).toEqual({ ok: true, key: 'file', token: 3 });
  });

  test('does a rejected write leave the data alone, with tokens kept per key? (seed=1)', { meta: { points: 1 } }, () => {
    const sim = fixedSim();
    const replies: unknown[] = [];
    sim.addNode('storage', fencedStorage());
    sim.addNode('client', scripted([
      [0, 'storage', { op: 'read', key: 'file' }],
      [5, 'storage', write(7, 'new')],
      [10, 'storage', write(6, 'stale')],
      [15, 'storage', write(1, 'other', 'b')],
      [20, 'storage', { op: 'read', key: 'file' }],
      [25, 'storage', { op: 'read', key: 'b' }],
    ], replies));
    sim.run({ until: 200 });
    const how = "read 'file'; write 'new' with token 7; write 'stale' with token 6; write key 'b' with token 1; read both (seed 1)";
    expect(replies[0], `${how}: reading a key never written should give { ok: true, key: 'file', value: null, token: null }`).toEqual({ ok: true, key: 'file', value: null, token: null });
    expect((replies[3] as { ok?: unknown }).ok, `${how}: token 1 on key 'b' should be accepted (tokens are per key)`).toBe(true);
    expect(replies[4], `${how}: the stale write must not change the data`).toEqual({ ok: true, key: 'file', value: 'new', token: 7 });
    expect(replies[5], `${how}: key 'b'`).toEqual({ ok: true, key: 'b', value: 'other', token: 1 });
  });

  test('does it remember the highest token across a crash and restart? (seed=1)', { meta: { points: 1 } }, () => {
    const sim = fixedSim();
    const replies: unknown[] = [];
    sim.addNode('storage', fencedStorage());
    sim.addNode('client', scripted([[0, 'storage', write(5, 'new')], [30, 'storage', write(4, 'stale')], [40, 'storage', { op: 'read', key: 'file' }]], replies));
    sim.nemesis([{ at: 10, fault: 'crash', node: 'storage' }, { at: 20, fault: 'restart', node: 'storage' }]);
    sim.run({ until: 200 });
    const how = 'write token 5, storage crashes at t=10 and restarts at t=20, then write token 4 at t=30 (seed 1). Keep what must survive in ctx.disk';
    expect((replies[1] as { ok?: unknown }).ok, `${how}: the token-4 write should be rejected`).toBe(false);
    expect(replies[2], `${how}: a read should still return 'new' with token 5`).toEqual({ ok: true, key: 'file', value: 'new', token: 5 });
  });
});

describe('tokenLockService', () => {
  test('does it grant one lease at a time, with tokens 1, 2, 3, refusing others until the lease expires? (seed=1)', { meta: { points: 2 } }, () => {
    const sim = fixedSim();
    const a: unknown[] = [];
    const b: unknown[] = [];
    sim.addNode('lock', tokenLockService({ lease: 100 }));
    sim.addNode('a', scripted([[0, 'lock', { op: 'acquire' }], [250, 'lock', { op: 'acquire' }]], a));
    sim.addNode('b', scripted([[10, 'lock', { op: 'acquire' }], [120, 'lock', { op: 'acquire' }]], b));
    sim.run({ until: 500 });
    const how = "lease 100 ms, 1 ms network: 'a' acquires at t=0, 'b' at t=10 and t=120, 'a' again at t=250 (seed 1)";
    expect(a[0], `${how}: a's first acquire should get { granted: true, token: 1, lease: 100 }`).toEqual({ granted: true, token: 1, lease: 100 });
    expect(b[0], `${how}: b's acquire at t=10 (arrives t=11, a's lease granted at t=1) should get { granted: false, holder: 'a', retryIn: 90 }`).toEqual({
      granted: false,
      holder: 'a',
      retryIn: 90,
    });
    expect(b[1], `${how}: after a's lease expired, b should get token 2`).toEqual({ granted: true, token: 2, lease: 100 });
    expect(a[1], `${how}: after b's lease expired, a should get token 3`).toEqual({ granted: true, token: 3, lease: 100 });
  });

  test('does release free the lock only for the holder with its current token, and may a holder ask again? (seed=1)', { meta: { points: 1 } }, () => {
    const sim = fixedSim();
    const a: unknown[] = [];
    const b: unknown[] = [];
    sim.addNode('lock', tokenLockService({ lease: 1000 }));
    sim.addNode('a', scripted([[0, 'lock', { op: 'acquire' }], [10, 'lock', { op: 'acquire' }], [20, 'lock', { op: 'release', token: 1 }], [40, 'lock', { op: 'release', token: 2 }]], a));
    sim.addNode('b', scripted([[30, 'lock', { op: 'release', token: 2 }], [35, 'lock', { op: 'acquire' }], [50, 'lock', { op: 'acquire' }]], b));
    sim.run({ until: 500 });
    const how = "lease 1000 ms: a acquires (t=0) and acquires again (t=10); a releases token 1 (t=20); b releases token 2 (t=30); b acquires (t=35); a releases token 2 (t=40); b acquires (t=50) (seed 1)";
    expect(a[1], `${how}: the holder asking again should get a new token, 2`).toEqual({ granted: true, token: 2, lease: 1000 });
    expect(a[2], `${how}: releasing an old token must not free the lock`).toEqual({ released: false });
    expect(b[0], `${how}: a non-holder's release must not free the lock`).toEqual({ released: false });
    expect((b[1] as { granted?: unknown }).granted, `${how}: b's acquire at t=35 should be refused`).toBe(false);
    expect(a[3], `${how}: the holder's release with its token should free the lock`).toEqual({ released: true });
    expect(b[2], `${how}: b should then get token 3`).toEqual({ granted: true, token: 3, lease: 1000 });
  });

  test("does a lease expire by the service's own monotonic clock (1% fast, wall clock stepped back 1 s)? (seed=1)", { meta: { points: 1 } }, () => {
    const sim = fixedSim();
    const b: unknown[] = [];
    sim.addNode('lock', tokenLockService({ lease: 1000 }), { clock: { drift: 10_000 } });
    sim.addNode('a', scripted([[0, 'lock', { op: 'acquire' }]], []));
    sim.addNode('b', scripted([[985, 'lock', { op: 'acquire' }], [995, 'lock', { op: 'acquire' }]], b));
    sim.nemesis([{ at: 500, fault: 'clock-step', node: 'lock', delta: -1000 }]);
    sim.run({ until: 3000 });
    const how =
      "lease 1000 ms; the lock's clock runs 1% fast, so its monotonic clock counts 1000 ms by true t≈991; its wall clock is stepped back 1 s at t=500. " +
      "'a' is granted at t=1; 'b' asks at t=985 and t=995 (seed 1). Use ctx.clock.monotonic()";
    expect(b.map((r) => (r as { granted?: unknown }).granted), `${how}: expected refused, then granted`).toEqual([false, true]);
  });

  test('does a restarted lock service keep counting tokens and remember the holder? (seed=1)', { meta: { points: 1 } }, () => {
    const sim = fixedSim();
    const b: unknown[] = [];
    sim.addNode('lock', tokenLockService({ lease: 100 }));
    sim.addNode('a', scripted([[0, 'lock', { op: 'acquire' }]], []));
    sim.addNode('b', scripted([[30, 'lock', { op: 'acquire' }], [200, 'lock', { op: 'acquire' }]], b));
    sim.nemesis([{ at: 10, fault: 'crash', node: 'lock' }, { at: 20, fault: 'restart', node: 'lock' }]);
    sim.run({ until: 500 });
    const how = "lease 100 ms: 'a' gets token 1 at t=1; the lock crashes at t=10 and restarts at t=20; 'b' asks at t=30 and t=200 (seed 1). Keep the last token and the holder in ctx.disk";
    expect((b[0] as { granted?: unknown }).granted, `${how}: b's first acquire should be refused (a still holds the lease)`).toBe(false);
    expect(b[1], `${how}: b's second acquire should get token 2, not a reused token`).toEqual({ granted: true, token: 2, lease: 100 });
  });
});

// The whole system: your lock service and storage, the library's lease clients.
const system = (seed: number, opts: { lease: number; clients: number; rounds: number; network?: object }) =>
  lockingSystem(
    { seed, lease: opts.lease, clients: opts.clients, client: { rounds: opts.rounds }, ...(opts.network ? { network: opts.network } : {}) },
    { lockService: tokenLockService({ lease: opts.lease }), storage: fencedStorage() },
  );

/** Crash and restart `node` at random times, never overlapping. */
function randomCrashes(seed: number, node: string, until: number): Fault[] {
  const rng = createRng(seed, `crashes:${node}`);
  const out: Fault[] = [];
  for (let t = rng.uniform(50, 400); t < until; t += rng.uniform(200, 600)) {
    const down = rng.uniform(5, 40);
    out.push({ at: t, fault: 'crash', node }, { at: t + down, fault: 'restart', node });
    t += down;
  }
  return out;
}

describe('the system', () => {
  test("is a lease holder paused past its lease stopped by the storage: its stale write rejected, the newer holder's kept? (seed=1)", { meta: { points: 2 } }, () => {
    const s = system(1, { lease: 100, clients: 2, rounds: 2 });
    s.sim.nemesis([{ at: 8, fault: 'pause', node: 'client1', for: 150 }]);
    s.sim.run({ until: 1000 });
    const how = `the lesson's scenario: lease 100 ms, client1 paused at t=8 for 150 ms while working (seed 1). ` +
      `Reproduce: lockingSystem({ seed: 1, lease: 100, client: { rounds: 2 } }, { lockService: tokenLockService({ lease: 100 }), storage: fencedStorage() }) in ${NB}`;
    const writes = acceptedWrites(s.sim.trace);
    const stale = noStaleTokenWrites(s.sim.trace);
    expect(stale.ok, `${how}\n${formatVerdict(stale)}`).toBe(true);
    expect(
      writes.map((w) => w.value),
      `${how}: expected all four writes to land in turn, client1's first one only after it took a fresh lease`,
    ).toEqual(['client2#1', 'client2#2', 'client1#1', 'client1#2']);
  });

  test('under random pauses, crashes and slow messages, is no write with a stale token ever accepted? (seeds 1-12)', { meta: { points: 3 } }, () => {
    for (let seed = 1; seed <= 12; seed++) {
      const until = 3000;
      const s = system(seed, { lease: 60, clients: 3, rounds: 1000, network: { latency: { kind: 'lognormal', median: 3, sigma: 0.9 } } });
      const pauses = randomPauses(createRng(seed, 'grader-pauses'), { nodes: [...s.clients, 'lock', 'storage'], every: 150, length: { kind: 'exponential', mean: 60 }, until });
      s.sim.nemesis([...pauses, ...randomCrashes(seed, 'lock', until), ...randomCrashes(seed, 'storage', until), ...randomCrashes(seed, 'client2', until)]);
      s.sim.run({ until });
      const how = `seed ${seed}: 3 lease clients, lease 60 ms, log-normal latency (median 3 ms, σ 0.9), random pauses on every node, random crashes of lock, storage and client2, for ${until} ms (see the grader's 'the system' tests)`;
      const writes = acceptedWrites(s.sim.trace);
      expect(writes.length, `${how}: expected some writes to be accepted at all`).toBeGreaterThan(5);
      for (const v of [noStaleTokenWrites(s.sim.trace), singleWriter(s.sim.trace)]) {
        expect(v.ok, `${how}\n${formatVerdict(v)}`).toBe(true);
      }
      const tokens = leaseGrants(s.sim.trace).map((g) => g.token);
      expect(tokens.every((t, i) => i === 0 || t > tokens[i - 1]!), `${how}: every grant must carry a larger token than the one before; got ${tokens.join(', ')}`).toBe(true);
    }
  });

  test('with no faults, does every client get the lock and make all its writes within 2 s? (seeds 1-5)', { meta: { points: 2 } }, () => {
    for (let seed = 1; seed <= 5; seed++) {
      const s = system(seed, { lease: 100, clients: 3, rounds: 3 });
      s.sim.run({ until: 2000 });
      const writes = acceptedWrites(s.sim.trace);
      const how = `seed ${seed}: 3 lease clients, 3 writes each, lease 100 ms, default network, no faults, 2000 ms`;
      for (const c of s.clients) {
        expect(leaseGrants(s.sim.trace).some((g) => g.client === c), `${how}: ${c} never got the lock.\n${formatTrace(s.sim.trace, 40)}`).toBe(true);
        expect(writes.filter((w) => w.client === c).length, `${how}: ${c} should have 3 accepted writes`).toBe(3);
      }
    }
  });
});

// Understanding, not transcription: scenarios the exercise text does not spell out.
describe('why fencing works', () => {
  test('is a write delayed in the network past its lease rejected, even after a lock restart and a storage restart? (seed=1)', { meta: { points: 2 } }, () => {
    // No pause here: 'a' writes while its lease is valid, but the network holds the write for 300 ms.
    // Checking the lease before writing cannot help; only the storage, seeing a newer token, can.
    const sim = fixedSim();
    const a: unknown[] = [];
    const b: unknown[] = [];
    sim.addNode('lock', tokenLockService({ lease: 100 }));
    sim.addNode('storage', fencedStorage());
    sim.addNode('a', scripted([[0, 'lock', { op: 'acquire' }], [5, 'storage', write(1, 'a with token 1')]], a));
    sim.addNode('b', scripted([
      [150, 'lock', { op: 'acquire' }],
      [160, 'storage', write(2, 'b with token 2')],
      [180, 'storage', write(2, 'b with token 2, retried')],
      [400, 'storage', { op: 'read', key: 'file' }],
    ], b));
    sim.nemesis([
      { at: 3, fault: 'link', from: 'a', to: 'storage', set: { latency: 300 } },
      { at: 50, fault: 'crash', node: 'lock' },
      { at: 60, fault: 'restart', node: 'lock' },
      { at: 200, fault: 'crash', node: 'storage' },
      { at: 210, fault: 'restart', node: 'storage' },
    ]);
    sim.run({ until: 600 });
    const how =
      "lease 100 ms, 1 ms network (seed 1): 'a' gets the lock at t=1 and writes with token 1 at t=5, but the link a→storage is slowed to 300 ms at t=3, " +
      "so the write arrives at t=305; the lock crashes at t=50 and restarts at t=60; 'b' acquires at t=150, writes with its token at t=160 and " +
      "retries the same write at t=180 (as if the first reply were lost); the storage crashes at t=200 and restarts at t=210; 'b' reads at t=400. " +
      "Replay: the grader's 'why fencing works' test, createSim({ seed: 1, network: { latency: 1 } })";
    expect(b[0], `${how}: b should get token 2. A restarted lock service that handed out token 1 again would give b and a equal tokens, and the storage could no longer tell the old holder from the new one`).toEqual({
      granted: true,
      token: 2,
      lease: 100,
    });
    const accepted = acceptedWrites(sim.trace).map((w) => w.value);
    expect(accepted, `${how}: b's writes (equal tokens from the same holder) must be accepted, and a's late token-1 write rejected: it arrived after token 2 was accepted, and after a storage restart that must not forget token 2`).toEqual([
      'b with token 2',
      'b with token 2, retried',
    ]);
    expect(b[3], `${how}: the read should see b's retried write`).toEqual({ ok: true, key: 'file', value: 'b with token 2, retried', token: 2 });
  });

  test('does every read see the write of the newest lease, while old writes arrive late, twice and out of order? (seeds 1-8)', { meta: { points: 2 } }, () => {
    // A read must return the latest accepted write among those with the highest token so far:
    // rejecting stale writes is not enough if they (or their duplicates) still change the data.
    let rejected = 0;
    for (let seed = 1; seed <= 8; seed++) {
      const until = 2000;
      const network = { latency: { kind: 'lognormal', median: 3, sigma: 0.9 }, duplicate: 0.1, reorder: 0.2, reorderDelay: { kind: 'uniform', min: 20, max: 150 } };
      const s = system(seed, { lease: 60, clients: 3, rounds: 1000, network });
      const reads: unknown[] = [];
      s.sim.addNode('auditor', scripted(Array.from({ length: 19 }, (_, i): [number, string, unknown] => [100 * (i + 1), 'storage', { op: 'read', key: 'file' }]), reads));
      s.sim.nemesis([...randomCrashes(seed, 'lock', until - 200), ...randomCrashes(seed, 'storage', until - 200)]);
      s.sim.run({ until });
      const how =
        `seed ${seed}: 3 lease clients, lease 60 ms, log-normal latency (median 3 ms, σ 0.9), 10% of messages duplicated, 20% held back 20-150 ms, ` +
        `random crashes of lock and storage; an 'auditor' reads 'file' every 100 ms; ${until} ms. ` +
        `Replay: lockingSystem({ seed: ${seed}, lease: 60, clients: 3, client: { rounds: 1000 }, network: ${JSON.stringify(network)} }, ` +
        `{ lockService: tokenLockService({ lease: 60 }), storage: fencedStorage() }) with the grader's randomCrashes(${seed}, 'lock' | 'storage', ${until - 200})`;
      const writes = acceptedWrites(s.sim.trace);
      expect(writes.length, `${how}: expected some writes to be accepted at all`).toBeGreaterThan(5);
      const holder = new Map<number, string>();
      for (const w of writes) {
        const first = holder.get(w.token ?? -1);
        expect(first === undefined || first === w.client, `${how}: token ${w.token} was accepted from both ${first} and ${w.client}: a token must name one lease, so it must be granted once`).toBe(true);
        holder.set(w.token ?? -1, w.client);
      }
      const index = new Map(s.sim.trace.map((e, i) => [e, i]));
      for (const [i, e] of s.sim.trace.entries()) {
        if (e.type === 'send' && e.from === 'storage' && e.to === 'auditor' && !e.copy) {
          const got = (e.body as { body?: { value?: unknown; token?: unknown } }).body;
          let best: (typeof writes)[number] | undefined;
          for (const w of writes) if (index.get(w.ack)! < i && (!best || (w.token ?? 0) >= (best.token ?? 0))) best = w;
          const want = best ? { value: best.value, token: best.token } : { value: null, token: null };
          expect({ value: got?.value, token: got?.token }, `${how}: the read answered at t=${e.time.toFixed(1)} should return the newest lease's latest write`).toEqual(want);
        }
        if (e.type === 'send' && e.from === 'storage' && !e.copy && (e.body as { body?: { reason?: unknown } }).body?.reason === 'stale token') rejected++;
      }
    }
    expect(rejected, 'seeds 1-8: the network should have delivered some stale writes late, and the storage should have rejected them').toBeGreaterThan(0);
  });
});
