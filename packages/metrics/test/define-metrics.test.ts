import { ConfigError } from '@otelkit/core';
import { describe, expect, it } from 'vitest';
import { defineMetrics, prometheusName } from '../src/index.js';
import { captureWarnings, testProvider } from './support.js';

function problemsOf(fn: () => unknown): { field: string; expected: string }[] {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems.map((p) => ({ field: p.field, expected: p.expected }));
  }
  throw new Error('expected a ConfigError');
}

describe('defineMetrics', () => {
  it('records typed counters, histograms and gauges with the declared attributes', async () => {
    const warnings = captureWarnings();
    const t = testProvider();
    const m = defineMetrics(
      {
        payments: { kind: 'counter', name: 'payments', unit: '{payment}', attributes: ['outcome', 'payment.method'] },
        amount: { kind: 'histogram', name: 'payment.amount', unit: '{USD}', buckets: [10, 100, 1000] },
        inflight: { kind: 'updowncounter', name: 'payment.inflight', unit: '{payment}' },
        depth: { kind: 'gauge', name: 'queue.depth', unit: '{item}', attributes: ['queue'] },
      },
      { meterProvider: t.provider },
    );
    m.payments.add(2, { outcome: 'success', 'payment.method': 'card' });
    m.amount.record(149.99);
    m.inflight.add(3);
    m.inflight.add(-1);
    m.depth.record(7, { queue: 'email' });
    // @ts-expect-error: an undeclared key is a type error (and dropped at run time)
    m.payments.add(1, { outcome: 'success', 'payment.method': 'card', region: 'eu' });
    const [payments] = await t.points('payments');
    expect(payments).toMatchObject({ value: 3, attributes: { outcome: 'success', 'payment.method': 'card' } });
    const [amount] = await t.points('payment.amount');
    expect((amount!.value as { buckets: { boundaries: number[] } }).buckets.boundaries).toEqual([10, 100, 1000]);
    expect((await t.points('payment.inflight'))[0]!.value).toBe(2);
    expect((await t.points('queue.depth'))[0]).toMatchObject({ value: 7, attributes: { queue: 'email' } });
    expect((await t.metric('payments'))!.descriptor.unit).toBe('{payment}');
    expect(warnings.lines.filter((l) => l.includes('"region"'))).toHaveLength(1);
    warnings.restore();
    await t.provider.shutdown();
  });

  it('drops undeclared keys and non-finite values with one warning, never throwing', async () => {
    const warnings = captureWarnings();
    try {
      const t = testProvider();
      const m = defineMetrics(
        { jobs: { kind: 'counter', name: 'jobs', unit: '{job}', attributes: ['queue'] } },
        { meterProvider: t.provider },
      );
      for (let i = 0; i < 10; i++) m.jobs.add(1, { queue: 'a', job_id: `j${i}` } as never);
      m.jobs.add(Number.NaN);
      const points = await t.points('jobs');
      expect(points.map((p) => p.attributes)).toEqual([{ queue: 'a' }]);
      expect(warnings.lines.filter((l) => l.includes('"job_id"'))).toHaveLength(1);
      expect(warnings.lines.filter((l) => l.includes('non-finite'))).toHaveLength(1);
      await t.provider.shutdown();
    } finally {
      warnings.restore();
    }
  });

  it('binds to the global provider lazily, so a definition can precede startMetrics', async () => {
    const { metrics } = await import('@opentelemetry/api');
    const m = defineMetrics({ early: { kind: 'counter', name: 'early.events', unit: '{event}' } });
    m.early.add(1); // no provider yet: a no-op, not an error
    const t = testProvider();
    metrics.setGlobalMeterProvider(t.provider);
    try {
      m.early.add(5);
      expect((await t.points('early.events'))[0]!.value).toBe(5);
    } finally {
      metrics.disable();
      await t.provider.shutdown();
    }
  });

  it('checks names against OpenTelemetry and Prometheus rules, listing every problem with its field', () => {
    const problems = problemsOf(() =>
      defineMetrics({
        a: { kind: 'counter', name: 'payments_total', unit: '{payment}' },
        b: { kind: 'histogram', name: 'checkout.latency.ms', unit: 'ms' },
        c: { kind: 'gauge', name: 'Queue-Depth', unit: '{item}' },
        d: { kind: 'counter', name: 'request.counter', unit: '{request}' },
        e: { kind: 'counter', name: 'http.server.request.duration', unit: 's' },
        f: { kind: 'histogram', name: 'size', unit: 'KiBy', buckets: [3, 2] },
        g: { kind: 'counter', name: 'otel.things', unit: '' },
        h: { kind: 'counter', name: 'orders', unit: '{order}' },
        i: { kind: 'counter', name: 'orders', unit: '{order}' },
        j: { kind: 'summary' as never, name: 'ok.name', unit: '1' },
      }),
    );
    const fields = problems.map((p) => p.field);
    expect(fields).toEqual([
      'defineMetrics.a.name',
      'defineMetrics.b.name',
      'defineMetrics.b.unit',
      'defineMetrics.c.name',
      'defineMetrics.d.name',
      'defineMetrics.e.name',
      'defineMetrics.f.unit',
      'defineMetrics.f.buckets',
      'defineMetrics.g.name',
      'defineMetrics.g.unit',
      'defineMetrics.i.name',
      'defineMetrics.j.kind',
    ]);
    const text = problems.map((p) => `${p.field}: ${p.expected}`).join('\n');
    expect(text).toContain('Prometheus reserves _total');
    expect(text).toContain('give the unit in "unit"');
    expect(text).toContain('the base unit "s" instead of "ms"');
    expect(text).toContain('the base unit "By" instead of "KiBy"');
    expect(text).toContain('which @otelkit/metrics records itself');
    expect(text).toContain('differs from that of defineMetrics.h');
  });

  it('accepts good names and gives their Prometheus form', () => {
    expect(() =>
      defineMetrics({ ok: { kind: 'histogram', name: 'checkout.cart.size', unit: '{item}', attributes: ['channel'] } }),
    ).not.toThrow();
    expect(prometheusName('payments', '{payment}', 'counter')).toBe('payments_total');
    expect(prometheusName('http.server.request.duration', 's', 'histogram')).toBe(
      'http_server_request_duration_seconds',
    );
    expect(prometheusName('nodejs.eventloop.utilization', '1', 'gauge')).toBe('nodejs_eventloop_utilization_ratio');
    expect(prometheusName('v8js.memory.heap.used', 'By', 'gauge')).toBe('v8js_memory_heap_used_bytes');
    expect(prometheusName('net.throughput', 'By/s', 'gauge')).toBe('net_throughput_bytes_per_second');
    expect(prometheusName('db.client.connection.count', '{connection}', 'updowncounter')).toBe(
      'db_client_connection_count',
    );
  });
});
