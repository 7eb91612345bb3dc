import type { Collector, Span } from '@otelkit/collector';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type App,
  type Downstream,
  type Exit,
  fixture,
  jsonLines,
  kill,
  spansOf,
  startApp,
  startDownstream,
  startTestCollector,
  waitFor,
} from './support/harness.js';

// Unmodified Express 5 and Fastify 5 services, as ES modules and as CommonJS, started with nothing but
// `node --import @otelkit/node/register app` and environment variables. Every signal must reach the collector.
const cases = [
  { file: 'express-app.mjs', framework: 'express', format: 'esm' },
  { file: 'express-app.cjs', framework: 'express', format: 'cjs' },
  { file: 'fastify-app.mjs', framework: 'fastify', format: 'esm' },
  { file: 'fastify-app.cjs', framework: 'fastify', format: 'cjs' },
] as const;

const CORRELATION_ID = 'order-check-42';

describe.each(cases)('an unmodified $framework app ($format) under --import @otelkit/node/register', (c) => {
  const service = `zero-code-${c.framework}-${c.format}`;
  let collector: Collector;
  let downstream: Downstream;
  let app: App;
  let exit: Exit;
  const status: Record<string, number> = {};
  let ordersBody: unknown;
  let spansBeforeExit = -1;
  let metricPointsBeforeExit = -1;

  beforeAll(async () => {
    collector = await startTestCollector();
    downstream = await startDownstream();
    app = await startApp(fixture(c.file), {
      OTEL_SERVICE_NAME: service,
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.otlpGrpcUrl,
      SENTRY_DSN: collector.sentryDsn,
      OTELKIT_LOGS_EXPORTER: 'otlp',
      OTELKIT_CONSOLE_CAPTURE: 'true',
      // Nothing leaves on a timer before SIGTERM: what the collector holds afterwards came through the exit flush.
      OTEL_BSP_SCHEDULE_DELAY: '60000',
      OTEL_METRIC_EXPORT_INTERVAL: '60000',
      DOWNSTREAM_URL: downstream.url,
    });
    const orders = await fetch(`${app.url}/orders/42`, { headers: { 'x-correlation-id': CORRELATION_ID } });
    status.orders = orders.status;
    ordersBody = await orders.json();
    for (const path of ['boom', 'missing']) {
      const res = await fetch(`${app.url}/${path}`);
      status[path] = res.status;
      await res.arrayBuffer();
    }
    spansBeforeExit = spansOf(collector, service).length;
    metricPointsBeforeExit = collector.query.services().find((s) => s.name === service)?.metricPoints ?? 0;
    app.child.kill('SIGTERM');
    exit = await app.exited;
  }, 120_000);

  afterAll(async () => {
    await kill(app);
    await collector?.stop();
    await downstream?.close();
  });

  const serverSpan = (route: string): Span => {
    const span = spansOf(collector, service).find((s) => s.kind === 'server' && s.attributes['http.route'] === route);
    if (!span) throw new Error(`no server span for ${route}`);
    return span;
  };

  it('answers exactly as it would without otelkit', () => {
    expect(status).toEqual({ orders: 200, boom: 500, missing: 404 });
    expect(ordersBody).toEqual({ id: '42', stock: { available: 7 } });
  });

  it('exports nothing on a timer, flushes everything on SIGTERM, then ends by that signal', () => {
    expect(spansBeforeExit).toBe(0);
    expect(metricPointsBeforeExit).toBe(0);
    expect(exit).toEqual({ code: null, signal: 'SIGTERM' });
    expect(app.stderr()).toBe('');
  });

  it('traces each request: a server span named by route, and the fetch client span under it, propagated', () => {
    const orders = serverSpan('/orders/:id');
    expect(orders.name).toBe('GET /orders/:id');
    expect(orders.parentSpanId).toBeNull();
    expect(orders.attributes['http.response.status_code']).toBe(200);
    expect(orders.attributes['otelkit.correlation_id']).toBe(CORRELATION_ID);

    const trace = collector.query.getTrace(orders.traceId);
    const spans = trace?.spans ?? [];
    const client = spans.find((s) => s.kind === 'client');
    expect(client?.attributes['server.port']).toBe(Number(new URL(downstream.url).port));
    // Its parent chain ends at the server span (through Express's handler span, where there is one).
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    let parent = client?.parentSpanId ? byId.get(client.parentSpanId) : undefined;
    while (parent && parent.spanId !== orders.spanId) {
      parent = parent.parentSpanId ? byId.get(parent.parentSpanId) : undefined;
    }
    expect(parent?.spanId).toBe(orders.spanId);
    if (c.framework === 'express') {
      // Express's own instrumentation ran: under ESM only the import hook can have patched it.
      expect(spans.some((s) => s.name === 'request handler - /orders/:id' || s.name === 'request handler')).toBe(true);
    }
    // The downstream service received this trace with the client span as its parent.
    expect(downstream.traceparents).toContain(`00-${orders.traceId}-${client?.spanId}-01`);

    expect(serverSpan('/boom').status).toBe('error');
    const missing = spansOf(collector, service).find(
      (s) => s.kind === 'server' && s.attributes['http.response.status_code'] === 404,
    );
    expect(missing?.attributes['http.route']).toBeUndefined();
  });

  it('records HTTP server RED metrics by route template', () => {
    const red = collector.query.red({ service, source: 'metrics' }).red;
    const row = (route: string) => red.find((r) => r.route === route);
    expect(row('GET /orders/:id')).toMatchObject({ count: 1, errorCount: 0 });
    expect(row('GET /boom')).toMatchObject({ count: 1, errorCount: 1 });
    // The unmatched request is counted without a route: never its raw path.
    expect(red.some((r) => r.route.includes('missing'))).toBe(false);
    expect(red.reduce((n, r) => n + r.count, 0)).toBe(3);
    expect(collector.query.services().find((s) => s.name === service)?.metricPoints).toBeGreaterThan(3);
  });

  it('logs one core-schema completion line per request, on stdout and over OTLP, with the trace and correlation ids', async () => {
    const orders = serverSpan('/orders/:id');
    const lines = jsonLines(app.stdout()).filter((l) => (l.context as { logger?: string })?.logger === 'http');
    expect(lines.map((l) => [l.level, l.message])).toEqual([
      ['INFO', 'GET /orders/:id 200'],
      ['ERROR', 'GET /boom 500'],
      ['WARN', 'GET (unmatched) 404'],
    ]);
    expect(lines[0]).toMatchObject({
      service,
      trace_id: orders.traceId,
      span_id: orders.spanId,
      correlation_id: CORRELATION_ID,
      request: { method: 'GET', path: '/orders/:id', route: '/orders/:id', status_code: 200 },
    });
    expect(typeof (lines[0]?.request as { duration_ms?: unknown } | undefined)?.duration_ms).toBe('number');

    const exported = await waitFor(() => {
      const logs = collector.query.searchLogs({ traceId: orders.traceId });
      return logs.length >= 2 ? logs : undefined;
    }, 'the OTLP log records of the orders request');
    expect(exported.map((l) => l.message).sort()).toEqual(['GET /orders/:id 200', 'loading order 42']);
    const completion = exported.find((l) => l.message === 'GET /orders/:id 200');
    expect(completion).toMatchObject({
      level: 'INFO',
      span_id: orders.spanId,
      correlation_id: CORRELATION_ID,
      request: { method: 'GET', route: '/orders/:id', status_code: 200 },
    });
    // console.log of the handler, captured (OTELKIT_CONSOLE_CAPTURE=true) in the request's trace.
    expect(exported.find((l) => l.message === 'loading order 42')).toMatchObject({
      level: 'INFO',
      correlation_id: CORRELATION_ID,
    });
  });

  if (c.framework === 'fastify') {
    it('captures the route that throws: one error group from the Sentry event and the server span event', async () => {
      const boom = serverSpan('/boom');
      const group = await waitFor(
        () =>
          collector.query
            .listErrorGroups({ service })
            .find((g) => g.message === 'order store unavailable' && g.sources.sentry > 0 && g.sources.span > 0),
        'the error group of /boom',
      );
      expect(group.count).toBe(1);
      expect(group.sampleTraceId).toBe(boom.traceId);
      const exception = boom.events.find((e) => e.name === 'exception');
      expect(exception?.attributes['otelkit.error.fingerprint']).toBe(group.fingerprint);
      const detail = collector.query.getErrorGroup(group.fingerprint);
      expect(detail?.events.find((e) => e.source === 'sentry')).toMatchObject({
        traceId: boom.traceId,
        spanId: boom.spanId,
      });
    });
  } else {
    it('records the route that throws on its spans, and its logged stack as an error group', async () => {
      const boom = serverSpan('/boom');
      const spans = collector.query.getTrace(boom.traceId)?.spans ?? [];
      // Express's instrumentation records the exception on the handler span; the server span fails with the 500.
      const exception = spans.flatMap((s) => s.events).find((e) => e.name === 'exception');
      expect(exception?.attributes['exception.message']).toBe('order store unavailable');
      // Express's default handler prints the stack with console.error: captured, it becomes an ERROR record with
      // the error's fingerprint, in the request's trace.
      const group = await waitFor(
        () => collector.query.listErrorGroups({ service }).find((g) => g.message === 'order store unavailable'),
        'the error group of /boom',
      );
      expect(group.sources.log).toBe(1);
      expect(group.sampleTraceId).toBe(boom.traceId);
    });
  }
});
