import type { IncomingHttpHeaders, Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { context, propagation, trace } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureError, type ErrorReporter, initErrors } from '../src/index.js';
import { type EnvelopeServer, startEnvelopeServer } from './support/envelope-server.js';
import { startTestTracing } from './support/tracing.js';

const requireCjs = createRequire(import.meta.url);

describe('coexistence with an OpenTelemetry SDK that owns tracing', () => {
  const tracing = startTestTracing();
  const instrumentation = new HttpInstrumentation({
    // The envelope endpoint lives in this test process; in production it is another host with its own telemetry.
    ignoreIncomingRequestHook: (req) => (req.url ?? '').startsWith('/api/42/envelope'),
  });
  const unregister = registerInstrumentations({ instrumentations: [instrumentation] });
  // The CommonJS `http` exports, required after the instrumentation as in any app it instruments: they are patched.
  const http = requireCjs('node:http') as typeof import('node:http');
  const downstreamHeaders: IncomingHttpHeaders[] = [];
  let envelopes: EnvelopeServer;
  let downstream: Server;
  let app: Server;
  let appUrl: string;
  let reporter: ErrorReporter | undefined;

  const listen = async (server: Server): Promise<string> => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  const get = (url: string): Promise<{ status: number; traceparent?: string }> =>
    new Promise((resolve, reject) => {
      http
        .get(url, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
        })
        .on('error', reject);
    });

  beforeAll(async () => {
    envelopes = await startEnvelopeServer();
    downstream = http.createServer((req, res) => {
      downstreamHeaders.push(req.headers);
      res.end('ok');
    });
    const downstreamUrl = await listen(downstream);
    app = http.createServer((req, res) => {
      http.get(downstreamUrl, (down) => {
        down.resume();
        down.on('end', () => {
          captureError(new Error(`checkout failed ${req.url}`));
          res.statusCode = 500;
          res.end();
        });
      });
    });
    appUrl = await listen(app);
  });
  afterAll(async () => {
    await reporter?.shutdown();
    unregister();
    await new Promise((r) => app.close(r));
    await new Promise((r) => downstream.close(r));
    await envelopes.close();
    await tracing.stop();
  });

  /** Runs `n` requests through app → downstream and returns the spans they produced. */
  async function traffic(n: number, label: string) {
    tracing.exporter.reset();
    downstreamHeaders.length = 0;
    for (let i = 0; i < n; i++) await get(`${appUrl}/checkout/${label}-${i}`);
    await reporter?.flush(10_000);
    return tracing.exporter.getFinishedSpans();
  }

  it('produces the same spans with Sentry on as without, and Sentry sends nothing of its own on the wire', async () => {
    reporter = initErrors({ dsn: false, log: false, captureProcessErrors: false });
    const without = await traffic(5, 'off');
    await reporter.shutdown();
    const headersWithout = downstreamHeaders.map((h) => Object.keys(h).sort());
    // Per request: the test client, the app server span, its outgoing call and the downstream server span.
    expect(without).toHaveLength(20);

    const providerBefore = (trace.getTracerProvider() as unknown as { getDelegate(): unknown }).getDelegate();
    const requestBefore = http.request;
    const emitBefore = http.Server.prototype.emit;
    const fieldsBefore = propagation.fields();
    const activeBefore = context.active();

    reporter = initErrors({ dsn: envelopes.dsn, log: false, captureProcessErrors: false });
    expect(reporter.mode).toBe('sentry');

    // No second tracer provider, propagator, context manager or http patch.
    expect((trace.getTracerProvider() as unknown as { getDelegate(): unknown }).getDelegate()).toBe(providerBefore);
    expect(http.request).toBe(requestBefore);
    expect(http.Server.prototype.emit).toBe(emitBefore);
    expect(propagation.fields()).toEqual(fieldsBefore);
    expect(context.active()).toBe(activeBefore);

    const withSentry = await traffic(5, 'on');
    expect(withSentry).toHaveLength(without.length);
    expect(withSentry.map((s) => `${s.kind}:${s.name}`).sort()).toEqual(
      without.map((s) => `${s.kind}:${s.name}`).sort(),
    );
    // Outgoing requests carry OpenTelemetry's traceparent only: no sentry-trace, no baggage added by Sentry.
    expect(downstreamHeaders.map((h) => Object.keys(h).sort())).toEqual(headersWithout);
    for (const h of downstreamHeaders) {
      expect(h.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      expect(h['sentry-trace']).toBeUndefined();
      expect(h.baggage).toBeUndefined();
    }

    // Every Sentry event sits on the trace of the request it happened in, on the app's server span.
    const events = await envelopes.waitForEvents(5);
    const serverSpans = withSentry.filter(
      (s) => s.kind === 1 && s.attributes['url.path']?.toString().startsWith('/checkout'),
    );
    expect(serverSpans).toHaveLength(5);
    for (const event of events) {
      const path = String((event.exception as { values: { value: string }[] }).values[0]?.value)
        .split(' ')
        .pop();
      const span = serverSpans.find((s) => s.attributes['url.path'] === path);
      expect((event.contexts as Record<string, Record<string, string>>).trace).toMatchObject({
        trace_id: span?.spanContext().traceId,
        span_id: span?.spanContext().spanId,
      });
    }
  });
});
