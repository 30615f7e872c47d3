// `show(fig)`: the one way lessons display a chart.
//
// A chart is ONE display_data output carrying three MIME types:
//   text/html                        what classic Notebook / nbconvert HTML show:
//                                    [plotly.js inlined, first chart of the kernel
//                                    process only] + a <div> + a script that draws
//                                    into it once window.Plotly exists
//   application/vnd.plotly.v1+json   the figure, for front ends with a Plotly
//                                    renderer (JupyterLab + plotly extension, VS Code)
//   text/plain                       a one-line summary
//
// Why the script is so defensive (see figureBundle's drawScript):
// - Classic Notebook runs an output's scripts before the output is attached to
//   the page, so the script waits until its <div> is in the document.
// - Notebook pages load require.js; plotly's UMD wrapper would register an
//   anonymous AMD module instead of setting window.Plotly, so the bundle runs
//   with `define`/`exports`/`module` shadowed.
// - plotly.js is inlined once per kernel process. Re-running a single chart cell
//   after outputs were cleared normally still finds window.Plotly; if the page
//   was reloaded while the kernel kept running, no output carries the bundle any
//   more, so the script fetches <base_url>files/node_modules/plotly.js-dist-min/
//   plotly.min.js from the Jupyter server (whose root is the project root).
// - Charts displayed while that load is in flight wait for it (event + polling).
// - Untrusted notebooks (and GitHub) drop scripts: the <div> then shows a note.
import type * as Plotly from 'plotly.js';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import { type Figure, figureTitle, resolveFigure } from './figure';

export const PLOTLY_MIME = 'application/vnd.plotly.v1+json';

export type PlotlyJson = {
  data: Plotly.Data[];
  layout: Partial<Plotly.Layout>;
  config: Partial<Plotly.Config>;
  frames?: Array<Partial<Plotly.Frame>>;
};

export type MimeBundle = {
  'text/html': string;
  'application/vnd.plotly.v1+json': PlotlyJson;
  'text/plain': string;
};

export type BundleOptions = {
  /** Inline plotly.js (4.8 MB) in the HTML. `show` does this for the first chart of a kernel process. */
  includePlotly: boolean;
  /** The id of the chart's <div>; must be unique in the page. */
  id: string;
  /** plotly.js source to inline; defaults to node_modules/plotly.js-dist-min/plotly.min.js. */
  plotlySource?: string;
};

export type ShowOptions = {
  /** The <div> id; default: a fresh random id. */
  id?: string;
  /** Force (true) or suppress (false) inlining plotly.js; default: only the first chart of the kernel process. */
  includePlotly?: boolean;
};

/** Where the Jupyter server serves the bundle from, relative to its base url (server root = project root). */
export const PLOTLY_SERVER_PATH = 'files/node_modules/plotly.js-dist-min/plotly.min.js';

let plotlySourceCache: string | undefined;

/** The plotly.js browser bundle as text (read once; never `require`d in Node). */
export function plotlySource(): string {
  if (plotlySourceCache === undefined) {
    plotlySourceCache = fs.readFileSync(require.resolve('plotly.js-dist-min/plotly.min.js'), 'utf8');
  }
  return plotlySourceCache;
}

/**
 * Make JavaScript source safe to put between <script> and </script>: the HTML
 * parser ends a script at the first `</script`, and `<!--` can switch it into
 * an "escaped" state. `\x3C` means `<` inside JS strings, templates and regexps
 * (where these sequences occur in real code), so behaviour is unchanged.
 */
export function escapeScript(js: string): string {
  return js.replace(/<\/(script)/gi, '\\x3C/$1').replace(/<!--/g, '\\x3C!--');
}

/** JSON that can sit inside a <script>: every `<` (and U+2028/9) escaped. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** One-line text/plain summary, e.g. `[chart] Retries over time (3 traces)`. */
export function figureSummary(fig: Figure): string {
  const title = figureTitle(fig);
  const n = fig.data.length;
  return `[chart] ${title ?? 'untitled'} (${n} trace${n === 1 ? '' : 's'})`;
}

function inlinePlotlyScript(source: string): string {
  return (
    '<script type="text/javascript">/* plotly.js, inlined once per kernel process by lib/plot/display.ts */\n' +
    '(function (define, exports, module) {\n' +
    escapeScript(source) +
    '\n}).call(window);\n' +
    'try { window.dispatchEvent(new Event("faultline-plotly-ready")); } catch (e) {}\n' +
    '</script>\n'
  );
}

