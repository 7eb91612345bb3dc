import { trace } from '@opentelemetry/api';
import type { Collector, Span } from '@otelkit/collector';
import { ConfigError } from '@otelkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentTraceIds, recordError, startTracing, type Tracing, withSpan } from '../src/index.js';
import { startTestCollector, waitFor, withEnv } from './support/harness.js';

class PaymentProcessingException extends Error {
  override name = 'PaymentProcessingException';
}

const ENV = {
  OTEL_SERVICE_NAME: 'helpers-test',
  OTEL_BSP_SCHEDULE_DELAY: '50',
  OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '64',
  OTEL_ATTRIBUTE_COUNT_LIMIT: '20',
};

describe('withSpan, recordError and currentTraceIds against the collector', () => {
  let collector: Collector;
  let tracing: Tracing;
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    collector = await startTestCollector();
    for (const [k, v] of Object.entries(ENV)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    tracing = startTracing({ endpoint: collector.otlpGrpcUrl, instrumentations: [], exitHandlers: false });
  });

  afterAll(async () => {
    await tracing?.shutdown();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await collector?.stop();
  });

  async function exported(name: string): Promise<Span> {
    await tracing.forceFlush();
    return waitFor(() => {
      for (const t of collector.query.listTraces({ name, limit: 100 })) {
        const span = collector.query.getTrace(t.traceId)?.spans.find((s) => s.name === name);
        if (span) return span;
      }
      return undefined;
    }, `span ${name}`);
  }

  function expectErrorRecorded(span: Span, message: string) {
    expect(span.status).toBe('error');
    expect(span.statusMessage).toBe(message);
    const event = span.events.find((e) => e.name === 'exception');
    expect(event?.attributes['exception.type']).toBe('PaymentProcessingException');
    expect(event?.attributes['exception.message']).toBe(message);
    expect(String(event?.attributes['exception.stacktrace'])).toContain('PaymentProcessingException');
    expect(event?.attributes['otelkit.error.fingerprint']).toMatch(/\S+/);
    expect(event?.attributes['otelkit.error.severity']).toMatch(/^(critical|high|medium|low)$/);
    expect(event?.attributes['otelkit.error.category']).toMatch(
      /^(runtime|logic|integration|performance|configuration|security)$/,
    );
    expect(span.attributes['otelkit.error.fingerprint']).toBe(event?.attributes['otelkit.error.fingerprint']);
    expect(span.attributes['error.type']).toBe('PaymentProcessingException');
  }

  it('returns a synchronous result, ends the span and makes it active inside', async () => {
    let inside: ReturnType<typeof currentTraceIds>;
    const value = withSpan('sync ok', { attributes: { 'payment.amount': 149.99 } }, (span) => {
      inside = currentTraceIds();
      expect(inside?.spanId).toBe(span.spanContext().spanId);
      return 42;
    });
    expect(value).toBe(42);
    expect(currentTraceIds()).toBeUndefined();
    const span = await exported('sync ok');
    expect(span.spanId).toBe(inside?.spanId);
    expect(span.status).toBe('unset');
    expect(span.attributes['payment.amount']).toBe(149.99);
  });

  it('records a synchronous throw with the core error fields, ends the span and rethrows the same error', async () => {
    const error = new PaymentProcessingException('Failed to charge card: Insufficient funds');
    expect(() =>
      withSpan('sync failure', () => {
        throw error;
      }),
    ).toThrow(error);
    expectErrorRecorded(await exported('sync failure'), 'Failed to charge card: Insufficient funds');
  });

  it('records an async rejection and ends the span when the promise settles', async () => {
    const error = new PaymentProcessingException('card gateway said no');
    await expect(
      withSpan('async failure', async () => {
        await new Promise((r) => setTimeout(r, 5));
        throw error;
      }),
    ).rejects.toBe(error);
    expectErrorRecorded(await exported('async failure'), 'card gateway said no');
  });

  it('nests spans: a child started inside has the outer span as parent', async () => {
    await withSpan('outer', async () => {
      await withSpan('inner', async () => undefined);
    });
    const inner = await exported('inner');
    const outer = await exported('outer');
    expect(inner.parentSpanId).toBe(outer.spanId);
    expect(inner.traceId).toBe(outer.traceId);
  });

  it('recordError marks the active span, and reports false without one', async () => {
    expect(recordError(new Error('nowhere'))).toBe(false);
    withSpan('manual record', () => {
      expect(recordError(new PaymentProcessingException('declined'))).toBe(true);
    });
    expectErrorRecorded(await exported('manual record'), 'declined');
  });

  it('redacts secrets in attribute values before export', async () => {
    withSpan('with secrets', (span) => {
      span.setAttributes({
        'http.request.header.authorization': 'Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig',
        'url.query': 'token=s3cr3t-value&page=2',
        'payment.note': 'customer said password=hunter2',
        'payment.id': 'pay_123',
      });
    });
    const span = await exported('with secrets');
    expect(span.attributes['http.request.header.authorization']).toBe('[REDACTED]');
    expect(span.attributes['url.query']).not.toContain('s3cr3t-value');
    expect(span.attributes['url.query']).toContain('page=2');
    expect(span.attributes['payment.note']).not.toContain('hunter2');
    expect(span.attributes['payment.id']).toBe('pay_123');
  });

  it('honours OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT and OTEL_ATTRIBUTE_COUNT_LIMIT', async () => {
    withSpan('limits', (span) => {
      span.setAttribute('long.value', 'x'.repeat(500));
      for (let i = 0; i < 40; i++) span.setAttribute(`attr.${i}`, i);
    });
    const span = await exported('limits');
    expect(String(span.attributes['long.value']).length).toBe(64);
    expect(Object.keys(span.attributes).length).toBe(20);
  });

  it('is idempotent: a second start returns the running instance', () => {
    expect(startTracing()).toBe(tracing);
  });

  it('carries the core resource: service name and environment', async () => {
    const span = await exported('sync ok');
    expect(span.service).toBe('helpers-test');
    expect(span.resource['deployment.environment.name']).toBe('development');
    expect(span.resource['host.name']).toEqual(expect.any(String));
  });
});

