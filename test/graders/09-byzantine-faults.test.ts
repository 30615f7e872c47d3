// Grader for exercises/09-byzantine-faults.ts. Run: npm run grade -- --only 09-byzantine-faults
import { describe, expect, test } from 'vitest';
import { checkAgreement, randomScenario, strategy, type General, type Lie, type Order } from '../../lib/models/byzantine';
import { corruptFrame, frame, openFrame, type ChecksumKind, type Frame } from '../../lib/models/corruption';
import { createRng } from '../../lib/core/random';
import { majority, om1, verifyFrame } from '@target/09-byzantine-faults';

// As the exercise defines it (the grader's own copy, not the submission's).
const FOUR_GENERALS = ['G0', 'G1', 'G2', 'G3'] as const;

type Sent = { path: string; to: General; value: Order; got: Order | null };

/** A network of generals: loyal senders deliver `value`, traitors deliver what `lies[sender]` says. Records every message. */
function network(lies: Record<General, (path: readonly General[], to: General, value: Order) => Order | null>) {
  const log: Sent[] = [];
  const send = (path: readonly General[], to: General, value: Order): Order | null => {
    const from = path[path.length - 1]!;
    const got = lies[from] ? lies[from]!(path, to, value) : value;
    log.push({ path: path.join('>'), to, value, got });
    return got;
  };
  return { send, log };
}

/** Traitors from a library strategy (flip, split, random, silent). */
function strategic(traitors: Record<General, Lie>, generals: readonly General[]) {
  const lies: Record<General, (path: readonly General[], to: General, value: Order) => Order | null> = {};
  for (const [g, lie] of Object.entries(traitors)) {
    lies[g] = (path, to, value) => lie({ from: g, to, toIndex: generals.indexOf(to), path, honest: value });
  }
  return network(lies);
}

const replayOm = (what: string) => `reproduce: om1(order, send) with ${what} — see the exercise cell of notebooks/09-byzantine-faults.ipynb`;

describe('majority', () => {
  test('does majority count votes, treat a missing value as retreat and break ties toward retreat? (hand-made cases)', { meta: { points: 2 } }, () => {
    const cases: Array<[Array<Order | null>, Order]> = [
      [['attack', 'attack', 'retreat'], 'attack'],
      [['retreat', 'attack', 'retreat'], 'retreat'],
      [['attack', 'retreat'], 'retreat'],
      [['attack', null, 'attack'], 'attack'],
      [['attack', null, null], 'retreat'],
      [['attack'], 'attack'],
      [[], 'retreat'],
      [['attack', 'attack', 'retreat', 'retreat', null], 'retreat'],
    ];
    for (const [values, expected] of cases) {
      expect(majority(values), `majority(${JSON.stringify(values)}) should be '${expected}'`).toBe(expected);
    }
  });
});

