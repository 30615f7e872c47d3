// The simulation: a world of nodes on a network, driven by one event queue in
// virtual time and one seed. Same seed, same scenario: same trace, always.
import { z } from 'zod';
import { configFail, parseConfig } from './config';
import { NemesisSchema, nodesOf, type Fault, type NemesisInput } from './nemesis';
import { createNetwork, NetworkConfigSchema, type Link, type LinkPatch } from './network';
import type { NodeClock } from './clock';
import { createNodes, type NodeOptions, type NodeStatus, type Program } from './node';
import { createRng, SeedSchema, type Rng, type Seed } from './random';
import type { NodeId, TraceEvent } from './trace';
import { createWorld } from './world';

export const SimConfigSchema = z
  .object({
    seed: SeedSchema,
    network: NetworkConfigSchema.default(NetworkConfigSchema.parse({})),
    // Turn off for long benchmark runs whose trace nobody reads.
    trace: z.boolean().default(true),
  })
  .strict();

export type SimConfig = z.input<typeof SimConfigSchema>;

export const RunOptionsSchema = z
  .object({
    /** Stop after the last event at or before this time; `now` becomes `until`. */
    until: z.number().min(0).optional(),
    /** Stop after this many events. */
    maxEvents: z.number().int().min(0).optional(),
  })
  .strict();
export type RunOptions = z.input<typeof RunOptionsSchema>;

export type RunResult = {
  /** Events handled by this call. */
  events: number;
  now: number;
  stoppedBy: 'quiescence' | 'until' | 'maxEvents';
};

/** A run with neither `until` nor `maxEvents` stops here: a guard against heartbeats that never end. */
const QUIESCENCE_GUARD = 10_000_000;

export interface Sim {
  readonly seed: Seed;
  /** Virtual time in ms. */
  readonly now: number;
  readonly trace: readonly TraceEvent[];
  /** A random stream for the scenario itself (not used by nodes or links). */
  readonly rng: Rng;

  addNode(id: NodeId, program: Program, options?: NodeOptions): void;
  nodeIds(): NodeId[];
  status(id: NodeId): NodeStatus;
  /** A node's clocks, to read (e.g. for charts of offset against true time) or to fault. */
  clock(id: NodeId): NodeClock;

  /** Run `fn` at virtual time `time`. */
  at(time: number, fn: () => void): void;
  /** Run `fn` `delay` ms from now. */
  after(delay: number, fn: () => void): void;
  run(options?: RunOptions): RunResult;

  // Faults come in opposite pairs and take node names.
  crash(id: NodeId): void;
  restart(id: NodeId): void;
  pause(id: NodeId): void;
  resume(id: NodeId): void;
  /** Cut links between groups; a single group is cut off from every other node. */
  partition(...groups: NodeId[][]): void;
  /** Jump a node's wall clock by `delta` ms (traced). */
  stepClock(id: NodeId, delta: number): void;
  /** Correct a node's wall clock by `delta` ms gradually, at `ratePpm` (traced). */
  slewClock(id: NodeId, delta: number, ratePpm?: number): void;
  partitionOneWay(from: NodeId | NodeId[], to: NodeId | NodeId[]): void;
  heal(): void;
  link(from: NodeId, to: NodeId): Link;
  setLink(from: NodeId, to: NodeId, patch: LinkPatch): void;
  /** Schedule a list of faults at their virtual times (checked before anything runs). */
  nemesis(schedule: NemesisInput): void;
}

