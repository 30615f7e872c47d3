// The instructor's progress board: every student's current exercises graded
// with the course's grader CLI (one process per student, with a wall-clock
// limit: a broken or looping exercise costs only that student's row), then a
// class table printed, written as CSV, and as an HTML page with charts.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** One student's points: exercise id -> [score, max]; `error` when grading failed. */
export interface StudentRow {
  user: string;
  points: Record<string, [number, number]>;
  error: string | null;
}

export interface Board {
  exercises: string[];
  rows: StudentRow[];
  gradedAt: string;
}

interface GradescopeTest {
  name?: string;
  score?: number;
  max_score?: number;
}

/** Sums a Gradescope results.json per exercise ("<id>: test name" prefixes). */
export function pointsFromResults(results: { tests?: GradescopeTest[] }, exercises: string[]): Record<string, [number, number]> {
  const points: Record<string, [number, number]> = {};
  for (const t of results.tests ?? []) {
    const id = exercises.find((e) => t.name?.startsWith(`${e}: `));
    if (!id) continue;
    const [score, max] = points[id] ?? [0, 0];
    points[id] = [score + (Number(t.score) || 0), max + (Number(t.max_score) || 0)];
  }
  return points;
}

export interface GradeOptions {
  /** The course whose grader runs: scripts/grade.ts, test/graders/, lib/, node_modules/. */
  root: string;
  /** Student's exercises/ folder (read as root). */
  exercisesDir: string;
  /** Scratch folder for this student: made, then removed after grading. */
  work: string;
  /** Where the grader's output goes (kept). */
  log: string;
  only: string[];
  timeoutSec: number;
  /**
   * Run the grader as this user (the student) instead of as ourselves: for a
   * grader that does not isolate student code itself. Student code then can
   * do no more than the student could anyway (it could fake its own row).
   */
  runAs?: { uid: number; gid: number };
  /**
   * Otherwise the copy is made readable by all (a grader that isolates runs
   * student code as its own sandbox user, which must read it); `work` should
   * then have an unguessable name in a folder nobody else can list.
   */
}

/**
 * Grades one student's exercises. The files are copied first (the student
 * can keep typing), next to symlinks to the grading course's lib/ and
 * node_modules/ (exercises import `../lib/...`), so a student's edited lib/
 * never changes their grade.
 */
export async function gradeStudent(user: string, exercises: string[], opts: GradeOptions): Promise<StudentRow> {
  try {
    return await gradeCopy(user, exercises, opts);
  } finally {
    fs.rmSync(opts.work, { recursive: true, force: true });
  }
}

async function gradeCopy(user: string, exercises: string[], opts: GradeOptions): Promise<StudentRow> {
  fs.rmSync(opts.work, { recursive: true, force: true });
  const target = path.join(opts.work, 'exercises');
  fs.mkdirSync(target, { recursive: true });
  for (const id of exercises) {
    const src = path.join(opts.exercisesDir, `${id}.ts`);
    const st = fs.lstatSync(src, { throwIfNoEntry: false });
    if (st?.isFile()) fs.copyFileSync(src, path.join(target, `${id}.ts`)); // never follow a student's symlink
  }
  fs.symlinkSync(path.join(opts.root, 'lib'), path.join(opts.work, 'lib'));
  fs.symlinkSync(fs.realpathSync(path.join(opts.root, 'node_modules')), path.join(opts.work, 'node_modules'));
  fs.chmodSync(opts.work, opts.runAs ? 0o700 : 0o755);
  fs.chmodSync(target, 0o755);
  for (const f of fs.readdirSync(target)) fs.chmodSync(path.join(target, f), 0o644);
  if (opts.runAs) {
    for (const p of [opts.work, target, ...fs.readdirSync(target).map((f) => path.join(target, f)), path.join(opts.work, 'lib'), path.join(opts.work, 'node_modules')]) {
      fs.lchownSync(p, opts.runAs.uid, opts.runAs.gid);
    }
  }
  const out = path.join(opts.work, 'results.json');
  const tsx = path.join(opts.root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  // The grader's own directory-target option (scripts/grade.ts --target-dir).
  const args = [tsx, path.join(opts.root, 'scripts', 'grade.ts'), '--target-dir', target, '--out', out, '--timeout', String(opts.timeoutSec)];
  for (const id of opts.only) args.push('--only', id);
  const count = opts.only.length || exercises.length;
  const limitMs = (count * opts.timeoutSec + 60) * 1000;
  const log = opts.log;
  fs.mkdirSync(path.dirname(log), { recursive: true });
  const { code, timedOut } = await runWithLimit(process.execPath, args, opts.root, log, limitMs, opts.runAs, opts.work);
  if (timedOut) return { user, points: {}, error: `grading took longer than ${Math.round(limitMs / 1000)} s` };
  try {
    const results = JSON.parse(fs.readFileSync(out, 'utf8')) as { tests?: GradescopeTest[] };
    return { user, points: pointsFromResults(results, exercises), error: code === 0 ? null : `grader exited ${code}` };
  } catch {
    return { user, points: {}, error: `no results (grader exited ${code}; see ${log})` };
  }
}

function runWithLimit(
  cmd: string,
  args: string[],
  cwd: string,
  log: string,
  limitMs: number,
  runAs: { uid: number; gid: number } | undefined,
  home: string,
): Promise<{ code: number | null; timedOut: boolean }> {
  return new Promise((resolve) => {
    const fd = fs.openSync(log, 'w');
    const env = { ...process.env, NO_COLOR: '1', ...(runAs ? { HOME: home, USER: '', LOGNAME: '' } : {}) };
    const child = spawn(cmd, args, { cwd, detached: true, stdio: ['ignore', fd, fd], env, ...(runAs ?? {}) });
    fs.closeSync(fd);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL'); // the grader and everything it started
      } catch {
        /* gone */
      }
    }, limitMs);
    child.on('error', () => undefined);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, timedOut });
    });
  });
}

