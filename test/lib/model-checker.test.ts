import { describe, expect, test } from 'vitest';
import { noStaleTokenWrites, type Verdict } from '../../lib/checking/checkers';
import { checkModel, formatModelCheck, replaySchedule, type BoundsOptions, type ModelScenario } from '../../lib/checking/model-checker';
import { capstoneModel, capstoneModelSeedRun, leaseModel, leaseSeedRun, quorumModel, seedsToFind } from '../../lib/checking/scenarios';
import { noSharedTokens } from '../../lib/checking/capstone-checks';
import { ConfigError } from '../../lib/core/config';
import type { Program } from '../../lib/core/node';
import { eventsOf, type TraceEvent } from '../../lib/core/trace';

// A tiny register: a client sends two writes, 'a' then 'b'; the server keeps
// the last it received. The buggy server applies whatever arrives; the correct
// one keeps the highest sequence number, so a reordered or duplicated 'a' cannot win.
const client: Program = (ctx) => {
  ctx.send('server', { seq: 1, value: 'a' });
  ctx.send('server', { seq: 2, value: 'b' });
};
const server =
  (ordered: boolean): Program =>
  (ctx) => {
    let seq = 0;
    return {
      onMessage(msg) {
        const m = msg.body as { seq: number; value: string };
        if (ordered && m.seq <= seq) return;
        seq = m.seq;
        ctx.note(`value=${m.value}`);
      },
    };
  };
/** Once 'b' has been applied, the value must stay 'b'. */
const lastWriteWins = (trace: readonly TraceEvent[]): Verdict => {
  const values = eventsOf(trace, 'note').map((n) => n.text);
  const i = values.indexOf('value=b');
  if (i >= 0 && values.slice(i + 1).some((v) => v !== 'value=b')) {
    return { ok: false, property: 'lastWriteWins', message: `value went back after b: ${values.join(', ')}`, events: [] };
  }
  return { ok: true, property: 'lastWriteWins' };
};
const register = (ordered: boolean): ModelScenario => ({
  nodes: [
    { id: 'server', program: server(ordered) },
    { id: 'client', program: client },
  ],
  invariants: [lastWriteWins],
});

describe('a tiny register', () => {
  test('does it find the reordering bug, with the shortest schedule (deliver b, then a)?', () => {
    const r = checkModel(register(false), { maxDepth: 5 });
    expect(r.ok).toBe(false);
    expect(r.counterexample!.schedule).toEqual([
      { kind: 'deliver', msg: 2 },
      { kind: 'deliver', msg: 1 },
    ]);
    expect(r.counterexample!.verdict.property).toBe('lastWriteWins');
    expect(formatModelCheck(r)).toMatch(/lastWriteWins violated after 2 steps/);
  });

  test('does the replayed counterexample reproduce the violation, event for event?', () => {
    const r = checkModel(register(false), { maxDepth: 5 });
    const again = replaySchedule(register(false), r.counterexample!.schedule);
    expect(again.verdict.ok).toBe(false);
    expect(again.trace).toEqual(r.counterexample!.trace);
    expect(again.steps[0]).toMatch(/deliver\s+#2 client -> server/);
  });

  test('is the ordered server proven within the bounds, duplicates and drops included, with the same state count every run?', () => {
    const bounds = { maxDepth: 8, maxDrops: 1, maxDuplicates: 2 };
    const a = checkModel(register(true), bounds);
    const b = checkModel(register(true), bounds);
    expect(a.ok).toBe(true);
    expect(a.complete).toBe(true);
    expect(a.states).toBeGreaterThan(20);
    expect([b.states, b.transitions, b.depth]).toEqual([a.states, a.transitions, a.depth]);
    expect(formatModelCheck(a)).toMatch(/every state within the bounds explored/);
  });

  test('with a duplicate allowed too, is the reported counterexample still the 2-step reordering (breadth first)?', () => {
    const r = checkModel(register(false), { maxDepth: 5, maxDuplicates: 1 });
    expect(r.counterexample!.schedule.length).toBe(2);
  });

  test('but does a crash break it, since the ordered server keeps its sequence number in memory?', () => {
    const r = checkModel(register(true), { maxDepth: 8, maxCrashes: 1 });
    expect(r.ok).toBe(false);
    expect(r.counterexample!.schedule.map((c) => c.kind)).toEqual(['deliver', 'crash', 'restart', 'deliver']);
  });

  test('is the search the same, field for field, whether reached states are kept or rebuilt by replay?', () => {
    const cases: Array<[ModelScenario, BoundsOptions]> = [
      [register(true), { maxDepth: 8, maxDrops: 1, maxDuplicates: 2 }],
      [register(true), { maxDepth: 6, maxCrashes: 1, maxPauses: 1 }],
      [register(false), { maxDepth: 5, maxDuplicates: 1 }],
      [quorumModel({ readRepair: false }).scenario, quorumModel({ readRepair: false }).bounds],
    ];
    for (const [scenario, bounds] of cases) {
      const rebuilt = checkModel(scenario, bounds, { keepStates: 0 });
      for (const keepStates of [1, 3, 512]) expect(checkModel(scenario, bounds, { keepStates })).toEqual(rebuilt);
    }
    expect(() => checkModel(register(true), {}, { keepStates: -1 })).toThrow(/options\.keepStates/);
  });

  test('does a step that is not enabled fail the replay with its number?', () => {
    expect(() => replaySchedule(register(false), [{ kind: 'deliver', msg: 9 }])).toThrow(/step 1/);
  });

  test('are bad bounds rejected up front with their path?', () => {
    expect(() => checkModel(register(true), { maxDepth: -1 })).toThrow(ConfigError);
    expect(() => checkModel(register(true), { maxDrops: Number.NaN })).toThrow(/bounds\.maxDrops/);
  });

  test('does the wall clock only fill in the report?', () => {
    let t = 0;
    const r = checkModel(register(true), { maxDepth: 4 }, { clock: () => (t += 5) });
    expect(r.elapsedMs).toBe(5);
    // Without a clock, no wall time at all: the result is the same object for the same input.
    const plain = checkModel(register(true), { maxDepth: 4 });
    expect(plain.elapsedMs).toBeUndefined();
    expect(r.states).toBe(plain.states);
    expect(plain).toEqual(checkModel(register(true), { maxDepth: 4 }));
    expect(formatModelCheck(r)).toMatch(/of 4, \d+\.\d\d s[);]/);
    expect(formatModelCheck(plain)).not.toMatch(/ s[);]/);
  });
});

