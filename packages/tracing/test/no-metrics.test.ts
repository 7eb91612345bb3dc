import { createServer, type Server } from 'node:http';
import { metrics } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTracing } from '../src/index.js';

// Tracing records spans only. With a global MeterProvider registered (as @otelkit/metrics does), the http/undici
// instrumentations must not add their own `http.client.request.duration`: metrics owns it, and two would double it.
let server: Server;
let url = '';
beforeAll(async () => {
  server = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
});
afterAll(() => server.close());

it('instrumentations record no metrics into the global meter provider', async () => {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
  const provider = new MeterProvider({ readers: [reader] });
  metrics.setGlobalMeterProvider(provider);
  const tracing = startTracing({ exitHandlers: false, endpoint: 'http://127.0.0.1:9' });
  try {
    const res = await fetch(url);
    expect(await res.text()).toBe('ok');
    await reader.forceFlush();
    const names = exporter
      .getMetrics()
      .flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics.map((m) => m.descriptor.name)));
    expect(names.filter((n) => n.startsWith('http.'))).toEqual([]);
  } finally {
    await tracing.shutdown();
    await provider.shutdown();
    metrics.disable();
  }
});
