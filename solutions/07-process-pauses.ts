// Lesson 07 — process pauses, leases and fencing. Reference solution.
import type { Program } from '../lib/index';
import type { AcquireReply, Grant, LockRequest, Refusal, ReleaseReply } from '../lib/models/lease';
import type { ReadReply, StorageRequest, WriteReply } from '../lib/models/storage';

export type { AcquireReply, Grant, LockRequest, ReadReply, Refusal, ReleaseReply, StorageRequest, WriteReply };

export type TokenLockOptions = {
  /** Lease length in ms, measured by the lock service's own monotonic clock. */
  lease: number;
};

type Cell = { value: unknown; token: number };

/** Part 1: a key-value store that rejects writes with a token below the highest it accepted for the key. */
export function fencedStorage(): Program {
  return (ctx) => {
    // On disk, so a restart still knows which tokens it has seen.
    if (!ctx.disk.has('cells')) ctx.disk.set('cells', new Map<string, Cell>());
    const cells = ctx.disk.get('cells') as Map<string, Cell>;
    return {
      onRequest(body, reply) {
        const req = body as StorageRequest;
        if (req.op === 'read') {
          const cell = cells.get(req.key);
          reply({ ok: true, key: req.key, value: cell ? cell.value : null, token: cell ? cell.token : null } satisfies ReadReply);
          return;
        }
        if (req.op !== 'write') return;
        const token = req.token ?? 0;
        const cell = cells.get(req.key);
        if (cell && token < cell.token) {
          reply({ ok: false, key: req.key, reason: 'stale token', token, highest: cell.token } satisfies WriteReply);
          return;
        }
        cells.set(req.key, { value: req.value, token });
        reply({ ok: true, key: req.key, token } satisfies WriteReply);
      },
    };
  };
}

type Held = { holder: string; token: number; expiresAt: number };

/** Part 2: one lock, leases that expire by the service's monotonic clock, a new token per grant. */
export function tokenLockService(options: TokenLockOptions): Program {
  const { lease } = options;
  return (ctx) => {
    const now = () => ctx.clock.monotonic();
    const current = (): Held | undefined => {
      const held = ctx.disk.get('held') as Held | undefined;
      return held && now() < held.expiresAt ? held : undefined;
    };
    return {
      onRequest(body, reply, msg) {
        const req = body as LockRequest;
        if (req.op === 'acquire') {
          const held = current();
          if (held && held.holder !== msg.from) {
            reply({ granted: false, holder: held.holder, retryIn: held.expiresAt - now() } satisfies Refusal);
            return;
          }
          const token = ((ctx.disk.get('lastToken') as number | undefined) ?? 0) + 1;
          ctx.disk.set('lastToken', token);
          ctx.disk.set('held', { holder: msg.from, token, expiresAt: now() + lease } satisfies Held);
          reply({ granted: true, token, lease } satisfies Grant);
        } else if (req.op === 'release') {
          const held = current();
          const released = held !== undefined && held.holder === msg.from && held.token === req.token;
          if (released) ctx.disk.delete('held');
          reply({ released } satisfies ReleaseReply);
        }
      },
    };
  };
}
