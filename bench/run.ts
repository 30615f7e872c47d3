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
// ratio is the median of the N rounds' ratios. The workloads are in
// workloads.ts; ab.ts runs them on another commit's library beside this one's.
import { spawnSync } from 'child_process';
import { execSync } from 'child_process';
import * as fs from 'fs';
import { createSim } from '../lib/core/sim';
import { distribution, sample } from '../lib/core/random';
import { median } from './alternate';
import { workloads as allWorkloads, type Outcome, type Workload } from './workloads';

type Measured = Outcome & { name: string; cpuSeconds: number; wallSeconds: number; maxRssMB: number; heapUsedMB: number };

const quick = process.argv.includes('--quick');
const workloads = allWorkloads({ createSim, distribution, sample }, quick ? 0.1 : 1);

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
  const medianOrNone = (xs: number[]): number | null => (xs.length === 0 ? null : median(xs));
  const toCore = (name: string): number | null => medianOrNone(rounds.flatMap((r) => (r.has(name) ? [r.get(name)!] : [])));
  // Two workloads compared through their own core runs, round by round: a slow spell between them cancels out.
  const between = (a: string, b: string): number | null =>
    medianOrNone(rounds.flatMap((r) => (r.has(a) && r.has(b) ? [r.get(a)! / r.get(b)!] : [])));
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
    sendsOnBound: medianOrNone(rounds.flatMap(sendsOnBound)),
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
