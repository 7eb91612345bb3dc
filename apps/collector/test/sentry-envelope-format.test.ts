import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Collector, startCollector } from '../src/index.js';

let collector: Collector;

beforeAll(async () => {
  collector = await startCollector({ grpcPort: 0, httpPort: 0, uiPort: 0 });
});

afterAll(async () => {
  await collector?.stop();
});

async function send(body: Buffer | string, headers: Record<string, string> = {}, path = '/api/42/envelope/') {
  const response = await fetch(`${collector.otlpHttpUrl}${path}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/x-sentry-envelope', ...headers },
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

function errorEvent(id: string, message: string, line: number, fingerprint?: string[]) {
  return {
    event_id: id,
    timestamp: new Date('2026-03-01T10:00:00Z').toISOString(),
    platform: 'node',
    level: 'error',
    server_name: 'pod-1',
    environment: 'staging',
    ...(fingerprint ? { fingerprint } : {}),
    exception: {
      values: [
        {
          type: 'OrderNotFound',
          value: message,
          stacktrace: {
            frames: [
              { filename: '/app/node_modules/express/router.js', function: 'handle', lineno: 10, in_app: false },
              { filename: '/app/src/orders.js', module: 'orders', function: 'loadOrder', lineno: line, in_app: true },
            ],
          },
        },
      ],
    },
    tags: [['service.name', 'order-service']],
  };
}

describe('Sentry envelope parsing', () => {
  it('reads newline-delimited and length-prefixed items, skipping unknown types, gzip or not', async () => {
    const event = JSON.stringify(errorEvent('a'.repeat(32), 'order 1234 not found', 40, ['order-not-found']));
    const attachment = Buffer.from('binary\nwith\nnewlines\u0000');
    const session = JSON.stringify({ sid: 's1', status: 'crashed', errors: 1 });
    const envelope = Buffer.concat([
      Buffer.from(`${JSON.stringify({ event_id: 'a'.repeat(32), dsn: 'http://public@x/42' })}\n`),
      Buffer.from(`${JSON.stringify({ type: 'attachment', length: attachment.length, filename: 'a.bin' })}\n`),
      attachment,
      Buffer.from('\n'),
      Buffer.from(`${JSON.stringify({ type: 'event', length: Buffer.byteLength(event) })}\n${event}\n`),
      Buffer.from(`${JSON.stringify({ type: 'session' })}\n${session}\n`),
      Buffer.from(`${JSON.stringify({ type: 'client_report' })}\n{"discarded_events":[]}`),
    ]);
    const plain = await send(envelope);
    expect(plain).toEqual({ status: 200, json: { id: 'a'.repeat(32) } });
    const gzipped = await send(gzipSync(envelope), { 'content-encoding': 'gzip' });
    expect(gzipped.status).toBe(200);

    const group = collector.query.getErrorGroup('order-not-found')!;
    expect(group).toMatchObject({
      count: 2,
      services: ['order-service'],
      sources: { sentry: 2, span: 0, log: 0 },
    });
    expect(group.sampleEvent).toMatchObject({ environment: 'staging', level: 'error', fingerprintDerived: false });
    expect(group.sampleEvent.stackTrace).toContain('at loadOrder (/app/src/orders.js:40:0)');
    const stats = collector.query.stats();
    expect(stats.ignoredEnvelopeItems).toEqual({ attachment: 2, client_report: 2 });
    expect(stats.sessions).toEqual({ crashed: 2 });
  });

  it('derives one fingerprint for events that differ only in ids and line numbers', async () => {
    const header = (id: string) => `${JSON.stringify({ event_id: id })}\n${JSON.stringify({ type: 'event' })}\n`;
    const a = errorEvent('b'.repeat(32), 'order 1111 not found', 40, ['{{ default }}']);
    const b = errorEvent('c'.repeat(32), 'order 2222 not found', 57);
    expect((await send(header(a.event_id) + JSON.stringify(a))).status).toBe(200);
    expect((await send(header(b.event_id) + JSON.stringify(b))).status).toBe(200);
    const derived = collector.query.listErrorGroups().filter((g) => g.fingerprint.startsWith('derived-'));
    expect(derived).toHaveLength(1);
    expect(derived[0]!.count).toBe(2);
  });

  it('accepts transactions as spans and the legacy store endpoint', async () => {
    const traceId = '9'.repeat(32);
    const transaction = {
      type: 'transaction',
      transaction: 'GET /orders/:id',
      release: 'order-service@1.4.0',
      start_timestamp: 1_772_359_200,
      timestamp: 1_772_359_200.25,
      contexts: { trace: { trace_id: traceId, span_id: '1'.repeat(16), op: 'http.server', status: 'internal_error' } },
      spans: [
        {
          trace_id: traceId,
          span_id: '2'.repeat(16),
          parent_span_id: '1'.repeat(16),
          op: 'db.query',
          description: 'SELECT order',
          start_timestamp: 1_772_359_200.01,
          timestamp: 1_772_359_200.2,
          status: 'ok',
        },
      ],
    };
    const body = `{}\n${JSON.stringify({ type: 'transaction' })}\n${JSON.stringify(transaction)}\n`;
    expect((await send(body)).status).toBe(200);
    const trace = collector.query.getTrace(traceId)!;
    expect(trace.spans.map((s) => [s.name, s.kind, s.status, s.parentSpanId, s.service])).toEqual([
      ['GET /orders/:id', 'server', 'error', null, 'order-service'],
      ['SELECT order', 'client', 'ok', '1'.repeat(16), 'order-service'],
    ]);
    expect(trace.spans[1]!.durationMs).toBeCloseTo(190, 0);

    const stored = await send(
      JSON.stringify(errorEvent('e'.repeat(32), 'x', 1, ['legacy-store'])),
      {},
      '/api/42/store/',
    );
    expect(stored).toEqual({ status: 200, json: { id: 'e'.repeat(32) } });
    expect(collector.query.getErrorGroup('legacy-store')?.count).toBe(1);
  });

  it('answers other methods with 405', async () => {
    const response = await fetch(`${collector.otlpHttpUrl}/api/42/envelope/`);
    expect(response.status).toBe(405);
    expect(((await response.json()) as { detail: string }).detail).toMatch(/use POST/);
  });
});
