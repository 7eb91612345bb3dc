/**
 * `@otelkit/collector` — the local collector a developer starts with one command: OTLP/gRPC, OTLP/HTTP and Sentry
 * envelopes in; a bounded, optionally persisted store; a JSON API, a web UI and an incident report out.
 *
 * @packageDocumentation
 */

/** A running collector. */
/** The query API and report over a loaded data directory. */
export type { Collector, CollectorData } from './collector.js';
/**
 * Starts the collector; see {@link CollectorOptions}. Returns the bound ports, URLs, the query API and `stop()`.
 */
/** Loads a data directory read-only and returns the query API and report over it (no servers). */
export { loadDataDir, startCollector } from './collector.js';
/** Options of {@link startCollector}. */
export type { CollectorOptions } from './config.js';
/** Thrown by {@link startCollector} for invalid options or `OTELKIT_COLLECTOR_*` variables; `code` is stable. */
/** The default ports: gRPC 4317, HTTP 4318, UI 18888. */
export { ConfigError, DEFAULT_PORTS } from './config.js';
/** The query API and its filters and results. */
export type {
  CollectorQuery,
  ErrorGroupDetail,
  ErrorQuery,
  LogQuery,
  ServiceOverview,
  SpanNode,
  TraceDetail,
  TraceQuery,
} from './query/query.js';
/** RED rows and series. */
export type { RedPoint, RedQuery, RedResult, RedRow } from './query/red.js';
/** Renders an incident report as Markdown. */
export { renderMarkdown } from './report/markdown.js';
/** The incident report. */
export type {
  IncidentReport,
  NextCheck,
  ReportError,
  ReportOptions,
  ReportTrace,
  TimelineEntry,
} from './report/report.js';
/** Store and request limits; counters of what was received, stored, refused and evicted; a seen service. */
export type { CollectorLimits, CollectorStats, ServiceInfo } from './store/store.js';
/** The default store and request limits. */
export { DEFAULT_LIMITS } from './store/store.js';
/** One row of the trace list. */
export type { TraceSummary } from './store/trace-store.js';
/** The records the store keeps and the API returns. */
export type {
  Attributes,
  AttributeValue,
  Breadcrumb,
  ErrorEvent,
  ErrorGroup,
  ErrorSource,
  LogRecord,
  MetricPoint,
  Span,
  SpanEvent,
  SpanKindName,
  SpanLink,
  StatusName,
} from './store/types.js';
