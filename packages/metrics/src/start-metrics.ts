import { createNoopMeter, type Meter, type MeterProvider, metrics } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  type IMetricReader,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
  type ResourceMetrics,
  MeterProvider as SdkMeterProvider,
} from '@opentelemetry/sdk-metrics';
import { ConfigError, type ConfigProblem, getResource, loadConfig, recordDropped, warnOnce } from '@otelkit/core';
import { GuardedMeterProvider } from './guard/guarded-provider.js';
import { instrumentHttpClients } from './http/client-metrics.js';
import { startSelfTelemetry } from './internal/self-telemetry.js';
import { SCOPE_NAME, SCOPE_VERSION } from './internal/version.js';
import { registerPoolInstruments } from './pool/observe-pool.js';
import {
  createPrometheusEndpoint,
  type PrometheusEndpoint,
  type PrometheusHandler,
} from './prometheus/prometheus-endpoint.js';
import { startRuntimeMetrics } from './runtime/runtime-metrics.js';

/** Options of {@link startMetrics}. Code options win over environment variables, which win over defaults. */
export interface StartMetricsOptions {
  /**
   * Push metrics over OTLP gRPC. Endpoint, headers and timeout come from `OTEL_EXPORTER_OTLP_METRICS_*` /
   * `OTEL_EXPORTER_OTLP_*`; temporality from `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`.
   * @defaultValue true when `OTEL_METRICS_EXPORTER` (default `otlp`) lists `otlp`
   */
  otlp?: boolean;
  /**
   * How often OTLP metrics are pushed, in milliseconds.
   * @defaultValue `OTEL_METRIC_EXPORT_INTERVAL`, else 60000
   */
  exportIntervalMs?: number;
  /**
   * Serve a Prometheus pull endpoint. `true`: only `handle.prometheusHandler`, to mount at `/metrics` on your own
   * server (Fastify, Express, node:http). `{ port }`: also a server of its own on that port (`0` picks a free one)
   * serving `GET /metrics`. Needs the optional peer `@opentelemetry/exporter-prometheus`.
   * @defaultValue `{ host, port }` from `OTEL_EXPORTER_PROMETHEUS_HOST`/`_PORT` (localhost:9464) when
   * `OTEL_METRICS_EXPORTER` lists `prometheus`, else false
   */
  prometheus?: boolean | { port?: number; host?: string };
  /**
   * Runtime metrics: event-loop delay and utilization, heap, GC, CPU and RSS.
   * @defaultValue true
   */
  runtime?: boolean;
  /**
   * `http.client.request.duration` for outbound `fetch`/undici and `node:http` calls.
   * @defaultValue true
   */
  httpClient?: boolean;
  /**
   * The most time series one instrument may have, the overflow series included. Attribute sets past it are recorded
   * as `otel.metric.overflow=true`, with one warning per instrument.
   * @defaultValue 2000
   */
  cardinalityLimit?: number;
  /**
   * Attribute keys to keep although the refused-key rules match them (user ids, emails, raw paths, query strings and
   * secrets are dropped from every measurement otherwise, with one warning per key and instrument).
   * @defaultValue none
   */
  allowAttributeKeys?: readonly string[];
  /**
   * Register the provider as the global OpenTelemetry meter provider, so `metrics.getMeter()`, the framework glue,
   * `observePool` and `defineMetrics` use it.
   * @defaultValue true
   */
  registerGlobal?: boolean;
}

/** Deadline of {@link MetricsHandle.forceFlush} and {@link MetricsHandle.shutdown}. */
export interface DeadlineOptions {
  /** @defaultValue `OTEL_METRIC_EXPORT_TIMEOUT`, else 30000 */
  timeoutMs?: number;
}

/** What {@link startMetrics} returns. */
export interface MetricsHandle {
  /** A meter of the `@otelkit/metrics` scope on the started provider. */
  meter: Meter;
  /** The started provider (guarded: series limit and refused keys apply to every meter it hands out). */
  meterProvider: MeterProvider;
  /** Serves the Prometheus exposition; defined when `prometheus` is on. Mount it at `/metrics`. */
  prometheusHandler: PrometheusHandler | undefined;
  /** The URL of the Prometheus endpoint's own server once it listens; undefined without one or if it failed. */
  prometheusUrl: Promise<string | undefined>;
  /** Exports everything recorded so far (OTLP); resolves by the deadline even if the collector does not answer. */
  forceFlush(options?: DeadlineOptions): Promise<void>;
  /** Flushes, stops every reader and server, and unregisters the global provider; never rejects. */
  shutdown(options?: DeadlineOptions): Promise<void>;
}

