/**
 * `@otelkit/metrics/express`: HTTP RED metrics for Express 5, with the route template (`/payments/:id`) as
 * `http.route`, mounted routers included.
 *
 * @packageDocumentation
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MeterProvider } from '@opentelemetry/api';
import { schemeOf } from './http/node-http.js';
import { HttpServerRecorder } from './http/server-recorder.js';

/** Options of {@link expressMetrics}. */
export interface ExpressMetricsOptions {
  /**
   * The meter provider to record with.
   * @defaultValue the global provider (the one `startMetrics()` registered)
   */
  meterProvider?: MeterProvider;
}

/** The parts of Express' request this middleware reads (kept structural so `express` stays an optional peer). */
interface AppLike {
  router?: RouterLike;
  _router?: RouterLike;
  mountpath?: unknown;
  parent?: AppLike;
}
interface ExpressRequestLike extends IncomingMessage {
  baseUrl?: string;
  route?: { path?: unknown };
  app?: AppLike;
}
interface LayerLike {
  route?: unknown;
  handle?: { stack?: LayerLike[] };
  matchers?: ((path: string) => { path: string } | false)[];
  rawPath?: unknown;
  slash?: boolean;
}
interface RouterLike {
  stack?: LayerLike[];
}

function trimSlash(pattern: string): string {
  return pattern.length > 1 && pattern.endsWith('/') ? pattern.slice(0, -1) : pattern === '/' ? '' : pattern;
}

/**
 * The template of the mount path that produced `baseUrl` (`/tenants/:tenant` for `/tenants/42`), found by matching
 * the mounted routers' own patterns again — Express keeps only the concrete `baseUrl` on the request. Undefined when
 * a mount is not a plain string pattern (a regular expression or a sub-application), so no raw path ever leaks.
 */
function mountTemplate(stack: LayerLike[] | undefined, baseUrl: string, depth = 0): string | undefined {
  if (stack === undefined || depth > 16) return undefined;
  for (const layer of stack) {
    if (layer.route !== undefined || !Array.isArray(layer.handle?.stack)) continue;
    if (layer.slash) {
      const inner = mountTemplate(layer.handle.stack, baseUrl, depth + 1);
      if (inner !== undefined) return inner;
      continue;
    }
    const matchers = layer.matchers;
    if (!Array.isArray(matchers)) continue;
    for (let i = 0; i < matchers.length; i++) {
      const pattern = Array.isArray(layer.rawPath) ? layer.rawPath[i] : layer.rawPath;
      if (typeof pattern !== 'string') continue;
      let match: { path: string } | false;
      try {
        match = matchers[i]!(baseUrl);
      } catch {
        continue;
      }
      if (!match || !baseUrl.startsWith(match.path)) continue;
      const rest = baseUrl.slice(match.path.length);
      if (rest === '' || rest === '/') return trimSlash(pattern);
      const inner = mountTemplate(layer.handle.stack, rest, depth + 1);
      if (inner !== undefined) return trimSlash(pattern) + inner;
    }
  }
  return undefined;
}

/**
 * The mount template of a sub-application (`app.use('/shop/:shopId', subApp)`), up to the root application; only
 * plain `:param` and static segments, so that it can be matched against `baseUrl` segment by segment.
 */
function appPrefix(app: AppLike | undefined): string | undefined {
  let prefix = '';
  let current = app;
  for (let depth = 0; current?.parent !== undefined && depth < 16; depth++) {
    const mount = current.mountpath;
    if (typeof mount !== 'string' || /[*?()[\]{}]/.test(mount)) return undefined;
    prefix = trimSlash(mount) + prefix;
    current = current.parent;
  }
  return prefix;
}

/** The template of `baseUrl`: the sub-application mounts, then the routers mounted inside the current application. */
function baseTemplate(app: AppLike | undefined, baseUrl: string): string | undefined {
  const prefix = appPrefix(app);
  if (prefix === undefined) return undefined;
  const prefixSegments = prefix === '' ? 0 : prefix.split('/').length - 1;
  const segments = baseUrl.split('/').slice(1);
  if (segments.length < prefixSegments) return undefined;
  const rest = segments.slice(prefixSegments);
  if (rest.length === 0) return prefix;
  const router = app?.router ?? app?._router;
  const inner = mountTemplate(router?.stack, `/${rest.join('/')}`);
  return inner === undefined ? undefined : prefix + inner;
}

const MAX_CACHED_MOUNTS = 1000;

/**
 * Express middleware recording `http.server.request.duration` and `http.server.active_requests`. Register it first
 * (`app.use(expressMetrics())`) so it sees every request. `http.route` is the matched route's template joined to the
 * template of the routers it is mounted in; unmatched requests (404) carry no `http.route`.
 *
 * @example
 * ```ts
 * import { expressMetrics } from '@otelkit/metrics/express';
 * app.use(expressMetrics());
 * app.get('/metrics', metrics.prometheusHandler!);
 * ```
 */
export function expressMetrics(
  options: ExpressMetricsOptions = {},
): (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void {
  const recorder = new HttpServerRecorder(options.meterProvider);
  const mounts = new Map<string, string | undefined>();
  const routeOf = (req: ExpressRequestLike): string | undefined => {
    const path = req.route?.path;
    if (typeof path !== 'string') return undefined;
    const base = req.baseUrl ?? '';
    if (base === '') return path;
    let mount = mounts.get(base);
    if (mount === undefined && !mounts.has(base)) {
      mount = baseTemplate(req.app, base);
      if (mounts.size >= MAX_CACHED_MOUNTS) mounts.clear();
      mounts.set(base, mount);
    }
    if (mount === undefined) return undefined;
    const joined = mount + (path === '/' ? '' : path);
    return joined === '' ? '/' : joined;
  };
  return function otelkitMetrics(req, res, next) {
    const scheme = schemeOf(req);
    const start = recorder.begin(req.method, scheme);
    res.once('close', () => {
      let route: string | undefined;
      try {
        route = routeOf(req as ExpressRequestLike);
      } catch {
        route = undefined;
      }
      recorder.end(start, {
        method: req.method,
        route,
        statusCode: res.headersSent ? res.statusCode : undefined,
        scheme,
        errorType: res.writableFinished ? undefined : 'aborted',
      });
    });
    next();
  };
}
