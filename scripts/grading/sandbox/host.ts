// The grader's side of the sandbox. A grader imports `@target/<id>`; the
// graders' vitest config turns that import into `targetModule('<id>')`, whose
// exports stand for the submission's: calling one sends the call to a sandbox
// process (worker.ts) and blocks until the answer, serving the submission's
// calls back into the grader (a simulator's `ctx`, a callback) meanwhile.
// The grader's assertions, checkers and the simulator it builds all run here,
// in a process that never loaded the submission.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { OFF_LIMITS } from '../off-limits';
import type { ImportRules } from './guard';
import { Membrane } from './membrane';
import { Endpoint, LineReader, SandboxGone, type Transport } from './rpc';
import { SANDBOX_ENV } from './host-env';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const contain = require('./contain.js') as typeof import('./contain');

const ROOT = path.resolve(__dirname, '..', '..', '..');


/**
 * Errors the library throws, rebuilt as themselves so `instanceof` works in
 * graders: filled by `targetModule` (from error-classes.ts) before any answer
 * is read; every sandbox's membrane reads this one record.
 */
const ERROR_CLASSES: Record<string, { prototype: object }> = {};

const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
const MAX_FILE_BYTES = 1024 * 1024;
const LOAD_TIMEOUT_MS = 30_000;

interface Settings {
  targetDir: string;
  prefix: string;
  user: { uid: number; gid: number } | null;
  callTimeoutMs: number;
  memoryMb: number;
}

function settings(): Settings {
  const env = process.env;
  const num = (k: string, d: number) => {
    const v = Number(env[k]);
    return Number.isFinite(v) && v > 0 ? v : d;
  };
  const uid = Number(env[SANDBOX_ENV.uid]);
  const gid = Number(env[SANDBOX_ENV.gid]);
  return {
    targetDir: path.resolve(ROOT, env[SANDBOX_ENV.targetDir] || 'exercises'),
    prefix: env[SANDBOX_ENV.prefix] || `faultline-sbx-${process.pid}`,
    user: contain.isRoot() && Number.isInteger(uid) && uid > 0 ? { uid, gid: Number.isInteger(gid) ? gid : uid } : null,
    callTimeoutMs: num(SANDBOX_ENV.callTimeoutMs, 30_000),
    memoryMb: num(SANDBOX_ENV.memoryMb, 768),
  };
}

