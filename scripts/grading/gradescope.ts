// The Gradescope side of the autograder package (run by its run_autograder):
//   node node_modules/tsx/dist/cli.mjs scripts/grading/gradescope.ts [--root /autograder] [--timeout <s>]
//
// 1. finds each exercise file in the submission ($ROOT/submission/<id>.ts,
//    .../exercises/<id>.ts, or anywhere below, shallowest first);
// 2. copies them into a fresh folder and grades it with `scripts/grade.ts
//    --target-dir <folder> --out <tmp>`;
// 3. says which files were missing (those exercises score 0, the others are
//    graded as usual), numbers the tests "<exercise>.<test>", checks the result against
//    gradescope-schema.ts and writes $ROOT/results/results.json, after every
//    exercise (grade.ts rewrites its file as it goes), so a time limit keeps
//    the exercises already graded.
// run_autograder has already written a 0-score "did not finish" results.json,
// which stays if anything here dies before the first exercise.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GradescopeResultsSchema, type GradescopeResultsJson, type GradescopeTestJson } from './gradescope-schema';

const COURSE = path.resolve(__dirname, '..', '..');
const GRADERS = path.join(COURSE, 'test', 'graders');

interface Options {
  root: string;
  timeoutSec: number | null;
  /** Hidden, for the hostile-submission suite: graders other than the course's. */
  gradersDir: string;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { root: process.env.AUTOGRADER_ROOT || '/autograder', timeoutSec: null, gradersDir: GRADERS };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--root') opts.root = argv[++i] ?? opts.root;
    else if (a === '--timeout') opts.timeoutSec = Number(argv[++i]);
    else if (a === '--graders-dir') opts.gradersDir = path.resolve(argv[++i] ?? GRADERS);
    else throw new Error(`unknown option ${a}`);
  }
  opts.root = path.resolve(opts.root);
  return opts;
}

/** Exercise ids: one per grader test/graders/<id>.test.ts. */
export function exerciseIds(gradersDir = GRADERS): string[] {
  return fs
    .readdirSync(gradersDir)
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => f.slice(0, -'.test.ts'.length))
    .sort();
}

/** Every file below `dir` (not following symlinks, skipping node_modules and dot folders). */
function walk(dir: string, depth = 0, out: string[] = []): string[] {
  if (depth > 6 || !fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && e.name !== 'node_modules' && !e.name.startsWith('.')) walk(p, depth + 1, out);
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** Where each exercise's file is in the submission (null when absent). */
export function findSubmissionFiles(submission: string, ids: string[]): Map<string, string | null> {
  const files = walk(submission);
  const rank = (p: string) => {
    const rel = path.relative(submission, p).split(path.sep);
    if (rel.length === 1) return 0;
    if (rel.length === 2 && rel[0] === 'exercises') return 1;
    return 1 + rel.length;
  };
  const found = new Map<string, string | null>();
  for (const id of ids) {
    const candidates = files.filter((f) => path.basename(f) === `${id}.ts`).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
    found.set(id, candidates[0] ?? null);
  }
  return found;
}

function run(cmd: string, args: string[], cwd: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'inherit', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      process.stderr.write(c);
    });
    child.on('error', (e) => resolve({ code: null, stderr: stderr + String(e) }));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

function writeAtomically(file: string, json: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(json, null, 2) + '\n');
  fs.renameSync(tmp, file);
}

function failure(message: string, started: number): GradescopeResultsJson {
  return {
    score: 0,
    execution_time: Math.round((Date.now() - started) / 1000),
    output: message,
    visibility: 'visible',
    stdout_visibility: 'visible',
    tests: [],
  };
}

