import { ATTRIBUTE_NAMES, levelFromSeverityNumber, parseLevel } from '../internal/attribute-names.js';
import type {
  Attributes,
  AttributeValue,
  LogRecord,
  MetricPoint,
  SpanKindName,
  StatusName,
  StoredSpan,
} from '../store/types.js';
import {
  anyValue,
  arrayField,
  attrNumber,
  attrString,
  BadDataError,
  idField,
  intern,
  intField,
  isoFromMs,
  isRecord,
  keyValues,
  lastNanosMs,
  nanosField,
  nanosToMs,
  stringField,
  toNumber,
} from './values.js';

/** The result of normalizing one export request. */
export interface Normalized<T> {
  items: T[];
  rejected: number;
  errorMessage: string;
}

/** Shared by every span without events or links: most spans, so one array instead of two per span. */
const NONE: never[] = Object.freeze([]) as unknown as never[];

const KINDS: SpanKindName[] = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const STATUSES: StatusName[] = ['unset', 'ok', 'error'];

function root(body: unknown, key: string): unknown[] {
  if (!isRecord(body)) throw new BadDataError('the request body must be an OTLP export request object');
  return arrayField(body, key, 'request');
}

function serviceOf(resource: Attributes): string {
  return attrString(resource, ATTRIBUTE_NAMES.service) ?? 'unknown_service';
}

function scopeOf(scoped: Record<string, unknown>): { name: string; version: string } {
  const scope = isRecord(scoped.scope) ? scoped.scope : {};
  return { name: stringField(scope, 'name'), version: stringField(scope, 'version') };
}

/** Normalizes an ExportTraceServiceRequest (decoded protobuf or OTLP/JSON) to spans. */
export function normalizeTraces(body: unknown): Normalized<StoredSpan> {
  const items: StoredSpan[] = [];
  let rejected = 0;
  for (const rs of root(body, 'resourceSpans')) {
    if (!isRecord(rs)) throw new BadDataError('resourceSpans[] must be objects');
    const resource = keyValues(isRecord(rs.resource) ? rs.resource.attributes : undefined);
    const service = serviceOf(resource);
    for (const ss of arrayField(rs, 'scopeSpans', 'resourceSpans[]')) {
      if (!isRecord(ss)) throw new BadDataError('scopeSpans[] must be objects');
      const scope = scopeOf(ss);
      for (const s of arrayField(ss, 'spans', 'scopeSpans[]')) {
        if (!isRecord(s)) throw new BadDataError('spans[] must be objects');
        const traceId = idField(s, 'traceId', 16);
        const spanId = idField(s, 'spanId', 8);
        if (!traceId || !spanId) {
          rejected++;
          continue;
        }
        const startNs = nanosField(s, 'startTimeUnixNano');
        const startMs = lastNanosMs();
        let endNs = nanosField(s, 'endTimeUnixNano');
        let endMs = lastNanosMs();
        if (endMs < startMs) {
          endMs = startMs;
          endNs = startNs;
        }
        const status = isRecord(s.status) ? s.status : {};
        items.push({
          traceId,
          spanId,
          parentSpanId: idField(s, 'parentSpanId', 8) || null,
          name: intern(stringField(s, 'name')),
          service,
          kind: KINDS[intField(s, 'kind')] ?? 'unspecified',
          startTimeUnixNano: startNs,
          endTimeUnixNano: endNs,
          durationMs: endMs - startMs,
          status: STATUSES[intField(status, 'code')] ?? 'unset',
          statusMessage: stringField(status, 'message'),
          attributes: keyValues(s.attributes),
          events:
            !Array.isArray(s.events) || s.events.length === 0
              ? NONE
              : s.events.filter(isRecord).map((e) => {
                  const ns = nanosField(e, 'timeUnixNano');
                  return {
                    name: stringField(e, 'name'),
                    time: isoFromMs(lastNanosMs()),
                    timeUnixNano: ns,
                    attributes: keyValues(e.attributes),
                  };
                }),
          links:
            !Array.isArray(s.links) || s.links.length === 0
              ? NONE
              : s.links.filter(isRecord).map((l) => ({
                  traceId: idField(l, 'traceId', 16),
                  spanId: idField(l, 'spanId', 8),
                  attributes: keyValues(l.attributes),
                })),
          resource,
          scope,
          source: 'otlp',
        });
      }
    }
  }
  return { items, rejected, errorMessage: rejected ? `${rejected} span(s) without a valid traceId/spanId` : '' };
}

