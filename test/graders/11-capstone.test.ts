// Grader for exercises/11-capstone.ts. Run: npm run grade -- --only 11-capstone
import { describe, expect, test } from 'vitest';
import { acceptedWrites, atMostOneLeaderPerTerm, formatVerdict, noStaleTokenWrites, type AcceptedWrite, type Verdict } from '../../lib/checking/checkers';
import { brokenRules, capstoneNemesis, correctRules, runCapstone, type CapstoneRun, type LockRules } from '../../lib/models/capstone';
import { capstoneVerdicts, noSharedTokens, replicaGrants } from '../../lib/checking/capstone-checks';
import type { Fault } from '../../lib/core/nemesis';
import type { TraceEvent } from '../../lib/core/trace';
import { checkRun, drawFailure, nextToken, shrinkFailure, vote } from '@target/11-capstone';

const NB = 'notebooks/11-capstone.ipynb';
const rules = (): LockRules => ({ vote, nextToken });
const text = (v: Verdict): string => formatVerdict(v).split('\n').slice(0, 3).join('\n');
const UNTIL = 3500;
const HEALED = 2500;
const HUNT_SEEDS = Array.from({ length: 12 }, (_, i) => i + 1);
const FIX_SEEDS = Array.from({ length: 20 }, (_, i) => i + 1);
const MAX_SHRUNK = 6;

// Runs are deterministic and the grader's own: build each once.
const cache = new Map<string, CapstoneRun>();
function run(key: string, make: () => CapstoneRun): CapstoneRun {
  let r = cache.get(key);
  if (!r) cache.set(key, (r = make()));
  return r;
}
const shippedRun = (seed: number) => run(`shipped ${seed}`, () => runCapstone({ seed }, capstoneNemesis(seed), UNTIL, brokenRules));
const replayShipped = (seed: number) => `runCapstone({ seed: ${seed} }, capstoneNemesis(${seed}), ${UNTIL}, shipped)`;
const failingSeeds = (): number[] => HUNT_SEEDS.filter((s) => !noSharedTokens(shippedRun(s).sim.trace).ok);

/** The violation, as the grader sees it: for each token, the accepted writes and grants of it, when two clients used it. */
function sharedTokens(trace: readonly TraceEvent[]): Map<number, { writes: AcceptedWrite[]; grants: Array<{ time: number; client: string }> }> {
  const byToken = new Map<number, AcceptedWrite[]>();
  for (const w of acceptedWrites(trace)) if (w.token !== null) byToken.set(w.token, [...(byToken.get(w.token) ?? []), w]);
  const grants = replicaGrants(trace, ['replica1', 'replica2', 'replica3']);
  const out = new Map<number, { writes: AcceptedWrite[]; grants: Array<{ time: number; client: string }> }>();
  for (const [token, writes] of byToken) {
    if (new Set(writes.map((w) => w.client)).size < 2) continue;
    out.set(token, { writes, grants: grants.filter((g) => g.token === token) });
  }
  return out;
}

/** Does the trace show the failure, by the grader's checkers: a token in two clients' writes, or granted to two clients? */
function fails(trace: readonly TraceEvent[]): boolean {
  if (!noSharedTokens(trace).ok) return true;
  const clients = new Map<number, Set<string>>();
  for (const g of replicaGrants(trace, ['replica1', 'replica2', 'replica3'])) clients.set(g.token, (clients.get(g.token) ?? new Set()).add(g.client));
  return [...clients.values()].some((c) => c.size > 1);
}

