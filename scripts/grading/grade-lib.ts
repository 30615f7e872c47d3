// Shared by scripts/grade.ts and scripts/prove-graders.ts: discovering
// exercises, grading one exercise in its own vitest process (own process group,
// killed at a wall-clock limit), turning the JSONL records into scores, and
// formatting the results (terminal table, Gradescope results.json).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ENV,
  parseRecords,
  type CollectedRecord,
  type ErrorInfo,
  type GradingRecord,
  type ModuleRecord,
  type ResultRecord,
} from './records';
import { sandboxCannotRead, sandboxUser, type SandboxUser } from './privileges';
import { SANDBOX_ENV } from './sandbox/host-env';
import { sandboxTransforms } from './sandbox/transforms';
import { cachedListing, keepListing } from './listing-cache';
import { privateDir } from './private-dir';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const contain = require('./sandbox/contain.js') as typeof import('./sandbox/contain');

export const ROOT = path.resolve(__dirname, '..', '..');
export const GRADERS_CONFIG = path.join(ROOT, 'vitest.graders.config.ts');
export const DEFAULT_GRADERS_DIR = path.join(ROOT, 'test', 'graders');
/** Hidden tests of exercise <id>: <graders dir>/hidden/<id>.test.ts (not in the student release). */
export const HIDDEN_DIR = 'hidden';
export const DEFAULT_TIMEOUT_SEC = 90;

/** Grading could not run at all (bad option, no graders, vitest missing...): exit non-zero. */
export class GradingSetupError extends Error {}

// ---------------------------------------------------------------------------
// Discovery

export interface Exercise {
  id: string;
  /** <targetDir>/<id>.ts (may not exist: see targetExists). */
  targetFile: string;
  graderFile: string;
  /** <graders>/hidden/<id>.test.ts when it exists: run with the grader, shown only after grades are published. */
  hiddenFile: string | null;
  targetExists: boolean;
}

export interface Discovery {
  /** Every grader, paired with its target file (present or not), sorted by id. */
  exercises: Exercise[];
  /** Target files with no grader. */
  withoutGrader: string[];
  /** Graders whose target file is missing. */
  withoutTarget: string[];
}

/** `<id>.ts` files of a folder (not .d.ts, not tests), as ids. */
export function listModuleIds(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.endsWith('.test.ts'))
    .filter((f) => fs.statSync(path.join(dir, f)).isFile())
    .map((f) => f.slice(0, -'.ts'.length))
    .sort();
}

export function listGraderIds(gradersDir: string): string[] {
  if (!fs.existsSync(gradersDir)) return [];
  return fs
    .readdirSync(gradersDir)
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => f.slice(0, -'.test.ts'.length))
    .sort();
}

export function discover(targetDir: string, gradersDir: string): Discovery {
  const targets = new Set(listModuleIds(targetDir));
  const graders = listGraderIds(gradersDir);
  const graderSet = new Set(graders);
  return {
    exercises: graders.map((id) => ({
      id,
      targetFile: path.join(targetDir, `${id}.ts`),
      graderFile: path.join(gradersDir, `${id}.test.ts`),
      hiddenFile: fs.existsSync(path.join(gradersDir, HIDDEN_DIR, `${id}.test.ts`)) ? path.join(gradersDir, HIDDEN_DIR, `${id}.test.ts`) : null,
      targetExists: targets.has(id),
    })),
    withoutGrader: [...targets].filter((id) => !graderSet.has(id)),
    withoutTarget: graders.filter((id) => !targets.has(id)),
  };
}

// ---------------------------------------------------------------------------
// Running vitest

export function findVitest(): string {
  let pkg: string;
  try {
    pkg = require.resolve('vitest/package.json', { paths: [ROOT] });
  } catch {
    pkg = path.join(ROOT, 'node_modules', 'vitest', 'package.json');
  }
  const bin = path.join(path.dirname(pkg), 'vitest.mjs');
  if (!fs.existsSync(bin)) {
    throw new GradingSetupError(`vitest is not installed (looked for ${bin}); run \`npm install\` first`);
  }
  return bin;
}

export interface VitestRun {
  records: GradingRecord[];
  timedOut: boolean;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}

