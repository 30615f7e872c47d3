// What the kernel type-checks cells against (jupyter/kernels/faultline/):
// lib's emitted declarations instead of its code (lib-declarations.cjs), and
// a few globals instead of @types/node (kernel-globals.d.ts). These tests
// show that a cell is still checked (a wrong config is an error), that what
// runs is still every module lib needs, that a file edited since the
// declarations were made is read as its source, that the declarations are
// kept and read back, not emitted again, and that cells keep the console and
// Node's modules.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const root = path.resolve(__dirname, '..', '..');
const kernelDir = path.join(root, 'jupyter', 'kernels', 'faultline');
const libDir = path.join(root, 'lib') + path.sep;
// tslab's TypeScript and the view, loaded without installing the kernel's hooks.
const ts = require(path.join(root, 'node_modules', '@tslab', 'typescript-for-tslab'));
const { libDeclarations, sourcesUnder } = require(path.join(kernelDir, 'lib-declarations.cjs'));

type ViewOf = (fileName: string, source: string) => string;

/** lib files reachable from `entry` by relative imports (type-only ones too: tslab's program follows them). */
function closure(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const f of ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true).importedFiles) {
      if (f.fileName.startsWith('.')) visit(path.resolve(path.dirname(file), `${f.fileName}.ts`));
    }
  };
  visit(entry);
  return [...seen];
}

