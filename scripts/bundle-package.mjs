#!/usr/bin/env node
// Builds a package's runtime as ONE CommonJS bundle plus a thin ES module face, run from the package directory after
// `tsc` has emitted the declarations:
//
//   node ../../scripts/bundle-package.mjs [--lazy src/path/to/module.ts]...
//
// - dist/index.cjs       src/index.ts bundled by esbuild (npm dependencies and other workspace packages external),
//                        with a source map back to the TypeScript sources. This is the only implementation.
// - dist/index.js        `export const { …every named export… } = createRequire(import.meta.url)('./index.cjs')`,
//                        so `import` and `require` reach the same module instance (no dual-package hazard).
// - dist/**/*.d.cts      tsc's declarations again, as CommonJS declarations (relative imports `.js` -> `.cjs`), for
//                        the "require" condition: a .d.ts in a "type": "module" package only types `import`.
// - dist/<name>.cjs      each --lazy module bundled on its own; the main bundle loads it with require() where the
//                        source says `await import('./…/<name>.js')`, so its dependencies load on first use only.
//
// Why one CommonJS file and not per-file ES modules: Node's ESM loader costs ~40 ms at start for ~50 small modules and
// the ESM→CJS interop of the OpenTelemetry packages (issue 5, start-up target). The build fails when the bundle's
// exports differ from src/index.ts, when a source file lands in two bundles (its module-level state would exist
// twice), when a --lazy module is imported statically, or on any esbuild warning.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const cwd = process.cwd();
const fromPackage = createRequire(join(cwd, 'package.json'));
const esbuild = fromPackage('esbuild');
const ts = fromPackage('typescript');

function fail(message) {
  console.error(`bundle-package: ${message}`);
  process.exit(1);
}

const { values: args } = parseArgs({ options: { lazy: { type: 'string', multiple: true, default: [] } } });
const ENTRY = resolve(cwd, 'src/index.ts');
const lazy = args.lazy.map((file) => {
  const source = resolve(cwd, file);
  if (!existsSync(source)) fail(`--lazy ${file}: no such file`);
  const name = basename(source, extname(source));
  if (name === 'index') fail(`--lazy ${file}: a lazy module cannot be named index`);
  return { source, name, outfile: join(cwd, 'dist', `${name}.cjs`) };
});
if (new Set(lazy.map((l) => l.name)).size !== lazy.length) fail('two --lazy modules share a file name');

/** `import()` of a --lazy module becomes `require('./<name>.cjs')` (esbuild lowers external import() to require). */
const lazyModules = {
  name: 'lazy-modules',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, (a) => {
      const target = resolve(dirname(a.importer), a.path).replace(/\.js$/, '.ts');
      const found = lazy.find((l) => l.source === target);
      if (found === undefined || target === a.importer) return undefined;
      if (a.kind !== 'dynamic-import') {
        return {
          errors: [{ text: `${relative(cwd, found.source)} is built as a lazy module: load it with import() only` }],
        };
      }
      return { path: `./${found.name}.cjs`, external: true };
    });
  },
};

// `import.meta.url` has no CommonJS meaning: it becomes the URL of the bundle file (createRequire and module.register
// resolve from the dist folder, as they did from the per-file output). Injected only where a module reads it.
const IMPORT_META_SHIM = 'bundle-package:import-meta-url';
const importMetaUrl = {
  name: 'import-meta-url',
  setup(build) {
    build.onResolve({ filter: /^bundle-package:import-meta-url$/ }, (a) => ({ path: a.path, namespace: 'shim' }));
    build.onLoad({ filter: /.*/, namespace: 'shim' }, () => ({
      contents: "export const import_meta_url = require('node:url').pathToFileURL(__filename).href;",
      loader: 'js',
    }));
  },
};

// esbuild's CommonJS face of an ES module is getters over getters (`module.exports.x` calls a getter that calls the
// module's own export getter), kept for live bindings. otelkit exports never change after load, and other otelkit
// bundles read them on every request (`import_core.setOtelkitContext(…)`): replace them with plain values once the
// module has run. The `0 && (module.exports = {…})` hint above stays for cjs-module-lexer.
const PLAIN_EXPORTS = `{
  const live = module.exports;
  const plain = {};
  for (const key of Object.keys(live)) plain[key] = live[key];
  Object.defineProperty(plain, "__esModule", { value: true });
  module.exports = plain;
}`;

async function bundle(entry, outfile) {
  const result = await esbuild.build({
    absWorkingDir: cwd,
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20.19',
    packages: 'external',
    tsconfig: 'tsconfig.build.json',
    sourcemap: 'linked',
    // No keepNames: it wraps every function expression in a helper that redefines `.name`, which costs a property
    // definition each time a closure is made — per request in the HTTP instrumentation. Names survive anyway unless
    // esbuild renames a colliding top-level identifier, and `renamedDeclarations` fails the build when it does.
    keepNames: false,
    supported: { 'dynamic-import': false },
    define: { 'import.meta.url': 'import_meta_url' },
    inject: [IMPORT_META_SHIM],
    footer: { js: PLAIN_EXPORTS },
    plugins: [importMetaUrl, lazyModules],
    metafile: true,
    logLevel: 'silent',
  });
  if (result.warnings.length > 0) {
    const text = await esbuild.formatMessages(result.warnings, { kind: 'warning' });
    fail(`esbuild warnings are errors here:\n${text.join('\n')}`);
  }
  const inputs = Object.keys(result.metafile.inputs).filter((input) => !input.startsWith('shim:'));
  const renamed = renamedDeclarations(readFileSync(outfile, 'utf8'), inputs);
  if (renamed.length > 0) {
    fail(
      `esbuild renamed top-level ${renamed.join(', ')} of ${relative(cwd, outfile)} (two modules declare the same name), ` +
        'so its .name would differ from the source; rename one of them in the source',
    );
  }
  return inputs;
}

