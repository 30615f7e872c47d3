// Who the submission runs as, and what it must not read. When grading runs as
// root (Gradescope, CI, a container, the workshop hub), student code runs as
// an unprivileged system user that owns nothing of the course, and the course's
// secrets (solutions, hidden tests) are closed to everyone but root. Not root
// (a student's own laptop): the same pipeline, without the user switch.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const SANDBOX_USER = process.env.FAULTLINE_SANDBOX_USER || 'faultline-sandbox';

export interface SandboxUser {
  name: string;
  uid: number;
  gid: number;
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function lookup(name: string): SandboxUser | null {
  const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return null;
  return { name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * The user to run submissions as: null when not root. As root, creates it
 * (a system user with no home and no login shell) if it does not exist.
 */
export function sandboxUser(): SandboxUser | null {
  if (!isRoot()) return null;
  let user = lookup(SANDBOX_USER);
  if (!user) {
    const made = spawnSync('useradd', ['--system', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', SANDBOX_USER], {
      encoding: 'utf8',
    });
    user = lookup(SANDBOX_USER);
    if (!user) throw new Error(`could not create the sandbox user ${SANDBOX_USER}: ${made.stderr || made.error?.message || 'useradd failed'}`);
  }
  if (user.uid === 0 || user.gid === 0) throw new Error(`the sandbox user ${SANDBOX_USER} must not be root`);
  return user;
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
  const probe = spawnSync(
    process.execPath,
    ['-e', 'const fs = require("fs"); for (const p of JSON.parse(process.argv[1])) { try { fs.readFileSync(p) } catch (e) { console.log(p); process.exit(1) } }', JSON.stringify(needed)],
    { uid: user.uid, gid: user.gid, encoding: 'utf8', timeout: 10_000, cwd: '/' },
  );
  if (probe.status === 0) return null;
  const what = probe.stdout.trim() || probe.stderr.trim() || String(probe.error ?? 'unknown');
  return `the sandbox user ${user.name} cannot read ${what}: every folder above the course must be readable and searchable by all (chmod o+rx), and the course itself readable (chmod -R o+rX, except solutions/ and test/graders/hidden/, which grading closes itself)`;
}
