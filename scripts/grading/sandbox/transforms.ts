// The library and the sandbox's own modules, compiled once for every sandbox.
// A sandbox loads TypeScript through tsx, which keeps what esbuild made in
// `$TMPDIR/tsx-<uid>`; each sandbox has a fresh home and uid, so each one
// compiled the library again (~0.3 s of its ~0.75 s start). The grading
// user compiles them into a folder of the course's node_modules, and each
// sandbox's tsx folder is a link to it: read, never written (it is not the
// sandbox uid's; tsx ignores a failed write). The submission itself is
// still compiled in the sandbox. Only trusted files are compiled here, by a
// process that loads no submission; nothing on the trusted side reads this
// folder afterwards.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { filesUnder } from '../listing-cache';

const ROOT = path.resolve(__dirname, '..', '..', '..');
/** What the warm-up's TMPDIR is: tsx puts its cache in `tsx-<uid>` below it. */
const HOME = path.join(ROOT, 'node_modules', '.cache', 'faultline-sandbox-tsx');
/** The sandbox machinery a sandbox loads (worker.ts runs on load: it is small). */
const MACHINERY = ['guard.ts', 'membrane.ts', 'rpc.ts'].map((f) => path.join(__dirname, f));

function tsFiles(dir: string): string[] {
  const files: string[] = [];
  filesUnder(dir, files);
  return files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
}

/** Nobody but its owner (the grading user) may change a file or folder in it, and it has no links. */
function safe(dir: string, uid: number): boolean {
  const st = fs.lstatSync(dir, { throwIfNoEntry: false });
  if (!st?.isDirectory() || st.uid !== uid || (st.mode & 0o022) !== 0) return false;
  return fs.readdirSync(dir).every((name) => {
    const f = fs.lstatSync(path.join(dir, name));
    return (f.isFile() || f.isDirectory()) && f.uid === uid && (f.mode & 0o022) === 0;
  });
}

let made: string | null | undefined;

/**
 * The folder of compiled trusted modules for sandboxes to read, compiled now
 * if the library or tsx changed (about a second, once); null when it cannot
 * be made safely (then each sandbox compiles for itself, as before).
 */
export function sandboxTransforms(): string | null {
  if (made !== undefined) return made;
  made = null;
  try {
    const uid = typeof process.geteuid === 'function' ? process.geteuid() : 0;
    const files = [...MACHINERY, ...tsFiles(path.join(ROOT, 'lib'))].sort();
    const tsxVersion = JSON.parse(fs.readFileSync(require.resolve('tsx/package.json', { paths: [ROOT] }), 'utf8')).version;
    const hash = createHash('sha256').update(`${process.version}\0${tsxVersion}`);
    for (const f of files) hash.update(`\0${f}\0`).update(fs.readFileSync(f));
    const cache = path.join(HOME, `tsx-${uid}`);
    const ready = path.join(HOME, `ready-${hash.digest('hex').slice(0, 20)}`);
    // tsx stops reading what it wrote some 8 days ago: compile again well before.
    const age = Date.now() - (fs.statSync(ready, { throwIfNoEntry: false })?.mtimeMs ?? 0);
    if (age > 6 * 24 * 3600 * 1000) {
      fs.mkdirSync(HOME, { recursive: true, mode: 0o755 });
      const load = `for (const f of ${JSON.stringify(files)}) require(f);`;
      const r = spawnSync(process.execPath, ['--require', require.resolve('tsx/cjs', { paths: [ROOT] }), '-e', load], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', TMPDIR: HOME, NODE_ENV: 'production' },
        stdio: 'ignore',
        timeout: 60_000,
      });
      if (r.status !== 0) return null;
      fs.writeFileSync(ready, '');
    }
    if (safe(HOME, uid) && safe(cache, uid)) made = cache;
  } catch {
    made = null;
  }
  return made;
}
