import { ConfigError, fingerprint, runWithContext, withFingerprint } from '@otelkit/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { captureError, initErrors } from '../src/index.js';
import { lineSink } from './support/line-sink.js';
import { startTestTracing } from './support/tracing.js';

class PaymentProcessingException extends Error {
  override name = 'PaymentProcessingException';
}

describe('local mode (no DSN)', () => {
  const sink = lineSink();
  const tracing = startTestTracing();
  let reporter: ReturnType<typeof initErrors>;

  beforeAll(() => {
    reporter = initErrors({ dsn: false, log: sink, captureProcessErrors: false });
  });
  afterEach(() => {
    sink.lines.length = 0;
    tracing.exporter.reset();
  });
  afterAll(async () => {
    await reporter.shutdown();
    await tracing.stop();
  });

  it('is local without a DSN', () => {
    expect(reporter.mode).toBe('local');
  });

  it('writes one ERROR record of the core schema and adds the exception event to the active span', () => {
    const error = new PaymentProcessingException('Failed to charge card: Insufficient funds');
    let spanIds: { traceId: string; spanId: string } | undefined;
    const result = runWithContext({ correlationId: 'req-7f3b2a1c-4d5e', userId: 'user-12345' }, () =>
      tracing.tracer.startActiveSpan('charge', (span) => {
        spanIds = span.spanContext();
        const r = captureError(error, {
          message: 'Failed to charge card',
          context: { payment_method: 'credit_card', amount: 149.99 },
          request: { method: 'POST', path: '/api/v1/payments/charge', status_code: 502 },
        });
        span.end();
        return r;
      }),
    );

    expect(result.fingerprint).toBe(fingerprint(error));
    expect(result.classification).toEqual({ severity: 'medium', category: 'runtime', retryable: false });
    expect(result.eventId).toBeUndefined();

    const [record] = sink.records();
    expect(sink.lines).toHaveLength(1);
    expect(record).toMatchObject({
      level: 'ERROR',
      message: 'Failed to charge card',
      correlation_id: 'req-7f3b2a1c-4d5e',
      trace_id: spanIds?.traceId,
      span_id: spanIds?.spanId,
      user: { id: 'user-12345' },
      request: { method: 'POST', path: '/api/v1/payments/charge', status_code: 502 },
      context: { payment_method: 'credit_card', amount: 149.99 },
      error: {
        type: 'PaymentProcessingException',
        message: 'Failed to charge card: Insufficient funds',
        fingerprint: result.fingerprint,
        severity: 'medium',
        category: 'runtime',
        retryable: false,
      },
    });
    expect(typeof record?.service).toBe('string');
    expect(record?.error.stack_trace).toContain('PaymentProcessingException');

    const [span] = tracing.exporter.getFinishedSpans();
    const event = span?.events.find((e) => e.name === 'exception');
    expect(event?.attributes).toMatchObject({
      'exception.type': 'PaymentProcessingException',
      'exception.message': 'Failed to charge card: Insufficient funds',
      'otelkit.error.fingerprint': result.fingerprint,
      'otelkit.error.severity': 'medium',
      'otelkit.error.category': 'runtime',
      'otelkit.correlation_id': 'req-7f3b2a1c-4d5e',
      'user.id': 'user-12345',
    });
    expect(span?.status.code).toBe(2); // ERROR
  });

  it('redacts the record and the span event alike', () => {
    tracing.tracer.startActiveSpan('op', (span) => {
      captureError(new Error('declined card 4111 1111 1111 1111 for ann@example.com token=abc123'), {
        context: { password: 'hunter2', body: { card_number: '4111111111111111', note: 'ok' } },
      });
      span.end();
    });
    const line = sink.lines.join('');
    for (const secret of ['4111', 'ann@example.com', 'abc123', 'hunter2']) expect(line).not.toContain(secret);
    const record = sink.records()[0];
    expect(record?.context).toEqual({ password: '[REDACTED]', body: { card_number: '[REDACTED]', note: 'ok' } });
    const attrs = tracing.exporter.getFinishedSpans()[0]?.events[0]?.attributes ?? {};
    expect(JSON.stringify(attrs)).not.toContain('4111');
    expect(JSON.stringify(attrs)).not.toContain('abc123');
  });

  it('keeps only the opaque user ids in the record, never an email', () => {
    captureError(new Error('x'), { user: { id: 'u-1', email: 'ann@example.com', username: 'ann' } });
    const record = sink.records()[0];
    expect(record?.user).toEqual({ id: 'u-1' });
    expect(sink.lines[0]).not.toContain('ann');
  });

  it('honours an explicit fingerprint on the error or in the capture context', () => {
    const a = captureError(withFingerprint(new Error('card 1 declined'), 'payment-card-declined'));
    const b = captureError(new Error('other'), { fingerprint: 'my-group' });
    expect(a.fingerprint).toBe('payment-card-declined');
    expect(b.fingerprint).toBe('my-group');
    expect(sink.records().map((r) => r.error.fingerprint)).toEqual(['payment-card-declined', 'my-group']);
  });

  it('captures one error object once', () => {
    const error = new Error('twice');
    const first = captureError(error);
    const second = captureError(error);
    expect(second).toBe(first);
    expect(sink.lines).toHaveLength(1);
  });

  it('works without an active span and with hostile values, and never throws', () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('trap');
        },
      },
    );
    expect(() => captureError(hostile)).not.toThrow();
    expect(() => captureError(undefined)).not.toThrow();
    expect(() => captureError('a string')).not.toThrow();
    expect(sink.lines).toHaveLength(3);
    for (const r of sink.records()) expect(r.level).toBe('ERROR');
  });

  it('a second initErrors keeps the running reporter', () => {
    expect(initErrors({ dsn: false, log: false })).toBe(reporter);
  });
});

describe('configuration', () => {
  it('lists every bad option in one ConfigError without echoing the DSN', () => {
    let error: unknown;
    try {
      initErrors({ dsn: 'not a dsn', sampleRate: 2, maxBreadcrumbs: -1, log: false });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.map((p) => p.field);
    expect(problems).toEqual(['options.dsn', 'options.sampleRate', 'options.maxBreadcrumbs']);
    expect((error as Error).message).not.toContain('not a dsn');
  });

  it('rejects a DSN without a public key or project', () => {
    expect(() => initErrors({ dsn: 'https://o0.ingest.sentry.io/', log: false })).toThrow(ConfigError);
  });
});
