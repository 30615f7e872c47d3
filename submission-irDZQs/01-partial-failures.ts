// Attack on a real exercise: hand in the reference solution by loading it at
// run time (around the import guard), and start a process that outlives
// grading. Scores 0 if solutions/ is closed to the submission.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';

declare const exports: Record<string, unknown>;

const root = path.dirname(fs.realpathSync(path.join(__dirname, '..', 'lib')));
const req = createRequire(path.join(root, 'lib', 'index.ts'));
try {
  const cp = createRequire('/usr/lib/node_modules/x.js')('child_process') as typeof import('node:child_process');
  cp.spawn('/usr/bin/setsid', ['/bin/sh', '-c', 'sleep 3; echo survived > /tmp/faultline-hostile-survived'], { detached: true, stdio: 'ignore', env: {} }).unref();
} catch {
  /* no way out */
}
Object.assign(exports, req(path.join(root, 'solutions', '01-partial-failures')) as object);