// ---------------------------------------------------------------- output

const total = (row: StudentRow, exercises: string[]): [number, number] =>
  exercises.reduce<[number, number]>((acc, e) => [acc[0] + (row.points[e]?.[0] ?? 0), acc[1] + (row.points[e]?.[1] ?? 0)], [0, 0]);

const fmt = (n: number) => String(Math.round(n * 100) / 100);

export function boardTable(board: Board): string {
  const header = ['student', ...board.exercises.map((e) => e.slice(0, 2)), 'total', ''];
  const lines = board.rows.map((r) => {
    const [s, m] = total(r, board.exercises);
    const graded = Object.keys(r.points).length > 0;
    return [r.user, ...board.exercises.map((e) => (r.points[e] ? fmt(r.points[e]![0]) : '-')), graded ? `${fmt(s)}/${fmt(m)}` : '-', r.error ?? ''];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const show = (cells: string[]) =>
    cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [show(header), ...lines.map(show)].join('\n');
}

export function boardCsv(board: Board): string {
  const head = ['student', ...board.exercises.flatMap((e) => [`${e} points`, `${e} max`]), 'total', 'max', 'error'];
  const esc = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const rows = board.rows.map((r) => {
    const [s, m] = total(r, board.exercises);
    return [r.user, ...board.exercises.flatMap((e) => (r.points[e] ? r.points[e]!.map(fmt) : ['', ''])), fmt(s), fmt(m), r.error ?? ''].map(esc).join(',');
  });
  return [head.join(','), ...rows].join('\n') + '\n';
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Horizontal bars (inline SVG: the board works offline, with no script). */
function barChart(title: string, bars: Array<{ label: string; value: number; max: number }>): string {
  const rowH = 22;
  const labelW = 190;
  const barW = 420;
  const h = bars.length * rowH + 30;
  const items = bars
    .map((b, i) => {
      const y = 24 + i * rowH;
      const w = b.max > 0 ? (barW * b.value) / b.max : 0;
      return `<text x="${labelW - 6}" y="${y + 14}" text-anchor="end">${escapeHtml(b.label)}</text>` +
        `<rect x="${labelW}" y="${y + 3}" width="${barW}" height="${rowH - 6}" fill="#eee"/>` +
        `<rect class="bar" data-label="${escapeHtml(b.label)}" data-value="${fmt(b.value)}" x="${labelW}" y="${y + 3}" width="${fmt(w)}" height="${rowH - 6}" fill="#3b6ea8"/>` +
        `<text x="${labelW + barW + 6}" y="${y + 14}">${fmt(b.value)} / ${fmt(b.max)}</text>`;
    })
    .join('\n');
  return `<figure><svg xmlns="http://www.w3.org/2000/svg" width="${labelW + barW + 110}" height="${h}" font-family="sans-serif" font-size="12">` +
    `<text x="0" y="14" font-weight="bold">${escapeHtml(title)}</text>\n${items}</svg></figure>`;
}

export function boardHtml(board: Board, refreshSec: number): string {
  const ex = board.exercises;
  const graded = board.rows.filter((r) => Object.keys(r.points).length > 0);
  const perStudent = board.rows.map((r) => {
    const [value, max] = total(r, ex);
    return { label: r.user, value, max };
  });
  const perExercise = ex.map((e) => {
    const value = graded.reduce((s, r) => s + (r.points[e]?.[0] ?? 0), 0) / Math.max(1, graded.length);
    const max = Math.max(0, ...graded.map((r) => r.points[e]?.[1] ?? 0));
    return { label: e, value, max };
  });
  const rows = board.rows
    .map((r) => {
      const [s, m] = total(r, ex);
      const cells = ex.map((e) => `<td>${r.points[e] ? `${fmt(r.points[e]![0])}/${fmt(r.points[e]![1])}` : '–'}</td>`).join('');
      return `<tr data-student="${escapeHtml(r.user)}"><th>${escapeHtml(r.user)}</th>${cells}<td class="total">${fmt(s)}/${fmt(m)}</td><td class="error">${escapeHtml(r.error ?? '')}</td></tr>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="${refreshSec}">
<title>Faultline workshop: progress</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th:first-child{text-align:left}.error{color:#a00;text-align:left}</style>
</head><body>
<h1>Class progress</h1>
<p>Graded ${escapeHtml(board.gradedAt)}; this page reloads every ${refreshSec} s.</p>
${barChart('Points per student', perStudent)}
${barChart('Mean points per exercise', perExercise)}
<table><thead><tr><th>student</th>${ex.map((e) => `<th>${escapeHtml(e)}</th>`).join('')}<th>total</th><th></th></tr></thead>
<tbody>
${rows}
</tbody></table>
</body></html>
`;
}