/** Attribute names that the log schema maps to its own fields (everything else lands in `context`). */
const MAPPED = new Set<string>(Object.values(ATTRIBUTE_NAMES));
for (const alias of [
  'trace_id',
  'span_id',
  'correlation_id',
  'error.type',
  'error.message',
  'error.stack_trace',
  'error.fingerprint',
  'error.severity',
  'error.category',
  'error.retryable',
])
  MAPPED.add(alias);

function pick(attrs: Attributes, name: string, alias?: string): string | undefined {
  return attrString(attrs, name) ?? (alias ? attrString(attrs, alias) : undefined);
}

/**
 * Builds a core-schema log record from OTLP attributes. Schema fields are read from their OpenTelemetry attribute
 * names (with the schema's own dotted names accepted as aliases); the rest becomes `context`.
 */
export function logFromAttributes(
  base: { timeMs: number; level: LogRecord['level']; message: string; traceId: string; spanId: string },
  attrs: Attributes,
  resource: Attributes,
): LogRecord {
  const record: LogRecord = {
    timestamp: isoFromMs(base.timeMs),
    level: base.level,
    message: base.message,
    service: serviceOf(resource),
  };
  const correlationId = pick(attrs, ATTRIBUTE_NAMES.correlation_id, 'correlation_id');
  if (correlationId) record.correlation_id = correlationId;
  const traceId = base.traceId || pick(attrs, 'trace_id');
  if (traceId) record.trace_id = traceId;
  const spanId = base.spanId || pick(attrs, 'span_id');
  if (spanId) record.span_id = spanId;
  const environment = pick(resource, ATTRIBUTE_NAMES.environment) ?? pick(attrs, ATTRIBUTE_NAMES.environment);
  if (environment) record.environment = environment;
  const host = pick(resource, ATTRIBUTE_NAMES.host);
  if (host) record.host = host;
  const version = pick(resource, ATTRIBUTE_NAMES.version);
  if (version) record.version = version;

  const error: NonNullable<LogRecord['error']> = {};
  const errType = pick(attrs, ATTRIBUTE_NAMES['error.type'], 'error.type');
  if (errType) error.type = errType;
  const errMessage = pick(attrs, ATTRIBUTE_NAMES['error.message'], 'error.message');
  if (errMessage) error.message = errMessage;
  const stack = pick(attrs, ATTRIBUTE_NAMES['error.stack_trace'], 'error.stack_trace');
  if (stack) error.stack_trace = stack;
  const fingerprint = pick(attrs, ATTRIBUTE_NAMES['error.fingerprint'], 'error.fingerprint');
  if (fingerprint) error.fingerprint = fingerprint;
  const severity = pick(attrs, ATTRIBUTE_NAMES['error.severity'], 'error.severity');
  if (severity) error.severity = severity;
  const category = pick(attrs, ATTRIBUTE_NAMES['error.category'], 'error.category');
  if (category) error.category = category;
  const retryable = attrs[ATTRIBUTE_NAMES['error.retryable']] ?? attrs['error.retryable'];
  if (typeof retryable === 'boolean') error.retryable = retryable;
  const code = pick(attrs, ATTRIBUTE_NAMES['error.code'], 'error.code');
  if (code) error.code = code;
  const cause = attrs[ATTRIBUTE_NAMES['error.cause']];
  if (cause !== undefined && cause !== null) {
    // Core writes the cause chain as a JSON string; keep it structured when it parses.
    try {
      error.cause = typeof cause === 'string' ? (JSON.parse(cause) as AttributeValue) : cause;
    } catch {
      error.cause = cause;
    }
  }
  if (Object.keys(error).length > 0) record.error = error;

  const userId = pick(attrs, ATTRIBUTE_NAMES['user.id']);
  const sessionId = pick(attrs, ATTRIBUTE_NAMES['user.session_id']);
  if (userId || sessionId) {
    record.user = {};
    if (userId) record.user.id = userId;
    if (sessionId) record.user.session_id = sessionId;
  }

  const request: NonNullable<LogRecord['request']> = {};
  const method = pick(attrs, ATTRIBUTE_NAMES['request.method']);
  if (method) request.method = method;
  const path = pick(attrs, ATTRIBUTE_NAMES['request.path']);
  if (path) request.path = path;
  const route = pick(attrs, ATTRIBUTE_NAMES['request.route']);
  if (route) request.route = route;
  const status = attrNumber(attrs, ATTRIBUTE_NAMES['request.status_code']);
  if (status !== undefined) request.status_code = status;
  const duration = attrNumber(attrs, ATTRIBUTE_NAMES['request.duration_ms']);
  if (duration !== undefined) request.duration_ms = duration;
  if (Object.keys(request).length > 0) record.request = request;

  const context: Attributes = {};
  for (const [key, value] of Object.entries(attrs)) {
    if (MAPPED.has(key)) continue;
    context[key.startsWith('context.') ? key.slice(8) : key] = value;
  }
  if (Object.keys(context).length > 0) record.context = context;
  return record;
}

