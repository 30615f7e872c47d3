// Lesson 05 — unreliable clocks. Your turn: replace each `throw` with an implementation.
//
// Do not import ntpOffset, ntpDelay, bestSample (lib/models/ntp.ts) or clockInterval,
// ntpInterval (lib/models/truetime.ts): the point is to write them yourself.

/**
 * One NTP exchange. t1: the client sends its request (client clock);
 * t2: the server receives it and t3: the server sends its reply (server
 * clock); t4: the client receives the reply (client clock). All in ms.
 */
export type NtpSample = { t1: number; t2: number; t3: number; t4: number };

/** True time (or a true offset) lies somewhere in [earliest, latest]. */
export type ClockInterval = { earliest: number; latest: number };

/** Everything the client heard from one server: its exchanges, oldest first. */
export type ServerLog = { server: string; samples: NtpSample[] };

/**
 * Part 1. The server's clock minus the client's clock, estimated from one
 * exchange on the assumption that the request and the reply spent equally
 * long on the wire. Positive: the client is behind.
 */
export function offsetOf(s: NtpSample): number {
  throw new Error('not implemented: offsetOf');
}

/**
 * Part 1. Time the exchange spent on the wire, both ways together: the round
 * trip the client measured, less the time the server held the request.
 */
export function delayOf(s: NtpSample): number {
  throw new Error('not implemented: delayOf');
}

/**
 * Part 1. Where the true offset must lie, given one exchange, whatever the
 * split of the delay between the two directions was.
 */
export function offsetBounds(s: NtpSample): ClockInterval {
  throw new Error('not implemented: offsetBounds');
}

/**
 * Part 2 (most of the points). Your NTP client's filter. The client has polled
 * several servers for a while; `logs` holds every exchange, per server. Return
 * your best estimate of the offset (true time minus the client's clock, which
 * is what an honest server's clock minus the client's clock is). The client's
 * clock does not drift during the window. What the client cannot see:
 *
 * - Many exchanges were queued somewhere, one way or both, for up to ~80 ms.
 * - Some servers sit behind an asymmetric path: every request (or every reply)
 *   takes 8-40 ms longer than the other direction, on every exchange.
 * - Some servers lie: their clock is wrong by 15 ms to 400 ms, and they are
 *   often close by, so their replies are the fastest of all.
 * - More than half of the servers are honest (their clock is true time).
 *
 * Graded on accuracy over many seeded scenarios: your answer must be within
 * half the delay of the fastest exchange with an honest server (+ 0.25 ms)
 * of the truth, in calm scenarios, with asymmetric paths, with liars, and with
 * both at once (where the liar and the asymmetric paths lean the same way).
 * The mean of everything will not do, nor will the median, nor will trusting
 * the fastest server. Think about what an exchange's delay tells you about
 * where the truth can be, and what the servers' answers have in common.
 * Throw an Error if `logs` holds no exchange at all.
 */
export function estimateOffset(logs: readonly ServerLog[]): number {
  throw new Error('not implemented: estimateOffset');
}

/**
 * Part 3. A clock reading as a confidence interval: a clock known to be
 * within `bound` ms of true time that reads `reading` says true time is in
 * [reading - bound, reading + bound]. Throw an Error if `bound` is negative
 * or not a finite number (NaN must not slip through).
 */
export function clockInterval(reading: number, bound: number): ClockInterval {
  throw new Error('not implemented: clockInterval');
}

/**
 * Part 3. Commit wait. A transaction was stamped `timestamp` (the `latest` of
 * some interval). The node's clock now reads `reading` and is within `bound`
 * ms of true time. How many ms (on this clock) must the node still wait so
 * that the earliest possible true time has reached `timestamp`? The smallest
 * such wait, and 0 if it already has.
 */
export function commitWaitFor(timestamp: number, reading: number, bound: number): number {
  throw new Error('not implemented: commitWaitFor');
}
