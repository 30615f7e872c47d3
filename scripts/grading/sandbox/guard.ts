// What a submission may import, checked where it imports. A refusal is an
// error at load time that names the import and says why, so an honest mistake
// costs one exercise and a clear message. It is a courtesy, not the wall: code
// in the sandbox can get around anything in its own process; what it cannot
// get around is the operating system (another user, no read access to
// solutions/ or hidden tests, a cgroup).
import * as path from 'node:path';
// eslint-disable-next-line @typescript-eslint/no-require-imports
import Module = require('node:module');

export interface ImportRules {
  /** The course root (as seen by the sandbox). */
  root: string;
  /** The folder holding the submission's files. */
  submission: string;
  /** Exercise id, for messages. */
  exercise: string;
  /** Library exports this exercise puts off limits (it asks you to write them). */
  offLimits: string[];
}

/** Modules no submission needs: the test machinery, and ways out of the process. */
const REFUSED_PACKAGES: Record<string, string> = {
  vitest: 'the test framework',
  '@vitest': 'the test framework',
  chai: 'the assertion library',
  'fast-check': 'a testing library',
  tinyspy: 'the test framework',
  child_process: 'starting processes',
  cluster: 'starting processes',
  inspector: 'the debugger',
};

/** Course folders a submission has no business in. */
const REFUSED_FOLDERS: Record<string, string> = {
  solutions: 'the reference solutions',
  test: 'the graders and tests',
  scripts: 'the course tooling',
  bench: 'the benchmarks',
};

type Resolver = (request: string, parent: { filename?: string | null } | undefined, ...rest: unknown[]) => string;
type Loader = (request: string, parent: { filename?: string | null } | undefined, ...rest: unknown[]) => unknown;

export function installImportGuard(rules: ImportRules): void {
  const mod = Module as unknown as { _resolveFilename: Resolver; _load: Loader };
  const resolve = mod._resolveFilename;
  const load = mod._load;
  const submission = path.resolve(rules.submission) + path.sep;
  const lib = path.join(path.resolve(rules.root), 'lib') + path.sep;
  const fromSubmission = (parent: { filename?: string | null } | undefined) =>
    !!parent?.filename && parent.filename.startsWith(submission);

  const refuse = (request: string, why: string): never => {
    throw new Error(
      `exercises/${rules.exercise}.ts may not import "${request}" (${why}). ` +
        'A submission may import the course library (lib/) and files next to it.',
    );
  };

  mod._resolveFilename = function (request, parent, ...rest) {
    if (fromSubmission(parent)) {
      const bare = request.replace(/^node:/, '');
      const pkg = bare.startsWith('@') ? bare.split('/')[0]! : bare.split('/')[0]!;
      if (Object.hasOwn(REFUSED_PACKAGES, pkg)) refuse(request, REFUSED_PACKAGES[pkg]!);
    }
    const resolved = resolve.call(this, request, parent, ...rest);
    if (fromSubmission(parent) && path.isAbsolute(resolved)) {
      const rel = path.relative(rules.root, resolved).split(path.sep);
      if (!rel[0]!.startsWith('..') && Object.hasOwn(REFUSED_FOLDERS, rel[0]!)) {
        refuse(request, REFUSED_FOLDERS[rel[0]!]!);
      }
    }
    return resolved;
  };

  if (rules.offLimits.length === 0) return;
  const off = new Set(rules.offLimits);
  // A library module imported straight from the submission comes back as a
  // copy whose off-limits exports throw when used, with the reason.
  mod._load = function (request, parent, ...rest) {
    const real = load.call(this, request, parent, ...rest);
    if (!fromSubmission(parent) || !real || typeof real !== 'object') return real;
    let file: string;
    try {
      file = resolve.call(this, request, parent);
    } catch {
      return real;
    }
    if (!file.startsWith(lib)) return real;
    const names = Object.keys(real as object).filter((k) => off.has(k));
    if (names.length === 0) return real;
    const view: Record<string, unknown> = {};
    for (const key of Object.keys(real as object)) {
      if (off.has(key)) {
        Object.defineProperty(view, key, {
          enumerable: true,
          get: () =>
            refuse(`${key}" from "${request}`, `exercise ${rules.exercise} asks you to write ${key} yourself; the library's copy is off limits`),
        });
      } else {
        Object.defineProperty(view, key, { enumerable: true, get: () => (real as Record<string, unknown>)[key] });
      }
    }
    return view;
  };
}
