// Synchronous vs asynchronous networks. A telephone-style circuit reserves a
// fixed slice of the link for each call: delay is fixed and bounded, but a
// bursty source leaves its slice idle between bursts, and a call that finds
// no free slice is refused. A packet-switched link lets every source share
// the whole link: idle capacity is used, but bursts that coincide queue up,
// and the queueing delay has no bound.
import { z } from 'zod';
import { parseConfig } from '../core/config';
import { createRng, exponential, SeedSchema } from '../core/random';

export const LinkShareSchema = z
  .object({
    seed: SeedSchema,
    /** Link capacity in packets per ms. */
    capacity: z.number().gt(0).default(10),
    /** Bursty sources wanting to use the link. */
    sources: z.number().int().min(1).max(1000),
    /** Packets per ms a source sends while it is bursting. */
    peakRate: z.number().gt(0).default(2),
    /** Mean ms of a burst, and of the silence between bursts (both exponential). */
    onMs: z.number().gt(0).default(20),
    offMs: z.number().gt(0).default(80),
    durationMs: z.number().gt(0).max(600_000).default(30_000),
  })
  .strict()
  .refine((c) => c.peakRate <= c.capacity, { message: 'peakRate must be ≤ capacity', path: ['peakRate'] });
export type LinkShareConfig = z.input<typeof LinkShareSchema>;

export type LinkShareResult = {
  mode: 'circuit' | 'packet';
  /** Sources that got onto the link (a circuit refuses calls beyond its slots). */
  admitted: number;
  /** Fraction of link capacity that carried packets. */
  utilization: number;
  /** Per-packet delay through the link, ms (serialization plus queueing). */
  delays: number[];
};

/** Packet send times of one on/off source, on its own stream. */
function burstyArrivals(cfg: z.output<typeof LinkShareSchema>, source: number): number[] {
  const rng = createRng(cfg.seed, `source:${source}`);
  const out: number[] = [];
  let t = exponential(rng, cfg.offMs);
  while (t < cfg.durationMs) {
    const end = Math.min(t + exponential(rng, cfg.onMs), cfg.durationMs);
    for (let at = t; at < end; at += 1 / cfg.peakRate) out.push(at);
    t = end + exponential(rng, cfg.offMs);
  }
  return out;
}

/**
 * Circuit switching: each admitted source owns `peakRate` of the link, so its
 * packets never wait; sources beyond capacity / peakRate get a busy signal.
 */
export function circuitLink(config: LinkShareConfig): LinkShareResult {
  const cfg = parseConfig(LinkShareSchema, config, 'link config', 'circuitLink');
  const admitted = Math.min(cfg.sources, Math.floor(cfg.capacity / cfg.peakRate));
  const delays: number[] = [];
  for (let s = 0; s < admitted; s++) for (const _ of burstyArrivals(cfg, s)) delays.push(1 / cfg.peakRate);
  return { mode: 'circuit', admitted, utilization: delays.length / (cfg.capacity * cfg.durationMs), delays };
}

/** Packet switching: one FIFO queue drained at `capacity`; every source is admitted. */
export function packetLink(config: LinkShareConfig): LinkShareResult {
  const cfg = parseConfig(LinkShareSchema, config, 'link config', 'packetLink');
  const arrivals: number[] = [];
  for (let s = 0; s < cfg.sources; s++) for (const t of burstyArrivals(cfg, s)) arrivals.push(t);
  arrivals.sort((a, b) => a - b);
  const service = 1 / cfg.capacity;
  const delays: number[] = [];
  let free = 0; // when the link finishes the packet ahead
  for (const t of arrivals) {
    const done = Math.max(t, free) + service;
    delays.push(done - t);
    free = done;
  }
  return { mode: 'packet', admitted: cfg.sources, utilization: arrivals.length / (cfg.capacity * cfg.durationMs), delays };
}
