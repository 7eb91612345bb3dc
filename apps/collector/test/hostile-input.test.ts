import { gzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Collector, startCollector } from '../src/index.js';

let collector: Collector;

const LIMITS = {
  maxBodyBytes: 64 * 1024,
  maxDecompressedBytes: 1024 * 1024,
  maxSpans: 1000,
  maxLogs: 500,
  maxErrorGroups: 10,
};

beforeAll(async () => {
  collector = await startCollector({ grpcPort: 0, httpPort: 0, uiPort: 0, limits: LIMITS });
});

afterAll(async () => {
  await collector?.stop();
});

/** google/rpc/status.proto (and the Any it uses), parsed from its text: an encoder-independent reader of the bodies. */
const statusRoot = new protobuf.Root();
protobuf.parse(
  'syntax = "proto3"; package google.protobuf; message Any { string type_url = 1; bytes value = 2; }',
  statusRoot,
);
protobuf.parse(
  'syntax = "proto3"; package google.rpc; ' +
    'message Status { int32 code = 1; string message = 2; repeated google.protobuf.Any details = 3; }',
  statusRoot,
);
const RpcStatus = statusRoot.lookupType('google.rpc.Status');

async function post(
  path: string,
  body: Uint8Array | string,
  headers: Record<string, string>,
): Promise<{ status: number; json: Record<string, unknown>; contentType: string | null }> {
  const response = await fetch(`${collector.otlpHttpUrl}${path}`, { method: 'POST', body, headers });
  const contentType = response.headers.get('content-type');
  if (contentType === 'application/x-protobuf') {
    const bytes = new Uint8Array(await response.arrayBuffer());
    return { status: response.status, json: RpcStatus.toObject(RpcStatus.decode(bytes)), contentType };
  }
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {}, contentType };
}

const hex = (n: number, bytes: number) => n.toString(16).padStart(bytes * 2, '0');

function spansJson(batch: number, count: number, traceId?: string): string {
  const spans = Array.from({ length: count }, (_, i) => ({
    traceId: traceId ?? hex(batch * 10_000 + i + 1, 16),
    spanId: hex(batch * 10_000 + i + 1, 8),
    name: `op-${i}`,
    kind: 2,
    startTimeUnixNano: String(1_700_000_000_000_000_000n + BigInt(batch * 1000 + i) * 1_000_000n),
    endTimeUnixNano: String(1_700_000_000_001_000_000n + BigInt(batch * 1000 + i) * 1_000_000n),
    attributes: [{ key: 'i', value: { intValue: String(i) } }],
  }));
  return JSON.stringify({
    resourceSpans: [
      { resource: { attributes: [{ key: 'service.name', value: { stringValue: 'flood' } }] }, scopeSpans: [{ spans }] },
    ],
  });
}

const JSON_HEADERS = { 'content-type': 'application/json' };
const PROTO_HEADERS = { 'content-type': 'application/x-protobuf' };

function grpcExport(path: string, message: Buffer): Promise<{ code: number; details: string }> {
  const client = new grpc.Client(`127.0.0.1:${collector.grpcPort}`, grpc.credentials.createInsecure());
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      path,
      (b: Buffer) => b,
      (b: Buffer) => b,
      message,
      (error) => {
        client.close();
        resolve({ code: error?.code ?? grpc.status.OK, details: error?.details ?? '' });
      },
    );
  });
}

