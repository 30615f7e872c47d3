// The Byzantine generals (Lamport, Shostak and Pease, 1982): a commander
// sends an order to n - 1 lieutenants; up to m of the n generals are traitors
// who may say anything to anyone. The oral-messages algorithm OM(m): the
// commander sends its order; each lieutenant relays what it got to the others
// through OM(m - 1); each decides by majority. With n > 3m it guarantees
//   IC1 (agreement): all loyal lieutenants decide the same order;
//   IC2 (validity):  if the commander is loyal, they decide its order.
// Two versions that decide the same: `oralMessages`, the recursion of the
// paper as a pure function, and `byzantineSim`, the same exchange as messages
// on the simulator (for space-time diagrams).
import { z } from 'zod';
import { configFail, parseConfig } from '../core/config';
import { createRng, SeedSchema, type Seed } from '../core/random';
import type { Sim } from '../core/sim';
import { simFromConfig } from './experiment';

export type Order = 'attack' | 'retreat';
export const ORDERS: readonly Order[] = ['attack', 'retreat'];
/** What a lieutenant assumes when no message comes, and what a tie decides: retreating is the safe default. */
export const DEFAULT_ORDER: Order = 'retreat';
/** Generals are named G0 (the commander), G1, ..., G(n-1). */
export type General = string;
export const generalName = (i: number): General => `G${i}`;

export function opposite(o: Order): Order {
  return o === 'attack' ? 'retreat' : 'attack';
}

/** The order most of `values` say (a missing value counts as DEFAULT_ORDER); a tie gives DEFAULT_ORDER. */
export function majorityOrder(values: ReadonlyArray<Order | null>): Order {
  let attack = 0;
  for (const v of values) if (v === 'attack') attack++;
  return attack * 2 > values.length ? 'attack' : 'retreat';
}

// ---------------------------------------------------------------------------
// Traitors.

/** One message a general is about to send, as its strategy sees it. */
export type Outgoing = {
  from: General;
  to: General;
  /** The position of `to` among all generals (G3: 3). */
  toIndex: number;
  /** The relay chain, commander first and `from` last: ['G0', 'G2'] is G2 passing on what G0 told it. */
  path: readonly General[];
  /** What a loyal general in `from`'s place would send. */
  honest: Order;
};

/** A traitor's strategy: what it sends instead (null: nothing at all). */
export type Lie = (m: Outgoing) => Order | null;

/**
 * Traitor strategies by name:
 * - flip: always the opposite of the honest value;
 * - split: two-faced, 'attack' to odd-numbered generals and 'retreat' to even ones, whatever it knows;
 * - random: a coin toss per message (seeded by the run's seed, the path and the recipient);
 * - silent: sends nothing (receivers fall back to the default).
 */
export const STRATEGIES = ['flip', 'split', 'random', 'silent'] as const;
export type StrategyName = (typeof STRATEGIES)[number];

export function strategy(name: StrategyName, seed: Seed = 1): Lie {
  switch (name) {
    case 'flip':
      return (m) => opposite(m.honest);
    case 'split':
      return (m) => (m.toIndex % 2 === 1 ? 'attack' : 'retreat');
    case 'random':
      // Seeded per message, not per call order, so both versions of OM see the same lies.
      return (m) => (createRng(seed, `lie:${m.path.join('>')}>${m.to}`).next() < 0.5 ? 'attack' : 'retreat');
    case 'silent':
      return () => null;
  }
}

// ---------------------------------------------------------------------------
// Configuration.

export const OralMessagesSchema = z
  .object({
    /** n: the commander G0 and n - 1 lieutenants. */
    generals: z.number().int().min(2).max(16),
    /** m: the depth of recursion, the number of traitors OM(m) is built to survive. */
    rounds: z.number().int().min(0).max(4),
    /** The commander's order (a traitor commander does what its strategy says instead). */
    order: z.enum(['attack', 'retreat']),
    /** The traitors and their strategies, e.g. { G2: 'flip' }. */
    traitors: z.record(z.string(), z.enum(STRATEGIES)).default({}),
    // Seeds the 'random' strategy; nothing else in OM is random.
    seed: SeedSchema.default(1),
  })
  .strict()
  .refine((c) => c.generals ** (c.rounds + 1) <= 2_000_000, {
    message: 'too many messages: generals^(rounds+1) must be at most 2,000,000',
    path: ['rounds'],
  });
