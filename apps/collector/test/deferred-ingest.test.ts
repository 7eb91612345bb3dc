import { createRequire } from 'node:module';
import * as grpc from '@grpc/grpc-js';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Collector, startCollector } from '../src/index.js';
import { GRPC_SERVICES, traceMessageEncoders } from '../src/otlp/proto.js';
import { acceptTracesProtobuf } from '../src/receivers/otlp-ingest.js';
import { DEFAULT_LIMITS, Store } from '../src/store/store.js';

// Accepted trace exports are answered once scanned and stored just after: these tests pin down that nothing accepted
// is lost or invisible on the way, and that what the answer says (refused, partially refused) is still decided first.

let collector: Collector;

beforeAll(async () => {
  collector = await startCollector({ grpcPort: 0, httpPort: 0, uiPort: 0 });
});

afterAll(async () => {
  await collector?.stop();
});

/** `pairs` SERVER spans with a CLIENT child each, one trace per pair, through the real SDK. */
function makeSpans(pairs: number, service: string): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('deferred-ingest');
  for (let i = 0; i < pairs; i++) {
    const server = tracer.startSpan('POST /charge', {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': 'POST', 'http.route': '/charge', 'http.response.status_code': 200 },
    });
    tracer.startSpan('POST upstream', { kind: SpanKind.CLIENT }, trace.setSpan(context.active(), server)).end();
    server.end();
  }
  return memory.getFinishedSpans() as ReadableSpan[];
}

function exportSpans(exporter: OTLPTraceExporter, spans: ReadableSpan[]): Promise<number> {
  return new Promise((resolve) => exporter.export(spans, (result) => resolve(result.code)));
}

/** The raw bytes of an ExportTraceServiceRequest, encoded by the generated encoder. */
function encodeRequest(spans: object[]): Buffer {
  const request = {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'hand-built' } }] },
        scopeSpans: [{ scope: { name: 'test' }, spans }],
      },
    ],
  };
  const encoder = traceMessageEncoders().request as unknown as {
    fromObject(o: object): unknown;
    encode(m: unknown): { finish(): Uint8Array };
  };
  return Buffer.from(encoder.encode(encoder.fromObject(request)).finish());
}

function grpcExport(message: Buffer): Promise<{ code: number; details: string; response: Buffer | undefined }> {
  const client = new grpc.Client(`127.0.0.1:${collector.grpcPort}`, grpc.credentials.createInsecure());
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      GRPC_SERVICES.traces,
      (b: Buffer) => b,
      (b: Buffer) => b,
      message,
      (error, response) => {
        client.close();
        resolve({ code: error?.code ?? grpc.status.OK, details: error?.details ?? '', response });
      },
    );
  });
}

const span = (traceByte: number, spanByte: number) => ({
  traceId: Buffer.alloc(16, traceByte),
  spanId: Buffer.alloc(8, spanByte),
  name: `span-${traceByte}-${spanByte}`,
  kind: 2,
  startTimeUnixNano: 1_760_000_000_000_000_000,
  endTimeUnixNano: 1_760_000_000_100_000_000,
});

describe('trace exports stored after the answer', () => {
  it('a query right after the exports resolve sees every span of them, traces whole', async () => {
    const exporter = new OTLPTraceExporter({ url: `http://127.0.0.1:${collector.grpcPort}` });
    const batches = [makeSpans(150, 'deferred-a'), makeSpans(150, 'deferred-a'), makeSpans(100, 'deferred-b')];
    // Concurrent exports, as a batch span processor with several in flight sends them.
    const codes = await Promise.all(batches.map((b) => exportSpans(exporter, b)));
    expect(codes).toEqual([0, 0, 0]);
    const stats = collector.query.stats();
    expect(stats.received.spans).toBe(800);
    expect(stats.stored.spans).toBe(800);
    const listed = collector.query.listTraces({ service: 'deferred-a', limit: 1000 });
    expect(listed).toHaveLength(300);
    expect(listed.every((t) => t.spanCount === 2)).toBe(true);
    const last = batches[2]!.at(-1)!;
    const detail = collector.query.getTrace(last.spanContext().traceId);
    expect(detail?.spans.map((s) => s.name).sort()).toEqual(['POST /charge', 'POST upstream']);
    await exporter.shutdown();
  });

  it('answers a malformed request with INVALID_ARGUMENT and stores nothing of it', async () => {
    const before = collector.query.stats();
    const truncated = encodeRequest([span(1, 1), span(1, 2)]).subarray(0, -3);
    const res = await grpcExport(truncated);
    expect(res.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(res.details).toMatch(/invalid protobuf/);
    const after = collector.query.stats();
    expect(after.received.spans).toBe(before.received.spans);
    expect(after.refusedRequests.bad_data).toBe((before.refusedRequests.bad_data ?? 0) + 1);
  });

  it('answers spans without valid ids as a partial success and stores the others', async () => {
    const bad = { ...span(2, 2), spanId: Buffer.alloc(8) };
    const res = await grpcExport(encodeRequest([span(2, 1), bad, span(3, 1)]));
    expect(res.code).toBe(grpc.status.OK);
    // Read through the generated response type, so that no field number is spelled here.
    const { opentelemetry } = createRequire(import.meta.url)(
      '@opentelemetry/otlp-transformer/build/src/generated/root.js',
    ) as {
      opentelemetry: {
        proto: {
          collector: { trace: { v1: { ExportTraceServiceResponse: { decode(b: Uint8Array): unknown } } } };
        };
      };
    };
    const response = opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse.decode(res.response!);
    const partial = (response as { partialSuccess?: { rejectedSpans: unknown; errorMessage: string } }).partialSuccess;
    expect(Number(partial?.rejectedSpans)).toBe(1);
    expect(partial?.errorMessage).toBe('1 span(s) without a valid traceId/spanId');
    expect(collector.query.getTrace('02'.repeat(16))?.spans.map((s) => s.spanId)).toEqual(['01'.repeat(8)]);
    expect(collector.query.getTrace('03'.repeat(16))?.spans).toHaveLength(1);
  });
});

describe('the store queue without queries', () => {
  it('stores accepted exports on its own once the answers are out, in arrival order', async () => {
    const store = new Store({ ...DEFAULT_LIMITS });
    // Two exports of the same trace: the second one's span is the first one's child.
    const first = acceptTracesProtobuf(store, encodeRequest([span(4, 1)]));
    const second = acceptTracesProtobuf(store, encodeRequest([{ ...span(4, 2), parentSpanId: Buffer.alloc(8, 1) }]));
    expect(first).toEqual({ rejected: 0, errorMessage: '' });
    expect(second).toEqual({ rejected: 0, errorMessage: '' });
    expect(store.hasPending).toBe(true);
    expect(store.traces.spanCount).toBe(0);
    // No query drains it: the scheduled drain does, a few event-loop turns later.
    for (let turn = 0; turn < 10 && store.hasPending; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(store.hasPending).toBe(false);
    expect(store.traces.spanCount).toBe(2);
    expect(store.traces.spanNames('04'.repeat(16))).toEqual(['span-4-1', 'span-4-2']);
  });

  it('refuses malformed bytes at once, before anything is queued', () => {
    const store = new Store({ ...DEFAULT_LIMITS });
    const truncated = encodeRequest([span(5, 1)]).subarray(0, -2);
    expect(() => acceptTracesProtobuf(store, truncated)).toThrow(/invalid protobuf/);
    expect(store.hasPending).toBe(false);
  });
});
