import * as Sentry from '@sentry/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Collector, type ErrorGroupDetail, startCollector, type TraceDetail } from '../src/index.js';
import { getJson } from './support/sdk.js';

let collector: Collector;
let traceId: string;
let spanId: string;
let eventId: string;

class PaymentProcessingException extends Error {
  override name = 'PaymentProcessingException';
}

beforeAll(async () => {
  collector = await startCollector({ grpcPort: 0, httpPort: 0, uiPort: 0 });
  Sentry.init({
    dsn: collector.sentryDsn,
    release: 'payment-service@2.3.1',
    environment: 'test',
    serverName: 'pod-payment-1',
    tracesSampleRate: 1,
    // The collector runs in this process; without this, Sentry would trace the collector's own HTTP server.
    integrations: (defaults) => defaults.filter((integration) => integration.name !== 'Http'),
  });
  Sentry.startSpan({ name: 'POST /api/v1/payments/charge', op: 'http.server' }, (span) => {
    traceId = span.spanContext().traceId;
    spanId = span.spanContext().spanId;
    Sentry.withScope((scope) => {
      scope.setFingerprint(['payment-insufficient-funds']);
      scope.setTag('service.name', 'payment-service');
      scope.setTag('otelkit.correlation_id', 'req-7f3b2a1c-4d5e');
      scope.setTag('otelkit.error.severity', 'medium');
      scope.setTag('otelkit.error.category', 'integration');
      scope.setTag('otelkit.error.retryable', 'true');
      scope.setUser({ id: 'user-12345' });
      Sentry.addBreadcrumb({ category: 'payment', message: 'charging card', level: 'info' });
      eventId = Sentry.captureException(new PaymentProcessingException('Failed to charge card: Insufficient funds'));
    });
  });
  expect(await Sentry.flush(10_000)).toBe(true);
});

afterAll(async () => {
  await Sentry.close(2_000);
  await collector?.stop();
});

describe('the real @sentry/node SDK', () => {
  it('delivers an error event that forms a group with its fingerprint, tags, user and trace id', async () => {
    const { status, body } = await getJson<ErrorGroupDetail>(collector, '/api/errors/payment-insufficient-funds');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      fingerprint: 'payment-insufficient-funds',
      type: 'PaymentProcessingException',
      message: 'Failed to charge card: Insufficient funds',
      count: 1,
      services: ['payment-service'],
      versions: ['2.3.1'],
      users: 1,
      sampleTraceId: traceId,
      sampleEventId: eventId,
      severity: 'medium',
      category: 'integration',
      retryable: true,
      sources: { sentry: 1, span: 0, log: 0 },
    });
    expect(body.sampleEvent).toMatchObject({
      eventId,
      source: 'sentry',
      traceId,
      spanId,
      environment: 'test',
      correlationId: 'req-7f3b2a1c-4d5e',
      userId: 'user-12345',
      fingerprintDerived: false,
      tags: { 'service.name': 'payment-service', 'otelkit.error.category': 'integration' },
    });
    expect(body.sampleEvent.stackTrace).toContain('PaymentProcessingException: Failed to charge card');
    expect(body.sampleEvent.breadcrumbs).toContainEqual(
      expect.objectContaining({ category: 'payment', message: 'charging card' }),
    );
    const list = await getJson<{ groups: { fingerprint: string }[] }>(collector, '/api/errors');
    expect(list.body.groups.map((g) => g.fingerprint)).toEqual(['payment-insufficient-funds']);
  });

  it('delivers the transaction as spans of the same trace', async () => {
    const { status, body } = await getJson<TraceDetail>(collector, `/api/traces/${traceId}`);
    expect(status).toBe(200);
    expect(body.spans[0]).toMatchObject({
      traceId,
      spanId,
      name: 'POST /api/v1/payments/charge',
      kind: 'server',
      source: 'sentry',
      service: 'payment-service',
    });
    expect(body.errorFingerprints).toEqual(['payment-insufficient-funds']);
  });

  it('counts the envelopes it received', async () => {
    const stats = collector.query.stats();
    expect(stats.received.sentryEvents).toBe(1);
    // @sentry/node 11 streams spans (`span` items) instead of sending `transaction` items.
    expect(stats.received.sentrySpans + stats.received.sentryTransactions).toBeGreaterThanOrEqual(1);
    expect(stats.received.sentryEnvelopes).toBeGreaterThanOrEqual(2);
  });
});