/** Process groups of vitest runs in flight, so an interrupted grader can clean up. */
const liveGroups = new Set<number>();

export function killLiveRuns(): void {
  for (const pgid of liveGroups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  liveGroups.clear();
}

/**
 * Runs one grader file in a fresh vitest process, in its own process group,
 * and kills the whole group after `timeoutMs`. Resolves with whatever the
 * reporter and runner recorded.
 */
let runs = 0;
const T0 = Date.now();
let readableChecked = false;

export function runVitest(opts: {
  graderFiles: string[];
  targetDir: string;
  timeoutMs: number;
  collectOnly?: boolean;
}): Promise<VitestRun> {
  const vitest = findVitest();
  const user = opts.collectOnly ? null : sandboxUser();
  if (user) {
    if (user.stale) contain.sweepUser(user.uid, user.gid); // leftovers of a crashed run that held this uid
    if (!readableChecked) {
      const problem = sandboxCannotRead(ROOT, user);
      if (problem) {
        user.release();
        return Promise.reject(new GradingSetupError(problem));
      }
      readableChecked = true;
    }
  }
  // Only this (trusted) process and vitest can open the results: the folder is ours, mode 0700.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'faultline-grade-'));
  const resultsFile = path.join(tmp, 'results.jsonl');
  fs.writeFileSync(resultsFile, '');
  // Names everything this run's sandboxes make (cgroups, folders, processes), for the sweep below.
  const prefix = `faultline-sbx-${process.pid}-${++runs}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    [ENV.targetDir]: path.resolve(opts.targetDir),
    [ENV.graders]: opts.graderFiles.map((f) => path.resolve(f)).join(path.delimiter),
    [ENV.results]: resultsFile,
    [ENV.collectOnly]: opts.collectOnly ? '1' : '',
    [SANDBOX_ENV.prefix]: prefix,
    [SANDBOX_ENV.uid]: user ? String(user.uid) : '',
    [SANDBOX_ENV.gid]: user ? String(user.gid) : '',
    [SANDBOX_ENV.transforms]: opts.collectOnly ? '' : (sandboxTransforms() ?? ''),
    [ENV.moduleCache]: moduleCacheDir() ?? '',
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    VITE_CONFIG_NATIVE_IGNORE_WARNING: 'true',
  };
  delete env.VITEST; // we may be running inside vitest (test/course/grading.test.ts)
  delete env.VITEST_MODE;
  delete env.VITEST_POOL_ID;
  delete env.VITEST_WORKER_ID;
  delete env.TEST;
  const started = Date.now();

  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [vitest, 'run', '--config', GRADERS_CONFIG], {
      cwd: ROOT,
      env,
      detached: true, // own process group: kill(-pid) takes the workers down too
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const cap = (s: string, chunk: Buffer) => (s.length > 200_000 ? s : s + chunk.toString());
    child.stdout!.on('data', (c: Buffer) => (stdout = cap(stdout, c)));
    child.stderr!.on('data', (c: Buffer) => (stderr = cap(stderr, c)));
    const pgid = child.pid;
    if (pgid !== undefined) liveGroups.add(pgid);

    let timedOut = false;
    let settled = false;
    const killGroup = () => {
      if (pgid === undefined) return;
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, opts.timeoutMs);

    const finish = (exitCode: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      killGroup(); // leftovers (e.g. a worker still spinning after the main process ended)
      if (pgid !== undefined) liveGroups.delete(pgid);
      sweep(prefix, user);
      if (process.env.FAULTLINE_GRADE_TIMING) {
        const dur = /Duration\s+(.*)/.exec(stripAnsi(stdout))?.[1] ?? '?';
        process.stderr.write(`[timing] ${opts.collectOnly ? 'listing' : path.basename(opts.graderFiles[0]!)} start+${started - T0} ms, ${Date.now() - started} ms; vitest: ${dur}\n`);
      }
      const text = fs.readFileSync(resultsFile, 'utf8');
      fs.rmSync(tmp, { recursive: true, force: true });
      resolve({
        records: parseRecords(text),
        timedOut,
        exitCode,
        signal,
        stdout: stripAnsi(stdout),
        stderr: stripAnsi(stderr),
        durationMs: Date.now() - started,
      });
    };
    child.on('error', (err) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (pgid !== undefined) liveGroups.delete(pgid);
      sweep(prefix, user);
      fs.rmSync(tmp, { recursive: true, force: true });
      reject(new GradingSetupError(`could not start vitest: ${err.message}`));
    });
    // 'close' waits for stdio to end; if something escaped the group and holds
    // the pipes open, fall back to 'exit' plus a short grace period.
    child.on('close', (code, signal) => finish(code, signal));
    child.on('exit', (code, signal) => setTimeout(() => finish(code, signal), 2000).unref());
  });
}

/**
 * Where vitest keeps the graders, the library and the tooling transformed,
 * for the next run (each run is a fresh process: without it, every exercise
 * transforms them again): in the grading user's own folder, since what is in
 * it runs on the trusted side. The stand-ins for `@target/*` are never cached
 * (target-plugin.ts).
 */
const moduleCacheDir = (): string | null => privateDir('vitest-modules');

/**
 * After a run: nothing the submission started may outlive it. Kills its
 * cgroups, every process of the run's uid (as root) or carrying this run's
 * marker (not root), gives the uid back and removes the run's temporary folders.
 */
function sweep(prefix: string, user: SandboxUser | null): void {
  contain.cleanup(prefix, user);
  user?.release();
  for (const name of fs.readdirSync(os.tmpdir())) {
    if (name.startsWith(`${prefix}-`)) fs.rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------
// Scoring

export type TestStatus = 'passed' | 'failed';

export interface TestOutcome {
  /** Vitest test id (stable for a given grader file). */
  id: string;
  /** Full test name (suites joined by ' > '). */
  name: string;
  /** From the exercise's hidden tests (test/graders/hidden/), which students do not have. */
  hidden: boolean;
  /** Gradescope visibility: meta.visibility, else `after_published` for hidden tests and `visible` for the rest. */
  visibility: GradescopeVisibility;
  /** Max points for this test (meta.points; 0 when missing). */
  maxPoints: number;
  /** Whether the test declared meta.points at all. */
  hasPoints: boolean;
  score: number;
  status: TestStatus;
  /** What happened: passed, failed, skipped, timeout (running when killed), not-run, not-loaded. */
  kind: 'passed' | 'failed' | 'skipped' | 'timeout' | 'not-run' | 'not-loaded' | 'crashed';
  /** One-line reason for a failure ('' when passed). */
  reason: string;
  /** Full explanation for a failure ('' when passed). */
  output: string;
}

export interface ExerciseResult {
  id: string;
  targetFile: string;
  graderFile: string;
  tests: TestOutcome[];
  score: number;
  maxScore: number;
  /** A problem that affects the whole exercise (could not load, timed out...), or null. */
  problem: string | null;
  /** Notes that cost no points (unhandled errors, errors in hooks...). */
  notes: string[];
  /** Grading itself failed for this exercise (the grader could not even be listed). */
  gradingError: string | null;
  timedOut: boolean;
  durationMs: number;
}

export interface GradeOptions {
  targetDir: string;
  /**
   * The exercise's tests from a listing (see listTests), or a listing still
   * running: the grading run starts meanwhile and is scored once it is done.
   * Listed here when absent (or when it resolves to undefined).
   */
  collected?: CollectedRecord[] | Promise<CollectedRecord[] | undefined>;
  timeoutSec: number;
  /** Folder to show paths relative to (default: the project root). */
  displayRoot?: string;
}

const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;
export function stripAnsi(s: string): string {
  return s.replace(ANSI, '');
}

function firstLine(s: string): string {
  const line = stripAnsi(s)
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.length > 0);
  return line ?? '';
}

/** Upper bound on a results.json (Gradescope's is 1 MB). */
export const MAX_RESULTS_CHARS = 800_000;

/** What one test may say (a submission's error message can be tens of MB). */
export const MAX_TEST_OUTPUT = 4096;

export function capText(s: string, n: number): string {
  if (s.length <= n) return s;
  return `${s.slice(0, n - 60)}\n… (${s.length - (n - 60)} more characters not shown)`;
}

function truncate(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}

function tail(s: string, lines: number): string {
  return s.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Stack frames that point into the code under test, e.g. `at sum (exercises/sum.ts:3:9)`. */
function framesIn(stack: string | undefined, dir: string, displayRoot: string): string[] {
  if (!stack) return [];
  const abs = path.resolve(dir) + path.sep;
  return stripAnsi(stack)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('at ') && l.includes(abs))
    .map((l) => l.split(abs).join(path.relative(displayRoot, abs) + path.sep))
    .slice(0, 3);
}

function describeErrors(errors: ErrorInfo[], targetDir: string, displayRoot: string): string {
  return errors
    .map((e) => {
      const head = stripAnsi(e.message).trim() || e.name || 'error';
      const parts = [e.name && !/^(Error|AssertionError)$/.test(e.name) && !head.startsWith(e.name) ? `${e.name}: ${head}` : head];
      if (e.diff) parts.push(stripAnsi(e.diff).trimEnd());
      const frames = framesIn(e.stack, targetDir, displayRoot);
      if (frames.length) parts.push(frames.join('\n'));
      return parts.join('\n');
    })
    .join('\n\n');
}

function loadProblem(errors: ErrorInfo[], targetRel: string): string {
  const msg = stripAnsi(errors.map((e) => e.message).join('\n')).trim();
  if (/Cannot find (package|module) '@target\//.test(msg) || /Failed to load url @target\//.test(msg)) {
    return `${targetRel} could not be found`;
  }
  if (/Transform failed|PARSE_ERROR|SyntaxError|Unexpected token|ERROR: /.test(msg) || errors.some((e) => e.name === 'SyntaxError')) {
    const where = syntaxErrorAt(msg);
    const what = firstLine(msg.replace(/^Transform failed with \d+ errors?:/, '')).replace(/^.*?:\d+:\d+: ERROR: /, '');
    return `${targetRel} could not be compiled (syntax error${where ? ` near ${path.basename(where.file)}:${where.line}:${where.column}` : ''}): ${what}`;
  }
  return `${targetRel} could not be loaded: it threw while being imported: ${firstLine(msg)}`;
}

/** Where a compiler message puts a syntax error: esbuild says `[file:4:13]` or `file:4:13: ERROR: ...`. */
function syntaxErrorAt(msg: string): { file: string; line: number; column: number } | null {
  const m = /\[\s*([^\]]+):(\d+):(\d+)\s*\]/.exec(msg) ?? /([^\s:]+\.ts):(\d+):(\d+): ERROR/.exec(msg);
  return m ? { file: m[1]!, line: Number(m[2]), column: Number(m[3]) } : null;
}

/** The submitted lines around a syntax error, with a caret (read here: the file is only data to us). */
function codeFrame(file: string, line: number, column: number): string {
  let lines: string[];
  try {
    lines = fs.readFileSync(file, 'utf8').split('\n');
  } catch {
    return '';
  }
  const out: string[] = [];
  for (let n = Math.max(1, line - 2); n <= Math.min(lines.length, line + 1); n++) {
    out.push(`${n === line ? '>' : ' '} ${String(n).padStart(4)} | ${truncate(lines[n - 1]!, 160)}`);
    if (n === line) out.push(`  ${' '.repeat(4)} | ${' '.repeat(Math.max(0, column))}^`);
  }
  return out.join('\n');
}

function reasonOf(kind: TestOutcome['kind'], output: string): string {
  return truncate(firstLine(output) || kind, 140);
}

/** The grader files of an exercise: its grader, and its hidden tests if any. */
export function graderFilesOf(ex: Exercise): string[] {
  return ex.hiddenFile ? [ex.graderFile, ex.hiddenFile] : [ex.graderFile];
}

/**
 * Lists the tests of graders (names and points) without running them, and
 * with `@target/*` an empty module: no student code is loaded. This list, not
 * what a grading run reports, decides which tests exist and what they are worth.
 */
export async function listTests(
  graderFiles: string[],
  timeoutMs: number,
): Promise<{ tests: CollectedRecord[]; run: VitestRun }> {
  // Any of the course's graders (a notebook's check(), the grader proof, all of them): one
  // listing of every course grader serves each such selection, listed and kept once.
  const wanted = new Set(graderFiles.map((f) => path.resolve(f)));
  const all = discover(ROOT, DEFAULT_GRADERS_DIR).exercises.flatMap(graderFilesOf);
  if ([...wanted].every((f) => all.includes(f))) {
    const everything = await listAllGraders(all, timeoutMs);
    // A broken grader elsewhere is not this selection's problem: then only what was asked is listed.
    if (everything.clean || wanted.size === all.length) {
      return { tests: everything.tests.filter((t) => wanted.has(path.resolve(t.file))), run: everything.run };
    }
  }
  return listExactly(graderFiles, timeoutMs);
}

type Listing = { tests: CollectedRecord[]; run: VitestRun; clean: boolean };

const NO_RUN: VitestRun = { records: [], timedOut: false, exitCode: 0, signal: null, stdout: '', stderr: '', durationMs: 0 };

/** A kept listing of exactly `graderFiles`, or a new one (kept when it ran without errors). */
async function listExactly(graderFiles: string[], timeoutMs: number): Promise<Listing> {
  const cached = cachedListing(ROOT, graderFiles);
  if (cached.tests) return { tests: cached.tests, run: NO_RUN, clean: true };
  const run = await runVitest({ graderFiles, targetDir: os.tmpdir(), timeoutMs, collectOnly: true });
  const tests = collectedOf(run.records);
  const clean = run.exitCode === 0 && !run.timedOut && moduleErrors(run.records).length === 0;
  if (clean) keepListing(cached.file, graderFiles, tests);
  return { tests, run, clean };
}

/** The listing of every course grader, shared by the calls of one process while it runs. */
let allListed: Promise<Listing> | null = null;
function listAllGraders(all: string[], timeoutMs: number): Promise<Listing> {
  const listing = (allListed ??= listExactly(all, timeoutMs));
  // A later call looks again: a grader may have changed since (the kept listing's name says so).
  const done = (): void => {
    if (allListed === listing) allListed = null;
  };
  listing.then(done, done);
  return listing;
}

/** The tests of one exercise out of a listing of several graders. */
export function testsOf(ex: Exercise, listed: CollectedRecord[]): CollectedRecord[] {
  const files = new Set(graderFilesOf(ex).map((f) => path.resolve(f)));
  return listed.filter((t) => files.has(path.resolve(t.file)));
}

export function collectedOf(records: GradingRecord[]): CollectedRecord[] {
  const seen = new Map<string, CollectedRecord>();
  for (const r of records) if (r.type === 'collected' && !seen.has(r.id)) seen.set(r.id, r);
  return [...seen.values()];
}

function moduleErrors(records: GradingRecord[]): ErrorInfo[] {
  return records.filter((r): r is ModuleRecord => r.type === 'module').flatMap((r) => r.errors);
}

/** Why a grader lists no tests (the grader itself is broken or empty). */
function listingError(listing: VitestRun, graderRel: string, graderDir: string, displayRoot: string): string {
  const listErrors = moduleErrors(listing.records);
  if (listErrors.length) {
    return (
      `could not list the tests of ${graderRel}:\n${describeErrors(listErrors, graderDir, displayRoot)}` +
      '\n(a grader must define its tests at module level and only call the code under test inside tests)'
    );
  }
  if (listing.timedOut) return `could not list the tests of ${graderRel}: timed out`;
  if (listing.records.some((r) => r.type === 'module')) return `${graderRel} defines no tests`;
  return `could not run vitest on ${graderRel} (exit code ${listing.exitCode ?? listing.signal}):\n${tail(listing.stderr || listing.stdout, 15)}`;
}

/** Grades one exercise: runs its grader against `targetDir` and scores every test. */
export async function gradeExercise(ex: Exercise, opts: GradeOptions): Promise<ExerciseResult> {
  const displayRoot = opts.displayRoot ?? ROOT;
  const timeoutMs = opts.timeoutSec * 1000;
  const targetRel = path.relative(displayRoot, ex.targetFile) || ex.targetFile;
  const timeoutText = `timed out after ${opts.timeoutSec} s: the code under test may loop forever`;
  const base = { id: ex.id, targetFile: ex.targetFile, graderFile: ex.graderFile };
  const graderRel = path.relative(displayRoot, ex.graderFile);
  const files = graderFilesOf(ex);
  const hiddenFile = ex.hiddenFile ? path.resolve(ex.hiddenFile) : null;

  // The grading run starts at once: the graders run here; the submission only in sandbox processes.
  // Nothing it reports counts until the listing below says which tests exist.
  const running = runVitest({ graderFiles: files, targetDir: opts.targetDir, timeoutMs });
  // Settled either way before anything returns or throws below, so its sweep is never skipped.
  const settled = running.then(
    () => undefined,
    () => undefined,
  );

  // 1. What is graded, and for how many points: from a listing that loaded no student code.
  let collected: CollectedRecord[] | undefined;
  let listingProblem: string | null = null;
  try {
    collected = await opts.collected;
    if (!collected) {
      const listing = await listTests(files, Math.max(timeoutMs, 30_000));
      collected = listing.tests;
      if (collected.length === 0) listingProblem = listingError(listing.run, graderRel, path.dirname(ex.graderFile), displayRoot);
    }
  } catch (err) {
    await settled;
    throw err;
  }
  if (collected.length === 0) {
    await settled;
    return {
      ...base,
      tests: [],
      score: 0,
      maxScore: 0,
      problem: null,
      notes: [],
      gradingError: listingProblem ?? `${graderRel} defines no tests`,
      timedOut: false,
      durationMs: 0,
    };
  }

  // 2. The grading run, scored against the listing.
  const run = await running;
  const notes: string[] = [];
  let problem: string | null = null;
  const gradingError: string | null = null;
  const outcomes: TestOutcome[] = [];

  const make = (c: CollectedRecord, kind: TestOutcome['kind'], output: string): TestOutcome => {
    const maxPoints = c.points ?? 0;
    const passed = kind === 'passed';
    return {
      id: c.id,
      name: c.name,
      hidden: hiddenFile !== null && path.resolve(c.file) === hiddenFile,
      visibility: visibilityOf(c, hiddenFile !== null && path.resolve(c.file) === hiddenFile),
      maxPoints,
      hasPoints: c.points !== null,
      score: passed ? maxPoints : 0,
      status: passed ? 'passed' : 'failed',
      kind,
      reason: passed ? '' : reasonOf(kind, output),
      output: passed ? '' : capText(output, MAX_TEST_OUTPUT),
    };
  };

  if (collectedOf(run.records).length === 0) {
    // The grader file never got as far as listing its tests: the code under
    // test is missing, does not compile, throws or loops at import. Every
    // listed test scores 0.
    const errors = moduleErrors(run.records);
    if (!ex.targetExists) problem = `${targetRel} is missing`;
    else if (errors.length) problem = loadProblem(errors, targetRel);
    else if (run.timedOut) problem = `${timeoutText} (it was still being imported when it was stopped)`;
    else problem = `the grader stopped before running any test (exit code ${run.exitCode ?? run.signal})\n${tail(run.stderr || run.stdout, 15)}`;
    // The full error (e.g. the compiler's code frame) goes into each test's output.
    const detail = ex.targetExists && errors.length ? describeErrors(errors, opts.targetDir, displayRoot) : '';
    const at = ex.targetExists ? syntaxErrorAt(stripAnsi(errors.map((e) => e.message).join('\n'))) : null;
    const frame = at ? codeFrame(ex.targetFile, at.line, at.column) : '';
    const output = [problem, frame, detail].filter(Boolean).join('\n\n');
    for (const c of collected) outcomes.push(make(c, 'not-loaded', output));
  } else {
    // A test the listing did not have counts for nothing (its name may depend on the code under test).
    const listed = new Set(collected.map((c) => c.id));
    const extra = collectedOf(run.records).filter((c) => !listed.has(c.id));
    if (extra.length) {
      notes.push(`tests not in the listing were ignored (test names and points must not depend on the code under test): ${extra.map((c) => `"${c.name}"`).join(', ')}`);
    }
    const results = new Map<string, ResultRecord>();
    for (const r of run.records) {
      if (r.type !== 'result') continue;
      // The reporter's record wins over the worker's (same outcome, set by vitest itself).
      if (!results.has(r.id) || r.source === 'reporter') results.set(r.id, r);
    }
    const started = new Set(run.records.flatMap((r) => (r.type === 'started' ? [r.id] : [])));
    const running = collected.find((c) => started.has(c.id) && !results.has(c.id));
    for (const c of collected) {
      const r = results.get(c.id);
      if (r && r.state === 'passed') {
        outcomes.push(make(c, 'passed', ''));
      } else if (r && r.state === 'failed') {
        outcomes.push(make(c, 'failed', describeErrors(r.errors, opts.targetDir, displayRoot) || 'failed'));
      } else if (r && r.state === 'skipped') {
        outcomes.push(make(c, 'skipped', 'skipped: the grader did not run this test'));
      } else if (run.timedOut) {
        if (running && running.id === c.id) {
          outcomes.push(make(c, 'timeout', `${timeoutText} (this test was still running when it was stopped)`));
        } else {
          outcomes.push(
            make(c, 'not-run', `${timeoutText} (not run: ${running ? `"${running.name}" was still running` : 'the run was stopped'})`),
          );
        }
      } else {
        outcomes.push(
          make(c, 'crashed', `did not finish: the test process ended unexpectedly (exit code ${run.exitCode ?? run.signal})\n${tail(run.stderr, 10)}`),
        );
      }
    }
    if (run.timedOut) problem = running ? `${timeoutText} (in "${running.name}")` : timeoutText;
    const hookErrors = moduleErrors(run.records);
    if (hookErrors.length) notes.push(`errors outside tests:\n${describeErrors(hookErrors, opts.targetDir, displayRoot)}`);
  }
  const end = run.records.find((r) => r.type === 'run-end');
  if (end && end.type === 'run-end' && end.unhandledErrors.length) {
    notes.push(`unhandled errors during the run:\n${describeErrors(end.unhandledErrors, opts.targetDir, displayRoot)}`);
  }

  return {
    ...base,
    tests: outcomes,
    score: outcomes.reduce((s, t) => s + t.score, 0),
    maxScore: outcomes.reduce((s, t) => s + t.maxPoints, 0),
    problem,
    notes,
    gradingError,
    timedOut: run.timedOut,
    durationMs: run.durationMs,
  };
}

// ---------------------------------------------------------------------------
// Output

function fmtPoints(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

function indent(s: string, prefix: string): string {
  return s
    .split('\n')
    .map((l) => prefix + l)
    .join('\n');
}

/** The per-exercise table printed by `npm run grade`. */
export function formatExercise(r: ExerciseResult, reproduce: string): string {
  const lines: string[] = [];
  lines.push(`${r.id}: ${fmtPoints(r.score)}/${fmtPoints(r.maxScore)} points`);
  if (r.gradingError) lines.push(indent(`GRADING ERROR: ${r.gradingError}`, '  '));
  if (r.problem) lines.push(indent(`!! ${r.problem}`, '  '));
  if (r.tests.length) {
    const pts = r.tests.map((t) => `${fmtPoints(t.score)}/${fmtPoints(t.maxPoints)}`);
    const w = Math.max(6, ...pts.map((p) => p.length));
    lines.push(`  ${'result'.padEnd(7)} ${'points'.padEnd(w)}  test`);
    r.tests.forEach((t, i) => {
      lines.push(`  ${(t.status === 'passed' ? 'PASS' : 'FAIL').padEnd(7)} ${pts[i]!.padEnd(w)}  ${t.hidden ? '[hidden] ' : ''}${t.name}`);
      // The exercise-wide problem is printed once above; don't repeat it per test.
      if (t.status === 'failed' && t.kind !== 'not-loaded' && t.kind !== 'not-run') {
        lines.push(`  ${''.padEnd(7)} ${''.padEnd(w)}    ↳ ${t.reason}`);
      }
    });
  }
  for (const n of r.notes) lines.push(indent(`note: ${n}`, '  '));
  if (r.score < r.maxScore || r.gradingError) lines.push(`  reproduce: ${reproduce}`);
  return lines.join('\n');
}

export function formatTotal(results: ExerciseResult[]): string {
  const score = results.reduce((s, r) => s + r.score, 0);
  const max = results.reduce((s, r) => s + r.maxScore, 0);
  const w = Math.max(8, ...results.map((r) => r.id.length));
  const lines = results.map((r) => `  ${r.id.padEnd(w)}  ${fmtPoints(r.score)}/${fmtPoints(r.maxScore)}`);
  lines.push(`  ${'total'.padEnd(w)}  ${fmtPoints(score)}/${fmtPoints(max)}`);
  return `Summary\n${lines.join('\n')}\nTotal: ${fmtPoints(score)}/${fmtPoints(max)} points`;
}

export interface GradescopeTest {
  name: string;
  score: number;
  max_score: number;
  status: 'passed' | 'failed';
  output: string;
  visibility: GradescopeVisibility;
}

export interface GradescopeResults {
  score: number;
  execution_time: number;
  output: string;
  visibility: 'visible';
  stdout_visibility: 'visible';
  tests: GradescopeTest[];
}

/** Gradescope autograder results.json (score = sum of the test scores). */
export function toGradescope(
  results: ExerciseResult[],
  opts: { executionTimeMs: number; output: string; reproduce: (id: string) => string },
): GradescopeResults {
  const tests: GradescopeTest[] = results.flatMap((r) =>
    r.tests.map((t) => ({
      name: `${r.id}: ${t.name}`,
      score: t.score,
      max_score: t.maxPoints,
      status: t.status,
      output: t.status === 'passed' ? '' : `${t.output}\n\nTo reproduce: ${opts.reproduce(r.id)}`,
      visibility: t.visibility,
    })),
  );
  // Gradescope wants the file small: cut the longest outputs first if it is not.
  let size = tests.reduce((n, t) => n + t.output.length + t.name.length + 120, opts.output.length);
  for (const t of [...tests].sort((a, b) => b.output.length - a.output.length)) {
    if (size <= MAX_RESULTS_CHARS) break;
    const cut = capText(t.output, 600);
    size -= t.output.length - cut.length;
    t.output = cut;
  }
  return {
    score: tests.reduce((s, t) => s + t.score, 0),
    execution_time: Math.round(opts.executionTimeMs / 1000),
    output: capText(opts.output, 20_000),
    visibility: 'visible',
    stdout_visibility: 'visible',
    tests,
  };
}

/** An exercise not graded (yet): every listed test at 0. */
export function notGraded(ex: Exercise, collected: CollectedRecord[]): ExerciseResult {
  const why = 'not graded: grading stopped before this exercise (time limit or crash)';
  const hidden = ex.hiddenFile ? path.resolve(ex.hiddenFile) : null;
  const tests: TestOutcome[] = collected.map((c) => ({
    id: c.id,
    name: c.name,
    hidden: hidden !== null && path.resolve(c.file) === hidden,
    visibility: visibilityOf(c, hidden !== null && path.resolve(c.file) === hidden),
    maxPoints: c.points ?? 0,
    hasPoints: c.points !== null,
    score: 0,
    status: 'failed',
    kind: 'not-run',
    reason: why,
    output: why,
  }));
  return {
    id: ex.id,
    targetFile: ex.targetFile,
    graderFile: ex.graderFile,
    tests,
    score: 0,
    maxScore: tests.reduce((s, t) => s + t.maxPoints, 0),
    problem: why,
    notes: [],
    gradingError: null,
    timedOut: false,
    durationMs: 0,
  };
}

export type GradescopeVisibility = 'visible' | 'hidden' | 'after_due_date' | 'after_published';

function visibilityOf(c: CollectedRecord, hidden: boolean): GradescopeVisibility {
  const v = c.visibility;
  if (v === 'visible' || v === 'hidden' || v === 'after_due_date' || v === 'after_published') return v;
  return hidden ? 'after_published' : 'visible';
}

/** Writes JSON so that a reader sees the old file or the new one, never half of one. */
export function writeAtomically(file: string, json: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(json, null, 2) + '\n');
  fs.renameSync(tmp, file);
}

/**
 * Run a grading CLI's `main`: kill any live vitest process group on Ctrl-C,
 * SIGTERM or a crash, and exit with main's code (or `onError`'s).
 */
export function runCli(main: () => Promise<number>, onError: (err: unknown) => number): void {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      killLiveRuns();
      process.exit(130);
    });
  }
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      killLiveRuns();
      process.exit(onError(err));
    },
  );
}
