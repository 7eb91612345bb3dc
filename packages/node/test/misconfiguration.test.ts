import type { Collector } from '@otelkit/collector';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, run, startTestCollector } from './support/harness.js';

// A bad environment stops the app at start — before any of its code runs — with core's ConfigError on stderr and a
// non-zero exit code, and nothing reaches the collector.
let collector: Collector;
beforeAll(async () => {
  collector = await startTestCollector();
});
afterAll(async () => {
  await collector?.stop();
});

async function startWith(file: string, env: Record<string, string>) {
  const child = run(['--import', '@otelkit/node/register', fixture(file)], {
    OTEL_SERVICE_NAME: 'misconfigured',
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.otlpGrpcUrl,
    OTEL_BSP_SCHEDULE_DELAY: '100',
    OTEL_METRIC_EXPORT_INTERVAL: '100',
    OTELKIT_LOGS_EXPORTER: 'otlp',
    DOWNSTREAM_URL: 'http://127.0.0.1:9',
    ...env,
  });
  const exit = await child.exited;
  return { exit, stdout: child.stdout(), stderr: child.stderr() };
}

function nothingReachedTheCollector(): void {
  expect(collector.query.services().filter((s) => s.name === 'misconfigured')).toEqual([]);
}

describe('misconfiguration', () => {
  for (const file of ['express-app.mjs', 'fastify-app.cjs']) {
    it(`OTEL_TRACES_SAMPLER=bogus: ${file} does not run; ConfigError on stderr, exit code 1`, async () => {
      const { exit, stdout, stderr } = await startWith(file, { OTEL_TRACES_SAMPLER: 'bogus' });
      expect(exit).toEqual({ code: 1, signal: null });
      expect(stdout).toBe('');
      expect(stderr).toContain('ConfigError: Invalid otelkit configuration (1 problem):');
      expect(stderr).toContain('  - OTEL_TRACES_SAMPLER="bogus": expected one of always_on, always_off, traceidratio,');
      expect(stderr).toContain('@otelkit/node/register: nothing was started and the application was not run.');
      nothingReachedTheCollector();
    });
  }

  it('lists every bad variable at once, otelkit/node`s own included', async () => {
    const { exit, stderr } = await startWith('express-app.mjs', {
      OTEL_TRACES_SAMPLER: 'sometimes',
      OTEL_METRIC_EXPORT_INTERVAL: '-5',
      OTELKIT_CONSOLE_CAPTURE: 'maybe',
    });
    expect(exit.code).toBe(1);
    expect(stderr).toContain('Invalid otelkit configuration (3 problems)');
    expect(stderr).toContain('OTEL_TRACES_SAMPLER="sometimes"');
    expect(stderr).toContain('OTEL_METRIC_EXPORT_INTERVAL="-5"');
    expect(stderr).toContain('OTELKIT_CONSOLE_CAPTURE="maybe": expected true or false');
  });

  it('a problem only one package knows (a malformed SENTRY_DSN) stops the start too, without echoing the DSN', async () => {
    const { exit, stdout, stderr } = await startWith('fastify-app.cjs', { SENTRY_DSN: 'https://secret-key@/' });
    expect(exit).toEqual({ code: 1, signal: null });
    expect(stdout).toBe('');
    expect(stderr).toContain('ConfigError: Invalid otelkit configuration');
    expect(stderr).toContain('SENTRY_DSN');
    expect(stderr).not.toContain('secret-key');
    nothingReachedTheCollector();
  });

  it('a problem only a later package knows (the traces protocol) stops the ones started before it: nothing half-started', async () => {
    const { exit, stdout, stderr } = await startWith('express-app.mjs', {
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
    });
    expect(exit).toEqual({ code: 1, signal: null });
    expect(stdout).toBe('');
    expect(stderr).toContain('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL="http/protobuf": expected "grpc"');
    // The logger (OTLP on) and the error reporter had started: they exported nothing and printed nothing else.
    expect(stderr.split('\n').filter((l) => l.startsWith('{'))).toEqual([]);
    await new Promise((r) => setTimeout(r, 500));
    nothingReachedTheCollector();
  });
});
