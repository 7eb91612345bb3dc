import type { LogRequest, LogUser } from '@otelkit/core';
import type { OtelkitLogger } from '@otelkit/logging';
import type { CompletedRequest } from './server-requests.js';

/**
 * What a request that a framework's router matched to no route is logged under — never its raw path, which may carry
 * ids. The same spelling as the completion lines of `@otelkit/logging`'s Fastify and Express glue.
 */
const UNMATCHED_ROUTE = '(unmatched)';

/** Status written for a request whose response never finished (the client closed the connection first). */
const CLIENT_CLOSED = 499;

/**
 * The one completion line per request, in the shape of `@otelkit/logging`'s framework glue: INFO for 1xx–3xx, WARN for
 * 4xx, ERROR for 5xx and for requests abandoned before the response finished, with method, route template (the path
 * only where no framework router handled the request), status code, duration, the trace and span of the server span
 * and the correlation id. Never throws.
 */
export function completionLog(logger: OtelkitLogger): (request: CompletedRequest) => void {
  return (r) => {
    try {
      // A request no router saw (a plain node:http server) has no template to give: its path is what there is.
      const route = r.route ?? (r.routed ? UNMATCHED_ROUTE : r.path);
      const status = r.aborted ? CLIENT_CLOSED : r.statusCode;
      const request: LogRequest = {
        method: r.method,
        path: route,
        duration_ms: Math.round(r.durationMs * 1000) / 1000,
      };
      if (r.route !== undefined) request.route = r.route;
      if (status !== undefined) request.status_code = status;
      const record: Record<string, unknown> = { request };
      if (r.correlationId !== undefined) record.correlation_id = r.correlationId;
      if (r.traceId !== undefined) {
        record.trace_id = r.traceId;
        record.span_id = r.spanId;
      }
      if (r.userId !== undefined) {
        const user: LogUser = { id: r.userId };
        if (r.sessionId !== undefined) user.session_id = r.sessionId;
        record.user = user;
      }
      if (r.aborted) record.aborted = true;
      const message = `${r.method} ${route} ${status ?? '-'}`;
      if (status === undefined || status >= 500 || r.aborted) logger.error(record, message);
      else if (status >= 400) logger.warn(record, message);
      else logger.info(record, message);
    } catch {
      /* the completion line is ours: losing it must not touch the response */
    }
  };
}
