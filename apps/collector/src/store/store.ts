import { ATTRIBUTE_NAMES } from '../internal/attribute-names.js';
import type { ScannedTraces } from '../otlp/trace-scan.js';
import { attrString } from '../otlp/values.js';
import { isFailedRequest, routeOf } from '../query/request-rules.js';
import { BoundedQueue } from './bounded-queue.js';
import { ErrorStore } from './error-store.js';
import { batchFromSpans, FLAG_EXCEPTION, resourceOf, type SpanBatch, serviceOf, spanAt } from './span-batch.js';
import { TraceStore } from './trace-store.js';
import type { ErrorEvent, LogRecord, MetricPoint, StoredSpan } from './types.js';

/** Store and request limits. Every one bounds memory; none is unlimited. */
export interface CollectorLimits {
  /** Spans kept in memory; whole traces are evicted oldest first beyond it. @defaultValue 100000 */
  maxSpans: number;
  /** Spans kept per trace; more are refused and counted. @defaultValue 10000 */
  maxSpansPerTrace: number;
  /** Log records kept. @defaultValue 50000 */
  maxLogs: number;
  /** Metric data points kept. @defaultValue 50000 */
  maxMetricPoints: number;
  /** Error occurrences kept (groups keep counting past it). @defaultValue 10000 */
  maxErrorEvents: number;
  /** Error groups kept; the least recently seen is evicted beyond it. @defaultValue 1000 */
  maxErrorGroups: number;
  /** Largest request body on the wire (OTLP/HTTP, envelopes, gRPC messages) → 413. @defaultValue 16 MiB */
  maxBodyBytes: number;
  /** Largest body after gzip decompression → 413, so a gzip bomb stops here. @defaultValue 64 MiB */
  maxDecompressedBytes: number;
}

/** The default limits. */
export const DEFAULT_LIMITS: Readonly<CollectorLimits> = Object.freeze({
  maxSpans: 100_000,
  maxSpansPerTrace: 10_000,
  maxLogs: 50_000,
  maxMetricPoints: 50_000,
  maxErrorEvents: 10_000,
  maxErrorGroups: 1_000,
  maxBodyBytes: 16 * 1024 * 1024,
  maxDecompressedBytes: 64 * 1024 * 1024,
});

/** Counters of everything received, stored, refused and evicted (`GET /api/stats`). */
export interface CollectorStats {
  startedAt: string;
  received: {
    spans: number;
    logs: number;
    metricPoints: number;
    errorEvents: number;
    sentryEnvelopes: number;
    sentryEvents: number;
    sentryTransactions: number;
    /** Spans from `span` items (Sentry span streaming). */
    sentrySpans: number;
    sentrySessions: number;
  };
  stored: {
    spans: number;
    traces: number;
    logs: number;
    metricPoints: number;
    errorEvents: number;
    errorGroups: number;
  };
  evicted: {
    spans: number;
    traces: number;
    logs: number;
    metricPoints: number;
    errorEvents: number;
    errorGroups: number;
  };
  rejected: { spans: number; logs: number; metricPoints: number; spansOverTraceLimit: number };
  duplicates: { spans: number; errorOccurrences: number };
  /** Requests refused as a whole, by reason (`bad_data`, `too_large`, `unsupported_media_type`, …). */
  refusedRequests: Record<string, number>;
  /** Envelope items that are not event/transaction/session(s), by type; acknowledged and dropped. */
  ignoredEnvelopeItems: Record<string, number>;
  sessions: Record<string, number>;
  persistence: { enabled: boolean; dataDir: string | null; loaded: number; skippedLines: number; writeErrors: number };
  limits: CollectorLimits;
}

/** Where a service and its versions were seen. */
export interface ServiceInfo {
  name: string;
  /** Versions with the time each was first seen, oldest first. */
  versions: { version: string; firstSeen: string }[];
  environments: string[];
  firstSeen: string;
  lastSeen: string;
  spans: number;
  logs: number;
  errors: number;
  metricPoints: number;
}

interface ServiceState {
  name: string;
  versions: Map<string, number>;
  environments: Set<string>;
  firstMs: number;
  lastMs: number;
  spans: number;
  logs: number;
  errors: number;
  metricPoints: number;
}

