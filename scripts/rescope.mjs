#!/usr/bin/env node
// Re-scopes the whole repository so a platform team can publish its fork as `@acme/*`:
//   pnpm rescope --scope @acme [--registry https://npm.acme.internal/] [--dir path]
// Rewrites package names, internal dependency references, imports in sources, examples and READMEs, the lockfile,
// and sets publishConfig.registry on every publishable package. Run `pnpm install` afterwards.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';

const SCOPE = /^@[a-z0-9-~][a-z0-9-._~]*$/;
const TEXT = /\.(?:[cm]?[jt]sx?|json|md|ya?ml)$/;
const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', '.turbo', 'coverage', 'test-results']);

function fail(message) {
  console.error(`rescope: ${message}`);
  process.exit(2);
}

let args;
try {
  args = parseArgs({
    options: {
      scope: { type: 'string' },
      registry: { type: 'string' },
      dir: { type: 'string' },
      from: { type: 'string' },
    },
  }).values;
} catch (error) {
  fail(`${error.message}\nusage: pnpm rescope --scope @acme [--registry URL] [--dir path]`);
}
const root = args.dir ?? process.cwd();
if (!args.scope || !SCOPE.test(args.scope)) {
  fail(
    `--scope "${args.scope ?? ''}" is not a valid npm scope: expected @ followed by lower-case letters, digits, - . _ ~`,
  );
}
if (args.registry !== undefined) {
  try {
    const url = new URL(args.registry);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error();
  } catch {
    fail(`--registry "${args.registry}" is not an absolute http(s) URL`);
  }
}
const from = args.from ?? JSON.parse(readFileSync(join(root, 'packages/core/package.json'), 'utf8')).name.split('/')[0];
if (!SCOPE.test(from)) fail(`cannot tell the current scope (got "${from}")`);
const to = args.scope;
if (from === to) {
  console.log(`rescope: already ${to}`);
  process.exit(0);
}
const escaped = from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const pattern = new RegExp(`(?<![\\w@-])${escaped}/(?=[a-z0-9])`, 'g');

function* walk(dir) {
  for (const entry of readdirSync(dir)) {
    if (SKIP_DIRS.has(entry)) continue;
    const path = join(dir, entry);
    const st = statSync(path);
    if (st.isDirectory()) yield* walk(path);
    else if (TEXT.test(entry) || entry === 'pnpm-lock.yaml') yield path;
  }
}

let changedFiles = 0;
const renamed = [];
for (const file of walk(root)) {
  const text = readFileSync(file, 'utf8');
  let next = text.replace(pattern, `${to}/`);
  if (file.endsWith('package.json') && !file.includes(`${join(root, 'node_modules')}`)) {
    const manifest = JSON.parse(next);
    if (typeof manifest.name === 'string' && manifest.name.startsWith(`${to}/`)) {
      renamed.push(manifest.name);
      if (!manifest.private && args.registry !== undefined) {
        manifest.publishConfig = { ...manifest.publishConfig, registry: args.registry };
        next = `${JSON.stringify(manifest, null, 2)}\n`;
      }
    }
  }
  if (next !== text) {
    writeFileSync(file, next);
    changedFiles++;
  }
}
console.log(
  `rescope: ${from} -> ${to}: ${renamed.length} packages renamed, ${changedFiles} files rewritten in ${relative(process.cwd(), root) || '.'}`,
);
for (const name of renamed.sort()) console.log(`  ${name}`);
if (args.registry !== undefined) console.log(`  publishConfig.registry = ${args.registry}`);
console.log('next: pnpm install && pnpm build && pnpm test && pnpm -r publish');
