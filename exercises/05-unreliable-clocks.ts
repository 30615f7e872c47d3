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

/**
 * Part 1. The server's clock minus the client's clock, estimated from one
 * exchange on the assumption that the request and the reply spent equally
 * long on the wire: ((t2 - t1) + (t3 - t4)) / 2. Positive: the client is behind.
 */
export function offsetOf(s: NtpSample): number {
  throw new Error('not implemented: offsetOf');
}

/**
 * Part 1. Time the exchange spent on the wire, both ways together: the round
 * trip measured by the client minus the time the server held the request,
 * (t4 - t1) - (t3 - t2).
 */
export function delayOf(s: NtpSample): number {
  throw new Error('not implemented: delayOf');
}

/**
 * Part 2. Of several exchanges, the one with the lowest delay: it had the
 * least room for an asymmetric path to bias its offset. On a tie, the first
 * of them in the array. Return the sample object itself (not a copy). Throw
 * an Error if `samples` is empty.
 */
export function bestOf(samples: readonly NtpSample[]): NtpSample {
  throw new Error('not implemented: bestOf');
}

/**
 * Part 3. Where the true offset must lie, given one exchange: whatever the
 * split of the delay between the two directions, the estimate is off by at
 * most half the delay. Return [offsetOf(s) - delayOf(s)/2, offsetOf(s) + delayOf(s)/2].
 */
export function offsetBounds(s: NtpSample): ClockInterval {
  throw new Error('not implemented: offsetBounds');
}

/**
 * Part 4. A clock reading as a confidence interval: a clock known to be
 * within `bound` ms of true time that reads `reading` says true time is in
 * [reading - bound, reading + bound]. Throw an Error if `bound` is negative
 * or not a finite number (NaN must not slip through).
 */
export function clockInterval(reading: number, bound: number): ClockInterval {
  throw new Error('not implemented: clockInterval');
}

/**
 * Part 5. Commit wait. A transaction was stamped `timestamp` (the `latest` of
 * some interval). The node's clock now reads `reading` and is within `bound`
 * ms of true time. How many ms (on this clock) must the node still wait so
 * that the earliest possible true time, earliest = reading + wait - bound,
 * has reached `timestamp`? The smallest such wait, and 0 if it already has.
 */
export function commitWaitFor(timestamp: number, reading: number, bound: number): number {
  throw new Error('not implemented: commitWaitFor');
}
