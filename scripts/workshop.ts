// npm run workshop -- [start] (--roster students.csv | --users N) [options]
// npm run workshop -- stop | status | progress [--watch S] | remove [--yes]
//
// A JupyterHub for a class on this machine (Linux, root): see README
// "Running a workshop". Everything the hub keeps lives in one workshop folder
// (default /var/lib/faultline-workshop, outside the course tree):
//   workshop.json      the settings (users, ports, limits), read by the hub config
//   passwords.csv      username,password of every account (mode 600: instructor only)
//   course/            the student release (npm run release) + the one shared,
//                      root-owned node_modules every student's copy links to
//   hub/               jupyterhub_config.py, its database, cookie secret, log, pids (mode 700)
//   progress/          board.csv, board.html, board.json, predictions.csv, logs/<user>.log (mode 700)
//   grading/           scratch copies of exercises while they are graded
// Students log in with their system account (PAM); on first login they get
// ~/faultline, a copy of course/ that is theirs from then on.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline/promises';
import { makeKernelDeclarations } from './jupyter';
import { buildStudent, exerciseIds } from './release';
import { boardCsv, boardHtml, boardTable, gradeStudent, type Board, type StudentRow } from './workshop/progress';
import { classPredictions, predictionsCsv, predictionsTable, readStudentPredictions } from './workshop/predictions';
import {
  WorkshopError,
  alive,
  cgroupPids,
  createAccounts,
  deleteAccounts,
  ensureHubPackages,
  findProxy,
  accountIds,
  homeOf,
  makeCgroupParents,
  parseRoster,
  pidsOfUids,
  removeCgroup,
  say,
  signal,
  sleep,
  uidOf,
  waitGone,
} from './workshop/system';

const ROOT = path.resolve(__dirname, '..');
const DEFAULT_DIR = '/var/lib/faultline-workshop';
const GROUP = 'faultline-workshop';
const LOOPBACK = '127.0.0.1';

const USAGE = `usage: npm run workshop -- [command] [options]
commands:
  start (default)     set up what is missing and start the hub (in the background)
  stop                stop the hub and every student server
  status              is it running, where, for whom
  progress            grade every student's exercises: table, progress/board.csv, progress/board.html
  remove              stop, delete the accounts and the workshop folder (asks first)
options:
  --dir DIR           workshop folder (default ${DEFAULT_DIR}, or $FAULTLINE_WORKSHOP_DIR)
  start:
  --roster FILE       one username per line (first CSV column; # comments)
  --users N           or N accounts student01..studentNN (--prefix NAME to change "student")
  --port N            port of the hub (default 8000)
  --public --cert FILE --key FILE
                      listen on every interface, over HTTPS (plain HTTP is only served on 127.0.0.1)
  --memory SIZE       memory limit per student server and its kernels (default 2G; e.g. 1500M)
  --processes N       process limit per student (default 256)
  progress:
  --watch SECONDS     regrade every SECONDS until interrupted (the HTML page reloads itself)
  --only ID           grade only this exercise (repeatable)
  --timeout SECONDS   per exercise (default 30)
  remove:
  --yes               do not ask`;

interface Settings {
  version: 1;
  users: string[];
  host: string;
  port: number;
  hubPort: number;
  proxyApiPort: number;
  tls: { cert: string; key: string } | null;
  limits: { memoryBytes: number; processes: number };
  /** Parent cgroup folders (each student and the hub get a child). */
  cgroups: string[];
  /** The instructor repository the workshop was made from (grader for the board). */
  courseRoot: string;
}

interface Options {
  command: 'start' | 'stop' | 'status' | 'progress' | 'remove';
  dir: string;
  roster: string | null;
  users: number | null;
  prefix: string;
  port: number;
  publicHost: boolean;
  cert: string | null;
  key: string | null;
  memoryBytes: number;
  processes: number;
  watchSec: number | null;
  only: string[];
  timeoutSec: number;
  yes: boolean;
}

