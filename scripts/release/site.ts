// The executed lessons as a static website (for GitHub Pages): index.html and
// one page per lesson, from the HTML exports of `npm run execute-notebooks`
// (build/notebooks/<lesson>.html). Each page already inlines plotly.js, so its
// charts work offline; we add a navigation bar, turn links to other lessons
// (<lesson>.ipynb) into links to their pages, and replace the scripts nbconvert
// loads from this machine (file:///usr/share/javascript/...) with copies in
// assets/, or a CDN when the machine has none.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface Lesson {
  name: string;
  title: string;
}

const LOCAL_JS = '/usr/share/javascript';
// MathJax 2 (what nbconvert's template loads) without its 40 MB of unused fonts and tests.
const MATHJAX_PARTS = ['MathJax.js', 'config', 'extensions', 'jax/input/TeX', 'jax/output/CommonHTML', 'jax/element', 'localization/en', 'fonts/HTML-CSS/TeX/woff'];
const MATHJAX_CDN = 'https://cdn.jsdelivr.net/npm/mathjax@2.7.9/MathJax.js';
const REQUIRE_CDN = 'https://cdn.jsdelivr.net/npm/requirejs@2.3.7/require.min.js';

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Whether build/notebooks/<lesson>.html is newer than its notebook and everything in lib/. */
function exportsFresh(root: string, lessons: Lesson[]): boolean {
  const newest = (dir: string): number => {
    let t = 0;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      t = Math.max(t, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
    }
    return t;
  };
  const libTime = newest(path.join(root, 'lib'));
  return lessons.every((l) => {
    const html = path.join(root, 'build', 'notebooks', `${l.name}.html`);
    if (!fs.existsSync(html)) return false;
    const t = fs.statSync(html).mtimeMs;
    return t >= libTime && t >= fs.statSync(path.join(root, 'notebooks', `${l.name}.ipynb`)).mtimeMs;
  });
}

function copyTree(src: string, dest: string): void {
  fs.cpSync(src, dest, { recursive: true, dereference: true });
}

/** Copies the browser scripts nbconvert pointed at; returns how pages should reference them. */
function vendorScripts(dest: string): { requirejs: string; mathjax: string } {
  const assets = path.join(dest, 'assets');
  let requirejs = REQUIRE_CDN;
  let mathjax = MATHJAX_CDN;
  const req = path.join(LOCAL_JS, 'requirejs', 'require.min.js');
  if (fs.existsSync(req)) {
    fs.mkdirSync(assets, { recursive: true });
    fs.copyFileSync(req, path.join(assets, 'require.min.js'));
    requirejs = 'assets/require.min.js';
  }
  const mj = path.join(LOCAL_JS, 'mathjax');
  if (fs.existsSync(path.join(mj, 'MathJax.js'))) {
    for (const part of MATHJAX_PARTS) {
      if (fs.existsSync(path.join(mj, part))) copyTree(path.join(mj, part), path.join(assets, 'mathjax', part));
    }
    mathjax = 'assets/mathjax/MathJax.js';
  }
  return { requirejs, mathjax };
}

function nav(lessons: Lesson[], i: number | null): string {
  const link = (l: Lesson | undefined, label: string) =>
    l ? `<a href="${l.name}.html">${label}</a>` : `<span class="faultline-nav-off">${label}</span>`;
  const prev = i === null ? undefined : lessons[i - 1];
  const next = i === null ? undefined : lessons[i + 1];
  return (
    `<nav class="faultline-nav"><a href="index.html"><b>Faultline</b></a>` +
    (i === null ? '' : ` · ${link(prev, `&larr; ${prev ? escapeHtml(prev.title) : 'previous'}`)} · ${link(next, `${next ? escapeHtml(next.title) : 'next'} &rarr;`)}`) +
    `</nav>`
  );
}

const NAV_CSS = `<style>
.faultline-nav { font: 14px/1.6 system-ui, sans-serif; padding: 8px 16px; border-bottom: 1px solid #ddd; background: #fafafa; }
.faultline-nav a { color: #1a5fb4; text-decoration: none; } .faultline-nav-off { color: #999; }
</style>`;

/** One lesson page: navigation, links between lessons, local scripts. */
export function rewriteLessonPage(html: string, lessons: Lesson[], i: number, scripts: { requirejs: string; mathjax: string }): string {
  const names = new Set(lessons.map((l) => l.name));
  let out = html
    .replace(/src="file:\/\/\/usr\/share\/javascript\/requirejs\/require(\.min)?\.js"/g, `src="${scripts.requirejs}"`)
    .replace(/src="file:\/\/\/usr\/share\/javascript\/mathjax\/MathJax\.js/g, `src="${scripts.mathjax}`)
    // Links between lessons: notebooks/<name>.ipynb or <name>.ipynb (optionally #anchor).
    .replace(/href="(?:\.\/|notebooks\/)?([\w.-]+)\.ipynb(#[^"]*)?"/g, (m, name: string, hash: string | undefined) =>
      names.has(name) ? `href="${name}.html${hash ?? ''}"` : m,
    );
  const bar = nav(lessons, i);
  out = out.replace(/<\/head>/i, `${NAV_CSS}\n</head>`);
  out = out.replace(/<body([^>]*)>/i, (m) => `${m}\n${bar}`);
  out = out.replace(/<\/body>/i, `${bar}\n</body>`);
  return out;
}

export function indexPage(lessons: Lesson[]): string {
  const items = lessons.map((l) => `    <li><a href="${l.name}.html">${escapeHtml(l.title)}</a></li>`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Faultline: the trouble with distributed systems</title>
${NAV_CSS}
<style>
body { margin: 0; font: 16px/1.6 system-ui, sans-serif; color: #222; }
main { max-width: 760px; margin: 0 auto; padding: 24px 16px; }
h1 { font-size: 1.8em; margin-bottom: 0.2em; } ol { padding-left: 1.4em; } li { margin: 0.3em 0; }
</style>
</head>
<body>
${nav(lessons, null)}
<main>
  <h1>Faultline</h1>
  <p>An executable course on the trouble with distributed systems: every lesson runs a deterministic, seeded
  simulation of nodes, networks, clocks and faults, and shows what happened. These pages are the lessons as
  executed, charts included. To change a scenario and run it yourself, clone the course and run <code>npm start</code>.</p>
  <h2>Lessons</h2>
  <ol start="0">
${items}
  </ol>
</main>
</body>
</html>
`;
}

export function buildSite(opts: { root: string; dest: string; lessons: Lesson[] }): void {
  const { root, dest, lessons } = opts;
  if (exportsFresh(root, lessons)) {
    console.log('site: build/notebooks/*.html are up to date; reusing them');
  } else {
    console.log('site: executing the notebooks (npm run execute-notebooks; a few minutes)');
    const tsx = path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
    const r = spawnSync(process.execPath, [tsx, path.join(root, 'scripts', 'execute-notebooks.ts')], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('npm run execute-notebooks failed: the site was not built');
  }
  fs.mkdirSync(dest, { recursive: true });
  const scripts = vendorScripts(dest);
  lessons.forEach((l, i) => {
    const html = fs.readFileSync(path.join(root, 'build', 'notebooks', `${l.name}.html`), 'utf8');
    fs.writeFileSync(path.join(dest, `${l.name}.html`), rewriteLessonPage(html, lessons, i, scripts));
  });
  fs.writeFileSync(path.join(dest, 'index.html'), indexPage(lessons));
  // GitHub Pages: serve the files as they are (no Jekyll).
  fs.writeFileSync(path.join(dest, '.nojekyll'), '');
}
