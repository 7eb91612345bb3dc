import { type SerializedError, serializeError } from '@otelkit/core';
import type { FieldRedactor } from './field-redactor.js';

/**
 * The part of a record a log call contributes (everything but timestamp, level, message and the resource, which pino
 * writes from its level cache, timestamp function and base bindings). Always created with every key, in one order,
 * so that every record object shares one hidden class; pino skips the `undefined` ones.
 */
export interface RecordFields {
  correlation_id: string | undefined;
  trace_id: string | undefined;
  span_id: string | undefined;
  user: { id: string; session_id?: string } | undefined;
  error: SerializedError | undefined;
  request: Record<string, unknown> | undefined;
  context: Record<string, unknown> | undefined;
}

export function emptyFields(): RecordFields {
  return {
    correlation_id: undefined,
    trace_id: undefined,
    span_id: undefined,
    user: undefined,
    error: undefined,
    request: undefined,
    context: undefined,
  };
}

const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const INVALID_TRACE_ID = '00000000000000000000000000000000';
const INVALID_SPAN_ID = '0000000000000000';
const SEVERITIES = new Set(['critical', 'high', 'medium', 'low']);
const CATEGORIES = new Set(['runtime', 'logic', 'integration', 'performance', 'configuration', 'security']);

// One-entry caches: the same ids recur across the records of one request or span.
let lastTraceId = '';
let lastSpanId = '';

export function isTraceId(value: unknown): value is string {
  if (value === lastTraceId) return true;
  if (typeof value !== 'string' || value === INVALID_TRACE_ID || !TRACE_ID.test(value)) return false;
  lastTraceId = value;
  return true;
}

export function isSpanId(value: unknown): value is string {
  if (value === lastSpanId) return true;
  if (typeof value !== 'string' || value === INVALID_SPAN_ID || !SPAN_ID.test(value)) return false;
  lastSpanId = value;
  return true;
}

export function isCorrelationId(value: unknown): value is string {
  return typeof value === 'string' && CORRELATION_ID.test(value);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  try {
    const proto = Object.getPrototypeOf(value);
    return proto === Object.prototype || proto === null;
  } catch {
    return false; // a Proxy whose getPrototypeOf trap throws
  }
}

/** True for real errors, including ones from another realm. */
export function isError(value: unknown): value is Error {
  try {
    return value instanceof Error || Object.prototype.toString.call(value) === '[object Error]';
  } catch {
    return false;
  }
}

/**
 * A correlation id that survives redaction unchanged, or undefined (the caller then files it under `context`). The
 * last accepted id is remembered per redactor: the records of one request repeat it.
 */
export function correlationField(value: unknown, fields: FieldRedactor): string | undefined {
  if (fields.lastCorrelationId !== undefined && value === fields.lastCorrelationId) return fields.lastCorrelationId;
  if (!isCorrelationId(value) || fields.string(value) !== value) return undefined;
  fields.lastCorrelationId = value;
  return value;
}

/** `{ id, session_id? }` when the value has exactly that shape (ids may be numbers); otherwise undefined. */
export function userField(value: unknown, fields: FieldRedactor): RecordFields['user'] {
  if (!isPlainObject(value)) return undefined;
  let id: unknown;
  let session: unknown;
  try {
    for (const key in value) {
      if (key === 'id') id = value.id;
      else if (key === 'session_id') session = value.session_id;
      else if (Object.hasOwn(value, key)) return undefined;
    }
  } catch {
    return undefined; // a throwing getter: the whole value goes to `context`, where the redactor copes
  }
  if (typeof id === 'number' && Number.isFinite(id)) id = String(id);
  if (typeof session === 'number' && Number.isFinite(session)) session = String(session);
  if (typeof id !== 'string') return undefined;
  const rid = fields.string(id);
  if (session === undefined) return rid === value.id ? (value as { id: string }) : { id: rid };
  if (typeof session !== 'string') return undefined;
  const rsession = fields.string(session);
  if (rid === value.id && rsession === value.session_id) return value as { id: string; session_id: string };
  return { id: rid, session_id: rsession };
}

/**
 * The schema's request (`method`, `path`, optional `route`, `status_code`, `duration_ms`) when the value has that
 * shape, redacted; otherwise undefined. The query string never stays in `path`.
 */