export type OralMessagesConfig = z.input<typeof OralMessagesSchema>;
type Parsed = z.output<typeof OralMessagesSchema>;

function parse(config: OralMessagesConfig): Parsed & { names: General[]; lies: Map<General, Lie> } {
  const cfg = parseConfig(OralMessagesSchema, config, 'oral messages config', 'config');
  const names = Array.from({ length: cfg.generals }, (_, i) => generalName(i));
  const lies = new Map<General, Lie>();
  for (const [g, s] of Object.entries(cfg.traitors ?? {})) {
    if (!names.includes(g)) configFail('oral messages config', `config.traitors.${g}`, `unknown general '${g}' (generals: ${names.join(', ')})`);
    lies.set(g, strategy(s, cfg.seed));
  }
  return { ...cfg, names, lies };
}

// ---------------------------------------------------------------------------
// OM(m) as a pure recursive function.

/** One oral message. */
export type OralMessage = {
  /** 1: from the commander; k: the value has been passed on k - 1 times. */
  round: number;
  path: General[];
  from: General;
  to: General;
  /** What a loyal sender would have sent. */
  honest: Order;
  /** What `to` got (null: nothing came). */
  sent: Order | null;
  /** True if `from` is a traitor. */
  traitor: boolean;
};

export type AgreementVerdict = {
  /** IC1: all loyal lieutenants decided the same. */
  agreement: boolean;
  /** IC2: the commander is a traitor, or every loyal lieutenant decided its order. */
  validity: boolean;
  ok: boolean;
  /** Sentences saying what went wrong (empty when ok). */
  findings: string[];
};

export type OralMessagesResult = {
  generals: General[];
  commander: General;
  order: Order;
  rounds: number;
  traitors: General[];
  /** Every lieutenant's decision (a traitor's is meaningless). */
  decisions: Record<General, Order>;
  messages: OralMessage[];
  verdict: AgreementVerdict;
};

/** Run OM(rounds) among `generals` generals, G0 commanding. */
export function oralMessages(config: OralMessagesConfig): OralMessagesResult {
  const cfg = parse(config);
  const messages: OralMessage[] = [];
  const indexOf = new Map(cfg.names.map((g, i) => [g, i] as const));

  const send = (path: General[], to: General, honest: Order): Order | null => {
    const from = path[path.length - 1]!;
    const lie = cfg.lies.get(from);
    const sent = lie ? lie({ from, to, toIndex: indexOf.get(to)!, path, honest }) : honest;
    messages.push({ round: path.length, path, from, to, honest, sent, traitor: lie !== undefined });
    return sent;
  };

  /** OM(m) with `path`'s last general commanding `lieutenants` with `value`: what each lieutenant decides. */
  const om = (m: number, path: General[], lieutenants: General[], value: Order): Map<General, Order> => {
    const received = new Map<General, Order>();
    for (const l of lieutenants) received.set(l, send(path, l, value) ?? DEFAULT_ORDER);
    if (m === 0) return received;
    // Each lieutenant passes on what it got, acting as commander of OM(m - 1) among the others.
    const heard = new Map<General, Map<General, Order>>();
    for (const i of lieutenants) heard.set(i, om(m - 1, [...path, i], lieutenants.filter((l) => l !== i), received.get(i)!));
    const decided = new Map<General, Order>();
    for (const j of lieutenants) {
      decided.set(j, majorityOrder(lieutenants.map((i) => (i === j ? received.get(j)! : heard.get(i)!.get(j)!))));
    }
    return decided;
  };

  const [commander, ...lieutenants] = cfg.names;
  const decided = om(cfg.rounds, [commander!], lieutenants, cfg.order);
  const decisions = Object.fromEntries(lieutenants.map((l) => [l, decided.get(l)!])) as Record<General, Order>;
  const traitors = cfg.names.filter((g) => cfg.lies.has(g));
  return {
    generals: cfg.names,
    commander: commander!,
    order: cfg.order,
    rounds: cfg.rounds,
    traitors,
    decisions,
    messages,
    verdict: checkAgreement({ commander: commander!, order: cfg.order, traitors, decisions }),
  };
}

