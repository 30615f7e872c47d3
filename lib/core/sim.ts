// The simulation: a world of nodes on a network, driven by one event queue in
// virtual time and one seed. Same seed, same scenario: same trace, always.
import { z } from 'zod';
import { configFail, parseConfig, SimulationError } from './config';
import { NemesisSchema, nodesOf, type Fault, type NemesisInput } from './nemesis';
import { createNetwork, NetworkConfigSchema, type Link, type LinkPatch } from './network';
import type { NodeClock } from './clock';
import { createNodes, neededNodes, type NodeOptions, type NodeStatus, type Program } from './node';
import { createRng, SeedSchema, type Rng, type Seed } from './random';
import type { NodeId, TraceEvent } from './trace';
import { createWorld, describeJob } from './world';

export const SimConfigSchema = z
  .object({
    seed: SeedSchema,
    network: NetworkConfigSchema.default(NetworkConfigSchema.parse({})),
    // Turn off for long benchmark runs whose trace nobody reads; bound it
    // (`limit`: keep the last N events) or stream it (`onEvent`) for long runs you do read.
    trace: z
      .union([
        z.boolean(),
        z
          .object({
            limit: z.number().int().min(0).optional(),
            onEvent: z.custom<(e: TraceEvent) => void>((f) => typeof f === 'function', 'onEvent must be a function').optional(),
          })
          .strict(),
      ])
      .default(true),
    limits: z
      .object({
        /** Events one `run` call may handle before it fails (default: 3 million with a full trace, which then still fits in memory; 20 million otherwise). */
        events: z.number().int().min(1).optional(),
        /** Events in a row at one virtual time before the run fails: time has stopped (a zero-delay loop). */
        sameTime: z.number().int().min(1).default(50_000),
      })
      .strict()
      .default({ sameTime: 50_000 }),
  })
  .strict();

export type SimConfig = z.input<typeof SimConfigSchema>;

export const RunOptionsSchema = z
  .object({
    /** Stop after the last event at or before this time; `now` becomes `until`. */
    until: z.number().min(0).optional(),
    /** Stop after this many events. */
    maxEvents: z.number().int().min(0).optional(),
    /** Fail (SimulationError) after this many events: raises or lowers the sim's `limits.events` for this call. */
    eventLimit: z.number().int().min(1).optional(),
  })
  .strict();
export type RunOptions = z.input<typeof RunOptionsSchema>;

export type RunResult = {
  /** Events handled by this call. */
  events: number;
  now: number;
  stoppedBy: 'quiescence' | 'until' | 'maxEvents';
};

// A run fails after this many events, so a heartbeat that never ends (with
// `until: 1e308`, or no bound at all) cannot hang or exhaust memory. A full
// trace keeps every event: three million of them take about a GB.
const EVENT_LIMIT_TRACED = 3_000_000;
const EVENT_LIMIT_UNTRACED = 20_000_000;

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

function checkFn(fn: unknown, path: string): void {
  if (typeof fn !== 'function') configFail('argument', path, `expected a function, got ${fn === null ? 'null' : typeof fn}`);
}

