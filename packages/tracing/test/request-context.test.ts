import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import { context, createContextKey, propagation, type Span, TraceFlags, trace } from '@opentelemetry/api';
import { getRPCMetadata } from '@opentelemetry/core';
import { InMemorySpanExporter, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import { getContext } from '@otelkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracing, type Tracing, withSpan } from '../src/index.js';
import { createPooledIdGenerator } from '../src/spans/pooled-id-generator.js';

// What a handler sees of its request's context — the lazily built one of the lean server instrumentation — must be
// exactly what the ordinary context helpers would have built: span, RPC metadata, otelkit context, baggage; values set
// on it keep all of them; listeners added to the request and response run in it; unsampled requests get the same
// context with a non-recording span.

interface Seen {
  spanId?: string;
  sampled?: boolean;
  rpcSpanIsActive?: boolean;
  correlationId?: string;
  baggage?: string;
  afterSetValue?: { spanId?: string; correlationId?: string; baggage?: string; extra?: unknown };
  inBody?: { spanId?: string; correlationId?: string };
  withSpanParent?: string;
  outbound?: IncomingMessage['headers'];
  removed?: boolean;
}

const EXTRA = createContextKey('otelkit.test.extra');

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
}

function post(port: number, headers: Record<string, string>, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/things', headers }, (res) => {
      let data = '';
      res.on('data', (d) => {
        data += d;
      });
      res.on('end', () => resolve(data));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function describeContext(): { spanId?: string; correlationId?: string; baggage?: string } {
  const ctx = context.active();
  return {
    spanId: trace.getSpan(ctx)?.spanContext().spanId,
    correlationId: getContext()?.correlationId,
    baggage: propagation.getBaggage(ctx)?.getEntry('otelkit.correlation_id')?.value,
  };
}

for (const sampled of [true, false]) {
  describe(`request context (${sampled ? 'sampled' : 'unsampled'} requests)`, () => {
    const exporter = new InMemorySpanExporter();
    let tracing: Tracing;
    let server: Server;
    let downstream: Server;
    let port: number;
    let seen: Seen = {};

    beforeAll(async () => {
      tracing = startTracing({
        exporter,
        instrumentations: ['http', 'undici'],
        exitHandlers: false,
        sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(sampled ? 1 : 0) }),
      });
      downstream = createServer((req, res) => {
        seen.outbound = req.headers;
        res.end('ok');
      });
      const downstreamPort = await listen(downstream);
      server = createServer((req, res) => {
        const active = trace.getActiveSpan() as Span;
        const outer = describeContext();
        seen.spanId = outer.spanId;
        seen.sampled = (active.spanContext().traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
        seen.rpcSpanIsActive = getRPCMetadata(context.active())?.span === active;
        seen.correlationId = outer.correlationId;
        seen.baggage = outer.baggage;
        context.with(context.active().setValue(EXTRA, 42), () => {
          seen.afterSetValue = { ...describeContext(), extra: context.active().getValue(EXTRA) };
        });
        withSpan('child', (span) => {
          seen.withSpanParent = (
            span as unknown as { parentSpanContext?: { spanId: string } }
          ).parentSpanContext?.spanId;
        });
        const never = () => {};
        req.on('data', never);
        req.removeListener('data', never);
        seen.removed = !req.listeners('data').includes(never);
        let body = '';
        req.on('data', (d) => {
          body += d;
        });
        req.on('end', () => {
          // A body listener runs in the socket's context unless the request is bound to its own.
          seen.inBody = describeContext();
          void fetch(`http://127.0.0.1:${downstreamPort}/next`)
            .then((r) => r.text())
            .then(() => res.end(body));
        });
      });
      port = await listen(server);
    });

    afterAll(async () => {
      server.close();
      downstream.close();
      await tracing.shutdown();
    });

    it('gives the handler, its body listeners and its outbound requests one consistent context', async () => {
      seen = {};
      const echoed = await post(port, { 'x-correlation-id': 'req-ctx-1' }, 'hello');
      expect(echoed).toBe('hello');
      expect(seen.spanId).toMatch(/^[0-9a-f]{16}$/);
      expect(seen.sampled).toBe(sampled);
      expect(seen.rpcSpanIsActive).toBe(true);
      expect(seen.correlationId).toBe('req-ctx-1');
      expect(seen.baggage).toBe('req-ctx-1');
      expect(seen.afterSetValue).toEqual({
        spanId: seen.spanId,
        correlationId: 'req-ctx-1',
        baggage: 'req-ctx-1',
        extra: 42,
      });
      expect(seen.withSpanParent).toBe(sampled ? seen.spanId : undefined);
      expect(seen.removed).toBe(true);
      expect(seen.inBody).toEqual({ spanId: seen.spanId, correlationId: 'req-ctx-1', baggage: 'req-ctx-1' });
      // The next service continues the trace (sampled flag as decided here) and the correlation id.
      const traceparent = String(seen.outbound?.traceparent);
      expect(traceparent).toMatch(new RegExp(`^00-[0-9a-f]{32}-[0-9a-f]{16}-0${sampled ? 1 : 0}$`));
      expect(seen.outbound?.['x-correlation-id']).toBe('req-ctx-1');
      expect(String(seen.outbound?.baggage)).toContain('otelkit.correlation_id=req-ctx-1');
      await tracing.forceFlush();
      // This server's span and the downstream one (same process), both carrying the id — or none, unsampled.
      const servers = exporter.getFinishedSpans().filter((s) => s.kind === 1);
      expect(servers).toHaveLength(sampled ? 2 : 0);
      const mine = servers.find((s) => s.spanContext().spanId === seen.spanId);
      expect(mine?.attributes['otelkit.correlation_id']).toBe(sampled ? 'req-ctx-1' : undefined);
      for (const s of servers) expect(s.attributes['otelkit.correlation_id']).toBe('req-ctx-1');
    });

    it('gives a request without an id a new UUID v7, the same in span, core context and baggage', async () => {
      seen = {};
      exporter.reset();
      await post(port, {}, 'x');
      expect(seen.correlationId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(seen.baggage).toBe(seen.correlationId);
      expect(seen.inBody?.correlationId).toBe(seen.correlationId);
      expect(seen.outbound?.['x-correlation-id']).toBe(seen.correlationId);
    });
  });
}

describe('listener binding outside instrumented requests', () => {
  it('does not wrap listeners of outgoing responses (IncomingMessage too, but never bound)', async () => {
    const tracing = startTracing({
      instrumentations: ['http'],
      exitHandlers: false,
      exporter: new InMemorySpanExporter(),
    });
    const server = createServer((req, res) => {
      const listener = () => {};
      req.on('data', listener);
      res.end(String(req.rawListeners('data')[0] === listener));
    });
    const port = await listen(server);
    try {
      const raw = await new Promise<{ wrapped: boolean; served: string }>((resolve) => {
        const req = request({ host: '127.0.0.1', port, path: '/' }, (res) => {
          const listener = () => {};
          res.on('end', listener);
          const wrapped = res.rawListeners('end').at(-1) !== listener;
          let served = '';
          res.on('data', (d) => {
            served += d;
          });
          res.on('end', () => resolve({ wrapped, served }));
        });
        req.end();
      });
      expect(raw.wrapped).toBe(false);
      // …while a request's own listeners are wrapped (they run in the request's context).
      expect(raw.served).toBe('false');
    } finally {
      server.close();
      await tracing.shutdown();
    }
  });
});

describe('pooled id generator', () => {
  it('makes lower-case hex ids of the right length, all different', () => {
    const ids = createPooledIdGenerator();
    const traceIds = new Set<string>();
    const spanIds = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const t = ids.generateTraceId();
      const s = ids.generateSpanId();
      expect(t).toMatch(/^[0-9a-f]{32}$/);
      expect(s).toMatch(/^[0-9a-f]{16}$/);
      traceIds.add(t);
      spanIds.add(s);
    }
    expect(traceIds.size).toBe(5000);
    expect(spanIds.size).toBe(5000);
  });
});
