// Grader for exercises/lab-kv.ts. Run: npm run grade -- --only lab-kv
// Stages, each adding faults to the last: none → loss → partitions → crashes
// (with pauses, clock steps and skew). Every failure names the seed and the
// stage, gives the checker's explanation, and the call that replays it.
import { describe, expect, test } from 'vitest';
import { formatLinearizability } from '../../lib/checking/linearizability';
import { checkWorkload, fromNode, labWorkload, livenessAfter, messagesPerOp, replayCall, runWorkload, type Stage, type WorkloadConfig, type WorkloadRun } from '../../lib/checking/workload';
import { kvNode } from '@target/lab-kv';

const SEEDS = [1, 2, 3, 4, 5];
/** After the faults end, every client must get an answer within this (ms): an election-free quorum needs a few round trips. */
const LIVENESS_MS = 300;
/** Messages per operation on a quiet network: ABD on three replicas needs exactly 10. */
const BUDGET = 10;

// Runs are shared between tests: each one costs many calls into your node.
const runs = new Map<string, WorkloadRun>();
const run = (config: WorkloadConfig): WorkloadRun => {
  const key = JSON.stringify(config);
  if (!runs.has(key)) runs.set(key, runWorkload(config, fromNode(kvNode)));
  return runs.get(key)!;
};

function expectLinearizable(stage: Stage, seeds: readonly number[]): void {
  for (const seed of seeds) {
    const config = labWorkload(seed, stage);
    const r = checkWorkload(run(config));
    expect(r.valid, `seed=${seed} stage='${stage}': the history is not linearizable\n${formatLinearizability(r)}\nreplay: ${replayCall(config)}`).toBe(true);
  }
}

describe('lab-kv: linearizable at every stage', () => {
  test('lab-kv: stage 1, no faults: linearizable, and every operation answered? (seeds 1-5)', { meta: { points: 2 }, timeout: 60_000 }, () => {
    expectLinearizable('none', SEEDS);
    for (const seed of SEEDS) {
      const config = labWorkload(seed, 'none');
      const unanswered = run(config).history.filter((o) => o.type === 'info' || o.type === 'fail');
      expect(unanswered.length, `seed=${seed} stage='none': ${unanswered.length} operations were not answered ok on a healthy network (first: ${JSON.stringify(unanswered[0])})\nreplay: ${replayCall(config)}`).toBe(0);
    }
  });

  test("lab-kv: stage 2, 5% of messages lost, clocks 50 ms apart: linearizable? (seeds 1-5)", { meta: { points: 2 }, timeout: 60_000 }, () => {
    expectLinearizable('loss', SEEDS);
  });

  test('lab-kv: stage 3, partitions: linearizable? (seeds 1-5)', { meta: { points: 2 }, timeout: 60_000 }, () => {
    expectLinearizable('partitions', SEEDS);
  });

  test('lab-kv: stage 4, crashes, pauses and clock steps: linearizable? (seeds 1-5)', { meta: { points: 2 }, timeout: 60_000 }, () => {
    expectLinearizable('crashes', SEEDS);
  });
});

describe('lab-kv: live and frugal', () => {
  test(`lab-kv: after the faults end, does every client get an answer within ${LIVENESS_MS} ms? (stages 3-4, seeds 1-5)`, { meta: { points: 2 }, timeout: 60_000 }, () => {
    for (const stage of ['partitions', 'crashes'] as const) {
      for (const seed of SEEDS) {
        const config = labWorkload(seed, stage);
        const r = run(config);
        const v = livenessAfter(r, r.healedAt, LIVENESS_MS);
        expect(v.ok, `seed=${seed} stage='${stage}': faults over at t=${r.healedAt}; ${v.ok ? '' : v.message}\nreplay: ${replayCall(config)}`).toBe(true);
      }
    }
  });

  test('lab-kv: with one replica down for the whole run, do most operations still succeed? (each replica in turn, seed 7)', { meta: { points: 3 }, timeout: 60_000 }, () => {
    for (const down of ['replica1', 'replica2', 'replica3']) {
      const config = labWorkload(7, 'none', { faults: [{ at: 0, fault: 'crash', node: down }] });
      const r = run(config);
      const done = r.history.filter((o) => o.type !== 'invoke');
      const ok = done.filter((o) => o.type === 'ok').length;
      // A third of the requests go to the dead replica and time out; the rest must succeed.
      expect(ok / done.length, `seed=7, ${down} crashed at t=0 and never restarted: only ${ok} of ${done.length} operations succeeded (expected at least half)\nreplay: ${replayCall(config)}`).toBeGreaterThanOrEqual(0.5);
      const v = checkWorkload(r);
      expect(v.valid, `seed=7, ${down} down: not linearizable\n${formatLinearizability(v)}\nreplay: ${replayCall(config)}`).toBe(true);
    }
  });

  test(`lab-kv: at most ${BUDGET} messages per operation on a quiet network? (seed 1)`, { meta: { points: 1 }, timeout: 60_000 }, () => {
    const config = labWorkload(1, 'none');
    const m = messagesPerOp(run(config));
    expect(m, `seed=1 stage='none': ${m.toFixed(2)} messages per operation (every send counts, replies included); the budget is ${BUDGET}\nreplay: ${replayCall(config)}, then messagesPerOp(run)`).toBeLessThanOrEqual(BUDGET);
    expect(m, `seed=1 stage='none': ${m.toFixed(2)} messages per operation: fewer than one request and its reply?`).toBeGreaterThanOrEqual(2);
  });
});
