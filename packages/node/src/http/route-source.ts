import diagnostics from 'node:diagnostics_channel';
import type { IncomingMessage, Server } from 'node:http';

/** Published by Fastify 5 before each route handler, with the matched route (no patching, no import of Fastify). */
const FASTIFY_HANDLER_START = 'tracing:fastify.request.handler:start';
/** Published by Fastify 5 with every new instance; its `server` is the node:http server it will listen on. */
const FASTIFY_INITIALIZATION = 'fastify.initialization';

/** What the frameworks said about one request. */
export interface RequestRoute {
  /** The template of the route that matched (`/users/:id`). Never the raw path. */
  route: string | undefined;
  /** A framework with a router handled the request (so no route means none matched, typically a 404). */
  routed: boolean;
}

/** Knows the route template of a request of an unmodified app, whatever framework matched it. */
export interface RouteSource {
  /** The route, for metrics: undefined when none is known. */
  routeOf(req: IncomingMessage): string | undefined;
  describe(req: IncomingMessage, server: Server | undefined): RequestRoute;
  stop(): void;
}

interface ExpressLike {
  route?: { path?: unknown };
  baseUrl?: unknown;
  originalUrl?: unknown;
}

/**
 * Route templates from what the frameworks tell us without being patched: Fastify 5 through its
 * `diagnostics_channel` events (the instance with its server, then the matched route of each request), Express 5
 * through `req.route`, `req.baseUrl` and `req.originalUrl`, which its router sets on the request itself.
 */
export function createRouteSource(): RouteSource {
  const fastifyRoutes = new WeakMap<object, string>();
  const fastifyServers = new WeakSet<object>();
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
  const onFastifyInstance = (message: unknown): void => {
    try {
      const server = (message as { fastify?: { server?: unknown } }).fastify?.server;
      if (typeof server === 'object' && server !== null) fastifyServers.add(server);
    } catch {
      /* never disturb the app */
    }
  };
  diagnostics.subscribe(FASTIFY_HANDLER_START, onFastifyHandler);
  diagnostics.subscribe(FASTIFY_INITIALIZATION, onFastifyInstance);

  const routeOf = (req: IncomingMessage): string | undefined => {
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
  };
  return {
    routeOf,
    describe(req, server) {
      const route = routeOf(req);
      if (route !== undefined) return { route, routed: true };
      let routed = server !== undefined && fastifyServers.has(server);
      try {
        routed ||= typeof (req as IncomingMessage & ExpressLike).originalUrl === 'string';
      } catch {
        /* a request we cannot read is not one a router handled */
      }
      return { route: undefined, routed };
    },
    stop() {
      diagnostics.unsubscribe(FASTIFY_HANDLER_START, onFastifyHandler);
      diagnostics.unsubscribe(FASTIFY_INITIALIZATION, onFastifyInstance);
    },
  };
}
