// Proves that `npm run execute-notebooks` really runs notebooks through
// Jupyter + tslab and really fails on a broken cell: tslab reports TypeScript
// errors only as stderr text with an 'error' reply, then 'abort's requests
// for 200 ms, and nbclient alone does not count aborted cells as failures.
//
// Needs Jupyter's python (`npm run setup`); set FAULTLINE_SKIP_JUPYTER=1 to
// skip these tests on a machine without it.

import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { findJupyterPython } from '../../scripts/jupyter';

const root = path.resolve(__dirname, '..', '..');
const fixtures = path.join(root, 'test', 'fixtures', 'notebooks');
const broken = path.join(fixtures, 'broken.ipynb');
const ok = path.join(fixtures, 'ok.ipynb');
const drift = path.join(fixtures, 'drift.ipynb');
const tsxCli = path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const runnerScript = path.join(root, 'scripts', 'execute-notebooks.ts');
const skip = process.env.FAULTLINE_SKIP_JUPYTER === '1';
const TIMEOUT_MS = 180_000;

interface RunResult {
  code: number | null;
  output: string;
}

/** Runs the real runner (tsx scripts/execute-notebooks.ts) and collects stdout+stderr. */
function runRunner(args: string[]): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsxCli, runnerScript, ...args], {
      cwd: root,
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe.skipIf(skip)('execute-notebooks runner', () => {
  let outDir = '';

  beforeAll(() => {
    expect(
      findJupyterPython(),
      'no python with notebook+nbclient+nbconvert: run `npm run setup` (or set FAULTLINE_SKIP_JUPYTER=1 to skip)',
    ).not.toBeNull();
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'faultline-exec-'));
  });

  afterAll(() => {
    if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
  });

  test(
    'a TypeScript error in cell 2 fails the run, names the notebook, cell and diagnostic, and later notebooks still run',
    async () => {
      const out = path.join(outDir, 'mixed');
      const { code, output } = await runRunner(['--out', out, '--timeout', '120', broken, ok]);

      expect(code, output).not.toBe(0);
      expect(output).toContain('broken.ipynb');
      expect(output).toMatch(/cell 2 of 3 \(index 1\)/);
      // The first source lines of the failing cell...
      expect(output).toContain("const broken: number = 'not a number';");
      // ...and tslab's diagnostic, which only ever appears on the cell's stderr.
      expect(output).toContain("Type 'string' is not assignable to type 'number'");
      // The run went on to ok.ipynb and summarized.
      expect(output).toMatch(/ok .*ok\.ipynb/);
      expect(output).toContain('2 notebooks executed, 1 failed');

      // Partial outputs of the failing notebook are kept for inspection: cell 1
      // ran, cell 2 holds the error, cell 3 never ran.
      const executed = JSON.parse(fs.readFileSync(path.join(out, 'broken.ipynb'), 'utf8'));
      const texts = executed.cells.map((cell: { outputs: { text?: string | string[] }[] }) =>
        cell.outputs.map((o) => (Array.isArray(o.text) ? o.text.join('') : o.text ?? '')).join(''),
      );
      expect(texts[0]).toContain('first cell ok: 42');
      expect(texts[1]).toContain("Type 'string' is not assignable to type 'number'");
      expect(texts[2]).toBe('');
      expect(fs.existsSync(path.join(out, 'broken.html'))).toBe(true);
    },
    TIMEOUT_MS,
  );

  test(
    'a clean notebook exits 0 and writes the executed .ipynb and an .html that keeps inline scripts',
    async () => {
      const out = path.join(outDir, 'ok');
      const { code, output } = await runRunner(['--out', out, ok]);

      expect(code, output).toBe(0);
      expect(output).toContain('1 notebook executed, 0 failed');

      const executed = JSON.parse(fs.readFileSync(path.join(out, 'ok.ipynb'), 'utf8'));
      const codeCells = executed.cells.filter((cell: { cell_type: string }) => cell.cell_type === 'code');
      expect(codeCells.map((cell: { execution_count: number | null }) => cell.execution_count)).toEqual([1, 2, 3]);
      expect(JSON.stringify(codeCells[0].outputs)).toContain('project: faultline');

      const html = fs.readFileSync(path.join(out, 'ok.html'), 'utf8');
      expect(html).toContain('<html');
      expect(html).toContain('hello from <b>ok.ipynb</b>');
      expect(html).toContain('<script>document.getElementById("fixture-html").dataset.ran = "yes";</script>');
      // The export skips nbconvert's validation after each preprocessor (slow with nbformat 5.5), nothing else:
      // it is what nbconvert's own HTMLExporter makes of the executed notebook.
      const theirs = spawnSync(
        findJupyterPython()!,
        [
          '-c',
          'import sys, nbformat; from nbconvert import HTMLExporter; e = HTMLExporter(); e.sanitize_html = False; ' +
            'sys.stdout.write(e.from_notebook_node(nbformat.read(sys.argv[1], as_version=4))[0])',
          path.join(out, 'ok.ipynb'),
        ],
        { encoding: 'utf8', maxBuffer: 64 << 20 },
      );
      expect(theirs.status, theirs.stderr).toBe(0);
      expect(html === theirs.stdout, 'the .html differs from nbconvert HTMLExporter on the executed .ipynb').toBe(true);
    },
    TIMEOUT_MS,
  );

  test(
    'a notebook whose prose quotes a number no output gives runs cleanly but fails the prose check',
    async () => {
      const out = path.join(outDir, 'drift');
      const { code, output } = await runRunner(['--out', out, drift]);
      expect(code, output).toBe(1);
      expect(output).toContain('1 notebook executed, 0 failed');
      expect(output).toMatch(/drift\.ipynb cell 1: 7 is in no output/);
      const skipped = await runRunner(['--out', out, '--no-prose-check', drift]);
      expect(skipped.code, skipped.output).toBe(0);
    },
    TIMEOUT_MS,
  );
});
