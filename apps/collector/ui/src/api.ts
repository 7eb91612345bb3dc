// Typed access to the collector's JSON API (same origin). The data is untrusted and its shape may drift, so every
// response goes through a normalizer that keeps what it recognises and fills the rest with safe defaults.
import { toEpochMs } from './time.js';

/** A JSON object as received; fields are read through the helpers below. */
export type Json = Record<string, unknown>;

/** Thrown by {@link getJson} for non-2xx answers; `status` 404 means "unknown id". */
export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

/** Builds `/api/<path>?…`, leaving out empty parameters. */
export function apiUrl(path: string, params: Record<string, string | number | undefined> = {}): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') search.set(key, String(value));
  }
  const query = search.toString();
  return `/api/${path}${query ? `?${query}` : ''}`;
}

async function request(url: string, signal?: AbortSignal): Promise<Response> {
  const response = await fetch(url, { signal, headers: { accept: 'application/json, text/markdown;q=0.9' } });
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      const body = (await response.json()) as unknown;
      const text = isObject(body) ? str(body.error) || str(body.message) : '';
      if (text) message = text;
    } catch {
      // Not JSON: keep the status line.
    }
    throw new ApiError(response.status, message);
  }
  return response;
}

/** GETs a JSON document. */
export async function getJson(url: string, signal?: AbortSignal): Promise<unknown> {
  return (await request(url, signal)).json();
}

/** GETs a text document (the Markdown report). */
export async function getText(url: string, signal?: AbortSignal): Promise<string> {
  return (await request(url, signal)).text();
}

// ---------------------------------------------------------------------------------------------------------------
// Field readers

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function obj(value: unknown): Json {
  return isObject(value) ? value : {};
}

export function str(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return '';
}

export function num(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

export function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return value ? [value] : [];
  return arr(value).map(str).filter(Boolean);
}

export function first(o: Json, ...keys: string[]): unknown {
  for (const key of keys) if (o[key] !== undefined && o[key] !== null) return o[key];
  return undefined;
}

/** Renders any attribute value as a short string (objects as compact JSON). */
export function display(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return '[unserializable]';
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Status and kind

export type SpanStatus = 'error' | 'ok' | 'unset';

export function normalizeStatus(raw: unknown): { code: SpanStatus; message: string } {
  if (isObject(raw)) {
    const { code } = normalizeStatus(first(raw, 'code', 'status_code', 'statusCode'));
    return { code, message: str(raw.message) };
  }
  if (typeof raw === 'number') return { code: raw === 2 ? 'error' : raw === 1 ? 'ok' : 'unset', message: '' };
  const s = str(raw).toLowerCase();
  if (s.includes('error') || s === '2') return { code: 'error', message: '' };
  if (s.includes('ok') || s === '1') return { code: 'ok', message: '' };
  return { code: 'unset', message: '' };
}

const KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];

export function normalizeKind(raw: unknown): string {
  if (typeof raw === 'number') return KINDS[raw] ?? 'unspecified';
  const s = str(raw)
    .toLowerCase()
    .replace(/^span_kind_/, '');
  return /^\d+$/.test(s) ? (KINDS[Number(s)] ?? 'unspecified') : s || 'unspecified';
}

/** Attributes may arrive as a plain object or as OTLP `[{ key, value: { stringValue } }]`. */
export function normalizeAttributes(raw: unknown): Json {
  if (isObject(raw)) return raw;
  const out: Json = {};
  for (const item of arr(raw)) {
    const o = obj(item);
    const key = str(o.key);
    if (key) out[key] = unwrapAnyValue(o.value);
  }
  return out;
}

function unwrapAnyValue(value: unknown): unknown {
  if (!isObject(value)) return value;
  for (const key of ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'bytesValue']) {
    if (key in value) return value[key];
  }
  if (isObject(value.arrayValue)) return arr(value.arrayValue.values).map(unwrapAnyValue);
  if (isObject(value.kvlistValue)) return normalizeAttributes(value.kvlistValue.values);
  return value;
}

