// How a grader's `import { f } from '@target/<id>'` reaches the submission
// without loading it: the import becomes a small generated module whose
// exports stand for the submission's (sandbox/host.ts). Which names to export
// is read from the grader's own import statement (type-only names dropped).
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import type { Plugin } from 'vitest/config';
import type { VitestPluginContext } from 'vitest/node';

const PREFIX = '\0faultline-target:';
const HOST = path.join(__dirname, 'sandbox', 'host.ts').split(path.sep).join('/');

/** The value names a file imports from `source` (type-only ones left out). */
export function importedNames(code: string, source: string): string[] {
  const file = ts.createSourceFile('grader.ts', code, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const names = new Set<string>();
  for (const st of file.statements) {
    if (!ts.isImportDeclaration(st) || !ts.isStringLiteral(st.moduleSpecifier) || st.moduleSpecifier.text !== source) continue;
    const clause = st.importClause;
    if (!clause || clause.isTypeOnly) continue;
    if (clause.name) throw new Error(`graders import named exports from ${source}, not a default export`);
    const bindings = clause.namedBindings;
    if (bindings && ts.isNamespaceImport(bindings)) throw new Error(`graders import named exports from ${source}, not "* as"`);
    if (bindings && ts.isNamedImports(bindings)) {
      for (const el of bindings.elements) if (!el.isTypeOnly) names.add((el.propertyName ?? el.name).text);
    }
  }
  return [...names];
}

/** In collect-only mode, every `@target/*` is an empty module: tests are listed, nothing is loaded. */
export function targetPlugin(opts: { collectOnly: boolean }): Plugin {
  return {
    name: 'faultline-target',
    enforce: 'pre',
    // A stand-in depends on the mode and on its grader: never from vitest's module cache.
    configureVitest({ experimental_defineCacheKeyGenerator }: VitestPluginContext) {
      experimental_defineCacheKeyGenerator(({ id }) => (id.startsWith(PREFIX) ? false : undefined));
    },
    resolveId(source: string, importer: string | undefined) {
      if (!source.startsWith('@target/')) return null;
      const id = source.slice('@target/'.length);
      if (!/^[\w.-]+$/.test(id)) throw new Error(`bad exercise id in ${source}`);
      return `${PREFIX}${id}?from=${encodeURIComponent(importer ?? '')}`;
    },
    load(loadId: string) {
      if (!loadId.startsWith(PREFIX)) return null;
      const [id, query] = loadId.slice(PREFIX.length).split('?from=') as [string, string];
      const importer = decodeURIComponent(query ?? '').replace(/\?.*$/, '');
      const names = importer && fs.existsSync(importer) ? importedNames(fs.readFileSync(importer, 'utf8'), `@target/${id}`) : [];
      if (opts.collectOnly) return names.map((n) => `export const ${n} = undefined;`).join('\n') + '\nexport {};\n';
      return [
        `import { targetModule } from ${JSON.stringify(HOST)};`,
        `const target = targetModule(${JSON.stringify(id)});`,
        ...names.map((n) => `export const ${n} = target.export(${JSON.stringify(n)});`),
      ].join('\n');
    },
  };
}
