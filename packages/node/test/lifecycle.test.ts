import { connect } from 'node:net';
import type { Collector } from '@otelkit/collector';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type App,
  fixture,
  jsonLines,
  kill,
  run,
  spansOf,
  startApp,
  startTestCollector,
  waitFor,
} from './support/harness.js';

let collector: Collector;
const apps: App[] = [];
beforeAll(async () => {
  collector = await startTestCollector();
});
afterAll(async () => {
  await Promise.all(apps.map(kill));
  await collector?.stop();
});

const env = (service: string): Record<string, string> => ({
  OTEL_SERVICE_NAME: service,
  OTEL_EXPORTER_OTLP_ENDPOINT: collector.otlpGrpcUrl,
  // Nothing leaves on a timer: what reaches the collector came through an exit flush.
  OTEL_BSP_SCHEDULE_DELAY: '60000',
  OTEL_METRIC_EXPORT_INTERVAL: '60000',
});

async function lifecycle(scenario: string, extra: Record<string, string> = {}) {
  const child = run([fixture('lifecycle.mjs')], { ...env(`lifecycle-${scenario}`), SCENARIO: scenario, ...extra });
  const exit = await child.exited;
  return { exit, lines: jsonLines(child.stdout()), stderr: child.stderr() };
}

describe('exit handling', () => {
  it('under --import: one signal handler per signal for every package, and the error handlers of @otelkit/errors', async () => {
    const variants: Record<string, string>[] = [
      {},
      { SENTRY_DSN: 'http://public@127.0.0.1:9/1', OTELKIT_LOGS_EXPORTER: 'otlp' },
    ];
    for (const extra of variants) {
      const child = run(['--import', '@otelkit/node/register', fixture('listeners.mjs')], {
        ...env('listeners'),
        ...extra,
      });
      const exit = await child.exited;
      expect(exit.code, child.stderr()).toBe(0);
      const counts = JSON.parse(child.stdout());
      expect(counts).toMatchObject({ SIGTERM: 1, SIGINT: 1, uncaughtException: 1, unhandledRejection: 1 });
      if (!('SENTRY_DSN' in extra)) expect(counts.beforeExit).toBe(1);
    }
  });

  it('an app that handles SIGTERM itself decides when to exit; the signal only flushes', async () => {
    const app = await startApp(fixture('own-sigterm.mjs'), env('own-sigterm'));
    apps.push(app);
    for (let i = 0; i < 3; i++)
      await (await fetch(`${app.url}/greet/${i}`, { headers: { connection: 'close' } })).text();
    expect(spansOf(collector, 'own-sigterm')).toEqual([]);
    app.child.kill('SIGTERM');
    // Not re-raised: the process ended because the app closed its server, after the flush.
    expect(await app.exited).toEqual({ code: 0, signal: null });
    const spans = spansOf(collector, 'own-sigterm').filter((s) => s.kind === 'server');
    expect(spans.map((s) => s.attributes['url.path']).sort()).toEqual(['/greet/0', '/greet/1', '/greet/2']);
  });

  it('a script that runs out of work is flushed once on beforeExit and then ends', async () => {
    const child = run(['--import', '@otelkit/node/register', fixture('run-to-end.cjs')], env('run-to-end'));
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(child.stderr()).toBe('');
    expect(spansOf(collector, 'run-to-end').filter((s) => s.kind === 'server')).toHaveLength(3);
    expect(spansOf(collector, 'run-to-end').filter((s) => s.kind === 'client')).toHaveLength(3);
    const red = collector.query.red({ service: 'run-to-end', source: 'metrics' }).red;
    expect(red.reduce((n, r) => n + r.count, 0)).toBe(3);
    // A plain node:http server has no router: its completion lines carry the path, never the query string.
    const lines = jsonLines(child.stdout());
    expect(lines.map((l) => l.message)).toEqual(['GET /jobs/0 200', 'GET /jobs/1 200', 'GET /jobs/2 200']);
    expect(lines[0]?.request).toMatchObject({ method: 'GET', path: '/jobs/0', status_code: 200 });
    expect(lines[0]?.request).not.toHaveProperty('route');
    expect(child.stdout()).not.toContain('attempt');
  });

  it('OTELKIT_LOG_LEVEL=info,http=warn keeps the completion lines of successful requests off', async () => {
    const child = run(['--import', '@otelkit/node/register', fixture('run-to-end.cjs')], {
      ...env('quiet-http'),
      OTELKIT_LOG_LEVEL: 'info,http=warn',
    });
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(jsonLines(child.stdout())).toEqual([]);
    expect(spansOf(collector, 'quiet-http').filter((s) => s.kind === 'server')).toHaveLength(3);
  });

  it('a request the client abandons gets its completion line too: ERROR, status 499, aborted', async () => {
    const app = await startApp(fixture('slow-http.mjs'), env('abandoned'));
    apps.push(app);
    const socket = connect(Number(new URL(app.url).port), '127.0.0.1');
    socket.write('GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await waitFor(() => app.stderr().includes('received /slow'), 'the request to arrive');
    socket.destroy();
    const line = await waitFor(() => jsonLines(app.stdout())[0], 'the completion line');
    expect(line).toMatchObject({
      level: 'ERROR',
      message: 'GET /slow 499',
      request: { method: 'GET', path: '/slow', status_code: 499 },
      context: { aborted: true, logger: 'http' },
    });
  });
});

describe('console capture', () => {
  it('OTELKIT_CONSOLE_CAPTURE=true turns each console call into one record at its level, an Error as `error`', async () => {
    const child = run(['--import', '@otelkit/node/register', fixture('console-app.mjs')], {
      ...env('console-app'),
      OTELKIT_CONSOLE_CAPTURE: 'true',
      OTELKIT_LOG_LEVEL: 'debug',
    });
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(child.stderr()).toBe('');
    const lines = jsonLines(child.stdout());
    expect(lines.map((l) => [l.level, l.message])).toEqual([
      ['DEBUG', 'cache warm: 3 entries'],
      ['INFO', 'order o-42 accepted'],
      ['INFO', "{ queue: 'email', depth: 2 }"],
      ['WARN', 'slow gateway'],
      ['ERROR', 'payment failed TypeError: card expired'],
    ]);
    expect(lines.every((l) => (l.context as { logger?: string }).logger === 'console')).toBe(true);
    expect(lines[4]?.error).toMatchObject({ type: 'TypeError', message: 'card expired' });
    expect((lines[4]?.error as { stack_trace?: string } | undefined)?.stack_trace).toContain('console-app.mjs');
  });

  it('is off by default: console output stays plain text', async () => {
    const child = run(['--import', '@otelkit/node/register', fixture('console-app.mjs')], env('console-plain'));
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(child.stdout()).toBe("cache warm: 3 entries\norder o-42 accepted\n{ queue: 'email', depth: 2 }\n");
    expect(child.stderr()).toContain('slow gateway\npayment failed TypeError: card expired');
  });
});

describe('worker threads', () => {
  it('inherit --import but start nothing: the main thread covers the process', async () => {
    const child = run(['--import', '@otelkit/node/register', fixture('worker-app.mjs')], env('workers'));
    expect(await child.exited, child.stderr()).toEqual({ code: 0, signal: null });
    expect(jsonLines(child.stdout()).map((l) => l.message)).toEqual(['GET /main 200']);
    const servers = spansOf(collector, 'workers').filter((s) => s.kind === 'server');
    expect(servers.map((s) => s.attributes['url.path'])).toEqual(['/main']);
  });
});

describe('start() from code', () => {
  it('a second call returns the running instance with one warning; shutdown removes every handler and hook', async () => {
    const { exit, lines, stderr } = await lifecycle('twice');
    expect(exit.code).toBe(0);
    expect(lines[0]).toEqual({
      same: true,
      packages: ['logging', 'errors', 'tracing', 'metrics'],
      running: { SIGTERM: 1, SIGINT: 1, beforeExit: 1, uncaughtException: 1 },
      captured: true,
    });
    expect(lines[1]).toEqual({
      stopped: { SIGTERM: 0, SIGINT: 0, beforeExit: 0, uncaughtException: 0 },
      restored: true,
    });
    const warnings = jsonLines(stderr);
    expect(warnings.map((w) => (w.context as Record<string, unknown>)['otelkit.warning'])).toEqual([
      'node.start.again',
    ]);
  });

  it('exitHandlers: false leaves the signals to the app', async () => {
    const { exit, lines } = await lifecycle('no-exit-handlers');
    expect(exit.code).toBe(0);
    expect(lines[0]).toMatchObject({ running: { SIGTERM: 0, SIGINT: 0, beforeExit: 0 } });
  });

  it('OTEL_SDK_DISABLED=true starts nothing', async () => {
    const { exit, lines, stderr } = await lifecycle('default', { OTEL_SDK_DISABLED: 'true' });
    expect(exit.code).toBe(0);
    expect(lines[0]).toEqual({
      packages: [],
      running: { SIGTERM: 0, SIGINT: 0, beforeExit: 0, uncaughtException: 0 },
    });
    expect(stderr).toBe('');
  });

  it('invalid options: one ConfigError listing each, nothing started', async () => {
    const { exit, lines } = await lifecycle('invalid-options');
    expect(exit.code).toBe(0);
    expect(lines[0]).toEqual({
      name: 'ConfigError',
      code: 'OTELKIT_CONFIG_INVALID',
      fields: ['options.packages[1]', 'options.consoleCapture', 'options.shutdownTimeoutMs'],
      running: { SIGTERM: 0, SIGINT: 0, beforeExit: 0, uncaughtException: 0 },
    });
  });

  it('console capture asked for in code without logging started: ConfigError', async () => {
    const { lines } = await lifecycle('capture-without-logging');
    expect(lines[0]).toMatchObject({ code: 'OTELKIT_CONFIG_INVALID' });
    expect(lines[0]?.message).toContain(
      'options.consoleCapture=true: expected false unless @otelkit/logging is installed and started',
    );
  });
});
