/**
 * `@otelkit/logging/express`: an Express 5 middleware that gives every request a correlation id (read from
 * `x-correlation-id` or created), echoes it on the response, runs the rest of the request in the core context so
 * every log line of the request carries it, and logs one completion line per request.
 *
 * @packageDocumentation
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CORRELATION_ID_HEADER, correlationIdFrom, getContext, runWithContext } from '@otelkit/core';
import { createLogger } from './create-logger.js';
import { activeSpanContext, logCompletion, type RequestScope, UNMATCHED_ROUTE } from './http/completion.js';
import type { OtelkitLogger } from './options.js';

/** Options of {@link createLoggingMiddleware}. */
export interface ExpressLoggingOptions {
  /** Where completion lines go. @defaultValue `createLogger({ name: 'http' })` */
  logger?: OtelkitLogger;
}

/** The parts of an Express request the middleware reads (structural, so `@types/express` is not required). */
interface ExpressRequestLike extends IncomingMessage {
  route?: { path?: unknown };
  baseUrl?: string;
}

/** An Express middleware: `(req, res, next) => void`. */
export type LoggingMiddleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/** The route template that matched (`/users/:id`, with the mount path of nested routers), never the raw path. */
function routeOf(req: ExpressRequestLike): string {
  const path = req.route?.path;
  if (path === undefined || path === null) return UNMATCHED_ROUTE;
  const template = typeof path === 'string' ? path : String(path);
  return `${req.baseUrl ?? ''}${template}` || '/';
}

/**
 * Creates the middleware. Mount it first (before body parsers and routers), so the whole request runs in its
 * context. Completion lines: INFO for 2xx/3xx, WARN for 4xx, ERROR for 5xx, with method, route template, status
 * code and `duration_ms`. A request the client aborts before the response finished is logged with status 499 and
 * `context.aborted: true`.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { createLogger } from '@otelkit/logging';
 * import { createLoggingMiddleware } from '@otelkit/logging/express';
 *
 * const logger = createLogger();
 * const app = express();
 * app.use(createLoggingMiddleware({ logger }));
 * app.get('/users/:id', (req, res) => { logger.info('loading user'); res.json({ ok: true }); });
 * ```
 */
export function createLoggingMiddleware(options: ExpressLoggingOptions = {}): LoggingMiddleware {
  const logger = options.logger ?? createLogger({ name: 'http' });
  return (req, res, next) => {
    // A server instrumentation (tracing) may already have entered this request's context: keep its id, so the log
    // line, the response header and the span agree.
    const correlationId = getContext()?.correlationId ?? correlationIdFrom(req.headers);
    try {
      res.setHeader(CORRELATION_ID_HEADER, correlationId);
    } catch {
      /* headers already sent by an earlier middleware: the id still goes on every line */
    }
    const span = activeSpanContext();
    runWithContext({ correlationId }, () => {
      const scope: RequestScope = { correlationId, startNs: process.hrtime.bigint(), context: getContext(), span };
      // The router assigns `req.route` when a route matches, while `req.baseUrl` still holds the mount path of
      // its router (it is restored on the way out, before an error handler or 'finish' would see it).
      let route: string | undefined;
      let routeValue: unknown = (req as ExpressRequestLike).route;
      try {
        Object.defineProperty(req, 'route', {
          configurable: true,
          enumerable: true,
          get: () => routeValue,
          set: (value: unknown) => {
            routeValue = value;
            if (value !== undefined && value !== null) route = routeOf(req as ExpressRequestLike);
          },
        });
      } catch {
        /* a frozen request: fall back to reading the route at completion */
      }
      let logged = false;
      const complete = (): void => {
        if (logged) return;
        logged = true;
        route ??= routeValue === undefined ? undefined : routeOf(req as ExpressRequestLike);
        const aborted = !res.writableFinished;
        logCompletion(
          logger,
          scope,
          req.method ?? 'UNKNOWN',
          route ?? UNMATCHED_ROUTE,
          aborted ? 499 : res.statusCode,
          aborted ? { aborted: true } : undefined,
        );
      };
      res.once('finish', complete);
      res.once('close', complete);
      next();
    });
  };
}