describe('om1', () => {
  test('with no traitor, does every lieutenant follow the commander, after exactly 9 messages? (four generals)', { meta: { points: 2 } }, () => {
    for (const order of ['attack', 'retreat'] as const) {
      const net = network({});
      const d = om1(order, net.send);
      expect(d, `no traitors, commander orders ${order}: every lieutenant should decide ${order}. ${replayOm('no traitors')}`).toEqual({ G1: order, G2: order, G3: order });
      expect(net.log.length, `OM(1) with four generals sends 3 orders and 3×2 relays = 9 messages; you sent ${net.log.length}. ${replayOm('no traitors')}`).toBe(9);
    }
  });

  test('does each lieutenant relay exactly what it received to each other lieutenant, once? (commander splits A,A,R)', { meta: { points: 2 } }, () => {
    const got: Record<General, Order> = { G1: 'attack', G2: 'attack', G3: 'retreat' };
    const net = network({ G0: (_p, to) => got[to]! });
    om1('attack', net.send);
    const orders = net.log.filter((m) => m.path === 'G0').map((m) => m.to).sort();
    expect(orders, `the commander must send one order to each of G1, G2, G3 with path ['G0']. ${replayOm('a traitor G0 telling G1 attack, G2 attack, G3 retreat')}`).toEqual(['G1', 'G2', 'G3']);
    const relays = net.log.filter((m) => m.path !== 'G0').map((m) => `${m.path}->${m.to}:${m.value}`).sort();
    expect(relays, `each lieutenant i must send what it received to every other lieutenant j, with path ['G0', i]. ${replayOm('a traitor G0 telling G1 attack, G2 attack, G3 retreat')}`).toEqual(
      ['G0>G1->G2:attack', 'G0>G1->G3:attack', 'G0>G2->G1:attack', 'G0>G2->G3:attack', 'G0>G3->G1:retreat', 'G0>G3->G2:retreat'].sort(),
    );
    expect(net.log.length, 'exactly 9 messages').toBe(9);
  });

  test('do the loyal lieutenants decide right in hand-made cases (two-faced commander, silent commander, lying lieutenant)?', { meta: { points: 3 } }, () => {
    const cases: Array<{ what: string; order: Order; lies: Parameters<typeof network>[0]; expected: Partial<Record<General, Order>> }> = [
      { what: 'traitor G0 telling G1 attack, G2 attack, G3 retreat', order: 'retreat', lies: { G0: (_p, to) => (to === 'G3' ? 'retreat' : 'attack') }, expected: { G1: 'attack', G2: 'attack', G3: 'attack' } },
      { what: 'traitor G0 telling G1 attack, G2 retreat, and G3 nothing', order: 'attack', lies: { G0: (_p, to) => (to === 'G1' ? 'attack' : to === 'G2' ? 'retreat' : null) }, expected: { G1: 'retreat', G2: 'retreat', G3: 'retreat' } },
      { what: 'loyal G0 ordering attack, traitor G3 telling everyone retreat', order: 'attack', lies: { G3: () => 'retreat' }, expected: { G1: 'attack', G2: 'attack' } },
      { what: 'loyal G0 ordering attack, traitor G2 silent', order: 'attack', lies: { G2: () => null }, expected: { G1: 'attack', G3: 'attack' } },
      { what: 'loyal G0 ordering retreat, traitor G1 telling everyone attack', order: 'retreat', lies: { G1: () => 'attack' }, expected: { G2: 'retreat', G3: 'retreat' } },
    ];
    for (const c of cases) {
      const d = om1(c.order, network(c.lies).send);
      for (const [g, want] of Object.entries(c.expected)) {
        expect(d[g], `${c.what} (order ${c.order}): ${g} should decide ${want}. ${replayOm(c.what)}`).toBe(want);
      }
    }
  });

  test('with one traitor of a seeded strategy, do the loyal lieutenants agree, and follow a loyal commander? (seeds 1-200)', { meta: { points: 4 } }, () => {
    for (let seed = 1; seed <= 200; seed++) {
      const sc = randomScenario(seed, 4, 1, 1);
      const traitors = Object.fromEntries(Object.entries(sc.traitors!).map(([g, s]) => [g, strategy(s, seed)]));
      const d = om1(sc.order, strategic(traitors, FOUR_GENERALS).send);
      const v = checkAgreement({ commander: 'G0', order: sc.order, traitors: Object.keys(sc.traitors!), decisions: d });
      expect(v.findings, `seed ${seed}: order ${sc.order}, traitor ${JSON.stringify(sc.traitors)} (strategy from lib/byzantine, seeded ${seed}); decisions ${JSON.stringify(d)}. ${replayOm(`randomScenario(${seed}, 4, 1, 1)`)}`).toEqual([]);
    }
  });

  test('does om1 work for more generals too: seven generals, one seeded traitor? (seeds 1-50)', { meta: { points: 1 } }, () => {
    const seven = ['G0', 'G1', 'G2', 'G3', 'G4', 'G5', 'G6'];
    for (let seed = 1; seed <= 50; seed++) {
      const sc = randomScenario(seed, 7, 1, 1);
      const traitors = Object.fromEntries(Object.entries(sc.traitors!).map(([g, s]) => [g, strategy(s, seed)]));
      const net = strategic(traitors, seven);
      const d = om1(sc.order, net.send, seven);
      const v = checkAgreement({ commander: 'G0', order: sc.order, traitors: Object.keys(sc.traitors!), decisions: d });
      expect(Object.keys(d).sort(), `seed ${seed}: decisions for G1..G6 expected`).toEqual(seven.slice(1));
      expect(net.log.length, `seed ${seed}: OM(1) with 7 generals sends 6 + 6×5 = 36 messages`).toBe(36);
      expect(v.findings, `seed ${seed}: seven generals, order ${sc.order}, traitor ${JSON.stringify(sc.traitors)}. ${replayOm(`randomScenario(${seed}, 7, 1, 1) and generals G0..G6`)}`).toEqual([]);
    }
  });
});

