// `npm test` sets up what it needs before the long run (scripts/test-setup.mjs,
// npm's pretest hooks): found or installed, or a message saying what to
// install, at once. Installing is never exercised here; the detection is
// pointed at paths that do not exist instead.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, test } from 'vitest';
import { aptPrefix, findChromium } from '../../scripts/system-packages.cjs';

const root = path.resolve(__dirname, '..', '..');
const script = path.join(root, 'scripts', 'test-setup.mjs');
const nowhere = path.join(root, 'build', 'no-such-dir', 'chromium');

function setup(args: string[], env: Record<string, string>): { status: number | null; out: string; err: string } {
  const base = { ...process.env };
  for (const k of ['CHROMIUM', 'FAULTLINE_CHROMIUM_PATHS', 'FAULTLINE_PYTHON', 'FAULTLINE_INSTALL']) delete base[k];
  const r = spawnSync(process.execPath, [script, ...args], { cwd: root, env: { ...base, ...env }, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

describe('npm test checks its system packages before it starts', () => {
  test('are the pretest hooks wired in package.json?', () => {
    const scripts = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).scripts as Record<string, string>;
    expect(scripts.pretest).toBe('node scripts/test-setup.mjs');
    expect(scripts['pretest:browser']).toMatch(/test-setup\.mjs.*--chromium/);
    expect(scripts['preexecute-notebooks']).toMatch(/test-setup\.mjs --jupyter/);
  });

  test('does a missing Chromium that cannot be installed stop it with the package to install?', () => {
    const r = setup(['--chromium'], { FAULTLINE_CHROMIUM_PATHS: nowhere, FAULTLINE_INSTALL: '0' });
    expect(r.status).toBe(1);
    expect(r.err).toContain(`No Chromium for the browser tests (looked for ${nowhere})`);
    expect(r.err).toContain('sudo apt-get install -y chromium');
    expect(r.err).toContain('FAULTLINE_INSTALL not 0');
    expect(r.out).not.toMatch(/installing/);
  });

  test('is a wrong $CHROMIUM or $FAULTLINE_PYTHON reported as such, not replaced by another one?', () => {
    const r = setup([], { CHROMIUM: nowhere, FAULTLINE_PYTHON: `${nowhere}-python` });
    expect(r.status).toBe(1);
    expect(r.err).toContain(`CHROMIUM=${nowhere} is not an executable file`);
    expect(r.err).toContain(`FAULTLINE_PYTHON=${nowhere}-python cannot import notebook, nbclient, nbconvert`);
  });

  test('does an executable $CHROMIUM pass, and a bad flag fail with usage?', () => {
    const r = setup(['--chromium'], { CHROMIUM: process.execPath });
    expect(r.status).toBe(0);
    expect(r.out).toContain(`Chromium: ${process.execPath} (CHROMIUM)`);
    expect(setup(['--chrome'], {}).status).toBe(2);
  });

  test('do the shared helpers honour the switches the script relies on?', () => {
    expect(aptPrefix({ env: { FAULTLINE_INSTALL: '0' } })).toBeNull();
    expect(findChromium({ FAULTLINE_CHROMIUM_PATHS: nowhere })).toEqual({ path: null, fromEnv: null });
    expect(findChromium({ CHROMIUM: process.execPath })).toEqual({ path: process.execPath, fromEnv: process.execPath });
  });
});
