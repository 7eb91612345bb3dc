import { metrics as api } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { startMetrics } from '../src/index.js';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
  api.disable();
});

describe('exporters chosen by OTEL_METRICS_EXPORTER', () => {
  it('serves the Prometheus endpoint on OTEL_EXPORTER_PROMETHEUS_HOST/PORT and pushes no OTLP', async () => {
    process.env.OTEL_METRICS_EXPORTER = 'prometheus';
    process.env.OTEL_EXPORTER_PROMETHEUS_HOST = '127.0.0.1';
    process.env.OTEL_EXPORTER_PROMETHEUS_PORT = '0';
    const handle = startMetrics({ runtime: false });
    try {
      const url = await handle.prometheusUrl;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      handle.meter.createCounter('jobs', { unit: '{job}' }).add(3, { queue: 'email' });
      const text = await (await fetch(url as string)).text();
      expect(text).toMatch(/jobs_total\{[^}]*queue="email"[^}]*\} 3/);
    } finally {
      await handle.shutdown();
    }
  });

  it('starts nothing to push or serve with none', async () => {
    process.env.OTEL_METRICS_EXPORTER = 'none';
    const handle = startMetrics({ runtime: false });
    expect(handle.prometheusHandler).toBeUndefined();
    expect(await handle.prometheusUrl).toBeUndefined();
    await handle.shutdown();
  });
});