describe('verifyFrame', () => {
  const hexOf = (bytes: number[]) => Buffer.from(bytes).toString('hex');
  const text = (s: string) => [...Buffer.from(s, 'utf8')];

  test('does verifyFrame accept intact frames of every checksum kind and return the body? (hand-made frames)', { meta: { points: 1 } }, () => {
    const bodies: unknown[] = [{ seq: 1, cents: 1234 }, 'hello', 42, [true, null], null];
    for (const kind of ['none', 'sum8', 'crc32'] as ChecksumKind[]) {
      for (const body of bodies) {
        const r = verifyFrame(frame(body, kind));
        expect(r, `an intact ${kind} frame of ${JSON.stringify(body)} should be accepted with that body. Reproduce: verifyFrame(frame(${JSON.stringify(body)}, '${kind}'))`).toEqual({ verdict: 'accepted', body });
      }
    }
    // The CRC of "1" (0x31) is 0x83DCEFB7.
    expect(verifyFrame({ checksum: 'crc32', hex: hexOf([0x31, 0x83, 0xdc, 0xef, 0xb7]) }), 'the frame 31 83dcefb7 (payload "1", its CRC-32 big-endian) should be accepted as 1').toEqual({ verdict: 'accepted', body: 1 });
  });

  test('does verifyFrame reject bad checksums before parsing, and garbled payloads after? (hand-made frames)', { meta: { points: 2 } }, () => {
    const cases: Array<[string, Frame, string]> = [
      ['CRC-32 with its last byte changed', { checksum: 'crc32', hex: hexOf([0x31, 0x83, 0xdc, 0xef, 0xb6]) }, 'checksum mismatch'],
      ['sum8 off by one', { checksum: 'sum8', hex: hexOf([...text('{}'), 0x7b + 0x7d + 1]) }, 'checksum mismatch'],
      ['sum8 correct, payload not JSON', { checksum: 'sum8', hex: hexOf([...text('{x'), (0x7b + 0x78) & 0xff]) }, 'garbled'],
      ['no checksum, payload not JSON', { checksum: 'none', hex: hexOf(text('{"a":')) }, 'garbled'],
      ['not JSON and a wrong CRC: the checksum comes first', { checksum: 'crc32', hex: hexOf([...text('{x'), 0, 0, 0, 0]) }, 'checksum mismatch'],
      ['shorter than its CRC', { checksum: 'crc32', hex: hexOf([1, 2]) }, 'garbled'],
    ];
    for (const [what, f, verdict] of cases) {
      const r = verifyFrame(f);
      expect(r?.verdict, `${what} (hex ${f.hex}, ${f.checksum}): expected '${verdict}'. Reproduce: verifyFrame(${JSON.stringify(f)})`).toBe(verdict);
      expect(r?.body, `${what}: a rejected frame has body undefined`).toBeUndefined();
    }
  });

  test('does verifyFrame agree with the lesson on seeded corrupted frames? (seeds 1-300, all three checksums)', { meta: { points: 2 } }, () => {
    for (let seed = 1; seed <= 300; seed++) {
      const rng = createRng(seed, 'grader');
      const kind = (['none', 'sum8', 'crc32'] as const)[seed % 3]!;
      const sent = frame({ seq: seed, from: 'alice', to: 'bob', cents: rng.int(1000, 99999) }, kind);
      const { frame: got } = corruptFrame(sent, 0.004, rng);
      const expected = openFrame(got);
      const r = verifyFrame(got);
      expect({ verdict: r?.verdict, body: r?.body }, `seed ${seed}: a ${kind} frame after bit flips at rate 0.004 (hex ${got.hex}). Reproduce: verifyFrame(${JSON.stringify(got)})`).toEqual({ verdict: expected.verdict, body: expected.body });
    }
  });
});
