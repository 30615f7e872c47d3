// Makes tslab compile the course library the cheap way. For every cell that
// imports a lib/ file, tslab (1.0.22) type-checks that file and everything it
// imports, emits each one with declarations (a second full check), and runs
// the emitted JavaScript through ts.transpileModule again to make it CommonJS:
// about 7 s of one core for a lesson's first import cell, most of the course's
// compile time. lib/ is already type-checked as a whole by `npm run typecheck`
// (tsconfig.json, the TypeScript tslab bundles), and it compiles file by file
// (`tsc --isolatedModules` is clean), so here its files are transpiled alone,
// straight to CommonJS, and not checked again. Cells themselves, exercises/ and
// solutions/ are still checked as before: a student's type error still shows.
// What they are checked against is lib's declarations, read instead of its
// code (lib-declarations.cjs): the same types, without inferring them again.
// Also, no @types package is loaded globally (tslab loads every one: node,
// chai, plotly.js, ...; modules still import theirs): cells get the few
// globals of kernel-globals.d.ts.
//
// tslab requires '@tslab/typescript-for-tslab', whose exports are read-only
// getters; so install() puts an object in its place in the require cache that
// forwards every export (own getters: tslab copies only own properties) and
// overrides the few below. It must run before tslab
// is loaded (launch.cjs calls it first).
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { keepFile } = require('./cache-file.cjs');
const { requireWithCodeCache } = require('./code-cache.cjs');
const { libDeclarations } = require('./lib-declarations.cjs');

function install(root) {
  const id = require.resolve(path.join(root, 'node_modules', '@tslab', 'typescript-for-tslab'));
  const cacheDir = path.join(root, 'node_modules', '.cache', 'faultline-tslab');
  const real = requireWithCodeCache(id, cacheDir);
  const ts = {};
  for (const name of Object.keys(real)) {
    Object.defineProperty(ts, name, { get: () => real[name], enumerable: true, configurable: true });
  }
  const override = (name, value) => Object.defineProperty(ts, name, { value, enumerable: true });
  require.cache[id].exports = ts;
  const libDir = path.join(root, 'lib') + path.sep;
  const trusted = (fileName) =>
    path.normalize(fileName).startsWith(libDir) && fileName.endsWith('.ts') && !fileName.endsWith('.d.ts');

  // CommonJS we produced, which tslab's esModuleToCommonJSModule would transpile again.
  const alreadyCommonJs = new Set();
  const transpileModule = real.transpileModule;
  override('transpileModule', (input, options) => {
    if (alreadyCommonJs.has(input)) return { outputText: input, diagnostics: [], sourceMapText: undefined };
    return transpileModule(input, options);
  });

  const getPreEmitDiagnosticsOfFiles = real.getPreEmitDiagnosticsOfFiles;
  override('getPreEmitDiagnosticsOfFiles', (program, files, token) =>
    getPreEmitDiagnosticsOfFiles(
      program,
      files.filter((file) => !trusted(file.fileName)),
      token,
    ),
  );

  // The checker reads lib's declarations, not its code (lib-declarations.cjs);
  // what runs is transpiled from the source, kept here as it was read.
  const viewOf = libDeclarations(real, libDir, cacheDir);
  const sources = new Map();
  // Cells see a few globals (kernel-globals.d.ts), not @types/node, and
  // Node's modules as untyped ones: the same imports work, parsed in no time.
  const globals = path.join(__dirname, 'kernel-globals.d.ts');
  const nodeModules = require('module')
    .builtinModules.filter((m) => !m.startsWith('_'))
    .map((m) => `declare module '${m}';\ndeclare module 'node:${m}';`)
    .join('\n');
  const createWatchCompilerHost = real.createWatchCompilerHost;
  override('createWatchCompilerHost', (rootFiles, options, ...rest) => {
    const host = createWatchCompilerHost([...rootFiles, globals], { ...options, types: [] }, ...rest);
    const readFile = host.readFile.bind(host);
    host.readFile = (fileName, encoding) => {
      const text = readFile(fileName, encoding);
      if (text !== undefined && path.normalize(fileName) === globals) return `${text}\n${nodeModules}\n`;
      if (text === undefined || !trusted(fileName)) return text;
      sources.set(path.normalize(fileName), text);
      return viewOf(fileName, text);
    };
    return host;
  });

  const createWatchProgram = real.createWatchProgram;
  override('createWatchProgram', (host) => {
    const afterProgramCreate = host.afterProgramCreate;
    host.afterProgramCreate = function (builder) {
      wrapEmit(builder, builder.getCompilerOptions());
      return afterProgramCreate.call(this, builder);
    };
    return createWatchProgram(host);
  });

  function wrapEmit(builder, options) {
    const emit = builder.emit.bind(builder);
    builder.emit = (target, writeFile, token, dtsOnly, transformers) => {
      if (!target || !writeFile || dtsOnly || !trusted(target.fileName)) {
        return emit(target, writeFile, token, dtsOnly, transformers);
      }
      const rel = path.relative(options.rootDir, target.fileName).replace(/\.ts$/, '.js');
      const js = cachedTranspile(sources.get(path.normalize(target.fileName)) ?? target.text, {
        module: ts.ModuleKind.CommonJS,
        target: options.target,
        esModuleInterop: true,
        noImplicitUseStrict: true,
        newLine: ts.NewLineKind.LineFeed,
      });
      alreadyCommonJs.add(js);
      writeFile(path.join(options.outDir, rel), js, false);
      return { emitSkipped: false, diagnostics: [] };
    };
  }

  // Transpiling is still ~50 ms a file (a throwaway program each time), and every
  // kernel needs the same files: keep the output on disk, named by a hash of
  // everything it depends on. A cache that cannot be written is only slower.
  function cachedTranspile(text, compilerOptions) {
    const key = crypto
      .createHash('sha256')
      .update(`${real.version}\0${JSON.stringify(compilerOptions)}\0${text}`)
      .digest('hex');
    const file = path.join(cacheDir, `${key}.js`);
    try {
      return fs.readFileSync(file, 'utf8');
    } catch {
      // not cached yet
    }
    const js = transpileModule(text, { compilerOptions }).outputText;
    keepFile(file, js);
    return js;
  }
}

module.exports = { install };
