// Leases: a lock that expires by itself, so a crashed holder cannot keep it
// forever. The lock service grants one lease at a time, for `lease` ms by its
// own clock, and numbers every grant with a fencing token that only grows.
// A client takes the lease, checks how much of it is left, works, and writes
// to storage. Between its check and its write it can be paused for longer
// than the lease: it then writes believing it still holds a lock that the
// service has long since given to someone else.
import { z } from 'zod';
import { ExperimentSchema, simFromConfig } from './experiment';
import { parseConfig } from '../core/config';
import { needsNodes, type Program } from '../core/node';
import type { Sim } from '../core/sim';
import { storageNode, type StoredWrite, type WriteReply, type WriteRequest } from './storage';
import type { NodeId } from '../core/trace';

// ---------------------------------------------------------------------------
// The protocol, as data. Both requests go through `ctx.call(lockService, ...)`.

export type AcquireRequest = { op: 'acquire' };
/** Give the lease back early; only the current holder's token frees it. */
export type ReleaseRequest = { op: 'release'; token: number };
export type LockRequest = AcquireRequest | ReleaseRequest;

/** `lease`: how many ms the lease lasts, counted by the service from when it granted it. */
export type Grant = { granted: true; token: number; lease: number };
/** `retryIn`: ms until the current lease expires, by the service's clock. */
export type Refusal = { granted: false; holder: NodeId; retryIn: number };
export type AcquireReply = Grant | Refusal;
export type ReleaseReply = { released: boolean };

export const isGrant = (b: unknown): b is Grant =>
  typeof b === 'object' && b !== null && (b as { granted?: unknown }).granted === true && typeof (b as { token?: unknown }).token === 'number';
export const isAcquire = (b: unknown): b is AcquireRequest => typeof b === 'object' && b !== null && (b as { op?: unknown }).op === 'acquire';
export const isRelease = (b: unknown): b is ReleaseRequest =>
  typeof b === 'object' && b !== null && (b as { op?: unknown }).op === 'release' && typeof (b as { token?: unknown }).token === 'number';

// ---------------------------------------------------------------------------
// The lock service.

export const LockServiceSchema = z
  .object({
    /** Lease length in ms: long enough to do a write, short enough that a dead holder is not waited on for long. */
    lease: z.number().gt(0).default(100),
  })
  .strict();
export type LockServiceConfig = z.input<typeof LockServiceSchema>;

type Held = { holder: NodeId; token: number; expiresAt: number };
const LAST_TOKEN = 'lock.lastToken';
const HELD = 'lock.held';

/**
 * A lock service for one lock. It grants when the lock is free, expired, or
 * asked for again by its holder (whose grant reply may have been lost), and
 * every grant gets the next token. Expiry is measured on its own monotonic
 * clock; the last token and the current lease live on disk, so a restart
 * neither reuses a token nor forgets a holder.
 */
export function lockService(config: LockServiceConfig = {}): Program {
  const cfg = parseConfig(LockServiceSchema, config, 'lock service config', 'lockService');
  return (ctx) => {
    const now = (): number => ctx.clock.monotonic();
    const held = (): Held | undefined => {
      const h = ctx.disk.get(HELD) as Held | undefined;
      return h && now() < h.expiresAt ? h : undefined;
    };
    return {
      onRequest(body, reply, msg) {
        if (isAcquire(body)) {
          const h = held();
          if (h && h.holder !== msg.from) {
            reply({ granted: false, holder: h.holder, retryIn: h.expiresAt - now() } satisfies Refusal);
            return;
          }
          const token = ((ctx.disk.get(LAST_TOKEN) as number | undefined) ?? 0) + 1;
          ctx.disk.set(LAST_TOKEN, token);
          ctx.disk.set(HELD, { holder: msg.from, token, expiresAt: now() + cfg.lease } satisfies Held);
          ctx.note(`lease to ${msg.from}, token ${token}`);
          reply({ granted: true, token, lease: cfg.lease } satisfies Grant);
        } else if (isRelease(body)) {
          const h = held();
          const released = h !== undefined && h.holder === msg.from && h.token === body.token;
          if (released) ctx.disk.delete(HELD);
          reply({ released } satisfies ReleaseReply);
        }
      },
    };
  };
}

// ---------------------------------------------------------------------------
// The lease-holding client.

export const LeaseClientSchema = z
  .object({
    lockService: z.string().min(1).default('lock'),
    storage: z.string().min(1).default('storage'),
    /** The key every client writes: one shared file, as in the lesson. */
    key: z.string().min(1).default('file'),
    /** How many writes to make, one lease each. */
    rounds: z.number().int().min(1).default(1),
    /** ms before the first request, to stagger clients. */
    startAt: z.number().min(0).default(0),
    /** ms between checking the lease and writing: reading, computing. The window a pause can fall into. */
    work: z.number().min(0).default(20),
    /** Check the lease again right before sending the write (narrows the window; cannot close it). */
    recheck: z.boolean().default(false),
    /** ms to wait for the lock service or the storage; a few round trips on a healthy network. */
    timeout: z.number().gt(0).default(50),
    /** ms before asking again after a refusal or a timeout. */
    retry: z.number().gt(0).default(10),
    /** ms between finishing one round and starting the next: others get a turn. */
    idle: z.number().min(0).default(30),
  })
  .strict();
export type LeaseClientConfig = z.input<typeof LeaseClientSchema>;

