// Retries: when a call times out, ask again, after a wait. The waits between
// the attempts of one logical request are a Backoff; the retry policy (how the
// waits grow, their cap, their jitter, how many attempts) is a config value.
// The client machinery here is the same for every policy: it sends the SAME
// request body on every attempt, so a server can recognise a retry by the id
// inside it (idempotency, lesson 02).
import { z } from 'zod';
import { nonNegative, parseConfig } from '../core/config';
import type { CallResult, NodeContext } from '../core/node';
import type { NodeId } from '../core/trace';

/**
 * How the wait before retry n (n = 0, 1, ...) is drawn, with
 * ceiling(n) = min(cap, base · 2^n) (the names of the AWS Architecture Blog's
 * "Exponential Backoff And Jitter"):
 * - 'none': exactly ceiling(n);
 * - 'full': uniform in [0, ceiling(n)];
 * - 'equal': ceiling(n)/2 plus uniform in [0, ceiling(n)/2];
 * - 'decorrelated': uniform in [base, 3 · previous wait] (the first previous
 *   wait is base), then capped: min(cap, ...).
 */
export type Jitter = 'none' | 'full' | 'equal' | 'decorrelated';
export const JITTERS: readonly Jitter[] = ['none', 'full', 'equal', 'decorrelated'];

export const RetryPolicySchema = z
  .object({
    // ms before the first retry: a few round trips of the default network (median 2 ms each way).
    base: z.number().gt(0).default(10),
    // ms: the longest wait, so a client is back soon after a long outage ends.
    cap: z.number().gt(0).default(1000),
    // AWS's measurements favour full jitter: least work, about the fastest to finish.
    jitter: z.enum(['none', 'full', 'equal', 'decorrelated']).default('full'),
    // Attempts in all, the first one included: a bound on the extra load one request can cause.
    maxAttempts: z.number().int().min(1).default(6),
  })
  .strict()
  .refine((p) => p.cap >= p.base, { message: 'cap must be ≥ base', path: ['cap'] });

export type RetryPolicyInput = z.input<typeof RetryPolicySchema>;
export type RetryPolicy = z.output<typeof RetryPolicySchema>;

/** Parse a retry policy, or throw a ConfigError naming each bad field. */
export function retryPolicy(input: RetryPolicyInput = {}): RetryPolicy {
  return parseConfig(RetryPolicySchema, input, 'retry policy', 'policy');
}

/** The ceiling of retry n: min(cap, base · 2^n). */
export function backoffCeiling(policy: Pick<RetryPolicy, 'base' | 'cap'>, n: number): number {
  if (!Number.isInteger(n) || n < 0) throw new Error(`backoffCeiling: the retry number n must be an integer ≥ 0, got ${n}`);
  if (!(policy.base > 0 && policy.cap >= policy.base) || !Number.isFinite(policy.cap)) {
    throw new Error(`backoffCeiling: need finite 0 < base ≤ cap, got base=${policy.base}, cap=${policy.cap} (parse the policy with retryPolicy())`);
  }
  return Math.min(policy.cap, policy.base * Math.pow(2, n));
}

/** The waits between the attempts of one logical request. */
export interface Backoff {
  /**
   * Called after each failed attempt: the ms to wait before the next one.
   * After the last allowed attempt it throws RetryExhausted instead.
   */
  next(): number;
}

/** Thrown (or reported) when every allowed attempt failed. */
export class RetryExhausted extends Error {
  /** Attempts made, the first one included. */
  readonly attempts: number;
  /** Total ms spent waiting between attempts (not counting the attempts themselves). */
  readonly waited: number;
  constructor(attempts: number, waited: number) {
    super(`gave up after ${attempts} attempt${attempts === 1 ? '' : 's'} and ${Number(waited.toFixed(3))} ms of backoff`);
    this.name = 'RetryExhausted';
    this.attempts = attempts;
    this.waited = waited;
  }
}

const DelaysSchema = z.array(nonNegative());

/**
 * A backoff that waits `delays` in order, then gives up: a schedule as data.
 * `scheduleBackoff([])` never retries (one attempt).
 */
export function scheduleBackoff(delays: readonly number[]): Backoff {
  const list = parseConfig(DelaysSchema, delays, 'backoff schedule', 'delays');
  let used = 0;
  let waited = 0;
  return {
    next() {
      if (used >= list.length) throw new RetryExhausted(list.length + 1, waited);
      const d = list[used++]!;
      waited += d;
      return d;
    },
  };
}

// ---------------------------------------------------------------------------
// The client: call, and on a timeout wait and call again.

export const RetryCallOptionsSchema = z
  .object({
    /** ms to wait for each attempt's reply. */
    timeout: z.number().gt(0),
    /** Write a note into the trace at each retry and at the end (for space-time diagrams of a few clients). */
    notes: z.boolean().default(false),
  })
  .strict();
export type RetryCallOptions = z.input<typeof RetryCallOptionsSchema>;

/** How one logical request ended. `elapsed` runs from the first send to this outcome. */
export type RetryOutcome =
  | { status: 'ok'; body: unknown; attempts: number; waited: number; elapsed: number }
  | { status: 'exhausted'; error: RetryExhausted; attempts: number; waited: number; elapsed: number };

/**
 * Call `to` with `body`; on each timeout ask `backoff` for a wait and call
 * again with the same body, until a reply arrives (`ok`) or the backoff gives
 * up (`exhausted`). `done` is called exactly once. A late reply to an earlier
 * attempt is ignored by the node, as any late reply is: only the attempt in
 * flight can succeed.
 */
export function callWithRetry(
  ctx: NodeContext,
  to: NodeId,
  body: unknown,
  backoff: Backoff,
  options: RetryCallOptions,
  done: (outcome: RetryOutcome) => void,
): void {
  const { timeout, notes } = parseConfig(RetryCallOptionsSchema, options, 'retry call options', 'options');
  const start = ctx.now();
  let attempts = 0;
  let waited = 0;
  const attempt = (): void => {
    attempts++;
    ctx.call(to, body, { timeout }, (r: CallResult) => {
      if (r.status === 'ok') {
        if (notes && attempts > 1) ctx.note(`ok on attempt ${attempts}`);
        done({ status: 'ok', body: r.body, attempts, waited, elapsed: ctx.now() - start });
        return;
      }
      let wait: number;
      try {
        wait = backoff.next();
      } catch (e) {
        if (!(e instanceof RetryExhausted)) throw e;
        if (notes) ctx.note(e.message);
        done({ status: 'exhausted', error: e, attempts, waited, elapsed: ctx.now() - start });
        return;
      }
      if (!(wait >= 0 && Number.isFinite(wait))) throw new Error(`backoff.next() must return a finite number ≥ 0, got ${wait}`);
      waited += wait;
      if (notes) ctx.note(`timeout; retry ${attempts} in ${Number(wait.toFixed(1))} ms`);
      ctx.setTimer(wait, attempt, `backoff before attempt ${attempts + 1}`);
    });
  };
  attempt();
}
