#!/usr/bin/env node
// What `npm test` needs from the system, set up the way `npm start` does it,
// before the long run rather than at its end:
//   --jupyter   a python with notebook, nbclient, nbconvert (notebook runner, live-notebook test)
//   --chromium  Chromium for the browser tests
// (no flag: both). Missing and installable (Debian/Ubuntu, root or
// passwordless sudo, FAULTLINE_INSTALL not 0): installed with apt-get.
// Otherwise it exits 1 at once with what to install. An explicit choice
// ($CHROMIUM, $FAULTLINE_PYTHON) is checked, never replaced or installed over.
// npm runs it as `pretest`, `pretest:browser` and `preexecute-notebooks`.
//
// Plain Node with no dependencies, like scripts/start.mjs (it never runs npm ci:
// node_modules is npm's business, and `npm test` already needs it).

import pythonEnv from './python-env.cjs';
import systemPackages from './system-packages.cjs';

const { firstJupyterPython, pythonCandidates, pythonHasModules, requiredPythonModules } = pythonEnv;
const { aptInstall, aptPrefix, chromiumPaths, findChromium, CHROMIUM_APT_PACKAGE, JUPYTER_APT_PACKAGES, JUPYTER_PIP_PACKAGES } = systemPackages;

const say = (line) => console.log(`[faultline test setup] ${line}`);
const problems = [];

/** Try apt; say why not when it cannot. True when `check()` passes afterwards. */
function install(what, packages, check) {
  const prefix = aptPrefix({ interactive: false });
  if (prefix === null) return false;
  say(`${what} is missing; installing it from Debian/Ubuntu packages: ${packages.join(' ')}`);
  return aptInstall(packages, prefix, say) && check();
}

function ensureJupyter() {
  const chosen = process.env.FAULTLINE_PYTHON?.trim();
  const modules = requiredPythonModules.join(', ');
  if (chosen) {
    if (pythonHasModules(chosen)) return say(`Jupyter: ${chosen} (FAULTLINE_PYTHON)`);
    return problems.push(`FAULTLINE_PYTHON=${chosen} cannot import ${modules}: fix it, or unset it to use the system's Jupyter.`);
  }
  let python = firstJupyterPython();
  if (!python && install('Jupyter', JUPYTER_APT_PACKAGES, () => (python = firstJupyterPython()) !== null)) say('Jupyter: installed');
  if (python) return say(`Jupyter: ${python}`);
  problems.push(
    `No python with ${modules} (tried ${pythonCandidates().join(', ')}). Install Jupyter:\n` +
      `    Debian/Ubuntu:  sudo apt-get install -y ${JUPYTER_APT_PACKAGES.join(' ')}\n` +
      '    anywhere:       npm run setup   (apt, or a project-local .venv with pip: ' +
      `${JUPYTER_PIP_PACKAGES.join(' ')})\n` +
      `    or set FAULTLINE_PYTHON to a python that can import ${modules}.`,
  );
}

function ensureChromium() {
  let found = findChromium();
  if (found.fromEnv !== null) {
    if (found.path) return say(`Chromium: ${found.path} (CHROMIUM)`);
    return problems.push(`CHROMIUM=${found.fromEnv} is not an executable file: fix it, or unset it to use /usr/bin/chromium.`);
  }
  if (!found.path && install('Chromium', [CHROMIUM_APT_PACKAGE], () => (found = findChromium()).path !== null)) say('Chromium: installed');
  if (found.path) return say(`Chromium: ${found.path}`);
  problems.push(
    `No Chromium for the browser tests (looked for ${chromiumPaths().join(', ') || 'nothing'}). Install it:\n` +
      `    Debian/Ubuntu:  sudo apt-get install -y ${CHROMIUM_APT_PACKAGE}\n` +
      '    anywhere:       set CHROMIUM=/path/to/chrome (any Chromium or Chrome build).',
  );
}

const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== '--jupyter' && a !== '--chromium');
if (unknown.length > 0) {
  console.error(`usage: node scripts/test-setup.mjs [--jupyter] [--chromium]  (unknown: ${unknown.join(' ')})`);
  process.exit(2);
}
const all = args.length === 0;
if (all || args.includes('--jupyter')) ensureJupyter();
if (all || args.includes('--chromium')) ensureChromium();
if (problems.length > 0) {
  const why =
    aptPrefix({ interactive: false }) === null
      ? '\n  (Nothing was installed automatically: that takes apt-get as root or with passwordless sudo, and FAULTLINE_INSTALL not 0.)'
      : '';
  console.error(`[faultline test setup] ERROR: npm test cannot run here yet.\n${problems.map((p) => `  ✖ ${p}`).join('\n')}${why}`);
  process.exit(1);
}
