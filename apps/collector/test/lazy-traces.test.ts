import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { context, type Attributes as OtelAttributes, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
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
import { normalizeTraces } from '../src/otlp/normalize.js';
import { otlpCodec } from '../src/otlp/proto.js';
import { scanTraces } from '../src/otlp/trace-scan.js';
import { createQuery } from '../src/query/query.js';
import { isFailedRequest, routeOf } from '../src/query/request-rules.js';
import { buildReport } from '../src/report/report.js';
import { DEFAULT_LIMITS, Store } from '../src/store/store.js';

const RULES = { routeOf, isFailed: isFailedRequest };
const servers: grpc.Server[] = [];
const running: Collector[] = [];
const dirs: string[] = [];

afterAll(async () => {
  await Promise.all(running.map((c) => c.stop()));
  for (const s of servers) s.forceShutdown();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** A gRPC TraceService that keeps the request bytes the real exporter sends. */
async function captureServer(): Promise<{ url: string; requests: Buffer[] }> {
  const requests: Buffer[] = [];
  const server = new grpc.Server();
  const identity = (b: Buffer) => b;
  server.addService(
    {
      Export: {
        path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
        requestStream: false,
        responseStream: false,
        requestSerialize: identity,
        requestDeserialize: identity,
        responseSerialize: identity,
        responseDeserialize: identity,
      },
    },
    {
      Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        requests.push(Buffer.from(call.request));
        callback(null, Buffer.alloc(0));
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  servers.push(server);
  return { url: `http://127.0.0.1:${port}`, requests };
}

/** Sends each batch through the real OTLP/gRPC exporter to `url`, one export at a time; every one must succeed. */
async function exportAll(url: string, batches: ReadableSpan[][]): Promise<void> {
  const exporter = new OTLPTraceExporter({ url });
  for (const batch of batches) {
    const result = await new Promise<{ code: number }>((resolve) => exporter.export(batch, resolve));
    expect(result.code).toBe(0);
  }
  await exporter.shutdown();
}

/**
 * Spans of two services through the real SDK: SERVER spans with HTTP attributes (2xx, 5xx, a route, no route), a
 * failing CLIENT child with an exception event and a fingerprint, links, events, arrays, 64-bit integers, doubles,
 * booleans; some traces split over two exports and one exported twice.
 */
function makeSpans(): ReadableSpan[][] {
  const exports: ReadableSpan[][] = [];
  for (const service of ['payment-api', 'card-gateway']) {
    const memory = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({
        'service.name': service,
        'service.version': service === 'payment-api' ? '2.3.1' : '1.0.0',
        'deployment.environment.name': 'test',
        'host.name': 'pod-1',
      }),
      spanProcessors: [new SimpleSpanProcessor(memory)],
    });
    const tracer = provider.getTracer('lazy-test', '1.0.0');
    for (let i = 0; i < 40; i++) {
      const attributes: OtelAttributes = {
        'http.request.method': i % 3 === 0 ? 'GET' : 'POST',
        'url.path': `/api/v1/payments/${i}`,
        'http.response.status_code': i % 5 === 0 ? 503 : 200,
        'otelkit.correlation_id': `req-${service}-${i}`,
        'user.id': `user-${i % 7}`,
        'big.int': 2 ** 40 + i,
        ratio: i / 7,
        flag: i % 2 === 0,
        list: ['a', `b${i}`],
      };
      if (i % 4 !== 1) attributes['http.route'] = '/api/v1/payments/:id';
      const server = tracer.startSpan(`${i % 3 === 0 ? 'GET' : 'POST'} /api/v1/payments`, {
        kind: SpanKind.SERVER,
        attributes,
        startTime: [1_760_000_000 + i, 123_456_789],
      });
      const client = tracer.startSpan(
        'POST card-gateway /charge',
        { kind: SpanKind.CLIENT, attributes: { 'server.address': 'card-gateway', 'server.port': 8080 } },
        trace.setSpan(context.active(), server),
      );
      client.addEvent('retry', { attempt: 1 });
      client.addLink({ context: server.spanContext(), attributes: { why: 'test' } });
      if (i % 5 === 0) {
        client.recordException({ name: 'UpstreamError', message: `upstream said no (${i})` });
        client.setAttribute('otelkit.error.fingerprint', `upstream-${i % 2}`);
        client.setAttribute('otelkit.error.severity', 'high');
        client.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream failed' });
        server.setStatus({ code: SpanStatusCode.ERROR });
      } else if (i % 5 === 1) {
        server.setStatus({ code: SpanStatusCode.OK });
      }
      client.end([1_760_000_000 + i, 223_456_789]);
      server.end([1_760_000_000 + i, 323_456_789]);
    }
    const spans = memory.getFinishedSpans();
    // Uneven exports, so that traces are split over two of them.
    for (let i = 0; i < spans.length; i += 13) exports.push(spans.slice(i, i + 13));
  }
  exports.push(exports[1]!); // sent twice: every span a duplicate
  return exports;
}

/** Everything the query API and the report return, for two stores to be compared. */
function everything(store: Store) {
  const query = createQuery(store);
  const traces = query.listTraces({ limit: 1000 });
  const stats = query.stats();
  return {
    traces,
    details: traces.map((t) => query.getTrace(t.traceId)),
    named: query.listTraces({ name: 'charge', limit: 1000 }).map((t) => t.traceId),
    errors: query.listErrorGroups().map((g) => query.getErrorGroup(g.fingerprint)),
    red: query.red(),
    services: query.services(),
    report: buildReport(store, query, { now: Date.parse('2025-10-09T09:00:00.000Z') }),
    counts: { received: stats.received, stored: stats.stored, evicted: stats.evicted, rejected: stats.rejected },
    duplicates: stats.duplicates,
  };
}

/** Requests through the scanner into the store's slab arena, as the receivers store them. */
function lazyStore(requests: Buffer[], limits = DEFAULT_LIMITS, slabBytes?: number): Store {
  const store = new Store({ ...limits }, slabBytes);
  for (const bytes of requests) {
    const scanned = scanTraces(bytes, RULES, store.traces.arena);
    expect(scanned).toBeDefined();
    store.ingestScannedTraces(scanned!);
  }
  return store;
}

function decodedStore(requests: Buffer[], limits = DEFAULT_LIMITS): Store {
  const store = new Store({ ...limits });
  for (const bytes of requests) {
    const n = normalizeTraces(otlpCodec('traces').decodeRequest(bytes));
    store.ingestSpans(n.items, n.rejected);
  }
  return store;
}

describe('OTLP/protobuf traces stored raw with a scanned index', () => {
  let requests: Buffer[];
  let sent: ReadableSpan[][];

  beforeAll(async () => {
    const capture = await captureServer();
    sent = makeSpans();
    await exportAll(capture.url, sent);
    requests = capture.requests;
    expect(requests).toHaveLength(sent.length);
  });

  it('answers every query exactly as the decode-everything path does', () => {
    const lazy = everything(lazyStore(requests));
    const decoded = everything(decodedStore(requests));
    expect(lazy.counts.stored.spans).toBe(160);
    expect(lazy.duplicates.spans).toBe(13);
    expect(lazy.errors.length).toBeGreaterThan(0);
    expect(lazy.red.red.some((r) => r.errorCount > 0)).toBe(true);
    expect(lazy).toEqual(decoded);
  });

  it('builds each scanned export’s batch from its own scan, however many exports were scanned before it is read', () => {
    // As under load: the next exports are scanned (and answered) before the first one is stored.
    const scannedFirst = requests.map((bytes) => scanTraces(bytes, RULES)!);
    const store = new Store({ ...DEFAULT_LIMITS });
    for (const scanned of scannedFirst.reverse()) {
      expect(scanned.spans).toBe(scanned.batch.size);
      store.ingestScannedTraces(scanned);
    }
    const oneByOne = lazyStore([...requests].reverse());
    expect(everything(store)).toEqual(everything(oneByOne));
    expect(everything(store)).toEqual(everything(decodedStore([...requests].reverse())));
  });

  it('gives back what the exporter sent: ids, parents, names, kinds, attributes, events, links, resource', () => {
    const query = createQuery(lazyStore(requests));
    for (const span of sent.flat()) {
      const ctx = span.spanContext();
      const stored = query.getTrace(ctx.traceId)?.spans.find((s) => s.spanId === ctx.spanId);
      expect(stored).toBeDefined();
      expect(stored!.parentSpanId).toBe(span.parentSpanContext?.spanId ?? null);
      expect(stored!.name).toBe(span.name);
      expect(stored!.kind).toBe(span.kind === SpanKind.SERVER ? 'server' : 'client');
      expect(stored!.attributes).toEqual(span.attributes);
      expect(stored!.events.map((e) => e.name)).toEqual(span.events.map((e) => e.name));
      expect(stored!.links.map((l) => l.spanId)).toEqual(span.links.map((l) => l.context.spanId));
      expect(stored!.resource['service.name']).toBe(span.resource.attributes['service.name']);
      expect(stored!.scope).toEqual({ name: 'lazy-test', version: '1.0.0' });
    }
  });

  it('evicts whole traces oldest first, counts them, and lets go of batches whose spans are all evicted', () => {
    const limits = { ...DEFAULT_LIMITS, maxSpans: 30 };
    const store = lazyStore(requests, limits);
    const stats = store.stats();
    expect(stats.stored.spans).toBeLessThanOrEqual(30);
    expect(stats.stored.spans + stats.evicted.spans).toBe(
      stats.received.spans - stats.rejected.spans - stats.duplicates.spans,
    );
    expect(stats.evicted.traces).toBeGreaterThan(0);
    for (const t of createQuery(store).listTraces({ limit: 1000 })) expect(t.spanCount).toBeLessThanOrEqual(2);
    // Only the batches that still hold a stored span are kept (30 spans span at most 4 exports of 13).
    expect(store.traces.batchCount).toBeGreaterThan(0);
    expect(store.traces.batchCount).toBeLessThanOrEqual(4);
    expect(everything(store)).toEqual(everything(decodedStore(requests, limits)));
  });

  it('reuses arena slabs as batches are let go, and what it keeps still reads back as sent', () => {
    // Each export of 13 spans takes about 6 KiB with its index: five to a 32 KiB slab. Sent five times over, with room
    // for 100 spans (about eight exports, so more than a slab's worth), the store evicts and re-receives traces all
    // along: slabs empty and are filled again while the batches of the slab before them are still read.
    const limits = { ...DEFAULT_LIMITS, maxSpans: 100 };
    const rounds = [...requests, ...requests, ...requests, ...requests, ...requests];
    const store = lazyStore(rounds, limits, 32 * 1024);
    const arena = store.traces.arena;
    expect(rounds).toHaveLength(75);
    // Without reuse, 75 regions of ~6 KiB would take 14 slabs or more.
    expect(arena.slabsAllocated).toBeGreaterThanOrEqual(2);
    expect(arena.slabsAllocated).toBeLessThanOrEqual(5);
    expect(arena.slabCount).toBeLessThanOrEqual(5);
    const answers = everything(store);
    expect(answers).toEqual(everything(decodedStore(rounds, limits)));
    // Nothing a query returns may be a view into a slab (it would change when the slab is reused).
    const views: string[] = [];
    const walk = (value: unknown, path: string, seen: Set<object>) => {
      if (value instanceof Uint8Array) views.push(path);
      else if (value && typeof value === 'object' && !seen.has(value)) {
        seen.add(value);
        for (const [k, v] of Object.entries(value)) walk(v, `${path}.${k}`, seen);
      }
    };
    walk(answers, '$', new Set());
    expect(views).toEqual([]);
  });
});

describe('trace bookkeeping across exports, queries and evictions', () => {
  /** Traces of 3, 20 and 40 spans (past the 16 from which a trace keeps a span-id set), each over several exports. */
  function growingTraces(): ReadableSpan[][] {
    const memory = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'checkout' }),
      spanProcessors: [new SimpleSpanProcessor(memory)],
    });
    const tracer = provider.getTracer('bookkeeping-test');
    for (let round = 0; round < 3; round++) {
      for (const size of [3, 20, 40]) {
        const root = tracer.startSpan(`GET /order/${round}/${size}`, {
          kind: SpanKind.SERVER,
          attributes: { 'http.request.method': 'GET', 'http.route': '/order/:id', 'http.response.status_code': 200 },
          startTime: [1_760_000_000 + round, size],
        });
        for (let i = 1; i < size; i++) {
          tracer
            .startSpan(
              `step ${i}`,
              { startTime: [1_760_000_000 + round, size + i] },
              trace.setSpan(context.active(), root),
            )
            .end([1_760_000_001 + round, i]);
        }
        root.end([1_760_000_002 + round, 0]);
      }
    }
    const spans = memory.getFinishedSpans();
    const exports: ReadableSpan[][] = [];
    for (let i = 0; i < spans.length; i += 7) exports.push(spans.slice(i, i + 7));
    // Parts of the big traces sent again: every span a duplicate, found through the span-id set.
    exports.push(spans.slice(20, 45), spans.slice(60, 70));
    return exports;
  }

  it('answers as the decode-everything path after every export: summaries follow their traces, slots are reused clean', async () => {
    const capture = await captureServer();
    await exportAll(capture.url, growingTraces());
    // Room for about two of the nine traces: they are evicted and their slots taken by new traces while read.
    for (const maxSpans of [10_000, 70]) {
      const limits = { ...DEFAULT_LIMITS, maxSpans };
      const lazy = new Store({ ...limits });
      const decoded = new Store({ ...limits });
      let checked = 0;
      for (const bytes of capture.requests) {
        lazy.ingestScannedTraces(scanTraces(bytes, RULES, lazy.traces.arena)!);
        const n = normalizeTraces(otlpCodec('traces').decodeRequest(bytes));
        decoded.ingestSpans(n.items, n.rejected);
        // Read between exports: the summaries made now must not be served once more spans of their trace arrive.
        const a = createQuery(lazy);
        const b = createQuery(decoded);
        const listed = a.listTraces({ limit: 100 });
        expect(listed).toEqual(b.listTraces({ limit: 100 }));
        for (const t of listed) expect(a.getTrace(t.traceId)).toEqual(b.getTrace(t.traceId));
        checked += listed.length;
      }
      expect(checked).toBeGreaterThan(0);
      const stats = lazy.stats();
      expect(stats).toMatchObject({ duplicates: decoded.stats().duplicates, evicted: decoded.stats().evicted });
      if (maxSpans === 70) expect(stats.evicted.traces).toBeGreaterThan(3);
      else {
        expect(stats.duplicates.spans).toBe(35);
        expect(
          createQuery(lazy)
            .listTraces({ limit: 100 })
            .map((t) => t.spanCount)
            .sort((x, y) => x - y),
        ).toEqual([3, 3, 3, 20, 20, 20, 40, 40, 40]);
      }
    }
  });
});

