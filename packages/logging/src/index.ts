/**
 * `@otelkit/logging`: structured JSON logs in the otelkit core schema, built on pino — correlated with the active
 * OpenTelemetry span and the core context, redacted before any destination, optionally exported over OTLP.
 * Framework glue lives in `@otelkit/logging/fastify` and `@otelkit/logging/express`.
 *
 * @packageDocumentation
 */

export { createLogger } from './create-logger.js';
export type {
  DebugAllowList,
  LogDestination,
  LoggerOptions,
  OtelkitLogger,
  OtlpLogOptions,
  PrettyOptions,
  RedactOptions,
  ShutdownOptions,
} from './options.js';
