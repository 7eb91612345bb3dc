import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/index.js';

describe('OTEL_METRICS_EXPORTER and the Prometheus endpoint', () => {
  it('defaults to otlp and localhost:9464', () => {
    const { metrics } = loadConfig({});
    expect(metrics.exporters).toEqual(['otlp']);
    expect(metrics.prometheus).toEqual({ host: 'localhost', port: 9464 });
  });

  it('reads lists, none, host and port', () => {
    expect(loadConfig({ OTEL_METRICS_EXPORTER: 'prometheus, otlp' }).metrics.exporters).toEqual(['prometheus', 'otlp']);
    expect(loadConfig({ OTEL_METRICS_EXPORTER: 'none' }).metrics.exporters).toEqual([]);
    const cfg = loadConfig({ OTEL_EXPORTER_PROMETHEUS_HOST: '0.0.0.0', OTEL_EXPORTER_PROMETHEUS_PORT: '9100' });
    expect(cfg.metrics.prometheus).toEqual({ host: '0.0.0.0', port: 9100 });
  });

  it('rejects unknown exporters and bad ports in one ConfigError', () => {
    let error: unknown;
    try {
      loadConfig({ OTEL_METRICS_EXPORTER: 'otlp,statsd', OTEL_EXPORTER_PROMETHEUS_PORT: '70000' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const fields = (error as ConfigError).problems.map((p) => p.field);
    expect(fields).toEqual(['OTEL_METRICS_EXPORTER', 'OTEL_EXPORTER_PROMETHEUS_PORT']);
    expect((error as ConfigError).message).toContain('"otlp,statsd"');
  });
});
