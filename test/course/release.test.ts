// `npm run release` (scripts/release.ts), end to end, on a copy of this
// repository with a hidden-test fixture added (test/graders/hidden/), built
// with --no-site into a temporary folder:
//   - the student repository holds no solution text and no hidden test text,
//     and its own `npm run grade -- --classroom` works on a fresh copy (0 on the
//     stubs, full points on the solutions, in the reporter's format);
//   - the Gradescope autograder.zip has the right layout, and its setup.sh and
//     run_autograder work in a folder laid out like Gradescope's /autograder
//     (full marks for the solutions, 0 for a missing file only, 0 on the
//     stubs, a valid results.json even when grading cannot start).
// The graders run for real, so this takes a minute or two.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { reporterEnvName, runnerId, type ClassroomRunnerResult } from '../../scripts/grading/classroom';
import { GradescopeResultsSchema, type GradescopeResultsJson } from '../../scripts/grading/gradescope-schema';

const root = path.resolve(__dirname, '..', '..');
const tsx = path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const nodeModules = fs.realpathSync(path.join(root, 'node_modules'));
const ids = fs
  .readdirSync(path.join(root, 'test', 'graders'))
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => f.slice(0, -'.test.ts'.length))
  .sort();
const TWO = [ids[0]!, ids[1]!];
const MISSING = ids[2]!;
const MARKER = 'HIDDEN-FIXTURE-3c9e1f';
const HIDDEN_FIXTURE = `// Hidden-test fixture written by test/course/release.test.ts (${MARKER}).
import { expect, test } from 'vitest';
import { buildScenario } from '@target/01-partial-failures';

test('hidden: does buildScenario build a scenario with a crashed server? (seed=11) ${MARKER}', { meta: { points: 1, visibility: 'after_due_date' } }, () => {
  const hiddenScenarioForCheckingLeaks = buildScenario('crashed', 11);
  expect(hiddenScenarioForCheckingLeaks.sim, 'buildScenario must return { sim, ... } (${MARKER})').toBeDefined();
});
`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Every file below `dir` (relative paths), not following symlinks. */
function walk(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = path.join(rel, e.name);
    if (e.isDirectory()) out.push(...walk(dir, r));
    else if (e.isFile()) out.push(r);
  }
  return out;
}

/**
 * Lines of `file` that appear in no file of `elsewhere`: what would give it
 * away. Short or generic lines (braces, imports, comments) are skipped.
 */
function distinctiveLines(file: string, elsewhere: string[]): string[] {
  const corpus = elsewhere.map((f) => fs.readFileSync(f, 'utf8')).join('\n');
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length >= 25 && !l.startsWith('//') && !l.startsWith('*') && !l.startsWith('import '))
    .filter((l) => !corpus.includes(l));
}

let tmp = '';
let repo = ''; // the instructor repository copy the release is built from
let out = '';
let student = '';
let agSource = ''; // the unzipped autograder.zip, for layout checks
const runs: Record<string, Run> = {};
const gradescope: Record<string, GradescopeResultsJson> = {};
const classroom: Record<string, { json: Record<string, ClassroomRunnerResult>; outputs: string }> = {};

/** A folder laid out like Gradescope's /autograder, with the package unzipped into source/. */
function autograderRoot(name: string, withNodeModules = true): string {
  const ag = path.join(tmp, name);
  fs.mkdirSync(path.join(ag, 'source'), { recursive: true });
  fs.mkdirSync(path.join(ag, 'submission'), { recursive: true });
  fs.cpSync(agSource, path.join(ag, 'source'), { recursive: true });
  if (withNodeModules) fs.symlinkSync(nodeModules, path.join(ag, 'source', 'node_modules'));
  return ag;
}

async function runAutograder(name: string, ag: string, env: Record<string, string> = {}): Promise<void> {
  runs[name] = await run('bash', [path.join(ag, 'source', 'run_autograder')], ag, { AUTOGRADER_ROOT: ag, ...env });
  gradescope[name] = JSON.parse(fs.readFileSync(path.join(ag, 'results', 'results.json'), 'utf8')) as GradescopeResultsJson;
}

