// The grader's watchdog thread: a worker thread that owns one sandbox process.
// Messages go straight between the grader's main thread and the sandbox over
// two FIFOs (blocking reads, so a round trip costs two context switches).
// While the main thread blocks, this thread keeps an event loop: it starts the
// sandbox in its cgroup, keeps the tail of what it prints, enforces the
// per-call time limit, and when the sandbox dies or overruns it kills the
// whole family and writes a `dead` message into the reply FIFO, so a blocked
// grader always wakes up with an answer.
'use strict';
const fs = require('node:fs');
const { workerData } = require('node:worker_threads');
const { spawn } = require('node:child_process');
const contain = require('./contain.js');

const { port, shared, command, args, cwd, env, uid, gid, groupName, limits, reqFd, resFd, reqPath } = workerData;
// shared[0]: the sandbox is dead; shared[1]: the main thread is inside a write to the request FIFO;
// shared[2..4]: the per-call limit (below); shared[5]: the sandbox's pid.
const state = new Int32Array(shared);

const groups = contain.createGroups(groupName, limits);
const child = spawn(command, args, {
  cwd,
  env,
  uid: uid ?? undefined,
  gid: gid ?? undefined,
  detached: true,
  // stdin: a pipe only this process writes to; at its end the sandbox knows the grader is gone (worker.ts).
  stdio: ['pipe', 'pipe', 'pipe', reqFd, resFd],
});
let dead = false;
let tail = '';
if (child.pid !== undefined) Atomics.store(state, 5, child.pid); // so the main thread can kill it at exit

function stop() {
  for (const g of groups) contain.killGroup(g);
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}

/** Unblocks a main thread stuck writing a request nobody will read. */
function drainRequests() {
  let fd;
  try {
    fd = fs.openSync(reqPath, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch {
    return;
  }
  const buf = Buffer.alloc(1 << 16);
  const until = Date.now() + 2000;
  while (Date.now() < until) {
    try {
      if (fs.readSync(fd, buf, 0, buf.length, null) > 0) continue;
    } catch {
      /* empty for now */
    }
    if (Atomics.load(state, 1) === 0) break;
    Atomics.wait(state, 1, 1, 5);
  }
  fs.closeSync(fd);
}

function finish(reason) {
  if (dead) return;
  dead = true;
  Atomics.store(state, 0, 1);
  stop();
  drainRequests();
  try {
    fs.writeSync(resFd, '\n' + JSON.stringify({ k: 'dead', reason }) + '\n');
  } catch {
    /* the grader is gone too */
  }
}

child.on('error', (e) => finish(`the sandbox could not start: ${e.message}`));
if (child.pid !== undefined) contain.attach(groups, child.pid);

// What the submission prints is kept short and only shown when it dies.
const keep = (chunk) => {
  tail = (tail + chunk.toString()).slice(-2000);
};
child.stdout.on('data', keep);
child.stderr.on('data', keep);

child.on('exit', (code, signal) => {
  const last = tail.trim() ? `\n${tail.trim().split('\n').slice(-8).join('\n')}` : '';
  finish(`the submission's process ended (${signal ? `signal ${signal}` : `exit code ${code}`})${last}`);
});

// The per-call limit. The main thread counts calls in shared[2], says whether
// one is running in shared[3] and its limit in shared[4]; a call that is still
// the same call after its limit has passed gets the sandbox killed.
const POLL_MS = 50;
let seenCall = -1;
let callStarted = 0;
const timer = setInterval(() => {
  if (dead) return;
  const now = Date.now();
  const call = Atomics.load(state, 2);
  if (Atomics.load(state, 3) === 0 || call !== seenCall) {
    seenCall = call;
    callStarted = now;
    return;
  }
  const limit = Atomics.load(state, 4);
  if (limit > 0 && now - callStarted >= limit) finish(`timed out after ${limit / 1000} s: the code under test may loop forever`);
}, POLL_MS);

port.on('message', (m) => {
  if (m.kill) {
    finish(m.kill);
  } else if (m.close) {
    clearInterval(timer);
    dead = true;
    Atomics.store(state, 0, 1);
    stop();
    for (const g of groups) {
      try {
        fs.rmdirSync(g.dir);
      } catch {
        /* still busy: grade-lib's cleanup removes it */
      }
    }
    port.close();
  }
});
