// Grader for exercises/08-truth-and-majority.ts. Run: npm run grade -- --only 08-truth-and-majority
import { describe, expect, test } from 'vitest';
import { electionCluster, ElectionConfigSchema, leadersOf, leaderships, partitionSchedule, termsWithTwoLeaders, type ElectionConfig } from '../../lib/models/election';
import type { NodeContext } from '../../lib/core/node';
import { createSim } from '../../lib/core/sim';
import type { Fault } from '../../lib/core/nemesis';
import { createRng, shuffle } from '../../lib/core/random';
import { randomFaults } from '../../lib/core/schedules';
import { atMostOneLeaderPerTerm, formatVerdict } from '../../lib/checking/checkers';
import { formatReplay, shrink } from '../../lib/checking/shrink';
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
// Both flapping tests judge the same runs: run each seed once (half the calls into the sandbox).
const flappingRuns = new Map<number, ReturnType<typeof flapping>>();
const flappingOnce = (seed: number) => flappingRuns.get(seed) ?? flappingRuns.set(seed, flapping(seed)).get(seed)!;

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
      const c = flappingOnce(seed);
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
      const c = flappingOnce(seed);
      const open = leaderships(c.sim.trace, 7000).filter((l) => l.ended === 'still leader');
      const how = `seed ${seed}: five nodes, partitionSchedule(sim.rng, { nodes, every: 300, until: 5000 }), healed at t=5000, run to t=7000`;
      expect(open.length, `${how}: expected exactly one node still leader at t=7000, got ${open.map((l) => `${l.node} (term ${l.term})`).join(', ') || 'none'}`).toBe(1);
      expect(open[0]!.from, `${how}: the last leader should be elected by t=6500 (1.5 s after the heal), it was at t=${open[0]!.from.toFixed(1)}`).toBeLessThan(6500);
      const terms = leadersOf(c.sim.trace).map((l) => l.term);
      expect(open[0]!.term, `${how}: the last leader should hold the newest term`).toBe(Math.max(...terms));
    }
  });
});

