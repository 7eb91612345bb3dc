import { randomUUID } from 'node:crypto';
import { deriveFingerprint, type FrameIdentity } from '../errors/fingerprint.js';
import { ATTRIBUTE_NAMES } from '../internal/attribute-names.js';
import { isoFromMs, isRecord } from '../otlp/values.js';
import type {
  Attributes,
  AttributeValue,
  Breadcrumb,
  ErrorEvent,
  SpanKindName,
  StatusName,
  StoredSpan,
} from '../store/types.js';

const HEX32 = /^[0-9a-f]{32}$/i;
const HEX16 = /^[0-9a-f]{16}$/i;

type Obj = Record<string, unknown>;

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined;
}

function obj(value: unknown): Obj {
  return isRecord(value) ? value : {};
}

/** Sentry timestamps are seconds (float) or RFC 3339 strings. */
function timeMs(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value * 1000;
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isFinite(ms) ? ms : undefined;
  }
  return undefined;
}

function nanos(ms: number): string {
  return `${Math.max(0, Math.round(ms * 1000))}000`;
}

/** Tags arrive as an object or as `[key, value]` pairs; values are stringified. At most 100. */
function tagsOf(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const entries = Array.isArray(value)
    ? value.filter((p): p is [unknown, unknown] => Array.isArray(p) && p.length === 2)
    : Object.entries(obj(value));
  for (const [k, v] of entries.slice(0, 100)) {
    if (typeof k === 'string' && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) {
      out[k] = String(v);
    }
  }
  return out;
}

function json(value: unknown, depth = 0): AttributeValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (depth > 6) return null;
  if (Array.isArray(value)) return value.slice(0, 100).map((v) => json(v, depth + 1));
  if (isRecord(value)) {
    const out: Attributes = {};
    for (const [k, v] of Object.entries(value).slice(0, 200)) out[k] = json(v, depth + 1);
    return out;
  }
  return null;
}

interface Identity {
  service: string;
  version?: string;
  environment?: string;
}

/** Which service sent the event: an explicit tag or the OpenTelemetry resource, else the server name. */
function identityOf(event: Obj, tags: Record<string, string>): Identity {
  const contexts = obj(event.contexts);
  const resource = obj(obj(contexts.otel).resource);
  const release = str(event.release);
  const releaseName = release?.includes('@') ? release.slice(0, release.lastIndexOf('@')) : undefined;
  const service =
    tags[ATTRIBUTE_NAMES.service] ??
    tags.service ??
    str(resource[ATTRIBUTE_NAMES.service]) ??
    releaseName ??
    str(event.server_name);
  const version =
    tags[ATTRIBUTE_NAMES.version] ??
    str(resource[ATTRIBUTE_NAMES.version]) ??
    (release?.includes('@') ? release.slice(release.lastIndexOf('@') + 1) : release);
  const identity: Identity = { service: service ?? 'unknown_service' };
  if (version) identity.version = version;
  const environment = str(event.environment) ?? tags[ATTRIBUTE_NAMES.environment];
  if (environment) identity.environment = environment;
  return identity;
}

interface Frame {
  filename?: string;
  module?: string;
  function?: string;
  lineno?: number;
  colno?: number;
  in_app?: boolean;
}

function framesOf(exception: Obj): Frame[] {
  const frames = obj(exception.stacktrace).frames;
  return Array.isArray(frames)
    ? frames
        .slice(-200)
        .filter(isRecord)
        .map((f) => f as Frame)
    : [];
}

/** Renders Sentry frames (oldest first) as a V8-style stack, newest first. */
function stackText(type: string, message: string, frames: Frame[]): string | undefined {
  if (frames.length === 0) return undefined;
  const lines = [`${type}: ${message}`];
  for (const f of [...frames].reverse()) {
    const where = `${f.filename ?? f.module ?? '?'}:${f.lineno ?? 0}:${f.colno ?? 0}`;
    lines.push(f.function ? `    at ${f.function} (${where})` : `    at ${where}`);
  }
  return lines.join('\n');
}

function messageOf(event: Obj): string {
  if (typeof event.message === 'string') return event.message;
  const m = obj(event.message);
  const logentry = obj(event.logentry);
  return str(m.formatted) ?? str(m.message) ?? str(logentry.formatted) ?? str(logentry.message) ?? '';
}

function breadcrumbsOf(value: unknown): Breadcrumb[] {
  const list = Array.isArray(value) ? value : obj(value).values;
  if (!Array.isArray(list)) return [];
  return list
    .slice(-100)
    .filter(isRecord)
    .map((b) => {
      const crumb: Breadcrumb = {};
      const t = timeMs(b.timestamp);
      if (t !== undefined) crumb.timestamp = isoFromMs(t);
      for (const key of ['type', 'category', 'level', 'message'] as const) {
        const v = str(b[key]);
        if (v) crumb[key] = v;
      }
      if (isRecord(b.data)) crumb.data = json(b.data) as Attributes;
      return crumb;
    });
}