function drawScript(id: string, json: string): string {
  // Plain ES5 so it runs wherever the HTML ends up.
  return `<script type="text/javascript">
(function () {
  var id = ${scriptJson(id)};
  var fig = ${json};
  var tries = 0;
  function plotly() { var P = window.Plotly; return P && typeof P.newPlot === "function" ? P : null; }
  function note(text) {
    var el = document.getElementById(id);
    var fb = el && el.querySelector(".faultline-plot-fallback");
    if (fb) fb.textContent = text;
  }
  function baseUrl() {
    var b = document.body && document.body.getAttribute("data-base-url");
    if (!b) {
      var cfg = document.getElementById("jupyter-config-data");
      if (cfg) { try { b = JSON.parse(cfg.textContent).baseUrl; } catch (e) {} }
    }
    if (!b) return null;
    return b.charAt(b.length - 1) === "/" ? b : b + "/";
  }
  function load() {
    if (window.__faultlinePlotlyLoading) return;
    var base = baseUrl();
    if (!base || !window.fetch) return;
    window.__faultlinePlotlyLoading = true;
    fetch(base + ${scriptJson(PLOTLY_SERVER_PATH)}, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.text(); })
      .then(function (src) {
        if (!plotly()) (new Function("define", "exports", "module", src)).call(window);
        window.__faultlinePlotlyLoading = false;
        window.dispatchEvent(new Event("faultline-plotly-ready"));
      })
      ["catch"](function (e) {
        window.__faultlinePlotlyLoading = false;
        note("Could not load plotly.js from the Jupyter server (" + e.message + "): restart the kernel and re-run the cell.");
      });
  }
  function draw() {
    var el = document.getElementById(id), P = plotly();
    if (!el || !P) return false;
    if (el.getAttribute("data-drawn")) return true;
    el.setAttribute("data-drawn", "1");
    var fb = el.querySelector(".faultline-plot-fallback");
    if (fb) fb.parentNode.removeChild(fb);
    // The object form carries frames too (sliders and play buttons of stepped charts).
    P.newPlot(el, { data: fig.data, layout: fig.layout, config: fig.config, frames: fig.frames || [] });
    return true;
  }
  function tick() {
    if (draw()) { window.removeEventListener("faultline-plotly-ready", tick); return; }
    if (!plotly() && document.getElementById(id)) load();
    tries += 1;
    if (tries < 1200) setTimeout(tick, tries < 40 ? 50 : 250);
  }
  window.addEventListener("faultline-plotly-ready", tick);
  tick();
})();
</script>`;
}

/**
 * The display_data MIME bundle for `fig` (pure: no I/O except reading the
 * plotly.js file when `includePlotly` and no `plotlySource` is given).
 */
export function figureBundle(fig: Figure, opts: BundleOptions): MimeBundle {
  const resolved = resolveFigure(fig);
  // Round-trip through JSON: what the browser gets is exactly what is stored.
  const plotlyJson = JSON.parse(JSON.stringify(resolved)) as PlotlyJson;
  const summary = figureSummary(fig);
  const height = typeof resolved.layout.height === 'number' ? resolved.layout.height : 420;
  const html =
    `<div class="faultline-chart">\n` +
    (opts.includePlotly ? inlinePlotlyScript(opts.plotlySource ?? plotlySource()) : '') +
    `<div id="${escapeHtml(opts.id)}" class="faultline-plot" style="width:100%;min-height:${height}px;">` +
    `<p class="faultline-plot-fallback" style="margin:0;padding:12px 16px;border:1px dashed #9CA3AF;color:#4B5563;font:14px/1.4 sans-serif;">` +
    `${escapeHtml(summary)}: this chart needs JavaScript. In Jupyter, trust the notebook (File &rarr; Trust Notebook) and re-run the cell; ` +
    `or open the executed lesson build/notebooks/&lt;lesson&gt;.html (made by <code>npm run execute-notebooks</code>) in a browser.</p>` +
    `</div>\n` +
    drawScript(opts.id, scriptJson(plotlyJson)) +
    `\n</div>`;
  return { 'text/html': html, [PLOTLY_MIME]: plotlyJson, 'text/plain': summary } as MimeBundle;
}

// ---------------------------------------------------------------------------
// Emitting into a tslab kernel

type DisplayWriter = (
  displayData: { data: Record<string, unknown>; metadata: Record<string, unknown>; transient: { display_id?: string } },
  update: boolean,
) => void;

/**
 * tslab's writer for the cell being executed, or null outside a kernel. Only
 * looks at modules the kernel already loaded, so plain node / vitest never
 * load tslab (and its TypeScript) just to find out.
 */
function kernelWriter(): DisplayWriter | null {
  try {
    const cached = require.cache[require.resolve('tslab/dist/jupyter')];
    const write = (cached?.exports as { lastWriteDisplayData?: unknown } | undefined)?.lastWriteDisplayData;
    return typeof write === 'function' ? (write as DisplayWriter) : null;
  } catch {
    return null;
  }
}

// Kept on globalThis, not in a module variable: tslab may re-evaluate lib
// modules, but the page only gets plotly.js again after a kernel restart.
const INLINED = Symbol.for('faultline.plot.plotlyInlined');
const SESSION = Symbol.for('faultline.plot.session');

// Div ids must not clash with those in outputs saved by an earlier kernel
// (which, in a container, often had the same pid): a per-kernel nonce from the
// OS, not Math.random/Date.now, which lib/ keeps out of reach of simulations.
function freshId(): string {
  const g = globalThis as unknown as Record<symbol, { nonce: string; count: number } | undefined>;
  const session = (g[SESSION] ??= { nonce: randomBytes(4).toString('hex'), count: 0 });
  session.count += 1;
  return `faultline-plot-${session.nonce}-${session.count}`;
}

/**
 * Display `fig` as the output of the running notebook cell.
 *
 * Outside a Jupyter kernel (plain node, vitest, tsx scripts) it does not throw:
 * it prints the one-line summary with "(not displayed: no Jupyter kernel)" to
 * the console and returns.
 */
export function show(fig: Figure, opts: ShowOptions = {}): void {
  const write = kernelWriter();
  if (!write) {
    console.log(`${figureSummary(fig)} (not displayed: no Jupyter kernel)`);
    return;
  }
  const g = globalThis as unknown as Record<symbol, boolean | undefined>;
  const includePlotly = opts.includePlotly ?? !g[INLINED];
  const bundle = figureBundle(fig, { includePlotly, id: opts.id ?? freshId() });
  write({ data: bundle, metadata: {}, transient: {} }, false);
  if (includePlotly) g[INLINED] = true;
}
