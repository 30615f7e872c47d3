// Lab — build a node that survives the nemesis.
//
// You write a whole node program: a replica of a key-value store, from an
// empty handler set. The grader starts three replicas (replica1..3) running
// your `kvNode`, and three clients that call them (lib/models/register.ts,
// `runWorkload`): each client sends one request at a time to a replica picked
// at random and records what it saw; the linearizability checker judges the
// history, key by key. The faults come in stages, each adding to the last:
//   1. none:        a healthy network (latency of a few ms), clocks in sync
//   2. loss:        5% of all messages lost (clients', and yours); wall clocks up to 50 ms apart
//   3. partitions:  a replica cut off alone, or the replicas split in two; 100 ms apart
//   4. crashes:     crashes and restarts (what is in `ctx.disk` survives, the rest does not),
//                   stop-the-world pauses, wall clocks stepped by up to ±500 ms; 200 ms apart
// Graded on (see test/graders/lab-kv.test.ts): linearizability at every stage
// over many seeds (some hidden), liveness (after the faults end, every client
// gets an answer within 300 ms), availability (with one replica down for the
// whole run, most operations still succeed), and a budget of 10 messages per
// operation on a quiet network (every send counts: clients', replies, yours).
//
// The client protocol (types below): a request is
//   { f: 'read', key }            answer { ok: true, value }   (value null if never written)
//   { f: 'write', key, value }    answer { ok: true }
// sent with `ctx.call`, so answer it with `reply(...)` in `onRequest`.
// Answering `{ ok: false }` tells the client the operation certainly did not
// happen; not answering at all is always safe (the client times out after
// 100 ms and records "maybe"). Values written are unique numbers.
//
// Your node talks to its peers with `ctx.send` (then `onMessage` gets it) or
// `ctx.call` (then `onRequest` gets it, and you `reply`); `ctx.setTimer` for
// timeouts and retries. Keep what must survive a crash in `ctx.disk` (a Map).
// Do not rely on wall clocks (`ctx.clock.wall()`): they are skewed and stepped.
//
// Replay any run the grader reports, in a notebook or a script:
//   import { runWorkload, checkWorkload, fromNode } from './lib/checking/workload';
//   import { formatLinearizability } from './lib/checking/linearizability';
//   const run = runWorkload({ seed: 3, stage: 'partitions', keys: 2 }, fromNode(kvNode));
//   console.log(formatLinearizability(checkWorkload(run)));
//
// Lesson 12 shows a register that works (ABD: a majority quorum with read
// repair). Write yours yourself: do NOT import the replicas of
// lib/models/register.ts (`quorumReplica`, `lwwReplica`, `singleCopy`).
// Types, and the rest of lib/, are fine.
import type { Handlers, NodeContext } from '../lib/core/node';
import type { NodeId } from '../lib/core/trace';
import type { KvReply, KvRequest } from '../lib/models/register';

export type { Handlers, KvReply, KvRequest, NodeContext, NodeId };

/**
 * Boot one replica: called when it starts, and again after each restart (with
 * the same `ctx.disk`). `peers` lists every replica, this one (`ctx.id`) included.
 * Return its handlers.
 */
export function kvNode(ctx: NodeContext, peers: readonly NodeId[]): Handlers {
  throw new Error('not implemented: kvNode');
}
