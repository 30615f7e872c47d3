import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  agreementSweep,
  byzantineSim,
  checkAgreement,
  majorityOrder,
  messageCount,
  oralMessages,
  randomScenario,
  strategy,
  STRATEGIES,
} from '../../lib/models/byzantine';
import { ConfigError } from '../../lib/core/config';
import { eventsOf } from '../../lib/core/trace';

const seeds = (n: number, from = 1) => Array.from({ length: n }, (_, i) => from + i);

describe('majorityOrder', () => {
  test('is it attack only with strictly more attacks, missing values counting as retreat?', () => {
    expect(majorityOrder(['attack', 'attack', 'retreat'])).toBe('attack');
    expect(majorityOrder(['attack', 'retreat'])).toBe('retreat');
    expect(majorityOrder(['attack', null, null])).toBe('retreat');
    expect(majorityOrder(['attack', 'attack', null])).toBe('attack');
    expect(majorityOrder([])).toBe('retreat');
  });
});

describe('oralMessages', () => {
  test('with no traitors, does every lieutenant follow the commander, for any n and m? (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 7 }), fc.integer({ min: 0, max: 2 }), fc.constantFrom('attack', 'retreat' as const), (n, m, order) => {
        const r = oralMessages({ generals: n, rounds: m, order });
        expect(Object.values(r.decisions)).toEqual(Array(n - 1).fill(order));
        expect(r.verdict.ok).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  test('does it send exactly messageCount(n, m) messages? (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 8 }), fc.integer({ min: 0, max: 3 }), (n, m) => {
        expect(oralMessages({ generals: n, rounds: m, order: 'attack' }).messages.length).toBe(messageCount(n, m));
      }),
      { numRuns: 40 },
    );
    expect(messageCount(4, 1)).toBe(3 + 3 * 2);
    expect(messageCount(7, 2)).toBe(6 + 30 + 120);
  });

  test('does a loyal sender always send the honest value, and a traitor what its strategy says?', () => {
    const r = oralMessages({ generals: 5, rounds: 2, order: 'attack', traitors: { G3: 'flip' } });
    for (const msg of r.messages) {
      expect(msg.traitor).toBe(msg.from === 'G3');
      expect(msg.sent).toBe(msg.traitor ? (msg.honest === 'attack' ? 'retreat' : 'attack') : msg.honest);
      expect(msg.path[msg.path.length - 1]).toBe(msg.from);
      expect(msg.round).toBe(msg.path.length);
      expect(msg.path).not.toContain(msg.to);
    }
  });

  test('with n > 3m and at most m traitors, do IC1 and IC2 always hold? (seeds 1-60 per size)', () => {
    for (const [n, f] of [[4, 1], [5, 1], [7, 2], [8, 2]] as const) {
      for (const f2 of [0, 1, f]) {
        const r = agreementSweep({ generals: n, traitors: f2, rounds: f, seeds: seeds(60) });
        expect(r.violations, `n=${n}, m=${f}, traitors=${f2}: ${JSON.stringify(r.failing[0])}`).toBe(0);
      }
    }
  });

  test('with n = 3 and one traitor, do some seeded runs break IC1 or IC2? (seeds 1-60)', () => {
    expect(agreementSweep({ generals: 3, traitors: 1, seeds: seeds(60) }).violations).toBeGreaterThan(0);
    expect(agreementSweep({ generals: 6, traitors: 2, seeds: seeds(60) }).violations).toBeGreaterThan(0);
  });

  test('the classic n = 3 case: does a lying lieutenant make a loyal one disobey a loyal commander?', () => {
    const r = oralMessages({ generals: 3, rounds: 1, order: 'attack', traitors: { G2: 'flip' } });
    expect(r.decisions.G1).toBe('retreat');
    expect(r.verdict.validity).toBe(false);
    expect(r.verdict.findings.join()).toMatch(/IC2/);
  });

  test('does a silent traitor count as the default order?', () => {
    const r = oralMessages({ generals: 4, rounds: 1, order: 'attack', traitors: { G0: 'silent' } });
    expect(Object.values(r.decisions)).toEqual(['retreat', 'retreat', 'retreat']);
    expect(r.messages.filter((m) => m.from === 'G0').every((m) => m.sent === null)).toBe(true);
  });

  test('are bad configs rejected up front, with the path?', () => {
    expect(() => oralMessages({ generals: 1, rounds: 0, order: 'attack' })).toThrow(ConfigError);
    expect(() => oralMessages({ generals: 4, rounds: 1, order: 'attack', traitors: { G9: 'flip' } })).toThrow(/config\.traitors\.G9/);
    expect(() => oralMessages({ generals: 4, rounds: 1, order: 'charge' as never })).toThrow(/config\.order/);
    expect(() => agreementSweep({ generals: 3, traitors: 4, seeds: [1] })).toThrow(/sweep\.traitors/);
  });
});

describe('strategies and scenarios', () => {
  test('is the random strategy a function of seed, path and recipient only?', () => {
    const a = strategy('random', 5);
    const b = strategy('random', 5);
    const m = { from: 'G1', to: 'G2', toIndex: 2, path: ['G0', 'G1'], honest: 'attack' as const };
    expect(a(m)).toBe(b(m));
    const outcomes = new Set(seeds(30).map((s) => strategy('random', s)(m)));
    expect(outcomes.size).toBe(2);
  });

  test('does randomScenario pick distinct traitors with known strategies, deterministically?', () => {
    for (const seed of seeds(20)) {
      const sc = randomScenario(seed, 7, 3, 2);
      expect(Object.keys(sc.traitors!).length).toBe(3);
      for (const s of Object.values(sc.traitors!)) expect(STRATEGIES).toContain(s);
      expect(randomScenario(seed, 7, 3, 2)).toEqual(sc);
    }
  });
});

describe('checkAgreement', () => {
  test("does it ignore traitors' decisions, and a traitor commander's order?", () => {
    const v = checkAgreement({ commander: 'G0', order: 'attack', traitors: ['G0', 'G3'], decisions: { G1: 'retreat', G2: 'retreat', G3: 'attack' } });
    expect(v).toEqual({ agreement: true, validity: true, ok: true, findings: [] });
    const w = checkAgreement({ commander: 'G0', order: 'attack', traitors: [], decisions: { G1: 'attack', G2: 'retreat' } });
    expect(w.agreement).toBe(false);
    expect(w.validity).toBe(false);
    expect(w.findings.length).toBe(2);
  });
});

describe('byzantineSim', () => {
  test('does the simulated exchange decide what the recursion decides? (seeds 1-40)', () => {
    for (const seed of seeds(40)) {
      const sc = randomScenario(seed, 4 + (seed % 4), 1 + (seed % 2), 1 + (seed % 2));
      const { sim, decisions } = byzantineSim(sc);
      sim.run();
      expect(decisions(), `scenario ${JSON.stringify(sc)}`).toEqual(oralMessages(sc).decisions);
    }
  });

  test('does it send what the recursion sends, minus silent traitors, and note each decision?', () => {
    const sc = { generals: 4, rounds: 1, order: 'attack' as const, traitors: { G2: 'silent' as const } };
    const { sim } = byzantineSim(sc);
    sim.run();
    const sent = oralMessages(sc).messages.filter((m) => m.sent !== null).length;
    expect(eventsOf(sim.trace, 'send').length).toBe(sent);
    expect(eventsOf(sim.trace, 'note').filter((n) => n.text.startsWith('decides')).map((n) => n.node).sort()).toEqual(['G1', 'G2', 'G3']);
  });
});
