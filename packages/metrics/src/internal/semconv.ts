import { ATTRIBUTE_NAMES } from '@otelkit/core';

// Semantic-convention names this package records. HTTP request fields come from the core mapping (one spelling for
// every otelkit package); the rest are spelled here once.
export const ATTR_HTTP_REQUEST_METHOD = ATTRIBUTE_NAMES['request.method'];
export const ATTR_HTTP_ROUTE = ATTRIBUTE_NAMES['request.route'];
export const ATTR_HTTP_RESPONSE_STATUS_CODE = ATTRIBUTE_NAMES['request.status_code'];
export const ATTR_ERROR_TYPE = 'error.type';
export const ATTR_URL_SCHEME = 'url.scheme';
export const ATTR_SERVER_ADDRESS = 'server.address';
export const ATTR_SERVER_PORT = 'server.port';

export const METRIC_HTTP_SERVER_REQUEST_DURATION = 'http.server.request.duration';
export const METRIC_HTTP_SERVER_ACTIVE_REQUESTS = 'http.server.active_requests';
export const METRIC_HTTP_CLIENT_REQUEST_DURATION = 'http.client.request.duration';

export const METRIC_DB_CLIENT_CONNECTION_COUNT = 'db.client.connection.count';
export const METRIC_DB_CLIENT_CONNECTION_MAX = 'db.client.connection.max';
export const METRIC_DB_CLIENT_CONNECTION_PENDING_REQUESTS = 'db.client.connection.pending_requests';
export const METRIC_DB_CLIENT_CONNECTION_WAIT_TIME = 'db.client.connection.wait_time';
export const ATTR_DB_CLIENT_CONNECTION_POOL_NAME = 'db.client.connection.pool.name';
export const ATTR_DB_CLIENT_CONNECTION_STATE = 'db.client.connection.state';

/** The overflow attribute of the OpenTelemetry metrics SDK specification. */
export const ATTR_OTEL_METRIC_OVERFLOW = 'otel.metric.overflow';

/** The bucket boundaries the HTTP semantic conventions advise for request durations, in seconds. */
export const HTTP_DURATION_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];

/** HTTP methods kept as they are; anything else is recorded as `_OTHER` (semantic conventions, bounded cardinality). */
const KNOWN_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
  'QUERY',
]);

export function normalizeMethod(method: string | undefined): string {
  if (method === undefined) return '_OTHER';
  if (KNOWN_METHODS.has(method)) return method;
  const upper = method.toUpperCase();
  return KNOWN_METHODS.has(upper) ? upper : '_OTHER';
}