async function main(): Promise<number> {
  const started = Date.now();
  const opts = parseArgs(process.argv.slice(2));
  const submission = path.join(opts.root, 'submission');
  const resultsFile = path.join(opts.root, 'results', 'results.json');
  // FAULTLINE_GRADE_ONLY=<id>,<id>: grade only those exercises (for testing this package quickly).
  const only = (process.env.FAULTLINE_GRADE_ONLY ?? '').split(',').filter(Boolean);
  const ids = exerciseIds(opts.gradersDir).filter((id) => only.length === 0 || only.includes(id));
  const found = findSubmissionFiles(submission, ids);

  // A fresh folder the sandbox user can read, holding only the exercise files.
  // It sits in the course root, like exercises/, because exercise files import `../lib/...`.
  const target = fs.mkdtempSync(path.join(COURSE, 'submission-'));
  fs.chmodSync(target, 0o755);
  const lines: string[] = [];
  for (const [id, file] of found) {
    if (!file) continue;
    fs.copyFileSync(file, path.join(target, `${id}.ts`));
    fs.chmodSync(path.join(target, `${id}.ts`), 0o644);
    lines.push(`found ${path.relative(submission, file)}`);
  }
  const missing = ids.filter((id) => !found.get(id));
  for (const id of missing) {
    lines.push(`MISSING exercises/${id}.ts: not in your submission (looked for ${id}.ts at its top level, in exercises/, and below); it scores 0`);
  }
  console.log(lines.join('\n') + '\n');

  const raw = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'faultline-results-')), 'results.json');
  const tsx = path.join(COURSE, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  const args = [tsx, path.join(COURSE, 'scripts', 'grade.ts'), '--target-dir', target, '--out', raw];
  if (opts.timeoutSec) args.push('--timeout', String(opts.timeoutSec));
  if (opts.gradersDir !== GRADERS) args.push('--graders-dir', opts.gradersDir);
  for (const id of only) args.push('--only', id);

  // grade.ts rewrites its results after every exercise: pass each version on,
  // so that if Gradescope's time limit stops us, the exercises done so far count.
  const name = path.basename(target);
  const finalize = (text: string): GradescopeResultsJson | null => {
    let results: GradescopeResultsJson;
    try {
      // Messages name the temporary folder; students know it as exercises/.
      results = JSON.parse(
        text
          .split(` --target-dir ${name}`).join('')
          .split(`${target}${path.sep}`).join(`exercises${path.sep}`)
          .split(`${name}${path.sep}`).join(`exercises${path.sep}`),
      ) as GradescopeResultsJson;
    } catch {
      return null;
    }
    // Number tests "<exercise>.<test>" (Gradescope sorts and shows these), and
    // make the message of a missing file's tests say what to do about it.
    const counters = new Map<string, number>();
    const tests: GradescopeTestJson[] = (results.tests ?? []).map((t) => {
      const id = ids.find((i) => (t.name ?? '').startsWith(`${i}:`));
      if (!id) return t;
      const n = (counters.get(id) ?? 0) + 1;
      counters.set(id, n);
      const exNumber = ids.indexOf(id) + 1;
      const out: GradescopeTestJson = { ...t, number: `${exNumber}.${n}` };
      if (missing.includes(id)) {
        out.output = `exercises/${id}.ts was not in your submission, so this exercise scores 0 (the other exercises are graded as usual). ` +
          `Submit it at the top level of your upload or in an exercises/ folder, named exactly ${id}.ts.`;
      }
      return out;
    });
    const summary = [...lines, '', results.output ?? ''].join('\n').trim();
    const final: GradescopeResultsJson = { ...results, output: summary, tests, execution_time: Math.round((Date.now() - started) / 1000) };
    return GradescopeResultsSchema.safeParse(final).success ? final : null;
  };
  let lastSeen = '';
  const relay = setInterval(() => {
    try {
      const text = fs.readFileSync(raw, 'utf8');
      if (text === lastSeen) return;
      lastSeen = text;
      const partial = finalize(text);
      if (partial) writeAtomically(resultsFile, partial);
    } catch {
      /* not written yet */
    }
  }, 1000);
  const graded = await run(process.execPath, args, COURSE);
  clearInterval(relay);
  fs.rmSync(target, { recursive: true, force: true });

  if (!fs.existsSync(raw)) {
    const tail = graded.stderr.trim().split('\n').slice(-15).join('\n');
    writeAtomically(resultsFile, failure(`Grading could not run (exit code ${graded.code}). Please tell your instructor.\n\n${tail}`, started));
    return 1;
  }
  const final = finalize(fs.readFileSync(raw, 'utf8'));
  fs.rmSync(path.dirname(raw), { recursive: true, force: true });
  if (!final) {
    writeAtomically(resultsFile, failure('Grading produced an invalid results.json. Please tell your instructor.', started));
    return 1;
  }
  writeAtomically(resultsFile, final);
  console.log(`\nWrote ${resultsFile}: ${final.score}/${(final.tests ?? []).reduce((s, t) => s + (t.max_score ?? 0), 0)} points`);
  return 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
