import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Collector, type MetricPoint, startCollector } from '@otelkit/collector';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineMetrics, instrumentHttpServer, observePool, startMetrics } from '../src/index.js';

describe('OTLP export to the local collector', () => {
  let collector: Collector;
  const dataDir = mkdtempSync(join(tmpdir(), 'otelkit-metrics-otlp-'));
  let points: MetricPoint[] = [];
  const saved = { ...process.env };

  beforeAll(async () => {
    collector = await startCollector({ grpcPort: 0, httpPort: 0, uiPort: 0, host: '127.0.0.1', dataDir });
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = collector.otlpGrpcUrl;
    process.env.OTEL_SERVICE_NAME = 'metrics-otlp-test';
    const metrics = startMetrics({ exportIntervalMs: 60_000 });
    try {
      const business = defineMetrics({
        payments: { kind: 'counter', name: 'payments', unit: '{payment}', attributes: ['outcome'] },
      });
      business.payments.add(2, { outcome: 'success' });
      observePool('orders-db', () => ({ used: 4, idle: 6, max: 10, pending: 0 }));
      const server = createServer((_req, res) => res.end('ok'));
      instrumentHttpServer(server, { route: () => '/orders/:id' });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      for (const id of [1, 2, 3]) await (await fetch(`${base}/orders/${id}`)).text();
      await new Promise((r) => server.close(r));
      await metrics.forceFlush({ timeoutMs: 10_000 });
    } finally {
      await metrics.shutdown({ timeoutMs: 10_000 });
    }
    const red = collector.query.red({ source: 'metrics', service: 'metrics-otlp-test' });
    expect(red.red.some((row) => row.route.endsWith('/orders/:id') && row.count === 3)).toBe(true);
    await collector.stop();
    const dir = join(dataDir, 'metrics');
    points = readdirSync(dir)
      .filter((f) => f.endsWith('.ndjson'))
      .flatMap((f) =>
        readFileSync(join(dir, f), 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as MetricPoint),
      );
  }, 60_000);
  afterAll(() => {
    process.env = saved;
    rmSync(dataDir, { recursive: true, force: true });
  });

  const find = (name: string) => points.filter((p) => p.name === name && p.service === 'metrics-otlp-test');

  it('delivers HTTP server durations as a cumulative histogram in seconds with semconv attributes', () => {
    const [p] = find('http.server.request.duration');
    expect(p).toBeDefined();
    expect(p!.type).toBe('histogram');
    expect(p!.unit).toBe('s');
    expect(p!.temporality).toBe('cumulative');
    expect(p!.count).toBe(3);
    expect(p!.explicitBounds).toEqual([0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]);
    expect(p!.attributes).toEqual({
      'http.request.method': 'GET',
      'url.scheme': 'http',
      'http.route': '/orders/:id',
      'http.response.status_code': 200,
    });
  });

  it('delivers business counters, pool gauges and runtime metrics', () => {
    const [pay] = find('payments');
    expect(pay).toMatchObject({ type: 'sum', unit: '{payment}', temporality: 'cumulative', value: 2 });
    expect(pay!.attributes).toEqual({ outcome: 'success' });
    const used = find('db.client.connection.count').find((p) => p.attributes['db.client.connection.state'] === 'used');
    expect(used).toMatchObject({ unit: '{connection}', value: 4 });
    expect(used!.attributes['db.client.connection.pool.name']).toBe('orders-db');
    expect(find('db.client.connection.max')[0]).toMatchObject({ value: 10 });
    expect(find('v8js.memory.heap.used').length).toBeGreaterThan(0);
    expect(find('process.memory.usage')[0]?.value).toBeGreaterThan(0);
    expect(find('http.client.request.duration')[0]).toMatchObject({ type: 'histogram', unit: 's' });
  });
});
