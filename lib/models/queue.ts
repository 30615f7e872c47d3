// A switch port: a bounded FIFO buffer in front of a link of fixed rate. A
// packet that finds the buffer full is dropped (drop-tail); every other packet
// waits for the packets ahead of it, then takes size / rate ms on the wire.
// Built on the simulator's event API, so queues can be chained into a path
// and shared by senders. Also: the M/M/1 formulas the measurements are
// compared with, and two experiments (one port; a path of ports).
import { z } from 'zod';
import { ExperimentSchema, simFromConfig } from './experiment';
import { parseConfig } from '../core/config';
import type { Sim } from '../core/sim';
import { DistributionSchema, exponential, meanOf, sample, type Distribution, type Rng } from '../core/random';
import { mean, percentile, percentiles } from '../core/stats';

/** What a port needs from the simulation: the time, and a way to act later. */
export type Clock = Pick<Sim, 'now' | 'after'>;

/** When one packet went through a port, in ms of virtual time. */
export type PortTiming = {
  arrived: number;
  /** Its first bit went on the wire: `start - arrived` is the time it spent queued. */
  start: number;
  /** Its last bit left: `departed - start` is its transmission time. */
  departed: number;
};

export const PortConfigSchema = z
  .object({
    /** Packets the port holds, counting the one on the wire: the K of M/M/1/K. */
    capacity: z.number().int().min(1),
    /** Link rate in bytes per ms (1500 bytes/ms is 12 Mbit/s). */
    rate: z.number().gt(0),
  })
  .strict();
export type PortConfig = z.input<typeof PortConfigSchema>;

export interface Port<T> {
  /** Offer a packet of `size` bytes now. False: the buffer was full and it was dropped. */
  send(packet: T, size: number): boolean;
  /** Packets in the port now, including the one on the wire. */
  readonly length: number;
  /** Bytes still to transmit before a packet arriving now would start. */
  readonly backlog: number;
  readonly sent: number;
  readonly dropped: number;
}

type Entry<T> = { packet: T; size: number; arrived: number };

/**
 * A drop-tail port on `clock`. `onDepart` runs when a packet's last bit has
 * left; `onDrop` when a packet is refused.
 */
export function createPort<T>(
  clock: Clock,
  config: PortConfig,
  onDepart: (packet: T, timing: PortTiming) => void,
  onDrop: (packet: T) => void = () => {},
): Port<T> {
  const { capacity, rate } = parseConfig(PortConfigSchema, config, 'port config', 'port');
  const buffer: Array<Entry<T>> = [];
  let head = 0; // index of the packet on the wire; the array is compacted now and then
  let bytes = 0; // bytes of packets waiting or on the wire
  let started = 0; // when the packet on the wire started
  let sent = 0;
  let dropped = 0;

  // One packet is on the wire at a time, at buffer[head]: one function serves every departure.
  const depart = (): void => {
    const e = buffer[head]!;
    const start = started;
    head++;
    bytes -= e.size;
    sent++;
    if (head < buffer.length) transmit(); // the next packet starts the moment this one ends
    if (head > 1024 && head * 2 > buffer.length) buffer.splice(0, head), (head = 0);
    onDepart(e.packet, { arrived: e.arrived, start, departed: clock.now });
  };
  const transmit = (): void => {
    started = clock.now;
    clock.after(buffer[head]!.size / rate, depart);
  };

  return {
    send(packet, size) {
      if (!(size > 0 && Number.isFinite(size))) throw new Error(`packet size must be a positive number of bytes, got ${size}`);
      if (buffer.length - head >= capacity) {
        dropped++;
        onDrop(packet);
        return false;
      }
      buffer.push({ packet, size, arrived: clock.now });
      bytes += size;
      if (buffer.length - head === 1) transmit();
      return true;
    },
    get length() {
      return buffer.length - head;
    },
    get backlog() {
      if (buffer.length === head) return 0;
      const onWire = buffer[head]!.size;
      const doneOfHead = Math.min(onWire, (clock.now - started) * rate);
      return bytes - doneOfHead;
    },
    get sent() {
      return sent;
    },
    get dropped() {
      return dropped;
    },
  };
}

