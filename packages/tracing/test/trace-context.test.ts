import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect } from 'node:net';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracing, type Tracing } from '../src/index.js';
import { parseTraceState } from '../src/propagation/trace-context.js';

// Rules from the W3C Trace Context specification (Level 1, §3.2 traceparent, §3.3 tracestate) and its test suite.
const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const PARENT_ID = 'b7ad6b7169203331';
const VALID = `00-${TRACE_ID}-${PARENT_ID}-01`;

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
}

/** Sends a request over a raw socket, so the headers arrive byte for byte as written (no client instrumentation). */
function rawGet(port: number, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (d) => {
      data += d.toString();
      if (/\r\n\r\n[\s\S]*"done":true/.test(data)) socket.end();
    });
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
    const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
    socket.write(
      `GET /front HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${lines.join('\r\n')}\r\nConnection: close\r\n\r\n`,
    );
  });
}

describe('malformed traceparent / tracestate / baggage, end to end through two servers', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  let front: Server;
  let back: Server;
  let frontPort: number;
  let received: IncomingHttpHeaders = {};

  beforeAll(async () => {
    tracing = startTracing({ exporter, instrumentations: ['http', 'undici'], exitHandlers: false });
    back = createServer((req, res) => {
      received = req.headers;
      res.end('{}');
    });
    const backPort = await listen(back);
    front = createServer(async (_req, res) => {
      await fetch(`http://127.0.0.1:${backPort}/back`).then((r) => r.text());
      res.setHeader('content-type', 'application/json');
      res.end('{"done":true}');
    });
    frontPort = await listen(front);
  });

  afterAll(async () => {
    front?.close();
    back?.close();
    await tracing?.shutdown();
  });

  async function send(headers: Record<string, string>) {
    exporter.reset();
    received = {};
    const response = await rawGet(frontPort, headers);
    expect(response).toMatch(/^HTTP\/1.1 200/);
    await tracing.forceFlush();
    const server = exporter.getFinishedSpans().find((s) => s.attributes['url.path'] === '/front');
    expect(server).toBeDefined();
    const sc = server!.spanContext();
    return { server: server!, traceId: sc.traceId, parent: server!.parentSpanContext?.spanId, outbound: received };
  }

  it('continues a valid traceparent and passes tracestate on unchanged', async () => {
    const r = await send({ traceparent: VALID, tracestate: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7' });
    expect(r.traceId).toBe(TRACE_ID);
    expect(r.parent).toBe(PARENT_ID);
    expect(r.outbound.traceparent).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
    expect(r.outbound.tracestate).toBe('congo=t61rcWkgMzE,rojo=00f067aa0ba902b7');
  });

  it('continues a higher version with extra fields (parsed as version 00)', async () => {
    const r = await send({ traceparent: `cc-${TRACE_ID}-${PARENT_ID}-01-what-the-future-will-be-like` });
    expect(r.traceId).toBe(TRACE_ID);
    expect(r.outbound.traceparent).toMatch(new RegExp(`^00-${TRACE_ID}-`));
  });

  const invalid: [string, string][] = [
    ['version ff', `ff-${TRACE_ID}-${PARENT_ID}-01`],
    ['all-zero trace id', `00-${'0'.repeat(32)}-${PARENT_ID}-01`],
    ['all-zero parent id', `00-${TRACE_ID}-${'0'.repeat(16)}-01`],
    ['trace id too short', `00-${TRACE_ID.slice(1)}-${PARENT_ID}-01`],
    ['trace id too long', `00-${TRACE_ID}0-${PARENT_ID}-01`],
    ['parent id too short', `00-${TRACE_ID}-${PARENT_ID.slice(1)}-01`],
    ['flags of one digit', `00-${TRACE_ID}-${PARENT_ID}-1`],
    ['version of one digit', `0-${TRACE_ID}-${PARENT_ID}-01`],
    ['upper-case trace id', `00-${TRACE_ID.toUpperCase()}-${PARENT_ID}-01`],
    ['upper-case parent id', `00-${TRACE_ID}-${PARENT_ID.toUpperCase()}-01`],
    ['extra field with version 00', `${VALID}-extra`],
    ['non-hex characters', `00-${TRACE_ID.slice(0, 31)}g-${PARENT_ID}-01`],
    ['wrong delimiter', `00_${TRACE_ID}_${PARENT_ID}_01`],
    ['empty', ' '],
  ];
  for (const [rule, traceparent] of invalid) {
    it(`starts a new trace and never propagates the input: ${rule}`, async () => {
      const r = await send({ traceparent, tracestate: 'rojo=00f067aa0ba902b7' });
      expect(r.parent).toBeUndefined();
      expect(r.traceId).not.toBe(TRACE_ID);
      expect(r.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(r.outbound.traceparent).toMatch(new RegExp(`^00-${r.traceId}-[0-9a-f]{16}-01$`));
      // "If the vendor failed to parse traceparent, it MUST NOT attempt to parse tracestate."
      expect(r.outbound.tracestate).toBeUndefined();
    });
  }

  it('discards a tracestate of 33 members whole, and keeps one of 32', async () => {
    const members = (n: number) => Array.from({ length: n }, (_, i) => `k${i}=v${i}`).join(',');
    const over = await send({ traceparent: VALID, tracestate: members(33) });
    expect(over.traceId).toBe(TRACE_ID);
    expect(over.outbound.tracestate).toBeUndefined();
    const at = await send({ traceparent: VALID, tracestate: members(32) });
    expect(at.outbound.tracestate).toBe(members(32));
  });

  it('discards a tracestate with an invalid key, an invalid value or a duplicated key', async () => {
    for (const tracestate of ['Rojo=1', 'rojo=a,b', 'rojo=1,rojo=2', 'rojo=x=y', 'ro jo=1', `k=${'v'.repeat(257)}`]) {
      const r = await send({ traceparent: VALID, tracestate });
      expect(r.traceId, tracestate).toBe(TRACE_ID);
      expect(r.outbound.tracestate, tracestate).toBeUndefined();
    }
  });

  it('survives malformed baggage and propagates only valid entries plus the correlation id', async () => {
    const r = await send({
      traceparent: VALID,
      baggage: 'garbage;;;===,,,=novalue,ok=1,%%%=%%%',
      'x-correlation-id': 'req-baggage-1',
    });
    expect(r.traceId).toBe(TRACE_ID);
    expect(r.server.attributes['otelkit.correlation_id']).toBe('req-baggage-1');
    expect(r.outbound['x-correlation-id']).toBe('req-baggage-1');
    const entries = String(r.outbound.baggage)
      .split(',')
      .map((e) => e.trim());
    expect(entries).toContain('otelkit.correlation_id=req-baggage-1');
    expect(entries).toContain('ok=1');
    expect(entries.every((e) => /^[^=\s]+=[^=\s]*$/.test(e))).toBe(true);
  });

  it('does not crash on a huge baggage header', async () => {
    const r = await send({
      traceparent: VALID,
      baggage: Array.from({ length: 500 }, (_, i) => `k${i}=v${i}`).join(','),
    });
    expect(r.traceId).toBe(TRACE_ID);
    expect(String(r.outbound.baggage ?? '').length).toBeLessThanOrEqual(8192);
  });
});

describe('parseTraceState', () => {
  it('truncates over 512 characters: long members first, then from the end', () => {
    const long = `big=${'x'.repeat(200)}`;
    const small = Array.from({ length: 20 }, (_, i) => `key${i}=${'v'.repeat(20)}`);
    const out = parseTraceState([small[0], long, ...small.slice(1)].join(','))!;
    expect(out).not.toContain('big=');
    expect(out.startsWith('key0=')).toBe(true);
    expect(out.length).toBeLessThanOrEqual(512);
    expect(out.split(',').every((m) => small.includes(m))).toBe(true);
  });

  it('ignores empty members and optional whitespace', () => {
    expect(parseTraceState(' rojo=1 ,\t, congo=2')).toBe('rojo=1,congo=2');
    expect(parseTraceState('')).toBeUndefined();
  });

  it('accepts multi-tenant keys', () => {
    expect(parseTraceState('tenant@vendor=v,1tenant@v=x')).toBe('tenant@vendor=v,1tenant@v=x');
  });
});
