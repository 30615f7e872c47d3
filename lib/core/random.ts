// Seeded randomness. Every random choice in a simulation comes from an Rng
// derived from the run's seed; components get their own forked stream
// (by name), so adding a node never shifts the numbers another node sees.
import seedrandom from 'seedrandom';
import { z } from 'zod';
import { parseConfig } from './config';

export type Seed = number | string;
export const SeedSchema = z.union([z.number().int(), z.string().min(1)]);

export interface Rng {
  /** The seed and fork path this stream was made from, e.g. `42/node:server`. */
  readonly name: string;
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [min, max). */
  uniform(min: number, max: number): number;
  /** Integer uniform in [min, max] (both inclusive). */
  int(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** A standard normal deviate (Box–Muller). */
  gaussian(): number;
  /** An independent stream named `label`, derived from this one's name only. */
  fork(label: string): Rng;
}

export function createRng(seed: Seed, label?: string): Rng {
  const valid = parseConfig(SeedSchema, seed, 'seed');
  return makeRng(label === undefined ? String(valid) : `${valid}/${label}`);
}

function makeRng(name: string): Rng {
  // alea: fast, small state, good statistical quality; seeded by the full name.
  const prng = seedrandom.alea(name);
  let spare: number | null = null;
  const rng: Rng = {
    name,
    next: () => prng.double(),
    uniform: (min, max) => {
      if (!Number.isFinite(min) || !Number.isFinite(max) || max < min) throw new Error(`${name}: uniform(min, max) needs finite min ≤ max, got uniform(${min}, ${max})`);
      return min + (max - min) * prng.double();
    },
    int: (min, max) => {
      if (!Number.isInteger(min) || !Number.isInteger(max) || max < min) {
        throw new Error(`${name}: int(min, max) needs integers with min ≤ max, got int(${min}, ${max})`);
      }
      return min + Math.floor(prng.double() * (max - min + 1));
    },
    chance: (p) => {
      if (!(p >= 0 && p <= 1)) throw new Error(`${name}: chance(p) needs a probability in [0, 1], got ${p}`);
      return p > 0 && prng.double() < p;
    },
    pick: (items) => {
      if (items.length === 0) throw new Error('pick: empty array');
      return items[Math.floor(prng.double() * items.length)] as (typeof items)[number];
    },
    gaussian: () => {
      if (spare !== null) {
        const s = spare;
        spare = null;
        return s;
      }
      let u = 0;
      while (u === 0) u = prng.double(); // log(0) would be -Infinity
      const v = prng.double();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    fork: (label) => makeRng(`${name}/${label}`),
  };
  return rng;
}

// ---------------------------------------------------------------------------
// Distributions, as data: a latency or a service time is a config value.

const positive = () => z.number().gt(0);
const nonNeg = () => z.number().min(0);

export const DistributionSchema = z.union([
  // A bare number means "always this value".
  nonNeg().transform((value) => ({ kind: 'constant' as const, value })),
  z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('constant'), value: nonNeg() }).strict(),
    z
      .object({ kind: z.literal('uniform'), min: nonNeg(), max: nonNeg() })
      .strict()
      .refine((d) => d.max >= d.min, { message: 'max must be ≥ min', path: ['max'] }),
    z.object({ kind: z.literal('exponential'), mean: positive() }).strict(),
    // Normal deviates below `min` (default 0) are clamped: a delay is never negative.
    z.object({ kind: z.literal('normal'), mean: z.number(), sd: nonNeg(), min: z.number().optional() }).strict(),
    // Log-normal by its median and the sd of log(x): a typical network latency shape.
    z.object({ kind: z.literal('lognormal'), median: positive(), sigma: nonNeg() }).strict(),
    // Pareto (heavy tail): P(X > x) = (scale / x)^shape for x ≥ scale.
    z.object({ kind: z.literal('pareto'), scale: positive(), shape: positive() }).strict(),
  ]),
]);

export type DistributionInput = z.input<typeof DistributionSchema>;
export type Distribution = z.output<typeof DistributionSchema>;

export function distribution(input: DistributionInput, what = 'distribution'): Distribution {
  return parseConfig(DistributionSchema, input, what);
}

/** Draw one value. The distribution must already be parsed. */
export function sample(d: Distribution, rng: Rng): number {
  switch (d.kind) {
    case 'constant':
      return d.value;
    case 'uniform':
      return rng.uniform(d.min, d.max);
    case 'exponential':
      return exponential(rng, d.mean);
    case 'normal':
      return Math.max(d.min ?? 0, d.mean + d.sd * rng.gaussian());
    case 'lognormal':
      return d.median * Math.exp(d.sigma * rng.gaussian());
    case 'pareto':
      return d.scale / Math.pow(1 - rng.next(), 1 / d.shape);
  }
}

/** The distribution's mean (Infinity for a Pareto with shape ≤ 1). */
export function meanOf(d: Distribution): number {
  switch (d.kind) {
    case 'constant':
      return d.value;
    case 'uniform':
      return (d.min + d.max) / 2;
    case 'exponential':
      return d.mean;
    case 'normal':
      return d.mean; // ignores clamping; fine when mean ≫ sd
    case 'lognormal':
      return d.median * Math.exp((d.sigma * d.sigma) / 2);
    case 'pareto':
      return d.shape <= 1 ? Infinity : (d.shape * d.scale) / (d.shape - 1);
  }
}

export function describe(d: Distribution): string {
  switch (d.kind) {
    case 'constant':
      return `${d.value}`;
    case 'uniform':
      return `uniform(${d.min}, ${d.max})`;
    case 'exponential':
      return `exponential(mean ${d.mean})`;
    case 'normal':
      return `normal(${d.mean}, sd ${d.sd})`;
    case 'lognormal':
      return `lognormal(median ${d.median}, σ ${d.sigma})`;
    case 'pareto':
      return `pareto(scale ${d.scale}, shape ${d.shape})`;
  }
}

// ---------------------------------------------------------------------------
// Draws the lessons share, so each has one definition on the seeded stream.

/** An exponential draw with this mean: the gap between events of a Poisson process of rate 1 / mean. */
export function exponential(rng: Rng, mean: number): number {
  return -mean * Math.log(1 - rng.next()); // 1 - next() is in (0, 1]: never log(0)
}

/** A uniformly random permutation of `items` (Fisher–Yates); the input is left as it was. */
export function shuffle<T>(rng: Rng, items: readonly T[]): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}
