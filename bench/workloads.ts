// The benchmark's workloads, written against a library passed in (`Lib`), so
// that run.ts measures this tree's library and ab.ts can run the same
// workloads on another commit's library in the same process.
import { EventQueue } from '../lib/core/calendar';
import { createSim } from '../lib/core/sim';
import { createRng, distribution, RngTable, sample } from '../lib/core/random';

/** What the workloads use of a library: this tree's, or another commit's (ab.ts). */
export type Lib = { createSim: typeof createSim; distribution: typeof distribution; sample: typeof sample };

export type Outcome = { events: number; extra?: string };
/** `usesLib`: it runs on the library given; the floors and idle run on this tree's, whatever is given. */
export type Workload = { name: string; label: string; usesLib: boolean; run: () => Outcome };

/**
 * M/M/1/K drop-tail queue written with the library's own event API.
 * λ = 0.9, μ = 1, K = 100, 1,000,000 arrivals. Events = arrivals + departures.
 * Sanity check: mean time in system ≈ 1 / (μ − λ) = 10.
 */
function mm1k(lib: Lib): Outcome {
  const sim = lib.createSim({ seed: 2024, trace: false });
  const arrivalGap = lib.distribution({ kind: 'exponential', mean: 1 / 0.9 });
  const service = lib.distribution({ kind: 'exponential', mean: 1 });
  const capacity = 100;
  const arrivalsRng = sim.rng.fork('arrivals');
  const serviceRng = sim.rng.fork('service');
  const queue: number[] = []; // arrival times of jobs in the system, head in service
  let head = 0;
  let arrivals = 0;
  let departures = 0;
  let dropped = 0;
  let totalTime = 0;
  const depart = (): void => {
    departures++;
    totalTime += sim.now - queue[head++]!;
    if (head < queue.length) sim.after(lib.sample(service, serviceRng), depart);
    if (head > 4096) queue.splice(0, head), (head = 0);
  };
  const arrive = (): void => {
    arrivals++;
    if (queue.length - head >= capacity) dropped++;
    else {
      queue.push(sim.now);
      if (queue.length - head === 1) sim.after(lib.sample(service, serviceRng), depart);
    }
    if (arrivals < 1_000_000) sim.after(lib.sample(arrivalGap, arrivalsRng), arrive);
  };
  sim.at(0, arrive);
  sim.run();
  return {
    events: arrivals + departures,
    extra: `mean time in system ${(totalTime / departures).toFixed(2)} (M/M/1 theory: 10), dropped ${dropped}`,
  };
}

/** Fifty timer chains on node a each send to b every 10 ms over a jittery, slightly lossy network. */
function sends(lib: Lib, trace: boolean): Outcome {
  const sim = lib.createSim({ seed: 7, trace, network: { latency: { kind: 'lognormal', median: 2, sigma: 0.5 }, loss: 0.01 } });
  let delivered = 0;
  sim.addNode('b', () => ({ onMessage: () => void delivered++ }));
  sim.addNode('a', (ctx) => {
    const tick = () => {
      ctx.send('b', { n: delivered });
      ctx.setTimer(10, tick);
    };
    for (let i = 0; i < 50; i++) ctx.setTimer(i, tick);
  });
  const r = sim.run({ until: 200_000 });
  // The trace becomes objects when first read: counted in the rate, and shown apart.
  const c0 = process.cpuUsage();
  const kept = trace ? sim.trace.length : 0;
  const c = process.cpuUsage(c0);
  const read = trace ? `${kept} events, of which reading them took ${((c.user + c.system) / 1e6).toFixed(2)} s cpu` : 'off';
  return { events: r.events, extra: `${delivered} messages delivered, trace ${read}` };
}

/**
 * `nodes` nodes each send one heartbeat per 100 ms to a monitor, for
 * `seconds` of virtual time: 2 events (timer, delivery) per heartbeat.
 * Setup (adding the nodes) is included in the time.
 */
function heartbeat(lib: Lib, nodes: number, seconds: number, trace: false | { limit: number }): Outcome {
  const sim = lib.createSim({ seed: 10, trace, limits: { events: 100_000_000 } });
  let beats = 0;
  sim.addNode('monitor', () => ({ onMessage: () => void beats++ }));
  for (let i = 0; i < nodes; i++) {
    sim.addNode(`n${i}`, (ctx) => {
      const beat = (): void => {
        ctx.send('monitor', { hb: ctx.id });
        ctx.setTimer(100, beat, 'heartbeat');
      };
      ctx.setTimer(ctx.rng.uniform(0, 100), beat, 'heartbeat');
    });
  }
  const r = sim.run({ until: seconds * 1000 });
  const kept = trace ? `, trace keeps ${sim.trace.length.toLocaleString('en')} events` : '';
  return { events: r.events, extra: `${nodes.toLocaleString('en')} nodes, ${seconds} s simulated, ${beats.toLocaleString('en')} heartbeats${kept}` };
}

/**
 * The same heartbeat with nothing of the library but its event queue and its
 * random streams: per node a closure and a small context, as a program has;
 * a send copies the body, draws the latency from its link's stream and
 * queues the delivery. No checks, no handles, no pause or crash, no trace.
 * What any simulator with a closure and an object per node pays, so the
 * library's rows can be read against it: how far above it the library runs,
 * and how much of the fall with the number of nodes is the nodes' own.
 */
