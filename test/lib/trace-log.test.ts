import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { createSim, truncatedCount, type SimConfig, type TraceEvent } from '../../lib';
import { createTraceLog } from '../../lib/core/trace-log';

/** Chatter with timers, messages, drops and notes, so every kind of row and object is in the log. */
function chatter(trace: SimConfig['trace'], readEvery?: number) {
  const sim = createSim({ seed: 5, trace, network: { loss: 0.2, duplicate: 0.1 } });
  for (const id of ['a', 'b', 'c']) {
    sim.addNode(id, (ctx) => {
      const tick = (): void => {
        ctx.send(id === 'a' ? 'b' : 'a', { from: id, at: ctx.now() });
        if (ctx.rng.chance(0.1)) ctx.note(`${id} noted`);
        ctx.setTimer(ctx.rng.uniform(1, 3), tick, 'tick');
      };
      ctx.setTimer(0, tick, 'tick');
      return { onMessage: () => {} };
    });
  }
  sim.nemesis([{ at: 40, fault: 'crash', node: 'c' }]);
  const reads: number[] = [];
  if (readEvery) for (let t = readEvery; t < 200; t += readEvery) sim.at(t, () => void reads.push(sim.trace.length));
  sim.run({ until: 200 });
  return { trace: [...sim.trace], dropped: truncatedCount(sim.trace), reads };
}

describe('the trace log', () => {
  test('reading the trace during a run changes nothing: same events, same order, same objects as one read at the end', () => {
    const once = chatter(true);
    const often = chatter(true, 7);
    expect(often.trace).toEqual(once.trace);
    expect(new Set(once.trace.map((e) => e.type))).toEqual(new Set(['send', 'deliver', 'drop', 'timer', 'note', 'crash']));
    // Each read saw everything so far, and the trace only grew.
    expect(often.reads.length).toBeGreaterThan(20);
    expect(often.reads.every((n, i) => i === 0 || n > often.reads[i - 1]!)).toBe(true);
  });

  test('a bounded trace keeps exactly the last N of the full trace, however often it is read', () => {
    const full = chatter(true).trace;
    for (const readEvery of [undefined, 3, 50]) {
      const bounded = chatter({ limit: 25 }, readEvery);
      expect(bounded.trace).toEqual(full.slice(-25));
      expect(bounded.dropped).toBe(full.length - 25);
    }
  });

  test('a stream sees the same events as the kept trace', () => {
    const seen: unknown[] = [];
    const full = chatter(true).trace;
    chatter({ limit: 0, onEvent: (e) => seen.push(e) });
    expect(seen).toEqual(full);
  });

  test('the bounded log, under any mix of events and reads, holds exactly the last N events and counts the rest', () => {
    // Each step records one event of a kind (send, copy, deliver, timer, any other), or reads the log.
    const step = fc.oneof(fc.constantFrom('read' as const), fc.integer({ min: 0, max: 4 }));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 6 }), fc.array(step, { maxLength: 60 }), (limit, steps) => {
        const log = createTraceLog(limit);
        const all: TraceEvent[] = [];
        const body = (i: number) => ({ i });
        steps.forEach((s, i) => {
          if (s === 'read') {
            expect([...log.read()]).toEqual(all.slice(Math.max(0, all.length - limit))); // a copy: the log marks its array (truncatedCount)
            return;
          }
          const e: TraceEvent =
            s === 0 || s === 1 ? { type: 'send', time: i, msg: i, from: 'a', to: 'b', body: body(i), copy: s === 1 }
            : s === 2 ? { type: 'deliver', time: i, msg: i, from: 'a', to: 'b', body: body(i), sentAt: i - 0.5 }
            : s === 3 ? { type: 'timer', time: i, node: 'a', label: `t${i}`, late: 0.25 }
            : { type: 'note', time: i, node: 'a', text: `n${i}` };
          all.push(e);
          if (e.type === 'send') log.send(e.time, e.msg, e.from, e.to, e.body, e.copy);
          else if (e.type === 'deliver') log.deliver(e.time, e.msg, e.from, e.to, e.body, e.sentAt);
          else if (e.type === 'timer') log.timer(e.time, e.node, e.label, e.late);
          else log.event(e);
        });
        const kept = log.read();
        expect([...kept]).toEqual(all.slice(Math.max(0, all.length - limit)));
        expect(truncatedCount(kept)).toBe(Math.max(0, all.length - limit));
      }),
      { numRuns: 500 },
    );
  });
});
