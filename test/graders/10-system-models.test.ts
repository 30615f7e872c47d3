// Grader for exercises/10-system-models.ts. Run: npm run grade -- --only 10-system-models
import { describe, expect, test } from 'vitest';
import { createRng } from '../../lib/core/random';
import { createSim } from '../../lib/core/sim';
import type { Fault } from '../../lib/core/nemesis';
import { formatTrace, type TraceEvent } from '../../lib/core/trace';
import { eventuallyLeader, noTwoLeadersInATerm } from '@target/10-system-models';

const NB = 'notebooks/10-system-models.ipynb';
type Row = [number, string, string];

/** A hand-made trace: [time, node, text] notes, or [time, node, 'CRASH' | 'RESTART']. */
function trace(rows: Row[]): TraceEvent[] {
  return rows.map(([time, node, text]): TraceEvent =>
    text === 'CRASH' ? { type: 'crash', time, node } : text === 'RESTART' ? { type: 'restart', time, node } : { type: 'note', time, node, text },
  );
}
const show = (rows: Row[]): string => rows.map(([t, n, x]) => `t=${t} ${n}: ${x}`).join('; ');

describe('noTwoLeadersInATerm', () => {
  test('is a second node claiming a term caught, with both claims as evidence, in order? (hand-made)', { meta: { points: 2 } }, () => {
    const rows: Row[] = [
      [10, 'n1', 'leader term=1'],
      [20, 'n2', 'follower term=1'],
      [30, 'n2', 'leader term=2'],
      [35, 'n1', 'leader term=3'],
      [40, 'n3', 'leader term=2'],
      [50, 'n1', 'leader term=2'],
    ];
    const v = noTwoLeadersInATerm(trace(rows));
    const how = `trace ${show(rows)}`;
    expect(v.ok, `${how}: n2 and n3 both lead term 2, expected ok: false`).toBe(false);
    expect(v.property, `${how}: expected property 'noTwoLeadersInATerm'`).toBe('noTwoLeadersInATerm');
    const events = (v as { events?: TraceEvent[] }).events ?? [];
    expect(events.map((e) => [e.time, (e as { node: string }).node]), `${how}: expected events [n2's claim at t=30, n3's at t=40] (the first violation)`).toEqual([
      [30, 'n2'],
      [40, 'n3'],
    ]);
    expect(typeof (v as { message?: unknown }).message, `${how}: expected a message`).toBe('string');
  });

  test('are re-election, overlapping leaders of different terms and a re-claim after a restart all fine? (hand-made)', { meta: { points: 2 } }, () => {
    const cases: Row[][] = [
      [[10, 'n1', 'leader term=1'], [500, 'n1', 'leader term=4']],
      [[10, 'n1', 'leader term=1'], [20, 'n2', 'leader term=2'], [30, 'n1', 'follower term=2']],
      [[10, 'n1', 'leader term=5'], [20, 'n1', 'CRASH'], [30, 'n1', 'RESTART'], [40, 'n1', 'leader term=5']],
      [[10, 'n1', 'leader term=2 (votes n1,n3)'], [20, 'n2', 'follower term=2'], [30, 'n3', 'follower term=2']],
      [[10, 'n1', 'leader term=2'], [20, 'n2', 'leader term=22'], [30, 'n3', 'leader term=2x'], [40, 'n3', 'not leader term=2']],
    ];
    for (const rows of cases) {
      expect(noTwoLeadersInATerm(trace(rows)).ok, `trace ${show(rows)}: no two different nodes lead one term, expected ok: true`).toBe(true);
    }
  });

  test('does it agree with the definition on random claims? (seeds 1-60)', { meta: { points: 2 } }, () => {
    for (let seed = 1; seed <= 60; seed++) {
      const rng = createRng(seed, 'claims');
      const rows: Row[] = Array.from({ length: rng.int(0, 8) }, (_, i): Row => [i * 10, rng.pick(['n1', 'n2', 'n3']), `${rng.pick(['leader', 'leader', 'follower'])} term=${rng.int(1, 4)}`]);
      const owners = new Map<string, Set<string>>();
      for (const [, node, text] of rows) if (text.startsWith('leader')) owners.set(text, (owners.get(text) ?? new Set()).add(node));
      const expected = [...owners.values()].every((s) => s.size === 1);
      expect(noTwoLeadersInATerm(trace(rows)).ok, `seed ${seed}, trace ${show(rows)}: expected ok: ${expected}`).toBe(expected);
    }
  });
});

