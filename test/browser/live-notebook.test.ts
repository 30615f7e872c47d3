// A real Jupyter Notebook (classic, 6.x) server on 127.0.0.1, driven by headless
// Chromium: run every cell of a lesson and see a Plotly chart; step through its
// stepped space-time diagram (slider and play); then prove that a single chart
// cell re-renders on its own
//   1. after a kernel restart with all outputs cleared (plotly.js inlined again), and
//   2. after a page reload while the kernel kept running (no output carries
//      plotly.js any more: the chart loads it from <base_url>files/node_modules/...).
// Screenshots: build/screenshots/live-*.png.
//
// FAULTLINE_LIVE_NOTEBOOK  notebook to open (default notebooks/00-getting-started.ipynb;
//                          e.g. test/fixtures/notebooks/charts.ipynb)
// FAULTLINE_LIVE_CHART_CELL  index (in nb.cells) of the chart cell to re-run alone;
//                          default: the first code cell that calls show(. After the
//                          restart, the code cells above it run first (their outputs
//                          are then cleared), since a chart usually needs their state.
// The notebook is copied to build/live-test/ first (autosave never touches the
// lesson), and the server runs with temporary Jupyter config/runtime/data dirs.
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { randomBytes } from 'crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { findJupyterPython, jupyterEnv } from '../../scripts/jupyter';
import { launchChromium, projectRoot, screenshotPath } from './chromium';

// Page-side code (inside page.evaluate / waitForFunction) runs in the browser;
// tsconfig has no DOM lib, so declare just what it touches, module-locally.
declare const window: any;
declare const document: any;

const notebookRel = process.env.FAULTLINE_LIVE_NOTEBOOK ?? path.join('notebooks', '00-getting-started.ipynb');
const notebookSrc = path.resolve(projectRoot, notebookRel);
const CHART = '.output_area .js-plotly-plot .main-svg';

