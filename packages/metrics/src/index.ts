/**
 * `@otelkit/metrics`: HTTP RED metrics (stable semantic conventions), runtime, connection-pool and business metrics
 * for Node.js services, exported over OTLP gRPC and/or as a Prometheus endpoint, with a cardinality guard.
 * Framework glue lives in `@otelkit/metrics/fastify` and `@otelkit/metrics/express`.
 *
 * @packageDocumentation
 */

export type {
  DefinedCounter,
  DefinedMetrics,
  DefinedRecorder,
  DefineMetricsOptions,
  MetricAttributes,
  MetricSpec,
} from './define/define-metrics.js';
export { defineMetrics } from './define/define-metrics.js';
export type { MetricKind } from './define/naming-rules.js';
export type { InstrumentHttpServerOptions } from './http/node-http.js';
export { instrumentHttpServer } from './http/node-http.js';
export type { ObservePoolOptions, PgPoolLike, PoolObserver, PoolStats, PoolStatsSource } from './pool/observe-pool.js';
export { observePool } from './pool/observe-pool.js';
export type { PrometheusHandler } from './prometheus/prometheus-endpoint.js';
export { prometheusName } from './prometheus/prometheus-names.js';
export type { DeadlineOptions, MetricsHandle, StartMetricsOptions } from './start-metrics.js';
export { startMetrics } from './start-metrics.js';
