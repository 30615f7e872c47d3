// A storage node: keys and values, written by clients that hold a lease. With
// fencing it remembers, per key, the highest token it has accepted and
// rejects any write that carries a lower one: the storage, not the client,
// has the last word on whether a lease is still current. Everything it knows
// is on its disk, so a crash and restart do not make it forget a token.
import { z } from 'zod';
import { parseConfig } from '../core/config';
import type { Message, Program } from '../core/node';
import type { NodeId } from '../core/trace';

/** A write, sent with `ctx.call(storage, request, ...)`. `token`: the writer's fencing token, if it has one. */
export type WriteRequest = { op: 'write'; key: string; value: unknown; token?: number };
/** A read of one key. */
export type ReadRequest = { op: 'read'; key: string };
export type StorageRequest = WriteRequest | ReadRequest;

/**
 * The answer to a write. `ok: true` means the write was applied; a rejection
 * names the token the storage has already seen for that key.
 */
export type WriteReply =
  | { ok: true; key: string; token?: number }
  | { ok: false; key: string; reason: 'stale token'; token: number; highest: number };
export type ReadReply = { ok: true; key: string; value: unknown; token: number | null };

/** One accepted write, as the storage itself records it. */
export type StoredWrite = { time: number; client: NodeId; key: string; value: unknown; token: number | null };

export const StorageConfigSchema = z
  .object({
    /** Reject writes whose token is below the highest accepted for the key (off: the naive store of the lesson). */
    fenced: z.boolean().default(true),
  })
  .strict();
export type StorageConfig = z.input<typeof StorageConfigSchema>;

export const isWriteRequest = (b: unknown): b is WriteRequest =>
  typeof b === 'object' && b !== null && (b as { op?: unknown }).op === 'write' && typeof (b as { key?: unknown }).key === 'string';
export const isReadRequest = (b: unknown): b is ReadRequest =>
  typeof b === 'object' && b !== null && (b as { op?: unknown }).op === 'read' && typeof (b as { key?: unknown }).key === 'string';

type Cell = { value: unknown; token: number | null };
/** The disk layout: one map per node, so that restarts find it again. */
const DATA = 'storage.data';
const HIGHEST = 'storage.highest';

/**
 * A storage node program. `log`, if given, receives every accepted write in
 * the order they were accepted (the storage's own history, for checkers and
 * charts; it lives outside the node, so crashes do not erase it).
 */
export function storageNode(config: StorageConfig = {}, log?: StoredWrite[]): Program {
  const cfg = parseConfig(StorageConfigSchema, config, 'storage config', 'storage');
  return (ctx) => {
    const data = (ctx.disk.get(DATA) as Map<string, Cell> | undefined) ?? new Map<string, Cell>();
    const highest = (ctx.disk.get(HIGHEST) as Map<string, number> | undefined) ?? new Map<string, number>();
    ctx.disk.set(DATA, data);
    ctx.disk.set(HIGHEST, highest);

    const write = (req: WriteRequest, msg: Message): WriteReply => {
      const token = typeof req.token === 'number' ? req.token : null;
      const seen = highest.get(req.key);
      if (cfg.fenced && token !== null && seen !== undefined && token < seen) {
        ctx.note(`rejected ${msg.from}'s write: token ${token} < ${seen}`);
        return { ok: false, key: req.key, reason: 'stale token', token, highest: seen };
      }
      if (token !== null && (seen === undefined || token > seen)) highest.set(req.key, token);
      data.set(req.key, { value: req.value, token });
      log?.push({ time: ctx.now(), client: msg.from, key: req.key, value: req.value, token });
      ctx.note(`accepted ${msg.from}'s write${token === null ? '' : ` (token ${token})`}`);
      return token === null ? { ok: true, key: req.key } : { ok: true, key: req.key, token };
    };

    return {
      onRequest(body, reply, msg) {
        if (isWriteRequest(body)) reply(write(body, msg));
        else if (isReadRequest(body)) {
          const cell = data.get(body.key);
          reply({ ok: true, key: body.key, value: cell?.value ?? null, token: cell?.token ?? null } satisfies ReadReply);
        }
      },
    };
  };
}