/** A tiny protobuf writer for requests the SDK never produces (duplicate keys, several oneof members, …). */
const pb = {
  varint(n: number | bigint): number[] {
    let v = BigInt.asUintN(64, BigInt(n));
    const out: number[] = [];
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v > 0n) byte |= 0x80;
      out.push(byte);
    } while (v > 0n);
    return out;
  },
  tag: (field: number, wire: number) => pb.varint((field << 3) | wire),
  bytes: (field: number, data: number[] | Buffer) => [...pb.tag(field, 2), ...pb.varint(data.length), ...data],
  str: (field: number, text: string) => pb.bytes(field, Buffer.from(text)),
  int: (field: number, n: number | bigint) => [...pb.tag(field, 0), ...pb.varint(n)],
  fixed64(field: number, n: bigint): number[] {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(n);
    return [...pb.tag(field, 1), ...b];
  },
  double(field: number, n: number): number[] {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(n);
    return [...pb.tag(field, 1), ...b];
  },
  kv: (key: string, value: number[]) => [...pb.str(1, key), ...pb.bytes(2, value)],
};

function oddRequest(): Buffer {
  const id = (hex: string) => Buffer.from(hex, 'hex');
  const t0 = 1_760_000_000_000_000_000n;
  const span = (fields: number[][]) => pb.bytes(2, fields.flat());
  const attr = (key: string, value: number[]) => pb.bytes(9, pb.kv(key, value));
  const spans = [
    // A SERVER span whose route is given twice (the later wins), whose method has two oneof members, whose status
    // code is a string and that carries a field unknown to the schema; its Status comes twice.
    span([
      pb.bytes(1, id('0af7651916cd43dd8448eb211c80319c')),
      pb.bytes(2, id('b7ad6b7169203331')),
      pb.str(5, 'GET /odd'),
      pb.int(6, 2),
      pb.fixed64(7, t0),
      pb.fixed64(8, t0 + 5_000_000n),
      attr('http.route', pb.str(1, '/first')),
      attr('http.route', pb.str(1, '/odd/:id')),
      attr('http.request.method', [...pb.int(2, 1), ...pb.str(1, 'GET')]),
      attr('http.response.status_code', pb.str(1, '502')),
      attr('huge', pb.int(3, -(2n ** 62n))),
      attr('nan', pb.double(4, Number.NaN)),
      attr('raw', pb.bytes(7, [1, 2, 3])),
      attr('nested', pb.bytes(6, pb.bytes(1, pb.kv('inner', pb.str(1, 'x'))))),
      attr('empty', []),
      pb.str(99, 'unknown field'),
      pb.bytes(15, [...pb.str(2, 'first status'), ...pb.int(3, 2)]),
      pb.bytes(15, pb.str(2, 'second status, no code')),
    ]),
    // A child with a parent id of the wrong length (so: a root), an enum out of range and an end before its start.
    span([
      pb.bytes(1, id('0af7651916cd43dd8448eb211c80319c')),
      pb.bytes(2, id('00f067aa0ba902b7')),
      pb.bytes(4, [1, 2, 3]),
      pb.str(5, 'child'),
      pb.int(6, 9),
      pb.fixed64(7, t0 + 1_000_000n),
      pb.fixed64(8, t0),
      pb.bytes(11, [
        ...pb.fixed64(1, t0),
        ...pb.str(2, 'exception'),
        ...pb.bytes(3, pb.kv('otelkit.error.fingerprint', pb.str(1, 'odd-fp'))),
      ]),
    ]),
    // Rejected: an all-zero span id, and a trace id of the wrong length.
    span([pb.bytes(1, id('0af7651916cd43dd8448eb211c80319c')), pb.bytes(2, Buffer.alloc(8))]),
    span([pb.bytes(1, id('0af7651916cd43dd')), pb.bytes(2, id('00f067aa0ba902b8'))]),
  ];
  const resource = pb.bytes(1, pb.bytes(1, pb.kv('service.name', pb.int(3, 42))));
  const scopeSpans = pb.bytes(2, [...pb.bytes(1, pb.str(1, 'odd-scope')), ...spans.flat()]);
  return Buffer.from(pb.bytes(1, [...scopeSpans, ...resource]));
}

