import type { Attributes, Histogram, Meter, MeterProvider } from '@opentelemetry/api';
import { bindInstrument } from '../guard/guarded-provider.js';
import type { BoundMeasurement } from '../internal/bound-measurement.js';
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

type Scheme = 'http' | 'https';

/** Bound measurements of one provider's duration histogram: scheme, method, route, status, error type. */
type OutcomeCache = Record<
  Scheme,
  Map<string, Map<string | undefined, Map<number | undefined, Map<string | undefined, BoundMeasurement>>>>
>;

interface ServerInstruments {
  duration: Histogram;
  outcomes: OutcomeCache;
  cached: number;
}

interface ActiveEntry {
  attributes: Attributes;
  count: number;
}

// In-flight requests per scheme and method, shared by every recorder of this module: one observable instrument
// reports them, so a request costs two integer updates instead of two SDK measurements.
const active: Record<Scheme, Map<string, ActiveEntry>> = { http: new Map(), https: new Map() };

function activeEntry(method: string, scheme: Scheme): ActiveEntry {
  let entry = active[scheme].get(method);
  if (entry === undefined) {
    entry = {
      attributes: Object.freeze({ [ATTR_HTTP_REQUEST_METHOD]: method, [ATTR_URL_SCHEME]: scheme }),
      count: 0,
    };
    active[scheme].set(method, entry);
  }
  return entry;
}

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
      for (const byMethod of [active.http, active.https]) {
        for (const entry of byMethod.values()) result.observe(entry.count, entry.attributes);
      }
    });
    instruments = { duration, outcomes: { http: new Map(), https: new Map() }, cached: 0 };
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
  scheme: Scheme;
  /** Set when the request failed with an exception (its class name) or the client went away (`aborted`). */
  errorType?: string | undefined;
}

const MAX_CACHED_ATTRIBUTE_SETS = 1000;

function nested<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = create();
    map.set(key, value);
  }
  return value;
}

function outcomeAttributes(
  method: string,
  route: string | undefined,
  status: number | undefined,
  errorType: string | undefined,
  scheme: Scheme,
): Attributes {
  const built: Attributes = { [ATTR_HTTP_REQUEST_METHOD]: method, [ATTR_URL_SCHEME]: scheme };
  if (route !== undefined) built[ATTR_HTTP_ROUTE] = route;
  if (status !== undefined) built[ATTR_HTTP_RESPONSE_STATUS_CODE] = status;
  if (errorType !== undefined) built[ATTR_ERROR_TYPE] = errorType;
  return Object.freeze(built);
}

/**
 * Records `http.server.request.duration` and `http.server.active_requests` (stable HTTP semantic conventions).
 * Each (scheme, method, route, status, error type) gets its frozen attribute set and its bound measurement once
 * (found again through nested maps, no key string built), so a steady workload records each request with one bucket
 * update, without hashing attributes; the exported data is what the SDK's own path would record.
 */
export class HttpServerRecorder {
  readonly #instruments: ProviderCache<ServerInstruments>;

  constructor(meterProvider?: MeterProvider) {
    this.#instruments = new ProviderCache(serverInstruments, meterProvider);
  }

  /** Marks a request in flight; returns its start time for {@link HttpServerRecorder.end}. */
  begin(method: string | undefined, scheme: Scheme): number {
    activeEntry(normalizeMethod(method), scheme).count++;
    return performance.now();
  }

  end(startMs: number, outcome: ServerRequestOutcome): void {
    this.finish(startMs, outcome.method, outcome.route, outcome.statusCode, outcome.scheme, outcome.errorType);
  }

  /** {@link HttpServerRecorder.end} without the outcome object. */
  finish(
    startMs: number,
    rawMethod: string | undefined,
    route: string | undefined,
    status: number | undefined,
    scheme: Scheme,
    explicitErrorType: string | undefined,
  ): void {
    const seconds = (performance.now() - startMs) / 1000;
    const method = normalizeMethod(rawMethod);
    const entry = active[scheme].get(method);
    if (entry !== undefined && entry.count > 0) entry.count--;
    const errorType = explicitErrorType ?? (status !== undefined && status >= 500 ? String(status) : undefined);
    const instruments = this.#instruments.get();
    const bound = instruments.outcomes[scheme].get(method)?.get(route)?.get(status)?.get(errorType);
    if (bound !== undefined) {
      bound.record(seconds);
      return;
    }
    const attributes = outcomeAttributes(method, route, status, errorType, scheme);
    if (instruments.cached >= MAX_CACHED_ATTRIBUTE_SETS) {
      instruments.duration.record(seconds, attributes);
      return;
    }
    const created = bindInstrument(instruments.duration, attributes, 'non-negative');
    const byRoute = nested(instruments.outcomes[scheme], method, () => new Map());
    const byStatus = nested(byRoute, route, () => new Map());
    nested(byStatus, status, () => new Map()).set(errorType, created);
    instruments.cached++;
    created.record(seconds);
  }
}
