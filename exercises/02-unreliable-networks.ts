// Lesson 02 — unreliable networks. Your turn: replace each `throw` with an implementation.
import { z } from 'zod';
import { parseConfig, type Rng } from '../lib/index';
import { backoffCeiling, retryPolicy, RetryExhausted, type Backoff, type RetryPolicyInput } from '../lib/models/retry';

// The error to throw when the attempts are used up (from lib/models/retry.ts: it words its own message).
export { RetryExhausted };

/**
 * Part 1. The waits of one logical request under a retry policy.
 *
 * Parse `policy` first with `retryPolicy(policy)` (lib/models/retry.ts), so a bad
 * policy (cap < base, maxAttempts 0, NaN, ...) throws its ConfigError right
 * here, before any call to `next()`. Then return a Backoff whose `next()` is
 * called after each failed attempt:
 * - the n-th call (n = 0, 1, 2, ...) returns the wait before retry n, drawn as
 *   the policy's `jitter` says, with ceiling(n) = min(cap, base · 2^n)
 *   (`backoffCeiling(policy, n)`):
 *   - 'none': exactly ceiling(n);
 *   - 'full': uniform in [0, ceiling(n)];
 *   - 'equal': ceiling(n)/2 + uniform in [0, ceiling(n)/2];
 *   - 'decorrelated': min(cap, uniform in [base, 3 · previous]), where
 *     `previous` is the wait this backoff returned last (base before the first);
 * - all randomness comes from `rng` (same rng seed, same waits), never Math.random;
 * - a policy allows `maxAttempts` attempts in all, so there are maxAttempts − 1
 *   waits. The call after the last allowed attempt (and every call after it)
 *   throws `new RetryExhausted(attempts, waited)`: attempts = maxAttempts,
 *   waited = the sum of every wait returned. With maxAttempts = 1, the first
 *   call throws RetryExhausted(1, 0).
 *
 * Plug it into the simulator with `callWithRetry(ctx, to, body, createBackoff(policy, ctx.rng), { timeout }, done)`.
 */
export function createBackoff(policy: RetryPolicyInput, rng: Rng): Backoff {
  throw new Error('not implemented: createBackoff');
}

export const DedupConfigSchema = z
  .object({
    /** How many request ids the handler remembers. */
    capacity: z.number().int().min(1),
  })
  .strict();
export type DedupConfig = z.input<typeof DedupConfigSchema>;

export interface IdempotentHandler<Req, Res> {
  /** Handle one request (or a copy or retry of it), identified by `requestId`. */
  handle(requestId: string, request: Req): Res;
  /** How many request ids are remembered now (never more than the capacity). */
  size(): number;
}

/**
 * Part 2. Make a non-idempotent operation safe to retry.
 *
 * Parse `config` with `parseConfig(DedupConfigSchema, config, 'dedup config', 'config')`
 * first, so a bad capacity throws a ConfigError up front. Then return a handler whose
 * `handle(requestId, request)`:
 * - the first time it sees `requestId`, calls `apply(request)` once and
 *   returns its response, remembering the response under `requestId`;
 * - for a requestId it remembers (a retry, or a copy the network duplicated),
 *   does NOT call `apply` and returns the remembered response (the same value),
 *   so the client gets the answer it would have got the first time;
 * - remembers at most `capacity` ids: to remember a new id when full, it
 *   forgets the id it first saw longest ago (first in, first out). A forgotten
 *   id counts as new again: that is the price of bounded memory.
 */
export function createIdempotentHandler<Req, Res>(apply: (request: Req) => Res, config: DedupConfig): IdempotentHandler<Req, Res> {
  throw new Error('not implemented: createIdempotentHandler');
}
