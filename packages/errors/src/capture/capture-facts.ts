import { isSpanContextValid, type Span, trace } from '@opentelemetry/api';
import {
  type ErrorClassification,
  getContext,
  type LogLevel,
  type LogRecord,
  type LogRequest,
  type Redactor,
  type SerializedError,
  serializeError,
} from '@otelkit/core';
import type { ErrorsConfig } from '../config/resolve-config.js';
import type { CaptureContext, CapturedRequest } from './capture-types.js';

/** Everything one capture knows, computed once and shared by every sink (record, span event, Sentry). */
export interface CaptureFacts {
  error: unknown;
  timestamp: string;
  level: LogLevel;
  handled: boolean;
  /** Sentry's `mechanism.type`: how the error reached us. */
  mechanism: string;
  message: string;
  /** The error as the schema carries it, not yet redacted (Sentry builds its own frames from the raw error). */
  serialized: SerializedError;
  classification: ErrorClassification;
  fingerprint: string;
  span?: Span;
  traceId?: string;
  spanId?: string;
  correlationId?: string;
  user?: NonNullable<CaptureContext['user']>;
  context?: Record<string, unknown>;
  request?: CapturedRequest;
  tags?: CaptureContext['tags'];
}

/** Reads the error, the active span and core's context once. Never throws. */
export function captureFacts(error: unknown, given: CaptureContext | undefined, mechanism = 'otelkit'): CaptureFacts {
  const serialized = serializeError(error, given?.fingerprint ? { fingerprint: given.fingerprint } : {});
  const classification: ErrorClassification = {
    severity: serialized.severity,
    category: serialized.category,
    retryable: serialized.retryable,
  };
  const facts: CaptureFacts = {
    error,
    timestamp: new Date().toISOString(),
    level: given?.level ?? 'ERROR',
    handled: given?.handled !== false,
    mechanism,
    message: typeof given?.message === 'string' && given.message !== '' ? given.message : serialized.message,
    serialized,
    classification,
    fingerprint: serialized.fingerprint,
  };
  const span = trace.getActiveSpan();
  if (span) {
    const sc = span.spanContext();
    if (isSpanContextValid(sc)) {
      facts.span = span;
      facts.traceId = sc.traceId;
      facts.spanId = sc.spanId;
    }
  }
  const ctx = getContext();
  if (ctx) facts.correlationId = ctx.correlationId;
  const user = { ...given?.user };
  if (user.id === undefined && ctx?.userId !== undefined) user.id = ctx.userId;
  if (user.session_id === undefined && ctx?.sessionId !== undefined) user.session_id = ctx.sessionId;
  if (Object.keys(user).length > 0) facts.user = user;
  if (given?.context) facts.context = given.context;
  if (given?.request) facts.request = given.request;
  if (given?.tags) facts.tags = given.tags;
  return facts;
}

/**
 * The record as one JSON line. The error was redacted once already (the span event shares it), so only the rest of the
 * record goes through the redactor here and the error is appended as is: the stack trace is scanned once, not twice.
 */
export function recordLine(
  facts: CaptureFacts,
  config: ErrorsConfig,
  eventId: string | undefined,
  error: SerializedError,
): string {
  const record = toLogRecord(facts, config, eventId);
  const { error: _raw, ...rest } = record;
  const head = config.redactor.stringify(rest);
  if (!head.endsWith('}')) return `${config.redactor.stringify({ ...record, error })}\n`; // degraded, still one line
  return `${head.slice(0, -1)},"error":${JSON.stringify(error)}}\n`;
}

/** The ERROR record of the core schema for one capture, not yet redacted. */
export function toLogRecord(facts: CaptureFacts, config: ErrorsConfig, eventId: string | undefined): LogRecord {
  const { resource } = config;
  const record: LogRecord = {
    timestamp: facts.timestamp,
    level: facts.level,
    message: facts.message,
    service: resource.service,
    environment: resource.environment,
    host: resource.host,
  };
  if (resource.version !== undefined) record.version = resource.version;
  if (facts.correlationId !== undefined) record.correlation_id = facts.correlationId;
  if (facts.traceId !== undefined) record.trace_id = facts.traceId;
  if (facts.spanId !== undefined) record.span_id = facts.spanId;
  record.error = facts.serialized;
  // Only the opaque ids: the schema's user never carries an email, a name or an address.
  if (facts.user?.id !== undefined) {
    record.user = { id: String(facts.user.id) };
    if (facts.user.session_id !== undefined) record.user.session_id = String(facts.user.session_id);
  }
  if (facts.request) record.request = schemaRequest(facts.request);
  if (facts.context || eventId !== undefined) {
    record.context = { ...facts.context };
    if (eventId !== undefined) record.context['sentry.event_id'] = eventId;
  }
  return record;
}

function schemaRequest(request: CapturedRequest): LogRequest {
  const out: LogRequest = { method: String(request.method), path: String(request.path) };
  if (request.route !== undefined) out.route = request.route;
  if (request.status_code !== undefined) out.status_code = request.status_code;
  if (request.duration_ms !== undefined) out.duration_ms = request.duration_ms;
  return out;
}

/** The error as span events and logs show it: redacted once, shared. */
export function redactedError(facts: CaptureFacts, redactor: Redactor): SerializedError {
  return redactor.redact(facts.serialized);
}
