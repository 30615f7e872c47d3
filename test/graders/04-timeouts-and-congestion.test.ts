// Grader for exercises/04-timeouts-and-congestion.ts. Run: npm run grade -- --only 04-timeouts-and-congestion
import { describe, expect, test } from 'vitest';
import { createRng } from '../../lib/core/random';
import { initialRto, onAck, onTimeout, simulateQueue, type RtoOptions, type RtoState } from '@target/04-timeouts-and-congestion';

const where = 'in notebooks/04-timeouts-and-congestion.ipynb';
const q = (a: number[], s: number[], k: number) => `simulateQueue(${JSON.stringify(a)}, ${JSON.stringify(s)}, ${k})`;

/** Poisson arrivals at `lambda` per ms and exponential services of mean 1/mu, from one seed. */
function mm1Input(seed: number, n: number, lambda: number, mu: number): { arrivals: number[]; services: number[] } {
  const rng = createRng(seed, 'grader:mm1');
  const arrivals: number[] = [];
  const services: number[] = [];
  let t = 0;
  for (let i = 0; i < n; i++) {
    t += -Math.log(1 - rng.next()) / lambda;
    arrivals.push(t);
    services.push(-Math.log(1 - rng.next()) / mu);
  }
  return { arrivals, services };
}
const mm1Replay = (seed: number, n: number, lambda: number, mu: number, k: number) =>
  `reproduce: arrivals and services from createRng(${seed}, 'grader:mm1') as in the grader's mm1Input(${seed}, ${n}, ${lambda}, ${mu}), capacity ${k}`;

/** The grader's own drop-tail queue, written differently (a count of departures so far) to check yours against. */
function referenceOutcomes(arrivals: number[], services: number[], capacity: number): Array<number | null> {
  const departures: number[] = [];
  const out: Array<number | null> = [];
  let gone = 0;
  for (let i = 0; i < arrivals.length; i++) {
    while (gone < departures.length && departures[gone]! <= arrivals[i]!) gone++;
    if (departures.length - gone >= capacity) {
      out.push(null);
      continue;
    }
    const d = Math.max(arrivals[i]!, departures.length ? departures[departures.length - 1]! : 0) + services[i]!;
    departures.push(d);
    out.push(d);
  }
  return out;
}

