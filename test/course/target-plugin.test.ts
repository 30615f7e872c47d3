import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { describe, expect, test } from 'vitest';
import { importedNames } from '../../scripts/grading/target-plugin';

const root = path.resolve(__dirname, '..', '..');

/** What the TypeScript parser says a file imports from `source`: the reference for the pattern. */
function parsedNames(code: string, source: string): string[] {
  const file = ts.createSourceFile('grader.ts', code, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const names: string[] = [];
  for (const st of file.statements) {
    if (!ts.isImportDeclaration(st) || !ts.isStringLiteral(st.moduleSpecifier) || st.moduleSpecifier.text !== source) continue;
    const bindings = st.importClause?.namedBindings;
    if (st.importClause?.isTypeOnly || !bindings || !ts.isNamedImports(bindings)) continue;
    for (const el of bindings.elements) if (!el.isTypeOnly && !names.includes((el.propertyName ?? el.name).text)) names.push((el.propertyName ?? el.name).text);
  }
  return names;
}

describe('which names a grader imports from @target', () => {
  const graders = ['test/graders', 'test/graders/hidden']
    .filter((d) => fs.existsSync(path.join(root, d)))
    .flatMap((d) => fs.readdirSync(path.join(root, d)).filter((f) => f.endsWith('.test.ts')).map((f) => path.join(root, d, f)));

  test('every grader: the same names as the TypeScript parser reads', () => {
    expect(graders.length).toBeGreaterThan(10);
    for (const file of graders) {
      const code = fs.readFileSync(file, 'utf8');
      const source = /from '(@target\/[\w.-]+)'/.exec(code)?.[1];
      if (!source) continue;
      const names = importedNames(code, source);
      expect(names.length, file).toBeGreaterThan(0);
      expect(names, file).toEqual(parsedNames(code, source));
    }
  });

  test('type-only names, aliases, several lines, comments and other modules', () => {
    const code = [
      "import { a, type B, c as d } from '@target/x';",
      "import type { E } from '@target/x';",
      '// import { commented } from "@target/x";',
      "/* import { blocked } from '@target/x'; */",
      'import {',
      '  f, // the f',
      '  g,',
      "} from \"@target/x\";",
      "import { other } from '@target/y';",
      "import { a as again } from '@target/x';",
    ].join('\n');
    expect(importedNames(code, '@target/x')).toEqual(['a', 'c', 'f', 'g']);
    expect(importedNames(code, '@target/x')).toEqual(parsedNames(code, '@target/x'));
    expect(importedNames(code, '@target/y')).toEqual(['other']);
    expect(importedNames(code, '@target/z')).toEqual([]);
  });

  test('a default or namespace import is refused with a reason', () => {
    expect(() => importedNames("import x from '@target/x';", '@target/x')).toThrow(/not a default export/);
    expect(() => importedNames("import * as x from '@target/x';", '@target/x')).toThrow(/not "\* as"/);
    expect(() => importedNames("import x, { a } from '@target/x';", '@target/x')).toThrow(/not a default export/);
  });
});
