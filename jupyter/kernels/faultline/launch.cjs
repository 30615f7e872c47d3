// Starts tslab at the project root, whatever folder Jupyter launched us in:
// tslab compiles cells with rootDir = cwd, so notebooks in notebooks/ can only
// import ./lib/... when the kernel runs from the root.
const path = require('path');
const root = path.resolve(__dirname, '..', '..', '..');
const connectionFile = process.argv[2];
if (!connectionFile) {
  console.error('usage: launch.cjs <connection_file>');
  process.exit(2);
}
process.chdir(root);
// Before tslab loads: lib/ is transpiled, not type-checked again (see trusted-lib.cjs).
require('./trusted-lib.cjs').install(root);
const warmUp = require('./warm-up.cjs').install(root);
const { startKernel } = require(path.join(root, 'node_modules', 'tslab', 'dist', 'main.js'));
startKernel({ configPath: path.resolve(connectionFile), enableFindLocal: false });
// Before any request is read: lib is compiled and loaded while the student reads (see warm-up.cjs).
warmUp();