// ---------------------------------------------------------------------------------------------------------------
// Traces

export interface TraceSummary {
  traceId: string;
  rootName: string;
  rootService: string;
  services: string[];
  startTime: number | undefined;
  durationMs: number | undefined;
  spanCount: number | undefined;
  errorCount: number | undefined;
  status: SpanStatus;
}

export function parseTraceList(raw: unknown): TraceSummary[] {
  const list = Array.isArray(raw) ? raw : arr(obj(raw).traces);
  return list.map((item) => {
    const t = obj(item);
    return {
      traceId: str(first(t, 'traceId', 'trace_id')),
      rootName: str(first(t, 'rootName', 'name')) || '(missing root span)',
      rootService: str(t.rootService),
      services: strings(first(t, 'services', 'service')),
      startTime: toEpochMs(first(t, 'startTime', 'start_time', 'startTimeUnixNano')),
      durationMs: num(first(t, 'durationMs', 'duration_ms')),
      spanCount: num(first(t, 'spanCount', 'span_count')),
      errorCount: num(t.errorCount),
      status: normalizeStatus(t.status).code,
    };
  });
}

export interface SpanEvent {
  name: string;
  time: number | undefined;
  attributes: Json;
}

export interface Span {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  service: string;
  kind: string;
  startTime: number;
  endTime: number;
  status: SpanStatus;
  statusMessage: string;
  attributes: Json;
  resource: Json;
  events: SpanEvent[];
}

export interface TraceDetail {
  traceId: string;
  spans: Span[];
  /** Error groups with an occurrence in this trace, when the server says so. */
  errorFingerprints: string[];
  /** Log records with this trace id, when the server says so. */
  logCount: number | undefined;
}

