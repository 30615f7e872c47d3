// lib/ is layered: core (the simulator) knows nothing of lessons; models (the
// lessons' protocols) build on core; checking (checkers, shrinker) reads
// traces of models; plot draws traces and histories and knows no model at all. This test
// reads every import and fails on one that crosses a layer the wrong way, on a
// lib/ file over 600 lines, and on wall-clock time or unseeded randomness in lib/.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import ts from 'typescript';
import { describe, expect, test } from 'vitest';

/** One import or re-export: the importing file and the file or folder it names, both relative to the repo root. */
type ImportEdge = { from: string; target: string; typeOnly: boolean };

const root = path.resolve(__dirname, '..', '..');
const MAX_LINES = 600;

/** Which layers each layer may import (relative imports only; npm packages are not checked). */
const ALLOWED: Record<string, readonly string[]> = {
  'lib/core': ['lib/core'],
  'lib/models': ['lib/core', 'lib/models'],
  'lib/checking': ['lib/core', 'lib/models', 'lib/checking'],
  'lib/plot': ['lib/plot'],
};
/** plot may name the types of what it draws (a trace, a history of operations), and nothing else of the simulator. */
const PLOT_TYPES = ['lib/core/trace', 'lib/checking/history'];

const layerOf = (file: string): string | undefined => Object.keys(ALLOWED).find((l) => file.startsWith(`${l}/`));
const under = (file: string, dir: string): boolean => file === dir || file.startsWith(`${dir}/`);

/** The rule, on its own: every edge that breaks a layer, as one line each. */
function layerViolations(edges: readonly ImportEdge[], isFolder: (target: string) => boolean = () => false): string[] {
  const bad: string[] = [];
  for (const e of edges) {
    const says = `${e.from} imports ${e.target}`;
    if (under(e.from, 'lib')) {
      if (!under(e.target, 'lib')) {
        bad.push(`${says}: lib/ never imports exercises/, solutions/, scripts/, test/ or anything else outside lib/`);
        continue;
      }
      const layer = layerOf(e.from);
      if (layer === undefined) continue; // lib/index.ts, lib/plot.ts, lib/exercise.ts: the doors, above every layer
      const ok =
        ALLOWED[layer]!.some((l) => under(e.target, l)) || (layer === 'lib/plot' && e.typeOnly && PLOT_TYPES.includes(e.target));
      if (!ok) bad.push(`${says}: ${layer} may import only ${ALLOWED[layer]!.join(', ')}${layer === 'lib/plot' ? ` (and types of ${PLOT_TYPES.join(', ')})` : ''}`);
    } else if (under(e.from, 'bench') && under(e.target, 'lib')) {
      if (isFolder(e.target) || path.posix.basename(e.target) === 'index') bad.push(`${says}: bench/ imports lib/ by module file, not through a folder index`);
    }
  }
  return bad;
}

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? tsFiles(p) : /\.m?ts$/.test(d.name) && !d.name.endsWith('.d.ts') ? [p] : [];
  });
}

const rel = (p: string): string => path.relative(root, p).split(path.sep).join('/');

/** Relative imports and re-exports of one file, with whether they bring in types only. */
function importsOf(file: string): ImportEdge[] {
  const src = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, false);
  const edges: ImportEdge[] = [];
  const add = (spec: ts.Expression | undefined, typeOnly: boolean): void => {
    if (!spec || !ts.isStringLiteral(spec) || !spec.text.startsWith('.')) return;
    edges.push({ from: rel(file), target: rel(path.resolve(path.dirname(file), spec.text)).replace(/\.m?[jt]s$/, ''), typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const c = node.importClause;
      const named = c?.namedBindings && ts.isNamedImports(c.namedBindings) ? c.namedBindings.elements : undefined;
      const typeOnly = !!c && (c.isTypeOnly || (!c.name && !!named && named.length > 0 && named.every((el) => el.isTypeOnly)));
      add(node.moduleSpecifier, typeOnly);
    } else if (ts.isExportDeclaration(node)) {
      add(node.moduleSpecifier, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))) {
      add(node.arguments[0], false);
    }
    ts.forEachChild(node, visit);
  };
  visit(src);
  return edges;
}

/** The source with comments blanked out (newlines kept, so line numbers hold). */
const withoutComments = (src: string): string =>
  src.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, (c) => c.replace(/[^\n]/g, ' '));

const libFiles = tsFiles(path.join(root, 'lib'));
const isFolder = (target: string): boolean => fs.existsSync(path.join(root, target, 'index.ts'));