function parseSize(v: string): number {
  const m = /^(\d+(?:\.\d+)?)([KMG]?)i?B?$/i.exec(v.trim());
  if (!m) throw new WorkshopError(`--memory: "${v}" is not a size like 2G or 1500M`);
  const unit = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2]!.toUpperCase() as '' | 'K' | 'M' | 'G'];
  return Math.round(Number(m[1]) * unit);
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    command: 'start',
    dir: process.env.FAULTLINE_WORKSHOP_DIR || DEFAULT_DIR,
    roster: null,
    users: null,
    prefix: 'student',
    port: 8000,
    publicHost: false,
    cert: null,
    key: null,
    memoryBytes: parseSize('2G'),
    processes: 256,
    watchSec: null,
    only: [],
    timeoutSec: 30,
    yes: false,
  };
  const int = (flag: string, v: string | undefined, min: number, max: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new WorkshopError(`${flag} needs a whole number from ${min} to ${max}, not "${v}"`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new WorkshopError(`${a} needs a value\n${USAGE}`);
      return v;
    };
    if (['start', 'stop', 'status', 'progress', 'remove'].includes(a) && i === 0) o.command = a as Options['command'];
    else if (a === '--dir') o.dir = next();
    else if (a === '--roster') o.roster = next();
    else if (a === '--users') o.users = int(a, next(), 1, 999);
    else if (a === '--prefix') o.prefix = next();
    else if (a === '--port') o.port = int(a, next(), 1, 65535);
    else if (a === '--public') o.publicHost = true;
    else if (a === '--cert') o.cert = path.resolve(next());
    else if (a === '--key') o.key = path.resolve(next());
    else if (a === '--memory') o.memoryBytes = parseSize(next());
    else if (a === '--processes') o.processes = int(a, next(), 16, 100_000);
    else if (a === '--watch') o.watchSec = int(a, next(), 5, 86_400);
    else if (a === '--only') o.only.push(next());
    else if (a === '--timeout') o.timeoutSec = int(a, next(), 1, 3600);
    else if (a === '--yes' || a === '-y') o.yes = true;
    else if (a === '-h' || a === '--help') {
      console.log(USAGE);
      process.exit(0);
    } else throw new WorkshopError(`unknown argument "${a}"\n${USAGE}`);
  }
  o.dir = path.resolve(o.dir);
  return o;
}

// ---------------------------------------------------------------- folder

const paths = (dir: string) => ({
  settings: path.join(dir, 'workshop.json'),
  passwords: path.join(dir, 'passwords.csv'),
  course: path.join(dir, 'course'),
  hub: path.join(dir, 'hub'),
  config: path.join(dir, 'hub', 'jupyterhub_config.py'),
  log: path.join(dir, 'hub', 'hub.log'),
  launchPid: path.join(dir, 'hub', 'launch.pid'),
  progress: path.join(dir, 'progress'),
});

