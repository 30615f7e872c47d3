// Clock readings as confidence intervals, as in Spanner's TrueTime. A node
// that knows its clock is within `bound` ms of true time reads an interval
// [earliest, latest] that contains true time. Commit wait: stamp a commit
// with `latest`, then wait until `earliest` has passed the stamp before
// acknowledging it; any transaction that starts after the acknowledgment,
// on any node, then gets a later timestamp. The price is ~2 × bound per commit.
import { z } from 'zod';
import type { NodeClock } from '../core/clock';
import { parseConfig } from '../core/config';
import type { NtpSample } from './ntp';
import { ntpDelay, ntpOffset } from './ntp';
import type { Program } from '../core/node';
import { DistributionSchema } from '../core/random';
import type { Sim } from '../core/sim';
import { ExperimentSchema, simFromConfig } from './experiment';

/** True time lies in [earliest, latest]. */
export type ClockInterval = { earliest: number; latest: number };

/** The interval around a clock reading whose error is at most `bound` ms. */
export function clockInterval(reading: number, bound: number): ClockInterval {
  if (!Number.isFinite(reading)) throw new Error(`clockInterval: reading must be a finite number, got ${reading}`);
  if (!(bound >= 0 && Number.isFinite(bound))) throw new Error(`clockInterval: bound must be a finite number ≥ 0, got ${bound}`);
  return { earliest: reading - bound, latest: reading + bound };
}

/** Where the server-minus-client offset must lie, given one NTP exchange: its estimate ± half the round trip. */
export function ntpInterval(s: NtpSample): ClockInterval {
  const offset = ntpOffset(s);
  const half = ntpDelay(s) / 2;
  return { earliest: offset - half, latest: offset + half };
}

/**
 * A clock's error bound `elapsed` ms after a sync that left it within
 * `syncError` ms: it may since have drifted up to `maxDriftPpm`. Spanner
 * assumes 200 ppm and syncs every 30 s, so its bound saws between ~1 and ~7 ms.
 */
export function uncertaintyAfter(syncError: number, maxDriftPpm: number, elapsed: number): number {
  if (!(syncError >= 0) || !(maxDriftPpm >= 0) || !(elapsed >= 0)) {
    throw new Error(`uncertaintyAfter: arguments must be numbers ≥ 0, got ${syncError}, ${maxDriftPpm}, ${elapsed}`);
  }
  return syncError + (maxDriftPpm / 1e6) * elapsed;
}

/** TrueTime's API over one node's wall clock. */
export type TrueTime = {
  now(): ClockInterval;
  /** True time is certainly past `t`. */
  after(t: number): boolean;
  /** True time is certainly before `t`. */
  before(t: number): boolean;
};

export function trueTime(clock: NodeClock, bound: number): TrueTime {
  clockInterval(0, bound); // validate once
  const now = (): ClockInterval => clockInterval(clock.wall(), bound);
  return { now, after: (t) => now().earliest > t, before: (t) => now().latest < t };
}

export const CommitServerSchema = z
  .object({
    /** The clock error bound the node assumes, ms. Commit wait is only correct if the clock really is this close. */
    bound: z.number().min(0),
    /** Wait out the uncertainty before acknowledging (Spanner) or not. */
    commitWait: z.boolean(),
    /** ms of work before the commit point (e.g. writing the log). */
    work: z.number().min(0).default(1),
  })
  .strict();
export type CommitServerConfig = z.input<typeof CommitServerSchema>;

/** What a commit server replies: the commit timestamp, and how long it waited on its own clock. */
export type CommitReply = { timestamp: number; waited: number };

/**
 * A database node that answers `{ commit: id }` requests: after `work` ms it
 * stamps the commit with TT.now().latest and, with commit wait, holds the
 * acknowledgment until TT.after(timestamp).
 */