/** Normalizes an ExportLogsServiceRequest to core-schema log records. */
export function normalizeLogs(body: unknown): Normalized<LogRecord> {
  const items: LogRecord[] = [];
  for (const rl of root(body, 'resourceLogs')) {
    if (!isRecord(rl)) throw new BadDataError('resourceLogs[] must be objects');
    const resource = keyValues(isRecord(rl.resource) ? rl.resource.attributes : undefined);
    for (const sl of arrayField(rl, 'scopeLogs', 'resourceLogs[]')) {
      if (!isRecord(sl)) throw new BadDataError('scopeLogs[] must be objects');
      for (const r of arrayField(sl, 'logRecords', 'scopeLogs[]')) {
        if (!isRecord(r)) throw new BadDataError('logRecords[] must be objects');
        let ns = nanosField(r, 'timeUnixNano');
        if (ns === '0') ns = nanosField(r, 'observedTimeUnixNano');
        const severity = intField(r, 'severityNumber');
        const level =
          severity > 0 ? levelFromSeverityNumber(severity) : (parseLevel(stringField(r, 'severityText')) ?? 'INFO');
        const body = anyValue(r.body);
        const attrs = keyValues(r.attributes);
        let message: string;
        if (typeof body === 'string') message = body;
        else if (body === null) message = attrString(attrs, 'message') ?? '';
        else if (isRecord(body) && typeof body.message === 'string') message = body.message;
        else message = JSON.stringify(body);
        items.push(
          logFromAttributes(
            {
              timeMs: ns === '0' ? Date.now() : nanosToMs(ns),
              level,
              message,
              traceId: idField(r, 'traceId', 16),
              spanId: idField(r, 'spanId', 8),
            },
            attrs,
            resource,
          ),
        );
      }
    }
  }
  return { items, rejected: 0, errorMessage: '' };
}

function numberList(value: unknown): number[] {
  return Array.isArray(value) ? value.slice(0, 500).map((v) => toNumber(v, 0)) : [];
}

const TEMPORALITY: MetricPoint['temporality'][] = ['unspecified', 'delta', 'cumulative'];

