// `npm run bench:ab` (bench/ab.ts, bench/alternate.ts): the rounds alternate
// which side runs first, and the tool runs end to end (a worktree of the
// commit, one bundled child per workload) and leaves no worktree behind.
// Behaviour only: what the numbers are is the benchmark's business.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, test } from 'vitest';
import { alternate } from '../../bench/alternate';
import type { Workload } from '../../bench/workloads';

const root = path.resolve(__dirname, '..', '..');

describe('bench:ab', () => {
  test('do the rounds swap which side runs first, so that a slow spell falls on both alike?', () => {
    const order: string[] = [];
    const side = (name: string): Workload => ({ name: 'w', label: 'w', usesLib: true, run: () => (order.push(name), { events: 0 }) });
    const out = alternate(side('base'), side('head'), 4);
    expect(order).toEqual(['base', 'head', 'head', 'base', 'base', 'head', 'head', 'base']);
    expect(out.base).toHaveLength(4);
    expect(out.head).toHaveLength(4);
    expect([...out.base, ...out.head].every((s) => Number.isFinite(s) && s >= 0)).toBe(true);
  });

  test.skipIf(!fs.existsSync(path.join(root, '.git')))(
    'does it run a workload on a commit and on this tree, print both rows and a median, and remove its worktree?',
    () => {
      const worktrees = () => execFileSync('git', ['worktree', 'list'], { cwd: root, encoding: 'utf8' });
      const before = worktrees();
      const tsx = require.resolve('tsx/cli', { paths: [root] });
      const r = spawnSync(process.execPath, [tsx, 'bench/ab.ts', 'HEAD', '--only', 'hb-10', '--rounds', '2', '--quick'], {
        cwd: root,
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(r.stderr).not.toMatch(/error/i);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/heartbeat, 10 nodes\n {2}base +[\d.]+ +[\d.]+\n {2}head +[\d.]+ +[\d.]+\n {2}ratio +[\d.]+ +[\d.]+ +median [\d.]+/);
      expect(worktrees()).toBe(before);
    },
    120_000,
  );

  test('does it refuse a workload that does not use the library, or one it does not know, naming it?', () => {
    const tsx = require.resolve('tsx/cli', { paths: [root] });
    const run = (name: string) => spawnSync(process.execPath, [tsx, 'bench/ab.ts', 'HEAD', '--only', name], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    const floor = run('floor-10');
    expect(floor.status).not.toBe(0);
    expect(floor.stderr).toMatch(/floor-10 does not use the library/);
    const typo = run('hb-100');
    expect(typo.status).not.toBe(0);
    expect(typo.stderr).toMatch(/no workload hb-100 \(there are: mm1k, sends-off, sends-on, hb-10, /);
  });
});
