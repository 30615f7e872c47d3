// The machine side of a workshop: apt packages, system accounts, cgroups and
// processes. Linux only, root only (scripts/workshop.ts checks both).
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { randomInt } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export class WorkshopError extends Error {}

export function say(message: string): void {
  console.log(`[workshop] ${message}`);
}

/** Runs a command; throws a WorkshopError naming it when it fails. */
export function run(cmd: string, args: string[], options: SpawnSyncOptions = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...options });
  if (r.error || r.status !== 0) {
    const why = r.error?.message ?? `exit ${r.status}${r.signal ? ` (${r.signal})` : ''}`;
    throw new WorkshopError(`${cmd} ${args.join(' ')} failed: ${why}\n${String(r.stderr ?? '').trim()}`);
  }
  return String(r.stdout ?? '');
}

function succeeds(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore', env, timeout: 60_000 }).status === 0;
}

// ---------------------------------------------------------------- packages

export const APT_PACKAGES = ['jupyterhub', 'node-configurable-http-proxy', 'jupyter-notebook', 'python3-nbclient', 'jupyter-nbconvert'];
export const SYSTEM_PYTHON = '/usr/bin/python3';

/**
 * jupyterhub and configurable-http-proxy from Debian/Ubuntu packages when
 * missing. Refuses when apt would install or replace `nodejs` over the Node
 * 20 we run (Debian's is older and would take over /usr/bin/node).
 */
