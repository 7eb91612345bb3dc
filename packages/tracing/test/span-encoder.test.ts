import { type Attributes, context, SpanKind, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { SpanEncoder } from '../src/export/span-encoder.js';

// The encoder must write exactly the bytes of the upstream serializer it replaces, for every shape a span can take.

function provider(attributes: Attributes, exporter: InMemorySpanExporter): BasicTracerProvider {
  return new BasicTracerProvider({
    resource: resourceFromAttributes(attributes),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
    spanLimits: { attributeCountLimit: 200, eventCountLimit: 5, linkCountLimit: 5 },
  });
}

const ODD_STRINGS = [
  '',
  'GET',
  'ünïcødé – ✓',
  '😀 emoji',
  'lone \ud800 surrogate',
  'x'.repeat(127),
  'y'.repeat(128),
  'z'.repeat(129),
  'w'.repeat(20_000),
];
const ODD_NUMBERS = [
  0,
  -0,
  1,
  -1,
  127,
  128,
  300,
  2 ** 31,
  2 ** 32,
  2 ** 32 + 5,
  -(2 ** 40),
  2 ** 53 + 2,
  1.5,
  -0.25,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  2 ** 63,
  -(2 ** 63),
];

function spans(): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const a = provider({ 'service.name': 'payments', 'service.version': '2.3.1', 'host.name': 'pod-1' }, exporter);
  const b = provider({ 'service.name': 'gateway', 'deployment.environment.name': 'dev', weight: 3 }, exporter);
  const tracers = [
    a.getTracer('one'),
    a.getTracer('two', '1.2.3', { schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' }),
    b.getTracer('one'),
  ];
  let n = 0;
  for (let i = 0; i < 600; i++) {
    const tracer = tracers[i % tracers.length] as ReturnType<BasicTracerProvider['getTracer']>;
    const parent =
      i % 3 === 0
        ? trace.setSpanContext(context.active(), {
            traceId: (i + 1).toString(16).padStart(32, '0'),
            spanId: (i + 7).toString(16).padStart(16, 'a'),
            traceFlags: TraceFlags.SAMPLED,
            isRemote: i % 2 === 0,
            traceState: i % 6 === 0 ? new TraceState('vendor=abc,other=x-1') : undefined,
          })
        : context.active();
    const attributes: Attributes = {
      'http.request.method': ['GET', 'POST', 'PURGE'][i % 3] as string,
      'http.response.status_code': [200, 404, 500][i % 3] as number,
      'url.scheme': 'http',
      'otelkit.correlation_id': `req-${i}`,
      'client.port': 40_000 + i,
      ok: i % 2 === 0,
      ratio: i / 7,
      tags: i % 4 === 0 ? ['a', 'b', 'ç'] : [i, i + 1],
      flags: [true, false],
      empty: [],
      odd: ODD_STRINGS[i % ODD_STRINGS.length] as string,
      num: ODD_NUMBERS[i % ODD_NUMBERS.length] as number,
    };
    // Keys past the per-key cache limit and many distinct keys exercise the uncached path too.
    attributes[`k${i % 700}`] = `v${i % 90}`;
    const span = tracer.startSpan(
      i % 5 === 0 ? `span ${ODD_STRINGS[i % ODD_STRINGS.length]}` : 'GET /payments/:id',
      {
        kind: [undefined, SpanKind.SERVER, SpanKind.CLIENT, SpanKind.INTERNAL, SpanKind.PRODUCER, SpanKind.CONSUMER][
          i % 6
        ],
        attributes,
        links:
          i % 4 === 0
            ? [
                {
                  context: {
                    traceId: 'f'.repeat(32),
                    spanId: '0123456789abcdef',
                    traceFlags: i % 8 === 0 ? TraceFlags.SAMPLED : TraceFlags.NONE,
                    isRemote: true,
                    traceState: new TraceState('k=v'),
                  },
                  attributes: { 'link.kind': 'follows', n: i },
                },
                { context: { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 0 } },
              ]
            : [],
        startTime: [1_700_000_000 + i, (i * 7919) % 1_000_000_000],
      },
      parent,
    );
    if (i % 3 === 1) span.addEvent('retry', { attempt: i, reason: 'timeout ⏱' }, [1_700_000_000 + i, 5]);
    if (i % 10 === 0) span.recordException(new Error(`boom ${i}`));
    if (i % 7 === 0) span.addEvent('no attributes');
    if (i % 3 === 2) span.setStatus({ code: SpanStatusCode.ERROR, message: i % 2 ? 'failed – ✗' : '' });
    else if (i % 3 === 1) span.setStatus({ code: SpanStatusCode.OK });
    span.end([1_700_000_001 + i, (i * 104_729) % 1_000_000_000]);
    n++;
  }
  const finished = exporter.getFinishedSpans();
  expect(finished).toHaveLength(n);
  return finished;
}

describe('SpanEncoder', () => {
  it('writes the bytes ProtobufTraceSerializer writes, batch after batch (caches warm)', () => {
    const all = spans();
    const encoder = new SpanEncoder();
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < all.length; i += 97) {
        const batch = all.slice(i, i + 97);
        const ours = Buffer.from(encoder.encode(batch));
        const theirs = Buffer.from(ProtobufTraceSerializer.serializeRequest(batch) as Uint8Array);
        if (!ours.equals(theirs)) {
          let d = 0;
          while (ours[d] === theirs[d]) d++;
          throw new Error(
            `differ at ${d} of ${ours.length}/${theirs.length}: ours ${ours.subarray(Math.max(0, d - 20), d + 20).toString('hex')} theirs ${theirs.subarray(Math.max(0, d - 20), d + 20).toString('hex')}`,
          );
        }
      }
    }
  });

  it('encodes one span, an empty batch and a very large batch the same way too', () => {
    const all = spans();
    const encoder = new SpanEncoder();
    for (const batch of [[], all.slice(0, 1), [...all, ...all, ...all, ...all, ...all, ...all, ...all, ...all]]) {
      const ours = Buffer.from(encoder.encode(batch));
      const theirs = Buffer.from(ProtobufTraceSerializer.serializeRequest(batch) as Uint8Array);
      expect(ours.equals(theirs)).toBe(true);
    }
  });

  it('follows one key through changing values span after span (cache hits, misses, non-scalars, cache turned off)', () => {
    const exporter = new InMemorySpanExporter();
    const tracer = provider({ 'service.name': 'cache' }, exporter).getTracer('t');
    const values: Attributes[string][] = [
      'a',
      'a',
      1,
      'a',
      ['x', 'é'],
      'a',
      true,
      1,
      Number.NaN,
      Number.NaN,
      -0,
      0,
      'ünï',
      'a',
      ...Array.from({ length: 80 }, (_, i) => `distinct-${i}`),
      'a',
      'a',
      1,
    ];
    for (const [i, value] of values.entries()) {
      const span = tracer.startSpan('s', { attributes: { key: value, steady: 'same', n: i, [`k${i % 3}`]: value } });
      span.end([1_700_000_000, i]);
    }
    const all = exporter.getFinishedSpans();
    const encoder = new SpanEncoder();
    // One span per batch: each encoding sees the cache exactly as the spans before it left it.
    for (const [i, span] of all.entries()) {
      const ours = Buffer.from(encoder.encode([span]));
      const theirs = Buffer.from(ProtobufTraceSerializer.serializeRequest([span]) as Uint8Array);
      expect(ours.equals(theirs), `span ${i}: ${JSON.stringify(values[i])}`).toBe(true);
    }
  });

  it('writes a long string whose first non-ASCII character comes late (after the buffer grew) as UTF-8', () => {
    const exporter = new InMemorySpanExporter();
    const tracer = provider({ 'service.name': 'long' }, exporter).getTracer('t');
    for (const text of [`${'x'.repeat(200_000)}é`, `${'y'.repeat(70_000)}😀z`, 'ascii only', `é${'w'.repeat(10)}`]) {
      tracer.startSpan(text.slice(-12), { attributes: { text } }).end([1_700_000_000, 1]);
    }
    const all = exporter.getFinishedSpans();
    const encoder = new SpanEncoder();
    for (const batch of [...all.map((span) => [span]), all]) {
      const ours = Buffer.from(encoder.encode(batch));
      const theirs = Buffer.from(ProtobufTraceSerializer.serializeRequest(batch) as Uint8Array);
      expect(ours.equals(theirs)).toBe(true);
    }
  });

  it('reuses its buffer from one request to the next, except after a batch far larger than usual', () => {
    const all = spans();
    const encoder = new SpanEncoder();
    // Enough copies of the spans to take more than 4 MiB.
    const copies = Math.ceil((4.5 * 1024 * 1024) / new SpanEncoder().encode(all).byteLength);
    const huge = Array.from({ length: copies }, () => all).flat();
    // The first batch grows the buffer; the second fits in it.
    const batches = [all.slice(50, 200), all.slice(0, 50), huge, all.slice(7, 9), all.slice(0, 3)];
    const outputs = batches.map((batch) => {
      const out = encoder.encode(batch);
      // Valid until the next call: the bytes are what the upstream serializer writes.
      const theirs = Buffer.from(ProtobufTraceSerializer.serializeRequest(batch) as Uint8Array);
      expect(Buffer.from(out).equals(theirs)).toBe(true);
      return out;
    });
    expect(outputs[2]!.byteLength).toBeGreaterThan(4 * 1024 * 1024);
    // Same buffer for the first two; the huge one is handed over for good and the next request starts a small one.
    // (Identity as booleans: a failing toBe on two ArrayBuffers would print their bytes.)
    expect(outputs[1]!.buffer === outputs[0]!.buffer).toBe(true);
    expect(outputs[3]!.buffer === outputs[2]!.buffer).toBe(false);
    expect(outputs[3]!.buffer.byteLength).toBeLessThan(1024 * 1024);
    expect(outputs[4]!.buffer === outputs[3]!.buffer).toBe(true);
    const theirs = Buffer.from(ProtobufTraceSerializer.serializeRequest(huge) as Uint8Array);
    expect(Buffer.from(outputs[2]!).equals(theirs)).toBe(true);
  });
});
