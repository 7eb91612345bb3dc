import type { LogLevelName, RedactorOptions } from '@otelkit/core';
import type { Bindings, ChildLoggerOptions, DestinationStream, Logger } from 'pino';

/**
 * Where lines go: `'stdout'` (the default), `'stderr'`, a file path (created with its folders), a file descriptor, or
 * any pino destination stream (`pino.destination(…)`, a `Writable`, a multistream).
 */
export type LogDestination = 'stdout' | 'stderr' | string | number | DestinationStream;

/** What the redactor withholds. Redaction cannot be turned off: every record is redacted before any destination. */
export interface RedactOptions {
  /**
   * Extra sensitive keys (an array adds to core's defaults; a function receives the defaults and returns the whole
   * list). Adds to `OTELKIT_REDACT_KEYS`.
   * @defaultValue core's `DEFAULT_SENSITIVE_KEYS` plus `OTELKIT_REDACT_KEYS`
   */
  keys?: RedactorOptions['keys'];
  /** Also redact email and IP addresses inside strings. @defaultValue `OTELKIT_REDACT_PII`, else true */
  pii?: boolean;
  /** What replaces a secret. @defaultValue '[REDACTED]' */
  censor?: string;
}

/** OTLP log export over gRPC (`@opentelemetry/sdk-logs` and `@opentelemetry/exporter-logs-otlp-grpc`, optional peers). */
export interface OtlpLogOptions {
  /** The collector's gRPC URL. @defaultValue `OTEL_EXPORTER_OTLP_LOGS_ENDPOINT` / `OTEL_EXPORTER_OTLP_ENDPOINT`, else http://localhost:4317 */
  endpoint?: string;
  /** gRPC metadata sent with every export. @defaultValue `OTEL_EXPORTER_OTLP_LOGS_HEADERS` / `OTEL_EXPORTER_OTLP_HEADERS` */
  headers?: Record<string, string>;
  /** Deadline of one export. @defaultValue `OTEL_EXPORTER_OTLP_LOGS_TIMEOUT`, else 10000 */
  timeoutMs?: number;
  /** Records waiting for export; more are dropped and counted (`queue_full`). @defaultValue 2048 */
  maxQueueSize?: number;
  /** Records per export request. @defaultValue 512 */
  maxExportBatchSize?: number;
  /** How long a partial batch waits before it is exported. @defaultValue 1000 */
  scheduledDelayMs?: number;
}

/** Human-readable output through `pino-pretty` (an optional peer), for a developer's terminal. */
export interface PrettyOptions {
  /** ANSI colours for levels. @defaultValue whether the destination is a TTY */
  colorize?: boolean;
}

/** Options of {@link createLogger}. Every option has an environment variable or a default. */
export interface LoggerOptions {
  /**
   * The logger's name: written as `context.logger` and used to pick a per-logger level from `OTELKIT_LOG_LEVEL`
   * (`info,payment=debug`). A dotted name falls back to its parents (`payment.db` → `payment`).
   */
  name?: string;
  /** The level. @defaultValue the `OTELKIT_LOG_LEVEL` override for `name`, else its default, else 'info' */
  level?: LogLevelName;
  /** @defaultValue 'stdout' */
  destination?: LogDestination;
  /**
   * Write synchronously (every line reaches the destination before the call returns) or through an asynchronous
   * buffer that is flushed on exit. Ignored for a stream destination.
   * @defaultValue true
   */
  sync?: boolean;
  /** Pretty, single-line output through `pino-pretty`; control characters are escaped. @defaultValue false */
  pretty?: boolean | PrettyOptions;
  /** Sensitive keys and the PII switch. */
  redact?: RedactOptions;
  /** Longer strings (the message and every string value) are cut with a `…[truncated N chars]` marker. @defaultValue 8192 */
  maxStringLength?: number;
  /**
   * Export every record over OTLP as well. `true` uses the environment; an object overrides it.
   * @defaultValue `OTELKIT_LOGS_EXPORTER=otlp`, else off
   */
  otlp?: boolean | OtlpLogOptions;
  /**
   * Share of traces whose records are logged at DEBUG while the rest stays at the configured level. Decided from the
   * trace id, so every service of one trace agrees.
   * @defaultValue `OTELKIT_DEBUG_SAMPLE_RATIO`, else 0
   */
  debugSampleRatio?: number;
  /** User ids and correlation ids whose requests log at DEBUG; updatable later through `logger.debugAllowList`. */
  debugAllowList?: Iterable<string>;
}

/** The ids whose requests are logged at DEBUG, shared by a logger and all its children; changes apply at once. */
export interface DebugAllowList {
  /** Adds a user id or a correlation id. */
  add(id: string): DebugAllowList;
  delete(id: string): boolean;
  has(id: string): boolean;
  clear(): void;
  readonly size: number;
  values(): IterableIterator<string>;
}

/** Options of {@link OtelkitLogger.shutdown}. */
export interface ShutdownOptions {
  /** Gives up waiting after this long; what is still queued is counted as dropped (`shutdown`). @defaultValue 5000 */
  timeoutMs?: number;
}

/**
 * A pino logger whose every line is a record of the otelkit core schema. Everything pino users know works:
 * `trace`…`fatal` with a merging object and printf-style arguments, `child`, `bindings`, `setBindings`, `flush`,
 * `level`, `isLevelEnabled`.
 */
export interface OtelkitLogger extends Omit<Logger, 'child'> {
  /** A child logger: schema fields among the bindings (`correlation_id`, `user`, `request`) go on every record, a `name` selects a per-logger level, everything else lands in `context`. */
  child(bindings: Bindings, options?: ChildLoggerOptions): OtelkitLogger;
  /** The runtime-updatable DEBUG allow list of this logger and its children. */
  readonly debugAllowList: DebugAllowList;
  /** Flushes the destination and the OTLP queue, then stops the exporter. Never rejects. */
  shutdown(options?: ShutdownOptions): Promise<void>;
}
