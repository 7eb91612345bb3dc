/**
 * `@otelkit/tracing`: one call to trace a Node.js service with OpenTelemetry — OTLP/gRPC export with retries and a
 * bounded queue, chosen instrumentations, span helpers that speak the core error schema, correlation ids across
 * services, redaction before export, and a flush on the way out.
 *
 * @packageDocumentation
 */

export type { InstrumentationEntry, InstrumentationName, TracingOptions } from './lifecycle/options.js';
export { DEFAULT_INSTRUMENTATIONS } from './lifecycle/options.js';
export type { Tracing } from './lifecycle/start-tracing.js';
export { startTracing } from './lifecycle/start-tracing.js';
export type { TraceIds, WithSpanOptions } from './spans/span-helpers.js';
export { currentTraceIds, recordError, withSpan } from './spans/span-helpers.js';
