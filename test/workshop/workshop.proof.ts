// npm run test:workshop: the workshop end to end, for real (root, Linux):
//   1. `npm run workshop` starts a hub on 127.0.0.1 with three accounts from a roster;
//   2. two students log in through headless Chromium, open lesson 00, run all
//      its cells with the TypeScript kernel and see a Plotly chart;
//   3. the first puts a working exercise in place through Jupyter; the second
//      cannot read it (neither as a system user nor through the hub);
//   4. `progress` shows the first student's points for it, and none for the second;
//   5. `stop` leaves no process of the hub, the proxy or a student; `remove`
//      leaves no account and no workshop folder.
// It also prints the memory of each student's server with lesson 00 running
// (RSS of the single-user server + kernel), the figure behind README's sizing.
// About 2-3 minutes. Needs the apt packages of `npm run workshop` (it installs
// them when missing) and chromium.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

// Page-side code (page.evaluate) runs in the browser; lib is ES2022 only.
declare const window: any;
declare const document: { cookie: string };

const ROOT = path.resolve(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const EXERCISE = '03-detecting-faults';
const CHART = '.js-plotly-plot .main-svg';
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;
const step = (m: string) => console.log(`[test:workshop ${elapsed()}] ${m}`);

function workshop(args: string[], timeoutMs = 300_000): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [TSX, path.join(ROOT, 'scripts', 'workshop.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

async function must(args: string[]): Promise<string> {
  const r = await workshop(args);
  assert.equal(r.code, 0, `npm run workshop -- ${args.join(' ')} failed:\n${r.out}`);
  return r.out;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const uidOf = (u: string) => {
  const r = spawnSync('id', ['-u', u], { encoding: 'utf8' });
  return r.status === 0 ? Number(r.stdout) : null;
};

/** [pid, uid, rss KiB, command] of every process. */
function processes(): Array<{ pid: number; uid: number; rssKiB: number; cmd: string }> {
  const out: Array<{ pid: number; uid: number; rssKiB: number; cmd: string }> = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const status = fs.readFileSync(`/proc/${e}/status`, 'utf8');
      if (/^State:\s+Z/m.test(status)) continue;
      const cmd = fs.readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0').join(' ').trim();
      out.push({ pid: Number(e), uid: Number(/^Uid:\s+(\d+)/m.exec(status)![1]), rssKiB: Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0), cmd });
    } catch {
      // exited
    }
  }
  return out;
}

async function logIn(browser: Browser, base: string, user: string, password: string): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 1400 } })).newPage();
  page.on('dialog', (d) => void d.accept());
  await page.goto(`${base}hub/login`);
  await page.fill('#username_input', user);
  await page.fill('#password_input', password);
  await page.click('#login_submit');
  await page.waitForURL(new RegExp(`/user/${user}/tree`), { timeout: 120_000 });
  return page;
}

