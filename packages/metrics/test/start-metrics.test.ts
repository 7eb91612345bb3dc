import { createServer } from 'node:net';
import { metrics as api } from '@opentelemetry/api';
import { ConfigError, droppedTelemetry } from '@otelkit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { startMetrics } from '../src/index.js';
import { captureWarnings, scrapeHandler } from './support.js';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
  api.disable();
});

describe('startMetrics', () => {
  it('raises one ConfigError listing every bad option and variable', () => {
    process.env.OTEL_METRIC_EXPORT_INTERVAL = 'soon';
    expect(() => startMetrics()).toThrow(/OTEL_METRIC_EXPORT_INTERVAL/);
    delete process.env.OTEL_METRIC_EXPORT_INTERVAL;
    process.env.OTEL_EXPORTER_OTLP_METRICS_PROTOCOL = 'http/protobuf';
    let error: unknown;
    try {
      startMetrics({ cardinalityLimit: 1, exportIntervalMs: -5, prometheus: { port: 70_000 } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.field)).toEqual([
      'options.exportIntervalMs',
      'options.cardinalityLimit',
      'options.prometheus.port',
      'OTEL_EXPORTER_OTLP_METRICS_PROTOCOL',
    ]);
  });

  it('returns a handle that records nothing when OTEL_SDK_DISABLED=true', async () => {
    process.env.OTEL_SDK_DISABLED = 'true';
    const handle = startMetrics({ prometheus: true });
    expect(handle.prometheusHandler).toBeUndefined();
    handle.meter.createCounter('x').add(1);
    await handle.shutdown();
  });

  it('registers the global provider, and leaves an existing one in place with a warning', async () => {
    const first = startMetrics({ otlp: false, runtime: false, httpClient: false });
    expect(api.getMeterProvider()).toBe(first.meterProvider);
    const warnings = captureWarnings();
    try {
      const second = startMetrics({ otlp: false, runtime: false, httpClient: false });
      expect(api.getMeterProvider()).toBe(first.meterProvider);
      expect(warnings.lines.some((l) => l.includes('metrics.global'))).toBe(true);
      await second.shutdown();
    } finally {
      warnings.restore();
    }
    await first.shutdown();
    expect(api.getMeterProvider()).not.toBe(first.meterProvider);
  });

  it('counts failed OTLP exports as dropped metrics and publishes them', async () => {
    // A port that refuses connections.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${port}`;
    process.env.OTEL_EXPORTER_OTLP_TIMEOUT = '2000';
    const warnings = captureWarnings();
    const before = droppedTelemetry().find((d) => d.signal === 'metrics' && d.reason === 'export_failed')?.count ?? 0;
    const handle = startMetrics({ prometheus: true, runtime: false, httpClient: false, exportIntervalMs: 600_000 });
    try {
      handle.meter.createCounter('orders', { unit: '{order}' }).add(1);
      await handle.forceFlush({ timeoutMs: 8000 });
      const after = droppedTelemetry().find((d) => d.signal === 'metrics' && d.reason === 'export_failed')?.count ?? 0;
      expect(after).toBeGreaterThan(before);
      expect(warnings.lines.some((l) => l.includes('metrics.otlp.export'))).toBe(true);
      const text = await scrapeHandler(handle.prometheusHandler!);
      expect(text).toMatch(/otelkit_telemetry_dropped_total\{signal="metrics",reason="export_failed",[^}]*\} \d+/);
    } finally {
      warnings.restore();
      await handle.shutdown({ timeoutMs: 3000 });
    }
  });

  it('warns instead of throwing when the Prometheus port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as { port: number }).port;
    const warnings = captureWarnings();
    try {
      const handle = startMetrics({
        otlp: false,
        runtime: false,
        httpClient: false,
        prometheus: { port, host: '127.0.0.1' },
      });
      expect(await handle.prometheusUrl).toBeUndefined();
      expect(warnings.lines.some((l) => l.includes('metrics.prometheus.listen'))).toBe(true);
      await handle.shutdown();
    } finally {
      warnings.restore();
      await new Promise((r) => taken.close(r));
    }
  });
});
