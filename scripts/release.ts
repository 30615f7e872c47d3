// npm run release -- --out <dir> [--no-site]
//
// Builds what an instructor hands out, from this (instructor) repository:
//   <dir>/student/                 the course as students get it: a GitHub Classroom
//                                  template repository (stripped notebooks, lib, exercise
//                                  stubs, public graders, `npm start` / `npm run grade`,
//                                  .github/workflows/classroom.yml). No solutions/, no
//                                  hidden tests, no instructor scripts.
//   <dir>/gradescope/autograder.zip  setup.sh + run_autograder at the root, plus the course
//                                  (stubs, lib, every grader including test/graders/hidden/).
//   <dir>/site/                    the executed lessons as a static website (GitHub Pages):
//                                  index.html + one page per lesson. Reuses build/notebooks/
//                                  when it is newer than the notebooks and lib/, otherwise runs
//                                  `npm run execute-notebooks` (a few minutes). --no-site skips it.
// The three folders are replaced; anything else in <dir> is left alone.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runnerId } from './grading/classroom';
import { serializeNotebook, stripNotebook } from './strip-notebooks';
import { buildSite } from './release/site';

const ROOT = path.resolve(__dirname, '..');
const USAGE = 'usage: npm run release -- --out <dir> [--no-site]';

/** npm scripts students keep (the rest are instructor tooling). */
const STUDENT_SCRIPTS = ['start', 'setup', 'typecheck', 'grade', 'execute-notebooks'];
/** Files of scripts/grading/ that only the Gradescope package needs. */
const GRADESCOPE_ONLY = ['gradescope.ts'];

interface Options {
  out: string;
  site: boolean;
}

function fail(message: string): never {
  console.error(`release: ${message}`);
  process.exit(2);
}

function parseArgs(argv: string[]): Options {
  let out: string | null = null;
  let site = true;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--out') out = argv[++i] ?? fail(`--out needs a folder\n${USAGE}`);
    else if (a.startsWith('--out=')) out = a.slice('--out='.length);
    else if (a === '--no-site') site = false;
    else if (a === '-h' || a === '--help') {
      console.log(USAGE);
      process.exit(0);
    } else fail(`unknown option ${a}\n${USAGE}`);
  }
  if (!out) fail(`--out is required\n${USAGE}`);
  return { out: path.resolve(out), site };
}

// ---------------------------------------------------------------------------
// Copying

/** Files below `dir` (relative to ROOT), sorted; `skip` filters relative paths. */
function filesUnder(dir: string, skip: (rel: string) => boolean = () => false): string[] {
  const out: string[] = [];
  const visit = (rel: string) => {
    const abs = path.join(ROOT, rel);
    if (!fs.existsSync(abs)) return;
    for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
      const r = path.join(rel, e.name);
      if (skip(r) || e.name === '.ipynb_checkpoints' || e.name === '__pycache__') continue;
      if (e.isDirectory()) visit(r);
      else if (e.isFile()) out.push(r);
    }
  };
  visit(dir);
  return out.sort();
}

function copy(rel: string, destRoot: string, destRel = rel): void {
  const dest = path.join(destRoot, destRel);
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.copyFileSync(path.join(ROOT, rel), dest);
  fs.chmodSync(dest, fs.statSync(path.join(ROOT, rel)).mode & 0o777);
}

function write(destRoot: string, rel: string, text: string, mode = 0o644): void {
  const dest = path.join(destRoot, rel);
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.writeFileSync(dest, text);
  fs.chmodSync(dest, mode);
}

/** package.json with only the given npm scripts (dependencies unchanged, so package-lock.json still matches). */
function trimmedPackageJson(scripts: string[], extra: Record<string, string> = {}): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const kept: Record<string, string> = {};
  for (const s of scripts) {
    if (!pkg.scripts[s]) throw new Error(`package.json has no "${s}" script`);
    kept[s] = pkg.scripts[s]!;
  }
  return JSON.stringify({ ...pkg, scripts: { ...kept, ...extra } }, null, 2) + '\n';
}

export function exerciseIds(): string[] {
  return fs
    .readdirSync(path.join(ROOT, 'test', 'graders'))
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => f.slice(0, -'.test.ts'.length))
    .sort();
}

function lessonTitle(nbPath: string): string {
  const nb = JSON.parse(fs.readFileSync(nbPath, 'utf8')) as { cells: Array<{ cell_type: string; source: string | string[] }> };
  for (const c of nb.cells) {
    if (c.cell_type !== 'markdown') continue;
    const src = Array.isArray(c.source) ? c.source.join('') : c.source;
    const h = /^#\s+(.+)$/m.exec(src);
    if (h) return h[1]!.trim();
  }
  return path.basename(nbPath, '.ipynb');
}

export function lessons(): Array<{ name: string; title: string }> {
  return fs
    .readdirSync(path.join(ROOT, 'notebooks'))
    .filter((f) => f.endsWith('.ipynb'))
    .sort()
    .map((f) => ({ name: f.slice(0, -'.ipynb'.length), title: lessonTitle(path.join(ROOT, 'notebooks', f)) }));
}

// ---------------------------------------------------------------------------
// Student repository

