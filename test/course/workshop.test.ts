// The parts of `npm run workshop` that need neither root nor a hub: the
// roster, the board's arithmetic and output, option refusals, and the
// promise that a student's looping exercise costs only that student's row
// (the real grader runs here). The hub itself: npm run test:workshop.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { boardCsv, boardHtml, boardTable, gradeStudent, pointsFromResults, type Board } from '../../scripts/workshop/progress';
import { WorkshopError, parseRoster } from '../../scripts/workshop/system';

const root = path.resolve(__dirname, '..', '..');
const tsx = path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'faultline-workshop-unit-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('roster', () => {
  test('one username per line: header, comments, blank lines, CSV columns and repeats are handled', () => {
    expect(parseRoster('username\nAda\n# late\n\ngrace,Grace Hopper\nada\n')).toEqual(['ada', 'grace']);
  });
  test('an invalid name is refused with its line', () => {
    expect(() => parseRoster('ada\nrm -rf\n')).toThrow(/line 2: "rm -rf" is not a valid username/);
    expect(() => parseRoster(`ada\n${'y'.repeat(40)}`)).toThrow(WorkshopError); // too long
  });
  test('an empty roster is refused', () => {
    expect(() => parseRoster('username\n# nobody\n')).toThrow(/no usernames/);
  });
});

describe('board', () => {
  const board: Board = {
    exercises: ['01-a', '02-b'],
    rows: [
      { user: 'ada', points: { '01-a': [3, 4], '02-b': [2, 2] }, error: null },
      { user: 'bob<i>', points: {}, error: 'grading took longer than 90 s' },
    ],
    gradedAt: '2026-01-01 10:00:00 UTC',
  };
  test('points add up per exercise from the Gradescope results, by "<id>: " prefix', () => {
    const results = {
      tests: [
        { name: '01-a: one', score: 1, max_score: 2 },
        { name: '01-a: two', score: 2, max_score: 2 },
        { name: '02-b: three', score: 0, max_score: 5 },
        { name: 'setup', score: 0, max_score: 0 },
      ],
    };
    expect(pointsFromResults(results, ['01-a', '02-b', '03-c'])).toEqual({ '01-a': [3, 4], '02-b': [0, 5] });
  });
  test('the table, CSV and HTML show each student, totals and errors', () => {
    const table = boardTable(board).split('\n');
    expect(table[1]).toMatch(/^ada\s+3\s+2\s+5\/6$/);
    expect(table[2]).toMatch(/^bob<i>\s+-\s+-\s+-\s+grading took longer than 90 s$/);
    const csv = boardCsv(board).trim().split('\n');
    expect(csv[0]).toBe('student,01-a points,01-a max,02-b points,02-b max,total,max,error');
    expect(csv[1]).toBe('ada,3,4,2,2,5,6,');
    expect(csv[2]).toBe('bob<i>,,,,,0,0,grading took longer than 90 s');
    const html = boardHtml(board, 30);
    expect(html).toContain('<meta http-equiv="refresh" content="30">');
    expect(html).toContain('data-student="bob&lt;i&gt;"');
    expect(html).not.toContain('<i>');
    expect(html).toMatch(/class="bar" data-label="ada" data-value="5"/);
    expect(html).toMatch(/class="bar" data-label="01-a" data-value="3"/); // the mean over graded students
  });
});

describe('grading one student', () => {
  const id = '03-detecting-faults';
  const student = (name: string, source: string) => {
    const dir = path.join(tmp, name, 'exercises');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `${id}.ts`), source);
    return dir;
  };
  const ids = fs.readdirSync(path.join(root, 'exercises')).map((f) => f.replace(/\.ts$/, ''));

  test('a looping exercise costs only its row; a working one gets its points', { timeout: 120_000 }, async () => {
    const looping = student('looper', `${fs.readFileSync(path.join(root, 'exercises', `${id}.ts`), 'utf8')}\nwhile (true) {}\n`);
    const working = student('worker', fs.readFileSync(path.join(root, 'solutions', `${id}.ts`), 'utf8'));
    const opts = { root, only: [id], timeoutSec: 30 }; // generous: the working one must finish on a busy machine
    const [bad, good] = await Promise.all([
      gradeStudent('looper', ids, { ...opts, exercisesDir: looping, work: path.join(tmp, 'work-looper'), log: path.join(tmp, 'looper.log') }),
      gradeStudent('worker', ids, { ...opts, exercisesDir: working, work: path.join(tmp, 'work-worker'), log: path.join(tmp, 'worker.log') }),
    ]);
    const max = good.points[id]![1];
    expect(max).toBeGreaterThan(0);
    expect(good.points[id]).toEqual([max, max]);
    expect(bad.points[id]?.[0] ?? 0).toBe(0);
    expect(fs.existsSync(path.join(tmp, 'work-worker'))).toBe(false); // the copy is gone, the log stays
    expect(fs.readFileSync(path.join(tmp, 'worker.log'), 'utf8')).toContain(id);
  });
});

describe('command line', () => {
  test('--public without a certificate is refused before anything is touched', () => {
    const dir = path.join(tmp, 'never-made');
    const r = spawnSync(process.execPath, [tsx, path.join(root, 'scripts', 'workshop.ts'), '--dir', dir, '--users', '2', '--public'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--public needs --cert FILE and --key FILE/);
    expect(fs.existsSync(dir)).toBe(false);
  });
});
