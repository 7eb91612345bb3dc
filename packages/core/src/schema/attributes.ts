import type { Attributes, AttributeValue } from '@opentelemetry/api';
import type { ErrorCategory, ErrorSeverity, LogLevel, LogRecord, SerializedError } from './log-record.js';

/**
 * The OpenTelemetry attribute name of every schema field, spelled once for all otelkit packages. Stable semantic
 * conventions where one exists (`service.name`, `exception.type`, `http.request.method`, …), `otelkit.*` otherwise.
 * `timestamp`, `level`, `message`, `trace_id` and `span_id` are not attributes: they are the OpenTelemetry log
 * record's own Timestamp, SeverityText, Body, TraceId and SpanId.
 */
export const ATTRIBUTE_NAMES = {
  service: 'service.name',
  version: 'service.version',
  environment: 'deployment.environment.name',
  host: 'host.name',
  correlation_id: 'otelkit.correlation_id',
  'error.type': 'exception.type',
  'error.message': 'exception.message',
  'error.stack_trace': 'exception.stacktrace',
  'error.fingerprint': 'otelkit.error.fingerprint',
  'error.severity': 'otelkit.error.severity',
  'error.category': 'otelkit.error.category',
  'error.retryable': 'otelkit.error.retryable',
  'error.code': 'otelkit.error.code',
  'error.cause': 'otelkit.error.cause',
  'user.id': 'user.id',
  'user.session_id': 'session.id',
  'request.method': 'http.request.method',
  'request.path': 'url.path',
  'request.route': 'http.route',
  'request.status_code': 'http.response.status_code',
  'request.duration_ms': 'otelkit.request.duration_ms',
} as const;

/** A schema field path that has an attribute name, such as `error.fingerprint`. */
export type SchemaField = keyof typeof ATTRIBUTE_NAMES;

/** Schema fields that describe the emitting service: OpenTelemetry puts them on the resource, not the record. */
export const RESOURCE_FIELDS: readonly SchemaField[] = ['service', 'version', 'environment', 'host'];

const FIELD_BY_ATTRIBUTE = new Map<string, SchemaField>(
  (Object.entries(ATTRIBUTE_NAMES) as [SchemaField, string][]).map(([field, attr]) => [attr, field]),
);

const SEVERITY_NUMBERS: Record<LogLevel, number> = { TRACE: 1, DEBUG: 5, INFO: 9, WARN: 13, ERROR: 17, FATAL: 21 };

/**
 * The OpenTelemetry SeverityNumber of a level (logs data model: TRACE=1, DEBUG=5, INFO=9, WARN=13, ERROR=17, FATAL=21).
 *
 * @example
 * ```ts
 * severityNumber('ERROR'); // 17
 * ```
 */
export function severityNumber(level: LogLevel): number {
  return SEVERITY_NUMBERS[level];
}

/** The schema level of an OpenTelemetry SeverityNumber (1–24); 0 or out of range gives `INFO`. */
export function levelFromSeverityNumber(severity: number): LogLevel {
  if (severity >= 21) return severity <= 24 ? 'FATAL' : 'INFO';
  if (severity >= 17) return 'ERROR';
  if (severity >= 13) return 'WARN';
  if (severity >= 9) return 'INFO';
  if (severity >= 5) return 'DEBUG';
  if (severity >= 1) return 'TRACE';
  return 'INFO';
}

/** Options of {@link toAttributes}. */
export interface ToAttributesOptions {
  /**
   * Include the resource fields (`service`, `version`, `environment`, `host`). Sinks that send a resource of their
   * own, such as an OTLP log exporter, turn this off.
   * @defaultValue true
   */
  includeResource?: boolean;
}

/**
 * Maps a log record (or part of one) to OpenTelemetry attributes. `context` entries keep their own key, nested
 * objects are flattened with dots, and values that are not attribute values are JSON-encoded.
 *
 * @example
 * ```ts
 * toAttributes({ request: { method: 'POST', path: '/charge', status_code: 402 } });
 * // { 'http.request.method': 'POST', 'url.path': '/charge', 'http.response.status_code': 402 }
 * ```
 */
