import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect } from 'node:net';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { getContext } from '@otelkit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { currentTraceIds, startTracing, type Tracing } from '../src/index.js';
import { TraceIdRatioSampler } from '../src/spans/trace-id-ratio-sampler.js';
import { withEnv } from './support/harness.js';

// With a built-in sampler, the server skips the propagator for requests that carry none of its headers, and the spans
// the sampler drops are made without the SDK. What a service sees and sends on must not change: the ratio, the trace
// ids, the flags, the correlation id — and a propagator whose headers are not all known (B3) is still always asked.

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const PARENT_ID = 'b7ad6b7169203331';

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
}

/** A GET over a raw socket: exactly these headers, and no client instrumentation adding its own. */
function rawGet(port: number, headers: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (d) => {
      data += d.toString();
    });
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
    const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`);
    socket.write(`GET /front HTTP/1.1\r\nHost: 127.0.0.1\r\n${lines.join('')}Connection: close\r\n\r\n`);
  });
}

interface Seen {
  traceId?: string;
  sampled?: boolean;
  correlationId?: string;
  outbound?: IncomingHttpHeaders;
}

/** A front service that calls a back service with fetch, and what each request saw and sent on. */
async function services(env: Record<string, string>) {
  const exporter = new InMemorySpanExporter();
  const tracing: Tracing = withEnv(env, () =>
    startTracing({ exporter, instrumentations: ['http', 'undici'], exitHandlers: false }),
  );
  let seen: Seen = {};
  const back = createServer((req, res) => {
    seen.outbound = req.headers;
    res.end('{}');
  });
  const backPort = await listen(back);
  const front = createServer(async (_req, res) => {
    const ids = currentTraceIds();
    seen.traceId = ids?.traceId;
    seen.sampled = ids?.sampled;
    seen.correlationId = getContext()?.correlationId;
    await fetch(`http://127.0.0.1:${backPort}/back`).then((r) => r.text());
    res.end('{"done":true}');
  });
  const frontPort = await listen(front);
  return {
    exporter,
    tracing,
    async send(headers?: Record<string, string>): Promise<Seen> {
      seen = {};
      expect(await rawGet(frontPort, headers)).toMatch(/^HTTP\/1.1 200/);
      return seen;
    },
    async stop() {
      front.close();
      back.close();
      await tracing.shutdown();
    },
  };
}

let running: Awaited<ReturnType<typeof services>> | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

describe('requests under a built-in ratio sampler', () => {
  it('records exactly the requests whose new trace id the ratio accepts, and propagates the rest unsampled', async () => {
    running = await services({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' });
    const ratio = new TraceIdRatioSampler(0.25);
    const recordedIds = new Set<string>();
    const traceIds = new Set<string>();
    for (let i = 0; i < 160; i++) {
      const seen = await running.send();
      expect(seen.traceId).toMatch(/^[0-9a-f]{32}$/);
      traceIds.add(seen.traceId as string);
      const accepted = ratio.shouldSample({} as never, seen.traceId as string).decision !== 0;
      expect(seen.sampled).toBe(accepted);
      // The next service continues the same trace, with the same decision, and gets a correlation id.
      expect(seen.outbound?.traceparent).toMatch(new RegExp(`^00-${seen.traceId}-[0-9a-f]{16}-0${accepted ? 1 : 0}$`));
      expect(seen.outbound?.['x-correlation-id']).toBe(seen.correlationId);
      if (accepted) recordedIds.add(seen.traceId as string);
    }
    expect(traceIds.size).toBe(160);
    // 40 expected; a decision taken on one trace id and a span given another would record about 10.
    expect(recordedIds.size).toBeGreaterThan(20);
    expect(recordedIds.size).toBeLessThan(70);
    await running.tracing.forceFlush();
    const servers = running.exporter.getFinishedSpans().filter((s) => s.attributes['url.path'] === '/front');
    expect(new Set(servers.map((s) => s.spanContext().traceId))).toEqual(recordedIds);
  });

  it('still reads a correlation id that comes alone, as a header or as a baggage entry', async () => {
    running = await services({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' });
    const header = await running.send({ 'x-correlation-id': 'order-7-a' });
    expect(header.correlationId).toBe('order-7-a');
    expect(header.outbound?.['x-correlation-id']).toBe('order-7-a');
    const baggage = await running.send({ baggage: 'otelkit.correlation_id=order-7-b' });
    expect(baggage.correlationId).toBe('order-7-b');
    expect(baggage.outbound?.['x-correlation-id']).toBe('order-7-b');
  });

  it('continues a sampled traceparent that comes alone, and an unsampled one without recording', async () => {
    running = await services({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' });
    const sampled = await running.send({ traceparent: `00-${TRACE_ID}-${PARENT_ID}-01` });
    expect(sampled).toMatchObject({ traceId: TRACE_ID, sampled: true });
    const unsampled = await running.send({ traceparent: `00-${TRACE_ID}-${PARENT_ID}-00`, tracestate: 'rojo=1' });
    expect(unsampled).toMatchObject({ traceId: TRACE_ID, sampled: false });
    expect(unsampled.outbound?.traceparent).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-00$`));
    expect(unsampled.outbound?.tracestate).toBe('rojo=1');
    await running.tracing.forceFlush();
    const servers = running.exporter.getFinishedSpans().filter((s) => s.attributes['url.path'] === '/front');
    expect(servers).toHaveLength(1);
    expect(servers[0]?.parentSpanContext?.spanId).toBe(PARENT_ID);
  });

  it('always asks a B3 propagator, whose headers it does not all know', async () => {
    running = await services({ OTEL_PROPAGATORS: 'b3', OTEL_TRACES_SAMPLER: 'parentbased_always_off' });
    // Single-header B3, though the single-header encoding is what b3 injects: extraction reads both encodings.
    const single = await running.send({ b3: `${TRACE_ID}-${PARENT_ID}-1` });
    expect(single).toMatchObject({ traceId: TRACE_ID, sampled: true });
    const multi = await running.send({ 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': PARENT_ID, 'x-b3-sampled': '1' });
    expect(multi).toMatchObject({ traceId: TRACE_ID, sampled: true });
  });
});
