#!/usr/bin/env node
// npm start            set up whatever is missing, then start Jupyter on the course
// npm run setup        only the setup part (node scripts/start.mjs --setup-only)
//
// Plain Node (>= 20) with no dependencies: it runs before `npm install`.
//
// Setup, idempotent and printed step by step:
//   1. npm dependencies: `npm ci` (`npm install` without a lockfile) when
//      node_modules is missing or package-lock.json is newer than
//      node_modules/.package-lock.json.
//   2. Jupyter: a python that can `import notebook, nbclient, nbconvert`
//      (candidates: $FAULTLINE_PYTHON, .venv/bin/python, /usr/bin/python3,
//      python3 -- from scripts/python-env.cjs, shared with scripts/jupyter.ts).
//      If there is none: apt-get (Debian/Ubuntu, with sudo when not root),
//      otherwise a project-local .venv with pip.
//   3. The project-local `faultline` kernelspec (jupyter/kernels/faultline,
//      found through JUPYTER_PATH; nothing is written to your own Jupyter
//      folders) and tslab in node_modules.
// Then Jupyter Notebook (or --lab: JupyterLab) on 127.0.0.1, a free port,
// token auth with a random token, rooted at the project, no browser unless
// --open.

import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
// The python search and Jupyter's environment: one copy, shared with scripts/jupyter.ts.
import pythonEnv from './python-env.cjs';
// The system packages and how apt installs them: one copy, shared with npm test (scripts/test-setup.mjs).
import systemPackages from './system-packages.cjs';

const { firstJupyterPython, jupyterEnv, kernelName: KERNEL_NAME, makeKernelDeclarations, pythonCandidates, pythonHasModules, requiredPythonModules: REQUIRED_MODULES } = pythonEnv;
const { aptInstall, aptPrefix, commandExists, JUPYTER_APT_PACKAGES: APT_PACKAGES, JUPYTER_PIP_PACKAGES: PIP_PACKAGES } = systemPackages;

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const isWindows = process.platform === 'win32';

const USAGE = `usage: node scripts/start.mjs [--setup-only] [--port N] [--open] [--lab]
  --setup-only  install/verify everything, do not start Jupyter (npm run setup)
  --port N      first port to try (default 8888; the next free one is used)
  --open        open the course in a web browser
  --lab         start JupyterLab instead of Jupyter Notebook (if installed)`;

function say(message) {
  console.log(`[faultline] ${message}`);
}

function die(message) {
  console.error(`[faultline] ERROR: ${message}`);
  process.exit(1);
}

function parseArgs(argv) {
  const options = { setupOnly: false, port: 8888, open: false, lab: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--setup-only') options.setupOnly = true;
    else if (arg === '--open') options.open = true;
    else if (arg === '--lab') options.lab = true;
    else if (arg === '--port' || arg.startsWith('--port=')) {
      const raw = arg === '--port' ? argv[++i] : arg.slice('--port='.length);
      const port = Number(raw);
      if (!Number.isInteger(port) || port < 1 || port > 65535) die(`--port needs a port number, got ${raw}\n${USAGE}`);
      options.port = port;
    } else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else die(`unknown option ${arg}\n${USAGE}`);
  }
  return options;
}

