// Lesson 07 — process pauses, leases and fencing. Your turn: replace each `throw` with an implementation.
//
// You build the two servers that make a lease lock safe: the lock service that
// hands out fencing tokens, and the storage that checks them. The grader plugs
// them into the lesson's system (lib/models/lease.ts `lockingSystem`, with the
// library's lease clients) and runs it under pauses, crashes and slow messages.
//
// Write them yourself: do NOT import `lockService` or `storageNode` from
// lib/models/lease.ts or lib/models/storage.ts (they exist for the lesson's demos). Importing
// the protocol *types* below is fine, and so is anything from lib/index.ts.
import type { Program } from '../lib/index';
import type { AcquireReply, Grant, LockRequest, Refusal, ReleaseReply } from '../lib/models/lease';
import type { ReadReply, StorageRequest, WriteReply } from '../lib/models/storage';

// The messages, for reference (all sent with `ctx.call(node, request, ...)`,
// so your program answers them in `onRequest(body, reply, msg)`; `msg.from`
// is the client; call `reply(...)` exactly once, right away):
//
//   storage:  { op: 'write', key, value, token }   → WriteReply
//             { op: 'read', key }                   → ReadReply
//   lock:     { op: 'acquire' }                     → AcquireReply (Grant | Refusal)
//             { op: 'release', token }              → ReleaseReply
export type { AcquireReply, Grant, LockRequest, ReadReply, Refusal, ReleaseReply, StorageRequest, WriteReply };

export type TokenLockOptions = {
  /** Lease length in ms, measured by the lock service's own monotonic clock. */
  lease: number;
};

/**
 * Part 1. A fenced storage node: a key-value store that remembers, per key,
 * the highest fencing token among the writes it has accepted.
 *
 * - `{ op: 'write', key, value, token }`: if some write to `key` was already
 *   accepted with a token higher than `token`, reject it without changing
 *   anything: reply `{ ok: false, key, reason: 'stale token', token, highest }`
 *   (`highest`: that higher token). Otherwise (first write to the key, or a
 *   token equal to or above the highest) store `value` for `key`, remember the
 *   token, and reply `{ ok: true, key, token }`. Tokens are per key: a write
 *   to 'a' says nothing about 'b'.
 * - `{ op: 'read', key }`: reply `{ ok: true, key, value, token }` with the
 *   value and token of the last accepted write to `key`, or `value: null,
 *   token: null` if there was none.
 * - Crashes: the program is called again on restart, with fresh closure
 *   variables. Whatever must survive (the data and the highest tokens) belongs
 *   in `ctx.disk`; a storage that forgets its tokens lets stale writes in.
 */
export function fencedStorage(): Program {
  throw new Error('not implemented: fencedStorage');
}

/**
 * Part 2. A lock service for one lock, that gives every grant a fencing token.
 *
 * - `{ op: 'acquire' }` from `msg.from`: grant if the lock is free, or its
 *   lease has expired, or `msg.from` already holds it (its grant reply may
 *   have been lost). A grant takes the next token (1 for the very first grant,
 *   then 2, 3, ...: every grant a new, larger one, never reused), makes
 *   `msg.from` the holder until `lease` ms from now, and replies
 *   `{ granted: true, token, lease }`. Otherwise reply
 *   `{ granted: false, holder, retryIn }`: who holds it, and how many ms until
 *   its lease expires.
 * - `{ op: 'release', token }` from `msg.from`: if `msg.from` holds the lock,
 *   its lease has not expired, and `token` is its current token, free the lock
 *   and reply `{ released: true }`; otherwise change nothing and reply
 *   `{ released: false }`.
 * - Time: a lease expires `lease` ms after the grant *by this node's own
 *   clock*: use `ctx.clock.monotonic()`, never `ctx.now()` (true time, which
 *   no real server can read) nor the wall clock (it can jump). A lease is
 *   expired when `monotonic() >= grant time + lease`.
 * - Crashes: keep the last token issued and the current holder in `ctx.disk`,
 *   so a restarted service neither reuses a token nor hands out a lock that
 *   is still held.
 */
export function tokenLockService(options: TokenLockOptions): Program {
  throw new Error('not implemented: tokenLockService');
}