export function requestField(value: unknown, fields: FieldRedactor): Record<string, unknown> | undefined {
  if (!isPlainObject(value)) return undefined;
  let method: unknown;
  let path: unknown;
  let route: unknown;
  let status: unknown;
  let duration: unknown;
  try {
    for (const key in value) {
      const v = value[key];
      switch (key) {
        case 'method':
          method = v;
          break;
        case 'path':
          path = v;
          break;
        case 'route':
          route = v;
          break;
        case 'status_code':
          status = v;
          break;
        case 'duration_ms':
          duration = v;
          break;
        default:
          if (Object.hasOwn(value, key)) return undefined;
      }
    }
  } catch {
    return undefined;
  }
  if (typeof method !== 'string' || typeof path !== 'string') return undefined;
  if (route !== undefined && typeof route !== 'string') return undefined;
  if (
    status !== undefined &&
    !(typeof status === 'number' && Number.isInteger(status) && status >= 100 && status <= 599)
  ) {
    return undefined;
  }
  if (
    duration !== undefined &&
    !(typeof duration === 'number' && duration >= 0 && duration !== Number.POSITIVE_INFINITY)
  ) {
    return undefined;
  }
  const q = path.indexOf('?');
  const rmethod = fields.string(method);
  const rpath = fields.string(q === -1 ? path : path.slice(0, q));
  const rroute = route === undefined ? undefined : fields.string(route);
  if (rmethod === method && rpath === path && rroute === route) return value;
  return { method: rmethod, path: rpath, route: rroute, status_code: status, duration_ms: duration };
}

/** The schema's error from anything: a thrown value, or an object that already has the serialized shape. */
export function errorField(value: unknown, fields: FieldRedactor, maxStringLength: number): SerializedError {
  if (isPlainObject(value)) {
    const shaped = serializedShape(value, fields, 0);
    if (shaped !== undefined) return shaped;
  }
  const serialized = serializeError(value, { maxMessageLength: maxStringLength, maxStackLength: maxStringLength * 2 });
  return fields.value(serialized) as SerializedError;
}

/**
 * A redacted copy in one fixed shape when the object already is a serialized error (`retryable` may be missing: it
 * becomes false); otherwise undefined.
 */
function serializedShape(
  value: Record<string, unknown>,
  fields: FieldRedactor,
  depth: number,
): SerializedError | undefined {
  if (depth > 5) return undefined;
  let type: unknown;
  let message: unknown;
  let stack: unknown;
  let fp: unknown;
  let severity: unknown;
  let category: unknown;
  let retryable: unknown;
  let code: unknown;
  let cause: unknown;
  try {
    for (const key in value) {
      const v = value[key];
      switch (key) {
        case 'type':
          type = v;
          break;
        case 'message':
          message = v;
          break;
        case 'stack_trace':
          stack = v;
          break;
        case 'fingerprint':
          fp = v;
          break;
        case 'severity':
          severity = v;
          break;
        case 'category':
          category = v;
          break;
        case 'retryable':
          retryable = v;
          break;
        case 'code':
          code = v;
          break;
        case 'cause':
          cause = v;
          break;
        default:
          if (Object.hasOwn(value, key)) return undefined;
      }
    }
  } catch {
    return undefined;
  }
  if (typeof type !== 'string' || typeof message !== 'string' || typeof fp !== 'string' || fp === '') return undefined;
  if (!SEVERITIES.has(severity as string) || !CATEGORIES.has(category as string)) return undefined;
  if (retryable !== undefined && typeof retryable !== 'boolean') return undefined;
  if (stack !== undefined && typeof stack !== 'string') return undefined;
  if (code !== undefined && typeof code !== 'string') return undefined;
  let rcause: SerializedError | undefined;
  if (cause !== undefined) {
    if (!isPlainObject(cause)) return undefined;
    rcause = serializedShape(cause, fields, depth + 1);
    if (rcause === undefined) return undefined;
  }
  // Only defined keys, in the schema's order: JSON.stringify is measurably faster without `undefined` members.
  const rtype = fields.string(type);
  const rmessage = fields.string(message);
  const rfp = fields.string(fp);
  const sev = severity as SerializedError['severity'];
  const cat = category as SerializedError['category'];
  const retry = retryable === true;
  const out: SerializedError =
    stack === undefined
      ? { type: rtype, message: rmessage, fingerprint: rfp, severity: sev, category: cat, retryable: retry }
      : {
          type: rtype,
          message: rmessage,
          stack_trace: fields.string(stack),
          fingerprint: rfp,
          severity: sev,
          category: cat,
          retryable: retry,
        };
  if (code !== undefined) out.code = fields.string(code);
  if (rcause !== undefined) out.cause = rcause;
  return out;
}

/** A Node/Express/Fastify request object, which pino maps to a summary instead of walking its sockets. */
export function isHttpRequestLike(value: Record<string, unknown>): boolean {
  return typeof value.method === 'string' && typeof value.headers === 'object' && value.socket !== undefined;
}

export function isHttpResponseLike(value: Record<string, unknown>): boolean {
  return typeof value.setHeader === 'function' && typeof value.statusCode === 'number';
}

/** The method and path (never the query string) of a request object. */
export function requestSummary(value: Record<string, unknown>, fields: FieldRedactor): Record<string, unknown> {
  const url = typeof value.originalUrl === 'string' ? value.originalUrl : value.url;
  const raw = typeof url === 'string' ? url : '';
  const q = raw.indexOf('?');
  return { method: fields.string(value.method as string), path: fields.string(q === -1 ? raw : raw.slice(0, q)) };
}