/** Normalizes an ExportMetricsServiceRequest to flat data points. */
export function normalizeMetrics(body: unknown): Normalized<MetricPoint> {
  const items: MetricPoint[] = [];
  let rejected = 0;
  for (const rm of root(body, 'resourceMetrics')) {
    if (!isRecord(rm)) throw new BadDataError('resourceMetrics[] must be objects');
    const resource = keyValues(isRecord(rm.resource) ? rm.resource.attributes : undefined);
    const service = serviceOf(resource);
    const version = attrString(resource, ATTRIBUTE_NAMES.version);
    for (const sm of arrayField(rm, 'scopeMetrics', 'resourceMetrics[]')) {
      if (!isRecord(sm)) throw new BadDataError('scopeMetrics[] must be objects');
      for (const m of arrayField(sm, 'metrics', 'scopeMetrics[]')) {
        if (!isRecord(m)) throw new BadDataError('metrics[] must be objects');
        const name = stringField(m, 'name');
        const unit = stringField(m, 'unit');
        const kinds = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] as const;
        const kind = kinds.find((k) => isRecord(m[k]));
        if (!kind || !name) {
          rejected++;
          continue;
        }
        const data = m[kind] as Record<string, unknown>;
        const temporality = TEMPORALITY[intField(data, 'aggregationTemporality')] ?? 'unspecified';
        for (const dp of arrayField(data, 'dataPoints', `metrics[${name}]`)) {
          if (!isRecord(dp)) {
            rejected++;
            continue;
          }
          const point: MetricPoint = {
            name,
            unit,
            service,
            type: kind === 'exponentialHistogram' ? 'exponential_histogram' : kind,
            temporality,
            attributes: keyValues(dp.attributes),
            startTimeMs: nanosToMs(nanosField(dp, 'startTimeUnixNano')),
            timeMs: nanosToMs(nanosField(dp, 'timeUnixNano')),
          };
          if (version) point.version = version;
          if (kind === 'gauge' || kind === 'sum') {
            point.value = dp.asDouble != null ? toNumber(dp.asDouble) : toNumber(dp.asInt);
          } else {
            point.count = toNumber(dp.count);
            point.sum = toNumber(dp.sum);
            if (kind === 'histogram') {
              point.bucketCounts = numberList(dp.bucketCounts);
              point.explicitBounds = numberList(dp.explicitBounds);
            }
          }
          items.push(point);
        }
      }
    }
  }
  return { items, rejected, errorMessage: rejected ? `${rejected} metric(s) or data point(s) without data` : '' };
}

/**
 * Counts the spans of a decoded protobuf ExportTraceServiceRequest and those that `normalizeTraces` will reject
 * (ids of the wrong length or all zero), without normalizing: enough to answer the exporter before storing.
 */
export function prescanTraces(decoded: unknown): { spans: number; rejected: number } {
  let spans = 0;
  let rejected = 0;
  const zero = (id: unknown, bytes: number) => {
    if (!(id instanceof Uint8Array) || id.length !== bytes) return true;
    for (let i = 0; i < id.length; i++) if (id[i] !== 0) return false;
    return true;
  };
  for (const rs of root(decoded, 'resourceSpans')) {
    if (!isRecord(rs)) continue;
    for (const ss of Array.isArray(rs.scopeSpans) ? rs.scopeSpans : []) {
      if (!isRecord(ss) || !Array.isArray(ss.spans)) continue;
      for (const s of ss.spans) {
        spans++;
        if (!isRecord(s) || zero(s.traceId, 16) || zero(s.spanId, 8)) rejected++;
      }
    }
  }
  return { spans, rejected };
}

/** Counts the log records of a decoded protobuf ExportLogsServiceRequest. */
export function prescanLogs(decoded: unknown): number {
  let records = 0;
  for (const rl of root(decoded, 'resourceLogs')) {
    if (!isRecord(rl)) continue;
    for (const sl of Array.isArray(rl.scopeLogs) ? rl.scopeLogs : []) {
      if (isRecord(sl) && Array.isArray(sl.logRecords)) records += sl.logRecords.length;
    }
  }
  return records;
}