describe('start-up validation', () => {
  it('throws one ConfigError naming each invalid variable', () => {
    const error = withEnv({ OTEL_TRACES_SAMPLER: 'sometimes', OTEL_BSP_MAX_QUEUE_SIZE: '-3' }, () => {
      try {
        startTracing({ exitHandlers: false });
      } catch (e) {
        return e;
      }
      return undefined;
    });
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain('OTEL_TRACES_SAMPLER="sometimes"');
    expect((error as ConfigError).message).toContain('OTEL_BSP_MAX_QUEUE_SIZE');
    expect(trace.getTracerProvider().getTracer('x').startSpan('x').isRecording()).toBe(false);
  });

  it('throws a ConfigError for an unknown instrumentation name or a bad option', () => {
    expect(() =>
      startTracing({ instrumentations: ['http', 'mongoose' as 'http'], shutdownTimeoutMs: -1, exitHandlers: false }),
    ).toThrow(/options\.instrumentations\[1\]="mongoose".*\n.*options\.shutdownTimeoutMs=-1/);
  });

  it('rejects a non-gRPC OTLP protocol unless an exporter is given', () => {
    expect(() =>
      withEnv({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' }, () => startTracing({ exitHandlers: false })),
    ).toThrow(/OTEL_EXPORTER_OTLP_TRACES_PROTOCOL="http\/json": expected "grpc"/);
  });

  it('starts a no-op with OTEL_SDK_DISABLED=true', async () => {
    const tracing = withEnv({ OTEL_SDK_DISABLED: 'true' }, () => startTracing({ exitHandlers: false }));
    expect(tracing.instrumentations).toEqual([]);
    expect(tracing.tracer.startSpan('x').isRecording()).toBe(false);
    await tracing.shutdown();
  });
});
