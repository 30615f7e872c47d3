// npm run execute-notebooks [-- [--out DIR] [--timeout SECONDS] [--jobs N] [NOTEBOOK.ipynb ...]]
//
// Executes every notebooks/*.ipynb (or the notebooks given) through real
// Jupyter (nbclient + the project-local `faultline` tslab kernel) and writes
// the executed copies and HTML exports to build/notebooks/ (or --out). Exits
// non-zero when any cell fails, naming the notebook, the cell and the error.
// The work is done by scripts/execute_notebooks.py; this wrapper finds the
// python that has Jupyter and sets JUPYTER_PATH. When every notebook ran, it
// then checks that the numbers quoted in their prose appear in their outputs
// (scripts/prose-numbers.ts; --no-prose-check skips that).

import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { findJupyterPython, jupyterEnv, kernelName, makeKernelDeclarations, projectRoot, pythonCandidates } from './jupyter';
import { checkProse } from './prose-numbers';

interface Options {
  out: string;
  timeout: number;
  jobs: number;
  proseCheck: boolean;
  notebooks: string[];
}

function usage(): string {
  return [
    'usage: npm run execute-notebooks -- [--out DIR] [--timeout SECONDS] [--jobs N] [--no-prose-check] [NOTEBOOK.ipynb ...]',
    '  --out DIR          where executed .ipynb and .html go (default: build/notebooks)',
    '  --timeout SECONDS  per-cell timeout, 0 for none (default: 300)',
    '  --jobs N           notebooks to run at once, each with its own kernel (default: 2)',
    '  --no-prose-check   do not check the numbers in the prose against the outputs',
    '  NOTEBOOK.ipynb     notebooks to run (default: every notebooks/*.ipynb)',
  ].join('\n');
}

function fail(message: string, code = 2): never {
  console.error(message);
  process.exit(code);
}

function parseArgs(argv: string[]): Options {
  const options: Options = { out: path.join(projectRoot, 'build', 'notebooks'), timeout: 300, jobs: 2, proseCheck: true, notebooks: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) fail(`${flag} needs a value\n${usage()}`);
      return v;
    };
    if (flag === '--out') options.out = path.resolve(value());
    else if (flag === '--timeout') {
      const raw = value();
      const seconds = Number(raw);
      if (!Number.isInteger(seconds) || seconds < 0) fail(`--timeout must be a whole number of seconds, got ${raw}`);
      options.timeout = seconds;
    } else if (flag === '--jobs') {
      const raw = value();
      const jobs = Number(raw);
      if (!Number.isInteger(jobs) || jobs < 1) fail(`--jobs must be a whole number ≥ 1, got ${raw}`);
      options.jobs = jobs;
    } else if (flag === '--no-prose-check') options.proseCheck = false;
    else if (flag === '--help' || flag === '-h') {
      console.log(usage());
      process.exit(0);
    } else if (flag.startsWith('-')) fail(`unknown option ${flag}\n${usage()}`);
    else options.notebooks.push(path.resolve(arg));
  }
  return options;
}

function defaultNotebooks(): string[] {
  const dir = path.join(projectRoot, 'notebooks');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.ipynb'))
    .sort()
    .map((name) => path.join(dir, name));
}

function main(): void {
  const options = parseArgs(process.argv.slice(2));
  const notebooks = options.notebooks.length > 0 ? options.notebooks : defaultNotebooks();
  if (notebooks.length === 0) fail('no notebooks to execute (notebooks/*.ipynb is empty)', 1);
  const missing = notebooks.filter((nb) => !fs.existsSync(nb));
  if (missing.length > 0) fail(`notebook not found: ${missing.join(', ')}`);

  if (!fs.existsSync(path.join(projectRoot, 'node_modules', 'tslab'))) {
    fail('node_modules/tslab is missing: run `npm run setup` (or `npm ci`) first.', 1);
  }
  const python = findJupyterPython();
  if (!python) {
    fail(
      `No python with Jupyter found (tried ${pythonCandidates().join(', ')}).\n` +
        'Run `npm run setup`, or set FAULTLINE_PYTHON to a python that can `import notebook, nbclient, nbconvert`.',
      1,
    );
  }

  // The kernel's view of lib (lib-declarations.cjs), made once here rather than by the first
  // kernels at once, in their first cell (a no-op when this version of lib has one).
  const problem = makeKernelDeclarations();
  if (problem !== null) console.warn(`kernel declarations not made ahead (each kernel makes its own): ${problem}`);

  // The lessons' predict() cells record their placeholder guesses: into a fresh file beside
  // the executed copies, not the course's own .faultline/ (a run starts from no predictions).
  const predictions = path.join(options.out, 'predictions.json');
  fs.rmSync(predictions, { force: true });
  const result = spawnSync(
    python,
    [
      path.join(__dirname, 'execute_notebooks.py'),
      '--out',
      options.out,
      '--timeout',
      String(options.timeout),
      '--kernel',
      kernelName,
      '--jobs',
      String(options.jobs),
      ...notebooks,
    ],
    { cwd: projectRoot, env: { ...jupyterEnv(), FAULTLINE_PREDICTIONS: predictions }, stdio: 'inherit' },
  );
  if (result.error) fail(`could not run ${python}: ${result.error.message}`, 1);
  if (result.signal) fail(`notebook runner killed by ${result.signal}`, 1);
  if (result.status !== 0 || !options.proseCheck) process.exit(result.status ?? 1);
  process.exit(checkProse(options.out, notebooks));
}

main();
