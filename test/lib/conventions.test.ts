// One owner per convention, checked on the source of lib/ (the rule is in the
// README's library section, "Configs"):
// - an exported zod schema is named `FooSchema`;
// - what a caller writes (z.input) is named `…Config`, `…Options`, `…Input` or `…Patch`;
//   what a parse returns (z.output) is the plain name of the thing and never ends in `Input`;
//   a parsed type ending in Config/Options has its `…Input` twin (`NetworkConfig` / `NetworkConfigInput`);
// - no `as` cast to a schema's type: a parsed value is already a valid input;
// - a lesson builds its simulation with `simFromConfig`, not its own `createSim`.
import * as fs from 'fs';
import * as path from 'path';
import ts from 'typescript';
import { describe, expect, test } from 'vitest';

const root = path.resolve(__dirname, '..', '..');

type Source = { file: string; text: string };

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? tsFiles(p) : d.name.endsWith('.ts') ? [p] : [];
  });
}

const libSources = (): Source[] =>
  tsFiles(path.join(root, 'lib')).map((p) => ({ file: path.relative(root, p).split(path.sep).join('/'), text: fs.readFileSync(p, 'utf8') }));

const INPUT_NAME = /(Config|Options|Input|Patch)$/;
const isExported = (n: ts.Node): boolean =>
  ts.canHaveModifiers(n) && (ts.getModifiers(n) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);

/** `z.input<typeof S>` → ['input', 'S']; anything else → undefined. */
function zodTypeOf(t: ts.TypeNode, sf: ts.SourceFile): { side: 'input' | 'output'; schema: string } | undefined {
  if (!ts.isTypeReferenceNode(t) || !ts.isQualifiedName(t.typeName) || t.typeName.left.getText(sf) !== 'z') return undefined;
  const side = t.typeName.right.text;
  const arg = t.typeArguments?.[0];
  if (!arg || !ts.isTypeQueryNode(arg)) return undefined;
  if (side === 'input') return { side, schema: arg.exprName.getText(sf) };
  if (side === 'output' || side === 'infer') return { side: 'output', schema: arg.exprName.getText(sf) };
  return undefined;
}

/** A zod schema expression: a chain that starts at `z.` or at another `…Schema`. */
function isSchemaExpr(e: ts.Expression, sf: ts.SourceFile): boolean {
  let head: ts.Expression = e;
  while (ts.isCallExpression(head) || ts.isPropertyAccessExpression(head)) head = head.expression;
  return ts.isIdentifier(head) && (head.text === 'z' || /Schema$/.test(head.text)) && e.getText(sf) !== head.text;
}

