// The kernel's caches (transpiled lib files, lib's declarations, V8's code
// cache of TypeScript) live in node_modules/.cache/faultline-tslab. Each file
// is written whole, under a temporary name and then renamed, so kernels
// started side by side never read half of one; and a cache that cannot be
// written (read-only, full) only makes the next kernel slower.
const fs = require('fs');
const path = require('path');

function keepFile(file, data) {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temp, data);
    fs.renameSync(temp, file);
  } catch {
    // read-only or full: made again next time
  }
}

module.exports = { keepFile };
