/**
 * `@otelkit/metrics/fastify`: HTTP RED metrics for Fastify 5, with the route template (`/payments/:id`) as
 * `http.route`, and optionally the Prometheus endpoint mounted on the same server.
 *
 * @packageDocumentation
 */
import type { MeterProvider } from '@opentelemetry/api';
import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import { schemeOf } from './http/node-http.js';
import { HttpServerRecorder } from './http/server-recorder.js';
import type { PrometheusHandler } from './prometheus/prometheus-endpoint.js';

/** Options of {@link fastifyMetrics}. */
export interface FastifyMetricsOptions {
  /**
   * Serve the Prometheus exposition on this Fastify server: pass `handle.prometheusHandler` of `startMetrics({
   * prometheus: true })`.
   * @defaultValue not served
   */
  metricsEndpoint?: { handler: PrometheusHandler; path?: string };
  /**
   * The meter provider to record with.
   * @defaultValue the global provider (the one `startMetrics()` registered)
   */
  meterProvider?: MeterProvider;
}

const kStart = Symbol('otelkit.metrics.start');
const kError = Symbol('otelkit.metrics.error');
const kDone = Symbol('otelkit.metrics.done');

interface Tracked {
  [kStart]?: number;
  [kError]?: string;
  [kDone]?: boolean;
}

function errorName(error: unknown): string {
  if (error instanceof Error) return error.constructor?.name || error.name || 'Error';
  return '_OTHER';
}

/**
 * A Fastify plugin recording `http.server.request.duration` (with `http.route` from `request.routeOptions.url`) and
 * `http.server.active_requests` for every route of the instance it is registered on, including routes of plugins
 * registered before or after it. Unmatched requests (404) carry no `http.route`.
 *
 * @example
 * ```ts
 * import { fastifyMetrics } from '@otelkit/metrics/fastify';
 * await app.register(fastifyMetrics, { metricsEndpoint: { handler: metrics.prometheusHandler! } });
 * ```
 */
export const fastifyMetrics: FastifyPluginCallback<FastifyMetricsOptions> = Object.assign(
  function otelkitMetrics(
    app: Parameters<FastifyPluginCallback<FastifyMetricsOptions>>[0],
    options: FastifyMetricsOptions,
    done: (err?: Error) => void,
  ): void {
    const recorder = new HttpServerRecorder(options.meterProvider);
    const record = (request: FastifyRequest, statusCode: number | undefined, aborted: boolean): void => {
      const tracked = request as unknown as Tracked;
      const start = tracked[kStart];
      if (start === undefined || tracked[kDone]) return;
      tracked[kDone] = true;
      const errorType = aborted
        ? 'aborted'
        : statusCode !== undefined && statusCode >= 500
          ? tracked[kError]
          : undefined;
      recorder.end(start, {
        method: request.method,
        route: request.routeOptions?.url,
        statusCode,
        scheme: schemeOf(request.raw),
        errorType,
      });
    };
    app.addHook('onRequest', (request, _reply, next) => {
      (request as unknown as Tracked)[kStart] = recorder.begin(request.method, schemeOf(request.raw));
      next();
    });
    app.addHook('onError', (request, _reply, error, next) => {
      (request as unknown as Tracked)[kError] = errorName(error);
      next();
    });
    app.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, next) => {
      record(request, reply.statusCode, false);
      next();
    });
    app.addHook('onRequestAbort', (request, next) => {
      record(request, undefined, true);
      next();
    });
    const endpoint = options.metricsEndpoint;
    if (endpoint !== undefined) {
      app.get(endpoint.path ?? '/metrics', (request, reply) => {
        reply.hijack();
        endpoint.handler(request.raw, reply.raw);
      });
    }
    done();
  },
  // Hooks apply to the whole application, not only to an encapsulated child context (what fastify-plugin does).
  { [Symbol.for('skip-override')]: true, [Symbol.for('fastify.display-name')]: '@otelkit/metrics' },
);