const DEFAULT_CARDINALITY_LIMIT = 2000;

function withDeadline(work: Promise<unknown>, timeoutMs: number, what: string): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      warnOnce(`metrics.deadline.${what}`, `metrics ${what} did not finish within ${timeoutMs} ms`, { timeoutMs });
      resolve();
    }, timeoutMs);
    timer.unref?.();
    work.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      (error: unknown) => {
        clearTimeout(timer);
        warnOnce(`metrics.${what}.failed`, `metrics ${what} failed`, { error: String(error) });
        resolve();
      },
    );
  });
}

function countPoints(resourceMetrics: ResourceMetrics): number {
  let n = 0;
  for (const scope of resourceMetrics.scopeMetrics) for (const m of scope.metrics) n += m.dataPoints.length;
  return n;
}

/** Counts what a failed export lost (core self-telemetry) and warns once; the SDK itself only logs to diag. */
function countingExporter(inner: PushMetricExporter, endpoint: string): PushMetricExporter {
  const exporter: PushMetricExporter = {
    export(data, resultCallback) {
      inner.export(data, (result) => {
        // ExportResultCode.SUCCESS is 0.
        if (result.code !== 0) {
          recordDropped('metrics', countPoints(data), 'export_failed');
          warnOnce('metrics.otlp.export', `OTLP metric export to ${endpoint} failed; data points dropped`, {
            endpoint,
            error: result.error ? String(result.error.message ?? result.error) : undefined,
          });
        }
        resultCallback(result);
      });
    },
    forceFlush: () => inner.forceFlush(),
    shutdown: () => inner.shutdown(),
  };
  if (inner.selectAggregationTemporality) {
    exporter.selectAggregationTemporality = inner.selectAggregationTemporality.bind(inner);
  }
  if (inner.selectAggregation) exporter.selectAggregation = inner.selectAggregation.bind(inner);
  return exporter;
}

function validate(options: StartMetricsOptions): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const { exportIntervalMs, cardinalityLimit, prometheus, allowAttributeKeys } = options;
  if (exportIntervalMs !== undefined && !(Number.isInteger(exportIntervalMs) && exportIntervalMs >= 1)) {
    problems.push({ field: 'options.exportIntervalMs', value: exportIntervalMs, expected: 'an integer >= 1' });
  }
  if (cardinalityLimit !== undefined && !(Number.isInteger(cardinalityLimit) && cardinalityLimit >= 2)) {
    problems.push({ field: 'options.cardinalityLimit', value: cardinalityLimit, expected: 'an integer >= 2' });
  }
  if (prometheus !== undefined && typeof prometheus !== 'boolean') {
    if (prometheus === null || typeof prometheus !== 'object') {
      problems.push({ field: 'options.prometheus', value: prometheus, expected: 'true, false or { port, host }' });
    } else {
      const { port, host } = prometheus;
      if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
        problems.push({ field: 'options.prometheus.port', value: port, expected: 'an integer from 0 to 65535' });
      }
      if (host !== undefined && (typeof host !== 'string' || host === '')) {
        problems.push({ field: 'options.prometheus.host', value: host, expected: 'a host name or address' });
      }
    }
  }
  if (
    allowAttributeKeys !== undefined &&
    !(Array.isArray(allowAttributeKeys) && allowAttributeKeys.every((k) => typeof k === 'string'))
  ) {
    problems.push({ field: 'options.allowAttributeKeys', value: allowAttributeKeys, expected: 'an array of strings' });
  }
  return problems;
}

function noopHandle(): MetricsHandle {
  return {
    meter: createNoopMeter(),
    meterProvider: metrics.getMeterProvider(),
    prometheusHandler: undefined,
    prometheusUrl: Promise.resolve(undefined),
    forceFlush: async () => {},
    shutdown: async () => {},
  };
}