function run(command, args, options = {}) {
  say(`$ ${[command, ...args].join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: root, shell: isWindows, ...options });
  if (result.error) say(`  could not run ${command}: ${result.error.message}`);
  return result.status === 0;
}

// ---------------------------------------------------------------- npm

function mtime(file) {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

function ensureNpmDependencies() {
  const nodeModules = join(root, 'node_modules');
  const lock = join(root, 'package-lock.json');
  const hiddenLock = join(nodeModules, '.package-lock.json');
  let reason;
  if (!existsSync(nodeModules)) reason = 'node_modules is missing';
  else if (existsSync(lock) && (mtime(hiddenLock) ?? 0) < (mtime(lock) ?? 0)) {
    reason = existsSync(hiddenLock) ? 'package-lock.json changed since the last install' : 'node_modules is incomplete';
  }
  if (!reason) {
    say('npm dependencies: up to date');
    return;
  }
  const npm = isWindows ? 'npm.cmd' : 'npm';
  const args = existsSync(lock) ? ['ci'] : ['install'];
  say(`npm dependencies: ${reason}; running npm ${args[0]}`);
  if (!run(npm, args)) die(`npm ${args[0]} failed (see above).`);
}

// ---------------------------------------------------------------- python / Jupyter

function pythonImports(python, modules) {
  return pythonHasModules(python, modules);
}

function findJupyterPython(extraModules = []) {
  return firstJupyterPython(extraModules);
}

function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function installWithApt() {
  const prefix = aptPrefix();
  if (prefix === null) {
    say('apt-get is here but you are not root and there is no sudo (or FAULTLINE_INSTALL=0); skipping apt');
    return false;
  }
  say(`installing Jupyter from Debian/Ubuntu packages: ${APT_PACKAGES.join(' ')}`);
  return aptInstall(APT_PACKAGES, prefix, say);
}

function installWithVenv() {
  const venv = join(root, '.venv');
  const venvPython = isWindows ? join(venv, 'Scripts', 'python.exe') : join(venv, 'bin', 'python');
  if (!existsSync(venvPython)) {
    const bases = isWindows ? ['py', 'python3', 'python'] : ['python3', '/usr/bin/python3', 'python'];
    const base = bases.find((python) => spawnSync(python, ['-c', 'import venv, ensurepip'], { stdio: 'ignore' }).status === 0);
    if (!base) {
      say('no python3 with the venv module found');
      return false;
    }
    say(`creating a project-local virtual environment in .venv (${base} -m venv)`);
    if (!run(base, ['-m', 'venv', venv])) return false;
  }
  say(`installing ${PIP_PACKAGES.join(' ')} into .venv with pip`);
  return run(venvPython, ['-m', 'pip', 'install', '--upgrade', ...PIP_PACKAGES]);
}

function ensureJupyter() {
  let python = findJupyterPython();
  if (python) {
    say(`Jupyter: ${python} has ${REQUIRED_MODULES.join(', ')}`);
    return python;
  }
  say(`Jupyter: no python with ${REQUIRED_MODULES.join(', ')} (tried ${pythonCandidates().join(', ')})`);
  if (process.env.FAULTLINE_PYTHON) say(`  note: FAULTLINE_PYTHON=${process.env.FAULTLINE_PYTHON} cannot import them`);
  if (process.platform === 'linux' && commandExists('apt-get') && installWithApt()) python = findJupyterPython();
  if (!python && installWithVenv()) python = findJupyterPython();
  if (python) {
    say(`Jupyter: installed; using ${python}`);
    return python;
  }
  die(
    'could not install Jupyter automatically. Install it, then run `npm start` again:\n' +
      `  Debian/Ubuntu:  sudo apt-get install -y ${APT_PACKAGES.join(' ')}\n` +
      `  anywhere else:  python3 -m venv .venv && .venv/bin/pip install ${PIP_PACKAGES.join(' ')}\n` +
      '  or point FAULTLINE_PYTHON at a python that can `import notebook, nbclient, nbconvert`.',
  );
}

function verifyKernel(python) {
  const tslabMain = join(root, 'node_modules', 'tslab', 'dist', 'main.js');
  if (!existsSync(tslabMain)) die('node_modules/tslab is missing: run `npm ci`.');
  const zmq = spawnSync(process.execPath, ['-e', "require('zeromq')"], { cwd: root, encoding: 'utf8' });
  if (zmq.status !== 0) {
    die(`tslab's zeromq native module does not load (try \`npm rebuild zeromq\` or \`npm ci\`):\n${zmq.stderr.trim()}`);
  }
  const probe = spawnSync(
    python,
    ['-c', 'import json; from jupyter_client.kernelspec import KernelSpecManager; print(json.dumps(KernelSpecManager().find_kernel_specs()))'],
    { cwd: root, env: jupyterEnv(), encoding: 'utf8' },
  );
  let specs = {};
  try {
    specs = JSON.parse(probe.stdout.trim().split('\n').pop() ?? '{}');
  } catch {
    die(`could not list Jupyter kernels with ${python}:\n${probe.stderr}`);
  }
  const expected = join(root, 'jupyter', 'kernels', KERNEL_NAME);
  if (!specs[KERNEL_NAME]) die(`Jupyter does not see the ${KERNEL_NAME} kernel (expected ${expected}); found: ${Object.keys(specs).join(', ') || 'none'}`);
  if (resolve(specs[KERNEL_NAME]) !== resolve(expected)) {
    die(`the ${KERNEL_NAME} kernel resolves to ${specs[KERNEL_NAME]}, not ${expected}`);
  }
  say(`kernel: ${KERNEL_NAME} -> ${specs[KERNEL_NAME]} (tslab ok)`);
  // Once per version of lib/ (a few seconds), so the first lesson's kernel does not wait for it.
  const problem = makeKernelDeclarations(root);
  say(problem === null ? 'kernel: lib declarations ready' : `kernel: ${problem}`);
}

