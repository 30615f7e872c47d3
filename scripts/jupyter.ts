// Shared helpers for everything that talks to a real Jupyter: the notebook
// runner (scripts/execute-notebooks.ts), browser tests, and anything else that
// needs "the python that has Jupyter" and "the environment that finds the
// project-local faultline kernelspec".
//
// scripts/start.mjs cannot import this file (it runs before `npm install`, so
// there is no tsx yet) and repeats the same candidate logic: keep them in sync.

import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/** Absolute path of the project root (the folder holding package.json). */
export const projectRoot: string = path.resolve(__dirname, '..');

/** Folder that holds kernels/faultline/kernel.json; goes on JUPYTER_PATH. */
export const jupyterDataDir: string = path.join(projectRoot, 'jupyter');

/** Name of the project-local kernelspec. */
export const kernelName = 'faultline';

/** Python modules a candidate must import to run and serve notebooks. */
export const requiredPythonModules: readonly string[] = ['notebook', 'nbclient', 'nbconvert'];

/**
 * Pythons to try, best first: $FAULTLINE_PYTHON, the project's .venv, the
 * Debian/Ubuntu system python (a pyenv/conda `python3` on PATH usually lacks
 * the Debian jupyter packages), then whatever `python3` is on PATH.
 */
export function pythonCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const candidates: string[] = [];
  const fromEnv = env.FAULTLINE_PYTHON?.trim();
  if (fromEnv) candidates.push(fromEnv);
  if (process.platform === 'win32') {
    candidates.push(path.join(projectRoot, '.venv', 'Scripts', 'python.exe'));
  } else {
    candidates.push(path.join(projectRoot, '.venv', 'bin', 'python'));
    candidates.push('/usr/bin/python3');
  }
  candidates.push('python3');
  if (process.platform === 'win32') candidates.push('python');
  return [...new Set(candidates)];
}

/** True when `python` runs and imports every module in `modules`. */
export function pythonHasModules(python: string, modules: readonly string[] = requiredPythonModules): boolean {
  if (path.isAbsolute(python) && !fs.existsSync(python)) return false;
  const result = spawnSync(python, ['-c', `import ${modules.join(', ')}`], {
    stdio: 'ignore',
    timeout: 60_000,
    env: jupyterEnv(),
  });
  return result.status === 0;
}

let cachedPython: string | null | undefined;

/**
 * The first candidate python that can `import notebook, nbclient, nbconvert`,
 * or null when there is none (run `npm run setup`). The answer is cached for
 * the life of the process; pass `{ refresh: true }` to look again.
 */
export function findJupyterPython(options: { refresh?: boolean } = {}): string | null {
  if (cachedPython !== undefined && !options.refresh) return cachedPython;
  cachedPython = pythonCandidates().find((candidate) => pythonHasModules(candidate)) ?? null;
  return cachedPython;
}

/** Like findJupyterPython, but throws a message saying how to fix it. */
export function requireJupyterPython(): string {
  const python = findJupyterPython();
  if (python) return python;
  throw new Error(
    'No python with Jupyter found (it must be able to `import notebook, nbclient, nbconvert`).\n' +
      `Tried: ${pythonCandidates().join(', ')}.\n` +
      'Run `npm run setup`, or set FAULTLINE_PYTHON to a python that has them ' +
      '(Debian/Ubuntu: apt-get install jupyter-notebook jupyter-nbconvert python3-nbclient; ' +
      'elsewhere: python3 -m venv .venv && .venv/bin/pip install notebook nbclient nbconvert).',
  );
}

/**
 * process.env plus what Jupyter needs to find and start the faultline kernel:
 * JUPYTER_PATH=<root>/jupyter prepended to any existing JUPYTER_PATH (nothing
 * is ever written to the user's own Jupyter folders), this node's folder
 * appended to PATH (kernel.json runs `node`), and
 * PYDEVD_DISABLE_FILE_VALIDATION=1 (silences a debugger warning on every
 * kernel/python start with frozen modules).
 */
export function jupyterEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const existing = (base.JUPYTER_PATH ?? '')
    .split(path.delimiter)
    .filter((entry) => entry !== '' && path.resolve(entry) !== jupyterDataDir);
  // The kernelspec runs `node`: make sure the node running us is reachable.
  // Appended, so it never shadows anything already on PATH (e.g. python3).
  const nodeDir = path.dirname(process.execPath);
  const pathEntries = (base.PATH ?? '').split(path.delimiter).filter((entry) => entry !== '');
  if (!pathEntries.includes(nodeDir)) pathEntries.push(nodeDir);
  return {
    ...base,
    PATH: pathEntries.join(path.delimiter),
    JUPYTER_PATH: [jupyterDataDir, ...existing].join(path.delimiter),
    PYDEVD_DISABLE_FILE_VALIDATION: '1',
    PYTHONIOENCODING: base.PYTHONIOENCODING ?? 'utf-8',
  };
}