/** The files the sandbox sees: a copy of the submission, and the library and packages (read-only). */
function prepareFolder(s: Settings): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${s.prefix}-fs-`));
  fs.chmodSync(dir, 0o755);
  const exercises = path.join(dir, 'exercises');
  fs.mkdirSync(exercises, { mode: 0o755 });
  if (fs.existsSync(s.targetDir)) {
    for (const name of fs.readdirSync(s.targetDir)) {
      const from = path.join(s.targetDir, name);
      const st = fs.lstatSync(from);
      // Regular files only (a symlink could point at solutions/), and not huge ones.
      if (!st.isFile() || st.size > MAX_FILE_BYTES || !/\.(ts|json)$/.test(name)) continue;
      fs.writeFileSync(path.join(exercises, name), fs.readFileSync(from), { mode: 0o644 });
    }
  }
  fs.symlinkSync(path.join(ROOT, 'lib'), path.join(dir, 'lib'));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  const home = path.join(dir, 'home');
  fs.mkdirSync(path.join(home, 'tmp'), { recursive: true, mode: 0o700 });
  fs.chmodSync(home, 0o700);
  // tsx's cache, as the sandbox's tsx looks for it: the library already compiled, read-only (transforms.ts).
  const transforms = process.env[SANDBOX_ENV.transforms];
  const uid = s.user?.uid ?? (typeof process.geteuid === 'function' ? process.geteuid() : null);
  if (transforms && uid !== null) fs.symlinkSync(transforms, path.join(home, 'tmp', `tsx-${uid}`));
  if (s.user) {
    fs.chownSync(home, s.user.uid, s.user.gid);
    fs.chownSync(path.join(home, 'tmp'), s.user.uid, s.user.gid);
  }
  return dir;
}

function prlimitArgs(): string[] {
  for (const p of ['/usr/bin/prlimit', '/bin/prlimit']) {
    if (fs.existsSync(p)) return [p, '--nproc=512', '--nofile=256', '--core=0', `--fsize=${64 * 1024 * 1024}`, '--'];
  }
  return [];
}

/**
 * A stack from the sandbox as the student knows it: frames in the submission
 * point at the submitted files, library frames stay, and the sandbox's own
 * machinery (pipe, loader, Node internals) is left out.
 */
function stackAsSeen(stack: string, dir: string, targetDir: string): string {
  const inSandbox = path.join(dir, 'exercises') + path.sep;
  const lib = path.join(ROOT, 'lib') + path.sep;
  return stack
    .split('\n')
    .flatMap((line) => {
      if (line.includes(inSandbox)) return [line.split(inSandbox).join(targetDir + path.sep)];
      if (!/^\s+at /.test(line)) return [line];
      return line.includes(lib) ? [line] : [];
    })
    .join('\n');
}

let connections = 0;

/** One sandbox process with the submission loaded, and the FIFOs to it. */
class Connection {
  readonly endpoint: Endpoint;
  private readonly loading: number;
  private loaded: Record<string, unknown> | null = null;
  private readonly callTimeoutMs: number;
  private readonly port: MessagePort;
  private readonly thread: Worker;
  private readonly state: Int32Array;
  private readonly reqFd: number;
  private readonly resFd: number;
  private readonly fifoDir: string;
  private readonly lines = new LineReader();
  private readonly chunk = Buffer.alloc(1 << 16);
  private closed = false;
  private deadline = LOAD_TIMEOUT_MS;
  gone: string | null = null;

  constructor(
    readonly exercise: string,
    s: Settings,
    dir: string,
  ) {
    // [dead, main thread writing, calls started, in a call, deadline ms, sandbox pid] (see pipe-thread.js).
    const shared = new SharedArrayBuffer(24);
    this.state = new Int32Array(shared);
    // Blocking FIFOs, opened read-write so that opening never waits for the other end.
    this.fifoDir = fs.mkdtempSync(path.join(os.tmpdir(), `${s.prefix}-pipe-`));
    const reqPath = path.join(this.fifoDir, 'req');
    const resPath = path.join(this.fifoDir, 'res');
    const made = spawnSync('mkfifo', ['-m', '600', reqPath, resPath]);
    if (made.status !== 0) throw new Error(`sandbox: mkfifo failed: ${String(made.stderr)}`);
    this.reqFd = fs.openSync(reqPath, 'r+');
    this.resFd = fs.openSync(resPath, 'r+');
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const rules: ImportRules = {
      root: ROOT,
      submission: path.join(dir, 'exercises'),
      exercise,
      offLimits: [...(OFF_LIMITS[exercise] ?? [])],
    };
    const argv = [
      ...prlimitArgs(),
      process.execPath,
      `--max-old-space-size=${s.memoryMb}`,
      '--require',
      require.resolve('tsx/cjs', { paths: [ROOT] }),
      path.join(__dirname, 'worker.ts'),
      dir,
      JSON.stringify(rules),
    ];
    const home = path.join(dir, 'home');
    this.thread = new Worker(path.join(__dirname, 'pipe-thread.js'), {
      workerData: {
        port: port2,
        shared,
        command: argv[0],
        args: argv.slice(1),
        cwd: dir,
        env: {
          PATH: '/usr/local/bin:/usr/bin:/bin',
          HOME: home,
          TMPDIR: path.join(home, 'tmp'),
          LANG: 'C.UTF-8',
          NODE_ENV: 'production',
          FAULTLINE_SANDBOX: '1',
          [contain.MARKER]: s.prefix,
        },
        uid: s.user?.uid ?? null,
        gid: s.user?.gid ?? null,
        groupName: `${s.prefix}-${process.pid}-${++connections}`,
        limits: { processes: 256, memoryBytes: (s.memoryMb + 256) * 1024 * 1024 },
        reqFd: this.reqFd,
        resFd: this.resFd,
        reqPath,
      },
      transferList: [port2],
      // The thread must not inherit vitest's loaders, nor keep the grader alive.
      execArgv: [],
      stdout: false,
      stderr: false,
    });
    this.thread.unref();
    const transport: Transport = { send: (text) => this.send(text), receive: () => this.receive() };
    this.endpoint = new Endpoint(new Membrane(ERROR_CLASSES, true, (stack) => stackAsSeen(stack, dir, s.targetDir)), transport);
    // Two stores per call, no message: the watchdog polls them (a postMessage per call cost more than the call).
    this.endpoint.onOutermost = (starting) => {
      if (starting) {
        Atomics.store(this.state, 4, this.deadline);
        Atomics.add(this.state, 2, 1);
        Atomics.store(this.state, 3, 1);
      } else {
        Atomics.store(this.state, 3, 0);
      }
    };
    // Sent now, answered when first used (`exports`): the submission loads
    // over there while the grader loads its own modules here.
    try {
      this.loading = this.endpoint.begin({ k: 'load', id: 0, exercise });
    } catch (e) {
      this.close();
      throw e;
    }
    this.callTimeoutMs = s.callTimeoutMs;
  }

  /** The submission's exports, once it has loaded (blocks until then). */
  get exports(): Record<string, unknown> {
    if (this.loaded === null) {
      try {
        this.loaded = this.endpoint.finish(this.loading) as Record<string, unknown>;
      } catch (e) {
        this.close();
        throw e;
      } finally {
        this.deadline = this.callTimeoutMs;
      }
    }
    return this.loaded;
  }

  private send(text: string): void {
    if (!this.gone && Atomics.load(this.state, 0)) {
      // It died between calls: the watchdog's `dead` line says why.
      while (!this.gone) this.receive();
    }
    if (this.gone) throw new SandboxGone(this.gone);
    const buf = Buffer.from(text + '\n');
    Atomics.store(this.state, 1, 1);
    try {
      for (let off = 0; off < buf.length; ) off += fs.writeSync(this.reqFd, buf, off);
    } finally {
      Atomics.store(this.state, 1, 0);
    }
  }

  private receive(): string {
    for (;;) {
      const line = this.lines.next();
      if (line === undefined) {
        if (this.lines.pendingLength > MAX_MESSAGE_BYTES) {
          this.lines.dropPending();
          this.port.postMessage({ kill: `the submission sent more than ${MAX_MESSAGE_BYTES / 1e6} MB in one answer` });
          continue;
        }
        const n = fs.readSync(this.resFd, this.chunk, 0, this.chunk.length, null);
        this.lines.push(this.chunk.subarray(0, n));
        continue;
      }
      if (!line) continue;
      if (Atomics.load(this.state, 0)) {
        // Dead: skip whatever the sandbox left half-written, up to the watchdog's word.
        let msg: { k?: string; reason?: string } | null = null;
        try {
          msg = JSON.parse(line) as { k?: string; reason?: string };
        } catch {
          continue;
        }
        if (msg?.k !== 'dead') continue;
        this.gone = msg.reason ?? 'the sandbox is gone';
      }
      return line;
    }
  }

  close(): void {
    // Once only: a second close of the same descriptor numbers would close
    // whatever reused them since (vitest's own IPC channel, say).
    if (this.closed) return;
    this.closed = true;
    this.gone ??= 'closed';
    this.port.postMessage({ close: true });
    // The watchdog may never get to that message (the process is exiting):
    // kill the sandbox's group from here too, synchronously.
    const pid = Atomics.load(this.state, 5);
    if (pid > 0) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* gone already */
      }
    }
    setTimeout(() => {
      for (const fd of [this.reqFd, this.resFd]) {
        try {
          fs.closeSync(fd);
        } catch {
          /* closed */
        }
      }
      fs.rmSync(this.fifoDir, { recursive: true, force: true });
    }, 100).unref();
  }
}

let folder: string | null = null;
const live = new Map<string, Connection>();

/**
 * Starts the sandbox of `exercise` now, without waiting for it: the grading
 * runner calls it before vitest loads the grader, so the sandbox starts and
 * loads the submission meanwhile. The grader's `@target/<id>` picks it up.
 */
export function prestart(exercise: string): void {
  if (!/^[\w.-]+$/.test(exercise) || live.has(exercise)) return;
  connection(exercise);
}

function connection(exercise: string): Connection {
  const current = live.get(exercise);
  if (current && !current.gone) return current;
  if (current) {
    countSent(current);
    current.close();
  }
  live.delete(exercise);
  const s = settings();
  folder ??= prepareFolder(s);
  const c = new Connection(exercise, s, folder);
  live.set(exercise, c);
  sandboxes++;
  return c;
}

/** Requests sent to sandboxes already closed, by kind (FAULTLINE_RPC_STATS). */
const sentBefore: Record<string, number> = {};
let sandboxes = 0;
const countSent = (c: Connection) => {
  for (const [k, n] of Object.entries(c.endpoint.sent)) sentBefore[k] = (sentBefore[k] ?? 0) + n;
};

process.on('exit', () => {
  if (process.env.FAULTLINE_RPC_STATS) {
    for (const c of live.values()) countSent(c);
    fs.writeSync(2, `faultline rpc: ${sandboxes} sandbox(es), requests ${JSON.stringify(sentBefore)}\n`);
  }
  for (const c of live.values()) c.close();
  if (folder) fs.rmSync(folder, { recursive: true, force: true });
});

/**
 * The submission's module, as the grader sees it. Exports that are data are
 * copies; functions and live objects go to the sandbox on every use. If the
 * sandbox dies (time limit, crash), the next use starts a fresh one.
 */
export function targetModule(exercise: string, errorClasses: Record<string, { prototype: object }> = {}): { export(name: string): unknown } {
  Object.assign(ERROR_CLASSES, errorClasses);
  const first = connection(exercise);
  const file = `exercises/${exercise}.ts`;
  return {
    export(name: string): unknown {
      if (!Object.hasOwn(first.exports, name)) {
        return function missing(): never {
          throw new Error(`${file} does not export ${name}`);
        };
      }
      const value = first.exports[name];
      if (typeof value === 'function') {
        return {
          [name]: function (this: unknown, ...args: unknown[]): unknown {
            const f = connection(exercise).exports[name] as (...a: unknown[]) => unknown;
            return new.target ? Reflect.construct(f, args) : Reflect.apply(f, this, args);
          },
        }[name];
      }
      return value;
    },
  };
}
