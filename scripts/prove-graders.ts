// npm run test:graders
//
// Proves the graders before students see them:
//   (a) grading solutions/ gives full marks on every exercise;
//   (b) grading exercises/ (the stubs) fails EVERY test that has points
//       (a test that passes on the stub is a test that cannot fail);
//   (c) every test in test/graders has points > 0;
//   (d) exercises/ and solutions/ hold the same files, and every exercise has a grader;
//   (e) a grader can be listed with the code under test stubbed out, and its
//       runs report exactly the listed tests (the listing, which loads no student
//       code, decides which tests exist and their points; a test whose name
//       depends on the code under test would be ignored).
// Exits non-zero on any violation.
//
// Hidden options, for testing: --exercises-dir, --solutions-dir, --graders-dir, --timeout <s>.
import * as path from 'node:path';
import {
  DEFAULT_GRADERS_DIR,
  DEFAULT_TIMEOUT_SEC,
  GradingSetupError,
  ROOT,
  discover,
  findVitest,
  gradeExercise,
  graderFilesOf,
  runCli,
  listGraderIds,
  listModuleIds,
  listTests,
  type ExerciseResult,
} from './grading/grade-lib';

interface Options {
  exercisesDir: string;
  solutionsDir: string;
  gradersDir: string;
  timeoutSec: number;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = {
    exercisesDir: path.join(ROOT, 'exercises'),
    solutionsDir: path.join(ROOT, 'solutions'),
    gradersDir: DEFAULT_GRADERS_DIR,
    timeoutSec: DEFAULT_TIMEOUT_SEC,
  };
  for (let i = 0; i < argv.length; i++) {
    const [arg, inline] = argv[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    const need = () => {
      const v = inline ?? argv[++i];
      if (!v) throw new GradingSetupError(`${arg} needs a value`);
      return v;
    };
    if (arg === '--exercises-dir') opts.exercisesDir = path.resolve(need());
    else if (arg === '--solutions-dir') opts.solutionsDir = path.resolve(need());
    else if (arg === '--graders-dir') opts.gradersDir = path.resolve(need());
    else if (arg === '--timeout') {
      const n = Number(need());
      if (!Number.isFinite(n) || n <= 0) throw new GradingSetupError('--timeout must be a positive number of seconds');
      opts.timeoutSec = n;
    } else throw new GradingSetupError(`unknown option "${argv[i]}"`);
  }
  return opts;
}

interface Check {
  label: string;
  violations: string[];
}

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  findVitest();
  const rel = (p: string) => path.relative(process.cwd(), p) || '.';
  const exDir = rel(opts.exercisesDir);
  const solDir = rel(opts.solutionsDir);
  const grDir = rel(opts.gradersDir);

  const checks = {
    a: { label: `(a) ${solDir}/ gets full marks on every exercise`, violations: [] } as Check,
    b: { label: `(b) every test with points fails on the stubs in ${exDir}/`, violations: [] } as Check,
    c: { label: `(c) every test in ${grDir}/ has points > 0`, violations: [] } as Check,
    d: { label: `(d) ${exDir}/, ${solDir}/ and ${grDir}/ hold the same exercises`, violations: [] } as Check,
    e: { label: `(e) every grader lists its tests with the code under test stubbed out, and runs exactly those`, violations: [] } as Check,
  };

  // (d) file sets
  const stubs = listModuleIds(opts.exercisesDir);
  const sols = listModuleIds(opts.solutionsDir);
  const graders = listGraderIds(opts.gradersDir);
  for (const id of stubs.filter((x) => !sols.includes(x))) checks.d.violations.push(`${exDir}/${id}.ts has no ${solDir}/${id}.ts`);
  for (const id of sols.filter((x) => !stubs.includes(x))) checks.d.violations.push(`${solDir}/${id}.ts has no ${exDir}/${id}.ts`);
  for (const id of stubs.filter((x) => !graders.includes(x))) checks.d.violations.push(`${exDir}/${id}.ts has no grader ${grDir}/${id}.test.ts`);
  for (const id of graders.filter((x) => !stubs.includes(x))) checks.d.violations.push(`grader ${grDir}/${id}.test.ts has no ${exDir}/${id}.ts`);

