import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../lib/core/config';
import type { Program } from '../../lib/core/node';
import { checkWorkload, historyFromTrace, linearizableCalls, livenessAfter, messagesPerOp, registers, runWorkload, STAGES, workloadFaults, type ReplicaFactory, type Stage, type WorkloadConfig } from '../../lib/checking/workload';

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];
const verdicts = (f: ReplicaFactory, config: Omit<WorkloadConfig, 'seed'>) =>
  SEEDS.map((seed) => checkWorkload(runWorkload({ ...config, seed }, f)));

describe('the workload', () => {
  test('same seed, same history; another seed, another history', () => {
    const a = runWorkload({ seed: 3, stage: 'crashes' }, registers.quorum());
    const b = runWorkload({ seed: 3, stage: 'crashes' }, registers.quorum());
    expect(b.history).toEqual(a.history);
    expect(runWorkload({ seed: 4, stage: 'crashes' }, registers.quorum()).history).not.toEqual(a.history);
  });

  test('does every invocation get exactly one completion, ok for the replies and info for the timeouts?', () => {
    const run = runWorkload({ seed: 2, stage: 'partitions' }, registers.quorum());
    const invokes = run.history.filter((o) => o.type === 'invoke').length;
    expect(invokes).toBeGreaterThan(30);
    expect(run.history.filter((o) => o.type !== 'invoke')).toHaveLength(invokes);
    expect(run.history.some((o) => o.type === 'info')).toBe(true);
    expect(run.history.every((o) => o.type === 'invoke' || o.f !== 'read' || o.type !== 'ok' || o.value === null || typeof o.value === 'number')).toBe(true);
  });

  test('does the history read back from the trace equal the recorded one, timeouts and keys included?', () => {
    const one = runWorkload({ seed: 2, stage: 'crashes' }, registers.quorum());
    expect(one.history.some((o) => o.type === 'info')).toBe(true);
    expect(historyFromTrace(one.trace, one.clients)).toEqual(one.history);
    const two = runWorkload({ seed: 2, stage: 'partitions', keys: 2 }, registers.lww());
    expect(historyFromTrace(two.trace, two.clients, { kv: true })).toEqual(two.history);
    expect(linearizableCalls(one.clients)(one.trace).ok).toBe(true);
  });

  test('are the stages cumulative: nothing, then only partitions, then crashes, pauses and clock steps too, all over by faultsUntil?', () => {
    const replicas = ['replica1', 'replica2', 'replica3'];
    expect(workloadFaults(1, replicas, 'none', 50, 400)).toEqual([]);
    expect(workloadFaults(1, replicas, 'loss', 50, 400)).toEqual([]);
    const parts = workloadFaults(1, replicas, 'partitions', 50, 400);
    expect(new Set(parts.map((f) => f.fault))).toEqual(new Set(['partition', 'heal']));
    const kinds = new Set(SEEDS.flatMap((s) => workloadFaults(s, replicas, 'crashes', 50, 400).map((f) => f.fault)));
    expect(kinds).toEqual(new Set(['partition', 'heal', 'crash', 'restart', 'pause', 'clock-step']));
    for (const s of SEEDS) for (const f of workloadFaults(s, replicas, 'crashes', 50, 400)) expect(f.at + (f.fault === 'pause' ? f.for! : 0)).toBeLessThanOrEqual(400);
  });

  test('are bad settings rejected up front with their path?', () => {
    expect(() => runWorkload({ seed: 1, stage: 'chaos' as Stage }, registers.single())).toThrow(ConfigError);
    expect(() => runWorkload({ seed: 1, stage: 'chaos' as Stage }, registers.single())).toThrow(/workload\.stage/);
    expect(() => runWorkload({ seed: 1, faultsFrom: 300, faultsUntil: 100 }, registers.single())).toThrow(/workload\.faultsUntil/);
  });
});

describe('three registers', () => {
  test('is a single copy linearizable on every seed and stage (it has nothing to disagree with)?', () => {
    for (const stage of STAGES) {
      for (const r of verdicts(registers.single(), { stage, replicas: 1 })) expect(r.valid, `${stage}`).toBe(true);
    }
  });

  test('does last-write-wins fail under 100 ms of clock skew, with a read as the culprit?', () => {
    const rs = verdicts(registers.lww(), { skew: 100 });
    const failing = rs.filter((r) => r.valid === false);
    expect(failing.length).toBeGreaterThanOrEqual(4);
    expect(failing.some((r) => r.valid === false && r.culprit.f === 'read' && /^read by client\d/.test(r.explanation))).toBe(true);
  });

  test('and does it fail under partitions even with perfect clocks (a cut-off replica answers with what it had)?', () => {
    expect(verdicts(registers.lww(), { stage: 'partitions' }).filter((r) => r.valid === false).length).toBeGreaterThanOrEqual(3);
  });

  test('is the majority quorum with read repair linearizable on every seed, stage and skew?', () => {
    for (const stage of STAGES) {
      for (const r of verdicts(registers.quorum(), { stage, skew: 100 })) expect(r.valid, `${stage}`).toBe(true);
    }
  });

  test('with two keys, is each key checked as its own register (kv), still linearizable for the quorum and not for LWW?', () => {
    const q = checkWorkload(runWorkload({ seed: 1, keys: 2, stage: 'partitions' }, registers.quorum()));
    expect(q).toMatchObject({ valid: true, model: 'kv', partitions: 2 });
    expect(verdicts(registers.lww(), { keys: 2, skew: 100 }).some((r) => r.valid === false && r.key !== undefined)).toBe(true);
  });
});

describe('what the lab grades besides linearizability', () => {
  test('does the quorum cost 10 messages per operation on a quiet network (2 for the client, 2 phases of 2 round trips)?', () => {
    const m = messagesPerOp(runWorkload({ seed: 1 }, registers.quorum()));
    expect(m).toBeGreaterThan(9.5);
    expect(m).toBeLessThanOrEqual(10);
    expect(messagesPerOp(runWorkload({ seed: 1 }, registers.lww()))).toBeLessThanOrEqual(3);
  });

  test('do the quorum clients make progress after the faults heal, and does a silent node fail liveness, naming the clients?', () => {
    const run = runWorkload({ seed: 5, stage: 'crashes' }, registers.quorum());
    expect(livenessAfter(run, run.healedAt, 300)).toEqual({ ok: true });
    const silent: Program = () => ({});
    const dead = runWorkload({ seed: 5 }, () => silent);
    const v = livenessAfter(dead, 0, 300);
    expect(v.ok).toBe(false);
    expect(v.ok === false && v.idle).toEqual(['client1', 'client2', 'client3']);
  });
});