describe('(a) the checker', () => {
  test('does checkRun flag every failing run of the shipped rules, and point at the writes that prove it? (seeds 1-12)', { meta: { points: 3 }, timeout: 30_000 }, () => {
    const seeds = failingSeeds();
    expect(seeds.length, 'the grader expects several failing seeds among 1-12').toBeGreaterThan(3);
    for (const seed of seeds) {
      const trace = shippedRun(seed).sim.trace;
      const f = checkRun(trace);
      const truth = formatVerdict(noSharedTokens(trace)).split('\n')[0];
      expect(f.ok, `seed=${seed}: ${replayShipped(seed)} fails (the grader's checker: ${truth}), but checkRun said ok`).toBe(false);
      const events = new Set((f as { events?: unknown }).events as number[]);
      const pointed = [...sharedTokens(trace).values()].some(({ writes }) => {
        const hit = writes.filter((w) => events.has(trace.indexOf(w.request)) || events.has(trace.indexOf(w.ack)));
        return new Set(hit.map((w) => w.client)).size >= 2;
      });
      expect(pointed, `seed=${seed}: ${replayShipped(seed)}: checkRun's events ${JSON.stringify([...events].slice(0, 8))} must include the storage's handling (the write's delivery or its acknowledgement) of the offending writes of both clients`).toBe(true);
    }
  });

  test('does checkRun stay quiet on healthy runs: the fixed rules under the nemesis (seeds 1-12), the shipped rules with no fault and with only client pauses (seeds 1-8)?', { meta: { points: 2 }, timeout: 30_000 }, () => {
    for (const seed of HUNT_SEEDS) {
      const r = run(`correct ${seed}`, () => runCapstone({ seed }, capstoneNemesis(seed), UNTIL, correctRules));
      const f = checkRun(r.sim.trace);
      expect(f.ok, `seed=${seed}: with the fixed rules, runCapstone({ seed: ${seed} }, capstoneNemesis(${seed}), ${UNTIL}, correctRules) is healthy, but checkRun said: ${(f as { message?: string }).message}`).toBe(true);
    }
    for (let seed = 1; seed <= 8; seed++) {
      const pauses = capstoneNemesis(seed).filter((x) => x.fault === 'pause' && x.node.startsWith('client'));
      for (const [what, schedule] of [['no fault', []], ['only client pauses', pauses]] as Array<[string, Fault[]]>) {
        const r = runCapstone({ seed }, schedule, UNTIL, brokenRules);
        const f = checkRun(r.sim.trace);
        expect(f.ok, `seed=${seed}, shipped rules, ${what} (runCapstone({ seed: ${seed} }, ${what === 'no fault' ? '[]' : `capstoneNemesis(${seed}).filter(client pauses)`}, ${UNTIL}, shipped)): nothing bad happens in this run (no leader changes), but checkRun said: ${(f as { message?: string }).message}`).toBe(true);
      }
    }
  });
});

describe('(b) shrinking', () => {
  test(`does shrinkFailure return a sub-schedule of at most ${MAX_SHRUNK} faults (and at most half) that still fails? (the first 3 failing seeds of 1-12)`, { meta: { points: 3 }, timeout: 40_000 }, () => {
    for (const seed of failingSeeds().slice(0, 3)) {
      const original = capstoneNemesis(seed);
      const how = `seed=${seed}: shrinkFailure(${seed}, capstoneNemesis(${seed}), ${UNTIL})`;
      const r = shrinkFailure(seed, original, UNTIL);
      expect(Array.isArray(r?.schedule) && typeof r.until === 'number', `${how}: expected { schedule: Fault[], until: number }, got ${JSON.stringify(r)?.slice(0, 200)}`).toBe(true);
      const known = new Set(original.map((x) => JSON.stringify(x)));
      for (const x of r.schedule) expect(known.has(JSON.stringify(x)), `${how}: ${JSON.stringify(x)} is not one of the original faults (keep them unchanged)`).toBe(true);
      expect(r.until, `${how}: the run may only get shorter`).toBeLessThanOrEqual(UNTIL);
      expect(r.until, `${how}: the run must last some time`).toBeGreaterThan(0);
      const replay = runCapstone({ seed }, r.schedule, r.until, brokenRules);
      expect(fails(replay.sim.trace), `${how} gave ${r.schedule.length} faults and until=${r.until}; replayed with the shipped rules, the run does not fail by the grader's checkers. Schedule: ${JSON.stringify(r.schedule)}`).toBe(true);
      const most = Math.min(MAX_SHRUNK, Math.floor(original.length / 2));
      expect(r.schedule.length, `${how}: ${original.length} faults shrank only to ${r.schedule.length}; expected at most ${most}. Keep dropping faults while the run still fails`).toBeLessThanOrEqual(most);
    }
  });
});