function readSettings(dir: string): Settings {
  const file = paths(dir).settings;
  if (!fs.existsSync(file)) throw new WorkshopError(`${dir} is not a workshop folder (no workshop.json); start one with npm run workshop -- --users N`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Settings;
}

function requireRoot(what: string): void {
  if (process.platform !== 'linux') throw new WorkshopError('npm run workshop runs on Linux (Debian/Ubuntu) only');
  if (process.getuid?.() !== 0) {
    throw new WorkshopError(`${what} needs root: it creates system accounts, installs packages and starts servers as students.\n  Run: sudo npm run workshop -- ${process.argv.slice(2).join(' ')}`);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, LOOPBACK, () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function portFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/** The course as students get it, plus one shared node_modules (copied from ours, or npm ci). */
function prepareCourse(dest: string): void {
  if (fs.existsSync(path.join(dest, 'node_modules', 'tslab'))) {
    say(`course: ${dest} (already prepared; delete it to rebuild from this repository)`);
    return;
  }
  const staging = `${dest}.building`;
  fs.rmSync(staging, { recursive: true, force: true });
  const ids = buildStudent(staging);
  say(`course: student release with ${ids.length} exercises -> ${dest}`);
  const ours = path.join(ROOT, 'node_modules');
  const same = (a: string, b: string) => fs.existsSync(a) && fs.existsSync(b) && fs.readFileSync(a, 'utf8') === fs.readFileSync(b, 'utf8');
  if (fs.existsSync(path.join(ours, 'tslab')) && same(path.join(ROOT, 'package-lock.json'), path.join(staging, 'package-lock.json'))) {
    say('course: shared node_modules copied from this repository (same package-lock.json)');
    spawnSync('cp', ['-a', fs.realpathSync(ours) + '/.', path.join(staging, 'node_modules')], { stdio: 'inherit' });
  } else {
    say('course: shared node_modules: npm ci');
    const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: staging, stdio: 'inherit' });
    if (r.status !== 0) throw new WorkshopError('npm ci in the workshop course failed (see above)');
  }
  // Students' kernels cannot write the shared install: the declarations their kernels read are made now.
  const problem = makeKernelDeclarations(staging);
  say(problem === null ? 'course: kernel declarations of lib/ made' : `course: ${problem}`);
  // Root-owned and read-only for everyone else.
  spawnSync('chown', ['-R', 'root:root', staging]);
  spawnSync('chmod', ['-R', 'u+rwX,go+rX,go-w', staging]);
  fs.rmSync(dest, { recursive: true, force: true });
  fs.renameSync(staging, dest);
}

async function start(o: Options): Promise<void> {
  if (o.publicHost && !(o.cert && o.key)) throw new WorkshopError('--public needs --cert FILE and --key FILE: the hub serves plain HTTP only on 127.0.0.1');
  if ((o.cert || o.key) && !(o.cert && o.key)) throw new WorkshopError('--cert and --key go together');
  for (const f of [o.cert, o.key]) if (f && !fs.existsSync(f)) throw new WorkshopError(`${f} does not exist`);
  requireRoot('npm run workshop');
  const p = paths(o.dir);
  const previous = fs.existsSync(p.settings) ? readSettings(o.dir) : null;
  if (previous && running(o.dir)) throw new WorkshopError(`the workshop in ${o.dir} is already running (npm run workshop -- stop first)`);

  let users = previous?.users ?? [];
  if (o.roster) users = [...new Set([...users, ...parseRoster(fs.readFileSync(o.roster, 'utf8'))])];
  else if (o.users) {
    const width = Math.max(2, String(o.users).length);
    users = [...new Set([...users, ...Array.from({ length: o.users }, (_, i) => `${o.prefix}${String(i + 1).padStart(width, '0')}`)])];
  }
  if (users.length === 0) throw new WorkshopError(`who is coming? --roster students.csv or --users N\n${USAGE}`);
  parseRoster(users.join('\n')); // validates --prefix names too

  ensureHubPackages();
  const proxy = findProxy();
  if (!proxy) throw new WorkshopError('configurable-http-proxy does not run with this node (tried Debian\'s with and without NODE_PATH); set FAULTLINE_CHP');

  fs.mkdirSync(o.dir, { recursive: true, mode: 0o755 });
  fs.chmodSync(o.dir, 0o755); // students traverse it to reach course/node_modules
  fs.mkdirSync(p.hub, { recursive: true, mode: 0o700 });
  fs.mkdirSync(p.progress, { recursive: true, mode: 0o700 });
  prepareCourse(p.course);

  const host = o.publicHost ? '0.0.0.0' : LOOPBACK;
  if (!(await portFree(o.port, host))) throw new WorkshopError(`port ${o.port} is in use; pass --port N`);
  const cgroupName = `faultline-${path.basename(o.dir).replace(/[^A-Za-z0-9_-]/g, '_')}-${createHash('sha256').update(o.dir).digest('hex').slice(0, 6)}`;
  const settings: Settings = {
    version: 1,
    users,
    host,
    port: o.port,
    hubPort: await freePort(),
    proxyApiPort: await freePort(),
    tls: o.cert && o.key ? { cert: o.cert, key: o.key } : null,
    limits: { memoryBytes: o.memoryBytes, processes: o.processes },
    cgroups: makeCgroupParents(cgroupName),
    courseRoot: ROOT,
  };

  const passwords = createAccounts(users, GROUP);
  if (!fs.existsSync(p.passwords)) fs.writeFileSync(p.passwords, 'username,password\n', { mode: 0o600 });
  fs.appendFileSync(p.passwords, [...passwords].map(([u, pw]) => `${u},${pw}\n`).join(''));
  fs.chmodSync(p.passwords, 0o600);
  say(`accounts: ${users.length} (${passwords.size} new); passwords in ${p.passwords} (readable by root only)`);

  fs.writeFileSync(p.settings, JSON.stringify(settings, null, 2) + '\n', { mode: 0o644 });
  fs.copyFileSync(path.join(__dirname, 'workshop', 'hub-config.py'), p.config);
  const wrapper = path.join(p.hub, 'configurable-http-proxy');
  const envLines = Object.entries(proxy.env).map(([k, v]) => `export ${k}='${v}'\n`).join('');
  fs.writeFileSync(wrapper, `#!/bin/sh\n${envLines}exec '${proxy.command}' "$@"\n`, { mode: 0o755 });

  // The hub (and the proxy it starts) join a "hub" cgroup before exec, so stop finds them all.
  const hubGroups = settings.cgroups.map((d) => path.join(d, 'hub'));
  for (const d of hubGroups) fs.mkdirSync(d, { recursive: true });
  const join = hubGroups.map((d) => `echo $$ > '${d}/cgroup.procs' 2>/dev/null;`).join(' ');
  const log = fs.openSync(p.log, 'a');
  const nodeDir = path.dirname(process.execPath);
  const hub = spawn('sh', ['-c', `${join} exec /usr/bin/jupyterhub -f '${p.config}'`], {
    cwd: p.hub,
    detached: true,
    stdio: ['ignore', log, log],
    env: {
      PATH: `${nodeDir}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
      LANG: 'C.UTF-8',
      HOME: p.hub,
    },
  });
  fs.closeSync(log);
  fs.writeFileSync(p.launchPid, `${hub.pid}\n`);
  hub.unref();

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (!alive(hub.pid!)) throw new WorkshopError(`the hub exited; see ${p.log}:\n${tail(p.log)}`);
    try {
      const r = await fetch(`http://127.0.0.1:${settings.hubPort}/hub/health`, { signal: AbortSignal.timeout(2000) });
      if (r.ok && !(await portFree(settings.port, host))) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new WorkshopError(`the hub did not answer within 60 s; see ${p.log}:\n${tail(p.log)}`);
    await sleep(300);
  }
  const url = `${settings.tls ? 'https' : 'http'}://${o.publicHost ? os.hostname() : LOOPBACK}:${settings.port}/`;
  say(`the hub is running (pid ${hub.pid}, log ${p.log})`);
  console.log(`\n    ${url}\n`);
  say(`students log in with the usernames and passwords in ${p.passwords}`);
  say('npm run workshop -- progress  grades the class;  npm run workshop -- stop  ends it');
}

function tail(file: string, lines = 30): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

function launchPid(dir: string): number | null {
  try {
    return Number(fs.readFileSync(paths(dir).launchPid, 'utf8').trim()) || null;
  } catch {
    return null;
  }
}

function running(dir: string): boolean {
  const pid = launchPid(dir);
  return pid !== null && alive(pid);
}

/** Every process of the workshop: the hub's cgroup tree and any process of a student account. */
function workshopPids(s: Settings): number[] {
  const uids = s.users.map(uidOf).filter((u): u is number => u !== null);
  return [...new Set([...s.cgroups.flatMap(cgroupPids), ...pidsOfUids(uids)])].filter((pid) => pid !== process.pid);
}

async function stop(o: Options): Promise<void> {
  requireRoot('npm run workshop -- stop');
  const s = readSettings(o.dir);
  const hub = launchPid(o.dir);
  if (hub !== null && alive(hub)) {
    say(`stopping the hub (pid ${hub}) and its student servers...`);
    signal([hub], 'SIGTERM'); // the hub stops every server and the proxy (cleanup_servers)
    if ((await waitGone(() => [hub], 30_000)).length) say('the hub did not stop within 30 s; killing it');
  }
  let left = await waitGone(() => workshopPids(s), 5_000);
  if (left.length) {
    say(`killing ${left.length} leftover process(es): ${left.join(' ')}`);
    signal(left, 'SIGKILL');
    left = await waitGone(() => workshopPids(s), 10_000);
  }
  fs.rmSync(paths(o.dir).launchPid, { force: true });
  for (const d of s.cgroups) {
    const children = fs.existsSync(d) ? fs.readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()) : [];
    for (const child of children) removeCgroup(path.join(d, child.name));
  }
  if (left.length) throw new WorkshopError(`processes still running: ${left.join(' ')}`);
  say('stopped: no hub, proxy or student process is left');
}

function status(o: Options): void {
  const s = readSettings(o.dir);
  const up = running(o.dir);
  say(`${o.dir}: ${up ? 'running' : 'stopped'}; ${s.tls ? 'https' : 'http'}://${s.host}:${s.port}/; ${s.users.length} students: ${s.users.join(' ')}`);
  say(`limits per student: ${Math.round(s.limits.memoryBytes / 1024 ** 2)} MiB, ${s.limits.processes} processes; cgroups: ${s.cgroups.join(' ') || 'none'}`);
}

async function remove(o: Options): Promise<void> {
  requireRoot('npm run workshop -- remove');
  const s = readSettings(o.dir);
  if (!o.yes) {
    const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
    const answer = await rl.question(`Delete ${s.users.length} accounts (${s.users.join(' ')}) with their home folders and ${o.dir}? [y/N] `);
    rl.close();
    if (!/^y(es)?$/i.test(answer.trim())) {
      say('nothing removed');
      return;
    }
  }
  await stop(o);
  deleteAccounts(s.users, GROUP);
  for (const d of s.cgroups) removeCgroup(d);
  fs.rmSync(o.dir, { recursive: true, force: true });
  say(`removed ${s.users.length} account${s.users.length === 1 ? '' : 's'} and ${o.dir}`);
}

// ---------------------------------------------------------------- progress

async function gradeClass(o: Options, s: Settings): Promise<Board> {
  const p = paths(o.dir);
  const exercises = exerciseIds();
  for (const id of o.only) if (!exercises.includes(id)) throw new WorkshopError(`--only ${id}: no such exercise (${exercises.join(', ')})`);
  const shown = o.only.length ? exercises.filter((e) => o.only.includes(e)) : exercises;
  // The isolated grader (scripts/grading/privileges.ts, from the grading work)
  // runs student code as its own sandbox user when started as root: it grades
  // with this repository's graders. Without it, the student release's grader
  // (public graders, no solutions anywhere it can read) runs as the student:
  // never student code as root.
  const graderIsolates = fs.existsSync(path.join(s.courseRoot, 'scripts', 'grading', 'privileges.ts'));
  const graderRoot = graderIsolates ? s.courseRoot : p.course;
  const scratch = path.join(o.dir, 'grading');
  fs.mkdirSync(scratch, { recursive: true });
  fs.chmodSync(scratch, 0o711); // nobody lists it: students reach only their own folder in it
  const rows: StudentRow[] = [];
  // Graded as themselves, two students at a time. The isolated grader's one
  // sandbox user runs everyone's code: one student at a time, so no student's
  // code runs while another's copy exists.
  const workers = graderIsolates ? 1 : 2;
  const queue = [...s.users];
  const worker = async () => {
    for (let user = queue.shift(); user !== undefined; user = queue.shift()) {
      const exercisesDir = path.join(homeOf(user), 'faultline', 'exercises');
      if (!fs.existsSync(exercisesDir)) {
        rows.push({ user, points: {}, error: 'has not logged in yet' });
        continue;
      }
      try {
        const runAs = graderIsolates ? undefined : accountIds(user);
        const work = path.join(scratch, graderIsolates ? `${user}-${randomBytes(16).toString('hex')}` : user);
        const log = path.join(p.progress, 'logs', `${user}.log`);
        rows.push(await gradeStudent(user, exercises, { root: graderRoot, exercisesDir, work, log, only: o.only, timeoutSec: o.timeoutSec, runAs }));
      } catch (e) {
        rows.push({ user, points: {}, error: (e as Error).message });
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  rows.sort((a, b) => s.users.indexOf(a.user) - s.users.indexOf(b.user));
  return { exercises: shown, rows, gradedAt: new Date().toISOString().replace('T', ' ').slice(0, 19) + ' UTC' };
}

async function progress(o: Options): Promise<void> {
  requireRoot('npm run workshop -- progress'); // it reads every student's files
  const s = readSettings(o.dir);
  const p = paths(o.dir);
  for (;;) {
    const started = Date.now();
    const board = await gradeClass(o, s);
    fs.writeFileSync(path.join(p.progress, 'board.csv'), boardCsv(board));
    fs.writeFileSync(path.join(p.progress, 'board.html'), boardHtml(board, o.watchSec ?? 60));
    fs.writeFileSync(path.join(p.progress, 'board.json'), JSON.stringify(board, null, 2) + '\n');
    console.log(`\n${boardTable(board)}\n`);
    // The lessons' predict/reveal cells: what the class guessed before each experiment.
    const predictions = classPredictions(
      s.users.map((u) => readStudentPredictions(path.join(homeOf(u), 'faultline', '.faultline', 'predictions.json'))),
    );
    fs.writeFileSync(path.join(p.progress, 'predictions.csv'), predictionsCsv(predictions));
    if (predictions.length > 0) console.log(`${predictionsTable(predictions, s.users.length)}\n`);
    say(`graded in ${Math.round((Date.now() - started) / 1000)} s: ${path.join(p.progress, 'board.html')} (and board.csv)`);
    if (o.watchSec === null) return;
    await sleep(Math.max(0, o.watchSec * 1000 - (Date.now() - started)));
  }
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (o.command === 'start') await start(o);
  else if (o.command === 'stop') await stop(o);
  else if (o.command === 'status') status(o);
  else if (o.command === 'progress') await progress(o);
  else await remove(o);
}

main().catch((e: unknown) => {
  if (e instanceof WorkshopError) console.error(`[workshop] ERROR: ${e.message}`);
  else console.error(e);
  process.exit(1);
});
