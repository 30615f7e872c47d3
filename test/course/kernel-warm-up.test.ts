// The kernel's warm-up (jupyter/kernels/faultline/warm-up.cjs): a new kernel
// compiles and loads lib/index and lib/plot/index before its first request, so
// a lesson's first cell finds them ready. These tests show that the warm-up
// goes through tslab's own executor (the one that runs the cells), compiles
// what a lesson's first import needs, declares and prints nothing, and that a
// first cell after it compiles no lib file again; and that a warm-up that
// fails stays quiet.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, test } from 'vitest';

const root = path.resolve(__dirname, '..', '..');
const kernelDir = path.join(root, 'jupyter', 'kernels', 'faultline');
const { warmUp, WARM_UP_SOURCE } = require(path.join(kernelDir, 'warm-up.cjs')) as {
  warmUp: (executor: { execute(src: string): unknown }) => Promise<boolean>;
  WARM_UP_SOURCE: string;
};

describe('the kernel warm-up', () => {
  test('compiles and loads what a first cell imports through tslab\'s executor, declaring and printing nothing; the first cell then compiles no lib file', () => {
    // In a child process, as launch.cjs does it: the kernel's hooks, then the warm-up, then tslab's executor.
    const script = `
      process.chdir(${JSON.stringify(root)});
      require(${JSON.stringify(path.join(kernelDir, 'trusted-lib.cjs'))}).install(${JSON.stringify(root)});
      const warm = require(${JSON.stringify(path.join(kernelDir, 'warm-up.cjs'))}).install(${JSON.stringify(root)});
      const { createConverter } = require(${JSON.stringify(path.join(root, 'node_modules', 'tslab', 'dist', 'converter.js'))});
      const { createExecutor } = require(${JSON.stringify(path.join(root, 'node_modules', 'tslab', 'dist', 'executor.js'))});
      const conv = createConverter();
      const converted = [];
      const convert = conv.convert.bind(conv);
      conv.convert = (prev, src) => {
        const out = convert(prev, src);
        converted.push({ src, compiled: (out.sideOutputs || []).map((o) => o.path) });
        return out;
      };
      const printed = [];
      const executor = createExecutor(process.cwd(), { node: conv, browser: conv, close() {} }, {
        log: (...a) => printed.push(a.join(' ')),
        error: (...a) => printed.push(a.join(' ')),
      });
      (async () => {
        const warmed = await warm();
        const afterWarmUp = { printed: [...printed], locals: Object.keys(executor.locals) };
        const first = await executor.execute("import { createSim } from './lib/index';\\nconst now = createSim({ seed: 1 }).run({ until: 10 }).now;");
        console.log(JSON.stringify({ warmed, afterWarmUp, first, now: executor.locals.now, converted }));
        conv.close();
      })();
    `;
    const r = spawnSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(out.warmed, 'the warm-up compiled and ran').toBe(true);
    expect(out.converted[0].src).toBe(WARM_UP_SOURCE);
    const compiled = (out.converted[0].compiled as string[]).map((p) => path.relative(root, p));
    expect(compiled).toEqual(expect.arrayContaining([path.join('lib', 'index.js'), path.join('lib', 'plot', 'index.js'), path.join('lib', 'core', 'sim.js')]));
    expect(out.afterWarmUp, 'the warm-up declares and prints nothing').toEqual({ printed: [], locals: [] });
    expect(out.first, 'the first cell runs').toBe(true);
    expect(out.now, 'and its code ran').toBe(10);
    expect(out.converted[1].compiled, 'no lib file is compiled again for the first cell').toEqual([]);
  }, 120_000);

  test('a warm-up that throws, rejects or does not compile resolves false, and nothing escapes', async () => {
    expect(await warmUp({ execute: () => { throw new Error('no'); } })).toBe(false);
    expect(await warmUp({ execute: () => Promise.reject(new Error('no')) })).toBe(false);
    expect(await warmUp({ execute: async () => false })).toBe(false);
    expect(await warmUp({ execute: async () => true })).toBe(true);
  });

  test('the launcher warms the kernel up after tslab has started and before it reads a request', () => {
    const launcher = fs.readFileSync(path.join(kernelDir, 'launch.cjs'), 'utf8');
    const at = (s: string) => launcher.indexOf(s);
    expect(at("require('./warm-up.cjs').install(root)")).toBeGreaterThan(at("require('./trusted-lib.cjs').install(root)"));
    expect(at('startKernel(')).toBeGreaterThan(at("require('./warm-up.cjs').install(root)"));
    expect(at('warmUp();')).toBeGreaterThan(at('startKernel('));
  });
});
