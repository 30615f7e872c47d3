// Watching clocks from outside. The simulation knows true time, which no real
// node does, so it can say exactly how wrong each clock is: offsets sampled
// over a run, and NTP exchanges recorded together with the one-way delays and
// the true offset that the four timestamps are trying to estimate.
import { z } from 'zod';
import { ClockConfigSchema } from '../core/clock';
import { parseConfig } from '../core/config';
import { DistributionSchema } from '../core/random';
import type { Sim } from '../core/sim';
import { ExperimentSchema, simFromConfig } from './experiment';
import type { NtpSample } from './ntp';
import type { NodeId } from '../core/trace';

/** One node's wall clock minus true time, at a true time. */
export type OffsetSample = { time: number; node: NodeId; offset: number };

/**
 * Sample the offset of each of `nodes` every `every` ms of true time, from now
 * until `until`. The array fills in as the simulation runs.
 */
export function watchOffsets(sim: Sim, nodes: readonly NodeId[], every: number, until: number): OffsetSample[] {
  if (!(every > 0)) throw new Error(`watchOffsets: every must be a number > 0, got ${every}`);
  if (!(until >= sim.now)) throw new Error(`watchOffsets: until must be ≥ now (t=${sim.now}), got ${until}`);
  nodes.forEach((n) => sim.clock(n)); // fail fast on an unknown node
  const out: OffsetSample[] = [];
  const steps = Math.floor((until - sim.now) / every);
  const start = sim.now;
  for (let i = 0; i <= steps; i++) {
    sim.at(start + i * every, () => {
      for (const node of nodes) out.push({ time: sim.now, node, offset: sim.clock(node).offset() });
    });
  }
  return out;
}

/** The offsets of one node from a list of samples, as chart series. */
export function offsetSeries(samples: readonly OffsetSample[], node: NodeId): { x: number[]; y: number[] } {
  const mine = samples.filter((s) => s.node === node);
  return { x: mine.map((s) => s.time), y: mine.map((s) => s.offset) };
}

/** An NTP exchange, with what only the simulation knows about it. */
export type Probe = {
  sample: NtpSample;
  /** Server clock minus client clock when the server read its clock (what `ntpOffset` estimates). */
  trueOffset: number;
  /** True one-way delays, client → server and server → client, in ms. */
  there: number;
  back: number;
};

// The two links are the lesson's subject, so they are fields of their own, not a `network`.
export const ProbeConfigSchema = ExperimentSchema.omit({ network: true })
  .extend({
    /** Exchanges to make, one after the other. */
    count: z.number().int().min(1).max(10_000).default(20),
    /** ms between exchanges: long enough that replies never overlap the next request. */
    every: z.number().gt(0).default(1_000),
    /** Latency client → server and server → client; asymmetry is what NTP cannot see. */
    there: DistributionSchema.default({ kind: 'lognormal', median: 2, sigma: 0.3 }),
    back: DistributionSchema.default({ kind: 'lognormal', median: 2, sigma: 0.3 }),
    /** The server's time source is assumed good; the client's clock is the one being measured. */
    server: ClockConfigSchema.default({ offset: 0, drift: 0, monotonicStart: 0 }),
    client: ClockConfigSchema.default({ offset: 250, drift: 0, monotonicStart: 0 }),
    /** ms the server takes between reading t2 and t3 (ntpd: microseconds). */
    processing: z.number().min(0).default(0.05),
  })
  .strict();
export type ProbeConfig = z.input<typeof ProbeConfigSchema>;

type ProbeRequest = { probe: 'request'; n: number; t1: number; sentAt: number };
type ProbeReply = { probe: 'reply'; n: number; t1: number; t2: number; t3: number; sentAt: number; arrivedAt: number; serverOffset: number };

/**
 * A client ('client') probing a time server ('time'): `count` NTP exchanges
 * over links with the given one-way latencies, each returned with its truth.
 * The client does not correct its clock: this measures the measurement.
 */
export function probeNtp(config: ProbeConfig): Probe[] {
  const cfg = parseConfig(ProbeConfigSchema, config, 'NTP probe config', 'probe');
  const links = [
    { from: 'client', to: 'time', latency: cfg.there },
    { from: 'time', to: 'client', latency: cfg.back },
  ];
  const sim = simFromConfig(cfg, { trace: false, network: { links } });
  const probes: Probe[] = [];
  sim.addNode(
    'time',
    (ctx) => ({
      onMessage: (msg) => {
        const req = msg.body as ProbeRequest;
        const t2 = ctx.clock.wall();
        const arrivedAt = ctx.now();
        const serverOffset = ctx.clock.offset();
        ctx.setTimer(cfg.processing, () => {
          const reply: ProbeReply = { probe: 'reply', n: req.n, t1: req.t1, t2, t3: ctx.clock.wall(), sentAt: ctx.now(), arrivedAt, serverOffset };
          ctx.send(msg.from, reply);
        });
      },
    }),
    { clock: cfg.server },
  );
  sim.addNode(
    'client',
    (ctx) => {
      for (let n = 0; n < cfg.count; n++) {
        ctx.setTimer(n * cfg.every, () => {
          const req: ProbeRequest = { probe: 'request', n, t1: ctx.clock.wall(), sentAt: ctx.now() };
          sentAt.set(n, req.sentAt);
          ctx.send('time', req);
        });
      }
      const sentAt = new Map<number, number>();
      return {
        onMessage: (msg) => {
          const r = msg.body as ProbeReply;
          const t4 = ctx.clock.wall();
          // The client's offset when the server read t2: its offset now, less its drift since then.
          const clientOffsetAtT2 = ctx.clock.offset() - (ctx.now() - r.arrivedAt) * (ctx.clock.drift / 1e6);
          probes.push({
            sample: { t1: r.t1, t2: r.t2, t3: r.t3, t4 },
            trueOffset: r.serverOffset - clientOffsetAtT2,
            there: r.arrivedAt - sentAt.get(r.n)!,
            back: ctx.now() - r.sentAt,
          });
        },
      };
    },
    { clock: cfg.client },
  );
  sim.run({ until: cfg.count * cfg.every + 60_000 });
  return probes;
}
