// A replicated register (lesson 12), three ways (the workload that tests them
// the way Jepsen does is lib/checking/workload.ts):
// - singleCopy: one server, no replication: linearizable, and a single point of failure;
// - lwwReplica: every replica answers alone and gossips writes stamped with
//   its wall clock (last write wins): fast, available, and not linearizable
//   once clocks disagree or the network splits;
// - quorumReplica: ABD (Attiya, Bar-Noy, Dolev): every operation reads a
//   majority's tags first and writes a majority before it answers; a read
//   writes back what it returns (read repair), so no later read can see less.
import { z } from 'zod';
import { parseConfig, } from '../core/config';
import type { Program } from '../core/node';
import type { NodeId, } from '../core/trace';

// ---------------------------------------------------------------------------
// The client protocol: what a client sends to any replica, and what it may answer.

export type KvRequest = { f: 'read'; key: string } | { f: 'write'; key: string; value: unknown };
/**
 * A read's answer carries the value (null: never written); a write's, none.
 * `{ ok: false }` means the operation certainly did not happen (the history
 * records `fail`); not answering at all is always safe (the client times out
 * and the history records `info`: it may or may not have happened).
 */
export type KvReply = { ok: true; value?: unknown } | { ok: false; error?: string };

export const isKvRequest = (b: unknown): b is KvRequest => {
  const r = b as { f?: unknown; key?: unknown } | null;
  return typeof r === 'object' && r !== null && (r.f === 'read' || r.f === 'write') && typeof r.key === 'string';
};

// ---------------------------------------------------------------------------
// Three node programs.

/** One server with a map: the register every other one is compared to. */
export function singleCopy(): Program {
  return (ctx) => ({
    onRequest(body, reply) {
      if (!isKvRequest(body)) return;
      const key = `kv:${body.key}`;
      if (body.f === 'write') {
        ctx.disk.set(key, body.value);
        return reply({ ok: true } satisfies KvReply);
      }
      reply({ ok: true, value: ctx.disk.has(key) ? ctx.disk.get(key) : null } satisfies KvReply);
    },
  });
}

/** A wall-clock stamp; the node id breaks ties so every replica picks the same winner. */
export type Stamp = { ts: number; node: NodeId };
const laterStamp = (a: Stamp, b: Stamp): boolean => a.ts > b.ts || (a.ts === b.ts && a.node > b.node);
type LwwUpdate = { type: 'lww'; key: string; value: unknown; stamp: Stamp };

/**
 * Last write wins: a replica stamps a write with its own wall clock, applies
 * it, answers at once and tells the others (one message each, no retry). A
 * read answers from this replica alone. A replica whose clock runs behind
 * stamps new writes older than old ones, and they lose; a replica cut off by
 * a partition answers reads with what it had.
 */
export function lwwReplica(config: { peers: readonly NodeId[] }): Program {
  const peers = [...config.peers];
  return (ctx) => {
    const cur = new Map<string, { value: unknown; stamp: Stamp }>();
    const apply = (key: string, value: unknown, stamp: Stamp): void => {
      const had = cur.get(key);
      if (!had || laterStamp(stamp, had.stamp)) cur.set(key, { value, stamp });
    };
    return {
      onMessage(msg) {
        const u = msg.body as LwwUpdate;
        if (u?.type === 'lww') apply(u.key, u.value, u.stamp);
      },
      onRequest(body, reply) {
        if (!isKvRequest(body)) return;
        if (body.f === 'read') return reply({ ok: true, value: cur.get(body.key)?.value ?? null } satisfies KvReply);
        const stamp = { ts: ctx.clock.wall(), node: ctx.id };
        apply(body.key, body.value, stamp);
        for (const p of peers) if (p !== ctx.id) ctx.send(p, { type: 'lww', key: body.key, value: body.value, stamp } satisfies LwwUpdate);
        reply({ ok: true } satisfies KvReply);
      },
    };
  };
}

