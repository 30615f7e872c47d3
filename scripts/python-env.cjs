// Finding "the python that has Jupyter" and the environment that lets it find
// the project-local faultline kernel: one copy for scripts/start.mjs (plain
// node, runs before `npm install`, so no TypeScript) and scripts/jupyter.ts
// (the notebook runner and the tests). Plain CommonJS with no dependencies, so
// both can load it; types in python-env.d.cts.
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const path = require('node:path');

/** The project root (the folder holding package.json). */
const projectRoot = path.resolve(__dirname, '..');
/** Folder that holds kernels/faultline/kernel.json; goes on JUPYTER_PATH. */
const jupyterDataDir = path.join(projectRoot, 'jupyter');
/** Name of the project-local kernelspec. */
const kernelName = 'faultline';
/** Python modules a candidate must import to run and serve notebooks. */
const requiredPythonModules = Object.freeze(['notebook', 'nbclient', 'nbconvert']);

/**
 * Pythons to try, best first: $FAULTLINE_PYTHON, the project's .venv, the
 * Debian/Ubuntu system python (a pyenv/conda `python3` on PATH usually lacks
 * the Debian jupyter packages), then whatever `python3` is on PATH.
 */
function pythonCandidates(env = process.env) {
  const candidates = [];
  const fromEnv = env.FAULTLINE_PYTHON?.trim();
  if (fromEnv) candidates.push(fromEnv);
  if (process.platform === 'win32') candidates.push(path.join(projectRoot, '.venv', 'Scripts', 'python.exe'));
  else candidates.push(path.join(projectRoot, '.venv', 'bin', 'python'), '/usr/bin/python3');
  candidates.push('python3');
  if (process.platform === 'win32') candidates.push('python');
  return [...new Set(candidates)];
}

/**
 * process.env plus what Jupyter needs to find and start the faultline kernel:
 * JUPYTER_PATH=<root>/jupyter prepended to any existing JUPYTER_PATH (nothing
 * is ever written to the user's own Jupyter folders), this node's folder
 * appended to PATH (kernel.json runs `node`), and
 * PYDEVD_DISABLE_FILE_VALIDATION=1 (silences a debugger warning on every
 * kernel/python start with frozen modules).
 */
function jupyterEnv(base = process.env) {
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

/**
 * True when `python` runs and finds every module in `modules`. Found, not
 * imported: importing Jupyter's modules costs ~0.7 s, and this runs before
 * every notebook run; a module found but broken fails that run, saying so.
 */
function pythonHasModules(python, modules = requiredPythonModules) {
  if (/[\\/]/.test(python) && !existsSync(python)) return false;
  const probe = `import importlib.util, sys; sys.exit(0 if all(importlib.util.find_spec(m) for m in ${JSON.stringify(modules)}) else 1)`;
  const result = spawnSync(python, ['-c', probe], { stdio: 'ignore', timeout: 60_000, env: jupyterEnv() });
  return result.status === 0;
}

/** The first candidate that imports the required modules and `extraModules`, or null. */
function firstJupyterPython(extraModules = []) {
  return pythonCandidates().find((python) => pythonHasModules(python, [...requiredPythonModules, ...extraModules])) ?? null;
}

/**
 * Makes the kernel's view of lib/ for the course at `root` (its
 * lib-declarations.cjs), ahead of the first kernel: a few seconds once per
 * version of lib, a no-op after. Returns null, or what went wrong (each kernel
 * then makes its own).
 */
function makeKernelDeclarations(root = projectRoot) {
  const cli = path.join(root, 'jupyter', 'kernels', kernelName, 'lib-declarations.cjs');
  const r = spawnSync(process.execPath, [cli, root], { cwd: root, encoding: 'utf8' });
  return r.status === 0 ? null : (r.stderr || r.error?.message || `exit ${r.status}`).trim();
}

module.exports = { projectRoot, jupyterDataDir, kernelName, requiredPythonModules, pythonCandidates, jupyterEnv, pythonHasModules, firstJupyterPython, makeKernelDeclarations };
