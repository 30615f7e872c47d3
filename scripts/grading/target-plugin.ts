// How a grader's `import { f } from '@target/<id>'` reaches the submission
// without loading it: the import becomes a small generated module whose
// exports stand for the submission's (sandbox/host.ts). Which names to export
// is read from the grader's own import statement (type-only names dropped).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Plugin } from 'vitest/config';
import type { VitestPluginContext } from 'vitest/node';

const PREFIX = '\0faultline-target:';
const HOST = path.join(__dirname, 'sandbox', 'host.ts').split(path.sep).join('/');
const ERRORS = path.join(__dirname, 'sandbox', 'error-classes.ts').split(path.sep).join('/');

/**
 * The value names a file imports from `source` (type-only ones left out). Graders
 * are our own files, so their import statements are read with a pattern: loading
 * the TypeScript parser for this cost every vitest run about a quarter of a second.
 */
export function importedNames(code: string, source: string): string[] {
  // Comments out, so a commented-out import is not read; strings stay (the source is one).
  const text = code.replace(/\/\*[\s\S]*?\*\/|(^|[^:'"`])\/\/[^\n]*/g, (_m, before: string | undefined) => before ?? ' ');
  const names = new Set<string>();
  const quoted = source.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const statement = new RegExp(`\\bimport\\s+(type\\s+)?([^;'"]*?)\\s*from\\s*(['"])${quoted}\\3`, 'g');
  for (const m of text.matchAll(statement)) {
    if (m[1]) continue; // import type { … }
    const clause = m[2]!.trim();
    const braces = /^\{([^}]*)\}$/.exec(clause);
    if (/^\*\s*as\b/.test(clause)) throw new Error(`graders import named exports from ${source}, not "* as"`);
    if (!braces) throw new Error(`graders import named exports from ${source}, not a default export`);
    for (const part of braces[1]!.split(',')) {
      const el = part.trim();
      if (!el || /^type\s/.test(el)) continue;
      const named = /^([A-Za-z_$][\w$]*)(?:\s+as\s+[A-Za-z_$][\w$]*)?$/.exec(el);
      if (!named) throw new Error(`cannot read the import of ${source}: ${JSON.stringify(el)}`);
      names.add(named[1]!);
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
        `import { LIB_ERRORS } from ${JSON.stringify(ERRORS)};`,
        `const target = targetModule(${JSON.stringify(id)}, LIB_ERRORS);`,
        ...names.map((n) => `export const ${n} = target.export(${JSON.stringify(n)});`),
      ].join('\n');
    },
  };
}
