// Every executed lesson export (build/notebooks/*.html, from
// `npm run execute-notebooks`) renders all of its Plotly charts in headless
// Chromium, without page or console errors. Screenshots: build/screenshots/NAME.png.
//
// FAULTLINE_HTML_DIR=<dir> checks another folder of exports (e.g. ones made with
// `npm run execute-notebooks -- --out <dir> test/fixtures/notebooks/charts.ipynb`).
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium, projectRoot, screenshotPath } from './chromium';

// Page-side code (inside page.evaluate / waitForFunction) runs in the browser;
// tsconfig has no DOM lib, so declare just what it touches, module-locally.
declare const window: any;
declare const document: any;

const PLOTLY_MIME = 'application/vnd.plotly.v1+json';
const htmlDir = path.resolve(projectRoot, process.env.FAULTLINE_HTML_DIR ?? path.join('build', 'notebooks'));
const exports = fs.existsSync(htmlDir)
  ? fs.readdirSync(htmlDir).filter((f) => f.endsWith('.html')).sort()
  : [];

type NbOutput = { output_type: string; data?: Record<string, unknown> };
type Nb = { cells: Array<{ cell_type: string; outputs?: NbOutput[] }> };

/** Charts expected in a page: outputs of the executed notebook that carry a Plotly figure. */
function expectedCharts(ipynb: string): number {
  const nb = JSON.parse(fs.readFileSync(ipynb, 'utf8')) as Nb;
  let n = 0;
  for (const cell of nb.cells) for (const out of cell.outputs ?? []) if (out.data && PLOTLY_MIME in out.data) n++;
  return n;
}

describe(`notebook HTML exports in ${path.relative(projectRoot, htmlDir) || '.'}`, () => {
  let browser: Browser;
  beforeAll(async () => {
    if (exports.length) browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  if (exports.length === 0) {
    it('has exported notebooks to check', () => {
      throw new Error(
        `No ${path.relative(projectRoot, htmlDir)}/*.html found: run \`npm run execute-notebooks\` first ` +
          '(it executes notebooks/*.ipynb into build/notebooks/NAME.ipynb + NAME.html).',
      );
    });
    return;
  }

  for (const file of exports) {
    const name = file.replace(/\.html$/, '');
    it(`${file} renders every chart`, async () => {
      const ipynb = path.join(htmlDir, `${name}.ipynb`);
      if (!fs.existsSync(ipynb)) throw new Error(`${ipynb} is missing: re-run \`npm run execute-notebooks\``);
      const expected = expectedCharts(ipynb);

      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console error: ${m.text()} (${m.location().url})`);
      });
      // The export must work offline: anything not file:// is blocked (and reported).
      await page.route(/^(?!file:)/, (route) => {
        problems.push(`network request blocked: ${route.request().url()}`);
        return route.abort();
      });

      await page.goto(pathToFileURL(path.join(htmlDir, file)).href, { waitUntil: 'load', timeout: 120_000 });
      await page.waitForFunction(
        (n) => document.querySelectorAll('.js-plotly-plot .main-svg').length >= n && document.querySelectorAll('.js-plotly-plot').length >= n,
        expected,
        { timeout: 60_000 },
      ).catch(() => undefined); // counted below, with a better message
      await page.waitForTimeout(500); // let the last draw settle before the screenshot
      const state = await page.evaluate(() => ({
        plots: document.querySelectorAll('.js-plotly-plot').length,
        drawn: Array.from(document.querySelectorAll('.js-plotly-plot')).filter((p: any) => p.querySelector('.main-svg')).length,
        fallbacksVisible: Array.from(document.querySelectorAll('.faultline-plot-fallback')).length,
      }));
      await page.screenshot({ path: screenshotPath(name), fullPage: true });
      await page.close();

      expect(state.drawn, `${file}: charts drawn (expected ${expected} from ${name}.ipynb)`).toBe(expected);
      expect(state.plots).toBe(expected);
      expect(state.fallbacksVisible, 'fallback notes still shown').toBe(0);
      expect(problems).toEqual([]);
    });
  }
});