/** The rule on naming, on its own: one line per name that breaks it. */
function namingViolations(sources: readonly Source[]): { bad: string[]; schemaTypes: Set<string> } {
  const bad: string[] = [];
  const schemaTypes = new Set<string>();
  for (const { file, text } of sources) {
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    const pairs: Array<{ name: string; side: 'input' | 'output'; schema: string }> = [];
    const visit = (n: ts.Node): void => {
      if (ts.isTypeAliasDeclaration(n)) {
        const z = zodTypeOf(n.type, sf);
        if (z) {
          schemaTypes.add(n.name.text);
          if (isExported(n)) pairs.push({ name: n.name.text, ...z });
        }
      }
      if (ts.isVariableStatement(n) && isExported(n)) {
        for (const d of n.declarationList.declarations) {
          if (ts.isIdentifier(d.name) && d.initializer && isSchemaExpr(d.initializer, sf) && !/Schema$/.test(d.name.text)) {
            bad.push(`${file}: exported schema ${d.name.text} is not named …Schema`);
          }
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
    for (const p of pairs) {
      if (p.side === 'input' && !INPUT_NAME.test(p.name)) bad.push(`${file}: ${p.name} is z.input of ${p.schema}: name it …Config, …Options or …Input`);
      if (p.side === 'output' && /Input$/.test(p.name)) bad.push(`${file}: ${p.name} is z.output of ${p.schema}: an …Input name is for what callers write`);
      if (p.side === 'output' && /(Config|Options)$/.test(p.name) && !pairs.some((q) => q.name === `${p.name}Input` && q.schema === p.schema && q.side === 'input')) {
        bad.push(`${file}: ${p.name} is z.output of ${p.schema}, named like an input: export its input as ${p.name}Input, or name it for the thing itself`);
      }
    }
  }
  return { bad, schemaTypes };
}

/** Files whose casts to a schema type are narrowings TypeScript cannot do itself, each with the reason. */
const CAST_OK: Record<string, string> = {
  'lib/core/network.ts': 'a value of Object.entries(patch) is a union of the fields; the object ones are distributions',
};

/** `x as Foo` where Foo is a schema's input or output type: the cast hides a real mismatch or is not needed. */
function castViolations(sources: readonly Source[], schemaTypes: ReadonlySet<string>): string[] {
  const bad: string[] = [];
  for (const { file, text } of sources) {
    if (file in CAST_OK) continue;
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    const visit = (n: ts.Node): void => {
      if (ts.isAsExpression(n) || ts.isTypeAssertionExpression(n)) {
        const t = n.type;
        const name = ts.isTypeReferenceNode(t) ? t.typeName.getText(sf) : '';
        if (schemaTypes.has(name) || zodTypeOf(t, sf)) {
          const line = sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
          bad.push(`${file}:${line}: cast to ${t.getText(sf)}`);
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  return bad;
}

function setupViolations(sources: readonly Source[]): string[] {
  return sources
    .filter((s) => s.file.startsWith('lib/models/') && s.file !== 'lib/models/experiment.ts')
    .filter((s) => /\bcreateSim\(/.test(s.text))
    .map((s) => `${s.file} calls createSim: extend ExperimentSchema and build the simulation with simFromConfig`);
}

describe('the rules, on their own', () => {
  const src = (text: string): Source[] => [{ file: 'lib/models/x.ts', text }];

  test('are a misnamed schema, input type and output type caught?', () => {
    const { bad } = namingViolations(
      src(`
        export const Knobs = z.object({ a: z.number() });
        export const KnobsSchema = z.object({ a: z.number().default(1) });
        export type Knobs = z.input<typeof KnobsSchema>;
        export type KnobsInput = z.output<typeof KnobsSchema>;
        export const WheelSchema = z.object({});
        export type WheelConfig = z.output<typeof WheelSchema>;`),
    );
    expect(bad).toHaveLength(4);
    expect(bad.join('\n')).toMatch(/schema Knobs is not named/);
    expect(bad.join('\n')).toMatch(/WheelConfig is z.output/);
  });

  test('do well-named pairs, a re-used schema and plain functions pass?', () => {
    const { bad } = namingViolations(
      src(`
        export const NetworkConfigSchema = z.object({});
        export type NetworkConfigInput = z.input<typeof NetworkConfigSchema>;
        export type NetworkConfig = z.output<typeof NetworkConfigSchema>;
        export const LinkSchema = NetworkConfigSchema.extend({ a: z.number() });
        export type Link = z.output<typeof LinkSchema>;
        export const parse = (x: unknown) => LinkSchema.parse(x);
        export const Alias = LinkSchema;`),
    );
    expect(bad).toEqual([]);
  });

  test('is a cast to a schema type caught, and one to another type let through?', () => {
    const sources = src('const a = cfg.x as DistributionInput; const b = <z.output<typeof S>>y; const c = y as Other;');
    expect(castViolations(sources, new Set(['DistributionInput']))).toHaveLength(2);
  });

  test('is a lesson with its own createSim caught?', () => {
    expect(setupViolations(src('const sim = createSim({ seed: cfg.seed });'))).toHaveLength(1);
    expect(setupViolations(src('const sim = simFromConfig(cfg);'))).toEqual([]);
  });
});

describe('lib/ follows one convention for configs', () => {
  const sources = libSources();
  const { bad, schemaTypes } = namingViolations(sources);

  test('are schemas named …Schema, inputs …Config/…Options/…Input, outputs for the thing itself?', () => {
    expect(schemaTypes.size).toBeGreaterThan(30); // the scan really sees lib's config types
    expect(bad).toEqual([]);
  });

  test('does no code cast a value to a schema type?', () => {
    expect(castViolations(sources, schemaTypes)).toEqual([]);
  });

  test('does every lesson build its simulation with simFromConfig?', () => {
    expect(setupViolations(sources)).toEqual([]);
  });
});
