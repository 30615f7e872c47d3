// Every public config is a zod schema, parsed once before anything runs.
// Wording of errors lives here, in one place: each issue becomes
// "✖ <rule> → at <path>", and all issues are reported together.
import { z } from 'zod';

export type ConfigIssue = { path: string; message: string };

export class ConfigError extends Error {
  readonly issues: ConfigIssue[];
  constructor(what: string, issues: ConfigIssue[]) {
    super(`Invalid ${what}:\n${issues.map((i) => `  ✖ ${i.message} → at ${i.path}`).join('\n')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/**
 * A run that cannot go on: time stopped advancing, a time or a sample is not
 * finite, a payload cannot be copied, a program broke the rules. `path` names
 * what is at fault (a node, a timer, a link, a schedule entry).
 */
export class SimulationError extends Error {
  readonly path: string;
  /** Virtual time when it happened, in ms. */
  readonly time: number;
  constructor(path: string, message: string, time: number) {
    super(`${message} → at ${path} (t=${time} ms)`);
    this.name = 'SimulationError';
    this.path = path;
    this.time = time;
  }
}

function pathOf(path: ReadonlyArray<PropertyKey>, root: string): string {
  let out = root;
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : `.${String(key)}`;
  return out;
}

type RawIssue = { code: string; path: PropertyKey[]; message: string; expected?: unknown; errors?: RawIssue[][] };

const rootTypeMismatch = (branch: RawIssue[]): boolean =>
  branch.every((i) => i.code === 'invalid_type' && i.path.length === 0);

/**
 * zod reports a failed union as one vague "Invalid input". Say instead what
 * went wrong in the branch the value was meant for (the one whose type it
 * has), or, when it has none of their types, which types were expected.
 */
function flatten(issue: RawIssue, prefix: PropertyKey[]): Array<{ path: PropertyKey[]; message: string }> {
  const path = [...prefix, ...issue.path];
  if (issue.code !== 'invalid_union' || !issue.errors || issue.errors.length === 0) return [{ path, message: issue.message }];
  const meant = issue.errors.find((b) => !rootTypeMismatch(b));
  if (meant) return meant.flatMap((i) => flatten(i, path));
  const expected = issue.errors.map((b) => b[0]?.expected).filter((e) => e !== undefined);
  return [{ path, message: `Invalid input: expected ${expected.join(' or ')}` }];
}

/** Parse `value` with `schema`, or throw a ConfigError listing every issue. */
export function parseConfig<S extends z.ZodTypeAny>(schema: S, value: unknown, what: string, root = what): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = (result.error.issues as unknown as RawIssue[]).flatMap((i) => flatten(i, []));
  throw new ConfigError(
    what,
    issues.map((i) => ({ path: pathOf(i.path, root), message: i.message })),
  );
}

/** Throw a ConfigError for a rule checked outside zod (e.g. an unknown node). */
export function configFail(what: string, path: string, message: string): never {
  throw new ConfigError(what, [{ path, message }]);
}

export const nonNegative = () => z.number().min(0);
export const probability = () => z.number().min(0).max(1);