describe('simulateQueue', () => {
  test('with no queueing, is each latency just the service time? (hand case)', { meta: { points: 1 } }, () => {
    const a = [0, 10, 20];
    const s = [2, 3, 4];
    const r = simulateQueue(a, s, 1);
    expect(r.outcomes, `${q(a, s, 1)}: packets 10 ms apart never wait; expected start = arrival and latency = service`).toEqual([
      { status: 'sent', arrival: 0, start: 0, departure: 2, latency: 2 },
      { status: 'sent', arrival: 10, start: 10, departure: 13, latency: 3 },
      { status: 'sent', arrival: 20, start: 20, departure: 24, latency: 4 },
    ]);
    expect({ sent: r.sent, dropped: r.dropped, dropRate: r.dropRate, p50: r.p50, p99: r.p99 }, `${q(a, s, 1)}: counts and nearest-rank percentiles`).toEqual({
      sent: 3,
      dropped: 0,
      dropRate: 0,
      p50: 3,
      p99: 4,
    });
  });

  test('does a burst into a port of capacity 2 queue one packet and drop the rest, drop-tail? (hand case)', { meta: { points: 2 } }, () => {
    const a = [0, 0, 0, 1, 5];
    const s = [2, 2, 2, 2, 2];
    const r = simulateQueue(a, s, 2);
    expect(
      r.outcomes,
      `${q(a, s, 2)}: packet 0 is sent at once (0→2), packet 1 waits for it (2→4), packets 2 and 3 find two packets in the port and are dropped, packet 4 arrives to an empty port (5→7)`,
    ).toEqual([
      { status: 'sent', arrival: 0, start: 0, departure: 2, latency: 2 },
      { status: 'sent', arrival: 0, start: 2, departure: 4, latency: 4 },
      { status: 'dropped', arrival: 0 },
      { status: 'dropped', arrival: 1 },
      { status: 'sent', arrival: 5, start: 5, departure: 7, latency: 2 },
    ]);
    expect({ sent: r.sent, dropped: r.dropped, dropRate: r.dropRate, p50: r.p50, p99: r.p99 }, `${q(a, s, 2)}: latencies [2, 4, 2] give p50 2 and p99 4`).toEqual({
      sent: 3,
      dropped: 2,
      dropRate: 0.4,
      p50: 2,
      p99: 4,
    });
  });

  test('has a packet that departs exactly when the next arrives already left? (hand case)', { meta: { points: 1 } }, () => {
    const tie = simulateQueue([0, 2], [2, 1], 1);
    expect(tie.outcomes[1], `${q([0, 2], [2, 1], 1)}: packet 0 departs at t=2, so packet 1 (arriving at t=2) finds the port empty`).toEqual({
      status: 'sent',
      arrival: 2,
      start: 2,
      departure: 3,
      latency: 1,
    });
    const full = simulateQueue([0, 1.999], [2, 1], 1);
    expect(full.outcomes[1], `${q([0, 1.999], [2, 1], 1)}: packet 0 is still on the wire at t=1.999, so packet 1 is dropped`).toEqual({
      status: 'dropped',
      arrival: 1.999,
    });
  });

  test('are p50 and p99 nearest-rank percentiles? (hand cases, 10 and 200 packets)', { meta: { points: 1 } }, () => {
    const ten = [7, 3, 10, 1, 5, 9, 2, 8, 4, 6];
    const r10 = simulateQueue(ten.map((_, i) => i * 100), ten, 1);
    expect([r10.p50, r10.p99], `services ${JSON.stringify(ten)} with no queueing: rank ⌈0.5·10⌉ = 5 gives 5, rank ⌈0.99·10⌉ = 10 gives 10`).toEqual([5, 10]);
    const many = Array.from({ length: 200 }, (_, i) => 200 - i);
    const r200 = simulateQueue(many.map((_, i) => i * 1000), many, 3);
    expect([r200.p50, r200.p99], 'services 200, 199, ..., 1 with no queueing: rank 100 gives 100, rank 198 gives 198').toEqual([100, 198]);
  });

  test('does every packet match an independent drop-tail queue? (seeds 9 and 10, 2000 packets, capacity 5 and 1)', { meta: { points: 2 } }, () => {
    for (const [seed, capacity] of [
      [9, 5],
      [10, 1],
    ] as const) {
      const { arrivals, services } = mm1Input(seed, 2000, 0.95, 1);
      const expected = referenceOutcomes(arrivals, services, capacity);
      const r = simulateQueue(arrivals, services, capacity);
      expect(r.outcomes.length, `${mm1Replay(seed, 2000, 0.95, 1, capacity)}: one outcome per packet`).toBe(arrivals.length);
      r.outcomes.forEach((o, i) => {
        const want = expected[i];
        const msg = `${mm1Replay(seed, 2000, 0.95, 1, capacity)}: packet ${i} (arrival ${arrivals[i]}) should be ${want === null ? 'dropped' : `sent, departing at ${want}`}`;
        if (want === null) expect(o.status, msg).toBe('dropped');
        else {
          expect(o.status, msg).toBe('sent');
          expect((o as { departure: number }).departure, msg).toBeCloseTo(want, 9);
        }
      });
    }
  });

  test('does a long run with no limit agree with M/M/1: mean 1/(μ−λ), p99 ln(100)/(μ−λ)? (seed=4, λ=0.8, μ=1)', { meta: { points: 2 } }, () => {
    const { arrivals, services } = mm1Input(4, 200_000, 0.8, 1);
    const r = simulateQueue(arrivals, services, 1_000_000);
    const latencies = r.outcomes.flatMap((o) => (o.status === 'sent' ? [o.latency] : []));
    const meanLatency = latencies.reduce((a, b) => a + b, 0) / latencies.length;
    const msg = `${mm1Replay(4, 200_000, 0.8, 1, 1_000_000)}: M/M/1 at ρ = 0.8 has mean time in system 5 ms and p99 23.0 ms`;
    expect(r.dropped, msg).toBe(0);
    expect(Math.abs(meanLatency - 5) / 5, `${msg}; your mean latency was ${meanLatency.toFixed(3)} (allowed: within 7%)`).toBeLessThan(0.07);
    expect(Math.abs(r.p99! - Math.log(100) / 0.2) / (Math.log(100) / 0.2), `${msg}; your p99 was ${r.p99} (allowed: within 10%)`).toBeLessThan(0.1);
  });

  test('does a small buffer drop what M/M/1/K predicts? (seed=5, ρ=0.9, K=10)', { meta: { points: 2 } }, () => {
    const { arrivals, services } = mm1Input(5, 200_000, 0.9, 1);
    const r = simulateQueue(arrivals, services, 10);
    const rho = 0.9;
    const theory = ((1 - rho) * Math.pow(rho, 10)) / (1 - Math.pow(rho, 11));
    expect(
      Math.abs(r.dropRate - theory) / theory,
      `${mm1Replay(5, 200_000, 0.9, 1, 10)}: M/M/1/K predicts a drop rate of ${theory.toFixed(4)}; yours was ${r.dropRate} (allowed: within 10%)`,
    ).toBeLessThan(0.1);
    expect(r.sent + r.dropped, `${mm1Replay(5, 200_000, 0.9, 1, 10)}: sent + dropped must be every packet`).toBe(200_000);
  });

  test('does an empty input give no outcomes and null percentiles, and are the inputs left alone? (hand case)', { meta: { points: 1 } }, () => {
    expect(simulateQueue([], [], 3), 'simulateQueue([], [], 3)').toEqual({ outcomes: [], sent: 0, dropped: 0, dropRate: 0, p50: null, p99: null });
    const a = Object.freeze([0, 0, 0]) as unknown as number[];
    const s = Object.freeze([3, 1, 2]) as unknown as number[];
    expect(() => simulateQueue(a, s, 1), `${q([0, 0, 0], [3, 1, 2], 1)} with frozen arrays: do not sort or modify the inputs`).not.toThrow();
    const r = simulateQueue(a, s, 1);
    expect([r.sent, r.dropped, r.p50, r.p99], `${q([0, 0, 0], [3, 1, 2], 1)}: one sent (latency 3), two dropped`).toEqual([1, 2, 3, 3]);
  });

  test('are bad inputs rejected with an Error? (hand cases)', { meta: { points: 1 } }, () => {
    const bad: Array<[string, () => unknown]> = [
      ['arrays of different lengths', () => simulateQueue([0, 1], [1], 1)],
      ['arrivals out of order', () => simulateQueue([0, 2, 1], [1, 1, 1], 1)],
      ['a NaN arrival', () => simulateQueue([0, NaN], [1, 1], 1)],
      ['a negative service time', () => simulateQueue([0, 1], [1, -1], 1)],
      ['an infinite service time', () => simulateQueue([0, 1], [1, Infinity], 1)],
      ['capacity 0', () => simulateQueue([0], [1], 0)],
      ['capacity 1.5', () => simulateQueue([0], [1], 1.5)],
    ];
    expect(simulateQueue([0, 1], [1, 1], 1).sent, 'simulateQueue([0, 1], [1, 1], 1): a valid input, both packets sent').toBe(2);
    for (const [what, call] of bad) expect(call, `simulateQueue with ${what} should throw an Error`).toThrow(Error);
  });
});

