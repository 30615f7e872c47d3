// Congestion control: senders sharing one bottleneck port. An AIMD sender
// (TCP Reno in miniature) keeps at most `cwnd` packets in flight, grows the
// window by one packet per round trip while all goes well (after a slow
// start that doubles it), and halves it when it learns of a loss. A
// fixed-window sender never backs off. Every packet is new data: the data of
// a lost packet simply goes out again in a later one, so what counts is
// packets delivered.
import { z } from 'zod';
import { ExperimentSchema, simFromConfig } from './experiment';
import { parseConfig } from '../core/config';
import { createPort } from './queue';
import { DistributionSchema, sample } from '../core/random';

export const SenderSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('aimd'),
      name: z.string().min(1),
      /** When it starts sending (ms). */
      start: z.number().min(0).default(0),
    })
    .strict(),
  z
    .object({
      kind: z.literal('fixed-window'),
      name: z.string().min(1),
      /** Packets it keeps in flight whatever happens. */
      window: z.number().int().min(1),
      start: z.number().min(0).default(0),
    })
    .strict(),
]);
export type SenderInput = z.input<typeof SenderSchema>;

export const BottleneckExperimentSchema = ExperimentSchema
  .extend({
    senders: z
      .array(SenderSchema)
      .min(1)
      .refine((s) => new Set(s.map((x) => x.name)).size === s.length, { message: 'sender names must be unique' }),
    /** The bottleneck link: packets per ms (1 packet/ms: 1500-byte packets at 12 Mbit/s). */
    rate: z.number().gt(0).default(1),
    // One bandwidth-delay product of buffer (rate × rtt = 20 packets): the classic rule of thumb.
    capacity: z.number().int().min(1).default(20),
    /** Round-trip propagation delay without any queueing (ms). */
    rtt: z.number().gt(0).default(20),
    // A little randomness on the way back, so the senders' packets do not interleave in lock-step.
    jitter: DistributionSchema.default({ kind: 'uniform', min: 0, max: 1 }),
    duration: z.number().gt(0).max(1_000_000).default(5000),
    /** Throughput and fairness are measured after this time, once slow start is over (ms). */
    measureFrom: z.number().min(0).default(1000),
    /** Windows and the queue length are sampled this often (ms). */
    sampleEvery: z.number().gt(0).default(5),
  })
  .strict()
  .refine((c) => c.measureFrom < c.duration, { message: 'measureFrom must be before duration', path: ['measureFrom'] });
export type BottleneckExperimentConfig = z.input<typeof BottleneckExperimentSchema>;

export type SenderResult = {
  name: string;
  kind: 'aimd' | 'fixed-window';
  /** Sample times (ms) and the window (packets) at each. */
  times: number[];
  windows: number[];
  /** Packets delivered / dropped in the measured interval. */
  delivered: number;
  lost: number;
  /** Packets per ms in the measured interval. */
  throughput: number;
  /** Fraction of the bottleneck's rate. */
  share: number;
  /** Window halvings in the measured interval. */
  backoffs: number;
};

export type BottleneckRun = {
  senders: SenderResult[];
  /** Sample times (ms) and the bottleneck queue length (packets) at each. */
  times: number[];
  queue: number[];
  /** Delivered / capacity of the link, in the measured interval. */
  utilization: number;
  /** Fraction of packets sent into the bottleneck that it dropped, in the measured interval. */
  dropRate: number;
  /** Jain's fairness index of the senders' throughputs. */
  fairness: number;
  /** Mean bottleneck queue length in the measured interval (packets); divide by the rate for the mean wait. */
  meanQueue: number;
};

/**
 * Jain's fairness index: (Σx)² / (n · Σx²). 1 when all get the same, 1/n
 * when one gets everything. Defined as 1 for all-zero throughputs (equal).
 */
export function jainIndex(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('jainIndex of no senders is undefined');
  if (xs.some((x) => !(x >= 0) || !Number.isFinite(x))) throw new Error(`jainIndex needs finite values ≥ 0, got ${xs.join(', ')}`);
  // In units of the largest share: squares of tiny shares (1e-164) would underflow to 0.
  const max = Math.max(...xs);
  if (max === 0) return 1;
  let sum = 0;
  let squares = 0;
  for (const x of xs) (sum += x / max), (squares += (x / max) * (x / max));
  return (sum * sum) / (xs.length * squares);
}

type Packet = { sender: number; seq: number };

