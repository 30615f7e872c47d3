// Lesson 02 — unreliable networks: reference solution.
import { z } from 'zod';
import { parseConfig, type Rng } from '../lib/index';
import { backoffCeiling, retryPolicy, RetryExhausted, type Backoff, type RetryPolicyInput } from '../lib/models/retry';

export { RetryExhausted };

export function createBackoff(policy: RetryPolicyInput, rng: Rng): Backoff {
  const p = retryPolicy(policy);
  let retries = 0; // retries handed out so far: the next one is retry n = retries
  let waited = 0;
  let previous = p.base; // decorrelated jitter grows from the last wait, starting at base
  const draw = (n: number): number => {
    const ceiling = backoffCeiling(p, n);
    switch (p.jitter) {
      case 'none':
        return ceiling;
      case 'full':
        return rng.uniform(0, ceiling);
      case 'equal':
        return ceiling / 2 + rng.uniform(0, ceiling / 2);
      case 'decorrelated':
        return Math.min(p.cap, rng.uniform(p.base, previous * 3));
    }
  };
  return {
    next() {
      if (retries + 1 >= p.maxAttempts) throw new RetryExhausted(retries + 1, waited);
      const d = draw(retries);
      retries++;
      waited += d;
      previous = d;
      return d;
    },
  };
}

export const DedupConfigSchema = z
  .object({
    capacity: z.number().int().min(1),
  })
  .strict();
export type DedupConfig = z.input<typeof DedupConfigSchema>;

export interface IdempotentHandler<Req, Res> {
  handle(requestId: string, request: Req): Res;
  size(): number;
}

export function createIdempotentHandler<Req, Res>(apply: (request: Req) => Res, config: DedupConfig): IdempotentHandler<Req, Res> {
  const { capacity } = parseConfig(DedupConfigSchema, config, 'dedup config', 'config');
  const seen = new Map<string, Res>(); // insertion order = age: the first key is the oldest
  return {
    handle(requestId, request) {
      if (seen.has(requestId)) return seen.get(requestId) as Res; // a retry: same answer, no second effect
      const response = apply(request);
      if (seen.size >= capacity) seen.delete(seen.keys().next().value as string);
      seen.set(requestId, response);
      return response;
    },
    size: () => seen.size,
  };
}