function heartbeatFloor(nodes: number, seconds: number): Outcome {
  type Ev = { time: number; seq: number; next?: Ev | undefined; run(): void };
  const queue = new EventQueue<Ev>();
  const root = createRng(10);
  const streams = new RngTable();
  const latency = distribution({ kind: 'lognormal', median: 2, sigma: 0.3 });
  let now = 0;
  let seq = 0;
  let beats = 0;
  class Timer {
    time = 0;
    seq = 0;
    next: Ev | undefined = undefined;
    fn: () => void = () => {};
    run(): void {
      pool.push(this);
      this.fn();
    }
  }
  class Delivery {
    time = 0;
    seq = 0;
    next: Ev | undefined = undefined;
    constructor(readonly body: unknown) {}
    run(): void {
      beats++;
    }
  }
  const pool: Timer[] = [];
  const context = (id: string, link: number) => ({
    id,
    send(_to: string, body: object): void {
      const d = new Delivery({ ...body });
      d.time = now + sample(latency, streams.stream(link));
      d.seq = seq++;
      queue.push(d);
    },
    setTimer(delay: number, fn: () => void): void {
      const t = pool.pop() ?? new Timer();
      t.fn = fn;
      t.time = now + delay;
      t.seq = seq++;
      queue.push(t);
    },
  });
  const phases = root.fork('phases');
  for (let i = 0; i < nodes; i++) {
    const ctx = context(`n${i}`, streams.add(root, `link:n${i}->monitor`));
    const beat = (): void => {
      ctx.send('monitor', { hb: ctx.id });
      ctx.setTimer(100, beat);
    };
    ctx.setTimer(phases.uniform(0, 100), beat);
  }
  const until = seconds * 1000;
  let events = 0;
  for (let e = queue.peek(); e !== undefined && e.time <= until; e = queue.peek()) {
    queue.pop();
    now = e.time;
    e.run();
    events++;
  }
  return { events, extra: `${nodes.toLocaleString('en')} nodes, ${seconds} s simulated, ${beats.toLocaleString('en')} heartbeats` };
}

/**
 * What a full trace of `sends-on` holds, made and kept with nothing else
 * running: 3 M event objects (a timer, a send and a delivery per message,
 * the two sharing the message's body). No object trace of that run can cost
 * less than this, so it bounds the trace-on ratio from above.
 */
function traceFloor(): Outcome {
  const trace: object[] = [];
  let time = 0;
  for (let msg = 1; msg <= 1_000_000; msg++) {
    time += 0.2;
    const body = { n: msg };
    trace.push({ type: 'timer', time, node: 'a', label: 'timer', late: 0 });
    trace.push({ type: 'send', time, msg, from: 'a', to: 'b', body, copy: false });
    trace.push({ type: 'deliver', time: time + 2.1, msg, from: 'a', to: 'b', body, sentAt: time });
  }
  // Its "events" are trace events: its rate is how many a second an object trace can take at best.
  return { events: trace.length, extra: 'events here are trace events, made and kept' };
}

/** Nothing: the memory floor of a child process (node, tsx, the library). */
function idle(): Outcome {
  createSim({ seed: 1 });
  return { events: 0, extra: 'the floor under every peak-memory figure' };
}

/** Every workload; `scale` 0.1 (--quick) runs a tenth of the heartbeat work. */
export function workloads(lib: Lib, scale = 1): Workload[] {
  // Each heartbeat run handles about 12 M events at full scale (one simulated minute at 10,000 nodes).
  const s = (x: number): number => Math.round(x * scale);
  return [
    { name: 'idle', label: 'idle process', usesLib: false, run: idle },
    { name: 'mm1k', label: 'M/M/1/K queue (1M arrivals)', usesLib: true, run: () => mm1k(lib) },
    { name: 'sends-off', label: 'network sends, trace off', usesLib: true, run: () => sends(lib, false) },
    { name: 'sends-on', label: 'network sends, trace on', usesLib: true, run: () => sends(lib, true) },
    { name: 'hb-10', label: 'heartbeat, 10 nodes', usesLib: true, run: () => heartbeat(lib, 10, s(60_000), false) },
    { name: 'hb-1k', label: 'heartbeat, 1,000 nodes', usesLib: true, run: () => heartbeat(lib, 1_000, s(600), false) },
    { name: 'hb-10k', label: 'heartbeat, 10,000 nodes', usesLib: true, run: () => heartbeat(lib, 10_000, s(60), false) },
    { name: 'hb-10k-bounded', label: 'heartbeat, 10k, trace ≤100k', usesLib: true, run: () => heartbeat(lib, 10_000, s(60), { limit: 100_000 }) },
    { name: 'floor-10', label: 'floor: heartbeat, 10 nodes', usesLib: false, run: () => heartbeatFloor(10, s(60_000)) },
    { name: 'floor-10k', label: 'floor: heartbeat, 10k nodes', usesLib: false, run: () => heartbeatFloor(10_000, s(60)) },
    { name: 'trace-floor', label: 'floor: a full trace of sends', usesLib: false, run: traceFloor },
  ];
}
