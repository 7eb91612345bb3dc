import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
const entries = Object.keys(pkg.exports)
  .filter((k) => k !== './package.json')
  .map((k) => (k === '.' ? '@otelkit/errors' : `@otelkit/errors/${k.slice(2)}`));

function node(args: string[], code: string) {
  return spawnSync(process.execPath, [...args, '-e', code], { cwd: root, encoding: 'utf8', env: process.env });
}

describe('package entry points (built dist, resolved through the exports map)', () => {
  it('every entry point loads with import() and with require()', () => {
    expect(existsSync(`${root}dist/index.js`), 'build @otelkit/errors first').toBe(true);
    expect(entries).toEqual([
      '@otelkit/errors',
      '@otelkit/errors/fastify',
      '@otelkit/errors/express',
      '@otelkit/errors/http',
    ]);
    for (const entry of entries) {
      const esm = node(
        ['--input-type=module'],
        `const m = await import('${entry}'); console.log(Object.keys(m).join(','));`,
      );
      expect(esm.status, esm.stderr).toBe(0);
      const cjs = node([], `console.log(Object.keys(require('${entry}')).join(','));`);
      expect(cjs.status, cjs.stderr).toBe(0);
      expect(cjs.stdout).toBe(esm.stdout);
    }
  });

  it('loads no optional peer until it is used: no Sentry in local mode, no Fastify or Express ever', () => {
    const code = `
      const { initErrors, captureError } = require('@otelkit/errors');
      require('@otelkit/errors/fastify'); require('@otelkit/errors/express'); require('@otelkit/errors/http');
      const loaded = () => Object.keys(require.cache).filter((f) => /node_modules\\/(@sentry|fastify|express)\\//.test(f));
      const errors = initErrors({ dsn: false, log: false, captureProcessErrors: false });
      captureError(new Error('local'));
      const local = loaded().length;
      errors.shutdown().then(() => {
        const sentry = initErrors({ dsn: 'http://key@127.0.0.1:9/1', log: false, captureProcessErrors: false });
        const withDsn = loaded();
        console.log(JSON.stringify({ local, sentry: withDsn.some((f) => f.includes('@sentry')), frameworks: withDsn.some((f) => /node_modules\\/(fastify|express)\\//.test(f)) }));
        return sentry.shutdown(100);
      });`;
    const run = node([], code);
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ local: 0, sentry: true, frameworks: false });
  });

  it('declares what the guide asks of a published package', () => {
    expect(pkg).toMatchObject({
      type: 'module',
      sideEffects: false,
      files: ['dist'],
      engines: { node: '^20.19.0 || >=22' },
      publishConfig: { access: 'public' },
      dependencies: { '@otelkit/core': 'workspace:*' },
      peerDependenciesMeta: {
        '@sentry/node': { optional: true },
        fastify: { optional: true },
        express: { optional: true },
      },
    });
    for (const [key, value] of Object.entries(pkg.exports as Record<string, unknown>)) {
      if (key === './package.json') continue;
      expect(Object.keys(value as object), key).toEqual(['types', 'default']);
    }
  });
});
