// Shared helpers for everything that talks to a real Jupyter: the notebook
// runner (scripts/execute-notebooks.ts), browser tests, and anything else that
// needs "the python that has Jupyter" and "the environment that finds the
// project-local faultline kernelspec". The logic lives in python-env.cjs,
// which scripts/start.mjs loads too (it runs before `npm install`, without tsx).
import { firstJupyterPython, pythonCandidates } from './python-env.cjs';

export { jupyterDataDir, jupyterEnv, kernelName, makeKernelDeclarations, projectRoot, pythonCandidates, pythonHasModules, requiredPythonModules } from './python-env.cjs';

let cachedPython: string | null | undefined;

/**
 * The first candidate python that can `import notebook, nbclient, nbconvert`,
 * or null when there is none (run `npm run setup`). The answer is cached for
 * the life of the process; pass `{ refresh: true }` to look again.
 */
export function findJupyterPython(options: { refresh?: boolean } = {}): string | null {
  if (cachedPython !== undefined && !options.refresh) return cachedPython;
  cachedPython = firstJupyterPython();
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
