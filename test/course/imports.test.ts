import * as fs from 'fs';
import * as path from 'path';
import { expect, test } from 'vitest';

// tslab resolves a notebook's local imports by appending `.js` to the path, so
// `import ... from './lib'` (a folder with an index.ts) fails inside Jupyter
// although tsc and vitest accept it. Everything a notebook can import must
// name files: './lib/index', never './lib'.
const root = path.resolve(__dirname, '..', '..');
const folders = ['lib', 'exercises', 'solutions'];

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? tsFiles(p) : d.name.endsWith('.ts') && !d.name.endsWith('.d.ts') ? [p] : [];
  });
}

function notebookSources(): Array<[string, string]> {
  const dir = path.join(root, 'notebooks');
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.ipynb'))
    .flatMap((f) => {
      const nb = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { cells: Array<{ cell_type: string; source: string | string[] }> };
      return nb.cells
        .filter((c) => c.cell_type === 'code')
        .map((c, i): [string, string] => [`notebooks/${f} (code cell ${i + 1})`, ([] as string[]).concat(c.source).join('')]);
    });
}

const withoutComments = (src: string): string => src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
const specifiers = (src: string): string[] => [...withoutComments(src).matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]!);

test('every relative import in lib/, exercises/, solutions/ and notebooks names a .ts file, not a folder', () => {
  const bad: string[] = [];
  const sources: Array<[string, string, string]> = [
    ...folders.flatMap((f) => tsFiles(path.join(root, f)).map((file): [string, string, string] => [path.relative(root, file), path.dirname(file), fs.readFileSync(file, 'utf8')])),
    // Notebook cells run with the project root as their folder.
    ...notebookSources().map(([name, src]): [string, string, string] => [name, root, src]),
  ];
  for (const [name, dir, src] of sources) {
    for (const spec of specifiers(src)) {
      const target = path.resolve(dir, spec);
      if (!fs.existsSync(`${target}.ts`)) bad.push(`${name}: '${spec}' is not a .ts file${fs.existsSync(path.join(target, 'index.ts')) ? ` (write '${spec}/index')` : ''}`);
    }
  }
  expect(bad, bad.join('\n')).toEqual([]);
});
