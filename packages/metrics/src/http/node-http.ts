import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { MeterProvider } from '@opentelemetry/api';
import { warnOnce } from '@otelkit/core';
import { HttpServerRecorder } from './server-recorder.js';

/** Options of {@link instrumentHttpServer}. */
export interface InstrumentHttpServerOptions {
  /**
   * Returns the route template of a request (`/payments/:id`), or undefined when it has none. Never return the raw
   * path: each distinct value is a new time series. Without it `http.route` is not recorded.
   * @defaultValue no route
   */
  route?: (req: IncomingMessage) => string | undefined;
  /**
   * The meter provider to record with.
   * @defaultValue the global provider (the one `startMetrics()` registered)
   */
  meterProvider?: MeterProvider;
}

export function schemeOf(req: IncomingMessage): 'http' | 'https' {
  return (req.socket as { encrypted?: boolean } | undefined)?.encrypted ? 'https' : 'http';
}

/**
 * Records HTTP RED metrics for every request a `node:http` (or `node:https`) server handles. Returns a function that
 * stops recording.
 *
 * @example
 * ```ts
 * const server = createServer(handler);
 * instrumentHttpServer(server, { route: (req) => router.lookup(req)?.template });
 * ```
 */
export function instrumentHttpServer(server: Server, options: InstrumentHttpServerOptions = {}): () => void {
  const recorder = new HttpServerRecorder(options.meterProvider);
  const routeOf = options.route;
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const scheme = schemeOf(req);
    const start = recorder.begin(req.method, scheme);
    res.once('close', () => {
      let route: string | undefined;
      if (routeOf !== undefined) {
        try {
          route = routeOf(req);
        } catch (error) {
          warnOnce('metrics.http.route', 'the route function of instrumentHttpServer threw; http.route not recorded', {
            error: String(error),
          });
        }
      }
      const finished = res.writableFinished;
      recorder.end(start, {
        method: req.method,
        route,
        statusCode: res.headersSent ? res.statusCode : undefined,
        scheme,
        errorType: finished ? undefined : 'aborted',
      });
    });
  };
  server.prependListener('request', listener);
  return () => {
    server.removeListener('request', listener);
  };
}
