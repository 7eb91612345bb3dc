import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishablePackages, repoRoot, type WorkspacePackage } from './workspace.js';

// Each publishable package, packed as it would be published, installed ALONE into a fresh project (with only the
// tarballs of its own workspace dependencies), must run its README example as ESM and as CommonJS. The install
// footprint of each is printed and written to test-results/footprint.md (copied into docs/footprint.md).
const packages = publishablePackages();
const byName = new Map(packages.map((p) => [p.name, p]));
const work = mkdtempSync(join(tmpdir(), 'otelkit-standalone-'));
const tarballs = new Map<string, string>();
const footprints: { name: string; packages: number; mb: number }[] = [];

function workspaceDeps(pkg: WorkspacePackage, seen = new Set<string>()): Set<string> {
  const deps = (pkg.manifest.dependencies ?? {}) as Record<string, string>;
  for (const [name, range] of Object.entries(deps)) {
    if (!range.startsWith('workspace:') || seen.has(name)) continue;
    seen.add(name);
    const dep = byName.get(name);
    if (dep) workspaceDeps(dep, seen);
  }
  return seen;
}

function installedPackages(nodeModules: string): string[] {
  const out: string[] = [];
  if (!existsSync(nodeModules)) return out;
  for (const entry of readdirSync(nodeModules)) {
    if (entry.startsWith('.')) continue;
    if (entry.startsWith('@')) {
      for (const sub of readdirSync(join(nodeModules, entry))) out.push(`${entry}/${sub}`);
    } else out.push(entry);
  }
  // nested node_modules (version conflicts) count too
  const nested: string[] = [];
  for (const name of out) {
    const inner = join(nodeModules, name, 'node_modules');
    if (existsSync(inner)) nested.push(...installedPackages(inner));
  }
  return [...out, ...nested];
}

function sizeOf(path: string): number {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.size;
  let total = 0;
  for (const entry of readdirSync(path)) total += sizeOf(join(path, entry));
  return total;
}

beforeAll(() => {
  const dest = join(work, 'tarballs');
  mkdirSync(dest);
  for (const pkg of packages) {
    const before = new Set(readdirSync(dest));
    execFileSync('pnpm', ['pack', '--pack-destination', dest], { cwd: pkg.dir, stdio: 'pipe' });
    const created = readdirSync(dest).find((f) => !before.has(f));
    if (!created) throw new Error(`pnpm pack produced no tarball for ${pkg.name}`);
    tarballs.set(pkg.name, join(dest, created));
  }
}, 300_000);

afterAll(() => {
  const lines = [
    '| package | installed packages | size on disk (MB) |',
    '|---|---:|---:|',
    ...footprints.map((f) => `| \`${f.name}\` | ${f.packages} | ${f.mb.toFixed(1)} |`),
  ];
  const table = lines.join('\n');
  console.log(`\nInstall footprint (npm, production dependencies, peers included):\n${table}\n`);
  mkdirSync(join(repoRoot, 'test-results'), { recursive: true });
  writeFileSync(join(repoRoot, 'test-results', 'footprint.md'), `${table}\n`);
  rmSync(work, { recursive: true, force: true });
});

describe('each package stands alone', () => {
  for (const pkg of packages) {
    it(`${pkg.name}: installs alone from its tarball and runs its README example as ESM and CJS`, () => {
      const project = join(work, pkg.name.replace(/[@/]/g, '_'));
      mkdirSync(project);
      writeFileSync(
        join(project, 'package.json'),
        JSON.stringify({ name: 'consumer', private: true, version: '1.0.0' }),
      );
      const files = [pkg.name, ...workspaceDeps(pkg)].map((n) => tarballs.get(n) as string);
      execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...files], {
        cwd: project,
        stdio: 'pipe',
        timeout: 240_000,
      });

      const installed = installedPackages(join(project, 'node_modules'));
      footprints.push({ name: pkg.name, packages: installed.length, mb: sizeOf(join(project, 'node_modules')) / 1e6 });
      if (pkg.name === '@otelkit/core') {
        expect(installed.sort()).toEqual(['@opentelemetry/api', '@otelkit/core']);
      }
      if (pkg.name === '@otelkit/logging') {
        expect(installed.filter((n) => n.startsWith('@opentelemetry/sdk-') || n.includes('exporter'))).toEqual([]);
      }

      for (const example of ['readme.mjs', 'readme.cjs']) {
        const source = join(pkg.dir, 'examples', example);
        expect(existsSync(source), `${pkg.name} has examples/${example}`).toBe(true);
        copyFileSync(source, join(project, example));
        const run = spawnSync(process.execPath, [example], {
          cwd: project,
          encoding: 'utf8',
          timeout: 60_000,
          env: { ...process.env, OTEL_SERVICE_NAME: 'standalone-example' },
        });
        expect(run.status, `${example} of ${pkg.name}:\n${run.stdout}\n${run.stderr}`).toBe(0);
      }
    }, 300_000);
  }
});