describe('eventuallyLeader', () => {
  test('does a leader inside the window pass, exactly at the bound pass, and just after it fail? (hand-made, after=100 within=200)', { meta: { points: 2 } }, () => {
    const o = { after: 100, within: 200 };
    const at = (t: number): Row[] => [[50, 'n1', 'follower term=1'], [t, 'n2', 'leader term=2']];
    for (const [t, ok] of [[150, true], [300, true], [300.5, false], [1000, false]] as Array<[number, boolean]>) {
      expect(eventuallyLeader(trace(at(t)), o).ok, `leader note at t=${t} with after=100, within=200: expected ok: ${ok}`).toBe(ok);
    }
    expect(eventuallyLeader(trace([[5, 'n1', 'follower term=1']]), o).ok, 'no leader note at all: expected ok: false').toBe(false);
  });

  test('does a leader from before `after` count only while it still leads (not crashed, restarted or stepped down)? (hand-made)', { meta: { points: 2 } }, () => {
    const o = { after: 100, within: 50 };
    const cases: Array<[Row[], boolean]> = [
      [[[10, 'n1', 'leader term=1']], true],
      [[[10, 'n1', 'leader term=1'], [60, 'n1', 'CRASH']], false],
      [[[10, 'n1', 'leader term=1'], [60, 'n1', 'CRASH'], [70, 'n1', 'RESTART']], false],
      [[[10, 'n1', 'leader term=1'], [60, 'n1', 'follower term=2']], false],
      [[[10, 'n1', 'leader term=1'], [60, 'n2', 'follower term=2']], true],
      [[[10, 'n1', 'leader term=1'], [60, 'n1', 'CRASH'], [70, 'n1', 'RESTART'], [120, 'n1', 'leader term=3']], true],
      [[[10, 'n1', 'leader term=1'], [200, 'n1', 'CRASH']], true],
    ];
    for (const [rows, ok] of cases) {
      expect(eventuallyLeader(trace(rows), o).ok, `trace ${show(rows)} with after=100, within=50: expected ok: ${ok}`).toBe(ok);
    }
  });

  test('does a failing verdict carry the first late leader note, or no events if none? (hand-made)', { meta: { points: 1 } }, () => {
    const rows: Row[] = [[10, 'n1', 'follower term=1'], [400, 'n3', 'leader term=2'], [500, 'n1', 'leader term=3']];
    const v = eventuallyLeader(trace(rows), { after: 100, within: 100 });
    const how = `trace ${show(rows)} with after=100, within=100`;
    expect(v.ok, `${how}: expected ok: false`).toBe(false);
    expect(v.property, `${how}: expected property 'eventuallyLeader'`).toBe('eventuallyLeader');
    expect(((v as { events?: TraceEvent[] }).events ?? []).map((e) => e.time), `${how}: expected events [n3's note at t=400]`).toEqual([400]);
    const none = eventuallyLeader(trace([]), { after: 0, within: 10 });
    expect((none as { events?: TraceEvent[] }).events, 'empty trace: expected ok: false with events []').toEqual([]);
  });
});

/**
 * A seeded simulation whose nodes write leadership notes at random times and
 * terms (a stand-in for an election, good and bad), under random crashes.
 */
function simulated(seed: number): TraceEvent[] {
  const nodes = ['n1', 'n2', 'n3'];
  const sim = createSim({ seed });
  for (const n of nodes) {
    sim.addNode(n, (ctx) => {
      let t = 0;
      for (let i = 0; i < 4; i++) {
        t += ctx.rng.uniform(20, 300);
        const text = `${ctx.rng.chance(0.6) ? 'leader' : 'follower'} term=${ctx.rng.int(1, 6)}`;
        ctx.setTimer(t, () => ctx.note(text), 'decide');
      }
    });
  }
  const rng = createRng(seed, 'crashes');
  const faults: Fault[] = [];
  for (const n of nodes) {
    if (!rng.chance(0.5)) continue;
    const at = Math.round(rng.uniform(0, 600));
    faults.push({ at, fault: 'crash', node: n }, { at: at + Math.round(rng.uniform(10, 200)), fault: 'restart', node: n });
  }
  sim.nemesis(faults);
  sim.run({ until: 2000 });
  return [...sim.trace];
}

/** The definitions, written out plainly, to judge the simulated traces. */
function expectedSafe(tr: readonly TraceEvent[]): boolean {
  const owner = new Map<number, string>();
  for (const e of tr) {
    const m = e.type === 'note' ? /^leader term=(\d+)(?:\s|$)/.exec(e.text) : null;
    if (!m || e.type !== 'note') continue;
    const o = owner.get(Number(m[1]));
    if (o !== undefined && o !== e.node) return false;
    owner.set(Number(m[1]), e.node);
  }
  return true;
}
function expectedLive(tr: readonly TraceEvent[], after: number, within: number): boolean {
  const leading = new Map<string, boolean>();
  const anyone = (): boolean => [...leading.values()].some(Boolean);
  let judgedAtAfter = false;
  for (const e of tr) {
    if (e.time > after && !judgedAtAfter) {
      judgedAtAfter = true;
      if (anyone()) return true; // leading at the moment `after`
    }
    if (e.time > after + within) break;
    if (e.type === 'crash' || e.type === 'restart') leading.set(e.node, false);
    if (e.type === 'note' && /^leader term=\d+(?:\s|$)/.test(e.text)) leading.set(e.node, true);
    if (e.type === 'note' && /^follower term=\d+(?:\s|$)/.test(e.text)) leading.set(e.node, false);
    if (e.time >= after && anyone()) return true;
  }
  return !judgedAtAfter && anyone();
}

describe('on simulated runs', () => {
  test('do both checkers give the right verdicts on seeded runs with crashes? (seeds 1-80)', { meta: { points: 3 } }, () => {
    for (let seed = 1; seed <= 80; seed++) {
      const tr = simulated(seed);
      const notes = formatTrace(tr.filter((e) => e.type === 'note' || e.type === 'crash' || e.type === 'restart'));
      const safe = expectedSafe(tr);
      expect(noTwoLeadersInATerm(tr).ok, `seed ${seed} (simulated(${seed}) in test/graders/10-system-models.test.ts): expected ok: ${safe}. Notes and crashes:\n${notes}`).toBe(safe);
      for (const [after, within] of [[0, 100], [300, 50], [500, 200], [700, 100]]) {
        const live = expectedLive(tr, after!, within!);
        expect(
          eventuallyLeader(tr, { after: after!, within: within! }).ok,
          `seed ${seed}, after=${after}, within=${within}: expected ok: ${live}. Notes and crashes:\n${notes}\n(see ${NB})`,
        ).toBe(live);
      }
    }
  });
});