describe('the scanner’s field numbers and wire types', () => {
  it('match the generated protobuf code: a request with every field set, encoded by it, is indexed alike', () => {
    const id = (hex: string) => Buffer.from(hex, 'hex');
    const kv = (key: string, value: object) => ({ key, value });
    const t0 = 1_760_000_000_000_000_000n;
    const long = (n: bigint) => ({ low: Number(n & 0xffffffffn) | 0, high: Number(n >> 32n) | 0, unsigned: true });
    const everyValue = [
      kv('s', { stringValue: 'x' }),
      kv('b', { boolValue: true }),
      kv('i', { intValue: { low: 5, high: 1, unsigned: false } }),
      kv('d', { doubleValue: 1.5 }),
      kv('a', { arrayValue: { values: [{ stringValue: 'y' }, { intValue: 3 }] } }),
      kv('k', { kvlistValue: { values: [kv('inner', { boolValue: false })] } }),
      kv('y', { bytesValue: id('0102') }),
    ];
    const request = {
      resourceSpans: [
        {
          resource: { attributes: [kv('service.name', { stringValue: 'every-field' })], droppedAttributesCount: 1 },
          schemaUrl: 'https://opentelemetry.io/schemas/1.30.0',
          scopeSpans: [
            {
              scope: { name: 'scope', version: '9', attributes: everyValue, droppedAttributesCount: 2 },
              schemaUrl: 'https://opentelemetry.io/schemas/1.30.0',
              spans: [
                {
                  traceId: id('4bf92f3577b34da6a3ce929d0e0e4736'),
                  spanId: id('00f067aa0ba902b7'),
                  traceState: 'k=v',
                  parentSpanId: id('1111111111111111'),
                  flags: 257,
                  name: 'POST /every',
                  kind: 2,
                  startTimeUnixNano: long(t0),
                  endTimeUnixNano: long(t0 + 7_000_000n),
                  attributes: [
                    ...everyValue,
                    kv('http.route', { stringValue: '/every/:id' }),
                    kv('http.request.method', { stringValue: 'POST' }),
                    kv('http.response.status_code', { intValue: 500 }),
                  ],
                  droppedAttributesCount: 3,
                  events: [
                    {
                      timeUnixNano: long(t0 + 1n),
                      name: 'exception',
                      attributes: [kv('otelkit.error.fingerprint', { stringValue: 'every-fp' }), ...everyValue],
                      droppedAttributesCount: 4,
                    },
                  ],
                  droppedEventsCount: 5,
                  links: [
                    {
                      traceId: id('5bf92f3577b34da6a3ce929d0e0e4736'),
                      spanId: id('2222222222222222'),
                      traceState: 'a=b',
                      attributes: everyValue,
                      droppedAttributesCount: 6,
                      flags: 1,
                    },
                  ],
                  droppedLinksCount: 7,
                  status: { message: 'boom', code: 2 },
                },
              ],
            },
          ],
        },
      ],
    };
    const root = createRequire(import.meta.url)('@opentelemetry/otlp-transformer/build/src/generated/root.js') as {
      opentelemetry: {
        proto: {
          collector: {
            trace: { v1: { ExportTraceServiceRequest: { encode(m: object): { finish(): Uint8Array } } } };
          };
        };
      };
    };
    const encoded = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest.encode(request).finish();
    const bytes = Buffer.from(encoded);
    expect(scanTraces(bytes, RULES)).toBeDefined();
    const lazy = everything(lazyStore([bytes]));
    expect(lazy.traces[0]).toMatchObject({ rootName: 'POST /every', status: 'error', spanCount: 1 });
    expect(lazy.red.red[0]).toMatchObject({ route: 'POST /every/:id', errorCount: 1 });
    expect(lazy.details[0]!.spans[0]!.parentSpanId).toBe('1111111111111111');
    expect(lazy.errors.map((g) => g?.fingerprint)).toEqual(['every-fp']);
    expect(lazy).toEqual(everything(decodedStore([bytes])));
  });
});