describe('what the kernel checks cells against', () => {
  let cacheDir = '';
  let viewOf: ViewOf;

  beforeAll(() => {
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'faultline-decl-'));
    viewOf = libDeclarations(ts, libDir, cacheDir);
  }, 120_000);
  afterAll(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

  test('every lib file has declarations, which keep its relative imports', () => {
    for (const file of sourcesUnder(path.join(root, 'lib')) as string[]) {
      const source = fs.readFileSync(file, 'utf8');
      const view = viewOf(file, source);
      const rel = path.relative(root, file);
      expect(view, `${rel} is served as its source`).not.toBe(source);
      for (const f of ts.preProcessFile(source, true, true).importedFiles) {
        if (f.fileName.startsWith('.')) expect(view, `${rel} lost its import of ${f.fileName}`).toContain(`import '${f.fileName}';`);
      }
    }
    // Declarations, not code: a schema's type is written out, its body is gone.
    const retry = path.join(root, 'lib', 'models', 'retry.ts');
    const view = viewOf(retry, fs.readFileSync(retry, 'utf8'));
    expect(view).toMatch(/export declare const RetryPolicySchema: z\.ZodObject</);
    expect(view).not.toContain('z.object(');
  });

  test("zod's inferred aliases (type X = z.input<typeof Schema>) are written out as the types they stand for, and still check", () => {
    const sim = path.join(root, 'lib', 'core', 'sim.ts');
    const source = fs.readFileSync(sim, 'utf8');
    expect(source, 'the source still derives SimConfig from its schema').toMatch(/export type SimConfig = z\.input<typeof SimConfigSchema>;/);
    const view = viewOf(sim, source);
    expect(view).toMatch(/export type SimConfig = \{\s+seed: string \| number;\s+network\?: \{/);
    // A schema field's doc comment stays a doc comment (hover and completion show it).
    const parsed = ts.createSourceFile(sim, view, ts.ScriptTarget.ES2022, true);
    const docsOf = (name: string): string[] => {
      const found: string[] = [];
      const visit = (n: { kind: number; name?: { text?: string }; jsDoc?: Array<{ comment?: string }> }): void => {
        if (ts.isPropertySignature(n) && n.name?.text === name) found.push(...(n.jsDoc ?? []).map((d) => String(d.comment)));
        ts.forEachChild(n, visit);
      };
      visit(parsed.statements.find((st: { name?: { text?: string } }) => ts.isTypeAliasDeclaration(st) && st.name?.text === 'SimConfig'));
      return found;
    };
    expect(docsOf('links')).toEqual(['Per-link overrides of the defaults above.']);
    const left: string[] = [];
    const views = new Map<string, string>();
    for (const file of sourcesUnder(path.join(root, 'lib')) as string[]) {
      const text = viewOf(file, fs.readFileSync(file, 'utf8'));
      views.set(file, text);
      for (const line of text.split('\n')) if (/^export type \w+ = z\.(input|output|infer)</.test(line)) left.push(`${path.relative(root, file)}: ${line}`);
    }
    expect(left, 'aliases left as zod wrote them (each means a fallback: its file did not check written out)').toEqual([]);
    // Every file, as the kernel reads it, checks without an error.
    const options = { ...ts.getParsedCommandLineOfConfigFile(path.join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic() {} }).options, noEmit: true };
    const host = ts.createCompilerHost(options);
    const read = host.getSourceFile;
    host.getSourceFile = (name: string, lang: unknown, ...rest: unknown[]) => {
      const text = views.get(path.resolve(name));
      return text === undefined ? read(name, lang, ...rest) : ts.createSourceFile(name, text, lang);
    };
    const program = ts.createProgram([...views.keys()], options, host);
    const errors = [...program.getSyntacticDiagnostics(), ...program.getSemanticDiagnostics()].map(
      (d: { file?: { fileName: string }; messageText: unknown }) => `${d.file ? path.relative(root, d.file.fileName) : '?'}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`,
    );
    expect(errors).toEqual([]);
  }, 120_000);

  test('a file edited since the declarations were made is read as its source', () => {
    const file = path.join(root, 'lib', 'core', 'clock.ts');
    const edited = `${fs.readFileSync(file, 'utf8')}\nexport const addedByAStudent = 1;\n`;
    expect(viewOf(file, edited)).toBe(edited);
  });

  test('the declarations are kept on disk and read back, not emitted again', () => {
    const [kept, ...others] = fs.readdirSync(cacheDir).filter((f) => f.startsWith('lib-declarations-'));
    expect(kept, 'one declarations file').toBeDefined();
    expect(others).toEqual([]);
    // Mark one entry: a second view must serve the mark, so it read this file.
    const cached = JSON.parse(fs.readFileSync(path.join(cacheDir, kept!), 'utf8'));
    cached['core/stats.ts'].text = 'export declare const markedInTheCache: 1;';
    fs.writeFileSync(path.join(cacheDir, kept!), JSON.stringify(cached));
    const again: ViewOf = libDeclarations(ts, libDir, cacheDir);
    const stats = path.join(root, 'lib', 'core', 'stats.ts');
    expect(again(stats, fs.readFileSync(stats, 'utf8'))).toContain('markedInTheCache');
  });

  test("a copy of the course elsewhere (a workshop student's) finds the same declarations", () => {
    const copy = fs.mkdtempSync(path.join(cacheDir, 'copy-'));
    fs.cpSync(path.join(root, 'lib'), path.join(copy, 'lib'), { recursive: true });
    fs.copyFileSync(path.join(root, 'tsconfig.json'), path.join(copy, 'tsconfig.json'));
    const before = fs.readdirSync(cacheDir).filter((f) => f.startsWith('lib-declarations-'));
    const theirs: ViewOf = libDeclarations(ts, path.join(copy, 'lib') + path.sep, cacheDir);
    const stats = path.join(copy, 'lib', 'core', 'stats.ts');
    expect(theirs(stats, fs.readFileSync(stats, 'utf8'))).toMatch(/^export declare /m);
    expect(fs.readdirSync(cacheDir).filter((f) => f.startsWith('lib-declarations-')), 'no second emit').toEqual(before);
  });

  test('`node lib-declarations.cjs <root>` makes the declarations where the kernel looks for them (setup, the workshop)', () => {
    const cli = path.join(kernelDir, 'lib-declarations.cjs');
    const made = spawnSync(process.execPath, [cli, root], { encoding: 'utf8', timeout: 120_000 });
    expect(made.status, made.stderr).toBe(0);
    const kernelCache = path.join(root, 'node_modules', '.cache', 'faultline-tslab');
    const current: ViewOf = libDeclarations(ts, libDir, kernelCache);
    const stats = path.join(root, 'lib', 'core', 'stats.ts');
    expect(current(stats, fs.readFileSync(stats, 'utf8'))).toMatch(/^export declare function /m);
    // ...and tslab's TypeScript compiled, for V8's code cache (code-cache.cjs).
    expect(fs.readdirSync(kernelCache).some((f) => /^code-typescript\.js-.*\.bin$/.test(f))).toBe(true);
    const missing = spawnSync(process.execPath, [cli, path.join(cacheDir, 'no-course')], { encoding: 'utf8' });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('not made');
  }, 120_000);

  test("a big module (tslab's TypeScript) loads through V8's code cache, and a cache that does not fit is replaced", () => {
    const dir = fs.mkdtempSync(path.join(cacheDir, 'code-'));
    const mod = path.join(dir, 'big.js');
    fs.writeFileSync(mod, "exports.answer = 42; exports.twice = (x) => 2 * x; exports.self = require('path').basename(__filename);\n");
    const load = `const { requireWithCodeCache } = require(${JSON.stringify(path.join(kernelDir, 'code-cache.cjs'))});
      const m = requireWithCodeCache(${JSON.stringify(mod)}, ${JSON.stringify(path.join(dir, 'cache'))});
      console.log(JSON.stringify([m.answer, m.twice(4), m.self, require.cache[${JSON.stringify(mod)}].exports === m]));`;
    const run = () => spawnSync(process.execPath, ['-e', load], { encoding: 'utf8' });
    const cached = () => fs.readdirSync(path.join(dir, 'cache')).filter((f) => f.endsWith('.bin'));
    const first = run();
    expect(first.stdout.trim(), first.stderr).toBe('[42,8,"big.js",true]');
    expect(cached()).toHaveLength(1);
    const bin = path.join(dir, 'cache', cached()[0]!);
    const written = fs.readFileSync(bin);
    expect(run().stdout.trim()).toBe('[42,8,"big.js",true]');
    expect(fs.readFileSync(bin).equals(written), 'a cache that fits is kept as it is').toBe(true);
    fs.writeFileSync(bin, 'not a code cache');
    expect(run().stdout.trim()).toBe('[42,8,"big.js",true]');
    expect(fs.readFileSync(bin).toString()).not.toBe('not a code cache');
  });

  test('with the kernel installed, cells are checked against lib and every module lib needs is loaded', () => {
    // In a child process: install() replaces tslab's TypeScript in the require cache.
    const script = `
      process.chdir(${JSON.stringify(root)});
      require(${JSON.stringify(path.join(kernelDir, 'trusted-lib.cjs'))}).install(${JSON.stringify(root)});
      const { createConverter } = require(${JSON.stringify(path.join(root, 'node_modules', 'tslab', 'dist', 'converter.js'))});
      const c = createConverter();
      const first = c.convert('', "import { createSim, mean } from './lib/index';");
      const ok = c.convert(first.declOutput, 'const sim = createSim({ seed: 3, network: { loss: 0.1 } }); const m = mean([1, 2]);');
      const bad = c.convert(first.declOutput, "const sim = createSim({ seed: 3, network: { latency: 'fast' } });");
      const node = c.convert(first.declOutput, "import * as fs from 'fs'; import { join } from 'node:path'; console.table([{ a: 1 }]); setTimeout(() => {}, 1); const home: string = process.env.HOME; const t = fs.readFileSync(join('a', 'b'), 'utf8');");
      const wrong = c.convert(first.declOutput, "console.log(1); const n: number = 'one';");
      c.close();
      const messages = (d) => d.diagnostics.map((x) => x.messageText);
      // What tslab's compiler host reads for a lib file.
      const tsk = require(${JSON.stringify(path.join(root, 'node_modules', '@tslab', 'typescript-for-tslab'))});
      const host = tsk.createWatchCompilerHost([], {}, tsk.sys, undefined, () => {}, () => {});
      const read = host.readFile(${JSON.stringify(path.join(root, 'lib', 'core', 'stats.ts'))});
      console.log(JSON.stringify({ first: messages(first), ok: messages(ok), bad: messages(bad), node: messages(node), wrong: messages(wrong), loaded: first.sideOutputs.map((o) => o.path), read }));
    `;
    const r = spawnSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(out.read, 'the checker reads declarations').toMatch(/^export declare function /m);
    expect(out.first).toEqual([]);
    expect(out.ok).toEqual([]);
    expect(out.bad.join('\n')).toMatch(/Type 'string' is not assignable to type/);
    // The console, timers, process and Node's modules without @types/node; type errors still found.
    expect(out.node).toEqual([]);
    expect(out.wrong).toEqual(["Type 'string' is not assignable to type 'number'."]);
    const expected = closure(path.join(root, 'lib', 'index.ts')).map((f) => f.replace(/\.ts$/, '.js'));
    expect([...out.loaded].sort()).toEqual(expected.sort());
  }, 120_000);
});
