import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SCOPE_VERSION } from '../src/internal/version.js';

const pkgDir = fileURLToPath(new URL('..', import.meta.url));
const example = readFileSync(`${pkgDir}examples/readme.mjs`, 'utf8');
const readme = readFileSync(`${pkgDir}README.md`, 'utf8');
const manifest = JSON.parse(readFileSync(`${pkgDir}package.json`, 'utf8'));

describe('README', () => {
  it('shows examples/readme.mjs verbatim', () => {
    expect(readme).toContain(`\`\`\`js\n${example}\`\`\``);
  });

  for (const example of ['readme.mjs', 'readme.cjs']) {
    it(`examples/${example} runs and prints the RED and business series (from the built package)`, () => {
      const r = spawnSync(process.execPath, [`examples/${example}`], {
        cwd: pkgDir,
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^payments_total\{outcome="success",[^}]*\} 1$/m);
      expect(r.stdout).toMatch(/^http_server_request_duration_seconds_count\{[^}]*http_route="\/payments"[^}]*\} 1$/m);
    });
  }

  it('the CommonJS example is the ESM one with require', () => {
    const cjs = readFileSync(`${pkgDir}examples/readme.cjs`, 'utf8');
    const body = (src: string) =>
      src
        .split('\n')
        .filter((l) => !/^(import|const .* = require|\/\/)/.test(l))
        .join('\n');
    expect(body(cjs)).toBe(body(example));
  });

  it('documents every option of startMetrics', () => {
    const source = readFileSync(`${pkgDir}src/start-metrics.ts`, 'utf8');
    const body = source.slice(
      source.indexOf('export interface StartMetricsOptions'),
      source.indexOf('export interface DeadlineOptions'),
    );
    const options = [...body.matchAll(/^ {2}(\w+)\?:/gm)].map((m) => m[1]!);
    expect(options.length).toBeGreaterThan(5);
    for (const option of options) expect(readme, option).toContain(`\`${option}\``);
  });
});

describe('package', () => {
  it('records under a scope version equal to package.json', () => {
    expect(SCOPE_VERSION).toBe(manifest.version);
  });

  it('keeps the frameworks optional peers', () => {
    for (const peer of ['fastify', 'express']) {
      expect(manifest.peerDependenciesMeta[peer]).toEqual({ optional: true });
      expect(manifest.dependencies[peer]).toBeUndefined();
    }
  });

  it('every entry point can be required from CommonJS without loading a framework', () => {
    const script = `
      const before = new Set(Object.keys(require.cache));
      for (const entry of ['@otelkit/metrics', '@otelkit/metrics/fastify', '@otelkit/metrics/express']) {
        const m = require(entry);
        if (Object.keys(m).length === 0) throw new Error('no exports: ' + entry);
      }
      const loaded = Object.keys(require.cache).filter((k) => !before.has(k));
      if (loaded.some((k) => /node_modules\\/(fastify|express)\\//.test(k))) throw new Error('a framework was loaded');
      console.log('ok');
    `;
    const r = spawnSync(process.execPath, ['-e', script], { cwd: pkgDir, encoding: 'utf8' });
    expect(r.stderr.replace(/.*ExperimentalWarning.*\n?|.*--trace-warnings.*\n?/g, '')).toBe('');
    expect(r.stdout.trim()).toBe('ok');
  });
});
