// Builds the collector's web UI into dist/ui: type-checks ui/src, bundles it with esbuild into content-hashed assets,
// and writes index.html pointing at them. The collector serves dist/ui as static files; nothing runs at request time.
//
//   node scripts/build-ui.mjs              type-check + production build
//   node scripts/build-ui.mjs --watch      rebuild on change (no type-check; run `tsc -p ui/tsconfig.json -w` beside it)
//   node scripts/build-ui.mjs --no-typecheck
//   node scripts/build-ui.mjs --out-dir <dir>  build elsewhere (the browser test builds into a temporary directory)
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const uiDir = join(root, 'ui');
const outDirFlag = process.argv.indexOf('--out-dir');
const outDir = outDirFlag === -1 ? join(root, 'dist', 'ui') : resolve(process.argv[outDirFlag + 1] ?? '');
if (outDirFlag !== -1 && !process.argv[outDirFlag + 1]) throw new Error('--out-dir needs a directory');
const assetsDir = join(outDir, 'assets');
const watch = process.argv.includes('--watch');
const typecheck = !watch && !process.argv.includes('--no-typecheck');

async function typeCheck() {
  const { default: ts } = await import('typescript');
  const configPath = join(uiDir, 'tsconfig.json');
  const host = { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => report([d]) };
  const parsed = ts.getParsedCommandLineOfConfigFile(configPath, {}, host);
  if (!parsed) throw new Error(`cannot read ${configPath}`);
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
  const diagnostics = [...parsed.errors, ...ts.getPreEmitDiagnostics(program)];
  if (diagnostics.length > 0) {
    report(diagnostics);
    return false;
  }
  return true;

  function report(list) {
    const text = ts.formatDiagnosticsWithColorAndContext(list, {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => root,
      getNewLine: () => '\n',
    });
    process.stderr.write(text);
  }
}

/** Rewrites index.html with the hashed entry script and stylesheet from the esbuild metafile. */
async function writeIndex(metafile) {
  const outputs = Object.entries(metafile.outputs);
  const entry = outputs.find(([, o]) => o.entryPoint?.endsWith('src/main.tsx'));
  if (!entry) throw new Error('esbuild produced no entry chunk for ui/src/main.tsx');
  const [jsPath, jsOutput] = entry;
  const toUrl = (p) => `/${relative(outDir, join(root, p)).split('\\').join('/')}`;
  const css = jsOutput.cssBundle ? `<link rel="stylesheet" href="${toUrl(jsOutput.cssBundle)}" />` : '';
  const js = `<script type="module" src="${toUrl(jsPath)}"></script>`;
  const template = await readFile(join(uiDir, 'index.html'), 'utf8');
  if (!template.includes('<!-- build-ui: styles -->') || !template.includes('<!-- build-ui: scripts -->')) {
    throw new Error('ui/index.html lost its <!-- build-ui: … --> markers');
  }
  const html = template.replace('<!-- build-ui: styles -->', css).replace('<!-- build-ui: scripts -->', js);
  await writeFile(join(outDir, 'index.html'), html);
}

/** @type {import('esbuild').BuildOptions} */
const options = {
  absWorkingDir: root,
  entryPoints: [join(uiDir, 'src', 'main.tsx')],
  outdir: assetsDir,
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome110', 'firefox110', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: !watch,
  sourcemap: 'linked',
  metafile: true,
  legalComments: 'linked',
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': watch ? '"development"' : '"production"' },
};

async function main() {
  const started = performance.now();
  if (typecheck && !(await typeCheck())) {
    process.exitCode = 1;
    return;
  }
  await rm(outDir, { recursive: true, force: true });
  await mkdir(assetsDir, { recursive: true });
  await copyFile(join(uiDir, 'favicon.svg'), join(outDir, 'favicon.svg'));

  if (watch) {
    const ctx = await esbuild.context({
      ...options,
      plugins: [
        {
          name: 'index-html',
          setup(build) {
            build.onEnd(async (result) => {
              if (result.errors.length === 0 && result.metafile) {
                await writeIndex(result.metafile);
                console.log(`build-ui: rebuilt ${new Date().toLocaleTimeString()}`);
              }
            });
          },
        },
      ],
    });
    await ctx.watch();
    console.log(`build-ui: watching ${relative(process.cwd(), uiDir)} → ${relative(process.cwd(), outDir)}`);
    return;
  }

  const result = await esbuild.build(options);
  await writeIndex(result.metafile);
  const bytes = Object.entries(result.metafile.outputs)
    .filter(([p]) => !p.endsWith('.map') && !p.endsWith('.LEGAL.txt'))
    .reduce((sum, [, o]) => sum + o.bytes, 0);
  console.log(
    `build-ui: ${relative(process.cwd(), outDir)} (${(bytes / 1024).toFixed(1)} KiB) in ${Math.round(performance.now() - started)} ms`,
  );
}

main().catch((error) => {
  console.error(`build-ui: ${error instanceof Error ? error.message : error}`);
  process.exitCode = 1;
});
