import { createRequire } from 'node:module';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { fingerprint } from '@otelkit/core';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { otelkitErrors } from '../src/fastify.js';
import { type ErrorReporter, initErrors } from '../src/index.js';
import { type EnvelopeServer, startEnvelopeServer } from './support/envelope-server.js';
import { lineSink } from './support/line-sink.js';
import type { Parsed } from './support/parsed.js';
import { startTestTracing } from './support/tracing.js';

class PaymentProcessingException extends Error {
  override name = 'PaymentProcessingException';
}
const thrown = new Map<string, Error>();

describe('@otelkit/errors/fastify in a traced Fastify app', () => {
  const tracing = startTestTracing();
  const unregister = registerInstrumentations({
    instrumentations: [new HttpInstrumentation({ ignoreIncomingRequestHook: (r) => !!r.url?.startsWith('/api/42/') })],
  });
  createRequire(import.meta.url)('node:http'); // applies the instrumentation's patch, as an app's first require would
  const sink = lineSink();
  let envelopes: EnvelopeServer;
  let reporter: ErrorReporter;
  let app: FastifyInstance;
  let custom: FastifyInstance;
  let url: string;
  let customUrl: string;

  beforeAll(async () => {
    envelopes = await startEnvelopeServer();
    reporter = initErrors({ dsn: envelopes.dsn, log: sink, captureProcessErrors: false });
    const { default: Fastify } = await import('fastify');

    app = Fastify();
    await app.register(otelkitErrors);
    app.post('/charge/:id', async (request) => {
      const error = new PaymentProcessingException(`Failed to charge card for order ${(request.params as Parsed).id}`);
      thrown.set('charge', error);
      throw error;
    });
    app.get('/orders/:id', async () => {
      throw Object.assign(new Error('order o-1 not found'), { statusCode: 404 });
    });
    app.post('/validated', { schema: { body: { type: 'object', required: ['amount'] } } }, async () => 'ok');
    url = await app.listen({ port: 0, host: '127.0.0.1' });

    custom = Fastify();
    await custom.register(otelkitErrors, { errorHandler: false, capture: (status) => status >= 400 });
    custom.setErrorHandler((_error, _request, reply) => {
      reply.code(503).send({ custom: true });
    });
    custom.get('/teapot', async () => {
      throw Object.assign(new Error('short and stout'), { statusCode: 418 });
    });
    customUrl = await custom.listen({ port: 0, host: '127.0.0.1' });
  });
  beforeEach(() => {
    envelopes.envelopes.length = 0;
    sink.lines.length = 0;
    tracing.exporter.reset();
  });
  afterAll(async () => {
    await app.close();
    await custom.close();
    await reporter.shutdown();
    await envelopes.close();
    unregister();
    await tracing.stop();
  });

  it('an error thrown in a traced request has one fingerprint on the Sentry event, the span event and the log line', async () => {
    const res = await fetch(`${url}/charge/o-42?token=abc`, {
      method: 'POST',
      headers: {
        'x-correlation-id': 'req-7f3b2a1c-4d5e',
        authorization: 'Bearer abc.def',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ card_number: '4111111111111111' }),
    });
    const body = (await res.json()) as Parsed;
    expect(res.status).toBe(500);
    expect(res.headers.get('x-correlation-id')).toBe('req-7f3b2a1c-4d5e');
    expect(body).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'Internal Server Error',
      correlation_id: 'req-7f3b2a1c-4d5e',
    });
    expect(JSON.stringify(body)).not.toContain('at ');

    await reporter.flush(10_000);
    const [event] = (await envelopes.waitForEvents(1)) as Parsed[];
    const expected = fingerprint(thrown.get('charge'));
    const serverSpan = tracing.exporter.getFinishedSpans().find((s) => s.kind === 1);
    const spanEvent = serverSpan?.events.find((e) => e.name === 'exception');
    const record = sink.records()[0];

    expect(event.fingerprint).toEqual([expected]);
    expect(spanEvent?.attributes?.['otelkit.error.fingerprint']).toBe(expected);
    expect(record?.error.fingerprint).toBe(expected);
    expect(record?.level).toBe('ERROR');

    const traceId = serverSpan?.spanContext().traceId;
    expect(event.contexts.trace.trace_id).toBe(traceId);
    expect(record?.trace_id).toBe(traceId);
    expect(event.contexts.trace.span_id).toBe(serverSpan?.spanContext().spanId);
    expect(event.tags.correlation_id).toBe('req-7f3b2a1c-4d5e');
    expect(record?.correlation_id).toBe('req-7f3b2a1c-4d5e');
    expect(record?.request).toEqual({ method: 'POST', path: '/charge/o-42', route: '/charge/:id', status_code: 500 });
    expect(event.request).toMatchObject({
      method: 'POST',
      url: '/charge/o-42?token=[REDACTED]',
      headers: { 'content-type': 'application/json', 'x-correlation-id': 'req-7f3b2a1c-4d5e' },
    });
    expect(event.request.headers.authorization).toBeUndefined();
    expect(JSON.stringify(envelopes.envelopes)).not.toContain('4111111111111111');
  });

  it('does not capture 4xx by default, and still answers with the correlation id', async () => {
    const res = await fetch(`${url}/orders/o-1`);
    const body = (await res.json()) as Parsed;
    expect(res.status).toBe(404);
    expect(body.message).toBe('order o-1 not found');
    const id = res.headers.get('x-correlation-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.correlation_id).toBe(id);

    const invalid = await fetch(`${url}/validated`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(invalid.status).toBe(400);
    await reporter.flush(10_000);
    expect(envelopes.events()).toHaveLength(0);
    expect(sink.lines).toHaveLength(0);
  });

  it('with errorHandler: false, your handler answers and the hook captures by your rule', async () => {
    const res = await fetch(`${customUrl}/teapot`, { headers: { 'x-correlation-id': 'req-teapot' } });
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ custom: true });
    expect(res.headers.get('x-correlation-id')).toBe('req-teapot');
    await reporter.flush(10_000);
    const [event] = (await envelopes.waitForEvents(1)) as Parsed[];
    expect(event.exception.values[0].value).toBe('short and stout');
    expect(sink.records()[0]?.correlation_id).toBe('req-teapot');
  });
});