/**
 * A client that, `rounds` times: takes the lease; checks by its own monotonic
 * clock (counting from when it *asked*, to be conservative) that more than
 * `work` ms are left; works `work` ms; writes `<id>#<round>` with its token;
 * releases. A refusal, a timeout or a rejected write sends it back to asking
 * for the lease. Its notes tell the story in space-time diagrams.
 */
export function leaseClient(config: LeaseClientConfig = {}): Program {
  const cfg = parseConfig(LeaseClientSchema, config, 'lease client config', 'client');
  return needsNodes((ctx) => {
    let round = 1;
    const mono = (): number => ctx.clock.monotonic();
    const fmt = (ms: number): string => `${Math.round(ms)} ms`;

    const acquire = (): void => {
      const askedAt = mono();
      ctx.call(cfg.lockService, { op: 'acquire' } satisfies AcquireRequest, { timeout: cfg.timeout }, (r) => {
        if (r.status === 'ok' && isGrant(r.body)) return start(r.body.token, askedAt + r.body.lease);
        // Refused: come back when the holder's lease should have run out (never sooner than `retry`).
        const wait = r.status === 'ok' ? Math.max(cfg.retry, Number((r.body as Refusal).retryIn) || 0) : cfg.retry;
        ctx.setTimer(wait, acquire, 'retry acquire');
      });
    };

    const start = (token: number, expiresAt: number): void => {
      const left = expiresAt - mono();
      if (left <= cfg.work) {
        ctx.note(`token ${token}: only ${fmt(left)} left, not enough`);
        release(token, cfg.retry);
        return;
      }
      ctx.note(`token ${token}: lease valid for ${fmt(left)} more, working`);
      ctx.setTimer(cfg.work, () => write(token, expiresAt), 'work done');
    };

    const write = (token: number, expiresAt: number): void => {
      if (cfg.recheck && mono() >= expiresAt) {
        ctx.note(`token ${token}: lease expired ${fmt(mono() - expiresAt)} ago, not writing`);
        ctx.setTimer(cfg.retry, acquire, 'retry acquire');
        return;
      }
      const value = `${ctx.id}#${round}`;
      ctx.note(`writing ${value} with token ${token}`);
      const req: WriteRequest = { op: 'write', key: cfg.key, value, token };
      ctx.call(cfg.storage, req, { timeout: cfg.timeout }, (r) => {
        const ack = r.status === 'ok' ? (r.body as WriteReply) : undefined;
        if (ack?.ok === true) {
          round++;
          release(token, cfg.idle);
        } else {
          // Rejected (stale token) or no answer (indefinite): take a fresh lease and write again.
          if (ack?.ok === false) ctx.note(`token ${token} is stale (storage has seen ${ack.highest})`);
          ctx.setTimer(cfg.retry, acquire, 'retry acquire');
        }
      });
    };

    const release = (token: number, then: number): void => {
      ctx.call(cfg.lockService, { op: 'release', token } satisfies ReleaseRequest, { timeout: cfg.timeout }, () => {});
      if (round <= cfg.rounds) ctx.setTimer(then, acquire, 'next round');
    };

    if (round <= cfg.rounds) ctx.setTimer(cfg.startAt, acquire, 'start');
  }, [[cfg.lockService, 'client.lockService'], [cfg.storage, 'client.storage']]);
}

// ---------------------------------------------------------------------------
// A whole system: a lock service, a storage node and some clients.

export const LockingSystemSchema = ExperimentSchema
  .extend({
    /** Number of clients, named client1, client2, ... */
    clients: z.number().int().min(1).max(20).default(2),
    lease: z.number().gt(0).default(100),
    fenced: z.boolean().default(false),
    /** ms between the clients' start times, so client1 asks first. */
    stagger: z.number().min(0).default(10),
    /** Settings shared by every client (its names of the lock and storage nodes are fixed). */
    client: LeaseClientSchema.omit({ lockService: true, storage: true, startAt: true }).partial().default({}),
  })
  .strict();
export type LockingSystemConfig = z.input<typeof LockingSystemSchema>;

export type LockingSystem = {
  sim: Sim;
  clients: NodeId[];
  /** The storage's accepted writes, in order (filled only by the library's storage node). */
  writes: StoredWrite[];
};

/**
 * Build (not run) nodes 'lock', 'storage' and client1..clientN. `programs`
 * replaces the lock service or the storage with your own (the exercise).
 */
export function lockingSystem(config: LockingSystemConfig, programs: { lockService?: Program; storage?: Program } = {}): LockingSystem {
  const cfg = parseConfig(LockingSystemSchema, config, 'locking system config', 'system');
  const sim = simFromConfig(cfg);
  const writes: StoredWrite[] = [];
  sim.addNode('lock', programs.lockService ?? lockService({ lease: cfg.lease }));
  sim.addNode('storage', programs.storage ?? storageNode({ fenced: cfg.fenced }, writes));
  const clients = Array.from({ length: cfg.clients }, (_, i) => `client${i + 1}`);
  clients.forEach((id, i) => sim.addNode(id, leaseClient({ ...cfg.client, startAt: i * cfg.stagger })));
  return { sim, clients, writes };
}

// Random pauses, as a nemesis schedule: the generator lives with the other fault schedules.
export { RandomPausesSchema, randomPauses, type RandomPausesConfig } from '../core/schedules';
