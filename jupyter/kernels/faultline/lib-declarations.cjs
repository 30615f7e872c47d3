// The declaration view of lib/: what the kernel's type checker reads instead
// of lib's source. tslab builds a new program, so a new type checker, for
// every cell; a cell that calls into lib then makes the checker infer the
// types of lib's exports from their code again, most of all the zod schemas'
// (`z.object({...}).strict().default(...)`, then `z.input<typeof Schema>`):
// about a quarter of a kernel's CPU over the course. The same types written
// out as declarations (what `tsc --declaration` emits) are only read.
//
// The declarations are emitted once per version of lib/ by the TypeScript
// tslab bundles, with tsconfig.json's options, and kept in one file named by
// a hash of every lib source, so every kernel after the first reads them. A
// file whose source no longer matches (edited under a running kernel) is
// served as its source. The view keeps each file's imports (as bare
// `import './x'` lines), so tslab still finds, transpiles and loads every
// module lib needs at run time; the code that runs is always the source's.
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { keepFile } = require('./cache-file.cjs');
const { requireWithCodeCache } = require('./code-cache.cjs');

/** Every .ts source under `dir` (not .d.ts), sorted: the order the hash reads them. */
function sourcesUnder(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sourcesUnder(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out.sort();
}

const sha = (text) => crypto.createHash('sha256').update(text).digest('hex');

/**
 * tsconfig.json (its text, and its compiler options: the ones `npm run
 * typecheck` proves lib under), or null. The text goes into the hash: the
 * options hold absolute paths, and a copy of the course elsewhere (a
 * workshop student's) must find the same declarations.
 */
function projectConfig(ts, root) {
  const file = path.join(root, 'tsconfig.json');
  const text = ts.sys.readFile(file);
  const read = ts.readConfigFile(file, () => text);
  if (text === undefined || read.error) return null;
  return { text, options: ts.parseJsonConfigFileContent(read.config, ts.sys, root).options };
}

/**
 * Emit the declarations of lib's files (`sources`: path → text) with the
 * project's options, or null when TypeScript skips the emit. Returns
 * rel path → { source: sha of the source, text }.
 */
function emitDeclarations(ts, libDir, sources, options) {
  const emitted = new Map();
  const outDir = path.join(libDir, '.declarations'); // never written: emit goes to the callback
  const files = [...sources.keys()];
  const program = ts.createProgram(files, {
    ...options,
    noEmit: false,
    declaration: true,
    emitDeclarationOnly: true,
    rootDir: libDir,
    outDir,
  });
  const result = program.emit(undefined, (fileName, text) => emitted.set(path.normalize(fileName), text));
  if (result.emitSkipped) return null;
  const texts = new Map();
  for (const file of sources.keys()) {
    const text = emitted.get(path.join(outDir, path.relative(libDir, file).replace(/\.ts$/, '.d.ts')));
    if (text === undefined) return null;
    texts.set(file, text);
  }
  const expanded = expandZodAliases(ts, program, sources, texts, options);
  const view = {};
  for (const [file, source] of sources) view[path.relative(libDir, file)] = { source: sha(source), text: expanded.get(file) };
  return view;
}

/** Part of the cache's name (this file's own text): a view made by another version of this code is made again. */
const VIEW_FORMAT = sha(fs.readFileSync(__filename, 'utf8'));

const ZOD_ALIAS = /^z\.(input|output|infer)$/;

/**
 * The declarations with every `type X = z.input<typeof Schema>` (and
 * z.output, z.infer) written out as the type it stands for. Read as zod
 * wrote it, the alias makes each cell's new checker instantiate zod's
 * inference again (a cell calling `createSim({ seed: 1 })` took ~150 ms to
 * check, one without lib ~40 ms); written out, it is only read. A file whose
 * written-out aliases do not check as well as zod's (a name out of scope,
 * say) keeps zod's: never worse than before.
 */
function expandZodAliases(ts, program, sources, texts, options) {
  const checker = program.getTypeChecker();
  const printer = ts.createPrinter({ removeComments: false });
  const out = new Map(texts);
  for (const file of sources.keys()) {
    const sf = program.getSourceFile(file);
    if (!sf) continue;
    let text = texts.get(file);
    for (const st of sf.statements) {
      if (!ts.isTypeAliasDeclaration(st) || st.typeParameters || !ts.isTypeReferenceNode(st.type)) continue;
      if (!ZOD_ALIAS.test(st.type.typeName.getText(sf))) continue;
      const type = checker.getTypeAtLocation(st.name);
      // One member a line: a doc comment is only read as one when it starts its line.
      const node = checker.typeToTypeNode(type, sf, ts.NodeBuilderFlags.NoTruncation | ts.NodeBuilderFlags.MultilineObjectLiterals);
      if (!node) continue;
      keepDocs(ts, checker, node, type, st);
      const alias = new RegExp(`(\\btype ${st.name.text} = )${st.type.getText(sf).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')};`);
      text = text.replace(alias, (_m, head) => `${head}${printer.printNode(ts.EmitHint.Unspecified, node, sf)};`);
    }
    out.set(file, text);
  }
  // Check the written-out view as the kernel reads it (each lib file's text is its declarations);
  // only if some file has errors, zod's view too, to tell which files got worse.
  const errorsIn = (view) => {
    const host = ts.createCompilerHost({ ...options, noEmit: true });
    const read = host.getSourceFile;
    host.getSourceFile = (name, lang, ...rest) => {
      const text = view.get(path.resolve(name));
      return text === undefined ? read(name, lang, ...rest) : ts.createSourceFile(name, text, lang);
    };
    const p = ts.createProgram([...view.keys()], { ...options, noEmit: true }, host);
    const files = new Map();
    for (const d of [...p.getSyntacticDiagnostics(), ...p.getSemanticDiagnostics()]) {
      if (d.file) files.set(path.resolve(d.file.fileName), (files.get(path.resolve(d.file.fileName)) ?? 0) + 1);
    }
    return files;
  };
  const worse = errorsIn(out);
  if (worse.size === 0) return out;
  const before = errorsIn(texts);
  for (const [file, n] of worse) if (n > (before.get(file) ?? 0)) out.set(file, texts.get(file));
  return out;
}

/**
 * Puts each property's doc comment (a schema field's `/** ... *\/`) back on
 * the written-out type, so a cell's hover and completion still show it:
 * `typeToTypeNode` makes nodes without comments. Walks the printed node
 * beside the type it was printed from; a union's object members are matched
 * to the type's by their property names.
 */
function keepDocs(ts, checker, node, type, where, depth = 0) {
  if (depth > 20) return;
  if (ts.isTypeLiteralNode(node)) {
    for (const member of node.members) {
      if (!ts.isPropertySignature(member) || !member.name || !('text' in member.name)) continue;
      const prop = checker.getPropertyOfType(type, member.name.text);
      if (!prop) continue;
      const doc = ts.displayPartsToString(prop.getDocumentationComment(checker)).trim();
      if (doc) {
        const body = doc.replace(/\*\//g, '*\\/').split('\n').join('\n * ');
        ts.addSyntheticLeadingComment(member, ts.SyntaxKind.MultiLineCommentTrivia, `* ${body} `, true);
      }
      if (member.type) keepDocs(ts, checker, member.type, checker.getTypeOfSymbolAtLocation(prop, where), where, depth + 1);
    }
  } else if (ts.isUnionTypeNode(node)) {
    const members = type.isUnion() ? type.types : [type];
    const names = (t) => checker.getPropertiesOfType(t).map((p) => p.name).sort().join(',');
    for (const part of node.types) {
      const key = ts.isTypeLiteralNode(part) ? part.members.map((m) => m.name && 'text' in m.name ? m.name.text : '').sort().join(',') : null;
      const match = key === null ? undefined : members.find((t) => t.flags & ts.TypeFlags.Object && names(t) === key);
      if (match) keepDocs(ts, checker, part, match, where, depth + 1);
      else if (ts.isArrayTypeNode(part)) {
        const array = members.find((t) => checker.isArrayType(t));
        if (array) keepDocs(ts, checker, part, array, where, depth + 1);
      }
    }
  } else if (ts.isArrayTypeNode(node) && checker.isArrayType(type)) {
    const [element] = checker.getTypeArguments(type);
    if (element) keepDocs(ts, checker, node.elementType, element, where, depth + 1);
  } else if (ts.isParenthesizedTypeNode(node)) {
    keepDocs(ts, checker, node.type, type, where, depth + 1);
  }
}

/**
 * The declaration view of `libDir`, from `cacheDir` or emitted now (a few
 * seconds, once per version of lib). Returns `viewOf(fileName, source)`: the
 * text the checker should read for that lib file, or the source itself when
 * there is no matching declaration. Never throws: without a view, every file
 * is its source (slower, same diagnostics).
 */
function libDeclarations(ts, libDir, cacheDir) {
  let view = null;
  try {
    const sources = new Map(sourcesUnder(libDir).map((f) => [f, fs.readFileSync(f, 'utf8')]));
    const config = projectConfig(ts, path.dirname(path.resolve(libDir)));
    if (!config) return (_fileName, source) => source;
    const hash = sha(
      [VIEW_FORMAT, ts.version, config.text, ...[...sources].map(([f, text]) => `${path.relative(libDir, f)}\0${text}`)].join('\0'),
    );
    const file = path.join(cacheDir, `lib-declarations-${hash.slice(0, 20)}.json`);
    try {
      view = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch {
      view = emitDeclarations(ts, libDir, sources, config.options);
      if (view) keepFile(file, JSON.stringify(view));
    }
  } catch {
    view = null;
  }
  return (fileName, source) => {
    const entry = view?.[path.relative(libDir, fileName)];
    if (!entry || entry.source !== sha(source)) return source;
    return `${entry.text}\n${importsOf(ts, source)}`;
  };
}

/** The source's relative imports as side-effect imports: the module graph tslab loads stays the source's. */
function importsOf(ts, source) {
  return ts
    .preProcessFile(source, true, true)
    .importedFiles.filter((f) => f.fileName.startsWith('.'))
    .map((f) => `import '${f.fileName}';`)
    .join('\n');
}

/** The kernel's caches for the course at `root` (where the kernel looks): lib's declarations, and TypeScript compiled. */
function prepare(root) {
  const cacheDir = path.join(root, 'node_modules', '.cache', 'faultline-tslab');
  const ts = requireWithCodeCache(require.resolve(path.join(root, 'node_modules', '@tslab', 'typescript-for-tslab')), cacheDir);
  const viewOf = libDeclarations(ts, path.join(root, 'lib') + path.sep, cacheDir);
  const probe = path.join(root, 'lib', 'index.ts');
  const source = fs.readFileSync(probe, 'utf8');
  return viewOf(probe, source) !== source;
}

module.exports = { libDeclarations, prepare, sourcesUnder };

// `node lib-declarations.cjs [root]`: make both ahead of the first kernel (setup, the workshop's shared install).
if (require.main === module) {
  const root = path.resolve(process.argv[2] ?? path.join(__dirname, '..', '..', '..'));
  let made = false;
  try {
    made = prepare(root);
  } catch (e) {
    console.error(e.message.split('\n')[0]);
  }
  if (!made) {
    console.error(`lib declarations for ${root}: not made (kernels will check cells against lib's source, more slowly)`);
    process.exit(1);
  }
}