/** Opens lesson 00 in the student's own copy, runs every cell, waits for a chart. */
async function runLesson(page: Page, base: string, user: string): Promise<void> {
  await page.goto(`${base}user/${user}/notebooks/notebooks/00-getting-started.ipynb`, { timeout: 120_000 });
  await page.waitForFunction(() => {
    const J = (window as any).Jupyter;
    return !!(J?.notebook?._fully_loaded && J.notebook.kernel?.is_connected());
  }, undefined, { timeout: 120_000 });
  const kernel = await page.evaluate(() => (window as any).Jupyter.notebook.kernel.name);
  assert.equal(kernel, 'faultline', `${user}'s lesson runs on the ${kernel} kernel`);
  await page.evaluate(() => (window as any).Jupyter.notebook.set_autosave_interval(0));
  await page.evaluate(() => (window as any).Jupyter.notebook.execute_all_cells());
  await page.waitForFunction(
    () => (window as any).Jupyter.notebook.get_cells().every((c: any) => c.cell_type !== 'code' || typeof c.input_prompt_number === 'number'),
    undefined,
    { timeout: 240_000, polling: 250 },
  );
  const errors = await page.evaluate(() =>
    (window as any).Jupyter.notebook.get_cells().flatMap((c: any, i: number) =>
      (c.output_area?.outputs ?? []).filter((o: any) => o.output_type === 'error').map((o: any) => `cell ${i}: ${o.ename}: ${o.evalue}`)),
  );
  assert.deepEqual(errors, [], `${user}: kernel errors in lesson 00`);
  const lastOutput = await page.evaluate(() => {
    const code = (window as any).Jupyter.notebook.get_cells().filter((c: any) => c.cell_type === 'code');
    return (code[code.length - 1].output_area.outputs as any[]).map((o) => o.text ?? '').join('').trim();
  });
  step(`${user}: last cell of lesson 00 printed: ${lastOutput.split('\n').filter(Boolean).slice(-2).join(' | ').slice(0, 200)}`);
  await page.waitForSelector(CHART, { timeout: 60_000 });
  assert.ok((await page.locator(CHART).count()) > 0, `${user} sees a chart`);
}

/** Writes a file in the student's copy through their Jupyter server (contents API). */
async function saveThroughJupyter(page: Page, base: string, user: string, rel: string, content: string): Promise<number> {
  return page.evaluate(async ({ url, content }) => {
    const xsrf = /(?:^|;\s*)_xsrf=([^;]+)/.exec(document.cookie)?.[1] ?? '';
    const r = await fetch(url, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json', 'X-XSRFToken': decodeURIComponent(xsrf) },
      body: JSON.stringify({ type: 'file', format: 'text', content }),
    });
    return r.status;
  }, { url: `${base}user/${user}/api/contents/${rel}`, content });
}

