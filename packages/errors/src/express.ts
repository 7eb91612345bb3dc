/**
 * `@otelkit/errors/express`: the Express 5 error middleware.
 *
 * @packageDocumentation
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpErrorOptions } from './glue/http-failure.js';
import { handleNodeFailure } from './glue/node-response.js';

export type { HttpErrorOptions } from './glue/http-failure.js';

/** The parts of Express's request the middleware reads (typed structurally: `@types/express` is not required). */
export type ExpressRequestLike = IncomingMessage & { originalUrl?: string; route?: { path?: unknown } };

/** An Express error-handling middleware (four parameters). */
export type ExpressErrorMiddleware = (
  error: unknown,
  req: ExpressRequestLike,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void;

/**
 * Express error middleware: captures 5xx failures (configurable with `capture`), not 4xx, and answers
 * `{ statusCode, error, message, correlation_id }` with the `x-correlation-id` header. 5xx messages and stack traces
 * never reach the client. When the response has already started it hands over to Express's default handler, which
 * closes the connection. Register it after your routes.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { errorHandler } from '@otelkit/errors/express';
 *
 * const app = express();
 * app.get('/charge', () => { throw new Error('gateway down'); });
 * app.use(errorHandler());
 * ```
 */
export function errorHandler(options: HttpErrorOptions = {}): ExpressErrorMiddleware {
  return function otelkitErrorHandler(error, req, res, next) {
    let answered = false;
    try {
      answered = handleNodeFailure(error, req, res, options);
    } catch {
      // Never fall through to Express's default handler while the response can still be answered: in development
      // it renders the stack trace.
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end();
        answered = true;
      }
    }
    if (!answered) next(error);
  };
}
