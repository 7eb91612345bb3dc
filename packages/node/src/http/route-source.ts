import diagnostics from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';

/** Published by Fastify 5 before each route handler, with the matched route (no patching, no import of Fastify). */
const FASTIFY_HANDLER_START = 'tracing:fastify.request.handler:start';

/** Knows the route template (`/users/:id`) of a request of an unmodified app, whatever framework matched it. */
export interface RouteSource {
  /** The template of the route that matched, or undefined (no framework, or no route matched). Never the raw path. */
  routeOf(req: IncomingMessage): string | undefined;
  stop(): void;
}

interface ExpressLike {
  route?: { path?: unknown };
  baseUrl?: unknown;
}

/**
 * Route templates from what the frameworks tell us without being patched: Fastify 5 through its
 * `diagnostics_channel` handler events, Express 5 through `req.route` and `req.baseUrl`, which its router sets on the
 * request itself.
 */
export function createRouteSource(): RouteSource {
  const fastifyRoutes = new WeakMap<object, string>();
  const onFastifyHandler = (message: unknown): void => {
    try {
      const m = message as { request?: { raw?: unknown }; route?: { url?: unknown } };
      const raw = m.request?.raw;
      const url = m.route?.url;
      if (typeof raw === 'object' && raw !== null && typeof url === 'string') fastifyRoutes.set(raw, url);
    } catch {
      /* never disturb the request */
    }
  };
  diagnostics.subscribe(FASTIFY_HANDLER_START, onFastifyHandler);
  return {
    routeOf(req) {
      const fastify = fastifyRoutes.get(req);
      if (fastify !== undefined) return fastify;
      try {
        const express = req as IncomingMessage & ExpressLike;
        const path = express.route?.path;
        if (path === undefined || path === null) return undefined;
        const template = typeof path === 'string' ? path : String(path);
        const base = typeof express.baseUrl === 'string' ? express.baseUrl : '';
        return `${base}${template}` || '/';
      } catch {
        return undefined;
      }
    },
    stop() {
      diagnostics.unsubscribe(FASTIFY_HANDLER_START, onFastifyHandler);
    },
  };
}