// ---------------------------------------------------------------- server

function portIsFree(port) {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.once('error', () => resolvePort(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolvePort(true)));
  });
}

async function findFreePort(first) {
  for (let port = first; port < Math.min(first + 50, 65536); port++) {
    if (await portIsFree(port)) return port;
  }
  die(`no free port in ${first}-${first + 49}; pass --port N`);
}

function pythonOutput(python, code) {
  const result = spawnSync(python, ['-c', code], { env: jupyterEnv(), encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : '';
}

/** Jupyter refuses to run as root (containers, CI) unless told to. */
function allowRoot(app) {
  return isRoot() ? [`--${app}.allow_root=True`] : [];
}

/** The command line and URL for the chosen front end. */
function serverPlan(python, options, port, token) {
  if (options.lab) {
    const labPython = pythonImports(python, ['jupyterlab']) ? python : findJupyterPython(['jupyterlab']);
    if (labPython) {
      return {
        name: 'JupyterLab',
        python: labPython,
        args: ['-m', 'jupyterlab', '--no-browser', `--ServerApp.ip=127.0.0.1`, `--ServerApp.port=${port}`, '--ServerApp.port_retries=0', `--ServerApp.root_dir=${root}`, ...allowRoot('ServerApp')],
        url: `http://127.0.0.1:${port}/lab/tree/notebooks?token=${token}`,
      };
    }
    say('JupyterLab is not installed for this python (`import jupyterlab` fails); starting the classic Notebook instead.');
    say('  to use it: pip install jupyterlab (in .venv or FAULTLINE_PYTHON), or apt-get install jupyterlab where packaged.');
  }
  const version = pythonOutput(python, 'import notebook; print(notebook.__version__)');
  const major = Number.parseInt(version, 10);
  // Notebook 7 runs on jupyter_server (ServerApp); 6.x is the classic NotebookApp.
  const app = major >= 7 ? 'ServerApp' : 'NotebookApp';
  const rootOption = major >= 7 ? `--ServerApp.root_dir=${root}` : `--NotebookApp.notebook_dir=${root}`;
  return {
    name: `Jupyter Notebook ${version || ''}`.trim(),
    python,
    args: ['-m', 'notebook', '--no-browser', `--${app}.ip=127.0.0.1`, `--${app}.port=${port}`, `--${app}.port_retries=0`, rootOption, ...allowRoot(app)],
    url: `http://127.0.0.1:${port}/tree/notebooks?token=${token}`,
  };
}

async function waitUntilUp(port, child, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    try {
      const response = await fetch(`http://127.0.0.1:${port}/api`, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

async function tokenWorks(port, token) {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/api/status`, {
      headers: { Authorization: `token ${token}` },
      signal: AbortSignal.timeout(5000),
    });
    return response.ok;
  } catch {
    return false;
  }
}

function openBrowser(url) {
  const [command, args] =
    process.platform === 'darwin' ? ['open', [url]] : isWindows ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.on('error', () => say(`could not open a browser (${command}); open the URL yourself.`));
    child.unref();
  } catch {
    say('could not open a browser; open the URL yourself.');
  }
}

async function startServer(python, options) {
  const port = await findFreePort(options.port);
  if (port !== options.port) say(`port ${options.port} is busy; using ${port}`);
  const token = randomBytes(24).toString('hex');
  const plan = serverPlan(python, options, port, token);
  say(`starting ${plan.name} on http://127.0.0.1:${port}/ (root: ${root})`);

  // stdin is not inherited: with a terminal on stdin, classic Notebook turns
  // Ctrl-C into a "Shutdown this notebook server (y/[n])?" prompt.
  // The token goes through JUPYTER_TOKEN (read by Notebook 6/7, JupyterLab)
  // rather than the command line, where other local users could see it in ps.
  const env = { ...jupyterEnv(), JUPYTER_TOKEN: token };
  delete env.JUPYTER_TOKEN_FILE;
  // Own process group (detached): a terminal's Ctrl-C reaches only us and we
  // pass it on exactly once. Delivered twice (group + forward), the second
  // signal interrupts the server's kernel cleanup halfway and leaks kernels.
  const child = spawn(plan.python, plan.args, { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'], detached: !isWindows });
  process.on('exit', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  });
  child.on('error', (error) => die(`could not start ${plan.python}: ${error.message}`));

  let stopping = false;
  const forward = (signal) => {
    // Either signal makes the server stop and shut its kernels down (stdin is
    // not a terminal, so SIGINT does not prompt). A repeated signal kills it.
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (!stopping) {
      stopping = true;
      say(`${signal}: stopping Jupyter...`);
      child.kill(signal);
      setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }, 15_000).unref();
    } else {
      child.kill('SIGKILL');
    }
  };
  process.on('SIGINT', () => forward('SIGINT'));
  process.on('SIGTERM', () => forward('SIGTERM'));
  if (!isWindows) process.on('SIGHUP', () => forward('SIGTERM')); // terminal closed

  const exited = new Promise((resolveExit) => child.on('exit', (code, signal) => resolveExit({ code, signal })));
  if (await waitUntilUp(port, child)) {
    if (!(await tokenWorks(port, token))) {
      say('warning: the server does not accept our token (does your Jupyter config set a token or password?);');
      say('  log in with your own credentials instead.');
    }
    console.log('');
    say(`${plan.name} is running. Open the course at:`);
    console.log(`\n    ${plan.url}\n`);
    say('Press Ctrl-C to stop.');
    if (options.open) openBrowser(plan.url);
  } else if (child.exitCode === null && child.signalCode === null) {
    say(`Jupyter did not answer on port ${port} yet; it may still be starting. URL: ${plan.url}`);
  }
  const { code, signal } = await exited;
  if (stopping) {
    say('Jupyter stopped.');
    process.exit(0);
  }
  if (code !== 0) die(`Jupyter exited with ${signal ? `signal ${signal}` : `code ${code}`}`);
  process.exit(0);
}

// ---------------------------------------------------------------- main

async function main() {
  const options = parseArgs(process.argv.slice(2));
  say(`project: ${root}`);
  ensureNpmDependencies();
  const python = ensureJupyter();
  verifyKernel(python);
  if (options.setupOnly) {
    say('setup complete. `npm start` opens the course; `npm run execute-notebooks` runs every lesson headlessly.');
    return;
  }
  await startServer(python, options);
}

main().catch((error) => die(error?.stack ?? String(error)));
