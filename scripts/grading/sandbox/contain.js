// Containment for sandbox processes: a cgroup per sandbox where the machine
// lets us make one (v2 `cgroup.kill`; v1 pids, memory and freezer), and the
// fallbacks when it does not: a sweep of every process of the sandbox user
// (kill(-1) run as that user), or, without root, of every process carrying
// the sandbox's marker in its environment. Plain CommonJS: it runs in the
// grader's pipe thread (a worker thread, which loads no TypeScript) and in
// scripts/grading/grade-lib.ts.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const CGROUP = '/sys/fs/cgroup';
const MARKER = 'FAULTLINE_SANDBOX_TOKEN';

function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function tryWrite(file, text) {
  try {
    fs.writeFileSync(file, text);
    return true;
  } catch {
    return false;
  }
}

/** Folders under which we may make cgroups: [{ kind: 'v2' | 'pids' | 'memory' | 'freezer', dir }]. */
function cgroupParents() {
  const out = [];
  if (fs.existsSync(path.join(CGROUP, 'cgroup.controllers'))) out.push({ kind: 'v2', dir: CGROUP });
  else if (fs.existsSync(path.join(CGROUP, 'unified', 'cgroup.controllers'))) out.push({ kind: 'v2', dir: path.join(CGROUP, 'unified') });
  for (const kind of ['pids', 'memory', 'freezer']) {
    const dir = path.join(CGROUP, kind);
    if (fs.existsSync(path.join(dir, 'cgroup.procs')) && !fs.existsSync(path.join(dir, 'cgroup.controllers'))) out.push({ kind, dir });
  }
  return out;
}

function readPids(dir) {
  try {
    return fs
      .readFileSync(path.join(dir, 'cgroup.procs'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

function killPids(pids) {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/** Kills everything in one cgroup folder, freezing first where it can so nothing forks meanwhile. */
function killGroup(group) {
  if (group.kind === 'v2' && tryWrite(path.join(group.dir, 'cgroup.kill'), '1')) {
    for (let i = 0; i < 100 && readPids(group.dir).length; i++) sleep(10);
    return;
  }
  if (group.kind === 'freezer') tryWrite(path.join(group.dir, 'freezer.state'), 'FROZEN');
  for (let i = 0; i < 100; i++) {
    const pids = readPids(group.dir);
    if (!pids.length) break;
    killPids(pids);
    if (group.kind === 'freezer') tryWrite(path.join(group.dir, 'freezer.state'), 'THAWED');
    sleep(10);
  }
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Makes the cgroups of one sandbox, named `<name>` under each parent we can
 * write. Returns the groups made (possibly none).
 */
function createGroups(name, limits) {
  const groups = [];
  if (!isRoot()) return groups;
  for (const parent of cgroupParents()) {
    const dir = path.join(parent.dir, name);
    try {
      fs.mkdirSync(dir);
    } catch {
      continue;
    }
    const group = { kind: parent.kind, dir };
    if (parent.kind === 'pids' && limits.processes) tryWrite(path.join(dir, 'pids.max'), String(limits.processes));
    if (parent.kind === 'memory' && limits.memoryBytes) tryWrite(path.join(dir, 'memory.limit_in_bytes'), String(limits.memoryBytes));
    if (parent.kind === 'v2') {
      if (limits.processes) tryWrite(path.join(dir, 'pids.max'), String(limits.processes));
      if (limits.memoryBytes) tryWrite(path.join(dir, 'memory.max'), String(limits.memoryBytes));
    }
    groups.push(group);
  }
  return groups;
}

function attach(groups, pid) {
  let ok = false;
  for (const g of groups) ok = tryWrite(path.join(g.dir, 'cgroup.procs'), String(pid)) || ok;
  return ok;
}

/** Kills and removes every cgroup whose name starts with `prefix`. */
function releaseGroups(prefix) {
  for (const parent of cgroupParents()) {
    let names = [];
    try {
      names = fs.readdirSync(parent.dir).filter((n) => n === prefix || n.startsWith(`${prefix}-`));
    } catch {
      continue;
    }
    for (const n of names) {
      const group = { kind: parent.kind, dir: path.join(parent.dir, n) };
      killGroup(group);
      for (let i = 0; i < 50; i++) {
        try {
          fs.rmdirSync(group.dir);
          break;
        } catch {
          sleep(20);
        }
      }
    }
  }
}

/**
 * As root: kill every process of `uid` (kill(-1) from a process of that user
 * reaches exactly those, and not itself). Three rounds, for processes forked
 * meanwhile. The shell's built-in kill starts in milliseconds; a node process
 * took a quarter of a second per round, after every exercise.
 */
function sweepUser(uid, gid) {
  if (!isRoot() || !uid) return;
  const opts = { uid, gid, stdio: 'ignore', timeout: 5000, cwd: '/', env: {} };
  if (fs.existsSync('/bin/sh')) {
    // `kill` fails when nothing is left to kill: the shell's own exit status says it ran.
    const r = spawnSync('/bin/sh', ['-c', 'kill -9 -1; kill -9 -1; kill -9 -1; exit 0'], opts);
    if (!r.error && r.status === 0) return;
  }
  for (let i = 0; i < 3; i++) spawnSync(process.execPath, ['-e', "try { process.kill(-1, 'SIGKILL') } catch {}"], opts);
}

/** Without root: kill every process whose environment carries our marker. */
function sweepMarker(token) {
  const needle = Buffer.from(`${MARKER}=${token}\0`);
  for (let round = 0; round < 3; round++) {
    let found = 0;
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
      let env;
      try {
        env = fs.readFileSync(`/proc/${entry}/environ`);
      } catch {
        continue;
      }
      if (env.includes(needle)) {
        found++;
        killPids([Number(entry)]);
      }
    }
    if (!found) break;
    sleep(20);
  }
}

/**
 * Every process of a sandbox family, however it detached: its cgroups, and
 * (as root) every process of its uid, which no other run shares; without
 * root, every process that carries the run's marker.
 */
function cleanup(prefix, user) {
  releaseGroups(prefix);
  if (user && isRoot()) sweepUser(user.uid, user.gid);
  if (fs.existsSync('/proc')) sweepMarker(prefix);
}

module.exports = { MARKER, isRoot, createGroups, attach, killGroup, releaseGroups, sweepUser, sweepMarker, cleanup };
