// npm run grade [-- options]
//
// Grades the exercises: for every exercises/<id>.ts with a grader
// test/graders/<id>.test.ts, runs the grader in its own vitest process (own
// process group, killed at the wall-clock limit) and prints a table of points.
//
//   --target exercises|solutions|<folder>   what to grade (default: exercises)
//   --only <id>                    grade one exercise (repeatable)
//   --out <file>                   also write a Gradescope results.json
//   --junit <file>                 also write JUnit XML (GitLab, Jenkins): see grading/junit.ts
//   --classroom <file>             also write GitHub Classroom reporter results: see grading/classroom.ts
//   --timeout <seconds>            wall-clock limit per exercise (default: 90)
//   --jobs <n>                     exercises graded at once (default: one more than the cores, at most 4; 1 on one core)
//
// Exit status is 0 whatever the score; non-zero only when grading could not
// run (bad option, unknown --only id, no graders, vitest missing) or a grader
// itself is broken.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  DEFAULT_GRADERS_DIR,
  DEFAULT_TIMEOUT_SEC,
  GradingSetupError,
  ROOT,
  discover,
  findVitest,
  formatExercise,
  formatTotal,
  gradeExercise,
  graderFilesOf,
  listTests,
  notGraded,
  runCli,
  testsOf,
  writeAtomically,
  type Exercise,
  toGradescope,
  type ExerciseResult,
} from './grading/grade-lib';
import { lockSecrets } from './grading/privileges';
import { loadDurations, longestFirst, saveDurations } from './grading/schedule';
import type { CollectedRecord } from './grading/records';
import { writeReports } from './grading/reports';

const USAGE = `usage: npm run grade -- [--target exercises|solutions|<folder>] [--only <exercise id>] [--out results.json] [--junit junit.xml] [--classroom classroom.json] [--timeout <seconds>] [--jobs <n>]`;

interface Options {
  target: 'exercises' | 'solutions';
  targetDir: string | null;
  gradersDir: string;
  only: string[];
  out: string | null;
  junit: string | null;
  classroom: string | null;
  timeoutSec: number;
  jobs: number;
}

/**
 * Exercises graded at once. An exercise's processes take turns (vitest waits
 * for its worker, the grader for the sandbox), so one more than the cores
 * keeps them busy (2 cores: 3 at once, measured ~10% faster than 2); up to 4.
 * One core (Gradescope's half a core) grades one at a time.
 */
function defaultJobs(cores: number): number {
  return cores <= 1 ? 1 : Math.min(4, cores + 1);
}

function parseArgs(argv: string[]): Options {
  const opts: Options = {
    target: 'exercises',
    targetDir: null,
    gradersDir: DEFAULT_GRADERS_DIR,
    only: [],
    out: null,
    junit: null,
    classroom: null,
    timeoutSec: DEFAULT_TIMEOUT_SEC,
    jobs: defaultJobs(os.availableParallelism()),
  };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i]!;
    let value: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    const need = (): string => {
      const v = value ?? argv[++i];
      if (v === undefined || v === '') throw new GradingSetupError(`${arg} needs a value\n${USAGE}`);
      return v;
    };
    switch (arg) {
      case '--target': {
        const v = need();
        if (v === 'exercises' || v === 'solutions') opts.target = v;
        else if (fs.existsSync(v) && fs.statSync(v).isDirectory()) opts.targetDir = path.resolve(v);
        else throw new GradingSetupError(`--target must be "exercises", "solutions" or a folder of exercise files, not "${v}"\n${USAGE}`);
        break;
      }
      case '--only':
        opts.only.push(need().replace(/\.(test\.)?ts$/, ''));
        break;
      case '--out':
        opts.out = path.resolve(need());
        break;
      case '--junit':
        opts.junit = path.resolve(need());
        break;
      case '--classroom':
        opts.classroom = path.resolve(need());
        break;
      case '--timeout': {
        const v = need();
        const n = Number(v);
        if (!Number.isFinite(n) || n <= 0) throw new GradingSetupError(`--timeout must be a positive number of seconds, not "${v}"`);
        opts.timeoutSec = n;
        break;
      }
      case '--jobs': {
        const v = need();
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1) throw new GradingSetupError(`--jobs must be a whole number >= 1, not "${v}"`);
        opts.jobs = n;
        break;
      }
      // Hidden, for testing the grader against fixtures.
      case '--target-dir':
        opts.targetDir = path.resolve(need());
        break;
      case '--graders-dir':
        opts.gradersDir = path.resolve(need());
        break;
      case '-h':
      case '--help':
        console.log(USAGE);
        process.exit(0);
      default:
        throw new GradingSetupError(`unknown option "${argv[i]}"\n${USAGE}`);
    }
  }
  return opts;
}

/** The command that reproduces this grading for one exercise. */
function reproduceCommand(opts: Options, id: string): string {
  const args = ['--only', id];
  if (opts.targetDir) args.push('--target-dir', path.relative(process.cwd(), opts.targetDir) || '.');
  else if (opts.target !== 'exercises') args.push('--target', opts.target);
  if (opts.gradersDir !== DEFAULT_GRADERS_DIR) args.push('--graders-dir', path.relative(process.cwd(), opts.gradersDir));
  if (opts.timeoutSec !== DEFAULT_TIMEOUT_SEC) args.push('--timeout', String(opts.timeoutSec));
  return `npm run grade -- ${args.join(' ')}`;
}

