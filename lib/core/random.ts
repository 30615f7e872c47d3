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
  return new Alea(name, seededState(name), 0);
}

type AleaState = { s0: number; s1: number; s2: number; c: number };

// A stream's state: alea's s0, s1, s2 and c, then the spare Gaussian deviate (NaN: none).
const STRIDE = 5;

/** The state of the stream named `name`: alea seeded by the full name (seedrandom's own seeding, so the numbers are seedrandom's, draw for draw). */
function seededState(name: string): number[] {
  const { s0, s1, s2, c } = seedrandom.alea(name, { state: true }).state() as AleaState;
  return [s0, s1, s2, c, NaN]; // a literal: exactly STRIDE doubles
}

/** The name of the stream forked from `parent` as `label`: its seed, so forks by the same path draw alike. */
const forkName = (parent: string, label: string): string => `${parent}/${label}`;

/**
 * seedrandom's alea generator with its methods on the prototype. Its state
 * is five numbers in an array of doubles (stored unboxed) at offset `o`: its
 * own array for a stream on its own, or a row of an RngTable, whose one view
 * moves from row to row. (Numbers in object fields would each be a separate
 * boxed number; a Float64Array costs two objects more.)
 */
class Alea implements Rng {
  name: string;
  s: number[];
  o: number;
  constructor(name: string, s: number[], o: number) {
    this.name = name;
    this.s = s;
    this.o = o;
  }
  private step(): number {
    const s = this.s;
    const o = this.o;
    const t = 2091639 * s[o]! + s[o + 3]! * 2.3283064365386963e-10; // 2^-32
    s[o] = s[o + 1]!;
    s[o + 1] = s[o + 2]!;
    const c = t | 0;
    s[o + 3] = c;
    return (s[o + 2] = t - c);
  }
  next(): number {
    const hi = this.step();
    return hi + ((this.step() * 0x200000) | 0) * 1.1102230246251565e-16; // 2^-53
  }
  uniform(min: number, max: number): number {
    if (!Number.isFinite(min) || !Number.isFinite(max) || max < min) throw new Error(`${this.name}: uniform(min, max) needs finite min ≤ max, got uniform(${min}, ${max})`);
    return min + (max - min) * this.next();
  }
  int(min: number, max: number): number {
    if (!Number.isInteger(min) || !Number.isInteger(max) || max < min) {
      throw new Error(`${this.name}: int(min, max) needs integers with min ≤ max, got int(${min}, ${max})`);
    }
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    if (!(p >= 0 && p <= 1)) throw new Error(`${this.name}: chance(p) needs a probability in [0, 1], got ${p}`);
    return p > 0 && this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick: empty array');
    return items[Math.floor(this.next() * items.length)] as T;
  }
  gaussian(): number {
    const spare = this.s[this.o + 4]!;
    if (!Number.isNaN(spare)) {
      this.s[this.o + 4] = NaN; // used up
      return spare;
    }
    let u = 0;
    while (u === 0) u = this.next(); // log(0) would be -Infinity
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.s[this.o + 4] = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
  fork(label: string): Rng {
    return makeRng(forkName(this.name, label));
  }
}

/**
 * Many streams in one array, for the network's one stream per link: ten
 * thousand links cost one array of doubles, not ten thousand objects, and a
 * draw touches one row. `stream(i)` points the table's single Rng at row i, so
 * draw from it at once: the next `stream` call moves it.
 */
export class RngTable {
  private readonly state: number[] = [];
  private readonly names: string[] = [];
  private readonly view = new Alea('', this.state, 0);

  get size(): number {
    return this.names.length;
  }

  /** Add a stream seeded by `parent`'s name and `label`, as `parent.fork(label)` would be; returns its row. */
  add(parent: Rng, label: string): number {
    const i = this.names.length;
    const name = forkName(parent.name, label);
    for (const x of seededState(name)) this.state.push(x); // appended: the array has no holes and holds only doubles (unboxed)
    this.names.push(name);
    return i;
  }

  stream(i: number): Rng {
    const v = this.view;
    v.o = STRIDE * i;
    v.name = this.names[i]!;
    return v;
  }
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