/**
 * The top-level classes and functions (declared, or bound to a name) of a bundle whose names appear in none of its
 * sources: esbuild gave them a suffix to resolve a collision between modules (`Writer` and `Writer` → `Writer2`).
 */
function renamedDeclarations(code, inputs) {
  const sources = inputs.map((input) => readFileSync(resolve(cwd, input), 'utf8'));
  // Declarations, and top-level bindings of a class, function or arrow (whose `.name` is the binding's name).
  const declared = code.matchAll(
    /^(?:(?:async )?function\*? ?([\w$]+)|class ([\w$]+)|(?:var|let|const) ([\w$]+) = (?:class\b|(?:async )?function\b|(?:async )?\([^)]*\) =>|(?:async )?[\w$]+ =>))/gm,
  );
  // `__export`, `__toESM`, …: esbuild's own runtime helpers, not from any source.
  const names = new Set([...declared].map((m) => m[1] ?? m[2] ?? m[3]).filter((name) => !name.startsWith('__')));
  const literal = (name) => name.replace(/\$/g, '\\$');
  return [...names].filter(
    (name) => !sources.some((text) => new RegExp(`(^|[^\\w$])${literal(name)}($|[^\\w$])`).test(text)),
  );
}

/** The value exports of src/index.ts, read from its syntax: the public surface is `export { … } from` lists only. */
function sourceExports() {
  const text = readFileSync(ENTRY, 'utf8');
  const file = ts.createSourceFile(ENTRY, text, ts.ScriptTarget.Latest, true);
  const names = [];
  for (const statement of file.statements) {
    if (ts.isExportDeclaration(statement)) {
      if (statement.isTypeOnly) continue;
      if (!statement.exportClause || !ts.isNamedExports(statement.exportClause)) {
        fail('src/index.ts uses `export *`; list the names (the ES module face needs them)');
      }
      for (const spec of statement.exportClause.elements) if (!spec.isTypeOnly) names.push(spec.name.text);
    } else if (ts.canHaveModifiers(statement)) {
      const exported = ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
      const typeOnly = ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement);
      if (exported && !typeOnly) fail('src/index.ts declares an export; re-export it from its module instead');
    } else if (ts.isExportAssignment(statement)) {
      fail('src/index.ts has a default export; otelkit packages use named exports only');
    }
  }
  return names;
}

const inputsByBundle = new Map();
inputsByBundle.set('dist/index.cjs', await bundle(ENTRY, join(cwd, 'dist', 'index.cjs')));
for (const l of lazy) inputsByBundle.set(relative(cwd, l.outfile), await bundle(l.source, l.outfile));

// A source file in two bundles would run twice: two copies of its module-level state (caches, counters, registries).
const owner = new Map();
for (const [out, inputs] of inputsByBundle) {
  for (const input of inputs) {
    if (owner.has(input)) fail(`${input} is in both ${owner.get(input)} and ${out}; pass what it needs as arguments`);
    owner.set(input, out);
  }
}

const bundled = Object.keys(fromPackage(join(cwd, 'dist', 'index.cjs'))).filter((k) => k !== '__esModule');
const declared = sourceExports();
const missing = declared.filter((n) => !bundled.includes(n));
const extra = bundled.filter((n) => !declared.includes(n));
if (missing.length > 0 || extra.length > 0) {
  fail(`dist/index.cjs exports differ from src/index.ts: missing [${missing}], unexpected [${extra}]`);
}

/** Every `./x.js` module specifier in a declaration file, with its position. */
function relativeSpecifiers(path, text) {
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const found = [];
  const visit = (node) => {
    let spec;
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) {
      spec = node.moduleSpecifier;
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      spec = node.argument.literal;
    }
    if (spec && ts.isStringLiteral(spec) && /^\.\.?\/.*\.js$/.test(spec.text)) {
      found.push({ start: spec.getStart(file) + 1, end: spec.getEnd() - 1, text: spec.text });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

function* declarationFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* declarationFiles(path);
    else if (entry.name.endsWith('.d.ts')) yield path;
  }
}

let declarations = 0;
for (const dts of declarationFiles(join(cwd, 'dist'))) {
  let text = readFileSync(dts, 'utf8');
  for (const s of relativeSpecifiers(dts, text).reverse()) {
    text = `${text.slice(0, s.start)}${s.text.replace(/\.js$/, '.cjs')}${text.slice(s.end)}`;
  }
  const name = basename(dts, '.d.ts');
  text = text.replace(`//# sourceMappingURL=${name}.d.ts.map`, `//# sourceMappingURL=${name}.d.cts.map`);
  writeFileSync(dts.replace(/\.d\.ts$/, '.d.cts'), text);
  if (existsSync(`${dts}.map`)) {
    const map = JSON.parse(readFileSync(`${dts}.map`, 'utf8'));
    writeFileSync(dts.replace(/\.d\.ts$/, '.d.cts.map'), JSON.stringify({ ...map, file: `${name}.d.cts` }));
  }
  declarations++;
}

writeFileSync(
  join(cwd, 'dist', 'index.js'),
  `// Generated by scripts/bundle-package.mjs. The implementation is ./index.cjs; this ES module re-exports it, so an app
// that both imports and requires this package gets one instance of it.
import { createRequire } from 'node:module';

const m = createRequire(import.meta.url)('./index.cjs');

export const {\n${bundled.map((n) => `  ${n},`).join('\n')}\n} = m;\n`,
);
console.log(
  `bundle-package: ${[...inputsByBundle].map(([out, inputs]) => `${out} (${inputs.length} modules)`).join(', ')}, dist/index.js (${bundled.length} exports), ${declarations} .d.cts`,
);