/** A record kind persisted to the data directory (`otlp-traces`: raw OTLP/protobuf trace exports, base64). */
export type PersistedKind = 'spans' | 'otlp-traces' | 'logs' | 'metrics' | 'errors';

/** Receives every accepted record (the data-directory writer). */
export interface PersistSink {
  /** `weight`: how many stored items the record holds (spans of a raw export), for segment rotation. */
  append(kind: PersistedKind, record: object, weight?: number): void;
}

const MAX_SERVICES = 1000;
/** Items (spans, log records) accepted but not yet stored; bounds the memory of a burst. */
const MAX_PENDING_ITEMS = 200_000;
/** How long one scheduled drain may run before it lets I/O (new exports) in. */
const DRAIN_SLICE_MS = 2;

interface PendingJob {
  items: number;
  job: () => void;
}

/** Logs are kept with their parsed time and an arrival sequence number. */
export interface StoredLog {
  seq: number;
  timeMs: number;
  record: LogRecord;
}

/**
 * The in-memory store behind every receiver and query. All ingest paths end here; it derives error occurrences from
 * span exception events and ERROR log records that carry a fingerprint, keeps the service registry, and counts.
 */
export class Store {
  readonly traces: TraceStore;
  readonly logs: BoundedQueue<StoredLog>;
  readonly metrics: BoundedQueue<MetricPoint>;
  readonly errors: ErrorStore;
  readonly #services = new Map<string, ServiceState>();
  readonly #stats: CollectorStats;
  #logSeq = 0;
  /** Accepted exports waiting to be stored, oldest first from `#pendingHead`. */
  #pending: (PendingJob | undefined)[] = [];
  #pendingHead = 0;
  #pendingItems = 0;
  #drainScheduled = false;
  sink: PersistSink | undefined;

