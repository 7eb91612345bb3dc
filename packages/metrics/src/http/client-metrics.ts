import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Attributes, Histogram, MeterProvider } from '@opentelemetry/api';
import { ProviderCache } from '../internal/provider-cache.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_SCHEME,
  HTTP_DURATION_BUCKETS,
  METRIC_HTTP_CLIENT_REQUEST_DURATION,
  normalizeMethod,
} from '../internal/semconv.js';

interface UndiciRequest {
  method?: string;
  origin?: string | URL;
}
interface NodeClientRequest {
  method?: string;
  host?: string;
  protocol?: string;
  getHeader?: (name: string) => unknown;
}
interface Target {
  method: string;
  scheme: string;
  address: string;
  port: number | undefined;
}

function errorType(error: unknown): string {
  if (error !== null && typeof error === 'object') {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code)) return code;
    const name = (error as { constructor?: { name?: string } }).constructor?.name;
    if (typeof name === 'string' && name !== '') return name;
  }
  return '_OTHER';
}

function undiciTarget(request: UndiciRequest): Target {
  let scheme = 'http';
  let address = '';
  let port: number | undefined;
  try {
    const url = new URL(String(request.origin));
    scheme = url.protocol.replace(':', '');
    address = url.hostname;
    port = url.port === '' ? (scheme === 'https' ? 443 : 80) : Number(url.port);
  } catch {
    /* an origin that is not a URL: keep what we have */
  }
  return { method: normalizeMethod(request.method), scheme, address, port };
}

function nodeTarget(request: NodeClientRequest): Target {
  const scheme = request.protocol === 'https:' ? 'https' : 'http';
  let address = request.host ?? '';
  let port: number | undefined;
  const hostHeader = request.getHeader?.('host');
  if (typeof hostHeader === 'string') {
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hostHeader);
    if (m) {
      address = address || m[1]!;
      if (m[2] !== undefined) port = Number(m[2]);
    }
  }
  return { method: normalizeMethod(request.method), scheme, address, port: port ?? (scheme === 'https' ? 443 : 80) };
}

/**
 * Records `http.client.request.duration` for outbound calls made with `fetch` / undici and with `node:http` /
 * `node:https`, from the diagnostics channels Node.js publishes: no monkey-patching, and no cost when nothing is
 * called. The duration runs from the request's creation to its response headers (or its error).
 * Returns a function that unsubscribes.
 */
export function instrumentHttpClients(meterProvider?: MeterProvider): () => void {
  const instruments = new ProviderCache(
    (meter) =>
      meter.createHistogram(METRIC_HTTP_CLIENT_REQUEST_DURATION, {
        description: 'Duration of HTTP client requests.',
        unit: 's',
        advice: { explicitBucketBoundaries: [...HTTP_DURATION_BUCKETS] },
      }) as Histogram,
    meterProvider,
  );
  const started = new WeakMap<object, { start: number; target: Target }>();

  const finish = (request: object, status: number | undefined, error: string | undefined): void => {
    const entry = started.get(request);
    if (entry === undefined) return;
    started.delete(request);
    const { target } = entry;
    const attributes: Attributes = {
      [ATTR_HTTP_REQUEST_METHOD]: target.method,
      [ATTR_URL_SCHEME]: target.scheme,
      [ATTR_SERVER_ADDRESS]: target.address,
    };
    if (target.port !== undefined) attributes[ATTR_SERVER_PORT] = target.port;
    if (status !== undefined) attributes[ATTR_HTTP_RESPONSE_STATUS_CODE] = status;
    const type = error ?? (status !== undefined && status >= 400 ? String(status) : undefined);
    if (type !== undefined) attributes[ATTR_ERROR_TYPE] = type;
    try {
      instruments.get().record((performance.now() - entry.start) / 1000, attributes);
    } catch {
      /* never into the caller's request */
    }
  };

  const handlers: [string, (message: unknown) => void][] = [
    [
      'undici:request:create',
      (m) => {
        const { request } = m as { request: UndiciRequest };
        started.set(request, { start: performance.now(), target: undiciTarget(request) });
      },
    ],
    [
      'undici:request:headers',
      (m) => {
        const { request, response } = m as { request: object; response: { statusCode?: number } };
        finish(request, response?.statusCode, undefined);
      },
    ],
    [
      'undici:request:error',
      (m) => {
        const { request, error } = m as { request: object; error: unknown };
        finish(request, undefined, errorType(error));
      },
    ],
    [
      'http.client.request.start',
      (m) => {
        const { request } = m as { request: NodeClientRequest & object };
        started.set(request, { start: performance.now(), target: nodeTarget(request) });
      },
    ],
    [
      // Published from Node 22 on. On Node 20 a failed node:http call is not recorded: listening to the request's
      // own 'error' event instead would change what an unhandled error does to the caller's process.
      'http.client.request.error',
      (m) => {
        const { request, error } = m as { request: object; error: unknown };
        finish(request, undefined, errorType(error));
      },
    ],
    [
      'http.client.response.finish',
      (m) => {
        const { request, response } = m as { request: object; response: { statusCode?: number } };
        finish(request, response?.statusCode, undefined);
      },
    ],
  ];
  for (const [name, handler] of handlers) subscribe(name, handler);
  return () => {
    for (const [name, handler] of handlers) unsubscribe(name, handler);
  };
}
