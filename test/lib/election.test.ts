import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../lib/core/config';
import {
  decideVote,
  electionCluster,
  electionNode,
  leadersOf,
  leaderships,
  majority,
  overlappingLeaders,
  partitionSchedule,
  termsWithTwoLeaders,
  type VoterState,
  type RequestVote,
} from '../../lib/models/election';
import type { NodeContext } from '../../lib/core/node';
import { createRng } from '../../lib/core/random';
import { createSim } from '../../lib/core/sim';
import { eventsOf, type TraceEvent } from '../../lib/core/trace';

const notesOf = (trace: readonly TraceEvent[], node: string): string[] =>
  eventsOf(trace, 'note').filter((n) => n.node === node).map((n) => n.text);

describe('majority and decideVote', () => {
  test('is a majority strictly more than half, for every cluster size?', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), (n) => {
        const m = majority(n);
        expect(2 * m).toBeGreaterThan(n);
        expect(2 * (m - 1)).toBeLessThanOrEqual(n);
        // Two majorities always share a node.
        expect(2 * m - n).toBeGreaterThanOrEqual(1);
      }),
    );
  });

  test('does a voter grant at most one candidate per term, whatever the order of requests?', () => {
    const req = fc.record({ term: fc.integer({ min: 0, max: 5 }), candidate: fc.constantFrom('a', 'b', 'c') });
    fc.assert(
      fc.property(fc.array(req, { maxLength: 30 }), (reqs) => {
        let state: VoterState = { term: 0, votedFor: null };
        const granted = new Map<number, Set<string>>();
        for (const r of reqs) {
          const before = state.term;
          const out = decideVote(state, { type: 'vote-request', ...r });
          state = out.state;
          expect(state.term).toBeGreaterThanOrEqual(before); // terms never go back
          expect(out.vote.term).toBe(state.term);
          if (out.vote.granted) {
            expect(r.term).toBe(state.term);
            granted.set(r.term, (granted.get(r.term) ?? new Set()).add(r.candidate));
          }
        }
        for (const cs of granted.values()) expect(cs.size).toBe(1);
      }),
    );
  });

  test('does a voter refuse an older term and adopt a newer one?', () => {
    const s: VoterState = { term: 4, votedFor: 'a' };
    const ask = (term: number, candidate: string): RequestVote => ({ type: 'vote-request', term, candidate });
    expect(decideVote(s, ask(3, 'b'))).toEqual({ state: s, vote: { type: 'vote', term: 4, granted: false } });
    expect(decideVote(s, ask(4, 'b')).vote.granted).toBe(false);
    expect(decideVote(s, ask(4, 'a')).vote.granted).toBe(true); // the same candidate again: its reply may have been lost
    expect(decideVote(s, ask(6, 'b'))).toEqual({ state: { term: 6, votedFor: 'b' }, vote: { type: 'vote', term: 6, granted: true } });
  });
});

