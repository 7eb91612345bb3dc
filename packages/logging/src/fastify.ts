/**
 * `@otelkit/logging/fastify`: a Fastify 5 plugin that gives every request a correlation id (read from
 * `x-correlation-id` or created), echoes it on the response, runs the request in the core context so every log line
 * of the request carries it, and logs one completion line per request.
 *
 * @packageDocumentation
 */
import { AsyncResource } from 'node:async_hooks';
import { CORRELATION_ID_HEADER, correlationIdFrom, getContext, runWithContext } from '@otelkit/core';
import type { FastifyInstance, FastifyPluginCallback, FastifyRequest } from 'fastify';
import { createLogger } from './create-logger.js';
import { activeSpanContext, logCompletion, type RequestScope, UNMATCHED_ROUTE } from './http/completion.js';
import type { OtelkitLogger } from './options.js';

/** Options of {@link loggingPlugin}. */
export interface FastifyLoggingOptions {
  /** Where completion lines go. @defaultValue `createLogger({ name: 'http' })`, created at registration */
  logger?: OtelkitLogger;
}

interface Scope extends RequestScope {
  resource: AsyncResource;
}

const plugin = (fastify: FastifyInstance, options: FastifyLoggingOptions, done: (err?: Error) => void): void => {
  let logger: OtelkitLogger;
  try {
    logger = options.logger ?? createLogger({ name: 'http' });
  } catch (error) {
    done(error as Error);
    return;
  }
  const scopes = new WeakMap<FastifyRequest, Scope>();

  fastify.addHook('onRequest', (request, reply, next) => {
    // A server instrumentation (tracing) may already have entered this request's context: keep its id, so the log
    // line, the response header and the span agree.
    const correlationId = getContext()?.correlationId ?? correlationIdFrom(request.headers);
    reply.header(CORRELATION_ID_HEADER, correlationId);
    const span = activeSpanContext();
    runWithContext({ correlationId }, () => {
      // Body parsing resumes in the socket's async context: the resource carries ours into preValidation.
      const resource = new AsyncResource('otelkit.request');
      scopes.set(request, { correlationId, startNs: process.hrtime.bigint(), context: getContext(), span, resource });
      resource.runInAsyncScope(next, request.raw);
    });
  });

  fastify.addHook('preValidation', (request, _reply, next) => {
    const scope = scopes.get(request);
    if (scope === undefined) next();
    else scope.resource.runInAsyncScope(next, request.raw);
  });

  fastify.addHook('onResponse', (request, reply, next) => {
    const scope = scopes.get(request);
    if (scope !== undefined) {
      scopes.delete(request);
      const route = request.routeOptions?.url ?? UNMATCHED_ROUTE;
      logCompletion(logger, scope, request.method, route, reply.statusCode);
    }
    next();
  });
  done();
};

// fastify-plugin semantics without the dependency: skip encapsulation so the hooks apply to every route.
Object.assign(plugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: '@otelkit/logging',
  [Symbol.for('plugin-meta')]: { name: '@otelkit/logging', fastify: '5.x' },
});

/**
 * The Fastify 5 plugin. Register it before your routes; its hooks apply to the whole instance (it is not
 * encapsulated). Completion lines: INFO for 2xx/3xx, WARN for 4xx, ERROR for 5xx, with method, route template
 * (never the raw path), status code and `duration_ms`.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify';
 * import { createLogger } from '@otelkit/logging';
 * import { loggingPlugin } from '@otelkit/logging/fastify';
 *
 * const logger = createLogger();
 * const app = Fastify({ loggerInstance: logger, disableRequestLogging: true });
 * await app.register(loggingPlugin, { logger });
 * app.get('/users/:id', async (req) => { req.log.info('loading user'); return { ok: true }; });
 * ```
 */
export const loggingPlugin: FastifyPluginCallback<FastifyLoggingOptions> = plugin;
