import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Collector, type LogRecord, type RedResult, startCollector, type TraceDetail } from '../src/index.js';
import { getJson, PROTOCOLS, type Sent, sendScenario } from './support/sdk.js';

let collector: Collector;

beforeAll(async () => {
  collector = await startCollector({ grpcPort: 0, httpPort: 0, uiPort: 0 });
});

afterAll(async () => {
  await collector?.stop();
});

describe.each(PROTOCOLS)('the real OpenTelemetry JS exporters over %s', (protocol) => {
  let sent: Sent;

  beforeAll(async () => {
    sent = await sendScenario(protocol, collector, `svc-${protocol.replace('/', '-')}`);
  });

  it('delivers spans with their ids, parent link, attributes, events and resource', async () => {
    const { status, body } = await getJson<TraceDetail>(collector, `/api/traces/${sent.traceId}`);
    expect(status).toBe(200);
    expect(body.traceId).toBe(sent.traceId);
    expect(body.spans).toHaveLength(2);
    const server = body.spans.find((s) => s.spanId === sent.serverSpanId)!;
    const client = body.spans.find((s) => s.spanId === sent.clientSpanId)!;
    expect(server).toMatchObject({
      traceId: sent.traceId,
      parentSpanId: null,
      name: 'POST /api/v1/payments/charge',
      service: sent.service,
      kind: 'server',
      status: 'error',
      attributes: {
        'http.request.method': 'POST',
        'http.route': '/api/v1/payments/charge',
        'http.response.status_code': 502,
        'otelkit.correlation_id': sent.correlationId,
        'payment.amount': 149.99,
        'payment.retry': false,
        'payment.tags': ['card', 'eu'],
      },
      resource: {
        'service.name': sent.service,
        'service.version': '1.2.3',
        'deployment.environment.name': 'test',
      },
      scope: { name: 'collector-test', version: '0.0.1' },
    });
    expect(client).toMatchObject({ parentSpanId: sent.serverSpanId, kind: 'client', status: 'error' });
    expect(client.statusMessage).toBe('Insufficient funds');
    expect(client.events[0]).toMatchObject({
      name: 'exception',
      attributes: { 'exception.type': 'PaymentProcessingException' },
    });
    expect(Date.parse(client.startTime)).toBeGreaterThanOrEqual(Date.parse(server.startTime));
    expect(body.tree).toEqual([{ spanId: sent.serverSpanId, children: [{ spanId: sent.clientSpanId, children: [] }] }]);
    expect(body.rootName).toBe('POST /api/v1/payments/charge');
    expect(body.logCount).toBe(1);
  });

  it('lists the trace newest first, filtered by service and status', async () => {
    const { body } = await getJson<{
      traces: { traceId: string; services: string[]; status: string; spanCount: number }[];
    }>(collector, `/api/traces?service=${encodeURIComponent(sent.service)}&status=error&limit=5`);
    expect(body.traces).toEqual([
      expect.objectContaining({ traceId: sent.traceId, services: [sent.service], status: 'error', spanCount: 2 }),
    ]);
    const ok = await getJson<{ traces: unknown[] }>(
      collector,
      `/api/traces?service=${encodeURIComponent(sent.service)}&status=ok`,
    );
    expect(ok.body.traces).toEqual([]);
  });

  it('delivers logs in the core schema shape, joined to the span by trace id and correlation id', async () => {
    const byTrace = await getJson<{ logs: LogRecord[] }>(collector, `/api/logs?trace_id=${sent.traceId}`);
    expect(byTrace.body.logs).toHaveLength(1);
    const log = byTrace.body.logs[0]!;
    expect(log).toMatchObject({
      level: 'ERROR',
      message: 'Failed to charge card',
      correlation_id: sent.correlationId,
      trace_id: sent.traceId,
      span_id: sent.clientSpanId,
      service: sent.service,
      environment: 'test',
      host: 'test-host',
      version: '1.2.3',
      error: {
        type: 'PaymentProcessingException',
        message: 'Failed to charge card: Insufficient funds',
        fingerprint: `payment-insufficient-funds-${protocol}`,
      },
      user: { id: 'user-12345' },
      request: { method: 'POST', path: '/api/v1/payments/charge', status_code: 402 },
      context: { payment_method: 'credit_card' },
    });
    expect(new Date(log.timestamp).toISOString()).toBe(log.timestamp);
    const byCorrelation = await getJson<{ logs: LogRecord[] }>(
      collector,
      `/api/logs?correlation_id=${sent.correlationId}&level=ERROR,FATAL&q=charge`,
    );
    expect(byCorrelation.body.logs).toEqual([log]);
  });

  it('groups the span exception event and the ERROR log as one occurrence of one fingerprint', async () => {
    const { body } = await getJson<{ groups: { fingerprint: string; count: number; sampleTraceId: string }[] }>(
      collector,
      `/api/errors?service=${encodeURIComponent(sent.service)}`,
    );
    expect(body.groups).toEqual([
      expect.objectContaining({
        fingerprint: `payment-insufficient-funds-${protocol}`,
        type: 'PaymentProcessingException',
        count: 1,
        services: [sent.service],
        versions: ['1.2.3'],
        users: 1,
        sampleTraceId: sent.traceId,
        severity: 'medium',
        category: 'integration',
        sources: { sentry: 0, span: 1, log: 1 },
      }),
    ]);
  });

  it('computes RED per route from SERVER spans and from the duration histogram', async () => {
    const { body } = await getJson<RedResult>(
      collector,
      `/api/metrics/red?service=${encodeURIComponent(sent.service)}`,
    );
    const fromSpans = body.red.find((r) => r.source === 'spans');
    const fromMetrics = body.red.find((r) => r.source === 'metrics');
    expect(fromSpans).toMatchObject({ route: 'POST /api/v1/payments/charge', count: 1, errorCount: 1, errorRatio: 1 });
    expect(fromMetrics).toMatchObject({
      route: 'POST /api/v1/payments/charge',
      count: 2,
      errorCount: 1,
      errorRatio: 0.5,
    });
    expect(fromMetrics!.p50Ms).toBeGreaterThan(0);
    expect(fromMetrics!.p99Ms).toBeGreaterThanOrEqual(fromMetrics!.p50Ms!);
    expect(body.series.find((s) => s.service === sent.service)?.points.some((p) => p.errorCount === 1)).toBe(true);
  });
});

