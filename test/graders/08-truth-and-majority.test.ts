// Grader for exercises/08-truth-and-majority.ts. Run: npm run grade -- --only 08-truth-and-majority
import { describe, expect, test } from 'vitest';
import { electionCluster, ElectionConfigSchema, leadersOf, leaderships, partitionSchedule, termsWithTwoLeaders, type ElectionConfig } from '../../lib/models/election';
import type { NodeContext } from '../../lib/core/node';
import { createSim } from '../../lib/core/sim';
import { eventsOf, type TraceEvent } from '../../lib/core/trace';
import { castVote, hasMajority, quorumElection } from '@target/08-truth-and-majority';

const NB = 'notebooks/08-truth-and-majority.ipynb';
const notes = (trace: readonly TraceEvent[], node: string): string[] => eventsOf(trace, 'note').filter((n) => n.node === node).map((n) => n.text);
const config = (peers: string[], timeout = 10_000): ElectionConfig => ElectionConfigSchema.parse({ peers, electionTimeout: timeout });

/** A scripted peer: sends each [time, to, message] and records what it receives. */
function scripted(steps: Array<[number, string, unknown]>, inbox: unknown[], answer?: (body: unknown, ctx: NodeContext, from: string) => void) {
  return (ctx: NodeContext) => {
    for (const [at, to, body] of steps) ctx.setTimer(at, () => ctx.send(to, body));
    return {
      onMessage: (msg: { from: string; body: unknown }) => {
        inbox.push(msg.body);
        answer?.(msg.body, ctx, msg.from);
      },
    };
  };
}

/** Five of your nodes under a flapping network until t=5000, then healed for good; run to t=7000. */
function flapping(seed: number) {
  const c = electionCluster({ seed }, (cfg) => quorumElection(cfg));
  c.sim.nemesis(partitionSchedule(c.sim.rng, { nodes: c.nodes, every: 300, until: 5000 }));
  c.sim.run({ until: 7000 });
  return c;
}
const SEEDS = Array.from({ length: 30 }, (_, i) => i + 1);

describe('hasMajority and castVote', () => {
  test('does hasMajority accept strictly more than half, and nothing less? (no seed)', { meta: { points: 1 } }, () => {
    const cases: Array<[number, number, boolean]> = [[1, 1, true], [2, 3, true], [1, 3, false], [3, 5, true], [2, 5, false], [2, 4, false], [3, 4, true], [3, 6, false], [4, 7, true], [5, 5, true]];
    for (const [votes, size, want] of cases) expect(hasMajority(votes, size), `hasMajority(${votes}, ${size}) should be ${want}`).toBe(want);
  });

  test('does castVote grant one candidate per term, and the same candidate again? (no seed)', { meta: { points: 2 } }, () => {
    const ask = (term: number, candidate: string) => ({ type: 'vote-request' as const, term, candidate });
    const s0 = { term: 2, votedFor: null };
    const a = castVote(s0, ask(2, 'a'));
    expect(a, "castVote({ term: 2, votedFor: null }, request term 2 from 'a') should grant and record the vote").toEqual({ state: { term: 2, votedFor: 'a' }, vote: { type: 'vote', term: 2, granted: true } });
    expect(s0, 'castVote must not change the state it is given').toEqual({ term: 2, votedFor: null });
    const b = castVote(a.state, ask(2, 'b'));
    expect(b, "then a request from 'b' in the same term 2 should be refused, state unchanged").toEqual({ state: { term: 2, votedFor: 'a' }, vote: { type: 'vote', term: 2, granted: false } });
    expect(castVote(b.state, ask(2, 'a')).vote.granted, "then 'a' asking again in term 2 (its reply was lost) should be granted").toBe(true);
  });

  test('does castVote refuse an older term and adopt a newer one before deciding? (no seed)', { meta: { points: 1 } }, () => {
    const ask = (term: number, candidate: string) => ({ type: 'vote-request' as const, term, candidate });
    const s = { term: 5, votedFor: 'a' };
    expect(castVote(s, ask(4, 'b')), "castVote({ term: 5, votedFor: 'a' }, request term 4 from 'b') should refuse with term 5, state unchanged").toEqual({
      state: s,
      vote: { type: 'vote', term: 5, granted: false },
    });
    expect(castVote(s, ask(7, 'b')), "castVote({ term: 5, votedFor: 'a' }, request term 7 from 'b') should adopt term 7 and grant").toEqual({
      state: { term: 7, votedFor: 'b' },
      vote: { type: 'vote', term: 7, granted: true },
    });
  });
});

