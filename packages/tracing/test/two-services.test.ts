import type { Collector, Span } from '@otelkit/collector';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  allSpans,
  type ChildService,
  fixture,
  spawnService,
  startTestCollector,
  stopService,
  waitFor,
} from './support/harness.js';

describe.each([
  ['ES module', 'card-gateway.mjs'],
  ['CommonJS', 'card-gateway.cjs'],
])('a Fastify service calling an Express service (%s) via fetch', (_kind, gatewayFile) => {
  let collector: Collector;
  let gateway: ChildService;
  let api: ChildService;

  beforeAll(async () => {
    collector = await startTestCollector();
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: collector.otlpGrpcUrl };
    gateway = await spawnService(fixture(gatewayFile), { ...endpoint, OTEL_SERVICE_NAME: 'card-gateway' });
    api = await spawnService(fixture('payment-api.mjs'), {
      ...endpoint,
      OTEL_SERVICE_NAME: 'payment-api',
      DOWNSTREAM_URL: gateway.url,
    });
  }, 60_000);

  afterAll(async () => {
    await Promise.all([stopService(api), stopService(gateway)]);
    await collector?.stop();
  });

  async function traceOf(correlationId: string): Promise<Span[]> {
    // Both services' server spans carry the correlation id; wait until both (and the client span) arrived.
    return waitFor(() => {
      const spans = allSpans(collector).filter((s) => s.attributes['otelkit.correlation_id'] === correlationId);
      const servers = spans.filter((s) => s.kind === 'server');
      if (servers.length < 2) return undefined;
      const trace = collector.query.getTrace(servers[0]!.traceId)?.spans ?? [];
      return trace.some((s) => s.kind === 'client') && trace.some((s) => s.name === 'call card gateway')
        ? trace
        : undefined;
    }, `the trace of ${correlationId}`);
  }

  it('produces one trace whose parent links cross both services', async () => {
    const response = await fetch(`${api.url}/checkout/42`, { headers: { 'x-correlation-id': 'req-7f3b2a1c-4d5e' } });
    expect(response.status).toBe(200);
    const spans = await traceOf('req-7f3b2a1c-4d5e');

    expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const apiServer = spans.find((s) => s.service === 'payment-api' && s.kind === 'server');
    const gatewayServer = spans.find((s) => s.service === 'card-gateway' && s.kind === 'server');
    const client = spans.find((s) => s.service === 'payment-api' && s.kind === 'client');
    const wrapper = spans.find((s) => s.name === 'call card gateway');
    expect(apiServer?.parentSpanId).toBeNull();
    expect(apiServer?.name).toBe('GET /checkout/:id');
    expect(apiServer?.attributes['http.route']).toBe('/checkout/:id');
    expect(apiServer?.attributes['http.response.status_code']).toBe(200);
    expect(wrapper?.parentSpanId).toBe(apiServer?.spanId);
    expect(client?.parentSpanId).toBe(wrapper?.spanId);
    expect(gatewayServer?.parentSpanId).toBe(client?.spanId);
    expect(gatewayServer?.name).toBe('GET /charge/:id');
    expect(gatewayServer?.attributes['http.route']).toBe('/charge/:id');
    // Every span of the gateway (Express's own spans included) hangs under its server span.
    for (const s of spans.filter((x) => x.service === 'card-gateway' && x !== gatewayServer)) {
      let parent = s.parentSpanId ? byId.get(s.parentSpanId) : undefined;
      while (parent && parent !== gatewayServer)
        parent = parent.parentSpanId ? byId.get(parent.parentSpanId) : undefined;
      expect(parent, `${s.name} descends from the gateway's server span`).toBe(gatewayServer);
    }
  });

  it('continues the correlation id in the second service: core context, header, baggage and span attribute', async () => {
    const response = await fetch(`${api.url}/checkout/7`, { headers: { 'x-correlation-id': 'req-continuity-1' } });
    const body = (await response.json()) as {
      downstream: { correlationId: string; header: string; baggage: string; traceIds: { traceId: string } };
    };
    expect(body.downstream.correlationId).toBe('req-continuity-1');
    expect(body.downstream.header).toBe('req-continuity-1');
    expect(body.downstream.baggage).toContain('otelkit.correlation_id=req-continuity-1');
    const spans = await traceOf('req-continuity-1');
    expect(spans[0]?.traceId).toBe(body.downstream.traceIds.traceId);
    const servers = spans.filter((s) => s.kind === 'server');
    expect(servers.map((s) => s.attributes['otelkit.correlation_id'])).toEqual([
      'req-continuity-1',
      'req-continuity-1',
    ]);
  });

  it('gives a request without a correlation id a new one and carries it downstream', async () => {
    const response = await fetch(`${api.url}/checkout/8`);
    const body = (await response.json()) as { downstream: { correlationId: string; header: string } };
    expect(body.downstream.correlationId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
    expect(body.downstream.header).toBe(body.downstream.correlationId);
  });

  it('keeps the trace and the correlation id through request bodies on both sides', async () => {
    const response = await fetch(`${api.url}/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-correlation-id': `req-body-${gatewayFile}` },
      // Two pieces with a pause: the second arrives in a later socket read, outside the request's async context
      // unless the instrumentation binds the request's listeners to it.
      body: new ReadableStream({
        async start(controller) {
          controller.enqueue(new TextEncoder().encode('{"amount":'));
          await new Promise((r) => setTimeout(r, 50));
          controller.enqueue(new TextEncoder().encode('149.99}'));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    const body = (await response.json()) as {
      downstream: { amount: number; correlationId: string; traceIds: { traceId: string } };
    };
    expect(body.downstream).toMatchObject({ amount: 149.99, correlationId: `req-body-${gatewayFile}` });
    const spans = await waitFor(() => {
      const servers = allSpans(collector).filter(
        (s) => s.kind === 'server' && s.attributes['otelkit.correlation_id'] === `req-body-${gatewayFile}`,
      );
      return servers.length === 2 ? servers : undefined;
    }, 'both server spans of the POST');
    expect(spans.map((s) => s.traceId)).toEqual([body.downstream.traceIds.traceId, body.downstream.traceIds.traceId]);
    expect(spans.map((s) => s.name).sort()).toEqual(['POST /charge', 'POST /pay']);
  });

  it('never propagates an invalid correlation id', async () => {
    const response = await fetch(`${api.url}/checkout/9`, { headers: { 'x-correlation-id': 'bad id with spaces' } });
    const body = (await response.json()) as { downstream: { correlationId: string; header: string } };
    expect(body.downstream.correlationId).not.toBe('bad id with spaces');
    expect(body.downstream.header).toBe(body.downstream.correlationId);
  });
});