// Understanding, not transcription: what a vote means, and safety under faults the lesson never showed.
describe('why a majority is safe', () => {
  test('does a vote count only in its own term and only once per voter, even when the network delays or duplicates it? (seed=1)', { meta: { points: 2 } }, () => {
    // x granted 'me' in term 1, but its vote is 150 ms late; by then 'me' stands in term 2, where x
    // voted for y. Counting the late vote would make 'me' leader of term 2 beside y (x + y are a majority
    // for y too). A duplicated vote is one voter, not two.
    const late = createSim({ seed: 1, network: { latency: 1 } });
    const grantTerm1 = (body: unknown, ctx: NodeContext, from: string) => {
      const b = body as { type?: string; term?: number };
      if (b.type === 'vote-request') ctx.send(from, { type: 'vote', term: b.term, granted: b.term === 1 });
    };
    late.addNode('me', quorumElection(config(['me', 'x', 'y'], 100)));
    late.addNode('x', scripted([], [], grantTerm1));
    late.addNode('y', scripted([], []));
    late.nemesis([{ at: 0, fault: 'link', from: 'x', to: 'me', set: { latency: 150 } }]);
    late.run({ until: 1000 });
    const howLate =
      "peers me, x, y (1 ms network, seed 1, election timeout 100 ms): 'me' stands for term 1 at t=100 and term 2 at t=200; x grants term 1 only " +
      "(in term 2 it voted for y), but the link x→me takes 150 ms, so x's term-1 vote arrives at t=251, while 'me' is candidate of term 2; y never answers. " +
      'Replay: the grader\'s "why a majority is safe" test, createSim({ seed: 1, network: { latency: 1 } })';
    expect(notes(late.trace, 'me').filter((n) => n.startsWith('leader')), `${howLate}: 'me' must never become leader: a vote counts only in the term it was cast in`).toEqual([]);

    const twice = createSim({ seed: 1, network: { latency: 1 } });
    const peers = ['me', 'a', 'b', 'c', 'd'];
    const grant = (body: unknown, ctx: NodeContext, from: string) => {
      const b = body as { type?: string; term?: number };
      if (b.type === 'vote-request') ctx.send(from, { type: 'vote', term: b.term, granted: true });
    };
    twice.addNode('me', quorumElection(config(peers, 100)));
    twice.addNode('a', scripted([], [], grant));
    for (const p of ['b', 'c', 'd']) twice.addNode(p, scripted([], []));
    twice.nemesis([{ at: 0, fault: 'link', from: 'a', to: 'me', set: { duplicate: 1 } }]);
    twice.run({ until: 450 });
    const howTwice =
      "peers me, a, b, c, d (1 ms network, seed 1, election timeout 100 ms): only a grants, and the link a→me delivers every message twice; b, c, d never answer. " +
      'Replay: the grader\'s "why a majority is safe" test, createSim({ seed: 1, network: { latency: 1 } })';
    expect(notes(twice.trace, 'me').filter((n) => n.startsWith('leader')), `${howTwice}: 'me' must never become leader: its own vote and a's are 2 of 5, however many copies of a's vote arrive`).toEqual([]);
  });

  test('is there never more than one leader in a term under random crashes, restarts, pauses, partitions and one-way partitions? (seeds 1-12, 3 and 5 nodes)', { meta: { points: 3 } }, () => {
    // The lesson showed two-sided splits. Here nodes crash and come back (and are asked to vote again),
    // majorities change membership from term to term, some links fail in one direction only, messages
    // arrive twice or long after their election, and near-equal timeouts make split votes common.
    const UNTIL = 2000;
    const NETWORK = { latency: { kind: 'lognormal', median: 2, sigma: 0.5 }, duplicate: 0.2, reorder: 0.1, reorderDelay: { kind: 'uniform', min: 50, max: 400 } } as const;
    const TIMEOUT = { kind: 'uniform', min: 150, max: 160 } as const;
    const run = (size: number) => (seed: number | string, schedule: Fault[], until: number): readonly TraceEvent[] => {
      const c = electionCluster({ seed, nodes: size, network: NETWORK, electionTimeout: TIMEOUT }, (cfg) => quorumElection(cfg));
      c.sim.nemesis(schedule);
      c.sim.run({ until });
      return c.sim.trace;
    };
    for (let seed = 1; seed <= 12; seed++) {
      for (const size of [3, 5]) {
        const nodes = Array.from({ length: size }, (_, i) => `n${i + 1}`);
        const rng = createRng(seed, `grader faults ${size}`);
        const schedule: Fault[] = randomFaults(rng, { nodes, until: UNTIL - 300, count: 30, kinds: ['crash', 'crash', 'pause', 'partition'], length: { kind: 'uniform', min: 5, max: 100 } });
        for (let i = 0; i < 4; i++) {
          // One-way: one node can no longer reach the others, who still reach it (or the reverse).
          const at = Math.round(rng.uniform(0, UNTIL - 300));
          const [one, ...rest] = shuffle(rng, nodes);
          const cut = rng.uniform(0, 1) < 0.5 ? { from: [one!], to: rest } : { from: rest, to: [one!] };
          schedule.push({ at, fault: 'partition-one-way', ...cut }, { at: at + Math.round(rng.uniform(100, 500)), fault: 'heal' });
        }
        schedule.sort((a, b) => a.at - b.at);
        const verdict = atMostOneLeaderPerTerm(run(size)(seed, schedule, UNTIL));
        if (!verdict.ok) {
          const small = shrink(run(size), atMostOneLeaderPerTerm, { seed, schedule, until: UNTIL, minUntil: 100, maxRuns: 40 });
          expect.fail(
            `seed ${seed}, ${size} nodes: ${formatVerdict(verdict)}\n` +
              `Shrunk; replay: const c = electionCluster({ seed: ${seed}, nodes: ${size}, network: ${JSON.stringify(NETWORK)}, electionTimeout: ${JSON.stringify(TIMEOUT)} }, quorumElection); ` +
              `c.sim.nemesis(<the schedule below>); c.sim.run({ until: <until below> }), then atMostOneLeaderPerTerm(c.sim.trace) (${NB}).\n${formatReplay(small)}`,
          );
        }
      }
    }
  });
});
