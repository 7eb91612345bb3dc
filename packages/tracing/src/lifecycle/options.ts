import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { Sampler, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { RedactorOptions } from '@otelkit/core';

/** The instrumentations otelkit knows by name. Each is enabled only when its target module is installed. */
export type InstrumentationName = 'http' | 'undici' | 'express' | 'fastify' | 'pg';

/** An entry of the instrumentation list: a known name, or any OpenTelemetry instrumentation instance. */
export type InstrumentationEntry = InstrumentationName | Instrumentation;

/** Options of `startTracing`. Everything is optional: the standard `OTEL_*` variables configure the rest. */
export interface TracingOptions {
  /**
   * The OTLP/gRPC endpoint traces are sent to.
   * @defaultValue `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, `OTEL_EXPORTER_OTLP_ENDPOINT`, or `http://localhost:4317`
   */
  endpoint?: string;
  /**
   * Instrumentations to enable. An array replaces the defaults; a function receives the defaults and returns the
   * list, so one can be added or removed by name while keeping the others.
   * @defaultValue `['http', 'undici', 'express', 'fastify', 'pg']` (each only when its module is installed)
   * @example
   * ```ts
   * startTracing({ instrumentations: (defaults) => defaults.filter((name) => name !== 'pg') });
   * ```
   */
  instrumentations?:
    | readonly InstrumentationEntry[]
    | ((defaults: readonly InstrumentationName[]) => readonly InstrumentationEntry[]);
  /**
   * Decides which traces are recorded.
   * @defaultValue from `OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG` (parent-based always-on)
   */
  sampler?: Sampler;
  /**
   * Where finished spans go instead of the OTLP/gRPC exporter (a test's in-memory exporter, say). Spans still pass
   * through the bounded queue and the redactor first.
   * @defaultValue the OTLP/gRPC exporter with retries
   */
  exporter?: SpanExporter;
  /**
   * Redaction of span attribute values before export. Merged over `OTELKIT_REDACT_KEYS` / `OTELKIT_REDACT_PII`.
   * @defaultValue core's default sensitive keys, PII redaction on
   */
  redact?: RedactorOptions;
  /**
   * Flush on SIGTERM/SIGINT (then let the process exit as it would have) and on `beforeExit`. Turn off for apps
   * that own their signal handling and call `shutdown()` themselves.
   * @defaultValue true
   */
  exitHandlers?: boolean;
  /**
   * The deadline of the flush on exit and of `shutdown()` when it is called without one.
   * @defaultValue 5000
   */
  shutdownTimeoutMs?: number;
}

const NAMES: readonly InstrumentationName[] = ['http', 'undici', 'express', 'fastify', 'pg'];

/** The default instrumentation names, in the order they are enabled. */
export const DEFAULT_INSTRUMENTATIONS: readonly InstrumentationName[] = NAMES;

/** Whether a value is one of the instrumentation names otelkit knows. */
export function isInstrumentationName(value: unknown): value is InstrumentationName {
  return typeof value === 'string' && (NAMES as readonly string[]).includes(value);
}