/** A fresh copy of the student repository, with `solutions` copied over its stubs, graded with --classroom. */
async function gradeStudentCopy(name: string, solutions: string[]): Promise<void> {
  const copy = path.join(tmp, name);
  fs.cpSync(student, copy, { recursive: true });
  fs.symlinkSync(nodeModules, path.join(copy, 'node_modules'));
  for (const id of solutions) fs.copyFileSync(path.join(root, 'solutions', `${id}.ts`), path.join(copy, 'exercises', `${id}.ts`));
  const ghOutput = path.join(tmp, `${name}.github-output`);
  fs.writeFileSync(ghOutput, '');
  const file = path.join(tmp, `${name}.classroom.json`);
  const args = [tsx, path.join(copy, 'scripts', 'grade.ts'), '--classroom', file, ...TWO.flatMap((id) => ['--only', id])];
  runs[name] = await run(process.execPath, args, copy, { GITHUB_OUTPUT: ghOutput });
  classroom[name] = { json: JSON.parse(fs.readFileSync(file, 'utf8')), outputs: fs.readFileSync(ghOutput, 'utf8') };
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'faultline-release-test-'));
  // As root, submissions run as the sandbox user, which must be able to reach the course's lib/.
  fs.chmodSync(tmp, 0o755);
  repo = path.join(tmp, 'repo');
  const skip = new Set(['node_modules', 'build', '.git', '.venv']);
  fs.cpSync(root, repo, { recursive: true, filter: (src) => !skip.has(path.basename(src)) || path.dirname(src) !== root });
  fs.symlinkSync(nodeModules, path.join(repo, 'node_modules'));
  fs.mkdirSync(path.join(repo, 'test', 'graders', 'hidden'), { recursive: true });
  fs.writeFileSync(path.join(repo, 'test', 'graders', 'hidden', '01-partial-failures.test.ts'), HIDDEN_FIXTURE);

  out = path.join(tmp, 'out');
  runs.release = await run(process.execPath, [tsx, path.join(repo, 'scripts', 'release.ts'), '--out', out, '--no-site'], repo);
  if (runs.release.code !== 0) throw new Error(`npm run release failed:\n${runs.release.stdout}\n${runs.release.stderr}`);
  student = path.join(out, 'student');
  agSource = path.join(tmp, 'unzipped');
  fs.mkdirSync(agSource);
  runs.unzip = await run('unzip', ['-q', path.join(out, 'gradescope', 'autograder.zip'), '-d', agSource], tmp);
  runs.zipinfo = await run('zipinfo', [path.join(out, 'gradescope', 'autograder.zip')], tmp);

  // Gradescope: the solutions with one file missing (some at the top level, some in exercises/).
  const full = autograderRoot('ag-solutions');
  for (const id of ids.filter((i) => i !== MISSING)) {
    const dest = id === ids[0] ? path.join(full, 'submission') : path.join(full, 'submission', 'exercises');
    fs.mkdirSync(dest, { recursive: true });
    fs.copyFileSync(path.join(root, 'solutions', `${id}.ts`), path.join(dest, `${id}.ts`));
  }
  const stubs = autograderRoot('ag-stubs');
  for (const id of TWO) fs.copyFileSync(path.join(root, 'exercises', `${id}.ts`), path.join(stubs, 'submission', `${id}.ts`));
  const broken = autograderRoot('ag-broken', false);

  // Two at a time: grading is CPU-bound and each exercise has a wall-clock limit.
  await Promise.all([
    runAutograder('solutions', full),
    (async () => {
      runs.setup = await run('bash', [path.join(stubs, 'source', 'setup.sh')], stubs, { AUTOGRADER_ROOT: stubs, FAULTLINE_SKIP_NPM_CI: '1' });
      await runAutograder('broken', broken);
      await runAutograder('stubs', stubs, { FAULTLINE_GRADE_ONLY: TWO.join(',') });
      await gradeStudentCopy('student-stubs', []);
      await gradeStudentCopy('student-solutions', TWO);
    })(),
  ]);
}, 900_000);

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('the student repository', () => {
  test('has the course, public graders and the Classroom workflow, and nothing instructor-only', () => {
    const files = walk(student);
    for (const f of ['README.md', 'package.json', 'package-lock.json', 'tsconfig.json', 'vitest.graders.config.ts', 'scripts/start.mjs', 'scripts/grade.ts', 'jupyter/kernels/faultline/kernel.json', '.github/workflows/classroom.yml', 'lib/index.ts']) {
      expect(files, `student/${f}`).toContain(f);
    }
    for (const id of ids) {
      expect(files).toContain(`exercises/${id}.ts`);
      expect(files).toContain(`test/graders/${id}.test.ts`);
    }
    expect(files.filter((f) => f.endsWith('.ipynb')).length).toBe(fs.readdirSync(path.join(root, 'notebooks')).filter((f) => f.endsWith('.ipynb')).length);
    const forbidden = files.filter((f) => /^(solutions|bench|test\/graders\/hidden|test\/lib|test\/course)\//.test(f) || /release|prove-graders|gradescope\.ts$/.test(f));
    expect(forbidden).toEqual([]);
    const pkg = JSON.parse(fs.readFileSync(path.join(student, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(Object.keys(pkg.scripts).sort()).toEqual(['execute-notebooks', 'grade', 'setup', 'start', 'typecheck']);
    // What the shipped scripts import from their own folder is shipped too (start.mjs loads python-env.cjs).
    const shippedScripts = files.filter((f) => /^scripts\/[^/]+\.(mjs|ts)$/.test(f));
    const siblings = shippedScripts.flatMap((f) =>
      [...fs.readFileSync(path.join(student, f), 'utf8').matchAll(/from '\.\/([\w.-]+\.c?js)'/g)].map((m) => `scripts/${m[1]}`),
    );
    expect(siblings).toContain('scripts/python-env.cjs');
    for (const s of siblings) expect(files, `student/${s}`).toContain(s);
  });

  test('notebooks are stripped of outputs', () => {
    for (const f of walk(student).filter((x) => x.endsWith('.ipynb'))) {
      const nb = JSON.parse(fs.readFileSync(path.join(student, f), 'utf8')) as { cells: Array<{ cell_type: string; outputs?: unknown[] }> };
      expect(nb.cells.filter((c) => c.cell_type === 'code' && (c.outputs ?? []).length > 0), f).toEqual([]);
    }
  });

  test('contains no solution text and no hidden test text, in any file', () => {
    const notSolutions = walk(repo)
      .filter((f) => !f.startsWith('solutions/') && !f.startsWith('test/graders/hidden/') && !f.startsWith('node_modules'))
      .map((f) => path.join(repo, f));
    const secrets: Array<{ from: string; line: string }> = [];
    for (const f of fs.readdirSync(path.join(repo, 'solutions'))) {
      const lines = distinctiveLines(path.join(repo, 'solutions', f), notSolutions);
      // Otherwise this test could not fail for that solution.
      expect(lines.length, `distinctive lines of solutions/${f}`).toBeGreaterThanOrEqual(3);
      secrets.push(...lines.map((line) => ({ from: `solutions/${f}`, line })));
    }
    for (const f of fs.readdirSync(path.join(repo, 'test', 'graders', 'hidden'))) {
      const lines = distinctiveLines(path.join(repo, 'test', 'graders', 'hidden', f), notSolutions);
      expect(lines.length, `distinctive lines of hidden/${f}`).toBeGreaterThanOrEqual(2);
      secrets.push(...lines.map((line) => ({ from: `test/graders/hidden/${f}`, line })));
    }
    const leaks: string[] = [];
    for (const f of walk(student)) {
      const text = fs.readFileSync(path.join(student, f), 'utf8');
      for (const s of secrets) if (text.includes(s.line)) leaks.push(`student/${f} contains "${s.line}" from ${s.from}`);
      if (text.includes(MARKER)) leaks.push(`student/${f} contains the hidden fixture's marker`);
    }
    expect(leaks).toEqual([]);
    // And the Gradescope package has no solutions either (it grades the submission, not the reference).
    const agLeaks = walk(agSource).filter((f) => secrets.some((s) => s.from.startsWith('solutions/') && fs.readFileSync(path.join(agSource, f), 'utf8').includes(s.line)));
    expect(agLeaks).toEqual([]);
  }, 120_000); // reads every file of the release: slow on a busy machine

  test('the Classroom workflow is named as Classroom requires and reports every exercise', () => {
    const yml = fs.readFileSync(path.join(student, '.github', 'workflows', 'classroom.yml'), 'utf8');
    expect(yml).toMatch(/^name: Autograding Tests$/m);
    expect(yml).toMatch(/^ {2}run-autograding-tests:$/m);
    expect(yml).toContain('uses: classroom-resources/autograding-grading-reporter@v1');
    expect(yml).toMatch(/^ +id: grade$/m);
    expect(yml).toContain('npm run grade -- --classroom');
    expect(yml).toContain(`runners: ${ids.map(runnerId).join(',')}`);
    for (const id of ids) expect(yml).toContain(`${reporterEnvName(runnerId(id))}: "\${{ steps.grade.outputs['${runnerId(id)}'] }}"`);
  });

  test.each([
    ['student-stubs', 0],
    ['student-solutions', 1],
  ] as const)('its own npm run grade -- --classroom on a fresh copy (%s) gives the reporter the right points', (name, fraction) => {
    expect(runs[name]!.code, runs[name]!.stderr).toBe(0);
    const { json, outputs } = classroom[name]!;
    expect(Object.keys(json).sort()).toEqual(TWO.map(runnerId).sort());
    const lines = outputs.trim().split('\n');
    expect(lines.length).toBe(TWO.length);
    for (const id of TWO) {
      const r = json[runnerId(id)]!;
      expect(r.version).toBe(1);
      expect(r.max_score).toBeGreaterThan(0);
      expect(r.tests.length).toBeGreaterThan(1);
      const score = r.tests.reduce((s, t) => s + t.score, 0);
      expect(score, `${id} points`).toBe(fraction * r.max_score);
      expect(r.status).toBe(fraction === 1 ? 'pass' : 'fail');
      for (const t of r.tests) expect(t.status).toBe(fraction === 1 ? 'pass' : 'fail');
      if (fraction === 0) expect(r.tests[0]!.message).toMatch(/not implemented|To reproduce/);
      // The step output holds exactly that payload, base64-encoded, as the reporter reads it.
      const line = lines.find((l) => l.startsWith(`${runnerId(id)}=`))!;
      expect(JSON.parse(Buffer.from(line.slice(line.indexOf('=') + 1), 'base64').toString('utf8'))).toEqual(r);
    }
  });
});

describe('the Gradescope autograder.zip', () => {
  test('has setup.sh and run_autograder (executable) at its root, the course and every grader, and no solutions', () => {
    const files = walk(agSource);
    for (const f of ['setup.sh', 'run_autograder', 'package.json', 'package-lock.json', 'scripts/grade.ts', 'scripts/grading/gradescope.ts', 'vitest.graders.config.ts', 'lib/index.ts']) {
      expect(files, f).toContain(f);
    }
    for (const id of ids) expect(files).toContain(`test/graders/${id}.test.ts`);
    expect(files).toContain('test/graders/hidden/01-partial-failures.test.ts');
    expect(files.filter((f) => /^(solutions|notebooks|bench)\//.test(f))).toEqual([]);
    expect(runs.zipinfo!.stdout).toMatch(/^-rwxr-xr-x .* setup\.sh$/m);
    expect(runs.zipinfo!.stdout).toMatch(/^-rwxr-xr-x .* run_autograder$/m);
  });

  test('setup.sh runs (node already recent enough; npm ci skipped here) and creates nothing it should not', () => {
    expect(runs.setup!.code, runs.setup!.stderr).toBe(0);
    expect(runs.setup!.stdout).toMatch(/node v\d+\.\d+\.\d+ is recent enough/);
    expect(runs.setup!.stdout).toContain('done');
  });

  test('run_autograder gives the solutions full marks, and 0 only to the exercise whose file is missing', () => {
    expect(runs.solutions!.code, runs.solutions!.stderr).toBe(0);
    const r = gradescope.solutions!;
    expect(GradescopeResultsSchema.safeParse(r).error).toBeUndefined();
    const tests = r.tests ?? [];
    const missing = tests.filter((t) => t.name!.startsWith(`${MISSING}:`));
    const present = tests.filter((t) => !t.name!.startsWith(`${MISSING}:`));
    expect(missing.length).toBeGreaterThan(0);
    expect(present.length).toBeGreaterThan(missing.length);
    for (const t of present) expect(t.score, t.name).toBe(t.max_score);
    for (const t of missing) {
      expect(t.score).toBe(0);
      expect(t.output).toContain(`exercises/${MISSING}.ts was not in your submission`);
    }
    expect(r.score).toBe(present.reduce((s, t) => s + t.max_score!, 0));
    expect(r.output).toContain(`MISSING exercises/${MISSING}.ts`);
    // Every test is numbered <exercise>.<test>, uniquely.
    const numbers = tests.map((t) => t.number);
    expect(numbers.every((n) => /^\d+\.\d+$/.test(n ?? ''))).toBe(true);
    expect(new Set(numbers).size).toBe(numbers.length);
    for (const t of tests) expect(t.output ?? '').not.toMatch(/submission-[A-Za-z0-9]{6}/);
  });

  test('run_autograder gives the stubs 0, with each failure explained', () => {
    expect(runs.stubs!.code, runs.stubs!.stderr).toBe(0);
    const r = gradescope.stubs!;
    expect(GradescopeResultsSchema.safeParse(r).error).toBeUndefined();
    expect(r.score).toBe(0);
    const tests = r.tests ?? [];
    expect(new Set(tests.map((t) => t.name!.split(':')[0]))).toEqual(new Set(TWO));
    for (const t of tests) {
      expect(t.status).toBe('failed');
      expect(t.max_score).toBeGreaterThan(0);
      expect(t.output).toMatch(/To reproduce: npm run grade -- --only/);
    }
  });

  test('run_autograder leaves a valid 0-point results.json when grading cannot even start', () => {
    expect(runs.broken!.code).not.toBe(0);
    const r = gradescope.broken!;
    expect(GradescopeResultsSchema.safeParse(r).error).toBeUndefined();
    expect(r.score).toBe(0);
    expect(r.output).toMatch(/did not finish|could not run/);
  });

  test('the schema rejects what Gradescope would reject', () => {
    expect(GradescopeResultsSchema.safeParse({ tests: [{ name: 'x', status: 'ok' }] }).success).toBe(false);
    expect(GradescopeResultsSchema.safeParse({ score: 1, tests: [{ score: 3, max_score: 2 }] }).success).toBe(false);
    expect(GradescopeResultsSchema.safeParse({ tests: [{ max_score: 2 }] }).success).toBe(false);
    expect(GradescopeResultsSchema.safeParse({ score: 0, tests: [{ score: 0, visibility: 'secret' }] }).success).toBe(false);
    expect(GradescopeResultsSchema.safeParse({ score: 0, tests: [{ score: 0, visibility: 'after_due_date' }] }).success).toBe(true);
  });
});