describe('the query API', () => {
  it('answers 404 with a JSON error for unknown ids', async () => {
    const trace = await getJson<{ error: string }>(collector, `/api/traces/${'ab'.repeat(16)}`);
    expect(trace.status).toBe(404);
    expect(trace.body.error).toMatch(/not found/);
    const group = await getJson<{ error: string }>(collector, '/api/errors/no-such-fingerprint');
    expect(group.status).toBe(404);
  });

  it('answers 400 naming the parameter for bad query values', async () => {
    for (const [path, parameter] of [
      ['/api/traces?limit=0', 'limit'],
      ['/api/traces?status=broken', 'status'],
      ['/api/traces?minDurationMs=-1', 'minDurationMs'],
      ['/api/logs?trace_id=xyz', 'trace_id'],
      ['/api/logs?level=LOUD', 'level'],
      ['/api/report?format=pdf', 'format'],
      ['/api/metrics/red?source=guess', 'source'],
      ['/api/logs?traceId=abc', 'traceId'],
      ['/api/stats?verbose=1', 'verbose'],
    ] as const) {
      const { status, body } = await getJson<{ error: string; parameter: string }>(collector, path);
      expect({ path, status, parameter: body.parameter }).toEqual({ path, status: 400, parameter });
      expect(body.error).toContain(parameter);
    }
  });

  it('lists services with versions and counts, and stats with limits', async () => {
    const { body } = await getJson<{ services: { name: string; versions: { version: string }[]; spans: number }[] }>(
      collector,
      '/api/services',
    );
    expect(body.services.map((s) => s.name).sort()).toEqual(['svc-grpc', 'svc-http-json', 'svc-http-protobuf']);
    expect(body.services[0]!.versions.map((v) => v.version)).toEqual(['1.2.3']);
    const stats = await getJson<{ received: { spans: number }; limits: { maxSpans: number } }>(collector, '/api/stats');
    expect(stats.body.received.spans).toBe(6);
    expect(stats.body.limits.maxSpans).toBe(100_000);
  });
});

describe('a trace sent in pieces and twice', () => {
  it('keeps each span once, with its parent links, however its spans arrive', async () => {
    const own = await startCollector({ grpcPort: 0, httpPort: 0, uiPort: 0 });
    try {
      const traceId = '5bf92f3577b34da6a3ce929d0e0e4736';
      const now = Date.now();
      const span = (spanId: string, parentSpanId: string | undefined, name: string) => ({
        traceId,
        spanId,
        ...(parentSpanId ? { parentSpanId } : {}),
        name,
        kind: 2,
        startTimeUnixNano: `${now - 10}000000`,
        endTimeUnixNano: `${now}000000`,
      });
      const root = span('00f067aa0ba90201', undefined, 'root');
      const child = span('00f067aa0ba90202', '00f067aa0ba90201', 'child');
      const grandchild = span('00f067aa0ba90203', '00f067aa0ba90202', 'grandchild');
      const post = (spans: object[]) =>
        fetch(`${own.otlpHttpUrl}/v1/traces`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            resourceSpans: [
              {
                resource: { attributes: [{ key: 'service.name', value: { stringValue: 'pieces' } }] },
                scopeSpans: [{ spans }],
              },
            ],
          }),
        });
      // Children before their parents, then everything again.
      for (const spans of [[grandchild], [child, root], [root, child, grandchild]]) {
        expect((await post(spans)).status).toBe(200);
      }
      const detail = own.query.getTrace(traceId)!;
      expect(detail.spans.map((s) => [s.spanId, s.parentSpanId, s.traceId]).sort()).toEqual([
        ['00f067aa0ba90201', null, traceId],
        ['00f067aa0ba90202', '00f067aa0ba90201', traceId],
        ['00f067aa0ba90203', '00f067aa0ba90202', traceId],
      ]);
      expect(detail.tree).toEqual([
        {
          spanId: '00f067aa0ba90201',
          children: [{ spanId: '00f067aa0ba90202', children: [{ spanId: '00f067aa0ba90203', children: [] }] }],
        },
      ]);
      const stats = own.query.stats();
      expect(stats.duplicates.spans).toBe(3);
      expect(stats.stored.spans).toBe(3);
    } finally {
      await own.stop();
    }
  });
});