export function commitServer(config: CommitServerConfig): Program {
  const cfg = parseConfig(CommitServerSchema, config, 'commit server config', 'commit');
  return (ctx) => {
    const tt = trueTime(ctx.clock, cfg.bound);
    return {
      onRequest: (_body, reply) => {
        ctx.setTimer(cfg.work, () => {
          const timestamp = tt.now().latest;
          const started = ctx.clock.monotonic();
          const finish = (): void => reply({ timestamp, waited: ctx.clock.monotonic() - started } satisfies CommitReply);
          if (!cfg.commitWait) return finish();
          // The timer runs on true time, the check on the node's own clock: if
          // the clock runs slow, check again after the rest.
          const wait = (): void => {
            const left = timestamp - tt.now().earliest;
            if (left < 0 || tt.after(timestamp)) finish();
            else ctx.setTimer(Math.max(left, 1e-6), wait, 'commit wait');
          };
          wait();
        });
      },
    };
  };
}

// The network is one latency for every link: the lesson is about clocks, not routes.
export const CommitExperimentSchema = ExperimentSchema.omit({ network: true })
  .extend({
    /** Each database's clock offset is drawn uniformly from [-bound, +bound]: the bound holds, but only just. */
    bound: z.number().min(0),
    commitWait: z.boolean(),
    /** Causally ordered pairs: T1 on 'a', acknowledged, then T2 on 'b'. */
    pairs: z.number().int().min(1).max(10_000).default(5),
    work: z.number().min(0).default(1),
    latency: DistributionSchema.default({ kind: 'lognormal', median: 2, sigma: 0.3 }),
  })
  .strict();
export type CommitExperimentConfig = z.input<typeof CommitExperimentSchema>;

export type CommitPair = {
  t1: CommitReply;
  t2: CommitReply;
  /** True ms from sending each commit to its acknowledgment (as the client measures it). */
  latency1: number;
  latency2: number;
  /** T2 started after T1 was acknowledged, yet got an earlier or equal timestamp. */
  inverted: boolean;
};

export type CommitExperiment = { sim: Sim; offsets: { a: number; b: number }; pairs: CommitPair[] };

/**
 * A client commits T1 on database 'a'; once it is acknowledged, it commits T2
 * on database 'b'. T2 causally follows T1, so its timestamp should be later.
 */
export function commitExperiment(config: CommitExperimentConfig): CommitExperiment {
  const cfg = parseConfig(CommitExperimentSchema, config, 'commit experiment config', 'commitExperiment');
  const sim = simFromConfig(cfg, { trace: false, network: { latency: cfg.latency } });
  const offsets = { a: sim.rng.uniform(-cfg.bound, cfg.bound), b: sim.rng.uniform(-cfg.bound, cfg.bound) };
  const server = { bound: cfg.bound, commitWait: cfg.commitWait, work: cfg.work };
  sim.addNode('a', commitServer(server), { clock: { offset: offsets.a } });
  sim.addNode('b', commitServer(server), { clock: { offset: offsets.b } });
  const pairs: CommitPair[] = [];
  sim.addNode('client', (ctx) => {
    const commit = (db: 'a' | 'b', done: (r: CommitReply, latency: number) => void): void =>
      ctx.call(db, { commit: `${db}${pairs.length + 1}` }, { timeout: 10_000 }, (r) => {
        if (r.status !== 'ok') throw new Error(`commit on ${db} timed out: the network in this experiment should not lose messages`);
        done(r.body as CommitReply, r.latency);
      });
    const pair = (): void =>
      commit('a', (t1, latency1) =>
        commit('b', (t2, latency2) => {
          pairs.push({ t1, t2, latency1, latency2, inverted: t2.timestamp <= t1.timestamp });
          if (pairs.length < cfg.pairs) ctx.setTimer(10, pair, 'next pair');
        }),
      );
    ctx.setTimer(0, pair, 'first pair');
  });
  sim.run();
  return { sim, offsets, pairs };
}
