import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { recordDropped } from '@otelkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineMetrics, instrumentHttpServer, type MetricsHandle, observePool, startMetrics } from '../src/index.js';
import { havePromtool } from './support.js';

// The one lint promtool reports that the semantic conventions impose: `db.client.connection.count` is an up-down
// counter (a Prometheus gauge) whose name ends in `_count`. Anything else fails the test.
const ACCEPTED_LINT = [
  'db_client_connection_count non-histogram and non-summary metrics should not have "_count" suffix',
];

describe('Prometheus exposition', () => {
  let metrics: MetricsHandle;
  let server: Server;
  let exposition = '';
  const business = defineMetrics({
    payments: { kind: 'counter', name: 'payments', unit: '{payment}', attributes: ['outcome', 'payment.method'] },
    amount: { kind: 'histogram', name: 'payment.amount', unit: '{USD}', buckets: [1, 10, 100, 1000] },
    queue: { kind: 'gauge', name: 'payment.queue.depth', unit: '{payment}' },
  });

  beforeAll(async () => {
    metrics = startMetrics({ otlp: false, prometheus: { port: 0, host: '127.0.0.1' } });
    const pool = observePool('payments-db', { totalCount: 10, idleCount: 1, waitingCount: 4, options: { max: 10 } });
    pool.recordWaitTime(0.25);
    business.payments.add(3, { outcome: 'success', 'payment.method': 'card' });
    business.payments.add(1, { outcome: 'declined', 'payment.method': 'card' });
    business.amount.record(149.99);
    business.queue.record(7);
    recordDropped('spans', 5, 'queue_full');
    server = createServer((req, res) => {
      res.statusCode = req.url?.startsWith('/fail') ? 503 : 200;
      res.end('ok');
    });
    instrumentHttpServer(server, { route: (req) => (req.url?.startsWith('/fail') ? '/fail' : '/payments/:id') });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    for (const p of ['/payments/1', '/payments/2', '/fail']) await (await fetch(base + p)).text();
    // Make sure at least one garbage collection happens to be measured: churn well past the young generation.
    let churn: number[][] = [];
    for (let i = 0; i < 200_000; i++) {
      churn.push(new Array(32).fill(i));
      if (churn.length > 1000) churn = [];
    }
    // Let the event-loop delay monitor gather its minimum of samples (and the GC observer deliver its entries).
    await new Promise((r) => setTimeout(r, 150));
    const url = await metrics.prometheusUrl;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const res = await fetch(url!);
    expect(res.headers.get('content-type')).toContain('text/plain');
    exposition = await res.text();
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await metrics.shutdown();
  });

  it('uses the names the alert rules query (OpenTelemetry → Prometheus unit suffixes)', () => {
    const families = new Set(
      exposition
        .split('\n')
        .filter((l) => l.startsWith('# TYPE '))
        .map((l) => l.split(' ').slice(2).join(' ')),
    );
    for (const f of [
      'http_server_request_duration_seconds histogram',
      'http_server_active_requests gauge',
      'http_client_request_duration_seconds histogram',
      'db_client_connection_count gauge',
      'db_client_connection_max gauge',
      'db_client_connection_pending_requests gauge',
      'db_client_connection_wait_time_seconds histogram',
      'payments_total counter',
      'payment_amount histogram',
      'payment_queue_depth gauge',
      'nodejs_eventloop_delay_p99_seconds gauge',
      'nodejs_eventloop_utilization_ratio gauge',
      'v8js_memory_heap_used_bytes gauge',
      'v8js_gc_duration_seconds histogram',
      'otelkit_nodejs_heap_size_limit_bytes gauge',
      'process_cpu_time_seconds_total counter',
      'process_memory_usage gauge',
      'otelkit_telemetry_dropped_total counter',
    ]) {
      expect(families, f).toContain(f);
    }
    expect(exposition).toMatch(
      /http_server_request_duration_seconds_count\{http_request_method="GET",url_scheme="http",http_route="\/payments\/:id",http_response_status_code="200",otel_scope_name="@otelkit\/metrics",otel_scope_version="[^"]+"\} 2/,
    );
    expect(exposition).toContain('error_type="503"');
    expect(exposition).toMatch(/payments_total\{outcome="success",payment_method="card",[^}]*\} 3/);
    expect(exposition).toMatch(
      /db_client_connection_count\{db_client_connection_pool_name="payments-db",db_client_connection_state="used",[^}]*\} 9/,
    );
    expect(exposition).toMatch(/db_client_connection_pending_requests\{[^}]*\} 4/);
    expect(exposition).toMatch(/otelkit_telemetry_dropped_total\{signal="spans",reason="queue_full",[^}]*\} 5/);
    expect(exposition).toMatch(/target_info\{service_name="[^"]+"/);
  });

  it('passes promtool check metrics', () => {
    if (!havePromtool()) return;
    const r = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
    const problems = `${r.stdout}${r.stderr}`
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    // Exit 1 is a parse error; 3 means lint findings, which must all be the accepted one.
    expect(r.status === 0 || r.status === 3, problems.join('\n')).toBe(true);
    expect(problems.filter((p) => !ACCEPTED_LINT.includes(p))).toEqual([]);
  });

  it('can be mounted as a handler instead of a server of its own', async () => {
    expect(typeof metrics.prometheusHandler).toBe('function');
    const own = createServer((req, res) => metrics.prometheusHandler!(req, res));
    await new Promise<void>((r) => own.listen(0, '127.0.0.1', r));
    const text = await (await fetch(`http://127.0.0.1:${(own.address() as AddressInfo).port}/`)).text();
    await new Promise((r) => own.close(r));
    expect(text).toContain('# TYPE payments_total counter');
  });
});
