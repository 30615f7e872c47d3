// Another commit's library against this tree's, on the benchmark's workloads,
// in one process: a benchmark, not a test (it prints numbers).
//
//   npm run bench:ab -- <commit> [--only NAME[,NAME...]] [--rounds N] [--quick]
//
// On a shared virtual machine the speed drifts by a third within minutes, so
// two runs made a minute apart cannot show a 10% change. Here each workload
// gets a child process that holds both libraries and runs the workload on
// each in turn, N rounds, the order swapped every round (alternate.ts): a
// slow spell slows both sides of a round alike. It prints each round's CPU
// seconds and the median of the rounds' ratios (this tree / the commit's;
// below 1 is faster).
//
// The commit's tree is checked out beside this one (a git worktree in the
// temporary folder, using this tree's node_modules) and removed at the end.
// Each side runs its own copy of the workloads (this tree's, copied into the
// commit's), so a program's closures never see the other library's objects.
// The child is one script that esbuild bundles from both trees: with the two
// trees loaded through tsx instead, a run of this tree against itself came
// out at 0.80 at 10 nodes (bundled: 0.975, and 1.03 at 10,000 nodes).
import { execFileSync, spawnSync } from 'child_process';
import { buildSync } from 'esbuild';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createSim } from '../lib/core/sim';
import { distribution, sample } from '../lib/core/random';
import { median, type Rounds } from './alternate';
import { workloads } from './workloads';

const ROOT = path.resolve(__dirname, '..');
const DEFAULT = ['hb-10', 'hb-10k'];
const COPY = 'ab-workloads'; // this tree's workloads.ts, copied into the commit's tree

/** The child's source: each side's workloads on its own library, and the rounds. */
function childSource(tree: string): string {
  const at = (...p: string[]): string => JSON.stringify(path.join(...p).split(path.sep).join('/'));
  const side = (dir: string, workloadsFile: string, n: string): string =>
    `import { workloads as w${n} } from ${at(dir, workloadsFile)};\n` +
    `import { createSim as c${n} } from ${at(dir, 'lib/core/sim')};\n` +
    `import { distribution as d${n}, sample as s${n} } from ${at(dir, 'lib/core/random')};\n`;
  return [
    `import { alternate } from ${at(ROOT, 'bench/alternate')};`,
    side(tree, `bench/${COPY}`, 'B') + side(ROOT, 'bench/workloads', 'H'),
    'const [name, rounds, scale] = process.argv.slice(2);',
    'const pick = (w, c, d, s) => w({ createSim: c, distribution: d, sample: s }, Number(scale)).find((x) => x.name === name);',
    'const out = alternate(pick(wB, cB, dB, sB), pick(wH, cH, dH, sH), Number(rounds));',
    'process.stdout.write(JSON.stringify(out) + "\\n");',
  ].join('\n');
}

function main(args: string[]): void {
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
  try {
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(tree, 'node_modules'));
    fs.mkdirSync(path.join(tree, 'bench'), { recursive: true });
    fs.copyFileSync(path.join(__dirname, 'workloads.ts'), path.join(tree, 'bench', `${COPY}.ts`));
    fs.writeFileSync(path.join(tree, 'ab-entry.js'), childSource(tree));
    const script = path.join(tree, 'ab.cjs');
    buildSync({ entryPoints: [path.join(tree, 'ab-entry.js')], bundle: true, platform: 'node', outfile: script, logLevel: 'warning' });
    console.log(`${commit.slice(0, 7)} (base) against ${head}${dirty ? ' with uncommitted changes' : ''} (head), ${rounds} rounds in one process per workload${quick ? ', --quick' : ''}`);
    console.log('cpu seconds per round; ratio head/base per round, and its median (below 1: head is faster)\n');
    for (const n of names) {
      const r = spawnSync(process.execPath, [script, n, String(rounds), quick ? '0.1' : '1'], { encoding: 'utf8', maxBuffer: 1 << 20 });
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
    if (fs.existsSync(path.join(tree, 'node_modules'))) fs.unlinkSync(path.join(tree, 'node_modules'));
    git('worktree', 'remove', '--force', tree);
  }
}

main(process.argv.slice(2));
