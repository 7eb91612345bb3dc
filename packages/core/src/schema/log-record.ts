/** Log levels of the core schema, upper-case as they appear on the wire. */
export type LogLevel = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'FATAL';

/** The levels in increasing order of severity. */
export const LOG_LEVELS: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];

/** How much an error hurts: `critical` wakes someone up, `low` is noise worth counting. */
export type ErrorSeverity = 'critical' | 'high' | 'medium' | 'low';

/** Where an error comes from, in the taxonomy of the error-analysis practice. */
export type ErrorCategory = 'runtime' | 'logic' | 'integration' | 'performance' | 'configuration' | 'security';

/** An error as the schema carries it: the same shape in logs, span events and Sentry events. */
export interface SerializedError {
  type: string;
  message: string;
  stack_trace?: string;
  fingerprint: string;
  severity: ErrorSeverity;
  category: ErrorCategory;
  retryable: boolean;
  /** A Node.js or library error code such as `ECONNREFUSED`, when the error has one. */
  code?: string;
  cause?: SerializedError;
  /** The member errors of an `AggregateError`. */
  errors?: SerializedError[];
}

/** The user a record is about. Only an opaque id: no email, no name. */
export interface LogUser {
  id: string;
  session_id?: string;
}

/** The HTTP request a record is about. `path` never carries the query string. */
export interface LogRequest {
  method: string;
  path: string;
  route?: string;
  status_code?: number;
  duration_ms?: number;
}

/**
 * One record of the standard log schema (see DESIGN.md). Every otelkit sink writes this shape; the JSON Schema
 * published as `@otelkit/core/log-record.schema.json` validates it.
 *
 * @example
 * ```ts
 * const record: LogRecord = {
 *   timestamp: new Date().toISOString(), level: 'INFO', message: 'payment accepted', service: 'payment-api',
 * };
 * ```
 */
export interface LogRecord {
  timestamp: string;
  level: LogLevel;
  message: string;
  correlation_id?: string;
  trace_id?: string;
  span_id?: string;
  service: string;
  environment?: string;
  host?: string;
  version?: string;
  error?: SerializedError;
  user?: LogUser;
  request?: LogRequest;
  context?: Record<string, unknown>;
}