/** ABD's version tag: a counter, and the writer's id to break ties. */
export type Tag = { n: number; node: NodeId };
export const newerTag = (a: Tag, b: Tag): boolean => a.n > b.n || (a.n === b.n && a.node > b.node);
const ZERO: Tag = { n: 0, node: '' };
type Stored = { tag: Tag; value: unknown };
type QuorumRpc = { q: 'get'; key: string } | { q: 'put'; key: string; tag: Tag; value: unknown };

export const QuorumConfigSchema = z
  .object({
    peers: z.array(z.string().min(1)).min(1),
    /** Write back what a read returns before answering (without it, a read can see a write that a later read does not). */
    readRepair: z.boolean().default(true),
    /** ms to wait for one peer's answer: a few round trips. */
    rpcTimeout: z.number().gt(0).default(20),
    /** Times to ask a silent peer again within one phase: lost messages should not cost the operation. */
    retries: z.number().int().min(0).default(2),
  })
  .strict();
export type QuorumConfig = z.input<typeof QuorumConfigSchema>;

/**
 * ABD with many writers. A write asks a majority for their tags, takes a tag
 * above the highest, and stores it on a majority; a read asks a majority,
 * takes the value with the highest tag, and (read repair) stores it on a
 * majority before answering. Any two majorities share a replica, so every
 * operation sees every operation that finished before it began. Tags and
 * values live on disk: a replica that crashes comes back with them. An
 * operation that cannot reach a majority is never answered (the client's
 * timeout says "maybe").
 */
export function quorumReplica(config: QuorumConfig): Program {
  const cfg = parseConfig(QuorumConfigSchema, config, 'quorum replica config', 'replica');
  const majority = Math.floor(cfg.peers.length / 2) + 1;
  return (ctx) => {
    const others = cfg.peers.filter((p) => p !== ctx.id);
    const stored = (key: string): Stored => (ctx.disk.get(`abd:${key}`) as Stored | undefined) ?? { tag: ZERO, value: null };
    const local = (rpc: QuorumRpc): unknown => {
      if (rpc.q === 'get') return stored(rpc.key);
      if (newerTag(rpc.tag, stored(rpc.key).tag)) ctx.disk.set(`abd:${rpc.key}`, { tag: rpc.tag, value: rpc.value });
      return { ok: true };
    };
    /** Send `rpc` to every replica (this one answers at once); `done` gets the first majority of answers. */
    const phase = (rpc: QuorumRpc, done: (answers: unknown[]) => void): void => {
      const answers: unknown[] = [local(rpc)];
      let finished = majority <= 1;
      if (finished) return done(answers);
      const ask = (p: NodeId, left: number): void =>
        ctx.call(p, rpc, { timeout: cfg.rpcTimeout }, (r) => {
          if (finished) return;
          if (r.status !== 'ok') return left > 0 ? ask(p, left - 1) : undefined;
          answers.push(r.body);
          if (answers.length >= majority) {
            finished = true;
            done(answers);
          }
        });
      for (const p of others) ask(p, cfg.retries);
    };
    const highest = (answers: unknown[]): Stored =>
      (answers as Stored[]).reduce((best, a) => (newerTag(a.tag, best.tag) ? a : best), { tag: ZERO, value: null });

    return {
      onRequest(body, reply) {
        const rpc = body as QuorumRpc;
        if (rpc?.q === 'get' || rpc?.q === 'put') return reply(local(rpc));
        if (!isKvRequest(body)) return;
        const key = body.key;
        if (body.f === 'write') {
          const value = body.value;
          return phase({ q: 'get', key }, (answers) => {
            const tag = { n: highest(answers).tag.n + 1, node: ctx.id };
            phase({ q: 'put', key, tag, value }, () => reply({ ok: true } satisfies KvReply));
          });
        }
        phase({ q: 'get', key }, (answers) => {
          const top = highest(answers);
          if (!cfg.readRepair) return reply({ ok: true, value: top.value } satisfies KvReply);
          phase({ q: 'put', key, tag: top.tag, value: top.value }, () => reply({ ok: true, value: top.value } satisfies KvReply));
        });
      },
    };
  };
}
