// Check a recorded history for linearizability.
//   npm run linearizable -- [--model register|kv] [--init <JSON>] [--budget <steps>] <history.json>
// The file holds `{ "ops": [...] }` or a bare array of Jepsen-style ops
// ({ process, type: invoke|ok|fail|info, f, value, time? }).
// Exit code: 0 linearizable, 1 not, 2 unknown within the budget or invalid input.
import { readFileSync } from 'node:fs';
import { ConfigError } from '../lib/core/config';
import { parseHistory } from '../lib/checking/history';
import { checkLinearizability, formatLinearizability, kvModel, registerModel } from '../lib/checking/linearizability';

const USAGE = 'usage: npm run linearizable -- [--model register|kv] [--init <JSON value, default null>] [--budget <search steps>] <history.json>';

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

function parseArgs(argv: string[]): { model: 'register' | 'kv'; init: unknown; budget?: number; file: string } {
  let model: 'register' | 'kv' = 'register';
  let init: unknown = null;
  let budget: number | undefined;
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => argv[++i] ?? fail(`${a} needs a value\n${USAGE}`);
    if (a === '--model') {
      const m = value();
      if (m !== 'register' && m !== 'kv') fail(`--model must be register or kv, got '${m}'`);
      model = m;
    } else if (a === '--init') {
      const text = value();
      try {
        init = JSON.parse(text);
      } catch {
        fail(`--init must be a JSON value (e.g. 0, null, "a"), got '${text}'`);
      }
    } else if (a === '--budget') {
      const text = value();
      budget = Number(text);
      if (!Number.isInteger(budget) || budget < 1) fail(`--budget must be a whole number of search steps ≥ 1, got '${text}'`);
    } else if (a === '--help' || a === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (a.startsWith('--')) fail(`unknown option ${a}\n${USAGE}`);
    else files.push(a);
  }
  if (files.length !== 1) fail(`give exactly one history file${files.length ? ` (got ${files.join(', ')})` : ''}\n${USAGE}`);
  return { model, init, budget, file: files[0]! };
}

const args = parseArgs(process.argv.slice(2));
let text: string;
try {
  text = readFileSync(args.file, 'utf8');
} catch (err) {
  fail(`cannot read ${args.file}: ${(err as Error).message}`);
}
let json: unknown;
try {
  json = JSON.parse(text);
} catch (err) {
  fail(`${args.file} is not JSON: ${(err as Error).message}`);
}
try {
  const history = parseHistory(json);
  const model = args.model === 'kv' ? kvModel(args.init) : registerModel(args.init);
  const result = checkLinearizability(history, model, {
    ...(args.budget !== undefined ? { maxSteps: args.budget } : {}),
  });
  console.log(formatLinearizability(result));
  process.exit(result.valid === true ? 0 : result.valid === false ? 1 : 2);
} catch (err) {
  if (err instanceof ConfigError) fail(`${args.file}: ${err.message}`);
  throw err;
}