type SenderState = {
  cwnd: number;
  ssthresh: number;
  inFlight: number;
  nextSeq: number;
  /** Losses of packets sent before the last halving are the same congestion event: one halving per window. */
  recover: number;
  delivered: number;
  lost: number;
  backoffs: number;
  times: number[];
  windows: number[];
};

export function runBottleneck(input: BottleneckExperimentConfig): BottleneckRun {
  const cfg = parseConfig(BottleneckExperimentSchema, input, 'bottleneck experiment', 'experiment');
  const sim = simFromConfig(cfg, { trace: false });
  const jitter = cfg.jitter;
  const jitterRng = sim.rng.fork('jitter');
  const measuring = () => sim.now >= cfg.measureFrom;
  let offered = 0;
  let dropped = 0;

  const states: SenderState[] = cfg.senders.map((s) => ({
    cwnd: s.kind === 'aimd' ? 1 : s.window,
    ssthresh: Infinity,
    inFlight: 0,
    nextSeq: 0,
    recover: -1,
    delivered: 0,
    lost: 0,
    backoffs: 0,
    times: [],
    windows: [],
  }));

  const port = createPort<Packet>(
    sim,
    { capacity: cfg.capacity, rate: cfg.rate },
    // Sent: the ACK is back one propagation round trip (plus jitter) after the packet left the bottleneck.
    (p) => sim.after(cfg.rtt + sample(jitter, jitterRng), () => onAck(p)),
    // Dropped: the sender finds out from duplicate ACKs about when this packet's ACK would have come.
    (p) => {
      if (measuring()) dropped++;
      const behind = port.backlog / cfg.rate;
      sim.after(behind + cfg.rtt + sample(jitter, jitterRng), () => onLoss(p));
    },
  );

  const trySend = (i: number): void => {
    const s = states[i]!;
    while (s.inFlight < Math.floor(s.cwnd)) {
      s.inFlight++;
      if (measuring()) offered++;
      port.send({ sender: i, seq: s.nextSeq++ }, 1);
    }
  };

  const onAck = (p: Packet): void => {
    const s = states[p.sender]!;
    s.inFlight--;
    if (measuring()) s.delivered++;
    if (cfg.senders[p.sender]!.kind === 'aimd') {
      // Slow start: +1 per ACK doubles the window each round trip. Then +1/cwnd per ACK: +1 per round trip.
      s.cwnd += s.cwnd < s.ssthresh ? 1 : 1 / s.cwnd;
    }
    trySend(p.sender);
  };

  const onLoss = (p: Packet): void => {
    const s = states[p.sender]!;
    s.inFlight--;
    if (measuring()) s.lost++;
    if (cfg.senders[p.sender]!.kind === 'aimd' && p.seq > s.recover) {
      s.ssthresh = Math.max(1, s.cwnd / 2);
      s.cwnd = s.ssthresh;
      s.recover = s.nextSeq - 1;
      if (measuring()) s.backoffs++;
    }
    trySend(p.sender);
  };

  cfg.senders.forEach((s, i) => sim.at(s.start, () => trySend(i)));

  const times: number[] = [];
  const queue: number[] = [];
  const tick = (): void => {
    times.push(sim.now);
    queue.push(port.length);
    states.forEach((s, i) => {
      s.times.push(sim.now);
      s.windows.push(sim.now < cfg.senders[i]!.start ? 0 : s.cwnd);
    });
    if (sim.now + cfg.sampleEvery <= cfg.duration) sim.after(cfg.sampleEvery, tick);
  };
  sim.at(0, tick);
  sim.run({ until: cfg.duration });

  const interval = cfg.duration - cfg.measureFrom;
  const senders: SenderResult[] = cfg.senders.map((c, i) => {
    const s = states[i]!;
    const throughput = s.delivered / interval;
    return {
      name: c.name,
      kind: c.kind,
      times: s.times,
      windows: s.windows,
      delivered: s.delivered,
      lost: s.lost,
      throughput,
      share: throughput / cfg.rate,
      backoffs: s.backoffs,
    };
  });
  const total = senders.reduce((a, s) => a + s.delivered, 0);
  const measured = queue.filter((_, i) => times[i]! >= cfg.measureFrom);
  return {
    senders,
    times,
    queue,
    utilization: total / (cfg.rate * interval),
    dropRate: offered === 0 ? 0 : dropped / offered,
    fairness: jainIndex(senders.map((s) => s.throughput)),
    meanQueue: measured.length ? measured.reduce((a, n) => a + n, 0) / measured.length : 0,
  };
}