  const ids = stubs.filter((id) => graders.includes(id));
  if (ids.length === 0) {
    console.error(
      `prove-graders: no exercises found: ${exDir}/ has no <id>.ts with a grader ${grDir}/<id>.test.ts` +
        (checks.d.violations.length ? `\n  ${checks.d.violations.join('\n  ')}` : ''),
    );
    return 1;
  }

  const timeoutMs = opts.timeoutSec * 1000;
  const scoreLine = (r: ExerciseResult) => `${r.score}/${r.maxScore}`;
  for (const id of ids) {
    const ofSolutions = discover(opts.solutionsDir, opts.gradersDir).exercises.find((e) => e.id === id)!;
    const ofStubs = discover(opts.exercisesDir, opts.gradersDir).exercises.find((e) => e.id === id)!;
    // The listing (no code under test loaded) is what both gradings score against.
    const listing = await listTests(graderFilesOf(ofStubs), timeoutMs);
    const collected = listing.tests.length ? listing.tests : undefined;
    const [sol, stub] = await Promise.all([
      sols.includes(id) ? gradeExercise(ofSolutions, { targetDir: opts.solutionsDir, timeoutSec: opts.timeoutSec, collected }) : null,
      gradeExercise(ofStubs, { targetDir: opts.exercisesDir, timeoutSec: opts.timeoutSec, collected }),
    ]);

    // (a)
    if (sol) {
      if (sol.gradingError) checks.a.violations.push(`${id}: grading error: ${sol.gradingError}`);
      else if (sol.maxScore <= 0) checks.a.violations.push(`${id}: the grader has no points to earn`);
      else if (sol.score < sol.maxScore) {
        checks.a.violations.push(`${id}: ${scoreLine(sol)}${sol.problem ? ` (${sol.problem})` : ''}`);
        for (const t of sol.tests.filter((t) => t.status === 'failed')) checks.a.violations.push(`  ${id}: "${t.name}" fails: ${t.reason}`);
      }
      for (const n of sol.notes) checks.a.violations.push(`${id}: ${n.split('\n')[0]}`);
    }
    // (b)
    if (stub.gradingError) checks.b.violations.push(`${id}: grading error: ${stub.gradingError}`);
    for (const t of stub.tests.filter((t) => t.hasPoints && t.status === 'passed')) {
      checks.b.violations.push(`${id}: "${t.name}" (${t.maxPoints} pt) passes on the stub: this test cannot fail`);
    }
    // (c)
    const seen = new Map<string, { name: string; points: number | null }>();
    for (const t of listing.tests) seen.set(t.id, { name: t.name, points: t.points });
    for (const t of [...(sol?.tests ?? []), ...stub.tests]) {
      if (!seen.has(t.id)) seen.set(t.id, { name: t.name, points: t.hasPoints ? t.maxPoints : null });
    }
    for (const t of seen.values()) {
      if (t.points === null) checks.c.violations.push(`${id}: "${t.name}" has no points (add { meta: { points: N } })`);
      else if (!(t.points > 0)) checks.c.violations.push(`${id}: "${t.name}" has points ${t.points}`);
    }
    // (e)
    if (listing.tests.length === 0) {
      checks.e.violations.push(`${id}: no tests listed with the code under test stubbed out (does the grader call it at module level or in a describe body?)`);
    }
    for (const r of [sol, stub]) {
      for (const n of r?.notes ?? []) if (n.startsWith('tests not in the listing')) checks.e.violations.push(`${id}: ${n}`);
    }
    const listed = listing.tests.length;
    console.log(
      `${id}: solution ${sol ? scoreLine(sol) : 'missing'}, stub ${scoreLine(stub)}, ${listed} test${listed === 1 ? '' : 's'} listed`,
    );
  }

  console.log('');
  let failed = 0;
  for (const c of Object.values(checks)) {
    if (c.violations.length === 0) {
      console.log(`ok    ${c.label}`);
    } else {
      failed++;
      console.log(`FAIL  ${c.label}`);
      for (const v of c.violations) console.log(`        ${v}`);
    }
  }
  console.log(failed ? `\n${failed} check${failed === 1 ? '' : 's'} failed` : `\nAll graders proven (${ids.length} exercise${ids.length === 1 ? '' : 's'}).`);
  return failed ? 1 : 0;
}

runCli(main, (err) => {
  console.error(err instanceof GradingSetupError ? `prove-graders: ${err.message}` : err);
  return 2;
});
