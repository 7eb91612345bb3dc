/**
 * The OpenTelemetry attribute names of the otelkit schema fields.
 *
 * Mirrors `ATTRIBUTE_NAMES` of `@otelkit/core` (the single source of truth). The collector keeps this private copy
 * only while core's export is not available to build against; it must stay identical to core's mapping.
 */
export const ATTRIBUTE_NAMES = {
  correlation_id: 'otelkit.correlation_id',
  service: 'service.name',
  version: 'service.version',
  environment: 'deployment.environment.name',
  host: 'host.name',
  'error.type': 'exception.type',
  'error.message': 'exception.message',
  'error.stack_trace': 'exception.stacktrace',
  'error.fingerprint': 'otelkit.error.fingerprint',
  'error.severity': 'otelkit.error.severity',
  'error.category': 'otelkit.error.category',
  'error.retryable': 'otelkit.error.retryable',
  'user.id': 'user.id',
  'user.session_id': 'session.id',
  'request.method': 'http.request.method',
  'request.path': 'url.path',
  'request.route': 'http.route',
  'request.status_code': 'http.response.status_code',
  'request.duration_ms': 'otelkit.request.duration_ms',
} as const;

/** The log levels of the schema, lowest first. */
export const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'] as const;

/** A schema log level. */
export type Level = (typeof LEVELS)[number];

/** OpenTelemetry severity number (1..24) to schema level, per the log data model's ranges. */
export function levelFromSeverityNumber(n: number): Level {
  if (!Number.isFinite(n) || n <= 0) return 'INFO';
  if (n <= 4) return 'TRACE';
  if (n <= 8) return 'DEBUG';
  if (n <= 12) return 'INFO';
  if (n <= 16) return 'WARN';
  if (n <= 20) return 'ERROR';
  return 'FATAL';
}

/** Schema level to the lowest OpenTelemetry severity number of its range. */
export function severityNumber(level: Level): number {
  return { TRACE: 1, DEBUG: 5, INFO: 9, WARN: 13, ERROR: 17, FATAL: 21 }[level];
}

/** Parses a level name case-insensitively (`warning` and `err` included), or returns undefined. */
export function parseLevel(text: string): Level | undefined {
  const upper = text.trim().toUpperCase();
  if (upper === 'WARNING') return 'WARN';
  if (upper === 'ERR') return 'ERROR';
  if (upper === 'CRITICAL') return 'FATAL';
  return (LEVELS as readonly string[]).includes(upper) ? (upper as Level) : undefined;
}
