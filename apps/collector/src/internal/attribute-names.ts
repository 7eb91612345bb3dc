import type { LogLevel } from '@otelkit/core';

/**
 * The schema's field → OpenTelemetry attribute mapping and severity conversions come from `@otelkit/core`, the single
 * source of truth, so the collector reads exactly the names the signal packages write.
 */
export { ATTRIBUTE_NAMES, levelFromSeverityNumber, severityNumber } from '@otelkit/core';

/** A schema log level. */
export type Level = LogLevel;

/** The log levels of the schema, lowest first. */
export const LEVELS: readonly Level[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];

/** Parses a level name case-insensitively (`warning` and `err` included), or returns undefined. */
export function parseLevel(text: string): Level | undefined {
  const upper = text.trim().toUpperCase();
  if (upper === 'WARNING') return 'WARN';
  if (upper === 'ERR') return 'ERROR';
  if (upper === 'CRITICAL') return 'FATAL';
  return (LEVELS as readonly string[]).includes(upper) ? (upper as Level) : undefined;
}
