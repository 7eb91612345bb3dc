import diagnostics from 'node:diagnostics_channel';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { isSpanContextValid, trace } from '@opentelemetry/api';
import { CORRELATION_ID_HEADER, getContext, isValidCorrelationId } from '@otelkit/core';
import type { RouteSource } from './route-source.js';

/** Published by `node:http` (and `node:https`) for every request, before the server's `request` listeners run. */
const REQUEST_START = 'http.server.request.start';

/** One finished (or abandoned) request, as the completion line and its consumers see it. */
export interface CompletedRequest {
  method: string;
  /** The route template, when a framework matched one. */
  route: string | undefined;
  /** A framework router handled the request (without a route: none matched). */
  routed: boolean;
  /** The request path without its query string. */
  path: string;
  /** The status sent, or undefined when no response headers were sent. */
  statusCode: number | undefined;
  /** The response did not finish (the client went away, the socket was destroyed). */
  aborted: boolean;
  durationMs: number;
  traceId?: string;
  spanId?: string;
  correlationId?: string;
  userId?: string;
  sessionId?: string;
}

/** What the observer calls. */
export interface ServerRequestHooks {
  /** Once per server, before the listeners of its first request run. Returns what undoes it, if anything. */
  onServer?(server: Server): (() => void) | undefined;
  /** Once per request, when its response finished or the connection closed. */
  onComplete?(request: CompletedRequest): void;
}

/**
 * Observes every HTTP server of the process without patching anything: Node publishes each request on a
 * `diagnostics_channel` before the server's listeners run, which is where an unknown server is met for the first time.
 * A listener prepended to it then runs first for every request — inside the server span and the correlation context
 * when `@otelkit/tracing` runs, since its instrumentation wraps the whole `request` dispatch — and follows the
 * response to its end. Returns what stops observing.
 */
export function observeServerRequests(hooks: ServerRequestHooks, routes: RouteSource): () => void {
  const seen = new WeakSet<object>();
  const undo: (() => void)[] = [];
  const { onComplete } = hooks;

  const onRequest = (server: Server, req: IncomingMessage, res: ServerResponse): void => {
    if (onComplete === undefined) return;
    try {
      const startNs = process.hrtime.bigint();
      const span = trace.getActiveSpan()?.spanContext();
      const ctx = getContext();
      let correlationId = ctx?.correlationId;
      if (correlationId === undefined) {
        const header = req.headers[CORRELATION_ID_HEADER];
        if (isValidCorrelationId(header)) correlationId = header;
      }
      let done = false;
      const complete = (): void => {
        if (done) return;
        done = true;
        try {
          const { route, routed } = routes.describe(req, server);
          const url = req.url ?? '/';
          const q = url.indexOf('?');
          const request: CompletedRequest = {
            method: req.method ?? 'UNKNOWN',
            route,
            routed,
            path: q === -1 ? url : url.slice(0, q),
            statusCode: res.headersSent ? res.statusCode : undefined,
            aborted: !res.writableFinished,
            durationMs: Number(process.hrtime.bigint() - startNs) / 1e6,
          };
          if (span !== undefined && isSpanContextValid(span)) {
            request.traceId = span.traceId;
            request.spanId = span.spanId;
          }
          if (correlationId !== undefined) request.correlationId = correlationId;
          if (ctx?.userId !== undefined) request.userId = ctx.userId;
          if (ctx?.sessionId !== undefined) request.sessionId = ctx.sessionId;
          onComplete(request);
        } catch {
          /* the completion line is ours: losing it must not touch the response */
        }
      };
      res.once('finish', complete);
      res.once('close', complete);
    } catch {
      /* never disturb the request */
    }
  };

  const onRequestStart = (message: unknown): void => {
    try {
      const server = (message as { server?: Server }).server;
      if (server === undefined || seen.has(server)) return;
      seen.add(server);
      const ref = new WeakRef(server);
      const own = hooks.onServer?.(server);
      if (own !== undefined) undo.push(own);
      if (onComplete !== undefined) {
        // Added before Node emits `request` for this very request, so the first request is observed too.
        const listener = (req: IncomingMessage, res: ServerResponse): void => onRequest(server, req, res);
        server.prependListener('request', listener);
        undo.push(() => ref.deref()?.removeListener('request', listener));
      }
    } catch {
      /* never disturb the request */
    }
  };

  diagnostics.subscribe(REQUEST_START, onRequestStart);
  return () => {
    diagnostics.unsubscribe(REQUEST_START, onRequestStart);
    for (const fn of undo.splice(0)) {
      try {
        fn();
      } catch {
        /* best effort */
      }
    }
  };
}