/** IC1 and IC2 over the loyal lieutenants' decisions. */
export function checkAgreement(r: { commander: General; order: Order; traitors: readonly General[]; decisions: Readonly<Record<General, Order>> }): AgreementVerdict {
  const traitor = new Set(r.traitors);
  const loyal = Object.entries(r.decisions).filter(([g]) => !traitor.has(g));
  const findings: string[] = [];
  const orders = new Set(loyal.map(([, d]) => d));
  const agreement = orders.size <= 1;
  if (!agreement) {
    const by = (o: Order) => loyal.filter(([, d]) => d === o).map(([g]) => g).join(', ');
    findings.push(`IC1 broken: loyal lieutenants disagree (attack: ${by('attack')}; retreat: ${by('retreat')})`);
  }
  let validity = true;
  if (!traitor.has(r.commander)) {
    const off = loyal.filter(([, d]) => d !== r.order).map(([g]) => g);
    validity = off.length === 0;
    if (!validity) findings.push(`IC2 broken: the commander is loyal and ordered ${r.order}, but ${off.join(', ')} decided ${opposite(r.order)}`);
  }
  return { agreement, validity, ok: agreement && validity, findings };
}

/** Messages OM(m) sends among n generals: (n-1) + (n-1)(n-2) + ... + (n-1)(n-2)...(n-m-1). */
export function messageCount(n: number, m: number): number {
  let total = 0;
  let term = 1;
  for (let k = 1; k <= m + 1 && n - k >= 1; k++) {
    term *= n - k;
    total += term;
  }
  return total;
}

// ---------------------------------------------------------------------------
// Sweeps: random traitors, random strategies, random orders.

export const SweepSchema = z
  .object({
    generals: z.number().int().min(2).max(16),
    traitors: z.number().int().min(0),
    /** Default: as many rounds as traitors, as OM(m) prescribes for m traitors. */
    rounds: z.number().int().min(0).max(4).optional(),
    seeds: z.array(SeedSchema).min(1),
    /** Which strategies traitors draw from (each traitor draws its own). */
    strategies: z.array(z.enum(STRATEGIES)).min(1).default([...STRATEGIES]),
  })
  .strict()
  .refine((c) => c.traitors <= c.generals, { message: 'more traitors than generals', path: ['traitors'] });
export type SweepConfig = z.input<typeof SweepSchema>;

/** The run for one seed of a sweep: which generals betray (commander included), with what strategy, and the order. */
export function randomScenario(seed: Seed, generals: number, traitors: number, rounds: number, strategies: readonly StrategyName[] = STRATEGIES): OralMessagesConfig {
  const rng = createRng(seed, 'byzantine-scenario');
  const pool = Array.from({ length: generals }, (_, i) => generalName(i));
  const chosen: Record<General, StrategyName> = {};
  for (let k = 0; k < traitors; k++) {
    const g = pool.splice(rng.int(0, pool.length - 1), 1)[0]!;
    chosen[g] = rng.pick(strategies);
  }
  return { generals, rounds, order: rng.pick(ORDERS), traitors: chosen, seed };
}

export type SweepResult = { generals: number; traitors: number; rounds: number; runs: number; violations: number; failing: OralMessagesConfig[] };

/** How often OM breaks IC1 or IC2 over seeded random scenarios. */
export function agreementSweep(config: SweepConfig): SweepResult {
  const cfg = parseConfig(SweepSchema, config, 'agreement sweep', 'sweep');
  const rounds = cfg.rounds ?? cfg.traitors;
  const failing: OralMessagesConfig[] = [];
  for (const seed of cfg.seeds) {
    const scenario = randomScenario(seed, cfg.generals, cfg.traitors, rounds, cfg.strategies);
    if (!oralMessages(scenario).verdict.ok) failing.push(scenario);
  }
  return { generals: cfg.generals, traitors: cfg.traitors, rounds, runs: cfg.seeds.length, violations: failing.length, failing };
}

// ---------------------------------------------------------------------------
// OM(m) on the simulator.

/** A message of OM on the wire. */
export type OmMessage = { om: true; path: General[]; order: Order };

// Long enough that every message of a round arrives before the next round is due: the algorithm assumes a synchronous network.
const ROUND_MS = 20;

/**
 * OM(rounds) as messages between nodes G0..G(n-1). Each lieutenant keeps
 * everything it hears by relay path and passes it on while the path is
 * shorter than rounds + 1; after rounds + 1 round lengths it decides, by
 * majority from the deepest relays up. Decisions are notes in the trace.
 */
