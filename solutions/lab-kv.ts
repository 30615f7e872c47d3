// Lab — build a node that survives the nemesis: reference solution.
// ABD with many writers (Attiya, Bar-Noy, Dolev 1995; Lynch & Shvartsman 1997):
// every operation first asks a majority for their (tag, value) of the key;
// a write then stores a higher tag on a majority, a read writes back the
// highest it saw (read repair) before answering. Any two majorities meet, so
// an operation sees every operation that finished before it started. Tags
// are (counter, node id), never clocks; they live on disk, so a restarted
// replica still knows them. No majority, no answer: the client's timeout
// records "maybe", which is always safe.
import type { Handlers, NodeContext } from '../lib/core/node';
import type { NodeId } from '../lib/core/trace';
import type { KvReply, KvRequest } from '../lib/models/register';

export type { Handlers, KvReply, KvRequest, NodeContext, NodeId };

type Tag = { n: number; node: NodeId };
type Stored = { tag: Tag; value: unknown };
type Rpc = { q: 'get'; key: string } | { q: 'put'; key: string; tag: Tag; value: unknown };

const newer = (a: Tag, b: Tag): boolean => a.n > b.n || (a.n === b.n && a.node > b.node);
const NONE: Stored = { tag: { n: 0, node: '' }, value: null };
/** ms to wait for a peer before asking again: a few round trips. */
const RPC_TIMEOUT = 20;
/** Times to ask a silent peer again in one phase: lost messages should not cost the operation. */
const RETRIES = 2;

export function kvNode(ctx: NodeContext, peers: readonly NodeId[]): Handlers {
  const majority = Math.floor(peers.length / 2) + 1;
  const others = peers.filter((p) => p !== ctx.id);
  const stored = (key: string): Stored => (ctx.disk.get(`abd:${key}`) as Stored | undefined) ?? NONE;
  const local = (rpc: Rpc): unknown => {
    if (rpc.q === 'get') return stored(rpc.key);
    if (newer(rpc.tag, stored(rpc.key).tag)) ctx.disk.set(`abd:${rpc.key}`, { tag: rpc.tag, value: rpc.value });
    return { ok: true };
  };

  /** Ask every replica (this one at once); `done` gets the first majority of answers. */
  const phase = (rpc: Rpc, done: (answers: Stored[]) => void): void => {
    const answers: unknown[] = [local(rpc)];
    let finished = answers.length >= majority;
    if (finished) return done(answers as Stored[]);
    const ask = (p: NodeId, left: number): void =>
      ctx.call(p, rpc, { timeout: RPC_TIMEOUT }, (r) => {
        if (finished) return;
        if (r.status !== 'ok') {
          if (left > 0) ask(p, left - 1);
          return;
        }
        answers.push(r.body);
        if (answers.length >= majority) {
          finished = true;
          done(answers as Stored[]);
        }
      });
    for (const p of others) ask(p, RETRIES);
  };
  const highest = (answers: Stored[]): Stored => answers.reduce((best, a) => (newer(a.tag, best.tag) ? a : best), NONE);

  return {
    onRequest(body, reply) {
      const rpc = body as Rpc;
      if (rpc.q === 'get' || rpc.q === 'put') return reply(local(rpc));
      const req = body as KvRequest;
      if (req.f === 'write') {
        phase({ q: 'get', key: req.key }, (answers) => {
          const tag = { n: highest(answers).tag.n + 1, node: ctx.id };
          phase({ q: 'put', key: req.key, tag, value: req.value }, () => reply({ ok: true } satisfies KvReply));
        });
      } else if (req.f === 'read') {
        phase({ q: 'get', key: req.key }, (answers) => {
          const top = highest(answers);
          phase({ q: 'put', key: req.key, tag: top.tag, value: top.value }, () => reply({ ok: true, value: top.value } satisfies KvReply));
        });
      }
    },
  };
}
