import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import { isRoot, sandboxCannotRead, sandboxUser } from '../../scripts/grading/privileges';

// Before grading, the sandbox user must be able to read the library, the packages and the
// sandbox's code; a course inside a private folder is named, not left to fail every test.
describe.runIf(isRoot())('can a sandbox read the course?', () => {
  const course = (mode: number): string => {
    const outer = fs.mkdtempSync(path.join(os.tmpdir(), 'faultline-readable-'));
    fs.chmodSync(outer, mode);
    const root = path.join(outer, 'course');
    for (const f of ['lib/index.ts', 'node_modules/tsx/package.json', 'scripts/grading/sandbox/worker.ts']) {
      fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true, mode: 0o755 });
      fs.writeFileSync(path.join(root, f), '{}', { mode: 0o644 });
    }
    fs.chmodSync(root, 0o755);
    return root;
  };

  test('a readable course passes; a private folder above it, or an unreadable file, is named', () => {
    const user = sandboxUser()!;
    try {
      const open = course(0o755);
      expect(sandboxCannotRead(open, user)).toBeNull();
      fs.chmodSync(path.join(open, 'node_modules', 'tsx', 'package.json'), 0o600);
      expect(sandboxCannotRead(open, user)).toMatch(/cannot read .*node_modules\/tsx\/package\.json.*chmod/);
      const hidden = course(0o700);
      expect(sandboxCannotRead(hidden, user)).toMatch(/cannot read .*lib\/index\.ts/);
    } finally {
      user.release();
    }
  });
});