export function byzantineSim(config: OralMessagesConfig, simSeed: Seed = 1): { sim: Sim; decisions: () => Record<General, Order> } {
  const cfg = parse(config);
  // The config's seed drives the liars; the simulation's own seed only moves message latencies.
  const sim = simFromConfig({ seed: simSeed }, { network: { latency: { kind: 'uniform', min: 1, max: 3 } } });
  const decisions: Record<General, Order> = {};
  const names = cfg.names;
  const commander = names[0]!;

  const outgoing = (self: General, path: General[], honest: Order, to: General): Order | null => {
    const lie = cfg.lies.get(self);
    return lie ? lie({ from: self, to, toIndex: names.indexOf(to), path, honest }) : honest;
  };

  names.forEach((self) => {
    sim.addNode(self, (ctx) => {
      const heard = new Map<string, Order>();
      const relay = (path: General[], honest: Order): void => {
        for (const to of names) {
          if (to === self || path.includes(to)) continue;
          const order = outgoing(self, path, honest, to);
          if (order !== null) ctx.send(to, { om: true, path, order } satisfies OmMessage);
        }
      };
      if (self === commander) {
        if (cfg.lies.has(self)) ctx.note(`traitor (${cfg.traitors[self]})`);
        relay([self], cfg.order);
        return;
      }
      if (cfg.lies.has(self)) ctx.note(`traitor (${cfg.traitors[self]})`);
      // What this lieutenant makes of the value passed along `path`.
      const resolve = (path: General[]): Order => {
        const own = heard.get(path.join('>')) ?? DEFAULT_ORDER;
        if (path.length === cfg.rounds + 1) return own;
        const others = names.filter((g) => g !== self && !path.includes(g));
        return majorityOrder([own, ...others.map((g) => resolve([...path, g]))]);
      };
      ctx.setTimer((cfg.rounds + 1) * ROUND_MS, () => {
        decisions[self] = resolve([commander]);
        ctx.note(`decides ${decisions[self]}`);
      }, 'decide');
      return {
        onMessage(msg) {
          const body = msg.body as OmMessage;
          if (!body.om || body.path[body.path.length - 1] !== msg.from) return;
          heard.set(body.path.join('>'), body.order);
          if (body.path.length <= cfg.rounds) relay([...body.path, self], body.order);
        },
      };
    });
  });
  return { sim, decisions: () => ({ ...decisions }) };
}

// ---------------------------------------------------------------------------
// Text: who said what, and what came of it.

/**
 * One line per message. A path is the relay chain ending at the recipient:
 * `G0 → G2 → G1  retreat` is G2 telling G1 that G0 said retreat. Lies are marked
 * with what a loyal sender would have said.
 */
export function formatMessages(r: { messages: readonly OralMessage[] }, to?: General): string {
  const shown = r.messages.filter((m) => to === undefined || m.to === to);
  const routeOf = (m: OralMessage): string => [...m.path, m.to].join(' → ');
  const width = Math.max(0, ...shown.map((m) => routeOf(m).length)) + 3;
  return shown
    .map((m) => {
      const route = routeOf(m).padEnd(width);
      const lie = m.sent === m.honest ? '' : `   ✗ ${m.from} lies: ${m.round === 1 ? 'the order is' : 'it heard'} ${m.honest}`;
      return `  round ${m.round}  ${route}${m.sent ?? '(nothing)'}${lie}`;
    })
    .join('\n');
}

/** The lieutenants' decisions and the verdict, e.g. `G1 attack, G2 attack, G3 retreat (traitor) | IC1 ✓ IC2 ✓`. */
export function formatOutcome(r: Pick<OralMessagesResult, 'decisions' | 'traitors' | 'verdict'>): string {
  const traitor = new Set(r.traitors);
  const ds = Object.entries(r.decisions).map(([g, d]) => `${g} ${d}${traitor.has(g) ? ' (traitor)' : ''}`).join(', ');
  const mark = (ok: boolean) => (ok ? '✓' : '✗');
  return `${ds}  |  IC1 agreement ${mark(r.verdict.agreement)}  IC2 validity ${mark(r.verdict.validity)}` +
    (r.verdict.findings.length ? `\n  ${r.verdict.findings.join('\n  ')}` : '');
}