describe('quorumElection on the simulator', () => {
  test('does a healthy five-node cluster elect one leader within 1 s and keep it for 3 s? (seeds 1-5)', { meta: { points: 1 } }, () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const c = electionCluster({ seed }, (cfg) => quorumElection(cfg));
      c.sim.run({ until: 4000 });
      const leaders = leadersOf(c.sim.trace);
      const how = `seed ${seed}, electionCluster({ seed: ${seed} }, quorumElection), no faults, run to t=4000 (${NB}, exercise cell)`;
      expect(leaders.length, `${how}: expected exactly one 'leader term=N' note, got ${leaders.length}`).toBe(1);
      expect(leaders[0]!.time, `${how}: the leader should be elected before t=1000`).toBeLessThan(1000);
    }
  });

  test('does a node vote once per term, even across a crash and restart? (seed=1)', { meta: { points: 2 } }, () => {
    const sim = createSim({ seed: 1, network: { latency: 1 } });
    const peers = ['me', 'x', 'y'];
    const x: unknown[] = [];
    const y: unknown[] = [];
    sim.addNode('me', quorumElection(config(peers)));
    sim.addNode('x', scripted([[10, 'me', { type: 'vote-request', term: 5, candidate: 'x' }]], x));
    sim.addNode('y', scripted([[20, 'me', { type: 'vote-request', term: 5, candidate: 'y' }], [50, 'me', { type: 'vote-request', term: 5, candidate: 'y' }], [60, 'me', { type: 'vote-request', term: 6, candidate: 'y' }]], y));
    sim.nemesis([{ at: 30, fault: 'crash', node: 'me' }, { at: 40, fault: 'restart', node: 'me' }]);
    sim.run({ until: 100 });
    const how = "peers me, x, y (1 ms network, seed 1, election timeout 10 s): x asks for term 5 at t=10, y for term 5 at t=20; 'me' crashes at t=30, restarts at t=40; y asks for term 5 at t=50 and term 6 at t=60";
    expect(x, `${how}: x should get { type: 'vote', term: 5, granted: true }`).toEqual([{ type: 'vote', term: 5, granted: true }]);
    expect(y[0], `${how}: y's first request should be refused (already voted for x in term 5)`).toEqual({ type: 'vote', term: 5, granted: false });
    expect(y[1], `${how}: after the restart, y's term-5 request should still be refused: keep 'term' and 'votedFor' in ctx.disk`).toEqual({ type: 'vote', term: 5, granted: false });
    expect(y[2], `${how}: y's term-6 request should be granted`).toEqual({ type: 'vote', term: 6, granted: true });
  });

  test('does a leader step down on a newer term, and answer an older leader with stale-term? (seed=1)', { meta: { points: 2 } }, () => {
    const sim = createSim({ seed: 1, network: { latency: 1 } });
    const peers = ['me', 'p1', 'p2'];
    const p1: unknown[] = [];
    const p2: unknown[] = [];
    // Both peers vote for whoever asks; 'me' stands first (its timeout is 100 ms, theirs never fires: they are scripts).
    const grant = (body: unknown, ctx: NodeContext, from: string) => {
      const b = body as { type?: string; term?: number };
      if (b.type === 'vote-request') ctx.send(from, { type: 'vote', term: b.term, granted: true });
    };
    sim.addNode('me', quorumElection(config(peers, 100)));
    sim.addNode('p1', scripted([[350, 'me', { type: 'heartbeat', term: 3, leader: 'p1' }]], p1, grant));
    sim.addNode('p2', scripted([[300, 'me', { type: 'heartbeat', term: 7, leader: 'p2' }]], p2, grant));
    sim.run({ until: 500 });
    const how = "peers me, p1, p2 (1 ms network, seed 1): 'me' (election timeout 100 ms) asks, both peers vote for it; p2 sends a heartbeat of term 7 at t=300; p1 a heartbeat of term 3 at t=350";
    const mine = notes(sim.trace, 'me');
    expect(mine, `${how}: 'me' should note 'leader term=1'`).toContain('leader term=1');
    expect(mine, `${how}: 'me' should note 'follower term=7' on p2's heartbeat`).toContain('follower term=7');
    const beats = p1.filter((m) => (m as { type?: string }).type === 'heartbeat') as Array<{ term: number }>;
    expect(beats.length, `${how}: as leader 'me' should send heartbeats to p1 (every 50 ms)`).toBeGreaterThanOrEqual(3);
    const lateBeats = eventsOf(sim.trace, 'send').filter((e) => e.from === 'me' && e.time > 301.5 && (e.body as { type?: string; term?: number }).type === 'heartbeat' && (e.body as { term: number }).term < 7);
    expect(lateBeats.length, `${how}: after stepping down (t=301) 'me' must send no more heartbeats of its old term`).toBe(0);
    const stale = p1.find((m) => (m as { type?: string }).type === 'stale-term');
    expect(stale, `${how}: p1's term-3 heartbeat should be answered with { type: 'stale-term', term: 7 }`).toEqual({ type: 'stale-term', term: 7 });
  });

  test('does a four-node cluster split 2|2 elect nobody, while the network is split? (seeds 1-10)', { meta: { points: 1 } }, () => {
    for (let seed = 1; seed <= 10; seed++) {
      const c = electionCluster({ seed, nodes: 4 }, (cfg) => quorumElection(cfg));
      c.sim.nemesis([{ at: 0, fault: 'partition', groups: [['n1', 'n2'], ['n3', 'n4']] }]);
      c.sim.run({ until: 2000 });
      const leaders = leadersOf(c.sim.trace);
      expect(leaders, `seed ${seed}: four nodes booted into a 2|2 partition (electionCluster({ seed: ${seed}, nodes: 4 }), partition [[n1,n2],[n3,n4]] at t=0, run to t=2000): 2 of 4 is not a majority, so no leader may be elected`).toEqual([]);
    }
  });

  test('is there never more than one leader in a term under flapping partitions? (seeds 1-30)', { meta: { points: 3 } }, () => {
    for (const seed of SEEDS) {
      const c = flapping(seed);
      const bad = termsWithTwoLeaders(c.sim.trace);
      expect(
        bad,
        `seed ${seed}: five nodes, partitionSchedule(sim.rng, { nodes, every: 300, until: 5000 }), run to t=7000: ` +
          bad.map((b) => `term ${b.term} had leaders ${b.leaders.map((l) => `${l.node} (t=${l.time.toFixed(1)})`).join(' and ')}`).join('; '),
      ).toEqual([]);
    }
  });

  test('is one leader elected within 1.5 s once the network heals for good, and does it stay? (seeds 1-30)', { meta: { points: 2 } }, () => {
    for (const seed of SEEDS) {
      const c = flapping(seed);
      const open = leaderships(c.sim.trace, 7000).filter((l) => l.ended === 'still leader');
      const how = `seed ${seed}: five nodes, partitionSchedule(sim.rng, { nodes, every: 300, until: 5000 }), healed at t=5000, run to t=7000`;
      expect(open.length, `${how}: expected exactly one node still leader at t=7000, got ${open.map((l) => `${l.node} (term ${l.term})`).join(', ') || 'none'}`).toBe(1);
      expect(open[0]!.from, `${how}: the last leader should be elected by t=6500 (1.5 s after the heal), it was at t=${open[0]!.from.toFixed(1)}`).toBeLessThan(6500);
      const terms = leadersOf(c.sim.trace).map((l) => l.term);
      expect(open[0]!.term, `${how}: the last leader should hold the newest term`).toBe(Math.max(...terms));
    }
  });
});
