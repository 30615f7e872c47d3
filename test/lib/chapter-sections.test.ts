// Behaviour of the experiments that cover the chapter's thinner sections:
// each test asks the question its lesson asks.
import { describe, expect, test } from 'vitest';
import { ConfigError, percentile } from '../../lib/index';
import { circuitLink, packetLink } from '../../lib/models/circuit';
import { leapSecond, ntpTrouble, vmPause } from '../../lib/models/clock-faults';
import { detectionByFeedback } from '../../lib/models/fault-feedback';
import { gcCluster } from '../../lib/models/gc-strategies';
import { cloudService, hpcJob } from '../../lib/models/hpc-vs-cloud';
import { oneWayLink, switchUpgrade } from '../../lib/models/incidents';
import { snapshotExperiment } from '../../lib/models/snapshot';

describe('supercomputer vs cloud (seed 1)', () => {
  test('does a job on many machines need checkpoints, while a service just routes around failures?', () => {
    const naive = hpcJob({ seed: 1, machines: 10_000, workHours: 100, checkpointEvery: null });
    const checkpointed = hpcJob({ seed: 1, machines: 10_000, workHours: 100, checkpointEvery: 1 });
    expect(naive.finished).toBe(false);
    expect(checkpointed.finished).toBe(true);
    expect(checkpointed.hours).toBeGreaterThan(100);
    const cloud = cloudService({ seed: 1, machines: 10_000, hours: 1000 });
    expect(cloud.failures).toBeGreaterThan(100);
    expect(cloud.served).toBe(1); // 10% headroom absorbs every failure
    expect(cloud.upFraction).toBeLessThan(1);
  });
  test('one machine rarely fails: no checkpoint needed; same seed, same answer', () => {
    expect(hpcJob({ seed: 1, machines: 1, workHours: 100, checkpointEvery: null }).hours).toBe(100);
    expect(hpcJob({ seed: 3, machines: 1000, workHours: 100, checkpointEvery: 2 })).toEqual(
      hpcJob({ seed: 3, machines: 1000, workHours: 100, checkpointEvery: 2 }),
    );
    expect(() => hpcJob({ seed: 1, machines: 0, workHours: 1, checkpointEvery: 1 })).toThrow(/machines/);
  });
});

describe('circuit vs packet switching (seed 1)', () => {
  test('a circuit has bounded delay and idle capacity; packets fill the link and queue', () => {
    const circuit = circuitLink({ seed: 1, sources: 20 });
    const packet = packetLink({ seed: 1, sources: 20 });
    expect(circuit.admitted).toBe(5);
    expect(new Set(circuit.delays).size).toBe(1);
    expect(circuit.utilization).toBeLessThan(0.3);
    expect(packet.utilization).toBeGreaterThan(0.7);
    expect(percentile(packet.delays, 99)).toBeGreaterThan(10 * circuit.delays[0]!);
  });
  test('queueing delay grows without bound as the load approaches capacity', () => {
    const p99 = [10, 20, 24].map((sources) => percentile(packetLink({ seed: 1, sources }).delays, 99));
    expect(p99[0]!).toBeLessThan(p99[1]!);
    expect(p99[1]!).toBeLessThan(p99[2]!);
    expect(() => circuitLink({ seed: 1, sources: 2, peakRate: 20 })).toThrow(ConfigError);
  });
});

describe('GC strategies (seed 1)', () => {
  test('draining before a planned pause removes the full-GC tail; real time trades median for tail', { timeout: 60_000 }, () => {
    const r = Object.fromEntries(
      (['stop-the-world', 'drained', 'restart', 'real-time'] as const).map((s) => {
        const l = gcCluster({ seed: 1, strategy: s, durationMs: 300_000 }).latencies;
        return [s, { p50: percentile(l, 50), p999: percentile(l, 99.9) }];
      }),
    );
    expect(r['stop-the-world']!.p999).toBeGreaterThan(300);
    expect(r.drained!.p999).toBeLessThan(30);
    expect(r.restart!.p999).toBeLessThan(30);
    expect(r['real-time']!.p999).toBeLessThan(r.drained!.p999);
    expect(r['real-time']!.p50).toBeGreaterThan(r.drained!.p50);
  });
});

