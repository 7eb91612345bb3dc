/**
 * `@otelkit/errors/fastify`: the Fastify 5 plugin.
 *
 * @packageDocumentation
 */

import { getContext, runWithContext } from '@otelkit/core';
import type { FastifyError, FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import type { CaptureResult } from './capture/capture-types.js';
import {
  CORRELATION_ID_HEADER,
  captureServerErrors,
  clientBody,
  correlationIdOf,
  type HttpErrorOptions,
  splitUrl,
  statusOf,
} from './glue/http-failure.js';
import { captureError } from './index.js';

export type { HttpErrorOptions } from './glue/http-failure.js';

/** Options of {@link otelkitErrors}. */
export interface FastifyErrorsOptions extends HttpErrorOptions {
  /**
   * Install an error handler that answers `{ statusCode, error, message, correlation_id }` (no stack, no 5xx message).
   * Off, Fastify's or your own handler answers and the `onError` hook only captures and adds the correlation header.
   * @defaultValue true
   */
  errorHandler?: boolean;
}

function capture(error: unknown, request: FastifyRequest, status: number, options: HttpErrorOptions): void {
  if (!(options.capture ?? captureServerErrors)(status, error)) return;
  const { path, query } = splitUrl(request.url);
  const route = request.routeOptions?.url;
  const run = (): CaptureResult =>
    captureError(error, {
      request: {
        method: request.method,
        path,
        ...(route !== undefined ? { route } : {}),
        status_code: status,
        headers: request.headers,
        ...(query !== undefined ? { query } : {}),
      },
    });
  if (getContext()) run();
  else runWithContext({ correlationId: correlationIdOf(request.headers) }, run);
}

const plugin: FastifyPluginCallback<FastifyErrorsOptions> = (fastify, options, done) => {
  // Runs for errors answered by Fastify's default handler or a handler of yours; a second capture of the same error
  // (from the handler below) is a no-op.
  fastify.addHook('onError', (request: FastifyRequest, reply: FastifyReply, error: FastifyError, next) => {
    try {
      const status = reply.statusCode >= 400 ? reply.statusCode : statusOf(error);
      capture(error, request, status, options);
      if (!reply.hasHeader(CORRELATION_ID_HEADER)) {
        reply.header(CORRELATION_ID_HEADER, correlationIdOf(request.headers));
      }
    } catch {
      /* instrumentation never changes the request's outcome */
    }
    next();
  });
  if (options.errorHandler !== false) {
    fastify.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const status = statusOf(error);
      const correlationId = correlationIdOf(request.headers);
      try {
        capture(error, request, status, options);
      } catch {
        /* capture never throws; the answer below matters more */
      }
      reply
        .code(status)
        .header(CORRELATION_ID_HEADER, correlationId)
        .type('application/json; charset=utf-8')
        .send(clientBody(status, error, correlationId));
    });
  }
  done();
};

// Not encapsulated (what `fastify-plugin` does): the hook and the handler apply to the whole application.
const skipOverride = plugin as unknown as Record<symbol, unknown>;
skipOverride[Symbol.for('skip-override')] = true;
skipOverride[Symbol.for('fastify.display-name')] = '@otelkit/errors';

/**
 * Fastify plugin: captures 5xx failures (configurable with `capture`), not 4xx; keeps the `x-correlation-id` header
 * on error responses; answers with `{ statusCode, error, message, correlation_id }` and never a stack trace (see
 * `errorHandler`). Register it on the root instance.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify';
 * import { otelkitErrors } from '@otelkit/errors/fastify';
 *
 * const app = Fastify();
 * await app.register(otelkitErrors);
 * app.get('/charge', async () => { throw new Error('gateway down'); }); // 500, captured
 * ```
 */
export const otelkitErrors: FastifyPluginCallback<FastifyErrorsOptions> = plugin;
