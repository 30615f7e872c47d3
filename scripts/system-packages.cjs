// What the course needs from the system, and how it is installed when it is
// missing: one copy for `npm start` (scripts/start.mjs: Jupyter) and `npm test`
// (scripts/test-setup.mjs: Jupyter and Chromium; test/browser/chromium.ts).
// Plain CommonJS with no dependencies (start.mjs runs before `npm install`);
// types in system-packages.d.cts.
//
// Installing means apt-get on Debian/Ubuntu, as root or through sudo when
// that needs no password (npm test must not stop at a prompt);
// FAULTLINE_INSTALL=0 turns it off. Otherwise the caller prints what to install.
'use strict';
const { spawnSync } = require('node:child_process');
const { accessSync, constants, statSync } = require('node:fs');

/** Debian/Ubuntu packages that give a python with `notebook`, `nbclient` and `nbconvert`. */
const JUPYTER_APT_PACKAGES = Object.freeze(['jupyter-notebook', 'jupyter-nbconvert', 'python3-nbclient']);
/** The same, from PyPI (into a venv), where there is no apt. */
const JUPYTER_PIP_PACKAGES = Object.freeze(['notebook', 'nbclient', 'nbconvert']);
/** The Debian package the browser tests drive (through playwright-core, so no `npx playwright install`). */
const CHROMIUM_APT_PACKAGE = 'chromium';
/** Where Chromium or Chrome lives when installed from system packages. */
const CHROMIUM_PATHS = Object.freeze(['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']);

function isExecutableFile(file) {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Where to look for a system Chromium: CHROMIUM_PATHS, or $FAULTLINE_CHROMIUM_PATHS (':'-separated; tests point it at nothing). */
function chromiumPaths(env = process.env) {
  const listed = env.FAULTLINE_CHROMIUM_PATHS;
  return listed === undefined ? CHROMIUM_PATHS : listed.split(':').filter((p) => p !== '');
}

/**
 * The Chromium to use: $CHROMIUM when set (an explicit choice, so a wrong
 * path is reported, not replaced by another browser), otherwise the first of
 * chromiumPaths() that exists. `path` is null when there is none.
 */
function findChromium(env = process.env) {
  const chosen = env.CHROMIUM?.trim();
  if (chosen) return { path: isExecutableFile(chosen) ? chosen : null, fromEnv: chosen };
  return { path: chromiumPaths(env).find(isExecutableFile) ?? null, fromEnv: null };
}

function commandExists(command) {
  if (process.platform === 'win32') return spawnSync('where', [command], { stdio: 'ignore' }).status === 0;
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/**
 * How apt-get can be run here: [] as root, ['sudo'] (or ['sudo', '-n'] when
 * `interactive` is false) otherwise, or null when it cannot: not Debian-like,
 * FAULTLINE_INSTALL=0, or neither root nor sudo.
 */
function aptPrefix({ interactive = true, env = process.env } = {}) {
  if (env.FAULTLINE_INSTALL === '0') return null;
  if (process.platform !== 'linux' || !commandExists('apt-get')) return null;
  if (typeof process.getuid === 'function' && process.getuid() === 0) return [];
  if (!commandExists('sudo')) return null;
  if (interactive) return ['sudo'];
  return spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0 ? ['sudo', '-n'] : null;
}

/**
 * `apt-get update` then `apt-get install -y <packages>`, printing each
 * command through `say`. True when both succeed.
 */
function aptInstall(packages, prefix, say = (line) => console.log(line)) {
  const [command, ...pre] = [...prefix, 'apt-get'];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', ...packages]]) {
    say(`$ ${[command, ...pre, ...args].join(' ')}`);
    const result = spawnSync(command, [...pre, ...args], { stdio: 'inherit', env });
    if (result.error) say(`  could not run ${command}: ${result.error.message}`);
    if (result.status !== 0) return false;
  }
  return true;
}

module.exports = {
  JUPYTER_APT_PACKAGES,
  JUPYTER_PIP_PACKAGES,
  CHROMIUM_APT_PACKAGE,
  CHROMIUM_PATHS,
  chromiumPaths,
  findChromium,
  commandExists,
  aptPrefix,
  aptInstall,
};
