// Does any scenario a student could write either run to the end with finite
// times everywhere, or stop with a ConfigError/SimulationError that says
// where? fast-check draws network configs, fault schedules and node programs
// from a small action language (send, set a timer with any delay, call,
// crash, pause, resume, restart, step the clock), including bad values: 0,
// negative, NaN, Infinity, 1e-300 ms, unknown nodes, unsendable payloads.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ConfigError, SimulationError } from '../../lib/core/config';
import type { NodeContext, Program } from '../../lib/core/node';
import { createSim, type Sim } from '../../lib/core/sim';

const NODES = ['a', 'b', 'c'];
// Caps that keep every run small: a run that needs more fails with a SimulationError, which counts as an answer.
const EVENT_CAP = 5_000;
const SAME_TIME_CAP = 500;

type Action =
  | { do: 'send'; to: string; body: 'data' | 'function' | 'bigint' }
  | { do: 'timer'; delay: number; repeat: boolean }
  | { do: 'call'; to: string; timeout: number }
  | { do: 'crash' | 'pause' | 'resume' | 'restart'; node: string }
  | { do: 'step'; node: string; delta: number };

// Mostly good values, so most runs get somewhere; now and then a bad one.
const rarely = <T, U>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<U>): fc.Arbitrary<T | U> =>
  fc.oneof({ weight: 15, arbitrary: good }, { weight: 1, arbitrary: bad });
const nodeName = rarely(fc.constantFrom(...NODES), fc.constant('ghost'));
const badNumber = fc.constantFrom(0, -1, Number.NaN, Infinity, -Infinity, 1e-300, 1e308);
const delay = rarely(fc.double({ min: 0, max: 50, noNaN: true }), badNumber);
const time = rarely(fc.double({ min: 0, max: 200, noNaN: true }), badNumber);

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ do: fc.constant('send' as const), to: nodeName, body: rarely(fc.constant('data' as const), fc.constantFrom('function' as const, 'bigint' as const)) }) },
  { weight: 4, arbitrary: fc.record({ do: fc.constant('timer' as const), delay, repeat: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ do: fc.constant('call' as const), to: nodeName, timeout: delay }) },
  { weight: 1, arbitrary: fc.record({ do: fc.constantFrom('crash' as const, 'pause' as const, 'resume' as const, 'restart' as const), node: nodeName }) },
  { weight: 1, arbitrary: fc.record({ do: fc.constant('step' as const), node: nodeName, delta: rarely(fc.double({ min: -1e3, max: 1e3, noNaN: true }), badNumber) }) },
);

const latency = fc.oneof(
  { weight: 6, arbitrary: fc.double({ min: 0, max: 20, noNaN: true }) },
  fc.double({ min: 0, max: 20, noNaN: true }),
  fc.record({ kind: fc.constant('uniform' as const), min: fc.double({ min: 0, max: 5, noNaN: true }), max: fc.double({ min: 5, max: 10, noNaN: true }) }),
  fc.record({ kind: fc.constant('pareto' as const), scale: fc.double({ min: 0.1, max: 5, noNaN: true }), shape: fc.constantFrom(0.001, 0.5, 1, 3) }),
  fc.record({ kind: fc.constant('lognormal' as const), median: fc.constantFrom(1, 2), sigma: fc.constantFrom(0, 0.5, 50, 1000) }),
  fc.record({ kind: fc.constant('exponential' as const), mean: fc.constantFrom(1, 1e308) }),
  fc.record({ kind: fc.constant('normal' as const), mean: fc.double({ min: -5, max: 10, noNaN: true }), sd: fc.constantFrom(0, 2) }),
  fc.constant(-1),
);