describe('(c) drawing', () => {
  test("does drawFailure's figure show the offending events, annotated where they happen with the token? (the first 2 failing seeds of 1-12)", { meta: { points: 2 }, timeout: 30_000 }, () => {
    for (const seed of failingSeeds().slice(0, 2)) {
      const trace = shippedRun(seed).sim.trace;
      const fig = drawFailure(trace);
      const how = `seed=${seed}: drawFailure(${replayShipped(seed)}.sim.trace)`;
      expect(Array.isArray(fig?.data) && fig.data.length > 0, `${how}: expected a Plotly figure with some data`).toBe(true);
      const notes = ((fig.layout?.annotations ?? []) as Array<{ x?: unknown; xref?: string; text?: unknown }>).filter(
        (a) => typeof a.x === 'number' && a.xref !== 'paper' && typeof a.text === 'string',
      ) as Array<{ x: number; text: string }>;
      const range = fig.layout?.xaxis?.range as [number, number] | undefined;
      const visible = (x: number): boolean => !Array.isArray(range) || (x >= Math.min(...range) && x <= Math.max(...range));
      const marked = [...sharedTokens(trace)].some(([token, { writes, grants }]) => {
        const named = notes.filter((a) => new RegExp(`(^|\\D)${token}(\\D|$)`).test(a.text) && visible(a.x));
        const near = (t: number): boolean => named.some((a) => Math.abs(a.x - t) <= 5);
        const clients = new Set([
          ...writes.filter((w) => near(w.time) || near(w.request.time)).map((w) => w.client),
          ...grants.filter((g) => near(g.time)).map((g) => g.client),
        ]);
        return clients.size >= 2;
      });
      const where = [...sharedTokens(trace)].map(([t, { writes }]) => `token ${t}: ${writes.map((w) => `${w.client} t=${w.time.toFixed(1)}`).join(', ')}`).join('; ');
      expect(marked, `${how}: expected annotations (x within 5 ms, inside the x-axis range) naming the token at the offending events of both clients. The grader sees: ${where}. Your annotations: ${JSON.stringify(notes.slice(0, 6).map((a) => [a.x, a.text]))}`).toBe(true);
    }
  });
});