describe('requests the SDK never sends', () => {
  it('are indexed by the scanner with the decoder path’s results', () => {
    const bytes = oddRequest();
    const scanned = scanTraces(bytes, RULES);
    expect(scanned?.rejected).toBe(2);
    const lazy = everything(lazyStore([bytes]));
    expect(lazy.counts.stored.spans).toBe(2);
    expect(lazy.red.red[0]).toMatchObject({ route: 'GET /odd/:id', errorCount: 1 });
    expect(lazy.traces[0]).toMatchObject({ rootService: '42', status: 'unset' });
    expect(lazy.errors.map((g) => g?.fingerprint)).toEqual(['odd-fp']);
    expect(lazy).toEqual(everything(decodedStore([bytes])));
  });

  it('take the decoder path when the scanner gives up, with the same outcome', () => {
    // A group (wire type 3) inside a span: protobufjs skips it; the scanner does not try.
    const bytes = Buffer.from(
      pb.bytes(
        1,
        pb.bytes(
          2,
          pb.bytes(2, [
            ...pb.bytes(1, Buffer.from('0af7651916cd43dd8448eb211c80319c', 'hex')),
            ...pb.bytes(2, Buffer.from('b7ad6b7169203331', 'hex')),
            ...pb.tag(50, 3),
            ...pb.int(1, 7),
            ...pb.tag(50, 4),
            ...pb.str(5, 'grouped'),
          ]),
        ),
      ),
    );
    expect(scanTraces(bytes, RULES)).toBeUndefined();
    const n = normalizeTraces(otlpCodec('traces').decodeRequest(bytes));
    expect(n.items.map((s) => s.name)).toEqual(['grouped']);
  });
});

