// Lesson 04 — timeouts, unbounded delays and congestion. Reference solution.

// ---------------------------------------------------------------------------
// Part 1. A drop-tail queue, computed from the arrivals alone.

/** What happened to one packet. Times in ms. */
export type Outcome =
  | { status: 'sent'; arrival: number; start: number; departure: number; latency: number }
  | { status: 'dropped'; arrival: number };

export type QueueResult = {
  /** One outcome per packet, in the order of `arrivals`. */
  outcomes: Outcome[];
  sent: number;
  dropped: number;
  /** dropped / number of packets (0 when there are none). */
  dropRate: number;
  /** Nearest-rank percentiles of the sent packets' latencies; null when no packet was sent. */
  p50: number | null;
  p99: number | null;
};

/**
 * A switch port with room for `capacity` packets (counting the one being
 * transmitted) in front of a link that sends one packet at a time, first in
 * first out. Packet i arrives at `arrivals[i]` and, if it is let in, needs
 * `services[i]` ms on the link.
 *
 * - When packet i arrives, every packet whose departure time is ≤ arrivals[i]
 *   has already left. If `capacity` packets are still in the port, packet i is
 *   dropped (drop-tail): `{ status: 'dropped', arrival }`, and its service time
 *   is ignored.
 * - Otherwise it starts when both it has arrived and the previous sent packet
 *   has departed: start = max(arrival, previous departure); departure = start +
 *   service; latency = departure − arrival (waiting + transmission).
 * - p50 and p99 are nearest-rank percentiles of the sent packets' latencies:
 *   the value at rank ⌈p/100 · n⌉ (1-based) of the sorted latencies.
 * - Throws an Error if the arrays differ in length, if an arrival is not
 *   finite or comes before the previous one, if a service time is negative or
 *   not finite, or if capacity is not an integer ≥ 1.
 * - Does not modify its arguments.
 */
export function simulateQueue(arrivals: readonly number[], services: readonly number[], capacity: number): QueueResult {
  if (arrivals.length !== services.length) throw new Error(`arrivals (${arrivals.length}) and services (${services.length}) differ in length`);
  if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`capacity must be an integer ≥ 1, got ${capacity}`);
  const outcomes: Outcome[] = [];
  const inPort: number[] = []; // departure times of the packets in the port, oldest first
  let head = 0;
  let lastDeparture = -Infinity;
  let previous = -Infinity;
  const latencies: number[] = [];
  for (let i = 0; i < arrivals.length; i++) {
    const arrival = arrivals[i]!;
    const service = services[i]!;
    if (!Number.isFinite(arrival) || arrival < previous) throw new Error(`arrival ${i} (${arrival}) is not a finite time at or after the previous one (${previous})`);
    if (!Number.isFinite(service) || service < 0) throw new Error(`service ${i} (${service}) must be a finite number ≥ 0`);
    previous = arrival;
    while (head < inPort.length && inPort[head]! <= arrival) head++;
    if (inPort.length - head >= capacity) {
      outcomes.push({ status: 'dropped', arrival });
      continue;
    }
    const start = Math.max(arrival, lastDeparture);
    const departure = start + service;
    lastDeparture = departure;
    inPort.push(departure);
    latencies.push(departure - arrival);
    outcomes.push({ status: 'sent', arrival, start, departure, latency: departure - arrival });
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1]!;
  const dropped = arrivals.length - latencies.length;
  return {
    outcomes,
    sent: latencies.length,
    dropped,
    dropRate: arrivals.length === 0 ? 0 : dropped / arrivals.length,
    p50: sorted.length ? rank(50) : null,
    p99: sorted.length ? rank(99) : null,
  };
}

// ---------------------------------------------------------------------------
// Part 2. A retransmission timeout from measured round trips (RFC 6298).

/** The estimator's state. Before the first sample, srtt and rttvar are null. Times in ms. */
export type RtoState = { srtt: number | null; rttvar: number | null; rto: number };

export type RtoOptions = {
  /** Gain of the smoothed RTT. */
  alpha: number;
  /** Gain of the RTT variation. */
  beta: number;
  /** How many variations of margin above the smoothed RTT. */
  k: number;
  /** Clock granularity G: the margin is at least this. */
  granularity: number;
  /** RTO before any sample. */
  initialRto: number;
  /** The RTO never goes below this... */
  minRto: number;
  /** ...nor above this. */
  maxRto: number;
};

/** RFC 6298's values, in ms. Its 1 s minimum is meant for the internet; the lesson uses a smaller one. */
export const RFC6298: RtoOptions = { alpha: 1 / 8, beta: 1 / 4, k: 4, granularity: 1, initialRto: 1000, minRto: 1000, maxRto: 60_000 };

const clamp = (rto: number, o: RtoOptions) => Math.min(o.maxRto, Math.max(o.minRto, rto));

/** The state before any RTT has been measured: no SRTT or RTTVAR, RTO = initialRto (clamped to [minRto, maxRto]). */
export function initialRto(options: RtoOptions = RFC6298): RtoState {
  return { srtt: null, rttvar: null, rto: clamp(options.initialRto, options) };
}

/**
 * A new state after an acknowledgement whose round trip took `rtt` ms
 * (RFC 6298 section 2):
 * - First sample R: SRTT = R, RTTVAR = R/2.
 * - Later samples R': first RTTVAR = (1 − beta)·RTTVAR + beta·|SRTT − R'|
 *   (with the SRTT from before this sample), then SRTT = (1 − alpha)·SRTT + alpha·R'.
 * - Either way RTO = SRTT + max(granularity, k·RTTVAR), then clamped to
 *   [minRto, maxRto].
 * - Karn's rule: if the acknowledged segment had been retransmitted, the
 *   sample is ambiguous (which copy was answered?) and the state is returned
 *   unchanged, backed-off RTO included.
 * - Throws an Error if rtt is negative or not finite. Never modifies `state`.
 */
export function onAck(state: RtoState, rtt: number, retransmitted = false, options: RtoOptions = RFC6298): RtoState {
  if (!Number.isFinite(rtt) || rtt < 0) throw new Error(`an RTT sample must be a finite number ≥ 0 ms, got ${rtt}`);
  if (retransmitted) return { ...state };
  let srtt: number;
  let rttvar: number;
  if (state.srtt === null || state.rttvar === null) {
    srtt = rtt;
    rttvar = rtt / 2;
  } else {
    rttvar = (1 - options.beta) * state.rttvar + options.beta * Math.abs(state.srtt - rtt);
    srtt = (1 - options.alpha) * state.srtt + options.alpha * rtt;
  }
  return { srtt, rttvar, rto: clamp(srtt + Math.max(options.granularity, options.k * rttvar), options) };
}

/**
 * A new state after the retransmission timer expired (RFC 6298 section 5.5):
 * the RTO doubles ("backs off"), clamped to maxRto; SRTT and RTTVAR stay.
 * Never modifies `state`.
 */
export function onTimeout(state: RtoState, options: RtoOptions = RFC6298): RtoState {
  return { ...state, rto: Math.min(options.maxRto, state.rto * 2) };
}
