import { type SpanContext, trace } from '@opentelemetry/api';
import type { OtelkitContext } from '@otelkit/core';
import type { OtelkitLogger } from '../options.js';

/** What the glue remembers about one request between its start and its completion line. */
export interface RequestScope {
  correlationId: string;
  startNs: bigint;
  /** The core context of the request (the same object `updateContext` fills in later). */
  context: Readonly<OtelkitContext> | undefined;
  /** The server span active when the request arrived, if an HTTP instrumentation made one. */
  span: SpanContext | undefined;
}

/** Path of requests that matched no route: never the raw path, which may carry ids. */
export const UNMATCHED_ROUTE = '(unmatched)';

export function activeSpanContext(): SpanContext | undefined {
  const span = trace.getActiveSpan();
  return span === undefined ? undefined : span.spanContext();
}

/**
 * Writes the one completion line of a request: INFO for 1xx–3xx, WARN for 4xx, ERROR for 5xx, with method, route
 * template, status code and duration. Never throws.
 */
export function logCompletion(
  logger: OtelkitLogger,
  scope: RequestScope,
  method: string,
  route: string,
  statusCode: number,
  extra?: Record<string, unknown>,
): void {
  try {
    const durationMs = Number(process.hrtime.bigint() - scope.startNs) / 1e6;
    const status = Number.isInteger(statusCode) && statusCode >= 100 && statusCode <= 599 ? statusCode : undefined;
    const record: Record<string, unknown> = {
      correlation_id: scope.correlationId,
      request: {
        method,
        path: route,
        route,
        status_code: status,
        duration_ms: Math.round(durationMs * 1000) / 1000,
      },
    };
    if (scope.span !== undefined) {
      record.trace_id = scope.span.traceId;
      record.span_id = scope.span.spanId;
    }
    const ctx = scope.context;
    if (ctx?.userId !== undefined) {
      record.user = ctx.sessionId === undefined ? { id: ctx.userId } : { id: ctx.userId, session_id: ctx.sessionId };
    }
    if (extra !== undefined) record.context = extra;
    const message = `${method} ${route} ${status ?? statusCode}`;
    if (status === undefined || status >= 500) logger.error(record, message);
    else if (status >= 400) logger.warn(record, message);
    else logger.info(record, message);
  } catch {
    /* the completion line is ours: losing it must not touch the response */
  }
}