export function ensureHubPackages(): void {
  const hasHub = succeeds(SYSTEM_PYTHON, ['-c', 'import jupyterhub, notebook, nbclient']) && fs.existsSync('/usr/bin/jupyterhub-singleuser');
  if (hasHub && findProxy() !== null) {
    say('packages: jupyterhub and configurable-http-proxy are installed');
    return;
  }
  if (!succeeds('sh', ['-c', 'command -v apt-get'])) {
    throw new WorkshopError(`jupyterhub or configurable-http-proxy is missing and there is no apt-get: install them (${APT_PACKAGES.join(' ')})`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  say(`packages: installing ${APT_PACKAGES.join(' ')} with apt-get`);
  run('apt-get', ['update', '-qq'], { env, stdio: 'inherit' });
  const plan = run('apt-get', ['install', '-s', ...APT_PACKAGES], { env });
  // Debian's nodejs would land in /usr/bin: harmless next to a Node 20 elsewhere
  // (it only runs the proxy then), fatal when the Node 20 we run is /usr/bin/node.
  const touchesNode = plan.split('\n').filter((l) => /^(Inst|Remv) (nodejs|libnode\d*)\b/.test(l));
  const ourNode = fs.realpathSync(process.execPath);
  if (touchesNode.length && (ourNode.startsWith('/usr/bin/') || ourNode.startsWith('/usr/lib/'))) {
    throw new WorkshopError(
      `apt-get would change Node.js (${touchesNode.join('; ')}), which the course needs at version 20.\n` +
        `Install jupyterhub without it, or use the npm package configurable-http-proxy (set FAULTLINE_CHP=/path/to/configurable-http-proxy).`,
    );
  }
  if (touchesNode.length) say(`apt-get also installs Debian's nodejs in /usr/bin; the course keeps using ${ourNode}`);
  run('apt-get', ['install', '-y', '-qq', ...APT_PACKAGES], { env, stdio: 'inherit' });
}

/**
 * How to start configurable-http-proxy with our node: Debian's package keeps
 * its modules in /usr/share/nodejs, which only Debian's own nodejs searches,
 * so under another Node 20 it needs NODE_PATH. Returns the env to add, or null.
 */
export function findProxy(): { command: string; env: Record<string, string> } | null {
  const candidates: Array<{ command: string; env: Record<string, string> }> = [];
  if (process.env.FAULTLINE_CHP) candidates.push({ command: process.env.FAULTLINE_CHP, env: {} });
  for (const command of ['/usr/bin/configurable-http-proxy', '/usr/local/bin/configurable-http-proxy']) {
    candidates.push({ command, env: {} }, { command, env: { NODE_PATH: '/usr/share/nodejs' } });
  }
  return candidates.find((c) => fs.existsSync(c.command) && succeeds(c.command, ['--version'], { ...process.env, ...c.env })) ?? null;
}

// ---------------------------------------------------------------- accounts

const USERNAME = /^[a-z_][a-z0-9_-]{0,30}$/;

/** Usernames from a roster: one per line (first CSV column), # comments, optional "username" header. */
export function parseRoster(text: string): string[] {
  const names: string[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const name = line.split(',')[0]!.trim().toLowerCase();
    if (name === '' || name.startsWith('#') || (i === 0 && name === 'username')) return;
    if (!USERNAME.test(name)) throw new WorkshopError(`roster line ${i + 1}: "${name}" is not a valid username (lowercase letters, digits, _ and -, at most 31)`);
    if (!names.includes(name)) names.push(name);
  });
  if (names.length === 0) throw new WorkshopError('the roster has no usernames');
  return names;
}

export function userExists(name: string): boolean {
  return succeeds('id', ['-u', name]);
}

function groupMembers(group: string): string[] {
  const r = spawnSync('getent', ['group', group], { encoding: 'utf8' });
  if (r.status !== 0) return [];
  return (r.stdout.trim().split(':')[3] ?? '').split(',').filter(Boolean);
}

/** A readable random password (no look-alike characters). */
export function newPassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  let out = '';
  for (let i = 0; i < 14; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/**
 * Creates the accounts that do not exist yet, in `group` (which marks them as
 * the workshop's: an existing account outside it is refused, never taken
 * over). Returns the new accounts' passwords.
 */
export function createAccounts(users: string[], group: string): Map<string, string> {
  if (!succeeds('getent', ['group', group])) run('groupadd', ['--system', group]);
  const members = new Set(groupMembers(group));
  for (const u of users) {
    if (userExists(u) && !members.has(u)) throw new WorkshopError(`an account "${u}" already exists and is not a workshop account (group ${group}); rename it in the roster`);
  }
  const passwords = new Map<string, string>();
  for (const u of users) {
    if (members.has(u)) continue;
    run('useradd', ['--create-home', '--shell', '/bin/bash', '--comment', 'Faultline workshop', '--groups', group, u]);
    fs.chmodSync(homeOf(u), 0o700);
    const password = newPassword();
    run('chpasswd', [], { input: `${u}:${password}\n` });
    passwords.set(u, password);
  }
  return passwords;
}

export function deleteAccounts(users: string[], group: string): void {
  const members = new Set(groupMembers(group));
  for (const u of users) {
    if (!userExists(u)) continue;
    if (!members.has(u)) {
      say(`not deleting ${u}: not in group ${group}`);
      continue;
    }
    run('userdel', ['--remove', u], { stdio: ['ignore', 'ignore', 'pipe'] });
  }
  if (groupMembers(group).length === 0 && succeeds('getent', ['group', group])) run('groupdel', [group]);
}

export function homeOf(user: string): string {
  return run('getent', ['passwd', user]).trim().split(':')[5]!;
}

export function accountIds(user: string): { uid: number; gid: number } {
  const fields = run('getent', ['passwd', user]).trim().split(':');
  return { uid: Number(fields[2]), gid: Number(fields[3]) };
}

export function uidOf(user: string): number | null {
  const r = spawnSync('id', ['-u', user], { encoding: 'utf8' });
  return r.status === 0 ? Number(r.stdout.trim()) : null;
}

// ---------------------------------------------------------------- cgroups

/**
 * Parent cgroup folders for the workshop (one per controller on cgroup v1,
 * one on a pure cgroup v2 machine); each student gets a child folder, the hub
 * and its proxy one called "hub". Empty when none can be made.
 */
export function makeCgroupParents(name: string): string[] {
  const v2 = '/sys/fs/cgroup/cgroup.controllers';
  const made: string[] = [];
  const tryMake = (dir: string) => {
    try {
      fs.mkdirSync(dir, { recursive: true });
      made.push(dir);
    } catch (e) {
      say(`no cgroup ${dir} (${(e as Error).message}); limits fall back to RLIMIT_NPROC`);
    }
  };
  if (fs.existsSync(v2)) {
    const dir = path.join('/sys/fs/cgroup', name);
    tryMake(dir);
    try {
      fs.writeFileSync('/sys/fs/cgroup/cgroup.subtree_control', '+memory +pids');
      fs.writeFileSync(path.join(dir, 'cgroup.subtree_control'), '+memory +pids');
    } catch {
      say('cgroup v2: could not enable the memory and pids controllers; limits fall back to RLIMIT_NPROC');
    }
  } else {
    for (const controller of ['memory', 'pids']) {
      if (fs.existsSync(path.join('/sys/fs/cgroup', controller, 'cgroup.procs'))) tryMake(path.join('/sys/fs/cgroup', controller, name));
    }
  }
  return made;
}

/** Pids in a cgroup and all of its children. */
export function cgroupPids(dir: string): number[] {
  if (!fs.existsSync(dir)) return [];
  const pids: number[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) pids.push(...cgroupPids(path.join(dir, e.name)));
  }
  const procs = path.join(dir, 'cgroup.procs');
  if (fs.existsSync(procs)) pids.push(...fs.readFileSync(procs, 'utf8').split('\n').filter(Boolean).map(Number));
  return pids;
}

/** Removes a cgroup tree (children first); only empty cgroups can go. */
export function removeCgroup(dir: string): void {
  if (!fs.existsSync(dir)) return;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) removeCgroup(path.join(dir, e.name));
  try {
    fs.rmdirSync(dir);
  } catch (e) {
    say(`could not remove cgroup ${dir}: ${(e as Error).message}`);
  }
}

// ---------------------------------------------------------------- processes

/** Pids of every process whose real uid is one of `uids`. */
export function pidsOfUids(uids: number[]): number[] {
  const wanted = new Set(uids);
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = fs.readFileSync(`/proc/${entry}/status`, 'utf8');
      const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
      if (wanted.has(uid)) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie still answers kill(0); it is gone for our purposes.
    return !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

export function signal(pids: number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `find` until it returns nothing or `ms` pass; returns what is left. */
export async function waitGone(find: () => number[], ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  let left = find().filter(alive);
  while (left.length && Date.now() < deadline) {
    await sleep(200);
    left = find().filter(alive);
  }
  return left;
}