async function main(): Promise<void> {
  assert.equal(process.getuid?.(), 0, 'the workshop test needs root (it creates accounts)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faultline-workshop-'));
  fs.chmodSync(dir, 0o755);
  const tag = randomBytes(2).toString('hex');
  const [alice, bob, carol] = ['a', 'b', 'c'].map((s) => `flt${tag}${s}`) as [string, string, string];
  const roster = path.join(dir, '..', `${path.basename(dir)}-roster.csv`);
  fs.writeFileSync(roster, `username\n${alice}\n${bob}\n${carol}\n`);
  const wsDir = path.join(dir, 'ws');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}/`;
  let browser: Browser | undefined;
  let ok = false;
  try {
    step(`starting a hub on ${base} for ${alice} ${bob} ${carol} (folder ${wsDir})`);
    const out = await must(['start', '--dir', wsDir, '--roster', roster, '--port', String(port), '--memory', '1500M']);
    assert.match(out, new RegExp(`http://127\\.0\\.0\\.1:${port}/`), 'start prints the URL');
    // Students' kernels cannot write the shared install: the declarations they check cells against are made here.
    assert.match(out, /course: kernel declarations of lib\/ made/, 'start makes the kernel declarations of lib/');
    const passwordsFile = path.join(wsDir, 'passwords.csv');
    assert.equal(fs.statSync(passwordsFile).mode & 0o777, 0o600, 'passwords are for the instructor only');
    const passwords = new Map(fs.readFileSync(passwordsFile, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',') as [string, string]));
    for (const u of [alice, bob, carol]) assert.ok(passwords.get(u), `a password for ${u}`);

    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    step(`${alice} and ${bob} log in and run lesson 00`);
    const [pageA, pageB] = await Promise.all([alice, bob].map((u) => logIn(browser!, base, u, passwords.get(u)!)));
    await Promise.all([runLesson(pageA!, base, alice), runLesson(pageB!, base, bob)]);
    step('both ran lesson 00 with the faultline kernel and see a Plotly chart');

    // Memory per student server with one lesson running (for README's sizing table).
    const procs = processes();
    for (const u of [alice, bob]) {
      const mine = procs.filter((p) => p.uid === uidOf(u));
      const total = mine.reduce((s, p) => s + p.rssKiB, 0);
      step(`memory ${u}: ${(total / 1024).toFixed(0)} MiB RSS (${mine.map((p) => `${p.cmd.split(' ').slice(0, 2).join(' ').slice(0, 50)}=${(p.rssKiB / 1024).toFixed(0)}M`).join(', ')})`);
    }

    // Each student's server runs inside that student's memory and pids cgroups (cgroup v1 here; v2 has one path).
    const settings = JSON.parse(fs.readFileSync(path.join(wsDir, 'workshop.json'), 'utf8')) as { cgroups: string[] };
    for (const u of [alice, bob]) {
      const server = procs.find((p) => p.uid === uidOf(u) && p.cmd.includes('jupyterhub-singleuser'));
      assert.ok(server, `${u}'s single-user server is running`);
      for (const parent of settings.cgroups) {
        const members = fs.readFileSync(path.join(parent, u, 'cgroup.procs'), 'utf8').split('\n').map(Number);
        assert.ok(members.includes(server.pid), `${u}'s server is in ${path.join(parent, u)}`);
        const peak = path.join(parent, u, 'memory.max_usage_in_bytes');
        if (fs.existsSync(peak)) step(`memory ${u}: cgroup peak ${(Number(fs.readFileSync(peak, 'utf8')) / 1024 ** 2).toFixed(0)} MiB (includes page cache and lesson 00's grader run)`);
      }
    }
    const hubPids = ['launch.pid', 'proxy.pid'].map((f) => Number(fs.readFileSync(path.join(wsDir, 'hub', f), 'utf8').trim()));
    for (const pid of hubPids) assert.ok(procs.some((p) => p.pid === pid), `hub/proxy pid ${pid} runs`);
    step(`memory hub + proxy: ${(procs.filter((p) => hubPids.includes(p.pid)).reduce((a, p) => a + p.rssKiB, 0) / 1024).toFixed(0)} MiB RSS`);

    step(`${alice} writes a working ${EXERCISE}.ts through Jupyter`);
    const solution = fs.readFileSync(path.join(ROOT, 'solutions', `${EXERCISE}.ts`), 'utf8');
    assert.equal(await saveThroughJupyter(pageA!, base, alice, `exercises/${EXERCISE}.ts`, solution), 200);
    const aliceFile = path.join('/home', alice, 'faultline', 'exercises', `${EXERCISE}.ts`);
    assert.equal(fs.readFileSync(aliceFile, 'utf8'), solution, 'the edit is in her own copy');

    const asBob = spawnSync('runuser', ['-u', bob, '--', 'cat', aliceFile], { encoding: 'utf8' });
    assert.notEqual(asBob.status, 0, `${bob} must not read ${alice}'s file`);
    assert.match(asBob.stderr, /Permission denied/);
    const viaHub = await pageB!.evaluate(async (url) => {
      const r = await fetch(url, { redirect: 'manual' });
      return { status: r.status, body: r.status === 200 ? await r.text() : '' };
    }, `${base}user/${alice}/api/contents/exercises/${EXERCISE}.ts?content=1`);
    assert.ok(!viaHub.body.includes('Reference solution') && !viaHub.body.includes(solution.slice(0, 200)), `${bob} read ${alice}'s file through the hub (${viaHub.status})`);
    step(`${bob} cannot read it (runuser: Permission denied; through the hub: HTTP ${viaHub.status})`);

    // Bob's exercise tries to copy Alice's file while the board grades it: the
    // grader must not run student code with more rights than the student has.
    const stolen = path.join('/home', bob, 'faultline', 'stolen.txt');
    const stub = fs.readFileSync(path.join(ROOT, 'exercises', `${EXERCISE}.ts`), 'utf8');
    const thief = `${stub}\nimport * as nodeFs from 'node:fs';\ntry {\n  nodeFs.writeFileSync(${JSON.stringify(stolen)}, nodeFs.readFileSync(${JSON.stringify(aliceFile)}, 'utf8'));\n} catch (e) {\n  try { nodeFs.writeFileSync(${JSON.stringify(stolen)}, 'denied: ' + (e as NodeJS.ErrnoException).code); } catch { /* cannot write either */ }\n}\n`;
    assert.equal(await saveThroughJupyter(pageB!, base, bob, `exercises/${EXERCISE}.ts`, thief), 200);

    step('progress board');
    const board = await must(['progress', '--dir', wsDir, '--only', EXERCISE, '--timeout', '60']);
    console.log(board.trim().split('\n').filter((l) => !l.startsWith('[workshop]')).join('\n'));
    const json = JSON.parse(fs.readFileSync(path.join(wsDir, 'progress', 'board.json'), 'utf8')) as {
      rows: Array<{ user: string; points: Record<string, [number, number]>; error: string | null }>;
    };
    const row = (u: string) => json.rows.find((r) => r.user === u)!;
    const [score, max] = row(alice).points[EXERCISE] ?? [0, 0];
    assert.ok(max > 0 && score === max, `${alice} has full points for ${EXERCISE} on the board (${score}/${max})`);
    assert.ok((row(bob).points[EXERCISE]?.[0] ?? 0) < max, `${bob} (the stub) has fewer points`);
    assert.match(row(carol).error ?? '', /not logged in/);
    const loot = fs.existsSync(stolen) ? fs.readFileSync(stolen, 'utf8') : '(not written)';
    assert.ok(!loot.includes('Reference solution') && loot !== solution, `${bob}'s code read ${alice}'s exercise while being graded`);
    step(`${bob}'s exercise tried to copy ${alice}'s file during grading: ${loot.trim()}`);
    const html = fs.readFileSync(path.join(wsDir, 'progress', 'board.html'), 'utf8');
    assert.ok(html.includes(`data-student="${alice}"`) && html.includes('<svg'), 'the HTML board has a row and a chart');
    const csv = fs.readFileSync(path.join(wsDir, 'progress', 'board.csv'), 'utf8');
    assert.ok(csv.split('\n').some((l) => l.startsWith(`${alice},`) && l.includes(`,${score},${max},`)), 'the CSV has her points');

    await browser.close();
    browser = undefined;
    step('stop');
    await must(['stop', '--dir', wsDir]);
    const uids = [alice, bob, carol].map(uidOf);
    const left = processes().filter((p) => uids.includes(p.uid) || p.cmd.includes(wsDir));
    assert.deepEqual(left, [], 'no process of the hub, the proxy or a student survives stop');
    const alive = processes().filter((p) => hubPids.includes(p.pid));
    assert.deepEqual(alive, [], 'the hub and the proxy are gone');
    step('remove');
    await must(['remove', '--dir', wsDir, '--yes']);
    for (const u of [alice, bob, carol]) assert.equal(uidOf(u), null, `${u} is deleted`);
    assert.ok(!fs.existsSync(wsDir), 'the workshop folder is gone');
    assert.ok(!fs.existsSync(path.join('/home', alice)), 'her home folder is gone');
    for (const parent of settings.cgroups) assert.ok(!fs.existsSync(parent), `cgroup ${parent} is gone`);
    ok = true;
    step('passed');
  } finally {
    await browser?.close().catch(() => undefined);
    if (!ok && fs.existsSync(path.join(wsDir, 'workshop.json'))) {
      console.log(`[test:workshop] failed; hub log tail:\n${spawnSync('tail', ['-40', path.join(wsDir, 'hub', 'hub.log')], { encoding: 'utf8' }).stdout}`);
      await workshop(['remove', '--dir', wsDir, '--yes']);
    }
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(roster, { force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
