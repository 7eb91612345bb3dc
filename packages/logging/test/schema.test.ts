import { runWithContext } from '@otelkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/index.js';
import { capture, schemaErrors, withEnv } from './support/capture.js';

let restore: () => void;
beforeAll(() => {
  restore = withEnv({
    OTEL_SERVICE_NAME: 'payment-service',
    OTELKIT_ENVIRONMENT: 'production',
    OTELKIT_SERVICE_VERSION: 'v2.3.1',
    OTEL_RESOURCE_ATTRIBUTES: 'host.name=pod-payment-7d4f8b9c-xk2l9',
    OTELKIT_LOG_LEVEL: undefined,
  });
});
afterAll(() => restore());

describe('every line is a record of the core schema', () => {
  it('writes the resource, an ISO timestamp, an upper-case level and `message`', () => {
    const out = capture();
    const logger = createLogger({ destination: out });
    logger.info('payment accepted');
    const record = out.last();
    expect(schemaErrors(record)).toEqual([]);
    expect(record).toMatchObject({
      level: 'INFO',
      message: 'payment accepted',
      service: 'payment-service',
      environment: 'production',
      host: 'pod-payment-7d4f8b9c-xk2l9',
      version: 'v2.3.1',
    });
    expect(new Date(record.timestamp as string).toISOString()).toBe(record.timestamp);
    expect(record).not.toHaveProperty('msg');
    expect(record).not.toHaveProperty('time');
    expect(record).not.toHaveProperty('pid');
  });

  it('maps every level to its schema name', () => {
    const out = capture();
    const logger = createLogger({ destination: out, level: 'trace' });
    logger.trace('t');
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    logger.fatal('f');
    expect(out.records().map((r) => r.level)).toEqual(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL']);
    for (const r of out.records()) expect(schemaErrors(r)).toEqual([]);
  });

  it('writes the example record of the schema from a merging object', () => {
    const out = capture();
    const logger = createLogger({ destination: out });
    logger.error(
      {
        correlation_id: 'req-7f3b2a1c-4d5e',
        trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
        span_id: '00f067aa0ba902b7',
        error: {
          type: 'PaymentProcessingException',
          message: 'Failed to charge card: Insufficient funds',
          stack_trace: '...',
          fingerprint: 'payment-insufficient-funds',
          severity: 'medium',
          category: 'integration',
        },
        user: { id: 'user-12345', session_id: 'sess-abc123' },
        request: { method: 'POST', path: '/api/v1/payments/charge', duration_ms: 2547, status_code: 402 },
        context: { payment_method: 'credit_card', amount: 149.99, currency: 'USD', merchant_id: 'merchant-789' },
      },
      'Failed to charge card',
    );
    const record = out.last();
    expect(schemaErrors(record)).toEqual([]);
    expect(record).toMatchObject({
      level: 'ERROR',
      message: 'Failed to charge card',
      correlation_id: 'req-7f3b2a1c-4d5e',
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      span_id: '00f067aa0ba902b7',
      error: { type: 'PaymentProcessingException', fingerprint: 'payment-insufficient-funds', retryable: false },
      user: { id: 'user-12345', session_id: 'sess-abc123' },
      request: { method: 'POST', path: '/api/v1/payments/charge', duration_ms: 2547, status_code: 402 },
      context: { payment_method: 'credit_card', amount: 149.99, currency: 'USD', merchant_id: 'merchant-789' },
    });
  });

  it('files keys that are not schema fields under `context`, and schema fields of the wrong shape too', () => {
    const out = capture();
    const logger = createLogger({ destination: out });
    logger.info(
      {
        order_id: 'o-1',
        level: 'custom',
        service: 'spoofed',
        timestamp: 'yesterday',
        trace_id: 'not-a-trace-id',
        user: { id: 'u-1', email_hash: 'abc' },
        request: { method: 'GET' },
        context: { a: 1 },
      },
      'mixed',
    );
    const record = out.last();
    expect(schemaErrors(record)).toEqual([]);
    expect(record.service).toBe('payment-service');
    expect(record.level).toBe('INFO');
    expect(record).not.toHaveProperty('user');
    expect(record).not.toHaveProperty('trace_id');
    expect(record.context).toEqual({
      a: 1,
      order_id: 'o-1',
      level: 'custom',
      service: 'spoofed',
      timestamp: 'yesterday',
      trace_id: 'not-a-trace-id',
      user: { id: 'u-1', email_hash: 'abc' },
      request: { method: 'GET' },
    });
  });

  it('serializes errors through core: `err`, `error` and an Error as the first argument', () => {
    const out = capture();
    const logger = createLogger({ destination: out });
    const cause = Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:5432'), { code: 'ECONNREFUSED' });
    logger.error(new Error('charge failed', { cause }));
    logger.error({ err: new TypeError('x is not a function') }, 'handler crashed');
    logger.warn({ error: 'a thrown string' });
    const [first, second, third] = out.records();
    for (const r of out.records()) expect(schemaErrors(r)).toEqual([]);
    expect(first).toMatchObject({
      message: 'charge failed',
      error: { type: 'Error', message: 'charge failed', cause: { code: 'ECONNREFUSED', retryable: true } },
    });
    expect((first as { error: { fingerprint: string } }).error.fingerprint).toMatch(/.+/);
    expect(second).toMatchObject({ message: 'handler crashed', error: { type: 'TypeError', category: 'runtime' } });
    expect(third).toMatchObject({ message: 'a thrown string', error: { message: 'a thrown string' } });
  });

  it('keeps pino call styles: printf arguments, message-only, object-only, nothing', () => {
    const out = capture();
    const logger = createLogger({ destination: out });
    logger.info('charged %s for %d cents %j', 'ann', 14999, { ok: true });
    logger.info({ a: 1 });
    logger.info({ message: 'from the object' });
    (logger as unknown as { info: (...args: unknown[]) => void }).info();
    logger.info(42 as unknown as string);
    const messages = out.records().map((r) => r.message);
    expect(messages).toEqual(['charged ann for 14999 cents {"ok":true}', '', 'from the object', '', '42']);
    for (const r of out.records()) expect(schemaErrors(r)).toEqual([]);
  });

  it('stamps the correlation id and user of the core context', async () => {
    const out = capture();
    const logger = createLogger({ destination: out });
    await runWithContext({ correlationId: 'req-abc', userId: 'user-1', sessionId: 'sess-9' }, async () => {
      await new Promise((r) => setTimeout(r, 1));
      logger.info('inside');
    });
    logger.info('outside');
    const [inside, outside] = out.records();
    expect(inside).toMatchObject({ correlation_id: 'req-abc', user: { id: 'user-1', session_id: 'sess-9' } });
    expect(outside).not.toHaveProperty('correlation_id');
    expect(outside).not.toHaveProperty('user');
  });

  it('puts child bindings on every record: schema fields at the top, the rest under `context`', () => {
    const out = capture();
    const logger = createLogger({ destination: out, name: 'payment' });
    const child = logger.child({ correlation_id: 'req-child', tenant: 'acme' });
    const grandchild = child.child({ user: { id: 'u-7' }, step: 2 });
    grandchild.info({ context: { amount: 5 }, extra: true }, 'step done');
    const record = out.last();
    expect(schemaErrors(record)).toEqual([]);
    expect(record).toMatchObject({
      correlation_id: 'req-child',
      user: { id: 'u-7' },
      context: { logger: 'payment', tenant: 'acme', step: 2, amount: 5, extra: true },
    });
    expect(grandchild.bindings()).toEqual({
      name: 'payment',
      correlation_id: 'req-child',
      tenant: 'acme',
      user: { id: 'u-7' },
      step: 2,
    });
    grandchild.setBindings({ step: 3 });
    grandchild.info('again');
    expect(out.last().context).toMatchObject({ step: 3, tenant: 'acme' });
  });
});
