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

const kStart = Symbol('otelkit.metrics.start');

type TrackedResponse = ServerResponse & { [kStart]?: number | undefined };

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
  // One listener function per server, not a closure per request: the request's start time rides on the response.
  function onClose(this: TrackedResponse): void {
    const req = this.req;
    const start = this[kStart];
    if (start === undefined) return;
    this[kStart] = undefined;
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
    recorder.finish(
      start,
      req.method,
      route,
      this.headersSent ? this.statusCode : undefined,
      schemeOf(req),
      this.writableFinished ? undefined : 'aborted',
    );
  }
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    (res as TrackedResponse)[kStart] = recorder.begin(req.method, schemeOf(req));
    res.on('close', onClose);
  };
  server.prependListener('request', listener);
  return () => {
    server.removeListener('request', listener);
  };
}
