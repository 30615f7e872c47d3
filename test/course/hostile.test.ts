// A hostile-submission suite for the grader (docs/grading.md): each fixture in
// test/fixtures/hostile/attacks/ tries one way to cheat or to break grading,
// and earns points only if that way works. Each is graded next to an honest
// exercise, which must keep its full marks, twice: with `npm run grade` and
// through the Gradescope entry point (scripts/grading/gradescope.ts, what
// run_autograder runs); one more goes through it on real exercises.
//
// The attacks on privileges (reading solutions, rewriting the course, killing
// the grader) can only be stopped by another user: they run when the suite
// runs as root, as in CI and on Gradescope.
import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { GradescopeResults } from '../../scripts/grading/grade-lib';
import { isSandboxUid } from '../../scripts/grading/privileges';
import { sandboxTransforms } from '../../scripts/grading/sandbox/transforms';

const root = path.resolve(__dirname, '..', '..');
const fixtures = path.join(root, 'test', 'fixtures', 'hostile');
const graders = path.join(fixtures, 'graders');
const tsx = path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const isRoot = process.getuid?.() === 0;
const MARKER = '/tmp/faultline-hostile-survived';

/** Files a submission would love to rewrite. */
const GUARDED = [
  path.join(graders, 'attack.test.ts'),
  path.join(root, 'test', 'graders', '01-partial-failures.test.ts'),
  path.join(root, 'lib', 'index.ts'),
  path.join(root, 'node_modules', 'vitest', 'package.json'),
  path.join(root, 'scripts', 'grade.ts'),
];
const digest = () => GUARDED.map((f) => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex'));
/** Every file of the library as compiled for sandboxes, by name: its sha256. */
function compiledForSandboxes(): Map<string, string> {
  const dir = path.join(root, 'node_modules', '.cache', 'faultline-sandbox-tsx', `tsx-${process.getuid?.() ?? 0}`);
  const files = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
  return new Map(files.map((f) => [f, crypto.createHash('sha256').update(fs.readFileSync(path.join(dir, f))).digest('hex')]));
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  json: GradescopeResults | null;
  jsonBytes: number;
}

let tmp = '';
let before: string[] = [];
const runs: Record<string, Run> = {};

function exec(args: string[], out: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsx, ...args], { cwd: root, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout = (stdout + c.toString()).slice(-200_000)));
    child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-200_000)));
    child.on('error', reject);
    child.on('close', (code) => {
      const text = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '';
      resolve({ code, stdout, stderr, json: text ? (JSON.parse(text) as GradescopeResults) : null, jsonBytes: text.length });
    });
  });
}

/** `npm run grade` on a folder holding the attack as `attack.ts` and an honest `honest.ts`. */
function gradeAttack(name: string): Promise<Run> {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { mode: 0o755 });
  fs.copyFileSync(path.join(fixtures, 'attacks', `${name}.ts`), path.join(dir, 'attack.ts'));
  fs.copyFileSync(path.join(fixtures, 'honest.ts'), path.join(dir, 'honest.ts'));
  const out = path.join(tmp, `${name}.json`);
  // Two exercises at once (--jobs 2), so the attack runs beside the honest one.
  return exec([path.join(root, 'scripts', 'grade.ts'), '--target-dir', dir, '--graders-dir', graders, '--out', out, '--timeout', '40', '--jobs', '2'], out);
}

/** The same attack through the Gradescope entry point (what run_autograder runs), on the fixture graders. */
function gradescopeFixture(name: string): Promise<Run> {
  const gs = path.join(tmp, `gs-${name}`);
  fs.mkdirSync(path.join(gs, 'submission'), { recursive: true });
  fs.copyFileSync(path.join(fixtures, 'attacks', `${name}.ts`), path.join(gs, 'submission', 'attack.ts'));
  fs.copyFileSync(path.join(fixtures, 'honest.ts'), path.join(gs, 'submission', 'honest.ts'));
  const out = path.join(gs, 'results', 'results.json');
  return exec([path.join(root, 'scripts', 'grading', 'gradescope.ts'), '--root', gs, '--graders-dir', graders, '--timeout', '40'], out);
}

/** The Gradescope entry point on real exercises: 01 is the attack, 02 the reference solution. */
function gradescopeAttack(): Promise<Run> {
  const gs = path.join(tmp, 'autograder');
  fs.mkdirSync(path.join(gs, 'submission'), { recursive: true });
  fs.copyFileSync(path.join(fixtures, 'attacks', 'reexport-solution.ts'), path.join(gs, 'submission', '01-partial-failures.ts'));
  fs.copyFileSync(path.join(root, 'solutions', '02-unreliable-networks.ts'), path.join(gs, 'submission', '02-unreliable-networks.ts'));
  const out = path.join(gs, 'results', 'results.json');
  process.env.FAULTLINE_GRADE_ONLY = '01-partial-failures,02-unreliable-networks';
  const run = exec([path.join(root, 'scripts', 'grading', 'gradescope.ts'), '--root', gs], out);
  delete process.env.FAULTLINE_GRADE_ONLY;
  return run;
}

