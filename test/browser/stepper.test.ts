// Can a reader step through a space-time diagram in the exported HTML, offline?
// Lesson 08's first election carries a slider and a play button (lib/plot/stepper.ts);
// this moves the slider and presses play in headless Chromium and reads the node
// states the chart displays. Needs `npm run execute-notebooks` first (or
// FAULTLINE_HTML_DIR=<dir> holding 08-truth-and-majority.html).
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, projectRoot, screenshotPath } from './chromium';

declare const document: any;

const htmlDir = path.resolve(projectRoot, process.env.FAULTLINE_HTML_DIR ?? path.join('build', 'notebooks'));
const lesson = path.join(htmlDir, '08-truth-and-majority.html');

/** The text the stepped chart shows in its state column (the x2 panel), top to bottom. */
async function shownState(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const plot = Array.from(document.querySelectorAll('.js-plotly-plot')).find((p: any) => p.layout?.sliders?.length) as any;
    return Array.from(plot.querySelectorAll('.x2y .textpoint')).map((t: any) => t.textContent as string);
  });
}

async function currentValue(page: Page): Promise<string> {
  return page.evaluate(() => {
    const plot = Array.from(document.querySelectorAll('.js-plotly-plot')).find((p: any) => p.layout?.sliders?.length) as any;
    // The current value is the slider's one .slider-label outside the (hidden) step labels.
    const label = Array.from(plot.querySelectorAll('.slider-label')).find((e: any) => !e.closest('.slider-labels')) as any;
    return label?.textContent ?? '';
  });
}

/** Click the slider's rail at `fraction` of its length. */
async function slideTo(page: Page, fraction: number): Promise<void> {
  const rail = page.locator('.js-plotly-plot .slider-rail-touch-rect').first();
  await rail.scrollIntoViewIfNeeded();
  const box = (await rail.boundingBox())!;
  await page.mouse.click(box.x + box.width * fraction, box.y + box.height / 2);
}

describe('a stepped space-time diagram in the HTML export', () => {
  let browser: Browser;
  let page: Page;
  beforeAll(async () => {
    if (!fs.existsSync(lesson)) return;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    // Offline: anything not file:// is refused.
    await page.route(/^(?!file:)/, (route) => route.abort());
    await page.goto(pathToFileURL(lesson).href, { waitUntil: 'load', timeout: 120_000 });
    await page.waitForFunction(
      () => Array.from(document.querySelectorAll('.js-plotly-plot')).some((p: any) => p.layout?.sliders?.length && p.querySelector('.x2y .textpoint')),
      undefined,
      { timeout: 60_000 },
    );
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('does moving the slider change the step and the node states shown?', async () => {
    if (!fs.existsSync(lesson)) throw new Error(`${lesson} is missing: run \`npm run execute-notebooks\` first`);
    await slideTo(page, 0);
    await page.waitForTimeout(300);
    const start = await shownState(page);
    const startValue = await currentValue(page);
    // Before the election nobody leads; at its end n2 leads term 1 and the others voted for it.
    expect(start.join('\n')).not.toContain('leader term=1');
    await slideTo(page, 1);
    await page.waitForFunction(
      (before) => {
        const plot = Array.from(document.querySelectorAll('.js-plotly-plot')).find((p: any) => p.layout?.sliders?.length) as any;
        return Array.from(plot.querySelectorAll('.x2y .textpoint')).map((t: any) => t.textContent).join('\n') !== before;
      },
      start.join('\n'),
      { timeout: 10_000 },
    );
    const end = await shownState(page);
    expect(await currentValue(page)).not.toBe(startValue);
    expect(end.find((s) => s.startsWith('n2:'))).toContain('leader term=1');
    expect(end.filter((s) => s.includes('voted for n2')).length).toBeGreaterThanOrEqual(2);
    const plot = page.locator('.js-plotly-plot', { has: page.locator('.slider-container') }).first();
    await plot.screenshot({ path: screenshotPath('stepper-08-end') });
  });

  it('does pressing play walk through the steps on its own?', async () => {
    if (!fs.existsSync(lesson)) throw new Error(`${lesson} is missing: run \`npm run execute-notebooks\` first`);
    await slideTo(page, 0);
    await page.waitForTimeout(300);
    const first = await currentValue(page);
    await page.locator('.js-plotly-plot .updatemenu-button', { hasText: 'play' }).first().click();
    const seen = new Set<string>([first]);
    for (let i = 0; i < 20 && seen.size < 3; i++) {
      await page.waitForTimeout(300);
      seen.add(await currentValue(page));
    }
    expect(seen.size, `slider values seen while playing: ${[...seen].join(' | ')}`).toBeGreaterThanOrEqual(3);
    const plot = page.locator('.js-plotly-plot', { has: page.locator('.slider-container') }).first();
    await plot.screenshot({ path: screenshotPath('stepper-08-playing') });
  });
});
