// Who the submission runs as, and what it must not read. When grading runs as
// root (Gradescope, CI, a container, the workshop hub), student code runs as
// an unprivileged uid of its own that owns nothing of the course, and the
// course's secrets (solutions, hidden tests) are closed to everyone but root.
// Not root (a student's own laptop): the same pipeline, without the user switch.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Sandboxes run as uids of their own, one per grading run, from a range no
 * account uses (no /etc/passwd entry needed: the kernel only knows numbers).
 * Two sandboxes never share a uid, so one cannot signal, trace or read the
 * files of another (a student's code graded next to another's, or next to an
 * honest exercise), and killing "every process of the uid" after a run
 * reaches that run's processes only.
 */
export const SANDBOX_UID_BASE = Number(process.env.FAULTLINE_SANDBOX_UID_BASE) || 1_700_000_000;
export const SANDBOX_UID_SPAN = 100_000;

export interface SandboxUser {
  name: string;
  uid: number;
  gid: number;
  /** The uid's lock was taken over from a run that died: processes of that run may still be about. */
  stale: boolean;
  /** Gives the uid back (after its processes are gone). */
  release(): void;
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Root-only folder of lock files, one per uid in use (`<uid>` holding the owner's pid). */
function lockDir(): string {
  const dir = path.join(os.tmpdir(), 'faultline-sandbox-uids');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = fs.lstatSync(dir);
  if (!st.isDirectory() || st.uid !== 0 || (st.mode & 0o077) !== 0) throw new Error(`${dir} must be a folder owned by root, mode 0700`);
  return dir;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let nextProbe = Math.floor(Math.random() * SANDBOX_UID_SPAN);

/**
 * A uid for one grading run: null when not root (then the sandbox runs as
 * the grading user). The lock is taken atomically (O_EXCL); a lock whose
 * owner died is taken over.
 */
export function sandboxUser(): SandboxUser | null {
  if (!isRoot()) return null;
  const dir = lockDir();
  let stale = false;
  for (let tries = 0; tries < 1000; tries++) {
    const uid = SANDBOX_UID_BASE + (nextProbe++ % SANDBOX_UID_SPAN);
    const lock = path.join(dir, String(uid));
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx', mode: 0o600 });
    } catch {
      const owner = Number(fs.readFileSync(lock, 'utf8'));
      if (Number.isInteger(owner) && owner > 0 && alive(owner)) continue;
      // Its owner died: take the lock over (next probe of this uid), sweeping first.
      fs.rmSync(lock, { force: true });
      nextProbe--;
      stale = true;
      continue;
    }
    return { name: `uid ${uid}`, uid, gid: uid, stale, release: () => fs.rmSync(lock, { force: true }) };
  }
  throw new Error(`no free sandbox uid in ${SANDBOX_UID_BASE}..${SANDBOX_UID_BASE + SANDBOX_UID_SPAN - 1}`);
}

/** Whether a uid is one of the sandboxes'. */
export function isSandboxUid(uid: number): boolean {
  return uid >= SANDBOX_UID_BASE && uid < SANDBOX_UID_BASE + SANDBOX_UID_SPAN;
}

/** Folders of the course no submission may read: the reference solutions and hidden tests. */
export function secretFolders(root: string, gradersDir: string): string[] {
  return [path.join(root, 'solutions'), path.join(gradersDir, 'hidden')].filter((d) => fs.existsSync(d));
}

/** As root: closes the secret folders to everyone but their owner (mode 0700). */
export function lockSecrets(root: string, gradersDir: string): string[] {
  if (!isRoot()) return [];
  const locked = secretFolders(root, gradersDir);
  for (const dir of locked) fs.chmodSync(dir, 0o700);
  return locked;
}

/**
 * Checks, as the sandbox user, that it can read what a sandbox needs (the
 * library, the packages, the sandbox's own code). A course folder inside a
 * private folder (mode 0700) would otherwise fail every test with a
 * puzzling error. Returns the problem, or null.
 */
export function sandboxCannotRead(root: string, user: SandboxUser): string | null {
  const needed = [
    path.join(root, 'lib', 'index.ts'),
    path.join(root, 'node_modules', 'tsx', 'package.json'),
    path.join(root, 'scripts', 'grading', 'sandbox', 'worker.ts'),
  ];
  // The shell's `test -r`, not a node: this runs before every grading run, and a node takes 50 ms to start.
  const probe = spawnSync('/bin/sh', ['-c', 'for p; do [ -r "$p" ] || { echo "$p"; exit 1; }; done', 'probe', ...needed], {
    uid: user.uid,
    gid: user.gid,
    encoding: 'utf8',
    timeout: 10_000,
    cwd: '/',
  });
  if (probe.status === 0) return null;
  const what = probe.stdout.trim() || probe.stderr.trim() || String(probe.error ?? 'unknown');
  return `a sandbox (${user.name}) cannot read ${what}: every folder above the course must be readable and searchable by all (chmod o+rx), and the course itself readable (chmod -R o+rX, except solutions/ and test/graders/hidden/, which grading closes itself)`;
}
