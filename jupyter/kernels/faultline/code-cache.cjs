// Loads a big CommonJS module with V8's code cache: every kernel loads
// tslab's TypeScript (8 MB of JavaScript), and compiling it took ~0.2 s of
// each kernel's start; with the cache it is read back already compiled.
// (Node 20 has no module compile cache of its own: that is Node 22's
// module.enableCompileCache.) V8 checks the cache against the source and
// its own version and flags, and rejects one that does not fit: the module
// is then compiled as usual and the cache written again.
const fs = require('fs');
const path = require('path');
const vm = require('vm');
const Module = require('module');
const { keepFile } = require('./cache-file.cjs');

/** `require(id)` (an absolute path to a .js file), compiled from a code cache in `cacheDir` when there is one. */
function requireWithCodeCache(id, cacheDir) {
  if (require.cache[id]) return require.cache[id].exports;
  const source = fs.readFileSync(id, 'utf8');
  const st = fs.statSync(id);
  const file = path.join(cacheDir, `code-${path.basename(id)}-${process.version}-${process.arch}-${st.size}-${Math.round(st.mtimeMs)}.bin`);
  let cachedData;
  try {
    cachedData = fs.readFileSync(file);
  } catch {
    // not cached yet
  }
  const script = new vm.Script(Module.wrap(source), { filename: id, cachedData });
  const mod = new Module(id, module);
  mod.filename = id;
  mod.paths = Module._nodeModulePaths(path.dirname(id));
  require.cache[id] = mod; // as require does: a cycle back to it gets the partial exports
  try {
    script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(id), mod, id, path.dirname(id));
  } catch (e) {
    delete require.cache[id];
    throw e;
  }
  mod.loaded = true;
  if (cachedData === undefined || script.cachedDataRejected) keepFile(file, script.createCachedData());
  return mod.exports;
}

module.exports = { requireWithCodeCache };
