// Simulator throughput on fixed workloads. A benchmark, not a test: it prints
// numbers and asserts nothing about time. Run: npm run bench
import { createSim } from '../lib/core/sim';
import { distribution, sample } from '../lib/core/random';

type Result = { name: string; events: number; seconds: number; extra?: string };

function time(name: string, fn: () => { events: number; extra?: string }): Result {
  const t0 = process.hrtime.bigint();
  const { events, extra } = fn();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { name, events, seconds, extra };
}

/**
 * M/M/1/K drop-tail queue written with the library's own event API.
 * λ = 0.9, μ = 1, K = 100, 1,000,000 arrivals. Events = arrivals + departures.
 * Sanity check: mean time in system ≈ 1 / (μ − λ) = 10.
 */
function mm1k(): { events: number; extra: string } {
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
function sends(trace: boolean): { events: number; extra: string } {
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
  return { events: r.events, extra: `${delivered} messages delivered, trace ${trace ? `${sim.trace.length} events` : 'off'}` };
}

const results = [time('M/M/1/K queue (1M arrivals)', mm1k), time('network sends, trace off', () => sends(false)), time('network sends, trace on', () => sends(true))];
const base = results[0]!.events / results[0]!.seconds;
console.log(`Faultline simulator benchmark (node ${process.version})\n`);
for (const r of results) {
  const rate = r.events / r.seconds;
  console.log(`${r.name.padEnd(30)} ${r.events.toLocaleString('en').padStart(11)} events  ${(r.seconds).toFixed(2).padStart(6)} s  ${Math.round(rate).toLocaleString('en').padStart(11)} events/s  (${(rate / base).toFixed(2)}× M/M/1/K)`);
  if (r.extra) console.log(`${''.padEnd(30)} ${r.extra}`);
}
