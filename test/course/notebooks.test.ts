// The committed lessons must be clean, runnable-by-anyone notebooks: valid
// nbformat 4, on the project's `faultline` TypeScript kernel, and with no
// outputs or execution counts (run `npm run strip-notebooks` to clean them).

import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, test } from 'vitest';
import { findJupyterPython, jupyterEnv } from '../../scripts/jupyter';

const root = path.resolve(__dirname, '..', '..');
const notebooksDir = path.join(root, 'notebooks');
const notebookFiles: string[] = fs.existsSync(notebooksDir)
  ? fs.readdirSync(notebooksDir).filter((name) => name.endsWith('.ipynb')).sort()
  : [];

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function firstLine(source: unknown): string {
  const text = Array.isArray(source) ? source.join('') : typeof source === 'string' ? source : '';
  const line = text.split('\n').find((l) => l.trim() !== '') ?? '';
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}

/** Everything wrong with one notebook file, as human-readable lines. */
function checkNotebook(file: string): string[] {
  const problems: string[] = [];
  let nb: unknown;
  try {
    nb = JSON.parse(fs.readFileSync(path.join(notebooksDir, file), 'utf8'));
  } catch (error) {
    return [`is not valid JSON: ${(error as Error).message}`];
  }
  if (!isRecord(nb)) return ['is not a JSON object'];
  if (nb.nbformat !== 4) problems.push(`nbformat is ${JSON.stringify(nb.nbformat)}, expected 4`);
  if (typeof nb.nbformat_minor !== 'number') problems.push('nbformat_minor is missing');

  const metadata = isRecord(nb.metadata) ? nb.metadata : {};
  const kernelspec = isRecord(metadata.kernelspec) ? metadata.kernelspec : undefined;
  const languageInfo = isRecord(metadata.language_info) ? metadata.language_info : undefined;
  if (kernelspec?.name !== 'faultline') {
    problems.push(`metadata.kernelspec.name is ${JSON.stringify(kernelspec?.name)}, expected "faultline"`);
  }
  if (kernelspec?.language !== 'typescript') {
    problems.push(`metadata.kernelspec.language is ${JSON.stringify(kernelspec?.language)}, expected "typescript"`);
  }
  if (languageInfo?.name !== 'typescript') {
    problems.push(`metadata.language_info.name is ${JSON.stringify(languageInfo?.name)}, expected "typescript"`);
  }

  if (!Array.isArray(nb.cells)) return [...problems, 'has no "cells" array'];
  nb.cells.forEach((cell: unknown, index: number) => {
    if (!isRecord(cell)) {
      problems.push(`cell ${index + 1} (index ${index}) is not an object`);
      return;
    }
    const where = `cell ${index + 1} (index ${index}${typeof cell.id === 'string' ? `, id ${cell.id}` : ''}: "${firstLine(cell.source)}")`;
    if (!['code', 'markdown', 'raw'].includes(String(cell.cell_type))) {
      problems.push(`${where} has cell_type ${JSON.stringify(cell.cell_type)}`);
    }
    if (typeof cell.source !== 'string' && !Array.isArray(cell.source)) problems.push(`${where} has no source`);
    if (Array.isArray(cell.outputs) && cell.outputs.length > 0) {
      problems.push(`${where} has ${cell.outputs.length} output(s)`);
    } else if (cell.cell_type === 'code' && !Array.isArray(cell.outputs)) {
      problems.push(`${where} has no "outputs" array`);
    }
    if (cell.execution_count !== undefined && cell.execution_count !== null) {
      problems.push(`${where} has execution_count ${JSON.stringify(cell.execution_count)}`);
    } else if (cell.cell_type === 'code' && cell.execution_count === undefined) {
      problems.push(`${where} has no "execution_count" (expected null)`);
    }
  });
  return problems;
}

describe('committed notebooks', () => {
  test('notebooks/ holds at least one .ipynb', () => {
    if (notebookFiles.length === 0) {
      throw new Error(`no notebooks found in ${notebooksDir}: the course lessons (notebooks/*.ipynb) are missing`);
    }
  });

  test.each(notebookFiles.length > 0 ? notebookFiles : ['(none)'])(
    'notebooks/%s is clean nbformat 4 on the faultline kernel',
    (file) => {
      if (file === '(none)') return; // reported by the test above
      const problems = checkNotebook(file);
      const message =
        `notebooks/${file}:\n` +
        problems.map((problem) => `  - ${problem}`).join('\n') +
        '\n(outputs/execution counts: run `npm run strip-notebooks`; metadata must be ' +
        '{"kernelspec": {"name": "faultline", "display_name": "TypeScript (Faultline)", "language": "typescript"}, ' +
        '"language_info": {"name": "typescript"}})';
      expect(problems, message).toEqual([]);
    },
  );

  // The full nbformat JSON-schema check needs Jupyter's python; skipped when
  // there is none (the structural checks above still run).
  const python = notebookFiles.length > 0 ? findJupyterPython() : null;
  test.skipIf(python === null)('notebooks validate against the nbformat 4 schema (nbformat.validate)', () => {
    const script = [
      'import sys, nbformat',
      'failed = 0',
      'for path in sys.argv[1:]:',
      '    try:',
      '        nbformat.validate(nbformat.read(path, as_version=nbformat.NO_CONVERT))',
      '    except Exception as exc:',
      '        failed += 1',
      '        print(f"{path}: {exc}".splitlines()[0])',
      'sys.exit(1 if failed else 0)',
    ].join('\n');
    const result = spawnSync(
      python as string,
      ['-c', script, ...notebookFiles.map((file) => path.join('notebooks', file))],
      { cwd: root, env: jupyterEnv(), encoding: 'utf8', timeout: 60_000 },
    );
    expect(result.status, `nbformat.validate failed:\n${result.stdout}${result.stderr}`).toBe(0);
  });
});
