// Hidden seeds for exercises/lab-kv.ts: run with the visible grader, left out of the student release.
import { describe, expect, test } from 'vitest';
import { formatLinearizability } from '../../../lib/checking/linearizability';
import { checkWorkload, fromNode, labWorkload, livenessAfter, replayCall, runWorkload, type Stage } from '../../../lib/checking/workload';
import { kvNode } from '@target/lab-kv';

const HIDDEN = [101, 102, 103, 104, 105];

describe('lab-kv: hidden seeds', () => {
  for (const stage of ['partitions', 'crashes'] as Stage[]) {
    test(`lab-kv: hidden seeds, stage '${stage}': linearizable, and live after the faults end?`, { meta: { points: 2 }, timeout: 60_000 }, () => {
      for (const seed of HIDDEN) {
        const config = labWorkload(seed, stage);
        const run = runWorkload(config, fromNode(kvNode));
        const r = checkWorkload(run);
        expect(r.valid, `seed=${seed} stage='${stage}': the history is not linearizable\n${formatLinearizability(r)}\nreplay: ${replayCall(config)}`).toBe(true);
        const v = livenessAfter(run, run.healedAt, 300);
        expect(v.ok, `seed=${seed} stage='${stage}': faults over at t=${run.healedAt}; ${v.ok ? '' : v.message}\nreplay: ${replayCall(config)}`).toBe(true);
      }
    });
  }
});
