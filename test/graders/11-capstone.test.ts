// Grader for exercises/11-capstone.ts. Run: npm run grade -- --only 11-capstone
import { describe, expect, test } from 'vitest';
import { acceptedWrites, atMostOneLeaderPerTerm, formatVerdict, noStaleTokenWrites, type Verdict } from '../../lib/checking/checkers';
import { capstoneNemesis, runCapstone, type LockRules } from '../../lib/models/capstone';
import { capstoneVerdicts, noSharedTokens } from '../../lib/checking/capstone-checks';
import type { Fault } from '../../lib/core/nemesis';
import { nextToken, vote } from '@target/11-capstone';

const NB = 'notebooks/11-capstone.ipynb';
const rules = (): LockRules => ({ vote, nextToken });
const text = (v: Verdict): string => formatVerdict(v).split('\n').slice(0, 3).join('\n');

describe('vote', () => {
  test('does a replica give one vote per term, to a candidate of its current term only? (no seed: direct calls)', { meta: { points: 1 } }, () => {
    const cases: Array<[string, Parameters<typeof vote>[0], boolean]> = [
      ['no vote yet in term 3, candidate of term 3', { term: 3, votedFor: null, candidate: 'replica2', candidateTerm: 3 }, true],
      ['already voted for replica2 in term 3, replica2 asks again (lost reply)', { term: 3, votedFor: 'replica2', candidate: 'replica2', candidateTerm: 3 }, true],
      ['already voted for replica1 in term 3, replica2 asks', { term: 3, votedFor: 'replica1', candidate: 'replica2', candidateTerm: 3 }, false],
      ['replica is in term 5, candidate of term 4', { term: 5, votedFor: null, candidate: 'replica2', candidateTerm: 4 }, false],
    ];
    for (const [story, v, want] of cases) expect(vote(v), `vote(${JSON.stringify(v)}): ${story}, expected ${want}`).toBe(want);
  });
});

describe('nextToken', () => {
  test('do tokens strictly grow across leaders whose lastTokenSeen is out of date? (no seed: a scripted history of 6 terms)', { meta: { points: 2 } }, () => {
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
});

const SEEDS = Array.from({ length: 20 }, (_, i) => i + 1);
const UNTIL = 3500;
const HEALED = 2500;

describe('the replicated lock service with your rules', () => {
  test('is it safe under the mixed nemesis: one leader per term, no stale and no shared tokens? (seeds 1-20)', { meta: { points: 3 }, timeout: 30_000 }, () => {
    for (const seed of SEEDS) {
      const run = runCapstone({ seed }, capstoneNemesis(seed), UNTIL, rules());
      const how = `seed=${seed}: runCapstone({ seed: ${seed} }, capstoneNemesis(${seed}), ${UNTIL}, { vote, nextToken }) as in ${NB}`;
      for (const v of [atMostOneLeaderPerTerm(run.sim.trace), noStaleTokenWrites(run.sim.trace), noSharedTokens(run.sim.trace)]) {
        expect(v.ok, `${how}\n${text(v)}`).toBe(true);
      }
    }
  });

  test("does it survive the broken variant's minimal failing schedule? (seed=2)", { meta: { points: 1 } }, () => {
    // What shrinking the broken variant's failure at seed 2 leaves: the leader cut off, healed, then crashed.
    const schedule: Fault[] = [
      { at: 620, fault: 'partition', groups: [['replica2']] },
      { at: 890, fault: 'heal' },
      { at: 1650, fault: 'crash', node: 'replica2' },
    ];
    const run = runCapstone({ seed: 2 }, schedule, 2500, rules());
    const v = noSharedTokens(run.sim.trace);
    expect(v.ok, `seed=2 with the schedule ${JSON.stringify(schedule)} until 2500 ms: expected no token in two clients' writes\n${text(v)}`).toBe(true);
  });

  test('does it make progress: a calm run, and after the faults stop? (seeds 1-20)', { meta: { points: 2 }, timeout: 30_000 }, () => {
    const calm = runCapstone({ seed: 1 }, [], 3000, rules());
    const perClient = calm.clients.map((c) => acceptedWrites(calm.sim.trace).filter((w) => w.client === c).length);
    expect(Math.min(...perClient), `seed=1, no faults, 3000 ms: expected each client to get at least 15 writes accepted, got ${perClient.join(' and ')}`).toBeGreaterThanOrEqual(15);
    for (const seed of SEEDS) {
      const run = runCapstone({ seed }, capstoneNemesis(seed), UNTIL, rules());
      const v = capstoneVerdicts(run.sim.trace, { clients: run.clients, healedAt: HEALED });
      const how = `seed=${seed}: runCapstone({ seed: ${seed} }, capstoneNemesis(${seed}), ${UNTIL}, { vote, nextToken }); faults end by t=${HEALED}`;
      expect(v.progress.ok, `${how}: expected every client to write again within 1000 ms\n${text(v.progress)}`).toBe(true);
      expect(v.answered.ok, `${how}: expected every client call to be answered within 200 ms\n${text(v.answered)}`).toBe(true);
    }
  });
});
