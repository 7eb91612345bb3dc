import type { ErrorClassification } from '@otelkit/core';

/** The HTTP request an error happened in, as the framework glue (or you) describe it. */
export interface CapturedRequest {
  method: string;
  /** The path without the query string. */
  path: string;
  /** The route template, such as `/payments/:id`. */
  route?: string;
  status_code?: number;
  duration_ms?: number;
  /** Raw request headers: only allow-listed ones reach Sentry, and those are redacted. Never in the local record. */
  headers?: Readonly<Record<string, string | readonly string[] | number | undefined>>;
  /** The raw query string (without `?`); redacted before it reaches Sentry. Never in the local record. */
  query?: string;
}

/** What the caller knows about a failure beyond the error itself. Every field is optional. */
export interface CaptureContext {
  /** The record's `message`. @defaultValue the error's message */
  message?: string;
  /** Details of the failure (redacted): the record's `context`, and Sentry's `contexts.context`. */
  context?: Record<string, unknown>;
  /** The request the error happened in. */
  request?: CapturedRequest;
  /**
   * The user. @defaultValue `userId` / `sessionId` of core's context. Email, IP address and username reach Sentry
   * only with `sendUserPii`; they never reach the local record.
   */
  user?: { id?: string; session_id?: string; email?: string; ip_address?: string; username?: string };
  /** Extra Sentry tags. */
  tags?: Record<string, string | number | boolean>;
  /** Overrides the fingerprint for this capture (logs, span event and Sentry alike). */
  fingerprint?: string;
  /** `false` marks the error as unhandled (Sentry's `mechanism.handled`). @defaultValue true */
  handled?: boolean;
  /** The record level. @defaultValue 'ERROR' */
  level?: 'WARN' | 'ERROR' | 'FATAL';
}

/** What a capture produced: the identity every signal carries. */
export interface CaptureResult {
  /**
   * The id Sentry assigned, whenever Sentry is enabled. It is assigned before sampling and sending: an event sampled
   * out or dropped on the way keeps its id and never arrives (drops are counted, see the README).
   */
  eventId?: string;
  /** Core's fingerprint: the same on the log record, the span event and the Sentry event. */
  fingerprint: string;
  classification: ErrorClassification;
}