type Cell = { cell_type: string; source: string | string[]; outputs?: unknown[]; execution_count?: number | null };
type Nb = { cells: Cell[] };
const src = (c: Cell) => (Array.isArray(c.source) ? c.source.join('') : c.source);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe(`live Jupyter Notebook: ${notebookRel}`, () => {
  let server: ChildProcess | undefined;
  let tmp = '';
  let base = '';
  let token = '';
  let browser: Browser | undefined;
  let page: Page;
  let chartCell = -1;
  /** Code cells before the chart cell, and whether any of them calls show(. */
  let prerequisites: number[] = [];
  let prerequisitesShowCharts = false;
  let notebookUrlPath = '';
  const pageErrors: string[] = [];
  let serverLog = '';

  beforeAll(async () => {
    if (!fs.existsSync(notebookSrc)) {
      throw new Error(`${notebookRel} not found. Set FAULTLINE_LIVE_NOTEBOOK (e.g. test/fixtures/notebooks/charts.ipynb).`);
    }
    const python = findJupyterPython();
    if (!python) throw new Error('No python with Jupyter (notebook, nbclient, nbconvert): run `npm run setup`.');

    // A private copy without outputs, inside the server root (= project root).
    const nb = JSON.parse(fs.readFileSync(notebookSrc, 'utf8')) as Nb;
    for (const c of nb.cells) if (c.cell_type === 'code') {
      c.outputs = [];
      c.execution_count = null;
    }
    chartCell = process.env.FAULTLINE_LIVE_CHART_CELL !== undefined
      ? Number(process.env.FAULTLINE_LIVE_CHART_CELL)
      : nb.cells.findIndex((c) => c.cell_type === 'code' && /\bshow\(/.test(src(c)));
    if (chartCell < 0 || nb.cells[chartCell]?.cell_type !== 'code') {
      throw new Error(`no chart cell in ${notebookRel} (a code cell calling show(...)); set FAULTLINE_LIVE_CHART_CELL`);
    }
    prerequisites = nb.cells.map((c, i) => (c.cell_type === 'code' && i < chartCell ? i : -1)).filter((i) => i >= 0);
    prerequisitesShowCharts = prerequisites.some((i) => /\bshow\(/.test(src(nb.cells[i])));
    const liveDir = path.join(projectRoot, 'build', 'live-test');
    fs.mkdirSync(liveDir, { recursive: true });
    const copy = path.join(liveDir, path.basename(notebookSrc));
    fs.writeFileSync(copy, JSON.stringify(nb, null, 1));
    notebookUrlPath = path.relative(projectRoot, copy).split(path.sep).map(encodeURIComponent).join('/');

    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'faultline-live-'));
    for (const d of ['config', 'runtime', 'data', 'ipython']) fs.mkdirSync(path.join(tmp, d));
    const port = await freePort();
    token = randomBytes(24).toString('hex');
    base = `http://127.0.0.1:${port}/`;
    server = spawn(
      python,
      [
        '-m', 'notebook',
        '--no-browser',
        '--ip=127.0.0.1',
        `--port=${port}`,
        '--port-retries=0',
        `--notebook-dir=${projectRoot}`,
        `--NotebookApp.token=${token}`,
        '--NotebookApp.password=',
        '--NotebookApp.open_browser=False',
        ...(process.getuid?.() === 0 ? ['--allow-root'] : []),
      ],
      {
        cwd: projectRoot,
        detached: true, // own process group, killed as a whole in afterAll
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...jupyterEnv(),
          JUPYTER_CONFIG_DIR: path.join(tmp, 'config'),
          JUPYTER_RUNTIME_DIR: path.join(tmp, 'runtime'),
          JUPYTER_DATA_DIR: path.join(tmp, 'data'),
          IPYTHONDIR: path.join(tmp, 'ipython'),
        },
      },
    );
    const log = (b: Buffer) => {
      serverLog = (serverLog + b.toString()).slice(-20_000);
    };
    server.stdout?.on('data', log);
    server.stderr?.on('data', log);

    const deadline = Date.now() + 90_000;
    for (;;) {
      if (server.exitCode !== null) throw new Error(`jupyter notebook exited (${server.exitCode}):\n${serverLog}`);
      try {
        const r = await fetch(`${base}api/status?token=${token}`);
        if (r.ok) break;
      } catch {
        /* not up yet */
      }
      if (Date.now() > deadline) throw new Error(`jupyter notebook did not start in 90 s:\n${serverLog}`);
      await sleep(300);
    }

    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('dialog', (d) => void d.accept());
  });

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    if (server?.pid !== undefined && server.exitCode === null) {
      // Shut kernels down through the API (they run in their own sessions), then the server's group.
      try {
        const r = await fetch(`${base}api/kernels?token=${token}`);
        const kernels = (await r.json()) as Array<{ id: string }>;
        await Promise.all(kernels.map((k) => fetch(`${base}api/kernels/${k.id}?token=${token}`, { method: 'DELETE' })));
      } catch {
        /* best effort */
      }
      const pgid = server.pid;
      const exited = new Promise<void>((r) => server!.once('exit', () => r()));
      try {
        process.kill(-pgid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      await Promise.race([exited, sleep(5000)]);
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function openNotebook(): Promise<void> {
    await page.goto(`${base}notebooks/${notebookUrlPath}?token=${token}`, { waitUntil: 'load', timeout: 120_000 });
    await page.waitForFunction(
      () => {
        const J = (window as any).Jupyter;
        return !!(J && J.notebook && J.notebook._fully_loaded && J.notebook.kernel && J.notebook.kernel.is_connected());
      },
      undefined,
      { timeout: 120_000 },
    );
    await page.evaluate(() => (window as any).Jupyter.notebook.set_autosave_interval(0));
  }

  /** Wait until the given cells (all code cells if omitted) have run; throw on kernel errors. */
  async function waitForCells(indices?: number[]): Promise<void> {
    await page.waitForFunction(
      (idx) => {
        const nb = (window as any).Jupyter.notebook;
        const cells = nb.get_cells().map((c: any, i: number) => [c, i]).filter(([c, i]: [any, number]) => c.cell_type === 'code' && (!idx || idx.includes(i)));
        return cells.every(([c]: [any]) => typeof c.input_prompt_number === 'number');
      },
      indices ?? null,
      { timeout: 240_000, polling: 250 },
    );
    const errors = await page.evaluate(() =>
      (window as any).Jupyter.notebook
        .get_cells()
        .flatMap((c: any, i: number) =>
          (c.output_area?.outputs ?? []).filter((o: any) => o.output_type === 'error').map((o: any) => `cell ${i}: ${o.ename}: ${o.evalue}`),
        ),
    );
    if (errors.length) throw new Error(`kernel errors:\n${errors.join('\n')}`);
  }

  async function chartCellState() {
    return page.evaluate((i) => {
      const cell = (window as any).Jupyter.notebook.get_cell(i);
      const el = cell.element[0];
      const out = (cell.output_area.outputs as any[]).find((o) => o.data && o.data['application/vnd.plotly.v1+json']);
      return {
        drawn: !!el.querySelector('.output_area .js-plotly-plot .main-svg'),
        htmlLength: out ? String(out.data['text/html']).length : 0,
      };
    }, chartCell);
  }

  async function waitForChartInCell(): Promise<void> {
    try {
      await page.waitForFunction(
        ([i, sel]) => !!(window as any).Jupyter.notebook.get_cell(i).element[0].querySelector(sel),
        [chartCell, CHART] as const,
        { timeout: 60_000 },
      );
    } catch (e) {
      const outputs = await page.evaluate(
        (i) => JSON.stringify((window as any).Jupyter.notebook.get_cell(i).output_area.outputs, (k, v) => (typeof v === 'string' && v.length > 2000 ? `${v.slice(0, 2000)}...` : v)),
        chartCell,
      );
      throw new Error(`no chart drawn in cell ${chartCell}; its outputs: ${outputs}\n${(e as Error).message}`);
    }
    await page.evaluate((i) => (window as any).Jupyter.notebook.get_cell(i).element[0].scrollIntoView(), chartCell);
    await sleep(500);
  }

  /** Viewport screenshot plus one of the chart cell's output. */
  async function shoot(name: string): Promise<void> {
    await page.screenshot({ path: screenshotPath(name) });
    await page.locator('#notebook-container > .cell').nth(chartCell).locator('.output_wrapper').screenshot({ path: screenshotPath(`${name}-chart`) });
  }

  it('runs all cells and renders a Plotly chart', async () => {
    await openNotebook();
    await page.evaluate(() => (window as any).Jupyter.notebook.execute_all_cells());
    await waitForCells();
    await page.waitForSelector(CHART, { timeout: 60_000 });
    await sleep(500);
    await waitForChartInCell();
    await shoot('live-run-all');
    const charts = await page.locator(CHART).count();
    expect(charts).toBeGreaterThan(0);
    expect(pageErrors).toEqual([]);
  });

  it('steps through a stepped space-time diagram in the live notebook (slider and play)', async () => {
    // Lesson 00's first chart carries a slider (lib/plot/stepper.ts); other notebooks may have none.
    const cell = page.locator('#notebook-container > .cell').nth(chartCell);
    const rail = cell.locator('.slider-rail-touch-rect').first();
    if ((await rail.count()) === 0) {
      expect(notebookRel, 'lesson 00 must keep its stepped diagram').not.toContain('00-getting-started');
      return;
    }
    const shown = () =>
      page.evaluate((i) => {
        const el = (window as any).Jupyter.notebook.get_cell(i).element[0];
        return Array.from(el.querySelectorAll('.x2y .textpoint')).map((t: any) => t.textContent as string).join('\n');
      }, chartCell);
    const slideTo = async (fraction: number) => {
      await rail.scrollIntoViewIfNeeded();
      const box = (await rail.boundingBox())!;
      await page.mouse.click(box.x + box.width * fraction, box.y + box.height / 2);
      await sleep(400);
    };
    await slideTo(0);
    const start = await shown();
    await slideTo(1);
    const end = await shown();
    expect(end, 'moving the slider changes the node states shown').not.toBe(start);
    expect(end).toMatch(/pinger: sent \d+, received \d+/);
    await slideTo(0);
    await cell.locator('.updatemenu-button', { hasText: 'play' }).first().click();
    const seen = new Set<string>([await shown()]);
    for (let i = 0; i < 20 && seen.size < 3; i++) {
      await sleep(300);
      seen.add(await shown());
    }
    expect(seen.size, 'pressing play walks through the steps').toBeGreaterThanOrEqual(3);
    await cell.locator('.output_wrapper').screenshot({ path: screenshotPath('live-stepper') });
    expect(pageErrors).toEqual([]);
  });

  it('re-renders one chart cell alone after a kernel restart with outputs cleared', async () => {
    await page.evaluate(() => (window as any).Jupyter.notebook.restart_kernel({ confirm: false }));
    await page.evaluate(() => (window as any).Jupyter.notebook.clear_all_output());
    // The chart cell may need state from earlier cells: run those first, then clear their outputs.
    if (prerequisites.length) {
      await page.evaluate((idx) => (window as any).Jupyter.notebook.execute_cells(idx), prerequisites);
      await waitForCells(prerequisites);
      await page.evaluate(() => (window as any).Jupyter.notebook.clear_all_output());
    }
    expect(await page.locator(CHART).count()).toBe(0);
    expect(await page.locator('.faultline-chart').count()).toBe(0);
    await page.evaluate((i) => (window as any).Jupyter.notebook.execute_cells([i]), chartCell);
    await waitForCells([chartCell]);
    await waitForChartInCell();
    await shoot('live-after-restart');
    const state = await chartCellState();
    expect(state.drawn).toBe(true);
    // Only when no earlier cell displayed a chart is this the first chart of the new kernel process.
    if (!prerequisitesShowCharts) expect(state.htmlLength, 'first chart after a restart inlines plotly.js').toBeGreaterThan(1_000_000);
    expect(pageErrors).toEqual([]);
  });

  it('re-renders one chart cell alone after a page reload (kernel kept), loading plotly.js from the server', async () => {
    await page.evaluate(() => (window as any).Jupyter.notebook.clear_all_output());
    await page.evaluate(() => (window as any).Jupyter.notebook.save_notebook());
    await sleep(1000);
    await openNotebook(); // same session: the kernel (which already inlined plotly.js) is reused
    expect(await page.evaluate(() => typeof (window as any).Plotly)).toBe('undefined');
    await page.evaluate((i) => (window as any).Jupyter.notebook.execute_cells([i]), chartCell);
    await waitForCells([chartCell]);
    await waitForChartInCell();
    await shoot('live-after-reload');
    const state = await chartCellState();
    expect(state.drawn).toBe(true);
    expect(state.htmlLength, 'kernel did not inline plotly.js again').toBeLessThan(1_000_000);
    expect(pageErrors).toEqual([]);
  });

  it('shows the fallback note when the notebook is not trusted (scripts stripped)', async () => {
    await page.evaluate(() => (window as any).Jupyter.notebook.save_notebook());
    await sleep(1000);
    // Edit the saved file behind Jupyter's back: its signature no longer matches, so it opens untrusted.
    const copy = path.join(projectRoot, decodeURIComponent(notebookUrlPath));
    const saved = JSON.parse(fs.readFileSync(copy, 'utf8')) as Nb & { metadata: Record<string, unknown> };
    saved.metadata.faultline_untrusted_test = true;
    fs.writeFileSync(copy, JSON.stringify(saved, null, 1));
    await openNotebook();
    expect(await page.evaluate(() => (window as any).Jupyter.notebook.trusted)).toBe(false);
    const fallback = page.locator('#notebook-container > .cell').nth(chartCell).locator('.faultline-plot-fallback');
    await fallback.waitFor({ state: 'visible', timeout: 30_000 });
    expect(await fallback.innerText()).toContain('needs JavaScript');
    expect(await page.locator(CHART).count()).toBe(0);
    await fallback.scrollIntoViewIfNeeded();
    await shoot('live-untrusted');
  });
});