export function toAttributes(record: Partial<LogRecord>, options: ToAttributesOptions = {}): Attributes {
  const out: Attributes = {};
  if (options.includeResource !== false) {
    put(out, 'service', record.service);
    put(out, 'version', record.version);
    put(out, 'environment', record.environment);
    put(out, 'host', record.host);
  }
  put(out, 'correlation_id', record.correlation_id);
  const error = record.error;
  if (error) {
    put(out, 'error.type', error.type);
    put(out, 'error.message', error.message);
    put(out, 'error.stack_trace', error.stack_trace);
    put(out, 'error.fingerprint', error.fingerprint);
    put(out, 'error.severity', error.severity);
    put(out, 'error.category', error.category);
    put(out, 'error.retryable', error.retryable);
    put(out, 'error.code', error.code);
    if (error.cause) out[ATTRIBUTE_NAMES['error.cause']] = safeJson(error.cause);
  }
  if (record.user) {
    put(out, 'user.id', record.user.id);
    put(out, 'user.session_id', record.user.session_id);
  }
  if (record.request) {
    put(out, 'request.method', record.request.method);
    put(out, 'request.path', record.request.path);
    put(out, 'request.route', record.request.route);
    put(out, 'request.status_code', record.request.status_code);
    put(out, 'request.duration_ms', record.request.duration_ms);
  }
  if (record.context) flattenInto(out, '', record.context, 0);
  return out;
}

/**
 * Maps OpenTelemetry attributes back to the fields of a log record: the inverse of {@link toAttributes}. Attributes
 * that are not schema fields land in `context` under their own key.
 */
export function fromAttributes(attributes: Attributes): Partial<LogRecord> {
  const record: Partial<LogRecord> = {};
  const error: Partial<SerializedError> = {};
  const user: Record<string, string> = {};
  const request: Record<string, string | number> = {};
  let context: Record<string, unknown> | undefined;
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined) continue;
    const field = FIELD_BY_ATTRIBUTE.get(name);
    if (field === undefined) {
      context ??= {};
      context[name] = value;
      continue;
    }
    const dot = field.indexOf('.');
    if (dot === -1) {
      (record as Record<string, unknown>)[field] = String(value);
      continue;
    }
    const group = field.slice(0, dot);
    const key = field.slice(dot + 1);
    if (group === 'error') {
      if (key === 'retryable') error.retryable = value === true || value === 'true';
      else if (key === 'cause') error.cause = parseJson(value) as SerializedError | undefined;
      else if (key === 'severity') error.severity = String(value) as ErrorSeverity;
      else if (key === 'category') error.category = String(value) as ErrorCategory;
      else (error as Record<string, unknown>)[key === 'stack_trace' ? 'stack_trace' : key] = String(value);
    } else if (group === 'user') {
      user[key] = String(value);
    } else if (group === 'request') {
      request[key] = key === 'status_code' || key === 'duration_ms' ? Number(value) : String(value);
    }
  }
  if (Object.keys(error).length > 0) record.error = error as SerializedError;
  if (user.id !== undefined) record.user = user as unknown as LogRecord['user'];
  if (request.method !== undefined || request.path !== undefined) {
    record.request = request as unknown as LogRecord['request'];
  }
  if (context) record.context = context;
  return record;
}

function put(out: Attributes, field: SchemaField, value: AttributeValue | undefined | null): void {
  if (value !== undefined && value !== null) out[ATTRIBUTE_NAMES[field]] = value;
}

const MAX_FLATTEN_DEPTH = 4;
const UNREADABLE = '[Unreadable]';

function flattenInto(out: Attributes, prefix: string, value: Record<string, unknown>, depth: number): void {
  let keys: string[];
  try {
    keys = Object.keys(value);
  } catch {
    // A Proxy or a host object that refuses to list its keys: one placeholder instead of an exception.
    out[prefix === '' ? 'context' : prefix] = UNREADABLE;
    return;
  }
  for (const key of keys) {
    const name = prefix === '' ? key : `${prefix}.${key}`;
    try {
      const v = value[key];
      if (v === undefined || v === null) continue;
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
        out[name] = v;
      } else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) {
        out[name] = v as string[];
      } else if (Array.isArray(v) && v.every((x) => typeof x === 'number')) {
        out[name] = v as number[];
      } else if (v instanceof Date) {
        out[name] = Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString();
      } else if (typeof v === 'object' && !Array.isArray(v) && depth < MAX_FLATTEN_DEPTH) {
        flattenInto(out, name, v as Record<string, unknown>, depth + 1);
      } else {
        out[name] = safeJson(v);
      }
    } catch {
      // Throwing getters and Proxy traps: attributes are built on the request path and must never throw.
      out[name] = UNREADABLE;
    }
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value);
  } catch {
    return '[Unserializable]';
  }
}

function parseJson(value: AttributeValue): unknown {
  if (typeof value !== 'string') return undefined;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}