describe('a data directory with raw trace exports', () => {
  it('keeps what the real gRPC exporter sent across a restart, query for query', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'otelkit-lazy-'));
    dirs.push(dataDir);
    const first = await startCollector({ grpcPort: 0, httpPort: 0, uiPort: 0, dataDir });
    running.push(first);
    await exportAll(first.otlpGrpcUrl, makeSpans());
    const before = {
      traces: first.query.listTraces({ limit: 1000 }),
      details: first.query.listTraces({ limit: 1000 }).map((t) => first.query.getTrace(t.traceId)),
      red: first.query.red(),
      errors: first.query.listErrorGroups(),
    };
    expect(before.traces).toHaveLength(80);
    await first.stop();
    expect((await readdir(join(dataDir, 'otlp-traces'))).length).toBeGreaterThan(0);
    expect(await readdir(join(dataDir, 'spans'))).toEqual([]);

    const second = await startCollector({ grpcPort: 0, httpPort: 0, uiPort: 0, dataDir });
    running.push(second);
    const after = {
      traces: second.query.listTraces({ limit: 1000 }),
      details: second.query.listTraces({ limit: 1000 }).map((t) => second.query.getTrace(t.traceId)),
      red: second.query.red(),
      errors: second.query.listErrorGroups(),
    };
    expect(after).toEqual(before);
    expect(second.query.stats().persistence).toMatchObject({ loaded: 160, skippedLines: 0 });
  });
});
