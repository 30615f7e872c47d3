// Another commit's library against this tree's, on the benchmark's workloads,
// in one process: a benchmark, not a test (it prints numbers).
//
//   npm run bench:ab -- <commit> [--only NAME[,NAME...]] [--rounds N] [--quick]
//
// On a shared virtual machine the speed drifts by a third within minutes, so
// two runs made a minute apart cannot show a 10% change. Here each workload
// gets a child process that loads both libraries and runs the workload on
// each in turn, N rounds, the order swapped every round: a slow spell slows
// both sides of a round alike. It prints each round's CPU seconds and the
// median of the rounds' ratios (this tree / the commit's; below 1 is faster).
// The commit's tree is checked out beside this one (a git worktree in the
// temporary folder, using this tree's node_modules) and removed at the end.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createSim } from '../lib/core/sim';
import { distribution, sample } from '../lib/core/random';
import { type Lib, workloads } from './workloads';

const ROOT = path.resolve(__dirname, '..');
const DEFAULT = ['hb-10', 'hb-10k'];

type Rounds = { name: string; label: string; base: number[]; head: number[] };

const cpuOf = (run: () => unknown): number => {
  const c0 = process.cpuUsage();
  run();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
};

function child(baseRoot: string, name: string, rounds: number, scale: number): void {
  // The commit's library, loaded through the same TypeScript loader (tsx) as this file.
  const base: Lib = {
    createSim: require(path.join(baseRoot, 'lib/core/sim')).createSim,
    distribution: require(path.join(baseRoot, 'lib/core/random')).distribution,
    sample: require(path.join(baseRoot, 'lib/core/random')).sample,
  };
  const find = (lib: Lib) => workloads(lib, scale).find((w) => w.name === name)!;
  const [b, h] = [find(base), find({ createSim, distribution, sample })];
  const out: Rounds = { name, label: h.label, base: [], head: [] };
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      out.base.push(cpuOf(b.run));
      out.head.push(cpuOf(h.run));
    } else {
      out.head.push(cpuOf(h.run));
      out.base.push(cpuOf(b.run));
    }
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

function parent(args: string[]): void {
  const rev = args.find((a, i) => !a.startsWith('--') && !['--only', '--rounds'].includes(args[i - 1] ?? ''));
  if (!rev) throw new Error('usage: npm run bench:ab -- <commit> [--only NAME[,NAME...]] [--rounds N] [--quick]');
  const at = (flag: string): string | undefined => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
  const rounds = Number(at('--rounds') ?? 8);
  if (!Number.isInteger(rounds) || rounds < 2) throw new Error('--rounds needs a whole number ≥ 2');
  const quick = args.includes('--quick');
  const all = workloads({ createSim, distribution, sample });
  const names = (at('--only') ?? DEFAULT.join(',')).split(',');
  for (const n of names) {
    const w = all.find((x) => x.name === n);
    if (!w) throw new Error(`no workload ${n} (there are: ${all.filter((x) => x.usesLib).map((x) => x.name).join(', ')})`);
    if (!w.usesLib) throw new Error(`${n} does not use the library: both sides would run the same code`);
  }
  const git = (...a: string[]): string => execFileSync('git', a, { cwd: ROOT, encoding: 'utf8' }).trim();
  const commit = git('rev-parse', '--verify', `${rev}^{commit}`);
  const head = git('rev-parse', '--short', 'HEAD');
  const dirty = git('status', '--porcelain', '--', 'lib', 'bench') !== '';
  const tree = fs.mkdtempSync(path.join(os.tmpdir(), `faultline-ab-${commit.slice(0, 7)}-`));
  git('worktree', 'add', '--detach', '--force', tree, commit);
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(tree, 'node_modules'));
  try {
    console.log(`${commit.slice(0, 7)} (base) against ${head}${dirty ? ' with uncommitted changes' : ''} (head), ${rounds} rounds in one process per workload${quick ? ', --quick' : ''}`);
    console.log('cpu seconds per round; ratio head/base per round, and its median (below 1: head is faster)\n');
    for (const n of names) {
      const r = spawnSync(process.execPath, [...process.execArgv, __filename, '--child', tree, n, String(rounds), quick ? '0.1' : '1'], {
        encoding: 'utf8',
        maxBuffer: 1 << 20,
      });
      if (r.status !== 0) {
        console.log(`${n}: FAILED (${r.signal ?? `exit ${r.status}`})\n${r.stderr}`);
        continue;
      }
      const x = JSON.parse(r.stdout.trim().split('\n').pop()!) as Rounds;
      const ratios = x.head.map((h, i) => h / x.base[i]!);
      const row = (xs: number[]): string => xs.map((v) => v.toFixed(2).padStart(6)).join('');
      console.log(x.label);
      console.log(`  base  ${row(x.base)}`);
      console.log(`  head  ${row(x.head)}`);
      console.log(`  ratio ${row(ratios)}   median ${median(ratios).toFixed(3)}`);
    }
  } finally {
    fs.unlinkSync(path.join(tree, 'node_modules'));
    git('worktree', 'remove', '--force', tree);
  }
}

const c = process.argv.indexOf('--child');
if (c >= 0) {
  const [tree, name, rounds, scale] = process.argv.slice(c + 1);
  child(tree!, name!, Number(rounds), Number(scale));
} else parent(process.argv.slice(2));