/**
 * Converts a Sentry error event to an error occurrence. The fingerprint is the event's own when it is a single
 * value other than `{{ default }}`; otherwise it is derived from type, normalized message and in-app frames.
 */
export function errorFromSentryEvent(event: Obj, envelopeEventId?: string): ErrorEvent {
  const tags = tagsOf(event.tags);
  const identity = identityOf(event, tags);
  const contexts = obj(event.contexts);
  const trace = obj(contexts.trace);
  const values = obj(event.exception).values;
  const exceptions = Array.isArray(values) ? values.filter(isRecord) : [];
  const main = exceptions[exceptions.length - 1];
  const type = (main && str(main.type)) ?? (main ? 'Error' : 'Message');
  const message = (main && str(main.value)) ?? messageOf(event);
  const frames = main ? framesOf(main) : [];

  const given = Array.isArray(event.fingerprint) ? event.fingerprint.filter((f) => typeof f === 'string') : [];
  const custom = given.filter((f) => f !== '{{ default }}' && f !== '{{default}}');
  let fingerprint: string;
  let derived = false;
  if (custom.length > 0 && custom.length === given.length) {
    fingerprint = custom.join(' ').slice(0, 200);
  } else {
    const identities: FrameIdentity[] = frames.map((f) => {
      const id: FrameIdentity = {};
      const module = f.module ?? f.filename;
      if (module) id.module = module;
      if (f.function) id.function = f.function;
      if (typeof f.in_app === 'boolean') id.inApp = f.in_app;
      return id;
    });
    fingerprint = deriveFingerprint(type, `${message}${custom.length ? ` ${custom.join(' ')}` : ''}`, identities);
    derived = true;
  }

  const t = timeMs(event.timestamp) ?? Date.now();
  const occurrence: ErrorEvent = {
    eventId: str(event.event_id) ?? envelopeEventId ?? randomUUID().replaceAll('-', ''),
    fingerprint,
    fingerprintDerived: derived,
    source: 'sentry',
    timestamp: isoFromMs(t),
    type,
    message,
    service: identity.service,
    tags,
    breadcrumbs: breadcrumbsOf(event.breadcrumbs),
  };
  const stack = stackText(type, message, frames);
  if (stack) occurrence.stackTrace = stack;
  const level = str(event.level);
  if (level) occurrence.level = level;
  if (identity.version) occurrence.version = identity.version;
  if (identity.environment) occurrence.environment = identity.environment;
  const traceId = str(trace.trace_id);
  if (traceId && HEX32.test(traceId)) occurrence.traceId = traceId.toLowerCase();
  const spanId = str(trace.span_id);
  if (spanId && HEX16.test(spanId)) occurrence.spanId = spanId.toLowerCase();
  const otelkit = obj(contexts.otelkit);
  const correlationId = tags[ATTRIBUTE_NAMES.correlation_id] ?? tags.correlation_id ?? str(otelkit.correlation_id);
  if (correlationId) occurrence.correlationId = correlationId;
  const user = obj(event.user);
  const userId = str(user.id) ?? str(user.username) ?? str(user.email) ?? tags[ATTRIBUTE_NAMES['user.id']];
  if (userId) occurrence.userId = userId;
  const severity = tags[ATTRIBUTE_NAMES['error.severity']] ?? tags['error.severity'] ?? str(otelkit.severity);
  if (severity) occurrence.severity = severity;
  const category = tags[ATTRIBUTE_NAMES['error.category']] ?? tags['error.category'] ?? str(otelkit.category);
  if (category) occurrence.category = category;
  const retryable = tags[ATTRIBUTE_NAMES['error.retryable']] ?? tags['error.retryable'] ?? otelkit.retryable;
  if (retryable === 'true' || retryable === true) occurrence.retryable = true;
  if (retryable === 'false' || retryable === false) occurrence.retryable = false;
  return occurrence;
}

function statusOf(value: unknown): StatusName {
  const s = str(value);
  if (!s) return 'unset';
  return s === 'ok' ? 'ok' : 'error';
}

function kindOf(op: string | undefined, root: boolean): SpanKindName {
  if (!op) return root ? 'server' : 'internal';
  if (op.startsWith('http.server') || op === 'http') return 'server';
  if (op.startsWith('http.client') || op.startsWith('db') || op.startsWith('cache')) return 'client';
  if (op.startsWith('queue.publish')) return 'producer';
  if (op.startsWith('queue.process')) return 'consumer';
  return root ? 'server' : 'internal';
}

