// Shared helpers for the browser tests (not a test file itself).
import * as fs from 'fs';
import * as path from 'path';
import { chromium, type Browser } from 'playwright-core';

export const projectRoot = path.resolve(__dirname, '..', '..');
export const screenshotDir = path.join(projectRoot, 'build', 'screenshots');

/** Debian's Chromium, or $CHROMIUM. `npx playwright install` is not needed. */
export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
  const found = candidates.find((p): p is string => !!p && fs.existsSync(p));
  if (!found) throw new Error('No Chromium found: install Debian `chromium` or set CHROMIUM=/path/to/chrome');
  return found;
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
