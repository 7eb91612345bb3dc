// The spans of the collector benchmarks, made with the real SDK: distinct spans shaped like a payment request.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

// The SDK is the collector's own (dev) dependency; resolve it from there.
const requireFromCollector = createRequire(new URL('../../apps/collector/package.json', import.meta.url));

/** Imports a package as the collector resolves it. */
export function loadFromCollector(name) {
  return import(pathToFileURL(requireFromCollector.resolve(name)).href);
}

/**
 * `count` finished spans, a SERVER span and a CLIENT child with realistic attributes per request (distinct ids and
 * correlation ids), in batches of `batchSize`.
 */
export async function paymentSpanBatches(count, batchSize) {
  const { SpanKind, context, trace } = await loadFromCollector('@opentelemetry/api');
  const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = await loadFromCollector(
    '@opentelemetry/sdk-trace-base',
  );
  const { resourceFromAttributes } = await loadFromCollector('@opentelemetry/resources');
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'payment-api',
      'service.version': '2.3.1',
      'host.name': 'pod-1',
    }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('bench');
  for (let i = 0; i < count / 2; i++) {
    const server = tracer.startSpan('POST /api/v1/payments/charge', {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': 'POST',
        'http.route': '/api/v1/payments/charge',
        'url.path': '/api/v1/payments/charge',
        'http.response.status_code': 200,
        'otelkit.correlation_id': `req-${i}`,
        'user.id': `user-${i % 1000}`,
      },
    });
    const client = tracer.startSpan(
      'POST card-gateway /charge',
      { kind: SpanKind.CLIENT, attributes: { 'server.address': 'card-gateway', 'server.port': 8080 } },
      trace.setSpan(context.active(), server),
    );
    client.end();
    server.end();
  }
  const spans = memory.getFinishedSpans();
  const batches = [];
  for (let i = 0; i < spans.length; i += batchSize) batches.push(spans.slice(i, i + batchSize));
  return batches;
}