// ---------------------------------------------------------------------------
// Queueing theory for comparison: Poisson arrivals (rate λ), exponential
// service (rate μ), one server. Times in ms, rates per ms.

export type MM1 = {
  utilization: number;
  /** Mean time in system (waiting + service): 1 / (μ − λ). */
  meanTimeInSystem: number;
  /** Mean time waiting before service: ρ / (μ − λ). */
  meanWait: number;
  /** The time in system is exponential with rate μ − λ, so its p-th percentile is −ln(1 − p) / (μ − λ). */
  p99TimeInSystem: number;
};

/** The M/M/1 queue with an infinite buffer. At ρ ≥ 1 the queue grows without bound: the times are Infinity. */
export function mm1(arrivalRate: number, serviceRate: number): MM1 {
  if (!(arrivalRate >= 0 && serviceRate > 0)) throw new Error(`mm1: need arrivalRate ≥ 0 and serviceRate > 0, got ${arrivalRate}, ${serviceRate}`);
  const rho = arrivalRate / serviceRate;
  const gap = serviceRate - arrivalRate;
  if (gap <= 0) return { utilization: rho, meanTimeInSystem: Infinity, meanWait: Infinity, p99TimeInSystem: Infinity };
  return { utilization: rho, meanTimeInSystem: 1 / gap, meanWait: rho / gap, p99TimeInSystem: Math.log(100) / gap };
}

/** M/M/1/K: the probability that an arrival finds all K places taken and is dropped. */
export function mm1kDropProbability(utilization: number, capacity: number): number {
  if (!(utilization >= 0) || !Number.isInteger(capacity) || capacity < 1) {
    throw new Error(`mm1kDropProbability: need utilization ≥ 0 and an integer capacity ≥ 1, got ${utilization}, ${capacity}`);
  }
  const rho = utilization;
  if (Math.abs(rho - 1) < 1e-12) return 1 / (capacity + 1);
  // (1 − ρ) ρ^K / (1 − ρ^(K+1)), written to stay finite for large ρ^K.
  if (rho > 1) {
    const r = 1 / rho;
    return (1 - r) / (1 - Math.pow(r, capacity + 1));
  }
  return ((1 - rho) * Math.pow(rho, capacity)) / (1 - Math.pow(rho, capacity + 1));
}

// ---------------------------------------------------------------------------
// Experiment 1: one port, Poisson arrivals.

// Exponential packet sizes on a fixed-rate link give exponential transmission
// times: the M/M/1 of the formula. 1500 bytes on 1500 bytes/ms: 1 ms mean.
const DEFAULT_SIZE = { kind: 'exponential' as const, mean: 1500 };
const DEFAULT_RATE = 1500;

export const QueueExperimentSchema = ExperimentSchema
  .extend({
    /** Offered load λ/μ: the fraction of the link's capacity the arrivals ask for (above 1 is overload). */
    utilization: z.number().gt(0).max(100),
    /** Packets that arrive (dropped or not). */
    packets: z.number().int().min(1).max(5_000_000),
    // Deep enough that below ρ = 1 almost nothing is dropped, like a switch with big buffers.
    capacity: z.number().int().min(1).default(100_000),
    rate: z.number().gt(0).default(DEFAULT_RATE),
    packetSize: DistributionSchema.default(DEFAULT_SIZE),
    // The queue starts empty; the first packets would make it look better than it is in the long run.
    warmup: z.number().min(0).max(0.9).default(0.1),
  })
  .strict();
export type QueueExperimentConfig = z.input<typeof QueueExperimentSchema>;

export type QueueRun = {
  utilization: number;
  /** λ and μ in packets per ms. */
  arrivalRate: number;
  serviceRate: number;
  offered: number;
  sent: number;
  dropped: number;
  dropRate: number;
  /** Per sent packet after the warm-up, in arrival order: time in system (ms). */
  latencies: number[];
  /** Per sent packet after the warm-up: time queued before transmission (ms). */
  waits: number[];
  meanLatency: number;
  p50: number;
  p99: number;
  meanWait: number;
  meanTransmission: number;
};