describe('electionNode', () => {
  test('does a healthy five-node cluster elect exactly one leader, quickly, and keep it?', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const c = electionCluster({ seed });
      c.sim.run({ until: 3000 });
      const leaders = leadersOf(c.sim.trace);
      expect(leaders.length, `seed ${seed}`).toBe(1);
      expect(leaders[0]!.time, `seed ${seed}`).toBeLessThan(700);
    }
  });

  test('are term and vote durable: does a restarted node come back as a follower of its term?', () => {
    const c = electionCluster({ seed: 3 });
    c.sim.run({ until: 1000 });
    const [leader] = leadersOf(c.sim.trace);
    c.sim.crash(leader!.node);
    c.sim.run({ until: 2000 });
    c.sim.restart(leader!.node);
    c.sim.run({ until: 3000 });
    const after = notesOf(c.sim.trace, leader!.node);
    expect(after).toContain(`follower term=${leader!.term}`);
    const second = leadersOf(c.sim.trace).find((l) => l.time > 1000);
    expect(second).toBeDefined();
    expect(second!.term).toBeGreaterThan(leader!.term);
    expect(leaderships(c.sim.trace).find((l) => l.node === leader!.node)!.ended).toBe('crashed');
  });

  test('does a paused leader resume believing it leads, then step down on hearing the newer term?', () => {
    const c = electionCluster({ seed: 1 });
    c.sim.run({ until: 1000 });
    const [old] = leadersOf(c.sim.trace);
    c.sim.pause(old!.node);
    c.sim.run({ until: 2000 });
    c.sim.resume(old!.node);
    c.sim.run({ until: 2500 });
    const newer = leadersOf(c.sim.trace).filter((l) => l.node !== old!.node);
    expect(newer.length).toBe(1);
    const ls = leaderships(c.sim.trace, 2500);
    const oldLeadership = ls.find((l) => l.node === old!.node)!;
    expect(oldLeadership.ended).toBe('stepped down');
    expect(oldLeadership.to).toBeGreaterThanOrEqual(2000); // it only found out after it resumed
    expect(overlappingLeaders(c.sim.trace, 2500).length).toBe(1);
    expect(termsWithTwoLeaders(c.sim.trace)).toEqual([]);
  });

  test('with quorum none, does a cluster booted into a 2|3 partition elect a leader on each side in the same term; with a majority, only on the big side?', () => {
    for (const quorum of ['none', 'majority'] as const) {
      const c = electionCluster({ seed: 2, quorum });
      c.sim.nemesis([{ at: 0, fault: 'partition', groups: [['n1', 'n2'], ['n3', 'n4', 'n5']] }]);
      c.sim.run({ until: 2000 });
      const sides = new Set(leadersOf(c.sim.trace).map((l) => (['n1', 'n2'].includes(l.node) ? 'small' : 'big')));
      if (quorum === 'none') {
        expect([...sides].sort()).toEqual(['big', 'small']);
        expect(termsWithTwoLeaders(c.sim.trace).length).toBeGreaterThan(0);
      } else {
        expect([...sides]).toEqual(['big']);
      }
    }
  });

  test('does a majority cluster never have two leaders in a term, and elect one after the network heals? (flapping partitions, seeds 1-20)', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const c = electionCluster({ seed });
      c.sim.nemesis(partitionSchedule(c.sim.rng, { nodes: c.nodes, every: 300, until: 5000 }));
      c.sim.run({ until: 7000 });
      expect(termsWithTwoLeaders(c.sim.trace), `seed ${seed}`).toEqual([]);
      const open = leaderships(c.sim.trace, 7000).filter((l) => l.ended === 'still leader');
      expect(open.length, `seed ${seed}`).toBe(1);
      expect(open[0]!.from, `seed ${seed}`).toBeLessThan(6000);
    }
  });

  test('are runs deterministic: same seed, same trace?', () => {
    const run = () => {
      const c = electionCluster({ seed: 9, quorum: 'none' });
      c.sim.nemesis(partitionSchedule(c.sim.rng, { nodes: c.nodes, every: 400, until: 3000 }));
      c.sim.run({ until: 3500 });
      return JSON.stringify(c.sim.trace);
    };
    expect(run()).toBe(run());
  });

  test('do hooks see leadership changes and non-election messages?', () => {
    const seen: string[] = [];
    const sim = createSim({ seed: 1, network: { latency: 1 } });
    const peers = ['a', 'b', 'c'];
    for (const id of peers) {
      sim.addNode(id, electionNode({ peers }, {
        onLeader: (ctx: NodeContext, term: number) => seen.push(`${ctx.id} leader ${term}`),
        onFollower: (ctx: NodeContext, term: number, leader?: string) => seen.push(`${ctx.id} follower ${term} ${leader ?? '?'}`),
        onMessage: (msg) => seen.push(`${msg.to} got ${JSON.stringify(msg.body)}`),
      }));
    }
    sim.addNode('x', (ctx) => void ctx.setTimer(500, () => ctx.send('a', { hello: 1 })));
    sim.run({ until: 600 });
    const leader = leadersOf(sim.trace)[0]!;
    expect(seen).toContain(`${leader.node} leader 1`);
    for (const f of peers.filter((p) => p !== leader.node)) expect(seen).toContain(`${f} follower 1 ${leader.node}`);
    expect(seen).toContain('a got {"hello":1}');
  });

  test('are bad configs rejected up front with the field path?', () => {
    expect(() => electionNode({ peers: [] })).toThrow(ConfigError);
    expect(() => electionNode({ peers: ['a', 'a'] })).toThrow(/peers/);
    expect(() => electionNode({ peers: ['a'], heartbeatInterval: Number.NaN })).toThrow(/heartbeatInterval/);
    expect(() => electionNode({ peers: ['a'], quorum: 'most' as 'none' })).toThrow(/quorum/);
    expect(() => electionCluster({ seed: 1, nodes: 0 })).toThrow(/nodes/);
    const sim = createSim({ seed: 1 });
    sim.addNode('z', electionNode({ peers: ['a', 'b'] }));
    // A peer that is not in the simulation is caught when the run starts, with its path.
    expect(() => sim.run({ until: 1 })).toThrow(/unknown node 'a' .*nodes\.z\.election\.peers\[0\]/s);
    const sim2 = createSim({ seed: 1 });
    for (const n of ['a', 'b']) sim2.addNode(n, () => {});
    sim2.addNode('z', electionNode({ peers: ['a', 'b'] }));
    expect(() => sim2.run({ until: 1 })).toThrow(/include the node itself/);
  });
});

describe('partitionSchedule', () => {
  test('does it split into a minority and the rest, heal before every change, and heal for good at the end?', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 3, max: 9 }), (seed, n) => {
        const nodes = Array.from({ length: n }, (_, i) => `n${i + 1}`);
        const faults = partitionSchedule(createRng(seed), { nodes, every: 200, until: 3000 });
        expect(faults.at(-1)).toEqual({ at: 3000, fault: 'heal' });
        faults.forEach((f, i) => {
          expect(f.at).toBeGreaterThanOrEqual(0);
          if (f.fault === 'partition') {
            expect(faults[i - 1]).toEqual({ at: f.at, fault: 'heal' });
            const [small, big] = f.groups;
            expect(small!.length).toBe(Math.floor((n - 1) / 2));
            expect([...small!, ...big!].sort()).toEqual([...nodes].sort());
          }
        });
      }),
      { numRuns: 50 },
    );
  });

  test('is it seeded: same rng, same schedule; and are bad configs rejected?', () => {
    const cfg = { nodes: ['a', 'b', 'c', 'd'], every: 100, until: 1000, smaller: 2 };
    expect(partitionSchedule(createRng(5), cfg)).toEqual(partitionSchedule(createRng(5), cfg));
    expect(() => partitionSchedule(createRng(5), { ...cfg, smaller: 3 })).toThrow(/smaller/);
    expect(() => partitionSchedule(createRng(5), { ...cfg, until: 0 })).toThrow(ConfigError);
  });
});
