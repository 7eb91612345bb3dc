import type { Attributes, Histogram, Meter, MeterProvider } from '@opentelemetry/api';
import { ProviderCache } from '../internal/provider-cache.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_SCHEME,
  HTTP_DURATION_BUCKETS,
  METRIC_HTTP_SERVER_ACTIVE_REQUESTS,
  METRIC_HTTP_SERVER_REQUEST_DURATION,
  normalizeMethod,
} from '../internal/semconv.js';

interface ServerInstruments {
  duration: Histogram;
}

// In-flight requests per method and scheme, shared by every recorder of this module: one observable instrument
// reports them, so a request costs two integer updates instead of two SDK measurements.
const active = new Map<string, { attributes: Attributes; count: number }>();

const byProvider = new WeakMap<MeterProvider, ServerInstruments>();

function serverInstruments(meter: Meter, provider: MeterProvider): ServerInstruments {
  let instruments = byProvider.get(provider);
  if (instruments === undefined) {
    const duration = meter.createHistogram(METRIC_HTTP_SERVER_REQUEST_DURATION, {
      description: 'Duration of HTTP server requests.',
      unit: 's',
      advice: { explicitBucketBoundaries: [...HTTP_DURATION_BUCKETS] },
    });
    const activeRequests = meter.createObservableUpDownCounter(METRIC_HTTP_SERVER_ACTIVE_REQUESTS, {
      description: 'Number of active HTTP server requests.',
      unit: '{request}',
    });
    activeRequests.addCallback((result) => {
      for (const entry of active.values()) result.observe(entry.count, entry.attributes);
    });
    instruments = { duration };
    byProvider.set(provider, instruments);
  }
  return instruments;
}

/** One finished server request, as the glue of each framework reports it. */
export interface ServerRequestOutcome {
  method: string | undefined;
  /** The route template (`/payments/:id`), or undefined when no route matched: never the raw path. */
  route: string | undefined;
  statusCode: number | undefined;
  scheme: 'http' | 'https';
  /** Set when the request failed with an exception (its class name) or the client went away (`aborted`). */
  errorType?: string | undefined;
}

const MAX_CACHED_ATTRIBUTE_SETS = 1000;

/**
 * Records `http.server.request.duration` and `http.server.active_requests` (stable HTTP semantic conventions).
 * Attribute sets are built once per (method, route, status, error, scheme) and frozen, so a steady workload records
 * with objects the cardinality guard has already admitted.
 */
export class HttpServerRecorder {
  readonly #instruments: ProviderCache<ServerInstruments>;
  readonly #attributes = new Map<string, Attributes>();

  constructor(meterProvider?: MeterProvider) {
    this.#instruments = new ProviderCache(serverInstruments, meterProvider);
  }

  /** Marks a request in flight; returns its start time for {@link HttpServerRecorder.end}. */
  begin(method: string | undefined, scheme: 'http' | 'https'): number {
    const m = normalizeMethod(method);
    const key = `${m} ${scheme}`;
    let entry = active.get(key);
    if (entry === undefined) {
      entry = {
        attributes: Object.freeze({ [ATTR_HTTP_REQUEST_METHOD]: m, [ATTR_URL_SCHEME]: scheme }),
        count: 0,
      };
      active.set(key, entry);
    }
    entry.count++;
    return performance.now();
  }

  end(startMs: number, outcome: ServerRequestOutcome): void {
    const seconds = (performance.now() - startMs) / 1000;
    const method = normalizeMethod(outcome.method);
    const entry = active.get(`${method} ${outcome.scheme}`);
    if (entry !== undefined && entry.count > 0) entry.count--;
    const status = outcome.statusCode;
    const errorType = outcome.errorType ?? (status !== undefined && status >= 500 ? String(status) : undefined);
    const key = `${method}\0${outcome.route ?? ''}\0${status ?? ''}\0${errorType ?? ''}\0${outcome.scheme}`;
    let attributes = this.#attributes.get(key);
    if (attributes === undefined) {
      const built: Attributes = { [ATTR_HTTP_REQUEST_METHOD]: method, [ATTR_URL_SCHEME]: outcome.scheme };
      if (outcome.route !== undefined) built[ATTR_HTTP_ROUTE] = outcome.route;
      if (status !== undefined) built[ATTR_HTTP_RESPONSE_STATUS_CODE] = status;
      if (errorType !== undefined) built[ATTR_ERROR_TYPE] = errorType;
      attributes = Object.freeze(built);
      if (this.#attributes.size < MAX_CACHED_ATTRIBUTE_SETS) this.#attributes.set(key, attributes);
    }
    this.#instruments.get().duration.record(seconds, attributes);
  }
}
