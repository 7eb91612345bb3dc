import type { Level } from '../internal/attribute-names.js';

/** An attribute value as received (OTLP AnyValue or a Sentry tag), in plain JSON. */
export type AttributeValue = string | number | boolean | null | AttributeValue[] | { [key: string]: AttributeValue };

/** Attributes keyed by OpenTelemetry attribute name. */
export type Attributes = Record<string, AttributeValue>;

/** The span kind, lower case. */
export type SpanKindName = 'unspecified' | 'internal' | 'server' | 'client' | 'producer' | 'consumer';

/** A span status, lower case. */
export type StatusName = 'unset' | 'ok' | 'error';

/** A span event (an exception is one, named `exception`). */
export interface SpanEvent {
  name: string;
  time: string;
  timeUnixNano: string;
  attributes: Attributes;
}

/** A link from one span to another span context. */
export interface SpanLink {
  traceId: string;
  spanId: string;
  attributes: Attributes;
}

/**
 * One span as the store keeps it: times as exact nanoseconds only (the ISO times of {@link Span} are derived when a
 * span is read, which saves two strings per stored span).
 */
export interface StoredSpan {
  traceId: string;
  spanId: string;
  /** `null` for a root span. */
  parentSpanId: string | null;
  name: string;
  /** `service.name` of the span's resource. */
  service: string;
  kind: SpanKindName;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  durationMs: number;
  status: StatusName;
  statusMessage: string;
  attributes: Attributes;
  events: SpanEvent[];
  links: SpanLink[];
  resource: Attributes;
  scope: { name: string; version: string };
  /** Which receiver delivered the span. */
  source: 'otlp' | 'sentry';
}

/** One span as returned by `GET /api/traces/:traceId`. */
export interface Span extends StoredSpan {
  /** ISO 8601 UTC. */
  startTime: string;
  /** ISO 8601 UTC. */
  endTime: string;
}

/** A log record in the otelkit core schema shape, as returned by `GET /api/logs`. */
export interface LogRecord {
  timestamp: string;
  level: Level;
  message: string;
  correlation_id?: string;
  trace_id?: string;
  span_id?: string;
  service: string;
  environment?: string;
  host?: string;
  version?: string;
  error?: {
    type?: string;
    message?: string;
    stack_trace?: string;
    fingerprint?: string;
    severity?: string;
    category?: string;
    retryable?: boolean;
    code?: string;
    cause?: AttributeValue;
  };
  user?: { id?: string; session_id?: string };
  request?: { method?: string; path?: string; route?: string; status_code?: number; duration_ms?: number };
  context?: Record<string, AttributeValue>;
}

/** A metric data point, flattened. Histograms keep their buckets. */
export interface MetricPoint {
  name: string;
  unit: string;
  service: string;
  version?: string;
  type: 'gauge' | 'sum' | 'histogram' | 'exponential_histogram' | 'summary';
  temporality: 'unspecified' | 'delta' | 'cumulative';
  attributes: Attributes;
  startTimeMs: number;
  timeMs: number;
  value?: number;
  count?: number;
  sum?: number;
  bucketCounts?: number[];
  explicitBounds?: number[];
}

/** Where an error occurrence came from. */
export type ErrorSource = 'sentry' | 'span' | 'log';

/** A Sentry-style breadcrumb. */
export interface Breadcrumb {
  timestamp?: string;
  type?: string;
  category?: string;
  level?: string;
  message?: string;
  data?: Attributes;
}

/** One occurrence of an error (a Sentry event, a span exception event or an ERROR log record). */
export interface ErrorEvent {
  eventId: string;
  fingerprint: string;
  /** True when the fingerprint was derived by the collector rather than given by the sender. */
  fingerprintDerived: boolean;
  source: ErrorSource;
  timestamp: string;
  type: string;
  message: string;
  stackTrace?: string;
  level?: string;
  service: string;
  version?: string;
  environment?: string;
  traceId?: string;
  spanId?: string;
  correlationId?: string;
  userId?: string;
  severity?: string;
  category?: string;
  retryable?: boolean;
  tags: Record<string, string>;
  breadcrumbs: Breadcrumb[];
}

/** An error group: all occurrences with one fingerprint. */
export interface ErrorGroup {
  fingerprint: string;
  type: string;
  message: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
  services: string[];
  versions: string[];
  /** Distinct users affected (by `user.id`). */
  users: number;
  sampleTraceId: string | null;
  sampleEventId: string;
  severity: string | null;
  category: string | null;
  retryable: boolean | null;
  /** Service version of the first occurrence (`null` when it carried none). */
  firstSeenVersion: string | null;
  firstSeenService: string;
  sources: Record<ErrorSource, number>;
}