export function runQueue(input: QueueExperimentConfig): QueueRun {
  const cfg = parseConfig(QueueExperimentSchema, input, 'queue experiment', 'experiment');
  const size = cfg.packetSize;
  const meanSize = meanOf(size);
  if (!(meanSize > 0 && Number.isFinite(meanSize))) throw new Error(`queue experiment: packetSize needs a finite mean > 0, got ${meanSize}`);
  const serviceRate = cfg.rate / meanSize;
  const arrivalRate = cfg.utilization * serviceRate;
  const sim = simFromConfig(cfg, { trace: false });
  const arrivalsRng = sim.rng.fork('arrivals');
  const sizeRng = sim.rng.fork('sizes');
  const skip = Math.floor(cfg.warmup * cfg.packets);
  const latencies: number[] = [];
  const waits: number[] = [];
  let offered = 0;
  const port = createPort<number>(sim, { capacity: cfg.capacity, rate: cfg.rate }, (n, t) => {
    if (n < skip) return;
    latencies.push(t.departed - t.arrived);
    waits.push(t.start - t.arrived);
  });
  const arrive = (): void => {
    port.send(offered++, positiveSize(size, sizeRng));
    if (offered < cfg.packets) sim.after(exponential(arrivalsRng, 1 / arrivalRate), arrive);
  };
  sim.at(0, arrive);
  sim.run();
  return summarize(cfg.utilization, arrivalRate, serviceRate, offered, port.sent, port.dropped, latencies, waits);
}

function summarize(utilization: number, arrivalRate: number, serviceRate: number, offered: number, sent: number, dropped: number, latencies: number[], waits: number[]): QueueRun {
  const some = latencies.length > 0;
  const [p50, p99] = some ? percentiles(latencies, [50, 99]) : [0, 0]; // one pass over the series for both
  const meanLatency = some ? mean(latencies) : 0;
  const meanWait = some ? mean(waits) : 0;
  return {
    utilization,
    arrivalRate,
    serviceRate,
    offered,
    sent,
    dropped,
    dropRate: offered === 0 ? 0 : dropped / offered,
    latencies,
    waits,
    meanLatency,
    p50: p50!,
    p99: p99!,
    meanWait,
    meanTransmission: meanLatency - meanWait,
  };
}


/** A packet has at least one byte (an exponential can draw values near 0). */
function positiveSize(d: Distribution, rng: Rng): number {
  return Math.max(1, sample(d, rng));
}

// ---------------------------------------------------------------------------
// Experiment 2: a path of ports in series. Our flow's packets go through every
// stage; each stage may also carry other traffic that joins there and leaves
// after it (other hosts' packets at a switch, other requests at a server).

export const StageSchema = z
  .object({
    name: z.string().min(1),
    /** Bytes per ms this stage moves (a link's rate, or an application's processing speed). */
    rate: z.number().gt(0),
    /** Other packets per ms that share this stage only (same size distribution as ours). */
    crossTraffic: z.number().min(0).default(0),
    // Deep by default: this experiment is about delay, not loss.
    capacity: z.number().int().min(1).default(100_000),
  })
  .strict();

export const PathExperimentSchema = ExperimentSchema
  .extend({
    /** Our flow: packets per ms, Poisson. */
    flowRate: z.number().gt(0),
    /** Packets of our flow sent. */
    packets: z.number().int().min(1).max(1_000_000),
    stages: z.array(StageSchema).min(1),
    /** Propagation delay (ms) on the wire between consecutive stages: light in fibre takes ~5 µs per km. */
    propagation: z.number().min(0).default(0.5),
    packetSize: DistributionSchema.default(DEFAULT_SIZE),
    warmup: z.number().min(0).max(0.9).default(0.1),
  })
  .strict();
export type PathExperimentConfig = z.input<typeof PathExperimentSchema>;

export type StageResult = {
  name: string;
  /** Utilization of the stage by all its traffic (ours + cross), offered. */
  utilization: number;
  /** Mean time our packets queued at this stage (ms). */
  meanWait: number;
  /** Mean transmission/processing time of our packets at this stage (ms). */
  meanTransmission: number;
  /** Of our packets that reached this stage, the fraction it dropped. */
  dropRate: number;
};

