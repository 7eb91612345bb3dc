import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { MeterProvider } from '@opentelemetry/api';
import { warnOnce } from '@otelkit/core';
import { type ActiveEntry, HttpServerRecorder } from './server-recorder.js';

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

const kEntry = Symbol('otelkit.metrics.entry');

type TrackedResponse = ServerResponse & { [kStart]?: number | undefined; [kEntry]?: ActiveEntry | undefined };

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
  // One listener function per server, not a closure per request: the request's entry and start time ride on the response.
  function onClose(this: TrackedResponse): void {
    const entry = this[kEntry];
    if (entry === undefined) return;
    this[kEntry] = undefined;
    const req = this.req;
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
    recorder.leave(
      this[kStart] as number,
      entry,
      route,
      this.headersSent ? this.statusCode : undefined,
      this.writableFinished ? undefined : 'aborted',
    );
  }
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const tracked = res as TrackedResponse;
    tracked[kEntry] = recorder.enter(req.method, schemeOf(req));
    tracked[kStart] = performance.now();
    res.on('close', onClose);
  };
  server.prependListener('request', listener);
  return () => {
    server.removeListener('request', listener);
  };
}
