// Simulator throughput on fixed workloads. A benchmark, not a test: it prints
// numbers and asserts nothing about time.
//
//   npm run bench [-- --json FILE] [--only NAME[,NAME...]] [--quick] [--repeat N]
//
// Every workload runs in a child process of its own, so its peak memory
// (process.resourceUsage().maxRSS) is its own and a previous workload's
// garbage does not slow it down. Rates are events per CPU second of the
// child (user + system), which a busy shared machine disturbs far less than
// wall-clock time; wall time is printed too.
//
// A shared virtual machine's speed drifts by a third within minutes, so a
// ratio to the M/M/1/K core is taken against a core run made just before
// the workload (the core runs before every workload), never against one
// from minutes earlier; two workloads are compared through their own core
// runs. With `--repeat N` everything runs N times, in rounds: each row shows
// its fastest run (the least disturbed) with the slowest beside it, and each
// ratio is the median of the N rounds' ratios.
import { spawnSync } from 'child_process';
import { execSync } from 'child_process';
import * as fs from 'fs';
import { EventQueue } from '../lib/core/calendar';
import { createSim } from '../lib/core/sim';
import { createRng, distribution, RngTable, sample } from '../lib/core/random';

type Outcome = { events: number; extra?: string };
type Measured = Outcome & { name: string; cpuSeconds: number; wallSeconds: number; maxRssMB: number; heapUsedMB: number };
type Workload = { name: string; label: string; run: () => Outcome };

/**
 * M/M/1/K drop-tail queue written with the library's own event API.
 * λ = 0.9, μ = 1, K = 100, 1,000,000 arrivals. Events = arrivals + departures.
 * Sanity check: mean time in system ≈ 1 / (μ − λ) = 10.
 */
function mm1k(): Outcome {
  const sim = createSim({ seed: 2024, trace: false });
  const arrivalGap = distribution({ kind: 'exponential', mean: 1 / 0.9 });
  const service = distribution({ kind: 'exponential', mean: 1 });
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
    if (head < queue.length) sim.after(sample(service, serviceRng), depart);
    if (head > 4096) queue.splice(0, head), (head = 0);
  };
  const arrive = (): void => {
    arrivals++;
    if (queue.length - head >= capacity) dropped++;
    else {
      queue.push(sim.now);
      if (queue.length - head === 1) sim.after(sample(service, serviceRng), depart);
    }
    if (arrivals < 1_000_000) sim.after(sample(arrivalGap, arrivalsRng), arrive);
  };
  sim.at(0, arrive);
  sim.run();
  return {
    events: arrivals + departures,
    extra: `mean time in system ${(totalTime / departures).toFixed(2)} (M/M/1 theory: 10), dropped ${dropped}`,
  };
}