describe('the layer rule', () => {
  const edge = (from: string, target: string, typeOnly = false): ImportEdge => ({ from, target, typeOnly });

  test('does it pass imports that go down the layers?', () => {
    expect(
      layerViolations([
        edge('lib/models/lease.ts', 'lib/core/sim'),
        edge('lib/checking/checkers.ts', 'lib/models/storage'),
        edge('lib/plot/spacetime.ts', 'lib/core/trace', true),
        edge('lib/plot/ops-history.ts', 'lib/checking/history', true),
        edge('lib/index.ts', 'lib/models/ntp'),
        edge('bench/run.ts', 'lib/core/sim'),
      ]),
    ).toEqual([]);
  });

  test('does it catch each way up or out?', () => {
    const bad = layerViolations(
      [
        edge('lib/core/sim.ts', 'lib/models/election'),
        edge('lib/models/capstone.ts', 'lib/checking/checkers'),
        edge('lib/plot/charts.ts', 'lib/core/trace'), // a value import of the trace module
        edge('lib/plot/charts.ts', 'lib/models/logical', true),
        edge('lib/plot/ops-history.ts', 'lib/checking/linearizability', true),
        edge('lib/plot/ops-history.ts', 'lib/checking/history'), // a value import of the history module
        edge('lib/checking/shrink.ts', 'lib/plot/figure'),
        edge('lib/models/retry.ts', 'exercises/02-unreliable-networks'),
        edge('lib/index.ts', 'solutions/01-partial-failures'),
        edge('bench/run.ts', 'lib'),
        edge('bench/run.ts', 'lib/index'),
      ],
      (t) => t === 'lib',
    );
    expect(bad.map((b) => b.split(':')[0])).toEqual([
      'lib/core/sim.ts imports lib/models/election',
      'lib/models/capstone.ts imports lib/checking/checkers',
      'lib/plot/charts.ts imports lib/core/trace',
      'lib/plot/charts.ts imports lib/models/logical',
      'lib/plot/ops-history.ts imports lib/checking/linearizability',
      'lib/plot/ops-history.ts imports lib/checking/history',
      'lib/checking/shrink.ts imports lib/plot/figure',
      'lib/models/retry.ts imports exercises/02-unreliable-networks',
      'lib/index.ts imports solutions/01-partial-failures',
      'bench/run.ts imports lib',
      'bench/run.ts imports lib/index',
    ]);
  });

  test('does the import reader see type-only imports, re-exports and require()?', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faultline-layers-'));
    try {
      const file = path.join(dir, 'probe.ts');
      fs.writeFileSync(
        file,
        "import type { A } from './a';\nimport { type B } from './b';\nimport { c, type C } from './c';\nexport * from './d';\nconst e = require('./e');\nimport x from 'zod';\n",
      );
      const base = rel(dir);
      expect(importsOf(file).map((e) => [e.target.slice(base.length + 1), e.typeOnly])).toEqual([
        ['a', true],
        ['b', true],
        ['c', false],
        ['d', false],
        ['e', false],
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('lib/ as it is', () => {
  test('does every import in lib/ and bench/ respect the layers?', () => {
    const edges = [...libFiles, ...tsFiles(path.join(root, 'bench'))].flatMap(importsOf);
    expect(edges.length).toBeGreaterThan(50);
    const bad = layerViolations(edges, isFolder);
    expect(bad, bad.join('\n')).toEqual([]);
  }, 30_000);

  test(`is every file in lib/ at most ${MAX_LINES} lines?`, () => {
    const long = libFiles
      .map((f) => [rel(f), fs.readFileSync(f, 'utf8').split('\n').length] as const)
      .filter(([, n]) => n > MAX_LINES)
      .map(([f, n]) => `${f}: ${n} lines (split it by what it models)`);
    expect(long, long.join('\n')).toEqual([]);
  });

  test('does lib/ stay off wall-clock time and unseeded randomness (Math.random, Date.now, new Date(), performance.now)?', () => {
    const banned = /\bMath\.random\b|\bDate\.now\b|\bnew Date\(\s*\)|\bperformance\.now\b/;
    const hits = libFiles.flatMap((f) =>
      withoutComments(fs.readFileSync(f, 'utf8'))
        .split('\n')
        .map((line, i) => [line, i + 1] as const)
        .filter(([line]) => banned.test(line))
        .map(([line, n]) => `${rel(f)}:${n}: ${line.trim()}`),
    );
    expect(hits, `use the run's seeded streams (lib/core/random.ts) and sim time instead:\n${hits.join('\n')}`).toEqual([]);
  });
});