describe('clock faults', () => {
  test('a stepped leap second repeats a second; a smear never goes back but is up to 500 ms off UTC', () => {
    const step = leapSecond({ mode: 'step' });
    const smear = leapSecond({ mode: 'smear' });
    expect(step.outOfOrder).toBe(10);
    expect(step.maxUtcError).toBe(0);
    expect(smear.outOfOrder).toBe(0);
    expect(smear.maxUtcError).toBeCloseTo(500, 3);
  });
  test('a paused VM resumes with its clock behind, then jumps forward by the pause', () => {
    const v = vmPause({ pauseFor: 5000 });
    expect(v.largestJump).toBeCloseTo(5000, 6);
    const first = v.ticks.find((t) => t.time >= 7000)!;
    expect(first.time - first.wall).toBeCloseTo(5000, 6);
  });
  test('a firewalled client drifts freely and silently; a follower of a liar is confidently wrong', () => {
    const n = ntpTrouble({ seed: 1, hours: 2 });
    const last = (node: string) => n.offsets.filter((s) => s.node === node).at(-1)!.offset;
    expect(last('firewalled')).toBeCloseTo(120e-6 * 2 * 3_600_000, 0);
    expect(n.syncs.firewalled.every((s) => s.replies === 0)).toBe(true);
    expect(Math.abs(last('synced'))).toBeLessThan(20);
    expect(Math.abs(last('follower') - 30_000)).toBeLessThan(20);
  });
});

describe('explicit feedback (seed 1)', () => {
  test('a refused connection is known in a round trip; silence costs the whole timeout', () => {
    const r = detectionByFeedback({ seed: 1, trials: 50, timeout: 5000 });
    const by = Object.fromEntries(r.map((x) => [x.fault, x]));
    expect(Math.max(...by['process crashed, host up']!.detectMs)).toBeLessThan(10);
    expect(by['host down, router answers']!.signal).toBe('host unreachable');
    expect(by['network partition']!.detectMs.every((ms) => ms === 5000)).toBe(true);
    // With a timeout shorter than the router's ARP wait, its answer comes too late.
    const short = detectionByFeedback({ seed: 1, trials: 5, timeout: 1000 });
    expect(short.find((x) => x.fault === 'host down, router answers')!.signal).toBe('timeout');
  });
});

describe('snapshots and commit wait', () => {
  test('without commit wait snapshots miss acknowledged commits and break causality; with ε ≥ clock error, never', () => {
    let bad = 0, good = 0;
    for (let seed = 1; seed <= 5; seed++) {
      const off = snapshotExperiment({ seed, clockError: 10, assumedBound: 0 });
      bad += off.reads.filter((r) => r.missedAcked > 0 || r.brokenCut).length;
      const on = snapshotExperiment({ seed, clockError: 10, assumedBound: 10 });
      good += on.reads.filter((r) => r.missedAcked > 0 || r.brokenCut).length;
    }
    expect(bad).toBeGreaterThan(100);
    expect(good).toBe(0);
  });
});

describe('incidents (seed 1)', () => {
  test('a switch that holds packets for a minute looks like a crash, then floods stale heartbeats', () => {
    const s = switchUpgrade({ seed: 1 });
    expect(s.suspectedAt).not.toBeNull();
    expect(s.suspectedAt!).toBeLessThan(3100);
    expect(s.trustedAgainAt).toBe(62_001);
    const flood = s.arrivals.filter((a) => a.receivedAt === 62_001);
    expect(flood.length).toBe(600); // one per 100 ms of the 60 s hold
    expect(Math.max(...flood.map((a) => a.delay))).toBeCloseTo(60_001, 6);
  });
  test('a one-way link: the server executes retries the client never sees acknowledged', () => {
    const o = oneWayLink({ seed: 1 });
    expect(o.executed).toBeGreaterThan(o.intended);
    expect(o.acknowledged + o.gaveUp).toBe(o.intended);
    expect(o.gaveUp).toBeGreaterThan(10);
  });
});