describe('(d) the fix', () => {
  test('does a replica give one vote per term, to a candidate of its current term only? (no seed: direct calls)', { meta: { points: 1 } }, () => {
    const cases: Array<[string, Parameters<typeof vote>[0], boolean]> = [
      ['no vote yet in term 3, candidate of term 3', { term: 3, votedFor: null, candidate: 'replica2', candidateTerm: 3 }, true],
      ['already voted for replica2 in term 3, replica2 asks again (lost reply)', { term: 3, votedFor: 'replica2', candidate: 'replica2', candidateTerm: 3 }, true],
      ['already voted for replica1 in term 3, replica2 asks', { term: 3, votedFor: 'replica1', candidate: 'replica2', candidateTerm: 3 }, false],
      ['replica is in term 5, candidate of term 4', { term: 5, votedFor: null, candidate: 'replica2', candidateTerm: 4 }, false],
    ];
    for (const [story, v, want] of cases) expect(vote(v), `vote(${JSON.stringify(v)}): ${story}, expected ${want}`).toBe(want);
  });

  test('do tokens strictly grow across leaders whose lastTokenSeen is out of date? (no seed: a scripted history of 6 terms)', { meta: { points: 1 } }, () => {
    // Terms 1..6, each leader granting 3..7 times. A new leader has heard only
    // of the tokens of two terms ago (or none): its heartbeats went missing.
    const issued: Array<{ term: number; grant: number; token: number }> = [];
    for (let term = 1; term <= 6; term++) {
      const stale = issued.filter((x) => x.term <= term - 2).map((x) => x.token);
      const lastTokenSeen = stale.length > 0 ? Math.max(...stale) : 0;
      for (let grant = 1; grant <= 2 + term; grant++) {
        const token = nextToken({ term, grantInTerm: grant, lastTokenSeen: term % 2 === 0 ? lastTokenSeen : 0 });
        const prev = issued[issued.length - 1];
        const how = `term ${term}, grant ${grant}, lastTokenSeen ${term % 2 === 0 ? lastTokenSeen : 0}`;
        expect(Number.isSafeInteger(token), `${how}: expected a safe integer token, got ${token}`).toBe(true);
        if (prev) expect(token, `${how}: expected a token above the previous grant's ${prev.token} (term ${prev.term}, grant ${prev.grant})`).toBeGreaterThan(prev.token);
        issued.push({ term, grant, token });
      }
    }
    const a = nextToken({ term: 999, grantInTerm: 999_999, lastTokenSeen: 0 });
    expect(Number.isSafeInteger(a), `term 999, grant 999999: expected a safe integer, got ${a}`).toBe(true);
  });

  const fixedRun = (seed: number) => run(`fixed ${seed}`, () => runCapstone({ seed }, capstoneNemesis(seed), UNTIL, rules()));

  test('is the fixed service safe under the mixed nemesis: one leader per term, no stale and no shared tokens? (seeds 1-20)', { meta: { points: 2 }, timeout: 40_000 }, () => {
    for (const seed of FIX_SEEDS) {
      const r = fixedRun(seed);
      const how = `seed=${seed}: runCapstone({ seed: ${seed} }, capstoneNemesis(${seed}), ${UNTIL}, { vote, nextToken }) as in ${NB}`;
      for (const v of [atMostOneLeaderPerTerm(r.sim.trace), noStaleTokenWrites(r.sim.trace), noSharedTokens(r.sim.trace)]) {
        expect(v.ok, `${how}\n${text(v)}`).toBe(true);
      }
    }
  });

  test('does it survive a short failing schedule of the shipped rules? (seed=2)', { meta: { points: 1 } }, () => {
    // What shrinking the shipped rules' failure at seed 2 leaves: the leader cut off, healed, then crashed.
    const schedule: Fault[] = [
      { at: 620, fault: 'partition', groups: [['replica2']] },
      { at: 890, fault: 'heal' },
      { at: 1650, fault: 'crash', node: 'replica2' },
    ];
    const r = runCapstone({ seed: 2 }, schedule, 2500, rules());
    const v = noSharedTokens(r.sim.trace);
    expect(v.ok, `seed=2 with the schedule ${JSON.stringify(schedule)} until 2500 ms: expected no token in two clients' writes\n${text(v)}`).toBe(true);
  });

  test('does it make progress: a calm run, and after the faults stop? (seeds 1-20)', { meta: { points: 1 }, timeout: 40_000 }, () => {
    const calm = runCapstone({ seed: 1 }, [], 3000, rules());
    const perClient = calm.clients.map((c) => acceptedWrites(calm.sim.trace).filter((w) => w.client === c).length);
    expect(Math.min(...perClient), `seed=1, no faults, 3000 ms: expected each client to get at least 15 writes accepted, got ${perClient.join(' and ')}`).toBeGreaterThanOrEqual(15);
    for (const seed of FIX_SEEDS) {
      const r = fixedRun(seed);
      const v = capstoneVerdicts(r.sim.trace, { clients: r.clients, healedAt: HEALED });
      const how = `seed=${seed}: runCapstone({ seed: ${seed} }, capstoneNemesis(${seed}), ${UNTIL}, { vote, nextToken }); faults end by t=${HEALED}`;
      expect(v.progress.ok, `${how}: expected every client to write again within 1000 ms\n${text(v.progress)}`).toBe(true);
      expect(v.answered.ok, `${how}: expected every client call to be answered within 200 ms\n${text(v.answered)}`).toBe(true);
    }
  });
});