/**
 * Starts metrics for this process: a MeterProvider with the service resource from `@otelkit/core`, an OTLP gRPC
 * periodic exporter and/or a Prometheus pull endpoint, runtime metrics, outbound HTTP client metrics, connection-pool
 * metrics (see `observePool`) and otelkit's self-telemetry (`otelkit.telemetry.dropped`). Every synchronous instrument
 * is kept within `cardinalityLimit` series, and refused attribute keys (ids, emails, raw paths, query strings,
 * secrets) are dropped with one warning.
 *
 * Throws one `ConfigError` for invalid options or environment variables. With `OTEL_SDK_DISABLED=true` it returns a
 * handle whose meter records nothing.
 *
 * @example
 * ```ts
 * const metrics = startMetrics({ prometheus: { port: 9464 } });
 * metrics.meter.createCounter('jobs', { unit: '{job}' }).add(1, { queue: 'email' });
 * process.on('SIGTERM', () => metrics.shutdown({ timeoutMs: 5000 }));
 * ```
 */
export function startMetrics(options: StartMetricsOptions = {}): MetricsHandle {
  const config = loadConfig();
  const problems = validate(options);
  const otlp = options.otlp ?? config.metrics.exporters.includes('otlp');
  const prometheus =
    options.prometheus ?? (config.metrics.exporters.includes('prometheus') ? { ...config.metrics.prometheus } : false);
  if (otlp && config.otlp.metrics.protocol !== 'grpc') {
    problems.push({
      field: 'OTEL_EXPORTER_OTLP_METRICS_PROTOCOL',
      value: config.otlp.metrics.protocol,
      expected: 'grpc (@otelkit/metrics exports OTLP over gRPC), or startMetrics({ otlp: false })',
    });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  if (config.sdkDisabled) return noopHandle();

  const limit = options.cardinalityLimit ?? DEFAULT_CARDINALITY_LIMIT;
  const readers: IMetricReader[] = [];
  if (otlp) {
    const exporter = new OTLPMetricExporter({
      url: config.otlp.metrics.endpoint,
      timeoutMillis: config.otlp.metrics.timeoutMs,
    });
    readers.push(
      new PeriodicExportingMetricReader({
        exporter: countingExporter(exporter, config.otlp.metrics.endpoint),
        exportIntervalMillis: options.exportIntervalMs ?? config.metrics.exportIntervalMs,
        exportTimeoutMillis: Math.min(
          config.metrics.exportTimeoutMs,
          options.exportIntervalMs ?? config.metrics.exportIntervalMs,
        ),
      }),
    );
  }
  let endpoint: PrometheusEndpoint | undefined;
  if (prometheus) {
    const p = prometheus === true ? {} : prometheus;
    endpoint = createPrometheusEndpoint(p);
    readers.push(endpoint.reader);
  }

  const sdk = new SdkMeterProvider({
    resource: resourceFromAttributes(getResource(config).attributes),
    readers,
    // The SDK's own per-collection limit sits one above ours, so the guard (which also bounds what cumulative
    // temporality remembers across collections) always decides first.
    views: [{ instrumentName: '*', aggregationCardinalityLimit: limit + 1 }],
  });
  const provider = new GuardedMeterProvider(sdk, {
    cardinalityLimit: limit,
    allowedKeys: new Set(options.allowAttributeKeys ?? []),
  });
  const meter = provider.getMeter(SCOPE_NAME, SCOPE_VERSION);

  let registered = false;
  if (options.registerGlobal ?? true) {
    registered = metrics.setGlobalMeterProvider(provider);
    if (!registered) {
      warnOnce(
        'metrics.global',
        'a global meter provider was already registered; startMetrics() did not replace it (pass registerGlobal: false to silence, and give the glue meterProvider)',
      );
    }
  }

  const stops: (() => void)[] = [];
  stops.push(startSelfTelemetry(provider));
  registerPoolInstruments(provider);
  if (options.runtime ?? true) stops.push(startRuntimeMetrics(provider, 10));
  if (options.httpClient ?? true) stops.push(instrumentHttpClients(provider));

  const deadline = (o?: DeadlineOptions): number => o?.timeoutMs ?? config.metrics.exportTimeoutMs;
  let stopped: Promise<void> | undefined;
  return {
    meter,
    meterProvider: provider,
    prometheusHandler: endpoint?.handler,
    prometheusUrl: endpoint?.url ?? Promise.resolve(undefined),
    forceFlush: (o) => withDeadline(sdk.forceFlush(), deadline(o), 'flush'),
    shutdown(o) {
      stopped ??= (async () => {
        for (const stop of stops) {
          try {
            stop();
          } catch {
            /* best effort */
          }
        }
        if (registered && metrics.getMeterProvider() === provider) metrics.disable();
        await withDeadline(sdk.shutdown(), deadline(o), 'shutdown');
        await endpoint?.close();
      })();
      return stopped;
    },
  };
}
