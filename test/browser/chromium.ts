// Shared helpers for the browser tests (not a test file itself).
import * as fs from 'fs';
import * as path from 'path';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_APT_PACKAGE, findChromium } from '../../scripts/system-packages.cjs';

export const projectRoot = path.resolve(__dirname, '..', '..');
export const screenshotDir = path.join(projectRoot, 'build', 'screenshots');

/**
 * Debian's Chromium, or $CHROMIUM (found as scripts/test-setup.mjs finds it,
 * which installs it before `npm test` where it can). `npx playwright install`
 * is not needed.
 */
export function chromiumPath(): string {
  const found = findChromium();
  if (found.path) return found.path;
  throw new Error(
    found.fromEnv !== null
      ? `CHROMIUM=${found.fromEnv} is not an executable file`
      : `No Chromium found: run \`node scripts/test-setup.mjs --chromium\`, install Debian \`${CHROMIUM_APT_PACKAGE}\`, or set CHROMIUM=/path/to/chrome`,
  );
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      // file:// pages may read sibling files (require.js / MathJax from /usr/share).
      '--allow-file-access-from-files',
    ],
  });
}

export function screenshotPath(name: string): string {
  fs.mkdirSync(screenshotDir, { recursive: true });
  return path.join(screenshotDir, `${name}.png`);
}
