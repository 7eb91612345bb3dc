import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Collector } from '@otelkit/collector';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type App,
  type Downstream,
  type Exit,
  jsonLines,
  kill,
  run,
  spansOf,
  startApp,
  startDownstream,
  startTestCollector,
  waitFor,
} from './support/harness.js';
import { createProjects, repoPackage } from './support/projects.js';

const projects = createProjects();
const project = projects.create;
afterAll(() => projects.remove());

/** What `start()` reports from inside the project, and what it printed on stderr. */
async function startIn(dir: string, env: Record<string, string> = {}): Promise<{ packages: unknown; stderr: string }> {
  const child = run(
    [
      '--input-type=module',
      '-e',
      "const { start } = await import('@otelkit/node'); const o = start(); process.stdout.write(JSON.stringify(o.packages)); await o.shutdown(100);",
    ],
    { OTEL_METRIC_EXPORT_INTERVAL: '60000', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', ...env },
    dir,
  );
  const exit = await child.exited;
  expect(exit.code, child.stderr()).toBe(0);
  return { packages: JSON.parse(child.stdout()), stderr: child.stderr() };
}

async function startedPackages(dir: string): Promise<unknown> {
  return (await startIn(dir)).packages;
}

interface Scenario {
  app: App;
  exit: Exit;
  statuses: number[];
}

async function drive(dir: string, file: string, env: Record<string, string>): Promise<Scenario> {
  const app = await startApp(join(dir, file), env, dir);
  const statuses: number[] = [];
  for (const path of ['orders/7', 'boom']) {
    const res = await fetch(`${app.url}/${path}`);
    statuses.push(res.status);
    await res.arrayBuffer();
  }
  app.child.kill('SIGTERM');
  return { app, exit: await app.exited, statuses };
}

describe('only some otelkit packages installed', () => {
  let collector: Collector;
  let downstream: Downstream;
  const apps: App[] = [];
  beforeAll(async () => {
    collector = await startTestCollector();
    downstream = await startDownstream();
  });
  afterAll(async () => {
    await Promise.all(apps.map(kill));
    await collector?.stop();
    await downstream?.close();
  });

  const env = (service: string): Record<string, string> => ({
    OTEL_SERVICE_NAME: service,
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.otlpGrpcUrl,
    SENTRY_DSN: collector.sentryDsn,
    OTELKIT_LOGS_EXPORTER: 'otlp',
    OTEL_METRIC_EXPORT_INTERVAL: '60000',
    DOWNSTREAM_URL: downstream.url,
  });

  it('logging + metrics: completion lines and RED metrics; tracing and errors skipped silently', async () => {
    const dir = project('logging-metrics', ['logging', 'metrics'], 'fastify');
    expect(await startedPackages(dir)).toEqual(['logging', 'metrics']);
    // Asked for in code, a package that is not installed is a ConfigError.
    const asked = run(
      [
        '--input-type=module',
        '-e',
        "import { start } from '@otelkit/node'; start({ packages: ['metrics', 'tracing'] });",
      ],
      {},
      dir,
    );
    expect((await asked.exited).code).toBe(1);
    expect(asked.stderr()).toContain(
      'options.packages[1]="tracing": expected an installed package (install @otelkit/tracing, or leave it out)',
    );
    const before = downstream.traceparents.length;
    const { app, exit, statuses } = await drive(dir, 'app.cjs', env('partial-logging-metrics'));
    apps.push(app);
    expect(statuses).toEqual([200, 500]);
    expect(exit).toEqual({ code: null, signal: 'SIGTERM' });
    expect(app.stderr()).toBe('');
    const lines = jsonLines(app.stdout());
    expect(lines.map((l) => l.message)).toEqual(['GET /orders/:id 200', 'GET /boom 500']);
    // No tracing: no trace ids, nothing propagated, no spans.
    expect(lines.every((l) => l.trace_id === undefined)).toBe(true);
    expect(downstream.traceparents.length).toBe(before);
    expect(spansOf(collector, 'partial-logging-metrics')).toEqual([]);
    const red = collector.query.red({ service: 'partial-logging-metrics', source: 'metrics' }).red;
    expect(red.map((r) => [r.route, r.count, r.errorCount]).sort()).toEqual([
      ['GET /boom', 1, 1],
      ['GET /orders/:id', 1, 0],
    ]);
    const logs = await waitFor(() => {
      const found = collector.query.searchLogs({ service: 'partial-logging-metrics' });
      return found.length === 2 ? found : undefined;
    }, 'the two completion lines over OTLP');
    expect(logs.map((l) => l.message).sort()).toEqual(['GET /boom 500', 'GET /orders/:id 200']);
    expect(collector.query.listErrorGroups({ service: 'partial-logging-metrics' })).toEqual([]);
  });

  it('tracing + errors: spans and captured errors; no completion lines, no metrics', async () => {
    const dir = project('tracing-errors', ['tracing', 'errors'], 'fastify');
    expect(await startedPackages(dir)).toEqual(['errors', 'tracing']);
    const service = 'partial-tracing-errors';
    const { app, exit, statuses } = await drive(dir, 'app.cjs', env(service));
    apps.push(app);
    expect(statuses).toEqual([200, 500]);
    expect(exit).toEqual({ code: null, signal: 'SIGTERM' });
    expect(app.stderr()).toBe('');
    // The only line on stdout besides the app's own is the ERROR record of the captured error.
    const lines = jsonLines(app.stdout());
    expect(lines.map((l) => [l.level, l.message])).toEqual([['ERROR', 'order store unavailable']]);
    const spans = spansOf(collector, service);
    expect(spans.filter((s) => s.kind === 'server').map((s) => s.name)).toEqual(
      expect.arrayContaining(['GET /orders/:id', 'GET /boom']),
    );
    expect(spans.some((s) => s.kind === 'client')).toBe(true);
    const group = await waitFor(
      () => collector.query.listErrorGroups({ service }).find((g) => g.sources.sentry > 0 && g.sources.span > 0),
      'the error group from Sentry and the span',
    );
    expect(group.message).toBe('order store unavailable');
    expect(collector.query.services().find((s) => s.name === service)?.metricPoints).toBe(0);
    expect(collector.query.searchLogs({ service })).toEqual([]);
  });

  it('no signal package at all: the app runs exactly as without otelkit', async () => {
    const dir = project('none', [], 'express');
    expect(await startedPackages(dir)).toEqual([]);
    const { app, exit, statuses } = await drive(dir, 'app.mjs', env('partial-none'));
    apps.push(app);
    expect(statuses).toEqual([200, 500]);
    expect(exit).toEqual({ code: null, signal: 'SIGTERM' });
    // The app's own output only: its listening line and its console.log; on stderr at most Express's own print of
    // the error (a stack trace, not a record).
    expect(app.stdout()).toMatch(/^listening on \d+\nloading order 7\n$/);
    expect(jsonLines(app.stderr())).toEqual([]);
    expect(collector.query.services().some((s) => s.name === 'partial-none')).toBe(false);
  });

  it('a broken install (the package.json without its files) is left out with one warning', async () => {
    const dir = project('broken', ['logging'], 'fastify');
    const broken = join(dir, 'node_modules', '@otelkit', 'tracing');
    mkdirSync(broken);
    copyFileSync(join(repoPackage('tracing'), 'package.json'), join(broken, 'package.json'));
    const { packages, stderr } = await startIn(dir);
    expect(packages).toEqual(['logging']);
    const warnings = jsonLines(stderr);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 'WARN', context: { 'otelkit.warning': 'node.load.tracing' } });
    expect(warnings[0]?.message).toContain('@otelkit/tracing is installed but cannot be resolved; it is not started');
  });

  it('console capture asked for by the environment without @otelkit/logging: one warning, the app runs', async () => {
    const dir = project('none-capture', ['metrics'], 'express');
    const { app, exit, statuses } = await drive(dir, 'app.mjs', {
      ...env('partial-capture'),
      OTELKIT_CONSOLE_CAPTURE: 'true',
    });
    apps.push(app);
    expect(statuses).toEqual([200, 500]);
    expect(exit.signal).toBe('SIGTERM');
    const warnings = jsonLines(app.stderr());
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      level: 'WARN',
      context: { 'otelkit.warning': 'node.console-capture.unavailable' },
    });
    expect(app.stdout()).toContain('loading order 7\n');
  });
});