describe('OTLP/HTTP bad input', () => {
  it('answers malformed protobuf with 400 and a message, and keeps serving', async () => {
    const truncated = Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]);
    const res = await post('/v1/traces', truncated, PROTO_HEADERS);
    expect(res.status).toBe(400);
    // OTLP/HTTP: a protobuf request's error body is a protobuf-encoded google.rpc.Status.
    expect(res.contentType).toBe('application/x-protobuf');
    expect(res.json.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(res.json.message).toMatch(/invalid protobuf traces export request/);
    for (const signal of ['logs', 'metrics']) {
      const other = await post(`/v1/${signal}`, truncated, PROTO_HEADERS);
      expect({ status: other.status, contentType: other.contentType }).toEqual({
        status: 400,
        contentType: 'application/x-protobuf',
      });
      expect(other.json.message).toMatch(new RegExp(`invalid protobuf ${signal} export request`));
    }
    const ok = await post('/v1/traces', spansJson(900, 1), JSON_HEADERS);
    expect(ok.status).toBe(200);
  });

  it('answers malformed JSON and non-OTLP JSON with 400', async () => {
    for (const body of [
      '{"resourceSpans": [',
      '[1,2,3]',
      '{"resourceSpans": "nope"}',
      '{"resourceSpans": [{"scopeSpans": [7]}]}',
    ]) {
      const res = await post('/v1/traces', body, JSON_HEADERS);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      // A JSON request's error body is the same Status, JSON-encoded.
      expect(res.contentType).toBe('application/json');
      expect(res.json.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(typeof res.json.message).toBe('string');
    }
    expect((await post('/v1/logs', '{"resourceLogs": {}}', JSON_HEADERS)).status).toBe(400);
    expect((await post('/v1/metrics', 'null', JSON_HEADERS)).status).toBe(400);
  });

  it('answers an unsupported content type with 415 and a wrong method with 405', async () => {
    expect((await post('/v1/traces', 'x', { 'content-type': 'text/plain' })).status).toBe(415);
    const get = await fetch(`${collector.otlpHttpUrl}/v1/traces`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toContain('POST');
    expect((await post('/v1/nothing', '{}', JSON_HEADERS)).status).toBe(404);
  });

  it('reports spans without valid ids as a partial success', async () => {
    const body = JSON.parse(spansJson(901, 2)) as {
      resourceSpans: { scopeSpans: { spans: { traceId: string }[] }[] }[];
    };
    body.resourceSpans[0]!.scopeSpans[0]!.spans[1]!.traceId = 'not-hex';
    const res = await post('/v1/traces', JSON.stringify(body), JSON_HEADERS);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      partialSuccess: { rejectedSpans: 1, errorMessage: '1 span(s) without a valid traceId/spanId' },
    });
  });

  it('answers a body over the limit with 413, declared or streamed', async () => {
    const big = Buffer.alloc(LIMITS.maxBodyBytes + 1, 0x20);
    expect((await post('/v1/traces', big, JSON_HEADERS)).status).toBe(413);
    const bigProto = await post('/v1/traces', big, PROTO_HEADERS);
    expect({ status: bigProto.status, contentType: bigProto.contentType }).toEqual({
      status: 413,
      contentType: 'application/x-protobuf',
    });
    expect(bigProto.json).toMatchObject({
      code: grpc.status.RESOURCE_EXHAUSTED,
      message: expect.stringMatching(/limit/),
    });
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 10; i++) controller.enqueue(new Uint8Array(16 * 1024));
        controller.close();
      },
    });
    const response = await fetch(`${collector.otlpHttpUrl}/v1/traces`, {
      method: 'POST',
      body: stream,
      headers: JSON_HEADERS,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
  });

  it('stops decompressing a gzip bomb at the limit (413) and refuses broken gzip (400)', async () => {
    const bomb = gzipSync(Buffer.alloc(32 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(LIMITS.maxBodyBytes);
    const res = await post('/v1/traces', bomb, { ...JSON_HEADERS, 'content-encoding': 'gzip' });
    expect(res.status).toBe(413);
    expect(res.json.message).toMatch(/decompressed body exceeds/);
    const broken = await post('/v1/traces', Buffer.from('not gzip at all'), {
      ...JSON_HEADERS,
      'content-encoding': 'gzip',
    });
    expect(broken.status).toBe(400);
    const good = await post('/v1/traces', gzipSync(spansJson(902, 1)), { ...JSON_HEADERS, 'content-encoding': 'gzip' });
    expect(good.status).toBe(200);
  });

  it('survives deeply nested attribute values', async () => {
    let value: unknown = { stringValue: 'leaf' };
    for (let i = 0; i < 300; i++) value = { kvlistValue: { values: [{ key: 'k', value }] } };
    const body = JSON.parse(spansJson(903, 1)) as {
      resourceSpans: { scopeSpans: { spans: { attributes: unknown[] }[] }[] }[];
    };
    body.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.attributes.push({ key: 'deep', value });
    expect((await post('/v1/traces', JSON.stringify(body), JSON_HEADERS)).status).toBe(200);
  });
});