describe("lesson 07's lease", () => {
  test('without fencing, does a paused client write with its expired lease (noStaleTokenWrites), found deterministically?', () => {
    const m = leaseModel({ fenced: false });
    const r = checkModel(m.scenario, m.bounds);
    expect(r.ok).toBe(false);
    const cx = r.counterexample!;
    expect(cx.verdict.property).toBe('noStaleTokenWrites');
    expect(cx.schedule).toContainEqual({ kind: 'pause', node: 'client1' });
    expect(cx.steps.at(-1)).toMatch(/client1 -> storage/);
    const again = replaySchedule(m.scenario, cx.schedule, m.bounds);
    expect(noStaleTokenWrites(again.trace).ok).toBe(false);
    expect(checkModel(m.scenario, m.bounds).states).toBe(r.states);
  }, 60_000);

  test('with fencing, is every schedule within the bounds safe?', () => {
    const m = leaseModel({ fenced: true });
    const r = checkModel(m.scenario, m.bounds);
    expect(r.ok).toBe(true);
    expect(r.complete).toBe(true);
    expect(r.depth).toBe(m.bounds.maxDepth);
  }, 60_000);

  test('and the fenced storage rejects the unfenced counterexample\'s stale write', () => {
    const unfenced = leaseModel({ fenced: false });
    const cx = checkModel(unfenced.scenario, unfenced.bounds).counterexample!;
    const fenced = leaseModel({ fenced: true });
    const r = replaySchedule(fenced.scenario, cx.schedule, fenced.bounds);
    expect(r.verdict.ok).toBe(true);
    expect(eventsOf(r.trace, 'note').some((n) => /rejected client1's write: token 1 < 2/.test(n.text))).toBe(true);
  }, 60_000);

  test('how many seeds did random pauses need to hit the same bug (and none when fenced)?', () => {
    const found = seedsToFind(leaseSeedRun({ fenced: false }), (t) => noStaleTokenWrites(t), 30);
    expect(found.firstFailing).not.toBeNull();
    expect(found.tried).toBe(found.firstFailing);
    expect(seedsToFind(leaseSeedRun({ fenced: true }), (t) => noStaleTokenWrites(t), found.tried).firstFailing).toBeNull();
  }, 60_000);
});

describe("the capstone's lock service (lesson 11), reduced", () => {
  const broken = capstoneModel({ variant: 'broken' });

  test('does it find the reissued token (noSharedTokens) deterministically, after the warm-up, with two lost heartbeats?', () => {
    const r = checkModel(broken.scenario, broken.bounds);
    expect(r.ok).toBe(false);
    expect(r.warmup).toBe(40);
    const cx = r.counterexample!;
    expect(cx.verdict.property).toBe('noSharedTokens');
    expect(cx.verdict.message).toMatch(/token 1 written by two clients/);
    expect(cx.schedule.filter((c) => c.kind === 'drop')).toHaveLength(2);
    expect(cx.steps.filter((s) => s.startsWith('drop')).every((s) => /"heartbeat"/.test(s))).toBe(true);
    // The schedule replays outside the search to the same violation, and a second search agrees state for state.
    expect(noSharedTokens(replaySchedule(broken.scenario, cx.schedule, broken.bounds).trace).ok).toBe(false);
    const again = checkModel(broken.scenario, broken.bounds);
    expect([again.states, again.counterexample!.schedule]).toEqual([r.states, cx.schedule]);
    expect(formatModelCheck(r)).toMatch(/after a 40-step warm-up/);
  }, 60_000);

  test('with the correct token rule, is every schedule within the bounds safe?', () => {
    const m = capstoneModel({ variant: 'correct' });
    const r = checkModel(m.scenario, m.bounds);
    expect(r.ok).toBe(true);
    expect(r.complete).toBe(true);
    expect(r.depth).toBe(m.bounds.maxDepth);
  }, 60_000);

  test('does the correct rule survive the broken counterexample replayed step for step?', () => {
    const cx = checkModel(broken.scenario, broken.bounds).counterexample!;
    const fixed = capstoneModel({ variant: 'correct' });
    const r = replaySchedule(fixed.scenario, cx.schedule, fixed.bounds);
    expect(r.verdict.ok).toBe(true);
  }, 60_000);

  test("do ties broken one node at a time reach the same verdict as every order, in no more states?", () => {
    const all = checkModel(broken.scenario, { ...broken.bounds, ties: 'all' });
    const one = checkModel(broken.scenario, broken.bounds);
    expect(all.ok).toBe(false);
    expect(all.counterexample!.verdict.property).toBe('noSharedTokens');
    expect(one.states).toBeLessThanOrEqual(all.states);
  }, 60_000);

  test('and random testing of the same reduced system, heartbeats lost at 10%: how many seeds, and none for the fix?', () => {
    const found = seedsToFind(capstoneModelSeedRun('broken', { loss: 0.1 }), (t) => noSharedTokens(t), 200);
    expect(found.firstFailing).not.toBeNull();
    expect(seedsToFind(capstoneModelSeedRun('correct', { loss: 0.1 }), (t) => noSharedTokens(t), 200).firstFailing).toBeNull();
    // Rarer loss, more seeds: random testing's cost depends on a rate the model checker does not need.
    const rare = seedsToFind(capstoneModelSeedRun('broken', { loss: 0.05 }), (t) => noSharedTokens(t), 200);
    expect(rare.tried).toBeGreaterThan(found.tried);
  }, 60_000);

  test('are a negative warm-up and an unknown tie rule rejected with their paths?', () => {
    expect(() => checkModel(broken.scenario, { warmup: -1 })).toThrow(/bounds\.warmup/);
    expect(() => checkModel(broken.scenario, { ties: 'some' as never })).toThrow(/bounds\.ties/);
  });
});

describe("lesson 12's quorum register, with the linearizability checker as the invariant", () => {
  test('without read repair, is the new/old inversion found: two lost store requests, a read of 1, then a read of null?', () => {
    const m = quorumModel({ readRepair: false });
    const r = checkModel(m.scenario, m.bounds);
    expect(r.ok).toBe(false);
    const cx = r.counterexample!;
    expect(cx.verdict.property).toBe('linearizable');
    expect(cx.verdict.message).toMatch(/^read by reader over .* returned null, but every order .* leaves the register at 1$/);
    expect(cx.schedule.filter((c) => c.kind === 'drop')).toHaveLength(2);
  }, 60_000);

  test('with read repair, is every schedule within the same bounds linearizable?', () => {
    const m = quorumModel({ readRepair: true });
    const r = checkModel(m.scenario, m.bounds);
    expect(r.ok).toBe(true);
    expect(r.complete).toBe(true);
  }, 120_000);
});
