import { performance } from 'node:perf_hooks';
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

/** The requests in flight of one (scheme, method), and this pair's bound measurements for the common case. */
export interface ActiveEntry {
  readonly attributes: Attributes;
  readonly method: string;
  readonly scheme: Scheme;
  count: number;
  /** The instruments {@link ActiveEntry.byRoute} was bound to (a provider change rebinds). */
  owner: ServerInstruments | undefined;
  /** Bound measurements by route, then status, for requests without an explicit error type. */
  byRoute: Map<string | undefined, Map<number | undefined, BoundMeasurement>>;
}

// In-flight requests per scheme and method, shared by every recorder of this module: one observable instrument
// reports them, so a request costs two integer updates instead of two SDK measurements.
const active: Record<Scheme, Map<string, ActiveEntry>> = { http: new Map(), https: new Map() };

function activeEntry(method: string, scheme: Scheme): ActiveEntry {
  let entry = active[scheme].get(method);
  if (entry === undefined) {
    entry = {
      attributes: Object.freeze({ [ATTR_HTTP_REQUEST_METHOD]: method, [ATTR_URL_SCHEME]: scheme }),
      method,
      scheme,
      count: 0,
      owner: undefined,
      byRoute: new Map(),
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
    const method = normalizeMethod(outcome.method);
    const entry = active[outcome.scheme].get(method);
    if (entry === undefined) return;
    this.leave(startMs, entry, outcome.route, outcome.statusCode, outcome.errorType);
  }

  /** Marks a request in flight and returns its entry, for {@link HttpServerRecorder.leave} (start time apart). */
  enter(method: string | undefined, scheme: Scheme): ActiveEntry {
    const entry = activeEntry(normalizeMethod(method), scheme);
    entry.count++;
    return entry;
  }

  /** Ends a request {@link HttpServerRecorder.enter} started at `startMs` (from `performance.now()`). */
  leave(
    startMs: number,
    entry: ActiveEntry,
    route: string | undefined,
    status: number | undefined,
    explicitErrorType: string | undefined,
  ): void {
    const seconds = (performance.now() - startMs) / 1000;
    if (entry.count > 0) entry.count--;
    const instruments = this.#instruments.get();
    if (explicitErrorType === undefined) {
      if (entry.owner !== instruments) {
        entry.owner = instruments;
        entry.byRoute = new Map();
      }
      const bound = entry.byRoute.get(route)?.get(status);
      if (bound !== undefined) {
        bound.record(seconds);
        return;
      }
    }
    const { method, scheme } = entry;
    const errorType = explicitErrorType ?? (status !== undefined && status >= 500 ? String(status) : undefined);
    let bound = instruments.outcomes[scheme].get(method)?.get(route)?.get(status)?.get(errorType);
    if (bound === undefined) {
      const attributes = outcomeAttributes(method, route, status, errorType, scheme);
      if (instruments.cached >= MAX_CACHED_ATTRIBUTE_SETS) {
        instruments.duration.record(seconds, attributes);
        return;
      }
      bound = bindInstrument(instruments.duration, attributes, 'non-negative');
      const byRoute = nested(instruments.outcomes[scheme], method, () => new Map());
      const byStatus = nested(byRoute, route, () => new Map());
      nested(byStatus, status, () => new Map()).set(errorType, bound);
      instruments.cached++;
    }
    if (explicitErrorType === undefined) nested(entry.byRoute, route, () => new Map()).set(status, bound);
    bound.record(seconds);
  }
}