describe('OTLP/gRPC bad input', () => {
  it('answers a malformed message with INVALID_ARGUMENT and keeps serving', async () => {
    const res = await grpcExport(
      '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
      Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]),
    );
    expect(res.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(res.details).toMatch(/invalid protobuf/);
    const empty = await grpcExport('/opentelemetry.proto.collector.logs.v1.LogsService/Export', Buffer.alloc(0));
    expect(empty.code).toBe(grpc.status.OK);
  });

  it('refuses a message over the limit with RESOURCE_EXHAUSTED', async () => {
    const res = await grpcExport(
      '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
      Buffer.alloc(LIMITS.maxBodyBytes + 10),
    );
    expect(res.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  });
});

describe('Sentry envelope bad input', () => {
  it('answers malformed envelopes with 400 and a JSON detail', async () => {
    const cases = [
      '',
      'not json\n{"type":"event"}\n{}',
      '{}\n{"type":"event","length":9999}\n{}',
      '{}\n{"type":"event"}\n{not json',
      '{}\n{"no":"type"}\n{}',
      '{}\n{"type":"event"}\n[1,2]',
    ];
    for (const body of cases) {
      const res = await post('/api/1/envelope/', body, { 'content-type': 'application/x-sentry-envelope' });
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(typeof res.json.detail).toBe('string');
    }
    expect((await post('/api/1/store/', '{oops', JSON_HEADERS)).status).toBe(400);
  });
});

describe('a flood', () => {
  it('is bounded by the store limits, with evictions counted', async () => {
    for (let batch = 0; batch < 50; batch++) {
      const res = await post('/v1/traces', spansJson(batch, 100), JSON_HEADERS);
      expect(res.status).toBe(200);
    }
    for (let part = 0; part < 10; part++) {
      const logs = {
        resourceLogs: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'flood' } }] },
            scopeLogs: [
              {
                logRecords: Array.from({ length: 200 }, (_, j) => part * 200 + j).map((i) => ({
                  timeUnixNano: String(1_700_000_000_000_000_000n + BigInt(i)),
                  severityNumber: 17,
                  body: { stringValue: `failure ${i}` },
                  attributes: [
                    { key: 'otelkit.error.fingerprint', value: { stringValue: `fp-${Math.floor(i / 40)}` } },
                  ],
                })),
              },
            ],
          },
        ],
      };
      expect((await post('/v1/logs', JSON.stringify(logs), JSON_HEADERS)).status).toBe(200);
    }
    const stats = collector.query.stats();
    expect(stats.stored.spans).toBeLessThanOrEqual(LIMITS.maxSpans);
    expect(stats.stored.logs).toBe(LIMITS.maxLogs);
    expect(stats.evicted.logs).toBe(2000 - LIMITS.maxLogs);
    expect(stats.stored.spans + stats.evicted.spans).toBe(stats.received.spans - stats.rejected.spans);
    expect(stats.evicted.spans).toBeGreaterThanOrEqual(5000 - LIMITS.maxSpans);
    expect(stats.stored.errorGroups).toBe(LIMITS.maxErrorGroups);
    expect(stats.evicted.errorGroups).toBe(50 - LIMITS.maxErrorGroups);
    expect(stats.refusedRequests.too_large).toBeGreaterThanOrEqual(1);
    const res = await fetch(new URL('/api/stats', collector.uiUrl));
    expect(((await res.json()) as { evicted: { logs: number } }).evicted.logs).toBe(1500);
  });
});