  /** `slabBytes`: the trace store's arena slab size (tests use small ones). */
  constructor(
    readonly limits: CollectorLimits,
    slabBytes?: number,
  ) {
    this.traces = new TraceStore(limits.maxSpans, limits.maxSpansPerTrace, slabBytes);
    this.logs = new BoundedQueue(limits.maxLogs);
    this.metrics = new BoundedQueue(limits.maxMetricPoints);
    this.errors = new ErrorStore(limits.maxErrorEvents, limits.maxErrorGroups);
    this.#stats = {
      startedAt: new Date().toISOString(),
      received: {
        spans: 0,
        logs: 0,
        metricPoints: 0,
        errorEvents: 0,
        sentryEnvelopes: 0,
        sentryEvents: 0,
        sentryTransactions: 0,
        sentrySpans: 0,
        sentrySessions: 0,
      },
      stored: { spans: 0, traces: 0, logs: 0, metricPoints: 0, errorEvents: 0, errorGroups: 0 },
      evicted: { spans: 0, traces: 0, logs: 0, metricPoints: 0, errorEvents: 0, errorGroups: 0 },
      rejected: { spans: 0, logs: 0, metricPoints: 0, spansOverTraceLimit: 0 },
      duplicates: { spans: 0, errorOccurrences: 0 },
      refusedRequests: {},
      ignoredEnvelopeItems: {},
      sessions: {},
      persistence: { enabled: false, dataDir: null, loaded: 0, skippedLines: 0, writeErrors: 0 },
      limits: { ...limits },
    };
  }

  /** Mutable counters for the receivers and the persistence layer. */
  get counters(): CollectorStats {
    return this.#stats;
  }

  /** Spans already normalized (OTLP/JSON, Sentry, a replayed data directory). */
  ingestSpans(spans: StoredSpan[], rejected = 0): void {
    const batch = batchFromSpans(spans, routeOf, isFailedRequest);
    const full = batch.full as StoredSpan[];
    // Spans whose ids the index cannot hold (none that a receiver produces) are refused like spans without ids.
    const refused = rejected + spans.length - full.length;
    const added = this.#storeBatch(batch, refused);
    if (this.sink) for (const i of added) this.sink.append('spans', full[i]!);
  }

  /**
   * An OTLP/protobuf ExportTraceServiceRequest indexed by the wire scanner: stored as its raw bytes plus the index;
   * spans are decoded one by one only when a query needs them in full.
   */
  ingestScannedTraces(scanned: ScannedTraces): void {
    const added = this.#storeBatch(scanned.batch, scanned.rejected);
    const raw = scanned.batch.raw;
    // The data directory keeps the request bytes too: replaying them takes this same path.
    if (this.sink && raw && added.length > 0) {
      this.sink.append('otlp-traces', { protobuf: raw.bytes.toString('base64') }, added.length);
    }
  }

  #storeBatch(batch: SpanBatch, rejected: number): number[] {
    const s = this.#stats;
    s.received.spans += batch.size + rejected;
    s.rejected.spans += rejected;
    const result = this.traces.add(batch);
    s.duplicates.spans += result.duplicates;
    s.rejected.spansOverTraceLimit += result.overflow;
    s.evicted.spans += result.evictedSpans;
    s.evicted.traces += result.evictedTraces;
    // The spans of one request share a resource (so a service and version): register them with the service registry
    // per run of spans with the same resource rather than one by one.
    let runResource: StoredSpan['resource'] | undefined;
    let runService = '';
    let runCount = 0;
    let runFirstMs = 0;
    let runLastMs = 0;
    const flush = () => {
      if (runCount === 0 || !runResource) return;
      const version = attrString(runResource, ATTRIBUTE_NAMES.version);
      this.#seen(runService, version, runResource, runFirstMs, 'spans', undefined, runCount, runLastMs);
    };
    for (const i of result.added) {
      const ms = batch.times[i * 2]!;
      const resource = resourceOf(batch, i);
      const service = serviceOf(batch, i);
      if (resource !== runResource || service !== runService) {
        flush();
        runResource = resource;
        runService = service;
        runCount = 0;
        runFirstMs = ms;
        runLastMs = ms;
      }
      runCount++;
      if (ms < runFirstMs) runFirstMs = ms;
      if (ms > runLastMs) runLastMs = ms;
      if ((batch.codes[i * 3 + 2]! & FLAG_EXCEPTION) === 0) continue;
      // An exception event is an error occurrence: the one kind of span decoded in full at ingest.
      const span = spanAt(batch, i);
      for (let e = 0; e < span.events.length; e++) {
        if (span.events[e]!.name !== 'exception') continue;
        const occurrence = errorFromSpanEvent(span, e);
        if (occurrence) this.#addError(occurrence);
      }
    }
    flush();
    return result.added;
  }

  ingestLogs(logs: LogRecord[]): void {
    this.#stats.received.logs += logs.length;
    for (const record of logs) {
      const timeMs = Date.parse(record.timestamp);
      const seq = ++this.#logSeq;
      if (this.logs.push({ seq, timeMs, record }) !== undefined) this.#stats.evicted.logs++;
      this.#seen(record.service, record.version, undefined, timeMs, 'logs', record.environment);
      this.sink?.append('logs', record);
      if ((record.level === 'ERROR' || record.level === 'FATAL') && record.error?.fingerprint) {
        this.#addError(errorFromLog(record, seq));
      }
    }
  }

  ingestMetrics(points: MetricPoint[], rejected = 0): void {
    this.#stats.received.metricPoints += points.length + rejected;
    this.#stats.rejected.metricPoints += rejected;
    for (const point of points) {
      if (this.metrics.push(point) !== undefined) this.#stats.evicted.metricPoints++;
      this.#seen(point.service, point.version, undefined, point.timeMs, 'metricPoints');
      this.sink?.append('metrics', point);
    }
  }

  /** A Sentry error event (already fingerprinted). */
  ingestErrorEvent(event: ErrorEvent): void {
    this.#addError(event);
    this.sink?.append('errors', event);
  }

  countRefused(reason: string): void {
    this.#stats.refusedRequests[reason] = (this.#stats.refusedRequests[reason] ?? 0) + 1;
  }

  countIgnoredItem(type: string): void {
    const key = type.slice(0, 40) || 'unknown';
    const table = this.#stats.ignoredEnvelopeItems;
    if (key in table || Object.keys(table).length < 50) table[key] = (table[key] ?? 0) + 1;
  }

  countSession(status: string, n = 1): void {
    const key = status.slice(0, 20) || 'unknown';
    const table = this.#stats.sessions;
    if (key in table || Object.keys(table).length < 20) table[key] = (table[key] ?? 0) + n;
  }

  stats(): CollectorStats {
    const s = this.#stats;
    s.stored = {
      spans: this.traces.spanCount,
      traces: this.traces.traceCount,
      logs: this.logs.size,
      metricPoints: this.metrics.size,
      errorEvents: this.errors.events.size,
      errorGroups: this.errors.groupCount,
    };
    return structuredClone(s);
  }

  services(): ServiceInfo[] {
    return [...this.#services.values()].map((s) => ({
      name: s.name,
      versions: [...s.versions.entries()]
        .sort((a, b) => a[1] - b[1])
        .map(([version, ms]) => ({ version, firstSeen: new Date(ms).toISOString() })),
      environments: [...s.environments],
      firstSeen: new Date(s.firstMs).toISOString(),
      lastSeen: new Date(s.lastMs).toISOString(),
      spans: s.spans,
      logs: s.logs,
      errors: s.errors,
      metricPoints: s.metricPoints,
    }));
  }

  /**
   * Queues work (indexing and storing an accepted export) for after the exporter has its answer. At most
   * `MAX_PENDING_ITEMS` items wait; beyond that, false (the receiver answers "busy, retry"). Every query drains the
   * queue first, so reads always see accepted data.
   */
  defer(items: number, job: () => void): boolean {
    if (this.#pendingItems + items > MAX_PENDING_ITEMS && this.#pending.length > this.#pendingHead) return false;
    this.#pending.push({ items, job });
    this.#pendingItems += items;
    if (!this.#drainScheduled) {
      this.#drainScheduled = true;
      setImmediate(this.#afterAnswers);
    }
    return true;
  }

  /** Whether accepted work is still waiting to be stored. */
  get hasPending(): boolean {
    return this.#pending.length > this.#pendingHead;
  }

  /** Runs every queued ingest job now. */
  drain(): void {
    this.#runPending(Number.POSITIVE_INFINITY);
  }

  /**
   * An answer leaves in two steps, each in the check phase of an event-loop turn: Node's HTTP/2 session writes the
   * response headers and message in the turn the handler answered in, and grpc-js ends the stream with its trailers
   * from that write's callback, which Node writes in the next turn — before that turn's immediates. A drain started
   * by a plain `setImmediate` would run between the two and hold the exporter's answer back by its own duration; it
   * starts one turn later instead (measured with a 5 ms job: the exporter waited 7.5 ms instead of 2.2 ms).
   */
  readonly #afterAnswers = (): void => {
    setImmediate(this.#drainSlice);
  };

  /**
   * The scheduled drain works for at most `DRAIN_SLICE_MS` and then yields to I/O, so that a backlog of accepted
   * exports does not delay the answers to the next ones (the exporter waits for those).
   */
  readonly #drainSlice = (): void => {
    this.#drainScheduled = false;
    this.#runPending(performance.now() + DRAIN_SLICE_MS);
    if (this.#pending.length > this.#pendingHead && !this.#drainScheduled) {
      this.#drainScheduled = true;
      setImmediate(this.#afterAnswers);
    }
  };

  #runPending(deadline: number): void {
    const pending = this.#pending;
    while (this.#pendingHead < pending.length) {
      const next = pending[this.#pendingHead] as PendingJob;
      pending[this.#pendingHead++] = undefined;
      this.#pendingItems -= next.items;
      try {
        next.job();
      } catch {
        this.countRefused('ingest_error');
      }
      if (deadline !== Number.POSITIVE_INFINITY && performance.now() >= deadline) break;
    }
    if (this.#pendingHead >= pending.length) {
      this.#pending = [];
      this.#pendingHead = 0;
      this.#pendingItems = 0;
    }
  }

  #addError(event: ErrorEvent): void {
    this.#stats.received.errorEvents++;
    const result = this.errors.add(event);
    if (!result.counted) this.#stats.duplicates.errorOccurrences++;
    this.#stats.evicted.errorEvents += result.evictedEvents;
    this.#stats.evicted.errorGroups += result.evictedGroups;
    this.#seen(event.service, event.version, undefined, Date.parse(event.timestamp), 'errors', event.environment);
  }

  /** Registers `count` items of a service seen between `timeMs` and `lastMs` (default: `timeMs`). */
  #seen(
    name: string,
    version: string | undefined,
    resource: StoredSpan['resource'] | undefined,
    timeMs: number,
    counter: 'spans' | 'logs' | 'errors' | 'metricPoints',
    environment?: string,
    count = 1,
    lastMs = timeMs,
  ): void {
    const t = Number.isFinite(timeMs) ? timeMs : Date.now();
    const last = Number.isFinite(lastMs) ? lastMs : t;
    let s = this.#services.get(name);
    if (!s) {
      if (this.#services.size >= MAX_SERVICES) return;
      s = {
        name,
        versions: new Map(),
        environments: new Set(),
        firstMs: t,
        lastMs: last,
        spans: 0,
        logs: 0,
        errors: 0,
        metricPoints: 0,
      };
      this.#services.set(name, s);
    }
    s[counter] += count;
    if (t < s.firstMs) s.firstMs = t;
    if (last > s.lastMs) s.lastMs = last;
    if (version && s.versions.size < 100) {
      const first = s.versions.get(version);
      if (first === undefined || t < first) s.versions.set(version, t);
    }
    const env = environment ?? (resource ? attrString(resource, ATTRIBUTE_NAMES.environment) : undefined);
    if (env && s.environments.size < 20) s.environments.add(env);
  }
}

function errorFromSpanEvent(span: StoredSpan, index: number): ErrorEvent | undefined {
  const event = span.events[index]!;
  const a = event.attributes;
  const fingerprint =
    attrString(a, ATTRIBUTE_NAMES['error.fingerprint']) ??
    attrString(span.attributes, ATTRIBUTE_NAMES['error.fingerprint']);
  if (!fingerprint) return undefined;
  const from = (name: string) => attrString(a, name) ?? attrString(span.attributes, name);
  const occurrence: ErrorEvent = {
    eventId: `span-${span.spanId}-${index}`,
    fingerprint,
    fingerprintDerived: false,
    source: 'span',
    timestamp: event.time,
    type: from(ATTRIBUTE_NAMES['error.type']) ?? 'Error',
    message: from(ATTRIBUTE_NAMES['error.message']) ?? span.statusMessage,
    service: span.service,
    traceId: span.traceId,
    spanId: span.spanId,
    tags: {},
    breadcrumbs: [],
  };
  const stack = from(ATTRIBUTE_NAMES['error.stack_trace']);
  if (stack) occurrence.stackTrace = stack;
  const version = attrString(span.resource, ATTRIBUTE_NAMES.version);
  if (version) occurrence.version = version;
  const environment = attrString(span.resource, ATTRIBUTE_NAMES.environment);
  if (environment) occurrence.environment = environment;
  const correlationId = from(ATTRIBUTE_NAMES.correlation_id);
  if (correlationId) occurrence.correlationId = correlationId;
  const userId = from(ATTRIBUTE_NAMES['user.id']);
  if (userId) occurrence.userId = userId;
  const severity = from(ATTRIBUTE_NAMES['error.severity']);
  if (severity) occurrence.severity = severity;
  const category = from(ATTRIBUTE_NAMES['error.category']);
  if (category) occurrence.category = category;
  const retryable = a[ATTRIBUTE_NAMES['error.retryable']] ?? span.attributes[ATTRIBUTE_NAMES['error.retryable']];
  if (typeof retryable === 'boolean') occurrence.retryable = retryable;
  return occurrence;
}

function errorFromLog(record: LogRecord, seq: number): ErrorEvent {
  const error = record.error ?? {};
  const occurrence: ErrorEvent = {
    eventId: `log-${seq}`,
    fingerprint: error.fingerprint as string,
    fingerprintDerived: false,
    source: 'log',
    timestamp: record.timestamp,
    type: error.type ?? 'Error',
    message: error.message ?? record.message,
    level: record.level,
    service: record.service,
    tags: {},
    breadcrumbs: [],
  };
  if (error.stack_trace) occurrence.stackTrace = error.stack_trace;
  if (record.version) occurrence.version = record.version;
  if (record.environment) occurrence.environment = record.environment;
  if (record.trace_id) occurrence.traceId = record.trace_id;
  if (record.span_id) occurrence.spanId = record.span_id;
  if (record.correlation_id) occurrence.correlationId = record.correlation_id;
  if (record.user?.id) occurrence.userId = record.user.id;
  if (error.severity) occurrence.severity = error.severity;
  if (error.category) occurrence.category = error.category;
  if (error.retryable !== undefined) occurrence.retryable = error.retryable;
  return occurrence;
}