// Small RTTs, as inside one datacenter: the RFC's 1 s floor would hide everything.
const LAN: RtoOptions = { alpha: 1 / 8, beta: 1 / 4, k: 4, granularity: 1, initialRto: 100, minRto: 1, maxRto: 60_000 };
const RFC: RtoOptions = { alpha: 1 / 8, beta: 1 / 4, k: 4, granularity: 1, initialRto: 1000, minRto: 1000, maxRto: 60_000 };
const lan = `options LAN = ${JSON.stringify(LAN)}`;
const feed = (rtts: number[], options: RtoOptions): RtoState => rtts.reduce((s, r) => onAck(s, r, false, options), initialRto(options));

describe('RTO estimation (RFC 6298)', () => {
  test('does the estimator start with no SRTT and the initial RTO, clamped? (hand case)', { meta: { points: 1 } }, () => {
    expect(initialRto(RFC), 'initialRto(RFC 6298 options): no samples yet, RTO 1000 ms').toEqual({ srtt: null, rttvar: null, rto: 1000 });
    expect(initialRto({ ...LAN, initialRto: 0.5 }).rto, `initialRto({ ...LAN, initialRto: 0.5 }): below minRto ${LAN.minRto}, so clamped up`).toBe(1);
  });

  test('does the first sample set SRTT = R, RTTVAR = R/2, RTO = SRTT + 4·RTTVAR? (hand case, R=10)', { meta: { points: 2 } }, () => {
    expect(onAck(initialRto(LAN), 10, false, LAN), `onAck(initialRto(LAN), 10, false, LAN) with ${lan}`).toEqual({ srtt: 10, rttvar: 5, rto: 30 });
  });

  test('does a later sample update RTTVAR with the old SRTT, then SRTT? (hand case, R=100 then 200)', { meta: { points: 2 } }, () => {
    const s = feed([100, 200], LAN);
    expect(
      s,
      `feeding 100 then 200 with ${lan}: RTTVAR = 3/4·50 + 1/4·|100 − 200| = 62.5, SRTT = 7/8·100 + 1/8·200 = 112.5, RTO = 112.5 + 4·62.5 = 362.5`,
    ).toEqual({ srtt: 112.5, rttvar: 62.5, rto: 362.5 });
  });

  test('is the margin at least the clock granularity when the RTT never varies? (hand case, 300 samples of 10 ms, G=2)', { meta: { points: 1 } }, () => {
    const s = feed(Array.from({ length: 300 }, () => 10), { ...LAN, granularity: 2 });
    expect(s.srtt, '300 samples of 10 ms: SRTT stays 10').toBe(10);
    expect(s.rto, `300 samples of 10 ms with { ...LAN, granularity: 2 }: RTTVAR decays towards 0, so RTO = SRTT + max(G, 4·RTTVAR) = 12`).toBeCloseTo(12, 6);
  });

  test('is the RTO clamped to [minRto, maxRto]? (hand cases, RFC values)', { meta: { points: 1 } }, () => {
    expect(onAck(initialRto(RFC), 10, false, RFC).rto, 'onAck(initialRto(RFC), 10, false, RFC): 10 + 4·5 = 30 ms is below the 1000 ms minimum').toBe(1000);
    expect(onAck(initialRto(RFC), 30_000, false, RFC).rto, 'onAck(initialRto(RFC), 30000, false, RFC): 30000 + 4·15000 is above the 60000 ms maximum').toBe(60_000);
  });

  test('does a timeout double the RTO up to maxRto, keep SRTT, and the next sample recompute it? (hand case)', { meta: { points: 2 } }, () => {
    const s = feed([10], LAN); // rto 30
    const once = onTimeout(s, LAN);
    expect(once, `after one sample of 10 and a timeout with ${lan}: RTO 30 doubles to 60, SRTT and RTTVAR unchanged`).toEqual({ srtt: 10, rttvar: 5, rto: 60 });
    let backed = once;
    for (let i = 0; i < 20; i++) backed = onTimeout(backed, LAN);
    expect(backed.rto, `21 timeouts in a row with ${lan}: the RTO stops at maxRto`).toBe(60_000);
    expect(onAck(backed, 10, false, LAN), `a valid sample of 10 after the back-off: RTTVAR = 3/4·5 + 0 = 3.75, SRTT = 10, RTO = 10 + 15 = 25`).toEqual({
      srtt: 10,
      rttvar: 3.75,
      rto: 25,
    });
  });

  test("does Karn's rule ignore the RTT of a retransmitted segment? (hand case)", { meta: { points: 1 } }, () => {
    const backed = onTimeout(feed([10], LAN), LAN);
    expect(onAck(backed, 500, true, LAN), `onAck(state, 500, true, LAN) after a back-off: ambiguous sample, state unchanged`).toEqual(backed);
    expect(onAck(initialRto(LAN), 500, true, LAN), 'onAck(initialRto(LAN), 500, true, LAN): still no samples').toEqual(initialRto(LAN));
  });

  test("after the path's RTT jumps from 100 to 2500 ms, does the sender stop timing out within a few segments? (Karn's rule with back-off, RFC values)", { meta: { points: 2 } }, () => {
    // Every ack after a retransmission is ambiguous (which copy does it answer?), so its RTT is no
    // sample; only the backed-off RTO, kept for the next segment, lets a clean sample ever arrive.
    let state = initialRto();
    for (let i = 0; i < 20; i++) state = onAck(state, 100);
    const TRUE_RTT = 2500;
    const retransmitted: boolean[] = [];
    for (let seg = 0; seg < 20; seg++) {
      let sentAt = 0; // of the last copy, ms after the first
      let timeouts = 0;
      // The ack of the first copy comes back TRUE_RTT after it was sent.
      while (sentAt + state.rto < TRUE_RTT && timeouts < 20) {
        sentAt += state.rto;
        state = onTimeout(state);
        timeouts++;
      }
      // Measured from the last copy sent: what a sender without Karn's rule would take as the RTT.
      state = onAck(state, TRUE_RTT - sentAt, timeouts > 0);
      retransmitted.push(timeouts > 0);
    }
    const count = retransmitted.filter(Boolean).length;
    expect(count, `20 segments after the RTT jumped to 2500 ms (it was 100): ${count} needed a retransmission (${retransmitted.map((r) => (r ? 'R' : '.')).join('')}); expected at most 3, none in the last 10. Reproduce the loop in test/graders/04-timeouts-and-congestion.test.ts`).toBeLessThanOrEqual(3);
    expect(retransmitted.slice(10).some(Boolean), `the last 10 segments: ${retransmitted.slice(10).map((r) => (r ? 'R' : '.')).join('')}; expected no retransmission (R) once a clean sample got through`).toBe(false);
  });

  test('does a long seeded series match the RFC 6298 formulas? (seed=21, 500 log-normal RTTs)', { meta: { points: 2 } }, () => {
    const rng = createRng(21, 'grader:rtt');
    const rtts = Array.from({ length: 500 }, (_, i) => (i < 250 ? 5 : 20) * Math.exp(0.5 * rng.gaussian()));
    let srtt = rtts[0]!;
    let rttvar = rtts[0]! / 2;
    let s = onAck(initialRto(LAN), rtts[0]!, false, LAN);
    for (let i = 1; i < rtts.length; i++) {
      rttvar = 0.75 * rttvar + 0.25 * Math.abs(srtt - rtts[i]!);
      srtt = 0.875 * srtt + 0.125 * rtts[i]!;
      s = onAck(s, rtts[i]!, false, LAN);
      const rto = Math.min(60_000, Math.max(1, srtt + Math.max(1, 4 * rttvar)));
      const msg = `seed 21, RTTs from createRng(21, 'grader:rtt') (median 5 ms, then 20 ms from sample 250), ${lan}: after sample ${i}`;
      expect(s.srtt!, `${msg}, SRTT`).toBeCloseTo(srtt, 9);
      expect(s.rttvar!, `${msg}, RTTVAR`).toBeCloseTo(rttvar, 9);
      expect(s.rto, `${msg}, RTO`).toBeCloseTo(rto, 9);
    }
  });

  test('are bad samples rejected, and is the state never modified? (hand cases)', { meta: { points: 1 } }, () => {
    const s = Object.freeze(feed([10, 12], LAN));
    for (const bad of [-1, NaN, Infinity]) expect(() => onAck(s, bad, false, LAN), `onAck(state, ${bad}, false, LAN) should throw an Error`).toThrow(Error);
    expect(() => onAck(s, 11, false, LAN), 'onAck on a frozen state: return a new state, do not modify it').not.toThrow();
    expect(() => onTimeout(s, LAN), 'onTimeout on a frozen state: return a new state, do not modify it').not.toThrow();
    expect(onTimeout(s, LAN), 'onTimeout returns a new object').not.toBe(s);
  });
});
