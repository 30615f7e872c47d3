// Ordering events by timestamps from different machines. Each write carries
// the wall-clock time of the node that made it; a log sorted by those
// timestamps, and a last-write-wins (LWW) register that keeps the write with
// the highest one, both trust clocks that disagree. Checkers return what went
// wrong as data: which adjacent events the log swapped, which writes LWW dropped.
import { z } from 'zod';
import { ExperimentSchema, simFromConfig } from './experiment';
import { parseConfig } from '../core/config';
import type { Program } from '../core/node';
import { exponential } from '../core/random';
import type { Sim } from '../core/sim';
import type { NodeId } from '../core/trace';

/** A write as the store saw it. `trueTime` is when it happened; `timestamp` is what its node's clock said. */
export type StampedWrite = { node: NodeId; seq: number; value: unknown; timestamp: number; trueTime: number };

/** The register's state: the write with the highest (timestamp, node) so far, or none. */
export type LwwState = { winner: StampedWrite | null };

/** Total order on timestamps; the node id breaks exact ties, so every replica picks the same winner. */
export function stampAfter(a: StampedWrite, b: StampedWrite): boolean {
  return a.timestamp > b.timestamp || (a.timestamp === b.timestamp && a.node > b.node);
}

/** Apply a write to an LWW register: it wins only if its timestamp is later. Returns whether it was kept. */
export function lwwApply(state: LwwState, write: StampedWrite): boolean {
  if (state.winner !== null && !stampAfter(write, state.winner)) return false;
  state.winner = write;
  return true;
}

/** Two events the timestamp order swapped: `first` happened first but has the later timestamp. */
export type Misordering = { first: StampedWrite; second: StampedWrite; gap: number; skew: number };

/** Events sorted the way a log that trusts timestamps sorts them. */
export function byTimestamp(events: readonly StampedWrite[]): StampedWrite[] {
  return [...events].sort((a, b) => (stampAfter(a, b) ? 1 : stampAfter(b, a) ? -1 : 0));
}

/**
 * Every pair of events adjacent in true time whose timestamps run backwards.
 * `gap` is the true time between them, `skew` how much later the first one's
 * timestamp is than the second's.
 */
export function misorderings(events: readonly StampedWrite[]): Misordering[] {
  const truth = [...events].sort((a, b) => a.trueTime - b.trueTime);
  const out: Misordering[] = [];
  for (let i = 1; i < truth.length; i++) {
    const first = truth[i - 1]!;
    const second = truth[i]!;
    if (stampAfter(first, second)) out.push({ first, second, gap: second.trueTime - first.trueTime, skew: first.timestamp - second.timestamp });
  }
  return out;
}

/**
 * A store holding one LWW register. It acknowledges every write, including
 * the ones it discards: the writer is never told. `kept` and `discarded`
 * receive the writes in arrival order.
 */
export function lwwStore(log: { kept: StampedWrite[]; discarded: StampedWrite[] }): Program {
  return (ctx) => {
    const state: LwwState = { winner: null };
    return {
      onRequest: (body, reply, msg) => {
        const w = body as { seq: number; value: unknown; timestamp: number };
        const write: StampedWrite = { node: msg.from, seq: w.seq, value: w.value, timestamp: w.timestamp, trueTime: ctx.now() };
        (lwwApply(state, write) ? log.kept : log.discarded).push(write);
        reply({ ok: true });
      },
    };
  };
}

export const LwwExperimentSchema = ExperimentSchema
  .extend({
    /** Clock offsets are spread uniformly over [-skew/2, +skew/2] ms, so no two clocks differ by more than skew. */
    skew: z.number().min(0),
    /** Writers taking turns; more writers, more clocks to disagree. */
    writers: z.number().int().min(2).max(26).default(3),
    /** Writes in the causal chain. */
    writes: z.number().int().min(1).max(100_000).default(200),
    /** Mean ms a writer waits between its ack and passing the turn on (exponential). */
    think: z.number().min(0).default(5),
    trace: z.boolean().default(false),
  })
  .strict();
export type LwwExperimentConfig = z.input<typeof LwwExperimentSchema>;

export type LwwExperiment = {
  sim: Sim;
  /** Clock offset of each writer, ms. */
  offsets: Record<NodeId, number>;
  /** Every write, in the order the store received it (which is the true order). */
  writes: StampedWrite[];
  discarded: StampedWrite[];
  misordered: Misordering[];
  /** Fractions: adjacent pairs the timestamp log swaps; writes LWW threw away. */
  misorderedFraction: number;
  lostFraction: number;
};

/**
 * Writers w1, w2, ... take turns writing one key on a store 'db'. Each write
 * happens after the previous one was acknowledged and the turn was handed
 * over by message: a causal chain, so the true order is unambiguous and the
 * last write should win every time. Each writer stamps its write with its
 * own wall clock.
 */
export function lwwExperiment(config: LwwExperimentConfig): LwwExperiment {
  const cfg = parseConfig(LwwExperimentSchema, config, 'LWW experiment config', 'lww');
  const sim = simFromConfig(cfg);
  const log = { kept: [] as StampedWrite[], discarded: [] as StampedWrite[] };
  const names = Array.from({ length: cfg.writers }, (_, i) => `w${i + 1}`);
  const offsets: Record<NodeId, number> = {};
  for (const n of names) offsets[n] = sim.rng.uniform(-cfg.skew / 2, cfg.skew / 2);
  sim.addNode('db', lwwStore(log));
  let seq = 0;
  for (const name of names) {
    sim.addNode(
      name,
      (ctx) => {
        const write = (): void => {
          const mine = ++seq;
          ctx.call('db', { seq: mine, value: `${name}#${mine}`, timestamp: ctx.clock.wall() }, { timeout: 1_000 }, () => {
            if (mine >= cfg.writes) return;
            const think = cfg.think > 0 ? exponential(ctx.rng, cfg.think) : 0;
            const others = names.filter((n) => n !== name);
            ctx.setTimer(think, () => ctx.send(ctx.rng.pick(others), { yourTurn: true }), 'think');
          });
        };
        if (name === names[0]) ctx.setTimer(0, write, 'first write');
        return { onMessage: () => write() };
      },
      { clock: { offset: offsets[name]! } },
    );
  }
  sim.run();
  const writes = [...log.kept, ...log.discarded].sort((a, b) => a.trueTime - b.trueTime || a.seq - b.seq);
  const misordered = misorderings(writes);
  return {
    sim,
    offsets,
    writes,
    discarded: log.discarded,
    misordered,
    misorderedFraction: writes.length > 1 ? misordered.length / (writes.length - 1) : 0,
    lostFraction: writes.length > 0 ? log.discarded.length / writes.length : 0,
  };
}
