// The sandbox: the only process that ever loads a submission. Started by the
// grader's pipe thread (pipe-thread.js) as the unprivileged sandbox user,
// inside its own cgroup when the machine has one; requests arrive on fd 3,
// answers leave on fd 4, and nothing else comes back. What it sends is only
// data (membrane.ts), so whatever the submission does here can change its own
// answers, never the grader's verdicts.
//
// argv: <sandbox dir> <rules JSON>
import * as fs from 'node:fs';
import * as path from 'node:path';
import { installImportGuard, type ImportRules } from './guard';
import { Worker } from 'node:worker_threads';
import { Membrane } from './membrane';
import { Endpoint, LineReader, type Transport } from './rpc';

const IN = 3;
const OUT = 4;

/** Newline-framed messages over blocking file descriptors. */
function fdTransport(): Transport {
  const chunk = Buffer.alloc(1 << 16);
  const lines = new LineReader();
  return {
    send(text) {
      const buf = Buffer.from(text + '\n');
      for (let off = 0; off < buf.length; ) off += fs.writeSync(OUT, buf, off);
    },
    receive() {
      for (;;) {
        const line = lines.next();
        if (line !== undefined) return line;
        let n: number;
        try {
          n = fs.readSync(IN, chunk, 0, chunk.length, null);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'EAGAIN') {
            Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
            continue;
          }
          throw e;
        }
        if (n === 0) process.exit(0); // the grader is gone: so are we
        lines.push(chunk.subarray(0, n));
      }
    },
  };
}

/**
 * Dies with the grader: stdin is a pipe whose other end only the grader holds,
 * so it reaches end of file when the grader is gone, however it went (even
 * SIGKILL). The main thread is blocked in reads, so a thread watches it.
 */
function dieWithGrader(): void {
  const watcher = new Worker(
    "const fs = require('fs'); const b = Buffer.alloc(64);" +
      'for (;;) { let n = 0; try { n = fs.readSync(0, b, 0, 64, null); } catch (e) { if (e.code === "EAGAIN") continue; } if (n <= 0) break; }' +
      "process.kill(process.pid, 'SIGKILL');",
    { eval: true },
  );
  watcher.unref();
}

function main(): void {
  dieWithGrader();
  const [dir, rulesJson] = process.argv.slice(2);
  if (!dir || !rulesJson) throw new Error('usage: worker.ts <sandbox dir> <rules JSON>');
  const rules = JSON.parse(rulesJson) as ImportRules;
  const endpoint = new Endpoint(new Membrane(), fdTransport());
  let guarded = false;
  endpoint.extra = (req) => {
    if (req.k !== 'load') throw new Error(`sandbox: unknown request ${req.k}`);
    if (!/^[\w.-]+$/.test(req.exercise)) throw new Error(`sandbox: bad exercise id ${JSON.stringify(req.exercise)}`);
    if (!guarded) {
      installImportGuard(rules);
      guarded = true;
    }
    const file = path.join(dir, 'exercises', `${req.exercise}.ts`);
    if (!fs.existsSync(file)) throw new Error(`exercises/${req.exercise}.ts is missing`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ns = require(file) as Record<string, unknown>;
    // A plain copy: each export's value at load time (functions stay here as handles).
    const exports: Record<string, unknown> = {};
    for (const key of Object.keys(ns)) exports[key] = ns[key];
    return exports;
  };
  endpoint.serveForever();
}

main();