/** Fifty timer chains on node a each send to b every 10 ms over a jittery, slightly lossy network. */
function sends(trace: boolean): Outcome {
  const sim = createSim({ seed: 7, trace, network: { latency: { kind: 'lognormal', median: 2, sigma: 0.5 }, loss: 0.01 } });
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
function heartbeat(nodes: number, seconds: number, trace: false | { limit: number }): Outcome {
  const sim = createSim({ seed: 10, trace, limits: { events: 100_000_000 } });
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

const quick = process.argv.includes('--quick');
const scale = quick ? 0.1 : 1;
// Each heartbeat run handles about 12 M events at full scale (one simulated minute at 10,000 nodes).
const workloads: Workload[] = [
  { name: 'idle', label: 'idle process', run: idle },
  { name: 'mm1k', label: 'M/M/1/K queue (1M arrivals)', run: mm1k },
  { name: 'sends-off', label: 'network sends, trace off', run: () => sends(false) },
  { name: 'sends-on', label: 'network sends, trace on', run: () => sends(true) },
  { name: 'hb-10', label: 'heartbeat, 10 nodes', run: () => heartbeat(10, Math.round(60_000 * scale), false) },
  { name: 'hb-1k', label: 'heartbeat, 1,000 nodes', run: () => heartbeat(1_000, Math.round(600 * scale), false) },
  { name: 'hb-10k', label: 'heartbeat, 10,000 nodes', run: () => heartbeat(10_000, Math.round(60 * scale), false) },
  { name: 'hb-10k-bounded', label: 'heartbeat, 10k, trace ≤100k', run: () => heartbeat(10_000, Math.round(60 * scale), { limit: 100_000 }) },
  { name: 'floor-10', label: 'floor: heartbeat, 10 nodes', run: () => heartbeatFloor(10, Math.round(60_000 * scale)) },
  { name: 'floor-10k', label: 'floor: heartbeat, 10k nodes', run: () => heartbeatFloor(10_000, Math.round(60 * scale)) },
  { name: 'trace-floor', label: 'floor: a full trace of sends', run: traceFloor },
];

function child(name: string): void {
  const w = workloads.find((x) => x.name === name);
  if (!w) throw new Error(`no workload ${name}`);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const outcome = w.run();
  const wallSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const m: Measured = {
    name,
    ...outcome,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    wallSeconds,
    maxRssMB: process.resourceUsage().maxRSS / 1024, // maxRSS is in kB
    heapUsedMB: process.memoryUsage().heapUsed / 2 ** 20,
  };
  process.stdout.write(`${JSON.stringify(m)}\n`);
}

function parent(): void {
  const args = process.argv.slice(2);
  const jsonAt = args.indexOf('--json');
  const jsonFile = jsonAt >= 0 ? args[jsonAt + 1] : undefined;
  if (jsonAt >= 0 && !jsonFile) throw new Error('--json needs a file name');
  const onlyAt = args.indexOf('--only');
  const only = onlyAt >= 0 ? new Set((args[onlyAt + 1] ?? '').split(',')) : null;
  const repeatAt = args.indexOf('--repeat');
  const repeat = repeatAt >= 0 ? Number(args[repeatAt + 1]) : 1;
  if (!Number.isInteger(repeat) || repeat < 1) throw new Error('--repeat needs a whole number of runs ≥ 1');
  const chosen = workloads.filter((w) => !only || only.has(w.name) || w.name === 'mm1k');
  let commit = 'unknown';
  try {
    commit = execSync('git rev-parse --short HEAD', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {}
  console.log(`Faultline simulator benchmark (node ${process.version}, commit ${commit}${quick ? ', --quick' : ''}${repeat > 1 ? `, fastest of ${repeat} runs` : ''})`);
  console.log('rates are events per CPU second of a child process; each ratio is to a core (M/M/1/K) run made just before\n');
  const measure = (w: Workload): Measured | null => {
    const r = spawnSync(process.execPath, [...process.execArgv, __filename, '--child', w.name, ...(quick ? ['--quick'] : [])], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (r.status !== 0) {
      console.log(`${w.label.padEnd(30)} FAILED (${r.signal ?? `exit ${r.status}`})\n${r.stderr}`);
      return null;
    }
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as Measured;
  };
  const core = workloads.find((w) => w.name === 'mm1k')!;
  const rateOf = (m: Measured): number => m.events / m.cpuSeconds;
  const runs = new Map<string, Measured[]>();
  const paired = chosen.some((w) => w !== core && w.name !== 'idle');
  // Per round, each workload's rate over that of the core run just before it.
  const rounds: Array<Map<string, number>> = [];
  for (let round = 0; round < repeat; round++) {
    const toCore = new Map<string, number>();
    for (const w of chosen) {
      // The core's own row is made of the runs paired with the others; alone, it runs for itself.
      if (w === core && paired) continue;
      const c = w === core || w.name === 'idle' ? null : measure(core);
      const m = measure(w);
      if (!m) continue;
      runs.set(w.name, [...(runs.get(w.name) ?? []), m]);
      if (c) {
        runs.set(core.name, [...(runs.get(core.name) ?? []), c]);
        if (m.events > 0) toCore.set(w.name, rateOf(m) / rateOf(c));
      }
    }
    rounds.push(toCore);
    if (repeat > 1) process.stderr.write(`round ${round + 1} of ${repeat} done\n`);
  }
  const median = (xs: number[]): number | null => {
    if (xs.length === 0) return null;
    const s = [...xs].sort((a, b) => a - b);
    const mid = s.length >> 1;
    return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  };
  const toCore = (name: string): number | null => median(rounds.flatMap((r) => (r.has(name) ? [r.get(name)!] : [])));
  // Two workloads compared through their own core runs, round by round: a slow spell between them cancels out.
  const between = (a: string, b: string): number | null =>
    median(rounds.flatMap((r) => (r.has(a) && r.has(b) ? [r.get(a)! / r.get(b)!] : [])));
  const results: Array<Measured & { ratioToCore: number | null }> = [];
  for (const w of chosen) {
    const all = runs.get(w.name);
    if (!all) continue;
    const m = all.reduce((a, b) => (b.cpuSeconds < a.cpuSeconds ? b : a));
    const slowest = Math.max(...all.map((x) => x.cpuSeconds));
    const r = w === core ? 1 : toCore(w.name);
    results.push({ ...m, ratioToCore: m.events > 0 ? r : null });
    const fig = m.events === 0 ? ''.padEnd(58) : `${m.events.toLocaleString('en').padStart(11)} events ${m.cpuSeconds.toFixed(2).padStart(6)} s cpu ${m.wallSeconds.toFixed(2).padStart(6)} s wall ${Math.round(rateOf(m)).toLocaleString('en').padStart(11)} ev/s`;
    const ratio = m.events === 0 || r === null ? '' : `  ${r.toFixed(2)}× core`;
    console.log(`${w.label.padEnd(30)}${fig}  peak RSS ${Math.round(m.maxRssMB).toString().padStart(5)} MB${ratio}`);
    if (m.extra) console.log(`${''.padEnd(30)} ${m.extra}`);
    if (all.length > 1) console.log(`${''.padEnd(30)} fastest of ${all.length} runs; slowest ${slowest.toFixed(2)} s cpu`);
  }
  // In core-run units a workload takes events / ratio; sends with its trace take at least the sends
  // without it plus the trace floor (the trace of the same run, made with nothing else running).
  const eventsOf = (name: string): number | undefined => runs.get(name)?.[0]?.events;
  const sendsEvents = eventsOf('sends-off');
  const traceEvents = eventsOf('trace-floor');
  const sendsOnBound = (r: Map<string, number>): number[] =>
    sendsEvents !== undefined && traceEvents !== undefined && r.has('sends-off') && r.has('trace-floor')
      ? [sendsEvents / (sendsEvents / r.get('sends-off')! + traceEvents / r.get('trace-floor')!)]
      : [];
  const summary = {
    sendsOffToCore: toCore('sends-off'),
    sendsOnToCore: toCore('sends-on'),
    hb10kTo10: between('hb-10k', 'hb-10'),
    floor10kTo10: between('floor-10k', 'floor-10'),
    hb10kToFloor: between('hb-10k', 'floor-10k'),
    hb10ToFloor: between('hb-10', 'floor-10'),
    sendsOnBound: median(rounds.flatMap(sendsOnBound)),
  };
  const f = (x: number | null): string => x?.toFixed(2) ?? '-';
  console.log(
    `\nsends/core: trace off ${f(summary.sendsOffToCore)} (goal ≥ 0.50), trace on ${f(summary.sendsOnToCore)} (goal ≥ 0.30); ` +
      `heartbeat 10k/10 nodes: ${f(summary.hb10kTo10)} (goal ≥ 0.50)`,
  );
  if (summary.floor10kTo10 !== null || summary.sendsOnBound !== null) {
    console.log(
      `floors: heartbeat 10k/10 nodes on the bare queue ${f(summary.floor10kTo10)}; library/floor at 10 nodes ${f(summary.hb10ToFloor)}, at 10k ${f(summary.hb10kToFloor)}; ` +
        `trace on/core at best with the trace as objects ${f(summary.sendsOnBound)}`,
    );
  }
  if (jsonFile) {
    const rows = results.map((r) => ({ ...r, eventsPerCpuSecond: r.events > 0 ? r.events / r.cpuSeconds : null }));
    fs.writeFileSync(jsonFile, `${JSON.stringify({ node: process.version, commit, quick, repeat, summary, workloads: rows }, null, 2)}\n`);
    console.log(`wrote ${jsonFile}`);
  }
}

const at = process.argv.indexOf('--child');
if (at >= 0) child(process.argv[at + 1]!);
else parent();