async function main(): Promise<number> {
  const started = Date.now();
  const opts = parseArgs(process.argv.slice(2));
  findVitest(); // fail early and clearly if it is missing
  const targetDir = opts.targetDir ?? path.join(ROOT, opts.target);
  const rel = (p: string) => path.relative(process.cwd(), p) || '.';
  const found = discover(targetDir, opts.gradersDir);
  const warnings: string[] = [];

  if (found.exercises.length === 0) {
    throw new GradingSetupError(`no graders found: ${rel(opts.gradersDir)} has no <id>.test.ts files`);
  }
  for (const id of found.withoutGrader) {
    warnings.push(`${rel(path.join(targetDir, id + '.ts'))} has no grader (${rel(path.join(opts.gradersDir, id + '.test.ts'))}); not graded`);
  }
  for (const id of found.withoutTarget) {
    warnings.push(`grader ${rel(path.join(opts.gradersDir, id + '.test.ts'))} has no ${rel(path.join(targetDir, id + '.ts'))}; it scores 0`);
  }

  let exercises = found.exercises;
  if (opts.only.length) {
    for (const id of opts.only) {
      if (!exercises.some((e) => e.id === id)) {
        const known = exercises.map((e) => e.id).join(', ');
        throw new GradingSetupError(
          found.withoutGrader.includes(id)
            ? `exercise "${id}" has no grader ${rel(path.join(opts.gradersDir, id + '.test.ts'))}`
            : `unknown exercise "${id}" (known: ${known})`,
        );
      }
    }
    exercises = exercises.filter((e) => opts.only.includes(e.id));
  }

  for (const w of warnings) console.log(`warning: ${w}`);
  console.log(`Grading ${rel(targetDir)} (${exercises.length} exercise${exercises.length === 1 ? '' : 's'}, ${opts.timeoutSec} s each)\n`);

  const locked = lockSecrets(ROOT, opts.gradersDir);
  if (locked.length) console.log(`(as root: ${locked.map(rel).join(', ')} closed to other users; submissions run as unprivileged uids of their own)\n`);

  const results: ExerciseResult[] = [];
  let listed: CollectedRecord[] = [];
  const pending = (ex: Exercise): ExerciseResult => notGraded(ex, testsOf(ex, listed));
  const writeOut = () => {
    if (!opts.out) return;
    const all = exercises.map((ex) => results.find((r) => r.id === ex.id) ?? pending(ex));
    const done = results.length === exercises.length;
    const summary = [
      ...warnings.map((w) => `warning: ${w}`),
      ...results.filter((r) => r.problem).map((r) => `${r.id}: ${r.problem}`),
      done ? formatTotal(results) : `Grading did not finish: ${results.length} of ${exercises.length} exercises graded.`,
    ].join('\n');
    writeAtomically(
      opts.out,
      toGradescope(all, { executionTimeMs: Date.now() - started, output: summary, reproduce: (id) => reproduceCommand(opts, id) }),
    );
  };
  // Which tests exist and what they are worth: one listing of every grader, no student code loaded.
  // It runs beside the first grading runs; each is scored only once the listing is done.
  const listing = listTests(exercises.flatMap(graderFilesOf), Math.max(opts.timeoutSec, 60) * 1000).then((l) => {
    listed = l.tests;
    // Partial results as we go: whatever stops grading, the file is valid and says how far it got.
    // (Runs before any exercise's result is written: those wait for this same promise.)
    writeOut();
    return l.tests;
  });
  const testsFor = (ex: Exercise) => listing.then((tests) => (testsOf(ex, tests).length ? testsOf(ex, tests) : undefined));
  // Exercises run `jobs` at a time (each in its own processes); printed in order as they finish.
  const byId = new Map<string, ExerciseResult>();
  let printed = 0;
  // Longest first (as timed by earlier runs here): the last job to finish is a short one.
  const queue = longestFirst(exercises, loadDurations(targetDir));
  const worker = async () => {
    for (let ex = queue.shift(); ex; ex = queue.shift()) {
      let r: ExerciseResult;
      try {
        r = await gradeExercise(ex, {
          targetDir,
          timeoutSec: opts.timeoutSec,
          displayRoot: process.cwd(),
          collected: testsFor(ex),
        });
      } catch (err) {
        // A setup problem stops everything; anything else costs this exercise only.
        if (err instanceof GradingSetupError) throw err;
        r = { ...notGraded(ex, testsOf(ex, listed)), gradingError: `internal error while grading: ${String(err)}` };
      }
      byId.set(r.id, r);
      results.push(r);
      writeOut();
      for (; printed < exercises.length && byId.has(exercises[printed]!.id); printed++) {
        const done = byId.get(exercises[printed]!.id)!;
        console.log(formatExercise(done, reproduceCommand(opts, done.id)) + '\n');
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.jobs, exercises.length) }, worker));
  results.sort((a, b) => exercises.findIndex((e) => e.id === a.id) - exercises.findIndex((e) => e.id === b.id));
  saveDurations(targetDir, results);
  const total = formatTotal(results);
  console.log(total);
  if (opts.out) console.log(`\nWrote ${rel(opts.out)}`);

  writeReports(results, {
    junit: opts.junit,
    classroom: opts.classroom,
    reproduce: (id) => reproduceCommand(opts, id),
    targetFile: (id) => rel(path.join(targetDir, id + '.ts')),
    log: (line) => console.log(line),
  });

  const broken = results.filter((r) => r.gradingError);
  if (broken.length) {
    console.error(`\ngrading error in: ${broken.map((r) => r.id).join(', ')} (the grader itself could not run)`);
    return 1;
  }
  return 0;
}

runCli(main, (err) => {
  if (err instanceof GradingSetupError) {
    console.error(`grade: ${err.message}`);
    return 2;
  }
  console.error(err);
  return 3;
});