export function parseTrace(raw: unknown): TraceDetail {
  const t = obj(raw);
  const spans = arr(t.spans).map((item): Span => {
    const s = obj(item);
    const status = normalizeStatus(s.status);
    const startTime = toEpochMs(first(s, 'startTime', 'start_time', 'startTimeUnixNano')) ?? 0;
    const endTime = toEpochMs(first(s, 'endTime', 'end_time', 'endTimeUnixNano')) ?? startTime;
    const resource = normalizeAttributes(obj(s.resource).attributes ?? s.resource);
    return {
      traceId: str(first(s, 'traceId', 'trace_id')),
      spanId: str(first(s, 'spanId', 'span_id')),
      parentSpanId: str(first(s, 'parentSpanId', 'parent_span_id')),
      name: str(s.name) || '(unnamed)',
      service: str(s.service) || str(resource['service.name']) || 'unknown_service',
      kind: normalizeKind(s.kind),
      startTime,
      endTime: Math.max(endTime, startTime),
      status: status.code,
      statusMessage: status.message || str(s.statusMessage),
      attributes: normalizeAttributes(s.attributes),
      resource,
      events: arr(s.events).map((e) => {
        const ev = obj(e);
        return {
          name: str(ev.name) || '(event)',
          time: toEpochMs(first(ev, 'time', 'timestamp', 'timeUnixNano')),
          attributes: normalizeAttributes(ev.attributes),
        };
      }),
    };
  });
  return {
    traceId: str(first(t, 'traceId', 'trace_id')),
    spans,
    errorFingerprints: strings(t.errorFingerprints),
    logCount: num(t.logCount),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Logs (the core log schema)

export interface LogError {
  type: string;
  message: string;
  stack_trace: string;
  fingerprint: string;
  severity: string;
  category: string;
}

export interface LogRecord {
  key: string;
  timestamp: number | undefined;
  level: string;
  message: string;
  correlation_id: string;
  trace_id: string;
  span_id: string;
  service: string;
  environment: string;
  host: string;
  version: string;
  error: LogError | undefined;
  user: Json;
  request: Json;
  context: Json;
  raw: Json;
}

function parseError(raw: unknown): LogError | undefined {
  if (!isObject(raw)) return undefined;
  return {
    type: str(raw.type),
    message: str(raw.message),
    stack_trace: str(first(raw, 'stack_trace', 'stackTrace', 'stack')),
    fingerprint: str(raw.fingerprint),
    severity: str(raw.severity),
    category: str(raw.category),
  };
}

export function parseLogs(raw: unknown): LogRecord[] {
  const list = Array.isArray(raw) ? raw : arr(obj(raw).logs);
  // Keys from content, not position, so an expanded row stays expanded when live refresh brings newer records.
  const seen = new Map<string, number>();
  return list.map((item) => {
    const l = obj(item);
    const timestamp = toEpochMs(first(l, 'timestamp', 'time', 'timeUnixNano'));
    const base = `${str(l.timestamp)}|${str(l.trace_id)}|${str(l.span_id)}|${str(l.message).slice(0, 80)}`;
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return {
      key: n === 0 ? base : `${base}#${n}`,
      timestamp,
      level: (str(first(l, 'level', 'severityText')) || 'INFO').toUpperCase(),
      message: str(first(l, 'message', 'body')),
      correlation_id: str(l.correlation_id),
      trace_id: str(first(l, 'trace_id', 'traceId')),
      span_id: str(first(l, 'span_id', 'spanId')),
      service: str(l.service),
      environment: str(l.environment),
      host: str(l.host),
      version: str(l.version),
      error: parseError(l.error),
      user: obj(l.user),
      request: obj(l.request),
      context: obj(l.context),
      raw: l,
    };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Error groups

export interface ErrorGroup {
  fingerprint: string;
  type: string;
  message: string;
  count: number;
  firstSeen: number | undefined;
  lastSeen: number | undefined;
  services: string[];
  versions: string[];
  users: number | undefined;
  severity: string;
  category: string;
  sampleTraceId: string;
  /** Service version of the first occurrence, when known: a regression points at this release. */
  firstSeenVersion: string;
  /** Occurrences per source (`sentry`, `span`, `log`). */
  sources: Record<string, number>;
}

export function parseErrorGroup(raw: unknown): ErrorGroup {
  const g = obj(raw);
  const users = first(g, 'users', 'userCount', 'distinctUsers');
  return {
    fingerprint: str(g.fingerprint),
    type: str(g.type) || 'Error',
    message: str(g.message),
    count: num(g.count) ?? 0,
    firstSeen: toEpochMs(first(g, 'firstSeen', 'first_seen')),
    lastSeen: toEpochMs(first(g, 'lastSeen', 'last_seen')),
    services: strings(g.services),
    versions: strings(g.versions),
    users: Array.isArray(users) ? users.length : num(users),
    severity: str(g.severity),
    category: str(g.category),
    sampleTraceId: str(first(g, 'sampleTraceId', 'sample_trace_id', 'traceId')),
    firstSeenVersion: str(g.firstSeenVersion),
    sources: Object.fromEntries(
      Object.entries(obj(g.sources))
        .map(([k, v]) => [k, num(v) ?? 0] as const)
        .filter(([, v]) => v > 0),
    ),
  };
}

export function parseErrorGroups(raw: unknown): ErrorGroup[] {
  const list = Array.isArray(raw) ? raw : arr(obj(raw).groups);
  return list.map(parseErrorGroup);
}

export interface StackFrame {
  function: string;
  module: string;
  file: string;
  line: number | undefined;
  column: number | undefined;
  inApp: boolean | undefined;
}

export interface Breadcrumb {
  timestamp: number | undefined;
  category: string;
  level: string;
  message: string;
  data: Json;
}

/** What the error detail page shows; built from `/api/errors/:fingerprint` or, without it, from the logs. */
export interface ErrorSample {
  type: string;
  message: string;
  stackTrace: string;
  frames: StackFrame[];
  breadcrumbs: Breadcrumb[];
  traceId: string;
  timestamp: number | undefined;
  tags: Json;
  user: Json;
  release: string;
  environment: string;
}

function parseFrames(raw: unknown): StackFrame[] {
  // Sentry lists frames oldest first; show the most recent call first, like a stack trace.
  return arr(raw)
    .map((item) => {
      const f = obj(item);
      return {
        function: str(first(f, 'function', 'func')),
        module: str(first(f, 'module', 'package')),
        file: str(first(f, 'filename', 'abs_path', 'file')),
        line: num(first(f, 'lineno', 'line')),
        column: num(first(f, 'colno', 'column')),
        inApp: typeof f.in_app === 'boolean' ? f.in_app : undefined,
      };
    })
    .reverse();
}

function parseBreadcrumbs(raw: unknown): Breadcrumb[] {
  const list = Array.isArray(raw) ? raw : arr(obj(raw).values);
  return list.map((item) => {
    const b = obj(item);
    return {
      timestamp: toEpochMs(b.timestamp),
      category: str(first(b, 'category', 'type')),
      level: str(b.level),
      message: str(b.message),
      data: obj(b.data),
    };
  });
}

/** Accepts a Sentry event, a core log record, or a wrapper around either. */
export function parseErrorSample(raw: unknown): ErrorSample | undefined {
  if (!isObject(raw)) return undefined;
  const exceptions = arr(obj(raw.exception).values ?? raw.exception);
  const exception = obj(exceptions[exceptions.length - 1]);
  const logError = obj(raw.error);
  const contexts = obj(raw.contexts);
  const tags = Array.isArray(raw.tags) ? Object.fromEntries(arr(raw.tags).map((t) => arr(t))) : obj(raw.tags);
  const traceId =
    str(first(raw, 'traceId', 'trace_id')) ||
    str(obj(contexts.trace).trace_id) ||
    str(tags.trace_id) ||
    str(tags['trace.id']);
  return {
    type: str(exception.type) || str(logError.type) || str(raw.type),
    message: str(exception.value) || str(logError.message) || str(raw.message),
    stackTrace:
      str(first(logError, 'stack_trace', 'stackTrace')) || str(first(raw, 'stack_trace', 'stackTrace', 'stack')),
    frames: parseFrames(obj(exception.stacktrace).frames ?? raw.frames),
    breadcrumbs: parseBreadcrumbs(raw.breadcrumbs),
    traceId,
    timestamp: toEpochMs(first(raw, 'timestamp', 'time')),
    tags,
    user: isObject(raw.user) ? raw.user : str(raw.userId) ? { id: str(raw.userId) } : {},
    release: str(first(raw, 'release', 'version')),
    environment: str(raw.environment),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// RED metrics

export interface RedPoint {
  t: number;
  rate: number | undefined;
  errorRatio: number | undefined;
  p50: number | undefined;
  p95: number | undefined;
  p99: number | undefined;
}

export interface RedRow {
  service: string;
  route: string;
  /** Where the numbers come from: `spans` (SERVER spans) or `metrics` (received duration histograms). */
  source: string;
  rate: number | undefined;
  count: number | undefined;
  errors: number | undefined;
  errorRatio: number | undefined;
  p50: number | undefined;
  p95: number | undefined;
  p99: number | undefined;
  series: RedPoint[];
}

function parseRedPoint(raw: unknown, bucketMs: number | undefined): RedPoint | undefined {
  if (Array.isArray(raw)) {
    const t = toEpochMs(raw[0]);
    if (t === undefined) return undefined;
    return { t, rate: num(raw[1]), errorRatio: num(raw[2]), p50: num(raw[3]), p95: num(raw[4]), p99: num(raw[5]) };
  }
  const p = obj(raw);
  const t = toEpochMs(first(p, 't', 'time', 'timestamp', 'start', 'bucketStart'));
  if (t === undefined) return undefined;
  const count = num(first(p, 'count', 'requests', 'total'));
  // An empty bucket has no error ratio (0 of 0 is not "no errors"); leave a gap rather than draw a zero.
  const empty = count === 0;
  return {
    t,
    rate:
      num(first(p, 'rate', 'ratePerSec', 'rps')) ??
      (count !== undefined && bucketMs ? count / (bucketMs / 1000) : undefined),
    errorRatio: empty ? undefined : ratio(p),
    p50: num(first(p, 'p50', 'p50Ms')),
    p95: num(first(p, 'p95', 'p95Ms')),
    p99: num(first(p, 'p99', 'p99Ms')),
  };
}

function ratio(o: Json): number | undefined {
  const direct = num(first(o, 'errorRatio', 'error_ratio', 'errorRate'));
  if (direct !== undefined) return direct;
  const count = num(first(o, 'count', 'requests', 'total'));
  const errors = num(first(o, 'errors', 'errorCount'));
  return count && errors !== undefined ? errors / count : undefined;
}

function parseSeries(raw: unknown, bucketMs: number | undefined): RedPoint[] {
  return arr(raw)
    .map((p) => parseRedPoint(p, bucketMs))
    .filter((p): p is RedPoint => p !== undefined)
    .sort((a, b) => a.t - b.t);
}

function parseRedRow(raw: unknown, service: string): RedRow {
  const r = obj(raw);
  const latency = obj(first(r, 'latency', 'duration', 'latencyMs'));
  return {
    service: str(first(r, 'service', 'serviceName')) || service,
    route: str(first(r, 'route', 'name', 'operation', 'http.route')),
    source: str(r.source),
    rate: num(first(r, 'rate', 'ratePerSec', 'rps', 'requestsPerSecond')),
    count: num(first(r, 'count', 'requests', 'total')),
    errors: num(first(r, 'errors', 'errorCount')),
    errorRatio: ratio(r),
    p50: num(first(r, 'p50', 'p50Ms')) ?? num(latency.p50),
    p95: num(first(r, 'p95', 'p95Ms')) ?? num(latency.p95),
    p99: num(first(r, 'p99', 'p99Ms')) ?? num(latency.p99),
    series: parseSeries(first(r, 'series', 'timeseries', 'timeSeries', 'buckets', 'points'), num(r.bucketMs)),
  };
}

export interface RedService extends RedRow {
  routes: RedRow[];
  /** True when the service totals were summed here from its routes (percentiles are then the slowest route's). */
  fromRoutes: boolean;
}

function sum(values: Array<number | undefined>): number | undefined {
  const known = values.filter((v): v is number => v !== undefined);
  return known.length > 0 ? known.reduce((a, b) => a + b, 0) : undefined;
}

function max(values: Array<number | undefined>): number | undefined {
  const known = values.filter((v): v is number => v !== undefined);
  return known.length > 0 ? Math.max(...known) : undefined;
}

/** Service totals from route rows; prefers span-derived rows so a route measured twice is not counted twice. */
function totalsFromRoutes(routes: RedRow[]): Partial<RedRow> {
  const fromSpans = routes.filter((r) => r.source === 'spans');
  const rows = fromSpans.length > 0 ? fromSpans : routes;
  const count = sum(rows.map((r) => r.count));
  const errors = sum(
    rows.map(
      (r) => r.errors ?? (r.errorRatio !== undefined && r.count !== undefined ? r.errorRatio * r.count : undefined),
    ),
  );
  return {
    count,
    errors,
    errorRatio: count ? (errors ?? 0) / count : undefined,
    rate: sum(rows.map((r) => r.rate)),
    p50: max(rows.map((r) => r.p50)),
    p95: max(rows.map((r) => r.p95)),
    p99: max(rows.map((r) => r.p99)),
  };
}

/**
 * Accepts the collector's `{ red: [{ service, route, source, … }], series: [{ service, bucketMs, points }] }`, as well
 * as `{ services: [{ service, …, routes, series }] }` or a flat array. Rows without a route are service totals.
 */
export function parseRed(raw: unknown): RedService[] {
  const o = obj(raw);
  const list = Array.isArray(raw) ? raw : arr(first(o, 'services', 'red', 'rows', 'routes'));
  const byService = new Map<string, RedService>();
  const ensure = (service: string): RedService => {
    let entry = byService.get(service);
    if (!entry) {
      entry = { ...parseRedRow({}, service), routes: [], fromRoutes: true };
      byService.set(service, entry);
    }
    return entry;
  };
  for (const item of list) {
    const row = parseRedRow(item, '');
    const service = row.service || 'unknown_service';
    const nested = arr(obj(item).routes);
    if (row.route && nested.length === 0) {
      ensure(service).routes.push(row);
    } else {
      const entry = ensure(service);
      Object.assign(entry, { ...row, service, route: '', fromRoutes: false });
      entry.routes.push(...nested.map((r) => parseRedRow(r, service)));
    }
  }
  for (const item of arr(o.series)) {
    const s = obj(item);
    const service = str(first(s, 'service', 'serviceName'));
    if (!service) continue;
    ensure(service).series = parseSeries(first(s, 'points', 'series', 'buckets'), num(s.bucketMs));
  }
  for (const entry of byService.values()) {
    if (entry.fromRoutes && entry.routes.length > 0) Object.assign(entry, totalsFromRoutes(entry.routes));
  }
  return [...byService.values()];
}

// ---------------------------------------------------------------------------------------------------------------
// Services and collector statistics

export interface ServiceSummary {
  name: string;
  versions: string[];
  environments: string[];
  firstSeen: number | undefined;
  lastSeen: number | undefined;
  spans: number | undefined;
  logs: number | undefined;
  errors: number | undefined;
  requests: number | undefined;
  failedRequests: number | undefined;
  errorRatio: number | undefined;
  errorGroups: number | undefined;
}

export function parseServices(raw: unknown): ServiceSummary[] {
  const list = Array.isArray(raw) ? raw : arr(obj(raw).services);
  return list
    .map((item) => {
      const s = obj(item);
      return {
        name: str(first(s, 'name', 'service')),
        versions: arr(s.versions)
          .map((v) => (isObject(v) ? str(v.version) : str(v)))
          .filter(Boolean),
        environments: strings(s.environments),
        firstSeen: toEpochMs(s.firstSeen),
        lastSeen: toEpochMs(s.lastSeen),
        spans: num(s.spans),
        logs: num(s.logs),
        errors: num(s.errors),
        requests: num(s.requests),
        failedRequests: num(s.failedRequests),
        errorRatio: num(s.errorRatio),
        errorGroups: num(s.errorGroups),
      };
    })
    .filter((s) => s.name);
}

export interface CollectorStats {
  stored: Record<string, number>;
  evicted: Record<string, number>;
  startedAt: number | undefined;
}

function counts(value: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(obj(value))) {
    const n = num(v);
    if (n !== undefined) out[k] = n;
  }
  return out;
}

export function parseStats(raw: unknown): CollectorStats {
  const o = obj(raw);
  return { stored: counts(o.stored), evicted: counts(o.evicted), startedAt: toEpochMs(o.startedAt) };
}

/** One stored occurrence of an error (from `/api/errors/:fingerprint`). */
export interface ErrorOccurrence {
  timestamp: number | undefined;
  source: string;
  service: string;
  version: string;
  traceId: string;
  spanId: string;
  userId: string;
  message: string;
}

export function parseOccurrences(raw: unknown): ErrorOccurrence[] {
  return arr(raw).map((item) => {
    const e = obj(item);
    return {
      timestamp: toEpochMs(e.timestamp),
      source: str(e.source),
      service: str(e.service),
      version: str(e.version),
      traceId: str(first(e, 'traceId', 'trace_id')),
      spanId: str(first(e, 'spanId', 'span_id')),
      userId: str(first(e, 'userId', 'user_id')),
      message: str(e.message),
    };
  });
}
