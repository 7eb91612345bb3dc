import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServerInstrumentation } from '../src/instrumentations/http-server.js';
import { type RawRequest, send } from './support/raw-request.js';

// The lean server instrumentation must emit the very span the stock @opentelemetry/instrumentation-http emits under
// the stable HTTP semantic conventions: same name, kind, status, attributes and events, request by request.

const REQUESTS: RawRequest[] = [
  { method: 'GET', target: '/hello', headers: { 'user-agent': 'parity/1.0' } },
  { method: 'GET', target: '/search/items?q=red+shoes&sig=abc123&page=2' },
  { method: 'GET', target: '/a/../b/%7Euser/x%20y' },
  { method: 'GET', target: '//double/slash' },
  { method: 'GET', target: '/favicon.ico' },
  {
    method: 'POST',
    target: '/submit',
    headers: {
      'x-forwarded-for': '203.0.113.7, 10.0.0.1',
      'x-forwarded-host': 'shop.example:8443',
      'x-forwarded-proto': 'https',
      'content-length': '0',
    },
  },
  { method: 'GET', target: '/fwd', headers: { forwarded: 'for="[2001:db8::1]:4711";proto=https;host=api.example' } },
  { method: 'GET', target: '/fwd-bad', headers: { forwarded: 'for=;;;"' } },
  { method: 'GET', target: '/xfh-only', headers: { 'x-forwarded-host': 'only.example' } },
  { method: 'PURGE', target: '/cache' },
  { method: 'GET', target: '/fail' },
  { method: 'GET', target: '/missing' },
  { method: 'GET', target: '/old', version: '1.0' },
  { method: 'GET', target: '/v6host', headers: { host: '[::1]:8080' } },
];

function comparable(span: ReadableSpan) {
  const attributes = { ...span.attributes };
  // Differs per connection by nature: compare presence, not value.
  attributes['network.peer.port'] = typeof attributes['network.peer.port'];
  for (const key of Object.keys(attributes)) if (key.startsWith('otelkit.')) delete attributes[key];
  return {
    name: span.name,
    kind: span.kind,
    status: span.status,
    attributes,
    events: span.events.map((e) => ({ name: e.name, attributes: e.attributes })),
    parent: span.parentSpanContext?.spanId,
  };
}

describe('lean http server instrumentation vs @opentelemetry/instrumentation-http (stable semconv)', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  let server: Server;
  let port: number;

  beforeAll(async () => {
    provider.register();
    server = createServer((req, res) => {
      if (req.url === '/fail') res.statusCode = 500;
      else if (req.url === '/missing') res.statusCode = 404;
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });

  afterAll(async () => {
    server.close();
    await provider.shutdown();
  });

  async function record(): Promise<ReturnType<typeof comparable>[]> {
    const out = [];
    for (const r of REQUESTS) {
      exporter.reset();
      await send(port, r);
      await new Promise((resolve) => setTimeout(resolve, 20));
      const spans = exporter.getFinishedSpans();
      expect(spans, `${r.method} ${r.target}`).toHaveLength(1);
      out.push(comparable(spans[0]!));
    }
    return out;
  }

  it('emits identical spans for every request shape', async () => {
    const stock = new HttpInstrumentation({ disableOutgoingRequestInstrumentation: true });
    stock.setTracerProvider(provider);
    stock.enable();
    createRequire(import.meta.url)('node:http'); // require-in-the-middle patches on require
    createRequire(import.meta.url)('http');
    const expected = await record();
    stock.disable();

    expect(expected.some((s) => s.attributes['url.query'] === 'q=red+shoes&sig=REDACTED&page=2')).toBe(true);
    // Both ways of computing the attributes: before the span starts (a custom sampler may read them), and only once
    // it is known to be recorded (the built-in samplers).
    for (const samplerReadsAttributes of [true, false]) {
      const lean = createHttpServerInstrumentation({ samplerReadsAttributes });
      lean.setTracerProvider(provider);
      lean.enable();
      const actual = await record();
      lean.disable();
      for (let i = 0; i < REQUESTS.length; i++) {
        expect(actual[i], `${REQUESTS[i]!.method} ${REQUESTS[i]!.target} (${samplerReadsAttributes})`).toEqual(
          expected[i],
        );
      }
    }
  });
});
