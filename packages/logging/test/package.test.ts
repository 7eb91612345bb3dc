import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// These run the built package (dist/, through the exports map) in child processes, as a consumer would.
const root = fileURLToPath(new URL('..', import.meta.url));
const node = (args: string[]) =>
  execFileSync(process.execPath, args, {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, OTELKIT_LOGS_EXPORTER: 'none' },
  });

describe('package entry points', () => {
  it('exposes every entry point to import and to require', () => {
    const esm = node([
      '--input-type=module',
      '-e',
      `const a = await import('@otelkit/logging'); const b = await import('@otelkit/logging/fastify');
       const c = await import('@otelkit/logging/express');
       console.log(typeof a.createLogger, typeof b.loggingPlugin, typeof c.createLoggingMiddleware);`,
    ]);
    expect(esm.trim()).toBe('function function function');
    const cjs = node([
      '-e',
      `const a = require('@otelkit/logging'); const b = require('@otelkit/logging/fastify');
       const c = require('@otelkit/logging/express');
       console.log(typeof a.createLogger, typeof b.loggingPlugin, typeof c.createLoggingMiddleware);`,
    ]);
    expect(cjs.trim()).toBe('function function function');
  });

  it('loads no framework, exporter or SDK until asked to', () => {
    const loaded = node([
      '-e',
      `const { createLogger } = require('@otelkit/logging');
       createLogger({ destination: { write() {} } }).info('x');
       console.log(JSON.stringify(Object.keys(require.cache)));`,
    ]);
    const files = JSON.parse(loaded) as string[];
    for (const heavy of [
      '/fastify/',
      '/express/',
      'sdk-logs',
      'grpc-js',
      'exporter-logs',
      'pino-pretty',
      'sdk-trace',
    ]) {
      expect(files.filter((f) => f.includes(heavy))).toEqual([]);
    }
  });

  it('declares its exports, peers and engines as the package guide says', () => {
    const pkg = JSON.parse(readFileSync(`${root}/package.json`, 'utf8'));
    expect(Object.keys(pkg.exports)).toEqual(['.', './fastify', './express', './package.json']);
    for (const entry of ['.', './fastify', './express'])
      expect(Object.keys(pkg.exports[entry])).toEqual(['types', 'default']);
    expect(pkg.sideEffects).toBe(false);
    expect(pkg.engines.node).toBe('^20.19.0 || >=22');
    expect(pkg.dependencies).toEqual({ '@otelkit/core': 'workspace:*', pino: expect.any(String) });
    for (const optional of [
      'fastify',
      'express',
      'pino-pretty',
      '@opentelemetry/sdk-logs',
      '@opentelemetry/exporter-logs-otlp-grpc',
    ]) {
      expect(pkg.peerDependenciesMeta[optional]).toEqual({ optional: true });
    }
    expect(pkg.peerDependencies['@opentelemetry/api']).toBe('>=1.9.0 <2.0.0');
  });
});