const ATTACKS = ['forge-results', 'patch-globals', 'matcher-objects', 'huge-output', 'memory-hog', 'detached', 'read-secrets', 'rewrite-files', 'kill-grader'];

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'faultline-hostile-'));
  fs.chmodSync(tmp, 0o755);
  fs.rmSync(MARKER, { force: true });
  before = digest();
  const queue: Array<[string, () => Promise<Run>]> = [
    ['gradescope', gradescopeAttack],
    ...ATTACKS.map((a): [string, () => Promise<Run>] => [a, () => gradeAttack(a)]),
    ...ATTACKS.map((a): [string, () => Promise<Run>] => [`gs:${a}`, () => gradescopeFixture(a)]),
  ];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) runs[next[0]] = await next[1]();
  };
  await Promise.all([worker(), worker()]);
  // Give anything that escaped time to do its damage.
  await new Promise((r) => setTimeout(r, 4000));
}, 600_000);

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  fs.rmSync(path.join(graders, 'planted.test.ts'), { force: true });
});

function points(r: Run, exercise: string): { score: number; max: number } {
  const tests = (r.json?.tests ?? []).filter((t) => t.name.startsWith(`${exercise}: `));
  return { score: tests.reduce((s, t) => s + t.score, 0), max: tests.reduce((s, t) => s + t.max_score, 0) };
}

/** Both paths: `npm run grade` (returned) and the Gradescope entry point. */
function expectZeroAndHonest(name: string): Run {
  checkRun(`gs:${name}`);
  return checkRun(name);
}

function checkRun(name: string): Run {
  const r = runs[name]!;
  const why = `${name}: exit ${r.code}\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-2000)}`;
  expect(r.code, why).toBe(0);
  expect(r.json, why).not.toBeNull();
  expect(points(r, 'attack'), why).toEqual({ score: 0, max: 5 });
  expect(points(r, 'honest'), `${why}\nthe honest exercise next to it must keep its marks`).toEqual({ score: 3, max: 3 });
  expect(r.json!.score, why).toBe(3);
  expect(r.json!.tests.map((t) => t.name).sort(), 'no test added, none lost').toEqual(
    ['attack: does pair describe two numbers? (seed=3)', 'attack: does sum add two numbers? (seed=1)', 'attack: does sum handle negative numbers? (seed=2)', 'honest: does twice double? (seed=1)'],
  );
  return r;
}

describe('a hostile submission earns nothing and breaks nothing', () => {
  test('forging records in the results channel adds no test, point or pass', () => {
    expectZeroAndHonest('forge-results');
  });

  test('patching Object.prototype, Object.is, JSON and expect in its own process changes no verdict', () => {
    expectZeroAndHonest('patch-globals');
  });

  test('objects that try to decide an expect themselves (asymmetricMatch, then, equals) are not trusted', () => {
    expectZeroAndHonest('matcher-objects');
  });

  test('a 40 MB error message and a 40 MB answer are cut short; results.json stays small and valid', () => {
    const r = expectZeroAndHonest('huge-output');
    expect(r.jsonBytes).toBeLessThan(1_000_000);
    for (const t of r.json!.tests) expect(t.output.length).toBeLessThan(8_000);
  });

  test('taking all the memory kills only the submission', () => {
    expectZeroAndHonest('memory-hog');
  });

  test('a detached process (own session, clean environment) dies with the submission', () => {
    expectZeroAndHonest('detached');
    expect(fs.existsSync(MARKER), `${MARKER} was written after grading: a process outlived it`).toBe(false);
  });

  test.runIf(isRoot)('as root: solutions/ and hidden tests cannot be read', () => {
    expectZeroAndHonest('read-secrets');
  });

  test.runIf(isRoot)('as root: graders, library, packages and tooling cannot be rewritten', () => {
    expect(sandboxTransforms(), 'the library compiled for sandboxes (sandbox/transforms.ts)').not.toBeNull();
    const compiled = compiledForSandboxes();
    expect(compiled.size, 'the library compiled for sandboxes is there to attack').toBeGreaterThan(0);
    expectZeroAndHonest('rewrite-files');
    expect(digest(), 'a guarded file changed').toEqual(before);
    expect(compiledForSandboxes(), 'the library compiled for sandboxes changed').toEqual(compiled);
    expect(fs.existsSync(path.join(graders, 'planted.test.ts')), 'a grader was planted').toBe(false);
  });

  test.runIf(isRoot)('as root: killing and stopping every visible process stops neither grading nor the honest exercise graded beside it', () => {
    expectZeroAndHonest('kill-grader');
  });

  test.runIf(isRoot)('as root: no process of a sandbox uid is left', () => {
    const left: string[] = [];
    for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      let status = '';
      try {
        status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
      } catch {
        continue; // gone
      }
      const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
      if (isSandboxUid(uid)) left.push(`${pid} (uid ${uid}): ${/^Name:\s+(.*)$/m.exec(status)?.[1]}`);
    }
    expect(left, 'processes of sandbox uids still running').toEqual([]);
  });


  test.runIf(isRoot)('through the Gradescope entry point: re-exporting the solution scores 0, the honest exercise full marks', () => {
    const r = runs.gradescope!;
    const why = `${r.stdout.slice(-3000)}\n${r.stderr.slice(-2000)}`;
    expect(r.code, why).toBe(0);
    const attack = points(r, '01-partial-failures');
    const honest = points(r, '02-unreliable-networks');
    expect(attack.max, why).toBeGreaterThan(0);
    expect(attack.score, why).toBe(0);
    expect(honest.score, why).toBe(honest.max);
    expect(r.json!.score).toBe(honest.max);
    expect(fs.existsSync(MARKER), 'a detached process survived grading').toBe(false);
  });
});
