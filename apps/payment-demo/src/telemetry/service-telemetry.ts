import { type ErrorReporter, initErrors } from '@otelkit/errors';
import { createLogger, type OtelkitLogger } from '@otelkit/logging';
import { type MetricsHandle, startMetrics } from '@otelkit/metrics';
import type { Tracing } from '@otelkit/tracing';
import { registerDemoErrorRules } from './error-rules.js';

/** The four signals of one service process, started in the order that lets each see the others. */
export interface ServiceTelemetry {
  readonly service: string;
  readonly version: string;
  readonly tracing: Tracing;
  readonly logger: OtelkitLogger;
  readonly metrics: MetricsHandle;
  readonly errors: ErrorReporter;
  /** Exports everything buffered (spans, logs, metrics, Sentry events), each within the deadline. */
  flush(timeoutMs?: number): Promise<void>;
  /** Flushes and stops every signal. */
  shutdown(timeoutMs?: number): Promise<void>;
}

/**
 * Starts logging (OTLP export on), metrics (OTLP push and a Prometheus handler for `/metrics`) and errors (Sentry
 * to the DSN in `SENTRY_DSN`, i.e. the collector's envelope endpoint) beside the tracing the entry point started
 * before anything else was imported. Exit handling is the service's: it flushes through {@link ServiceTelemetry}.
 */
export function startServiceTelemetry(tracing: Tracing, options: { name: string }): ServiceTelemetry {
  registerDemoErrorRules();
  const logger = createLogger({ name: options.name, otlp: true });
  const metrics = startMetrics({ otlp: true, prometheus: true });
  // The logger writes the ERROR record of every failure; the reporter adds the Sentry event and the span event.
  const errors = initErrors({ log: false, captureProcessErrors: true });
  const version = process.env.OTELKIT_SERVICE_VERSION ?? 'unknown';

  const all = async (timeoutMs: number, what: 'flush' | 'shutdown') => {
    const results = await Promise.allSettled([
      what === 'flush' ? tracing.forceFlush(timeoutMs) : tracing.shutdown(timeoutMs),
      what === 'flush' ? metrics.forceFlush({ timeoutMs }) : metrics.shutdown({ timeoutMs }),
      what === 'flush' ? errors.flush(timeoutMs) : errors.shutdown(timeoutMs),
      what === 'flush' ? flushLogger(logger) : logger.shutdown({ timeoutMs }),
    ]);
    for (const r of results) if (r.status === 'rejected') process.stderr.write(`telemetry ${what}: ${r.reason}\n`);
  };

  return {
    service: options.name,
    version,
    tracing,
    logger,
    metrics,
    errors,
    flush: (timeoutMs = 5000) => all(timeoutMs, 'flush'),
    shutdown: (timeoutMs = 5000) => all(timeoutMs, 'shutdown'),
  };
}

function flushLogger(logger: OtelkitLogger): Promise<void> {
  return new Promise((resolve) => {
    try {
      logger.flush(() => resolve());
    } catch {
      resolve();
    }
  });
}