export type PathRun = {
  stages: StageResult[];
  /** Total propagation on the path (ms): the only part that does not depend on load. */
  propagation: number;
  /** End-to-end latency of each of our delivered packets after the warm-up (ms). */
  latencies: number[];
  delivered: number;
  meanLatency: number;
  p99: number;
};

type PathPacket = { n: number; ours: boolean; size: number; waits: number[]; sends: number[] };

export function runPath(input: PathExperimentConfig): PathRun {
  const cfg = parseConfig(PathExperimentSchema, input, 'path experiment', 'experiment');
  const size = cfg.packetSize;
  const meanSize = meanOf(size);
  if (!(meanSize > 0 && Number.isFinite(meanSize))) throw new Error(`path experiment: packetSize needs a finite mean > 0, got ${meanSize}`);
  const sim = simFromConfig(cfg, { trace: false });
  const sizeRng = sim.rng.fork('sizes');
  const skip = Math.floor(cfg.warmup * cfg.packets);
  const k = cfg.stages.length;
  const waitSum = new Array<number>(k).fill(0);
  const txSum = new Array<number>(k).fill(0);
  const reached = new Array<number>(k).fill(0);
  const drops = new Array<number>(k).fill(0);
  const latencies: number[] = [];
  let ourSent = 0;
  let finished = 0; // our packets delivered or dropped: cross traffic stops when all are
  const firstSent = new Map<number, number>();

  const ports = cfg.stages.map((stage, i) =>
    createPort<PathPacket>(
      sim,
      { capacity: stage.capacity, rate: stage.rate },
      (p, t) => {
        if (!p.ours) return;
        p.waits[i] = t.start - t.arrived;
        p.sends[i] = t.departed - t.start;
        if (i + 1 < k) {
          sim.after(cfg.propagation, () => enter(i + 1, p));
          return;
        }
        finished++;
        if (p.n < skip) return;
        for (let j = 0; j < k; j++) (waitSum[j] += p.waits[j]!), (txSum[j] += p.sends[j]!);
        latencies.push(t.departed - firstSent.get(p.n)!);
        firstSent.delete(p.n);
      },
      (p) => {
        if (!p.ours) return;
        finished++;
        firstSent.delete(p.n);
        if (p.n >= skip) drops[i]!++;
      },
    ),
  );
  const enter = (i: number, p: PathPacket): void => {
    if (p.ours && p.n >= skip) reached[i]!++;
    ports[i]!.send(p, p.size);
  };

  // Our flow is born at stage 0 (the sender's own queue).
  const flowRng = sim.rng.fork('flow');
  const sendOurs = (): void => {
    const n = ourSent++;
    firstSent.set(n, sim.now);
    enter(0, { n, ours: true, size: positiveSize(size, sizeRng), waits: [], sends: [] });
    if (ourSent < cfg.packets) sim.after(exponential(flowRng, 1 / cfg.flowRate), sendOurs);
  };
  sim.at(0, sendOurs);
  cfg.stages.forEach((stage, i) => {
    if (stage.crossTraffic === 0) return;
    const rng = sim.rng.fork(`cross:${i}`);
    // Cross packets are only counted by the port (their size goes with `send`): one object serves them all.
    const other: PathPacket = { n: -1, ours: false, size: 0, waits: [], sends: [] };
    const cross = (): void => {
      if (finished >= cfg.packets) return; // keep the load on until our last packet is through
      ports[i]!.send(other, positiveSize(size, rng));
      sim.after(exponential(rng, 1 / stage.crossTraffic), cross);
    };
    sim.at(0, cross);
  });
  sim.run();

  const propagation = cfg.propagation * (k - 1);
  const delivered = latencies.length;
  const stages: StageResult[] = cfg.stages.map((s, i) => ({
    name: s.name,
    utilization: ((cfg.flowRate + s.crossTraffic) * meanSize) / s.rate,
    meanWait: delivered ? waitSum[i]! / delivered : 0,
    meanTransmission: delivered ? txSum[i]! / delivered : 0,
    dropRate: reached[i]! ? drops[i]! / reached[i]! : 0,
  }));
  return {
    stages,
    propagation,
    latencies,
    delivered,
    meanLatency: delivered ? mean(latencies) : 0,
    p99: delivered ? percentile(latencies, 99) : 0,
  };
}
