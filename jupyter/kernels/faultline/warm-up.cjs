// Gets a new kernel ready for a lesson's first cell while the student reads.
// The first cell that imports the course library pays for compiling it and
// for loading it and zod: about 1.5 s on an idle 2-core machine, against
// 0.2-0.5 s for the same cell once lib/index and lib/plot/index (what every
// lesson imports, directly or through its models) are in. So the launcher
// imports those two as soon as tslab is up, through tslab's own executor:
// its compiled modules and its type checker's files are then the ones the
// first cell uses. It runs before the kernel answers any request (the
// sockets are bound; requests wait), so a cell never interleaves with it; a
// Run All gains nothing (the kernel answers ~1 s later, the first cell is
// ~1 s shorter). It declares nothing and prints nothing; if lib does not
// compile, it stays quiet and the first cell shows why.
const path = require('path');

const WARM_UP_SOURCE = "import './lib/index';\nimport './lib/plot/index';\n";

/** Run the warm-up on a tslab executor; resolves true if it compiled and ran, false otherwise (never rejects). */
function warmUp(executor) {
  try {
    return Promise.resolve(executor.execute(WARM_UP_SOURCE)).then(
      (ok) => ok === true,
      () => false,
    );
  } catch {
    return Promise.resolve(false);
  }
}

/**
 * Call before tslab's startKernel: keeps the executor it makes. Returns the
 * function that warms that executor up (a no-op if tslab made none).
 */
function install(root) {
  const executorModule = require(path.join(root, 'node_modules', 'tslab', 'dist', 'executor.js'));
  const createExecutor = executorModule.createExecutor;
  let executor = null;
  executorModule.createExecutor = (...args) => {
    executor = createExecutor(...args);
    return executor;
  };
  return () => (executor ? warmUp(executor) : Promise.resolve(false));
}

module.exports = { install, warmUp, WARM_UP_SOURCE };