/** The GitHub Classroom workflow: grade on push, one reporter runner per exercise. */
export function classroomWorkflow(ids: string[]): string {
  const runners = ids.map(runnerId);
  const env = runners.map((r) => `          ${r.toUpperCase()}_RESULTS: "\${{ steps.grade.outputs['${r}'] }}"`).join('\n');
  return `# GitHub Classroom autograding. The names matter: Classroom only takes the
# points of a workflow called "Autograding Tests" with one job called
# "run-autograding-tests" (see the autograding-grading-reporter README).
# \`npm run grade -- --classroom <file>\` writes the reporter's results and sets
# one step output per exercise; the reporter adds up the points (partial
# credit per test) and sends them to Classroom.
name: Autograding Tests
on:
  - push
  - repository_dispatch
  - workflow_dispatch
permissions:
  checks: write
  actions: read
  contents: read
jobs:
  run-autograding-tests:
    runs-on: ubuntu-22.04
    if: github.actor != 'github-classroom[bot]'
    timeout-minutes: 20
    steps:
      - name: Checkout code
        uses: actions/checkout@v4
      - name: Set up Node.js
        uses: actions/setup-node@v4
        with:
          node-version: 20
          cache: npm
      - name: Install dependencies
        run: npm ci --no-audit --no-fund
      - name: Grade the exercises
        id: grade
        run: npm run grade -- --classroom "$RUNNER_TEMP/classroom.json"
      - name: Autograding Reporter
        if: \${{ !cancelled() }}
        uses: classroom-resources/autograding-grading-reporter@v1
        env:
${env}
        with:
          runners: ${runners.join(',')}
`;
}

function studentReadme(ids: string[], lessonList: Array<{ name: string; title: string }>): string {
  const template = fs.readFileSync(path.join(ROOT, 'docs', 'student-README.md'), 'utf8');
  const lessonLines = lessonList.map((l) => `- [${l.title}](notebooks/${l.name}.ipynb)`).join('\n');
  const exerciseLines = ids.map((id) => `- \`exercises/${id}.ts\`: \`npm run grade -- --only ${id}\``).join('\n');
  return template.replace('{{LESSONS}}', lessonLines).replace('{{EXERCISES}}', exerciseLines);
}

export function buildStudent(dest: string): string[] {
  const ids = exerciseIds();
  const files = [
    ...filesUnder('lib'),
    ...filesUnder('exercises'),
    // Public graders only: test/graders/hidden/ never leaves the instructor repository.
    ...filesUnder('test/graders', (rel) => rel.startsWith(path.join('test', 'graders', 'hidden'))),
    ...filesUnder('jupyter'),
    ...filesUnder('scripts/grading', (rel) => GRADESCOPE_ONLY.includes(path.basename(rel))),
    'scripts/start.mjs',
    // start.mjs and jupyter.ts load these: the python search and the system packages.
    'scripts/python-env.cjs',
    'scripts/python-env.d.cts',
    'scripts/system-packages.cjs',
    'scripts/system-packages.d.cts',
    'scripts/grade.ts',
    'scripts/jupyter.ts',
    'scripts/execute-notebooks.ts',
    'scripts/execute_notebooks.py',
    'vitest.graders.config.ts',
    'tsconfig.json',
    'package-lock.json',
  ];
  for (const f of files) copy(f, dest);
  for (const l of lessons()) {
    const src = path.join(ROOT, 'notebooks', `${l.name}.ipynb`);
    const { nb } = stripNotebook(JSON.parse(fs.readFileSync(src, 'utf8')));
    write(dest, path.join('notebooks', `${l.name}.ipynb`), serializeNotebook(nb));
  }
  write(dest, 'package.json', trimmedPackageJson(STUDENT_SCRIPTS));
  write(dest, 'README.md', studentReadme(ids, lessons()));
  write(dest, '.gitignore', 'node_modules/\nbuild/\n.venv/\n*.log\n.ipynb_checkpoints/\nresults.json\n');
  write(dest, '.github/workflows/classroom.yml', classroomWorkflow(ids));
  return ids;
}

// ---------------------------------------------------------------------------
// Gradescope package

function buildGradescope(dest: string): string {
  const stage = path.join(dest, 'autograder');
  const files = [
    ...filesUnder('lib'),
    ...filesUnder('exercises'),
    ...filesUnder('test/graders'), // including hidden/
    ...filesUnder('scripts/grading'),
    'scripts/grade.ts',
    'vitest.graders.config.ts',
    'tsconfig.json',
    'package-lock.json',
  ];
  for (const f of files) copy(f, stage);
  copy('scripts/release/setup.sh', stage, 'setup.sh');
  copy('scripts/release/run_autograder', stage, 'run_autograder');
  write(stage, 'package.json', trimmedPackageJson(['grade']));
  const zip = path.join(dest, 'autograder.zip');
  // -X: no extra attributes; -r from inside the stage so setup.sh sits at the zip root.
  const r = spawnSync('zip', ['-q', '-r', '-X', zip, '.'], { cwd: stage, stdio: 'inherit' });
  if (r.error || r.status !== 0) fail(`could not run zip (${r.error?.message ?? `exit ${r.status}`}): install it (apt-get install zip)`);
  fs.rmSync(stage, { recursive: true, force: true });
  return zip;
}

// ---------------------------------------------------------------------------

function main(): void {
  const opts = parseArgs(process.argv.slice(2));
  fs.mkdirSync(opts.out, { recursive: true });
  const rel = (p: string) => path.relative(process.cwd(), p) || '.';

  const student = path.join(opts.out, 'student');
  fs.rmSync(student, { recursive: true, force: true });
  const ids = buildStudent(student);
  console.log(`student repository: ${rel(student)} (${ids.length} exercises)`);

  const gradescope = path.join(opts.out, 'gradescope');
  fs.rmSync(gradescope, { recursive: true, force: true });
  fs.mkdirSync(gradescope, { recursive: true });
  console.log(`Gradescope autograder: ${rel(buildGradescope(gradescope))}`);

  if (opts.site) {
    const site = path.join(opts.out, 'site');
    fs.rmSync(site, { recursive: true, force: true });
    buildSite({ root: ROOT, dest: site, lessons: lessons() });
    console.log(`website: ${rel(path.join(site, 'index.html'))}`);
  }
}

if (require.main === module) main();