function sentrySpan(
  s: Obj,
  fallbackTraceId: string,
  identity: Identity,
  tags: Record<string, string>,
  root: boolean,
  name: string,
): StoredSpan | undefined {
  const traceId = (str(s.trace_id) ?? fallbackTraceId).toLowerCase();
  const spanId = (str(s.span_id) ?? '').toLowerCase();
  if (!HEX32.test(traceId) || !HEX16.test(spanId)) return undefined;
  const start = timeMs(s.start_timestamp) ?? Date.now();
  const end = Math.max(start, timeMs(s.timestamp) ?? start);
  const parent = str(s.parent_span_id);
  const op = str(s.op);
  const resource: Attributes = { [ATTRIBUTE_NAMES.service]: identity.service };
  if (identity.version) resource[ATTRIBUTE_NAMES.version] = identity.version;
  if (identity.environment) resource[ATTRIBUTE_NAMES.environment] = identity.environment;
  const attributes: Attributes = { ...(json(obj(s.data)) as Attributes) };
  for (const [k, v] of Object.entries({ ...tags, ...tagsOf(s.tags) })) attributes[k] ??= v;
  if (op) attributes['sentry.op'] = op;
  return {
    traceId,
    spanId,
    parentSpanId: parent && HEX16.test(parent) ? parent.toLowerCase() : null,
    name: name || op || 'span',
    service: identity.service,
    kind: kindOf(op, root),
    startTimeUnixNano: nanos(start),
    endTimeUnixNano: nanos(end),
    durationMs: end - start,
    status: statusOf(s.status),
    statusMessage: str(s.status) && s.status !== 'ok' ? String(s.status) : '',
    attributes,
    events: [],
    links: [],
    resource,
    scope: { name: 'sentry', version: '' },
    source: 'sentry',
  };
}

/** Converts a Sentry transaction event to spans (its root span from `contexts.trace`, plus its child spans). */
export function spansFromSentryTransaction(event: Obj): { spans: StoredSpan[]; rejected: number } {
  const tags = tagsOf(event.tags);
  const identity = identityOf(event, tags);
  const trace = obj(obj(event.contexts).trace);
  const traceId = str(trace.trace_id) ?? '';
  const spans: StoredSpan[] = [];
  let rejected = 0;
  const root = sentrySpan(
    { ...trace, start_timestamp: event.start_timestamp, timestamp: event.timestamp },
    traceId,
    identity,
    tags,
    true,
    str(event.transaction) ?? '',
  );
  if (root) spans.push(root);
  else rejected++;
  const children = Array.isArray(event.spans) ? event.spans.slice(0, 5000) : [];
  for (const child of children) {
    const s = isRecord(child)
      ? sentrySpan(child, traceId, identity, {}, false, str(child.description) ?? '')
      : undefined;
    if (s) spans.push(s);
    else rejected++;
  }
  return { spans, rejected };
}

/** A Sentry v2 span attribute is `{ value, type }`; plain values are accepted too. */
function typedAttributes(value: unknown): Attributes {
  const out: Attributes = {};
  for (const [key, raw] of Object.entries(obj(value)).slice(0, 500)) {
    out[key] = json(isRecord(raw) && 'value' in raw ? raw.value : raw);
  }
  return out;
}

/**
 * Converts a Sentry `span` envelope item to spans: span streaming v2 (`{ version: 2, items: [...] }`, typed
 * attributes, `end_timestamp`) or a single standalone span (`data`, `timestamp`).
 */
export function spansFromSentrySpanItem(payload: Obj): { spans: StoredSpan[]; rejected: number } {
  const list = Array.isArray(payload.items) ? payload.items.slice(0, 5000) : [payload];
  const spans: StoredSpan[] = [];
  let rejected = 0;
  for (const raw of list) {
    if (!isRecord(raw)) {
      rejected++;
      continue;
    }
    const attributes =
      raw.attributes !== undefined ? typedAttributes(raw.attributes) : (json(obj(raw.data)) as Attributes);
    const str2 = (key: string) => (typeof attributes[key] === 'string' ? (attributes[key] as string) : undefined);
    const tags: Record<string, string> = {};
    const service = str2(ATTRIBUTE_NAMES.service);
    if (service) tags[ATTRIBUTE_NAMES.service] = service;
    const identity = identityOf(
      { release: str2('sentry.release'), environment: str2('sentry.environment'), server_name: str2('server.address') },
      tags,
    );
    const shaped: Obj = {
      trace_id: raw.trace_id,
      span_id: raw.span_id,
      parent_span_id: raw.parent_span_id,
      start_timestamp: raw.start_timestamp,
      timestamp: raw.end_timestamp ?? raw.timestamp,
      status: raw.status,
      op: raw.op ?? str2('sentry.op'),
      data: attributes,
    };
    const root = raw.is_segment === true || !str(raw.parent_span_id);
    const span = sentrySpan(shaped, '', identity, {}, root, str(raw.name) ?? str(raw.description) ?? '');
    if (span) spans.push(span);
    else rejected++;
  }
  return { spans, rejected };
}