export function createSim(config: SimConfig): Sim {
  const cfg = parseConfig(SimConfigSchema, config, 'simulation config', 'config');
  const world = createWorld(createRng(cfg.seed), cfg.trace);
  const scenarioRng = world.rng.fork('scenario');
  const nodes = createNodes(world, (from, to, body) => network.send(from, to, body));
  const checkNode = (id: NodeId, path: string): void => {
    if (!nodes.has(id)) {
      configFail('node name', path, `unknown node '${id}' (nodes: ${nodes.ids().join(', ') || 'none'})`);
    }
  };
  const network = createNetwork({ world, config: cfg.network, checkNode, arrive: (m) => nodes.arrive(m) });
  let linksChecked = false;

  const groupsOf = (groups: NodeId[][]): NodeId[][] => {
    if (groups.length !== 1) return groups;
    const inside = new Set(groups[0]);
    return [groups[0]!, nodes.ids().filter((n) => !inside.has(n))];
  };

  const apply = (f: Fault): void => {
    switch (f.fault) {
      case 'crash':
        return nodes.crash(f.node);
      case 'restart':
        return nodes.restart(f.node);
      case 'pause':
        nodes.pause(f.node);
        if (f.for !== undefined) world.schedule(world.now + f.for, () => nodes.resume(f.node));
        return;
      case 'resume':
        return nodes.resume(f.node);
      case 'partition':
        return network.partition(groupsOf(f.groups));
      case 'partition-one-way':
        return network.partitionOneWay(f.from, f.to);
      case 'heal':
        return network.heal();
      case 'link':
        return network.setLink(f.from, f.to, f.set);
      case 'clock-step':
        return stepClock(f.node, f.delta);
      case 'clock-slew':
        return slewClock(f.node, f.delta, f.rate);
      case 'clock-strobe':
        // Flip forward, then back, `count` times: the clock ends where it would have been.
        for (let i = 0; i < 2 * f.count; i++) {
          const delta = i % 2 === 0 ? f.delta : -f.delta;
          world.schedule(world.now + i * f.period, () => stepClock(f.node, delta));
        }
        return;
    }
  };

  const stepClock = (id: NodeId, delta: number): void => nodes.clock(id).step(delta);
  const slewClock = (id: NodeId, delta: number, ratePpm?: number): void => nodes.clock(id).slew(delta, ratePpm);

  const sim: Sim = {
    seed: cfg.seed,
    get now() {
      return world.now;
    },
    trace: world.trace,
    rng: scenarioRng,
    addNode: (id, program, options) => nodes.add(id, program, options),
    nodeIds: () => nodes.ids(),
    status: (id) => nodes.status(id),
    clock: (id) => nodes.clock(id),
    stepClock,
    slewClock,
    at: (time, fn) => world.schedule(time, fn),
    after: (delay, fn) => world.schedule(world.now + delay, fn),
    run(options = {}) {
      const { until, maxEvents } = parseConfig(RunOptionsSchema, options, 'run options', 'run');
      if (!linksChecked) {
        cfg.network.links.forEach((l, i) => {
          checkNode(l.from, `config.network.links[${i}].from`);
          checkNode(l.to, `config.network.links[${i}].to`);
        });
        linksChecked = true;
      }
      const limit = maxEvents ?? (until === undefined ? QUIESCENCE_GUARD : Infinity);
      const queue = world.queue;
      let events = 0;
      for (;;) {
        const next = queue.peek();
        // With `until`, time always reaches it, even if nothing happens on the way.
        if (next === undefined && until === undefined) return { events, now: world.now, stoppedBy: 'quiescence' };
        if (next === undefined || (until !== undefined && next.time > until)) break;
        if (events >= limit) {
          if (maxEvents === undefined) {
            throw new Error(
              `the simulation did not go quiet after ${limit} events (t=${world.now} ms): ` +
                `something keeps scheduling work (a heartbeat?). Run with { until } or { maxEvents }.`,
            );
          }
          return { events, now: world.now, stoppedBy: 'maxEvents' };
        }
        queue.pop();
        world.now = next.time;
        next.run();
        events++;
      }
      world.now = Math.max(world.now, until!);
      return { events, now: world.now, stoppedBy: 'until' };
    },
    crash: (id) => nodes.crash(id),
    restart: (id) => nodes.restart(id),
    pause: (id) => nodes.pause(id),
    resume: (id) => nodes.resume(id),
    partition: (...groups) => network.partition(groupsOf(groups)),
    partitionOneWay: (from, to) => network.partitionOneWay([from].flat(), [to].flat()),
    heal: () => network.heal(),
    link: (from, to) => network.link(from, to),
    setLink: (from, to, patch) => network.setLink(from, to, patch),
    nemesis(schedule) {
      const faults = parseConfig(NemesisSchema, schedule, 'nemesis schedule', 'nemesis');
      faults.forEach((f, i) => {
        nodesOf(f).forEach(([n, path]) => checkNode(n, `nemesis[${i}].${path}`));
        if (f.at < world.now) configFail('nemesis schedule', `nemesis[${i}].at`, `t=${f.at} is in the past (now is t=${world.now})`);
      });
      for (const f of faults) world.schedule(f.at, () => apply(f));
    },
  };
  return sim;
}