const fault = fc.oneof(
  fc.record({ at: time, fault: fc.constantFrom('crash', 'crash', 'restart', 'resume'), node: nodeName }),
  fc.record({ at: time, fault: fc.constant('pause'), node: nodeName, for: fc.option(rarely(fc.double({ min: 0.001, max: 100, noNaN: true }), badNumber), { nil: undefined }) }),
  fc.record({ at: time, fault: fc.constant('partition'), groups: fc.array(fc.array(nodeName, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 }) }),
  fc.record({ at: time, fault: fc.constant('heal') }),
  fc.record({ at: time, fault: fc.constant('clock-strobe'), node: nodeName, delta: fc.double({ min: -50, max: 50, noNaN: true }), period: rarely(fc.double({ min: 0.1, max: 50, noNaN: true }), badNumber), count: rarely(fc.constantFrom(1, 3), fc.constant(1e9)) }),
);

const scenario = fc.record({
  seed: fc.integer({ min: 0, max: 1000 }),
  latency,
  loss: fc.constantFrom(0, 0.2),
  duplicate: fc.constantFrom(0, 0.1),
  programs: fc.array(fc.array(action, { maxLength: 5 }), { minLength: NODES.length, maxLength: NODES.length }),
  faults: fc.array(fault, { maxLength: 4 }),
  until: rarely(fc.double({ min: 0, max: 500, noNaN: true }), fc.constant(1e308)),
  trace: fc.constantFrom<true | { limit: number }>(true, { limit: 50 }),
});

/** Run `actions` on `ctx` (a node's program, or a timer's callback). */
function perform(ctx: NodeContext, sim: Sim, actions: readonly Action[]): void {
  for (const a of actions) {
    switch (a.do) {
      case 'send':
        ctx.send(a.to, { from: ctx.id, x: a.body === 'function' ? () => 1 : a.body === 'bigint' ? 1n : [1, 'two'] });
        break;
      case 'timer':
        ctx.setTimer(a.delay, () => (a.repeat ? perform(ctx, sim, actions) : undefined), 'fuzz');
        break;
      case 'call':
        ctx.call(a.to, 'ping', { timeout: a.timeout }, () => {});
        break;
      case 'step':
        sim.stepClock(a.node, a.delta);
        break;
      default:
        sim[a.do](a.node);
    }
  }
}

describe('fuzz: bad input ends in a finite run or a clear error', () => {
  test('does every scenario finish with finite times, or throw ConfigError/SimulationError with a path?', () => {
    let completed = 0;
    fc.assert(
      fc.property(scenario, (s) => {
        let sim: Sim | undefined;
        try {
          sim = createSim({ seed: s.seed, trace: s.trace, network: { latency: s.latency, loss: s.loss, duplicate: s.duplicate }, limits: { events: EVENT_CAP, sameTime: SAME_TIME_CAP } });
          const created = sim;
          NODES.forEach((id, i) => {
            const program: Program = (ctx) => {
              perform(ctx, created, s.programs[i]!);
              return { onMessage: () => {}, onRequest: (_b, reply) => reply('pong') };
            };
            created.addNode(id, program);
          });
          sim.nemesis(s.faults as never);
          sim.run({ until: s.until });
          completed++;
        } catch (e) {
          if (e instanceof ConfigError) {
            expect(e.issues.length).toBeGreaterThan(0);
            for (const issue of e.issues) expect(issue.path).not.toBe('');
          } else if (e instanceof SimulationError) {
            expect(e.path).not.toBe('');
            expect(Number.isFinite(e.time)).toBe(true);
          } else {
            throw e; // a plain Error, a TypeError, a DataCloneError: not good enough
          }
        }
        if (!sim) return;
        expect(Number.isFinite(sim.now)).toBe(true);
        // The run is bounded by its event cap: each event writes only a few trace entries.
        expect(sim.trace.length).toBeLessThanOrEqual(10 * EVENT_CAP);
        for (const e of sim.trace) {
          expect(Number.isFinite(e.time)).toBe(true);
          if (e.type === 'timer') expect(Number.isFinite(e.late)).toBe(true);
          if (e.type === 'clock') expect(Number.isFinite(e.offset)).toBe(true);
        }
      }),
      { seed: 20261202, numRuns: 200 },
    );
    // Bad values are drawn rarely, so a good share of runs get to the end (about one in five).
    expect(completed).toBeGreaterThan(20);
  }, 60_000); // room for a loaded machine: the bound that matters is the event cap
});
