import { trace } from '@opentelemetry/api';
import { fingerprint, publishRecord, runWithContext } from '@otelkit/core';
import * as Sentry from '@sentry/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { captureError, type ErrorReporter, initErrors, type SentryEvent } from '../src/index.js';
import { type EnvelopeServer, startEnvelopeServer } from './support/envelope-server.js';
import { lineSink } from './support/line-sink.js';
import type { Parsed } from './support/parsed.js';
import { startTestTracing } from './support/tracing.js';

class PaymentProcessingException extends Error {
  override name = 'PaymentProcessingException';
}

describe('Sentry mode: real @sentry/node 11 to a real envelope endpoint', () => {
  const sink = lineSink();
  const tracing = startTestTracing();
  const seenByUserHook: SentryEvent[] = [];
  let server: EnvelopeServer;
  let reporter: ErrorReporter;

  beforeAll(async () => {
    server = await startEnvelopeServer();
    reporter = initErrors({
      dsn: server.dsn,
      log: sink,
      captureProcessErrors: false,
      maxBreadcrumbs: 5,
      beforeSend(event) {
        seenByUserHook.push(structuredClone(event));
        return (event.tags as Record<string, unknown>)?.drop === 'yes' ? null : event;
      },
    });
  });
  beforeEach(() => {
    server.envelopes.length = 0;
    sink.lines.length = 0;
    seenByUserHook.length = 0;
  });
  afterAll(async () => {
    await reporter.shutdown();
    await server.close();
    await tracing.stop();
  });

  async function oneEvent(): Promise<Record<string, Parsed>> {
    await reporter.flush(10_000);
    const [event] = await server.waitForEvents(1);
    return event as Record<string, Parsed>;
  }

  it('runs in Sentry mode without registering a tracer provider of its own', () => {
    expect(reporter.mode).toBe('sentry');
    const delegate = (trace.getTracerProvider() as unknown as { getDelegate(): unknown }).getDelegate();
    expect(delegate).toBe(tracing.provider);
    const options = Sentry.getClient()?.getOptions() as unknown as Record<string, unknown> | undefined;
    expect(options?.enableOpenTelemetrySetup).toBe(false);
  });

  it("sends core's fingerprint, the classification, the ids and the active span's trace context", async () => {
    const error = new PaymentProcessingException('Failed to charge card: Insufficient funds');
    let ids: { traceId: string; spanId: string } | undefined;
    const result = runWithContext({ correlationId: 'req-7f3b2a1c-4d5e', userId: 'user-12345' }, () =>
      tracing.tracer.startActiveSpan('charge', (span) => {
        ids = span.spanContext();
        const r = captureError(error, { context: { merchant_id: 'merchant-789' } });
        span.end();
        return r;
      }),
    );
    const event = await oneEvent();

    expect(result.eventId).toMatch(/^[0-9a-f]{32}$/);
    expect(event.event_id).toBe(result.eventId);
    expect(event.fingerprint).toEqual([fingerprint(error)]);
    expect(result.fingerprint).toBe(fingerprint(error));
    expect(event.contexts.trace).toMatchObject({ trace_id: ids?.traceId, span_id: ids?.spanId });
    expect(event.tags).toMatchObject({
      service: expect.any(String),
      environment: expect.any(String),
      'error.category': 'runtime',
      'error.severity': 'medium',
      correlation_id: 'req-7f3b2a1c-4d5e',
    });
    expect(event.environment).toBe(event.tags.environment);
    expect(event.user).toEqual({ id: 'user-12345' });
    expect(event.level).toBe('error');
    expect(event.exception.values[0]).toMatchObject({
      type: 'PaymentProcessingException',
      value: 'Failed to charge card: Insufficient funds',
      mechanism: { type: 'otelkit', handled: true },
    });
    expect(event.contexts.otelkit).toMatchObject({ fingerprint: result.fingerprint, retryable: false });
    expect(event.contexts.context).toEqual({ merchant_id: 'merchant-789' });

    // The same identity on the ERROR record and the span event.
    const record = sink.records()[0];
    expect(record?.error.fingerprint).toBe(result.fingerprint);
    expect(record?.trace_id).toBe(ids?.traceId);
    expect(record?.context['sentry.event_id']).toBe(result.eventId);
    const spanEvent = tracing.exporter
      .getFinishedSpans()
      .at(-1)
      ?.events.find((e) => e.name === 'exception');
    expect(spanEvent?.attributes?.['otelkit.error.fingerprint']).toBe(result.fingerprint);
    expect(spanEvent?.attributes?.['sentry.event_id']).toBe(result.eventId);
  });

  it('sends the user id but no email, IP address or username', async () => {
    Sentry.setUser({ id: 'scope-user', email: 'scope@example.com', ip_address: '10.1.2.3' });
    try {
      captureError(new Error('no pii'), { user: { id: 'user-1', email: 'ann@example.com', username: 'ann' } });
      const event = await oneEvent();
      expect(event.user).toEqual({ id: 'user-1' });
      const raw = JSON.stringify(server.envelopes);
      for (const pii of ['ann@example.com', 'scope@example.com', '10.1.2.3', '"ann"']) expect(raw).not.toContain(pii);
    } finally {
      Sentry.setUser(null);
    }
  });

  it('keeps only allow-listed headers, drops cookies and bodies, redacts query, contexts and messages', async () => {
    captureError(new Error('charge failed for card 4111 1111 1111 1111'), {
      request: {
        method: 'POST',
        path: '/api/v1/payments/charge',
        query: 'page=2&api_key=sk_live_123&email=ann%40example.com',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'curl/8',
          'x-correlation-id': 'req-1',
          authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig',
          cookie: 'session=abc',
          'x-internal-secret': 'internal',
        },
      },
      context: { body: { card_number: '4111111111111111', password: 'hunter2', amount: 149.99 } },
    });
    const event = await oneEvent();
    expect(event.request.headers).toEqual({
      'content-type': 'application/json',
      'user-agent': 'curl/8',
      'x-correlation-id': 'req-1',
    });
    expect(event.request.cookies).toBeUndefined();
    expect(event.request.data).toBeUndefined();
    expect(event.request.query_string).toBe('page=2&api_key=[REDACTED]&email=%5BREDACTED%5D');
    expect(event.request.url).toBe('/api/v1/payments/charge?page=2&api_key=[REDACTED]&email=%5BREDACTED%5D');
    expect(event.contexts.context.body).toEqual({ card_number: '[REDACTED]', password: '[REDACTED]', amount: 149.99 });
    expect(event.exception.values[0].value).toBe('charge failed for card [REDACTED]');
    const raw = JSON.stringify(server.envelopes);
    for (const secret of ['4111', 'sk_live_123', 'hunter2', 'eyJhbGci', 'session=abc', 'internal']) {
      expect(raw).not.toContain(secret);
    }
  });

  it('turns the last N core-schema records into redacted breadcrumbs', async () => {
    for (let i = 0; i < 8; i++) {
      publishRecord({
        timestamp: new Date(Date.now() - 1000 + i).toISOString(),
        level: i === 7 ? 'WARN' : 'INFO',
        message: `step ${i} token=secret-${i}`,
        service: 'svc',
        correlation_id: 'req-crumbs',
        context: { password: `pw-${i}`, step: i },
      });
    }
    captureError(new Error('after breadcrumbs'));
    const event = await oneEvent();
    const crumbs = event.breadcrumbs as Record<string, Parsed>[];
    expect(crumbs.map((c) => c.message)).toEqual([3, 4, 5, 6, 7].map((i) => `step ${i} token=[REDACTED]`));
    expect(crumbs[4]).toMatchObject({ category: 'log', level: 'warning', data: { correlation_id: 'req-crumbs' } });
    expect(crumbs[0]?.data.context).toEqual({ password: '[REDACTED]', step: 3 });
  });

  it('takes the breadcrumbs at the failure: later records are not in them, even when the event is processed later', async () => {
    const record = (message: string) =>
      publishRecord({ timestamp: new Date().toISOString(), level: 'INFO', message, service: 'svc' });
    record('before the failure');
    captureError(new Error('crumbs snapshot'));
    record('after the failure');
    const event = await oneEvent();
    const messages = (event.breadcrumbs as Record<string, Parsed>[]).map((c) => c.message);
    expect(messages).toContain('before the failure');
    expect(messages).not.toContain('after the failure');
  });

  it("runs the user's beforeSend after otelkit's scrubbing, and lets it drop events", async () => {
    captureError(new Error('seen by the user hook, token=abc'), {
      request: { method: 'GET', path: '/x', headers: { authorization: 'Basic dXNlcjpwYXNz' } },
    });
    await oneEvent();
    expect(seenByUserHook).toHaveLength(1);
    const seen = seenByUserHook[0] as Record<string, Parsed>;
    expect(seen.request.headers.authorization).toBeUndefined();
    expect(seen.exception.values[0].value).toBe('seen by the user hook, token=[REDACTED]');

    server.envelopes.length = 0;
    captureError(new Error('dropped by the user'), { tags: { drop: 'yes' } });
    captureError(new Error('kept'));
    await reporter.flush(10_000);
    const events = await server.waitForEvents(1);
    expect(events.map((e) => (e.exception as Parsed).values[0].value)).toEqual(['kept']);
  });

  it("gives events captured through Sentry's own API core's fingerprint and the correlation id", async () => {
    const error = new TypeError('direct capture');
    runWithContext({ correlationId: 'req-direct', userId: 'user-direct' }, () => Sentry.captureException(error));
    const event = await oneEvent();
    expect(event.fingerprint).toEqual([fingerprint(error)]);
    expect(event.tags).toMatchObject({ correlation_id: 'req-direct', 'error.category': 'runtime' });
    expect(event.user).toEqual({ id: 'user-direct' });
  });

  it('sets a scrubbing dataCollection preset: no bodies, cookies, local variables or inferred user data', () => {
    const options = Sentry.getClient()?.getDataCollectionOptions();
    expect(options).toMatchObject({
      userInfo: false,
      cookies: false,
      httpBodies: [],
      stackFrameVariables: false,
      databaseQueryData: false,
    });
    expect(options?.httpHeaders.request).toEqual({
      allow: expect.arrayContaining(['content-type', 'x-correlation-id']),
    });
  });
});
