import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Collector, startCollector } from '@otelkit/collector';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Parsed } from './support/parsed.js';

const root = fileURLToPath(new URL('..', import.meta.url));

function run(
  fixture: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`test/fixtures/${fixture}`], { cwd: root, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += c;
    });
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function api(collector: Collector, path: string): Promise<Parsed> {
  const res = await fetch(new URL(path, collector.uiUrl));
  expect(res.status).toBe(200);
  return res.json();
}

describe('with @otelkit/tracing and @otelkit/logging, against the local collector', () => {
  let collector: Collector;

  beforeAll(() => {
    for (const pkg of ['errors', 'tracing', 'logging']) {
      if (!existsSync(`${root}../${pkg}/dist/index.js`)) throw new Error(`build @otelkit/${pkg} first`);
    }
  });
  // A collector per test, so that each test sees only its own telemetry.
  beforeEach(async () => {
    collector = await startCollector({ grpcPort: 0, httpPort: 0, uiPort: 0 });
  });
  afterEach(async () => {
    await collector?.stop();
  });

  /** The spans of one trace, reduced to what must not change when Sentry is switched on. */
  async function shapeOf(traceId: string): Promise<string[]> {
    const trace = await api(collector, `/api/traces/${traceId}`);
    return (trace.spans as Parsed[])
      .map((s) => `${s.kind} ${s.name} ${s.status} events=${(s.events as Parsed[]).map((e) => e.name).join(',')}`)
      .sort();
  }

  function errorRecord(stdout: string): Parsed {
    return stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l))
      .find((l) => l.level === 'ERROR' && l.error?.type === 'PaymentProcessingException');
  }

  it('with @otelkit/tracing, switching Sentry on changes no span of the request', async () => {
    const env = { OTEL_SERVICE_NAME: 'payment-service', OTEL_EXPORTER_OTLP_ENDPOINT: collector.otlpGrpcUrl };
    const local = await run('traced-fastify.mjs', { ...env, SENTRY_DSN: '', CORRELATION_ID: 'req-local' });
    const sentry = await run('traced-fastify.mjs', {
      ...env,
      SENTRY_DSN: collector.sentryDsn,
      CORRELATION_ID: 'req-sentry',
    });
    expect(local.code, local.stderr).toBe(0);
    expect(sentry.code, sentry.stderr).toBe(0);
    const localRecord = errorRecord(local.stdout);
    const sentryRecord = errorRecord(sentry.stdout);
    expect(localRecord.context?.['sentry.event_id']).toBeUndefined();
    expect(sentryRecord.context['sentry.event_id']).toMatch(/^[0-9a-f]{32}$/);
    const withoutSentry = await shapeOf(localRecord.trace_id);
    expect(withoutSentry.length).toBeGreaterThanOrEqual(2);
    expect(await shapeOf(sentryRecord.trace_id)).toEqual(withoutSentry);
    // Same failure, same identity, whichever mode reported it.
    expect(sentryRecord.error.fingerprint).toBe(localRecord.error.fingerprint);
  });

  it('an error thrown in a traced Fastify request has one fingerprint in Sentry, on the span and on the ERROR line', async () => {
    const result = await run('traced-fastify.mjs', {
      OTEL_SERVICE_NAME: 'payment-service',
      OTELKIT_SERVICE_VERSION: 'v2.3.1',
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.otlpGrpcUrl,
      SENTRY_DSN: collector.sentryDsn,
    });
    expect(result.code, result.stderr).toBe(0);
    const { response } = JSON.parse(result.stderr.trim().split('\n').pop() as string);
    expect(response).toEqual({
      status: 500,
      correlationId: 'req-7f3b2a1c-4d5e',
      body: {
        statusCode: 500,
        error: 'Internal Server Error',
        message: 'Internal Server Error',
        correlation_id: 'req-7f3b2a1c-4d5e',
      },
    });

    // The ERROR record @otelkit/errors wrote on stdout.
    const record = errorRecord(result.stdout);
    expect(record).toMatchObject({
      service: 'payment-service',
      version: 'v2.3.1',
      correlation_id: 'req-7f3b2a1c-4d5e',
    });
    const fingerprint = record.error.fingerprint as string;
    const traceId = record.trace_id as string;

    // One error group in the collector, reported by Sentry and by the span's exception event.
    const detail = await api(collector, `/api/errors/${encodeURIComponent(fingerprint)}`);
    expect(detail).toMatchObject({ sources: { sentry: 1, span: 1 }, versions: ['v2.3.1'] });
    const sentry = (detail.events as Parsed[]).find((o) => o.source === 'sentry');
    expect(sentry).toMatchObject({
      traceId,
      correlationId: 'req-7f3b2a1c-4d5e',
      service: 'payment-service',
      severity: 'medium',
      category: 'runtime',
    });
    // The log line written inside the request travelled as a redacted breadcrumb.
    const crumb = (sentry.breadcrumbs as Parsed[]).find((b) => b.message === 'charging card');
    expect(crumb?.data).toMatchObject({ correlation_id: 'req-7f3b2a1c-4d5e', trace_id: traceId });
    expect(JSON.stringify(detail)).not.toContain('4111111111111111');

    // The trace: the server span carries one exception event, with the same fingerprint.
    const trace = await api(collector, `/api/traces/${traceId}`);
    const server = (trace.spans as Parsed[]).find((s) => s.kind === 'server');
    const exceptions = (server.events as Parsed[]).filter((e) => e.name === 'exception');
    expect(exceptions).toHaveLength(1);
    expect(exceptions[0].attributes).toMatchObject({
      'otelkit.error.fingerprint': fingerprint,
      'exception.type': 'PaymentProcessingException',
      'otelkit.correlation_id': 'req-7f3b2a1c-4d5e',
    });
    expect(exceptions[0].attributes['sentry.event_id']).toBe(sentry.eventId);

    // @otelkit/logging's lines of the same request reached the collector on the same trace and correlation id.
    const { logs } = await api(collector, `/api/logs?trace_id=${traceId}`);
    expect((logs as Parsed[]).map((l) => l.message).sort()).toEqual([
      'POST /api/v1/payments/charge/:order 500',
      'charging card',
    ]);
    for (const l of logs as Parsed[]) expect(l.correlation_id).toBe('req-7f3b2a1c-4d5e');
  });
});