export function createSim(config: SimConfig): Sim {
  const cfg = parseConfig(SimConfigSchema, config, 'simulation config', 'config');
  const world = createWorld(createRng(cfg.seed), cfg.trace);
  const fullTrace = cfg.trace === true || (typeof cfg.trace === 'object' && cfg.trace.limit === undefined);
  const eventLimit = cfg.limits.events ?? (fullTrace ? EVENT_LIMIT_TRACED : EVENT_LIMIT_UNTRACED);
  const scenarioRng = world.rng.fork('scenario');
  const nodes = createNodes(world, (from, to, body, fromIndex, toIndex) => network.send(from, to, body, fromIndex, toIndex));
  const checkNode = (id: NodeId, path: string): void => {
    if (!nodes.has(id)) {
      configFail('node name', path, `unknown node '${id}' (nodes: ${nodes.ids().join(', ') || 'none'})`);
    }
  };
  const network = createNetwork({ world, config: cfg.network, checkNode, indexOf: (id) => nodes.indexOf(id), arrive: (m, i) => nodes.arrive(m, i) });
  let linksChecked = false;
  let programsChecked = 0; // nodes whose declared peers exist

  const groupsOf = (groups: NodeId[][], path: string): NodeId[][] => {
    if (!Array.isArray(groups) || groups.length === 0 || groups.some((g) => !Array.isArray(g))) {
      configFail('partition', path, 'expected one or more groups, each an array of node names');
    }
    if (groups.length !== 1) return groups;
    const inside = new Set(groups[0]);
    const rest = nodes.ids().filter((n) => !inside.has(n));
    if (rest.length === 0) {
      configFail('partition', `${path}[0]`, `a single group is cut off from every other node, but it holds them all (${nodes.ids().join(', ')}): nothing would be cut`);
    }
    return [groups[0]!, rest];
  };

  // When each paused node resumes by itself (a pause with \`for\`); Infinity: only when told.
  // A later pause or resume replaces the plan, so an earlier pause's end never cuts a later pause short.
  const pauseEnds = new Map<NodeId, number>();
  const pauseFor = (node: NodeId, length: number, label: string): void => {
    const end = world.now + length;
    if (nodes.status(node) === 'running') {
      nodes.pause(node);
      pauseEnds.set(node, end);
    } else if (nodes.status(node) === 'paused') {
      // Overlapping pauses: the node runs again when the last of them ends.
      pauseEnds.set(node, Math.max(pauseEnds.get(node) ?? Infinity, end));
    } else return; // a crashed node cannot be paused
    world.schedule(
      end,
      () => {
        if (pauseEnds.get(node) !== world.now || nodes.status(node) !== 'paused') return;
        pauseEnds.delete(node);
        nodes.resume(node);
      },
      undefined,
      label,
    );
  };
  const pause = (id: NodeId): void => {
    nodes.pause(id);
    if (nodes.status(id) === 'paused') pauseEnds.set(id, Infinity);
  };
  const resume = (id: NodeId): void => {
    pauseEnds.delete(id);
    nodes.resume(id);
  };

  const apply = (f: Fault, i: number): void => {
    switch (f.fault) {
      case 'crash':
        pauseEnds.delete(f.node);
        return nodes.crash(f.node);
      case 'restart':
        return nodes.restart(f.node);
      case 'pause':
        return f.for === undefined ? pause(f.node) : pauseFor(f.node, f.for, `nemesis[${i}] (end of pause)`);
      case 'resume':
        return resume(f.node);
      case 'partition':
        return network.partition(groupsOf(f.groups, `nemesis[${i}].groups`), `nemesis[${i}].groups`);
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
        for (let k = 0; k < 2 * f.count; k++) {
          const delta = k % 2 === 0 ? f.delta : -f.delta;
          world.schedule(world.now + k * f.period, () => stepClock(f.node, delta), undefined, `nemesis[${i}] (clock-strobe)`);
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
    get trace() {
      return world.keptTrace();
    },
    rng: scenarioRng,
    addNode: (id, program, options) => nodes.add(id, program, options),
    nodeIds: () => nodes.ids(),
    status: (id) => nodes.status(id),
    clock: (id) => nodes.clock(id),
    stepClock,
    slewClock,
    at: (time, fn) => {
      checkFn(fn, 'sim.at');
      world.schedule(time, fn, undefined, 'sim.at');
    },
    after: (delay, fn) => {
      checkFn(fn, 'sim.after');
      if (typeof delay !== 'number') throw new SimulationError('sim.after', `delay must be a number of ms, got ${typeof delay}`, world.now);
      world.schedule(world.now + delay, fn, undefined, 'sim.after');
    },
    run(options = {}) {
      const opts = parseConfig(RunOptionsSchema, options, 'run options', 'run');
      const { until, maxEvents } = opts;
      const cap = opts.eventLimit ?? eventLimit;
      const sameTime = cfg.limits.sameTime;
      if (!linksChecked) {
        cfg.network.links.forEach((l, i) => {
          checkNode(l.from, `config.network.links[${i}].from`);
          checkNode(l.to, `config.network.links[${i}].to`);
        });
        linksChecked = true;
      }
      // Names that programs declared (peers, servers, watched nodes), for nodes added since the last run.
      const ids = nodes.ids();
      for (; programsChecked < ids.length; programsChecked++) {
        const id = ids[programsChecked]!;
        for (const [n, path] of neededNodes(nodes.program(id))) checkNode(n, `nodes.${id}.${path}`);
      }
      const limit = maxEvents ?? Infinity;
      const queue = world.queue;
      let events = 0;
      let still = 0; // events in a row at the current virtual time
      for (;;) {
        const next = queue.peek();
        // With `until`, time always reaches it, even if nothing happens on the way.
        if (next === undefined && until === undefined) return { events, now: world.now, stoppedBy: 'quiescence' };
        if (next === undefined || (until !== undefined && next.time > until)) break;
        if (events >= limit) return { events, now: world.now, stoppedBy: 'maxEvents' };
        if (events >= cap) {
          throw new SimulationError(
            describeJob(next),
            `the simulation did not go quiet after ${cap} events (t=${world.now} ms${until === undefined ? '' : `, run until t=${until}`}): ` +
              `something keeps scheduling work (a heartbeat?). Run with { until } or { maxEvents } to stop earlier, ` +
              `or raise the cap with run({ eventLimit }) or createSim({ limits: { events } })`,
            world.now,
          );
        }
        queue.pop();
        if (next.time === world.now) {
          if (++still > sameTime) {
            throw new SimulationError(
              describeJob(next),
              `time stopped: ${sameTime} events in a row at t=${world.now} ms ` +
                `(a timer or message loop with zero delay, or a delay too small to move the clock at this time). ` +
                `If this many events at one instant is intended, raise createSim({ limits: { sameTime } })`,
              world.now,
            );
          }
        } else still = 0;
        world.now = next.time;
        next.run();
        events++;
      }
      world.now = Math.max(world.now, until!);
      return { events, now: world.now, stoppedBy: 'until' };
    },
    crash: (id) => {
      nodes.crash(id);
      pauseEnds.delete(id);
    },
    restart: (id) => nodes.restart(id),
    pause,
    resume,
    partition: (...groups) => network.partition(groupsOf(groups, 'partition.groups'), 'partition.groups'),
    partitionOneWay: (from, to) => network.partitionOneWay([from].flat(), [to].flat()),
    heal: () => network.heal(),
    link(from, to) {
      checkNode(from, 'link.from');
      checkNode(to, 'link.to');
      return network.link(from, to);
    },
    setLink: (from, to, patch) => network.setLink(from, to, patch),
    nemesis(schedule) {
      const faults = parseConfig(NemesisSchema, schedule, 'nemesis schedule', 'nemesis');
      faults.forEach((f, i) => {
        nodesOf(f).forEach(([n, path]) => checkNode(n, `nemesis[${i}].${path}`));
        if (f.at < world.now) configFail('nemesis schedule', `nemesis[${i}].at`, `t=${f.at} is in the past (now is t=${world.now})`);
      });
      faults.forEach((f, i) => world.schedule(f.at, () => apply(f, i), undefined, `nemesis[${i}] (${f.fault})`));
    },
  };
  return sim;
}

